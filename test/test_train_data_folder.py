"""train's data folders: symlinked bag folders are found, --resume refuses data changed since."""

import os
import shutil

import pytest

from vjepa_ros.cli import main
from vjepa_ros.recordings.bag_writing import write_bag
from vjepa_ros.train.episodes import find_sources
from vjepa_ros.train.synthetic import blob_episode, write_blob_episodes, write_tiny_encoder

pytestmark = pytest.mark.usefixtures("one_thread")  # tiny models: 1 thread is fastest


def _train(data, out, *more):
    return ["train", "--data", str(data), "--out", str(out), "--steps", "2",
            "--batch-size", "2", "--frames-per-clip", "4", "--predictor-dim", "32", "--depth",
            "1", "--heads", "2", "--val-fraction", "0", "--quiet", *more]


def test_a_folder_of_links_to_bags_is_searched_and_a_link_loop_is_not_followed(tmp_path):
    """``train --data bags`` (links to bag folders) said "no episodes ... in it"."""
    episode = blob_episode(frames=8, seed=1)
    write_bag(tmp_path / "recorded" / "b1", episode.frames, episode.states, episode.timestamps)
    write_blob_episodes(tmp_path / "episodes", 1, frames=8)
    links = tmp_path / "bags"
    links.mkdir()
    os.symlink("../recorded/b1", links / "b1")
    os.symlink("../episodes", links / "episodes")
    os.symlink(".", links / "loop")  # a loop: searched once
    found = find_sources([links])
    assert [(s.path.relative_to(links).as_posix(), s.kind) for s in found] == \
        [("b1", "bag"), ("episodes/blob_0000.npz", "npz")]


def test_a_broken_symlink_in_a_data_folder_is_noted_or_refused_when_alone(tmp_path):
    """A link in --data to a bag that was moved away was skipped without a word."""
    from vjepa_ros.train.episodes import EpisodeError

    data = tmp_path / "data"
    write_blob_episodes(data, 1, frames=8)
    os.symlink("../gone/b2", data / "b2")
    notes = []
    assert [s.path.name for s in find_sources([data], notes)] == ["blob_0000.npz"]
    assert notes == [f"skipped {data / 'b2'}: it is a broken symlink (to ../gone/b2, which "
                     "does not exist)"]
    alone = tmp_path / "alone"
    alone.mkdir()
    os.symlink("../gone/b3.npz", alone / "b3.npz")  # not read as an episode either
    with pytest.raises(EpisodeError) as refused:
        find_sources([alone], [])
    assert str(refused.value) == (
        f"{alone}: no episodes (.npz files) or rosbag2 bags in it (skipped {alone / 'b3.npz'}: "
        "it is a broken symlink (to ../gone/b3.npz, which does not exist))")


def test_resume_refuses_data_added_removed_or_changed_and_takes_it_moved(tmp_path, capsys):
    """A bag copied into --data was trained on by --resume with no word ("continues exactly")."""
    data = tmp_path / "data"
    write_blob_episodes(data, 2, frames=8, seed=3)
    encoder = write_tiny_encoder(tmp_path / "encoder.pt")
    out = tmp_path / "run"
    assert main(_train(data, out, "--encoder", str(encoder))) == 0
    capsys.readouterr()
    resume = ["train", "--out", str(out), "--resume", "--steps", "3", "--quiet"]
    write_blob_episodes(data, 1, frames=8, seed=9)  # one more episode in the folder
    assert main(resume) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--data: added {data / 'blob_0009.npz'}" in err
    assert f"--out NEW_DIR --init {out / 'latest.pt'}" in err
    (data / "blob_0009.npz").unlink()
    shutil.copy(data / "blob_0003.npz", data / "blob_0004.npz")  # re-recorded in place
    assert main(resume) == 1
    assert f"changed {data / 'blob_0004.npz'}" in capsys.readouterr().err
    write_blob_episodes(data, 1, frames=8, seed=4)  # back as it was: resumes
    moved = tmp_path / "moved"
    shutil.copytree(data, moved)  # copied elsewhere (new mtimes): the same data
    shutil.rmtree(data)
    assert main([*resume, "--data", str(moved)]) == 0, capsys.readouterr().err
    (moved / "blob_0003.npz").unlink()
    assert main(["train", "--out", str(out), "--resume", "--steps", "4", "--quiet"]) == 1
    assert f"removed {moved / 'blob_0003.npz'}" in capsys.readouterr().err


def test_a_world_model_or_a_pretrain_encoder_where_a_run_is_wanted_says_what_to_give(
        tmp_path, capsys):
    """Both said only "is not a training checkpoint" / "holds no ... predictor"."""
    from vjepa_ros.models import build_predictor, load_models, save_world_model

    encoder = load_models(write_tiny_encoder(tmp_path / "tiny.pt"))[0]
    pretrained = save_world_model(tmp_path / "enc.pt", encoder, None,
                                  extra={"pretrain": {"steps": 0}})
    (tmp_path / "model").mkdir()
    model = save_world_model(tmp_path / "model" / "latest.pt", encoder, build_predictor(
        embed_dim=32, predictor_embed_dim=32, depth=1, num_heads=2, img_size=32, patch_size=8))
    data = tmp_path / "data"
    write_blob_episodes(data, 1, frames=8)
    assert main(["train", "--out", str(model.parent), "--resume", "--steps", "3"]) == 1
    assert "is a world model (encoder + predictor, no optimizer state or settings), nothing " \
        f"to resume; start a new run from its predictor with vjepa-ros train --init {model} " \
        in capsys.readouterr().err
    assert main(["train", "--data", str(data), "--out", str(tmp_path / "run"), "--init",
                 str(pretrained), "--val-fraction", "0"]) == 1
    assert f"--init {pretrained} is an encoder alone, written by vjepa-ros pretrain: no " \
        f"predictor to start from; give it as --encoder {pretrained} and leave out --init" \
        in capsys.readouterr().err
    shutil.copy(pretrained, model)
    assert main(["train", "--out", str(model.parent), "--resume", "--steps", "3"]) == 1
    assert f"it is an encoder written by vjepa-ros pretrain, nothing to resume; train a " \
        f"predictor on it with vjepa-ros train --encoder {model}" in capsys.readouterr().err


@pytest.mark.parametrize("size", [0, 300])
def test_a_recording_killed_before_its_first_message_gives_one_reason_and_what_to_do(
        tmp_path, size):
    """It said "cannot read this MCAP file (File ... seems to be empty.; ... is empty ...)"."""
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.bags import read_recording

    episode = blob_episode(frames=4, seed=2)
    whole = write_bag(tmp_path / "whole", episode.frames, episode.states, episode.timestamps)
    killed = tmp_path / "killed"
    killed.mkdir()
    (killed / "killed_0.mcap").write_bytes(next(whole.glob("*.mcap")).read_bytes()[:size])
    with pytest.raises(BagError) as refused:
        read_recording(killed, None)
    message = str(refused.value)
    assert message.startswith(f"{killed / 'killed_0.mcap'} is ")
    assert message.endswith("nothing to read; the recorder stopped (was killed) before it "
                            "wrote a message: leave this bag out of the data given, or record "
                            "it again")
    assert message.count("killed_0.mcap") == 1 and "File " not in message  # not rosbags' too


def test_resume_after_a_source_was_removed_names_the_removal_not_the_split(tmp_path, capsys):
    """It said "1 episode source(s): cannot hold one out for validation; ... --val-fraction 0".

    That advice --resume then refused ("cannot change --val-fraction").
    """
    data = tmp_path / "data"
    write_blob_episodes(data, 2, frames=8, seed=3)
    encoder = write_tiny_encoder(tmp_path / "encoder.pt")
    out = tmp_path / "run"
    command = _train(data, out, "--encoder", str(encoder))
    command[command.index("--val-fraction") + 1] = "0.5"
    assert main(command) == 0, capsys.readouterr().err
    capsys.readouterr()
    (data / "blob_0004.npz").unlink()
    assert main(["train", "--out", str(out), "--resume", "--steps", "3", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--data: removed {data / 'blob_0004.npz'}" in err
    assert "validation" not in err
    link, other = tmp_path / "link", tmp_path / "other"  # a linked --data re-pointed elsewhere
    write_blob_episodes(other, 1, frames=8, seed=7)
    link.symlink_to(data)
    write_blob_episodes(data, 1, frames=8, seed=4)  # back as it was
    command[command.index(str(data))] = str(link)
    command[command.index(str(out))] = str(tmp_path / "linked_run")
    assert main(command) == 0, capsys.readouterr().err
    capsys.readouterr()
    link.unlink()
    link.symlink_to(other)
    assert main(["train", "--out", str(tmp_path / "linked_run"), "--resume", "--steps", "3",
                 "--quiet"]) == 1
    err = capsys.readouterr().err
    assert f"--data: added {other / 'blob_0007.npz'}; removed" in err and "validation" not in err


def test_data_written_again_with_the_same_content_keeps_its_identity(tmp_path):
    """Refused by --resume as changed data: rewritten metadata.yaml, an npz saved again.

    A bag's metadata.yaml reloaded and written back (``ros2 bag reindex``), and an npz saved
    again with identical arrays.
    """
    import numpy as np
    import yaml

    from vjepa_ros.train.data_identity import data_change, data_identity, is_legacy
    from vjepa_ros.train.episodes import Source

    episode = blob_episode(frames=6, seed=5)
    bag = write_bag(tmp_path / "bag", episode.frames, episode.states, episode.timestamps)
    npz = tmp_path / "episode.npz"
    np.savez_compressed(npz, frames=episode.frames, states=episode.states)
    groups = {"--data": [Source(bag, "bag"), Source(npz, "npz")]}
    before, legacy = data_identity(groups), data_identity(groups, legacy=True)
    assert is_legacy(legacy) and not is_legacy(before)
    assert data_change(legacy, data_identity(groups, legacy=True)) is None  # an older run
    metadata = bag / "metadata.yaml"
    metadata.write_text(yaml.safe_dump(yaml.safe_load(metadata.read_text()), indent=4))
    with np.load(npz) as arrays:
        np.savez(npz, **{name: arrays[name] for name in arrays.files})  # uncompressed now
    assert data_change(before, data_identity(groups)) is None
    np.savez(npz, frames=episode.frames, states=episode.states + 1)  # other content
    assert data_change(before, data_identity(groups)) == f"--data: changed {npz}"
    # a run stored before the new digests: compared by the kind it stored (serialization too)
    assert data_change(legacy, data_identity(groups, legacy=True)) == \
        f"--data: changed {bag}, {npz}"

"""low28: a split recording missing its first part, upper-case suffixes, `-` paths, resume.

Each fails on the code before low28.
"""

import os
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import write_test_bag
from vjepa_ros.recordings.bag_files import BagError, open_reader
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_bag
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.train.episodes import EpisodeError, find_sources
from vjepa_ros.train.synthetic import blob_episode


def _killed(tmp_path, keep, metadata):
    """x_0..x_2.mcap of one recording (4 frames each, following one another), ``keep`` only."""
    from vjepa_ros.eval.synthetic import synthetic_episode

    frames, states, _ = synthetic_episode(11)
    times = np.arange(12) * 0.25
    folder = tmp_path / "killed"
    folder.mkdir()
    for part in keep:
        cut = slice(4 * part, 4 * part + 4)
        bag = write_bag(tmp_path / f"p{part}", frames[cut], states[cut],
                        times[cut] - times[cut][0],
                        start_time_ns=DEFAULT_START_NS + part * 1_000_000_000)
        shutil.copy(next(bag.glob("*.mcap")), folder / f"x_{part}.mcap")
    if metadata:  # rosbag2 rewrites it at each split: it lists every part
        info = yaml.safe_load((bag / "metadata.yaml").read_text())
        info["rosbag2_bagfile_information"]["relative_file_paths"] = [
            "x_0.mcap", "x_1.mcap", "x_2.mcap"]
        info["rosbag2_bagfile_information"]["files"] = []
        (folder / "metadata.yaml").write_text(yaml.safe_dump(info))
    return folder


@pytest.mark.parametrize("metadata", [False, True])
def test_a_missing_first_part_of_a_split_recording_is_named(tmp_path, metadata):
    folder = _killed(tmp_path, (1, 2), metadata)
    recording = read_recording(folder)
    assert len(recording.image_times) == 8
    assert f"{folder}: x_0.mcap of split recording x missing before x_1.mcap: its messages " \
        "are lost; copy it in from the recording machine if it is there" in recording.notes


def test_a_missing_last_part_the_metadata_lists_is_named_a_lone_ep_1_is_no_split(tmp_path):
    folder = _killed(tmp_path, (0, 1), True)
    assert any("x_2.mcap of split recording x missing after x_1.mcap" in note
               for note in read_recording(folder).notes)
    take = tmp_path / "take"  # no metadata, one file, the folder of another name: no evidence
    take.mkdir()
    shutil.copy(next(write_test_bag(tmp_path / "b").glob("*.mcap")), take / "ep_1.mcap")
    assert not any("of split recording" in note for note in read_recording(take).notes)


@pytest.mark.parametrize("keep, gone", [((1, 2), "x_0"), ((0, 2), "x_1"), ((0, 1), "x_2")])
def test_a_missing_part_the_metadata_lists_is_named_once_in_the_packages_words(tmp_path, keep,
                                                                               gone):
    """low28b: rosbags' "Some database files are missing: .../x_0.mcap" came beside it.

    A listed file that is no part of a split recording is named by rosbags' note still.
    """
    folder = _killed(tmp_path, keep, True)
    recording = read_recording(folder)
    assert len(recording.image_times) == 8
    assert len(recording.notes) == 1, recording.notes
    assert f"{gone}.mcap of split recording x missing" in recording.notes[0]
    metadata = folder / "metadata.yaml"
    info = yaml.safe_load(metadata.read_text())
    info["rosbag2_bagfile_information"]["relative_file_paths"].append("other.mcap")
    metadata.write_text(yaml.safe_dump(info))
    notes = read_recording(folder).notes
    assert any("Some database files are missing" in note and "other.mcap" in note
               for note in notes), notes
    assert f"{gone}.mcap of split recording x missing" in notes[-1]


def _upper(tmp_path, name):
    """Return a readable recording saved under ``name`` (EP0.NPZ, x.MCAP, x.Mcap)."""
    if name.lower().endswith(".npz"):
        path = blob_episode(frames=4, seed=1, size=16).save(tmp_path / "ep0.npz")
    else:
        path = next(write_test_bag(tmp_path / "b").glob("*.mcap"))
    (tmp_path / "data").mkdir()
    return path.rename(tmp_path / "data" / name)


@pytest.mark.parametrize("name", ["EP0.NPZ", "ep0.Npz", "x.MCAP", "x.Mcap"])
def test_an_upper_case_suffix_is_refused_alike_by_every_command(tmp_path, name):
    """train/pretrain (find_sources) and eval/camera-check (open_reader) give the same move.

    Given by itself it said "not an episode (.npz) or a bag", and a folder holding only it
    "no episodes ... in it", without the move the walk's note gives.
    """
    path = _upper(tmp_path, name)
    lower = path.with_name(path.stem + path.suffix.lower())
    fix = f"its suffix is not lower case as data's are (.mcap, .db3, .mcap.zstd, .db3.zstd, " \
        f".npz); to read it: `mv -n {path} {lower}`"
    with pytest.raises(EpisodeError) as refused:
        find_sources([path])
    assert str(refused.value) == f"{path}: {fix}"
    with pytest.raises(EpisodeError) as refused:
        find_sources([path.parent])
    assert f"(skipped {path}: {fix})" in str(refused.value)
    if not name.lower().endswith(".npz"):
        with pytest.raises(BagError) as refused:
            open_reader(path)
        assert str(refused.value) == f"{path}: {fix}"
        with pytest.raises(BagError) as refused:
            open_reader(path.parent)
        assert str(refused.value).endswith(f"; {name}: {fix}")


OPTIONS = ("-n", "-R", "-o", "--episode")  # the advice's own options


def test_shell_advice_never_reads_a_path_starting_with_a_dash_as_options(tmp_path,
                                                                         monkeypatch):
    """``mv -n -x.NPZ -x.npz`` pasted: mv reads -x.NPZ as options. Every builder is asked."""
    from vjepa_ros.path_advice import permission_fix, shell_command
    from vjepa_ros.recordings.bag_files import reindex, repair_hint
    from vjepa_ros.recordings.bag_folders import unreadable_folder, walk_files
    from vjepa_ros.recordings.mcap_salvage import Damage
    from vjepa_ros.recordings.split_parts import _move

    monkeypatch.chdir(tmp_path)
    upper = Path("-EP0.NPZ")
    upper.write_bytes(b"")
    notes: list[str] = []
    assert walk_files(Path("."), notes) == []  # skipped, with the mv -n in its note
    Path("-ep.npz").write_bytes(b"an episode")
    with pytest.raises(BagError) as episode:  # eval given an episode: bag-from-npz
        open_reader(Path("-ep.npz"))
    lines = {
        "mv -n": notes[0],
        "mkdir/mv": _move([Path("-x_0.mcap"), Path("-x_1.mcap")]),
        "chmod -R": "`%s`" % unreadable_folder(
            Path("-lab"), PermissionError(13, "Permission denied")).split("(")[-1].split(")")[0],
        "chmod/chown": permission_fix(upper),
        "reindex": f"`{reindex(Path('-bag'))}`",
        "sqlite3": repair_hint(Path("-x.db3"), "sqlite3"),
        "mcap recover": repair_hint(Path("-x.mcap"), "mcap"),
        "salvage": Damage(file_size=10, truncated_at=5).summary(Path("-x.mcap")),
        "bag-from-npz": str(episode.value),
        "shell_command": f"`{shell_command('rm', Path('-f'))}`",
    }
    for what, line in lines.items():
        commands = line.split("`")[1::2]
        assert commands, (what, line)
        for command in commands:
            for part in command.split(" && "):
                words = shlex.split(part.split(" | ")[0])
                paths = [w for w in words[1:] if w.startswith("-") and w not in OPTIONS]
                assert not paths, (what, command)
    assert lines["mv -n"].endswith("`mv -n ./-EP0.NPZ ./-EP0.npz`")
    assert shell_command("chmod", "-R", "a+rX", Path("/abs/-x")) == "chmod -R a+rX /abs/-x"


def test_a_macos_fork_in_a_bag_folder_is_no_recording_of_its_own(tmp_path):
    """Its ._x.mcap was read as an unlisted recording: train refused ("not an MCAP file")."""
    data = tmp_path / "data"
    for number in range(2):
        write_test_bag(data / f"b{number}", frames=8, seed=number + 1)
    (data / "b0" / "._b0.mcap").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    notes: list[str] = []
    assert [s.path for s in find_sources([data], notes)] == [data / "b0", data / "b1"], notes
    assert notes == [f"skipped {data / 'b0' / '._b0.mcap'}: macOS resource forks (._ files a "
                     "Mac writes beside each file on a FAT/exFAT disk), no recordings"]


def test_a_run_digested_before_the_walk_skipped_forks_and_links_resumes(tmp_path):
    """Runs stored before session 27 digested ._ files and every link route: "data changed"."""
    from vjepa_ros.train.data_identity import (
        data_change,
        data_identity,
        every_route,
        legacy_digest,
        resume_change,
        source_digest,
    )
    from vjepa_ros.train.episodes import Source

    bag = write_test_bag(tmp_path / "data" / "bag")
    (bag / "._x.mcap").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    (bag / "more").mkdir()
    (bag / "more" / "y.mcap").write_bytes(b"y" * 100)
    os.symlink("more", bag / "again")  # a second route to more/
    os.symlink("more", bag / "third")
    groups = {"--data": [Source(bag, "bag")], "--val": []}
    key = str(bag.resolve())
    for digest in (source_digest, legacy_digest):
        stored = {"--data": {key: digest(bag, walk=every_route)}, "--val": {}}
        if digest is source_digest:  # what the old comparison said
            assert data_change(stored, data_identity(groups)) is not None
        assert resume_change(stored, groups) is None
    stored = {"--data": {key: source_digest(bag, walk=every_route)}, "--val": {}}
    (bag / "more" / "y.mcap").write_bytes(b"z" * 100)  # a real change still is one
    assert resume_change(stored, groups) == f"--data: changed {key}"

"""Bag-only settings (topics, step rate) given for data that holds no bag: a note, not silence.

user32 found ``vjepa-ros pretrain --image-topic /cam`` on ``.npz`` episodes running without a
word; a user then believes the topic was read. ``train`` had the same silence for its topic,
rate and state-gap settings, from options or ``--config``.
"""

import pytest
import yaml

from vjepa_ros.cli import main
from vjepa_ros.models import load_models
from vjepa_ros.recordings.bag_writing import write_bag
from vjepa_ros.train import DataConfig, find_sources
from vjepa_ros.train.bag_only import changed_bag_settings, unused_bag_note
from vjepa_ros.train.synthetic import blob_episode, write_blob_episodes, write_tiny_encoder

pytestmark = pytest.mark.usefixtures("one_thread")

PRETRAIN_TINY = dict(patch_size=8, embed_dim=48, depth=1, num_heads=2, predictor_dim=24,
                     predictor_depth=1, predictor_heads=2, batch_size=2, frames_per_clip=2,
                     monitor_frames=4, img_size=32,
                     mask_short={"num_blocks": 2, "spatial_scale": [0.15, 0.15]},
                     mask_long={"num_blocks": 1, "spatial_scale": [0.5, 0.5]})


def _data(**topics) -> DataConfig:
    data = DataConfig(frames_per_clip=4)
    for name, value in topics.items():
        setattr(data.topics, name, value)
    return data


def test_the_changed_bag_settings_are_named_by_their_keys(tmp_path):
    data = _data(image="/cam", stamps="receive")
    data.max_state_gap_s = 0.5
    data.rate_hz = 10.0  # .npz episodes are resampled to it too (breaker33t)
    assert changed_bag_settings(data) == ["data.max_state_gap_s", "data.topics.image",
                                          "data.topics.stamps"]
    assert changed_bag_settings(_data()) == []
    assert changed_bag_settings(data, ignore=("data.max_state_gap_s",)) == [
        "data.topics.image", "data.topics.stamps"]


def test_the_note_comes_only_for_data_without_a_bag(tmp_path):
    write_blob_episodes(tmp_path / "eps", 2, frames=6, seed=0)
    npz_only = find_sources([tmp_path / "eps"])
    note = unused_bag_note(npz_only, _data(image="/cam"))
    assert note == ("data.topics.image (--image-topic) applies to rosbag2 bags only; the data "
                    "holds no bag (2 .npz episodes, which hold no topics): not used")
    assert unused_bag_note(npz_only, _data()) is None  # nothing set: nothing to say
    assert unused_bag_note(npz_only, _data(image="/cam"), keys=False).startswith(
        "--image-topic applies to rosbag2 bags only")
    episode = blob_episode(frames=6, seed=3)
    write_bag(tmp_path / "eps" / "bag", episode.frames, episode.states, episode.timestamps)
    with_bag = find_sources([tmp_path / "eps"])
    assert {s.kind for s in with_bag} == {"bag", "npz"}
    assert unused_bag_note(with_bag, _data(image="/cam")) is None  # the bag reads it


def _pretrain(tmp_path, *options):
    episodes = tmp_path / "eps"
    write_blob_episodes(episodes, 2, frames=6, seed=0)
    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump(PRETRAIN_TINY))
    return main(["pretrain", "--data", str(episodes), "--out", str(tmp_path / "enc.pt"),
                 "--steps", "0", "--threads", "1", "--config", str(settings), *options])


def test_pretrain_notes_bag_options_given_for_npz_episodes(tmp_path, capsys):
    assert _pretrain(tmp_path, "--image-topic", "/cam", "--stamps", "receive") == 0
    notes = [line for line in capsys.readouterr().out.splitlines()
             if "bags only" in line]
    assert notes == ["note: --image-topic, --stamps apply to rosbag2 bags only; the data holds no "
                     "bag (2 .npz episodes, which hold no topics): not used"]


def test_pretrain_says_when_a_batch_is_larger_than_the_distinct_clips(tmp_path, capsys):
    # 2 episodes of 6 frames, 2 frames per clip: 5 clip starts each, 10 in all
    assert _pretrain(tmp_path, "--batch-size", "16") == 0
    out = capsys.readouterr().out
    assert ("note: a batch of 16 clips is drawn from 10 distinct clips: clips repeat within "
            "every batch (drawn with replacement); more data, or --batch-size 10 or less, "
            "gives distinct clips") in out
    assert _pretrain(tmp_path / "again", "--batch-size", "10") == 0
    assert "distinct clips" not in capsys.readouterr().out


def test_train_notes_bag_settings_of_its_config_for_npz_episodes(tmp_path):
    from vjepa_ros.train import make_config
    from vjepa_ros.train.data_banks import load_banks

    encoder = load_models(write_tiny_encoder(tmp_path / "encoder.pt"))[0]
    write_blob_episodes(tmp_path / "eps", 2, frames=6, seed=0)
    config = make_config({"out": str(tmp_path / "run"), "data.train": [str(tmp_path / "eps")],
                          "data.frames_per_clip": 4, "data.val_fraction": 0.0,
                          "data.topics.pose": "/franka/ee_pose", "data.max_state_gap_s": 0.5,
                          "device": "cpu", "progress": False})
    lines: list[str] = []
    load_banks(config, encoder, log=lines.append)
    assert [line for line in lines if "bags only" in line] == [
        "note        data.max_state_gap_s, data.topics.pose (--pose-topic) apply to rosbag2 "
        "bags only; the data holds no bag (2 .npz episodes, which hold no topics): "
        "not used"]


"""Recordings as labs have them: killed before closing, truncated, corrupt, compressed, two clocks.

Field examples from ../shared/data/field plus damaged bags made here with ``rosbags``: every one is
read (with a note that counts what was lost) or refused with one line naming the file and the fix.
Damaged bags made here with ``rosbags``: ``test_eval_recordings_damaged.py``.
"""

import numpy as np
import pytest
from rosbags.rosbag2 import StoragePlugin, Writer

from conftest import SHARED_DATA
from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_bag
from vjepa_ros.recordings.bags import read_recording

FIELD = SHARED_DATA / "field"
SEC = 1_000_000_000


def _field(name):
    path = FIELD / name
    if not path.is_dir():
        pytest.fail(f"field recording missing: {path} (../shared must sit beside the repository)")
    return path


@pytest.fixture(scope="module")
def episode():
    frames, states, _ = synthetic_episode(15)  # 16 frames of 32x32
    return frames, states


# -- field recordings


@pytest.mark.parametrize("name, storage", [("killed-no-metadata-mcap", "mcap"),
                                           ("killed-no-metadata-db3", "sqlite3")])
def test_field_killed_recordings_are_read_from_their_data_file(name, storage):
    path = _field(name)
    recording = read_recording(path)
    assert recording.storage == storage
    assert len(recording.image_times) == 10 and len(recording.state_times) == 10
    assert any("no metadata.yaml" in note and f"`ros2 bag reindex {path}`" in note
               for note in recording.notes)
    assert recording.load_frames(range(10)).shape[0] == 10


def test_field_truncated_mcap_reads_its_intact_part_and_counts_the_loss():
    path = _field("truncated-mcap")
    recording = read_recording(path)
    note = next(note for note in recording.notes if "is damaged" in note)
    assert "recording_0.mcap" in note and "read 21 intact messages" in note
    assert "mcap recover" in note
    # Frames every 0.25 s; the cut at 70 % keeps the first 7 of 10 and loses 0.75 s.
    assert len(recording.image_times) == 7
    np.testing.assert_array_equal(np.diff(recording.image_times), SEC // 4)
    assert "lost messages spanning 0.75 s" in note
    # Reindexing cannot mend a truncated file: only `mcap recover` is offered.
    assert not any("reindex" in note for note in recording.notes)
    assert any("no metadata.yaml" in note for note in recording.notes)
    assert recording.load_frames(range(7)).shape == (7, *recording.load_frames([0]).shape[1:])


def test_field_camera_8uc3_decodes_as_bgr():
    path = _field("camera-8uc3")
    recording = read_recording(path)
    assert recording.storage == "mcap"
    from rosbags.rosbag2 import Reader

    with Reader(path) as reader:
        connection = next(c for c in reader.connections if c.topic == recording.image_topic)
        _, _, raw = next(reader.messages(connections=[connection]))
    msg = m.typestore().deserialize_cdr(raw, m.IMAGE)
    assert msg.encoding == "8UC3"
    bgr = np.frombuffer(bytes(msg.data), np.uint8).reshape(msg.height, msg.width, 3)
    first = int(np.flatnonzero(recording.image_ordinals == 0)[0])
    np.testing.assert_array_equal(recording.load_frames([first])[0], bgr[..., ::-1])


# -- bags made here


def _camera_and_pose_bag(path, count, image_at, pose_at):
    """Write frames ``image_at(i, t)`` and poses ``pose_at(i, t)`` (CDR) received at 4 Hz."""
    store = m.typestore()
    with Writer(path, version=8, storage_plugin=StoragePlugin.MCAP) as writer:
        image = writer.add_connection("/camera/camera/color/image_raw", m.IMAGE, typestore=store)
        pose = writer.add_connection("/franka_robot_state_broadcaster/current_pose",
                                     m.POSE_STAMPED, typestore=store)
        for i in range(count):
            t = DEFAULT_START_NS + i * SEC // 4
            writer.write(image, t, store.serialize_cdr(image_at(i, t), m.IMAGE))
            writer.write(pose, t, pose_at(i, t))
    return path


def _pose_bytes(state, t):
    return m.typestore().serialize_cdr(m.pose_message(state, t, "base"), m.POSE_STAMPED)


# -- clocks


def _two_clock_bag(path):
    """Camera stamped on a device clock (42 s since boot), robot on the system clock; 4 Hz."""
    frames, states, _ = synthetic_episode(5)
    bag = _camera_and_pose_bag(
        path, len(frames), lambda i, t: m.image_message(frames[i], 42 * SEC + i * SEC // 4, "c"),
        lambda i, t: _pose_bytes(states[i], t),
    )
    return bag, states


def test_a_camera_on_its_device_clock_is_refused_with_spans_and_the_option(tmp_path):
    bag, states = _two_clock_bag(tmp_path / "bag")
    with pytest.raises(BagError) as caught:
        read_recording(bag)
    text = str(caught.value)
    assert text.startswith(f"{bag}: the camera frames (/camera/camera/color/image_raw: "
                           "42.000..43.250 s (not a system-clock time")
    assert "/franka_robot_state_broadcaster/current_pose: 1700000000.000..1700000001.250 s " \
           "(from 2023-11-14 22:13:20 UTC)" in text
    assert "--stamps receive" in text and "\n" not in text
    recording = read_recording(bag, BagTopics(stamps="receive"))
    np.testing.assert_array_equal(recording.image_times,
                                  DEFAULT_START_NS + np.arange(6) * SEC // 4)
    np.testing.assert_allclose(recording.states[:, :3], states[:, :3], atol=1e-12)
    with pytest.raises(BagError, match="stamps must be one of"):
        read_recording(bag, BagTopics(stamps="sensor"))


def test_eval_and_train_take_the_stamps_option(tmp_path, capsys):
    from vjepa_ros.cli import build_parser, main
    from vjepa_ros.train.command_options import overrides_from_args

    bag, _ = _two_clock_bag(tmp_path / "bag")
    common = ["--samples", "4", "--topk", "2", "--iterations", "1", "--landscape-points", "0",
              "--max-steps", "1", "--no-plots", "--quiet", "--out", str(tmp_path / "out")]
    assert main(["eval", str(bag), *common]) == 1
    assert "--stamps receive" in capsys.readouterr().err
    assert main(["eval", str(bag), "--stamps", "receive", *common]) == 0
    assert "planner       CEM S 4, H 1, I 1, k 2" in capsys.readouterr().out
    args = build_parser().parse_args(["train", "--data", str(bag), "--stamps", "receive"])
    assert overrides_from_args(args)["data.topics.stamps"] == "receive"


# -- topics and counts


def test_missing_and_thin_camera_topics_name_the_bag_and_the_fix(tmp_path, episode):
    frames, states = episode
    bag = write_bag(tmp_path / "bag", frames[:1], states[:1])
    with pytest.raises(BagError, match=f"{bag}: image topic /camera/camera/color/image_raw has 1 "
                       "message.*--image-topic"):
        read_recording(bag)
    bag = write_bag(tmp_path / "bag2", frames, states)
    with pytest.raises(BagError, match=f"{bag}: image topic /cam is not in the bag; image topics "
                       "there: /camera/camera/color/image_raw: name the camera topic with "
                       "--image-topic "
                       "/camera/camera/color/image_raw "):
        read_recording(bag, BagTopics(image="/cam"))
    empty = tmp_path / "empty"
    with Writer(empty, version=8, storage_plugin=StoragePlugin.MCAP):
        pass
    with pytest.raises(BagError) as refused:  # no image topic at all: no option can help
        read_recording(empty)
    assert str(refused.value) == (
        f"{empty}: the bag has no image topic (sensor_msgs/Image or CompressedImage): "
        "evaluating and training need the camera's frames beside the arm's state; record the "
        "camera's colour stream (e.g. /camera/camera/color/image_raw) with it. Topics there: none")


@pytest.mark.parametrize("encoding, bytes_per_pixel", [
    ("32FC1", 4), ("16UC1", 2), ("mono16", 2), ("hsv8", 3),
])
def test_a_depth_or_unknown_camera_encoding_in_a_bag_is_refused_when_it_is_read(
        tmp_path, encoding, bytes_per_pixel):
    """16UC1 depth (millimetres) on the camera topic once became an almost black grey frame."""
    def depth_image(i, t):
        msg = m.image_message(np.zeros((2, 2, 3), np.uint8), t, "cam")
        msg.encoding, msg.step = encoding, 2 * bytes_per_pixel
        msg.data = np.full(4 * bytes_per_pixel, 7, np.uint8)
        return msg

    bag = _camera_and_pose_bag(tmp_path / "bag", 2, depth_image,
                               lambda i, t: _pose_bytes(np.zeros(7), t))
    with pytest.raises(BagError, match=f"^{bag}: /camera/camera/color/image_raw has '{encoding}' "
                       "frames, which the world model cannot use: a depth/other stream\\? give "
                       "the colour topic with --image-topic .*other image topics in the bag: "
                       "none$"):
        read_recording(bag)  # at once, before any model is loaded


# -- CEM options


def test_cem_options_are_validated_with_their_names():
    from vjepa_ros.cli import build_parser
    from vjepa_ros.cli_options import cem_changes

    parser = build_parser()
    args = parser.parse_args(["eval", "bag", "--samples", "8"])
    with pytest.raises(ValueError, match=r"--topk of preset 'paper' \(10\) must be less than "
                       r"--samples \(8\)"):
        cem_changes(args)
    args = parser.parse_args(["eval", "bag", "--samples", "8", "--topk", "4", "--maxnorm", "0.02",
                              "--momentum-std-gripper", "0.5"])
    assert cem_changes(args) == {"samples": 8, "topk": 4, "maxnorm": 0.02,
                                 "momentum_std_gripper": 0.5}
    args = parser.parse_args(["demo", "--topk", "100"])
    with pytest.raises(ValueError, match=r"--topk \(100\) must be less than --samples \(64, "
                       r"this command's default\): use --samples >= 101, or --topk <= 63$"):
        cem_changes(args, {"samples": 64})
    args = parser.parse_args(["eval", "bag", "--momentum-mean", "1.5"])
    with pytest.raises(ValueError, match=r"--momentum-mean must lie in \[0, 1\]"):
        cem_changes(args)


def test_train_finds_and_reads_a_killed_compressed_recording(tmp_path, episode):
    from vjepa_ros.train.config import DataConfig
    from vjepa_ros.train.episodes import find_sources
    from vjepa_ros.train.segments import bag_segments

    frames, states = episode
    bag = write_bag(tmp_path / "data" / "killed", frames, states, compression="file")
    (bag / "metadata.yaml").unlink()
    data_file = next(bag.glob("*.mcap.zstd"))
    assert [(s.path, s.kind) for s in find_sources([tmp_path / "data"])] == [(bag, "bag")]
    assert [(s.path, s.kind) for s in find_sources([data_file])] == [(data_file, "bag")]
    assert find_sources([bag, data_file]) == find_sources([bag])  # one recording: read once
    segments, notes = bag_segments(bag, DataConfig())
    assert len(segments) == 1 and len(segments[0]) == len(frames)
    np.testing.assert_array_equal(segments[0].frames, frames)
    assert any("no metadata.yaml" in note for note in notes)


def test_metadata_naming_a_missing_data_file_names_the_bag(tmp_path, episode):
    frames, states = episode
    bag = write_bag(tmp_path / "bag", frames, states)
    next(bag.glob("*.mcap")).unlink()
    with pytest.raises(BagError, match=f"^{bag}: cannot open as a rosbag2 bag: .*missing"):
        read_recording(bag)


@pytest.mark.parametrize("size, model_size, smaller", [
    (32, (64, 64), True), (32, (32, 32), False), (64, (32, 32), False), (32, (32, 48), True),
])
def test_frames_smaller_than_the_models_input_get_a_note(tmp_path, size, model_size, smaller):
    frames, states, _ = synthetic_episode(6, size=size)
    recording = read_recording(write_bag(tmp_path / "bag", frames, states))
    note = recording.frame_size_note(model_size)
    assert bool(note) == smaller, note
    if smaller:
        assert note.startswith(f"the bag's frames are {size}x{size} px, smaller than the world "
                               f"model's {model_size[1]}x{model_size[0]} input")
    assert recording.frame_size_note(None) == ""


def test_frames_of_another_size_than_the_models_training_frames_get_a_note(tmp_path):
    frames, states, _ = synthetic_episode(6, size=32)
    recording = read_recording(write_bag(tmp_path / "bag", frames, states))
    assert recording.frame_size_note((32, 32), [(64, 64)]) == (
        "the bag's frames are 32x32 px, but the predictor was post-trained on 64x64 px frames "
        "(recorded in its checkpoint): resized to its input they are sharper or blurrier than "
        "in training, so plans may be worse; record at 64x64")
    assert recording.frame_size_note((32, 32), [(32, 32)]) == ""
    assert recording.frame_size_note((32, 32), None) == ""


def test_a_goal_image_of_another_size_than_the_bags_frames_gets_a_note(tmp_path):
    frames, states, _ = synthetic_episode(6, size=32)
    recording = read_recording(write_bag(tmp_path / "bag", frames, states))
    assert recording.goal_size_note((32, 32, 3)) == ""
    assert recording.goal_size_note((480, 640, 3)).startswith(
        "the goal image is 640x480 px and the bag's frames are 32x32 px: after the model's crop "
        "and resize")

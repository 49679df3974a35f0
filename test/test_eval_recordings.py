"""Recordings as labs have them: killed before closing, truncated, corrupt, compressed, two clocks.

Field examples from ../shared/data/field plus damaged bags made here with ``rosbags``: every one is
read (with a note that counts what was lost) or refused with one line naming the file and the fix.
"""

import shutil

import numpy as np
import pytest
import yaml
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


def _big_frames(count):
    """Frames large enough (192 KiB) that the rosbags writer starts a new MCAP chunk every ~5."""
    rng = np.random.default_rng(1)
    return rng.integers(0, 256, size=(count, 256, 256, 3), dtype=np.uint8)


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


# -- damaged bags made here


@pytest.mark.parametrize("compression", ["none", "storage"])  # storage: zstd chunks
def test_truncated_mcap_at_several_fractions_keeps_an_exact_prefix(tmp_path, episode,
                                                                    compression):
    _, states = episode
    frames = _big_frames(len(states))
    source = write_bag(tmp_path / "whole", frames, states, compression=compression)
    data = next(source.glob("*.mcap")).read_bytes()
    counts = []
    for fraction in (0.15, 0.4, 0.7, 0.9, 0.995):
        bag = tmp_path / f"cut_{fraction}"
        bag.mkdir()
        cut = bag / "cut_0.mcap"
        cut.write_bytes(data[: int(len(data) * fraction)])
        try:
            recording = read_recording(bag)
        except BagError as exc:  # too little left: one line naming the file
            assert str(bag) in str(exc) and "\n" not in str(exc)
            counts.append(0)
            continue
        count = len(recording.image_times)
        counts.append(count)
        note = next(note for note in recording.notes if "is damaged" in note)
        assert str(cut) in note and "intact messages" in note
        assert recording.compression == ("zstd chunks" if compression == "storage" else "none")
        # What is read is exactly the start of the recording, frames and states.
        np.testing.assert_allclose(recording.states[:, :3], states[: len(recording.states), :3],
                                   atol=1e-12)
        np.testing.assert_array_equal(recording.load_frames(range(count)), frames[:count])
    assert counts == sorted(counts) and counts[-1] >= len(states) - 5 and counts[0] < counts[-1]


@pytest.mark.parametrize("codec", ["zstd", "lz4"])
def test_a_cut_compressed_chunk_decompresses_to_a_prefix(codec):
    from vjepa_ros.recordings.mcap_salvage import _decompress_prefix

    raw = np.random.default_rng(2).integers(0, 4, 400_000, dtype=np.uint8).tobytes()
    if codec == "zstd":
        from vjepa_ros.recordings.bag_files import zstd_module

        packed = zstd_module().compress(raw)
    else:
        import lz4.frame

        packed = lz4.frame.compress(raw, block_size=lz4.frame.BLOCKSIZE_MAX64KB)
    out = _decompress_prefix(packed[: len(packed) * 3 // 4], codec)
    assert 0 < len(out) < len(raw) and out == raw[: len(out)]
    assert _decompress_prefix(packed, codec) == raw


def _mcap_of_codec(path, codec, count=40, size=20_000):
    """Write incompressible messages on two channels in ~200 kB chunks of this codec (mcap).

    Return the written ``(topic, time, data)`` and the chunk indexes in file order.
    """
    from mcap.reader import make_reader
    from mcap.writer import CompressionType, Writer

    rng = np.random.default_rng(3)
    written = []
    with path.open("wb") as stream:
        writer = Writer(stream, chunk_size=200_000, compression=CompressionType[codec])
        writer.start()
        schema = writer.register_schema("std_msgs/msg/String", "ros2msg", b"string data")
        channels = {topic: writer.register_channel(topic, "cdr", schema)
                    for topic in ("/a", "/b")}
        for i in range(count):
            topic, time, data = ("/a", "/b")[i % 2], SEC + i * SEC // 10, rng.bytes(size)
            writer.add_message(channels[topic], time, data, time)
            written.append((topic, time, data))
        writer.finish()
    with path.open("rb") as stream:
        chunks = sorted(make_reader(stream).get_summary().chunk_indexes,
                        key=lambda c: c.chunk_start_offset)
    return written, chunks


def _salvage(path):
    from vjepa_ros.recordings.mcap_salvage import SalvagedMcap

    salvaged = SalvagedMcap(path)
    read = [(c.topic, t, bytes(d)) for c, t, d in salvaged.messages()]
    salvaged.close()
    return read, salvaged.damage


@pytest.mark.parametrize("codec", ["NONE", "LZ4", "ZSTD"])
def test_mcap_chunks_of_every_codec_cut_anywhere_keep_an_exact_prefix(tmp_path, codec):
    written, chunks = _mcap_of_codec(tmp_path / "whole.mcap", codec)
    data = (tmp_path / "whole.mcap").read_bytes()
    assert len(chunks) >= 4
    second = chunks[1]  # cuts at 80 % of the second chunk: the library alone loses all of it
    cuts = [int(len(data) * f) for f in (0.2, 0.5, 0.75, 0.999)]
    cuts.append(second.chunk_start_offset + second.chunk_length * 4 // 5)
    for cut in sorted(cuts):
        path = tmp_path / f"cut_{cut}.mcap"
        path.write_bytes(data[:cut])
        read, damage = _salvage(path)
        assert read == written[: len(read)], cut  # exactly the start of the recording
        assert damage.messages_read == len(read) and damage.truncated_at is not None
        assert damage.partial_chunks <= 1 and damage.lost_chunks == 0
        in_whole_chunks = sum(1 for _, t, _ in written if any(
            c.chunk_start_offset + c.chunk_length <= cut and t <= c.message_end_time
            for c in chunks))
        assert damage.chunks_read == sum(c.chunk_start_offset + c.chunk_length <= cut
                                         for c in chunks)
        assert len(read) >= in_whole_chunks
        if cut == cuts[-1]:  # the cut chunk's whole messages are kept too
            assert len(read) > in_whole_chunks and damage.partial_chunks == 1
            assert damage.lost_spans[0][1] == second.message_end_time


@pytest.mark.parametrize("codec", ["NONE", "LZ4", "ZSTD"])
def test_an_mcap_chunk_failing_its_crc_is_skipped_and_its_span_counted(tmp_path, codec):
    path = tmp_path / "flipped.mcap"
    written, chunks = _mcap_of_codec(path, codec)
    data = bytearray(path.read_bytes())
    second = chunks[1]
    data[second.chunk_start_offset + second.chunk_length // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    read, damage = _salvage(path)
    lost = [w for w in written
            if second.message_start_time <= w[1] <= second.message_end_time]
    assert lost and read == [w for w in written if w not in lost]
    assert damage.lost_chunks == 1 and damage.chunks_read == len(chunks) - 1
    assert damage.lost_spans == [(second.message_start_time, second.message_end_time)]
    assert damage.damaged and "1 corrupt chunk(s) skipped" in damage.summary(path)


def test_truncated_mcap_beside_its_metadata_is_read_too(tmp_path, episode):
    frames, states = episode
    bag = write_bag(tmp_path / "bag", frames, states)
    data_file = next(bag.glob("*.mcap"))
    data = data_file.read_bytes()
    data_file.write_bytes(data[: int(len(data) * 0.8)])
    recording = read_recording(bag)
    assert 2 <= len(recording.image_times) < len(frames)
    assert any("truncated" in note for note in recording.notes)


def test_a_corrupt_compressed_chunk_is_skipped_and_counted(tmp_path, episode):
    _, states = episode
    frames = _big_frames(len(states))
    bag = write_bag(tmp_path / "bag", frames, states, compression="storage")
    data_file = next(bag.glob("*.mcap"))
    data = bytearray(data_file.read_bytes())
    magic = b"\x28\xb5\x2f\xfd"  # each chunk holds one zstd frame: spoil the second one
    second = data.index(magic, data.index(magic) + 1)
    data[second:second + 16] = bytes(16)
    data_file.write_bytes(bytes(data))
    recording = read_recording(bag)
    note = next(note for note in recording.notes if "corrupt chunk" in note)
    assert "1 corrupt chunk(s) skipped" in note
    assert 2 <= len(recording.image_times) < len(frames)
    kept = np.isin(states[:, 0], recording.states[:, 0])
    assert kept.sum() == len(recording.states)  # the survivors are recorded states, unchanged


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.95])
def test_truncated_db3_is_read_or_refused_with_the_recover_command(tmp_path, episode, fraction):
    frames, states = episode
    bag = write_bag(tmp_path / "bag", frames, states, storage="sqlite3")
    (bag / "metadata.yaml").unlink()
    data_file = next(bag.glob("*.db3"))
    data = data_file.read_bytes()
    data_file.write_bytes(data[: int(len(data) * fraction)])
    try:
        recording = read_recording(bag)
        frames_read = recording.load_frames(range(len(recording.image_times)))
    except BagError as exc:
        text = str(exc)
        assert str(data_file) in text or str(bag) in text
        assert ".recover" in text and "\n" not in text
        return
    np.testing.assert_array_equal(frames_read, frames[: len(frames_read)])


def test_directories_and_files_that_are_not_recordings(tmp_path, episode):
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "notes.txt").write_text("hello")
    with pytest.raises(BagError, match=f"{junk}: no metadata.yaml and no rosbag2 data file.*"
                       "notes.txt"):
        read_recording(junk)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "empty_0.mcap").write_bytes(b"")
    with pytest.raises(BagError, match=f"{empty / 'empty_0.mcap'}.*empty"):
        read_recording(empty)
    ros1 = tmp_path / "old.bag"
    ros1.write_bytes(b"#ROSBAG V2.0\n")
    with pytest.raises(BagError, match=f"{ros1}: not a rosbag2 data file"):
        read_recording(ros1)
    not_mcap = tmp_path / "x.mcap"
    not_mcap.write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(BagError, match=f"{not_mcap}.*MCAP magic"):
        read_recording(not_mcap)


def test_a_split_recording_without_metadata_reads_its_files_in_order(tmp_path, episode):
    frames, states = episode
    half = len(frames) // 2
    times = np.arange(len(frames)) * 0.25
    first = write_bag(tmp_path / "a", frames[:half], states[:half], times[:half])
    second = write_bag(tmp_path / "b", frames[half:], states[half:], times[half:] - times[half],
                       start_time_ns=DEFAULT_START_NS + int(times[half] * SEC))
    killed = tmp_path / "killed"
    killed.mkdir()
    shutil.copy(next(second.glob("*.mcap")), killed / "rec_1.mcap")  # listed out of order
    shutil.copy(next(first.glob("*.mcap")), killed / "rec_0.mcap")
    recording = read_recording(killed)
    assert len(recording.image_times) == len(frames)
    assert "rec_0.mcap, rec_1.mcap" in recording.notes[0]
    np.testing.assert_array_equal(recording.load_frames(range(len(frames))), frames)


def _split_recording(tmp_path, episode, storage="mcap", metadata=False):
    """Write a recording split in two data files, rec_0 and rec_1 (rosbag2 naming), in killed/."""
    frames, states = episode
    half = len(frames) // 2
    times = np.arange(len(frames)) * 0.25
    first = write_bag(tmp_path / "a", frames[:half], states[:half], times[:half],
                      storage=storage)
    second = write_bag(tmp_path / "b", frames[half:], states[half:], times[half:] - times[half],
                       start_time_ns=DEFAULT_START_NS + int(times[half] * SEC), storage=storage)
    killed = tmp_path / "killed"
    killed.mkdir()
    suffix = ".mcap" if storage == "mcap" else ".db3"
    for number, bag in enumerate((first, second)):
        shutil.copy(next(bag.glob("*" + suffix)), killed / f"rec_{number}{suffix}")
    if metadata:
        _split_metadata(killed, (first, second), suffix)
    return killed, half


def _split_metadata(killed, bags, suffix):
    """Write the ``metadata.yaml`` rosbag2 writes for ``bags`` split as rec_0, rec_1, ... .

    As rosbag2 rewrites it at each split: every file listed (``relative_file_paths``, one
    ``files`` entry each), the counts and the duration over them all.
    """
    infos = [yaml.safe_load((bag / "metadata.yaml").read_text())["rosbag2_bagfile_information"]
             for bag in bags]
    info = dict(infos[0])
    names = [f"rec_{number}{suffix}" for number in range(len(bags))]
    info["relative_file_paths"] = names
    info["files"] = [{**bag_info["files"][0], "path": name}
                     for name, bag_info in zip(names, infos, strict=True)]
    info["message_count"] = sum(bag_info["message_count"] for bag_info in infos)
    start = infos[0]["starting_time"]["nanoseconds_since_epoch"]
    end = max(bag_info["starting_time"]["nanoseconds_since_epoch"]
              + bag_info["duration"]["nanoseconds"] for bag_info in infos)
    info["duration"] = {"nanoseconds": end - start}
    counts = {}
    for bag_info in infos:
        for topic in bag_info["topics_with_message_count"]:
            name = topic["topic_metadata"]["name"]
            counts[name] = counts.get(name, 0) + topic["message_count"]
    info["topics_with_message_count"] = [
        {**topic, "message_count": counts[topic["topic_metadata"]["name"]]}
        for topic in infos[0]["topics_with_message_count"]]
    (killed / "metadata.yaml").write_text(yaml.safe_dump({"rosbag2_bagfile_information": info}))


@pytest.mark.parametrize("storage", ["mcap", "sqlite3"])
@pytest.mark.parametrize("metadata", [False, True])
@pytest.mark.parametrize("cut", ["empty", "cut short"])
def test_a_split_recording_whose_last_file_holds_nothing_reads_the_files_before(
        tmp_path, episode, storage, metadata, cut):
    frames, _ = episode
    killed, half = _split_recording(tmp_path, episode, storage, metadata)
    if metadata:  # read through its metadata.yaml (rosbags), no problem with it noted
        whole = read_recording(killed)
        assert len(whole.image_times) == len(frames) and not whole.notes, whole.notes
    last = next(killed.glob("rec_1.*"))
    keep = 0 if cut == "empty" else 100 if storage == "mcap" else 2000  # db3: does not open
    last.write_bytes(last.read_bytes()[:keep])
    recording = read_recording(killed)
    assert len(recording.image_times) == half
    note = next(note for note in recording.notes if "left out" in note)
    assert note.startswith(str(last)) and "split recording" in note
    assert f"read the 1 file(s) before it (rec_0{last.suffix}: " in note
    assert note in recording.damage and "\n" not in note
    assert not metadata or not [note for note in recording.notes if "metadata.yaml" in note]
    np.testing.assert_array_equal(recording.load_frames(range(half)), frames[:half])
    last.rename(killed / f"rec_2{last.suffix}")  # the middle one empty: no killed recorder's
    (killed / f"rec_1{last.suffix}").write_bytes(b"")
    (killed / "metadata.yaml").unlink(missing_ok=True)
    with pytest.raises(BagError, match=f"^{killed / 'rec_1'}.* is empty"):
        read_recording(killed)


@pytest.mark.parametrize("storage, compression, label", [
    ("mcap", "none", "none"), ("mcap", "file", "zstd file"), ("mcap", "message", "zstd message"),
    ("mcap", "storage", "zstd chunks"), ("sqlite3", "none", "none"),
    ("sqlite3", "file", "zstd file"), ("sqlite3", "message", "zstd message"),
])
@pytest.mark.parametrize("metadata", [True, False])
def test_every_storage_and_compression_is_read_and_labelled(tmp_path, episode, storage,
                                                          compression, label, metadata):
    frames, states = episode
    bag = write_bag(tmp_path / "bag", frames, states, storage=storage, compression=compression)
    if not metadata:
        (bag / "metadata.yaml").unlink()
    recording = read_recording(bag)
    assert (recording.storage, recording.compression) == (storage, label)
    np.testing.assert_allclose(recording.states[:, :3], states[:, :3], atol=1e-12)
    np.testing.assert_array_equal(recording.load_frames([0, len(frames) - 1]),
                                  frames[[0, len(frames) - 1]])


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


def test_an_unreadable_state_message_names_bag_topic_and_message(tmp_path):
    bag = _camera_and_pose_bag(
        tmp_path / "bag", 3, lambda i, t: m.image_message(np.zeros((4, 4, 3), np.uint8), t, "c"),
        lambda i, t: _pose_bytes(np.zeros(7), t)[:20 if i == 1 else None],  # message 1 cut short
    )
    with pytest.raises(BagError, match=f"{bag}: /franka_robot_state_broadcaster/current_pose "
                       "message 1 is damaged"):
        read_recording(bag)


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
    from vjepa_ros.train.command import overrides_from_args

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
    with pytest.raises(ValueError, match=r"--topk of preset 'paper' \(10\) must not exceed "
                       r"--samples \(8\)"):
        cem_changes(args)
    args = parser.parse_args(["eval", "bag", "--samples", "8", "--topk", "4", "--maxnorm", "0.02",
                              "--momentum-std-gripper", "0.5"])
    assert cem_changes(args) == {"samples": 8, "topk": 4, "maxnorm": 0.02,
                                 "momentum_std_gripper": 0.5}
    args = parser.parse_args(["demo", "--topk", "100"])
    with pytest.raises(ValueError, match=r"--topk \(100\) must not exceed --samples \(64, "
                       r"this command's default\): use --samples >= 100, or --topk <= 64$"):
        cem_changes(args, {"samples": 64})
    args = parser.parse_args(["eval", "bag", "--momentum-mean", "1.5"])
    with pytest.raises(ValueError, match=r"--momentum-mean must lie in \[0, 1\]"):
        cem_changes(args)


def test_train_finds_and_reads_a_killed_compressed_recording(tmp_path, episode):
    from vjepa_ros.train.config import DataConfig
    from vjepa_ros.train.episodes import _bag_segments, find_sources

    frames, states = episode
    bag = write_bag(tmp_path / "data" / "killed", frames, states, compression="file")
    (bag / "metadata.yaml").unlink()
    data_file = next(bag.glob("*.mcap.zstd"))
    assert [(s.path, s.kind) for s in find_sources([tmp_path / "data"])] == [(bag, "bag")]
    assert [(s.path, s.kind) for s in find_sources([data_file])] == [(data_file, "bag")]
    assert find_sources([bag, data_file]) == find_sources([bag])  # one recording: read once
    segments, notes = _bag_segments(bag, DataConfig())
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

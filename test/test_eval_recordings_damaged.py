"""Damaged recordings made here with ``rosbags``: truncated, corrupt, split, compressed.

Each is read (with a note that counts what was lost) or refused with one line naming the file
and the fix. Field recordings, clocks and topics: ``test_eval_recordings.py``.
"""

import re
import shutil

import numpy as np
import pytest
import yaml
from test_eval_recordings import SEC, _camera_and_pose_bag, _pose_bytes

from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_bag
from vjepa_ros.recordings.bags import read_recording


@pytest.fixture(scope="module")
def episode():
    frames, states, _ = synthetic_episode(15)  # 16 frames of 32x32
    return frames, states


def _big_frames(count):
    """Frames large enough (192 KiB) that the rosbags writer starts a new MCAP chunk every ~5."""
    rng = np.random.default_rng(1)
    return rng.integers(0, 256, size=(count, 256, 256, 3), dtype=np.uint8)


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
    # counted by the chunk's message index records, which follow it intact (fix45t)
    assert f"lost {len(lost)} messages spanning" in damage.summary(path)


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
    with pytest.raises(BagError, match=f"{ros1}: a ROS 1 bag .*`rosbags-convert --src {ros1} "
                       f"--dst {ros1.with_suffix('')}`"):
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
    # fix55h: a copy that failed on one file: left out and named, the parts around it read
    around = read_recording(killed)
    (said,) = [note for note in around.damage if note.startswith(str(killed / "rec_1"))]
    assert "is empty" in said and "part 2 of the 3" in said and "before it wrote" not in said
    assert len(around.image_times) == half


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


def test_an_unreadable_state_message_names_bag_topic_and_message(tmp_path):
    bag = _camera_and_pose_bag(
        tmp_path / "bag", 3, lambda i, t: m.image_message(np.zeros((4, 4, 3), np.uint8), t, "c"),
        lambda i, t: _pose_bytes(np.zeros(7), t)[:20 if i == 1 else None],  # the 2nd cut short
    )
    with pytest.raises(BagError, match=re.escape(f"{bag}: /franka_robot_state_broadcaster/"
                                                 "current_pose message 2 (counting from 1) is "
                                                 "damaged")):
        read_recording(bag)

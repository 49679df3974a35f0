"""breaker58d: messy lab recordings, second round, through every reader of a bag.

Attacked at base58 (18063dfa): ``recordings.bags.read_recording`` (what ``vjepa-ros eval``,
``train``, ``pretrain`` and ``camera-check`` read bags with) and ``eval.playback.bag_contents`` /
``iter_bag`` (what ``nodes/bag_player.py`` logs and publishes). Each input is written here with
``rosbags`` or the ``mcap`` library, then damaged or laid out as a lab's tools leave it; every
result is checked against what was written.

Defects (strict xfails until fixed58d; now passing), most harmful first:

- an MCAP whose messages are not in log-time order in the file (written topic after topic, as
  ``mcap merge`` of one-topic files, a converter or a script does; unchunked, as
  ``noChunking: true`` in a ``--storage-config-file`` writes it, or chunked and killed before
  its summary): eval and train read it right (each topic's stamps increase: held), but the
  player publishes it in file order, every camera frame first and then every pose and gripper
  state at once, in the past of its /clock, with exit status 0 and no note (chunked, killed);
  or refuses it as "damaged bag ... Unindexed MCAP messages are not in timestamp order" and
  advises ``mcap recover``, which does not sort it (unchunked, intact). ``ros2 bag play`` plays
  in log-time order;
- a split part missing from the folder (a copy that missed one file; metadata.yaml lists it, or
  the recorder was killed and the numbering shows the gap: first, middle or last part): the
  notes say "its messages are lost", yet ``Recording.damage`` is empty (train's segments carry
  no damage) and the player's ``lost`` is false (exit status 0), where a cut part gives exit
  status 1 and a damage note;
- an MCAP that ends at its 8-byte magic or right after its Header record (a recorder killed
  before it flushed its first chunk: rosbag2's MCAP writer holds a chunk in memory): eval/train
  say "the bag has no image topic ... record the camera's colour stream", though metadata.yaml
  lists the camera and the camera was recorded; the player plays nothing with exit status 0 and
  a note that leaks a Python error ("ord() expected a character, but string of length 0
  found"). 7 bytes, or a cut inside the Header, say "truncated before its first complete
  message": held. As the last part of a split recording the magic-only file is read past with
  that Python error as its note and no damage note, where a 0- or 9-byte last part is named
  and counted lost.

Held (not repeated here): the five shared/data/field recordings give the same frames, states
and steps in eval, train, pretrain and the player (counted with rosbags: 6/6/6, 12 frames and
120 JointStates, 10, 10, 7); rosbag2-named split parts (``<name>_0..11.mcap``) in numeric order;
MCAPs without chunks, without summary or footer, written by the ``mcap`` library (no
offered_qos_profiles, ``ros2idl`` or empty schemas, no profile, lz4 chunks); cuts at every MCAP
record boundary and every 1/60 of the file (none, zstd chunks, zstd messages; sqlite3 plain and
zstd messages), with and without metadata.yaml; a zeroed .db3 page (refused or read whole);
metadata.yaml of version 9 (Jazzy QoS lists) and 10, message counts 0, no topics, a start time
off by an hour; one camera topic with two connections (QoS changed mid-recording); a camera
that starts in part 1 of a split recording; a file-compressed split recording killed with its
last part uncompressed (``bag_0.mcap.zstd``, ``bag_1.mcap.zstd``, ``bag_2.mcap``); snapshot-like
parts a minute apart (with metadata: two train segments; without: "several recordings");
recordings starting at time 0 (sim time); a .db3 written topic after topic (sqlite3 reads in
time order); the image decoder on padded rows, big-endian rgb16, 8UC3/8UC4, yuv422/yuy2 and
the four 8-bit Bayer patterns (colours right); bag-from-npz round trips (jittered and epoch
timestamps, float32 states, png).
"""

from __future__ import annotations

import numpy as np
import pytest
from split_bags import FRAMES, data_file, episode, records, split_bag, split_db3

from vjepa_ros.eval.playback import bag_contents, iter_bag
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bag_writing import (
    DEFAULT_START_NS,
    WRITTEN_GRIPPER_TOPIC,
    finger_position,
    write_bag,
)
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.robot.kinematics import FrankaKinematics

TOPICS = BagTopics()
CAMERA = TOPICS.image


def episode_entries():
    """(topic, type, time ns, message) of the episode: camera, pose, gripper at 4 Hz."""
    frames, states = episode()
    fingers = FrankaKinematics().finger_names
    out = []
    for t in range(FRAMES):
        time_ns = DEFAULT_START_NS + int(t * 0.25e9)
        width = [finger_position(states[t][6], TOPICS.gripper_max_width)] * 2
        out += [(CAMERA, m.IMAGE, time_ns, m.image_message(frames[t], time_ns, "camera")),
                (TOPICS.pose, m.POSE_STAMPED, time_ns, m.pose_message(states[t], time_ns, "base")),
                (WRITTEN_GRIPPER_TOPIC, m.JOINT_STATE, time_ns,
                 m.joint_state_message(fingers, width, time_ns))]
    return frames, states, out


def write_mcap(folder, entries, *, chunked: bool, chunk_size: int = 1024):
    """Write ``entries`` in the order given as a ros2-profile MCAP (the ``mcap`` library)."""
    from mcap.writer import CompressionType, Writer

    store = m.typestore()
    folder.mkdir()
    path = folder / f"{folder.name}.mcap"
    with path.open("wb") as stream:
        writer = Writer(stream, compression=CompressionType.NONE, use_chunking=chunked,
                        chunk_size=chunk_size)
        writer.start(profile="ros2", library="breaker58d")
        channels = {}
        for topic, msgtype, time_ns, message in entries:
            if topic not in channels:
                text, _ = store.generate_msgdef(msgtype, ros_version=2)
                schema = writer.register_schema(name=msgtype, encoding="ros2msg",
                                                data=text.encode())
                channels[topic] = writer.register_channel(
                    topic=topic, message_encoding="cdr", schema_id=schema,
                    metadata={"offered_qos_profiles": ""})
            writer.add_message(channel_id=channels[topic], log_time=time_ns,
                               publish_time=time_ns,
                               data=bytes(store.serialize_cdr(message, msgtype)))
        writer.finish()
    return path


# -- 1. messages not in log-time order in an MCAP file


@pytest.mark.parametrize("layout", ["unchunked", "chunked-killed"])
def test_mcap_written_topic_after_topic_reads_in_time_order(tmp_path, layout):
    frames, states, entries = episode_entries()
    by_topic = sorted(entries, key=lambda entry: entry[0])  # as `mcap merge` of one topic each
    path = write_mcap(tmp_path / "merged", by_topic, chunked=layout != "unchunked")
    if layout == "chunked-killed":  # the recorder killed before its data end and summary
        raw = path.read_bytes()
        data_end = next(at for at, opcode, _ in records(raw) if opcode == 0x0F)
        path.write_bytes(raw[:data_end])
    folder = path.parent
    recording = read_recording(folder)  # header stamps increase on every topic: no clock step
    np.testing.assert_array_equal(recording.load_frames(range(FRAMES)), frames)
    np.testing.assert_allclose(recording.states[:, :3], states[:, :3], atol=1e-9)
    assert not bag_contents(folder).lost
    times = [message.time_ns for message in iter_bag(folder)]
    assert len(times) == 3 * FRAMES
    assert times == sorted(times)  # the player publishes in time order, as ros2 bag play does


# -- 2. a split part that metadata.yaml lists, missing from the folder


@pytest.mark.parametrize("storage, metadata, gone", [
    ("sqlite3", True, "bag_5.db3"), ("sqlite3", True, "bag_11.db3"),
    ("sqlite3", False, "bag_0.db3"), ("mcap", False, "bag_5.mcap")])
def test_missing_part_counts_as_lost(tmp_path, storage, metadata, gone):
    folder = (split_db3(tmp_path / "run", metadata) if storage == "sqlite3"
              else split_bag(tmp_path / "run", FRAMES))
    (folder / gone).unlink()  # the copy from the recording machine missed one file
    recording = read_recording(folder)
    assert len(recording.image_times) == FRAMES - 1
    assert any(gone in note and "lost" in note for note in recording.notes)  # holds
    assert any(gone in note for note in recording.damage)  # as a cut part is counted
    contents = bag_contents(folder)
    assert contents.lost  # the player's exit status 1, as for a cut part
    assert any(gone in note for note in contents.notes)


# -- 3. an MCAP of exactly its magic


@pytest.mark.parametrize("metadata", [True, False], ids=["metadata", "killed"])
@pytest.mark.parametrize("kept", ["magic", "header"])
def test_mcap_with_no_record_past_its_header_is_said_to_hold_nothing(tmp_path, metadata, kept):
    frames, states = episode()
    bag = write_bag(tmp_path / "bag", frames, states)
    mcap = data_file(bag)
    raw = mcap.read_bytes()
    at, opcode, length = next(records(raw))
    assert opcode == 0x01  # the Header record, written as the file is opened
    mcap.write_bytes(raw[:8] if kept == "magic" else raw[:at + 9 + length])
    if not metadata:
        (bag / "metadata.yaml").unlink()
    for read in (read_recording, bag_contents):  # eval/train/pretrain, and the player
        with pytest.raises(BagError) as caught:  # as for 7 or 9 bytes: nothing to read
            read(bag)
        words = str(caught.value)
        assert mcap.name in words and "record the camera" not in words and "ord()" not in words


def test_last_split_part_of_only_its_magic_is_named(tmp_path):
    folder = split_bag(tmp_path / "run", 3)
    last = folder / "bag_3.mcap"  # the recorder killed just after the split opened it
    last.write_bytes((folder / "bag_0.mcap").read_bytes()[:8])
    recording = read_recording(folder)
    assert len(recording.image_times) == FRAMES
    assert any("bag_3.mcap" in note for note in recording.damage)  # as for 0 or 9 bytes
    contents = bag_contents(folder)
    assert contents.lost == bool(recording.damage)
    assert not any("ord()" in note for note in (*recording.notes, *contents.notes))

"""breaker49e: legitimate recordings through fix49b's damaged-bag detection (must not cry wolf).

Attacked at main 01e4d520 (fix49b, commits 784220ee and 01e4d520): ``bag_reader.iter_messages``
refuses a read that ends with fewer messages of a connection than its summary counts
(``Connection.msgcount``: MCAP statistics, SQLite rows, ``metadata.yaml``), ``topic_types``
reads one type per topic, ``mcap_salvage`` counts the summary's messages no record holds.
Inputs: MCAP files of the ``mcap`` Python writer (no statistics, no message index, no chunks,
lz4, no compression, small chunks, two channels of one topic), rosbags-written bags of both
storages and every compression mode, ``vjepa-ros record``, a killed recording without
``metadata.yaml``, ``/work/shared/data/field`` (all five through ``vjepa-ros eval``: report
and output as at e77d1409, timing aside), reads of only some topics, the bag player's
``iter_bag`` / ``bag_contents``.

Defects (strict xfails until fixed in fix49e), each new in fix49b unless said:

- a ``metadata.yaml`` that counts more messages than the data file holds (rosbag2 counts a
  message before its cache drops it under load) makes an intact ``.db3`` "the SQLite3 file is
  damaged ... sqlite3 .recover" (the recovered file is the same: the read fails again); an
  intact MCAP is read with the note "the rosbags reader fails on a record damaged inside its
  chunks";
- an MCAP without message indexes (``mcap`` writer, ``index_types=IndexType.CHUNK``) is read
  with that false "damaged" note, and the player refuses it as "damaged bag ... 0 of 12 read;
  mcap recover" (at e77d1409 it played 0 messages without a word);
- a topic listed twice in ``metadata.yaml`` with one type (two publishers, two channels):
  rosbags maps both channels to the first entry, so the second "reads 0 of 6": a false
  "damaged" note when read, and the player refuses the bag;
- the player (``iter_bag``) still plays every type of a topic: a CompressedImage's bytes go
  out on the topic's Image publisher (not new: fix49b left the player out of ``topic_types``);
- a camera topic of Images, then CompressedImages (the driver's transport changed): the
  most-messages rule drops the 5 Images, though the package decodes both types.

Fixed in fix49e: a summary count above the records is no damage by itself. ``iter_messages``
compares per (topic, type) sums and hands a shortfall back for a note ("its summary counts 13,
its records hold 12"); only where a record of the MCAP file fails to parse (``mcap_salvage``
checks each chunk's record lengths: ``Damage.bad_chunks``) is it one ``DamagedBagError`` line
with ``mcap recover``. An MCAP whose chunks lack message indexes is read by the MCAP library's
scan from the start, with a note and no damage. ``topic_types`` reads a camera's Image and
CompressedImage connections together (each message decoded by its own type) unless they come
at the same time (``one_stream``: the topic's type only); the player (``bag_contents``,
``iter_bag``) plays one type per topic, the others left out with a note.

Pins (what held up): the five field recordings (eval output and report as at e77d1409); the
``mcap`` writer's files with statistics, without, without any index, unchunked, lz4,
uncompressed, small chunks, two channels of one topic in one file, a topic of an unknown type;
rosbags bags of both storages and every compression mode, with and without ``metadata.yaml``;
a recording split in two parts (MCAP, SQLite3) given whole; ``vjepa-ros record``; reads of
some topics only; a damaged chunk played: the player's read ends in one ``DamagedBagError``
line with the recover command (the running player logs "playback failed: ... damaged bag
...", exit 1; that line comes before its "playing ..." line).

Cost of the count check (not asserted; /tmp bag of 200000 JointStates, best of 3):
``reader.messages`` 0.372 s, ``iter_messages`` 0.395 s (6.3 %, 116 ns a message) at
01e4d520; 0.357 s and 0.382 s (7.1 %) at e77d1409: the count adds nothing measurable.
"""

import re
import shutil

import numpy as np
import pytest
from cli_runs import _run
from test_breaker49b import CAMERA, GRIPPER, POSE, QUARTER, _damaged_mcap, _flip, _two_type_bag

from vjepa_ros.eval.playback import bag_contents, iter_bag
from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import DamagedBagError, iter_messages, open_reader
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_bag
from vjepa_ros.recordings.bags import read_recording

pytestmark = pytest.mark.usefixtures("one_thread")

FINGERS = ["fr3_finger_joint1", "fr3_finger_joint2"]
FIELD = "/work/shared/data/field"


def _damage_said(notes) -> list[str]:
    return [note for note in notes if "damaged" in note or "corrupt" in note]


def _mcap_writer_bag(path, two_pose_channels=False, unknown=False, compressed_from=12,
                     **writer_kwargs):
    """Write 12 frames, poses and fingers at 4 Hz with the ``mcap`` library's writer.

    ``two_pose_channels``: odd poses on a second channel of the pose topic (same type and QoS:
    a second publisher); ``unknown``: a topic of a type the package does not know
    (``lab_msgs/msg/Blob``) beside them; frames from ``compressed_from`` on: PNG
    CompressedImages on a second channel of the camera topic. Returns the file's path.
    """
    from mcap.writer import Writer

    frames, states, _ = synthetic_episode(11)
    store, channels = m.typestore(), {}
    with open(path, "wb") as stream:
        writer = Writer(stream, **writer_kwargs)
        writer.start(profile="ros2", library="breaker49e")

        def channel(topic, msgtype, key=0):
            if (topic, key) not in channels:
                if msgtype.startswith("lab_msgs"):
                    text = "uint8 x"
                else:
                    text = store.generate_msgdef(msgtype)[0]
                schema = writer.register_schema(msgtype, "ros2msg", text.encode())
                channels[topic, key] = writer.register_channel(
                    topic, "cdr", schema, {"offered_qos_profiles": ""})
            return channels[topic, key]

        for i in range(12):
            t = DEFAULT_START_NS + i * QUARTER
            camera = (CAMERA, m.IMAGE, m.image_message(frames[i], t, "cam"), 0)
            if i >= compressed_from:
                camera = (CAMERA, m.COMPRESSED_IMAGE,
                          m.compressed_image_message(frames[i], t, "cam", fmt="png"), 1)
            for topic, msgtype, msg, key in [
                camera,
                (POSE, m.POSE_STAMPED, m.pose_message(states[i], t, "base"),
                 i % 2 if two_pose_channels else 0),
                (GRIPPER, m.JOINT_STATE, m.joint_state_message(
                    FINGERS, [0.04 if i < 6 else 0.0] * 2, t), 0),
            ]:
                writer.add_message(channel(topic, msgtype, key), t,
                                   store.serialize_cdr(msg, msgtype), t)
            if unknown:
                writer.add_message(channel("/lab/blob", "lab_msgs/msg/Blob"), t,
                                   bytes([0, 1, 0, 0, i]), t)
        writer.finish()
    return path


def _inflate(bag, topic=CAMERA, more=1):
    """Add ``more`` to ``topic``'s message count in the bag's metadata.yaml."""
    meta = bag / "metadata.yaml"
    text = meta.read_text()
    at = text.index(f"name: {topic}")
    start = text.rindex("message_count: ", 0, at)
    count = int(re.match(r"message_count: (\d+)", text[start:]).group(1))
    meta.write_text(f"{text[:start]}message_count: {count + more}"
                    f"{text[start + len(f'message_count: {count}'):]}")
    return bag


def _assert_episode(recording):
    frames, _, _ = synthetic_episode(11)
    assert len(recording.image_times) == 12
    np.testing.assert_array_equal(recording.load_frames(np.arange(12)), frames)


# ---------------------------------------------------------------------------------- defects


@pytest.mark.parametrize("compression", ["none", "file", "message"])
def test_a_db3_whose_metadata_counts_a_dropped_message_is_read_not_called_damaged(
        compression, tmp_path):
    """Read an intact .db3 whose metadata.yaml counts one camera message more than it holds.

    Input: a rosbags SQLite3 bag (12 frames, poses, fingers; zstd ``compression``) whose
    metadata.yaml says 13 camera messages: rosbag2's recorder counts a message in
    metadata.yaml before its cache drops it when full ("Cache buffers lost messages"), and a
    hand-merged metadata.yaml does the like. Happened (e77d1409: read, 12 frames): DamagedBagError
    "the SQLite3 file is damaged while reading ...: its summary counts more messages than its
    records hold (/camera/camera/color/image_raw 12 of 13 read); recover its intact rows with
    `sqlite3 ... .recover | sqlite3 recovered.db3`": the .db3 is intact, the recovered copy holds
    the same rows, and the bag's metadata.yaml refuses it again. Should: the 12 frames read
    (at most a note that metadata.yaml counts more than the file holds, naming the reindex).
    """
    frames, states, _ = synthetic_episode(11)
    bag = _inflate(write_bag(tmp_path / "bag", frames, states, storage="sqlite3",
                             compression=compression))
    recording = read_recording(bag)
    _assert_episode(recording)
    assert not _damage_said(recording.notes), recording.notes


@pytest.mark.parametrize("compression", ["none", "storage"])
def test_an_mcap_whose_metadata_counts_a_dropped_message_is_not_noted_damaged(
        compression, tmp_path):
    """Read an intact MCAP bag whose metadata.yaml counts one camera message more, undamaged.

    Input: as the .db3 case, storage MCAP (uncompressed, zstd chunks). Happened (e77d1409: read,
    no note): 12 frames read, with the note "...mcap: the rosbags reader fails on a record
    damaged inside its chunks: read by scanning the file (MCAP library), every message
    intact": no record is damaged. Should: no note calling the file damaged (a note on the
    metadata.yaml count is fine).
    """
    frames, states, _ = synthetic_episode(11)
    bag = _inflate(write_bag(tmp_path / "bag", frames, states, compression=compression))
    recording = read_recording(bag)
    _assert_episode(recording)
    assert not _damage_said(recording.notes), recording.notes


def test_an_mcap_without_message_indexes_is_read_without_a_damage_note(tmp_path):
    """Read an MCAP written with chunk indexes but no message indexes, without a damage note.

    Input: 12 frames, poses, fingers written by the ``mcap`` Python writer with
    ``index_types=IndexType.CHUNK`` (the message index is optional in the MCAP spec; rosbags
    reads no message from such chunks). Happened: 12 frames read with the note "the rosbags
    reader fails on a record damaged inside its chunks" (e77d1409: "image topic ... has 0
    message(s) ... check --image-topic"). Should: read, no note calling the file damaged.
    """
    from mcap.writer import IndexType

    recording = read_recording(_mcap_writer_bag(tmp_path / "x.mcap",
                                                index_types=IndexType.CHUNK))
    _assert_episode(recording)
    assert not _damage_said(recording.notes), recording.notes


def test_the_player_plays_an_mcap_without_message_indexes(tmp_path):
    """Play every message of an MCAP without message indexes.

    Input: the file of the test above, given to the bag player's reader (``iter_bag``).
    Happened: DamagedBagError "damaged bag while reading ...: its summary counts more messages
    than its records hold (/camera/camera/color/image_raw 0 of 12, ... read); rewrite its
    intact part with `mcap recover ...`" once the read ends; a running player logs "playback
    failed" having published nothing (e77d1409: 0 messages published, exit 0, no word).
    Should: 36 messages played (the eval reader reads them, by the MCAP library's scan).
    """
    from mcap.writer import IndexType

    path = _mcap_writer_bag(tmp_path / "x.mcap", index_types=IndexType.CHUNK)
    assert len(list(iter_bag(path))) == 36


def _two_publisher_folder(tmp_path):
    """Write a bag folder: the pose topic on two channels of one type, listed twice (6 each).

    metadata.yaml lists one entry per channel, as a rosbag2 reindex of the file lists them.
    """
    folder = tmp_path / "bag"
    folder.mkdir()
    _mcap_writer_bag(folder / "bag.mcap", two_pose_channels=True)
    frames, states, _ = synthetic_episode(11)
    text = (write_bag(tmp_path / "ref", frames, states) / "metadata.yaml").read_text()
    text = text.replace("ref.mcap", "bag.mcap")
    entry = re.search(rf"  - message_count: 12\n    topic_metadata:\n      name: {POSE}\n"
                      r"(?:      .*\n|        .*\n)*?(?=  - )", text).group(0)
    (folder / "metadata.yaml").write_text(
        text.replace(entry, entry.replace("message_count: 12", "message_count: 6") * 2))
    return folder


def test_two_publishers_of_one_type_listed_twice_are_read_without_a_damage_note(tmp_path):
    """Read a topic recorded on two channels of one type (two publishers), undamaged.

    Input: an MCAP (``mcap`` writer) whose pose topic has two channels of
    geometry_msgs/msg/PoseStamped (even and odd poses), in a folder whose metadata.yaml lists
    the topic twice, 6 messages each. rosbags maps both channels to the first entry, so the
    second counts 0 read. Happened (e77d1409: read, no note): 12 states read, with the note
    "the rosbags reader fails on a record damaged inside its chunks". Should: no damage note.
    """
    recording = read_recording(_two_publisher_folder(tmp_path))
    assert len(recording.states) == 12
    assert not _damage_said(recording.notes), recording.notes


def test_the_player_plays_two_publishers_of_one_type_listed_twice(tmp_path):
    """Play the bag of the test above: all 36 messages, in time order.

    Happened (e77d1409: 36 played): DamagedBagError "damaged bag while reading ...: its summary
    counts more messages than its records hold (/franka_robot_state_broadcaster/current_pose
    0 of 6 read); rewrite its intact part with `mcap recover ...`" after the last message: a
    running player logs "playback failed" and exits 1. Should: 36 played, exit 0.
    """
    played = list(iter_bag(_two_publisher_folder(tmp_path)))
    assert len(played) == 36
    assert [message.time_ns for message in played] == sorted(message.time_ns for message in played)


def test_the_player_plays_one_type_per_topic(tmp_path):
    """Play a topic of two types as the one type its publisher has.

    Input: 12 Images on the camera topic and one CompressedImage on it at frame 5 (two
    connections; breaker49b's bag). ``bag_contents`` gives the topic one type (the last
    connection's, CompressedImage), the node makes one publisher of it. Happened: ``iter_bag``
    yields all 13 messages, the 12 Images' bytes published on the CompressedImage publisher
    (a subscriber reads garbage or fails to deserialize). Should: only messages of the type
    the topic is published as (``topic_types``' choice: the 12 Images, the other noted).
    """
    bag = _two_type_bag(tmp_path / "bag", lambda put, i, t, frames: put(
        CAMERA, m.COMPRESSED_IMAGE, t + 1000, m.compressed_image_message(frames[i], t, "cam"))
        if i == 5 else None)
    published_as = {topic: info.msgtype for topic, info in bag_contents(bag).topics.items()}
    wrong = [(message.topic, message.msgtype) for message in iter_bag(bag)
             if message.msgtype != published_as[message.topic]]
    assert not wrong, (published_as, wrong)


def test_a_camera_that_changes_transport_keeps_every_frame(tmp_path):
    """Read all frames of a camera topic that carries Images, then CompressedImages.

    Input: an MCAP (``mcap`` writer) of 12 poses and fingers at 4 Hz; on the camera topic
    frames 0-4 as sensor_msgs/Image, 5-11 as sensor_msgs/CompressedImage (PNG: lossless) on
    a second channel - the driver's transport changed, or two recordings merged. Both are
    camera types this package decodes.
    Happened (e77d1409: "message 0 is damaged"): 7 frames read with the notes "... carries
    messages of 2 types: read its 7 sensor_msgs/msg/CompressedImage message(s), left out 5
    sensor_msgs/msg/Image" and "camera topic ... covers ...: 1 of 12 states ... have no frame":
    the first 1.25 s of the recording are never evaluated or trained, though every frame is
    readable. Should: all 12 frames, each decoded as its own type (or a refusal naming both
    types and how to choose).
    """
    from vjepa_ros.recordings.bag_files import BagError

    path = _mcap_writer_bag(tmp_path / "x.mcap", compressed_from=5)
    try:
        recording = read_recording(path)
    except BagError as exc:
        assert m.IMAGE in str(exc) and m.COMPRESSED_IMAGE in str(exc), exc
        return
    _assert_episode(recording)


# -------------------------------------------------------------------------------------- pins


@pytest.mark.parametrize("case", ["default", "no_statistics", "no_index", "no_chunks",
                                  "no_chunks_no_statistics", "lz4", "uncompressed",
                                  "small_chunks", "no_summary_offsets", "two_pose_channels",
                                  "unknown_type_topic"])
def test_mcap_writer_files_are_read_and_played_whole(case, tmp_path):
    """The ``mcap`` writer's files, with or without statistics and indexes: read and played."""
    from mcap.writer import CompressionType, IndexType

    kwargs = {"no_statistics": {"use_statistics": False},
              "no_index": {"index_types": IndexType.NONE},
              "no_chunks": {"use_chunking": False},
              "no_chunks_no_statistics": {"use_chunking": False, "use_statistics": False},
              "lz4": {"compression": CompressionType.LZ4},
              "uncompressed": {"compression": CompressionType.NONE},
              "small_chunks": {"chunk_size": 100},
              "no_summary_offsets": {"use_summary_offsets": False},
              "two_pose_channels": {"two_pose_channels": True},
              "unknown_type_topic": {"unknown": True}}.get(case, {})
    path = _mcap_writer_bag(tmp_path / "x.mcap", **kwargs)
    recording = read_recording(path)
    _assert_episode(recording)
    np.testing.assert_allclose(recording.states[:, 6], [0.0] * 6 + [1.0] * 6, atol=1e-6)
    assert not _damage_said(recording.notes), recording.notes
    played = list(iter_bag(path))
    assert len(played) == 36 + 12 * (case == "unknown_type_topic")


@pytest.mark.parametrize("storage, compression", [
    ("mcap", "none"), ("mcap", "file"), ("mcap", "message"), ("mcap", "storage"),
    ("sqlite3", "none"), ("sqlite3", "file"), ("sqlite3", "message")])
@pytest.mark.parametrize("metadata", [True, False])
def test_rosbags_bags_of_every_mode_are_read_and_played_whole(storage, compression, metadata,
                                                              tmp_path):
    """Read and play bags rosbags writes: both storages, every zstd mode, with metadata or not."""
    frames, states, _ = synthetic_episode(11)
    bag = write_bag(tmp_path / "bag", frames, states, storage=storage, compression=compression)
    if not metadata:
        (bag / "metadata.yaml").unlink()
    recording = read_recording(bag)
    _assert_episode(recording)
    assert not _damage_said(recording.notes), recording.notes
    assert len(list(iter_bag(bag))) == 36


def test_reading_some_topics_only_counts_those_connections(tmp_path):
    """A read of one topic (a type given or not) is whole, without a damage error."""
    frames, states, _ = synthetic_episode(11)
    bag = write_bag(tmp_path / "bag", frames, states, storage="sqlite3")
    for topics, types in [([CAMERA], None), ([POSE], {POSE: m.POSE_STAMPED}),
                          ([GRIPPER, CAMERA], {CAMERA: m.IMAGE, GRIPPER: m.JOINT_STATE})]:
        reader = open_reader(bag)
        try:
            read = list(iter_messages(reader, bag, topics, types))
        finally:
            reader.close()
        assert len(read) == 12 * len(topics)
        assert {connection.topic for connection, _, _ in read} == set(topics)


def test_a_damaged_chunk_played_ends_in_one_line_with_the_recover_command(tmp_path):
    """The player's read of a chunk whose records vanish ends in one DamagedBagError line."""
    bag = _damaged_mcap(tmp_path, "storage", _flip(118))
    with pytest.raises(DamagedBagError) as raised:
        for _ in iter_bag(bag):
            pass
    text = str(raised.value)
    assert "\n" not in text and "mcap recover" in text and "0 of 12" in text, text


def test_vjepa_ros_record_bags_are_read_whole(tmp_path, capsys):
    """`vjepa-ros record` bags (MCAP raw, SQLite3 JPEG): every frame read, no damage said."""
    for storage, image_format in [("mcap", "raw"), ("sqlite3", "jpeg")]:
        bag = tmp_path / storage
        code, out, err = _run(capsys, "record", str(bag), "--frames", "6", "--width", "32",
                              "--height", "32", "--storage", storage,
                              "--image-format", image_format)
        assert code == 0, err
        recording = read_recording(bag)
        assert len(recording.image_times) == 6
        assert not _damage_said(recording.notes), recording.notes
        assert len(list(iter_bag(bag))) == sum(info.count for info in
                                              bag_contents(bag).topics.values())


@pytest.mark.parametrize("name", ["camera-8uc3", "joint-states-split", "killed-no-metadata-db3",
                                  "killed-no-metadata-mcap", "truncated-mcap"])
def test_field_recordings_read_and_play_as_before(name, tmp_path):
    """The field recordings read (damage said only of the truncated one) and play whole."""
    bag = tmp_path / name
    shutil.copytree(f"{FIELD}/{name}", bag)
    recording = read_recording(bag)
    assert len(recording.image_times) >= 2
    assert bool(_damage_said(recording.notes)) == (name == "truncated-mcap"), recording.notes
    played = list(iter_bag(bag))
    assert len(played) == sum(info.count for info in bag_contents(bag).topics.values())


def _split_bag(tmp_path, storage):
    """Write 12 frames, poses, fingers as a split recording: bag_0 (frames 0-5), bag_1 (6-11).

    metadata.yaml lists both parts, its counts the sums (12 a topic), as rosbag2's recorder
    writes a recording split by ``--max-bag-size``.
    """
    import yaml

    from vjepa_ros.recordings.bag_writing import write_messages

    frames, states, _ = synthetic_episode(11)
    folder, suffix = tmp_path / "split", ".mcap" if storage == "mcap" else ".db3"
    folder.mkdir()
    metas = []
    for part, indices in enumerate([range(6), range(6, 12)]):
        entries = []
        for i in indices:
            t = DEFAULT_START_NS + i * QUARTER
            entries += [(CAMERA, m.IMAGE, t, m.image_message(frames[i], t, "cam")),
                        (POSE, m.POSE_STAMPED, t, m.pose_message(states[i], t, "base")),
                        (GRIPPER, m.JOINT_STATE, t, m.joint_state_message(
                            FINGERS, [0.04 if i < 6 else 0.0] * 2, t))]
        written = write_messages(tmp_path / f"p{part}", entries, storage)
        next(written.glob(f"*{suffix}")).rename(folder / f"bag_{part}{suffix}")
        metas.append(yaml.safe_load((written / "metadata.yaml").read_text()))
    info = metas[0]["rosbag2_bagfile_information"]
    second = metas[1]["rosbag2_bagfile_information"]
    info["files"][0]["path"], second["files"][0]["path"] = f"bag_0{suffix}", f"bag_1{suffix}"
    info["files"] += second["files"]
    info["relative_file_paths"] = [f"bag_0{suffix}", f"bag_1{suffix}"]
    info["message_count"] = 36
    info["duration"]["nanoseconds"] = 11 * QUARTER + 1
    for topic in info["topics_with_message_count"]:
        topic["message_count"] = 12
    (folder / "metadata.yaml").write_text(yaml.safe_dump(metas[0]))
    return folder


@pytest.mark.parametrize("storage", ["mcap", "sqlite3"])
def test_a_split_recording_given_whole_is_read_and_played_whole(storage, tmp_path):
    """A recording split in two parts, metadata.yaml counting both: read and played whole."""
    bag = _split_bag(tmp_path, storage)
    recording = read_recording(bag)
    _assert_episode(recording)
    np.testing.assert_allclose(recording.states[:, 6], [0.0] * 6 + [1.0] * 6, atol=1e-6)
    assert not _damage_said(recording.notes), recording.notes
    assert len(list(iter_bag(bag))) == 36
    reader = open_reader(bag)
    try:  # one topic of both parts, counted against metadata.yaml's sum
        assert len(list(iter_messages(reader, bag, [CAMERA], {CAMERA: m.IMAGE}))) == 12
    finally:
        reader.close()

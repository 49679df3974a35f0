"""fix58d: the family around breaker58d's three bag defects.

MCAP files not in log-time order (every layout the ``mcap`` writer and a killed recorder leave:
chunked and closed, chunked and cut, unchunked; a subset of topics; a topic itself out of
order), a split part missing from a folder read through rosbags' own reader, MCAPs holding no
message (killed before any, or closed with none), the player's latched rule (every publisher
transient-local, as ``ros2 bag play``) and the note on a folder without ``metadata.yaml``.
"""

from __future__ import annotations

import pytest
from split_bags import FRAMES, data_file, episode, records, split_bag
from test_breaker58d import CAMERA, TOPICS, episode_entries, write_mcap

from vjepa_ros.eval.playback import bag_contents, iter_bag
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_writing import WRITTEN_GRIPPER_TOPIC, write_bag
from vjepa_ros.recordings.bags import read_recording

ORDER_WORDS = "not in log-time order"


def by_topic(entries):
    return sorted(entries, key=lambda entry: entry[0])  # as `mcap merge` of one topic each


@pytest.mark.parametrize("chunked, chunk_size", [(False, 1024), (True, 1024), (True, 1 << 20)])
def test_topic_after_topic_plays_in_time_order_closed(tmp_path, chunked, chunk_size):
    """Closed files: unchunked (scanned, merged with a note), chunked (rosbags' index)."""
    _, _, entries = episode_entries()
    folder = write_mcap(tmp_path / "merged", by_topic(entries), chunked=chunked,
                        chunk_size=chunk_size).parent
    contents = bag_contents(folder)
    assert not contents.lost
    times = [message.time_ns for message in iter_bag(folder)]
    assert len(times) == 3 * FRAMES and times == sorted(times)
    if not chunked:  # read by the scan: the note says how (no note where rosbags sorts)
        assert any(ORDER_WORDS in note for note in contents.notes)
    assert not any("damaged" in note for note in contents.notes)


def test_in_order_unchunked_file_has_no_order_note(tmp_path):
    _, _, entries = episode_entries()
    folder = write_mcap(tmp_path / "plain", entries, chunked=False).parent
    contents = bag_contents(folder)
    assert not any(ORDER_WORDS in note for note in contents.notes)
    times = [message.time_ns for message in iter_bag(folder)]
    assert times == sorted(times) and len(times) == 3 * FRAMES


def test_a_subset_of_topics_plays_in_time_order(tmp_path):
    _, _, entries = episode_entries()
    folder = write_mcap(tmp_path / "merged", by_topic(entries), chunked=False).parent
    played = list(iter_bag(folder, [TOPICS.pose, CAMERA]))
    assert {message.topic for message in played} == {TOPICS.pose, CAMERA}
    times = [message.time_ns for message in played]
    assert len(times) == 2 * FRAMES and times == sorted(times)


def _shuffled_poses(tmp_path, chunked=False):
    """Write an MCAP whose pose topic's own messages go back in time (two swapped)."""
    _, _, entries = episode_entries()
    poses = [entry for entry in entries if entry[0] == TOPICS.pose]
    others = [entry for entry in entries if entry[0] != TOPICS.pose]
    poses[2], poses[5] = poses[5], poses[2]  # one topic's own messages go back in time
    return write_mcap(tmp_path / "shuffled", others + poses, chunked=chunked).parent


@pytest.mark.parametrize("chunked", [False, True])
def test_a_topic_itself_out_of_order_plays_sorted(tmp_path, chunked):
    """mend59c: the reader sorts such a topic (scan or rosbags' index): the player plays it."""
    folder = _shuffled_poses(tmp_path, chunked)
    contents = bag_contents(folder)
    assert TOPICS.pose in contents.topics and not contents.lost
    played = list(iter_bag(folder))
    times = [message.time_ns for message in played]
    assert times == sorted(times) and len(times) == 3 * FRAMES
    poses = [message.time_ns for message in played if message.topic == TOPICS.pose]
    assert len(poses) == FRAMES and poses == sorted(poses)


def test_a_topic_the_reader_cannot_sort_is_refused_naming_recover_then_sort(tmp_path,
                                                                           monkeypatch):
    """Beyond the reader's memory limits a topic comes in file order: that one is refused."""
    from vjepa_ros.recordings import mcap_order

    monkeypatch.setattr(mcap_order, "WINDOW_LIMIT_BYTES", 0)  # merged topic by topic
    monkeypatch.setattr(mcap_order, "CHANNEL_WINDOW_LIMIT_BYTES", 0)  # no window fits
    folder = _shuffled_poses(tmp_path)
    with pytest.raises(BagError) as caught:
        list(iter_bag(folder))
    words = str(caught.value)
    assert TOPICS.pose in words and "\n" not in words
    # the MCAP CLI's syntax: `mcap recover [file] -o out`, `mcap sort [file] -o out` (sort
    # needs the chunk index that recover writes)
    assert "mcap recover " in words and "-o recovered.mcap && mcap sort recovered.mcap -o " \
        "sorted.mcap" in words
    # the other topics, each in order, play merged
    times = [message.time_ns for message in iter_bag(folder, [CAMERA, WRITTEN_GRIPPER_TOPIC])]
    assert times == sorted(times) and len(times) == 2 * FRAMES


def test_a_topic_that_fits_alone_is_not_refused_for_another_topic_s_window(tmp_path,
                                                                          monkeypatch):
    """fix59r2 (review59r b): two topics out of order, their windows too large together.

    Both chosen: the larger is refused, and the advice "leave out those topics" is what works:
    the other chosen alone plays sorted; the refused one alone plays sorted too.
    """
    from vjepa_ros.recordings import mcap_order
    from vjepa_ros.recordings.mcap_salvage import SalvagedMcap

    _, _, entries = episode_entries()
    poses = [entry for entry in entries if entry[0] == TOPICS.pose]
    grip = [entry for entry in entries if entry[0] == WRITTEN_GRIPPER_TOPIC]
    others = [entry for entry in entries if entry[0] not in (TOPICS.pose, WRITTEN_GRIPPER_TOPIC)]
    poses[2], poses[5] = poses[5], poses[2]  # each topic's own messages go back in time
    grip[1], grip[6] = grip[6], grip[1]
    folder = write_mcap(tmp_path / "two", others + poses + grip, chunked=False).parent
    monkeypatch.setattr(mcap_order, "WINDOW_LIMIT_BYTES", 0)  # merged topic by topic
    windows = SalvagedMcap(next(folder.glob("*.mcap"))).order.channel_window_bytes
    assert len(windows) == 2
    monkeypatch.setattr(mcap_order, "CHANNEL_WINDOW_LIMIT_BYTES", max(windows.values()))
    with pytest.raises(BagError) as caught:
        list(iter_bag(folder, [TOPICS.pose, WRITTEN_GRIPPER_TOPIC]))
    refused = [topic for topic in (TOPICS.pose, WRITTEN_GRIPPER_TOPIC)
               if topic in str(caught.value)]
    assert len(refused) == 1, caught.value
    for topic in (TOPICS.pose, WRITTEN_GRIPPER_TOPIC):
        times = [message.time_ns for message in iter_bag(folder, [topic, CAMERA])]
        assert times == sorted(times) and len(times) == 2 * FRAMES, topic


@pytest.mark.parametrize("gone", ["bag_0.mcap", "bag_1.mcap", "bag_3.mcap"])
def test_missing_mcap_part_listed_in_metadata_is_damage(tmp_path, gone):
    folder = split_bag(tmp_path / "run", 4)
    listed = sorted(p.name for p in folder.glob("*.mcap"))
    (folder / "metadata.yaml").write_text(
        "rosbag2_bagfile_information:\n  version: 5\n  storage_identifier: mcap\n"
        "  relative_file_paths:\n" + "".join(f"    - {name}\n" for name in listed) +
        "  duration: {nanoseconds: 0}\n  starting_time: {nanoseconds_since_epoch: 0}\n"
        "  message_count: 0\n  topics_with_message_count: []\n"
        "  compression_format: ''\n  compression_mode: ''\n")
    (folder / gone).unlink()
    recording = read_recording(folder)
    assert 0 < len(recording.image_times) < FRAMES
    assert any(gone in note for note in recording.damage)
    contents = bag_contents(folder)
    assert contents.lost and any(gone in note for note in contents.notes)


def _mcap_cut_after(path, opcodes):
    """Keep the records up to the last of these opcodes (Header 0x01, Schema 0x03, ...)."""
    raw = path.read_bytes()
    end = max(at + 9 + length for at, opcode, length in records(raw) if opcode in opcodes)
    path.write_bytes(raw[:end])


def test_mcap_killed_after_its_channels_before_any_message_holds_nothing(tmp_path):
    """Header, Schema and Channel records written, the first message not: nothing to read."""
    _, _, entries = episode_entries()
    path = write_mcap(tmp_path / "killed", entries, chunked=False)
    raw = path.read_bytes()
    first_message = next(at for at, opcode, _ in records(raw) if opcode == 0x05)
    path.write_bytes(raw[:first_message])
    for read in (read_recording, bag_contents):
        with pytest.raises(BagError) as caught:
            read(path.parent)
        assert "truncated before its first complete message" in str(caught.value)
        assert path.name in str(caught.value)


def test_closed_mcap_with_no_message_is_not_called_truncated(tmp_path):
    """A recorder that closed with nothing recorded: not a cut file."""
    path = write_mcap(tmp_path / "empty", [], chunked=True)
    contents = bag_contents(path.parent)
    assert not contents.lost and contents.topics == {}
    assert not any("truncated" in note for note in contents.notes)


def test_magic_only_middle_part_is_left_out_as_damage(tmp_path):
    folder = split_bag(tmp_path / "run", 3)
    middle = folder / "bag_1.mcap"
    middle.write_bytes(middle.read_bytes()[:8])  # a copy that stopped after 8 bytes
    recording = read_recording(folder)
    assert any("bag_1.mcap" in note for note in recording.damage)
    contents = bag_contents(folder)
    assert contents.lost and not any("ord()" in note for note in contents.notes)


QOS = ("- history: 1\n  depth: 1\n  reliability: 1\n  durability: {durability}\n"
       "  deadline: {{sec: 0, nsec: 0}}\n  lifespan: {{sec: 0, nsec: 0}}\n  liveliness: 1\n"
       "  liveliness_lease_duration: {{sec: 0, nsec: 0}}\n"
       "  avoid_ros_namespace_conventions: false\n")
TRANSIENT_LOCAL, VOLATILE = 1, 2  # rmw_qos_durability_policy_e


@pytest.mark.parametrize("durabilities, latched", [
    ((TRANSIENT_LOCAL,), True), ((TRANSIENT_LOCAL, TRANSIENT_LOCAL), True),
    ((TRANSIENT_LOCAL, VOLATILE), False), ((VOLATILE,), False), ((), False)])
def test_latched_only_when_every_recorded_publisher_offered_transient_local(
        tmp_path, durabilities, latched):
    from mcap.writer import Writer

    store = m.typestore()
    _, _, entries = episode_entries()
    topic, msgtype, time_ns, message = entries[1]  # one pose
    path = tmp_path / "qos.mcap"
    with path.open("wb") as stream:
        writer = Writer(stream)
        writer.start(profile="ros2", library="fix58d")
        text, _ = store.generate_msgdef(msgtype, ros_version=2)
        schema = writer.register_schema(name=msgtype, encoding="ros2msg", data=text.encode())
        profiles = "".join(QOS.format(durability=d) for d in durabilities)
        channel = writer.register_channel(topic=topic, message_encoding="cdr", schema_id=schema,
                                          metadata={"offered_qos_profiles": profiles})
        writer.add_message(channel_id=channel, log_time=time_ns, publish_time=time_ns,
                           data=bytes(store.serialize_cdr(message, msgtype)))
        writer.finish()
    assert bag_contents(path).topics[topic].latched is latched


def test_folder_of_a_closed_mcap_without_metadata_is_not_called_killed(tmp_path):
    frames, states = episode()
    bag = write_bag(tmp_path / "bag", frames, states)
    (bag / "metadata.yaml").unlink()
    notes = read_recording(bag).notes
    assert any("no metadata.yaml" in note and "closed" in note for note in notes)
    assert not any("killed" in note for note in notes if "no metadata.yaml" in note)
    _mcap_cut_after(data_file(bag), {0x01, 0x06})  # now cut: the recorder did not close
    notes = bag_contents(bag).notes
    assert any("no metadata.yaml" in note and "killed" in note for note in notes)

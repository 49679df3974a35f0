"""Bag replay timing without ROS: messages at their relative times / rate, /clock in between."""

import dataclasses

import numpy as np
import pytest
from rosbags.interfaces import Qos, QosDurability, QosHistory, QosLiveliness, QosReliability
from rosbags.interfaces import QosTime as T
from rosbags.rosbag2 import StoragePlugin, Writer

from vjepa_ros.config import from_dict
from vjepa_ros.eval.playback import BagMessage, PlaybackConfig, bag_topics, iter_bag, play
from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.images import decode_image_message
from vjepa_ros.package_files import config_path
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_bag
from vjepa_ros.yaml_files import read_ros_params

SEC = 1_000_000_000


class FakeTime:
    def __init__(self):
        self.t = 100.0

    def now(self):
        return self.t

    def sleep(self, seconds):
        assert seconds >= 0
        self.t += seconds


def _messages(times_s):
    return [BagMessage(f"/t{i % 2}", "std_msgs/msg/Empty", 5 * SEC + round(t * SEC), b"")
            for i, t in enumerate(times_s)]


def test_messages_leave_at_their_relative_times_divided_by_rate():
    clock = FakeTime()
    sent, ticks = [], []
    times = [0.0, 0.1, 0.1, 0.5, 1.3]
    count = play(_messages(times), lambda msg: sent.append((clock.now(), msg.time_ns)),
                 ticks.append, rate=2.0, clock_hz=40.0, now=clock.now, sleep=clock.sleep)
    assert count == 5
    np.testing.assert_allclose([t - 100.0 for t, _ in sent], np.array(times) / 2.0, atol=1e-9)
    assert [ns for _, ns in sent] == [5 * SEC + round(t * SEC) for t in times]
    # /clock: starts at the first message, never goes back, never runs ahead of the next
    # message, and advances rate / clock_hz = 50 ms of bag time per tick.
    assert ticks[0] == 5 * SEC and np.all(np.diff(ticks) > 0)
    assert ticks[-1] <= 5 * SEC + round(1.3 * SEC)
    steps = np.diff(ticks) / SEC
    assert np.median(steps) == pytest.approx(0.05, abs=1e-6)
    assert len(ticks) == pytest.approx(1.3 / 2.0 * 40, abs=2)


def test_playback_stops_when_asked_and_without_a_clock():
    clock = FakeTime()
    sent = []
    count = play(_messages([0.0, 0.2, 10.0]), sent.append, None, now=clock.now,
                 sleep=clock.sleep, should_stop=lambda: clock.now() > 101.0)
    assert count == 2 and len(sent) == 2
    assert clock.now() == pytest.approx(101.0, abs=0.06)  # checked at least every 50 ms


def test_iter_bag_reads_every_topic_in_time_order(tmp_path):
    frames, states, times = synthetic_episode(3)
    bag = write_bag(tmp_path / "bag", frames, states, times)
    topics = bag_topics(bag)
    assert topics["/camera/camera/color/image_raw"].msgtype == m.IMAGE
    assert topics["/camera/camera/color/image_raw"].count == 4
    everything = list(iter_bag(bag))
    assert len(everything) == 12  # 4 frames, 4 poses, 4 gripper states
    assert all(np.diff([msg.time_ns for msg in everything]) >= 0)
    images = list(iter_bag(bag, ["/camera/camera/color/image_raw"]))
    decoded = [decode_image_message(m.typestore().deserialize_cdr(msg.data, msg.msgtype))
               for msg in images]
    np.testing.assert_array_equal(np.stack(decoded), frames)
    with pytest.raises(BagError, match=r"/nope not in the bag \(it has /camera"):
        list(iter_bag(bag, ["/nope"]))


def test_latched_topics_are_detected_from_the_recorded_qos(tmp_path):
    latched = Qos(QosHistory.KEEP_LAST, 1, QosReliability.RELIABLE,
                  QosDurability.TRANSIENT_LOCAL, T(0, 0), T(0, 0), QosLiveliness.AUTOMATIC,
                  T(0, 0), False)
    store = m.typestore()
    with Writer(tmp_path / "bag", version=8, storage_plugin=StoragePlugin.MCAP) as writer:
        goal = writer.add_connection("/goal", m.IMAGE, typestore=store,
                                     offered_qos_profiles=[latched])
        pose = writer.add_connection("/pose", m.POSE_STAMPED, typestore=store)
        writer.write(goal, DEFAULT_START_NS, store.serialize_cdr(
            m.image_message(np.zeros((2, 2, 3), np.uint8), DEFAULT_START_NS, "cam"), m.IMAGE))
        writer.write(pose, DEFAULT_START_NS, store.serialize_cdr(
            m.pose_message(np.zeros(7), DEFAULT_START_NS, "base"), m.POSE_STAMPED))
    topics = bag_topics(tmp_path / "bag")
    assert topics["/goal"].latched and not topics["/pose"].latched


def test_playback_config_is_checked():
    with pytest.raises(BagError, match="'bag' is empty"):
        PlaybackConfig().check()
    with pytest.raises(ValueError, match=r"^rate must lie in \(0, 100\], got 0.0$"):
        PlaybackConfig(bag="x", rate=0.0).check()
    assert PlaybackConfig(bag="x", topics=" /a, /b ,").topic_list() == ["/a", "/b"]


def test_shipped_parameter_file_matches_the_node_defaults():
    params = read_ros_params(config_path("bag_player.yaml"), "bag_player")
    assert set(params) == {f.name for f in dataclasses.fields(PlaybackConfig)}
    assert from_dict(PlaybackConfig, params) == PlaybackConfig()


@pytest.mark.parametrize("spelling", ["$F56F_BAGS/bag", "${F56F_BAGS}/bag", "$F56F_BAGS/bag/"])
def test_a_bag_path_naming_an_environment_variable_is_read_from_where_it_points(
        tmp_path, monkeypatch, spelling):
    """A ``bag_player`` ``bag: $HOME/bags/run1`` parameter is no shell word: expanded here.

    It was called present by ``input_paths.missing`` (which expands), then opened as written: a
    bare FileNotFoundError naming ``$HOME/bags/run1`` (final56f).
    """
    from vjepa_ros.recordings.bag_files import open_reader

    frames, states, times = synthetic_episode(3)
    write_bag(tmp_path / "bag", frames, states, times)
    monkeypatch.setenv("F56F_BAGS", str(tmp_path))
    reader = open_reader(spelling)
    try:
        assert reader.path == tmp_path / "bag"
    finally:
        reader.close()
    assert bag_topics(spelling)["/camera/camera/color/image_raw"].count == 4
    assert len(list(iter_bag(spelling))) == 12


@pytest.mark.parametrize("read", ["open_reader", "bag_topics", "iter_bag"])
def test_a_bag_path_naming_an_unset_variable_is_refused_naming_it(monkeypatch, read):
    from vjepa_ros.recordings.bag_files import open_reader

    monkeypatch.delenv("F56F_UNSET", raising=False)
    reading = {"open_reader": open_reader, "bag_topics": bag_topics,
               "iter_bag": lambda path: list(iter_bag(path))}[read]
    with pytest.raises(BagError) as refused:
        reading("$F56F_UNSET/bags/run1")
    message = str(refused.value)
    assert message.startswith("bag $F56F_UNSET/bags/run1 names the environment variable "
                              "F56F_UNSET, which is not set here: set it in the environment")
    assert message.endswith("or write the path out") and "\n" not in message

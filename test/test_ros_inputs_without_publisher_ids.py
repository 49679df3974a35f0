"""Humble and Iron rclpy give no publisher ids: a change of an input's publishers is still seen.

Before session 29 only the 2 Hz graph check saw a bag player there: a player that started on
the joint states was commanded from for up to 0.5 s (and forever with the check held up), and
a publisher the graph had not named yet was never held. rclpy 9 (this environment) gives ids,
so ``publisher_ids.gives_publisher_ids`` is patched to say it does not, as on Humble: every
subscription callback then gets the message alone (``callback_with_publisher``).
"""

from types import SimpleNamespace

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from sensor_msgs.msg import JointState  # noqa: E402
from test_ros_planner_node import FR3, HOME, checkpoint, harness  # noqa: E402, F401
from test_ros_recorded_inputs_round2 import commanding_an_fr3_without_the_2hz_check  # noqa: E402

from vjepa_ros.nodes import publisher_ids  # noqa: E402
from vjepa_ros.nodes.graph_publishers import UNKNOWN  # noqa: E402


@pytest.fixture
def no_ids(monkeypatch):
    monkeypatch.setattr(publisher_ids, "gives_publisher_ids", lambda: False)


def test_without_ids_a_player_starting_on_the_joint_states_is_seen_on_its_first_message(
        harness, no_ids):  # noqa: F811
    h = commanding_an_fr3_without_the_2hz_check(harness())
    assert not h.planner.sources.ids_given
    player = rclpy.create_node("rosbag2_player", context=h.context)
    try:
        joints = player.create_publisher(JointState, "/joint_states", 10)
        h.extra.append((joints, JointState(name=FR3, position=HOME)))
        sent = h.session.commands_sent
        assert h.pump(20.0, until=lambda: h.session.recorded_inputs or
                      h.session.commands_sent >= sent + 5, joints=None)
        assert "robot states on /joint_states come from a bag player (/rosbag2_player)" in \
            h.session.recorded_inputs, "commanded on from the recording (2 Hz check held up)"
    finally:
        player.destroy_node()


def test_without_ids_a_topic_with_an_unnamed_publisher_is_held_until_it_is_named(
        harness, no_ids, monkeypatch):  # noqa: F811
    h = harness()
    real = h.planner.get_publishers_info_by_topic
    unnamed = {"on": True}

    def publishers(topic):  # the graph, with one more publisher on /joint_states not named yet
        extra = [SimpleNamespace(node_name=UNKNOWN, node_namespace="/", endpoint_gid=[1] * 16)]
        return list(real(topic)) + (extra if topic == "/joint_states" and unnamed["on"] else [])

    monkeypatch.setattr(h.planner, "get_publishers_info_by_topic", publishers)
    assert h.pump(3.0, until=lambda: h.session.inputs.frames_received > 3)
    assert h.session.inputs.states_received == 0, "a topic with an unnamed publisher is held"
    unnamed["on"] = False  # discovery named it (a live node: no player)
    assert h.pump(3.0, until=lambda: h.session.inputs.states_received > 0)
    assert not h.session.recorded_inputs

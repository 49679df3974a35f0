"""The planner node commands from a bag's last frame once the player exits (breaker 28a).

``use_sim_time`` with a bag player as the only publisher of the camera, the joint states and
``/clock``; the planner is enabled during the replay (``~/enable`` answers "not commanding yet").
When the player leaves the graph ``/clock`` stops with it, the recording's last frame and state
stay fresh on the frozen clock, and the 2 Hz graph check clears the refusal: the node plans on
the recording and publishes a gripper command (the set-point is queued on the streamer, whose
timer waits for the clock). Expected: nothing commanded until inputs received after the player
stopped replace the recorded ones.
"""

import time

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from rclpy.qos import qos_profile_sensor_data  # noqa: E402
from rosgraph_msgs.msg import Clock  # noqa: E402
from sensor_msgs.msg import Image, JointState  # noqa: E402
from test_ros_planner_node import WAIT_SLACK, checkpoint, harness  # noqa: E402, F401


def play_with_clock(h):
    """Start a ``rosbag2_player`` node as the only publisher of camera, joint states and /clock.

    As ``ros2 bag play --clock`` (``h`` on ``use_sim_time``); returns the node once the planner
    has found it and holds one of its frames (destroyed if either does not come).
    """
    player = rclpy.create_node("rosbag2_player", context=h.context)
    try:
        h.image_pub = player.create_publisher(Image, "/cam/image", qos_profile_sensor_data)
        h.joint_pub = player.create_publisher(JointState, "/joint_states", 10)
        h.clock_pub = player.create_publisher(Clock, "/clock", 10)
        h.sim_time = 1000.0
        assert h.pump(5.0, until=lambda: "from a bag player" in h.session.recorded_inputs)
        assert h.pump(5.0, until=lambda: h.session.frame is not None)
    except BaseException:
        player.destroy_node()
        raise
    return player


def wait_for_the_player_to_go(h):
    """Spin, publishing nothing, until the planner's graph check saw the player leave."""
    deadline = time.monotonic() + 5.0 * WAIT_SLACK
    while h.session.recorded_inputs and time.monotonic() < deadline:
        h.executor.spin_once(timeout_sec=0.02)
    assert not h.session.recorded_inputs, "the graph check saw the player go"


def test_nothing_is_commanded_from_the_recording_after_the_player_exits(harness):  # noqa: F811
    h = harness(use_sim_time=True)
    player = play_with_clock(h)
    assert h.capture().success
    enabled = h.enable()
    assert enabled.success and "not commanding yet" in enabled.message
    h.pump(1.0)
    assert h.session.commands_sent == 0, "held while the player publishes"
    player.destroy_node()  # the bag ended: nothing is published any more, /clock stops
    wait_for_the_player_to_go(h)
    window = time.monotonic() + 1.5
    while time.monotonic() < window:
        h.executor.spin_once(timeout_sec=0.02)
    h.take_queued()
    assert not h.got["gripper"] and not h.got["pose"], "commanded from the recording"
    assert h.session.commands_sent == 0

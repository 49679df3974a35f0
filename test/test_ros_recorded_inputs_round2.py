"""Inputs a bag player published, round 2 (breaker 28c): what still commands from a recording.

Each test was first a strict xfail where the planner node still commanded from a recording's
inputs; its comment names what happened and what is expected.
"""

import time

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from rclpy.qos import qos_profile_sensor_data  # noqa: E402
from sensor_msgs.msg import Image, JointState  # noqa: E402
from test_ros_planner_node import (  # noqa: E402, F401
    FR3,
    HOME,
    JOINTS,
    checkpoint,
    frame,
    harness,
)
from test_ros_recorded_inputs_after_the_player import (  # noqa: E402
    play_with_clock,
    wait_for_the_player_to_go,
)

from vjepa_ros.images import rgb_to_image_fields  # noqa: E402


def _spin(h, seconds, **inputs):
    h.pump(seconds, **inputs)
    h.take_queued()


def test_the_recorded_finger_closedness_is_not_commanded_after_a_finger_player_exits(harness):  # noqa: F811
    # A bag played onto the finger topic only (the arm and camera live): held while it plays.
    # When the player exits the leftover rule waits for a frame and an arm state received
    # since, which the live driver and camera send at once; the closedness is still the
    # recording's (measured for max_gripper_state_age_s, steady clock), and gripper_command
    # goes out from it.
    h = harness(**{"robot.gripper_state_topic": "/hand/fingers",
                   "safety.max_gripper_state_age_s": 10.0})
    player = rclpy.create_node("rosbag2_player", context=h.context)
    fingers = player.create_publisher(JointState, "/hand/fingers", 10)
    h.extra = [(h.joint_pub, JointState(name=FR3, position=HOME)),
               (fingers, JointState(name=["fr3_finger_joint1", "fr3_finger_joint2"],
                                    position=[0.01, 0.01]))]
    try:
        assert h.pump(10.0, until=lambda: "finger joint states on /hand/fingers" in
                      h.session.recorded_inputs, joints=None), h.session.recorded_inputs
        assert h.pump(5.0, until=lambda: h.session.frame is not None, joints=None)
        assert h.capture().success
        assert h.enable().success
        _spin(h, 1.0, joints=None)
        assert h.session.commands_sent == 0 and not h.got["gripper"], "held while it plays"
        h.extra = h.extra[:1]  # the bag ended; the arm and camera go on
        player.destroy_node()
        player = None
        assert h.pump(5.0, until=lambda: not h.session.recorded_inputs, joints=None)
        # the live arm and camera are commanded again (before the fix too: a plan needs them)
        assert h.pump(20.0, until=lambda: h.session.commands_sent >= 3, joints=None)
        h.take_queued()
        assert not h.got["gripper"], "gripper_command from the recording's fingers"
    finally:
        if player is not None:
            player.destroy_node()


def test_the_players_queued_messages_taken_after_the_clear_do_not_count_as_live(harness):  # noqa: F811
    # ros2 bag play --clock, use_sim_time, the player the only publisher. When it exits, its
    # last frame and state may still wait in the planner's subscription queues (a loaded
    # executor) when the 2 Hz graph check clears the refusal. Taken then, they grow the frame
    # and state counts the leftover rule compares, though they come from the player's own
    # publishers (the same publisher ids it used while refused), on the frozen clock.
    h = harness(use_sim_time=True)
    player = play_with_clock(h)
    try:
        assert h.capture().success
        assert h.enable().success
        _spin(h, 1.0)
        assert h.session.commands_sent == 0, "held while the player publishes"
        senders = (list(h.planner.sources.image_publishers._last),
                   list(h.planner.sources.state_publishers._last))
        assert len(senders[0]) == 1 and len(senders[1]) == 1, senders
        player.destroy_node()
        player = None
        wait_for_the_player_to_go(h)
        image = Image(**rgb_to_image_fields(frame(500)))  # the player's last, queued messages
        image.header.stamp = h.stamp()
        state = JointState(name=JOINTS, position=list(HOME) + [0.02, 0.02])
        state.header.stamp = h.stamp()
        h.planner._on_image(image, "", senders[0][0])
        h.planner._on_joint_state(state, "", senders[1][0])
        window = time.monotonic() + 5.0  # ends early once something is commanded (the bug)
        while time.monotonic() < window and not h.session.commands_sent:
            h.executor.spin_once(timeout_sec=0.02)
        h.take_queued()
        assert h.session.commands_sent == 0 and not h.got["gripper"], "commanded from the bag"
    finally:
        if player is not None:
            player.destroy_node()


def commanding_an_fr3_without_the_2hz_check(h):
    """Return ``h`` commanding a live fr3 arm and camera, the 2 Hz graph check cancelled."""
    h.extra = [(h.joint_pub, JointState(name=FR3, position=HOME))]
    assert h.pump(5.0, until=lambda: h.session.frame is not None, joints=None)
    assert h.capture().success and h.enable().success
    assert h.pump(20.0, until=lambda: h.session.commands_sent >= 3, joints=None)
    _without_the_2hz_check(h)
    return h


def play_fingers_until_seen(h, fingers):
    """Play a recorded fr3 hand on publisher ``fingers`` until the player is seen.

    Or until 5 more commands went out (what a missed player would allow).
    """
    h.extra.append((fingers, JointState(name=["fr3_finger_joint1", "fr3_finger_joint2"],
                                        position=[0.01, 0.01])))
    sent = h.session.commands_sent
    assert h.pump(20.0, until=lambda: h.session.commands_sent >= sent + 5 or
                  h.session.recorded_inputs, joints=None)
    h.take_queued()


def _without_the_2hz_check(h):
    """Cancel the planner's 0.5 s diagnostics timer: only the per-message checks remain."""
    timers = [t for t in h.planner.timers if t.callback == h.planner._publish_diagnostics]
    assert len(timers) == 1, [t.callback for t in h.planner.timers]
    timers[0].cancel()


def test_a_player_starting_on_the_finger_topic_is_checked_on_its_first_message(harness):  # noqa: F811
    # The arm and camera live and commanded, no gripper driver running (no gripper command);
    # then a bag player starts on the finger topic. Camera and state publishers new to the
    # node ask the graph at once (2411155); a finger publisher does not, so until the 2 Hz
    # check (cancelled here, to see the per-message rule alone) gripper_command goes out from
    # the recording's fingers.
    h = commanding_an_fr3_without_the_2hz_check(
        harness(**{"robot.gripper_state_topic": "/hand/fingers"}))
    player = rclpy.create_node("rosbag2_player", context=h.context)
    try:
        fingers = player.create_publisher(JointState, "/hand/fingers", 10)
        play_fingers_until_seen(h, fingers)
        assert "finger joint states on /hand/fingers" in h.session.recorded_inputs
        assert not h.got["gripper"], "gripper_command from the recording's fingers"
    finally:
        player.destroy_node()


def test_a_player_not_named_yet_on_its_first_message_is_asked_again(harness):  # noqa: F811
    # Discovery shows another process's publishers a moment before their nodes' names
    # (graph_publishers.full_name): the first message of a player that replaced the driver asks
    # the graph, which lists the publisher as _NODE_NAME_UNKNOWN_; bag_players skips it and the
    # publisher id is known from then on, so nothing asks again before the 2 Hz check
    # (cancelled here). Simulated: the graph lists the player unnamed at the checks of its first
    # frame and first state (both come within milliseconds), named from then on.
    from types import SimpleNamespace

    from vjepa_ros.nodes.graph_publishers import UNKNOWN

    h = harness()
    assert h.pump(5.0, until=lambda: h.session.frame is not None)
    assert h.capture().success and h.enable().success
    assert h.pump(20.0, until=lambda: h.session.commands_sent >= 3)
    _without_the_2hz_check(h)
    real = h.planner.get_publishers_info_by_topic
    unnamed = {"checks": 2}  # the camera topic's first two graph answers: the name not known

    def publishers(topic):
        infos = real(topic)
        if unnamed["checks"] > 0 and any(i.node_name == "rosbag2_player" for i in infos):
            unnamed["checks"] -= topic == "/cam/image"
            return [SimpleNamespace(node_name=UNKNOWN, node_namespace="/")
                    if i.node_name == "rosbag2_player" else i for i in infos]
        return infos

    h.planner.get_publishers_info_by_topic = publishers
    h.pump(1.5, image=None, joints=None)  # the driver and camera stop (their ids forgotten)
    player = rclpy.create_node("rosbag2_player", context=h.context)
    try:
        h.image_pub = player.create_publisher(Image, "/cam/image", qos_profile_sensor_data)
        h.joint_pub = player.create_publisher(JointState, "/joint_states", 10)
        sent = h.session.commands_sent
        assert h.pump(20.0, until=lambda: h.session.commands_sent >= sent + 5 or
                      h.session.recorded_inputs)
        assert unnamed["checks"] <= 0, "the player's first frame and state asked the graph"
        assert "from a bag player" in h.session.recorded_inputs, "commanded from the recording"
    finally:
        player.destroy_node()

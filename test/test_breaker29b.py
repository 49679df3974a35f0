"""Breaker 29b: session 29's node changes, round 2 (relay walks, the goal settle, pending goals).

Each test was a strict xfail where a live setup was held, a live goal refused or lost, or a
recording still replaced the goal (fixed in session 29: ef3de96); its comment says what
happened and what is expected.
"""

import time

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from sensor_msgs.msg import Image, JointState  # noqa: E402
from test_robot_mpc import make_session, observe, tiny_world_model  # noqa: E402
from test_ros_planner_goals import set_goal_param  # noqa: E402
from test_ros_planner_node import WAIT_SLACK, checkpoint, frame, harness  # noqa: E402, F401
from test_ros_recorded_goals import LATCHED, goal_decided, goal_image, goal_message  # noqa: E402
from test_ros_recorded_inputs_round2 import _without_the_2hz_check  # noqa: E402

from vjepa_ros.images import image_msg_to_rgb  # noqa: E402
from vjepa_ros.robot.recorded_inputs import recorded_inputs_problem, recorded_kinds  # noqa: E402

GOAL = "/vjepa_planner/goal_image"


def same_image(h, msg):
    image = goal_image(h)
    return image is not None and np.array_equal(image, image_msg_to_rgb(msg, goal=True))


def _until(condition, seconds=5.0):
    """Wait (the planner spins on its own thread) until ``condition()``; return it."""
    deadline = time.monotonic() + seconds * WAIT_SLACK
    while time.monotonic() < deadline and not condition():
        time.sleep(0.01)
    return condition()


def _script_goal(h, seed, name="goal_script"):
    """Set a goal as a script run per goal does: a new node and latched publisher, one message.

    Returns (node, message) once the planner holds the goal in ``pending_goal`` (its publisher
    was listed less than 0.5 s ago: the settle), or took it (before the settle: at once).
    """
    node = rclpy.create_node(name, context=h.context)
    msg = goal_message(seed)
    node.create_publisher(Image, GOAL, LATCHED).publish(msg)
    assert _until(lambda: h.planner.pending_goal is not None or same_image(h, msg)), \
        "the goal never came"
    return node, msg


def _gone(h, node):
    """Destroy ``node`` (the script quit) and wait until the planner's graph drops it."""
    name = node.get_name()
    node.destroy_node()
    assert _until(lambda: all(info.node_name != name
                              for info in h.planner.get_publishers_info_by_topic(GOAL)))


def test_goal_steps_set_after_a_goal_image_do_not_drop_it(harness):  # noqa: F811
    # README: a ~/goal_image message replaces the goal, "after which goal_steps / goal_gripper
    # apply to that goal's sub-goals". A script publishes the new goal image from a new
    # publisher and then sets goal_steps. The image waits 0.5-1 s for the settle (its publisher
    # listed < 0.5 s); the goal_steps change lands meanwhile and retunes the OLD goal
    # (session.set_goals: goal_version + 1), and the next 2 Hz check drops the waiting image
    # as "a goal was set since": the arm keeps driving to the old goal (info line only).
    # Before the settle the image was taken within milliseconds. Expected: the newer goal image
    # is taken (a retune of the old goal is no newer goal; goal_steps then applies to it or is
    # refused with a reason).
    h = harness()
    _without_the_2hz_check(h)  # called below, from this thread alone
    assert h.pump(3.0, until=lambda: h.session.frame is not None)
    assert h.capture().success  # the old goal
    script, msg = _script_goal(h, 11)
    try:
        assert set_goal_param(h, "goal_steps", [0]).successful  # the service: as a user does
        assert goal_decided(h)
        assert same_image(h, msg), "the newer goal image was dropped; the old goal stays"
    finally:
        script.destroy_node()


def test_a_live_goal_whose_script_quit_is_not_taken_for_a_players(harness):  # noqa: F811
    # Shadow-mode replay of a bag recorded with -a beside a planner: the player publishes the
    # old run's latched goal (ignored, one warning). The operator sets a goal with a script
    # run per goal (a new node, one latched message, exits). On arrival its publisher is
    # listed and not a player's (before the settle it was taken at once: b7afc17); now it
    # waits for the settle, the script exits meanwhile, and the retry finds its gid gone and
    # takes every publisher of the topic instead: the player's, so the live goal is "another
    # run's goal" and ignored. Without the player the same goal is taken. Expected: the goal of
    # a publisher known to be live when it came is taken.
    h = harness()
    _without_the_2hz_check(h)  # called below, from this thread alone
    player = rclpy.create_node("rosbag2_player", context=h.context)
    try:
        player.create_publisher(Image, GOAL, LATCHED).publish(goal_message(3))
        assert h.pump(3.0, until=lambda: bool(h.logs("comes from a bag player")))
        script, msg = _script_goal(h, 12)
        _gone(h, script)
        assert goal_decided(h)
        assert same_image(h, msg), "the live goal was ignored as the recording's"
    finally:
        player.destroy_node()


def test_a_players_ignored_goal_does_not_drop_a_waiting_live_goal(harness):  # noqa: F811
    # A live goal waits for the settle (new publisher, 0.5-1 s). A bag player (a looping -a
    # bag, or one started now) publishes its old goal image meanwhile: _on_goal_image drops
    # the waiting goal as replaced by "a newer goal image" before it decides that the newer
    # one is a player's and ignores it too. No goal is set; the operator's goal is lost (an
    # info line). Expected: an image that is ignored replaces nothing; the live goal is taken.
    h = harness()
    _without_the_2hz_check(h)  # called below, from this thread alone
    script, msg = _script_goal(h, 13)
    player = rclpy.create_node("rosbag2_player", context=h.context)
    try:
        player.create_publisher(Image, GOAL, LATCHED).publish(goal_message(4))
        assert h.pump(3.0, until=lambda: bool(h.logs("comes from a bag player")))
        assert goal_decided(h)
        assert same_image(h, msg), "the live goal was dropped for the player's ignored one"
    finally:
        player.destroy_node()
        script.destroy_node()


def test_pose_mode_the_planners_own_commands_are_no_relay(harness):  # noqa: F811
    # robot.state_source pose against a controller that takes target_pose and publishes
    # current_pose (this package's sim_node; here the harness's tester node does both). The
    # relay rule follows current_pose's publisher through its PoseStamped subscription
    # target_pose to its publisher, the planner, and on through the planner's own JointState
    # subscriptions: every *gripper* JointState topic in the graph (the automatic finger search
    # listens to each, another arm's too) and /joint_states. A bag player of another arm's
    # gripper topic (not this arm's hand: no input) then holds the live arm: "robot states on
    # /current_pose come from a bag player (/tester (relaying /target_pose from
    # /rosbag2_player, 1 relay between))". Expected: the planner's own outputs are computed,
    # not relayed (a player of its inputs is found on the inputs): not walked through.
    h = harness(**{"robot.state_source": "pose"})
    _without_the_2hz_check(h)  # called below, from this thread alone
    player = rclpy.create_node("rosbag2_player", context=h.context)
    topic = "/right_arm/fr3_gripper/joint_states"
    try:
        player.create_publisher(JointState, topic, 10)
        assert _until(lambda: any(name == topic for name, _ in
                                  h.planner.get_topic_names_and_types()))
        h.planner.sources.find_gripper_topics()  # the 2 Hz search: listens to it
        assert topic in h.planner.sources.gripper_probes
        assert not h.planner.fingers.may_take(topic), "another arm's hand: no input"
        h.planner._check_recorded_inputs()
        assert h.session.recorded_inputs == "", h.session.recorded_inputs
    finally:
        player.destroy_node()


@pytest.mark.usefixtures("one_thread")
def test_a_finger_players_end_does_not_call_the_live_camera_frame_the_recordings():
    # A bag played onto the finger topic alone, the camera and the arm live throughout. When
    # the player stops, set_recorded_inputs("") forgets every input received meanwhile, the
    # live camera's frame too, and a ~/capture_goal (or ~/add_subgoal) until the next frame is
    # refused with "the newest camera frame on ... and robot state on ... came from a bag
    # player that stopped: nothing is commanded from a recording" (77c8e67): the camera never
    # was the recording's. Expected: only the inputs the player published are named (or the
    # live frame is kept and the capture taken).
    session, clock, _ = make_session(tiny_world_model())
    observe(session, clock)  # the live camera and arm
    players = {"finger joint states on /hand/fingers": ["/rosbag2_player"]}
    session.set_recorded_inputs(recorded_inputs_problem(players), recorded_kinds(players))
    clock.now += 0.01
    observe(session, clock, seed=1)  # live frames and states go on while the finger bag plays
    session.set_recorded_inputs("")  # the finger player stopped
    try:
        session.capture_goal()
    except RuntimeError as exc:
        assert "came from a bag player" not in str(exc), str(exc)

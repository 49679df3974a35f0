"""Inputs a bag player published, round 4 (breaker28e): false holds of the round-3 rules.

Each test was first a strict xfail while the planner node did what its comment names; the
comment says what happened and what is expected.
"""

import time

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from rclpy.qos import qos_profile_sensor_data  # noqa: E402
from sensor_msgs.msg import Image, JointState  # noqa: E402
from test_ros_planner_node import HOME, checkpoint, harness  # noqa: E402, F401


def test_an_unnamed_publisher_on_the_camera_topic_does_not_starve_the_named_arm(harness,  # noqa: F811
                                                                                monkeypatch):
    # A publisher outside ROS (a DDS or bridge process: no ros_discovery_info, so the graph
    # names its node _NODE_NAME_UNKNOWN_ for good) also publishes on the camera topic; here the
    # graph is patched to keep one unnamed publisher on the camera topic. The arm driver on
    # /joint_states is an ordinary named node. Happens: PlannerNode._check_recorded_inputs
    # returns False while ANY input topic lists an unnamed publisher, so PlayerSenders never
    # checks the driver's publisher and _from_stopped_player drops every state (and every frame
    # of the named camera) for good: states_received stays 0, only the 2 s warning says why.
    # Expected: a publisher whose own gid the graph lists under a node name is checked (only
    # the unnamed one's messages are held).
    from types import SimpleNamespace

    from vjepa_ros.nodes.graph_publishers import UNKNOWN

    h = harness()
    real = h.planner.get_publishers_info_by_topic

    def publishers(topic):  # the graph, with one publisher on the camera topic never named
        extra = [SimpleNamespace(node_name=UNKNOWN, node_namespace="/", endpoint_gid=[0] * 16)]
        return list(real(topic)) + (extra if topic == "/cam/image" else [])

    monkeypatch.setattr(h.planner, "get_publishers_info_by_topic", publishers)
    # 10 s at most (pump's bound is seconds * WAIT_SLACK); ends on the first state kept
    assert h.pump(1.0, until=lambda: h.session.inputs.states_received > 0), \
        "the named arm driver's states are dropped: an unnamed publisher on another input topic"


def test_a_player_of_another_robots_hand_below_the_arm_namespace_holds_nothing(harness):  # noqa: F811
    # A two-arm cell: both arms on /joint_states (left_fr3_joint1..7 is this planner's arm, a
    # distinctive prefix), each hand on its own namespace's gripper topic. The right hand's
    # finger states are replayed by ros2 bag play (a recording of the right arm). The planner
    # takes the left hand and ignores right_fr3_finger_joint1/2 as "without this arm's joints"
    # (FingerWatch would never choose them: another prefix). Happens: _check_recorded_inputs
    # checks every probed topic FingerWatch.may_take, and may_take assumes the arm's prefix
    # for any *gripper* topic below the arm's namespace (its fingers' prefix unasked):
    # "finger joint states on /right/franka_gripper/joint_states come from a bag player": the
    # left arm is held (nothing commanded) by the other robot's recording.
    # Expected: a topic whose fingers are known to be another prefix's is not a candidate.
    h = harness()
    player = rclpy.create_node("rosbag2_player", context=h.context)
    try:
        right = player.create_publisher(JointState, "/right/franka_gripper/joint_states", 10)
        left = h.node.create_publisher(JointState, "/left/franka_gripper/joint_states", 10)
        h.extra = [
            (h.joint_pub, JointState(name=[f"left_fr3_joint{i}" for i in range(1, 8)],
                                     position=list(HOME))),
            (left, JointState(name=["left_fr3_finger_joint1", "left_fr3_finger_joint2"],
                              position=[0.04, 0.04])),
            (right, JointState(name=["right_fr3_finger_joint1", "right_fr3_finger_joint2"],
                               position=[0.02, 0.02]))]
        # the right hand's messages were taken (each asked the graph first) and the left chosen
        assert h.pump(1.0, until=lambda: h.planner.foreign_joint_states > 0 and h.planner.fingers
                      .topic == "/left/franka_gripper/joint_states", joints=None), "no hand"
        h.pump(1.5, joints=None)  # three 2 Hz graph checks more
        assert not h.session.recorded_inputs, h.session.recorded_inputs
    finally:
        player.destroy_node()


def test_the_end_of_a_camera_player_leaves_the_live_hand_measured(harness, monkeypatch):  # noqa: F811
    # The arm and its hand live on /joint_states; a bag player publishes the camera topic
    # (held while it plays). Happened: when it stopped, the node's graph check saw the
    # recording end and called FingerWatch.recording_ended: the live hand counted as
    # unmeasured until its next message (a gripper command waits, a state built meanwhile
    # has an unmeasured closedness). Expected: only a player of joint states or a finger topic
    # ends the recorded closedness (robot.recorded_inputs.FingerPlayers).
    h = harness()
    ended = []
    real = h.planner.fingers.recording_ended
    monkeypatch.setattr(h.planner.fingers, "recording_ended",
                        lambda: (ended.append(time.monotonic()), real()))
    player = rclpy.create_node("rosbag2_player", context=h.context)
    try:
        player.create_publisher(Image, "/cam/image", qos_profile_sensor_data)
        assert h.pump(10.0, until=lambda: "camera images on /cam/image come from a bag player"
                      in h.session.recorded_inputs), h.session.recorded_inputs
        assert h.pump(5.0, until=lambda: h.planner.fingers.measured(time.monotonic()))
        player.destroy_node()  # the camera's bag ended
        player = None
        assert h.pump(10.0, until=lambda: not h.session.recorded_inputs)
        assert not ended, "the live hand's closedness was dropped as the recording's"
        assert h.planner.fingers.measured(time.monotonic())
    finally:
        if player is not None:
            player.destroy_node()

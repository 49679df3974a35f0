"""The vjepa_planner node's inputs from other sources: foreign joints, hands, players, cameras.

Another robot's joints or hand on this arm's topics, gripper topics found by namespace or named,
ambiguous hands, a bag played onto live topics, and two camera publishers; over real rclpy with
the harness of ``planner_harness`` (as ``test_ros_planner_node.py``).
"""

import time

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from planner_harness import (  # noqa: E402, F401
    FR3,
    HOME,
    JOINTS,
    _nothing_set_after_the_hold,
    a_second_camera_holds_until_it_stops,
    checkpoint,
    frame,
    harness,
    poses_of,
)
from rclpy.qos import qos_profile_sensor_data  # noqa: E402
from sensor_msgs.msg import Image, JointState  # noqa: E402
from std_srvs.srv import Trigger  # noqa: E402

from vjepa_ros.nodes.pose_msgs import stamp_seconds  # noqa: E402

FOREIGN = [  # what else robots publish on /joint_states: a head, a mobile base, another arm
    JointState(name=["head_pan_joint", "head_tilt_joint"], position=[0.1, -0.2]),
    JointState(name=["wheel_left_joint", "wheel_right_joint"], position=[3.0, 2.9]),
    JointState(name=[f"ur_joint{i}" for i in range(1, 7)], position=[0.0] * 6),
    JointState(name=["camera_pan"], position=[]),  # malformed, but not about this arm
]


def test_foreign_joint_states_are_ignored_counted_once_and_never_hold(harness):  # noqa: F811
    h = harness()
    holds = []
    reject = h.session.reject_state
    h.session.reject_state = lambda reason: (holds.append(reason), reject(reason))
    assert h.pump(3.0, until=lambda: h.session.frame is not None)
    assert h.capture().success and h.enable().success
    assert h.pump(8.0, until=lambda: len(h.got["pose"]) >= 5)
    # Three foreign messages (and the malformed one) with every arm message.
    h.extra = [(h.joint_pub, msg) for msg in FOREIGN]
    before = len(h.got["pose"])
    h.pump(2.0)
    # 20 set-points counted, not expected of the 2 s window (100 at 50 Hz on an idle machine,
    # far fewer on a busy 2-core one); a held stream sends none
    assert h.pump(2.0, until=lambda: len(h.got["pose"]) - before >= 20), \
        "the set-point stream was held"
    assert not holds, f"foreign joint states held the arm: {holds[:2]}"
    assert h.session.state_problem == "" and not h.logs("unusable joint state")
    assert h.pump(2.0, until=lambda: int(h.diagnostics()[1]["foreign_joint_states"]) >= 12)
    assert len(h.logs("without this arm's joints")) == 1, "one log line, not one per message"
    assert h.diagnostics()[1]["gripper_state_topic"] == "/joint_states"


def test_split_arm_and_finger_messages_on_one_topic_merge(harness):  # noqa: F811
    h = harness()
    # franka_ros style: arm and fingers as separate messages on /joint_states, fingers half closed.
    h.extra = [(h.joint_pub, JointState(name=list(reversed(FR3)) + ["fr3_extra"],
                                        position=list(reversed(HOME)) + [9.0])),
               (h.joint_pub, JointState(name=["fr3_finger_joint2", "fr3_finger_joint1"],
                                        position=[0.02, 0.02]))]
    assert h.pump(5.0, until=lambda: h.session.latest_state() is not None and
                  h.session.latest_state().value[6] == pytest.approx(0.5), joints=None)
    np.testing.assert_allclose(h.session.latest_state().value[:3], [0.3069, 0.0, 0.4869],
                               atol=1e-4)
    assert h.pump(1.0, until=lambda: h.session.frame is not None, joints=None)  # to capture
    assert h.capture().success and h.enable().success
    assert h.pump(8.0, until=lambda: len(h.got["pose"]) >= 5, joints=None)


def test_a_gripper_on_its_own_namespaced_topic_is_found(harness):  # noqa: F811
    # franka_ros2 style: the fingers on /<arm id>_gripper/joint_states, found by the node.
    g = harness()
    gripper_pub = g.node.create_publisher(JointState, "/fr3_gripper/joint_states", 10)
    g.extra = [(g.joint_pub, JointState(name=FR3, position=HOME)),
               (gripper_pub, JointState(name=["fr3_finger_joint1", "fr3_finger_joint2"],
                                        position=[0.01, 0.01]))]
    assert g.pump(8.0, until=lambda: g.got["diag"] and g.diagnostics()[1][
        "gripper_state_topic"] == "/fr3_gripper/joint_states", joints=None), g.diagnostics()[1]
    assert g.pump(3.0, until=lambda: g.session.latest_state().value[6] == pytest.approx(0.75),
                  joints=None)
    assert g.logs("gripper state from /fr3_gripper/joint_states")


def test_a_gripper_topic_named_by_the_parameter(harness):  # noqa: F811
    # A topic the search would not find (no 'gripper' in its name), named by the parameter.
    n = harness(**{"robot.gripper_state_topic": "/hand/fingers"})
    fingers_pub = n.node.create_publisher(JointState, "/hand/fingers", 10)
    n.extra = [(n.joint_pub, JointState(name=FR3, position=HOME))]  # the arm first, no hand
    assert n.pump(5.0, until=lambda: n.session.latest_state() is not None, joints=None)
    assert not n.session.latest_state().gripper_measured, "closedness 0.0 is a placeholder"
    n.extra.append((fingers_pub, JointState(name=["fr3_finger_joint1"], position=[0.03])))
    assert n.pump(5.0, until=lambda: n.session.latest_state().value[6] == pytest.approx(0.25),
                  joints=None)
    assert n.session.latest_state().gripper_measured, "measured once the fingers have come"


def test_another_robots_hand_found_first_is_dropped_for_this_arms_own(harness):  # noqa: F811
    # Two robots, no robot.joint_prefix: the right robot's fingers come before this (left) arm's
    # first joint state and are taken; once the arm is known to be left_fr3_ they are dropped
    # and the search finds the left hand (before: the right hand stayed "measured" for ever).
    g = harness()
    right = g.node.create_publisher(JointState, "/right_fr3_gripper/joint_states", 10)
    left = g.node.create_publisher(JointState, "/left_fr3_gripper/joint_states", 10)
    g.extra = [(right, JointState(name=["right_fr3_finger_joint1", "right_fr3_finger_joint2"],
                                  position=[0.04, 0.04]))]  # the right hand: open
    assert g.pump(8.0, until=lambda: g.got["diag"] and g.diagnostics()[1][
        "gripper_state_topic"] == "/right_fr3_gripper/joint_states", joints=None)
    g.extra += [(g.joint_pub, JointState(name=[f"left_{n}" for n in FR3], position=HOME)),
                (left, JointState(name=["left_fr3_finger_joint1", "left_fr3_finger_joint2"],
                                  position=[0.0, 0.0]))]  # this hand: closed on an object
    assert g.pump(10.0, until=lambda: g.diagnostics()[1][
        "gripper_state_topic"] == "/left_fr3_gripper/joint_states" and
        g.session.latest_state().value[6] == pytest.approx(1.0), joints=None), \
        g.diagnostics()[1]
    assert g.session.latest_state().gripper_measured
    assert g.logs("are another hand's (right_fr3_finger_joint1/2; this arm is left_fr3_")


PANDA_FINGERS = ["panda_finger_joint1", "panda_finger_joint2"]


def test_another_robots_gripper_in_another_namespace_is_not_taken(harness):  # noqa: F811
    # breaker26a: /robot2/gripper/joint_states (the same panda_ prefix) came before this arm's
    # own /gripper/joint_states (its driver starts later) and was kept for good; the planner's
    # gripper command then rested on the other robot's open hand.
    g = harness()
    other = g.node.create_publisher(JointState, "/robot2/gripper/joint_states", 10)
    own = g.node.create_publisher(JointState, "/gripper/joint_states", 10)
    g.extra = [(g.joint_pub, JointState(name=JOINTS[:7], position=HOME)),
               (other, JointState(name=PANDA_FINGERS, position=[0.04, 0.04]))]  # open
    assert g.pump(8.0, until=lambda: g.logs("/robot2/gripper/joint_states are not taken"),
                  joints=None)
    assert g.pump(3.0, until=lambda: g.got["diag"] and g.session.latest_state(), joints=None)
    assert g.diagnostics()[1]["gripper_state_topic"] == "none yet"
    assert not g.session.latest_state().gripper_measured
    assert "robot.gripper_state_topic:=/robot2/gripper/joint_states" in g.logs("not taken")[0]
    g.extra.append((own, JointState(name=PANDA_FINGERS, position=[0.0, 0.0])))  # closed
    assert g.pump(10.0, until=lambda: g.diagnostics()[1]["gripper_state_topic"] ==
                  "/gripper/joint_states" and g.session.latest_state().value[6] == 1.0
                  and g.session.latest_state().gripper_measured, joints=None), \
        g.diagnostics()[1]
    assert len(g.logs("/robot2/gripper/joint_states are not taken")) == 1


def test_two_gripper_topics_with_this_hand_are_ambiguous_and_command_no_gripper(harness):  # noqa: F811
    g = harness()
    first = g.node.create_publisher(JointState, "/gripper/joint_states", 10)
    second = g.node.create_publisher(JointState, "/franka_gripper/joint_states", 10)
    g.extra = [(g.joint_pub, JointState(name=JOINTS[:7], position=HOME)),
               (first, JointState(name=PANDA_FINGERS, position=[0.04, 0.04])),
               (second, JointState(name=PANDA_FINGERS, position=[0.0, 0.0]))]
    assert g.pump(10.0, until=lambda: g.got["diag"] and g.diagnostics()[1][
        "gripper_state_topic"] == "ambiguous", joints=None), g.diagnostics()[1]
    assert g.diagnostics()[1]["gripper_state_age_s"] == "ambiguous"
    note = g.logs("ambiguous")[0]
    assert "/gripper/joint_states" in note and "/franka_gripper/joint_states" in note
    assert "robot.gripper_state_topic" in note
    assert g.pump(2.0, until=lambda: g.session.frame is not None, joints=None)
    assert g.capture().success and g.enable().success
    assert g.pump(20.0, until=lambda: len(g.got["pose"]) >= 5, joints=None)
    assert not g.got["gripper"], "no gripper command rests on an ambiguous hand"
    assert not g.session.latest_state().gripper_measured
    warned = g.logs("not commanding the gripper")
    assert warned and "ambiguous" in warned[0], warned


def test_a_bag_played_onto_the_live_finger_topic_makes_the_hand_ambiguous(harness):  # noqa: F811
    # breaker27a A1: rosbag2_player published a closed hand on the live (open) gripper topic; the
    # closedness flipped between them and gripper commands rested on the bag's hand.
    g = harness()
    topic = "/franka_gripper/joint_states"
    live = g.node.create_publisher(JointState, topic, 10)
    g.extra = [(g.joint_pub, JointState(name=JOINTS[:7], position=HOME)),
               (live, JointState(name=PANDA_FINGERS, position=[0.04, 0.04]))]
    assert g.pump(10.0, until=lambda: g.got["diag"] and g.diagnostics()[1][
        "gripper_state_topic"] == topic and g.session.latest_state().gripper_measured,
        joints=None), g.diagnostics()[1]
    player = rclpy.create_node("rosbag2_player", context=g.context)
    try:
        bag = player.create_publisher(JointState, topic, 10)
        g.extra.append((bag, JointState(name=PANDA_FINGERS, position=[0.0, 0.0])))
        assert g.pump(10.0, until=lambda: g.diagnostics()[1]["gripper_state_age_s"] ==
                      "ambiguous" and not g.session.latest_state().gripper_measured,
                      joints=None), g.diagnostics()[1]
        crowd = [line for line in g.logs("finger joint states on /franka_gripper/joint_states")
                 if "2 publishers" in line]
        assert crowd and "bag played onto the live topic" in crowd[0], g.logs("")
        g.extra.pop()
        player.destroy_publisher(bag)
        # (the states kept while the player published are dropped when it goes: none a moment)
        assert g.pump(10.0, until=lambda: g.session.latest_state() is not None and
                      g.session.latest_state().gripper_measured, joints=None), g.diagnostics()[1]
        assert g.logs("come from one publisher again")
    finally:
        player.destroy_node()


def test_a_bag_played_onto_the_live_joint_states_holds_the_arm(harness):  # noqa: F811
    # breaker27d: a bag's arm joint states on the live /joint_states were taken as the arm's:
    # motion was planned from the recorded robot. Two publishers of arm states: held.
    from vjepa_ros.nodes.publisher_ids import gives_publisher_ids

    if not gives_publisher_ids():
        pytest.skip("this rclpy gives no publisher ids (Humble, Iron)")
    h = harness()
    h.pump(1.0)
    assert h.pump(2.0, until=lambda: h.session.frame is not None)
    assert h.capture().success and h.enable().success
    assert h.pump(20.0, until=lambda: len(h.got["pose"]) >= 3)
    player = rclpy.create_node("rosbag2_player", context=h.context)
    try:
        bag = player.create_publisher(JointState, "/joint_states", 10)
        moved = list(HOME)
        moved[0] += 0.3
        h.extra = [(bag, JointState(name=JOINTS, position=moved + [0.04, 0.04]))]
        assert h.pump(10.0, until=lambda: h.got["diag"] and h.diagnostics()[1][
            "refusal_kind"] == "invalid_state"), h.diagnostics()[1]
        assert "arm joint states come from 2 publishers" in h.diagnostics()[1]["refusal"]
        assert h.logs("arm joint states come from 2 publishers")
        h.extra = []
        player.destroy_publisher(bag)
        assert h.pump(15.0, until=lambda: h.diagnostics()[1]["refusal_kind"] == ""), \
            h.diagnostics()[1]
    finally:
        player.destroy_node()


def test_finger_states_that_stop_or_turn_nan_make_the_closedness_unmeasured(harness):  # noqa: F811
    g = harness(**{"robot.gripper_state_topic": "/hand/fingers",
                   "safety.max_gripper_state_age_s": 0.5})
    hand = g.node.create_publisher(JointState, "/hand/fingers", 10)
    good = (hand, JointState(name=["fr3_finger_joint1"], position=[0.0]))
    g.extra = [(g.joint_pub, JointState(name=FR3, position=HOME)), good]
    assert g.pump(5.0, until=lambda: g.session.latest_state() is not None and
                  g.session.latest_state().gripper_measured, joints=None)
    g.extra = g.extra[:1]  # the gripper driver stops; the arm goes on
    assert g.pump(8.0, until=lambda: not g.session.latest_state().gripper_measured, joints=None)
    assert g.session.latest_state().value[6] == 1.0, "the last closedness stays as the guess"
    assert g.logs("finger joint states on /hand/fingers: no message for")
    assert g.pump(5.0, until=lambda: g.diagnostics()[1]["gripper_state_age_s"] != "",
                  joints=None)
    g.extra.append(good)  # back
    assert g.pump(8.0, until=lambda: g.session.latest_state().gripper_measured, joints=None)
    assert g.logs("arrive again")
    g.extra[-1] = (hand, JointState(name=["fr3_finger_joint1"], position=[float("nan")]))
    assert g.pump(8.0, until=lambda: not g.session.latest_state().gripper_measured, joints=None)
    assert g.logs("ignoring finger joints on /hand/fingers")


def test_a_glitched_finger_reading_is_held_out_and_unmeasured_until_readings_agree(harness):  # noqa: F811
    # One message reading an open hand while it holds an object (closedness 1.0 → 0.0 at once):
    # planned from, "closedness + delta" would command the hand open and drop the object.
    # the lapse rule held apart (safety.max_gripper_state_age_s 30): in session 56's clean-clone
    # CI the readings came 1.4 s apart once, the hand read unmeasured by the lapse, not the glitch
    g = harness(**{"robot.gripper_state_topic": "/hand/fingers",
                   "safety.max_gripper_state_age_s": 30.0})
    hand = g.node.create_publisher(JointState, "/hand/fingers", 10)
    closed = (hand, JointState(name=["fr3_finger_joint1"], position=[0.0]))
    g.extra = [(g.joint_pub, JointState(name=FR3, position=HOME)), closed]
    assert g.pump(5.0, until=lambda: g.session.latest_state() is not None and
                  g.session.latest_state().gripper_measured, joints=None)
    # flake47f: on a loaded machine the glitch's callback ran 160+ ms after the closed reading's
    # and, judged by arrival gaps alone, passed as measured. Here the planner's executor stalls
    # 200 ms in the callback of a closed reading every run, and the readings go out back to
    # back: the rule judges their publish gap (the middleware's source timestamps) besides.
    offer, stalled = g.planner.fingers.offer, []

    def stalling_offer(topic, prefix, closedness, now, *rest):
        note = offer(topic, prefix, closedness, now, *rest)
        if closedness == 1.0 and not stalled:
            stalled.append(now)
            time.sleep(0.2)  # the executor busy: the next callback runs 200 ms later
        return note

    g.planner.fingers.offer = stalling_offer
    g.publish(image=None, joints=None)
    g.extra[-1] = (hand, JointState(name=["fr3_finger_joint1"], position=[0.04]))  # a glitch
    g.publish(image=None, joints=None)
    g.extra[-1] = closed
    g.publish(image=None, joints=None)
    assert g.pump(5.0, until=lambda: not g.session.latest_state().gripper_measured, joints=None)
    assert g.session.latest_state().value[6] == 1.0, "the state keeps the settled closedness"
    assert g.logs("faster than a gripper moves")
    assert g.pump(8.0, until=lambda: g.session.latest_state().gripper_measured, joints=None)
    assert g.logs("agree again for 1 s") and g.session.latest_state().value[6] == 1.0


def test_a_drivers_all_zero_joint_state_is_no_state_and_holds_until_readings_come(harness):  # noqa: F811
    # breaker41b: a driver publishes all seven joints (and the fingers) at exactly 0 before its
    # first reading; at a slow rate it is no jump, and the zero pose (no Franka stands there) was
    # a state to plan from. Now it holds with one line, and its fingers' 0 is no closed hand.
    g = harness(**{"robot.gripper_state_topic": "/joint_states"})
    zero = JointState(name=[*FR3, "fr3_finger_joint1", "fr3_finger_joint2"], position=[0.0] * 9)
    g.extra = [(g.joint_pub, zero)]
    assert g.pump(5.0, until=lambda: g.logs("a driver's placeholder"), joints=None)
    assert g.session.latest_state() is None and g.planner.fingers.closedness is None
    assert g.session.state_problem, "held on it"
    ready = JointState(name=[*FR3, "fr3_finger_joint1", "fr3_finger_joint2"],
                       position=[*HOME, 0.04, 0.04])
    g.extra = [(g.joint_pub, ready)]
    assert g.pump(8.0, until=lambda: g.session.latest_state() is not None and
                  not g.session.state_problem, joints=None)
    assert g.session.latest_state().value[6] == 0.0, "the hand read open, not the zeros' closed"


def test_sub_goals_captured_on_a_hand_that_is_replaced_are_not_commanded(harness):  # noqa: F811
    # goals.gripper subgoal, sub-goals captured while the fingers came only merged into
    # /joint_states (a joint_state_publisher copying a dead gripper driver's last values); then
    # the dedicated /gripper/joint_states publishes and is taken. Before: the sub-goals' old
    # closedness stayed "measured" and was commanded; now the node holds and says to recapture.
    g = harness(**{"goals.gripper": "subgoal"})
    assert g.pump(8.0, until=lambda: g.got["diag"] and g.session.latest_state() is not None
                  and g.session.latest_state().gripper_measured)
    for _ in range(2):
        added = g.call(Trigger, "/vjepa_planner/add_subgoal", Trigger.Request())
        assert added.success, added.message
        g.pump(0.1)
    assert [goal.hand for goal in g.session.goals.goals] == [
        "/joint_states (panda_finger_joint1/2)"] * 2
    own = g.node.create_publisher(JointState, "/gripper/joint_states", 10)
    g.extra = [(own, JointState(name=PANDA_FINGERS, position=[0.04, 0.04]))]
    assert g.pump(10.0, until=lambda: g.logs("the gripper is now /gripper/joint_states"))
    assert "call ~/clear_goals and capture the sub-goals again" in g.logs("the gripper is now")[0]
    assert g.enable().success
    sent = len(g.got["pose"])
    assert g.pump(10.0, until=lambda: g.got["diag"] and "capture the sub-goals again" in
                  g.diagnostics()[1].get("refusal", ""))
    g.pump(1.0)
    g.take_queued()
    assert len(g.got["pose"]) == sent and not g.got["gripper"], "nothing commanded"


def test_a_bag_player_publishing_the_inputs_holds_commanding_but_not_shadow_planning(harness):  # noqa: F811
    # Session 27 item 2: a bag that is the inputs' only publisher (played after the driver
    # stopped) could not be told from the robot; with --clock its states were fresh and the arm
    # was commanded from the recorded robot. Now a bag player among the publishers of the
    # camera or state topics holds commanding (by node name: every distribution).
    h = harness()
    assert h.pump(2.0, until=lambda: h.session.frame is not None)
    assert h.capture().success and h.enable().success
    assert h.pump(20.0, until=lambda: len(h.got["pose"]) >= 3)
    live = h.image_pub, h.joint_pub
    player = rclpy.create_node("rosbag2_player", context=h.context)
    try:
        h.image_pub = player.create_publisher(Image, "/cam/image", qos_profile_sensor_data)
        h.joint_pub = player.create_publisher(JointState, "/joint_states", 10)
        assert h.pump(10.0, until=lambda: "come from a bag player (/rosbag2_player)" in
                      h.diagnostics()[1]["refusal"]), h.diagnostics()[1]
        assert h.diagnostics()[1]["refusal_kind"] == "stale_inputs"
        assert "camera images on /cam/image and robot states on /joint_states" in \
            h.diagnostics()[1]["refusal"]
        # a warning while enabled (its /rosout message may still be on its way: wait for it)
        assert h.pump(5.0, until=lambda: h.logs("come from a bag player", level=30))
        sent = _nothing_set_after_the_hold(h, "nothing commanded from the recording")
        assert h.enable(False).success
        reports = len(h.got["report"])
        assert h.pump(10.0, until=lambda: len(h.got["report"]) >= reports + 2), \
            "shadow mode plans on the replay"
        assert h.enable().success
        h.image_pub, h.joint_pub = live
        player.destroy_node()
        player = None
        assert h.pump(20.0, until=lambda: len(h.got["pose"]) >= sent + 3), h.diagnostics()[1]
        assert h.pump(5.0, until=lambda: h.logs("no bag player publishes the inputs any more"))
    finally:
        if player is not None:
            player.destroy_node()


def test_camera_frames_from_two_publishers_hold_and_resume_when_one_stops(harness):  # noqa: F811
    # A bag played onto the live camera topic, or two camera drivers on one topic: two views
    # interleave and the planner planned on whichever came last (before: never noticed).
    a_second_camera_holds_until_it_stops(_commanding_with_publisher_ids(harness))


def _silent_second_publisher_holds_until_destroyed(h, msg_type, topic, qos, message, crowd, why):
    """Have a second publisher send until the planner holds, then fall silent but stay: held.

    On a loaded machine DDS delivered 1 of ~75 frames of a second camera in 2.5 s, and the
    1 s window then let the planner resume on two interleaved views (a flake of
    ``test_camera_frames_from_two_publishers_hold_and_resume_when_one_stops``, session 37).
    A silent publisher the graph still lists is that case made certain: it must hold.
    """
    second = h.node.create_publisher(msg_type, topic, qos)
    h.extra = [(second, message)]
    assert h.pump(10.0, until=lambda: h.logs(crowd)), [m.msg for m in h.got["log"]][-3:]
    h.extra = []  # silent from now on (its messages lost), but it exists
    assert h.pump(10.0, until=lambda: h.diagnostics()[1]["refusal_kind"] in (
        "stale_inputs", "invalid_state"))
    held = stamp_seconds(h.node.get_clock().now().to_msg())
    h.pump(4.0)  # twice the window plus the 1 s recovery: the old rule resumed within it
    h.take_queued()
    assert not [m for m in h.got["pose"] if stamp_seconds(m.header.stamp) > held], why
    assert h.diagnostics()[1]["refusal_kind"] in ("stale_inputs", "invalid_state")
    sent = len(h.got["pose"])
    h.node.destroy_publisher(second)
    assert h.pump(20.0, until=lambda: len(h.got["pose"]) >= sent + 3), h.diagnostics()[1]


def _commanding_with_publisher_ids(make):
    """Return ``make()``'s harness commanding (goal captured, enabled); skip without ids."""
    from vjepa_ros.nodes.publisher_ids import gives_publisher_ids

    if not gives_publisher_ids():
        pytest.skip("this rclpy gives no publisher ids (Humble, Iron)")
    h = make()
    assert h.pump(2.0, until=lambda: h.session.frame is not None)
    assert h.capture().success and h.enable().success
    assert h.pump(20.0, until=lambda: len(h.got["pose"]) >= 3)
    return h


def test_a_second_camera_that_falls_silent_holds_while_it_exists(harness):  # noqa: F811
    from vjepa_ros.images import rgb_to_image_fields

    h = _commanding_with_publisher_ids(harness)
    _silent_second_publisher_holds_until_destroyed(
        h, Image, "/cam/image", qos_profile_sensor_data, Image(**rgb_to_image_fields(frame(9))),
        "camera images on /cam/image come from 2 publishers", "nothing on a silent 2nd camera")
    assert h.pump(5.0, until=lambda: h.logs("camera frames on /cam/image usable again"))


def test_a_second_arm_state_publisher_falling_silent_holds_while_it_exists(harness):  # noqa: F811
    h = _commanding_with_publisher_ids(harness)
    _silent_second_publisher_holds_until_destroyed(
        h, JointState, "/joint_states", 10,
        JointState(name=JOINTS, position=[q + 0.3 for q in HOME] + [0.04, 0.04]),
        "arm joint states come from 2 publishers", "nothing on a silent 2nd arm state")

"""breaker55f: the gripper goals' results and what ``/diagnostics`` says of the hand and refusals.

Attacked at 29438d5b: ``robot/gripper_goals.py`` (``GripperGoals._answered`` / ``_finished``,
``Delivery.needs_resend``), ``robot/awaited_goals.py`` (``held_width``, ``AwaitedGoals.finished``),
``robot/command_session.py`` (``_gripper_resend_due``), ``nodes/planner_commanding.py``
(``_enable``), ``nodes/planner_inputs.py`` (``_follow_arm_prefix``),
``nodes/planner_diagnostics.py`` (``_publish_diagnostics``) and ``robot/diagnostics.py``.
``control_msgs`` is not installable here (``docs/environment.md``) and no installed action type
has GripperCommand's fields, so no rclpy ``ActionServer`` can serve it: the servers below are
stand-ins with rclpy ``ActionClient``'s future semantics (breaker53g's :class:`FrankaHand`:
franka_ros2's ``gripper_action_server.cpp``), and the node-level tests give the planner a
``control_msgs.action`` module and an ``ActionClient`` of that kind in-process.

Defects (strict xfails; each test's docstring: input, what happens, what should happen):

1. A close whose fingers never moved (franka_gripper's grasp failing at once: hand in error, not
   homed; or ros2_controllers' gripper_action_controller stalled at its start, fingers blocked
   open) ends with the result position where the fingers started, the hand's full opening:
   ``held_width`` reads it as "holding an object 80 mm wide" (info, once), no warning; the
   Delivery is "ended", so the session never sends the close again: the arm lifts an open hand.
2. An opening that stalled short under ros2_controllers (``allow_stalling``: SUCCEEDED,
   ``stalled`` true, ``reached_goal`` false, position below the goal) is silent: the object
   stays in the hand while the plan goes on as if released (only ABORTED is a failure).
3. A goal the server accepts after ``control.gripper_result_timeout_s`` (a loaded driver) keeps
   its Delivery "lost": ``needs_resend`` is True while the hand runs the goal, so the session
   sends the same goal again mid-motion (``_answered`` moves only "sent" to "accepted").
4. ``robot.base_frame`` naming another arm's link0 than the joint states' (learned at run
   time): ``~/enable`` refused and an ERROR logged, but ``/diagnostics`` stays level OK,
   "shadow mode (not enabled)", ``refusal`` empty (a twin planner, the other ``~/enable``
   refusal, is level ERROR with its line).
5. ``control.gripper_action`` set and no server answering while commanding: one warning in the
   log, ``/diagnostics`` level OK, "commanding", no key naming the gripper action.
6. Finger joint states gone past ``safety.max_gripper_state_age_s`` while commanding under
   ``goals.gripper`` planned: planned gripper commands are withheld ("not commanding the
   gripper" warned), ``/diagnostics`` level OK, "commanding", ``inputs`` "arriving" (only
   ``gripper_state_age_s`` 3.9 says anything).

Fixed by fix55f (markers removed; the rest of each family in ``test/test_fix55f.py``): fingers
at the hand's full opening after a close hold nothing (``held_width``'s ``max_width``): the goal
failed; a SUCCEEDED goal stalled away from its goal and holding nothing is a failure
(``stopped_words``); a failed goal is one warning naming the server and is sent again (Delivery
"failed"); a late acceptance counts after any "lost"; ``/diagnostics`` is ERROR with the
base-frame refusal (``refusal_kind`` base_frame) and WARN with ``withheld`` while the hand's
commands are withheld (no server, stale fingers, goals unanswered / rejected / failing).

Held up (pins at the end): a grasp on a 30 mm object under ros2_controllers (SUCCEEDED stalled)
is one info line, no warning; ``/diagnostics`` is named ``<fully qualified node>: mpc``, carries
the robot model as ``hardware_id``, and no value reads nan/inf.
"""

from __future__ import annotations

import pytest
from hand_rigs import (
    NAME,
    LateHand,
    StallingController,
    StuckHand,
    goals_for,
    warnings,
)


# -- 1-3: the goals' answers ----------------------------------------------------------------------
@pytest.mark.parametrize("hand", [StuckHand(), StallingController(blocked_at=0.08)],
                         ids=["franka_gripper_grasp_failed", "ros2_controllers_stalled_open"])
def test_a_close_whose_fingers_never_moved_is_no_grasp(hand):
    """A close that left the fingers at the hand's full opening held nothing: a warning.

    Input: an open hand (80 mm), closedness 1.0 sent; the fingers do not move: franka_gripper's
    grasp throws (hand in error, not homed) and the goal ends ABORTED with the width it has
    (position 0.04), or gripper_action_controller finds them stalled where they are (SUCCEEDED,
    stalled, reached_goal false, position 0.04). What happens: ``held_width`` sees a result
    above the goal and reads a grasp: "holding an object 80 mm wide (... the fingers stopped on
    it)" at info, the Delivery "ended" (never sent again), nothing warned; the arm goes on to
    lift an open hand. What should: fingers at the hand's full opening after a close touch no
    object (nothing fits wider than the hand opens): the goal failed, one warning naming the
    server ("check the hand"), no "holding an object".
    """
    logs = []
    goals = goals_for(hand, logs)
    goals.send(1.0)
    hand.advance(1.0)
    assert hand.width == pytest.approx(0.08), "setup: the fingers stayed fully open"
    said = warnings(logs)
    assert len(said) == 1 and NAME in said[0], logs
    assert not any("holding an object" in line for _, line in logs), logs


def test_an_opening_that_stalled_short_is_said():
    """An open that stopped short of its width (the object still in the hand) is a warning.

    Input: the hand closed on a 30 mm object (30 mm), closedness 0.0 sent (open, 80 mm); the
    fingers cannot open (the object wedged, a finger caught): gripper_action_controller with
    ``allow_stalling`` ends the goal SUCCEEDED, ``stalled`` true, ``reached_goal`` false,
    position 0.015. What happens: nothing is said (``AwaitedGoals.finished`` warns only ABORTED
    or CANCELED; ``held_width`` rightly finds no hold below the goal), the plan goes on as if the
    object was released. What should: as franka_gripper's ABORTED open, one warning naming the
    server: the hand did not open.
    """
    hand, logs = StallingController(width=0.03, blocked_at=0.03), []
    goals = goals_for(hand, logs)
    goals.send(0.0)
    assert hand.width == pytest.approx(0.03), "setup: the fingers stayed on the object"
    said = warnings(logs)
    assert len(said) == 1 and NAME in said[0], logs


def test_a_goal_accepted_late_is_not_sent_again_while_it_runs():
    """A goal accepted late reached the hand: it must not be sent again while it runs.

    Input: ``control.gripper_result_timeout_s`` 1 s; a close sent; the driver (loaded) accepts
    it 1.5 s later, after the overdue check warned "has not accepted the gripper goal"; the hand
    then closes (0.8 s at 0.1 m/s). What happens: ``overdue`` made the Delivery "lost" and
    ``_answered`` moves only "sent" to "accepted", so it stays "lost": ``needs_resend`` is True
    (server ready) while the hand runs the goal, and ``CommandSession._gripper_resend_due`` sends
    the same goal again mid-motion, preempting it (franka_gripper: a second grasp on a moving
    hand). What should: an acceptance is the hand getting the goal: "accepted", no resend.
    """
    now = [0.0]
    hand, logs = LateHand(), []
    goals = goals_for(hand, logs, timeout_s=1.0, clock=lambda: now[0])
    delivery = goals.send(1.0)
    now[0] = 1.5
    assert goals.overdue() == [1] and len(warnings(logs)) == 1, "setup: said overdue"
    hand.accept()
    assert hand.running, "setup: the hand runs the goal"
    assert delivery.state == "accepted" and not delivery.needs_resend(), delivery.state
    hand.advance(1.0)
    assert hand.width == pytest.approx(0.0) and delivery.state == "ended"


def test_a_grasp_stalled_on_an_object_under_ros2_controllers_is_a_hold():
    """Pin: SUCCEEDED, stalled, position above the goal: one info line, no warning."""
    hand, logs = StallingController(blocked_at=0.03), []
    goals = goals_for(hand, logs)
    goals.send(1.0)
    assert not warnings(logs), logs
    assert any("holding an object 30 mm wide" in line for _, line in logs), logs


# -- 4-6: /diagnostics on the running node --------------------------------------------------------
pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from diagnostics_rig import OK, commanding  # noqa: E402
from planner_harness import HOME, JOINTS, checkpoint, harness  # noqa: E402, F401
from sensor_msgs.msg import JointState  # noqa: E402


def test_an_enable_refused_for_the_base_frame_shows_in_diagnostics(harness):  # noqa: F811
    """A refused ``~/enable`` (robot.base_frame) must show in ``/diagnostics``.

    Input: ``robot.base_frame`` fr3_link0, joint states panda_joint1..7 (the prefix learned at
    run time: ``_follow_arm_prefix`` logs the ERROR and disables); a goal captured; ``~/enable``
    true. What happens: the call is refused with the line, but ``/diagnostics`` says level OK,
    "shadow mode (not enabled)", ``refusal`` and ``refusal_kind`` empty: a monitor (rqt_robot_
    monitor, ``vjepa-ros reach``) reads a healthy planner that will never command. A twin planner,
    the other refusal of ``~/enable``, is level ERROR with its line in ``refusal``. What should:
    the base-frame refusal likewise: level ERROR, its line in ``refusal`` and the message.
    """
    h = harness(**{"robot.base_frame": "fr3_link0"})
    assert h.pump(1.5, until=lambda: h.session.frame is not None), "no camera frame"
    assert h.capture().success
    answer = h.enable()
    assert not answer.success and "robot.base_frame" in answer.message, "setup: refused"
    h.pump(1.0)
    status, values = h.diagnostics()
    assert status.level == b"\x02", (status.level, status.message)
    assert "robot.base_frame" in values["refusal"] and "robot.base_frame" in status.message


def test_a_gripper_action_without_a_server_shows_in_diagnostics(gripper_action,
                                                                 harness):  # noqa: F811
    """``control.gripper_action`` unanswered while commanding must show in ``/diagnostics``.

    Input: ``control.gripper_action`` /franka_gripper/gripper_action, no server there (the
    gripper driver not started, or an FR3's /fr3_gripper/...); goal captured, enabled, commands
    going out. What happens: one log warning ("no GripperCommand action server ... gripper goals
    are not sent until it answers"), then ``/diagnostics`` level OK, "commanding", no key naming
    the gripper action: a monitor shows a healthy planner whose hand is never commanded. What
    should: level WARN while the outage lasts, the server's name in the message, back to OK when
    it answers.
    """
    h = harness(**{"control.gripper_action": "/franka_gripper/gripper_action"})
    commanding(h)
    assert h.pump(2.0, until=lambda: h.logs("no GripperCommand action server")), "setup: warned"
    h.pump(1.0)
    status, values = h.diagnostics()
    assert status.level != OK and "/franka_gripper/gripper_action" in status.message, (
        status.level, status.message)


def test_stale_finger_states_while_commanding_show_in_diagnostics(harness):  # noqa: F811
    """Fingers unmeasured while commanding (no planned gripper command goes out): WARN.

    Input: ``goals.gripper`` planned (the default), enabled and commanding; the finger joints
    leave the joint states (the gripper driver died; the arm's joints go on) for 4 s, past
    ``safety.max_gripper_state_age_s`` 1. What happens: the node warns "not commanding the
    gripper: no recent finger joint state ...", the arm goes on being commanded, and
    ``/diagnostics`` says level OK, "commanding", ``inputs`` "arriving", ``blocking`` empty
    (``gripper_state_age_s`` 3.9 is the only trace). What should: level WARN, the message naming
    the finger joint states, as for the camera and the arm's states.
    """
    h = harness()
    commanding(h)
    h.got["diag"].clear()  # a status published before the enable may still be the newest
    assert h.pump(3.0, until=lambda: h.got["diag"] and h.diagnostics()[0].level == OK), (
        "setup: all well while the fingers come", h.diagnostics()[0].message)

    def arm_only(image=True, joints=HOME, publish=h.publish):
        publish(image=image, joints=None)
        msg = JointState(name=JOINTS[:7], position=list(HOME))
        msg.header.stamp = h.stamp()
        h.joint_pub.publish(msg)

    h.publish = arm_only
    assert h.pump(2.0, until=lambda: h.logs("not commanding the gripper")), "setup: withheld"
    h.pump(1.0)
    status, values = h.diagnostics()
    assert status.level != OK and "finger" in status.message, (status.level, status.message,
                                                               values["gripper_state_age_s"])


def test_diagnostics_name_hardware_id_and_finite_values(harness):  # noqa: F811
    """Pin: ``<node>: mpc``, the robot model as hardware_id, no value reads nan or inf."""
    h = harness()
    commanding(h)
    status, values = h.diagnostics()
    assert status.name == "/vjepa_planner: mpc" and status.hardware_id == "panda"
    assert status.level == OK and status.message == "commanding"
    for key, value in values.items():
        assert value.lower() not in ("nan", "inf", "-inf") and "nan" not in value.split(), key

"""breaker58g: the planner's GripperCommand goals against servers whose results cannot be true.

Attacked at base58 (18063dfa): ``robot/gripper_goals.py`` (``GripperGoals.send`` /
``_finished``), ``robot/gripper_results.py`` (``judge_result``, ``full_width_result``) and
``robot/awaited_goals.py`` (``AwaitedGoals.finished``). ``control_msgs`` is not installable here
(no wheel; ``docs/environment.md``), so the server is a stand-in with rclpy ``ActionClient``'s
future semantics (``test_gripper_goals.Future``: done callbacks run as the answer is set), each
goal answered from a script: (status, result position [m], stalled, reached_goal).

Defects (strict xfails):

- One result no hand can give (a position wider than the hand's full opening even read as the
  width between the fingers: 200 mm for an 80 mm hand, a driver's glitch, a result in mm) turns
  the node to reading every later result as a full width, for good
  (``full_width_result``: above ``max_width`` / 2 and no finger reading is "full width"). A later
  close that left the fingers at the full opening (franka_ros2: ABORTED, position 0.04, one
  finger) is then halved to 0.02 and read as "holding an object 40 mm wide": the Delivery ends,
  the close is never sent again and the arm lifts an empty hand.
- A result that contradicts itself (SUCCEEDED, ``reached_goal`` true, not stalled, its position
  far from the goal: fingers left at the full opening after a close, or shut after an open) is
  taken as the goal reached (``_succeeded_at_goal`` reads the flags, never the position): no
  word, never sent again. The measured position is the fact; a driver's ``reached_goal`` is a
  claim (franka_gripper's grasp succeeds within 5 mm of the width, ros2_controllers' within
  ``goal_tolerance``, 10 mm by default).
- A result with status UNKNOWN, the answer of an action server that does not know the goal
  (rclpy's ``ActionServer._execute_get_result_request`` and rclcpp's answer so for an unknown or
  expired goal id: a second server on the same name that did not accept it, whose answer came
  first; rclpy's client itself logs "There may be more than one action server"), is taken as a
  goal that ended well: no word, never sent again, ``problem()`` empty (diagnostics OK).
- An unexpected error that disables commanding (``PlannerCommanding._failed``: the set-point
  stream or the planning worker raised; one ERROR log line "... failed, commanding disabled")
  leaves ``/diagnostics`` at OK, "shadow mode (not enabled)", no refusal: a monitor shows a
  paused planner, not a failed one (node level, ``planner_harness``; ROS domain from the run).
- A goal lost with a driver that crashed keeps its handle: after the restart, ``~/enable``
  false (or a shutdown) cancels it at the new server and logs "was canceled: the hand stops
  where it is" for a hand at rest where the resend closed it (low harm: a wrong line).
- A cancel the server refuses (rclpy's ``ActionServer`` default ``cancel_callback`` rejects
  every cancel) is never read: ``~/enable`` false and a shutdown say "the hand stops where it
  is" while the hand goes on to the goal's end.
"""

from __future__ import annotations

import types

import pytest
from hand_rigs import FrankaHand, goals_for
from test_gripper_goals import Future, Goal

from vjepa_ros.robot.gripper_goals import STATUS_ABORTED, GripperGoals
from vjepa_ros.robot.joint_states import finger_position

SUCCEEDED = 4  # action_msgs/GoalStatus.STATUS_SUCCEEDED
NAME = "/fr3_gripper/gripper_action"
MAX_WIDTH = 0.08  # [m] a Franka Hand's full opening


class ScriptedServer:
    """A GripperCommand server answering each goal at once from ``script``.

    Each entry: (status, position [m], stalled, reached_goal); every goal is accepted.
    """

    def __init__(self, script):
        self.script, self.goals = list(script), []

    def server_is_ready(self):
        return True

    def send_goal_async(self, goal):
        self.goals.append(goal)
        status, position, stalled, reached = self.script.pop(0)
        result = types.SimpleNamespace(position=position, effort=0.0, stalled=stalled,
                                       reached_goal=reached)
        answer = Future(types.SimpleNamespace(status=status, result=result))
        handle = types.SimpleNamespace(accepted=True, get_result_async=lambda: answer,
                                       cancel_goal_async=lambda: Future())
        return Future(handle)


def scripted(script, measured=None):
    """Return (goals, server, logs): the planner's GripperGoals on a :class:`ScriptedServer`."""
    server, logs = ScriptedServer(script), []
    goals = GripperGoals(server, Goal, NAME, MAX_WIDTH, 20.0,
                         lambda line: logs.append(("warning", line)),
                         lambda line: logs.append(("info", line)),
                         debug=lambda line: logs.append(("debug", line)),
                         measured_width=measured)
    return goals, server, logs


OPEN_FINGER = finger_position(0.0, MAX_WIDTH)  # 0.04 m: one finger at the full opening


@pytest.mark.parametrize("impossible", [0.2, 0.5, 80.0], ids=["200mm", "1m", "in_mm"])
@pytest.mark.parametrize("measured", [None, 0.0], ids=["unmeasured", "read_closed"])
def test_an_impossible_result_does_not_turn_later_failures_into_holds(impossible, measured):
    """A result no hand of ``robot.gripper_max_width`` can give changes no convention.

    Input: franka_ros2's gripper (results: one finger's position). Goal 1 (close) ends SUCCEEDED,
    reached_goal, with a position of ``impossible`` m: wider than the hand opens even read as the
    width between the fingers (0.2 m, 0.5 m: 2.5x and 6x a Franka Hand's 80 mm; 80.0: a result
    in millimetres). Goal 2 (open) succeeds at 0.04 m. Goal 3 (close) is ABORTED with the fingers
    left at the full opening (position 0.04: the hand in error, nothing grasped). The hand
    unmeasured, or its finger reading closed (below ``READING_MIN_M``: tells no convention).
    What happens: goal 1 makes ``full_width_result`` True (above half the hand and no usable
    reading), said once as "a ROS 1-style gripper server ... read as full widths from now on";
    goal 3's 0.04 is halved to 0.02 and ``_held`` reads "holding an object 40 mm wide": its
    Delivery "ended", never sent again, the arm lifts an empty hand. What should: a position
    above ``max_width`` (plus the reading margin) is no width of this hand in either convention,
    so it cannot tell one from the other (``full_width`` stays False); goal 3 is a failed close
    (Delivery "failed", sent again), no "holding an object".
    """
    goals, server, logs = scripted([(SUCCEEDED, impossible, False, True),
                                    (SUCCEEDED, OPEN_FINGER, False, True),
                                    (STATUS_ABORTED, OPEN_FINGER, False, False)],
                                   measured=None if measured is None else lambda: measured)
    goals.send(1.0)
    goals.send(0.0)
    close = goals.send(1.0)
    assert len(server.goals) == 3, "setup: three goals went out"
    assert close.state == "failed" and close.needs_resend(), (close.state, logs)
    assert not any("holding an object" in line for _, line in logs), logs
    assert not goals.full_width, logs


@pytest.mark.parametrize("closedness, position", [
    (1.0, OPEN_FINGER),  # a close whose fingers stayed at the full opening: nothing grasped
    # a middle width "reached" at 70 mm, 40 mm asked, the hand unmeasured (a full close there
    # is a hold since fix58s: franka_gripper's wide grasp epsilons, test_fix58s.py)
    (0.5, 0.035),
    (0.0, 0.0),  # an open whose fingers stayed shut: the object is not released
    (0.0, 0.012),  # an open "reached" at 24 mm, 80 mm asked: the object still held
], ids=["close_left_open", "half_at_70mm", "open_left_shut", "open_at_24mm"])
def test_a_result_reached_far_from_its_goal_is_no_success(closedness, position):
    """``reached_goal`` with a position far beyond any driver's tolerance of the goal fails.

    Input: one goal (``closedness``), ended SUCCEEDED, ``stalled`` false, ``reached_goal`` true,
    its result ``position`` [m, one finger] 12-40 mm from the goal's (franka_gripper's grasp
    succeeds within 5 mm of the width, 2.5 mm of one finger; ros2_controllers'
    gripper_action_controller within ``goal_tolerance``, 10 mm by default). What happens:
    ``_succeeded_at_goal`` reads the flags alone: ``judge_result`` finds no stop, no hold; the
    Delivery "ended", nothing is said and it is never sent again: a pick lifts an empty hand,
    a place carries the object away. What should: the position, a measurement, wins over the
    claim: the goal failed (Delivery "failed", sent again) with a warning naming the server.
    """
    goals, _, logs = scripted([(SUCCEEDED, position, False, True)])
    delivery = goals.send(closedness)
    assert delivery.state == "failed" and delivery.needs_resend(), (delivery.state, logs)
    assert any(level == "warning" and NAME in line for level, line in logs), logs


STATUS_UNKNOWN = 0  # action_msgs/GoalStatus.STATUS_UNKNOWN


@pytest.mark.parametrize("closedness", [1.0, 0.5, 0.0], ids=["close", "half", "open"])
def test_a_result_for_a_goal_the_server_does_not_know_is_no_success(closedness):
    """A GetResult answer with status UNKNOWN says nothing of the hand: the goal is not done.

    Input: ``control.gripper_action`` names a server; the goal is accepted; its result comes
    with status STATUS_UNKNOWN and an empty Result (position 0.0, stalled and reached_goal
    false): rclpy's and rclcpp's action servers answer so a result request for a goal id they
    do not know, which the planner meets when two servers share the name (a second driver
    launch, a simulator's server left running beside the real one: the goal request reached
    both, the result request is answered first by the one that did not take it). What happens:
    ``_finished`` finds no ABORTED / CANCELED / stalled SUCCEEDED, so no failure: the Delivery
    "ended", nothing is said, it is never sent again and ``problem()`` is "" (``/diagnostics``
    OK) whatever the hand did. What should: the hand's end is unknown: one warning naming the
    server (a server that does not know the goal: another server on this name?), the goal sent
    again (Delivery "lost" or "failed") and ``problem()`` naming it meanwhile.
    """
    goals, _, logs = scripted([(STATUS_UNKNOWN, 0.0, False, False)])
    delivery = goals.send(closedness)
    assert delivery.state in ("lost", "failed") and delivery.needs_resend(), (delivery.state,
                                                                              logs)
    assert any(level == "warning" and NAME in line for level, line in logs), logs
    assert NAME in goals.problem(), logs



def test_a_goal_lost_with_its_server_is_not_canceled_after_the_restart():
    """Goals that went with a crashed driver are not the new driver's: no cancel, no line.

    Input: franka_gripper (``hand_rigs.FrankaHand``) takes a close and starts it; the driver
    crashes (its goals and their results gone: ``Delivery`` "lost" once it no longer answers)
    and restarts; the session's resend closes the hand (SUCCEEDED, at rest); then ``~/enable``
    false (or a shutdown) calls :meth:`GripperGoals.cancel`. What happens: the first goal's
    handle is still in ``handles`` (its result never came), so ``cancel`` sends its cancel to
    the new server, which never had it, returns 1 and logs "the gripper goal to ... was
    canceled: the hand stops where it is": an operator reads that a disable stopped a moving
    hand that was at rest, closed as asked. What should: a goal lost with its server is
    forgotten with it (nothing to cancel: ``cancel`` returns 0, no "was canceled" line).
    """
    hand, logs = FrankaHand(), []
    goals = goals_for(hand, logs)
    lost = goals.send(1.0)
    hand.advance(0.2)  # the fingers on their way
    hand.crash()
    assert not lost.needs_resend() and lost.state == "lost", "setup: lost with the driver"
    hand.restart()
    assert lost.needs_resend(), "setup: resent to the new driver"
    resent = goals.send(1.0)
    hand.advance(2.0)
    assert resent.state == "ended" and hand.width == 0.0 and not hand.running, "setup: closed"
    logs.clear()
    assert goals.cancel() == 0, logs
    assert not any("was canceled" in line for _, line in logs), logs



class NoCancelServer:
    """A GripperCommand server built on rclpy's ActionServer without a ``cancel_callback``.

    Every goal is accepted and runs (no result yet); every cancel request is answered
    ERROR_REJECTED (rclpy's ``default_cancel_callback`` returns ``CancelResponse.REJECT``).
    """

    def __init__(self):
        self.goals, self.cancels = [], 0

    def server_is_ready(self):
        return True

    def send_goal_async(self, goal):
        from action_msgs.srv import CancelGoal

        self.goals.append(goal)

        def cancel():
            self.cancels += 1
            return Future(CancelGoal.Response(return_code=CancelGoal.Response.ERROR_REJECTED))

        running = types.SimpleNamespace(add_done_callback=lambda callback: None)  # no result yet
        return Future(types.SimpleNamespace(accepted=True, get_result_async=lambda: running,
                                            cancel_goal_async=cancel))


def test_a_refused_cancel_is_said_not_taken_as_a_stop():
    """A cancel answered ERROR_REJECTED leaves the hand moving: a warning, not "it stops".

    Input: a gripper server written with rclpy's ``ActionServer`` and no ``cancel_callback`` (a
    lab's own driver or simulator bridge: rclpy's default rejects every cancel); a close is
    running when ``~/enable`` false (or a shutdown, an error that disables commanding) calls
    :meth:`GripperGoals.cancel`. What happens: ``_cancel`` calls ``cancel_goal_async`` and never
    reads its answer; one info line says "the gripper goal to ... was canceled: the hand stops
    where it is" while the fingers go on to their goal (a close onto a hand in the way, an open
    dropping the object). What should: the cancel's answer is read; ERROR_REJECTED is one
    warning naming the server and that the hand may still move to the goal's end (stop it at
    its driver); no "stops where it is".
    """
    server, logs = NoCancelServer(), []
    goals = GripperGoals(server, Goal, NAME, MAX_WIDTH, 20.0,
                         lambda line: logs.append(("warning", line)),
                         lambda line: logs.append(("info", line)))
    goals.send(1.0)
    goals.cancel()
    assert server.cancels == 1, "setup: the cancel went out"
    assert not any("stops where it is" in line for _, line in logs), logs
    assert any(level == "warning" and NAME in line for level, line in logs), logs


# -- the node's /diagnostics after it stopped commanding on its own ------------------------------
pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from diagnostics_rig import OK, commanding  # noqa: E402
from planner_harness import checkpoint, harness  # noqa: E402, F401

ERROR = b"\x02"  # diagnostic_msgs/DiagnosticStatus.ERROR


@pytest.mark.parametrize("step", ["stream_step", "plan_step"], ids=["stream", "planning"])
def test_commanding_disabled_by_an_error_shows_in_diagnostics(harness, step):  # noqa: F811
    """A planner that stopped commanding on an internal error is no healthy shadow mode.

    Input: goal captured, enabled, commands going out; then the set-point stream raises (any
    unexpected exception in ``_stream``, a bug), or the planning worker's step does (outside
    the planner's own try: ``_planning_failed``). What happens: ``PlannerCommanding._failed``
    disables the session and logs one ERROR line ("set-point stream failed, commanding
    disabled: RuntimeError: ..."); the session
    holds no refusal for it, so ``/diagnostics`` goes on at level OK, "shadow mode (not
    enabled)", ``refusal`` and ``refusal_kind`` empty: a monitor (rqt_robot_monitor, an
    aggregator) shows a planner an operator paused, not one that failed, and the arm stands.
    What should: level ERROR, the message and ``refusal`` naming the failure and that
    commanding was disabled (``refusal_kind`` ``internal_error``), until an ``~/enable``
    starts commanding again.
    """
    h = harness()
    commanding(h)
    h.got["diag"].clear()  # a status from before the enable may still be the newest
    assert h.pump(3.0, until=lambda: h.got["diag"] and h.diagnostics()[0].level == OK), (
        "setup: commanding, all well", h.diagnostics()[0].message)

    def broken(*args, **kwargs):  # plan_step takes want_debug
        raise RuntimeError("boom")

    setattr(h.session, step, broken)  # the set-point stream's tick, the planning worker's step
    assert h.pump(3.0, until=lambda: not h.session.enabled), "setup: still enabled"
    assert h.pump(2.0, until=lambda: h.logs("commanding disabled")), "setup: the error line"
    h.got["diag"].clear()
    h.pump(1.5)
    status, values = h.diagnostics()
    assert status.level == ERROR, (status.level, status.message, values["refusal"])
    assert "boom" in status.message and values["refusal_kind"] == "internal_error", (
        status.message, values["refusal"], values["refusal_kind"])

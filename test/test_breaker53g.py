"""breaker53g: the planner node's gripper goals against a franka_gripper-like action server.

Attacked at fc0a2a6d: ``robot/gripper_goals.py`` (``GripperGoals.send`` / ``_finished``),
``robot/awaited_goals.py`` (``AwaitedGoals.finished``, the outage rule),
``robot/command_session.py`` (``_command``: ``last_gripper`` and ``control.gripper_deadband``),
``nodes/planner_outputs.py`` (``_send_gripper``) and ``nodes/planner_node.py`` (``_enable``,
``prepare_shutdown``), with ``robot/joint_states.py`` for the fingers as the hand's measurement.

The server, :class:`FrankaHand`, behaves as franka_ros2's ``franka_gripper``
(``gripper_action_server.cpp``, ``onExecuteGripperCommand``; defaults of
``franka_gripper_node.yaml``): every goal accepted and run on its own thread; target width =
2 x ``command.position``; a width above the homed ``max_width`` or below 0 aborted at once; within
1e-4 m of the current width succeeded at once; an opening ``move`` at ``default_speed`` 0.1 m/s; a
closing ``grasp(width, 0.1, max_effort, 0.005, 0.005)``, which libfranka reports successful only
when the fingers end within the epsilons of the width (an object between them: reached_goal false,
the goal ABORTED, result position = width / 2); a cancel stops the hand, CANCELED. A hand is slow
(8 cm at 0.1 m/s: 0.8 s). It can go silent (a driver crash: goals never answered) and come back.
No real rclpy ActionServer: ``control_msgs`` (GripperCommand) is not installable here (no wheel;
``docs/environment.md``) and no installed action type has its fields, so the client is a stand-in
with rclpy ``ActionClient``'s future semantics (done callbacks on the thread that sets the result,
a ``ClientGoalHandle`` with ``accepted``, ``get_result_async``, ``cancel_goal_async``).

Defects (strict xfails):

- A grasp that closes on an object (the point of a pick) ends ABORTED on franka_gripper (width 0
  asked, fingers stopped at the 30 mm object, outside the 5 mm epsilons); ``AwaitedGoals.finished``
  reads only the status and warns "was aborted ... the driver did not complete it; check the hand"
  for every successful grasp (the result's position / reached_goal / stalled are never read).
- A gripper goal that never reached the hand is never sent again: ``CommandSession._command`` sets
  ``last_gripper`` whether or not ``gripper_output`` delivered it (``_send_gripper`` drops
  ``GripperGoals.send``'s False), so with the driver started after the planner, or a goal
  rejected, or a driver that crashed with the goal accepted and came back, the plan's unchanged
  closedness is inside the deadband: the hand stays open for good while the arm goes on; the
  README's "one line when it answers" never comes either (it is said only as a goal goes out).
  Tried in blocking and async too (not kept as tests): 3 s, 3 and 4 commands, no goal sent.
- Continuous control lifts before the grasp closed: sub-goals "grasp" (closed, 1 step) then
  "lift" (closed): the first lift command goes out with the next camera frame, the fingers at
  79 mm (a 30 mm object), the arm still 81 mm from the grasp pose (``command_session.
  _gripper_waits`` waits only for a hand *change*; fix51m's ``hand_moving`` wait is blocking's
  and async's: there the lift goes at 1.5 s, the arm at the grasp, the fingers on the object).
- ``~/enable`` false and ``prepare_shutdown`` leave a running gripper goal running: the arm's
  set-points end, the hand goes on closing (nothing in the node cancels a goal).

Fixed by fix53g (markers removed; the edges pinned at the end): a grasp stopped on an object is
one info line (``awaited_goals.held_width``), a goal that did not reach the hand is sent again
(``command_session._gripper_resend_due``, spaced out), disable / shutdown cancel the running
goal (``GripperGoals.cancel``), and continuous control's next sub-goal waits for a hand change
still running (``command_session._hand_settling``).

Held up (pins): goal units (position = one finger [m], full open = 2 x 0.04 = the homed 0.08,
max_effort the parameter [N]) are what franka_gripper executes; a closing goal on an empty hand
succeeds silently; the deadband keeps a steady plan to one goal (no flood every tick); a silent
driver is one overdue warning naming the action; a re-enable sends the closedness again;
``goals.gripper`` hold sends no goal; finger joint states: one finger published is mirrored
(a mimic joint), millimetres are refused naming the joint.
"""

from __future__ import annotations

import threading
import types

import numpy as np
import pytest
from hand_rigs import NAME, FrankaHand, HandRig, goals_for, warnings
from test_robot_mpc import frame, tiny_world_model

from vjepa_ros.robot.goals import GoalSwitchConfig, SubGoal
from vjepa_ros.robot.joint_states import JointStateReader
from vjepa_ros.robot.state_ranges import finger_problem

ARM = [f"panda_joint{i}" for i in range(1, 8)]
Q = [0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785]


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


# -- the goal itself ------------------------------------------------------------------------------
def test_goal_units_are_what_franka_gripper_executes():
    """Pin: position is one finger [m], the width 2x it; full open is the homed 0.08 m."""
    hand, logs = FrankaHand(width=0.0), []
    goals = goals_for(hand, logs)
    assert goals.send(0.0) and hand.received[-1] == (0.04, 20.0)
    hand.advance(1.0)
    assert hand.width == pytest.approx(0.08) and not hand.running
    assert goals.send(1.0) and hand.received[-1] == (0.0, 20.0)
    hand.advance(1.0)
    assert hand.width == pytest.approx(0.0)
    assert not warnings(logs), "an empty hand's open and close succeed without a word"


def test_a_grasp_that_stops_on_an_object_is_not_a_failed_goal():
    """A close onto a 30 mm object must not be warned as a failed goal ("check the hand").

    Input: the hand open (80 mm), a 30 mm object between the fingers, closedness 1.0 sent:
    franka_gripper grasps width 0 with epsilons 5 mm; the fingers stop at 30 mm, libfranka says
    the grasp failed, the action ends ABORTED with result position 0.015 (reached_goal false).
    What happens: "the gripper goal ... was aborted ...: the driver did not complete it; check
    the hand", on every pick (``awaited_goals.AwaitedGoals.finished`` looks at the status only,
    ``gripper_goals.GripperGoals._finished`` passes nothing else). What should: a closing goal
    whose fingers stopped wider than asked (result position above the goal's, or stalled) is a
    grasp holding an object: no failure warning (an info line with the width at most).
    """
    hand, logs = FrankaHand(object_width=0.03), []
    goals = goals_for(hand, logs)
    goals.send(1.0)
    hand.advance(1.0)
    assert hand.width == pytest.approx(0.03), "setup: the fingers rest on the object"
    assert not warnings(logs), warnings(logs)


def test_a_silent_driver_is_one_warning_naming_the_action():
    """Pin: a driver that accepted and went silent is said once, naming the action."""
    now = [0.0]
    hand, logs = FrankaHand(), []
    goals = goals_for(hand, logs, timeout_s=10.0, clock=lambda: now[0])
    goals.send(1.0)
    hand.crash()
    for _ in range(30):
        now[0] += 1.0
        goals.overdue()
    said = warnings(logs)
    assert len(said) == 1 and NAME in said[0] and "gripper_result_timeout_s" in said[0], said


# -- through the session --------------------------------------------------------------------------


def test_a_steady_plan_is_one_goal_not_one_per_tick(model):
    """Pin: the deadband keeps a plan that keeps the hand closed to one goal, however long."""
    hand = FrankaHand()
    rig = HandRig(model, hand)
    rig.run(1.2)
    assert rig.session.commands_sent >= 5, "setup: continuous commands went out"
    assert len(hand.received) == 1 and hand.width == pytest.approx(0.0)


def _late_server(rig):
    rig.hand.up = False
    rig.run(0.3)
    rig.hand.up = True


def _rejected(rig):
    rig.hand.reject = True
    rig.run(0.3)
    rig.hand.reject = False


def _crashed_then_back(rig):
    rig.run(0.05)  # the goal goes out and is accepted
    rig.hand.crash()
    rig.run(0.3)
    rig.hand.restart()


@pytest.mark.parametrize("outage", [_late_server, _rejected, _crashed_then_back],
                         ids=["server_appears_after_start", "goal_rejected",
                              "driver_crashed_and_came_back"])
def test_a_goal_that_never_reached_the_hand_is_sent_again(model, outage):
    """A close that never reached the hand must go out again once the server answers.

    Input: ``goals.gripper`` subgoal, a "grasp" sub-goal closedness 1.0, continuous control; the
    hand's driver (a) starts 0.3 s after the planner (the node's first goal finds no server:
    "gripper goals are not sent until it answers"), (b) rejects the goal, or (c) accepts it,
    crashes and is restarted. Then 1.2 s with the server up (a close takes 0.8 s).
    What happens: ``CommandSession._command`` set ``last_gripper`` = 1.0 with the first command
    (``_send_gripper`` ignores ``GripperGoals.send``'s False; a rejection or a lost goal is never
    told to the session), so every later command's 1.0 is inside ``control.gripper_deadband``:
    no goal goes out again, the fingers stay at 80 mm while the arm goes on; in (a) the README's
    "one line when it answers" never comes. What should: a closedness the hand never got (not
    sent, rejected, aborted before moving, lost with the driver) is sent again when the server
    answers (or the measured hand, far from the command and still, triggers a resend).
    """
    hand = FrankaHand()
    rig = HandRig(model, hand)
    outage(rig)
    rig.run(1.2)
    assert rig.session.commands_sent >= 5, "setup: the arm was commanded throughout"
    assert hand.width == pytest.approx(0.0), (
        f"fingers at {hand.width * 1000:.0f} mm after {len(hand.received)} goal(s) reached the "
        f"server; planner log: {warnings(rig.logs_goals)[:2]}")


def test_continuous_does_not_lift_before_the_grasp_closed(model):
    """Continuous: the lift must not be commanded while the grasp's close still runs.

    Input: ``control.mode`` continuous, ``goals.gripper`` subgoal, sub-goals "grasp" (closed,
    1 step) then "lift" (closed, 3 steps); a 30 mm object; the hand closes at franka_gripper's
    0.1 m/s (0.5 s from 80 to 30 mm). What happens: the grasp's command ends sub-goal 1 as it
    goes out, and the next frame's plan toward "lift" (same closedness: no hand change, so
    ``CommandSession._gripper_waits`` lets it through) is commanded with the next camera frame
    (10 ms later here; 0.1 s with any 10 Hz camera), the fingers at 79 mm (not yet on the
    object) and the arm still 81 mm from the grasp pose: the arm turns to the lift before it
    reached the object or the fingers closed on it. Blocking and
    async (fix51m's ``hand_moving`` wait) send the first lift command at 1.5 s, the arm at the
    grasp pose, the fingers on the object. What should: as for a hand change (breaker43m), the
    next sub-goal's command waits for the command that ended the one before to arrive and for
    the hand to stop moving (bounded by ``control.arrival_timeout_s``).
    """
    goals = [SubGoal(frame(7), 1, "grasp", gripper=1.0), SubGoal(frame(8), 3, "lift", gripper=1.0)]
    hand = FrankaHand(object_width=0.03)
    rig = HandRig(model, hand, goals=goals)
    first = rig.session.plan_step()
    assert first.command is not None and first.subgoal.index == 0, "setup: the grasp went out"
    start = rig.clock.now
    for _ in range(300):
        rig.tick()
        report = rig.session.plan_step()
        if report is not None and report.command is not None and report.subgoal.index == 1:
            break
    else:
        pytest.fail("setup: no lift command in 3 s")
    gap = float(np.linalg.norm(rig.arm[:3] - first.command[:3]))
    assert hand.width <= 0.03 + 1e-6 and gap <= 0.01, (
        f"lift commanded {rig.clock.now - start:.2f} s after the grasp, fingers at "
        f"{hand.width * 1000:.0f} mm (object 30 mm), the arm {gap * 1000:.0f} mm from the grasp")


def test_a_reenable_sends_the_closedness_again(model):
    """Pin: after ~/enable false then true the first command's gripper goes out again."""
    hand = FrankaHand(reject=True)
    rig = HandRig(model, hand)
    rig.run(0.3)
    hand.reject = False
    rig.session.set_enabled(False)
    rig.session.set_enabled(True)
    rig.run(1.2)
    assert len(hand.received) >= 2 and hand.width == pytest.approx(0.0)


def test_hold_sends_no_gripper_goal(model):
    """Pin: ``goals.gripper`` hold: the hand is never commanded, however the plan goes."""
    hand = FrankaHand()
    rig = HandRig(model, hand, switching=GoalSwitchConfig(gripper="hold"))
    rig.run(1.0)
    assert rig.session.commands_sent >= 3 and not hand.received


# -- disable and shutdown -------------------------------------------------------------------------
def _node_stand_in(goals, session):
    """Return what ``PlannerNode._enable`` / ``prepare_shutdown`` use of the node."""
    from vjepa_ros.nodes.planner_commanding import PlannerCommanding

    class NodeStandIn(PlannerCommanding, types.SimpleNamespace):
        """The attributes given, with the planner's commanding methods (``stop_commanding``)."""

    noop = types.SimpleNamespace(end=lambda close=False: None, wake=lambda: None,
                                 stop=lambda timeout=None: True)
    return NodeStandIn(
        session=session, command_lock=threading.Lock(), setpoints=noop, worker=noop,
        gripper_action=goals, closing=False, camera_check_service=None,
        get_logger=lambda: types.SimpleNamespace(warning=print, info=print))


@pytest.mark.parametrize("how", ["disable", "shutdown"])
def test_no_gripper_goal_runs_on_after_disable_or_shutdown(model, how):
    """After ``~/enable`` false (or shutdown) no gripper goal must still be moving the hand.

    Input: a close (closedness 1.0) sent to an open hand; 0.2 s later (fingers at 60 mm, moving
    at 0.1 m/s) the operator disables commanding, or the node shuts down.
    What happens: ``PlannerNode._enable`` ends the set-points (``setpoints.end``: "a moving
    servo_twist stops now") and ``prepare_shutdown`` closes the session, but the GripperCommand
    goal is left to run: the hand goes on closing for 0.6 s more after "disabled: shadow mode (no
    commands)". What should: the goal still running is canceled (franka_gripper stops the hand),
    so disabling stops every motion the node commanded.
    """
    from vjepa_ros.nodes.planner_node import PlannerNode

    hand = FrankaHand()
    rig = HandRig(model, hand)
    rig.run(0.2)
    assert hand.running, "setup: the close is under way"
    node = _node_stand_in(rig.goals, rig.session)
    if how == "disable":
        PlannerNode._enable(node, types.SimpleNamespace(data=False),
                            types.SimpleNamespace(success=None, message=""))
    else:
        PlannerNode.prepare_shutdown(node, timeout=0.5)
    width = hand.width
    hand.advance(1.0)
    assert not hand.running and hand.width == pytest.approx(width), (
        f"the hand went on from {width * 1000:.0f} to {hand.width * 1000:.0f} mm")


# -- the fingers as the hand's measurement --------------------------------------------------------
def test_one_published_finger_is_mirrored_and_millimetres_are_refused():
    """Pin: finger_joint1 alone stands for both (a mimic joint); 40 (mm) is refused by name."""
    reading = JointStateReader().read(ARM + ["panda_finger_joint1"], np.array(Q + [0.03]))
    np.testing.assert_allclose(reading.fingers, [0.03, 0.03])
    problem = finger_problem(["panda_finger_joint1", "panda_finger_joint2"], [40.0, 40.0])
    assert "panda_finger_joint1" in problem and "millimetres" in problem


# -- fix53g: the edges of the fixes ---------------------------------------------------------------
def test_an_opening_stopped_short_is_warned_a_hold_said_once_then_at_debug():
    """A blocked open is a failure; "holding an object" is one info line, later grasps debug."""
    hand, logs, debug = FrankaHand(object_width=0.03), [], []
    goals = goals_for(hand, logs)
    goals.debug = debug.append
    for _ in range(2):  # two picks of the same object
        goals.send(1.0)
        hand.advance(1.0)
        goals.send(0.0)
        hand.advance(1.0)
        hand.object_width = 0.03
    infos = [m for level, m in logs if level == "info" and "holding an object" in m]
    assert len(infos) == 1 and "30 mm wide" in infos[0], logs
    assert len(debug) == 1 and "holding an object" in debug[0]
    assert not warnings(logs)
    hand.max_width = 0.05  # an open the hand cannot do (above its homed width): aborted at once
    hand.width = 0.0
    goals.send(0.0)
    assert len(warnings(logs)) == 1 and "aborted" in warnings(logs)[0]


def test_a_rejecting_server_gets_few_goals_and_one_warning(model):
    """No flood: a server rejecting for 3 s gets a handful of resends, said in one warning."""
    hand = FrankaHand(reject=True)
    rig = HandRig(model, hand)
    rig.run(3.0)
    assert rig.session.commands_sent >= 15, "setup: the arm was commanded throughout"
    assert 2 <= len(hand.received) <= 8, len(hand.received)
    assert len(warnings(rig.logs_goals)) == 1, warnings(rig.logs_goals)


def test_a_canceled_goal_is_one_info_line_not_a_warning(model):
    """``~/enable`` false cancels the running close: one info line, no "check the hand"."""
    from vjepa_ros.nodes.planner_node import PlannerNode

    hand = FrankaHand()
    rig = HandRig(model, hand)
    rig.run(0.2)
    node = _node_stand_in(rig.goals, rig.session)
    PlannerNode._enable(node, types.SimpleNamespace(data=False),
                        types.SimpleNamespace(success=None, message=""))
    assert not warnings(rig.logs_goals), warnings(rig.logs_goals)
    said = [m for level, m in rig.logs_goals if level == "info" and "canceled" in m]
    assert len(said) == 1 and NAME in said[0]

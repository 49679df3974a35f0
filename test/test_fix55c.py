"""fix55c: the rest of each family of breaker55c's control-loop defects (ROS-free, CPU).

breaker55c's tests (test_breaker55c.py) hold the named inputs; these the family around them:
a re-enable (and a first enable) with a hand that a plan keeps, changes, or a sub-goal sets; a
resend after a rejection, not only a send that found no server; arrival turned about roll and
pitch, and a caught wrist (the timeout's warning names the turn); continuous's running open
(not only a close) and a hand stopped on an object (its plans command it again once seen
stopped); a wall clock stepped back before any state on the new clock, what it shifts and
re-arms, and the rule's own limits (a stamp in the future with no fall of the system clock
stays refused); a hold's "not commanding" line before what the hold drops.
"""

import numpy as np
import pytest
from grasp_sessions import grasp_on_object
from script_rig import ScriptRig, hand_rig, subgoal_at, wrist_rig
from test_robot_mpc import START, frame

from vjepa_ros.robot.arrival import HAND_REACH_M
from vjepa_ros.robot.clock_steps import CLOCK_FALL_MIN_S, age_across_fall
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goals import GoalSwitchConfig


def pause(rig, ticks=30):
    """``~/enable`` false, ``ticks`` stream periods, ``~/enable`` true; the sent count before."""
    before = len(rig.sent)
    assert rig.session.set_enabled(False)[0]
    rig.run(ticks)
    assert rig.session.set_enabled(True)[0]
    return before


@pytest.mark.parametrize("mode", ["blocking", "async", "continuous"])
def test_a_plan_that_changes_the_hand_after_a_reenable_sends_its_closedness(model, mode):
    """After a pause, a plan that opens the held object's hand sends the open (0.0), once."""
    rig = grasp_on_object(model, mode)
    rig.planner.actions = [[0.0, 0, 0, 0, 0, 0, -1.0]]  # release: 0.45 - 1 -> 0.0
    before = pause(rig)
    rig.run(200)
    sent = [report.gripper_command for _, report in rig.sent[before:]
            if report.gripper_command is not None]
    assert sent[:1] == [0.0], sent


@pytest.mark.parametrize("mode", ["blocking", "async", "continuous"])
def test_the_first_enable_sends_no_command_to_a_hand_closed_on_an_object(model, mode):
    """A run that starts with the hand closed on an object (0.45) and plans keeping it."""
    start = np.array(START, dtype=np.float64)
    start[6] = 0.45
    rig = ScriptRig(model, mode, [[0.005, 0, 0, 0, 0, 0, 0.0]], start=start)
    rig.session.plan_step()
    rig.run(150)
    assert len(rig.sent) >= 2
    assert [report.gripper_command for _, report in rig.sent] == [None] * len(rig.sent)


@pytest.mark.parametrize("mode", ["blocking", "continuous"])
def test_a_reenable_under_subgoal_sends_the_subgoals_closedness_once(model, mode):
    """``goals.gripper`` subgoal: after ``~/enable`` the sub-goal's closedness goes out once.

    A "carry" sub-goal closed, the hand commanded 1.0 and stopped on an object (0.45): after a
    pause the grasp is commanded again (1.0, with force; never the 0.45 measured), once.
    """
    rig = ScriptRig(model, mode, [[0.005, 0, 0, 0, 0, 0, 0.0]])
    session = rig.session
    session.set_enabled(False)
    session.goal_switching = GoalSwitchConfig(gripper="subgoal")
    session.set_goals([subgoal_at(1.0, 0)])
    session.set_enabled(True)
    assert session.plan_step().gripper_command == 1.0
    rig.arm[6] = 0.45  # the fingers stop on the object
    rig.run(100)
    before = pause(rig)
    rig.run(150)
    sent = [report.gripper_command for _, report in rig.sent[before:]
            if report.gripper_command is not None]
    assert sent == [1.0], sent


class Rejected:
    """A GripperCommand goal the server rejected ``times`` times (``Delivery``'s interface)."""

    def __init__(self, times):
        self.state, self.times = "rejected", times

    def needs_resend(self):
        self.times -= 1
        return self.times >= 0


@pytest.mark.parametrize("mode", ["blocking", "async", "continuous"])
def test_a_rejected_close_is_resent_as_the_close(model, mode):
    """A close the server rejected twice is resent as 1.0, though later plans say 0.0."""
    rig = ScriptRig(model, mode, [[0.0, 0, 0, 0, 0, 0, 1.0], [0.01, 0, 0, 0, 0, 0, 0.0]])
    calls = []

    def gripper_output(closedness, resend=False):
        calls.append((closedness, resend))
        return Rejected(2) if not resend else None

    rig.session.gripper_output = gripper_output
    assert rig.session.plan_step().gripper_command == 1.0
    rig.run(150)
    assert calls[0] == (1.0, False) and any(resend for _, resend in calls), calls
    assert {closedness for closedness, _ in calls} == {1.0}, calls
    assert rig.session.last_gripper == 1.0


@pytest.mark.parametrize("mode", ["blocking", "continuous"])
@pytest.mark.parametrize("axis", [4])
def test_arrival_waits_for_a_pitch_turn(model, mode, axis):
    """Pitch as yaw: the grasp's close waits for the wrist at the place."""
    place = [0.005, 0, 0, 0, 0, 0, 0]
    place[axis] = 0.2
    rig = wrist_rig(model, mode, [place, [0.0] * 7],
                    [subgoal_at(0.0, 1), subgoal_at(1.0, 2)], wrist=0.01)
    step = rig.session.plan_step().command
    rig.run(400)
    closes = [arm for arm, report in rig.sent if report.gripper_command == 1.0]
    assert closes
    turn = abs(closes[0][axis] - step[axis])
    assert turn <= rig.session.control.arrival_tolerance_rad, turn


def test_a_caught_wrist_arrives_at_the_timeout_with_its_turn_named(model):
    """A wrist that never turns: the close goes out after the timeout, its warning says why."""
    rig = wrist_rig(model, "blocking", [[0.005, 0, 0, 0, 0, 0.3, 0], [0.0] * 7],
                    [subgoal_at(0.0, 1), subgoal_at(1.0, 2)], wrist=0.0)
    rig.session.control.arrival_timeout_s = 1.0
    rig.session.plan_step()
    rig.run(60)
    assert not [r for _, r in rig.sent if r.gripper_command == 1.0], "no close before arrival"
    rig.run(200)
    warned = [m for _, m in rig.logs if m.startswith("arm did not reach the target")]
    assert warned and "turned 0.300 rad" in warned[0], warned
    assert [r for _, r in rig.sent if r.gripper_command == 1.0]


def test_arrival_tolerance_rad_defaults_to_the_hands_far_edge_at_the_position_tolerance():
    """control.arrival_tolerance_rad's default: 1 cm (the position's default) over 0.11 m."""
    control = ControlConfig()
    assert control.arrival_tolerance_rad == pytest.approx(
        control.arrival_tolerance_m / HAND_REACH_M, abs=1e-3)


def test_continuous_does_not_cut_back_a_running_open(model):
    """The open as the close: plans seeing the hand still closed do not re-command it."""
    start = np.array(START, dtype=np.float64)
    start[6] = 1.0
    rig = hand_rig(model, "continuous", [[0.0, 0, 0, 0, 0, 0, -1.0],
                                         [0.005, 0, 0, 0, 0, 0, -0.75]], latency=10, start=start)
    assert rig.session.plan_step().gripper_command == 0.0
    rig.run(150)
    assert rig.arm[6] < 0.1
    sent = [report.gripper_command for _, report in rig.sent[1:]
            if report.gripper_command is not None]
    assert all(command <= rig.session.control.gripper_deadband for command in sent), sent


def test_continuous_commands_a_hand_stopped_on_an_object_again_once_seen_stopped(model):
    """No lasting block: a close stopped at 0.45, then a planned open goes out (after 1 s)."""
    rig = hand_rig(model, "continuous", [[0.0, 0, 0, 0, 0, 0, 1.0],
                                         [0.002, 0, 0, 0, 0, 0, 0.0]], latency=2)
    assert rig.session.plan_step().gripper_command == 1.0
    rig.run(10)
    for _ in range(60):  # the fingers stop on the object at 0.45
        rig.tick()
        rig.arm[6] = min(rig.arm[6], 0.45)
        rig.session.plan_step()
    rig.planner.actions = [[0.002, 0, 0, 0, 0, 0, -0.45]]  # release
    for _ in range(200):
        rig.tick()
        rig.arm[6] = min(rig.arm[6], 0.45)
        rig.session.plan_step()
    sent = [report.gripper_command for _, report in rig.sent[1:]
            if report.gripper_command is not None]
    assert sent and sent[0] == pytest.approx(0.0, abs=1e-6), sent


@pytest.mark.parametrize("mode", ["blocking", "async", "continuous"])
def test_a_wall_clock_step_back_before_any_state_on_the_new_clock_holds_nothing(model, mode):
    """The tick between the step and the driver's next state: both inputs of the old clock."""
    rig = ScriptRig(model, mode, [[0.06, 0, 0, 0, 0, 0, 0]])
    rig.session.stream_clock = rig.clock.steady  # the node's steady tick clock
    assert rig.session.plan_step().command is not None
    rig.run(25)
    said = len(rig.logs)
    rig.clock.step_wall_back(1.0)
    rig.next_frame = rig.clock.now + 0.05
    before = rig.arm.copy()
    rig.clock.now += 0.01
    out = rig.session.stream_step()  # no state since the step
    assert out is not None and out.setpoint is not None, rig.logs[said:]
    assert np.linalg.norm(out.setpoint[:3] - before[:3]) > 0
    rig.run(10)
    lines = [message for _, message in rig.logs[said:]]
    assert any("clock went back" in line for line in lines), lines
    assert not [line for line in lines if line.startswith("not commanding")], lines


def test_a_wall_clock_step_shifts_the_gripper_send_time(model):
    """The last gripper command's time moves with the clock (resends' spacing, hand views)."""
    rig = ScriptRig(model, "blocking", [[0.0, 0, 0, 0, 0, 0, 1.0], [0.06, 0, 0, 0, 0, 0, 0]])
    rig.session.stream_clock = rig.clock.steady
    rig.session.plan_step()
    rig.run(30)
    session = rig.session
    since = session.command_time - session._gripper_sent_at
    assert since > 0.1, "the move went out after the close"
    rig.clock.step_wall_back(1.0)
    rig.next_frame = rig.clock.now + 0.05
    rig.run(6)
    assert any("clock went back" in m for _, m in rig.logs)
    assert session.command_time < 100.0, "re-based"
    assert session.command_time - session._gripper_sent_at == pytest.approx(since)


def test_a_wall_clock_step_mid_step_prepares_the_running_step_again(model):
    """async: the preparation the step voided is made again on the new clock's frame."""
    rig = ScriptRig(model, "async", [[0.06, 0, 0, 0, 0, 0, 0]])
    rig.session.stream_clock = rig.clock.steady
    rig.session.plan_step()
    rig.run(10)
    commands, planned = rig.session.commands_sent, len(rig.planner.starts)
    assert planned == 2, "the command's plan, then its preparation"
    rig.clock.step_wall_back(1.0)
    rig.next_frame = rig.clock.now + 0.05
    rig.run(8)
    assert any("clock went back" in m for _, m in rig.logs)
    assert rig.session.commands_sent == commands, "the step still runs"
    assert len(rig.planner.starts) > planned, "prepared again on a frame of the new clock"


def test_age_across_fall_adds_every_fall_since_the_stamp():
    """The rule: [s] ages, falls since each input's stamp (breaker55l made it one rule)."""
    assert age_across_fall(-0.95, 1.0) == pytest.approx(0.05)  # stepped back 1 s
    assert age_across_fall(-0.95, 0.0) == -0.95  # no fall: a clock mismatch, refused
    assert age_across_fall(-0.95, CLOCK_FALL_MIN_S / 2) == -0.95  # slewing, no step
    assert age_across_fall(-3.0, 1.0) == -2.0  # 2 s ahead still: refused
    assert age_across_fall(1.2, 1.0) == pytest.approx(2.2)  # stale: a fall makes nothing fresher
    assert age_across_fall(-0.3, 1.0) == pytest.approx(0.7)  # stamped before it: 0.7 s old
    assert age_across_fall(0.3, -1.0) == 0.3  # a step forward: never younger


def test_a_future_stamp_with_no_fall_of_the_system_clock_is_still_refused(model):
    """A camera stamping 0.95 s ahead (a clock mismatch) holds as before: no fall, no step."""
    rig = ScriptRig(model, "blocking", [[0.06, 0, 0, 0, 0, 0, 0]])
    rig.session.plan_step()
    rig.run(5)
    rig.session.observe_image(frame(300), rig.clock.now + 0.95)
    rig.next_frame = rig.clock.now + 10
    out = rig.session.stream_step()
    assert out is not None and out.setpoint is None and out.hold_started
    assert any("in the future" in m for _, m in rig.logs)


def test_a_holds_not_commanding_line_comes_before_what_it_drops(model):
    """async: the camera goes silent with a prepared plan: the cause first, then the drop."""
    rig = ScriptRig(model, "async", [[0.06, 0, 0, 0, 0, 0, 0]])
    rig.session.plan_step()
    for _ in range(100):
        rig.run(1)
        if rig.session._prepared is not None:
            break
    assert rig.session._prepared is not None, "a prepared plan"
    said = len(rig.logs)
    rig.next_frame = rig.clock.now + 100  # the camera stops
    rig.run(80)
    lines = [message for _, message in rig.logs[said:]]
    hold = next(i for i, line in enumerate(lines) if line.startswith("not commanding"))
    drop = next(i for i, line in enumerate(lines) if line.endswith("prepared plan dropped"))
    assert hold < drop, lines

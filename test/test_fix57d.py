"""fix57d: ``control.arrival_timeout_s`` bounds the ARM's wait, from its set-point's rest.

The family of breaker57d's defect 1 (``test_breaker57d.py``): a slow turn at
``safety.max_angular_speed_rad_s`` (as a slow translation at ``max_speed_m_s``), in every mode,
under ``goals.gripper`` subgoal and as a finished run's last move; the timeout still fires for
an arm that never gets there, counted from the set-point's rest (not from the command, not on
the node clock). And of defect 2: the idle-parameter rules follow what each mode reads
(``robot/idle_parameters.py``), warning where nothing reads the parameter.
"""

import pytest
from script_rig import ScriptRig, hand_rig, subgoal_at
from session_rig import DT
from test_robot_mpc import frame

from vjepa_ros.config import from_dict
from vjepa_ros.robot.goals import GoalSwitchConfig, SubGoal
from vjepa_ros.robot.idle_parameters import idle_parameter_warnings
from vjepa_ros.robot.planner_config import PlannerNodeConfig
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.targets import poses_apart

MODES = ["blocking", "async", "continuous"]
TURN = 0.3  # [rad] the place's yaw turn
SLOW_TURN = SafetyLimits(max_angular_speed_rad_s=0.02)  # the 0.3 rad turn takes 15 s
SLOW = SafetyLimits(max_speed_m_s=0.005)  # a 10 cm step takes 20 s


def slow_rig(model, mode, limits, actions, rig_of=ScriptRig, **control):
    """Return a rig whose session streams at ``limits``, its planner's actions ``actions``."""
    rig = rig_of(model, mode, actions, **control)
    rig.session.stream_clock = rig.clock.steady
    rig.session.limits = rig.session.streamer.limits = limits
    return rig


def timeouts(rig):
    """Return the lines of the timeout's warning."""
    return [line for _, line in rig.logs if "did not reach the target" in line]


@pytest.mark.parametrize("mode", MODES)
def test_a_slow_turn_s_release_goes_out_turned_to_the_place(model, mode):
    """``goals.gripper`` subgoal: the release waits for a 15 s turn (default timeout 10 s).

    Before fix57d the place "arrived" by timeout at 10 s with the wrist 0.1 rad short, and the
    release went out there.
    """
    rig = slow_rig(model, mode, SLOW_TURN, [[0, 0, 0, 0, 0, TURN, 0], [0.0] * 7],
                   rig_of=hand_rig)
    session = rig.session
    session.set_enabled(False)
    session.goal_switching = GoalSwitchConfig(gripper="subgoal")
    session.set_goals([subgoal_at(1.0, 1), subgoal_at(0.0, 2)])
    assert session.set_enabled(True)[0]
    place = session.plan_step().command
    assert place is not None and poses_apart(place, rig.arm)[1] == pytest.approx(TURN, abs=1e-6)
    rig.run(2000)
    released = [arm for arm, report in rig.sent if report.gripper_command == 0.0]
    assert released, [report.reason for report in rig.reports[-3:]]
    turn_left = poses_apart(released[0], place)[1]
    assert turn_left <= session.control.arrival_tolerance_rad, (
        turn_left, timeouts(rig))
    assert timeouts(rig) == []


@pytest.mark.parametrize("mode", MODES)
def test_a_finished_run_s_slow_last_turn_runs_to_its_target(model, mode):
    """The "all sub-goals done" hold waits for a 15 s turn (default timeout 10 s)."""
    rig = slow_rig(model, mode, SLOW_TURN, [[0, 0, 0, 0, 0, TURN, 0]])
    rig.session.set_goals([SubGoal(frame(20), 1, "only")])
    target = rig.session.plan_step().command
    assert target is not None
    rig.run(2000)
    assert len(rig.sent) == 1
    assert poses_apart(rig.arm, target)[1] < 1e-3, timeouts(rig)
    assert timeouts(rig) == []


@pytest.mark.parametrize("mode", ["blocking", "async"])
def test_an_arm_that_never_gets_there_times_out_after_the_set_point_s_rest(model, mode):
    """A blocked arm still ends the wait: ``arrival_timeout_s`` after the set-point rested.

    The set-point takes ~20 s to the target 10 cm away (``max_speed_m_s`` 0.005), the arm is
    blocked 3 cm short of it, ``arrival_timeout_s`` 2 s: the warning comes 2 s (streamed) after
    the set-point's rest, and the next plan goes out; not at 2 s (mid-travel), nor never.
    """
    rig = slow_rig(model, mode, SLOW, [[0.1, 0, 0, 0, 0, 0, 0], [0.0] * 7],
                   arrival_timeout_s=2.0)
    rig.stuck_at = 0.5 + 0.07
    first = rig.session.plan_step().command
    assert first is not None
    rested, warned = None, None
    for tick in range(1, 2800):
        rig.run(1)
        if rested is None and rig.session.streamer.arrived():
            rested = tick
        if warned is None and timeouts(rig):
            warned = tick
    assert rested is not None and rested * DT > 19.0, rested
    assert warned is not None, "the blocked arm was waited on forever"
    assert (warned - rested) * DT == pytest.approx(2.0, abs=3 * DT), (rested, warned)
    assert "0.030 m away" in timeouts(rig)[0], timeouts(rig)
    assert len(timeouts(rig)) == 1
    assert len(rig.sent) >= 2, "after the timeout the next plan goes out"


@pytest.mark.parametrize("mode", ["blocking", "async"])
def test_a_node_stall_with_the_set_point_at_rest_is_no_arm_time(model, mode):
    """A stalled node (or a wall clock stepped forward) adds at most a few ticks to the wait.

    The arm is blocked 3 cm short, the set-point at rest 1 s, ``arrival_timeout_s`` 2 s; the
    node stalls 30 s: the stream's next tick counts at most ``MAX_TICK_PERIODS`` periods, so
    the timeout still needs about 1 s more of streamed ticks, and then says so once.
    """
    rig = slow_rig(model, mode, SafetyLimits(), [[0.1, 0, 0, 0, 0, 0, 0], [0.0] * 7],
                   arrival_timeout_s=2.0)
    rig.stuck_at = 0.5 + 0.07
    assert rig.session.plan_step().command is not None
    for _ in range(3000):
        rig.run(1)
        if rig.session.streamer.arrived():
            break
    rig.run(100)  # 1 s of rest
    rig.clock.now += 30.0
    rig.session.observe_state(rig.arm.copy(), rig.clock.now)
    rig.session.observe_image(frame(999), rig.clock.now)
    rig.next_frame = rig.clock.now + 0.1
    rig.run(50)
    assert timeouts(rig) == [], "the stall counted as the arm's time"
    rig.run(100)
    assert len(timeouts(rig)) == 1


def config(**values):
    return from_dict(PlannerNodeConfig, values)


def said(values, name):
    return [line for line in idle_parameter_warnings(config(**values)) if name in line]


@pytest.mark.parametrize("gripper", ["planned", "subgoal", "hold"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name, value", [("control.arrival_tolerance_m", 0.02),
                                         ("control.arrival_timeout_s", 3.0)])
def test_arrival_parameters_are_never_idle(mode, gripper, name, value):
    """Every mode asks ``_arm_arrived`` (a finished run's last move): never "does nothing"."""
    assert said({"control.mode": mode, "goals.gripper": gripper, name: value}, name) == []


@pytest.mark.parametrize("name, value", [("control.async_tolerance_m", 0.01),
                                         ("control.async_tolerance_rad", 0.05)])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("gripper", ["planned", "subgoal", "hold"])
def test_async_tolerances_are_idle_only_with_no_prepared_plans_and_no_hand(
        mode, gripper, name, value):
    """They bound async's prepared plans, and any mode's hand changes and resends."""
    lines = said({"control.mode": mode, "goals.gripper": gripper, name: value}, name)
    if mode != "async" and gripper == "hold":
        (line,) = lines
        assert line.startswith(f"{name} does nothing while control.mode is '{mode}'") and \
            "goals.gripper is 'hold'" in line and ": set control.mode to async" in line, line
    else:
        assert lines == []


@pytest.mark.parametrize("settle, gripper, idle", [
    (0.5, "planned", True), (1.0, "subgoal", True), (1.5, "planned", False),
    (1.5, "subgoal", False), (1.5, "hold", True), (0.5, "hold", True)])
def test_a_continuous_settle_s_is_idle_unless_it_widens_the_hand_window(settle, gripper, idle):
    """Continuous reads ``settle_s`` only as the hand-motion window, above HAND_WINDOW_S (1 s)."""
    lines = said({"control.mode": "continuous", "goals.gripper": gripper,
                  "control.settle_s": settle}, "control.settle_s")
    assert len(lines) == idle, lines
    for line in lines:
        assert ": set control.mode to blocking or async, or drop control.settle_s" in line, line
    for mode in ("blocking", "async"):  # their fresh-frame rule reads it
        assert said({"control.mode": mode, "goals.gripper": gripper,
                     "control.settle_s": settle}, "control.settle_s") == []


def test_async_blend_m_stays_idle_outside_async():
    for mode in ("blocking", "continuous"):
        (line,) = said({"control.mode": mode, "control.async_blend_m": 0.03},
                       "control.async_blend_m")
        assert line.startswith(f"control.async_blend_m does nothing while control.mode is "
                               f"'{mode}': set control.mode to async"), line
    assert said({"control.mode": "async", "control.async_blend_m": 0.03}, "async_blend") == []

"""breaker43m: fix43j's reopen of a sub-goal whose ending command a hold cut short.

Attacked at main's HEAD 123a578 (fix43j: commits 52ee1b8, e1a7c4e, cfa817b):
``robot/goals.py`` (``GoalSequence.count_step``, ``keep_switch``, ``reopen``), ``robot/mpc.py``
(``MPCSession._stop_motion``, ``_reopen_subgoal``, ``set_enabled``), ``robot/stream_session.py``
(``_check_arrival``'s ``keep_switch``, ``_inputs_resumed``), ``robot/planning_session.py``
(``_inputs_usable``) against README's sub-goal switching paragraph. ROS-free, CPU, a
hand-driven clock and the tiny random world model of ``test_robot_mpc``, driven by
``test_breaker43h``'s rig (an arm that follows the set-point, plus ``push``). Each test asserts
what SHOULD happen (failed at 123a578, fixed by fix43m); its docstring says why a lab would
meet it. fix43p changed the first one's rule (a hold before the ARM arrived reopens, even with
the set-point at rest: breaker43p) and added its control case (a hold after the arm arrived).
"""

import numpy as np
import pytest
from session_rig import LIMITS, GripperRig, Rig, place_release
from test_robot_mpc import CEM, START, Clock, HookedPlanner, frame, tiny_world_model

from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goals import GoalSwitchConfig, SubGoal
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.phase import Phase


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def _sag_then_stall(rig, sag):
    """Command "place"; let the set-point arrive with the arm sagging ``sag`` [m]; stall 0.6 s.

    Returns the "place" report. 3 s after the command (the set-point at rest on its target from
    ~1.2 s, the arm ``sag`` below it) the camera's frames stop for 0.6 s: a stale-input hold.
    """
    place = rig.session.plan_step()
    assert place.command is not None and place.gripper_command == 1.0
    for i in range(300):  # 3 s: the set-point arrives (~1.2 s); the arm sags in as it moves
        rig.push[2] = -sag * min(1.0, (i + 1) / 100)
        rig.tick()
        rig.session.plan_step()
    streamer = rig.session.streamer
    assert streamer.arrived() and np.allclose(streamer.setpoint[:6], place.command[:6])
    for _ in range(60):  # a 0.6 s camera stall, 3 s after the command
        rig.tick(camera=False)
        rig.session.plan_step()
    assert any("stale" in m for _, m in rig.logs), rig.logs[-4:]
    return place


@pytest.mark.parametrize("mode", ["blocking", "continuous"])
def test_a_hold_with_the_arm_sagging_short_of_the_place_reopens_it(model, mode):
    """A hold before the ARM arrived reopens the sub-goal; the hand opens only on arrival/timeout.

    A compliant arm (Franka cartesian impedance, a cup in the hand) settles 12 mm below its
    set-point: more than ``control.arrival_tolerance_m`` (1 cm), so its arrival comes only after
    ``control.arrival_timeout_s`` (10 s, "arm did not reach the target ... observing again").
    This test asserted at first (breaker43m) that a camera blip in those 10 s, with the
    set-point at rest on the target, cut nothing ("only a set-point not yet at rest reopens").
    breaker43p showed where that leads: kept, the switch to "release" lets its open hand go out
    with the arm short of the place (15.3 mm with a trailing arm, a 20 ms blip; here the cup
    would drop 12 mm). The rule now (fix43p, one notion of arrival, ``_arm_arrived``): the
    command that ended sub-goal k is done when the ARM has arrived (measured TCP within the
    tolerance with the set-point at rest, or the timeout with its warning); a hold before that
    cut it and reopens k. So: "place" is active again after the blip, commanded again, and the
    hand opens only at the arm's arrival or (here: it never gets within 1 cm) after the
    timeout, with its warning.
    """
    rig = GripperRig(model, mode, place_release())
    place = _sag_then_stall(rig, 0.012)
    reopened = [m for _, m in rig.logs if "stopped short" in m]
    assert reopened and "sub-goal 1/2" in reopened[0], rig.logs[-6:]
    assert rig.session.goals.index == 0, rig.session.goals.describe()
    commanded_at, target = rig.clock.now - 0.6, place.command
    for _ in range(1600):
        rig.tick()
        report = rig.session.plan_step()
        if report is None or report.command is None:
            continue
        if report.gripper_command == 0.0:
            break
        commanded_at, target = rig.clock.now, report.command  # "place" commanded again
    else:
        pytest.fail(f"the hand never opened: {[m for _, m in rig.logs][-6:]}")
    control = rig.session.control
    left = float(np.linalg.norm(rig.arm[:3] + rig.push[:3] - target[:3]))
    assert left > control.arrival_tolerance_m  # the arm never gets within it: the timeout
    assert rig.clock.now - commanded_at >= control.arrival_timeout_s, (
        f"the hand was told to open {rig.clock.now - commanded_at:.2f} s after the place "
        f"command, with the arm {left * 1000:.1f} mm from it")
    assert any(level == "warning" and "did not reach the target" in m for level, m in rig.logs)


@pytest.mark.parametrize("mode", ["blocking", "continuous"])
def test_a_hold_after_the_arm_arrived_reopens_nothing(model, mode):
    """The control case: a hold after the ARM arrived (within tolerance) cut nothing.

    The same arm sagging 5 mm (inside ``control.arrival_tolerance_m``, 1 cm) has arrived when
    the set-point came to rest on the place; a camera blip after that stops nothing that was
    still running: no "stopped short", the sequence stays finished (continuous keeps the switch
    pending until then: the hold is what decides it).
    """
    rig = GripperRig(model, mode, [SubGoal(frame(7), 1, "place", gripper=1.0)])
    _sag_then_stall(rig, 0.005)
    reopened = [m for _, m in rig.logs if "stopped short" in m]
    assert not reopened, reopened
    assert rig.session.goals.finished, rig.session.goals.describe()


def test_enabled_again_after_a_disable_cut_the_move_that_ended_sub_goal_1_plans_it_again(model):
    """A disable that cut the command ending sub-goal k, then enable: sub-goal k is planned again.

    A pick-and-place list captured with ``~/add_subgoal``: "place" (hand closed, cup on the
    table) then "release" (hand open). The operator pauses the arm with ``~/enable false`` as
    someone steps into the cell during the place move (2 cm above the table), then enables it
    again. fix43j reopens the cut sub-goal on every hold (a camera blip, a planner error), but a
    disable keeps the switch ("commanding stops"): commanding resumes on ``~/enable true`` and
    the next plan is toward "release" from 2 cm above the table (under ``goals.gripper``
    subgoal its command opens the hand there: the cup drops). What should happen: as after a
    hold, the sub-goal whose ending command was cut is planned toward again once commanding
    resumes (the switch undone on the disable or on the enable after it).
    """
    rig = Rig(model, "blocking", goals=[SubGoal(frame(7), 1, "place"),
                                        SubGoal(frame(8), 1, "release")])
    commanded = []
    rig.session.add_report_listener(
        lambda r: commanded.append(r.subgoal.index) if r.command is not None else None)
    assert rig.session.plan_step().command is not None and rig.session.goals.index == 1
    for _ in range(30):  # 0.3 s into the ~1.2 s move
        rig.tick()
        rig.session.plan_step()
    assert rig.session.phase is Phase.MOVING
    rig.session.set_enabled(False)
    for _ in range(50):
        rig.tick()
        rig.session.plan_step()
    rig.session.set_enabled(True)
    for _ in range(300):
        rig.tick()
        rig.session.plan_step()
        if len(commanded) >= 2:
            break
    assert len(commanded) >= 2, [m for _, m in rig.logs]
    assert commanded[1] == 0, f"after the cut 'place' the next command was toward {commanded}"


def test_continuous_subgoal_gripper_does_not_open_before_the_place_move_ran(model):
    """Continuous control: "release" must not open the hand before "place"'s last move ran.

    Not fix43j's code but its FOCUS: continuous control never waits for arrival, and each
    command counts its step as it goes out, so the command that ends "place" (hand closed,
    carrying a cup) switches to "release" at once; the next frame (0.1 s later) plans toward
    "release", and under ``goals.gripper`` subgoal its command opens the hand. The arm has not
    moved yet: the cup is let go where the last place step began (here 8 cm short), and no
    hold is involved, so fix43j's reopen never helps. ``goals.gripper`` subgoal is accepted with
    ``control.mode`` continuous (no refusal, no warning). What should happen: the next
    sub-goal's gripper command waits until the command that ended the sub-goal before it has
    arrived (within ``control.arrival_tolerance_m`` of its target), or the combination is refused.
    """
    clock, logs = Clock(), []
    session = MPCSession(model, CEM, LIMITS, ControlConfig(mode="continuous"), clock=clock,
                         log=lambda level, message: logs.append((level, message)),
                         planner=HookedPlanner(model), clock_offset=clock.system_offset,
                         stream_clock=clock.steady,
                         goal_switching=GoalSwitchConfig(gripper="subgoal"))
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    session.set_goals([SubGoal(frame(7), 1, "place", gripper=1.0),
                       SubGoal(frame(8), 1, "release", gripper=0.0)])
    session.set_enabled(True)
    place = session.plan_step()
    assert place.command is not None and place.gripper_command == 1.0
    opened_at, next_frame = None, clock.now
    for i in range(300):
        clock.now += 0.01
        out = session.stream_step()
        arm = session.latest_state().value if out is None or out.setpoint is None else \
            out.setpoint
        session.observe_state(arm, clock.now)
        if clock.now >= next_frame:
            session.observe_image(frame(100 + i), clock.now)
            next_frame = clock.now + 0.1
        report = session.plan_step()
        if report is not None and report.gripper_command == 0.0:
            opened_at = session.latest_state().value.copy()
            break
    assert opened_at is not None, [m for _, m in logs]
    left = float(np.linalg.norm(opened_at[:3] - place.command[:3]))
    assert left <= session.control.arrival_tolerance_m, (
        f"the hand was told to open {left * 1000:.1f} mm from the end of the place move")

"""breaker43m: fix43j's reopen of a sub-goal whose ending command a hold cut short.

Attacked at main's HEAD 123a578 (fix43j: commits 52ee1b8, e1a7c4e, cfa817b):
``robot/goals.py`` (``GoalSequence.count_step``, ``keep_switch``, ``reopen``), ``robot/mpc.py``
(``MPCSession._stop_motion``, ``_reopen_subgoal``, ``set_enabled``), ``robot/stream_session.py``
(``_check_arrival``'s ``keep_switch``, ``_inputs_resumed``), ``robot/planning_session.py``
(``_inputs_usable``) against README's sub-goal switching paragraph. ROS-free, CPU, a
hand-driven clock and the tiny random world model of ``test_robot_mpc``, driven by
``test_breaker43h``'s rig (an arm that follows the set-point, plus ``push``). Each test asserts
what SHOULD happen (failed at 123a578, fixed by fix43m); its docstring says why a lab would
meet it.
"""

import numpy as np
import pytest
from test_breaker43h import LIMITS, Rig
from test_robot_mpc import CEM, START, Clock, HookedPlanner, frame, tiny_world_model

from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goals import GoalSwitchConfig, SubGoal
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.phase import Phase


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def test_a_hold_after_the_setpoint_reached_its_target_reopens_nothing(model):
    """A hold that finds the set-point already at its target cut nothing: no reopen.

    A compliant arm (Franka cartesian impedance, a cup in the hand) settles 12 mm below its
    set-point: more than ``control.arrival_tolerance_m`` (1 cm), so blocking control registers
    the arrival only after ``control.arrival_timeout_s`` (10 s, "arm did not reach the target
    ... observing again", which keeps the switch). ``_stop_motion`` takes any hold while the
    phase is still MOVING as a cut (``moving``: phase MOVING or set-point not at rest): a camera
    blip of 0.6 s in those 10 s, with the set-point at rest on the target for seconds,
    ``streamer.hold()`` changing nothing, reopens the last sub-goal and logs "the command that
    ended sub-goal 1/1 stopped short of its target" (it did not), and one more step toward the
    reached goal goes out. The same run without a blip ends "all 1 sub-goals done". What should
    happen: only a set-point stopped short of its target (not yet at rest on it) reopens.
    """
    rig = Rig(model, "blocking", goals=[SubGoal(frame(7), 1, "place")])
    report = rig.session.plan_step()
    assert report.command is not None and rig.session.goals.finished
    for i in range(300):  # 3 s: the set-point arrives (~1.2 s); the arm sags in as it moves
        rig.push[2] = -0.012 * min(1.0, (i + 1) / 100)
        rig.tick()
        rig.session.plan_step()
    streamer = rig.session.streamer
    assert streamer.arrived() and np.allclose(streamer.setpoint, report.command)
    assert rig.session.phase is Phase.MOVING  # the arrival waits for the timeout
    for _ in range(60):  # a 0.6 s camera stall, 3 s after the command
        rig.tick(camera=False)
        rig.session.plan_step()
    assert rig.session.refusal.startswith("stale inputs") or "camera" in rig.session.refusal
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

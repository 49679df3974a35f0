"""breaker43o: fix43m's reopen of a really cut command, a disable's cut, continuous gripper wait.

Attacked at main's HEAD cf181eb (fix43m: commits 086def9, b191d25, 2c738a2):
``robot/mpc.py`` (``MPCSession._stop_motion``'s ``cut``, ``set_enabled``'s ``reopen_cut``),
``robot/goals.py`` (``GoalSequence.keep_cut``, ``reopen_cut``, ``unarrived_switch``),
``robot/command_session.py`` (``_gripper_waits``), ``robot/stream_session.py``
(``_check_arrival``), ``robot/async_session.py`` (the blend), against README's sub-goal
switching and ``goals.gripper`` paragraphs. ROS-free, CPU, a hand-driven clock and the tiny
random world model of ``test_robot_mpc`` with a hooked planner, driven like ``test_breaker43h``'s
rig (an arm that follows the set-point, plus ``push``/``lag``). Each test asserts what SHOULD
happen (each failed at cf181eb; fixed by fix43o); its docstring says why a lab would meet it.
"""

import numpy as np
import pytest
from session_rig import GripperRig, Rig, place_release
from test_robot_mpc import frame, tiny_world_model

from vjepa_ros.robot.goals import SubGoal


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def test_async_blend_does_not_open_the_hand_before_the_place_target(model):
    """Async blending must not send the next sub-goal's gripper change before the place.

    fix43m made continuous control wait with a gripper change for the next sub-goal until the
    command that ended the sub-goal before it has arrived, and left async alone. But async
    commands the plan prepared for sub-goal k+1 ("release", hand open) as soon as the set-point
    is within ``control.async_blend_m`` (default 1 cm) of the running target (the place), with
    the arm tracking: under ``goals.gripper`` subgoal that command carries the open hand, so a
    lab running ``control.mode`` async with a pick-and-place list lets go of the cup while the
    set-point is still ~1 cm short of the place (and the blend then turns it toward the release
    target: the place itself is never reached). What should happen: a prepared plan that changes
    the hand for the next sub-goal is not blended in; it goes out on arrival (as in blocking).
    """
    rig = GripperRig(model, "async", place_release())
    place = rig.session.plan_step()
    assert place.command is not None and place.gripper_command == 1.0
    opened_at = None
    for _ in range(400):
        rig.tick()
        report = rig.session.plan_step()
        if report is not None and report.gripper_command == 0.0:
            opened_at = rig.session.streamer.setpoint.copy()
            arm = rig.arm.copy()
            break
    assert opened_at is not None, [m for _, m in rig.logs]
    left = float(np.linalg.norm(opened_at[:3] - place.command[:3]))
    arm_left = float(np.linalg.norm(arm[:3] - place.command[:3]))
    assert left <= 1e-4, (f"the hand was told to open with the set-point {left * 1000:.1f} mm "
                          f"(the arm {arm_left * 1000:.1f} mm) from the place target")


def test_continuous_gripper_wait_ends_on_the_arms_arrival_not_the_setpoints(model):
    """Continuous: the hand opens for "release" only once the arm (not its set-point) is placed.

    fix43m's wait ends when the streamed set-point reaches the place command's target
    (``streamer.arrived()`` in ``_check_arrival``); the measured TCP is never looked at. A
    compliant arm trails its set-point: a Franka cartesian impedance controller softened for
    placing (time constant ~0.3 s; here each 10 ms tick covers 3 % of the gap) is still 16 mm
    above the table and descending at 5 cm/s when the set-point stops, and the next frame's
    command opens the hand: the cup drops 1.6 cm. Blocking and async wait for the measured TCP
    within ``control.arrival_tolerance_m`` (1 cm), with ``control.arrival_timeout_s`` and a
    warning for an arm that never gets there. What should happen: the gripper change waits for
    the arm's arrival as blocking's does (tolerance, then the timeout with its warning).
    """
    rig = GripperRig(model, "continuous", place_release(), lag=0.97)
    place = rig.session.plan_step()
    assert place.command is not None and place.gripper_command == 1.0
    opened_at = None
    for _ in range(600):
        rig.tick()
        report = rig.session.plan_step()
        if report is not None and report.gripper_command == 0.0:
            opened_at = rig.arm.copy()
            break
    assert opened_at is not None, [m for _, m in rig.logs]
    left = float(np.linalg.norm(opened_at[:3] - place.command[:3]))
    assert left <= rig.session.control.arrival_tolerance_m, (
        f"the hand was told to open with the arm {left * 1000:.1f} mm from the place target")


def test_shadow_mode_after_a_disable_cut_plans_the_sub_goal_the_enable_will_command(model):
    """Shadow mode after a disable that cut "place" shows the sub-goal the enable will command.

    The operator pauses the arm with ``~/enable false`` during the place move (someone steps
    into the cell) and watches shadow mode's plans and ``~/diagnostics`` (``subgoal``) before
    enabling again: that is what shadow mode is for ("planning, no commands"). fix43m keeps the
    switch aside (``GoalSequence.keep_cut``): shadow mode plans toward and shows sub-goal 2/2
    "release" (under ``goals.gripper`` subgoal: the hand open), and ``~/enable true`` then
    reopens 1/2 and commands "place": what was watched is not what the arm does. What should
    happen: the shadow plans after that disable are toward the sub-goal the enable will command
    (1/2, "place"), as the status shows it.
    """
    rig = Rig(model, "blocking", goals=[SubGoal(frame(7), 1, "place"),
                                        SubGoal(frame(8), 1, "release")])
    assert rig.session.plan_step().command is not None and rig.session.goals.index == 1
    for _ in range(30):  # 0.3 s into the ~1.2 s place move
        rig.tick()
        rig.session.plan_step()
    rig.session.set_enabled(False)
    shadow = []
    for _ in range(50):
        rig.tick()
        report = rig.session.plan_step()
        if report is not None:
            shadow.append(report.subgoal.index)
    assert shadow, [m for _, m in rig.logs]
    rig.session.set_enabled(True)
    enabled = rig.session.goals.index
    assert enabled == 0  # the enable reopens "place" (fix43m)
    assert set(shadow) == {enabled}, (
        f"shadow mode planned toward sub-goal(s) {sorted(set(shadow))} (0-based); the enable "
        f"then commands sub-goal {enabled}")

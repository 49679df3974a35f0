"""A continuous session under ``goals.gripper: subgoal`` that approaches and grasps a cup.

:func:`approach_and_grasp_session` makes it (a fake clock, two sub-goals from :data:`START`);
:func:`grasp_then_hold` enables it and lets sub-goal 2 close the hand on the cup. The prelude
of the clock-step tests; first written for breaker42a. :func:`grasp_on_object` (breaker53l):
``script_rig``'s scripted session closing the hand on an object and carrying it
(:data:`CLOSE_THEN_CARRY`).
"""

import math

import numpy as np
from script_rig import ScriptRig
from test_robot_mpc import CEM, Clock, frame, tiny_world_model

from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.frozen_camera import FrozenCamera
from vjepa_ros.robot.goals import GoalSwitchConfig, SubGoal
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.safety import SafetyLimits

START = np.array([0.5, 0.0, 0.3, math.pi, 0.0, 0.0, 0.0])
CLOSE_THEN_CARRY = [[0.03, 0, 0, 0, 0, 0, 1.0], [0.03, 0, 0, 0, 0, 0, 0.0]]


def approach_and_grasp_session(limits=None):
    """Return a continuous session under ``goals.gripper: subgoal`` on a fake clock, 2 sub-goals.

    Sub-goal 1: the approach (hand open); sub-goal 2: the grasp, captured holding a cup
    (closedness 0.25). Returns the session, its clock and the list its log lines go to.
    """
    clock, logs = Clock(), []
    session = MPCSession(tiny_world_model(), CEM, limits or SafetyLimits(),
                         ControlConfig(mode="continuous"), clock=clock,
                         log=lambda level, message: logs.append((level, message)),
                         goal_switching=GoalSwitchConfig(gripper="subgoal"),
                         clock_offset=clock.system_offset,
                         stream_clock=clock.steady)
    approach, grasp = START.copy(), START.copy()
    grasp[2] -= 0.05
    grasp[6] = 0.25  # captured holding the cup
    session.set_goals([SubGoal(frame(1), steps=1, source="approach", state=approach),
                       SubGoal(frame(2), steps=0, source="grasp", state=grasp)])
    # the clock-step tests' camera sees one scene (with sensor noise) and not the arm, which
    # moves 5 cm: a frozen camera to the planning loop's hold (frozen_camera, breaker61b), not
    # what these tests are about; their arm does not turn, so moving it judges nothing
    session.frozen_camera = FrozenCamera(min_shift_m=math.inf)
    return session, clock, logs


def grasp_then_hold(session, tick, state) -> None:
    """Enable, let sub-goal 2 close the hand, then hold the cup (closedness 0.25) on sub-goal 2.

    Continuous control: sub-goal 2's closing waits until the command that ended sub-goal 1
    (the approach) has arrived (fix43m), a few frames: the arm (``state``) follows the
    set-point, as the wait needs the measured TCP at the target (fix43o).

    The prelude of the clock-step tests: ``tick(seed)`` advances the scene one camera frame
    (states, a noisy frame, a plan, stream ticks); ``state`` [7] is the measured pose it feeds.
    """
    tick(10)
    assert session.set_enabled(True)[0]
    for seed in range(11, 60):  # continuous: the hand closes once the approach move arrived
        tick(seed)
        if session.streamer.active:  # the arm tracks its set-point
            state[:6] = session.streamer.setpoint[:6]
        if session.last_gripper == 1.0:
            break
    assert session.last_gripper == 1.0, "the grasp sub-goal closed the hand"
    state[6] = 0.25  # the fingers stopped on the cup: it is held
    for seed in range(20, 26):
        tick(seed)
    assert session.goals.index == 1


def grasp_on_object(model, mode):
    """Close the hand (the fingers stop on an object at 0.45), carry; return the rig."""
    rig = ScriptRig(model, mode, CLOSE_THEN_CARRY, async_blend_m=0.0)
    first = rig.session.plan_step()
    assert first.gripper_command == 1.0
    rig.arm[6] = 0.45  # the fingers rest on the object
    rig.run(160)
    return rig

"""breaker56f: the limits between a plan and the arm, fifth round on the command layer.

Attacked at base56 (2513e1c8): ``robot/safety.py``, ``robot/targets.py``, ``robot/joint_guard.py``,
``robot/stream_session.py``, ``robot/command_session.py``. ROS-free, CPU. Fuzzes run (not kept):
the set-point streamer alone at 500 and 1000 Hz (accelerations the jerk rule accepts at that
rate; random limits, hands down and near pitch π/2, random plans through ``filter_target``
anchored at an arm tracking half a tick behind, steady, ±10 %, late and catch-up ticks; 40 seeds
x 600 ticks each), and ``MPCSession`` in the three modes at 100 Hz (30 seeds x 200 ticks) and
1000 Hz (30 x 1500): random plans with rotation and gripper, arms starting on or up to 8 mm
outside a face, the arm 0-3 ticks behind, late ticks, state and camera gaps, disable/enable,
pushes of 2 cm, wall clock steps of ±0.5 ms, ±2 ms and ±0.15 s. Every published set-point was
finite, in the box, gripper in [0, 1], within the anchor's reach, none while disabled, and
(steady-clock pace) within the speed and acceleration limits.

Defect (strict xfail), ranked by harm:
1. The joint-limit guard shortens a step from the measured pose, not from the pose clamped into
   the box. ``filter_target`` plans from an arm up to ``safety.workspace_tolerance_m`` outside
   the box (README: "an arm tracking a set-point on the box's face overshoots by millimetres (a
   grasp near the floor)") and measures the step from that pose clamped into the box; the guard
   (``JointLimitGuard.check`` -> ``joint_guard._along(current, target, share)``) puts the
   shortened target on the segment from the unclamped pose, so it lies outside the box (5 mm
   under the floor, step shortened to 37.5 %: the target 3.1 mm under the floor). The command
   goes out with that target (``report.command``); the streamer clamps every set-point onto the
   face, never reaches the target and ``arrived()`` stays False: a blocking or async run waits
   ``control.arrival_timeout_s`` (10 s) at every such step. Should: the shortened target inside
   the box (and within ``step_reach`` of the clamped pose), like every target ``filter_target``
   passes. The camera check's trial (``camera_check_session``: ``self.joint_guard``) shares it.
"""

import math

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from vjepa_ros.robot.joint_guard import JointLimitGuard
from vjepa_ros.robot.kinematics import FrankaKinematics, RobotConfig
from vjepa_ros.robot.safety import SafetyLimits, filter_target, step_reach
from vjepa_ros.robot.targets import SetpointStreamer
from vjepa_ros.robot.workspace_box import in_box

HOME = np.array([0.0, -math.pi / 4, 0.0, -3 * math.pi / 4, 0.0, math.pi / 2, math.pi / 4])
OUTSIDE_M = 0.005  # [m] the arm this far outside a face: within workspace_tolerance_m 0.01


def _arm_outside(axis: int, side: int):
    """Return (kinematics, joints [7], state [7], limits): the TCP ``OUTSIDE_M`` beyond a face.

    Joint 7 at 2.70 rad (0.197 from its +2.8973 limit, outside the 0.1 margin); the box's face
    on ``axis`` (``side`` -1: its lower corner, +1: its upper) lies ``OUTSIDE_M`` inside the TCP.
    """
    kinematics = FrankaKinematics(RobotConfig(state_source="joint_states"))
    joints = HOME.copy()
    joints[6] = 2.70
    state = kinematics.state(joints, 0.0)
    lower, upper = state[:3] - 0.2, state[:3] + 0.2
    if side < 0:
        lower[axis] = state[axis] + OUTSIDE_M
    else:
        upper[axis] = state[axis] - OUTSIDE_M
    limits = SafetyLimits(workspace_min=lower.tolist(), workspace_max=upper.tolist())
    return kinematics, joints, state, limits


@pytest.mark.parametrize("axis,side", [(2, -1), (0, 1), (1, -1), (1, 1)])
def test_a_step_the_joint_guard_shortens_from_an_arm_just_outside_the_box_stays_in_it(axis, side):
    """A guard-shortened step from an arm 5 mm outside a face ends inside the box and arrives.

    Input: the arm 5 mm beyond a face (floor, x max, y min, y max; within the default 10 mm
    ``workspace_tolerance_m``, so planned from), a plan 2 cm along another axis turning the
    hand 0.3 rad about z toward joint 7's limit. ``filter_target`` accepts it (clipped into the
    box); the guard shortens it (joint 7). What happens: the shortened target lies up to 3 mm
    outside the box, and the set-point, clamped onto the face, never arrives at it. Should:
    the target inside the box, within ``step_reach`` of the clamped pose, and reached.
    """
    kinematics, joints, state, limits = _arm_outside(axis, side)
    guard = JointLimitGuard(kinematics, limits.joint_limit_margin_rad)
    along = (axis + 1) % 3
    shortened = None
    for turn in (0.3, -0.3):  # the turn toward joint 7's +limit (the sign the frames give)
        proposed = state.copy()
        proposed[along] += 0.02
        proposed[3:6] = (Rotation.from_euler("z", turn)
                         * Rotation.from_euler("xyz", state[3:6])).as_euler("xyz")
        decision = filter_target(state, proposed, limits)
        assert decision.accepted, decision.reason
        assert in_box(decision.target[:3], limits)  # the filter's own target: in the box
        guarded = guard.check(joints, state, decision)
        if guarded.accepted and "step shortened" in guarded.reason:
            shortened = guarded
    assert shortened is not None, "no turn made the guard shorten the step: a vacuous input"
    target = shortened.target
    lower, upper = limits.box
    clamped = np.clip(state[:3], lower, upper)
    assert in_box(target[:3], limits), (target[:3] - lower, upper - target[:3])
    assert np.linalg.norm(target[:3] - clamped) <= step_reach(state[:3], limits) + 1e-9
    streamer = SetpointStreamer(limits)
    streamer.reset(state)
    streamer.set_target(target, anchor=state)
    for _ in range(1000):  # 10 s at 100 Hz: the 2 cm step takes well under 1 s
        streamer.step(0.01)
        if streamer.arrived():
            break
    assert streamer.arrived(), (streamer.setpoint[:3], target[:3])

"""breaker54k: second round on fix54g (the joint-limit guard, robot.base_frame, the stream's jerk).

Each test asserts the right behaviour and is a strict xfail until fixed (ranked by harm):

1. The guard takes robot.model's joint limits, not the arm's: an FR3 (fr3_joint1..7, learned
   from the names, which robot.base_frame already follows) under the default robot.model panda
   is guarded by the Panda's limits (joint 6 allowed down to 0.08 rad, the FR3 stops at 0.5445),
   a Panda under robot.model fr3 by the FR3's (joint 7 up to 2.92, the Panda stops at 2.8973).
2. The camera check's motions (and its trial's planned steps) go to the set-point stream through
   filter_target only: the joint guard never sees them.
3. A joint inside the margin counts as "turning toward" its limit for any predicted motion, float
   noise included: a command that does not move the arm at all (a gripper-only command) is
   refused (the hand never closes, the arm is held) or clipped "step shortened to 88%".
4. The guard passes a step whose own prediction ends 44 mm short of the target (damped least
   squares stalled near the straight-arm singularity); the simulator's controller following the
   set-point stream to it turns joint 4 0.10 rad past its limit (-0.0698: the elbow through
   straight).
5. The FR3's Cartesian acceleration limits (9 m/s², 17 rad/s², Franka's "Robot and interface
   specifications"; libfranka's FR3 rate_limiting.h) are not checked: robot.model fr3 with
   safety.max_angular_accel_rad_s2 25 at 100 Hz is accepted and streams 25 rad/s².
6. robot.base_frame ``base`` is accepted for a prefixed arm (left_fr3_, panda_1_): in
   franka_description's multi-arm setups every prefixed arm is joined to the shared ``base`` at
   its own mount offset (Franka's tutorial: xyz 0 ±0.5 1), so link0 coordinates go out stamped
   in a frame 0.5-1.1 m away.
7. The jerk refusal's "at most ... at this rate" / "stream_rate_hz at most ..." values are
   rounded to nearest (.4g): set as advised, they are refused again.
"""

import math
import re

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
import planner_harness  # noqa: E402
from planner_harness import checkpoint, harness  # noqa: E402, F401

from vjepa_ros.robot.base_frame import joint_states_frame_problem, learned_base_frame  # noqa: E402
from vjepa_ros.robot.control_config import ControlConfig  # noqa: E402
from vjepa_ros.robot.joint_guard import JointLimitGuard  # noqa: E402
from vjepa_ros.robot.kinematics import FrankaKinematics, RobotConfig  # noqa: E402
from vjepa_ros.robot.planner_config import PlannerNodeConfig  # noqa: E402
from vjepa_ros.robot.safety import SafetyLimits, filter_target  # noqa: E402
from vjepa_ros.robot.state_ranges import FR3_JOINT_LIMITS, PANDA_JOINT_LIMITS  # noqa: E402
from vjepa_ros.robot.stream_jerk import stream_jerk_problem  # noqa: E402
from vjepa_ros.robot.targets import SetpointStreamer  # noqa: E402

HOME = np.array([0.0, -math.pi / 4, 0.0, -3 * math.pi / 4, 0.0, math.pi / 2, math.pi / 4])
MARGIN = SafetyLimits().joint_limit_margin_rad
# a box as wide as the parameters allow (each coordinate within ±1.5 m)
WIDE = SafetyLimits(workspace_min=[-1.2, -1.2, -0.4], workspace_max=[1.2, 1.2, 1.4])


def _kept(h, joints, index):
    """Joint ``index`` [rad] the planner kept for the state of arm ``joints`` (None: none kept)."""
    kept = h.planner.accepted_joints.joints_for(h.planner.kinematics.state(np.array(joints), 0.0))
    return None if kept is None else kept[index]


def _guard(model="panda"):
    return JointLimitGuard(FrankaKinematics(RobotConfig(model=model)), MARGIN)


# --- 1. the arm's limits, not robot.model's -------------------------------------------------

@pytest.mark.parametrize("model, arm, joint, start, end", [
    # an FR3 under the default model: joint 6 from 0.80 to 0.60, 0.056 from the FR3's 0.5445
    ("panda", "fr3", 6, 0.80, 0.60),
    # a Panda under model fr3: joint 7 from 2.70 to 2.86, 0.037 from the Panda's 2.8973
    ("fr3", "panda", 7, 2.70, 2.86),
])
def test_the_guard_keeps_the_arm_its_joint_names_identify_clear_of_its_limits(
        harness, monkeypatch, model, arm, joint, start, end):  # noqa: F811
    monkeypatch.setattr(planner_harness, "JOINTS", [f"{arm}_joint{i}" for i in range(1, 8)]
                        + [f"{arm}_finger_joint1", f"{arm}_finger_joint2"])
    joints = HOME.copy()
    joints[1], joints[3] = 0.1, -2.0  # the hand inside the default box with joint 6 bent
    joints[joint - 1] = start
    moved = joints.copy()
    moved[joint - 1] = end
    h = harness(**{"robot.model": model})
    assert h.pump(2.0, until=lambda: _kept(h, joints, joint - 1) == start,
                  joints=list(joints))
    assert h.planner.joints.prefix == f"{arm}_"
    kinematics = h.planner.kinematics
    state, target = kinematics.state(joints, 0.0), kinematics.state(moved, 0.0)
    decision = h.session.joint_guard(state, filter_target(state, target,
                                                          h.planner.config.safety))
    assert f"joint {joint} would come within" in decision.reason, decision.reason
    limits = {"panda": PANDA_JOINT_LIMITS, "fr3": FR3_JOINT_LIMITS}[arm][joint - 1]
    assert any(f"{limit:+.4f}" in decision.reason for limit in limits), decision.reason


# --- 2. the camera check's motions -----------------------------------------------------------

# the wrist 0.135 rad from the Panda's 2.8973, the hand down in the default box at
# (0.450, 0.259, 0.290): a +y translation of 4 cm turns joint 7 into the margin
WRIST_NEAR = np.array([0.3646, -0.1006, 0.1546, -2.3241, 0.0338, 2.3488, 2.7621])


def test_the_camera_checks_motions_are_checked_against_the_joint_limits(one_thread):
    from test_robot_camera_check_live import NO_TRIAL, IdealArm

    from vjepa_ros.robot.camera_check_motions import CheckMotionConfig

    guard = _guard()
    start = guard.kinematics.state(WRIST_NEAR, 0.0)
    arm = IdealArm(start=start)
    arm.session.joint_guard = lambda current, decision: guard.check(WRIST_NEAR, current,
                                                                    decision)
    # the planner's own step from here is shortened: the guard is on
    toward = start.copy()
    toward[1] += 0.04
    planned = arm.session.joint_guard(start, filter_target(start, toward, arm.session.limits))
    assert "joint 7 would come within" in planned.reason
    arm.session.set_enabled(True)
    config = CheckMotionConfig(distance_m=0.04, corners=False)
    try:
        run = arm.session.start_camera_check(config, None, NO_TRIAL)
    except ValueError as refused:  # refused before anything moves: fine, if it says why
        assert "joint 7" in str(refused)
        return
    arm.run(run)
    out_moves = [c for c in run.commands if np.linalg.norm(c[:3] - start[:3]) > 1e-6]
    rooms = [np.minimum(path - guard.lower, guard.upper - path).min()
             for path in (guard.predict(WRIST_NEAR, c)[-1] for c in out_moves)]
    assert min(rooms) >= MARGIN - 1e-3 or "joint 7" in (run.error or ""), (rooms, run.error)


# --- 3. a command that does not move the arm -------------------------------------------------

# postures in the default box with one joint inside the margin (all within the Panda's limits)
IN_MARGIN = [
    [0.0, -math.pi / 4, 0.0, -3 * math.pi / 4, 0.0, math.pi / 2, 2.85],  # the wrist, 0.047
    [-0.594, 0.007, 0.298, -1.942, 0.746, 0.066, 1.446],  # joint 6, 0.084 from -0.0175
    [-0.366, 0.005, 0.555, -1.936, -0.459, 0.045, 0.701],  # joint 6, 0.063
    [0.059, -0.296, 0.112, -2.961, -2.841, 1.966, 0.889],  # joint 5, 0.056 from -2.8973
    [-0.249, -0.005, 0.148, -2.849, -2.847, 1.463, 0.118],  # joint 5, 0.050
]


def test_a_command_that_keeps_the_arms_pose_is_never_refused_or_clipped_by_the_guard():
    """A gripper-only command with a joint inside the margin goes out as planned.

    Input: a joint inside the margin; the target is the measured pose itself, the gripper
    closed (a grasp's close), or the pose 1e-7 m off. Happened: refused ("step refused; a plan
    turning it back is taken": a hold, the hand never closes) or clipped "step shortened to
    88%" naming a joint "at +2.850, predicted +2.850". Should: the pose as planned, no clip.
    """
    guard = _guard()
    wrong = []
    for joints in IN_MARGIN:
        joints = np.array(joints)
        state = guard.kinematics.state(joints, 0.0)
        for offset in (0.0, 1e-7):
            target = state.copy()
            target[0] += offset
            target[6] = 1.0
            decision = guard.check(joints, state, filter_target(state, target, SafetyLimits()))
            if not decision.accepted or decision.reason \
                    or not np.allclose(decision.target, target, atol=1e-12):
                wrong.append((joints[np.argmin(np.minimum(joints - guard.lower,
                                                          guard.upper - joints))],
                              decision.reason[-60:]))
    assert not wrong, wrong


# --- 4. a prediction that does not reach the target -----------------------------------------

# the arm pointing up, the elbow 0.23 rad from straight (joint 4's limit -0.0698), in WIDE
UPRIGHT = np.array([0.512909, -0.223887, -0.582352, -0.30329, 0.577434, 2.119449, 0.363915])
UPRIGHT_TARGET = np.array([0.153157, -0.045071, 1.190643, 0.569245, -0.759588, 2.982725, 0.0])


def _simulated_joints(kinematics, joints, target, limits, seconds=1.5):
    """Return the joints [T, 7] of an arm following ``target`` as the simulator would.

    The set-point stream at 240 Hz, the sim's Cartesian controller (its default gains, damping
    and null space) without its joint clamp, from ``joints`` [7].
    """
    from vjepa_ros.sim.config import ControllerConfig
    from vjepa_ros.sim.controller import CartesianController
    from vjepa_ros.sim.panda import READY_JOINTS

    dt = 1.0 / 240.0
    controller = CartesianController(ControllerConfig(), READY_JOINTS)
    controller.lower, controller.upper = np.full(7, -np.inf), np.full(7, np.inf)
    state = kinematics.state(joints, 0.0)
    streamer = SetpointStreamer(limits)
    streamer.reset(state)
    streamer.set_target(target, anchor=state, purpose="goal")
    q, path = np.array(joints, dtype=np.float64), [np.array(joints, dtype=np.float64)]
    for _ in range(int(seconds / dt) + int(5 / dt)):
        setpoint = streamer.step(dt)
        probes = kinematics.tool_pose(q + np.vstack([np.zeros(7), np.eye(7) * 1e-6]))
        turns = Rotation.from_matrix(probes[:, :3, :3])
        jacobian = np.vstack([((probes[1:, :3, 3] - probes[0, :3, 3]) / 1e-6).T,
                              ((turns[1:] * turns[0].inv()).as_rotvec() / 1e-6).T])
        goal = Rotation.from_euler("xyz", setpoint[3:6]).as_matrix()
        q = controller.command(q, probes[0, :3, 3], probes[0, :3, :3], jacobian,
                               setpoint[:3], goal, dt).positions
        path.append(q)
        if streamer.arrived() and len(path) > seconds / dt:
            break
    return np.array(path)


def test_a_step_the_guard_passes_keeps_the_simulated_arm_inside_its_joint_limits():
    guard = _guard()
    state = guard.kinematics.state(UPRIGHT, 0.0)
    decision = guard.check(UPRIGHT, state, filter_target(state, UPRIGHT_TARGET, WIDE))
    if not decision.accepted:
        return  # refused: nothing moves
    path = _simulated_joints(guard.kinematics, UPRIGHT, decision.target, WIDE)
    room = np.minimum(path - guard.lower, guard.upper - path).min(axis=0)
    assert room.min() >= 0.0, (room, decision.reason)


# --- 5. the FR3's Cartesian acceleration limits ---------------------------------------------

def _streamed_accelerations(limits: SafetyLimits, rate_hz: float) -> tuple[float, float]:
    """Return the largest set-point acceleration [m/s², rad/s²] of a turning target.

    The target turns round every 20 ticks (0.05 m and 0.3 rad); finite differences of the
    published poses.
    """
    start = np.array([0.5, 0.0, 0.4, np.pi, 0.0, 0.0, 0.0])
    swing = np.array([0.05, 0.0, 0.0, 0.0, 0.0, 0.3, 0.0])
    targets = [filter_target(start, start + swing * (-1.0) ** (tick // 20), limits).target
               for tick in range(400)]
    streamer, dt = SetpointStreamer(limits), 1.0 / rate_hz
    streamer.reset(start)
    poses = [start]
    for target in targets:
        streamer.set_target(target, anchor=start, purpose="goal")
        poses.append(streamer.step(dt))
    poses = np.array(poses)
    accel = np.diff(poses[:, :3], n=2, axis=0) / dt ** 2
    turns = Rotation.from_euler("xyz", poses[:, 3:6])
    spin = np.diff((turns[1:] * turns[:-1].inv()).as_rotvec(), axis=0) / dt ** 2
    return float(np.linalg.norm(accel, axis=1).max()), float(np.linalg.norm(spin, axis=1).max())


# FR3: 9 m/s², 17 rad/s² (Franka's "Limits for Franka Research 3"; libfranka's FR3 rate_limiting.h)
FR3_CARTESIAN_ACCEL = (9.0, 17.0)


@pytest.mark.parametrize("accel, angular_accel", [(10.0, 2.0), (0.5, 25.0), (0.5, 20.0)])
def test_fr3_settings_keep_the_set_point_within_its_cartesian_acceleration_limits(
        accel, angular_accel):
    limits = SafetyLimits(max_speed_m_s=1.0, max_accel_m_s2=accel, max_angular_speed_rad_s=2.5,
                          max_angular_accel_rad_s2=angular_accel)
    try:
        PlannerNodeConfig(robot=RobotConfig(model="fr3"), control=ControlConfig(), safety=limits)
    except ValueError as refused:  # refused at start: fine, naming the parameter
        assert "safety.max_" in str(refused) and "\n" not in str(refused)
        return
    linear, angular = _streamed_accelerations(limits, ControlConfig().stream_rate_hz)
    assert linear <= FR3_CARTESIAN_ACCEL[0] and angular <= FR3_CARTESIAN_ACCEL[1], \
        (linear, angular)


# --- 6. ``base`` for a prefixed arm ----------------------------------------------------------

@pytest.mark.parametrize("prefix", ["left_fr3_", "right_fr3_", "panda_1_", "robot1/panda_"])
def test_base_is_refused_for_an_arm_of_a_multi_arm_description(prefix):
    given = joint_states_frame_problem(RobotConfig(base_frame="base", joint_prefix=prefix))
    _, learned = learned_base_frame(RobotConfig(base_frame="base"), prefix)
    for problem in (given, learned):
        assert problem.startswith("robot.base_frame 'base'") and "\n" not in problem
        assert f"{prefix}link0" in problem


# --- 7. the jerk refusal's advice ------------------------------------------------------------

@pytest.mark.parametrize("model, rate, accel", [
    ("panda", 1000.0, 10.0), ("fr3", 1000.0, 10.0), ("panda", 1000.0, 5.0), ("fr3", 1000.0, 5.0),
    ("panda", 500.0, 9.9), ("panda", 999.9, 3.3), ("fr3", 999.9, 3.3),
])
def test_the_values_the_jerk_refusal_advises_are_accepted(model, rate, accel):
    problem = stream_jerk_problem(rate, accel, 2.0, model)
    assert problem
    largest = float(re.search(r"at most ([0-9.e+]+) m/s² at this rate", problem).group(1))
    fastest = float(re.search(r"stream_rate_hz at most ([0-9.e+]+) Hz", problem).group(1))
    assert stream_jerk_problem(rate, largest, 2.0, model) == "", (largest, problem)
    assert stream_jerk_problem(fastest, accel, 2.0, model) == "", (fastest, problem)

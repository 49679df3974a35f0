"""breaker54g: the limits between a plan and the arm, as parameter sets and frames give them.

1. The set-point stream bounds speed and acceleration but not jerk: at a stream rate and
   accelerations inside their declared ranges (control.stream_rate_hz 1000, safety.max_accel_m_s2
   10, safety.max_angular_accel_rad_s2 25) a target that turns round makes the set-point's
   jerk 20000 m/s³ and 50000 rad/s³, 3-4x Franka's published Cartesian limits (6500 m/s³,
   12500 rad/s³; "Robot and interface specifications", a necessary condition of a Cartesian
   motion: violated, the motion is aborted). The set is accepted at start without a word.
2. ``robot.base_frame`` names the frame of every state, of the workspace box and of
   ``target_pose``; with ``robot.state_source: joint_states`` the states are forward kinematics
   from ``<prefix>link0``, whatever the parameter says. A base frame other than the arm's link0
   (``world``, a table frame) is accepted without a word: ``target_pose`` then goes out stamped
   ``world`` carrying link0 coordinates, and a consumer that transforms by its frame (MoveIt
   Servo, a TF-aware controller) moves the arm by the mount's offset, outside the box.

Fixed (fix54g): 1. such a set is refused at start naming control.stream_rate_hz, the limit and
the largest value accepted (robot/stream_jerk.py; test_stream_jerk.py: the family). 2. refused
at start naming robot.base_frame (base_frame.joint_states_frame_problem); the learned-prefix path
in test_base_frame_joint_states.py and test_ros_planner_arm_checks.py.
"""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from vjepa_ros.nodes.planner_settings import check_planner_settings
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.idle_parameters import idle_parameter_warnings
from vjepa_ros.robot.kinematics import RobotConfig
from vjepa_ros.robot.planner_config import PlannerNodeConfig
from vjepa_ros.robot.safety import SafetyLimits, filter_target
from vjepa_ros.robot.targets import SetpointStreamer

# Franka's Cartesian jerk limits (frankaemika docs, control_parameters "Limits in the Cartesian
# space", Panda; the FR3's are lower still): translation [m/s³], rotation [rad/s³]
FRANKA_TRANSLATIONAL_JERK = 6500.0
FRANKA_ROTATIONAL_JERK = 12500.0

START = np.array([0.5, 0.0, 0.4, np.pi, 0.0, 0.0, 0.0])


def _accepted(build) -> bool:
    """Whether the planner node would start with the settings ``build()`` makes."""
    try:
        build()
    except ValueError:
        return False
    return True


def _stream_jerks(limits: SafetyLimits, rate_hz: float) -> tuple[float, float]:
    """Run the set-point toward a target that turns round every 20 ticks; max jerks.

    Returns the largest translational [m/s³] and rotational [rad/s³] jerk of the set-points,
    by finite differences of the positions and orientations the stream publishes.
    """
    dt = 1.0 / rate_hz
    streamer = SetpointStreamer(limits)
    streamer.reset(START)
    poses = [streamer.setpoint.copy()]
    for tick in range(400):
        sign = 1.0 if (tick // 20) % 2 == 0 else -1.0
        target = START.copy()
        target[0] += 0.05 * sign
        target[5] += 0.3 * sign
        decision = filter_target(START, target, limits)
        streamer.set_target(decision.target, anchor=START, purpose="goal")
        poses.append(streamer.step(dt))
    poses = np.array(poses)
    velocity = np.diff(poses[:, :3], axis=0) / dt
    jerk = np.diff(velocity, n=2, axis=0) / dt**2
    turns = Rotation.from_euler("xyz", poses[:, 3:6])
    spin = (turns[1:] * turns[:-1].inv()).as_rotvec() / dt
    spin_jerk = np.diff(spin, n=2, axis=0) / dt**2
    return float(np.linalg.norm(jerk, axis=1).max()), float(np.linalg.norm(spin_jerk,
                                                                           axis=1).max())


@pytest.mark.parametrize("accel, angular_accel", [(10.0, 2.0), (0.5, 25.0), (10.0, 25.0)])
def test_accepted_limits_keep_the_set_point_within_frankas_jerk_limits(accel, angular_accel):
    limits = SafetyLimits(max_speed_m_s=1.0, max_accel_m_s2=accel, max_angular_speed_rad_s=2.5,
                          max_angular_accel_rad_s2=angular_accel)
    control = ControlConfig(stream_rate_hz=1000.0)
    if not _accepted(lambda: PlannerNodeConfig(safety=limits, control=control)):
        return  # refused at start (naming the parameters): the right answer too
    jerk, spin_jerk = _stream_jerks(limits, control.stream_rate_hz)
    assert jerk <= FRANKA_TRANSLATIONAL_JERK and spin_jerk <= FRANKA_ROTATIONAL_JERK, (
        f"set-point jerk {jerk:.0f} m/s³, {spin_jerk:.0f} rad/s³ (Franka: "
        f"{FRANKA_TRANSLATIONAL_JERK:g}, {FRANKA_ROTATIONAL_JERK:g})")


def test_default_limits_keep_the_set_point_within_frankas_jerk_limits_at_1khz():
    # the neighbour that holds: the defaults' accelerations are low enough at any stream rate
    jerk, spin_jerk = _stream_jerks(SafetyLimits(), 1000.0)
    assert jerk <= FRANKA_TRANSLATIONAL_JERK and spin_jerk <= FRANKA_ROTATIONAL_JERK


def _base_frame_said(cfg: PlannerNodeConfig) -> bool:
    """Whether the planner node refuses ``cfg`` or warns at start naming robot.base_frame."""
    try:
        check_planner_settings(cfg, "vjepa_planner")
    except ValueError as exc:
        return "robot.base_frame" in str(exc)
    warnings = cfg.startup_warnings() + idle_parameter_warnings(cfg)
    return any("robot.base_frame" in line for line in warnings)


@pytest.mark.parametrize("robot", [
    RobotConfig(base_frame="world"),
    RobotConfig(base_frame="table", model="fr3"),
    RobotConfig(base_frame="panda_link0", joint_prefix="left_fr3_"),
])
def test_a_base_frame_forward_kinematics_is_not_in_is_refused_or_named(robot):
    cfg = PlannerNodeConfig(robot=robot)
    cfg.model.checkpoint = "demo"
    assert _base_frame_said(cfg), (
        f"robot.base_frame {robot.base_frame!r} with forward kinematics from "
        f"{robot.joint_prefix or robot.model + '_'}link0: accepted without a word")


@pytest.mark.parametrize("robot", [RobotConfig(), RobotConfig(model="fr3"),
                                   RobotConfig(base_frame="fr3_link0", model="fr3"),
                                   RobotConfig(base_frame="world", state_source="pose")])
def test_a_base_frame_the_states_are_in_is_accepted_quietly(robot):
    # the neighbours a fix must keep: link0 under joint_states, any frame under pose (there
    # the current_pose messages' frame_id is checked against it)
    cfg = PlannerNodeConfig(robot=robot)
    cfg.model.checkpoint = "demo"
    assert not _base_frame_said(cfg)

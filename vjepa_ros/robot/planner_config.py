"""Parameters of the ``vjepa_planner`` node as typed dataclasses (no rclpy here).

``config/planner.yaml`` holds the same names and defaults; ``ros2 param describe`` shows the
descriptions. The groups live in their own modules: ``model.*`` in ``robot/model_params.py``,
``planner.*`` (the search) in ``robot/cem_params.py``; here the camera check's group, the
node's whole config with its checks across groups, and the node's names for its settings.
"""

from __future__ import annotations

import dataclasses
import re

from vjepa_ros.config import check_values, group, param
from vjepa_ros.eval.camera_check_thresholds import CheckThresholds
from vjepa_ros.planning.config import frozen_mean_warning, horizon_warning
from vjepa_ros.robot.camera_check_limits import settings_problem
from vjepa_ros.robot.camera_check_motions import CheckMotionConfig, motion_directions
from vjepa_ros.robot.camera_check_trial import CheckTrialConfig, leash_problem
from vjepa_ros.robot.cem_params import CEMParams
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig
from vjepa_ros.robot.kinematics import RobotConfig
from vjepa_ros.robot.model_params import ModelParams
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.stream_jerk import stream_accel_problem, stream_jerk_problem

IMAGE_TRANSPORTS = ("raw", "compressed")


@dataclasses.dataclass
class CameraCheckParams:
    """The live camera check (``~/camera_check``): its motions, verdict and output."""

    motion: CheckMotionConfig = group(CheckMotionConfig)
    verdict: CheckThresholds = group(CheckThresholds)
    trial: CheckTrialConfig = group(CheckTrialConfig)
    output_dir: str = param(
        "", "Where ~/camera_check writes camera_check.json, camera_check.png and "
        "planner_camera_check.yaml (this node's parameters with the correction); empty: "
        "$ROS_HOME/camera_check (~/.ros/camera_check when ROS_HOME is unset or empty)."
    )

    def __post_init__(self):
        """Refuse verdict thresholds the check's own motions cannot meet (before the arm moves).

        Raises ValueError naming both parameters: ``verdict.min_motion_m`` not below
        ``motion.distance_m`` (no motion would count) or ``verdict.min_motions`` above the number
        of motions the check makes (6; 18 with ``motion.diagonals``, 14 with ``motion.corners``,
        26 with both).
        """
        motion, verdict = self.motion, self.verdict
        if not verdict.min_motion_m < motion.distance_m:
            raise ValueError(
                f"camera_check.verdict.min_motion_m ({verdict.min_motion_m:g} m) must be below "
                f"camera_check.motion.distance_m ({motion.distance_m:g} m): no motion of the "
                "check would count; lower the one or raise the other")
        made = len(motion_directions(motion.diagonals, motion.corners))
        if verdict.min_motions > made:
            raise ValueError(
                f"camera_check.verdict.min_motions ({verdict.min_motions}) exceeds the "
                f"{made} motions the check makes (camera_check.motion.diagonals "
                f"{str(motion.diagonals).lower()}, corners {str(motion.corners).lower()}); "
                "lower it or turn the diagonals or corners on")


@dataclasses.dataclass
class PlannerNodeConfig:
    model: ModelParams = group(ModelParams)
    planner: CEMParams = group(CEMParams)
    robot: RobotConfig = group(RobotConfig)
    control: ControlConfig = group(ControlConfig)
    safety: SafetyLimits = group(SafetyLimits)
    goals: GoalSwitchConfig = group(GoalSwitchConfig)
    camera_check: CameraCheckParams = group(CameraCheckParams)
    image_transport: str = param(
        "raw", "Type on the 'image' topic: raw (sensor_msgs/Image) or compressed "
        "(sensor_msgs/CompressedImage, JPEG/PNG; remap image to .../image_raw/compressed)."
    )
    goal_image_path: str = param(
        "", "Goal image file (an absolute path: a relative one is the node's working "
        "directory's; or a file:// URI, or a package:// URL of an installed package's share "
        "folder), 32..8192 px a side, long side at most 4x the short one (a truncated or "
        "smaller file is refused); settable at run time (ros2 param set), not while "
        "goal_image_paths holds files. Empty: no file goal (emptying it clears the goal it set)."
    )
    goal_image_paths: list[str] = param(
        [], "Sub-goal image files in order (e.g. pick-and-place), each as goal_image_path; "
        "settable at run time, not while goal_image_path holds a file (set it to '' first); an "
        "empty entry is refused; [] clears the goal they set."
    )
    goal_steps: list[int] = param(
        [], "Executed steps per sub-goal before switching to the next (one per path; for a goal "
        "from ~/capture_goal, ~/add_subgoal or ~/goal_image, one per sub-goal; 0 = no limit, "
        "last one only). Empty: goals.default_steps (a single goal: no limit)."
    )
    goal_gripper: list[float] = param(
        [], "Gripper closedness (0 open .. 1 closed) at each goal image file, one per path, for "
        "goals.gripper subgoal (captured sub-goals carry their own; given, one per sub-goal, it "
        "replaces theirs). Empty: not known (captured: as measured)."
    )

    def __post_init__(self):
        if self.image_transport not in IMAGE_TRANSPORTS:
            raise ValueError(
                f"image_transport must be one of {IMAGE_TRANSPORTS}, got {self.image_transport!r}"
            )
        self.planner.check_cem()  # validate the CEM settings at start-up
        check_values(self)  # each value's range and frame id alone, then the checks across them
        trial, step = self.camera_check.trial, self.safety.max_step_m
        if trial.offset_m > step:
            raise ValueError(
                f"camera_check.trial.offset_m ({trial.offset_m:g} m) must be at most "
                f"safety.max_step_m ({step:g} m): the move to each trial's starting pose is one "
                "step; lower the one or raise the other")
        problem = (settings_problem(self.camera_check.motion, self.safety,
                                    self.control.arrival_tolerance_m, trial,
                                    self.control.arrival_tolerance_rad)
                   or leash_problem(trial, self.safety))
        if problem:
            raise ValueError(problem)
        problem = stream_accel_problem(self.safety.max_accel_m_s2,
                                       self.safety.max_angular_accel_rad_s2, self.robot.model) \
            or stream_jerk_problem(self.control.stream_rate_hz, self.safety.max_accel_m_s2,
                                   self.safety.max_angular_accel_rad_s2, self.robot.model)
        if problem:
            raise ValueError(problem)

    def startup_warnings(self) -> list[str]:
        """Return the warnings the node logs once at start-up (settings known to misbehave).

        A ``planner.momentum_mean`` / ``_gripper`` of 1 under a method that reads it (that part
        of the search mean never moves: ``planning.config.frozen_mean_warning``'s line, the
        node's one saying of it, advising a momentum below 1). Also a
        ``control.model_frame_rpy_deg`` that looks typed in radians (``model_frame_units.
        radians_words``; past ``camera_check.verdict.fine_deg`` or ``control.model_frame_check_
        rpy_deg``'s angles: a check's correction, not said).
        """
        from vjepa_ros.robot.model_frame_units import radians_words

        cem = self.planner.to_cem()
        frozen = frozen_mean_warning(cem, fixed_axes=False)  # no parameter holds fixed_axes
        return [text for text in (horizon_warning(cem),
                                  frozen and parameter_message(str(frozen)), radians_words(
            self.control.model_frame_rpy_deg, self.camera_check.verdict.fine_deg,
            checked_rpy_deg=self.control.model_frame_check_rpy_deg)) if text]


GOAL_PARAMETERS = ("goal_image_path", "goal_image_paths", "goal_steps", "goal_gripper")


def parameter_message(message: str) -> str:
    """Return ``message`` naming the node's parameters instead of the planning settings.

    ``CEMConfig.samples`` -> ``planner.samples``, ``icem.noise_beta`` ->
    ``planner.icem.noise_beta`` (the planning package's own names for the ``planner.*`` group).
    """
    return re.sub(r"(?<![\w.])(?:CEMConfig\.|(?=(?:icem|mppi|refine)\.\w))", "planner.",
                  message)

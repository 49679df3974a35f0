"""Settings of the control loop (``control.*`` parameters of the planner node)."""

from __future__ import annotations

import dataclasses

import numpy as np

from vjepa_ros.config import check_values, param
from vjepa_ros.robot.arrival import DEFAULT_TOLERANCE_RAD
from vjepa_ros.robot.joint_states import (
    FRANKA_HAND_MAX_FORCE,
    FRANKA_HAND_PEAK_FORCE,
    PEAK_FORCE_WHY,
)

MODES = ("blocking", "continuous", "async")
# [deg] largest |angle| of control.model_frame_rpy_deg: one full turn (the camera check writes
# angles in [-180, 180])
MAX_MODEL_FRAME_DEG = 360.0
# [closedness] the measured hand is "at" a closedness (or "has not moved") within
# max(control.gripper_deadband, this): a finger sensor reads +-0.02 (breaker51k), and 0.05 is
# about 2 mm of a Franka hand's 80 mm width; gripper_deadband is the command's rule (0: send
# every change), never below the sensor's noise for a measurement (ControlConfig.hand_tolerance)
HAND_TOLERANCE_FLOOR = 0.05


@dataclasses.dataclass
class ControlConfig:
    mode: str = param(
        "blocking",
        "blocking: plan on a fresh frame, move, wait for arrival (or timeout), observe again (as "
        "the paper); continuous: replan on the newest frame while the last command executes "
        "(under `goals.gripper` subgoal a gripper change for the next sub-goal waits for the "
        "arrival of the command that ended the one before; under any `goals.gripper` but "
        "hold, a plan that changes the hand goes out only with the arm within "
        "`control.async_tolerance_m` / `_rad` of the start it was planned from, else it is "
        "discarded and the next frame planned on); async: while a step executes, "
        "plan the next one from its predicted end (state ⊕ action "
        "and the predictor's imagined frame) and command it on arrival.",
    )
    stream_rate_hz: float = param(
        100.0, "Rate of the interpolated set-points sent to the controller [Hz].",
        range=(1, 1000)
    )
    arrival_tolerance_m: float = param(
        0.01, "blocking, async, continuous's gripper change for the next sub-goal, every mode's "
        "finished run: the arm has arrived when the measured TCP is this close to the target "
        "[m] and its orientation turned from the target's by at most "
        "`control.arrival_tolerance_rad`.",
        range=(0, 0.1), low_open=True
    )
    arrival_tolerance_rad: float = param(
        DEFAULT_TOLERANCE_RAD, "Arrival's orientation tolerance (see "
        "`control.arrival_tolerance_m`): the measured TCP orientation turned from the target's "
        "by at most this [rad]. Default: the turn that moves the hand's far edge (0.11 m from "
        "the TCP) by 0.01 m. A compliant wrist that settles further off than this waits "
        "`control.arrival_timeout_s` every step: raise it (a tighter arrival_tolerance_m no "
        "longer tightens it).",
        range=(0, 1), low_open=True
    )
    arrival_timeout_s: float = param(
        10.0, "blocking, async: stop waiting for arrival this long after the set-point came to "
        "rest on the target and observe again (continuous: the gripper change for the next "
        "sub-goal stops waiting; every mode: a finished run's hold) [s]. Streamed time: the "
        "set-point's travel (long at a low `safety.max_speed_m_s`) and a stalled node do not "
        "count.",
        range=(0, 300), low_open=True
    )
    settle_s: float = param(
        0.2, "blocking, async: only frames taken this long after arrival count as fresh [s] "
        "(taken: a frame's stamp moved onto the node clock by its clock's measured lead, never "
        "after its receipt); "
        "every mode: above 1 s, the span of robot states over which the hand counts as still "
        "moving toward its command.",
        range=(0, 10)
    )
    async_tolerance_m: float = param(
        0.02, "async: discard the plan prepared from the predicted start when the measured TCP "
        "on arrival is farther than this from that start [m]; then plan on a fresh frame. "
        "continuous: a plan that changes the hand goes out only within it of its start; every "
        "mode: a resend that opens the hand goes out only within it of where the change first "
        "went out.",
        range=(0, 0.1), low_open=True
    )
    async_tolerance_rad: float = param(
        0.1, "async: discard the plan prepared from the predicted start when the measured TCP "
        "orientation on arrival is turned farther than this from that start's [rad]; then plan "
        "on a fresh frame. continuous's hand changes and every mode's resends that open the "
        "hand: as `control.async_tolerance_m`, for the orientation.",
        range=(0, 1), low_open=True
    )
    async_blend_m: float = param(
        0.01, "async: command the prepared plan once the set-point is this close to the running "
        "target [m] (a blend radius: the arm turns toward the next target instead of stopping), "
        "if the measured TCP tracks the set-point within async_tolerance_m and "
        "async_tolerance_rad and is within them of the running target, and the plan keeps the "
        "hand (one that changes it waits for arrival); 0: wait for arrival. "
        "Default: v²/2a at the default speed and acceleration (1 cm), about where the "
        "set-point begins to brake (it brakes 20 % below the limit: from 1.25 cm).",
        range=(0, 0.1)
    )
    publish_twist: bool = param(
        False, "Also publish the set-point velocity on servo_twist (MoveIt Servo)."
    )
    gripper_deadband: float = param(
        0.1, "Send a gripper command only when the planned closedness changes more than this "
        "(from the last command and, with `goals.gripper: planned`, from the hand the plan "
        "started from); the measured hand is at its command (or still) within max(this, "
        "0.05), 0.05 (~2 mm of finger width) being above a finger sensor's noise.",
        range=(0, 1)
    )
    gripper_action: str = param(
        "", "control_msgs/GripperCommand action server for gripper goals (e.g. "
        "/franka_gripper/gripper_action); empty: off. Used only when control_msgs is installed."
    )
    gripper_max_effort: float = param(
        20.0, "max_effort of GripperCommand goals [N]: franka_gripper's grasp force when closing "
        "(0 would grasp with no force); the Franka Hand grasps with at most "
        f"{FRANKA_HAND_PEAK_FORCE:g} as a short peak, {FRANKA_HAND_MAX_FORCE:g} continuously "
        f"(datasheet); the simulator presses with at most {FRANKA_HAND_MAX_FORCE:g}.",
        range=(0, FRANKA_HAND_PEAK_FORCE), low_open=True,
        high_why=PEAK_FORCE_WHY)
    gripper_result_timeout_s: float = param(
        10.0, "Warn when a GripperCommand goal has no answer this long [s]: not accepted this "
        "long after it was sent, or no result this long after the server accepted it (the "
        "gripper driver hung or died); one warning per outage, a line with the count of goals "
        "unanswered when it answers again; 0: off.",
        range=(0, 3600))
    gripper_goal_tolerance_m: float = param(
        0.01, "A GripperCommand result that says it reached its goal (SUCCEEDED, reached_goal, "
        "not stalled) with its position this far from the goal's or farther [m, one finger] did "
        "not: a failure, sent again. Set it to the gripper server's own tolerance: "
        "ros2_controllers' gripper_action_controller `goal_tolerance` (0.01 by default; a "
        "larger one otherwise has each goal it calls reached sent again); franka_gripper's "
        "grasp succeeds within 2.5 mm.",
        range=(0, 0.04), low_open=True)
    model_frame_rpy_deg: list[float] = param(
        [0.0, 0.0, 0.0], "Rotation base frame -> the frame the world model predicts motion in, as "
        "extrinsic xyz Euler angles [deg] (degrees, not radians: roll, pitch, yaw), from the "
        "camera check (vjepa-ros camera-check, ~/camera_check). Plans are searched in the "
        "model's frame and commanded in the base frame. Each in [-360, 360]. [0, 0, 0]: no "
        "correction."
    )
    model_frame_check_rpy_deg: list[float] = param(
        [0.0, 0.0, 0.0], "The control.model_frame_rpy_deg a camera check wrote [deg] (its "
        "parameter file sets both alike; a record, never applied). While the two are equal the "
        "planner does not say that the rotation looks typed in radians (the correction trial "
        "can write one below camera_check.verdict.fine_deg). [0, 0, 0]: none written."
    )

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"control.mode must be one of {MODES}, got {self.mode!r}")
        # the declared ranges (param's range=), 0 and NaN as above the top: one wording
        # (control.stream_rate_hz must lie in [1, 1000], got 0; user54u)
        check_values(self, "control.")
        model_frame_angles(self.model_frame_rpy_deg)  # 3 finite numbers, or a ValueError
        model_frame_angles(self.model_frame_check_rpy_deg, "control.model_frame_check_rpy_deg")

    @property
    def hand_tolerance(self) -> float:
        """Return the measured hand's tolerance (closedness, float in [0.05, 1]).

        The hand is at its command, or has not moved, within it: ``gripper_deadband``, never
        below :data:`HAND_TOLERANCE_FLOOR` (a measurement has noise; breaker51k: with a
        deadband of 0 a hand read to +-0.02 was never at its command, and async never prepared).
        """
        return max(self.gripper_deadband, HAND_TOLERANCE_FLOOR)


def model_frame_angles(rpy_deg, name: str = "control.model_frame_rpy_deg") -> np.ndarray:
    """Return ``control.model_frame_rpy_deg`` as float64 [3] (numpy only: checked at start-up).

    Raises ValueError naming the parameter (``name``: also
    ``control.model_frame_check_rpy_deg``) when it is not 3 finite numbers [deg] in
    [-:data:`MAX_MODEL_FRAME_DEG`, :data:`MAX_MODEL_FRAME_DEG`] (a larger angle is no rotation a
    camera check writes: a unit or typing mistake, 1e300 included).
    """
    try:
        angles = np.asarray(rpy_deg, dtype=np.float64).reshape(3)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be 3 numbers [deg] (roll, pitch, yaw), "
                         f"got {rpy_deg!r}") from None
    if not np.isfinite(angles).all():
        raise ValueError(f"{name} must be finite, got {angles.tolist()}")
    if (np.abs(angles) > MAX_MODEL_FRAME_DEG).any():
        raise ValueError(f"{name} must be 3 angles in [-{MAX_MODEL_FRAME_DEG:g}, "
                         f"{MAX_MODEL_FRAME_DEG:g}] deg (roll, pitch, yaw, as the camera check "
                         f"writes them), got {angles.tolist()}")
    return angles

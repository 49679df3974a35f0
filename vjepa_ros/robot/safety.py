"""The safety filter between the planner and the arm: a target is made safe, or refused.

:func:`filter_target` takes the measured end-effector state, the proposed absolute target and the
ages of the inputs, and returns either a safe target — finite, inside the workspace box, at most
``max_step_m`` and ``max_rotation_step_rad`` away from the measured pose, gripper in [0, 1] — or a
refusal with a readable reason. It never raises on bad numbers: NaN, inf and huge values are
refusals or get clipped, so nothing unsafe can come out of it. The box itself (where a position
lies against it, its refusal words) is :mod:`vjepa_ros.robot.workspace_box`.
"""

from __future__ import annotations

import dataclasses
import numbers

import numpy as np

from vjepa_ros.config import check_values, param
from vjepa_ros.robot.input_ages import input_problem
from vjepa_ros.robot.recorded_inputs import not_relays_problem
from vjepa_ros.robot.workspace_box import (
    BOX_TOLERANCE,
    OUTSIDE_BOX_ADVICE,
    box_problem,
    distance_outside_box,
    in_box,
    outside_box_problem,
)

MAX_WORKSPACE_TOLERANCE = 0.02  # [m] largest safety.workspace_tolerance_m
# A step this much longer than max_step_m is float rounding of a step of exactly max_step_m
# (start + d·axis − start ≠ d in floats), not a longer one: passed unchanged [m].
STEP_ROUNDING_M = 1e-9
# robot/targets.py (the set-point stream) and the camera check's move times use it.
# The slowing-down is planned at this share below the acceleration limit, so a tick shorter than
# the one before (a jittered timer: ±10 % on a loaded PC) still finds the velocity it needs within
# the limit and lands exactly, instead of passing the target by a fraction of a millimetre: a pass
# that a target on the reach surface (every long step the safety filter shortens) or on a wall of
# the box cannot allow, whose clamp then stops the set-point in one tick (breaker43g: 1.8x
# max_accel under ±10 % jitter).
BRAKING_MARGIN = 0.2


@dataclasses.dataclass
class SafetyLimits:
    workspace_min: list[float] = param(
        [0.25, -0.45, 0.05], "Lower corner xyz [m] of the box targets must stay in (base frame); "
        "each coordinate within ±1.5 m (a Franka's reach; centimetres are refused)."
    )
    workspace_max: list[float] = param(
        [0.80, 0.45, 0.70], "Upper corner xyz [m] of the box targets must stay in (base frame); "
        "each coordinate within ±1.5 m (a Franka's reach; centimetres are refused)."
    )
    workspace_tolerance_m: float = param(
        0.01, "A measured end effector up to this far [m] outside the workspace box (its "
        "distance to the box; below max_step_m) is still planned from (targets and set-points "
        "stay clamped inside): an arm tracking a set-point on the box's face overshoots by "
        "millimetres (a grasp near the floor); farther out -> hold. (0, 0.02].",
        range=(0, MAX_WORKSPACE_TOLERANCE), low_open=True,
        high_why="a measured pose farther outside the box is not tracking overshoot"
    )
    max_step_m: float = param(
        0.10, "Longest translation of one planned target from the measured pose [m]; longer "
        "steps are shortened. (0, 0.2], more than workspace_tolerance_m and than 1 mm.",
        range=(0, 0.2), low_open=True
    )
    max_rotation_step_rad: float = param(
        0.35, "Largest rotation of one planned target from the measured pose [rad]; larger "
        "ones are shortened.",
        range=(0, 1.0), low_open=True
    )
    max_speed_m_s: float = param(0.10, "Top speed of the streamed set-point [m/s].",
        range=(0, 1.0), low_open=True)
    max_accel_m_s2: float = param(
        0.5, "Largest change of set-point speed per second [m/s²] (no velocity jumps); "
        "2·this·control.stream_rate_hz (the jerk of an acceleration turning round in one tick) "
        "at most Franka's Cartesian jerk limit of robot.model (Panda 6500, FR3 4500 m/s³); "
        "1.01·this at most its acceleration limit (FR3 9 m/s²).",
        range=(0, 10.0), low_open=True
    )
    max_angular_speed_rad_s: float = param(0.5, "Top angular speed of the set-point [rad/s].",
        range=(0, 2.5), low_open=True)
    max_angular_accel_rad_s2: float = param(
        2.0, "Largest change of set-point angular speed per second [rad/s²]; "
        "2·this·control.stream_rate_hz at most Franka's Cartesian jerk limit of robot.model "
        "(Panda 12500, FR3 8500 rad/s³); 1.01·this at most its acceleration limit (Panda 25, "
        "FR3 17 rad/s²).",
        range=(0, 25.0), low_open=True
    )
    joint_limit_margin_rad: float = param(
        0.1, "With robot.state_source joint_states: a planned step whose predicted joints (damped "
        "least-squares steps through the forward kinematics' Jacobian) bring a joint within "
        "this of its limit (Franka's, of the arm the joint names name), or do not turn a joint "
        "already within it away, is shortened, the clip naming the joint, or refused where no "
        "part of it keeps clear (a wrist turned into its limit trips the arm's reflex) [rad]. "
        "Not checked with state_source pose.",
        range=(0, 0.5), low_open=True
    )
    max_image_age_s: float = param(
        0.5, "Newest camera frame older than this (node clock − header.stamp) → hold [s].",
        range=(0, 10.0), low_open=True
    )
    max_state_age_s: float = param(
        0.25, "Newest robot state older than this (node clock − header.stamp) → hold [s].",
        range=(0, 10.0), low_open=True
    )
    max_gripper_state_age_s: float = param(
        1.0, "No usable finger joint state for this long (steady clock since the last message on "
        "the gripper state topic) → the gripper's closedness counts as unknown and no planned "
        "gripper command is sent until finger states arrive again; the arm is still commanded "
        "[s].",
        range=(0, 60.0), low_open=True
    )
    take_unnamed_publishers: bool = param(
        False, "Take camera, robot state, finger and goal image messages from publishers whose "
        "node the ROS graph never names (a DDS bridge such as zenoh-bridge-dds, an app outside "
        "ROS): they "
        "cannot be checked for a bag player. On: taken once the publisher stayed unnamed for 2 s "
        "(held before, as a restarting bag player is for a moment). Off: their messages are "
        "dropped (a warning after 2 s names the topic)."
    )
    not_relays: list[str] = param(
        [], "Nodes never taken for relays of a bag player (node names, any namespace, or full "
        "names /ns/name): a node publishing an input that subscribes to a topic a player "
        "publishes holds commanding as a relay of the recording; list one that does not relay "
        "it (a bridge of another name, a node subscribing to the recorded topic for its own "
        "use). Bridges under their default node names (ros_bridge, ros1_bridge, "
        "rosbridge_websocket, zenoh_bridge_ros2dds, domain_bridge) are never relays. Empty: "
        "only those. Read at start: restart the planner to change it."
    )
    max_plan_age_s: float = param(
        30.0, "A plan whose camera frame is older than this when it would be commanded (node "
        "clock − when the frame was taken on it: its header.stamp less its clock's measured "
        "lead, never after its receipt; a stalled process, a "
        "slow planner) is discarded and the next plan starts from a fresh frame [s]. The "
        "published ViT-g planner takes about 16 s per step on a GPU; raise it for a slower one.",
        range=(0, 600.0), low_open=True
    )

    def __post_init__(self):
        """Refuse limits that bound nothing or the wrong way, in one line naming the parameter.

        Raises ValueError: a workspace corner that is not 3 finite numbers, lies beyond a
        Franka's reach (``box_problem``: a unit mistake) or not below the other corner; a limit
        that is no number (a bool too), or outside its declared range, 0, NaN and inf included
        (an int alike: ``max_step_m: -1`` would turn a step around), in one wording with the
        range for every value (``safety.joint_limit_margin_rad must lie in (0, 0.5], got 0.0``,
        as for 0.6: ``config.check_values``; user54u); a bad ``not_relays`` name.
        """
        lower = np.asarray(self.workspace_min, dtype=float)
        upper = np.asarray(self.workspace_max, dtype=float)
        if lower.shape != (3,) or upper.shape != (3,):
            raise ValueError("safety.workspace_min and safety.workspace_max need 3 numbers each")
        problem = box_problem(lower, upper)
        if problem:
            raise ValueError(problem)
        for f in dataclasses.fields(self):
            if f.type not in ("float", float):  # every limit: an int or numpy number alike
                continue
            value = getattr(self, f.name)
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
                raise ValueError(f"safety.{f.name} must be a number, got {value!r}")
            if "range" not in f.metadata:  # every limit declares one; a new one must too
                raise TypeError(f"safety.{f.name} declares no range")
        check_values(self, "safety.")  # the declared ranges (param's range=), before their use
        problem = not_relays_problem(self.not_relays)
        if problem:
            raise ValueError(problem)
        if max(self.workspace_tolerance_m, BOX_TOLERANCE) >= self.max_step_m:
            raise ValueError(
                f"safety.max_step_m ({self.max_step_m:g} m) must be more than "
                f"safety.workspace_tolerance_m ({self.workspace_tolerance_m:g} m, at least "
                f"{BOX_TOLERANCE:g} m): no step from an arm that far outside the box could end "
                "inside it within max_step_m; lower the tolerance or raise max_step_m")

    @property
    def box(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.workspace_min, float), np.asarray(self.workspace_max, float)


@dataclasses.dataclass(frozen=True)
class SafetyDecision:
    """A safe target [7] (``reason`` "" or what was clipped), or None with the refusal reason.

    ``start``: the pose [7] the step to ``target`` was measured from (:func:`step_start` of the
    measured state: what shortens the step again measures from it too); None: not known (a
    refusal, a decision made elsewhere), the measured state then.
    """

    target: np.ndarray | None
    reason: str = ""
    clipped: tuple[str, ...] = ()
    start: np.ndarray | None = None

    @property
    def accepted(self) -> bool:
        return self.target is not None


def refuse(reason: str) -> SafetyDecision:
    return SafetyDecision(target=None, reason=reason)


def limit_rotation(current_rpy, target_rpy, max_angle: float) -> tuple[np.ndarray, bool]:
    """Target Euler angles moved toward the current ones so the rotation between is <= max."""
    # scipy on first use: SafetyLimits (here) is part of the configurations every command checks
    from scipy.spatial.transform import Rotation, Slerp

    current = Rotation.from_euler("xyz", current_rpy)
    target = Rotation.from_euler("xyz", target_rpy)
    angle = (target * current.inv()).magnitude()
    if angle <= max_angle:
        return target.as_euler("xyz"), False
    fraction = max_angle / angle * (1 - 1e-9)
    path = Slerp([0.0, 1.0], Rotation.concatenate([current, target]))
    return path([fraction])[0].as_euler("xyz"), True


def step_start(current, limits: SafetyLimits) -> np.ndarray:
    """Return the pose [7] (float64 copy) a step from the measured state ``current`` starts from.

    Its position clamped into the workspace box, the rest as measured: an arm up to
    ``safety.workspace_tolerance_m`` outside the box is planned from, and every segment from
    the clamped position to a target in the box stays in the box (a shortened step too:
    ``joint_guard``; the set-point starts there: ``targets.SetpointStreamer``). There are no
    orientation limits: the orientation is the measured one.
    """
    pose = np.asarray(current, dtype=np.float64).reshape(7).copy()
    lower, upper = limits.box
    pose[:3] = np.clip(pose[:3], lower, upper)
    return pose


def step_reach(measured_xyz, limits: SafetyLimits) -> float:
    """Return how far [m] a target may lie from the measured position clamped into the box.

    ``measured_xyz`` [3] (base frame, m). Targets are measured from the clamped position (a
    segment from it into the box stays in the box); so that they also lie within
    ``safety.max_step_m`` of the arm itself, the reach is ``max_step_m`` less the arm's distance
    outside the box (breaker45g: 9 mm outside a corner, a 0.1 m step ended 0.1156 m from the
    arm). Positive: ``SafetyLimits`` keeps ``workspace_tolerance_m`` below ``max_step_m`` and
    a pose farther out is refused (:func:`outside_box_problem`).
    """
    outside = float(distance_outside_box(np.asarray(measured_xyz, dtype=float), limits))
    return max(limits.max_step_m - outside, 0.0)


def filter_target(
    current,
    proposed,
    limits: SafetyLimits,
    image_age: float | None = 0.0,
    state_age: float | None = 0.0,
    outside_box_advice: str = OUTSIDE_BOX_ADVICE,
) -> SafetyDecision:
    """Return a safe version of the ``proposed`` 7-D target, or a refusal with its reason.

    ``current`` is the measured 7-D state; ages are seconds since the newest image / state (None:
    never received). Translation is clamped into the workspace box, then shortened to
    ``max_step_m`` from the measured pose clamped into the box (:func:`step_start`, the
    decision's ``start``); rotation is shortened to ``max_rotation_step_rad``; the gripper is
    clipped.
    ``outside_box_advice`` ends the refusal of a measured pose outside the box: what to do about
    it (default :data:`OUTSIDE_BOX_ADVICE`, a real arm's).
    """
    problem = input_problem(image_age, state_age, limits)
    if problem:
        return refuse(problem)
    try:
        current = np.asarray(current, dtype=np.float64).reshape(7)
        proposed = np.asarray(proposed, dtype=np.float64).reshape(7)
    except (TypeError, ValueError) as exc:
        return refuse(f"target or state is not 7 numbers: {exc}")
    if not np.isfinite(current).all():
        return refuse("measured end-effector state contains NaN or inf")
    outside = outside_box_problem(current, limits, outside_box_advice)
    if outside:
        return refuse(outside)
    if not np.isfinite(proposed).all():
        return refuse(f"planned target is not finite: {proposed.tolist()}")
    lower, upper = limits.box
    clipped = []
    xyz = np.clip(proposed[:3], lower, upper)
    if not np.array_equal(xyz, proposed[:3]):
        clipped.append("workspace box")
    start_pose = step_start(current, limits)
    start = start_pose[:3]
    step = xyz - start
    length = float(np.linalg.norm(step))
    reach = step_reach(current[:3], limits)
    if length > reach + STEP_ROUNDING_M:
        xyz = start + step * (reach / length)
        if reach < limits.max_step_m:  # the arm outside the box: the reach is less (breaker45i)
            clipped.append(f"step {length:.3f} m > {reach:.3f} m (max_step_m {limits.max_step_m}"
                           f" less the arm's {limits.max_step_m - reach:.3f} m outside the box)")
        else:
            clipped.append(f"step {length:.3f} m > {limits.max_step_m} m")
    xyz = np.clip(xyz, lower, upper)  # float rounding of the line above
    angles, rotation_clipped = limit_rotation(
        current[3:6], proposed[3:6], limits.max_rotation_step_rad
    )
    if rotation_clipped:
        clipped.append(f"rotation > {limits.max_rotation_step_rad} rad")
    gripper = float(np.clip(proposed[6], 0.0, 1.0))
    target = np.concatenate([xyz, angles, [gripper]])
    reason = "clipped: " + ", ".join(clipped) if clipped else ""
    return SafetyDecision(target=target, reason=reason, clipped=tuple(clipped), start=start_pose)


def is_safe_setpoint(setpoint, limits: SafetyLimits) -> bool:
    """Last check before anything is published: 7 finite numbers, xyz in the box."""
    setpoint = np.asarray(setpoint, dtype=np.float64)
    return (
        setpoint.shape == (7,)
        and bool(np.isfinite(setpoint).all())
        and in_box(setpoint[:3], limits)
        and 0.0 <= setpoint[6] <= 1.0
    )

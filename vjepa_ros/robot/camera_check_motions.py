"""The camera check's motions: ±x, ±y, ±z a few cm from the start pose, each one back again.

The check moves the end effector out along each base axis and back to the start (6 out-moves,
6 returns), orientation and gripper held. With ``corners`` (the default) it also moves toward the
8 cube corners (±x±y±z), with ``diagonals`` along the 12 face diagonals (±x±y, ±x±z, ±y±z), each
motion of the same length: up to 26 directions whose frames differ, so a learned model's
per-motion error (20–30° RMS for the demo-sized models) averages over more motions; the
estimate's uncertainty falls as 1/√N (README, Camera placement check; the 14 default motions
take about 28 s on the simulated arm, 26 about 52 s). Every target is made safe by the
planner's own filter (``safety.filter_target``: workspace box, step length, NaN/inf), anchored
on the measured pose it starts from, so the check never commands what a plan could not. A
target the filter would shorten or move (the start too close to the box's edge) refuses the
whole check: its motions must be the ones asked for, or the estimate mixes axes.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np

from vjepa_ros.config import check_field, check_values, param
from vjepa_ros.robot.safety import SafetyLimits, filter_target
from vjepa_ros.robot.workspace_box import outside_box_problem

AXES = ("x", "y", "z")


@dataclasses.dataclass
class CheckMotionConfig:
    distance_m: float = param(
        0.04, "Camera check: length of each motion from the start pose (along ±x, ±y, ±z and "
        "the diagonals and corners turned on) [m]; at most safety.max_step_m (each motion is "
        "one step).",
        range=(0, 0.2), low_open=True  # one step: as safety.max_step_m
    )
    settle_s: float = param(
        0.3, "Camera check: the frame after a motion is taken this long after arrival [s].",
        range=(0, 10), low_open=True  # as control.settle_s
    )
    timeout_s: float = param(
        10.0, "Camera check: give up a motion that has not arrived after this long [s]; also the "
        "longest the check holds for stale inputs (camera image, robot state) before it stops.",
        range=(0, 300), low_open=True  # as control.arrival_timeout_s
    )
    diagonals: bool = param(
        False, "Camera check: also move along the 12 face diagonals (±x±y, ±x±z, ±y±z): 12 more "
        "motions (26 with corners, about 1.9x the time of the 14) for a steadier estimate "
        "with a learned model."
    )
    corners: bool = param(
        True, "Camera check: also move toward the 8 cube corners (±x±y±z, each component "
        "distance_m/sqrt(3)): 14 motions instead of 6 (26 with diagonals), so a learned model's "
        "per-motion error averages out (docs/camera_placement.md, Session 10); false: 6, "
        "about 0.4x the time."
    )

    def __post_init__(self):
        # the declared ranges, 0, NaN and inf too, in their one wording (user54u)
        check_values(self, "camera_check.motion.")


@dataclasses.dataclass(frozen=True)
class CheckMotion:
    """One out-move of the check (and the return after it)."""

    label: str  # "+x", "-z", ...
    target: np.ndarray  # [7] the out target (base frame), safe
    start: np.ndarray  # [7] where it starts and returns to


def check_motions(start, limits: SafetyLimits, config: CheckMotionConfig | None = None
                  ) -> list[CheckMotion]:
    """Return the check's out-moves from ``start`` [7] (measured state, base frame), each safe.

    Raises ValueError (one line: which motion, why, what to do) when a target or the way back
    would not pass the safety filter unchanged: ``distance_m`` exceeds ``safety.max_step_m``
    (:func:`step_problem`), the start lies outside the workspace box
    (``workspace_box.outside_box_problem``), or it is too near the box's edge for ``distance_m``.
    """
    config = config or CheckMotionConfig()
    problem = step_problem(config.distance_m, limits)
    if problem:
        raise ValueError(f"camera check refused: {problem}")
    start = np.asarray(start, dtype=np.float64).reshape(7)
    outside = outside_box_problem(start, limits, "move the arm into the box, near its centre, "
                                  "and call the check again")
    if outside:  # not "too near the edge": no motion from there passes
        raise ValueError(f"camera check refused: the {outside}")
    motions = []
    for label, direction in motion_directions(config.diagonals, config.corners):
        target = start.copy()
        target[:3] += config.distance_m * direction
        why = round_trip_refusal(start, target, limits)
        if why:
            raise ValueError(
                f"camera check refused: the {label} motion of {config.distance_m:.3f} m "
                f"from [{', '.join(f'{v:.3f}' for v in start[:3])}] does not pass the "
                f"safety filter ({why}): the start is too near the workspace box's edge; "
                "move the arm nearer the workspace centre or lower "
                "camera_check.motion.distance_m")
        motions.append(CheckMotion(label, target, start.copy()))
    return motions


def step_problem(distance_m: float, limits: SafetyLimits,
                 remedy: str = "lower the one or raise the other",
                 name: str = "camera_check.motion.distance_m") -> str:
    """Say why a check motion of ``distance_m`` [m] is longer than one safety step ('' fine).

    Each motion is one step of ``distance_m``; one longer than ``limits.max_step_m`` the safety
    filter would shorten wherever the arm stands. The node refuses it at start-up
    (``PlannerNodeConfig``), the camera check benchmarks as their ``--distance``. ``remedy``:
    what to do, after the reason; ``name``: what set the length (a script's ``--distance``).
    NaN passes: ``CheckMotionConfig``'s range refuses it (:func:`distance_problem`: both).
    """
    if not distance_m > limits.max_step_m:
        return ""
    return (f"{name} ({distance_m:g} m) must be at most "
            f"safety.max_step_m ({limits.max_step_m:g} m): each check motion is one step; "
            f"{remedy}")


def distance_problem(distance_m: float, limits: SafetyLimits, name: str, remedy: str) -> str:
    """Say why ``distance_m`` [m], set by ``name``, is no check motion's length ('' fine).

    Outside ``CheckMotionConfig.distance_m``'s range (``config_ranges.check_field``: ``NAME
    must lie in (0, 0.2], got 0.3``; NaN and inf too), else longer than one safety step
    (:func:`step_problem` with ``remedy``). For a script's option, said as the option.
    """
    field = next(f for f in dataclasses.fields(CheckMotionConfig) if f.name == "distance_m")
    try:
        check_field(name, distance_m, field)
    except ValueError as exc:
        return str(exc)
    return step_problem(distance_m, limits, remedy, name)


def round_trip_refusal(start: np.ndarray, target: np.ndarray, limits: SafetyLimits) -> str:
    """Return why the move ``start`` → ``target`` or back [7] would not pass unchanged, or "".

    The safety filter (``safety.filter_target``) must accept both ways and clip nothing: a move
    it would shorten or move is not the move asked for.
    """
    for frm, to in ((start, target), (target, start)):
        decision = filter_target(frm, to, limits)
        if not decision.accepted or decision.clipped:
            return decision.reason or "refused"
    return ""


def motion_directions(diagonals: bool = False, corners: bool = False
                      ) -> list[tuple[str, np.ndarray]]:
    """Return the check's (label, unit direction [3], base frame): ±x, ±y, ±z, then the others.

    The diagonals (with ``diagonals``) are the 12 face diagonals ``(±e_i ± e_j)/√2``, labelled
    e.g. ``+x-z``; the corners (with ``corners``) the 8 cube diagonals ``(±1, ±1, ±1)/√3``,
    labelled e.g. ``+x-y+z``. Every direction's opposite is in the set too (the ± pairs of
    ``camera_check_stats``).
    """
    eye = np.eye(3)
    directions = [(f"{'+' if sign > 0 else '-'}{axis}", sign * eye[i])
                  for i, axis in enumerate(AXES) for sign in (1.0, -1.0)]
    if diagonals:
        for i, j in ((0, 1), (0, 2), (1, 2)):
            for si in (1.0, -1.0):
                for sj in (1.0, -1.0):
                    label = (f"{'+' if si > 0 else '-'}{AXES[i]}"
                             f"{'+' if sj > 0 else '-'}{AXES[j]}")
                    directions.append((label, (si * eye[i] + sj * eye[j]) / np.sqrt(2.0)))
    if corners:
        for signs in itertools.product((1.0, -1.0), repeat=3):
            label = "".join(f"{'+' if sign > 0 else '-'}{axis}"
                            for sign, axis in zip(signs, AXES, strict=True))
            directions.append((label, np.array(signs) / np.sqrt(3.0)))
    return directions

"""The camera placement check's settings, torch-free.

The verdict thresholds (``camera_check.verdict.*``) and the offline check's evaluation settings
(:func:`check_eval_config`). Kept apart from ``camera_check.py`` (numpy, scipy) so that the
``vjepa-ros camera-check`` options are checked before anything heavy is imported.
"""

from __future__ import annotations

import dataclasses
import math

from vjepa_ros.config import check_values, param
from vjepa_ros.eval.eval_config import EvalConfig

# Where the thresholds live in config/planner.yaml (the planner node's parameters); the command
# line names its options instead (``camera_check_command.checked_options``).
PARAM_PREFIX = "camera_check.verdict."


@dataclasses.dataclass
class CheckThresholds:
    """When the placement is fine, correctable by a rotation, or the camera must move."""

    fine_deg: float = param(
        10.0, "Placement fine when the estimated rotation is at most this angle [deg] (a "
        "margin: an exact model rotated by 30° still reaches every benchmark goal; README, "
        "Camera placement check).", range=(0, 180), low_open=True, high_open=True
    )
    max_residual_deg: float = param(
        60.0, "Move the camera when no rotation explains the model's inferred motion directions "
        "better than this RMS angle [deg] (an exact model turned by 60° no longer reaches the "
        "benchmark's goals; a learned model's motions scatter 19-50° RMS where it still does: "
        "docs/camera_placement.md, Session 9).", range=(0, 180), low_open=True, high_open=True
    )
    min_scale: float = param(
        0.3, "Move the camera when the model infers less than this fraction of the executed "
        "motion's length, over all motions, along one base axis, or along any direction (the "
        "smallest singular value of the linear map fitted from all executed to inferred motions, "
        "below it at the check's confidence; it hardly sees the arm move there, e.g. along the "
        "camera's optical axis).", range=(0, 1),
        low_open=True
    )
    max_scale: float = param(
        1.5, "Move the camera when the model infers more than this multiple of the executed "
        "motion's length, over all motions or along one base axis (the upper bound beside "
        "min_scale: a model that sees the motion infers about its length, 0.5-1.0 for the "
        "learned ones; a search that finds no action better than any other returns its "
        "sampling spread, about 2x: random weights gave 1.8-3.3).", range=(1, 100),
        low_open=True
    )
    min_motion_m: float = param(
        0.01, "Executed motions shorter than this [m] are not used (their direction is noise).",
        range=(0, 0.2), low_open=True  # below camera_check.motion.distance_m
    )
    min_motions: int = param(3, "Fewest usable motions for a check.",
                             range=(2, 26))  # the check makes 6 to 26 motions
    min_explained: float = param(
        0.05, "Move the camera when, for the motions along some base axis (or along one line "
        "off the axes that two or more motions moved along: the live check's corners and "
        "diagonals), the model's best action explains less than this fraction of what it "
        "explains along the best-seen axis (share of the frame change = 1 - energy of the "
        "inferred action / energy of standing still): it does not see motion there (a model "
        "blind along an axis scores about 0; a learned model that still reaches its goals "
        "0.097-0.96: docs/camera_placement.md, Session 9).", range=(0, 1), low_open=True
    )
    min_best_explained: float = param(
        0.02, "Move the camera when, along every base axis, the model's best action explains "
        "less than this share of the frame change (absolute, unlike min_explained): it explains "
        "nothing and its directions are chance (random weights: 0.00004; the demo model on a "
        "64 px simulator bag 0.12 on its best axis; the learned models of "
        "docs/camera_placement.md 0.06 or more).", range=(0, 1), low_open=True
    )
    confidence: float = param(
        0.95, "Placement fine, not correct by rotation, when the estimated rotation cannot be "
        "told from no rotation at this confidence: its distance from the identity, in units of "
        "its own spread (from the motions' scatter about it and their number: Fisher's F test, "
        "vjepa_ros/eval/camera_check_noise.py), is within the region holding this share of the "
        "estimates of a model that has no frame error. In (0, 1).",
        range=(0, 1), low_open=True, high_open=True
    )

    def __post_init__(self):
        """Refuse values that make the verdict meaningless, in one line naming the parameter.

        Raises ValueError: an angle outside (0, 180) deg (a rotation's angle and the angle
        between two directions are at most 180°: a threshold of 180 or more never decides),
        a fraction (``min_scale``, ``min_explained``, ``min_best_explained``) outside (0, 1],
        ``max_scale`` outside (1, 100] (its declared range: at 1 or below it would refuse a model
        that infers the executed length), ``min_motion_m`` outside (0, 0.2] m (its declared
        range, as every declared range is worded: inf and NaN too), ``min_motions`` < 2.
        """
        for name, high, why, why_low in (
                ("fine_deg", 180.0, "an angle in (0, 180) deg: a rotation turns by at most "
                 "180°, so 180 or more would call every placement fine",
                 "an angle in (0, 180) deg: 0 or less would call no placement fine (a learned "
                 "model's estimate is never exactly 0°)"),
                ("max_residual_deg", 180.0, "an angle in (0, 180) deg: two directions are at "
                 "most 180° apart, so 180 or more would never say move the camera",
                 "an angle in (0, 180) deg: 0 or less would say move the camera for every "
                 "placement"),
                ("min_scale", 1.0, "a fraction of the executed motion's length in (0, 1]", ""),
                ("min_explained", 1.0, "a fraction of the best-seen axis's share in (0, 1]", ""),
                ("min_best_explained", 1.0, "a share of the frame change in (0, 1]", "")):
            value = getattr(self, name)
            angle = name.endswith("_deg")  # open at 180; the fractions include 1
            if not (math.isfinite(value) and value > 0
                    and (value < high if angle else value <= high)):
                low = not value > 0 and bool(why_low)  # NaN and +inf take the general reason
                raise ValueError(f"{PARAM_PREFIX}{name} must be {why_low if low else why}, "
                                 f"got {value!r}")
        if not (math.isfinite(self.confidence) and 0 < self.confidence < 1):
            raise ValueError(f"{PARAM_PREFIX}confidence must be a probability in (0, 1) (0.95: "
                             f"a 95 % region), got {self.confidence!r}")
        if self.min_motions < 2:
            raise ValueError(f"{PARAM_PREFIX}min_motions must be >= 2 (a rotation needs two "
                             f"directions), got {self.min_motions!r}")
        check_values(self, PARAM_PREFIX)  # the declared ranges (param's range=)


def check_eval_config(thresholds: CheckThresholds, rate_hz: float = 4.0, max_steps: int = 0,
                      seed: int = 0, max_state_gap_s: float = 0.1, start_s: float = 0.0,
                      end_s: float = 0.0) -> EvalConfig:
    """Return the evaluation settings of a camera check, checked (ValueError naming the field).

    The goal is the frame one step later (``goal_offset`` 1), no landscape; sign agreement
    counts motions from half the verdict's ``min_motion_m``; ``start_s`` / ``end_s`` [s]: the
    part of the bag used, as eval's ``--start`` / ``--end``.
    """
    return EvalConfig(rate_hz=rate_hz, goal_offset=1, max_steps=max_steps,
                      min_motion_m=thresholds.min_motion_m / 2, landscape_points=0,
                      seed=seed, max_state_gap_s=max_state_gap_s, start_s=start_s,
                      end_s=end_s).check()

"""When the camera check's estimate is too uncertain for "placement fine" or a correction.

The fitted rotation lies, at ``camera_check.verdict.confidence``, within ``bound_deg`` (the
confidence region's widest half-width, :mod:`camera_check_noise`) of the estimate's angle. A
verdict "placement fine" says the model's frame is near the base frame, "correct by rotation"
that the written rotation brings it there; both are claims about where the true rotation lies.
``camera_check.verdict.max_residual_deg`` (60°) is the rotation that does harm: an exact model
turned by it no longer reaches the benchmark's goals (README, Camera placement check). So:

- fine only when the estimate's angle plus ``bound_deg`` stays below that (or below
  ``fine_deg`` where that is set higher): 48° ± 51° (3-6
  motions, a model whose directions scatter 25°) may be a 99° rotation, and a 3° ± 62° one a
  65° rotation, not "fine";
- a correction only when ``bound_deg`` stays below it (the correction itself may be off by that
  much).

Otherwise the check cannot tell: :func:`too_wide` says so and what narrows the region. ROS-free.
"""

from __future__ import annotations

import math

from vjepa_ros.eval.camera_check_noise import RotationUncertainty
from vjepa_ros.eval.camera_check_thresholds import CheckThresholds

MORE_MOTIONS = ("make more or larger motions (the live check's camera_check.motion.diagonals, "
                "or a longer recording offline) and check again")


def too_wide(angle_deg: float, noise: RotationUncertainty, thresholds: CheckThresholds,
             correcting: bool, count: int, residual_deg: float) -> str:
    """Say why the estimate (``angle_deg`` [deg]) is too uncertain for its verdict; "" if not.

    ``correcting``: the verdict would be "correct by rotation" (its own bound must stay below
    ``max_residual_deg``), else "placement fine" (angle plus bound below it). ``count``: the
    motions used, ``residual_deg``: their RMS scatter about the fit [deg].
    """
    limit, bound = thresholds.max_residual_deg, noise.bound_deg
    if not correcting:  # a fine_deg set above it accepts that much as fine
        limit = max(limit, thresholds.fine_deg)
    reach = bound if correcting else angle_deg + bound
    if math.isfinite(reach) and reach < limit:
        return ""
    spread = (f"±{bound:.1f}° widest at {noise.confidence:.0%}" if math.isfinite(bound) else
              "not determined by them: motions along too few directions")
    claim = ("a correction by it may be off by as much" if correcting else
             f"the rotation may be as large as {reach:.0f}°" if math.isfinite(reach) else
             "any rotation fits them")
    return (f"undecided: the estimated rotation, {angle_deg:.1f}° ({spread}; the model's "
            f"{count} motions scatter {residual_deg:.1f}° RMS about it), is too uncertain to "
            f"tell: {claim}, and a model turned by {thresholds.max_residual_deg:g}° "
            "(camera_check.verdict.max_residual_deg) no longer reaches its goals; no correction "
            f"applied; {MORE_MOTIONS}")

"""Fitting the rotation between the base frame and the frame the world model predicts motion in.

The yaw about base z in closed form (:func:`estimate_yaw`), the full 3-D rotation (Wahba's
problem, :func:`estimate_rotation`), the RMS angle a rotation leaves (:func:`rms_angle_deg`) and
the rule that a fitted rotation must beat no rotation on that measure
(:func:`no_worse_than_identity`). Motions are unit directions [N, 3]; angles in radians or
degrees as named.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial.transform import Rotation

from vjepa_ros.eval.camera_check_stats import direction_errors_deg, unit_directions


def estimate_yaw(executed, inferred) -> float:
    """Yaw θ [rad] about base z that best maps executed to inferred xy directions.

    Minimises Σ |m̂_xy − Rz(θ)·b̂_xy|² over the unit directions b̂ (executed, [N, 3]) and m̂
    (inferred, [N, 3]); closed form θ = atan2(Σ b̂×m̂ (z), Σ b̂·m̂ (xy)) (2-D Procrustes).
    """
    b = unit_directions(np.asarray(executed, dtype=np.float64))
    m = unit_directions(np.asarray(inferred, dtype=np.float64))
    cross = float(np.sum(b[:, 0] * m[:, 1] - b[:, 1] * m[:, 0]))
    dot = float(np.sum(b[:, 0] * m[:, 0] + b[:, 1] * m[:, 1]))
    return math.atan2(cross, dot)


def estimate_rotation(executed, inferred) -> Rotation:
    """Return the rotation R (base → model) minimising Σ |m̂ − R·b̂|² over unit directions [N, 3].

    Wahba's problem, solved by ``Rotation.align_vectors(m̂, b̂)`` (Kabsch/SVD). Needs two
    non-parallel directions for a unique answer (:func:`check_motions` checks the spread).
    """
    b = unit_directions(np.asarray(executed, dtype=np.float64))
    m = unit_directions(np.asarray(inferred, dtype=np.float64))
    rotation, _ = Rotation.align_vectors(m, b)
    return rotation


def rms_angle_deg(executed, inferred, rotation: Rotation) -> float:
    """RMS angle [deg] between the inferred directions and the rotated executed ones."""
    return float(np.sqrt(np.mean(direction_errors_deg(executed, inferred, rotation) ** 2)))


def no_worse_than_identity(executed, inferred, rotation: Rotation) -> Rotation:
    """Return ``rotation``, or the identity where it leaves a larger RMS angle than no rotation.

    The fits minimise the squared chord ``Σ|m̂ − R·b̂|²`` (``2 − 2·cos`` of each angle), over
    which they never do worse than the identity; the verdict and the printed residuals use the
    RMS *angle*, which weighs large errors more: with errors near 90° a fitted rotation can lower
    the chord sum yet raise the RMS angle (a planar bag: yaw 95.6° against 94.1° uncorrected).
    A rotation that does not beat the identity on the verdict's own measure is not offered.
    """
    if len(executed) and rms_angle_deg(executed, inferred, rotation) > \
            rms_angle_deg(executed, inferred, Rotation.identity()):
        return Rotation.identity()
    return rotation

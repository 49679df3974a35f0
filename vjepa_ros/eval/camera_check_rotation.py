"""Fitting the rotation between the base frame and the frame the world model predicts motion in.

The yaw about base z in closed form (:func:`estimate_yaw`), the full 3-D rotation (Wahba's
problem, :func:`estimate_rotation`), the RMS angle a rotation leaves (:func:`rms_angle_deg`) and
the rule that a fitted rotation must beat no rotation on that measure
(:func:`no_worse_than_identity`). Motions are unit directions [N, 3]; angles in radians or
degrees as named.

A view seen mirrored (a camera driver's flip or mirror option, a mirror in the view) maps the
robot's motions to the model's by a reflection, which no rotation equals: the best rotation then
leaves a large RMS angle (54° for one axis reversed, under ``max_residual_deg``) and a
"correction" by it still sends motion along the mirrored axis the wrong way.
:func:`mirrored_fit` finds the best reflection (the best orthogonal map of determinant −1) and
:func:`mirrored_words` says when it explains the motions clearly better than any rotation.
Every reflection is a mirror along one axis and a turn about it, or equally every motion reversed
(−I) and a turn: one that reverses every axis alike (a model whose actions have the opposite sign,
or frames paired with the states in reverse order) is said as such, not as one mirrored axis: no
image flip reverses motion toward and away from the camera as well (breaker59c).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial.transform import Rotation

from vjepa_ros.eval.camera_check_result import REVERSED, rpy_words
from vjepa_ros.eval.camera_check_stats import direction_errors_deg, unit_directions
from vjepa_ros.eval.metrics import AXES

# A reflection (determinant −1): any other is this one after a rotation, so the best reflection is
# the best rotation of the reflected executed motions, followed by it. It keeps z: with the yaw
# fit (motions in the table's plane) the fitted map stays a mirror within that plane.
REFLECT_Y = np.diag([1.0, -1.0, 1.0])
# The view counts as mirrored when the best reflection leaves at most this share of the RMS angle
# the best rotation leaves (an exact mirror: 0 against 54°); near-equal fits are the motions'
# scatter, not a mirror, and keep the rotation's verdict.
MIRROR_SHARE = 0.75
# The mirror's axis is named as a base axis when within this angle of it, else as a direction.
MIRROR_AXIS_DEG = 20.0
# [deg] above this angle, the turn that follows the reversal is named with it
REVERSED_TURN_DEG = MIRROR_AXIS_DEG


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


def mirrored_fit(executed, inferred, yaw_only: bool) -> tuple[np.ndarray, float]:
    """Return the best reflection (base → model, float64 [3, 3], det −1) and its RMS angle [deg].

    ``executed`` [N, 3] base frame, ``inferred`` [N, 3] model frame (N ≥ 2). ``yaw_only``: as
    the yaw fit, a reflection within the table's plane that keeps z (motions in that plane
    determine no more); else any reflection (the full fit: motions spanning all three axes).
    """
    reflected = np.asarray(executed, dtype=np.float64) @ REFLECT_Y
    if yaw_only:
        rotation = Rotation.from_euler("z", estimate_yaw(reflected, inferred))
    else:
        rotation = estimate_rotation(reflected, inferred)
    return rotation.as_matrix() @ REFLECT_Y, rms_angle_deg(reflected, inferred, rotation)


def mirrored_words(mirror: np.ndarray, mirror_deg: float, rotation_deg: float) -> str:
    """Say how the view is mirrored when ``mirror`` explains the motions clearly better ("" not).

    ``mirror`` [3, 3] and ``mirror_deg``: :func:`mirrored_fit`'s; ``rotation_deg``: the RMS angle
    the best rotation leaves. Mirrored when ``mirror_deg`` is at most :data:`MIRROR_SHARE` of
    ``rotation_deg``. A reflection M is −R for the rotation R = −M: when R turns by at most 90°,
    M is nearer every motion reversed than one axis mirrored, and the words are
    :data:`REVERSED` (with ``and turned A° (rpy [...]°)`` past :data:`REVERSED_TURN_DEG`: R,
    what a correction would then measure); else they name the base axis the reflection
    reverses (its eigenvector of eigenvalue −1), e.g. ``mirrored along base x``.
    """
    if not mirror_deg <= MIRROR_SHARE * rotation_deg:
        return ""
    turn = Rotation.from_matrix(-np.asarray(mirror, dtype=np.float64))
    turn_deg = float(np.degrees(turn.magnitude()))
    if turn_deg <= 90.0:
        if turn_deg <= REVERSED_TURN_DEG:
            return REVERSED
        return (f"{REVERSED} and turned {turn_deg:.1f}° "
                f"(rpy [{rpy_words(turn.as_euler('xyz', degrees=True))}]°)")
    values, vectors = np.linalg.eig(mirror)
    normal = np.real(vectors[:, int(np.argmin(np.abs(values + 1.0)))])
    axis = int(np.argmax(np.abs(normal)))
    if abs(normal[axis]) >= np.cos(np.radians(MIRROR_AXIS_DEG)):
        where = f"base {AXES[axis]}"
    else:
        where = "base direction [" + ", ".join(f"{v:.2f}" for v in normal) + "]"
    return f"mirrored along {where}"


def level_turn_words(mirror: str, mirror_deg: float, full: Rotation, full_deg: float,
                     z_seen: bool) -> str:
    """Say that motions in the table's plane cannot tell a mirror from a half turn ("" they can).

    Within the x-y plane a reflection and a 180° turn about an axis in that plane (a camera
    upside down) map every motion alike; only motion along z tells them apart (the turn reverses
    it, the mirror keeps it). ``mirror``: :func:`mirrored_words` of the in-plane reflection,
    ``mirror_deg`` its RMS angle [deg]; ``full``: the best 3-D rotation, ``full_deg`` its RMS
    angle [deg]; ``z_seen``: the motions moved along z by at least one motion's worth. The words
    when the reflection was found (``mirror``) and either no motion moved along z or the
    reflection does not explain the motions clearly better than that rotation
    (:data:`MIRROR_SHARE`).
    """
    if not mirror or (z_seen and mirror_deg <= MIRROR_SHARE * full_deg):
        return ""
    rpy = rpy_words(full.as_euler("xyz", degrees=True))
    return (f"the motions lie in the table's plane, where a view {mirror} (a reflection explains "
            f"them within {mirror_deg:.1f}° RMS) and a view turned "
            f"{np.degrees(full.magnitude()):.1f}° about a level axis (rotation rpy [{rpy}]°, "
            f"within {full_deg:.1f}° RMS: a camera upside down) look alike; only motion along z "
            "tells them apart (the turn reverses it, the mirror keeps it): record motions along "
            "±z too (the live ~/camera_check makes them) and check again")

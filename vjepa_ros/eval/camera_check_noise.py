"""How well the camera check's motions determine its rotation: an analytic uncertainty.

A learned world model infers each motion's direction with an error of its own (the demo-sized
camera-placement model: 15–30° RMS even at its training placements, docs/camera_placement.md),
so the rotation fitted to N motions scatters about the model's true frame by roughly that error
over √N. This module gives that spread and tests the estimate against the identity, so that the
verdict does not call a rotation lying within its own noise a correction.

**Model** (the measurement model of Wahba's problem, as in Shuster's QUEST covariance): each
inferred unit direction is the rotated executed one, ``m̂ᵢ = exp([δ]×)·R·b̂ᵢ + nᵢ``, with ``nᵢ``
perpendicular to it, two independent components of variance ``σ²`` each. To first order the
rotation vector error ``δ`` of the least-squares fit has covariance

    C = σ² · (Σᵢ (I − cᵢcᵢᵀ))⁻¹,   cᵢ = R·b̂ᵢ,

and for the yaw alone (about base z; the check's choice when the motions lie mostly in the
table's plane and show no more than a yaw: :func:`richer_fit_observed`)
``var(yaw) = σ² / Σᵢ |b̂ᵢ,xy|²``. ``σ²`` is estimated from the fit's residual angles αᵢ (the
tangential error, small angles): ``σ² = Σ αᵢ² / (2N − p)``, ``p`` = 3 (full) or 1 (yaw) fitted
parameters.

**Test against the identity**: the rotation vector θ of the estimate (its angle and axis; for the
yaw, the angle) has the squared Mahalanobis distance ``d² = θᵀ·C⁻¹·θ`` from the identity
(invariant under ``R``: ``Rᵀθ = θ``). Because ``σ²`` comes from the same residuals, ``d²/p``
follows Fisher's F(p, 2N − p) under the identity (the confidence region of a linear
least-squares fit with estimated variance, e.g. Draper & Smith, *Applied Regression Analysis*,
§ 5.3; Hotelling's T²), not χ²(p): with 6 motions the 95 % bound lies 3.4 standard deviations
out along an axis, not χ²'s 2.8. The estimate is *distinguishable from the
identity* when ``d²/p`` exceeds the F quantile at ``confidence``: when its angle exceeds the
region's half-width along its own axis (``along_deg``), which for a full rotation can be much
less than the half-width along the region's widest axis (``bound_deg``): an estimate of 59° with a
±62° widest bound can still differ from the identity, its own axis being well determined.

**The search's own error** (``search_deg``, from two independent searches of the same motions:
``camera_check_search``): part of a weak search's error is the same for every motion, which the
residuals cannot show and N motions do not average away. It is added, undivided by N, as an
isotropic term ``search_deg²·I`` to ``C`` (the worst case: all of the search's error shared by
the motions); a converged search adds little (the oracle: 2°), a learned model's bumpier search
more (the demo model at the README's settings 12-16°), a weak one enough that its consistent
wrong rotation is no longer "certain" (docs/camera_placement.md, Session 19). With it the d²
test is no longer exactly F; it is kept as the conservative approximation.

**Why analytic, not a bootstrap over motions**: it is deterministic (the same motions give the
same verdict), it is defined for the 6 motions of the default check, where resampling with
replacement often draws motions along one line only (no rotation determined), and it costs
nothing. It assumes the errors are independent from motion to motion and the same size for all;
a learned model's errors are partly systematic (docs/camera_placement.md), which the residuals
still count, as scatter.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy import stats
from scipy.spatial.transform import Rotation

from vjepa_ros.eval.camera_check_stats import direction_errors_deg, unit_directions


@dataclasses.dataclass
class RotationUncertainty:
    """The spread of a rotation estimate and its test against the identity (module docstring)."""

    sigma_deg: float  # per-motion direction error, per tangential component [deg]
    bound_deg: float  # half-width of the confidence region along its widest axis [deg]
    std_deg: list[float]  # standard deviation of the rotation vector per base axis x, y, z [deg]
    mahalanobis2: float  # d² of the estimate from the identity
    threshold: float  # p · F quantile: d² above this is distinguishable from the identity
    p_value: float  # probability of a d² this large (or larger) if the truth were the identity
    dof: int  # fitted parameters: 3 (full rotation) or 1 (yaw)
    confidence: float
    distinguishable: bool  # the estimate differs from the identity at ``confidence``
    # half-width of the region along the estimate's own axis [deg]: what the identity test
    # measures (the estimate differs from it when its angle exceeds this), at most bound_deg
    along_deg: float = math.inf
    search_deg: float = 0.0  # the search's own error added to the covariance [deg] (0: none)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def rotation_uncertainty(executed, inferred, rotation: Rotation, yaw_only: bool = False,
                         confidence: float = 0.95, search_deg: float = 0.0
                         ) -> RotationUncertainty:
    """Return the uncertainty of ``rotation`` fitted to the motions, and its identity test.

    Args:
        executed: [N, 3+] executed motions, base frame [m] (Δxyz first; lengths ignored).
        inferred: [N, 3+] the model's inferred motions, its frame [m]; none of length 0.
        rotation: the fitted rotation base → model (the full fit, or the yaw about z).
        yaw_only: ``rotation`` is a yaw fitted alone (1 parameter) instead of a full rotation.
        confidence: of the region and the test, in (0, 1).
        search_deg: the search's own error per motion and axis [deg], added undivided to the
            covariance (module docstring); 0: the residuals' scatter alone.
    Returns:
        :class:`RotationUncertainty` (angles in degrees). With N motions and p parameters,
        2N − p ≥ 1 is needed; fewer, or directions that do not determine the rotation, give an
        infinite bound and ``distinguishable`` False.
    """
    b = unit_directions(np.asarray(executed, dtype=np.float64)[:, :3])
    n, p = len(b), 1 if yaw_only else 3
    errors = np.radians(direction_errors_deg(executed, inferred, rotation))
    dof_residual = 2 * n - p
    sigma2 = float(np.sum(errors ** 2)) / dof_residual if dof_residual > 0 else math.inf
    theta = rotation.as_rotvec()
    if yaw_only:
        information = np.array([[float(np.sum(b[:, 0] ** 2 + b[:, 1] ** 2))]])
        theta = theta[2:]
    else:
        c = rotation.apply(b)
        information = n * np.eye(3) - c.T @ c  # Σ (I − cᵢcᵢᵀ)
    quantile = float(stats.f.ppf(confidence, p, max(dof_residual, 1)))
    smallest = float(np.linalg.eigvalsh(information)[0])
    if not (math.isfinite(sigma2) and smallest > 1e-9 * n):
        inf = math.inf
        return RotationUncertainty(math.degrees(math.sqrt(sigma2)) if math.isfinite(sigma2)
                                   else inf, inf, [inf] * 3, 0.0, p * quantile, 1.0, p,
                                   confidence, False)
    covariance = sigma2 * np.linalg.inv(information) + math.radians(search_deg) ** 2 * np.eye(p)
    if np.any(np.diag(covariance) > 0):
        d2 = float(theta @ np.linalg.solve(covariance, theta))
    else:  # an exact fit: any rotation other than the identity is certain
        d2 = math.inf if np.linalg.norm(theta) > 1e-12 else 0.0
    p_value = float(stats.f.sf(d2 / p, p, dof_residual)) if math.isfinite(d2) else 0.0
    norm = float(np.linalg.norm(theta))
    axis = theta / norm if norm > 1e-12 else None
    along = (math.sqrt(p * quantile / float(axis @ np.linalg.solve(covariance, axis)))
             if axis is not None and np.any(np.diag(covariance) > 0) else
             0.0 if axis is not None else None)
    std = np.sqrt(np.diag(covariance))
    std_xyz = [0.0, 0.0, float(std[0])] if yaw_only else std.tolist()
    return RotationUncertainty(
        sigma_deg=math.degrees(math.sqrt(sigma2)),
        bound_deg=math.degrees(math.sqrt(p * quantile * np.linalg.eigvalsh(covariance)[-1])),
        std_deg=[math.degrees(s) for s in std_xyz],
        mahalanobis2=d2, threshold=p * quantile, p_value=p_value, dof=p,
        confidence=confidence, distinguishable=d2 > p * quantile,
        along_deg=math.degrees(along) if along is not None else
        math.degrees(math.sqrt(p * quantile * np.linalg.eigvalsh(covariance)[-1])),
        search_deg=float(search_deg))


def richer_fit_observed(simple_deg: float, simple_p: int, rich_deg: float, rich_p: int, n: int,
                        confidence: float = 0.95, floor_deg: float = 0.1) -> bool:
    """Say whether a fit of more parameters explains the motions better than the noise would.

    The nested least-squares test (the extra-sum-of-squares F test, Draper & Smith § 2.7): with
    ``n`` motions (2 tangential components each), the simpler fit of ``simple_p`` parameters
    leaving ``simple_deg`` RMS angle and the richer of ``rich_p`` leaving ``rich_deg``,
    ``F = ((S_simple − S_rich)/(rich_p − simple_p)) / (S_rich/(2n − rich_p))`` with ``S`` the sums
    of squared residual angles [rad²] follows F(rich_p − simple_p, 2n − rich_p) when the extra
    parameters are truly zero. True when F exceeds its quantile at ``confidence`` and the RMS
    angle falls by more than ``floor_deg`` [deg] (float rounding of an exact fit is no
    evidence). False when ``2n ≤ rich_p`` (the richer fit is not determined).
    """
    dof = 2 * n - rich_p
    if dof <= 0 or not simple_deg - rich_deg > floor_deg:
        return False
    simple, rich = (n * math.radians(deg) ** 2 for deg in (simple_deg, rich_deg))
    if rich <= 0.0:
        return True
    f = (simple - rich) / (rich_p - simple_p) / (rich / dof)
    return f > float(stats.f.ppf(confidence, rich_p - simple_p, dof))

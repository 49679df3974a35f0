"""The camera check's weakest direction: where the model sees least of the arm's motion.

A camera looking diagonally down at the arm (a tripod at the table's corner, or in front of the
robot) makes the model blind along a direction that is no base axis, where each base axis still
shows most of its length (breaker43b), and no motion of the check need lie along it (breaker43f).
The least-squares linear map ``M`` from executed to inferred motions, pooled over all motions,
infers ``σ_min`` of a motion's length along its weakest direction (the smallest singular value;
its right singular vector names the direction), judged as ``camera_check_stats.axis_scale`` is,
through its upper confidence bound (a residual bootstrap test inverted: breaker43i). It is judged
only with enough evidence (:data:`MIN_DIRECTION_MOTIONS` motions, none alone along a direction: a
leverage below :data:`MAX_LEVERAGE`); below that it is reported with the reason
(``WeakestDirection.not_judged``) and the axis rules judge alone (breaker43k: with 6 motions the
95 % bound holds ~86 %). numpy only.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from vjepa_ros.eval.camera_check_stats import direction_words, line_name

# the weakest direction is sought only among directions the executed motions moved along by at
# least one whole motion's worth (Σ (b̂·v)² over the unit directions b̂): a bag that moved in a
# plane says nothing about its normal
MIN_EVIDENCE = 1.0

# the weakest direction's bound: resamples of the fit's residuals, drawn with a fixed seed from
# the motions in a canonical order (:func:`_canonical_order`): the bound is a function of the
# motions' values, not of their storage (float32 / float64) or order (breaker43k)
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20240343
# the weakest direction is judged (held to min_scale) only with at least this many motions: the
# residual bootstrap's bound holds its confidence only with enough residual degrees of freedom
# (N - 3 >= 7 per output component); with the offline check's 6 motions (3) its "95 %" bound
# held ~86 % (breaker43k). The live check's default 14 motions qualify.
MIN_DIRECTION_MOTIONS = 10
# ... and only when no motion alone carries the fit along a direction (its leverage, the share
# of its own fitted value it sets, below this): a motion whose partner was lost (leverage 1)
# leaves a residual of 0 and nothing measures the scatter along its direction (breaker43k)
MAX_LEVERAGE = 0.9
# ... and the precision of its search for the bound (a ratio of lengths)
BOUND_TOLERANCE = 1e-4
BOUND_METHOD = (f"residual bootstrap ({BOOTSTRAP_RESAMPLES} resamples, fixed seed, motions in "
                "canonical order) of the fitted map, test of sigma_min >= c inverted, resampled "
                "under the null (singular values raised to c)")


class WeakestDirection(NamedTuple):
    """The direction the model sees least of (:func:`weakest_direction`)."""

    scale: float  # σ_min: the inferred length per executed length along it
    bound: float  # σ_min's upper confidence bound (one-sided, :func:`weakest_direction`)
    direction: list[float]  # unit vector [3], base frame (either way: a line)
    name: str  # the line in words, ``+x-z/-x+z``, or its rounded vector (:func:`line_name`)
    singular_values: list[float]  # of the fitted map over the directions judged, largest first
    evidence: float  # motions' worth moved along it: 1 / (v·G⁻¹·v), G = Σ b̂ b̂ᵀ over them
    judged: int  # directions judged: 3, or 2 (a plane's; its normal not moved along enough)
    method: str = BOUND_METHOD  # how ``bound`` was computed (:data:`BOUND_METHOD`)
    # why it is not held to min_scale ("": it is): too few motions (:data:`MIN_DIRECTION_MOTIONS`)
    # or one motion alone along a direction (:data:`MAX_LEVERAGE`); scale and bound reported only
    not_judged: str = ""

    def to_dict(self) -> dict:
        return self._asdict()


def _canonical_order(unit, model) -> np.ndarray:
    """Return the indices sorting the motions by unit executed direction, then inferred (1e-6).

    The bootstrap draws resample indices with a fixed seed; in this order the same motions get
    the same resamples whatever their order or storage (float32 values agree to ~1e-8, far
    below the rounding), so the bound moves with the values only (breaker43k).
    """
    keys = np.round(np.concatenate([unit, model], axis=1), 6) + 0.0  # -0.0 sorts as 0.0
    return np.lexsort(keys.T[::-1])


def _upper_bound(coords, model, fit, confidence: float) -> float:
    """σ_min's upper confidence bound for the map fitted as ``model ≈ coords @ fit``.

    The largest ``c`` for which "σ_min ≥ c" is not rejected at ``1 − confidence``: the fit's
    residuals (each divided by √(1 − leverage), centred) are resampled onto the map closest to
    the fitted one where the null holds (its singular values raised to ``c``, same singular
    vectors), the map refitted each time; rejected when the fitted σ_min lies below the
    resampled ones' ``1 − confidence`` quantile. Resampling whole residual vectors keeps their
    shape: a learned model's length errors lie along the directions it sees and do not widen the
    bound along the one it is blind in (breaker43i); resampling under the null keeps the low bias
    of a minimum over close singular values, which resampling around the fitted map (a basic
    bootstrap: its singular values already spread apart by the noise) underestimates. Drawn with a
    fixed seed from the motions in a canonical order (same values, same bound); the common
    resamples make the test monotone enough in ``c`` for a bisection to :data:`BOUND_TOLERANCE`.
    """
    count = len(coords)
    pinv = np.linalg.pinv(coords)  # [k, N]
    residuals = model - coords @ fit
    leverage = np.einsum("ij,ji->i", coords, pinv)
    keep = leverage < 1.0 - 1e-9  # a motion the fit passes through exactly has no residual
    scaled = np.zeros_like(residuals)
    scaled[keep] = residuals[keep] / np.sqrt(1.0 - leverage[keep])[:, None]
    scaled -= scaled.mean(axis=0)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    noise = pinv @ scaled[rng.integers(0, count, (BOOTSTRAP_RESAMPLES, count))]  # [B, k, 3]
    left, singular, right = np.linalg.svd(fit, full_matrices=False)  # fit = M^T: [k, 3]
    fitted = float(singular[-1])

    def quantile(c: float) -> float:
        null = (left * np.maximum(singular, c)) @ right  # M^T with σ_i raised to c
        resampled = np.linalg.svd(null[None] + noise, compute_uv=False)[:, -1]
        return float(np.quantile(resampled, 1.0 - confidence))

    low, high = fitted, fitted + 0.1
    for _ in range(60):  # widen until rejected (the resampled σ_min grows with c)
        if quantile(high) > fitted:
            break
        low, high = high, high + 2.0 * (high - low)
    while high - low > BOUND_TOLERANCE:
        middle = 0.5 * (low + high)
        if quantile(middle) > fitted:
            high = middle
        else:
            low = middle
    return 0.5 * (low + high)


def weakest_direction(executed, inferred, confidence: float = 0.95) -> WeakestDirection | None:
    """Return the weakest direction of the linear map fitted from executed to inferred motions.

    Each motion counts once, whatever its length (divided by its executed length): the map
    ``M`` minimises Σ |m_i − M·b̂_i|² over the unit executed directions b̂_i, restricted to the
    directions the motions moved along by at least :data:`MIN_EVIDENCE` motions' worth (the
    eigenvectors of G = Σ b̂ b̂ᵀ; a bag moved in a plane is judged in that plane only). Its
    smallest singular value ``σ_min`` is the inferred length per executed length along its right
    singular vector: a model blind along a direction (the camera's optical axis) infers almost
    none there, whichever way the motions went (rotation-invariant: ``R·M`` has the same).
    ``bound``: σ_min's one-sided upper bound at ``confidence`` (:func:`_upper_bound`: a residual
    bootstrap test inverted): a learned model's motions scatter 20-30° each and err in length
    along the directions it sees, and a minimum over directions of a noisy map is biased low.
    The motions are taken in a canonical order (:func:`_canonical_order`), so the bound does not
    depend on their order or storage. ``not_judged``: why the direction is reported but not to be
    held to a floor (fewer than :data:`MIN_DIRECTION_MOTIONS` usable motions, or one motion
    alone along a direction, leverage ≥ :data:`MAX_LEVERAGE`); "" when it is.
    None: fewer motions than needed for a residual (N ≤ k) or none usable.
    """
    executed = np.asarray(executed, dtype=np.float64)[:, :3]
    inferred = np.asarray(inferred, dtype=np.float64)[:, :3]
    length = np.linalg.norm(executed, axis=1)
    valid = (length > 0) & np.isfinite(inferred).all(1)
    if not valid.any():
        return None
    unit = executed[valid] / length[valid, None]
    model = inferred[valid] / length[valid, None]
    order = _canonical_order(unit, model)
    unit, model = unit[order], model[order]
    values, vectors = np.linalg.eigh(unit.T @ unit)
    basis = vectors[:, values >= MIN_EVIDENCE]
    count, judged = len(unit), basis.shape[1]
    if judged == 0 or count <= judged:
        return None
    coords = unit @ basis  # [N, k]
    fit = np.linalg.lstsq(coords, model, rcond=None)[0]  # model ≈ coords @ fit: M = fit.T
    _, singular, right = np.linalg.svd(fit.T, full_matrices=False)
    weakest = right[-1]
    spread = float(weakest @ np.linalg.solve(coords.T @ coords, weakest))
    bound = _upper_bound(coords, model, fit, confidence)
    direction = basis @ weakest
    return WeakestDirection(
        scale=float(singular[-1]), bound=bound, direction=direction.tolist(),
        name=line_name(direction), singular_values=singular.tolist(), evidence=1.0 / spread,
        judged=judged, not_judged=_not_judged(unit, coords))


def _not_judged(unit, coords) -> str:
    """Return why this fit's weakest direction is not judged ("": it is; see weakest_direction)."""
    count = len(unit)
    if count < MIN_DIRECTION_MOTIONS:
        return (f"{count} motions: too few to judge directions off the axes (at least "
                f"{MIN_DIRECTION_MOTIONS})")
    leverage = np.einsum("ij,ji->i", coords, np.linalg.pinv(coords))
    alone = int(np.argmax(leverage))
    if leverage[alone] >= MAX_LEVERAGE:
        return (f"the {direction_words(unit[alone]) or 'one'} motion alone measures its direction "
                f"(leverage {leverage[alone]:.2f}, at most {MAX_LEVERAGE:g}): too little to judge "
                "directions off the axes")
    return ""

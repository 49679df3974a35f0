"""How well planned actions match executed ones, and latency statistics (pure numpy).

Arrays are indexed by evaluated step: planned / executed actions [K, 7] (Δxyz [m], Δrotation
[rad], Δgripper), energies [K]. A step whose executed motion along an axis is below
``min_motion`` [m] says nothing about that axis' sign and is left out of its agreement; a step
whose executed Δxyz is shorter than ``min_motion`` is left out of the cosine similarity. NaN means
"no step counted".
"""

from __future__ import annotations

import math

import numpy as np

AXES = ("x", "y", "z")


def _xyz(actions, name: str) -> np.ndarray:
    actions = np.asarray(actions, dtype=np.float64)
    if actions.ndim != 2 or actions.shape[1] < 3:
        raise ValueError(f"{name} must be [K, 3+] actions, got shape {actions.shape}")
    return actions[:, :3]


def _pair(planned, executed) -> tuple[np.ndarray, np.ndarray]:
    planned, executed = _xyz(planned, "planned"), _xyz(executed, "executed")
    if planned.shape != executed.shape:
        raise ValueError(f"planned {planned.shape} and executed {executed.shape} differ")
    return planned, executed


def sign_agreement(planned, executed, min_motion: float = 0.002):
    """Per axis: fraction of counted steps whose planned Δ has the executed Δ's sign [3], counts.

    A planned Δ of exactly 0 never agrees. Returns ``(fractions [3], counted [3])``.
    """
    planned, executed = _pair(planned, executed)
    counted = np.abs(executed) >= min_motion  # [K, 3]
    agree = (np.sign(planned) == np.sign(executed)) & counted
    n = counted.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        fractions = np.where(n > 0, agree.sum(axis=0) / np.maximum(n, 1), np.nan)
    return fractions, n


def cosine_similarity(planned, executed, min_motion: float = 0.002) -> np.ndarray:
    """Cosine of the angle between planned and executed Δxyz per step [K].

    NaN where the executed motion is shorter than ``min_motion``; 0 where the plan is no motion.
    """
    planned, executed = _pair(planned, executed)
    norm_p = np.linalg.norm(planned, axis=1)
    norm_e = np.linalg.norm(executed, axis=1)
    dot = (planned * executed).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = np.where(norm_p > 0, dot / (norm_p * norm_e), 0.0)
    return np.where(norm_e >= min_motion, np.clip(cosine, -1.0, 1.0), np.nan)


def magnitude_error(planned, executed) -> np.ndarray:
    """| ‖planned Δxyz‖ − ‖executed Δxyz‖ | per step [K], metres."""
    planned, executed = _pair(planned, executed)
    return np.abs(np.linalg.norm(planned, axis=1) - np.linalg.norm(executed, axis=1))


def xyz_error(planned, executed) -> np.ndarray:
    """‖planned Δxyz − executed Δxyz‖ per step [K], metres."""
    planned, executed = _pair(planned, executed)
    return np.linalg.norm(planned - executed, axis=1)


def percentiles(values, quantiles=(50, 90, 99)) -> dict:
    """Mean, the given percentiles and the max of ``values`` (NaN ignored); {} if none."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return {"count": 0}
    out = {"count": int(values.size), "mean": float(values.mean())}
    for q in quantiles:
        out[f"p{q:g}"] = float(np.percentile(values, q))
    out["max"] = float(values.max())
    return out


def _mean(values) -> float:
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else math.nan


def summarize_actions(planned, executed, min_motion: float = 0.002) -> dict:
    """Agreement of planned vs executed first actions over all steps, as a JSON-ready dict."""
    fractions, counted = sign_agreement(planned, executed, min_motion)
    cosine = cosine_similarity(planned, executed, min_motion)
    counted_all = counted.sum()
    overall = float(np.nansum(fractions * counted) / counted_all) if counted_all else math.nan
    return {
        "steps": int(len(np.asarray(planned))),
        "min_motion_m": float(min_motion),
        "sign_agreement": {axis: float(f) for axis, f in zip(AXES, fractions, strict=True)},
        "sign_agreement_steps": {axis: int(n) for axis, n in zip(AXES, counted, strict=True)},
        "sign_agreement_all_axes": overall,
        "cosine_xyz_mean": _mean(cosine),
        "cosine_xyz_median": float(np.nanmedian(cosine)) if np.isfinite(cosine).any()
        else math.nan,
        "cosine_xyz_steps": int(np.isfinite(cosine).sum()),
        "magnitude_error_m_mean": _mean(magnitude_error(planned, executed)),
        "xyz_error_m_mean": _mean(xyz_error(planned, executed)),
        "planned_norm_m_mean": _mean(np.linalg.norm(_xyz(planned, "planned"), axis=1)),
        "executed_norm_m_mean": _mean(np.linalg.norm(_xyz(executed, "executed"), axis=1)),
    }


def summarize_energies(planned_energy, executed_energy) -> dict:
    """Energies of the planned vs the executed actions under the model (lower is closer)."""
    planned_energy = np.asarray(planned_energy, dtype=np.float64)
    executed_energy = np.asarray(executed_energy, dtype=np.float64)
    if planned_energy.shape != executed_energy.shape:
        raise ValueError("planned and executed energies must have the same shape")
    both = np.isfinite(planned_energy) & np.isfinite(executed_energy)
    return {
        "planned_mean": _mean(planned_energy),
        "executed_mean": _mean(executed_energy),
        # The planner's job is the lowest energy: how often it did at least as well as the
        # demonstrator, under the model.
        "planned_at_most_executed": float((planned_energy <= executed_energy)[both].mean())
        if both.any() else math.nan,
        "gap_mean": _mean(executed_energy - planned_energy),
    }

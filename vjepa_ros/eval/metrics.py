"""How well planned actions match executed ones, and latency statistics (pure numpy).

Arrays are indexed by evaluated step: planned / executed actions [K, 7] (Δxyz [m], Δrotation
[rad], Δgripper), energies [K]. What "moved" means is said once, here (:func:`moved_axes`,
:func:`moved`), and used by the scores and by the note that counts the steps they leave out
(``step_notes.motion_note``): an axis moved on a step when its executed Δ is at least
``min_motion`` [m] and not 0 (a Δ of 0 has no sign, even at ``min_motion`` 0); a step moved when
its executed Δxyz is at least ``min_motion`` long and not 0. An axis' sign agreement counts the
steps it moved on; the cosine similarity, the magnitude and xyz errors and the planned / executed
length means count the steps that moved (a still step counts in the energies only). NaN means
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


def moved_axes(executed, min_motion: float = 0.002) -> np.ndarray:
    """[K, 3] bool: the axes each step moved along (executed |Δ| ≥ ``min_motion`` and Δ ≠ 0)."""
    executed = _xyz(executed, "executed")
    return (np.abs(executed) >= min_motion) & (executed != 0)


def moved(executed, min_motion: float = 0.002) -> np.ndarray:
    """[K] bool: the steps that moved (executed ‖Δxyz‖ ≥ ``min_motion`` and > 0): those scored."""
    norm = np.linalg.norm(_xyz(executed, "executed"), axis=1)
    return (norm >= min_motion) & (norm > 0)


def sign_agreement(planned, executed, min_motion: float = 0.002):
    """Per axis: fraction of counted steps whose planned Δ has the executed Δ's sign [3], counts.

    Counted: the steps that moved along the axis (:func:`moved_axes`). A planned Δ of exactly 0
    never agrees. Returns ``(fractions [3], counted [3])``.
    """
    planned, executed = _pair(planned, executed)
    counted = moved_axes(executed, min_motion)  # [K, 3]
    agree = (np.sign(planned) == np.sign(executed)) & counted
    n = counted.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        fractions = np.where(n > 0, agree.sum(axis=0) / np.maximum(n, 1), np.nan)
    return fractions, n


def cosine_similarity(planned, executed, min_motion: float = 0.002) -> np.ndarray:
    """Cosine of the angle between planned and executed Δxyz per step [K].

    NaN where the step did not move (:func:`moved`); 0 where the plan is no motion.
    """
    planned, executed = _pair(planned, executed)
    norm_p = np.linalg.norm(planned, axis=1)
    norm_e = np.linalg.norm(executed, axis=1)
    dot = (planned * executed).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = np.where(norm_p > 0, dot / (norm_p * norm_e), 0.0)
    return np.where(moved(executed, min_motion), np.clip(cosine, -1.0, 1.0), np.nan)


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
    """Agreement of planned vs executed first actions, as a JSON-ready dict.

    Signs on the steps that moved along each axis; the cosine, magnitude and xyz errors and the
    length means on the steps that moved (``scored_steps``, :func:`moved`).
    """
    fractions, counted = sign_agreement(planned, executed, min_motion)
    cosine = cosine_similarity(planned, executed, min_motion)
    scored = moved(executed, min_motion)
    planned_xyz, executed_xyz = (_xyz(planned, "planned")[scored],
                                 _xyz(executed, "executed")[scored])
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
        # the steps the lines below (and the cosine) average over: those that moved
        "scored_steps": int(scored.sum()),
        "magnitude_error_m_mean": _mean(magnitude_error(planned_xyz, executed_xyz)),
        "xyz_error_m_mean": _mean(xyz_error(planned_xyz, executed_xyz)),
        "planned_norm_m_mean": _mean(np.linalg.norm(planned_xyz, axis=1)),
        "executed_norm_m_mean": _mean(np.linalg.norm(executed_xyz, axis=1)),
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

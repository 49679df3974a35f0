"""The correction trial's records: one trial (a leg) and a plan the worker owes the trial.

:class:`TrialLeg` is one trial of ``camera_check_trial.CorrectionTrial``: from a starting pose
toward the start's frame, uncorrected or corrected, with what it measured (distances, progress)
and what cut it short (``leashed``, ``clipped``, ``blocked``); :class:`TrialPlanJob` a plan the
planning worker computes for it; :func:`not_following_words` the stop of a trial whose arm did not
follow its set-point.
"""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass
class TrialLeg:
    """One trial: from ``pose`` toward the start's frame with ``rotation_rpy_deg`` applied."""

    label: str  # the starting direction, e.g. "+x+y+z"
    setting: str  # "uncorrected" or "corrected"
    rotation_rpy_deg: list[float]  # control.model_frame_rpy_deg during the trial
    pose: np.ndarray  # [7] starting pose (base frame)
    start_distance_m: float | None = None  # measured at the first frame
    end_distance_m: float | None = None  # measured after the last step
    distances_m: list = dataclasses.field(default_factory=list)  # after each step
    leashed: int = 0  # planned targets pulled back within max_distance_m
    clipped: int = 0  # planned steps the safety filter shortened (the box, max_step_m)
    blocked: int = 0  # its steps that did not arrive within timeout_s (gone on from there)

    @property
    def progress(self) -> float | None:
        """Share of the distance to the start closed: 1 − end / start (None until done)."""
        if self.start_distance_m is None or self.end_distance_m is None or \
                self.start_distance_m <= 0:
            return None
        return 1.0 - self.end_distance_m / self.start_distance_m

    def to_dict(self) -> dict:
        return {"label": self.label, "setting": self.setting,
                "rotation_rpy_deg": list(self.rotation_rpy_deg),
                "start_distance_m": self.start_distance_m, "end_distance_m": self.end_distance_m,
                "distances_m": list(self.distances_m), "progress": self.progress,
                "leashed": self.leashed, "clipped": self.clipped, "blocked": self.blocked}


@dataclasses.dataclass(frozen=True)
class TrialPlanJob:
    """A plan the worker owes the trial: from ``frame``/``state`` toward the start's frame."""

    frame: np.ndarray  # [H, W, 3] uint8
    state: np.ndarray  # [7] measured at the frame
    rotation_rpy_deg: list[float]
    first: bool  # the first plan of its trial: the planner starts without the last one's momentum


def not_following_words(where: str, timeout_s: float, gap: str, motions_result) -> str:
    """Return the one-line stop of a trial move to a pose that did not arrive (breaker59j #5).

    ``where``: the move in words; ``timeout_s`` [s]; ``gap``: how far off (``arrival.gap_words``);
    ``motions_result``: the motions' ``CameraCheckResult`` (its verdict and candidate are said).
    The arm stood short of its set-point for ``timeout_s``: a controller stopped by a reflex, an
    object in the way. Trials from starts not reached measure noise (progress a ratio of two
    sensor noises), so no verdict is given from them and nothing is written.
    """
    result = motions_result
    return (f"camera check stopped: the arm did not follow the correction trial's set-point: "
            f"{where} did not arrive within {timeout_s:g} s of the set-point standing still "
            f"({gap}; a controller stopped by a reflex, or an object in the way?); the trial "
            f"measured nothing, so it gave no verdict and nothing was written (the motions alone "
            f"said: {result.verdict}, {result.candidate} rotation "
            f"{result.candidate_angle_deg:.1f}°); recover the arm and call ~/camera_check again")

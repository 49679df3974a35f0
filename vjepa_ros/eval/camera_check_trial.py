"""The verdict of the camera check's correction trial (``robot/camera_check_trial.py``).

The trial plans toward the check's start frame from a few poses ``offset_m`` away, once without a
correction and once with the rotation the check's motions estimated; each trial's progress is the
share of the distance closed (1 − end / start). This module turns the trials into the check's
verdict, replacing the one built on the motions alone:

- **correct by rotation** when the corrected trials close at least ``min_progress`` of the
  distance on average and at least ``margin`` more than the uncorrected ones;
- else **placement fine** when the uncorrected trials close at least ``min_progress``;
- else **move the camera**: neither setting plans toward the goal.

Why a trial: with a small learned model the check's motions scatter 20–80° RMS about the best
rotation, and the statistics of the motions could not tell a placement the rotation corrects
(+70° azimuth: reach 1/10 → 9/10 with the check's yaw) from one it does not (−70°: 3/10 → 0/10;
``docs/camera_placement.md``, sessions 8–10). Planning toward a goal is what the verdict promises.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from vjepa_ros.eval.camera_check import CameraCheckResult, Verdict


def mean_progress(legs: list[dict], setting: str) -> float | None:
    """Mean ``progress`` of the finished trials of ``setting`` ("uncorrected"/"corrected")."""
    values = [leg["progress"] for leg in legs
              if leg["setting"] == setting and leg.get("progress") is not None]
    return float(np.mean(values)) if values else None


def trial_verdict(result: CameraCheckResult, legs: list[dict], min_progress: float,
                  margin: float) -> CameraCheckResult:
    """Return ``result`` with the verdict, explanation and correction the trial decides.

    Args:
        result: the check's result from its motions (its ``candidate_rpy_deg`` was tried).
        legs: the trials (``TrialLeg.to_dict()``: ``setting``, ``progress``, ...).
        min_progress: share of the distance a setting must close on average (0..1].
        margin: how much more the corrected trials must close than the uncorrected ones.
    Returns:
        A new :class:`CameraCheckResult`; ``trial`` holds the legs, both mean progresses, the
        motions' own verdict and the rule's settings.
    Raises:
        ValueError: no finished trial of one of the two settings.
    """
    uncorrected = mean_progress(legs, "uncorrected")
    corrected = mean_progress(legs, "corrected")
    if uncorrected is None or corrected is None:
        raise ValueError("camera check trial: no finished trial without and with the correction")
    rpy = [float(v) for v in result.candidate_rpy_deg]
    angle = _angle_deg(rpy)
    summary = (f"in the trial the planner closed {uncorrected:.0%} of the distance to the "
               f"start's frame uncorrected and {corrected:.0%} with the estimated "
               f"{result.candidate} rotation ({angle:.1f}°), over {len(legs) // 2} starting "
               f"poses (threshold {min_progress:.0%}, margin {margin:.0%}; the motions alone "
               f"said: {result.verdict})")
    if corrected >= min_progress and corrected >= uncorrected + margin:
        verdict, correction = Verdict.ROTATE, result.candidate
        explanation = (f"correct by rotation: {summary}; load the written parameter file "
                       "(control.model_frame_rpy_deg), or move the camera nearer the training "
                       "views")
    elif uncorrected >= min_progress:
        verdict, correction, rpy, angle = Verdict.FINE, "none", [0.0, 0.0, 0.0], 0.0
        explanation = f"placement fine: {summary}; no correction needed"
    else:
        verdict, correction, rpy, angle = Verdict.MOVE, "none", [0.0, 0.0, 0.0], 0.0
        explanation = (f"move the camera: {summary}; place it so that the arm's motion along "
                       "x, y and z shows clearly in the image, nearer the views the model was "
                       "trained on, and check again")
    trial = {"legs": legs, "progress_uncorrected": uncorrected, "progress_corrected": corrected,
             "motions_verdict": result.verdict, "min_progress": min_progress, "margin": margin}
    return dataclasses.replace(result, verdict=verdict, explanation=explanation,
                               correction=correction, correction_rpy_deg=rpy,
                               correction_angle_deg=angle, trial=trial)


def _angle_deg(rpy_deg) -> float:
    from scipy.spatial.transform import Rotation

    return math.degrees(Rotation.from_euler("xyz", rpy_deg, degrees=True).magnitude())

"""The verdict of the camera check's correction trial (``robot/camera_check_trial.py``).

The trial plans toward the check's start frame from a few poses ``offset_m`` away, once without a
correction and once with the rotation the check's motions estimated; each trial's progress is the
share of the distance closed (1 − end / start). This module turns the trials into the check's
verdict, replacing the one built on the motions alone:

- **correct by rotation** when every corrected trial closes at least ``min_progress`` of the
  distance and the corrected trials close at least ``margin`` more than the uncorrected ones
  on average;
- else **placement fine** when every uncorrected trial closes at least ``min_progress``;
- else **move the camera**: neither setting plans toward the goal from every starting pose.

Every trial, not the mean: a model that plans well from one side and away from the other fails
the goals on that side (session 13, ``docs/camera_placement.md``: at +70° azimuth the
uncorrected trials closed 91 % and 46 %, mean 68 %, and reach succeeded 0/10).

Why a trial: with a small learned model the check's motions scatter 20–80° RMS about the best
rotation, and the statistics of the motions could not tell a placement the rotation corrects
(+70° azimuth: reach 1/10 → 9/10 with the check's yaw) from one it does not (−70°: 3/10 → 0/10;
``docs/camera_placement.md``, sessions 8–10). Planning toward a goal is what the verdict promises.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vjepa_ros.eval.camera_check_result import CameraCheckResult, Verdict


def progresses(legs: list[dict], setting: str) -> list[float]:
    """Return the ``progress`` of the finished trials of ``setting`` (uncorrected/corrected)."""
    return [float(leg["progress"]) for leg in legs
            if leg["setting"] == setting and leg.get("progress") is not None]


def mean_progress(legs: list[dict], setting: str) -> float | None:
    """Return the mean ``progress`` of the finished trials of ``setting`` (None: none)."""
    values = progresses(legs, setting)
    return float(np.mean(values)) if values else None


def trial_verdict(result: CameraCheckResult, legs: list[dict], min_progress: float,
                  margin: float) -> CameraCheckResult:
    """Return ``result`` with the verdict, explanation and correction the trial decides.

    Args:
        result: the check's result from its motions (its ``candidate_rpy_deg`` was tried).
        legs: the trials (``TrialLeg.to_dict()``: ``setting``, ``progress``, ...).
        min_progress: share of the distance every trial of a setting must close (0..1].
        margin: how much more the corrected trials must close than the uncorrected ones, on
            average.
    Returns:
        A new :class:`CameraCheckResult`; ``trial`` holds the legs, both settings' mean and
        worst progress, the motions' own verdict and the rule's settings, and
        ``blocked`` (trial moves that did not arrive, also said in the explanation) and
        ``clipped`` (planned steps the safety filter shortened: said too) when any.
    Raises:
        ValueError: no finished trial of one of the two settings.
    """
    uncorrected = mean_progress(legs, "uncorrected")
    corrected = mean_progress(legs, "corrected")
    if uncorrected is None or corrected is None:
        raise ValueError("camera check trial: no finished trial without and with the correction")
    worst_u = min(progresses(legs, "uncorrected"))
    worst_c = min(progresses(legs, "corrected"))
    rpy, angle = [float(v) for v in result.candidate_rpy_deg], result.candidate_angle_deg
    summary = (f"in the trial the planner closed {uncorrected:.0%} of the distance to the "
               f"start's frame uncorrected (worst start pose {worst_u:.0%}) and "
               f"{corrected:.0%} with the estimated {result.candidate} rotation ({angle:.1f}°; "
               f"worst {worst_c:.0%}), from {len(legs) // 2} starting poses (every pose must "
               f"close {min_progress:.0%}; the correction must close {margin:.0%} more; the "
               f"motions alone said: {result.verdict})")
    if worst_c >= min_progress and corrected >= uncorrected + margin:
        verdict, correction = Verdict.ROTATE, result.candidate
        explanation = (f"correct by rotation: {summary}; load the written parameter file "
                       "(control.model_frame_rpy_deg), or move the camera nearer the training "
                       "views")
    elif worst_u >= min_progress:
        verdict, correction, rpy, angle = Verdict.FINE, "none", [0.0, 0.0, 0.0], 0.0
        explanation = f"placement fine: {summary}; no correction needed"
    else:
        verdict, correction, rpy, angle = Verdict.MOVE, "none", [0.0, 0.0, 0.0], 0.0
        explanation = (f"move the camera: {summary}; place it so that the arm's motion along "
                       "x, y and z shows clearly in the image, nearer the views the model was "
                       "trained on, and check again")
    trial = {"legs": legs, "progress_uncorrected": uncorrected, "progress_corrected": corrected,
             "worst_uncorrected": worst_u, "worst_corrected": worst_c,
             "motions_verdict": result.verdict, "min_progress": min_progress, "margin": margin}
    blocked = sum(leg.get("blocked", 0) for leg in legs)
    if blocked:  # legs cut short: a verdict on them is no clean trial's (breaker49g)
        trial["blocked"] = blocked
        explanation += (f"; {blocked} trial move(s) did not arrive within "
                        "camera_check.motion.timeout_s (blocked: an object in the way?); those "
                        "trials went on from where the arm stood")
    clipped = sum(leg.get("clipped", 0) for leg in legs)
    if clipped:  # the box's wall, not an object: those steps arrived where they were sent
        trial["clipped"] = clipped
        explanation += (f"; {clipped} planned trial step(s) were shortened by the safety filter "
                        "(the workspace box or safety.max_step_m) and went as shortened")
    if result.search_caveat:  # the trial's plans come from the same weak search
        explanation += f"; {result.search_caveat}"
    return dataclasses.replace(result, verdict=verdict, explanation=explanation,
                               correction=correction, correction_rpy_deg=rpy,
                               correction_angle_deg=angle, trial=trial, length_cause="",
                               too_uncertain=False)


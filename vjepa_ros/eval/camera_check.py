"""Camera placement check: does the world model know where the robot's axes are.

V-JEPA 2-AC sees the arm through one camera and infers the robot's axes from the view; the
paper's authors found a working camera placement by hand. This module turns pairs of
(motion the robot executed, motion the world model infers from the frames before and after it)
into an answer:

- the rotation ``R`` that best maps the base frame to the frame the model predicts motion in
  (``Δxyz_model ≈ R · Δxyz_base``): the yaw about the base z axis in closed form
  (:func:`estimate_yaw`) and the full 3-D rotation (Wahba's problem, solved with
  ``scipy.spatial.transform.Rotation.align_vectors``, a Kabsch/SVD solution:
  :func:`estimate_rotation`);
- how well a rotation explains the model's motions (RMS angle between the inferred directions
  and the rotated executed ones) and how much of the motion the model sees (length ratio, over
  all motions and per base axis: along the camera's optical axis a model may see almost none);
  the agreement, the mean cosine of the direction errors (``camera_check_stats``);
- per-axis sign agreement of the inferred with the executed motion (as ``vjepa-ros eval``),
  before and after the correction;
- a verdict in plain words (:class:`Verdict`, thresholds in :class:`CheckThresholds`); given a
  second, independent search of the same motions, "undecided" when the two disagree too much
  for any verdict (``camera_check_search``); "undecided" too when motions in the table's plane
  fit a mirror and a half turn about a level axis alike (``level_turn_words``: only z tells).

**The model's inferred motion** of one executed motion is found through the predictor: the
planner's own search (CEM/iCEM/MPPI as configured, horizon 1) from the frame before the motion
and the state there, toward the encoded frame after it as the goal. Its first action is the
action whose imagined next representation best matches what the camera saw after the motion
(an inverse model through the predictor). This is the action the planner would command to
reach that frame, so a mismatch here is exactly the error the planner makes on the arm.
(:func:`infer_motions`; the offline check gets the same from ``evaluate.evaluate_recording``
with horizon 1 and the goal one step ahead.)

Directions only: each motion is normalised to unit length before the fit (each counts once,
whatever its length); the lengths enter only the ratio ``scale``.

**Does the model see the motion at all?** A model blind to motion along some axis (e.g. along the
camera's optical axis) still returns *some* action for it (its search is free along that axis),
which a rotation may fit by chance. So each motion also carries the share of the frame change the
inferred action explains: ``explained = 1 − E(inferred) / E(still)``, the planner's energy of the
inferred action toward the frame after over that of standing still (zero action), both with the
planner's own rollout. Near 1: the model predicts the frame after; near 0: no action it knows
changes its prediction toward it. Averaged per base axis (each motion counted on the axis it
moves along most), an axis below ``min_explained`` times the best-seen axis's share says "move
the camera". Relative, because a recording's motions also turn the hand, which the published
planner does not search: that part of a frame change no action explains, along every axis alike
(on a simulator bag with an exact model the shares are 0.38–0.42; in the live check, whose moves
hold the orientation, above 0.9). A line off the axes that two or more motions moved along (the
live check's corners and diagonals, ``camera_check_stats.direction_lines``) has its share judged
as an axis's, averaged over its motions. Lengths are judged along every direction, not only the
axes: a camera looking diagonally down at the arm leaves the model blind along a direction that
is no base axis (breaker43b), where no motion of the check need lie (breaker43f); the linear map
fitted from all executed to all inferred motions infers ``σ_min`` of a motion's length along its
weakest direction (``camera_check_weakest.weakest_direction``), held to ``min_scale`` (its upper
confidence bound, at ``confidence``), and the verdict names it (``+x-z/-x+z``); judged only with
at least 10 usable motions and no motion alone along a direction (else ``weakest_direction``'s
``not_judged`` says why, and the axis rules judge alone: breaker43k).

This module gives the verdict (:func:`check_motions`); the result: ``camera_check_result``; the
rotation fits: ``camera_check_rotation``, the choice between the yaw and the full fit:
``camera_check_fit_choice``; the motions used: ``camera_check_motions``; the words
of "move the camera": ``camera_check_reasons``; the model's inferred motions:
``camera_check_inference``; the motions whose frames are stale, the frame after the same
picture as the frame before or an image taken with the arm elsewhere (left out; all of them, or
too many to leave enough: refused, naming the image topic): ``camera_check_unchanged``.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy.spatial.transform import Rotation

from vjepa_ros.eval.camera_check_fit_choice import fit_choice
from vjepa_ros.eval.camera_check_motions import direction_spans, usable_motions
from vjepa_ros.eval.camera_check_noise import rotation_uncertainty
from vjepa_ros.eval.camera_check_reasons import (
    axes_scope,
    explains_nothing,
    mirror_advice,
    move_reason,
    search_failed,
)
from vjepa_ros.eval.camera_check_result import CameraCheckResult, Verdict, rpy_words
from vjepa_ros.eval.camera_check_rotation import (
    estimate_rotation,
    estimate_yaw,
    level_turn_words,
    mirrored_words,
    no_worse_than_identity,
    rms_angle_deg,
)
from vjepa_ros.eval.camera_check_search import (
    budget_caveat,
    search_spread,
    undecided_explanation,
)
from vjepa_ros.eval.camera_check_stats import (
    agreement,
    axis_scale,
    axis_sign_agreement,
    direction_lines,
    direction_scale,
    explained_by_axis,
    explained_by_line,
)
from vjepa_ros.eval.camera_check_thresholds import CheckThresholds
from vjepa_ros.eval.camera_check_unchanged import (
    refuse_stale,
    skipped_motions,
    skipped_note,
    stale_reasons,
)
from vjepa_ros.eval.camera_check_weakest import MIN_EVIDENCE, weakest_direction
from vjepa_ros.eval.camera_check_wide import too_wide
from vjepa_ros.eval.metrics import AXES


def check_motions(executed, inferred, thresholds: CheckThresholds | None = None,
                  explained=None, repeat=None,
                  search_settings: tuple[int, int] | None = None,
                  live: bool = False, unchanged=None,
                  image_topic: str = "the camera topic") -> CameraCheckResult:
    """Estimate the model's frame from motions and give the verdict.

    Args:
        executed: [N, 3+] executed motions in the base frame [m] (Δxyz first; e.g. actions [N, 7]).
        inferred: [N, 3+] the model's inferred motions for them (its frame) [m].
        thresholds: the verdict's thresholds (default :class:`CheckThresholds`).
        explained: [N] optional share of each frame change the inferred action explains
            (:func:`explained_share`); None: not used in the verdict.
        repeat: [N, 3+] optional inferred motions of a second search with independent noise
            (``camera_check_search``): when the two disagree by more than its limit the verdict
            is "undecided" (unless the model explains nothing: "move the camera"); None: not
            checked.
        search_settings: (samples, iterations) of the search, named in the "undecided" message
            (None: named as planner parameters) and, below the budget the verdicts were
            validated at, in ``search_caveat`` after any other verdict
            (``camera_check_search.budget_caveat``).
        live: the planner node's live check: the "undecided" message names the node's
            ``planner.*`` parameters, not the command's options
            (``camera_check_search.undecided_explanation``); motions along one line are to be
            moved, not recorded (``camera_check_motions.usable_motions``).
        unchanged: [N] bool or str, optional: the motions whose frames are stale (their frame
            after the same picture as before, ``camera_check_unchanged.unchanged_frames``, or
            a repeat of an image taken elsewhere; str: why, "" none): left out of the verdict,
            which says how many (``skipped_note``) and which (``skipped``); None: none.
        image_topic: the camera topic, named when every motion is ``unchanged`` or too few
            are left without them.
    Returns:
        :class:`CameraCheckResult`; "placement fine" and "correct by rotation" name the axes
        they cover when a base axis had no motion (``unchecked_axes``, :func:`axes_scope`).
    Raises:
        ValueError: shapes differ, not finite, fewer than ``min_motions`` motions of at least
            ``min_motion_m``, or all of them along one line (the rotation is not determined);
            the message says what motion is missing; every motion ``unchanged``: the frames
            on ``image_topic`` do not change; too few left without the ``unchanged`` ones: the
            frames stopped changing (how many were skipped; no advice on ``min_motion_m``).
    """
    thresholds = thresholds or CheckThresholds()
    executed = np.asarray(executed, dtype=np.float64)
    inferred = np.asarray(inferred, dtype=np.float64)
    if executed.ndim != 2 or executed.shape[1] < 3 or inferred.shape[:1] != executed.shape[:1] \
            or inferred.ndim != 2 or inferred.shape[1] < 3:
        raise ValueError(f"camera check: executed and inferred motions must be [N, 3+] each, got "
                         f"{list(executed.shape)} and {list(inferred.shape)}")
    executed, inferred = executed[:, :3], inferred[:, :3]
    finite = np.isfinite(inferred).all(1)
    if repeat is not None:
        repeat = np.asarray(repeat, dtype=np.float64)
        search_spread(inferred, repeat)  # the shapes, before the motions' own checks
        repeat = repeat[:, :3]
        finite &= np.isfinite(repeat).all(1)
    reasons = stale_reasons(unchanged, len(executed))
    unchanged = np.array([bool(reason) for reason in reasons], dtype=bool)
    moved = usable_motions(executed, thresholds, finite, live)  # an arm at rest: no evidence
    # enough motions moved (above): never None here
    used = refuse_stale(executed, thresholds, moved, unchanged, image_topic, live)
    skipped, skipped_list = skipped_note(unchanged[moved]), skipped_motions(reasons, moved)
    executed, inferred, count = executed[used], inferred[used], int(used.sum())
    spread = search_spread(inferred, repeat[used]) if repeat is not None else None
    if explained is not None:
        explained = np.asarray(explained, dtype=np.float64).reshape(-1)[used]
    by_axis = explained_by_axis(executed, explained)
    lines = direction_lines(executed)  # the corners / diagonals moved along, judged as the axes
    by_line = explained_by_line(lines, explained)
    span = direction_spans(executed)
    moved = np.linalg.norm(inferred, axis=1) > 0
    scale = float(np.linalg.norm(inferred, axis=1).sum() / np.linalg.norm(executed, axis=1).sum())
    yaw = estimate_yaw(executed[moved], inferred[moved]) if moved.any() else 0.0
    yaw_rotation = Rotation.from_euler("z", yaw)
    full = estimate_rotation(executed[moved], inferred[moved]) if moved.sum() >= 2 else \
        Rotation.identity()
    identity = Rotation.identity()
    m_b, m_m = executed[moved], inferred[moved]
    yaw_rotation, full = (no_worse_than_identity(m_b, m_m, rotation)
                          for rotation in (yaw_rotation, full))
    yaw = yaw if yaw_rotation.magnitude() > 0 else 0.0
    residual = {name: (rms_angle_deg(m_b, m_m, rotation) if moved.any() else 180.0)
                for name, rotation in (("none", identity), ("yaw", yaw_rotation),
                                       ("full", full))}
    full_fit, mirrors = fit_choice(m_b, m_m, residual, span, executed, thresholds.confidence)
    choice = "full" if full_fit else "yaw"
    chosen = full if full_fit else yaw_rotation
    angle = float(np.degrees(chosen.magnitude()))
    # what the correction trial tries, whatever the verdict below sets the correction to
    candidate, candidate_rpy = choice, chosen.as_euler("xyz", degrees=True).tolist()
    candidate_angle = angle
    scales = axis_scale(executed, inferred)
    line_scales = direction_scale(executed, inferred, lines)  # reported, not judged
    weakest = weakest_direction(executed, inferred, thresholds.confidence)
    noise = rotation_uncertainty(m_b, m_m, chosen, yaw_only=not full_fit,
                                 confidence=thresholds.confidence,
                                 search_deg=spread.error_deg if spread is not None else 0.0)
    # a mirrored view: the motions fix the handedness when they move out of their plane (at
    # least one motion's worth), or in the table's plane with the yaw fit (in a plane with the
    # full fit a reflection equals a rotation: a tilt of 180° about an axis in the plane)
    mirror, mirror_deg = "", 180.0
    if moved.sum() >= 2 and (span[2] ** 2 >= MIN_EVIDENCE or not full_fit):
        reflection, mirror_deg = mirrors(not full_fit)
        mirror = mirrored_words(reflection, mirror_deg, residual[choice])
    # in the table's plane a mirror and a half turn about a level axis look alike (breaker55b)
    level_turn = "" if full_fit else level_turn_words(mirror, mirror_deg, full, residual["full"],
                                                      span[2] ** 2 >= MIN_EVIDENCE)
    judged = ("full", "") if level_turn else (choice, mirror)  # judged as the turn's fit
    reason = move_reason(thresholds, by_axis, scale, scales, residual[judged[0]], judged[0],
                         judged[1], mirror_deg, by_line, weakest)
    why, length = (reason.sentence, reason.length_cause) if reason else (None, "")
    mirror = reason.mirror if reason else ""  # the reason only when it is the one given
    unchecked = [axis for axis in AXES if scales[axis] is None]
    wide = ""  # why the estimate is too uncertain for its verdict (camera_check_wide)
    if spread is not None and spread.too_weak and (
            explains_nothing(thresholds, by_axis) is None or search_failed(by_axis)):
        verdict = Verdict.UNDECIDED
        explanation = undecided_explanation(spread, *(search_settings or (None, None)), live)
        choice, chosen, angle = "none", identity, 0.0
    elif level_turn and why is None:
        verdict, explanation = Verdict.UNDECIDED, f"undecided: {level_turn}"
        choice, chosen, angle = "none", identity, 0.0
    elif why is not None:
        verdict = Verdict.MOVE
        advice = (mirror_advice(mirror) if mirror else
                  "place it so that the arm's motion along x, y and z shows clearly in the "
                  "image, nearer the views the model was trained on, and check again")
        explanation = f"move the camera: {why}; {advice}"
        choice, chosen, angle = "none", identity, 0.0
    elif wide := too_wide(angle, noise, thresholds, angle > thresholds.fine_deg and
                          noise.distinguishable, count, residual[choice]):
        verdict, explanation = Verdict.UNDECIDED, wide
        choice, chosen, angle = "none", identity, 0.0
    elif angle <= thresholds.fine_deg:
        verdict = Verdict.FINE
        explanation = (f"placement fine: the model's motions match the robot's axes within "
                       f"{angle:.1f}° (threshold {thresholds.fine_deg:g}°; RMS "
                       f"{residual['none']:.1f}° uncorrected); no correction needed")
        choice, chosen, angle = "none", identity, 0.0  # (the fit: candidate_angle_deg)
    elif not noise.distinguishable:
        verdict = Verdict.FINE
        explanation = (f"placement fine: the estimated rotation, {angle:.1f}°, lies within its "
                       f"own uncertainty (±{noise.along_deg:.1f}° along its axis, "
                       f"±{noise.bound_deg:.1f}° widest, at {noise.confidence:.0%}: "
                       f"the model's {count} motions scatter {residual[choice]:.1f}° RMS about "
                       f"it), so it cannot be told from no rotation (p {noise.p_value:.2f}); no "
                       "correction applied (more motions narrow the uncertainty: the live "
                       "check's camera_check.motion.diagonals, or a longer recording offline)")
        choice, chosen, angle = "none", identity, 0.0  # (the fit: candidate_angle_deg)
    else:
        verdict = Verdict.ROTATE
        # the correction's own angles, as control.model_frame_rpy_deg gets them (extrinsic
        # xyz); never the yaw-only fit, which differs from the correction's yaw by up to 180°
        # once the frame is tilted (breaker55b)
        rpy = rpy_words(chosen.as_euler("xyz", degrees=True), named=True)
        explanation = (f"correct by rotation: the model predicts motion in a frame rotated "
                       f"{angle:.1f}° (±{noise.along_deg:.1f}° along its axis, "
                       f"±{noise.bound_deg:.1f}° widest, {noise.confidence:.0%}) from the "
                       f"base frame ({rpy}); the "
                       f"{choice} rotation explains its motions within {residual[choice]:.1f}° "
                       f"RMS (uncorrected {residual['none']:.1f}°): load the written parameter "
                       "file (control.model_frame_rpy_deg), or move the camera nearer the "
                       "training views")
    if unchecked and verdict in (Verdict.FINE, Verdict.ROTATE):  # it covers the axes moved
        words, _, rest = explanation.partition(": ")
        scope = axes_scope(unchecked, thresholds.min_motion_m, short=True)
        explanation = f"{words} {scope}: {rest}"
    caveat = "" if verdict == Verdict.UNDECIDED else budget_caveat(
        *(search_settings or (None, None)), live)
    if skipped:
        explanation += f"; {skipped}"
    if caveat:
        explanation += f"; {caveat}"
    corrected = chosen.inv().apply(inferred)  # the inferred motions in the base frame
    return CameraCheckResult(
        verdict=verdict, explanation=explanation, motions=count,
        yaw_deg=math.degrees(yaw),
        rotation_rpy_deg=full.as_euler("xyz", degrees=True).tolist(),
        rotation_angle_deg=float(np.degrees(full.magnitude())),
        correction=choice,
        correction_rpy_deg=chosen.as_euler("xyz", degrees=True).tolist(),
        correction_angle_deg=angle,
        residual_deg=residual, scale=scale,
        sign_agreement=axis_sign_agreement(inferred, executed, thresholds.min_motion_m / 2,
                                           unchecked),
        sign_agreement_corrected=axis_sign_agreement(corrected, executed,
                                                     thresholds.min_motion_m / 2, unchecked),
        explained=by_axis, axis_scale=scales,
        directions={words: {"scale": line_scales[words], "explained": by_line[words]}
                    for words in lines},
        weakest_direction=weakest.to_dict() if weakest is not None else None,
        agreement={name: (agreement(executed, inferred, rotation) if moved.any() else 0.0)
                   for name, rotation in (("none", identity), ("yaw", yaw_rotation),
                                          ("full", full))},
        uncertainty=noise.to_dict(),
        span=span.tolist(), executed=executed.tolist(), inferred=inferred.tolist(),
        thresholds=dataclasses.asdict(thresholds),
        candidate=candidate, candidate_rpy_deg=candidate_rpy, candidate_angle_deg=candidate_angle,
        search=spread.to_dict() if spread is not None else None,
        inferred_repeat=repeat[used].tolist() if repeat is not None else None,
        unchecked_axes=unchecked, length_cause=length if verdict == Verdict.MOVE else "",
        mirror=mirror if verdict == Verdict.MOVE else "",
        search_caveat=caveat, skipped_note=skipped, skipped=skipped_list,
        too_uncertain=bool(wide), motion_index=np.flatnonzero(used).tolist())

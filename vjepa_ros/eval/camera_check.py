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
  for any verdict (``camera_check_search``).

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
hold the orientation, above 0.9).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy.spatial.transform import Rotation

from vjepa_ros.eval.camera_check_noise import rotation_uncertainty
from vjepa_ros.eval.camera_check_search import (
    budget_caveat,
    search_spread,
    undecided_explanation,
)
from vjepa_ros.eval.camera_check_stats import (
    agreement,
    axis_masks,
    axis_scale,
    direction_errors_deg,
    unit_directions,
)
from vjepa_ros.eval.camera_check_thresholds import PARAM_PREFIX, CheckThresholds
from vjepa_ros.eval.metrics import AXES, sign_agreement

# The base motions span all three axes when the smallest singular value of the stacked unit
# directions is at least this fraction of the largest; then the full rotation is recommended.
SPAN_3D = 0.3
# ... and at least two directions (a plane) when the middle one is: needed for any estimate.
SPAN_2D = 0.2
# Motions in a plane get the yaw about base z when the plane's normal lies within this angle of z
# (a tabletop's x-y motions); in another plane (x-z: y never moved) the yaw is no rotation within
# the plane: a 40° pitch of the model's frame left it at 0° ("placement fine" with 40° RMS), so
# the full rotation, which two directions determine, is fitted instead.
PLANE_YAW_DEG = 30.0
class Verdict:
    FINE = "placement fine"
    ROTATE = "correct by rotation"
    MOVE = "move the camera"
    # the search is too weak for any verdict (camera_check_search): no correction is written
    UNDECIDED = "undecided"


@dataclasses.dataclass
class CameraCheckResult:
    """What the check found; ``to_dict()`` is its JSON form."""

    verdict: str  # one of Verdict.*
    explanation: str  # the verdict in a sentence, with the numbers behind it
    motions: int  # motions used
    yaw_deg: float  # closed-form yaw about base z (base → model)
    rotation_rpy_deg: list[float]  # full rotation as extrinsic xyz Euler angles [deg]
    rotation_angle_deg: float  # angle of the full rotation
    correction: str  # "none", "yaw" or "full": which rotation is recommended
    correction_rpy_deg: list[float]  # control.model_frame_rpy_deg to load
    correction_angle_deg: float
    residual_deg: dict  # RMS angle [deg] after no correction / the yaw / the full rotation
    scale: float  # Σ|inferred| / Σ|executed| over the motions used
    sign_agreement: dict  # per base axis, inferred vs executed (fraction, None: axis unused)
    sign_agreement_corrected: dict  # the same after turning the inferred motions into base frame
    explained: dict  # per base axis: mean share of the frame change explained (None: not known)
    axis_scale: dict  # per base axis: inferred / executed length of its motions (None: no motion)
    agreement: dict  # mean cosine executed vs inferred direction: none / yaw / full rotation
    uncertainty: dict  # the chosen rotation's spread and identity test (camera_check_noise)
    span: list[float]  # singular values of the unit executed directions (their spread)
    executed: list[list[float]]  # [N, 3] m, base frame
    inferred: list[list[float]]  # [N, 3] m, the model's frame
    thresholds: dict
    # the best-fitting rotation whatever the verdict ("yaw" or "full", and its angles [deg]): what
    # the correction trial tries (``camera_check_trial``)
    candidate: str = "none"
    candidate_rpy_deg: list = dataclasses.field(default_factory=lambda: [0.0, 0.0, 0.0])
    candidate_angle_deg: float = 0.0
    trial: dict | None = None  # the correction trial's legs and decision, when it ran
    # two independent searches of the motions compared (camera_check_search.SearchSpread as a
    # dict; None: searched once) and the second search's inferred motions [N, 3] m
    search: dict | None = None
    inferred_repeat: list | None = None
    # the base axes no used motion moved along (axis_scale None): a verdict does not cover them
    unchecked_axes: list = dataclasses.field(default_factory=list)
    # "move the camera" because the inferred lengths are far from the executed: that, in a few
    # words with the numbers, for the verdict line ("": another reason, or another verdict)
    length_cause: str = ""
    # the search was below the budget the verdicts were validated at: what to rerun with ("")
    search_caveat: str = ""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


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


def _no_worse_than_identity(executed, inferred, rotation: Rotation) -> Rotation:
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


def _agreement(inferred: np.ndarray, executed: np.ndarray, min_motion: float) -> dict:
    fractions, counted = sign_agreement(inferred, executed, min_motion)
    return {axis: (None if n == 0 else float(f))
            for axis, f, n in zip(AXES, fractions, counted, strict=True)}


def explained_share(inferred_energy, still_energy) -> np.ndarray:
    """``1 − E(inferred) / E(still)`` per motion [N] (0 where standing still scores 0)."""
    inferred_energy = np.asarray(inferred_energy, dtype=np.float64)
    still_energy = np.asarray(still_energy, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = 1.0 - inferred_energy / still_energy
    return np.where(still_energy > 0, share, 0.0)


def _explained_by_axis(executed: np.ndarray, explained: np.ndarray | None) -> dict:
    """Mean explained share per base axis over the motions along it (``axis_masks``).

    A motion counts for its dominant axis; where an axis has motions within ~37° of it, only
    those count, so the live check's diagonal motions (45° between two axes) do not blur the
    per-axis shares of its axis motions.
    """
    if explained is None:
        return dict.fromkeys(AXES)
    return {axis: float(explained[mine].mean()) if mine.any() else None
            for axis, mine in axis_masks(executed).items()}


def _explains_nothing(thresholds: CheckThresholds, by_axis: dict) -> str | None:
    """Say why the model sees nothing: its best action explains < ``min_best_explained`` anywhere.

    Absolute (e.g. random weights): a stronger search cannot make a model see, so this reason
    stands even when the search is too weak for any other verdict (``camera_check_search``).
    """
    known = [share for share in by_axis.values() if share is not None]
    best = max(known, default=0.0)
    if known and not best >= thresholds.min_best_explained:
        share = (f"at most {best:.1%} of" if best > 0 else
                 f"nothing ({best:.1%}: no better than no action) of")
        return (f"the model does not see the motion: its best action explains {share} the "
                f"frame change along any axis (threshold "
                f"{thresholds.min_best_explained * 100:g}%), so its directions are chance (does "
                "the camera show the arm's motion? is the model trained for this scene?)")
    return None


def _length_cause(thresholds: CheckThresholds, ratios: str) -> str:
    """Return the verdict line's reason when the inferred lengths are far from the executed."""
    return (f"the model's inferred motion lengths are far from the executed ({ratios} of the "
            f"executed length; {thresholds.min_scale * 100:g}-{thresholds.max_scale * 100:g}% "
            "accepted)")


def _move_reason(thresholds: CheckThresholds, by_axis: dict, scale: float, scales: dict,
                 residual: float, choice: str) -> tuple[str, str] | None:
    """Why the camera must move, in words with the numbers (None: no reason to move it).

    In this order: the best-seen axis's explained share below ``min_best_explained``
    (:func:`_explains_nothing`); an axis whose explained share is
    below ``min_explained`` of the best-seen axis's; the model's inferred length above
    ``max_scale`` times the executed one, over all motions or along one axis (its actions are the
    search's spread, not a motion it sees); below ``min_scale`` of it, over all motions or along
    one axis (the camera looks along it: the model infers hardly any motion there); the best
    ``choice`` rotation leaving more than ``max_residual_deg`` RMS. Every value compared with a
    threshold shows one decimal (25.4 is not "25"). Returns (the sentence, the length cause for
    the verdict line: "" unless the reason is the inferred lengths).
    """
    nothing = _explains_nothing(thresholds, by_axis)
    if nothing is not None:
        return nothing, ""
    best = max((share for share in by_axis.values() if share is not None), default=0.0)
    long = [axis for axis, ratio in scales.items()
            if ratio is not None and ratio > thresholds.max_scale]
    if scale > thresholds.max_scale or long:
        ratios = ", ".join(f"{axis} {scales[axis]:.1%}" for axis in long) or f"{scale:.1%}"
        where = f" along {' and '.join(long)}" if long else ""
        return (f"the model does not see the motion: it infers {ratios} of the executed "
                f"motion's length{where} (threshold {thresholds.max_scale * 100:g}%), longer "
                "than any motion the frames show: its actions are its search's spread (a model "
                "that does not see the scene, or too few samples/iterations?)",
                _length_cause(thresholds, ratios))
    blind = [axis for axis, share in by_axis.items()
             if share is not None and best > 0 and not share >= thresholds.min_explained * best]
    short = [axis for axis, ratio in scales.items()
             if ratio is not None and ratio < thresholds.min_scale]
    if blind:
        shares = ", ".join(f"{axis} {by_axis[axis]:.1%}" for axis in blind)
        return (f"the model does not see the arm move along {' and '.join(blind)}: its best "
                f"action explains {shares} of the frame change, against {best:.1%} along the "
                f"best-seen axis (threshold {thresholds.min_explained * 100:g}% of that)", "")
    if scale < thresholds.min_scale:
        return (f"the model infers only {scale:.1%} of the executed motion's length "
                f"(threshold {thresholds.min_scale * 100:g}%): it hardly sees the arm move",
                _length_cause(thresholds, f"{scale:.1%}"))
    if short:
        ratios = ", ".join(f"{axis} {scales[axis]:.1%}" for axis in short)
        return (f"the model hardly sees the arm move along {' and '.join(short)}: it infers "
                f"{ratios} of the executed motion's length there (threshold "
                f"{thresholds.min_scale * 100:g}%; the camera may look along that axis)",
                _length_cause(thresholds, ratios))
    if residual > thresholds.max_residual_deg:
        return (f"no rotation explains the model's motions (RMS {residual:.1f}° after the best "
                f"{choice} rotation, threshold {thresholds.max_residual_deg:g}°)", "")
    return None


def axes_scope(unchecked, min_motion_m: float, short: bool = False) -> str:
    """Return which axes a verdict covers when some base axes had no motion (``unchecked``).

    E.g. ``for x, z (y not checked: no motion of at least 1 cm mainly along y; record motions
    along every axis, or use the live ~/camera_check)``: a motion counts for its largest
    component's axis (``camera_check_stats.axis_masks``); ``short``: ``for x, z (y not checked)``;
    "" when every axis was moved.
    """
    if not unchecked:
        return ""
    checked = ", ".join(axis for axis in AXES if axis not in unchecked)
    missing = " and ".join(unchecked)
    if short:
        return f"for {checked} ({missing} not checked)"
    return (f"for {checked} ({missing} not checked: no motion of at least "
            f"{min_motion_m * 100:g} cm mainly along {missing}; record motions along every "
            "axis, or use the live ~/camera_check)")


MOTION_TOLERANCE_M = 1e-6  # a motion of exactly min_motion_m counts despite float rounding


def _spans(executed: np.ndarray) -> np.ndarray:
    """Singular values [3] of the executed motions' unit directions (0 where absent)."""
    span = np.linalg.svd(unit_directions(executed), compute_uv=False)
    return np.concatenate([span, np.zeros(3 - len(span))])


def _horizontal_plane(executed: np.ndarray) -> bool:
    """Return True when the executed directions' plane is about horizontal (:data:`PLANE_YAW_DEG`).

    The plane's normal is the direction of the smallest singular value of the unit directions.
    """
    normal = np.linalg.svd(unit_directions(executed))[2][-1]
    return abs(float(normal[2])) >= math.cos(math.radians(PLANE_YAW_DEG))


def _more_motion_hint(executed: np.ndarray, thresholds: CheckThresholds) -> str:
    """Say what to do about too few motions, naming the threshold when shorter ones exist."""
    lengths = np.linalg.norm(executed[np.isfinite(executed).all(1)], axis=1)
    moved = np.sort(lengths[lengths > 0])[::-1]
    record = "record the arm moving a few cm along x, y and z (or run the live check, " \
        "~/camera_check)"
    if not len(moved):
        return record
    name, default = f"{PARAM_PREFIX}min_motion_m", CheckThresholds().min_motion_m
    enough = len(moved) >= thresholds.min_motions
    nth = moved[thresholds.min_motions - 1] if enough else 0.0
    if enough and nth >= default - MOTION_TOLERANCE_M:
        return (f"the bag's {thresholds.min_motions} longest motions are {moved[0] * 100:.1f} "
                f"to {nth * 100:.1f} cm: lower {name} (a length in metres, default {default:g})"
                f" to at most {math.floor(nth * 1000) / 1000:g}")
    return (f"the longest motion is {moved[0] * 100:.1f} cm ({name}, a length in metres, default "
            f"{default:g}: shorter motions' directions are noise): {record}")


def usable_motions(executed, thresholds: CheckThresholds | None = None,
                   also=None) -> np.ndarray:
    """Return the mask [N] of executed motions [N, 3+] (base frame, m) the check can use.

    A motion is used when finite (and ``also``, a mask [N], where given) and at least
    ``min_motion_m`` long (to a micrometre: float rounding of a motion of exactly 1 cm counts).
    Needs no model: ``camera_check_bag`` calls it on a bag's states before planning.

    Raises:
        ValueError: fewer than ``min_motions`` such motions, or all of them along one line (the
            rotation is not determined); the message says what motion is missing.
    """
    thresholds = thresholds or CheckThresholds()
    executed = np.asarray(executed, dtype=np.float64).reshape(len(executed), -1)[:, :3]
    used = np.isfinite(executed).all(1) & (
        np.linalg.norm(executed, axis=1) >= thresholds.min_motion_m - MOTION_TOLERANCE_M)
    if also is not None:
        used &= np.asarray(also, dtype=bool)
    count = int(used.sum())
    if count < thresholds.min_motions:
        raise ValueError(
            f"camera check: {count} executed motions of at least "
            f"{thresholds.min_motion_m * 100:g} cm, need {thresholds.min_motions}: "
            f"{_more_motion_hint(executed, thresholds)}")
    span = _spans(executed[used])
    if span[1] < SPAN_2D * span[0]:
        raise ValueError("camera check: the executed motions all lie along one line, which does "
                         "not determine a rotation: move the arm along at least two axes")
    return used


def check_motions(executed, inferred, thresholds: CheckThresholds | None = None,
                  explained=None, repeat=None,
                  search_settings: tuple[int, int] | None = None,
                  live: bool = False) -> CameraCheckResult:
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
            (``camera_check_search.undecided_explanation``).
    Returns:
        :class:`CameraCheckResult`; "placement fine" and "correct by rotation" name the axes
        they cover when a base axis had no motion (``unchecked_axes``, :func:`axes_scope`).
    Raises:
        ValueError: shapes differ, not finite, fewer than ``min_motions`` motions of at least
            ``min_motion_m``, or all of them along one line (the rotation is not determined);
            the message says what motion is missing.
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
    used = usable_motions(executed, thresholds, finite)
    executed, inferred, count = executed[used], inferred[used], int(used.sum())
    spread = search_spread(inferred, repeat[used]) if repeat is not None else None
    if explained is not None:
        explained = np.asarray(explained, dtype=np.float64).reshape(-1)[used]
    by_axis = _explained_by_axis(executed, explained)
    span = _spans(executed)
    moved = np.linalg.norm(inferred, axis=1) > 0
    scale = float(np.linalg.norm(inferred, axis=1).sum() / np.linalg.norm(executed, axis=1).sum())
    yaw = estimate_yaw(executed[moved], inferred[moved]) if moved.any() else 0.0
    yaw_rotation = Rotation.from_euler("z", yaw)
    full = estimate_rotation(executed[moved], inferred[moved]) if moved.sum() >= 2 else \
        Rotation.identity()
    identity = Rotation.identity()
    m_b, m_m = executed[moved], inferred[moved]
    yaw_rotation, full = (_no_worse_than_identity(m_b, m_m, rotation)
                          for rotation in (yaw_rotation, full))
    yaw = yaw if yaw_rotation.magnitude() > 0 else 0.0
    residual = {name: (rms_angle_deg(m_b, m_m, rotation) if moved.any() else 180.0)
                for name, rotation in (("none", identity), ("yaw", yaw_rotation),
                                       ("full", full))}
    full_fit = span[2] >= SPAN_3D * span[0] or not _horizontal_plane(executed)  # else the yaw
    choice = "full" if full_fit else "yaw"
    chosen = full if full_fit else yaw_rotation
    angle = float(np.degrees(chosen.magnitude()))
    # what the correction trial tries, whatever the verdict below sets the correction to
    candidate, candidate_rpy = choice, chosen.as_euler("xyz", degrees=True).tolist()
    candidate_angle = angle
    scales = axis_scale(executed, inferred)
    noise = rotation_uncertainty(m_b, m_m, chosen, yaw_only=not full_fit,
                                 confidence=thresholds.confidence,
                                 search_deg=spread.error_deg if spread is not None else 0.0)
    why, length = _move_reason(thresholds, by_axis, scale, scales, residual[choice],
                               choice) or (None, "")
    unchecked = [axis for axis in AXES if scales[axis] is None]
    if spread is not None and spread.too_weak and _explains_nothing(thresholds, by_axis) is None:
        verdict = Verdict.UNDECIDED
        explanation = undecided_explanation(spread, *(search_settings or (None, None)), live)
        choice, chosen, angle = "none", identity, 0.0
    elif why is not None:
        verdict = Verdict.MOVE
        explanation = (f"move the camera: {why}; place it so that the arm's motion along x, y "
                       "and z shows clearly in the image, nearer the views the model was "
                       "trained on, and check again")
        choice, chosen, angle = "none", identity, 0.0
    elif angle <= thresholds.fine_deg:
        verdict = Verdict.FINE
        explanation = (f"placement fine: the model's motions match the robot's axes within "
                       f"{angle:.1f}° (threshold {thresholds.fine_deg:g}°; RMS "
                       f"{residual['none']:.1f}° uncorrected); no correction needed")
        choice, chosen = "none", identity
    elif not noise.distinguishable:
        verdict = Verdict.FINE
        explanation = (f"placement fine: the estimated rotation, {angle:.1f}°, lies within its "
                       f"own uncertainty (±{noise.along_deg:.1f}° along its axis, "
                       f"±{noise.bound_deg:.1f}° widest, at {noise.confidence:.0%}: "
                       f"the model's {count} motions scatter {residual[choice]:.1f}° RMS about "
                       f"it), so it cannot be told from no rotation (p {noise.p_value:.2f}); no "
                       "correction applied (more motions narrow the uncertainty: the live "
                       "check's camera_check.motion.diagonals, or a longer recording offline)")
        choice, chosen = "none", identity
    else:
        verdict = Verdict.ROTATE
        explanation = (f"correct by rotation: the model predicts motion in a frame rotated "
                       f"{angle:.1f}° (±{noise.along_deg:.1f}° along its axis, "
                       f"±{noise.bound_deg:.1f}° widest, {noise.confidence:.0%}) from the "
                       f"base frame (yaw {math.degrees(yaw):.1f}°); the "
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
        sign_agreement=_agreement(inferred, executed, thresholds.min_motion_m / 2),
        sign_agreement_corrected=_agreement(corrected, executed, thresholds.min_motion_m / 2),
        explained=by_axis, axis_scale=scales,
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
        search_caveat=caveat,
    )


def infer_motions(model, cem, befores, states, afters,
                  planner=None) -> tuple[np.ndarray, np.ndarray]:
    """Return the model's inferred motion [N, 7] for each (frame before, state, frame after).

    Args:
        model: the world model (``encode`` + action-conditioned ``predictor``).
        cem: ``CEMConfig`` of the search (its horizon is set to 1 here).
        befores, afters: N frames [H, W, 3] uint8 each (before and after each motion).
        states: [N, 7] the measured states at the frames before (base frame).
        planner: the search to run (reset before each motion; its noise stream goes on across
            calls: ``camera_check_search.search_planners``); None: a new one seeded 0.
    Returns:
        The planner's first action toward each frame after, from the frame before (see the
        module docstring), float64 [N, 7], in the model's frame; and the share of each frame
        change it explains [N] (:func:`explained_share`).
    """
    import torch

    from vjepa_ros.eval.evaluate import sequence_energies
    from vjepa_ros.planning import make_planner

    cem = dataclasses.replace(cem, horizon=1)
    planner = planner if planner is not None else make_planner(model, cem, seed=0)
    before_reps = model.encode(np.stack(befores))
    after_reps = model.encode(np.stack(afters))
    actions, explained = [], []
    for k in range(len(befores)):
        planner.reset()
        context, goal = before_reps[k:k + 1], after_reps[k:k + 1]
        state = torch.as_tensor(np.asarray(states[k], dtype=np.float32))
        result = planner.plan(context, state, goal)
        candidates = torch.stack([result.actions, torch.zeros_like(result.actions)])
        energies = sequence_energies(model, cem, context, state, goal, candidates)
        actions.append(result.first_action.double().numpy())
        explained.append(float(explained_share(energies[0], energies[1])))
    return np.stack(actions), np.array(explained)

"""Why the camera check says "move the camera", and which axes a verdict covers, in words.

:func:`move_reason` gives the sentence with the numbers behind it (the model sees nothing, an
axis it does not see, inferred lengths far from the executed, a mirrored view, no rotation that
explains the motions; None: no reason); :func:`explains_nothing` the one reason that stands even
when the search is too weak; :func:`axes_scope` the axes a verdict covers when some had no
motion.
"""

from __future__ import annotations

from typing import NamedTuple

from vjepa_ros.eval.camera_check_result import REVERSED
from vjepa_ros.eval.camera_check_thresholds import CheckThresholds
from vjepa_ros.eval.metrics import AXES

# A best action this much worse than no action is a search that failed, not a blind model (whose
# best action is about as good as none: random weights explain ~0.003 %) (breaker40d)
SEARCH_FAILED_EXPLAINED = -0.1


def search_failed(by_axis: dict) -> bool:
    """Whether the best action explained less than :data:`SEARCH_FAILED_EXPLAINED` everywhere.

    ``by_axis``: the explained share per axis (None: an axis without motion).
    """
    known = [share for share in by_axis.values() if share is not None]
    return bool(known) and max(known) < SEARCH_FAILED_EXPLAINED


def explains_nothing(thresholds: CheckThresholds, by_axis: dict) -> str | None:
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


class MoveReason(NamedTuple):
    """Why the camera must move (:func:`move_reason`)."""

    sentence: str  # the reason with the numbers behind it
    length_cause: str = ""  # the inferred lengths, in a few words, when they are the reason
    mirror: str = ""  # how the view is mirrored ("mirrored along base x") when that is the reason


def mirror_reason(mirror: str, mirror_deg: float, residual: float, choice: str) -> str:
    """Say that the view is mirrored: ``mirror`` (``camera_check_rotation.mirrored_words``).

    ``mirror_deg``: the RMS angle [deg] the best reflection leaves, ``residual`` the best
    ``choice`` rotation's. Every axis reversed (:data:`REVERSED`) names its likely causes, the
    actions' sign or the frames' order: an image flip mirrors one axis within the image.
    """
    said = (f"the model sees the robot's motions {mirror}: a reflection explains them within "
            f"{mirror_deg:.1f}° RMS, the best {choice} rotation only within {residual:.1f}°, and ")
    if mirror.startswith(REVERSED):
        return (f"{said}no rotation reverses every axis (the model's actions have the opposite "
                "sign to the recording's, s_k ⊖ s_(k+1) instead of s_(k+1) ⊖ s_k, or its frames "
                "are paired with the states in reverse order; an image flip mirrors one axis "
                "only)")
    return (f"{said}no rotation corrects a mirror image (a flipped image: the camera driver's "
            "flip or mirror option, or a mirror in the view)")


def mirror_advice(mirror: str) -> str:
    """Return what to do about ``mirror`` (a "move the camera" verdict's advice)."""
    if mirror.startswith(REVERSED):
        return ("check the sign of the model's actions (trained on a_k = s_(k+1) ⊖ s_k) and the "
                "order of the frames against the states, and check again")
    return ("fix the image (turn the driver's flip or mirror option off, or take the mirror out "
            "of the view) and check again")


def move_reason(thresholds: CheckThresholds, by_axis: dict, scale: float, scales: dict,
                residual: float, choice: str, mirror: str = "",
                mirror_deg: float = 0.0, by_line: dict | None = None,
                weakest=None) -> MoveReason | None:
    """Why the camera must move, in words with the numbers (None: no reason to move it).

    In this order: the best-seen axis's explained share below ``min_best_explained``
    (:func:`explains_nothing`); an axis whose explained share is
    below ``min_explained`` of the best-seen axis's (or a line off the axes, ``by_line``: the
    mean share of the motions along it, e.g. ``"+x+y-z/-x-y+z"``); the model's inferred
    length above
    ``max_scale`` times the executed one, over all motions or along one axis (its actions are the
    search's spread, not a motion it sees); below ``min_scale`` of it, over all motions or along
    one axis; below it along the map's weakest direction (``weakest``,
    ``camera_check_weakest.WeakestDirection``: its σ_min's upper confidence bound below
    ``min_scale``: the camera looks along it, the model infers hardly any motion there, whether
    or not a motion of the check lay along it; not when its ``not_judged`` gives a reason: too
    few motions, or one alone along a direction); the view
    seen mirrored (``mirror``, e.g. "mirrored along base x", with the RMS angle ``mirror_deg``
    its reflection leaves: :func:`mirror_reason`); the best ``choice`` rotation leaving more than
    ``max_residual_deg`` RMS. Every value compared with a threshold shows one decimal (25.4 is
    not "25"). Returns the :class:`MoveReason` (its ``length_cause`` and ``mirror`` for the
    verdict line).
    """
    nothing = explains_nothing(thresholds, by_axis)
    if nothing is not None:
        return MoveReason(nothing)
    best = max((share for share in by_axis.values() if share is not None), default=0.0)
    long = [axis for axis, ratio in scales.items()
            if ratio is not None and ratio > thresholds.max_scale]
    if scale > thresholds.max_scale or long:
        ratios = ", ".join(f"{axis} {scales[axis]:.1%}" for axis in long) or f"{scale:.1%}"
        where = f" along {' and '.join(long)}" if long else ""
        seen = [by_axis[axis] for axis in (long or AXES) if by_axis.get(axis) is not None]
        if seen and best > 0 and min(seen) >= max(thresholds.min_explained * best,
                                                   thresholds.min_best_explained):
            # it explains the frame change there as well as anywhere: it sees the motion, too
            # long (a camera nearer than its training views), not its search's spread (breaker40d)
            shares = ", ".join(f"{share:.1%}" for share in seen)
            return MoveReason(
                f"the model infers {ratios} of the executed motion's length{where} (threshold "
                f"{thresholds.max_scale * 100:g}%), though its best action explains {shares} of "
                "the frame change there: it sees the motion, longer than it is (a camera nearer "
                "the arm, or looking from another side, than the views it was trained on?)",
                _length_cause(thresholds, ratios))
        return MoveReason(
            f"the model does not see the motion: it infers {ratios} of the executed motion's "
            f"length{where} (threshold {thresholds.max_scale * 100:g}%), longer than any motion "
            "the frames show: its actions are its search's spread (a model that does not see "
            "the scene, or too few samples/iterations?)", _length_cause(thresholds, ratios))
    if not any(share is not None for share in by_axis.values()):  # no axis moved along: the lines
        best = max((share for share in (by_line or {}).values() if share is not None),
                   default=0.0)
    seen = {**by_axis, **(by_line or {})}  # the lines off the axes judged as the axes
    blind = [where for where, share in seen.items()
             if share is not None and best > 0 and not share >= thresholds.min_explained * best]
    short = [where for where, ratio in scales.items()
             if ratio is not None and ratio < thresholds.min_scale]
    if blind:
        shares = ", ".join(f"{where} {seen[where]:.1%}" for where in blind)
        return MoveReason(
            f"the model does not see the arm move along {' and '.join(blind)}: its best action "
            f"explains {shares} of the frame change, against {best:.1%} along the best-seen "
            f"axis (threshold {thresholds.min_explained * 100:g}% of that)")
    if scale < thresholds.min_scale:
        return MoveReason(
            f"the model infers only {scale:.1%} of the executed motion's length (threshold "
            f"{thresholds.min_scale * 100:g}%): it hardly sees the arm move",
            _length_cause(thresholds, f"{scale:.1%}"))
    if short:
        ratios = ", ".join(f"{where} {scales[where]:.1%}" for where in short)
        return MoveReason(
            f"the model hardly sees the arm move along {' and '.join(short)}: it infers {ratios} "
            f"of the executed motion's length there (threshold {thresholds.min_scale * 100:g}%; "
            f"the camera may look along that axis)", _length_cause(thresholds, ratios))
    if weakest is not None and not weakest.not_judged and weakest.bound < thresholds.min_scale:
        ratio = f"{weakest.name} {weakest.scale:.1%}"
        return MoveReason(
            f"the model hardly sees the arm move along {weakest.name}: the linear map fitted "
            f"from all {'' if weakest.judged == 3 else 'in-plane '}executed to inferred motions "
            f"infers {weakest.scale:.1%} of a motion's length there (at most "
            f"{weakest.bound:.1%} at {thresholds.confidence:.0%} confidence; threshold "
            f"{thresholds.min_scale * 100:g}%; singular values "
            f"{', '.join(f'{value:.2f}' for value in weakest.singular_values)}: the camera may "
            "look along that direction)", _length_cause(thresholds, ratio))
    if mirror:
        return MoveReason(mirror_reason(mirror, mirror_deg, residual, choice), mirror=mirror)
    if residual > thresholds.max_residual_deg:
        return MoveReason(
            f"no rotation explains the model's motions (RMS {residual:.1f}° after the best "
            f"{choice} rotation, threshold {thresholds.max_residual_deg:g}°)")
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

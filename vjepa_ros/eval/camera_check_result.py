"""What the camera check found: the :class:`Verdict` words and :class:`CameraCheckResult`.

:class:`CameraCheckResult` holds the verdict, its explanation, the fitted rotations, residuals,
per-axis shares and the motions behind them; ``to_dict()`` is its JSON form (camera_check.json).
"""

from __future__ import annotations

import dataclasses


def rpy_words(rpy_deg, named: bool = False) -> str:
    """Return rpy angles [3] [deg] with one decimal: ``a, b, c`` (``named``: ``roll a°, …``).

    The check's one way of writing a rotation's extrinsic xyz Euler angles
    (``control.model_frame_rpy_deg``) in its lines, notes and file headers.
    """
    values = [float(value) for value in rpy_deg]
    if named:
        return ", ".join(f"{name} {value:.1f}°"
                         for name, value in zip(("roll", "pitch", "yaw"), values, strict=True))
    return ", ".join(f"{value:.1f}" for value in values)


# What ``CameraCheckResult.mirror`` begins with when the reflection reverses every axis alike
# (``camera_check_rotation.mirrored_words``): the actions' sign or the frames' order, no image flip
REVERSED = "reversed along every axis"


def mirror_seen(mirror: str) -> str:
    """Return what a mirrored view is in a clause: ``the view is mirrored along base x``.

    ``mirror``: ``CameraCheckResult.mirror``; one beginning with :data:`REVERSED` gives ``the
    model infers the robot's motions reversed along every axis`` (no view is mirrored that way).
    """
    if mirror.startswith(REVERSED):
        return f"the model infers the robot's motions {mirror}"
    return f"the view is {mirror}"


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
    correction_angle_deg: float  # [deg] 0 with correction "none" (the fit: candidate_angle_deg)
    residual_deg: dict  # RMS angle [deg] after no correction / the yaw / the full rotation
    scale: float  # Σ|inferred| / Σ|executed| over the motions used
    sign_agreement: dict  # per base axis, inferred vs executed (fraction, None: axis unchecked)
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
    # "move the camera" because the view is mirrored (a reflection explains the motions, no
    # rotation does): how, e.g. "mirrored along base x", or "reversed along every axis" (REVERSED:
    # the actions' sign or the frames' order) ("": another reason, or another verdict)
    mirror: str = ""
    # the search was below the budget the verdicts were validated at: what to rerun with ("")
    search_caveat: str = ""
    # per line off the base axes that two or more motions moved along (the live check's corners
    # and diagonals, in words: "+x+y-z/-x-y+z"): {"scale": inferred / executed length (reported:
    # lengths are judged along weakest_direction), "explained": mean share (None: not known),
    # judged as the axes' are}
    directions: dict = dataclasses.field(default_factory=dict)
    # the direction the model sees least of (camera_check_weakest.WeakestDirection as a dict:
    # "scale" σ_min, "bound", "direction", "name", "singular_values", "evidence", "judged",
    # "method": how the bound was computed, "not_judged": why it is not held to min_scale, e.g.
    # "6 motions: too few to judge directions off the axes (at least 10)"; "": it is),
    # held to min_scale; None: too few motions for the fit
    weakest_direction: dict | None = None
    # the motions left out because their frames were stale, in words ("k of N motions skipped:
    # the frame did not change ..."; "": none) (camera_check_unchanged)
    skipped_note: str = ""
    # which: [{"motion": index among the motions given, "reason": why}] ([]: none)
    skipped: list = dataclasses.field(default_factory=list)
    # "undecided" only because the estimate is too uncertain for its verdict (camera_check_wide):
    # the correction trial, which measures the candidate directly, may decide it (False: another
    # verdict, or undecided for a weak search or a level turn, where no trial runs)
    too_uncertain: bool = False
    # per row of executed / inferred (/ inferred_repeat): its motion's index among the motions
    # given (skipped and unmoved ones left out), and its label ("+x": the live check's, set by
    # :func:`with_labels`; [] none known). ``skipped``'s indices are among the motions given.
    motion_index: list = dataclasses.field(default_factory=list)
    labels: list = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict:
        """Return the result as plain data (its fields by name)."""
        return dataclasses.asdict(self)


def with_labels(result: CameraCheckResult, labels) -> CameraCheckResult:
    """Return ``result`` with ``labels`` [N] (one per motion given) of its rows: ``labels``.

    The one place a motion's label is paired with its row of ``executed`` / ``inferred``
    (``motion_index``): a skipped motion's label is left out with its row (breaker59j #6).
    Raises ValueError when ``labels`` does not name every motion given.
    """
    labels = [str(label) for label in labels]
    if result.motion_index and max(result.motion_index) >= len(labels):
        raise ValueError(f"camera check: {len(labels)} motion labels for motion "
                         f"{max(result.motion_index)}: give one label per motion")
    return dataclasses.replace(result, labels=[labels[k] for k in result.motion_index])

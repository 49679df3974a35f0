"""The correction a planner runs with, against the one its camera check writes.

A planner started with an earlier check's file (``control.model_frame_rpy_deg`` [0, 0, 60]) keeps
planning with that rotation until it is restarted: its parameters are fixed at start-up. The
check itself infers the model's motions uncorrected (the absolute rotation of the model's frame),
so its verdict and written file say nothing about the rotation in force: a camera put back since
gave "placement fine ...; no correction needed" and a file with [0, 0, 0], while the planner
answering went on planning 60° off (breaker55b). :func:`in_force_words` names the rotation in
force, how far it is from the written one and whether a restart with the written file is needed.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from vjepa_ros.eval.camera_check_result import CameraCheckResult, Verdict, rpy_words
from vjepa_ros.eval.camera_check_thresholds import CheckThresholds

PARAMETER = "control.model_frame_rpy_deg"


def _rotation(rpy_deg) -> Rotation:
    return Rotation.from_euler("xyz", [float(value) for value in rpy_deg], degrees=True)


def _degrees_apart(one: Rotation, other: Rotation) -> float:
    """Return the angle [deg] of the rotation between ``one`` and ``other``."""
    return float(np.degrees((one * other.inv()).magnitude()))


def in_force_words(in_force_rpy_deg, result: CameraCheckResult, who: str,
                   restart: str, checked_rpy_deg=None) -> str:
    """Say how the rotation in force compares with the check's ("" when none is in force).

    Args:
        in_force_rpy_deg: [3] the ``control.model_frame_rpy_deg`` in force [deg].
        result: the check's result (its verdict and ``correction_rpy_deg``, the written one).
        who: who holds it, with its verb ("this planner runs with", "--params-file FILE
            gave").
        restart: what to do to load the written file ("restart it with the written file").
        checked_rpy_deg: [3] the ``control.model_frame_check_rpy_deg`` beside it [deg] (the
            rotation an earlier check wrote; None: not known): angles equal to it are no
            radians typed by hand, whatever their angle (breaker59c: a trial's 6°).
    Raises:
        ValueError: ``in_force_rpy_deg`` is not 3 finite numbers (``ModelFrame``).
    Returns:
        "" when no rotation is in force (``ModelFrame.identity``: the planner applies none,
        as with [0, 0, 360] or angles under 1e-9 rad); else one clause naming the rotation in
        force, its angle and, unless the written one is within ``fine_deg`` of it (nothing to
        change), the angle between them and ``restart``. An "undecided" verdict writes no file:
        the clause says the rotation stays in force, untested. Angles that look typed in
        radians add ``model_frame_units.radians_words``' clause when the check leaves that
        reading open: undecided, or its written rotation within ``fine_deg`` of the angles
        read in radians and not of them read in degrees (breaker56g: the degrees reading
        measured, "nothing to change", yet "if these are radians, give [0, 0, 286.5]").
    """
    from vjepa_ros.robot.model_frame import ModelFrame

    frame = ModelFrame(in_force_rpy_deg)  # the planner's own: no rotation where it applies none
    if frame.identity:
        return ""
    held = f"{who} {PARAMETER} [{rpy_words(in_force_rpy_deg)}] ({frame.angle_deg:.1f}° in all)"
    in_force = _rotation(in_force_rpy_deg)
    from vjepa_ros.robot.model_frame_units import radians_words

    fine = float(result.thresholds.get("fine_deg", CheckThresholds().fine_deg))
    radians = radians_words(in_force_rpy_deg, fine, PARAMETER,  # typed in radians? said too
                            checked_rpy_deg)
    radians = f"; {radians}" if radians else ""
    if result.verdict == Verdict.UNDECIDED:
        return f"{held}; it stays in force (no file written to replace it){radians}"
    written = _rotation(result.correction_rpy_deg)
    apart = _degrees_apart(written, in_force)
    if apart <= fine or _degrees_apart(written, _rotation(np.degrees(
            np.asarray(in_force_rpy_deg, dtype=float)))) > fine:
        radians = ""  # this check measured the degrees reading, or neither: no advice
    now = (f"the written file has [{rpy_words(result.correction_rpy_deg)}]"
           if result.correction != "none" else "the written file has no correction")
    if apart <= fine:
        return f"{held}, within {apart:.1f}° of this check's: nothing to change{radians}"
    return f"{held}, {apart:.1f}° from this check's: {now}; {restart}{radians}"

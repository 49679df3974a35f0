"""A correction typed in radians where degrees are read: said, with the degrees it would be.

``control.model_frame_rpy_deg`` is in degrees (the camera check writes degrees). A user who
types the rotation a calibration tool gave in radians (``[0, 0, 1.5708]`` for a quarter turn,
``0.05`` meant as 2.9°) got a planner that silently corrected by 1.6° or 0.05°: every value was
in range, and nothing said so (mend56y). A correction whose every angle lies within ±2π (the
range a radian angle takes) turns by at most about 11°; a camera check writes a correction only
past its ``camera_check.verdict.fine_deg`` (10° by default: "placement fine" up to it). So one
within ±2π and at most ``fine_deg`` no check wrote: :func:`radians_words` names the setting, the
rotation it is read as and the degrees it would be in radians; the planner node logs it at
start-up (``PlannerNodeConfig.startup_warnings``, with its own ``fine_deg``: the file a check
writes sets the check's, so a small correction a check with a lowered ``fine_deg`` wrote, e.g.
[0, 0, 5] at 4°, is not said) and the camera check says it of the correction in force
(``camera_check_in_force.in_force_words``, with the check's). A note, not a refusal.

The correction trial decides on planning, not on ``fine_deg``: it writes a rotation below it when
its corrected plans close clearly more (a 6° yaw), and the note then called the check's own
correction radians, advising 343.8° (breaker59c). The file a check writes records its rotation in
``control.model_frame_check_rpy_deg``: angles equal to that record are a check's, never said.
"""
from __future__ import annotations

import math

# [rad] the largest |angle| a radian value plausibly takes: one full turn
RADIAN_TURN = 2.0 * math.pi
# [deg] half the resolution the degrees are given in (0.1°): radians making a rotation smaller
# than this ([0, 0, 6.2832], [3.1416, 3.1416, 3.1416]) are no rotation, "give [0, 0, 360]" none
HALF_SHOWN_DEG = 0.05


def _typed(values) -> str:
    return ", ".join(f"{value:g}" for value in values)


def radians_words(rpy_deg, fine_deg: float,
                  setting: str = "control.model_frame_rpy_deg", checked_rpy_deg=None) -> str:
    """Say that ``rpy_deg`` looks typed in radians ("" when it does not).

    Args:
        rpy_deg: [3] extrinsic xyz Euler angles as the planner reads them [deg].
        fine_deg: the camera check's ``camera_check.verdict.fine_deg`` [deg] in force: a
            rotation past it is one a check writes (read in degrees, not said).
        setting: who gave them, as the line names them (a parameter, an option, a file).
        checked_rpy_deg: [3] the rotation a camera check wrote beside them
            (``control.model_frame_check_rpy_deg`` [deg]); None: not known.
    Returns:
        "" when ``rpy_deg`` equals ``checked_rpy_deg`` (within 1e-6°: the check's own
        correction, whatever its angle), when no rotation is applied
        (``ModelFrame.identity``), when an angle is beyond ±2π (:data:`RADIAN_TURN`: degrees
        only), when the rotation turns by more than ``fine_deg`` (a check's correction), or
        when the angles are not 3 finite numbers
        (the planner's own error says that); else one line naming ``setting``, the rotation
        it is read as [deg], ``fine_deg`` and the angles it would be in radians, converted to
        degrees (read in radians, a whole turn, below :data:`HALF_SHOWN_DEG`: "they are no
        rotation: give [0, 0, 0]").
    """
    from vjepa_ros.robot.model_frame import ModelFrame

    try:
        frame = ModelFrame(rpy_deg)
    except ValueError:
        return ""
    values = [float(value) for value in frame.rpy_deg]
    if checked_rpy_deg is not None and _same_angles(values, checked_rpy_deg):
        return ""  # the check wrote these angles (its trial's may lie below fine_deg)
    if frame.identity or any(abs(value) > RADIAN_TURN for value in values) \
            or frame.angle_deg > fine_deg:
        return ""
    as_degrees = [round(math.degrees(value), 1) for value in values]
    small = (f", below the {fine_deg:g}° a camera check calls placement fine "
             "(camera_check.verdict.fine_deg), so no check wrote it")
    said = f"{setting} [{_typed(values)}] is read in degrees: a {frame.angle_deg:.3g}° rotation"
    if _radians_angle_deg(values) < HALF_SHOWN_DEG:  # a whole turn: [0, 0, 360] is none
        return f"{said}{small}; if these are radians, they are no rotation: give [0, 0, 0]"
    return f"{said}{small}; if these are radians, give [{_typed(as_degrees)}] (degrees)"


def _radians_angle_deg(values) -> float:
    """Return the angle [deg] of the rotation extrinsic xyz Euler angles ``values`` [rad] make."""
    from scipy.spatial.transform import Rotation

    return math.degrees(Rotation.from_euler("xyz", values).magnitude())


def _same_angles(values, checked_rpy_deg) -> bool:
    """Whether ``values`` [3] equal ``checked_rpy_deg`` [3] within 1e-6 deg (False: not 3)."""
    try:
        checked = [float(value) for value in checked_rpy_deg]
    except (TypeError, ValueError):
        return False
    return len(checked) == 3 and all(abs(one - other) <= 1e-6
                                     for one, other in zip(values, checked, strict=True))

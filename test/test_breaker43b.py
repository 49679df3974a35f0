"""breaker43b: the camera check (issue 19): verdicts, rotation, correction, live moves.

Fixed in fix43b: the length and explained-share floors apply per line off the base axes that the
check moved along (``camera_check_stats.direction_lines``), the verdict names it ("+x+y-z").

Attacked at fc4b0a6 (main's HEAD): ``vjepa_ros/eval/camera_check.py`` (``check_motions``: the
fits, the per-axis length and explained-share rules, the verdict),
``eval/camera_check_rotation.py`` (yaw, Wahba, the mirror fit), ``eval/camera_check_stats.py``
(``axis_masks``, ``axis_scale``),
``robot/model_frame.py`` (the correction applied to actions), ``robot/camera_check_motions.py``,
``robot/camera_check_run.py`` and ``robot/camera_check_session.py`` (the live moves). Each strict
xfail asserts what SHOULD happen.

1. A model blind along a direction that is not a base axis (the camera's optical axis points
   diagonally down at the arm, as a camera on a tripod at the table's corner or in front of the
   robot looks) is called "placement fine": the per-axis length rule (``axis_scale``) and the
   per-axis explained share (``_explained_by_axis``, which counts only the six axis motions once
   they exist) look at base axes only, and each base axis still shows 70-85 % of its length.
   The check's own corner / diagonal motions along the blind direction, whose inferred length is
   ~5 % of the executed and whose frame change the model explains ~1 %, are averaged away. The
   same blindness along base z says "move the camera".

Held up (not defects, do not repeat):
- 200 random 3-D rotations on the live check's 14 motions (no noise): every one above 12° is
  "correct by rotation"; ``ModelFrame(correction_rpy_deg).action_to_base`` of the inferred
  actions gives back the executed Δxyz (1e-6 m), the gripper untouched, a rotation delta goes
  base → model → base unchanged and means Rᵀ·R_Δ·R (sign convention: the correction undoes the
  placement, it does not double it).
- Mirrors along base x, y, z, composed with rotations (0, (0,0,90), (20,-10,150)) and 0/15/25°
  per-motion noise, 10 seeds each, on the 14 motions: always "move the camera" (mirrored), never
  fit as a rotation.
- A controller that ignores commands (the measured pose never moves): the check stops with "the
  +x move did not arrive within 10 s (4.0 cm away)", no verdict.
"""

import warnings

import numpy as np
import pytest

from vjepa_ros.eval.camera_check import check_motions
from vjepa_ros.eval.camera_check_result import Verdict
from vjepa_ros.robot.camera_check_motions import motion_directions


def _blind_along(optical_axis, diagonals, corners, seed=1):
    """Return the live check's motions and a model blind along ``optical_axis``.

    Inferred = executed with its component along the (unit) optical axis removed, plus 1 mm of
    noise; explained share 0.01 for the motions along that axis (the model explains none of
    their frame change), 0.9 for the others. Returns (labels, executed, inferred, explained).
    """
    labels, directions = zip(*motion_directions(diagonals, corners), strict=True)
    executed = 0.04 * np.array(directions)
    axis = np.asarray(optical_axis, dtype=np.float64)
    axis /= np.linalg.norm(axis)
    inferred = executed - np.outer(executed @ axis, axis)
    inferred += np.random.default_rng(seed).normal(0, 0.001, executed.shape)
    along = np.abs(executed @ axis) > 0.039
    explained = np.where(along, 0.01, 0.9)
    return [label for label, a in zip(labels, along, strict=True) if a], executed, inferred, \
        explained


@pytest.mark.parametrize("optical_axis, diagonals, corners, blind", [
    ((1.0, 1.0, -1.0), False, True, ["+x+y-z", "-x-y+z"]),  # the default 14 motions
    ((1.0, 0.0, -1.0), True, True, ["+x-z", "-x+z"]),  # with camera_check.motion.diagonals
])
def test_a_model_blind_along_a_diagonal_optical_axis_says_move_the_camera(
        optical_axis, diagonals, corners, blind):
    """A camera looking down at the arm at 35-45° (a tripod at the table's corner or in front).

    A monocular model that does not see motion along its camera's optical axis is the case the
    README names for "move the camera" (the length ratio per axis: "along the camera's optical
    axis a model may see almost none"). With the optical axis along base z the check says so; a
    lab's camera seldom looks exactly along a base axis. Here the check's own motions along the
    optical axis (two of its corners, or two face diagonals) show the model infers ~5 % of their
    length and explains ~1 % of their frame change, yet the verdict is "placement fine" (the
    rotation fitted to the other motions is < 10°, the RMS angle ~37-43° uncorrected). The
    planner given this model cannot move the hand along that direction; the check should say
    move the camera (the per-axis rules applied per direction the check moved along).
    """
    labels, executed, inferred, explained = _blind_along(optical_axis, diagonals, corners)
    assert labels == blind  # the check did move along the blind direction
    ratio = np.linalg.norm(inferred, axis=1) / np.linalg.norm(executed, axis=1)
    assert ratio[np.isin([lab for lab, _ in motion_directions(diagonals, corners)], blind)].max() \
        < 0.15  # the model infers almost nothing of those motions
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # scipy's align_vectors on the mirror fit
        result = check_motions(executed, inferred, explained=explained, live=True)
    assert result.verdict == Verdict.MOVE, result.explanation
    assert f"along {'/'.join(blind)}" in result.explanation  # the blind direction, in words
    assert result.directions["/".join(blind)]["explained"] == pytest.approx(0.01)


@pytest.mark.parametrize("use_explained", [False, True])
def test_each_floor_alone_catches_a_direction_off_the_axes(use_explained):
    """The length floor alone (no explained shares) and the explained floor alone both say move.

    Length: the blind line's inferred length is ~5 % of the executed (floor ``min_scale`` 30 %).
    Explained: lengths all exact (the search returns the executed motion's length, a model free
    along the line), the line explains 1 % against 90 % (floor 5 % of the best-seen axis).
    """
    labels, executed, inferred, explained = _blind_along((1.0, 1.0, -1.0), False, True)
    if use_explained:
        inferred = executed.copy()  # the lengths say nothing
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        result = check_motions(executed, inferred, explained=explained if use_explained else None,
                               live=True)
    assert result.verdict == Verdict.MOVE, result.explanation
    words = ("does not see the arm move along" if use_explained
             else "hardly sees the arm move along")
    assert f"{words} +x+y-z/-x-y+z" in result.explanation
    if not use_explained:
        assert "look along that direction" in result.explanation
        assert result.length_cause


def test_the_documented_live_checks_keep_their_verdicts():
    """docs/camera_trial_rows.json: the sim's 14-motion checks of the learned placement model.

    The per-line rules must not turn a documented "placement fine" / "correct by rotation" into
    "move the camera": its lines' length ratios are 0.42-1.56 (floor 0.3). The rows keep the
    explained shares per axis only: each motion gets its axis's share, a corner the weakest axis's.
    fix43f: the weakest direction of the fitted map (σ_min 0.06, at most 0.14 at 95 % by fix43i's
    bootstrap bound, 0.28 by fix43f's t bound) turns the
    az 34 row's "correct by rotation" into "move the camera", as its correction trial said (24 %
    and 1 % of the distance closed corrected, 46 % / 91 % uncorrected); the others keep theirs
    (σ_min 0.74, 0.12 (already "move"), 0.31, 0.74).
    """
    import json
    from pathlib import Path

    from vjepa_ros.eval.camera_check_stats import axis_masks

    rows = json.loads((Path(__file__).parents[1] / "docs" / "camera_trial_rows.json").read_text())
    for row in rows["rows"]:
        executed, inferred = np.array(row["executed"]), np.array(row["inferred"])
        explained = np.full(len(executed), min(row["explained"].values()))
        for axis, mine in axis_masks(executed).items():
            explained[mine] = row["explained"][axis]
        for shares in (None, explained):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                result = check_motions(executed, inferred, explained=shares, live=True)
            expected = (Verdict.MOVE if row["placement"].startswith("az 34 ")
                        else row["motions_verdict"])
            assert result.verdict == expected, (row["placement"], result.explanation)
            assert len(result.directions) == 4  # the 8 corners: 4 lines

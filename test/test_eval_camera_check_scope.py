"""What a camera check's verdict rests on, in its verdict line: the axes moved, the search budget.

Two fresh-user findings: ``camera-check b_moving --rate 0.5`` printed ``PLACEMENT FINE`` while
y never moved (``length … y n/a``), and a barely trained model at ``--samples 32 --iterations 2``
got ``MOVE THE CAMERA`` (z inferred 162 % of its length) below the budget the verdicts were
validated at (64 samples, 4 iterations), with the spread gate passed (16.4° < 20°). Now the
verdict says which axes it covers, names the lengths as its reason, and names the budget.
"""

import json

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from vjepa_ros.eval.camera_check import check_motions
from vjepa_ros.eval.camera_check_report import (
    base_planner_params,
    summary_lines,
    verdict_line,
    write_check,
)
from vjepa_ros.eval.camera_check_result import Verdict

# ±x, ±y, ±z and the 8 cube corners, 4 cm (the live check's default motions)
CORNERS = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)]) / np.sqrt(3)
ALL_AXES = 0.04 * np.vstack([np.eye(3), -np.eye(3), CORNERS])
# a recording whose arm never moved along y: ±x, ±z and four motions turned 31° toward y (their
# largest component still x or z), so the motions span 3-D and the full rotation is fitted
_XZ = [(1, 0, 0), (0, 0, 1), (1, 0.6, 0), (0, -0.6, 1), (1, 0, 1)]
NO_Y = 0.04 * np.array([s * np.array(v) / np.linalg.norm(v) for v in _XZ for s in (1, -1)])
SEEN = 0.4  # the explained share of a model that sees the motion
NO_Y_SCOPE = ("for x, z (y not checked: no motion of at least 1 cm mainly along y; record "
              "motions along every axis, or use the live ~/camera_check)")
WEAK = ("the search (samples 32, iterations 2) is below the budget this check's verdicts were "
        "validated at (samples 64, iterations 4): rerun with --samples >= 64 --iterations >= 4 "
        "to confirm the verdict")


def _noisy(motions, rotation, noise_deg=8.0, seed=0):
    rng = np.random.default_rng(seed)
    axes = rng.normal(size=motions.shape)
    axes /= np.linalg.norm(axes, axis=1, keepdims=True)
    return Rotation.from_rotvec(axes * np.radians(noise_deg)).apply(rotation.apply(motions))


def _check(motions, inferred, settings=None, **kwargs):
    return check_motions(motions, inferred, explained=np.full(len(motions), SEEN),
                         repeat=inferred, search_settings=settings, **kwargs)


def test_fine_with_an_axis_never_moved_says_which_axes_it_covers(tmp_path, monkeypatch):
    import matplotlib.figure

    result = _check(NO_Y, _noisy(NO_Y, Rotation.identity()), (64, 4))
    assert result.verdict == Verdict.FINE and result.unchecked_axes == ["y"]
    assert result.axis_scale["y"] is None  # the "length … y n/a" of the console
    line = verdict_line(result)
    assert line == f"PLACEMENT FINE {NO_Y_SCOPE}"
    assert result.explanation.startswith("placement fine for x, z (y not checked): the model")
    text = summary_lines(result)
    assert f"verdict       PLACEMENT FINE {NO_Y_SCOPE}" in text
    titles = []
    original = matplotlib.figure.Figure.suptitle
    monkeypatch.setattr(matplotlib.figure.Figure, "suptitle",
                        lambda self, title, **kw: titles.append(title) or original(
                            self, title, **kw))
    written = write_check(result, tmp_path, base_planner_params())
    assert json.loads(written.report.read_text())["headline"] == line
    assert titles and titles[0].replace("\n", " ").startswith(
        "Camera check: placement fine for x, z (y not checked)")
    header = written.params.read_text().split("/**:")[0]
    assert f"# verdict: PLACEMENT FINE {NO_Y_SCOPE}; estimated rotation" in header


def test_the_numbers_agree_with_the_verdict_no_sign_for_an_unchecked_axis_no_angle_for_none():
    """user32: ``sign agree … y 1.00`` beside "y not checked"; JSON angle 9.3 with "none"."""
    result = _check(NO_Y, _noisy(NO_Y, Rotation.identity()), (64, 4))
    assert result.verdict == Verdict.FINE and result.correction == "none"
    assert result.sign_agreement["y"] is None and result.sign_agreement_corrected["y"] is None
    assert result.sign_agreement["x"] is not None  # the checked axes keep theirs
    sign_line = next(line for line in summary_lines(result) if line.startswith("sign agree"))
    assert " y n/a " in sign_line, sign_line
    assert result.candidate_angle_deg > 0  # the fit, for the trial: kept
    assert result.to_dict()["correction_angle_deg"] == 0.0


def test_a_rotation_fitted_without_one_axis_says_so_in_the_written_file(tmp_path):
    result = _check(NO_Y, _noisy(NO_Y, Rotation.from_euler("z", 60, degrees=True), 3.0), (64, 4))
    assert result.verdict == Verdict.ROTATE and result.correction == "full"
    assert verdict_line(result) == f"CORRECT BY ROTATION {NO_Y_SCOPE}"
    header = write_check(result, tmp_path, base_planner_params(), plot=False).params \
        .read_text().split("/**:")[0]
    assert f"# verdict: CORRECT BY ROTATION {NO_Y_SCOPE}; estimated rotation" in header
    assert ("correction full, fitted to motions along x and z only (how the model sees motion "
            "along y was not checked)") in header


def test_every_axis_moved_keeps_the_verdict_line_plain():
    result = _check(ALL_AXES, _noisy(ALL_AXES, Rotation.identity()), (64, 4))
    assert result.verdict == Verdict.FINE and result.unchecked_axes == []
    assert verdict_line(result) == "PLACEMENT FINE" and result.search_caveat == ""


def test_overlong_motions_of_a_weak_search_name_the_lengths_and_the_budget():
    """The tester's case: z inferred 162 % of its length at 32 samples, 2 iterations."""
    inferred = _noisy(ALL_AXES, Rotation.identity())
    inferred[np.abs(ALL_AXES[:, 2]) > 0.03] *= 1.62  # the ±z motions (the only z-dominant)
    result = _check(ALL_AXES, inferred, (32, 2))
    assert result.verdict == Verdict.MOVE
    assert verdict_line(result) == (
        "MOVE THE CAMERA: the model's inferred motion lengths are far from the executed (z "
        f"162.0% of the executed length; 30-150% accepted); {WEAK}")
    assert result.explanation.endswith(f"; {WEAK}")  # camera_check.json, the live answer
    text = summary_lines(result)
    assert text[-2] == f"verdict       {verdict_line(result)}"
    assert WEAK not in text[-1]  # said once on the console
    strong = _check(ALL_AXES, inferred, (64, 4))  # at the validated budget: no caveat
    assert verdict_line(strong) == (
        "MOVE THE CAMERA: the model's inferred motion lengths are far from the executed (z "
        "162.0% of the executed length; 30-150% accepted)")
    assert strong.search_caveat == "" and "below the budget" not in strong.explanation


def test_too_short_motions_are_named_as_the_reason_too():
    inferred = _noisy(ALL_AXES, Rotation.identity())
    inferred[np.abs(ALL_AXES[:, 1]) > 0.03] *= 0.2  # the ±y motions: the camera looks along y
    line = verdict_line(_check(ALL_AXES, inferred, (64, 4)))
    assert line == ("MOVE THE CAMERA: the model's inferred motion lengths are far from the "
                    "executed (y 20.0% of the executed length; 30-150% accepted)")


@pytest.mark.parametrize("settings, live, words", [
    ((32, 2), False, WEAK),
    ((64, 3), False, "the search (samples 64, iterations 3) is below the budget this check's "
     "verdicts were validated at (samples 64, iterations 4): rerun with --samples >= 64 "
     "--iterations >= 4 to confirm the verdict"),
    ((16, 8), True, "the search (samples 16, iterations 8) is below the budget this check's "
     "verdicts were validated at (samples 64, iterations 4): restart the planner with "
     "planner.samples >= 64 and planner.iterations >= 8 and call ~/camera_check again to "
     "confirm the verdict"),
])
def test_a_verdict_below_the_validated_budget_says_so(settings, live, words):
    result = _check(ALL_AXES, _noisy(ALL_AXES, Rotation.identity()), settings, live=live)
    assert result.verdict == Verdict.FINE and result.search_caveat == words
    assert verdict_line(result) == f"PLACEMENT FINE; {words}"
    assert verdict_line(result, short=True) == \
        "placement fine; search below the validated budget"  # the plot's title


def test_a_model_blind_along_an_axis_keeps_its_own_reason_and_no_length_cause():
    explained = np.full(len(ALL_AXES), SEEN)
    explained[np.abs(ALL_AXES[:, 2]) > 0.03] = 0.001  # blind along z
    inferred = _noisy(ALL_AXES, Rotation.identity())
    result = check_motions(ALL_AXES, inferred, explained=explained, repeat=inferred,
                           search_settings=(64, 4))
    assert result.verdict == Verdict.MOVE and result.length_cause == ""
    assert verdict_line(result) == "MOVE THE CAMERA"


def test_an_undecided_verdict_names_its_own_settings_not_the_budget_again():
    inferred = _noisy(ALL_AXES, Rotation.identity())
    repeat = _noisy(ALL_AXES, Rotation.from_euler("z", 90, degrees=True))
    result = check_motions(ALL_AXES, inferred, explained=np.full(len(ALL_AXES), SEEN),
                           repeat=repeat, search_settings=(32, 2))
    assert result.verdict == Verdict.UNDECIDED and result.search_caveat == ""
    assert verdict_line(result) == "UNDECIDED"
    assert result.explanation.endswith("rerun with --samples >= 64 --iterations >= 4")


@pytest.mark.parametrize("truth, rpy", [("y", (0, 40, 0)), ("z", (0, 0, 40))])
def test_motions_in_a_vertical_plane_get_the_rotation_within_it_not_a_yaw(truth, rpy):
    """x-z motions only: a 40° pitch of the model's frame was 'placement fine' by the yaw (0°)."""
    flat = 0.04 * np.array([[1, 0, 0], [-1, 0, 0], [0, 0, 1], [0, 0, -1], [0.6, 0, 0.8],
                            [-0.6, 0, -0.8]])
    result = _check(flat, _noisy(flat, Rotation.from_euler(truth, 40, degrees=True), 2.0),
                    (64, 4))
    assert result.verdict == Verdict.ROTATE and result.correction == "full"
    np.testing.assert_allclose(result.correction_rpy_deg, rpy, atol=3)
    assert verdict_line(result).startswith(f"CORRECT BY ROTATION {NO_Y_SCOPE}")


def test_motions_in_the_table_plane_keep_the_yaw():
    flat = 0.04 * np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0.6, 0.8, 0],
                            [-0.6, -0.8, 0]])
    result = _check(flat, _noisy(flat, Rotation.from_euler("z", 40, degrees=True), 2.0),
                    (64, 4))
    assert result.verdict == Verdict.ROTATE and result.correction == "yaw"
    assert result.unchecked_axes == ["z"]

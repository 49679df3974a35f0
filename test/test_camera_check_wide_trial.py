"""The camera check's "undecided: too uncertain" gets the correction trial, which decides it.

An estimate too uncertain for its verdict (``eval.camera_check_wide``) is no weak search: the
rotation it fitted is the best there is, and the trial measures it directly (the planner
uncorrected and corrected). With ``camera_check.trial.when`` auto or always the trial runs and
its table decides the verdict (docs/camera_check.md, Correction trial), both ways: a rotated
model is corrected, an unrotated one is "placement fine". ``when`` never keeps the undecided; a
weak search's undecided still runs no trial (test_robot_camera_check_live).

On the ideal arm (an oracle model): its 6 motions scatter ~3.4° RMS about a 90° rotation
(±9.4° widest) and ~2.9° about none (±8.2°), wide only against a strict
``max_residual_deg`` 6 (a stand-in for a learned model's 25° scatter against 60°).
"""

import pytest
from test_robot_camera_check_live import IdealArm
from test_robot_camera_check_trial import _run

from vjepa_ros.eval.camera_check_result import Verdict
from vjepa_ros.eval.camera_check_thresholds import CheckThresholds
from vjepa_ros.robot.camera_check_trial import CheckTrialConfig

STRICT = CheckThresholds(max_residual_deg=6.0, fine_deg=3.0)

pytestmark = pytest.mark.usefixtures("one_thread")  # small torch work: 1 thread is fastest


@pytest.mark.parametrize("rpy", [(0, 0, 90), (0, 0, 0)])
def test_without_a_trial_the_estimate_is_too_uncertain_to_tell(rpy):
    run = _run(IdealArm(rpy), CheckTrialConfig(when="never", steps=3), thresholds=STRICT)
    result = run.result
    assert not run.error, run.error
    assert result.verdict == Verdict.UNDECIDED and result.too_uncertain, result.explanation
    assert "too uncertain to tell" in result.explanation
    assert result.trial is None and result.correction == "none"


@pytest.mark.parametrize("when", ["auto", "always"])
def test_the_trial_finds_an_unrotated_model_fine(when):
    """0.3° ± 8.2° may be 8.5° (above the strict 6°): undecided; the trial says fine."""
    run = _run(IdealArm((0, 0, 0)), CheckTrialConfig(when=when, steps=3), thresholds=STRICT)
    result = run.result
    assert not run.error, run.error
    assert result.trial is not None and result.trial["motions_verdict"] == Verdict.UNDECIDED, (
        result.trial)
    assert result.trial["worst_uncorrected"] >= result.trial["min_progress"]
    assert result.verdict == Verdict.FINE, result.explanation
    assert result.correction == "none" and not result.too_uncertain
    assert "the motions alone said: undecided" in result.explanation


def test_the_trial_corrects_a_rotated_model_and_says_the_motions_were_undecided():
    run = _run(IdealArm((0, 0, 90)), CheckTrialConfig(when="auto", steps=3), thresholds=STRICT)
    result = run.result
    assert not run.error, run.error
    assert result.trial["motions_verdict"] == Verdict.UNDECIDED
    assert result.trial["progress_corrected"] > 0.9 > 0.2 > result.trial["progress_uncorrected"]
    assert result.verdict == Verdict.ROTATE and not result.too_uncertain
    assert abs(result.correction_rpy_deg[2] - 90) < 3
    assert result.to_dict()["too_uncertain"] is False

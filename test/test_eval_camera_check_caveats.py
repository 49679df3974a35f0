"""The camera check's caveats: the demo model's note, a length verdict on a hair (mend55c).

``camera-check --checkpoint demo`` said "MOVE THE CAMERA" at the sim's default camera (z 150.3 %
vs 30-150 % accepted) with no caveat: a ``note:`` says the demo model is no calibrated judge,
and a length verdict whose margin is below the per-motion ratios' spread says it is marginal.
"""

import numpy as np
import yaml

from vjepa_ros.eval.camera_check import check_motions
from vjepa_ros.eval.camera_check_caveats import (
    DEMO_WORDS,
    check_caveats,
    is_demo_model,
    length_spread,
)
from vjepa_ros.eval.camera_check_report import write_check
from vjepa_ros.eval.camera_check_result import Verdict
from vjepa_ros.sim.reach_config import resolve_checkpoint

AXIS_MOTIONS = 0.04 * np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1],
                                [0, 0, -1]], dtype=float)


def _result(lengths):
    return check_motions(AXIS_MOTIONS, AXIS_MOTIONS * np.asarray(lengths, dtype=float)[:, None])


def test_a_length_verdict_just_over_the_bound_with_scattered_motions_is_marginal():
    result = _result([0.8, 1.2, 1.3, 0.7, 1.4, 1.606])  # z 150.3 %, lengths scattered ±30 %
    assert result.verdict == Verdict.MOVE and result.length_cause, result.explanation
    spread = length_spread(result)
    assert spread == np.std([0.8, 1.2, 1.3, 0.7, 1.4, 1.606], ddof=1)
    (note,) = check_caveats(result, demo=False)
    assert note.startswith("the verdict is marginal: the length ratio along z (150.3%) is 0.3 "
                           "points outside the 30-150% accepted"), note
    assert f"(standard deviation {spread * 100:.1f} points)" in note


def test_a_length_verdict_far_beyond_its_spread_or_another_verdict_is_not_marginal():
    far = _result([1.0, 1.0, 1.0, 1.0, 3.0, 3.0])  # z 300 %: 150 points out, spread ~103
    assert far.verdict == Verdict.MOVE and far.length_cause
    assert check_caveats(far, demo=False) == []
    fine = _result([0.8, 1.2, 1.3, 0.7, 1.4, 1.45])
    assert fine.verdict == Verdict.FINE and check_caveats(fine, demo=False) == []
    assert check_caveats(fine, demo=True) == [DEMO_WORDS]


def test_the_demo_model_is_told_by_its_file_however_named(tmp_path):
    packaged = resolve_checkpoint("")
    assert is_demo_model(str(packaged)) and is_demo_model(str(packaged.parent / ".." / "data" /
                                                              packaged.name))
    assert not is_demo_model(str(tmp_path / "trained.pt")) and not is_demo_model("")


def test_the_notes_go_in_the_parameter_files_header_and_the_json(tmp_path):
    result = _result([0.8, 1.2, 1.3, 0.7, 1.4, 1.606])
    notes = check_caveats(result, demo=True)
    assert notes[0] == DEMO_WORDS and "marginal" in notes[1]
    written = write_check(result, tmp_path, {"vjepa_planner": {"ros__parameters": {}}},
                          plot=False, notes=notes)
    text = written.params.read_text()
    header = [line for line in text.splitlines() if line.startswith("# note: ")]
    assert header == [f"# note: {note}" for note in notes]
    assert yaml.safe_load(text) is not None  # comments: the file still loads
    import json

    assert json.loads(written.report.read_text())["notes"] == notes

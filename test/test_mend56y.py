"""Session 55's leftovers of the camera check (mend56y).

1. a correction typed in radians (``control.model_frame_rpy_deg`` [0, 0, 1.57]) is read as
   degrees without a word: a note names the setting and the degrees it would be;
2. an "undecided" verdict deleted an earlier check's correction: it is moved aside, said;
3. the live ``~/camera_check`` gave none of the offline command's caveats (demo model,
   marginal verdict): one writer for both;
4. ``camera_check.motion.timeout_s``'s description said nothing of the stale hold it bounds;
5. a pose topic whose frame_id switches between two base frames was judged by its first one.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

from vjepa_ros.eval.camera_check_keep import PREVIOUS_FILE, written_rotation
from vjepa_ros.eval.camera_check_report import PARAMS_FILE, save_check
from vjepa_ros.eval.camera_check_result import Verdict

sys.path.insert(0, str(Path(__file__).parent))
from camera_check_rigs import LIVE, TABLE  # noqa: E402
from test_fix55b import _check, _turned  # noqa: E402  the motions' check, a turned model

pytestmark = pytest.mark.usefixtures("one_thread")


def test_the_timeout_description_says_it_bounds_a_stale_hold():
    from vjepa_ros.robot.camera_check_motions import CheckMotionConfig

    (field,) = [f for f in dataclasses.fields(CheckMotionConfig) if f.name == "timeout_s"]
    words = field.metadata["description"]
    assert "stale" in words and "stops" in words, words


# --- 2. an undecided verdict keeps an earlier correction aside ---------------------------------

def test_an_undecided_verdict_moves_an_earlier_correction_aside_and_says_where(tmp_path):
    rotated = _check(LIVE, _turned((0, 0, 45)))
    save_check(rotated, tmp_path, {}, plot=False)
    kept = rotated.correction_rpy_deg
    undecided = _check(TABLE, TABLE * np.array([1.0, -1.0, 1.0]))  # tabletop mirror
    assert undecided.verdict == Verdict.UNDECIDED
    written, saved = save_check(undecided, tmp_path, {}, f" in {tmp_path}", plot=False)
    assert written.params is None and not (tmp_path / PARAMS_FILE).exists()  # not loadable
    assert written.previous == tmp_path / PREVIOUS_FILE
    assert np.allclose(written_rotation(tmp_path / PREVIOUS_FILE), kept)  # not lost
    assert str(tmp_path / PREVIOUS_FILE) in saved.kept and "undecided" in saved.kept
    assert "[0.0, 0.0, 45.0]" in saved.kept, saved.kept
    assert saved.undecided == f"no {PARAMS_FILE}: the verdict is undecided"  # nothing removed


@pytest.mark.parametrize("earlier", ["# no parameters\n", "/**:\n  ros__parameters:\n    control:"
                                     "\n      model_frame_rpy_deg: [0.0, 0.0, 360.0]\n"])
def test_an_undecided_verdict_removes_an_earlier_file_without_a_correction_and_says_so(
        tmp_path, earlier):
    (tmp_path / PARAMS_FILE).write_text(earlier)
    undecided = _check(TABLE, TABLE * np.array([1.0, -1.0, 1.0]))
    written, saved = save_check(undecided, tmp_path, {}, plot=False)
    assert written.previous is None and not (tmp_path / PREVIOUS_FILE).exists()
    assert not (tmp_path / PARAMS_FILE).exists() and not saved.kept
    assert saved.undecided.endswith("(the one an earlier check left was removed)")

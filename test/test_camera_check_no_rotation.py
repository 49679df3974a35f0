"""A rotation the planner applies as none is none for the camera check's notes too (mend56e).

``control.model_frame_rpy_deg`` [0, 0, 360], [180, 180, 180] or [0, 0, 1e-6] (a hand-edited file):
the planner's ``ModelFrame`` is the identity and plans uncorrected. Before, the check's
in-force note said "runs with ... [0.0, 0.0, 0.0] (0.0° in all)" for the tiny one (its own
threshold, 1e-9°), and a verdict with no correction moved such a file aside as "the earlier
check's correction" (any component over 1e-9°). Both now ask ``ModelFrame.identity``.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from vjepa_ros.eval.camera_check import check_motions
from vjepa_ros.eval.camera_check_in_force import in_force_words
from vjepa_ros.eval.camera_check_keep import PREVIOUS_FILE, keep_earlier_correction
from vjepa_ros.eval.camera_check_report import PARAMS_FILE
from vjepa_ros.robot.model_frame import ModelFrame

MOTIONS = 0.04 * np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1],
                           [1, 1, 0], [-1, -1, 0], [1, 0, 1], [0, -1, -1]], dtype=float)
NONE = [(0.0, 0.0, 360.0), (180.0, 180.0, 180.0), (0.0, 0.0, 1e-6), (-360.0, 0.0, 0.0)]
SOME = [(0.0, 0.0, 1e-3), (0.0, 0.0, 45.0), (10.0, -5.0, 170.0)]


@pytest.fixture(scope="module")
def fine():
    result = check_motions(MOTIONS, MOTIONS, explained=np.full(len(MOTIONS), 0.9))
    assert result.correction == "none"  # the written file sets no rotation
    return result


def _earlier(folder, rpy):
    path = folder / PARAMS_FILE
    path.write_text(yaml.safe_dump(
        {"/**": {"ros__parameters": {"control": {"model_frame_rpy_deg": list(rpy)}}}}))
    return path


@pytest.mark.parametrize("rpy", NONE)
def test_a_rotation_the_planner_applies_as_none_is_not_in_force(rpy, fine):
    assert ModelFrame(rpy).identity  # the planner plans uncorrected with it
    assert in_force_words(list(rpy), fine, "this planner runs with", "restart it") == ""


@pytest.mark.parametrize("rpy", SOME)
def test_a_rotation_the_planner_applies_is_in_force(rpy, fine):
    words = in_force_words(list(rpy), fine, "this planner runs with", "restart it")
    assert words.startswith("this planner runs with control.model_frame_rpy_deg [")
    assert f"({ModelFrame(rpy).angle_deg:.1f}° in all)" in words


@pytest.mark.parametrize("rpy", NONE)
def test_an_earlier_file_with_no_applied_rotation_is_not_kept_aside(rpy, fine, tmp_path):
    path = _earlier(tmp_path, rpy)
    assert keep_earlier_correction(fine, path) is None
    assert path.exists() and not (tmp_path / PREVIOUS_FILE).exists()


@pytest.mark.parametrize("rpy", [*SOME, (float("inf"), 0.0, 0.0)])
def test_an_earlier_rotation_or_an_unloadable_one_is_kept_aside(rpy, fine, tmp_path):
    path = _earlier(tmp_path, rpy)
    assert keep_earlier_correction(fine, path) == tmp_path / PREVIOUS_FILE
    assert not path.exists() and (tmp_path / PREVIOUS_FILE).exists()

"""One check of a decoded goal image, whatever its source: a goal file or the ~/goal_image topic.

``goal_image_problem`` holds every check; ``load_image_file`` and the planner node both call it
(the node once checked only the size, the file loader only its header's size).
"""

import numpy as np
import pytest

from vjepa_ros import image_files
from vjepa_ros.image_limits import MAX_ASPECT, MIN_SIDE_PX, goal_image_problem
from vjepa_ros.images import ImageError, load_image_file, save_image_file


def _rgb(height=48, width=64, channels=3, dtype=np.uint8):
    return np.zeros((height, width, channels), dtype)


def _nan_image():
    rgb = _rgb(dtype=np.float32)
    rgb[0, 0, 0], rgb[1, 1, 1] = np.nan, np.inf
    return rgb


@pytest.mark.parametrize("rgb, problem", [
    (_rgb(1, 1), f"is 1x1 px, smaller than {MIN_SIDE_PX} px a side"),
    (_rgb(40, 200), f"is 200x40 px: long side more than {MAX_ASPECT:g} times the short one"),
    (_rgb(channels=4), "has 4 channels (shape (48, 64, 4)), not 3: give a colour image"),
    (_rgb(channels=1), "has 1 channels (shape (48, 64, 1)), not 3"),
    (np.zeros((48, 64), np.uint8), "has shape (48, 64), not [H, W, 3]: give a colour"),
    (np.zeros((2, 48, 64, 3), np.uint8), "has shape (2, 48, 64, 3), not [H, W, 3]"),
    (_rgb(dtype=np.uint16), "has uint16 pixels, not 8-bit (uint8): save it as an 8-bit"),
    (_rgb(dtype=np.float32), "has float32 pixels, not 8-bit"),
    (_nan_image(), "has float32 pixels, 2 of them not finite (NaN or inf), not 8-bit"),
])
def test_a_bad_decoded_goal_image_is_refused_in_one_line(rgb, problem):
    text = goal_image_problem(rgb)
    assert text and "\n" not in text
    assert text.startswith(problem), text


def test_a_camera_sized_rgb_image_passes():
    assert goal_image_problem(_rgb()) == ""
    assert goal_image_problem(_rgb(MIN_SIDE_PX, int(MIN_SIDE_PX * MAX_ASPECT))) == ""


def test_the_file_loader_applies_the_same_check_to_the_decoded_image(tmp_path, monkeypatch):
    path = save_image_file(tmp_path / "goal.png", _rgb())
    # load_image_file lives in image_files (images re-exports it): its check is patched there
    monkeypatch.setattr(image_files, "goal_image_problem", lambda rgb: f"has shape {rgb.shape}")
    with pytest.raises(ImageError, match=rf"^{path} has shape \(48, 64, 3\)$"):
        load_image_file(path)

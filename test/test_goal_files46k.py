"""fix46k: the edges of the goal-image rules fixed after breaker46h.

Premultiplied (associated) alpha: refused below 255, loads when opaque. Alpha 0 everywhere:
refused (alpha 1 everywhere passes). URLs of other schemes: refused naming the URL, whatever the
goal path's entry point; a file URI's escaped ``?``/``#`` stay part of the name. The decoded-image
cache: emptying the other goal file parameter keeps it, a new check releases the old images
before decoding. TIFF frames: full-resolution pages only are counted.
"""

import re

import numpy as np
import pytest
from goal_image_files import (
    PIXELS,
    _premultiplied_tiff,
    _save,
    _tiff,
)
from PIL import Image

from vjepa_ros.images import ImageError, image_file_path, load_image_file
from vjepa_ros.robot import goal_files
from vjepa_ros.robot.checked_goal_images import CheckedGoalImages


def test_a_premultiplied_tiff_is_refused_below_255_and_loads_when_opaque(tmp_path):
    path = tmp_path / "goal.tif"
    _premultiplied_tiff(path, 128)
    with pytest.raises(ImageError, match=rf"^{path} has premultiplied \(associated\) alpha below "
                       "255 \\(as low as 128\\)"):
        load_image_file(path)
    _premultiplied_tiff(path, 255)  # premultiplied by 1: the colours as they are
    assert np.array_equal(load_image_file(path), PIXELS)


def test_alpha_1_everywhere_passes_and_alpha_0_with_one_visible_pixel_is_a_cut_out(tmp_path):
    path = tmp_path / "goal.png"
    rgba = np.concatenate([PIXELS, np.ones((48, 64, 1), np.uint8)], axis=-1)
    Image.fromarray(rgba, "RGBA").save(path)
    assert np.array_equal(load_image_file(path), PIXELS)
    rgba[..., 3] = 0
    rgba[0, 0, 3] = 255
    Image.fromarray(rgba, "RGBA").save(path)
    with pytest.raises(ImageError, match="has transparent pixels"):
        load_image_file(path)


@pytest.mark.parametrize("url", ["HTTP://lab-pc/goal.png", "ftp://lab-pc/goal.png",
                                 "git+ssh://host/goal.png"])
def test_a_url_is_refused_by_the_one_resolver(url):
    with pytest.raises(ImageError, match="only local files are read") as refused:
        image_file_path(url)
    assert str(refused.value).startswith(url) and "\n" not in str(refused.value)
    with pytest.raises(ImageError, match=f"^goal_image_path: {re.escape(url)} is a "):
        goal_files.check_goal_files("goal_image_path", [url])


def test_escaped_question_mark_and_hash_stay_in_the_name(tmp_path):
    _save(tmp_path / "goal?raw=1#v.png", PIXELS)
    uri = (tmp_path / "goal?raw=1#v.png").as_uri()
    assert "%3F" in uri and "%23" in uri
    assert np.array_equal(load_image_file(uri + "?x=1#y"), PIXELS)


def test_the_cache_keeps_its_images_when_the_other_parameter_is_emptied(tmp_path, monkeypatch):
    names = [_save(tmp_path / "a.png", PIXELS), _save(tmp_path / "b.png", 255 - PIXELS)]
    checked = CheckedGoalImages()
    goal_files.check_goal_files("goal_image_paths", names, checked=checked)
    goal_files.check_goal_files("goal_image_path", [], checked=checked)  # the other one emptied
    assert len(checked) == 2
    seen = []

    def load(path):
        seen.append(len(checked))
        return PIXELS

    monkeypatch.setattr(goal_files, "load_image_file", load)
    goal_files.check_goal_files("goal_image_path", [names[0]], checked=checked)
    assert seen == [0] and len(checked) == 1  # released before decoding


def test_a_tiff_of_two_pages_and_a_preview_holds_two_frames(tmp_path):
    path = tmp_path / "pages.tif"
    small = np.ascontiguousarray(PIXELS[::4, ::4])
    _tiff(path, [(PIXELS, 0), (small, 1), (255 - PIXELS, 0)])
    with pytest.raises(ImageError, match=rf"^{path} holds 2 frames"):
        load_image_file(path)
    _tiff(path, [(PIXELS, 0), (small, 1), (small, 1)])
    assert np.array_equal(load_image_file(path), PIXELS)

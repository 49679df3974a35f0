"""fix46o: a TIFF's preview first loads its full-resolution page; package:// goal paths.

A raw converter writes its reduced-resolution preview (NewSubfileType 1) as the TIFF's first
image and the full-resolution one after it: the loader decodes that page by the rules of a
one-page file (EXIF orientation, the 16-bit scaling, the alpha rule). A ``package://`` URL names
a file of the package's installed share folder (the ament index); where it cannot be found the
line says why and how to give the path (``ros2 pkg prefix --share``).
"""

import sys

import numpy as np
import pytest
from goal_image_files import (
    PIXELS,
    _tiff,
)
from PIL import Image

from vjepa_ros.images import ImageError, image_file_path, load_image_file
from vjepa_ros.robot import goal_files
from vjepa_ros.robot.checked_goal_images import CheckedGoalImages

BIG = np.repeat(np.repeat(PIXELS, 2, 0), 2, 1)  # 96x128: the full-resolution image


def _both(tmp_path, pixels, extra=(), bits=8):
    """Write the one-page TIFF of ``pixels`` and one with a 48x64 preview first; their paths."""
    one, two = tmp_path / "one.tif", tmp_path / "preview_first.tif"
    _tiff(one, [(pixels, 0, list(extra))], bits=bits)
    preview = np.ascontiguousarray(pixels[::2, ::2])
    _tiff(two, [(preview, 1, list(extra)), (pixels, 0, list(extra))], bits=bits)
    return one, two


def _loaded(path):
    try:
        return load_image_file(path)
    except ImageError as exc:
        return str(exc).replace(path.name, "<file>")


@pytest.mark.parametrize("orientation", [1, 3, 6])
def test_the_full_resolution_page_loads_as_a_one_page_file_does(tmp_path, orientation):
    """Upright, turned by 180 (OpenCV turns it) and by 90 degrees (Pillow decodes it)."""
    one, two = _both(tmp_path, BIG, [(274, 3, 1, orientation)])
    alone, after = _loaded(one), _loaded(two)
    assert isinstance(alone, np.ndarray) and np.array_equal(after, alone)
    assert alone.shape[:2] == ((128, 96) if orientation == 6 else (96, 128))


def test_a_16_bit_full_resolution_page_is_scaled_as_a_one_page_file(tmp_path):
    deep = BIG.astype(np.uint16) * 257 + np.uint16(100)
    one, two = _both(tmp_path, deep, bits=16)
    alone = load_image_file(one)
    assert np.array_equal(load_image_file(two), alone)
    assert not np.array_equal(alone, BIG)  # the low bits count: scaled, not shifted


def test_the_alpha_rule_judges_the_full_resolution_page(tmp_path):
    """Transparent pixels in the full page: refused; an opaque preview changes nothing."""
    rgba = np.dstack([BIG, np.full(BIG.shape[:2], 255, np.uint8)])
    rgba[:10, :10, 3] = 0
    _, two = _both(tmp_path, rgba, [(338, 3, 1, 2)])
    with pytest.raises(ImageError, match=r"preview_first\.tif has transparent pixels"):
        load_image_file(two)
    rgba[..., 3] = 255
    _, two = _both(tmp_path, rgba, [(338, 3, 1, 2)])
    assert np.array_equal(load_image_file(two), BIG)


def test_a_preview_then_two_full_pages_is_still_two_frames(tmp_path):
    path = tmp_path / "pages.tif"
    _tiff(path, [(PIXELS, 1), (BIG, 0), (BIG[::-1].copy(), 0)])
    with pytest.raises(ImageError, match=r"pages\.tif holds 2 frames"):
        load_image_file(path)


def test_the_checked_page_is_the_goal(tmp_path):
    """goal_files checks the file and keeps the decoded image: the full-resolution one."""
    _, two = _both(tmp_path, BIG)
    checked = CheckedGoalImages()
    goal_files.check_goal_files("goal_image_path", [str(two)], checked=checked)
    assert len(checked) == 1 and np.array_equal(checked.image(str(two)), BIG)


# ---------------------------------------------------------------- package:// URLs


@pytest.fixture
def _ament_prefix(tmp_path, monkeypatch):
    """Make an ament prefix of the package my_pkg (goals/goal.png); return its share folder."""
    pytest.importorskip("ament_index_python")
    prefix = tmp_path / "install"
    index = prefix / "share" / "ament_index" / "resource_index" / "packages"
    index.mkdir(parents=True)
    (index / "my_pkg").write_text("")
    (prefix / "share" / "my_pkg" / "goals").mkdir(parents=True)
    Image.fromarray(PIXELS).save(prefix / "share" / "my_pkg" / "goals" / "goal.png")
    monkeypatch.setenv("AMENT_PREFIX_PATH", str(prefix))
    return prefix / "share" / "my_pkg"


def test_a_package_url_loads_the_file_of_the_packages_share_folder(_ament_prefix):
    url = "package://my_pkg/goals/goal.png"
    assert image_file_path(url) == _ament_prefix / "goals" / "goal.png"
    assert np.array_equal(load_image_file(url), PIXELS)
    checked = CheckedGoalImages()
    goal_files.check_goal_files("goal_image_path", [url], checked=checked)
    assert len(checked) == 1


def test_a_missing_file_of_a_found_package_names_the_path_and_the_url(_ament_prefix):
    url = "package://my_pkg/goals/other.png"
    with pytest.raises(ImageError) as refused:
        load_image_file(url)
    assert str(refused.value) == (f"image file not found: {_ament_prefix}/goals/other.png "
                                  f"(named by {url})")


def test_an_unknown_package_says_so_and_how_to_give_the_path(_ament_prefix):
    with pytest.raises(ImageError) as refused:
        goal_files.check_goal_files("goal_image_path", ["package://other_pkg/goals/goal.png"])
    words = str(refused.value)
    assert words.startswith("goal_image_path: package://other_pkg/goals/goal.png names a file")
    assert "lists no such package" in words and "\n" not in words
    assert words.endswith("give the file's path instead, "
                          "$(ros2 pkg prefix --share other_pkg)/goals/goal.png")


@pytest.mark.parametrize("why, expected", [
    ("unset", "no ROS 2 workspace is sourced here (AMENT_PREFIX_PATH is not set)"),
    ("not installed", "ament_index_python (which finds installed ROS 2 packages) is not "
                      "installed here"),
])
def test_without_an_ament_index_the_line_says_why(monkeypatch, why, expected):
    monkeypatch.delenv("AMENT_PREFIX_PATH", raising=False)
    if why == "not installed":
        monkeypatch.setitem(sys.modules, "ament_index_python.packages", None)
    with pytest.raises(ImageError) as refused:
        image_file_path("package://my_pkg/goals/goal.png")
    words = str(refused.value)
    assert expected in words and "$(ros2 pkg prefix --share my_pkg)/goals/goal.png" in words


def test_a_package_url_without_a_package_name_is_refused(_ament_prefix):
    with pytest.raises(ImageError, match=r"no package name: .*--share <package>\)/goal\.png$"):
        image_file_path("package:///goal.png")

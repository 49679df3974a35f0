"""fix46r: a TIFF is judged on its full-resolution image; package:// paths stay in share/.

A TIFF is judged on the IFD whose NewSubfileType bit 0 is clear (size, pixel kind, the 16-bit
rule, orientation, alpha), never on IFD 0's; a file of previews only, or whose full image is
kept only as a SubIFD (tag 330, the DNG layout), is refused in one line. ``package://pkg//a.png``
is ``share/pkg/a.png``; a path climbing out of the share folder is refused naming the URL.
"""

import numpy as np
import pytest
from PIL import Image
from test_breaker46q import BIG, SMALL, _prefix, _tiff

from vjepa_ros.images import ImageError, image_file_path, load_image_file


def _refusal(path):
    with pytest.raises(ImageError) as caught:
        load_image_file(path)
    line = str(caught.value)
    assert "\n" not in line and str(path) in line
    return line


@pytest.mark.parametrize("chain", [[(SMALL, 1, 8, ())], [(SMALL, 1, 8, ()), (BIG, 1, 8, ())]],
                         ids=["one preview", "two previews"])
def test_previews_only_are_refused_as_such(tmp_path, chain):
    line = _refusal(_tiff(tmp_path / "previews.tif", chain))
    assert "only reduced-resolution previews" in line and "as PNG" in line


def test_a_full_image_only_as_a_subifd_is_refused_as_raw_dng(tmp_path):
    line = _refusal(_tiff(tmp_path / "dng.tif", [(SMALL, 1, 8, ())], sub=(BIG, 0)))
    assert "raw/DNG-style TIFF" in line and "export the image as PNG" in line


def test_two_full_pages_are_several_frames_with_or_without_subifds(tmp_path):
    path = _tiff(tmp_path / "two.tif", [(BIG, 0, 8, ()), (BIG, 0, 8, ())], sub=(SMALL, 1))
    assert "holds 2 frames" in _refusal(path)


def test_the_full_pages_own_size_is_judged_not_the_previews(tmp_path):
    """A fine 128x96 preview first, a 16x12 full image: refused for the full image's size."""
    path = _tiff(tmp_path / "tiny.tif", [(BIG, 1, 8, ()), (BIG[::8, ::8].copy(), 0, 8, ())])
    assert "16x12 px" in _refusal(path)


def test_the_full_pages_own_pixel_kind_is_judged_not_the_previews(tmp_path):
    """An 8-bit colour preview first, a single-channel 16-bit full image: refused as such."""
    grey = BIG[..., :1].astype(np.uint16) * 257
    path = _tiff(tmp_path / "depth.tif", [(SMALL, 1, 8, ()), (grey, 0, 16, ())])
    assert "single-channel 16-bit" in _refusal(path)


# ---- package:// -----------------------------------------------------------------------------

@pytest.fixture
def share(tmp_path, monkeypatch):
    """Install ``goals46r`` (a.png, sub/) alone; its share folder."""
    pytest.importorskip("ament_index_python")
    prefix = _prefix(tmp_path, "install", "goals46r", ["a.png"])
    (prefix / "share" / "goals46r" / "sub").mkdir()
    monkeypatch.setenv("AMENT_PREFIX_PATH", str(prefix))
    return prefix / "share" / "goals46r"


@pytest.mark.parametrize("url", ["package://goals46r//a.png", "package://goals46r///a.png",
                                 "package://goals46r/sub/../a.png", "package://goals46r/./a.png",
                                 "package://goals46r//sub//..//a.png"])
def test_the_path_after_the_package_is_relative_to_its_share_folder(share, url):
    assert image_file_path(url) == share / "a.png"
    assert np.array_equal(load_image_file(url), BIG)


@pytest.mark.parametrize("url", ["package://goals46r/../x.png", "package://goals46r/..",
                                 "package://goals46r/sub/../../x.png",
                                 "package://goals46r//..//..//etc/passwd"])
def test_a_path_out_of_the_share_folder_is_refused_naming_the_url(share, url, monkeypatch):
    for _ in range(2):  # found package, then no workspace sourced: refused the same
        with pytest.raises(ImageError, match="outside the share folder") as caught:
            load_image_file(url)
        assert url in str(caught.value) and "\n" not in str(caught.value)
        monkeypatch.delenv("AMENT_PREFIX_PATH", raising=False)


def test_a_symlink_install_file_pointing_out_of_the_share_folder_loads(share, tmp_path):
    """A symlink install (colcon) links each file to the source tree: judged by name, it loads."""
    source = tmp_path / "src" / "b.png"
    source.parent.mkdir()
    Image.fromarray(BIG).save(source)
    (share / "b.png").symlink_to(source)
    assert np.array_equal(load_image_file("package://goals46r/b.png"), BIG)

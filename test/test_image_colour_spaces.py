"""A TIFF goal file's colour space: decoded in the file's own colours, or refused naming it.

breaker60d #2: a CIELab TIFF (PhotometricInterpretation 8, Photoshop's "Lab Color") loaded
through OpenCV's libtiff RGBA path with another white point: a neutral grey as [142, 131, 115].
The loader's one rule (``vjepa_ros.image_colour_spaces``) is checked over the family of
PhotometricInterpretation values: each one OpenCV decodes as Pillow does still loads so, CIELab
loads in Pillow's (right) colours, and every value neither decoder reads (ICCLab, ITULab, LogL,
LogLuv, CFA, LinearRaw, a mask, an unknown one; classic TIFF and BigTIFF) is refused in one line
naming the file and the colour space, by the loader and by the planner's header check alike.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
from PIL import Image

from vjepa_ros.image_errors import ImageError
from vjepa_ros.image_file_header import check_image_file_header
from vjepa_ros.image_files import load_image_file

PIXELS = np.random.default_rng(6002).integers(0, 256, (48, 64, 3), dtype=np.uint8)


def _pillow_colours(path) -> np.ndarray:
    """Return Pillow's RGB of ``path``: the colours the file holds."""
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB")).astype(int)


@pytest.mark.parametrize("compression", ["raw", "tiff_lzw", "tiff_adobe_deflate"])
def test_a_cielab_tiff_loads_in_its_own_colours(tmp_path, compression):
    path = tmp_path / "goal_lab.tif"
    Image.fromarray(PIXELS).convert("LAB").save(path, compression=compression)
    rgb = load_image_file(path)
    assert np.abs(rgb.astype(int) - _pillow_colours(path)).max() == 0  # Pillow's decoding
    assert np.abs(rgb.astype(int) - PIXELS).mean() < 2.0  # ~the picture saved (OpenCV: 14)
    grey = tmp_path / "grey_lab.tif"
    Image.fromarray(np.full((48, 64, 3), 128, np.uint8)).convert("LAB").save(grey)
    assert np.abs(load_image_file(grey).astype(int) - 128).max() <= 1


@pytest.mark.parametrize("mode,save", [
    ("RGB", {}), ("RGB", {"compression": "jpeg"}), ("L", {}), ("1", {}), ("P", {}),
    ("CMYK", {}), ("CMYK", {"compression": "tiff_lzw"}), ("YCbCr", {}),
])
def test_the_colour_spaces_opencv_decodes_load_as_pillow_decodes_them(tmp_path, mode, save):
    """BlackIsZero, RGB, palette, CMYK, YCbCr: unchanged (OpenCV), as the file's colours."""
    path = tmp_path / "goal.tif"
    Image.fromarray(PIXELS).convert(mode).save(path, **save)
    assert np.abs(load_image_file(path).astype(int) - _pillow_colours(path)).max() <= 1


def _patched(path, photometric: int, big: bool = False):
    """Set the first IFD's PhotometricInterpretation (a SHORT, stored in its entry) of a TIFF."""
    data = bytearray(path.read_bytes())
    entry = struct.pack("<HHQ" if big else "<HHI", 262, 3, 1)
    at = data.find(entry)
    assert at > 0
    data[at + len(entry):at + len(entry) + 2] = struct.pack("<H", photometric)
    path.write_bytes(bytes(data))
    return path


def test_white_is_zero_loads_inverted_as_its_colours(tmp_path):
    path = tmp_path / "goal.tif"
    Image.fromarray(PIXELS).convert("L").save(path)
    grey = np.asarray(Image.open(path)).astype(int)
    rgb = load_image_file(_patched(path, 0))
    assert np.array_equal(rgb[..., 0], 255 - grey) and np.array_equal(rgb[..., 2], 255 - grey)


REFUSED = {4: "transparency mask", 7: "unknown 7", 9: "ICCLab", 10: "ITULab",
           32803: "CFA (raw sensor data)", 32844: "LogL", 32845: "LogLuv", 34892: "LinearRaw",
           51177: "Depth"}


@pytest.mark.parametrize("big", [False, True], ids=["tiff", "bigtiff"])
@pytest.mark.parametrize("photometric", sorted(REFUSED))
def test_a_colour_space_neither_decoder_reads_is_refused_naming_it(tmp_path, photometric, big):
    path = tmp_path / "goal.tif"
    Image.fromarray(PIXELS).save(path, big_tiff=big)
    _patched(path, photometric, big)
    said = (f"{path} is a TIFF in the {REFUSED[photometric]} colour space "
            f"(PhotometricInterpretation {photometric}), which neither Pillow nor OpenCV decodes "
            "to its colours: export it as an RGB PNG or JPEG")
    for check in (load_image_file, check_image_file_header):  # the planner's header check too
        with pytest.raises(ImageError) as raised:
            check(path)
        assert str(raised.value) == said


def test_a_file_pillow_cannot_identify_for_another_reason_keeps_its_message(tmp_path):
    """An RGB TIFF cut inside its first IFD is no colour-space problem: not named as one."""
    path = tmp_path / "goal.tif"
    Image.fromarray(PIXELS).save(path)
    data = path.read_bytes()
    (path.parent / "cut.tif").write_bytes(data[:8])
    with pytest.raises(ImageError) as raised:
        load_image_file(path.parent / "cut.tif")
    assert "colour space" not in str(raised.value) and "cut.tif" in str(raised.value)

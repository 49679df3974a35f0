"""A TIFF goal file's colour space: which decoder reads it right, or why it is refused.

A TIFF says how its samples are colours in its PhotometricInterpretation tag (262; TIFF 6.0,
section 8 and the TIFF Technical Note 1 / Adobe Photoshop supplements for the Lab kinds). The
loader (:func:`vjepa_ros.image_files.load_image_file`) decodes with OpenCV and falls back to
Pillow; this module is its one rule of colour spaces (breaker60d #2):

- WhiteIsZero, BlackIsZero, RGB, palette, CMYK and YCbCr: OpenCV decodes them as Pillow does
  (checked against Pillow's conversion: equal, YCbCr within one level).
- CIELab (8; Photoshop's "Lab Color" mode, a scanner's Lab output): OpenCV decodes it through
  libtiff's RGBA path with another white point (a neutral grey, L* 53.7, as RGB [142, 131, 115],
  about 14 levels of error on random colours); Pillow converts it right (1 level). Decoded by
  Pillow.
- Every other value (ICCLab 9, ITULab 10, LogL 32844, LogLuv 32845, CFA 32803, LinearRaw 34892,
  a transparency mask 4, Depth 51177, any unknown one): neither decodes it to the picture's
  colours (Pillow does not identify the file, OpenCV fails or guesses); refused in one line
  naming the file and the colour space.
"""

from __future__ import annotations

import warnings
from pathlib import Path

OPENCV, PILLOW = "opencv", "pillow"  # which decoder gives a colour space's right colours
# PhotometricInterpretation -> (its name, the decoder that reads it right)
DECODED = {
    0: ("WhiteIsZero", OPENCV), 1: ("BlackIsZero", OPENCV), 2: ("RGB", OPENCV),
    3: ("palette", OPENCV), 5: ("CMYK", OPENCV), 6: ("YCbCr", OPENCV), 8: ("CIELab", PILLOW),
}
# the names of the values neither decoder reads
REFUSED = {4: "transparency mask", 9: "ICCLab", 10: "ITULab", 32803: "CFA (raw sensor data)",
           32844: "LogL", 32845: "LogLuv", 34892: "LinearRaw", 51177: "Depth"}
PHOTOMETRIC = 262  # the TIFF tag
SAVE = "export it as an RGB PNG or JPEG"


def colour_space_name(photometric: int) -> str:
    """Return the name of a PhotometricInterpretation value (``"unknown 7"`` where none)."""
    if photometric in DECODED:
        return DECODED[photometric][0]
    return REFUSED.get(photometric, f"unknown {photometric}")


def refused_colour_space(photometric: int) -> str:
    """Return why a TIFF of ``photometric`` is refused, after its path ("": decodable)."""
    if photometric in DECODED:
        return ""
    return (f"is a TIFF in the {colour_space_name(photometric)} colour space "
            f"(PhotometricInterpretation {photometric}), which neither Pillow nor OpenCV "
            f"decodes to its colours: {SAVE}")


def tiff_decoder(tags) -> str:
    """Return the decoder of an opened TIFF page's colours: ``"opencv"`` or ``"pillow"``.

    ``tags``: Pillow's ``tag_v2`` of the page (None: not a TIFF, OpenCV's). A value
    :func:`refused_colour_space` refuses is checked before (``image_file_header``).
    """
    photometric = tags.get(PHOTOMETRIC) if tags is not None else None
    return DECODED.get(photometric, ("", OPENCV))[1]


def unidentified_tiff_problem(path: Path) -> str:
    """Return why Pillow could not identify ``path`` when it is a TIFF of a refused colour space.

    Reads the first IFD's PhotometricInterpretation itself (Pillow's ``ImageFileDirectory_v2``,
    classic and BigTIFF headers); "" for a file that is no TIFF, one cut inside its header, or
    one of a decodable colour space (Pillow failed for another reason: its own message says it).
    """
    from PIL import TiffImagePlugin

    try:
        with open(path, "rb") as file, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's "Corrupt EXIF data" of a cut IFD
            head = file.read(8)
            if head[:4] not in (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"):
                return ""
            if head[2:4] in (b"+\0", b"\0+"):  # BigTIFF: 16 bytes of header
                head += file.read(8)
            ifd = TiffImagePlugin.ImageFileDirectory_v2(head)
            file.seek(ifd.next)
            ifd.load(file)
            photometric = ifd.get(PHOTOMETRIC)
    except (OSError, SyntaxError, ValueError, EOFError, KeyError, TypeError):
        return ""
    return refused_colour_space(photometric) if isinstance(photometric, int) else ""

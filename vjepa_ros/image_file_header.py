"""A goal image file's header check: everything the loader refuses before it decodes a pixel.

:func:`check_image_file_header` resolves the path and refuses, in the loader's own words, a
missing file, a folder, a link loop, a file that is not an image, a decompression bomb, one
outside the size limits, of a refused pixel kind (32-bit, single-channel 16-bit), a TIFF of a
colour space neither decoder reads (``image_colour_spaces``) or one of several
frames. Pillow opens lazily: it reads the header (size, mode, a TIFF's IFDs) without decoding,
so the check costs milliseconds where the decode of a phone photo costs half a second. The
planner node checks a goal file parameter so inside its parameter callback (the set is refused
at once) and decodes the file off the executor thread (``robot/goal_decoder.py``); what only the
decode finds (a file cut short in its pixel data, transparent pixels) is refused then.
:func:`vjepa_ros.image_files.load_image_file` starts with the same steps: the header rules
(pixel kind, size, frames, a TIFF's full-resolution page) live here, the decode and what only it
finds in ``image_files.py``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from vjepa_ros.image_colour_spaces import (
    PHOTOMETRIC,
    refused_colour_space,
    unidentified_tiff_problem,
)
from vjepa_ros.image_encodings import SINGLE_CHANNEL_16
from vjepa_ros.image_errors import ImageError
from vjepa_ros.image_limits import MAX_SIDE_PX, image_size_problem
from vjepa_ros.image_paths import image_file_path, is_package_url
from vjepa_ros.input_paths import SYMLINK_LOOP, missing
from vjepa_ros.path_text import whitespace_problem


def existing_image_file(given: str | Path) -> tuple[Path, str]:
    """Return the file a goal path names and its note (" (named by URL)", or "").

    Raises :class:`ImageError` for an empty path, a folder, a missing file or a link loop.
    """
    text = str(given)
    if not text.strip():
        raise ImageError("the image path is empty: give an image file (PNG, JPEG, ...)")
    path = image_file_path(given)
    named = f" (named by {text})" if is_package_url(text) else ""
    if path.is_dir():
        raise ImageError(f"{path}{named} is a folder, not an image file: give an image file "
                         "(PNG, JPEG, ...)")
    if not path.is_file():
        _refuse_missing(path, named)
    return path, named


def open_image_file(path: Path):
    """Open ``path`` with Pillow, lazily (header only); raise :class:`ImageError` if it cannot."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # checked after
            return Image.open(path)
    except Image.DecompressionBombError:
        raise ImageError(f"{path} claims more than {2 * (Image.MAX_IMAGE_PIXELS or 0)} pixels "
                         f"(a decompression bomb or a huge image): give at most {MAX_SIDE_PX} px "
                         "a side") from None
    except UnidentifiedImageError:
        problem = unidentified_tiff_problem(path)  # a TIFF of a colour space Pillow lacks
        if problem:
            raise ImageError(f"{path} {problem}") from None
        raise ImageError(f"cannot read {path} as an image (not an image file, or a format "
                         "Pillow does not know): give a PNG or JPEG file") from None
    except PermissionError as exc:
        raise ImageError(f"cannot read {path}: {exc}") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # cut inside its header
        raise ImageError(f"{path} is truncated or corrupt ({exc}): copy or save the image "
                         "again") from None


def header_checked(image, path: Path) -> tuple[int, int]:
    """Refuse an opened image by its header; return (its goal page, bits a channel).

    A TIFF is left at its one full-resolution page (:func:`_tiff_page`). Raises
    :class:`ImageError` naming ``path`` for a refused pixel kind, size or frame count.
    """
    page, problem = _tiff_page(image) if image.format == "TIFF" else (0, "")
    if not problem and image.format == "TIFF" and PHOTOMETRIC in image.tag_v2:
        problem = refused_colour_space(image.tag_v2[PHOTOMETRIC])  # of the goal's page
    bits, header = _header_problem(image)  # of the goal's page: a TIFF is at it now
    problem = problem or header
    if not problem and image.format != "TIFF":  # (counting frames may read the whole file)
        problem = _frames_problem(image, int(getattr(image, "n_frames", 1) or 1))
    if problem:
        raise ImageError(f"{path} {problem}")
    return page, bits


def check_image_file_header(given: str | Path) -> None:
    """Raise :class:`ImageError` (one line naming the file) where the header alone refuses it.

    ``given``: a path (``~`` expanded), a ``file://`` URI or a ``package://`` URL. No pixel is
    decoded: a file that passes may still be refused by
    :func:`vjepa_ros.image_files.load_image_file` (pixel data cut short or corrupt, transparent
    pixels, an image that decodes to another size than its header says).
    """
    path, _ = existing_image_file(given)
    with open_image_file(path) as image:
        header_checked(image, path)


def _refuse_missing(path: Path, named: str = "") -> None:
    """Raise why ``path``, which is no file, cannot be read: not found, or a link that loops.

    ``named``: " (named by URL)" for the ``package://`` URL that named ``path`` ("": none).
    """
    text = str(path)
    spaced = whitespace_problem(text)
    if spaced:  # a pasted path's space: invisible at the end of the line
        raise ImageError(f"image file not found: {text!r} {spaced}")
    if missing(path) == SYMLINK_LOOP:  # `ls` lists it: "not found" would send one looking
        raise ImageError(f"{path} {SYMLINK_LOOP}: point the link at the goal image file (`ls "
                         "-l` shows where it points), or give that file's path")
    raise ImageError(f"image file not found: {path}{named}")


def _header_problem(image) -> tuple[int, str]:
    """Return the bits a channel of an opened image and why its header is refused ("": fine).

    The pixel kind (:func:`_pixel_kind_problem`) and the size limits, of the image (IFD) the
    opened file is at.
    """
    bits = _bits(image)
    return bits, (_pixel_kind_problem(image, bits)
                  or image_size_problem(image.width, image.height))


def _bits(image) -> int:
    """Return the bits a channel of an opened, not yet loaded, Pillow image (8 when not said).

    A TIFF's BitsPerSample tag (258), or 16 where Pillow's raw mode says so (a 48-bit PNG's
    ``RGB;16B``, a 16-bit grey+alpha PNG's ``LA;16B``: Pillow's mode is 8-bit ``RGB``/``LA``).
    """
    tags = getattr(image, "tag_v2", None)  # TIFF only; BitsPerSample (258) per channel
    bits = max(tuple(tags.get(258, (0,)))) if tags is not None else 0
    return max(bits, 16 if any(";16" in mode for mode in _raw_modes(image)) else 8)


def _raw_modes(image) -> list[str]:
    """Return the raw modes a not yet loaded Pillow image is decoded from (``"LA;16B"``, ...)."""
    return [str(tile[3]) for tile in image.tile or []]  # load() empties the tiles


def _pixel_kind_problem(image, bits: int) -> str:
    """Refuse 32-bit float or integer and single-channel 16-bit pixels from the header.

    "" when fine. OpenCV cannot decode 32-bit ones (a TIFF of them made it print a warning line
    of its own before our refusal): a float or 32-bit image is a depth, HDR or measurement image,
    not a camera frame. Single-channel 16-bit (Pillow's modes ``I;16``, ``I;16B``, ``I;16S``, ...
    and ``I`` of 16 bits or fewer: a 16-bit grey PNG, an uint16 or int16 TIFF, a 16-bit PGM) is
    what depth cameras save (millimetres) and infrared ones: OpenCV decoded it as grey, nearly
    black for depth, as the topic path refuses 16UC1 and mono16; with alpha too (a 16-bit
    grey+alpha PNG: raw mode ``LA;16B``, which Pillow 13 opens as 8-bit ``RGBA``; ``bits``:
    :func:`_bits`'s). 16-bit colour (a 48-bit PNG, Pillow's ``RGB``) and 8-bit grey (``L``,
    ``LA``) pass.
    """
    if image.mode == "F" or (image.mode == "I" and bits > 16):
        kind = "floating-point" if image.mode == "F" else "integer"
        return (f"has 32-bit {kind} pixels (a depth, HDR or measurement image, not a camera "
                "frame): give an 8-bit colour image (PNG or JPEG) of the robot's camera")
    grey = base_modes(image) & {"L", "LA", "La"}
    if image.mode.startswith("I") or (bits > 8 and grey):  # "I;16*", "I" of <= 16 bits; LA;16
        return (f"has {SINGLE_CHANNEL_16}, not colour: give the camera's colour image (an 8-bit "
                "RGB PNG or JPEG)")
    return ""


def base_modes(image) -> set[str]:
    """Return a not yet loaded Pillow image's mode and its raw modes without their suffixes."""
    return {image.mode, *(raw.split(";")[0] for raw in _raw_modes(image))}


def _frames_problem(image, frames: int) -> str:
    """Refuse a file of several frames (an animated GIF/PNG/WebP, a multi-page TIFF); "" else.

    ``frames``: how many count (of a TIFF its full-resolution pages: :func:`_tiff_page`). Its
    first frame is the start of a clip, seldom
    the goal. MPO (a JPEG holding a second picture: a phone's depth map or HDR gain map, a
    stereo pair) passes: viewers show its first.
    """
    if frames < 2 or image.format == "MPO":
        return ""
    return (f"holds {frames} frames (an animation or a multi-page file), not one still image: "
            "export the frame that shows the goal as a still PNG and give that")


def _tiff_page(image) -> tuple[int, str]:
    """Seek an opened TIFF to its one full-resolution image (IFD): its number, why refused.

    The goal is the one chained IFD whose NewSubfileType (254) has bit 0 clear; a
    reduced-resolution one (bit 0 set: a scanner's or raw converter's preview, before or after
    it) is no page, and every check is then made on the goal's IFD, never on IFD 0's (breaker46q).
    Refused ("" else; left at IFD 0): two or more full-resolution pages (several frames), none
    where an IFD has SubIFDs (330: a raw/DNG-style file keeps its full image there, which is not
    read), and none at all (previews only).
    """
    full, sub_ifds = [], False
    for index in _tiff_ifds(image):
        if not int(image.tag_v2.get(254, 0)) & 1:
            full.append(index)
        sub_ifds = sub_ifds or 330 in image.tag_v2
    if len(full) == 1:
        image.seek(full[0])
        return full[0], ""
    if full:
        return 0, _frames_problem(image, len(full))
    if sub_ifds:
        return 0, ("is a raw/DNG-style TIFF (its full-resolution image is a SubIFD, tag 330, "
                   "not read; its pages are reduced-resolution previews): export the image as "
                   "PNG and give that")
    return 0, ("holds only reduced-resolution previews (NewSubfileType 1), no full-resolution "
               "image: export the image itself as PNG and give that")


def _tiff_ifds(image):
    """Seek an opened TIFF to each of its chained IFDs in turn (yield each), then back to 0."""
    try:
        for index in range(int(getattr(image, "n_frames", 1) or 1)):
            image.seek(index)
            yield index
    finally:
        image.seek(0)

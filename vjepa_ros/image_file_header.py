"""A goal image file's header check: everything the loader refuses before it decodes a pixel.

:func:`check_image_file_header` resolves the path and refuses, in the loader's own words, a
missing file, a folder, a link loop, a file that is not an image, a decompression bomb, one
outside the size limits, of a refused pixel kind (32-bit, single-channel 16-bit) or of several
frames. Pillow opens lazily: it reads the header (size, mode, a TIFF's IFDs) without decoding,
so the check costs milliseconds where the decode of a phone photo costs half a second. The
planner node checks a goal file parameter so inside its parameter callback (the set is refused
at once) and decodes the file off the executor thread (``robot/goal_decoder.py``); what only the
decode finds (a file cut short in its pixel data, transparent pixels) is refused then.
:func:`vjepa_ros.image_files.load_image_file` starts with the same steps.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from vjepa_ros.image_errors import ImageError
from vjepa_ros.image_limits import MAX_SIDE_PX
from vjepa_ros.image_paths import image_file_path, is_package_url


def existing_image_file(given: str | Path) -> tuple[Path, str]:
    """Return the file a goal path names and its note (" (named by URL)", or "").

    Raises :class:`ImageError` for an empty path, a folder, a missing file or a link loop.
    """
    from vjepa_ros.image_files import _refuse_missing

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
        raise ImageError(f"cannot read {path} as an image (not an image file, or a format "
                         "Pillow does not know): give a PNG or JPEG file") from None
    except PermissionError as exc:
        raise ImageError(f"cannot read {path}: {exc}") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # cut inside its header
        raise ImageError(f"{path} is truncated or corrupt ({exc}): copy or save the image "
                         "again") from None


def header_checked(image, path: Path) -> tuple[int, int]:
    """Refuse an opened image by its header; return (its goal page, bits a channel).

    A TIFF is left at its one full-resolution page (``image_files._tiff_page``). Raises
    :class:`ImageError` naming ``path`` for a refused pixel kind, size or frame count.
    """
    from vjepa_ros.image_files import _frames_problem, _header_problem, _tiff_page

    page, problem = _tiff_page(image) if image.format == "TIFF" else (0, "")
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

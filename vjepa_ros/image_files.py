"""Image files: the strict goal-image loader and the atomic writer.

:func:`load_image_file` reads a PNG/JPEG/... file into ``[H, W, 3]`` uint8 RGB (Pillow checks
the header and pixel kind: ``image_file_header.py``; truncation and transparency here; OpenCV
decodes, Pillow where OpenCV cannot); :func:`save_image_file` writes one whole or not at all.
Re-exported by :mod:`vjepa_ros.images`.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from vjepa_ros.atomic_files import ReplaceError, write_bytes
from vjepa_ros.image_colour_spaces import PILLOW, tiff_decoder
from vjepa_ros.image_encodings import _to_8bit
from vjepa_ros.image_errors import ImageError, check_rgb
from vjepa_ros.image_file_header import (
    base_modes,
    existing_image_file,
    header_checked,
    open_image_file,
)
from vjepa_ros.image_limits import (
    goal_image_problem,
    transparency_problem,
)
from vjepa_ros.image_paths import image_file_path  # noqa: F401 - re-exported


def load_image_file(path: str | Path) -> np.ndarray:
    """Read a PNG/JPEG/... file into ``[H, W, 3]`` uint8 RGB, strictly: the one goal-image loader.

    The planner node's goal_image_path(s), ``eval --goal`` and the image publisher read files
    here. Pillow reads the size and pixel kind from the header first (size limits in
    :mod:`vjepa_ros.image_limits`; 32-bit float or integer pixels, a depth or HDR TIFF that
    OpenCV cannot decode, refused; so are single-channel 16-bit pixels, a depth or infrared image
    that OpenCV would decode as a nearly black grey one), then decodes the whole file with
    truncated loading off: a file cut short or corrupt is refused, never filled in grey. OpenCV
    then decodes the pixels (EXIF orientation applied; 16-bit colour, a 48-bit PNG, scaled to 8
    bits exactly as an rgb16 topic is: 255/65535, rounded; 8-bit grey and palette images to RGB,
    as the topic's mono8; a file OpenCV cannot decode, Pillow does: 8 bits a channel, EXIF
    orientation applied, e.g. a TIFF turned by 90 degrees, on which OpenCV 5.1 fails; one of more
    bits, or a turned TIFF whose turn Pillow loses, is refused: save it as a PNG; a CIELab TIFF,
    whose colours OpenCV shifts, Pillow decodes too, and a TIFF of a colour space neither reads,
    ICCLab, ITULab, LogLuv..., is refused naming it: :mod:`vjepa_ros.image_colour_spaces`) and the
    decoded
    image gets the checks of :func:`vjepa_ros.image_limits.goal_image_problem`, as a goal from
    the planner's topic. A TIFF's goal is its one full-resolution image (the IFD whose
    NewSubfileType bit 0 is clear), wherever it comes: reduced-resolution previews (bit 0 set,
    as a scanner or raw converter writes them, before or after it) are no pages, and every
    check (size, pixel kind, the 16-bit rule, orientation, alpha) is made on the full image's
    own header, never on the first IFD's. ``path``: a path (``~`` expanded), a ``file://`` URI
    or a ``package://`` URL (:func:`image_file_path`). Raises :class:`ImageError` (one line
    naming the file and what to do) for an empty path, a missing file, a symbolic link loop, a
    folder, a file that is not an image, a truncated or corrupt one, one of several frames (an
    animated GIF/PNG/WebP, a TIFF of two or more full-resolution pages), a TIFF of previews
    only, one whose full image is kept only as a SubIFD (tag 330: a raw/DNG-style file; export
    it as PNG), one of 32-bit pixels or of
    single-channel 16-bit ones (with or without alpha), one with transparent pixels
    (:func:`vjepa_ros.image_limits.transparency_problem`, the rule of a 4-channel
    ``~/goal_image`` too: the alpha would be dropped and the pixels show their hidden
    colour; an opaque RGBA file loads), and one too small, too large or too elongated. Memory:
    the 8-bit result and one decoded copy of the file at a time (a 16-bit one as 16 bits).
    """
    import cv2

    path, _ = existing_image_file(path)
    kind = _check_image_file(path)
    bgr = _opencv_bgr(cv2, path, kind)
    if bgr is None:  # a format OpenCV cannot decode, that Pillow decoded whole just now
        rgb = _pillow_rgb(path, kind)
    elif bgr.dtype == np.uint16:  # scaled straight into RGB order, a block at a time
        rgb = np.empty(bgr.shape, np.uint8)
        _to_8bit(bgr, out=rgb[..., ::-1])
        del bgr
    elif bgr.dtype != np.uint8:  # 32-bit pixels are refused from the header; never planned on
        raise ImageError(f"{path} holds {bgr.dtype} pixels: give an 8- or 16-bit colour image")
    else:
        rgb = np.ascontiguousarray(bgr[..., ::-1])
    problem = goal_image_problem(rgb)  # the checks a goal from any source gets, once decoded
    if problem:
        raise ImageError(f"{path} {problem}")
    return rgb


def _opencv_bgr(cv2, path: Path, kind: FileKind) -> np.ndarray | None:
    """Decode ``path`` with OpenCV: ``[H, W, 3]`` BGR, uint8 or uint16; None where it cannot.

    16-bit colour is decoded as 16 bits, then scaled as a topic's rgb16 is (``_to_8bit``:
    255/65535; OpenCV's own 8-bit decoding shifts by 8 bits, 1 lower in a quarter of the values:
    breaker31). A TIFF turned by 90 degrees is left to Pillow (``kind.rotated_tiff``), so is one
    whose colour space OpenCV decodes wrongly (``kind.pillow_colours``: CIELab); one whose
    full-resolution image is not its first (``kind.page``) is decoded from that page, with the
    flags and EXIF orientation of ``imread``.
    """
    flags = cv2.IMREAD_COLOR | cv2.IMREAD_ANYDEPTH
    if kind.rotated_tiff or kind.pillow_colours:
        return None
    if not kind.page:
        return cv2.imread(str(path), flags)
    done, pages = cv2.imreadmulti(str(path), kind.page, 1, flags=flags)
    return pages[0] if done and len(pages) == 1 else None


class FileKind(NamedTuple):
    """What Pillow read of an image file's header (:func:`_check_image_file`).

    ``format``: Pillow's name of it ("PNG", "TIFF", ...); ``deep``: more than 8 bits a channel;
    ``rotated_tiff``: a TIFF whose EXIF orientation turns it by 90 degrees (5..8), which OpenCV
    5.1's imread fails on (an internal assertion) where Pillow reads it (breaker42c); ``page``:
    the image (IFD) of a TIFF that is decoded, its full-resolution one (0 unless a
    reduced-resolution preview comes first, as a raw converter writes it: breaker46m);
    ``pillow_colours``: a TIFF whose colour space OpenCV decodes to other colours than the
    file's, and Pillow right (CIELab: ``image_colour_spaces``, breaker60d).
    """

    format: str
    deep: bool
    rotated_tiff: bool
    page: int = 0
    pillow_colours: bool = False


def _pillow_rgb(path: Path, kind: FileKind) -> np.ndarray:
    """Decode an image OpenCV cannot with Pillow: [H, W, 3] uint8 RGB, EXIF orientation applied.

    Refuses, naming what to do (save it as a PNG), a file of more than 8 bits a channel (Pillow
    would cut it to 8 bits otherwise than a topic's rgb16 is scaled), one Pillow cannot decode
    either, and a turned TIFF whose turn cannot be confirmed: Pillow turns a TIFF while loading
    it, and 13.0 loses the turn of a grey one; a square one shows no turn (its sides stay).
    """
    from PIL import Image, ImageOps

    what = f"{kind.format or 'this'} file"
    save = "save it again as a PNG, upright (as the camera saw it)"
    if kind.deep:
        raise ImageError(f"cannot read {path}: OpenCV cannot decode this {what} of more than "
                         f"8 bits a channel (a TIFF turned by its EXIF orientation?): {save}")
    try:
        with Image.open(path) as image:
            if kind.page:
                image.seek(kind.page)  # its full-resolution image, not the preview before it
            shown = image.size  # (width, height) as displayed, for a TIFF from its header
            if kind.rotated_tiff:
                image.load()  # the TIFF plugin turns it here
                if image.size != shown or shown[0] == shown[1]:
                    raise ImageError(f"cannot read {path}: OpenCV cannot decode a TIFF turned by "
                                     f"its EXIF orientation, and Pillow's turn of it cannot be "
                                     f"trusted: {save}")
                rgb = image.convert("RGB")
            else:
                rgb = ImageOps.exif_transpose(image).convert("RGB")
            return np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        if isinstance(exc, ImageError):
            raise
        raise ImageError(f"cannot read {path} as an image (corrupt, or a format OpenCV does not "
                         f"decode: {exc}): {save}") from None


def _check_image_file(path: Path) -> FileKind:
    """Refuse a file Pillow cannot identify, one outside the size limits, or one that is cut.

    Returns what the header says (:class:`FileKind`).
    """
    image = open_image_file(path)
    with image:
        page, bits = header_checked(image, path)
        tags = getattr(image, "tag_v2", None)  # TIFF only
        orientation = tags.get(0x0112, 1) if tags is not None else 1  # (TIFF) Orientation
        premultiplied = _premultiplied(image)  # (from the raw modes: before load empties them)
        try:
            image.load()  # every pixel decoded: ImageFile.LOAD_TRUNCATED_IMAGES stays False
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ImageError(f"{path} is truncated or corrupt ({exc}): copy or save the image "
                             "again") from None
        problem = _transparency_problem(image, premultiplied)  # decoded: every alpha known
        if problem:
            raise ImageError(f"{path} {problem}")
        return FileKind(str(image.format or ""), bits > 8,
                        image.format == "TIFF" and orientation in (5, 6, 7, 8), page,
                        tiff_decoder(tags) == PILLOW)


def _premultiplied(image) -> bool:
    """Say whether a not yet loaded Pillow image stores premultiplied (associated) alpha.

    A TIFF's ExtraSamples (338) holding 1, Pillow's raw modes ``RGBa``/``La`` (which it opens
    as ``RGBA``/``LA``, un-premultiplying, where OpenCV decodes the stored colours).
    """
    tags = getattr(image, "tag_v2", None)  # TIFF only
    extra = tags.get(338, ()) if tags is not None else ()
    extra = extra if isinstance(extra, tuple) else (extra,)
    return 1 in extra or any(mode.startswith(("RGBa", "La")) for mode in base_modes(image))


def _transparency_problem(image, premultiplied: bool) -> str:
    """Apply :func:`vjepa_ros.image_limits.transparency_problem` to a decoded Pillow image.

    The loader decodes colour only (OpenCV's IMREAD_COLOR, Pillow's ``convert("RGB")``). Every
    kind of alpha Pillow reads counts: an alpha channel (RGBA and grey+alpha PNG, 16-bit RGBA
    PNG and TIFF, WebP, TIFF), a palette's transparent entries and a transparent colour key (PNG
    tRNS, GIF). 16-bit alpha is judged by its upper 8 bits (Pillow's decoding): above 99.6 %
    opaque counts as opaque. An opaque alpha channel is seen from its extremes, not copied.
    ``premultiplied``: :func:`_premultiplied` of the image before it was loaded.
    """
    if not image.has_transparency_data:
        return ""
    if "A" in image.getbands():  # its own alpha channel: no RGBA copy of the image
        alpha = image.getchannel("A")
    else:  # a palette's or colour key's transparent entries
        alpha = image.convert("RGBA").getchannel("A")
    if alpha.getextrema()[0] == 255:
        return ""
    return transparency_problem(np.asarray(alpha), premultiplied)


def save_image_file(path: str | Path, rgb: np.ndarray) -> Path:
    """Write ``[H, W, 3]`` uint8 RGB to an image file whose format follows the suffix.

    Written whole or not at all (``atomic_files``): a stop mid-write leaves the old file. Raises
    :class:`ImageError` for a suffix no encoder has or a folder that cannot be written.
    """
    import cv2

    path = Path(path).expanduser()
    try:
        done, encoded = cv2.imencode(path.suffix, np.ascontiguousarray(check_rgb(rgb)[..., ::-1]))
    except cv2.error:  # a suffix no encoder has
        done = False
    if not done:
        raise ImageError(f"cannot write image file {path}: no image format has the suffix "
                         f"{path.suffix!r}; give a .png or .jpg path")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_bytes(path, encoded.tobytes())  # whole or not at all
    except FileExistsError:  # a file where the folder would be
        raise ImageError(f"cannot write image file {path}: {_file_on_the_way(path)} is a file, "
                         "not a folder; give another path or remove that file") from None
    except ReplaceError as exc:  # names path and what to do already
        raise ImageError(f"cannot write image file: {exc}") from None
    except OSError as exc:
        raise ImageError(f"cannot write image file {path}: {exc.strerror or exc}") from None


def _file_on_the_way(path: Path) -> Path:
    """Return the nearest parent of ``path`` that exists and is not a folder (else its parent)."""
    return next((part for part in path.parents if part.exists() and not part.is_dir()),
                path.parent)

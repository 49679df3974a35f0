"""breaker46q: fix46o attacked (TIFF pages, package:// goal paths, forgotten goals as spans).

Defects found (strict xfails, each with its input; all four fixed by fix46r, the xfails removed:
a TIFF is judged on its one full-resolution IFD, previews only and a SubIFD-only full image are
refused in one line, the path after a ``package://`` name is relative to the share folder):

- A TIFF whose reduced-resolution preview (NewSubfileType 1) comes first is refused for the
  preview's header: a 16x12 thumbnail before a 128x96 full page refuses the whole file as "16x12
  px, smaller than 32 px a side"; a single-channel 16-bit preview before an 8-bit colour page is
  refused as single-channel 16-bit. ``_check_image_file`` judges page 0's header before it looks
  for the full-resolution page.
- A TIFF whose first (only chained) IFD is the preview and whose full-resolution image is its
  SubIFD (tag 330, as a DNG or raw converter writes it) loads the 64x48 preview, silently.
- A TIFF of two reduced-resolution images and no full-resolution one loads the first preview,
  silently (``_pages`` is empty, ``_frames_problem`` sees 0 frames, page 0 is taken).
- ``package://my_pkg//a.png`` (a doubled slash after the package) resolves to ``/a.png``, the
  root of the file system: ``Path(share) / "/a.png"`` drops the share folder.

Held up (pins): the full page 3rd of 3 (two previews first), JPEG-, LZW-compressed, CMYK and
BigTIFF pages, an 8-bit preview before a 16-bit page and the reverse, the EXIF orientation of
the preview alone not applied to the full page (TIFF's per-IFD rule) and that of the full page
alone applied (1, 3, 6), a SubIFD preview under a full main image, imreadmulti past the last page
failing rather than returning page 0; ``package://`` with an overlay and an underlay (the first
listed prefix that has the package wins, a file only in the underlay is not found, naming the
URL), ``..`` and empty package names refused, a folder refused, a symlinked share folder,
AMENT_PREFIX_PATH unset, ament_index_python not imported by ``vjepa_ros.images``; GoalSpans
equal to a capped plain-set model over random sequences (below and beyond the cap), and
AwaitedGoals with GoalSpans answering exactly as with an unbounded plain set below the cap.

Not defects (noted): ``package://pkg/../../x`` resolves outside the share folder (the user may
give any local path anyway; ROS's resource_retriever does the same; fix46r refuses it since,
naming the URL), percent escapes in a
``package://`` URL are not decoded (unlike ``file://``; a URDF's URLs are not escaped). Not
tried: a tiled TIFF (no writer of one here: Pillow 13 writes strips, tifffile not installed).
"""

from __future__ import annotations

import os
import random
import struct
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from test_goal_spans import random_step

from vjepa_ros.image_files import FileKind, _opencv_bgr
from vjepa_ros.images import ImageError, image_file_path, load_image_file
from vjepa_ros.robot.awaited_goals import (
    MAX_FORGOTTEN_SPANS,
    STATUS_ABORTED,
    STATUS_CANCELED,
    AwaitedGoals,
)
from vjepa_ros.robot.goal_spans import GoalSpans

SMALL = np.random.default_rng(4617).integers(0, 256, (48, 64, 3), dtype=np.uint8)
BIG = np.repeat(np.repeat(SMALL, 2, 0), 2, 1)  # 96x128: the full-resolution image


def _ifd(out: bytearray, pixels, subfile: int, bits: int = 8, extra=()) -> int:
    """Append the data and one IFD (uncompressed, chunky) of ``pixels`` to ``out``; its offset."""
    height, width, channels = pixels.shape
    data = pixels.astype("<u2" if bits == 16 else "u1").tobytes()
    data_at = len(out)
    out += data + b"\0" * (len(data) % 2)
    bits_at = len(out)
    out += struct.pack("<" + "H" * max(channels, 2), *[bits] * max(channels, 2))
    bits_tag = (258, 3, 1, bits) if channels == 1 else (258, 3, channels, bits_at)
    tags = sorted([(254, 4, 1, subfile), (256, 4, 1, width), (257, 4, 1, height), bits_tag,
                   (259, 3, 1, 1), (262, 3, 1, 1 if channels == 1 else 2),
                   (273, 4, 1, data_at), (277, 3, 1, channels), (278, 4, 1, height),
                   (279, 4, 1, len(data)), (284, 3, 1, 1), *extra])
    at = len(out)
    out += struct.pack("<H", len(tags))
    for tag, kind, count, value in tags:
        short = kind == 3 and count == 1
        out += struct.pack("<HHIHH" if short else "<HHII", tag, kind, count, value,
                           *([0] if short else []))
    out += struct.pack("<I", 0)  # the next IFD: linked by _tiff
    return at


def _tiff(path, chain, sub=None):
    """Write a TIFF: ``chain`` [(pixels, NewSubfileType, bits, extra tags)] in IFD order.

    ``sub``: (pixels, NewSubfileType) written as the first IFD's SubIFD (tag 330), not chained.
    """
    out = bytearray(b"II*\0") + struct.pack("<I", 0)
    sub_at = _ifd(out, *sub) if sub else 0
    link = 4
    for index, (pixels, subfile, bits, extra) in enumerate(chain):
        tags = [*extra, *([(330, 13, 1, sub_at)] if sub and index == 0 else [])]
        at = _ifd(out, pixels, subfile, bits, tags)
        struct.pack_into("<I", out, link, at)
        link = at + 2 + 12 * struct.unpack_from("<H", out, at)[0]
    path.write_bytes(bytes(out))
    return path


def _alone(tmp_path, pixels=BIG, bits=8, extra=()):
    """Load the one-page TIFF of ``pixels``: what a preview-first file must load."""
    return load_image_file(_tiff(tmp_path / "alone.tif", [(pixels, 0, bits, extra)]))


# ---- (1) TIFF pages: defects ----------------------------------------------------------------

@pytest.mark.parametrize("preview", ["16x12 thumbnail", "single-channel 16-bit"])
def test_a_preview_the_limits_refuse_does_not_refuse_its_full_page(tmp_path, preview):
    """A preview refused by the header checks, before a fine 128x96 8-bit colour page.

    Input: IFD 0 NewSubfileType 1, a 16x12 RGB thumbnail (or a 64x48 single-channel 16-bit
    one), IFD 1 NewSubfileType 0, 128x96 RGB. What happened: refused, "is 16x12 px, smaller
    than 32 px a side" (or "single-channel 16-bit"): page 0's header is judged before the full
    page is looked for. Should: load the full page, as the one-page file of it loads (a
    preview is no page; its size or kind is no concern of the goal).
    """
    if preview.startswith("16x12"):
        first = (BIG[::8, ::8].copy(), 1, 8, ())
    else:
        first = (SMALL[..., :1].astype(np.uint16) * 257, 1, 16, ())
    path = _tiff(tmp_path / "raw.tif", [first, (BIG, 0, 8, ())])
    assert np.array_equal(load_image_file(path), _alone(tmp_path))


def test_a_full_image_kept_as_a_subifd_is_not_replaced_by_the_preview(tmp_path):
    """DNG layout: the chained IFD is the preview, the full-resolution image its SubIFD.

    Input: IFD 0 NewSubfileType 1, 64x48 RGB, tag 330 (SubIFDs) -> an IFD of NewSubfileType
    0, 128x96 RGB; no other chained IFD. What happened: the 64x48 preview loads, silently.
    Should: load the 128x96 image, or refuse naming the preview (never plan on the preview).
    """
    path = _tiff(tmp_path / "dng_like.tif", [(SMALL, 1, 8, ())], sub=(BIG, 0))
    try:
        loaded = load_image_file(path)
    except ImageError:
        return
    assert loaded.shape == BIG.shape


def test_a_tiff_of_previews_only_is_not_loaded_as_its_first_preview(tmp_path):
    """Two reduced-resolution images, no full-resolution one.

    Input: IFD 0 NewSubfileType 1 64x48, IFD 1 NewSubfileType 1 128x96. What happened: the
    64x48 one loads (``_pages`` is empty, 0 frames pass ``_frames_problem``, page 0 taken).
    Should: refuse, as a file of two images none of which is the full one (or load the full
    one, were there one).
    """
    path = _tiff(tmp_path / "previews.tif", [(SMALL, 1, 8, ()), (BIG, 1, 8, ())])
    with pytest.raises(ImageError):
        load_image_file(path)


# ---- (1) TIFF pages: pins -------------------------------------------------------------------

def test_the_full_page_third_of_three_loads_as_alone(tmp_path):
    path = _tiff(tmp_path / "third.tif",
                 [(SMALL, 1, 8, ()), (SMALL[::-1].copy(), 1, 8, ()), (BIG, 0, 8, ())])
    assert np.array_equal(load_image_file(path), _alone(tmp_path))


@pytest.mark.parametrize("first, full", [(8, 16), (16, 8)])
def test_the_bit_depth_rule_is_that_of_the_full_page(tmp_path, first, full):
    """An 8-bit preview before a 16-bit page (scaled 255/65535) and the reverse."""
    deep = BIG.astype(np.uint16) * 257 + np.uint16(100)
    pages = {8: (SMALL, BIG), 16: (SMALL.astype(np.uint16) * 257, deep)}
    path = _tiff(tmp_path / "mixed.tif", [(pages[first][0], 1, first, ()),
                                          (pages[full][1], 0, full, ())])
    assert np.array_equal(load_image_file(path), _alone(tmp_path, pages[full][1], full))


@pytest.mark.parametrize("orientation", [3, 6])
def test_the_orientation_of_the_preview_alone_is_not_the_full_pages(tmp_path, orientation):
    """Orientation is per IFD (TIFF 6.0): a turned preview says nothing of the full page."""
    path = _tiff(tmp_path / "ori.tif", [(SMALL, 1, 8, [(274, 3, 1, orientation)]),
                                        (BIG, 0, 8, ())])
    assert np.array_equal(load_image_file(path), _alone(tmp_path))


@pytest.mark.parametrize("orientation", [3, 6])
def test_the_orientation_of_the_full_page_alone_applies(tmp_path, orientation):
    tag = [(274, 3, 1, orientation)]
    path = _tiff(tmp_path / "ori.tif", [(SMALL, 1, 8, ()), (BIG, 0, 8, tag)])
    assert np.array_equal(load_image_file(path), _alone(tmp_path, extra=tag))


def test_a_subifd_preview_under_a_full_main_image_changes_nothing(tmp_path):
    path = _tiff(tmp_path / "sub.tif", [(BIG, 0, 8, ())], sub=(SMALL, 1))
    assert np.array_equal(load_image_file(path), _alone(tmp_path))


def _pillow_preview_first(path, mode, **save):
    """Save SMALL then BIG (Pillow, ``save`` options), IFD 0 marked a preview; also BIG alone."""
    full, preview = Image.fromarray(BIG).convert(mode), Image.fromarray(SMALL).convert(mode)
    alone = path.with_name("alone_" + path.name)
    full.save(alone, tiffinfo={254: 0}, **save)
    preview.save(path, save_all=True, append_images=[full], tiffinfo={254: 0}, **save)
    data = bytearray(path.read_bytes())
    entry = struct.pack("<HHQ" if data[2:4] == b"+\0" else "<HHI", 254, 4, 1)
    at = data.find(entry)  # IFD 0's NewSubfileType (IFDs are written in order)
    assert at > 0
    data[at + len(entry):at + len(entry) + 4] = struct.pack("<I", 1)
    path.write_bytes(bytes(data))
    with Image.open(path) as image:
        assert image.n_frames == 2 and image.tag_v2[254] == 1
    return alone


@pytest.mark.parametrize("mode, save", [
    ("RGB", {"compression": "jpeg"}), ("RGB", {"compression": "tiff_lzw"}), ("CMYK", {}),
    ("RGB", {"big_tiff": True})], ids=["jpeg", "lzw", "cmyk", "bigtiff"])
def test_compressed_cmyk_and_bigtiff_full_pages_load_as_alone(tmp_path, mode, save):
    path = tmp_path / "pillow.tif"
    alone = _pillow_preview_first(path, mode, **save)
    expected = load_image_file(alone)
    assert expected.shape == BIG.shape
    assert np.array_equal(load_image_file(path), expected)


def test_a_page_past_the_last_is_no_fallback_to_page_0(tmp_path):
    """imreadmulti(start past the end) fails: _opencv_bgr gives None (Pillow then), not page 0."""
    path = _tiff(tmp_path / "three.tif",
                 [(SMALL, 1, 8, ()), (SMALL, 1, 8, ()), (BIG, 0, 8, ())])
    assert _opencv_bgr(__import__("cv2"), path, FileKind("TIFF", False, False, 5)) is None
    page = _opencv_bgr(__import__("cv2"), path, FileKind("TIFF", False, False, 2))
    assert np.array_equal(page[..., ::-1], BIG)


# ---- (2) package:// -------------------------------------------------------------------------

def _prefix(root, name, package, files=(), share=None):
    """Make an install prefix ``root/name`` whose ament index lists ``package``; its path."""
    prefix = root / name
    index = prefix / "share" / "ament_index" / "resource_index" / "packages"
    index.mkdir(parents=True)
    (index / package).write_text("")
    folder = prefix / "share" / package
    if share is not None:  # a symlink-install's share folder
        folder.symlink_to(share, target_is_directory=True)
    folder.mkdir(exist_ok=True)
    for file in files:
        Image.fromarray(BIG).save(folder / file)
    return prefix


@pytest.fixture
def workspaces(tmp_path, monkeypatch):
    """Install ``goals46q`` in an overlay (a.png) and an underlay (a.png, b.png); both prefixes."""
    pytest.importorskip("ament_index_python")
    over = _prefix(tmp_path, "overlay", "goals46q", ["a.png"])
    under = _prefix(tmp_path, "underlay", "goals46q", ["a.png", "b.png"])
    monkeypatch.setenv("AMENT_PREFIX_PATH", f"{over}{os.pathsep}{under}")
    return over, under


def test_a_doubled_slash_stays_in_the_share_folder(workspaces):
    """Input: ``package://goals46q//a.png``, the package installed in the overlay.

    What happened: ``/a.png`` (``Path(share) / "/a.png"``: an absolute part drops the share
    folder; ``package://goals46q//etc/passwd`` names /etc/passwd). Should: the overlay's
    ``share/goals46q/a.png`` (as ``package://goals46q/a.png``), or a refusal naming the URL.
    """
    over, _ = workspaces
    try:
        resolved = image_file_path("package://goals46q//a.png")
    except ImageError as exc:
        assert "package://goals46q//a.png" in str(exc)
        return
    assert resolved.resolve() == (over / "share" / "goals46q" / "a.png").resolve()


def test_the_first_listed_prefix_that_has_the_package_wins(workspaces):
    over, _ = workspaces
    assert image_file_path("package://goals46q/a.png") == over / "share/goals46q/a.png"
    assert load_image_file("package://goals46q/a.png").shape == BIG.shape
    with pytest.raises(ImageError, match=r"not found: .*overlay.*\(named by package://goals46q"):
        load_image_file("package://goals46q/b.png")  # the underlay's is hidden (ROS's rule)


@pytest.mark.parametrize("url", ["package://../etc/passwd", "package://./x.png",
                                 "package:///goals46q/a.png", "package://"])
def test_a_dot_or_empty_package_name_is_refused_naming_the_url(workspaces, url):
    with pytest.raises(ImageError, match="no package name") as caught:
        image_file_path(url)
    assert url in str(caught.value)


@pytest.mark.parametrize("url", ["package://goals46q", "package://goals46q/"])
def test_an_empty_path_after_the_package_is_a_folder(workspaces, url):
    with pytest.raises(ImageError, match="is a folder"):
        load_image_file(url)


def test_a_symlinked_share_folder_resolves(tmp_path, monkeypatch):
    pytest.importorskip("ament_index_python")
    source = tmp_path / "src" / "goals46q"
    source.mkdir(parents=True)
    Image.fromarray(BIG).save(source / "a.png")
    prefix = _prefix(tmp_path, "install", "goals46q", share=source)
    monkeypatch.setenv("AMENT_PREFIX_PATH", str(prefix))
    assert np.array_equal(load_image_file("package://goals46q/a.png"), BIG)


def test_unset_ament_prefix_path_says_so(monkeypatch):
    pytest.importorskip("ament_index_python")
    monkeypatch.delenv("AMENT_PREFIX_PATH", raising=False)
    with pytest.raises(ImageError, match=r"AMENT_PREFIX_PATH is not set.*share goals46q\)/a"):
        image_file_path("package://goals46q/a.png")


def test_the_core_imports_no_ament_index():
    """vjepa_ros.images (and a plain path loaded) imports neither ament_index_python nor rclpy."""
    code = ("import sys, numpy, tempfile, pathlib\n"
            "from vjepa_ros.images import load_image_file, save_image_file\n"
            "p = pathlib.Path(tempfile.mkdtemp()) / 'g.png'\n"
            "save_image_file(p, numpy.zeros((48, 64, 3), numpy.uint8))\n"
            "load_image_file(p)\n"
            "print(sorted(m for m in sys.modules if m.startswith(('ament', 'rclpy'))))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == "[]"


# ---- (3) forgotten goals as spans -----------------------------------------------------------

def _runs(numbers):
    """Return the maximal runs of a set of ints as (low, high), ascending."""
    runs = []
    for number in sorted(numbers):
        if runs and runs[-1][1] == number - 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return [tuple(run) for run in runs]


def _cap(numbers, max_spans):
    """Drop the oldest runs of ``numbers`` (in place) while there are more than ``max_spans``."""
    runs = _runs(numbers)
    while len(runs) > max_spans:
        low, high = runs.pop(0)
        numbers -= set(range(low, high + 1))


@pytest.mark.parametrize("max_spans", [1, 2, 5, 64])
def test_goal_spans_equal_a_capped_plain_set(max_spans):
    """Random adds (out of order, duplicates), discards, drops: below and beyond the cap."""
    rng = random.Random(4617 + max_spans)
    for _ in range(150):
        spans, plain = GoalSpans(max_spans), set()
        top = rng.choice([12, 60, 400])
        for _ in range(rng.choice([30, 300])):
            number = rng.randint(1, top)
            plain = random_step(spans, plain, number, rng.random(), 0.5, 0.85)
            _cap(plain, max_spans)
            assert list(spans.spans) == _runs(plain)
            assert spans.newest == max(plain, default=0) and bool(spans) == bool(plain)
            assert all((n in spans) == (n in plain) for n in (number - 1, number, number + 1))


class _PlainForgotten(set):
    """An unbounded plain set standing in for GoalSpans inside AwaitedGoals."""

    @property
    def newest(self):
        return max(self, default=0)

    def drop_through(self, number):
        self.difference_update({n for n in self if n <= number})


def test_awaited_goals_answer_as_with_an_unbounded_plain_set_below_the_cap():
    """Random sends, overdue drops, rejections, acceptances and results: the same lines."""
    rng, holes = random.Random(46170), 0
    for _ in range(200):
        real, plain = AwaitedGoals("/hand", 1.0), AwaitedGoals("/hand", 1.0)
        plain.forgotten = _PlainForgotten()
        now, out = 0.0, []
        for _ in range(rng.randint(10, 120)):
            now += rng.choice([0.1, 0.5, 1.5])
            op = rng.random()
            if op < 0.35 or not real.sent:
                out = [goals.went_out(goals.sending(), 0.5, now) for goals in (real, plain)]
            elif op < 0.55:
                out = [goals.overdue(now) for goals in (real, plain)]
            else:
                number = rng.randint(1, real.sent)
                if op < 0.7:
                    out = [goals.rejected(number, 0.5, now - 1, now) for goals in (real, plain)]
                elif op < 0.85:
                    out = [goals.accepted(number, 0.5, now) for goals in (real, plain)]
                else:
                    status = rng.choice([STATUS_ABORTED, STATUS_CANCELED, 4])
                    out = [goals.finished(number, 0.5, now - 1, now, status)
                           for goals in (real, plain)]
            assert len(real.forgotten.spans) <= MAX_FORGOTTEN_SPANS
            assert out[0] == out[1]
            held = set().union(*(range(low, high + 1) for low, high in real.forgotten.spans))
            assert held == plain.forgotten
            holes += len(real.forgotten.spans) > 1
            assert real.failed == plain.failed
    assert holes > 100  # the forgotten goals were punched into several spans, often


def _hung(count):
    """Goal 1 accepted, goals 2..count+1 sent and dropped unaccepted as overdue: (goals, now)."""
    goals = AwaitedGoals("/hand", 1.0)
    goals.went_out(goals.sending(), 0.5, 0.0)
    goals.accepted(1, 0.5, 0.0)
    for _ in range(count):
        goals.went_out(goals.sending(), 0.5, 0.0)
    goals.overdue(5.0)
    return goals


def test_a_rejection_of_a_goal_never_forgotten_changes_no_span():
    goals = _hung(5)  # 2..6 forgotten
    goals.went_out(goals.sending(), 0.5, 5.0)  # 7: awaited, not forgotten
    goals.rejected(7, 0.5, 5.0, 5.5)
    goals.rejected(1, 0.5, 0.0, 5.5)  # accepted long ago, never forgotten
    assert goals.forgotten.spans == ((2, 6),)


def test_an_old_acceptance_drops_only_the_older_forgotten_goals():
    goals = _hung(9)  # 2..10 forgotten
    goals.rejected(6, 0.5, 0.0, 5.5)
    goals.accepted(4, 0.5, 6.0)  # late: 2..4 go, 5 and 7..10 stay
    assert goals.forgotten.spans == ((5, 5), (7, 10))
    assert goals.finished(4, 0.5, 0.0, 6.5, STATUS_ABORTED).said is None  # 5, 7..10 supersede it
    goals.accepted(3, 0.5, 7.0)  # older than the newest accepted: nothing more goes
    assert goals.forgotten.spans == ((5, 5), (7, 10))


def test_at_the_cap_nothing_goes_one_span_more_drops_the_oldest():
    goals = _hung(2 * MAX_FORGOTTEN_SPANS + 1)  # 2..130 forgotten: one span
    for number in range(3, 2 * MAX_FORGOTTEN_SPANS, 2):  # 63 holes: 64 spans
        goals.rejected(number, 0.5, 0.0, 5.5)
    assert len(goals.forgotten.spans) == MAX_FORGOTTEN_SPANS
    assert goals.forgotten.spans[0] == (2, 2)
    goals.rejected(2 * MAX_FORGOTTEN_SPANS + 1, 0.5, 0.0, 5.5)  # a 64th hole: (2, 2) goes
    assert len(goals.forgotten.spans) == MAX_FORGOTTEN_SPANS
    assert goals.forgotten.spans[0] == (4, 4)
    assert goals.forgotten.newest == 2 * MAX_FORGOTTEN_SPANS + 2

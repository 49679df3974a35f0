"""breaker46e: goal images from files and from ~/goal_image, the whole family a lab sends.

Attacked: the one goal-image loader (``image_files.load_image_file``, behind goal_image_path(s),
``eval --goal`` and the image publisher), the goal parameters' checks (``robot/goal_files.py``,
``nodes/goal_parameters.py``) and the topic's decoding and check as the planner node does them
(``PlannerGoalImages._take_goal_image``: ``image_msg_to_rgb`` then ``goal_image_problem``). Each
file is compared with the camera frame holding the same pixels (an rgb8, mono8 or rgb16 message).

Defects found (strict xfails until fix46f, which fixed all six: one transparency rule for files
and the topic, image_limits.transparency_problem; 16-bit grey+alpha refused; several frames
refused; ``file://`` URIs taken as the file they name; link loops named; 16 to 8 bits in 16-bit
blocks, each goal file decoded once between the parameter check and the goal):

- a 4-channel goal on ~/goal_image (rgba8, bgra8, rgba16, 8UC4) with transparent pixels is
  taken, its hidden colour planned toward, where the same image as a file is refused;
- a 16-bit grey+alpha PNG loads as a grey goal where a 16-bit grey PNG (a depth or infrared
  image) and the topic's mono16/16UC1 are refused;
- an animated GIF/PNG/WebP or a multi-page TIFF silently becomes its first frame (a demo clip
  exported as a GIF: the goal is its start, not its end);
- a ``file://`` URI (pasted from a file manager) is called "a relative path" and the message
  shows it mangled (``file:/...``), with the advice to give an absolute path it already looks
  like;
- a symlink loop is reported as "image file not found" while ``ls`` lists it;
- a 16-bit RGBA PNG of 8000x8000 px (within the 8192 px limit) takes about 1.9 GB of memory to
  load (16-bit pixels widened to 32 bits to scale them): a 192 MB goal.

Held up: 8- and 16-bit PNG, grey, opaque grey+alpha and RGBA, palette and 1-bit PNG, baseline,
progressive and CMYK JPEG, EXIF orientations 1..8 in JPEG, PNG and WebP (as Pillow's
exif_transpose shows them), BMP, TIFF (LZW, CMYK), WebP, GIF, PPM, a PNG named .jpg, paths with
spaces, unicode and ``~``: each the same tensor as the camera frame. Refused in one line naming
the file: empty, truncated and corrupt files, a folder, a dangling link, 1x1, transparent RGBA,
grey+alpha and palette files, 16-bit grey. The parameters: a bad goal_image_paths entry is named
(the whole list refused), duplicates pass, step counts negative, float, bool or 0 before the end
and closedness NaN, inf or out of [0, 1] are refused, a length mismatch waits. The topic: every
Bayer pattern (8 and 16 bit) and YUV 4:2:2 order of a flat colour, row padding, short, long and
empty data, a small step, depth and float encodings; a refused topic goal keeps the previous one
and says whether the enabled arm still pursues it. An 8-bit 8000x8000 PNG loads in < 700 MB.
"""

import os
import subprocess
import sys
import textwrap
import types

import numpy as np
import pytest
from PIL import Image, ImageOps

from vjepa_ros.image_limits import goal_image_problem
from vjepa_ros.images import (
    EncodingError,
    ImageError,
    decode_compressed,
    image_msg_to_rgb,
    load_image_file,
)
from vjepa_ros.robot.goal_files import (
    check_goal_files,
    check_goal_gripper,
    check_goal_steps,
    goal_files_problem,
)
from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig

H, W = 48, 64
PIXELS = np.random.default_rng(46).integers(0, 256, (H, W, 3), dtype=np.uint8)


def message(encoding, pixels, step=None, data=None, height=None, width=None):
    """Return a sensor_msgs/Image-like object holding ``pixels`` (rows packed unless ``step``)."""
    pixels = np.ascontiguousarray(pixels)
    rows = pixels.reshape(pixels.shape[0], -1).view(np.uint8)
    height = pixels.shape[0] if height is None else height
    width = pixels.shape[1] if width is None else width
    step = rows.shape[1] if step is None else step
    if data is None:
        padded = np.zeros((rows.shape[0], step), np.uint8)
        padded[:, :rows.shape[1]] = rows
        data = padded.tobytes()
    return types.SimpleNamespace(encoding=encoding, height=height, width=width, step=step,
                                 data=data, is_bigendian=0)


def camera_rgb8(rgb):
    """Return the tensor the planner gets from a camera frame of ``rgb`` (rgb8)."""
    return image_msg_to_rgb(message("rgb8", rgb))


def camera_mono8(grey):
    """Return the tensor the planner gets from a mono8 camera frame of ``grey`` [H, W]."""
    return image_msg_to_rgb(message("mono8", grey[..., None]))


def one_line_refusal(path):
    """Load ``path``, expecting a one-line ImageError naming it; return its text."""
    with pytest.raises(ImageError) as refused:
        load_image_file(path)
    text = str(refused.value)
    assert "\n" not in text and str(path) in text, text
    return text


# -- image files that hold a camera frame: the same tensor as the frame

def _save(tmp_path, name, image, **options):
    path = tmp_path / name
    image.save(path, **options)
    return path


def _grey():
    return np.asarray(Image.fromarray(PIXELS).convert("L"))


FAMILY = {
    "rgb.png": (lambda: Image.fromarray(PIXELS), {}, lambda: camera_rgb8(PIXELS)),
    "grey.png": (lambda: Image.fromarray(PIXELS).convert("L"), {},
                 lambda: camera_mono8(_grey())),
    "grey_alpha_opaque.png": (lambda: Image.fromarray(PIXELS).convert("LA"), {},
                              lambda: camera_mono8(_grey())),
    "rgba_opaque.png": (lambda: Image.fromarray(PIXELS).convert("RGBA"), {},
                        lambda: camera_rgb8(PIXELS)),
    "rgb.bmp": (lambda: Image.fromarray(PIXELS), {}, lambda: camera_rgb8(PIXELS)),
    "rgb.tif": (lambda: Image.fromarray(PIXELS), {}, lambda: camera_rgb8(PIXELS)),
    "lzw.tif": (lambda: Image.fromarray(PIXELS), {"compression": "tiff_lzw"},
                lambda: camera_rgb8(PIXELS)),
    "lossless.webp": (lambda: Image.fromarray(PIXELS), {"lossless": True},
                      lambda: camera_rgb8(PIXELS)),
    "rgb.ppm": (lambda: Image.fromarray(PIXELS), {}, lambda: camera_rgb8(PIXELS)),
    "png_named.jpg": (lambda: Image.fromarray(PIXELS), {"format": "PNG"},
                      lambda: camera_rgb8(PIXELS)),
}


@pytest.mark.parametrize("name", sorted(FAMILY))
def test_a_file_of_a_camera_frame_loads_as_that_frame(tmp_path, name):
    make, options, frame = FAMILY[name]
    path = _save(tmp_path, name, make(), **options)
    assert np.array_equal(load_image_file(path), frame())


@pytest.mark.parametrize("name", ["palette.png", "one_bit.png", "static.gif", "cmyk.tif"])
def test_reduced_colour_files_load_as_their_displayed_colours(tmp_path, name):
    """Palette, 1-bit, GIF and CMYK TIFF: the colours a viewer shows (Pillow's RGB)."""
    image = Image.fromarray(PIXELS)
    image = {"palette.png": image.convert("P", palette=Image.Palette.ADAPTIVE),
             "one_bit.png": image.convert("1"), "static.gif": image,
             "cmyk.tif": image.convert("CMYK")}[name]
    path = _save(tmp_path, name, image)
    with Image.open(path) as shown:
        expected = np.asarray(shown.convert("RGB"))
    assert np.array_equal(load_image_file(path), camera_rgb8(expected))


def test_a_48_bit_png_loads_as_the_rgb16_frame(tmp_path):
    import cv2

    deep = PIXELS.astype(np.uint16) * 257 + np.uint16(100)
    path = tmp_path / "rgb16.png"
    cv2.imwrite(str(path), deep[..., ::-1])
    frame = image_msg_to_rgb(message("rgb16", deep))
    assert np.array_equal(load_image_file(path), frame)


@pytest.mark.parametrize("progressive", [False, True])
def test_a_jpeg_loads_as_the_compressed_topic_decodes_it(tmp_path, progressive):
    path = _save(tmp_path, "frame.jpg", Image.fromarray(PIXELS), quality=90,
                 progressive=progressive)
    assert np.array_equal(load_image_file(path), decode_compressed("jpeg", path.read_bytes()))


def test_a_cmyk_jpeg_loads_as_its_colours(tmp_path):
    path = _save(tmp_path, "cmyk.jpg", Image.fromarray(PIXELS).convert("CMYK"), quality=100)
    loaded = load_image_file(path).astype(int)
    with Image.open(path) as shown:
        assert np.abs(loaded - np.asarray(shown.convert("RGB"), dtype=int)).max() <= 2
    assert np.abs(loaded - PIXELS.astype(int)).max() <= 4


@pytest.mark.parametrize("suffix", ["jpg", "png", "webp"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_as_a_viewer_shows_it(tmp_path, suffix, orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    options = {"quality": 95} if suffix == "jpg" else {"lossless": True} if suffix == "webp" \
        else {}
    path = _save(tmp_path, f"o.{suffix}", Image.fromarray(PIXELS), exif=exif.tobytes(),
                 **options)
    with Image.open(path) as image:
        shown = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    assert np.array_equal(load_image_file(path), shown)


@pytest.mark.parametrize("folder", ["with space", "ünïcode ☃", "~"])
def test_paths_with_spaces_unicode_and_home_load(tmp_path, monkeypatch, folder):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "g oal ü").mkdir()
    Image.fromarray(PIXELS).save(tmp_path / "g oal ü" / "gö al.png")
    path = "~/g oal ü/gö al.png" if folder == "~" else str(tmp_path / "g oal ü" / "gö al.png")
    assert np.array_equal(load_image_file(path), PIXELS)
    check_goal_files("goal_image_path", [path])


# -- files to refuse: one line naming the file, never a crash

def _transparent(image):
    alpha = np.full((H, W), 255, np.uint8)
    alpha[:4, :4] = 0
    image.putalpha(Image.fromarray(alpha))
    return image


REFUSED = {
    "empty.png": lambda p: p.write_bytes(b""),
    "text.png": lambda p: p.write_text("not an image\n"),
    "truncated.png": lambda p: p.write_bytes(_encoded("PNG")[:300]),
    "truncated.jpg": lambda p: p.write_bytes(_encoded("JPEG")[:400]),
    "no_end.jpg": lambda p: p.write_bytes(_encoded("JPEG")[:-2]),
    "tiny.png": lambda p: Image.fromarray(PIXELS[:1, :1]).save(p),
    "strip.png": lambda p: Image.fromarray(np.zeros((40, 400, 3), np.uint8)).save(p),
    "transparent.png": lambda p: _transparent(Image.fromarray(PIXELS)).save(p),
    "grey_alpha.png": lambda p: _transparent(Image.fromarray(PIXELS).convert("L")).save(p),
    "palette_transparent.png": lambda p: Image.fromarray(PIXELS).convert(
        "P", palette=Image.Palette.ADAPTIVE).save(p, transparency=0),
    "grey16.png": lambda p: Image.fromarray(
        (PIXELS[..., 0].astype(np.uint16) * 200)).save(p),
}


def _encoded(kind):
    import io

    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (256, 256, 3), np.uint8)).save(
        buffer, format=kind)
    return buffer.getvalue()


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_file_that_is_no_goal_is_refused_in_one_line(tmp_path, name):
    path = tmp_path / name
    REFUSED[name](path)
    one_line_refusal(path)


def test_a_folder_and_a_dangling_link_are_refused_in_one_line(tmp_path):
    (tmp_path / "goal.png").mkdir()
    assert "folder" in one_line_refusal(tmp_path / "goal.png")
    (tmp_path / "gone.png").symlink_to(tmp_path / "never.png")
    assert "not found" in one_line_refusal(tmp_path / "gone.png")


def test_a_symlink_loop_is_named_as_one(tmp_path):
    """Input: goal.png, a symbolic link to itself (``ln -s goal.png goal.png``).

    Happened: "image file not found: .../goal.png", while ``ls`` lists the file: the person
    looks for a missing file. Should: say it is a link that loops (or cannot be resolved) and
    to point it at the image.
    """
    path = tmp_path / "goal.png"
    path.symlink_to(path)
    text = one_line_refusal(path).replace(str(path), "")
    assert "link" in text.lower()


def test_a_file_uri_is_taken_as_its_path(tmp_path):
    """Input: goal_image_path file:///.../goal.png (copied from a file manager or browser).

    Happened: "image file not found: file:/.../goal.png (a relative path: looked at
    <cwd>/file:/.../goal.png ...; give an absolute path)": the URI shown with one slash lost,
    and called relative. Should: say it is a URI and name the plain path to give instead, or
    (fix46f, friendlier) take the URI as the file it names: percent-escapes decoded,
    ``file://localhost/`` too. A URI of a missing file names the plain path, not "relative".
    """
    path = tmp_path / "my goal ü.png"
    Image.fromarray(PIXELS).save(path)
    for uri in (path.as_uri(), path.as_uri().replace("file://", "file://localhost", 1)):
        check_goal_files("goal_image_path", [uri])
        assert np.array_equal(load_image_file(uri), PIXELS)
    gone = tmp_path / "gone goal.png"
    with pytest.raises(ImageError) as refused:
        check_goal_files("goal_image_path", [gone.as_uri()])
    text = str(refused.value)
    assert "relative path" not in text and str(gone) in text, text
    assert "file://" not in text and "\n" not in text, text


def test_a_file_uri_of_another_host_is_refused_in_one_line():
    with pytest.raises(ImageError, match=r"^goal_image_path: file://lab-pc/data/goal\.png is a "
                       r"file URI on the host 'lab-pc', not on this machine"):
        check_goal_files("goal_image_path", ["file://lab-pc/data/goal.png"])


def test_a_16_bit_grey_alpha_png_is_refused_as_16_bit_grey_is(tmp_path):
    """Input: a 16-bit grey+alpha PNG (colour type 4, depth 16), fully opaque.

    Happened: loaded as a grey goal (each grey value scaled to 8 bits), while the same pixels
    without alpha (16-bit grey: a depth or infrared image) are refused, as the topic refuses
    mono16 and 16UC1. Should: refused in one line as single-channel 16-bit pixels.
    """
    grey = PIXELS[..., 0].astype(np.uint16) * 200
    alpha = np.full_like(grey, 65535)
    path = tmp_path / "grey_alpha16.png"
    _write_png(path, np.stack([grey, alpha], axis=-1), colour_type=4)
    one_line_refusal(path)


def _write_png(path, values, colour_type):
    """Write ``values`` [H, W, C] uint16 as a 16-bit PNG of ``colour_type`` (4: grey+alpha)."""
    import struct
    import zlib

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    height, width = values.shape[:2]
    rows = b"".join(b"\0" + row.astype(">u2").tobytes() for row in values)
    header = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("name", ["clip.gif", "clip.png", "clip.webp", "pages.tif"])
def test_a_file_of_several_frames_is_refused(tmp_path, name):
    """Input: a demo clip saved as an animated GIF/PNG/WebP, or a multi-page TIFF (2 frames).

    Happened: loaded as its first frame without a word: for a clip of the demonstration that is
    the start of the task, not its goal. Should: refused in one line naming the file and its
    frame count (save the one frame that is the goal).
    """
    frames = [Image.fromarray(PIXELS), Image.fromarray(255 - PIXELS)]
    options = {"lossless": True} if name.endswith("webp") else {}
    path = _save(tmp_path, name, frames[0], save_all=True, append_images=frames[1:], **options)
    one_line_refusal(path)


# -- memory of a huge file (8000x8000, within the 8192 px limit), measured in a child

PEAK = textwrap.dedent("""
    import resource, sys
    import cv2, PIL.Image  # noqa: F401  (imported before the baseline)
    from vjepa_ros.images import load_image_file
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rgb = load_image_file(sys.argv[1])
    assert rgb.shape == (8000, 8000, 3), rgb.shape
    print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024)
""")


def _load_peak_mb(path):
    done = subprocess.run([sys.executable, "-c", PEAK, str(path)], capture_output=True,
                          text=True, timeout=120, env={**os.environ})
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.split()[-1])


def test_an_8000_px_8_bit_png_loads_within_700_mb(tmp_path):
    import cv2

    pixels = np.zeros((8000, 8000, 3), np.uint8)
    pixels[::7] = 200
    cv2.imwrite(str(tmp_path / "big.png"), pixels, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    del pixels
    assert _load_peak_mb(tmp_path / "big.png") < 700


def test_an_8000_px_16_bit_png_loads_within_1_gb(tmp_path):
    """Input: an opaque 16-bit RGBA PNG of 8000x8000 px, inside MAX_SIDE_PX 8192.

    384 MB of decoded 16-bit colour, 192 MB as the 8-bit goal.

    Happened: about 1.9 GB peak (Pillow's full decode for the checks, OpenCV's 16-bit decode,
    then ``_to_8bit`` widening every value to 32 bits), checked again when the goal loads.
    Should: stay under 1 GB (scale in place or row by row), as the 8-bit file does (~0.4 GB).
    """
    import cv2

    pixels = np.zeros((8000, 8000, 4), np.uint16)
    pixels[..., 3] = 65535
    pixels[::5, :, :3] = 40000
    cv2.imwrite(str(tmp_path / "big16.png"), pixels, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    del pixels
    assert _load_peak_mb(tmp_path / "big16.png") < 1024


# -- the goal parameters

def test_one_bad_goal_image_paths_entry_refuses_the_list_naming_it(tmp_path):
    good = _save(tmp_path, "good.png", Image.fromarray(PIXELS))
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ImageError, match=r"^goal_image_paths entry 2 of 3: .*empty\.png"):
        check_goal_files("goal_image_paths", [str(good), str(tmp_path / "empty.png"), str(good)])
    check_goal_files("goal_image_paths", [str(good)] * 3)  # duplicates: a return to a pose


@pytest.mark.parametrize("steps", [[-1], [2.0], [True], [0, 3], [3, -2]])
def test_bad_step_counts_are_refused_naming_the_entry(steps):
    with pytest.raises(ValueError, match=r"^goal_steps entry \d of \d is "):
        check_goal_steps(steps)


@pytest.mark.parametrize("closedness", [float("nan"), float("inf"), -0.01, 1.01, True])
def test_bad_closedness_is_refused(closedness):
    with pytest.raises(ValueError, match=r"^goal_gripper entries must be closedness values"):
        check_goal_gripper([0.5, closedness])


def test_a_length_mismatch_waits_with_a_line():
    problem = goal_files_problem(["a.png", "b.png"], [3], [], GoalSwitchConfig())
    assert problem.startswith("2 goal images but 1 goal_steps")
    problem = goal_files_problem(["a.png"], [], [], GoalSwitchConfig(gripper="subgoal"))
    assert "goal_gripper" in problem and "subgoal" in problem


# -- ~/goal_image: decoded and checked as the planner node does
# (PlannerGoalImages._take_goal_image)

def topic_goal(msg):
    """Return the goal the node takes from ``msg``, or raise what makes it refuse it."""
    rgb = image_msg_to_rgb(msg, goal=True)
    problem = goal_image_problem(rgb)
    if problem:
        raise ImageError(f"the image {problem}")
    return rgb


FLAT = np.array([200, 100, 50], np.uint8)
BAYER_SITES = {"rggb": (0, 1, 1, 2), "bggr": (2, 1, 1, 0), "gbrg": (1, 2, 0, 1),
               "grbg": (1, 0, 2, 1)}


@pytest.mark.parametrize("bits", [8, 16])
@pytest.mark.parametrize("pattern", sorted(BAYER_SITES))
def test_every_bayer_pattern_of_a_flat_colour_gives_that_colour(pattern, bits):
    sites = BAYER_SITES[pattern]
    mosaic = np.zeros((H, W), np.uint16 if bits == 16 else np.uint8)
    for (dy, dx), channel in zip([(0, 0), (0, 1), (1, 0), (1, 1)], sites, strict=True):
        mosaic[dy::2, dx::2] = int(FLAT[channel]) * (257 if bits == 16 else 1)
    rgb = topic_goal(message(f"bayer_{pattern}{bits}", mosaic[..., None]))
    assert np.array_equal(rgb[2:-2, 2:-2], np.broadcast_to(FLAT, (H - 4, W - 4, 3)))


@pytest.mark.parametrize("encoding", ["yuv422", "uyvy", "yuv422_yuy2", "yuyv"])
def test_yuv_422_of_a_flat_colour_gives_that_colour(encoding):
    import cv2

    y, cr, cb = (int(v) for v in cv2.cvtColor(FLAT[None, None][..., ::-1].copy(),
                                               cv2.COLOR_BGR2YCrCb)[0, 0])
    y, u, v = (round(16 + 219 * y / 255), round(128 + 224 * (cb - 128) / 255),
               round(128 + 224 * (cr - 128) / 255))  # limited range (studio swing)
    quad = [u, y, v, y] if encoding in ("yuv422", "uyvy") else [y, u, y, v]
    packed = np.tile(np.array(quad, np.uint8), (H, W // 2))
    rgb = topic_goal(message(encoding, packed[..., None], width=W))
    assert np.abs(rgb.astype(int) - FLAT.astype(int)).max() <= 2


def test_padded_rows_and_grey_give_the_files_tensor(tmp_path):
    padded = message("bgr8", PIXELS[..., ::-1], step=W * 3 + 13)
    assert np.array_equal(topic_goal(padded), PIXELS)
    path = _save(tmp_path, "grey.png", Image.fromarray(PIXELS).convert("L"))
    assert np.array_equal(topic_goal(message("mono8", _grey()[..., None])),
                          load_image_file(path))


@pytest.mark.parametrize("case", ["short", "long", "width0", "height0", "small_step", "tiny"])
def test_malformed_messages_are_refused(case):
    data = PIXELS.tobytes()
    msg = {"short": message("rgb8", PIXELS, data=data[:-1]),
           "long": message("rgb8", PIXELS, data=data + b"\0"),
           "width0": message("rgb8", PIXELS, data=b"", width=0),
           "height0": message("rgb8", PIXELS, data=b"", height=0),
           "small_step": message("rgb8", PIXELS, step=W * 3 - 1, data=data),
           "tiny": message("rgb8", PIXELS[:1, :1])}[case]
    with pytest.raises(ImageError):
        topic_goal(msg)


@pytest.mark.parametrize("encoding", ["mono16", "16UC1", "32FC1", "nv12", "jpeg"])
def test_depth_float_and_unknown_encodings_are_refused(encoding):
    with pytest.raises(EncodingError, match=f"'{encoding}'"):
        topic_goal(message(encoding, np.zeros((H, W, 2), np.uint8)))


@pytest.mark.parametrize("encoding", ["rgba8", "bgra8", "8UC4", "rgba16"])
def test_a_transparent_goal_on_the_topic_is_refused_as_its_file_is(tmp_path, encoding):
    """Input: on ~/goal_image a 4-channel image whose top-left 4x4 pixels have alpha 0.

    (An edited PNG published with cv_bridge, say.)

    Happened: taken as the goal, the hidden colour of those pixels planned toward; the same
    pixels as goal_image_path are refused ("has transparent pixels ... flatten it").
    Should: refused in one line as the file is (the node logs it and keeps the previous goal).
    """
    rgba = np.asarray(_transparent(Image.fromarray(PIXELS)))
    path = _save(tmp_path, "goal.png", Image.fromarray(rgba))
    one_line_refusal(path)
    pixels = rgba[..., [2, 1, 0, 3]] if encoding in ("bgra8", "8UC4") else rgba
    if encoding == "rgba16":
        pixels = pixels.astype(np.uint16) * 257
    with pytest.raises(ImageError):
        topic_goal(message(encoding, pixels))


def test_an_opaque_rgba_goal_on_the_topic_equals_its_file(tmp_path):
    rgba = np.asarray(Image.fromarray(PIXELS).convert("RGBA"))
    path = _save(tmp_path, "goal.png", Image.fromarray(rgba))
    assert np.array_equal(topic_goal(message("rgba8", rgba)), load_image_file(path))


@pytest.mark.parametrize("enabled", [True, False])
def test_a_refused_topic_goal_keeps_the_previous_goal_and_says_so(enabled):
    """The node's own method with stand-ins: nothing set, one error line naming the topic."""
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from goal_image_files import InlineDecoder

    from vjepa_ros.nodes.planner_goal_images import PlannerGoalImages
    from vjepa_ros.robot.message_pixels import MessagePixels

    set_goals, errors, wakes = [], [], []
    node = types.SimpleNamespace(
        session=types.SimpleNamespace(
            set_goals=set_goals.append,
            snapshot=lambda: types.SimpleNamespace(goal="goal 1/1 (old.png)", enabled=enabled)),
        goal_image_topic="/planner/goal_image",
        get_logger=lambda: types.SimpleNamespace(error=errors.append),
        worker=types.SimpleNamespace(wake=lambda: wakes.append(1)),
        forget_goal_files=lambda: pytest.fail("a refused goal must not forget the goal files"))
    node._goal_kept = lambda: PlannerGoalImages._goal_kept(node)
    node.goal_topic = lambda msg: PlannerGoalImages.goal_topic(node, msg)
    node.goal_decoder = InlineDecoder(node)  # decoded off the executor thread by the node
    msg = message("rgb8", PIXELS[:8, :8])
    PlannerGoalImages._take_goal_image(node, msg, key=(None, MessagePixels(msg.data)))  # data last
    assert set_goals == [] and len(errors) == 1 and "\n" not in errors[0]
    assert errors[0].startswith("ignoring goal image on /planner/goal_image: the image is 8x8")
    assert ("still pursues the previous goal" in errors[0]) == enabled
    assert "old.png" in errors[0]

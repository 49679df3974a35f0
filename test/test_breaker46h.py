"""breaker46h: fix46f's goal-image changes (commit edb67f75), attacked.

Attacked: the one transparency rule (``image_limits.transparency_problem``: an alpha of one value
everywhere passes), the decoded-image cache between ``check_goal_files`` and ``goals_from_files``
(then ``robot/goal_files._CHECKED``, now the node's ``CheckedGoalImages``; keyed by dev, inode,
size, mtime, ctime), ``image_file_path``'s
URI handling, the blockwise 16-to-8-bit scale (``image_encodings._to_8bit``) and the refusal of
files of several frames.

Defects found (strict xfails until fix46k fixed them):

- a premultiplied-alpha TIFF (ExtraSamples 1, "associated alpha": what compositing tools export)
  whose alpha is one value everywhere passes the rule and loads its premultiplied colours: alpha
  128 gives a goal half as bright as the scene, alpha 64 a quarter (alpha 1: black);
- a fully transparent file (alpha 0 everywhere: an empty layer or canvas exported; a viewer shows
  nothing) loads its hidden colour as the goal, a uniform black or white image; before fix46f it
  was refused;
- a URL of another scheme (``http://``, ``https://``, ``s3://``, ``package://``) as a goal path is
  shown with one slash lost (``http:/host/goal.png``) and called "a relative path", the message
  breaker46e reported for ``file://`` and fix46f fixed for ``file:`` only;
- a ``file://`` URI with a query or fragment (``...goal.png?raw=1``, ``...goal.png#view``) is
  "not found" under a name ending in ``?raw=1`` though the file it names exists;
- the cache keeps the decoded goal images after the goal parameters are emptied (``~/clear_goals``
  or a goal on ``~/goal_image`` empties them; so does ``ros2 param set ... ''``) and after a
  ``goals_from_files`` that failed: an 8000x8000 goal's 192 MB stays held for the node's life;
- a TIFF holding a reduced-resolution preview after its image (a second IFD with
  NewSubfileType 1, as scanners and raw converters write) is refused as "2 frames (an animation
  or a multi-page file)" where an MPO's second picture passes.

Held up: the topic goal path decodes with the transparency check on (``goal=True``; camera
frames leave it off); a cut-out PNG is still refused. The cache: a file rewritten in place with
its size and mtime restored, copied over, replaced by a rename, or a symbolic link re-pointed, is
read again (ctime is in the key); two names of one file (a hard link, a symbolic link) give its
image; parameter checks racing goal loads in threads never give a goal another file's image.
URIs: ``file:///C:/x.png`` and ``file://~/x.png`` are refused in one line; ``%2F`` decodes as
``urllib.request.url2pathname`` does; a file literally named ``file:goal.png`` loads. The
16-to-8-bit scale: exact against ``(v * 255 + 32767) // 65535`` for random 48-bit PNGs of odd
sizes, little- and big-endian 16-bit TIFFs, non-contiguous, big-endian, one-row, one-column and
empty arrays. One frame: a GIF, an APNG (acTL of 1 frame) and an animated WebP (ANIM, 1 ANMF)
load.
"""

import io
import os
import shutil
import struct
import threading
import types
import zlib

import numpy as np
import pytest
from goal_image_files import PIXELS, InlineDecoder, _premultiplied_tiff, _save, _tiff
from PIL import Image

from vjepa_ros.image_encodings import _to_8bit
from vjepa_ros.images import ImageError, decode_image_message, image_msg_to_rgb, load_image_file
from vjepa_ros.robot import goal_files
from vjepa_ros.robot.checked_goal_images import CheckedGoalImages


def _exact(values):
    return ((values.astype(np.uint64) * 255 + 32767) // 65535).astype(np.uint8)


# ---------------------------------------------------------------- (1) the transparency rule


@pytest.mark.parametrize("alpha", [128, 64])
def test_a_premultiplied_tiff_of_one_alpha_is_not_a_darkened_goal(tmp_path, alpha):
    """Input: goal.tif, RGBA with associated alpha (ExtraSamples 1), alpha 128 (or 64) everywhere.

    Happened: the one-value rule passes it (Pillow reports its alpha, constant), OpenCV decodes
    the stored premultiplied colours: alpha 128 gives every pixel at half its brightness, alpha
    64 at a quarter (alpha 1: black), a scene the camera never shows. Should: colours
    un-premultiplied (the scene, within rounding), or the file refused in one line naming it.
    """
    path = tmp_path / "goal.tif"
    _premultiplied_tiff(path, alpha)
    with Image.open(path) as opened:
        assert opened.mode == "RGBA" and opened.getchannel("A").getextrema() == (alpha, alpha)
    try:
        rgb = load_image_file(path)
    except ImageError as exc:
        assert str(path) in str(exc) and "\n" not in str(exc)
        return
    assert np.abs(rgb.astype(int) - PIXELS).max() <= 255 // alpha + 1


@pytest.mark.parametrize("hidden", [0, 255])
def test_a_fully_transparent_file_is_refused(tmp_path, hidden):
    """Input: blank.png, RGBA, alpha 0 in every pixel, colour all ``hidden`` (an empty canvas).

    Happened: fix46f's "one alpha value everywhere is no cut-out" passes it, and it loads as a
    uniform black (or white) goal: a viewer shows nothing at all, the planner chases a black
    scene. Before fix46f it was refused (alpha below 255 in 100% of the pixels). Should: an
    image with nothing visible (alpha 0 everywhere) refused in one line naming the file, as
    transparent ones are; a constant alpha above 0 (unset by a driver) may still pass.
    """
    path = tmp_path / "blank.png"
    Image.fromarray(np.full((48, 64, 4), [hidden, hidden, hidden, 0], np.uint8), "RGBA").save(
        path)
    with pytest.raises(ImageError, match=rf"^{path} .*transparent"):
        load_image_file(path)


def _message(encoding, pixels):
    pixels = np.ascontiguousarray(pixels)
    return types.SimpleNamespace(encoding=encoding, height=pixels.shape[0],
                                 width=pixels.shape[1], step=pixels[0].nbytes,
                                 data=pixels.tobytes(), is_bigendian=0)


def test_the_goal_topic_checks_alpha_and_camera_frames_do_not(tmp_path):
    """The planner's ~/goal_image handler decodes with the check on; the frame decoder not."""
    from vjepa_ros.nodes.planner_goal_images import PlannerGoalImages
    from vjepa_ros.robot.message_pixels import MessagePixels

    alpha = np.full((48, 64, 1), 255, np.uint8)
    alpha[:6, :6] = 0
    msg = _message("bgra8", np.concatenate([PIXELS[..., ::-1], alpha], axis=-1))
    goals, errors = [], []
    node = types.SimpleNamespace(
        session=types.SimpleNamespace(set_goals=goals.append, snapshot=lambda: types.
                                      SimpleNamespace(goal="", enabled=False)),
        forget_goal_files=lambda: None, worker=types.SimpleNamespace(wake=lambda: None),
        goal_image_topic="/planner/goal_image",
        get_logger=lambda: types.SimpleNamespace(error=errors.append))
    node._goal_kept = lambda: PlannerGoalImages._goal_kept(node)
    node.goal_topic = lambda msg: PlannerGoalImages.goal_topic(node, msg)
    node.goal_decoder = InlineDecoder(node)  # decoded off the executor thread by the node
    PlannerGoalImages._take_goal_image(node, msg, key=(None, MessagePixels(msg.data)))  # data last
    assert not goals and len(errors) == 1 and "transparent pixels" in errors[0], errors
    assert np.array_equal(decode_image_message(msg), PIXELS)
    with pytest.raises(ImageError, match="transparent pixels"):
        image_msg_to_rgb(msg, goal=True)
    cut_out = tmp_path / "cut.png"
    Image.fromarray(np.concatenate([PIXELS, alpha], axis=-1), "RGBA").save(cut_out)
    with pytest.raises(ImageError, match="has transparent pixels"):
        load_image_file(cut_out)


# ---------------------------------------------------------------- (2) the decoded-image cache


def _changes(tmp_path):
    """Return {name: change(path)} (each makes the file hold PIXELS[::-1]) and those pixels."""
    new = np.ascontiguousarray(PIXELS[::-1])

    def in_place_same_size_and_mtime(path):
        before = os.stat(path)
        data = io.BytesIO()
        Image.fromarray(new).save(data, "PNG", compress_level=0)
        old = io.BytesIO()
        Image.fromarray(PIXELS).save(old, "PNG", compress_level=0)
        assert len(data.getvalue()) == len(old.getvalue())
        with open(path, "r+b") as file:
            file.write(data.getvalue())
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))

    def copied_over(path):
        shutil.copyfile(_save(tmp_path / "other.png", new), path)

    def renamed_over(path):
        os.replace(_save(tmp_path / "tmp.png", new), path)

    return {"in_place": in_place_same_size_and_mtime, "cp": copied_over,
            "rename": renamed_over}, new


@pytest.mark.parametrize("change", ["in_place", "cp", "rename", "relink"])
def test_a_goal_file_changed_after_its_check_is_read_again(tmp_path, change):
    changes, new = _changes(tmp_path)
    target = tmp_path / "goal.png"
    Image.fromarray(PIXELS).save(target, compress_level=0)
    path = str(target)
    if change == "relink":
        path = str(tmp_path / "link.png")
        os.symlink(target, path)
    checked = CheckedGoalImages()
    goal_files.check_goal_files("goal_image_path", [path], checked=checked)
    if change == "relink":
        os.remove(path)
        os.symlink(_save(tmp_path / "other.png", new), path)
    else:
        changes[change](target)
    (goal,) = goal_files.goals_from_files([path], checked=checked)
    assert np.array_equal(goal.image, new)


def test_two_names_of_one_file_give_its_image(tmp_path):
    path = _save(tmp_path / "goal.png", PIXELS)
    os.link(path, tmp_path / "hard.png")
    os.symlink(path, tmp_path / "soft.png")
    names = [path, str(tmp_path / "hard.png"), str(tmp_path / "soft.png"),
             (tmp_path / "goal.png").as_uri()]
    checked = CheckedGoalImages()
    goal_files.check_goal_files("goal_image_paths", names, checked=checked)
    assert len(checked) == 1
    for goal in goal_files.goals_from_files(names, checked=checked):
        assert np.array_equal(goal.image, PIXELS)


def test_emptied_goal_parameters_release_the_decoded_images(tmp_path):
    """Input: goal_image_paths [a.png, b.png] checked and waiting, then emptied.

    goal_image_paths set (checked, decoded, cached) while goal_steps has 3 entries (the node
    waits for the lists to agree); then ~/clear_goals, or a goal on ~/goal_image, which empties
    the goal parameters (``forget_goal_files``), or ``ros2 param set ... goal_image_paths []``.

    Happened: ``check_goal_files(name, [])`` left the cache as it was, so both decoded images
    stay in memory for the node's life (an 8000x8000 goal: 192 MB each), until some later
    parameter check with files. Should: a goal parameter emptied releases what it cached.
    """
    from vjepa_ros.nodes.goal_parameters import EMPTY, updated_goal_values

    names = [_save(tmp_path / "a.png", PIXELS), _save(tmp_path / "b.png", 255 - PIXELS)]
    checked = CheckedGoalImages()
    values = updated_goal_values({n: v for n, (v, _) in EMPTY.items()},
                                 {"goal_image_paths": names, "goal_steps": [5, 5, 5]},
                                 checked=checked)
    assert len(checked) == 2  # waiting for the lists to agree: kept, as meant
    updated_goal_values(values, {"goal_image_paths": [], "goal_steps": []},
                        checked=checked)  # emptied
    assert len(checked) == 0


def test_a_failed_goal_load_releases_the_decoded_images(tmp_path):
    """Input: goal_image_paths [a.png, b.png] checked; b.png deleted before the goal is made.

    Happened: ``goals_from_files`` raises "image file not found" (right) and the cache keeps
    a.png's decoded image (no goal holds it). Should: released whether the load succeeds or not.
    """
    names = [_save(tmp_path / "a.png", PIXELS), _save(tmp_path / "b.png", 255 - PIXELS)]
    checked = CheckedGoalImages()
    goal_files.check_goal_files("goal_image_paths", names, checked=checked)
    os.remove(names[1])
    with pytest.raises(ImageError, match="not found"):
        goal_files.goals_from_files(names, checked=checked)
    assert len(checked) == 0


def test_parameter_checks_racing_goal_loads_never_mix_up_files(tmp_path):
    """Parameter callbacks (check) and goal loads in threads: each goal is its own file."""
    images = {_save(tmp_path / f"{i}.png", np.roll(PIXELS, 7 * i, axis=1)): i for i in range(4)}
    names, wrong = list(images), []
    checked = CheckedGoalImages()  # one node's: its parameter callbacks and goal loads share it

    def checker():
        for round_ in range(30):
            goal_files.check_goal_files("goal_image_paths", names[round_ % 2:][:2],
                                        checked=checked)

    def loader():
        for round_ in range(30):
            goals = goal_files.goals_from_files(names[::-1], checked=checked)
            for name, goal in zip(names[::-1], goals, strict=True):
                if not np.array_equal(goal.image, np.roll(PIXELS, 7 * images[name], axis=1)):
                    wrong.append((round_, name))

    threads = [threading.Thread(target=checker), threading.Thread(target=loader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not wrong


# ---------------------------------------------------------------- (3) goal paths as URIs


@pytest.mark.parametrize("url", ["http://lab-pc/goals/goal.png", "https://example.com/goal.png",
                                 "s3://bucket/goal.png", "package://vjepa_ros/goal.png"])
def test_a_url_of_another_scheme_is_named_as_given(url):
    """Input: goal_image_path http://lab-pc/goals/goal.png (a browser's link, package://...).

    Happened: "image file not found: http:/lab-pc/goals/goal.png (a relative path: looked at
    <cwd>/http:/lab-pc/goals/goal.png ...; give an absolute path)": one slash lost, called
    relative (breaker46e's file:// defect, fixed for file: only). Should: name the URL as given
    and say only local files (or file:// URIs) are read.
    """
    with pytest.raises(ImageError) as refused:
        goal_files.check_goal_files("goal_image_path", [url])
    text = str(refused.value)
    assert url in text and "relative path" not in text, text


@pytest.mark.parametrize("tail", ["?raw=1", "#view"])
def test_a_file_uri_with_a_query_or_fragment_names_its_file(tmp_path, tail):
    """Input: file:///.../goal.png?raw=1 (or #view), goal.png existing.

    RFC 3986: '?' and '#' end the path; a name holding them is escaped, %3F and %23, as
    Path.as_uri writes it.

    Happened: "image file not found: /.../goal.png?raw=1". Should: load goal.png, or say that
    the query/fragment is not part of a file name.
    """
    path = _save(tmp_path / "goal.png", PIXELS)
    uri = (tmp_path / "goal.png").as_uri() + tail
    try:
        assert np.array_equal(load_image_file(uri), PIXELS)
    except ImageError as exc:
        assert path + tail not in str(exc), str(exc)


def test_odd_file_uris_are_refused_in_one_line_or_read_as_python_does(tmp_path, monkeypatch):
    from urllib.request import url2pathname

    for uri, expected in [("file:///C:/x.png", "image file not found: /C:/x.png"),
                          ("file://~/x.png", "file://~/x.png is a file URI on the host '~'")]:
        with pytest.raises(ImageError) as refused:
            goal_files.check_goal_files("goal_image_path", [uri])
        assert expected in str(refused.value) and "\n" not in str(refused.value)
    (tmp_path / "a").mkdir()
    _save(tmp_path / "a" / "b.png", PIXELS)
    escaped = (tmp_path / "a").as_uri() + "%2Fb.png"
    assert url2pathname(escaped[len("file://"):]) == str(tmp_path / "a" / "b.png")
    assert np.array_equal(load_image_file(escaped), PIXELS)
    monkeypatch.chdir(tmp_path)  # a file literally named "file:goal.png" is a file
    _save(tmp_path / "file:goal.png", 255 - PIXELS)
    goal_files.check_goal_files("goal_image_path", ["file:goal.png"])
    assert np.array_equal(load_image_file("file:goal.png"), 255 - PIXELS)


# ---------------------------------------------------------------- (4) 16 to 8 bits


@pytest.mark.parametrize("shape", [(33, 47), (1, 40), (40, 1), (1, 1), (0, 5), (1031, 1029)])
def test_the_blockwise_scale_is_exact_on_any_layout(shape):
    values = np.random.default_rng(sum(shape)).integers(0, 65536, shape, dtype=np.uint16)
    exact = _exact(values)
    assert np.array_equal(_to_8bit(values), exact)
    assert np.array_equal(_to_8bit(values.T), exact.T)  # non-contiguous
    assert np.array_equal(_to_8bit(values.astype(">u2")[::-1, ::-1]), exact[::-1, ::-1])
    out = np.zeros(shape[::-1], np.uint8)
    _to_8bit(values, out=out.T)  # written into a strided view
    assert np.array_equal(out.T, exact)


@pytest.mark.parametrize("kind", ["png", "tiff_le", "tiff_be"])
def test_16_bit_colour_files_of_odd_sizes_scale_exactly(tmp_path, kind):
    import cv2

    values = np.random.default_rng(46).integers(0, 65536, (37, 53, 3), dtype=np.uint16)
    path = tmp_path / ("goal.png" if kind == "png" else "goal.tif")
    if kind == "png":  # PNG samples are big-endian on disk
        cv2.imwrite(str(path), values[..., ::-1])
    else:
        _tiff(path, [(values, 0)], order="<" if kind == "tiff_le" else ">", bits=16)
    assert np.array_equal(load_image_file(path), _exact(values))


# ---------------------------------------------------------------- (5) frames


def _chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _riff(kind, body):
    return kind + struct.pack("<I", len(body)) + body + b"\0" * (len(body) % 2)


def _one_frame_apng(path):
    height, width = PIXELS.shape[:2]
    rows = b"".join(b"\0" + row.tobytes() for row in PIXELS)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0,
                                                           0, 0))
        + _chunk(b"acTL", struct.pack(">II", 1, 0))
        + _chunk(b"fcTL", struct.pack(">IIIIIHHBB", 0, width, height, 0, 0, 1, 10, 0, 0))
        + _chunk(b"IDAT", zlib.compress(rows)) + _chunk(b"IEND", b""))


def _one_frame_animated_webp(path):
    still = io.BytesIO()
    Image.fromarray(PIXELS).save(still, "WEBP", lossless=True)
    data = still.getvalue()
    assert data[12:16] == b"VP8L"
    frame = data[12:]  # the VP8L chunk
    height, width = PIXELS.shape[:2]

    def u24(value):
        return struct.pack("<I", value)[:3]

    body = (b"WEBP" + _riff(b"VP8X", b"\x02\0\0\0" + u24(width - 1) + u24(height - 1))
            + _riff(b"ANIM", b"\0\0\0\0\0\0")
            + _riff(b"ANMF", u24(0) + u24(0) + u24(width - 1) + u24(height - 1) + u24(100)
                    + b"\0" + frame))
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


@pytest.mark.parametrize("name", ["one.gif", "one_frame_apng.png", "one_frame_anim.webp"])
def test_an_animation_of_one_frame_loads(tmp_path, name):
    path = tmp_path / name
    if name.endswith(".gif"):
        Image.fromarray(PIXELS).save(path, save_all=True, append_images=[], loop=0)
    elif name.endswith(".png"):
        _one_frame_apng(path)
    else:
        _one_frame_animated_webp(path)
        assert b"ANIM" in path.read_bytes()
    rgb = load_image_file(path)
    assert rgb.shape == PIXELS.shape
    if not name.endswith(".gif"):  # (a GIF's palette is lossy)
        assert np.array_equal(rgb, PIXELS)


def test_a_tiff_with_a_reduced_resolution_preview_loads_its_image(tmp_path):
    """Input: scan.tif, IFD 0 the 64x48 image, IFD 1 a 16x12 preview (NewSubfileType 1).

    NewSubfileType 1: a reduced-resolution version of the image, TIFF 6.0's thumbnail, as
    scanners write.

    Happened: "scan.tif holds 2 frames (an animation or a multi-page file), not one still
    image": Pillow's n_frames counts the preview. Should: load the main image, as an MPO's
    second picture passes (NewSubfileType bit 0 marks the preview: not a page).
    """
    path = tmp_path / "scan.tif"
    _tiff(path, [(PIXELS, 0), (np.ascontiguousarray(PIXELS[::4, ::4]), 1)])
    assert np.array_equal(load_image_file(path), PIXELS)

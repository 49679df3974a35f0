"""fix46f: the goal-image rules breaker46e found missing, beyond its own cases.

One transparency rule for goal files and ``~/goal_image`` (an alpha of one value everywhere is
no cut-out; camera frames keep theirs unchecked), the 16-bit single-channel family refused in
every variant, multi-frame files refused (MPO passes), link loops named, ``file:`` URIs taken,
the exact 16-to-8-bit scale and one decode per goal file between the parameter check and the
goal.
"""

import os
import types

import numpy as np
import pytest
from PIL import Image

from vjepa_ros.image_encodings import _to_8bit
from vjepa_ros.images import ImageError, decode_image_message, image_msg_to_rgb, load_image_file
from vjepa_ros.robot import goal_files
from vjepa_ros.robot.checked_goal_images import CheckedGoalImages

PIXELS = np.random.default_rng(461).integers(0, 256, (48, 64, 3), dtype=np.uint8)


def _rgba(alpha):
    return np.concatenate([PIXELS, np.broadcast_to(np.uint8(alpha), (48, 64, 1))], axis=-1)


def _message(encoding, pixels):
    pixels = np.ascontiguousarray(pixels)
    return types.SimpleNamespace(encoding=encoding, height=pixels.shape[0],
                                 width=pixels.shape[1], step=pixels[0].nbytes,
                                 data=pixels.tobytes(), is_bigendian=0)


def test_the_16_to_8_bit_scale_is_the_rounded_255_of_65535_for_every_value():
    values = np.arange(65536, dtype=np.uint16)
    exact = ((values.astype(np.uint64) * 255 + 32767) // 65535).astype(np.uint8)
    assert np.array_equal(_to_8bit(values), exact)
    assert np.array_equal(_to_8bit(values.astype(">u2")), exact)
    image = values.reshape(256, 256, 1)[:, :, [0, 0, 0]]  # a view; written flipped, in place
    out = np.zeros((256, 256, 3), np.uint8)
    _to_8bit(image[..., ::-1], out=out[..., ::-1])
    assert np.array_equal(out, exact.reshape(256, 256, 1)[:, :, [0, 0, 0]])


def test_a_camera_frame_keeps_its_alpha_unchecked_where_a_goal_is_refused():
    """A cut-out is refused as a goal; the same message as a camera frame is what it saw."""
    alpha = np.full((48, 64, 1), 255, np.uint8)
    alpha[:8] = 0
    msg = _message("rgba8", np.concatenate([PIXELS, alpha], axis=-1))
    with pytest.raises(ImageError, match=r"^'rgba8' image has transparent pixels \(alpha below "
                       r"255 in 16.7% of them\).*rgb8 or bgr8 on a topic"):
        image_msg_to_rgb(msg, goal=True)
    assert np.array_equal(decode_image_message(msg), PIXELS)
    assert np.array_equal(image_msg_to_rgb(msg), PIXELS)  # the decoder's default: a frame


@pytest.mark.parametrize("alpha", [1, 128])
def test_an_alpha_of_one_value_everywhere_is_no_cut_out_in_a_file_or_on_the_topic(tmp_path,
                                                                                   alpha):
    """A driver or exporter that leaves alpha unset (any one value above 0): ignored."""
    path = tmp_path / "unset_alpha.png"
    Image.fromarray(_rgba(alpha), "RGBA").save(path)
    assert np.array_equal(load_image_file(path), PIXELS)
    assert np.array_equal(image_msg_to_rgb(_message("rgba8", _rgba(alpha)), goal=True), PIXELS)


def test_alpha_0_everywhere_is_refused_in_a_file_and_on_the_topic(tmp_path):
    """Nothing visible (fix46k, breaker46h): the one rule refuses it for both sources."""
    path = tmp_path / "blank.png"
    Image.fromarray(_rgba(0), "RGBA").save(path)
    with pytest.raises(ImageError, match=rf"^{path} has alpha 0 in every pixel \(fully "):
        load_image_file(path)
    with pytest.raises(ImageError, match=r"alpha 0 in every pixel \(fully transparent"):
        image_msg_to_rgb(_message("rgba8", _rgba(0)), goal=True)


def _grey16():
    return PIXELS[..., 0].astype(np.uint16) * 250


@pytest.mark.parametrize("name", ["grey16.tif", "grey16.pgm", "grey16_big_endian.tif",
                                  "grey16_lzw.tif"])
def test_every_16_bit_grey_file_is_refused_as_depth_or_infrared(tmp_path, name):
    path = tmp_path / name
    grey = _grey16().astype(">u2" if "big_endian" in name else "<u2")
    image = Image.fromarray(grey)  # I;16 or I;16B
    image.save(path, **({"compression": "tiff_lzw"} if "lzw" in name else {}))
    with pytest.raises(ImageError, match=f"^{path} has single-channel 16-bit pixels, a depth"):
        load_image_file(path)


def test_several_frames_are_counted_and_an_mpo_loads_its_first_picture(tmp_path):
    frames = [Image.fromarray(PIXELS), Image.fromarray(255 - PIXELS), Image.fromarray(PIXELS)]
    pages = tmp_path / "pages.tif"
    frames[0].save(pages, save_all=True, append_images=frames[1:])
    with pytest.raises(ImageError, match=rf"^{pages} holds 3 frames .*export the frame that "
                       "shows the goal as a still PNG"):
        load_image_file(pages)
    mpo = tmp_path / "phone.jpg"  # a JPEG holding a second picture (depth map, gain map)
    frames[0].save(mpo, format="MPO", save_all=True, append_images=frames[1:2], quality=95)
    with Image.open(mpo) as opened:
        assert opened.format == "MPO" and opened.n_frames == 2
        first = np.asarray(opened.convert("RGB"))
    assert np.abs(load_image_file(mpo).astype(int) - first.astype(int)).max() <= 1


def test_a_chain_of_links_that_loops_is_named_a_loop_and_a_dangling_one_not_found(tmp_path):
    (tmp_path / "a.png").symlink_to(tmp_path / "b.png")
    (tmp_path / "b.png").symlink_to(tmp_path / "a.png")
    with pytest.raises(ImageError, match=r"a\.png is a symlink loop \(it cannot be resolved\): "
                       "point the link at the goal image file"):
        load_image_file(tmp_path / "a.png")
    (tmp_path / "c.png").symlink_to(tmp_path / "none.png")
    with pytest.raises(ImageError, match=r"^image file not found: .*c\.png$"):
        load_image_file(tmp_path / "c.png")


def test_a_single_slash_file_uri_and_escapes_name_the_file(tmp_path):
    path = tmp_path / "goal #1 ü.png"
    Image.fromarray(PIXELS).save(path)
    uri = path.as_uri()
    assert "%23" in uri and "%20" in uri
    assert np.array_equal(load_image_file("file:" + uri[len("file://"):]), PIXELS)
    assert np.array_equal(load_image_file("FILE://" + uri[len("file://"):]), PIXELS)


def test_a_checked_goal_file_is_decoded_once_and_a_changed_one_again(tmp_path, monkeypatch):
    """The planner node checks a goal parameter's files when set, then makes them the goal."""
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    Image.fromarray(PIXELS).save(first)
    Image.fromarray(255 - PIXELS).save(second)
    reads = []

    def counted(path):
        reads.append(os.path.basename(str(path)))
        return load_image_file(path)

    monkeypatch.setattr(goal_files, "load_image_file", counted)
    checked = CheckedGoalImages()  # the planner node's
    goal_files.check_goal_files("goal_image_paths", [str(first), str(second), str(first)],
                                checked=checked)
    goal_files.check_goal_files("goal_image_path", [], checked=checked)  # the other: keeps them
    goals = goal_files.goals_from_files([str(first), str(second), str(first)], checked=checked)
    assert reads == ["a.png", "b.png", "a.png"]  # the check's reads only
    assert np.array_equal(goals[1].image, 255 - PIXELS) and np.array_equal(goals[2].image,
                                                                           PIXELS)
    goal_files.check_goal_files("goal_image_path", [str(first)], checked=checked)
    replacement = tmp_path / "new.png"
    Image.fromarray(PIXELS[::-1].copy()).save(replacement)
    os.replace(replacement, first)  # re-exported after the check: read again
    reads.clear()
    (goal,) = goal_files.goals_from_files([str(first)], checked=checked)
    assert reads == ["a.png"] and np.array_equal(goal.image, PIXELS[::-1])
    reads.clear()
    goal_files.goals_from_files([str(second)], checked=checked)  # nothing held after a goal
    assert reads == ["b.png"] and len(checked) == 0

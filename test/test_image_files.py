"""Goal image files are read strictly and within size limits, by the one loader every path uses.

``load_image_file`` reads the planner node's goal_image_path(s), ``eval --goal`` and the image
publisher's file. Each case here was once accepted: a JPEG cut in half (grey bottom half), a
1x1 or 1x5000 px file, a 48 KB PNG claiming 20000x20000 px (1.2 GB decoded), an empty path.
"""

import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from vjepa_ros.cli import main
from vjepa_ros.image_limits import MAX_ASPECT, MAX_SIDE_PX, MIN_SIDE_PX
from vjepa_ros.image_notes import SizeNotes
from vjepa_ros.images import ImageError, load_image_file, save_image_file
from vjepa_ros.robot.goal_files import goals_from_files


def _frame(height=48, width=64, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def _png_claiming(path, width, height):
    """Write a tiny PNG whose header claims ``width`` x ``height`` px (pixel data: a stub)."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))
    return path


def test_a_jpeg_or_png_cut_short_is_refused_not_filled_in(tmp_path):
    frame = _frame(96, 128)
    ok, jpeg = cv2.imencode(".jpg", frame)
    cut_jpeg = tmp_path / "cut.jpg"
    cut_jpeg.write_bytes(jpeg.tobytes()[: len(jpeg) // 2])
    assert cv2.imread(str(cut_jpeg)) is not None  # OpenCV alone fills the rest in grey
    png = save_image_file(tmp_path / "whole.png", frame)
    cut_png = tmp_path / "cut.png"
    cut_png.write_bytes(png.read_bytes()[: png.stat().st_size * 2 // 3])
    for path in (cut_jpeg, cut_png):
        with pytest.raises(ImageError, match=f"^{path} is truncated or corrupt .*save the image "
                           "again$"):
            load_image_file(path)
    np.testing.assert_array_equal(load_image_file(png), frame)


@pytest.mark.parametrize("width, height, why", [
    (1, 1, f"is 1x1 px, smaller than {MIN_SIDE_PX} px a side"),
    (5000, 1, f"is 5000x1 px, smaller than {MIN_SIDE_PX} px a side"),
    (MIN_SIDE_PX - 1, 64, f"is {MIN_SIDE_PX - 1}x64 px, smaller than"),
    (200, 40, f"is 200x40 px: long side more than {MAX_ASPECT:g} times the short one"),
    (40, 200, "is 40x200 px: long side more than"),
])
def test_images_too_small_or_too_elongated_to_plan_on_are_refused(tmp_path, width, height, why):
    path = save_image_file(tmp_path / "goal.png", _frame(height, width))
    with pytest.raises(ImageError, match=f"^{path} {why}"):
        load_image_file(path)


def test_the_smallest_and_most_elongated_accepted_images_load(tmp_path):
    longest = int(MIN_SIDE_PX * MAX_ASPECT)
    for height, width in ((MIN_SIDE_PX, MIN_SIDE_PX), (MIN_SIDE_PX, longest)):
        path = save_image_file(tmp_path / f"{width}.png", _frame(height, width))
        assert load_image_file(path).shape == (height, width, 3)


@pytest.mark.parametrize("width, height, message", [
    (MAX_SIDE_PX + 1, 100, f"is {MAX_SIDE_PX + 1}x100 px, larger than {MAX_SIDE_PX} px a side"),
    (20000, 20000, f"claims more than .* pixels .*at most {MAX_SIDE_PX} px a side"),
])
def test_a_huge_image_is_refused_from_its_header_before_decoding(tmp_path, monkeypatch, width,
                                                                 height, message):
    import cv2
    from PIL import ImageFile

    path = _png_claiming(tmp_path / "bomb.png", width, height)
    assert path.stat().st_size < 2000
    # the pixels were never decoded: seen by the decoders' calls, not by the seconds it took
    # (under 1 s, which the first import of cv2 alone can take on a busy 2-core machine)
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append("Pillow"))
    monkeypatch.setattr(cv2, "imread", lambda *args: decoded.append("OpenCV"))
    with pytest.raises(ImageError, match=f"^{path} {message}"):
        load_image_file(path)
    assert decoded == []


@pytest.mark.parametrize("pixels, mode, kind", [
    (np.float32, "F", "floating-point"), (np.int32, "I", "integer")])
def test_a_32_bit_tiff_goal_is_refused_in_our_one_line_only(tmp_path, capfd, pixels, mode,
                                                             kind):
    """OpenCV printed its own warning line (it cannot decode 32-bit samples) before ours."""
    path = tmp_path / "depth.tif"
    Image.fromarray(np.ones((96, 128), pixels), mode=mode).save(path)
    assert main(["eval", str(tmp_path / "bag"), "--out", str(tmp_path / "out"), "--goal",
                 str(path)]) == 1
    out, err = capfd.readouterr()
    assert err == f"vjepa-ros eval: --goal: {path} has 32-bit {kind} pixels (a depth, HDR or " \
        "measurement image, not a camera frame): give an 8-bit colour image (PNG or JPEG) of " \
        "the robot's camera\n", err
    assert out == ""


DEPTH_MM = np.linspace(400, 3000, 48 * 64).reshape(48, 64)  # a depth camera's millimetres


def _pillow_16(mode, raw):
    def write(path):
        Image.frombytes(mode, (64, 48), DEPTH_MM.astype(raw).tobytes()).save(path)
    return write


def _opencv_16(dtype):
    def write(path):
        cv2.imwrite(str(path), DEPTH_MM.astype(dtype))
    return write


SINGLE_CHANNEL_16 = {  # file -> (how it is written, Pillow's mode for it)
    "opencv.png": (_opencv_16(np.uint16), "I;16"),  # a depth frame saved with cv2.imwrite
    "pillow.png": (_pillow_16("I;16", "<u2"), "I;16"),
    "uint16.tif": (_opencv_16(np.uint16), "I;16"),
    "int16.tif": (_opencv_16(np.int16), "I"),  # mode "I", 16 bits a sample
    "big_endian.tif": (_pillow_16("I;16B", ">u2"), "I;16B"),
    "depth.pgm": (_opencv_16(np.uint16), None),  # a 16-bit PGM (netpbm)
}


@pytest.mark.parametrize("name", SINGLE_CHANNEL_16)
def test_a_single_channel_16_bit_goal_file_is_refused_as_depth(tmp_path, name):
    """OpenCV loaded these as grey: a depth image in mm nearly black (below 12 of 255)."""
    write, mode = SINGLE_CHANNEL_16[name]
    path = tmp_path / name
    write(path)
    if mode is not None:
        assert Image.open(path).mode == mode
    with pytest.raises(ImageError) as refused:
        load_image_file(path)
    assert str(refused.value) == (
        f"{path} has single-channel 16-bit pixels, a depth or infrared image, not colour: give "
        "the camera's colour image (an 8-bit RGB PNG or JPEG)")


def test_a_16_bit_depth_goal_is_refused_in_one_line_by_eval(tmp_path, capfd):
    path = tmp_path / "depth.png"
    _opencv_16(np.uint16)(path)
    assert main(["eval", str(tmp_path / "bag"), "--out", str(tmp_path / "out"), "--goal",
                 str(path)]) == 1
    out, err = capfd.readouterr()
    assert err == f"vjepa-ros eval: --goal: {path} has single-channel 16-bit pixels, a depth " \
        "or infrared image, not colour: give the camera's colour image (an 8-bit RGB PNG or " \
        "JPEG)\n", err
    assert out == ""


def test_a_48_bit_colour_png_loads_scaled_to_8_bits(tmp_path):
    """16 bits a channel scaled by 1/257 (to +-1), colours in order: not wrapped or clipped."""
    rng = np.random.default_rng(3)
    rgb16 = rng.integers(0, 65536, (48, 64, 3), dtype=np.uint16)
    rgb16[0, 0] = (65535, 32768, 0)
    path = tmp_path / "colour48.png"
    cv2.imwrite(str(path), rgb16[..., ::-1])  # OpenCV writes BGR
    assert Image.open(path).mode == "RGB"  # Pillow reads it as colour, 8 bits
    loaded = load_image_file(path)
    assert loaded.dtype == np.uint8 and loaded.shape == (48, 64, 3)
    assert np.abs(loaded.astype(int) - np.round(rgb16 / 257)).max() <= 1
    np.testing.assert_allclose(loaded[0, 0], (255, 128, 0), atol=1)


def test_8_bit_grey_and_palette_goal_files_load_as_rgb(tmp_path):
    """As the topic's mono8: grey in all three channels; a palette image in its colours."""
    grey = _frame()[..., 0]
    for mode, name in (("L", "grey.png"), ("L", "grey.tif"), ("LA", "grey_alpha.png")):
        path = tmp_path / name
        pixels = grey if mode == "L" else np.stack([grey, np.full_like(grey, 255)], -1)
        Image.fromarray(pixels, mode).save(path)
        np.testing.assert_array_equal(load_image_file(path), np.repeat(grey[..., None], 3, 2))
    palette = Image.fromarray(_frame()).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    path = tmp_path / "palette.png"
    palette.save(path)
    np.testing.assert_array_equal(load_image_file(path), np.asarray(palette.convert("RGB")))


def _save_with_alpha(path, kind, opaque):
    """Write ``path`` (its suffix the format), 48x64, its lower half erased unless ``opaque``.

    Erased: alpha 0, RGB 0, as editors store it. ``opaque``: alpha full everywhere (a
    screenshot's RGBA). ``kind``: the alpha kind the loader reads: 8- or 16-bit RGBA
    (``rgba``, ``rgba16``), grey+alpha (``la``), a palette's transparent entry (``palette``; a
    GIF's), a transparent colour key (``colourkey``, PNG tRNS).
    """
    rgba = np.zeros((48, 64, 4), np.uint16 if kind == "rgba16" else np.uint8)
    full = np.iinfo(rgba.dtype).max
    rgba[..., :3], rgba[..., 3] = full // 2, full
    if not opaque:
        rgba[24:] = 0
    if kind == "rgba16":
        cv2.imwrite(str(path), rgba[..., [2, 1, 0, 3]])  # OpenCV writes BGRA
    elif kind == "la":
        Image.fromarray(rgba[..., [0, 3]], "LA").save(path)
    elif kind == "palette" and path.suffix == ".png":
        Image.fromarray(rgba, "RGBA").convert("P").save(path)  # a transparent entry (tRNS)
    elif kind == "colourkey":  # opaque: no pixel has the key colour
        Image.fromarray(rgba[..., :3], "RGB").save(path, transparency=(0, 0, 0))
    else:  # RGBA PNG, WebP, TIFF; a GIF: a palette whose erased entry is transparent
        Image.fromarray(rgba, "RGBA").save(path, lossless=True)  # (lossless: WebP's)


@pytest.mark.parametrize("kind, suffix", [
    ("rgba", "png"), ("rgba", "webp"), ("rgba", "tif"), ("la", "png"), ("rgba16", "png"),
    ("rgba16", "tif"), ("palette", "png"), ("palette", "gif"), ("colourkey", "png")])
def test_a_goal_file_with_transparent_pixels_is_refused_an_opaque_one_loads(tmp_path, kind,
                                                                            suffix):
    """The loader decodes colour only: transparent pixels would show their hidden black."""
    path = tmp_path / f"opaque {kind}.{suffix}"
    _save_with_alpha(path, kind, opaque=True)
    assert load_image_file(path).shape == (48, 64, 3)
    path = tmp_path / f"cut {kind}.{suffix}"
    _save_with_alpha(path, kind, opaque=False)
    assert Image.open(path).has_transparency_data
    with pytest.raises(ImageError, match=rf"^{path} has transparent pixels \(alpha below 255 "
                       r"in 50% of them\).*flatten it onto the scene.*save it without alpha"):
        load_image_file(path)


def test_an_empty_path_and_a_folder_say_so(tmp_path):
    for empty in ("", "  "):
        with pytest.raises(ImageError, match="^the image path is empty: give an image file"):
            load_image_file(empty)
    folder = tmp_path / "dir.png"
    folder.mkdir()
    with pytest.raises(ImageError, match=f"^{folder} is a folder, not an image file"):
        load_image_file(folder)


def test_goal_files_refuse_an_empty_entry_and_a_truncated_file(tmp_path):
    good = str(save_image_file(tmp_path / "a.png", _frame()))
    for paths, entries in (([""], "1 of 1"), ([good, ""], "2 of 2"),
                           (["", good, " "], "1, 3 of 3")):
        with pytest.raises(ValueError, match=f"^goal_image_paths entry {entries} is empty: give "
                           "an image file there, or leave the entry out"):
            goals_from_files(paths)
    tiny = save_image_file(tmp_path / "tiny.png", _frame(2, 2))
    with pytest.raises(ImageError, match=f"{tiny} is 2x2 px"):
        goals_from_files([good, str(tiny)])
    assert [g.source for g in goals_from_files([good])] == [good]


def test_size_notes_of_a_live_stream_come_once_each():
    notes = SizeNotes((256, 256))
    first = notes.check((48, 64, 3), (480, 640, 3))
    assert len(first) == 2
    assert first[0].startswith("the camera's frames are 64x48 px, smaller than the world "
                               "model's 256x256 input: they are upsampled")
    assert first[1].startswith("the goal image is 640x480 px and the camera's frames are 64x48 "
                               "px") and first[1].endswith("(~/capture_goal) at its size")
    assert notes.check((48, 64, 3), (480, 640, 3)) == []  # every frame after: nothing
    assert notes.check((48, 64, 3), None) == []  # the goal cleared: already said
    assert notes.check((480, 640, 3), (480, 640, 3)) == []  # a large frame, the goal's size
    assert notes.check((256, 256, 3), None) == []
    assert SizeNotes(None).check((8, 8, 3), (8, 8, 3)) == []  # no model size, same sizes


def test_frames_of_another_size_than_the_recorded_training_frames_get_one_note():
    """The 128 px demo model on the 256 px simulator: said once, with what to set."""
    notes = SizeNotes((128, 128), [(128, 128)])
    (note,) = notes.check((256, 256, 3))
    assert note == (
        "the camera's frames are 256x256 px, but the predictor was post-trained on 128x128 px "
        "frames (recorded in its checkpoint): resized to its input they are sharper or blurrier "
        "than in training, so plans may be worse; set the camera to 128x128 (the simulator: its "
        "camera.width and camera.height parameters; under vjepa-ros launch --node sim: -p "
        "sim.camera.width:=128 -p sim.camera.height:=128)")
    assert notes.check((256, 256, 3)) == []  # every frame after: nothing
    assert SizeNotes((128, 128), [(128, 128)]).check((128, 128, 3)) == []  # the trained size
    assert SizeNotes((128, 128), [(64, 64), (128, 128)]).check((64, 64, 3)) == []  # trained
    assert SizeNotes((128, 128), None).check((256, 256, 3)) == []  # the file records no size


def test_saving_under_a_regular_file_is_one_image_error(tmp_path):
    """``afile/a.png`` with ``afile`` a file raised a raw FileExistsError."""
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ImageError) as caught:
        save_image_file(tmp_path / "afile" / "a.png", np.zeros((8, 8, 3), np.uint8))
    assert str(caught.value) == (f"cannot write image file {tmp_path / 'afile' / 'a.png'}: "
                                 f"{tmp_path / 'afile'} is a file, not a folder; give another "
                                 "path or remove that file")

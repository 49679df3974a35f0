"""Decoding camera images without cv_bridge: every encoding we accept, every input we refuse."""

import types

import numpy as np
import pytest

from vjepa_ros.images import (
    EncodingError,
    ImageError,
    decode_compressed,
    decode_image_message,
    image_msg_to_rgb,
    load_image_file,
    rgb_to_image_fields,
    save_image_file,
)


def _msg(**fields):
    return types.SimpleNamespace(**fields)


@pytest.fixture
def frame(franka_example):
    return franka_example["frames"][0]


def test_rgb8_and_bgr8_round_trip_real_frame(frame):
    for encoding in ("rgb8", "bgr8"):
        fields = rgb_to_image_fields(frame, encoding)
        assert fields["step"] == frame.shape[1] * 3
        np.testing.assert_array_equal(image_msg_to_rgb(_msg(**fields)), frame)
    bgr_bytes = rgb_to_image_fields(frame, "bgr8")["data"]
    assert bgr_bytes[:3] == bytes(frame[0, 0, ::-1])


def test_padded_rows_alpha_and_mono():
    rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    padded = np.zeros((2, 12), np.uint8)
    padded[:, :9] = rgb.reshape(2, 9)
    out = image_msg_to_rgb(
        _msg(height=2, width=3, encoding="rgb8", step=12, data=padded.tobytes())
    )
    np.testing.assert_array_equal(out, rgb)

    bgra = np.concatenate([rgb[..., ::-1], np.full((2, 3, 1), 255, np.uint8)], axis=2)
    out = image_msg_to_rgb(_msg(height=2, width=3, encoding="bgra8", step=12, data=bgra.tobytes()))
    np.testing.assert_array_equal(out, rgb)

    mono = np.array([[0, 128, 255]], np.uint8)
    out = image_msg_to_rgb(_msg(height=1, width=3, encoding="mono8", step=3, data=mono.tobytes()))
    assert out.shape == (1, 3, 3) and (out[0, 1] == 128).all()


@pytest.mark.parametrize(
    "fields, message",
    [
        (
            dict(height=2, width=2, encoding="32FC1", step=8, data=bytes(16)),
            "unsupported image encoding '32FC1': a depth or float image.*colour stream",
        ),
        (
            dict(height=2, width=2, encoding="hsv8", step=6, data=bytes(12)),
            "unsupported image encoding 'hsv8': supported: rgb8.*yuv422_yuy2.*publish rgb8",
        ),
        (
            dict(height=2, width=3, encoding="yuv422_yuy2", step=6, data=bytes(12)),
            "even width",
        ),
        (dict(height=2, width=2, encoding="rgb16", step=3, data=bytes(6)), "smaller than"),
        (dict(height=0, width=2, encoding="rgb8", step=6, data=b""), "empty image"),
        (dict(height=2, width=2, encoding="rgb8", step=5, data=bytes(10)), "smaller than width"),
        (
            dict(height=2, width=2, encoding="rgb8", step=6, data=bytes(11)),
            r"expected step\*height",
        ),
    ],
)
def test_malformed_images_are_refused_with_reason(fields, message):
    with pytest.raises(ImageError, match=message):
        image_msg_to_rgb(_msg(**fields))


def test_bad_arrays_to_publish():
    with pytest.raises(ImageError, match="uint8"):
        rgb_to_image_fields(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ImageError, match=r"\[H, W, 3\]"):
        rgb_to_image_fields(np.zeros((4, 4), np.uint8))


def test_files_and_compressed_payloads(tmp_path, frame):
    path = save_image_file(tmp_path / "goal.png", frame)
    np.testing.assert_array_equal(load_image_file(path), frame)
    np.testing.assert_array_equal(decode_compressed("png", path.read_bytes()), frame)

    with pytest.raises(ImageError, match="not found"):
        load_image_file(tmp_path / "missing.png")
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(path.read_bytes()[:40])
    with pytest.raises(ImageError, match=f"cannot read {corrupt} as an image"):
        load_image_file(corrupt)
    with pytest.raises(ImageError, match="cannot decode"):
        decode_compressed("jpeg", b"not an image at all")


# BT.601 limited-range 8-bit Y'CbCr of the 100 % colour bars (ITU-R BT.601 / EBU bars):
# (Y, Cb, Cr) -> RGB.
BARS = [
    ((235, 128, 128), (255, 255, 255)),
    ((16, 128, 128), (0, 0, 0)),
    ((81, 90, 240), (255, 0, 0)),
    ((145, 54, 34), (0, 255, 0)),
    ((41, 240, 110), (0, 0, 255)),
    ((210, 16, 146), (255, 255, 0)),
    ((126, 128, 128), (128, 128, 128)),
]


def _yuv422_frame(order, rows=2):
    """Return the colour bars, each two pixels wide (one U/V pair), as YUYV or UYVY bytes."""
    row = []
    for (y, u, v), _ in BARS:
        row += [y, u, y, v] if order == "yuyv" else [u, y, v, y]
    return np.array([row] * rows, np.uint8)


@pytest.mark.parametrize("encoding, order", [("yuv422_yuy2", "yuyv"), ("yuv422", "uyvy"),
                                             ("yuyv", "yuyv"), ("uyvy", "uyvy")])
def test_yuv422_colour_bars_decode_to_their_rgb(encoding, order):
    data = _yuv422_frame(order)
    width = 2 * len(BARS)
    padded = np.zeros((2, width * 2 + 6), np.uint8)  # row padding is skipped
    padded[:, :width * 2] = data
    rgb = image_msg_to_rgb(_msg(height=2, width=width, encoding=encoding, step=padded.shape[1],
                                data=padded.tobytes()))
    expected = np.repeat(np.array([colour for _, colour in BARS], np.uint8), 2, axis=0)
    assert rgb.shape == (2, width, 3)
    np.testing.assert_allclose(rgb[0].astype(int), expected.astype(int), atol=2)
    np.testing.assert_array_equal(rgb[0], rgb[1])


def test_yuv_matches_opencv_on_random_frames():
    import cv2

    rng = np.random.default_rng(0)
    data = rng.integers(16, 236, size=(6, 16), dtype=np.uint8)  # 6 x 8 pixels, 2 bytes each
    for encoding, code in (("yuv422_yuy2", cv2.COLOR_YUV2RGB_YUY2),
                           ("yuv422", cv2.COLOR_YUV2RGB_UYVY)):
        ours = image_msg_to_rgb(_msg(height=6, width=8, encoding=encoding, step=16,
                                     data=data.tobytes()))
        theirs = cv2.cvtColor(data.reshape(6, 8, 2), code)
        assert np.abs(ours.astype(int) - theirs.astype(int)).max() <= 2
    nv21 = rng.integers(16, 236, size=(9, 8), dtype=np.uint8)  # 6 rows of Y, 3 of VU
    ours = image_msg_to_rgb(_msg(height=6, width=8, encoding="nv21", step=8, data=nv21.tobytes()))
    theirs = cv2.cvtColor(nv21, cv2.COLOR_YUV2RGB_NV21)
    assert np.abs(ours.astype(int) - theirs.astype(int)).max() <= 2


@pytest.mark.parametrize("encoding", ["mono16", "16UC1", "16uc1"])
def test_single_channel_16_bit_is_refused_as_a_depth_or_infrared_stream(encoding):
    """16UC1 (RealSense depth, mm) was once scaled to an almost black grey frame, silently."""
    values = np.array([[0, 500, 1200, 65535]], np.uint16)  # millimetres
    with pytest.raises(EncodingError, match=f"unsupported image encoding '{encoding}': "
                       "single-channel 16 bit is a depth or infrared stream, not colour") as info:
        image_msg_to_rgb(_msg(height=1, width=4, encoding=encoding, step=8,
                              data=values.tobytes()))
    assert info.value.encoding == encoding


def test_opencv_types_and_alpha_and_16_bit_colour():
    rgb = np.array([[[10, 20, 30], [40, 50, 60]]], np.uint8)
    bgr = rgb[..., ::-1]
    alpha = np.full((1, 2, 1), 7, np.uint8)
    cases = {
        "8UC3": bgr, "bgr8": bgr, "rgb8": rgb, "rgba8": np.concatenate([rgb, alpha], axis=2),
        "bgra8": np.concatenate([bgr, alpha], axis=2),
        "8UC4": np.concatenate([bgr, alpha], axis=2),
    }
    for encoding, pixels in cases.items():
        out = image_msg_to_rgb(_msg(height=1, width=2, encoding=encoding,
                                    step=pixels.shape[1] * pixels.shape[2],
                                    data=pixels.tobytes()))
        np.testing.assert_array_equal(out, rgb, err_msg=encoding)
    gray = np.array([[3, 250]], np.uint8)
    out = image_msg_to_rgb(_msg(height=1, width=2, encoding="8UC1", step=2, data=gray.tobytes()))
    np.testing.assert_array_equal(out[0], [[3, 3, 3], [250, 250, 250]])
    wide = (bgr.astype(np.uint16) * 257).astype(">u2")  # bgr16, big-endian
    out = image_msg_to_rgb(_msg(height=1, width=2, encoding="bgr16", step=12,
                                data=wide.tobytes(), is_bigendian=1))
    np.testing.assert_array_equal(out, rgb)


@pytest.mark.parametrize("pattern", ["rggb", "bggr", "gbrg", "grbg"])
@pytest.mark.parametrize("bits", [8, 16])
def test_bayer_mosaic_of_one_colour_demosaics_to_it(pattern, bits):
    colour = {"r": 200, "g": 100, "b": 40}
    mosaic = np.zeros((8, 8), np.uint16)
    for dy in (0, 1):
        for dx in (0, 1):
            mosaic[dy::2, dx::2] = colour[pattern[2 * dy + dx]]
    if bits == 16:
        data = (mosaic * 257).astype("<u2").tobytes()
    else:
        data = mosaic.astype(np.uint8).tobytes()
    rgb = image_msg_to_rgb(_msg(height=8, width=8, encoding=f"bayer_{pattern}{bits}",
                                step=8 * bits // 8, data=data))
    interior = rgb[2:-2, 2:-2].reshape(-1, 3).astype(int)
    np.testing.assert_allclose(interior, np.tile([200, 100, 40], (len(interior), 1)), atol=2)


def test_compressed_formats_of_image_transport(frame):
    import cv2

    from vjepa_ros.recordings import messages as m

    jpeg = m.compressed_image_message(frame, 0, "cam", "jpeg")
    assert jpeg.format == "rgb8; jpeg compressed bgr8"
    decoded = decode_image_message(jpeg)
    assert np.abs(decoded.astype(int) - frame.astype(int)).mean() < 6  # lossy, colours right
    png = m.compressed_image_message(frame, 0, "cam", "png")
    np.testing.assert_array_equal(decode_compressed("bgr8; png compressed bgr8", png.data), frame)
    # A codec fed RGB (format says "compressed rgb8") keeps the channel order it was given.
    ok, raw_rgb = cv2.imencode(".png", frame)
    np.testing.assert_array_equal(decode_compressed("rgb8; png compressed rgb8", raw_rgb), frame)
    # 16-bit colour PNG: scaled to 8 bit; gray 8-bit PNG: replicated like mono8.
    ok, bgr16 = cv2.imencode(".png", frame[..., ::-1].astype(np.uint16) * 257)
    np.testing.assert_array_equal(decode_compressed("png", bgr16), frame)
    ok, gray = cv2.imencode(".png", np.array([[0, 255], [9, 1]], np.uint8))
    out = decode_compressed("mono8; png compressed mono8", gray)
    np.testing.assert_array_equal(out[..., 0], [[0, 255], [9, 1]])
    assert (out == out[..., :1]).all()
    # Single-channel 16-bit (depth or infrared), whatever the format string says.
    ok, mono16 = cv2.imencode(".png", np.array([[0, 65535], [257 * 9, 257]], np.uint16))
    for fmt in ("mono16; png compressed mono16", "16UC1; png compressed mono16", "png"):
        with pytest.raises(EncodingError, match="depth or infrared"):
            decode_compressed(fmt, mono16)
    for fmt, message in (("16UC1; compressedDepth", "compressed depth.*colour stream"),
                         ("32FC1; compressedDepth rvl", "compressed depth"),
                         ("h264", "video stream.*jpeg/png")):
        with pytest.raises(ImageError, match=message):
            decode_compressed(fmt, b"123")

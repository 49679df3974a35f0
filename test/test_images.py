"""Decoding camera images without cv_bridge: every encoding we accept, every input we refuse."""

import types

import numpy as np
import pytest

from vjepa_ros.images import (
    ImageError,
    decode_compressed,
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
            dict(height=2, width=2, encoding="16UC1", step=4, data=bytes(8)),
            "unsupported image encoding",
        ),
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
    with pytest.raises(ImageError, match="cannot read"):
        load_image_file(corrupt)
    with pytest.raises(ImageError, match="cannot decode"):
        decode_compressed("jpeg", b"not an image at all")

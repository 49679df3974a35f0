"""The goal topics' types: compressed goals decoded as frames are, other types named (breaker58a).

``nodes/goal_topics.other_type_warnings`` names a publisher of another type on
``~/goal_image`` or ``~/goal_image/compressed`` once, with what to publish; a compressed goal
with transparent pixels is refused as a raw or file goal is (``decode_image_message(goal=True)``).
"""

import types

import numpy as np
import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")

from vjepa_ros.images import ImageError, decode_image_message, encode_compressed  # noqa: E402
from vjepa_ros.nodes.goal_topics import (  # noqa: E402
    COMPRESSED,
    RAW,
    UNKNOWN_NODE,
    other_type_warnings,
)

TOPIC, PACKED = "/vjepa_planner/goal_image", "/vjepa_planner/goal_image/compressed"
TOPICS = {TOPIC: RAW, PACKED: COMPRESSED}


def _info(kind, gid, node="goal_sender"):
    return types.SimpleNamespace(topic_type=kind, endpoint_gid=bytes([gid]), node_name=node,
                                 node_namespace="/")


def test_publishers_of_another_type_are_named_once_each_with_the_topic_to_use():
    warned = set()
    infos = {TOPIC: [_info(RAW, 1), _info(COMPRESSED, 2), _info("std_msgs/msg/String", 3)],
             PACKED: [_info(COMPRESSED, 4), _info(RAW, 5, "relay")]}
    lines = other_type_warnings(TOPICS, infos, warned)
    assert len(lines) == 3, lines
    compressed, text, raw = lines
    assert compressed.startswith(f"/goal_sender publishes {COMPRESSED} on {TOPIC}, which takes "
                                 f"{RAW} only") and f"publish it on {PACKED}" in compressed
    assert f"publish the goal as {RAW} on {TOPIC} or {COMPRESSED} on {PACKED}" in text
    assert raw.startswith(f"/relay publishes {RAW} on {PACKED}") and \
        raw.endswith(f"publish it on {TOPIC}")
    assert other_type_warnings(TOPICS, infos, warned) == [], "once per publisher"


def test_a_publisher_not_named_yet_waits_for_its_name():
    warned = set()
    assert other_type_warnings(TOPICS, {TOPIC: [_info(COMPRESSED, 7, UNKNOWN_NODE)]},
                               warned) == []
    assert len(other_type_warnings(TOPICS, {TOPIC: [_info(COMPRESSED, 7)]}, warned)) == 1


@pytest.mark.parametrize("fmt", ["png", "jpeg"])
def test_a_compressed_goal_decodes_as_a_compressed_frame_does(fmt):
    rgb = np.random.default_rng(3).integers(0, 256, (24, 32, 3), dtype=np.uint8)
    form, data = encode_compressed(rgb, fmt)
    message = types.SimpleNamespace(format=form, data=data.tobytes())
    goal = decode_image_message(message, goal=True)
    assert np.array_equal(goal, decode_image_message(message))
    if fmt == "png":
        assert np.array_equal(goal, rgb)


@pytest.mark.parametrize("depth", [np.uint8, np.uint16])
def test_a_compressed_goal_with_transparent_pixels_is_refused_a_frame_is_not(depth):
    import cv2

    top = np.iinfo(depth).max
    bgra = np.full((16, 16, 4), top // 2, depth)
    bgra[..., 3] = top
    bgra[:8, :, 3] = 0  # a cut-out background
    ok, data = cv2.imencode(".png", bgra)
    assert ok
    message = types.SimpleNamespace(format="png", data=data.tobytes())
    assert decode_image_message(message).shape == (16, 16, 3), "a frame's alpha is dropped"
    with pytest.raises(ImageError, match=r"compressed image \('png'\) has transparent pixels"):
        decode_image_message(message, goal=True)
    bgra[..., 3] = top  # opaque: taken
    ok, data = cv2.imencode(".png", bgra)
    assert decode_image_message(types.SimpleNamespace(format="png", data=data.tobytes()),
                                goal=True).shape == (16, 16, 3)

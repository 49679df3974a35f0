"""mend59c #3: the planner's goal topic names have one source, read once as it subscribes.

``PlannerGoalImages.goal_topic(msg)`` read the subscriptions' ``topic_name`` per message while the
node cached ``goal_image_topic``; the goal's source was cut from the compressed topic's name by
the raw one's length, which a remap of the compressed topic alone
(``-r /vjepa_planner/goal_image/compressed:=/lab/goal_png``) turned into a wrong label.
"""

from __future__ import annotations

import types

import numpy as np
import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")

from goal_image_files import InlineDecoder  # noqa: E402
from sensor_msgs.msg import CompressedImage, Image  # noqa: E402

from vjepa_ros.images import encode_compressed  # noqa: E402
from vjepa_ros.nodes.goal_images import message_key  # noqa: E402
from vjepa_ros.nodes.planner_goal_images import PlannerGoalImages  # noqa: E402

RAW, ELSEWHERE = "/vjepa_planner/goal_image", "/lab/goal_png"  # compressed remapped on its own


def _node(goals: list, errors: list):
    """Return a planner stand-in whose subscriptions answer other names than its cache."""
    node = types.SimpleNamespace(
        goal_image_topic=RAW, compressed_goal_topic=ELSEWHERE,
        goal_subscription=types.SimpleNamespace(topic_name="/stale/raw"),
        compressed_goal_subscriptions=[types.SimpleNamespace(topic_name="/stale/compressed")],
        session=types.SimpleNamespace(set_goals=goals.extend, goal_version=1, goals=None,
                                      snapshot=lambda: types.SimpleNamespace(goal="",
                                                                             enabled=False)),
        goal_images=types.SimpleNamespace(resent=types.SimpleNamespace(
            taken=lambda key: None, refuses=lambda key: False)),
        goal_frame_ids=types.SimpleNamespace(goal=lambda *args: ""),
        image_subscription=types.SimpleNamespace(topic_name="/camera/image"),
        forget_goal_files=lambda: None, worker=types.SimpleNamespace(wake=lambda: None),
        get_logger=lambda: types.SimpleNamespace(error=errors.append, warning=errors.append))
    for name in ("goal_topic", "_goal_kept", "_same_goal_image"):
        setattr(node, name, getattr(PlannerGoalImages, name).__get__(node))
    node.goal_decoder = InlineDecoder(node)  # fix59a: decoded off the executor thread by the node
    return node


def _pixels(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (64, 64, 3), dtype=np.uint8)


def test_goal_topic_is_the_cached_name_of_each_type():
    node = _node([], [])
    form, data = encode_compressed(_pixels(1), "png")
    assert node.goal_topic(CompressedImage(format=form, data=data.tobytes())) == ELSEWHERE
    assert node.goal_topic(Image(encoding="rgb8")) == RAW


def test_a_compressed_goal_on_a_separately_remapped_topic_is_labelled_compressed():
    goals, errors = [], []
    node = _node(goals, errors)
    form, data = encode_compressed(_pixels(2), "png")
    msg = CompressedImage(format=form, data=data.tobytes())
    PlannerGoalImages._take_goal_image(node, msg, key=message_key(msg, None))
    assert not errors and len(goals) == 1
    assert goals[0].source == "~/goal_image/compressed"
    assert np.array_equal(goals[0].image, _pixels(2))


def test_a_refused_compressed_goal_names_the_remapped_topic():
    goals, errors = [], []
    node = _node(goals, errors)
    msg = CompressedImage(format="png", data=b"not a png")
    PlannerGoalImages._take_goal_image(node, msg, key=message_key(msg, None))
    assert not goals and len(errors) == 1 and "\n" not in errors[0]
    assert errors[0].startswith(f"ignoring goal image on {ELSEWHERE}:"), errors[0]

"""breaker60d: model loading / preprocessing and the small nodes, attacked again (base a287ee15).

Attacked: ``vjepa_ros/models`` (checkpoint layouts, dtypes, shapes, preprocessing against
``shared/docs/vjepa2-ac-facts.md``, the encoder and predictor on odd inputs) and the small nodes
(``camera_node``, ``image_publisher``, ``bag_player``) with their wiring in ``vjepa-ros launch``.
Each test asserts what SHOULD happen and is a strict xfail until fixed. Defects (numbered as
found; the ranking by harm is in the report):

1. ``vjepa-ros launch --node image_publisher -p image_publisher.path:=goal.png
   -p image_publisher.transport:=compressed`` (a JPEG goal, as a lab whose pictures travel
   compressed sends them) is refused: "the planner's goal topic /vjepa_planner/goal_image takes
   raw sensor_msgs/Image only". Since breaker58a the planner hears compressed goals on
   ``~/goal_image/compressed`` (README, planner topics table), so the refusal is stale and its
   reason false. Should: remap the publisher's ``image/compressed`` onto
   ``/vjepa_planner/goal_image/compressed`` and start.
"""

import pytest

from vjepa_ros.nodes.node_launch import PLANNER_GOAL_IMAGE, NodeLaunch, wire_image_publisher


@pytest.mark.xfail(strict=True, reason="breaker60d #1: launch refuses a compressed goal image "
                   "publisher though the planner hears ~/goal_image/compressed")
def test_launch_wires_a_compressed_goal_image_onto_the_planners_compressed_goal_topic():
    """User: ``vjepa-ros launch --node image_publisher -p image_publisher.path:=goal.png
    -p image_publisher.transport:=compressed``. Happens: UsageError "takes raw
    sensor_msgs/Image only", nothing starts. Should: the publisher's ``image/compressed`` is
    remapped onto the planner's ``~/goal_image/compressed``, which the planner subscribes to.
    """
    publisher = NodeLaunch("image_publisher",
                           parameters={"path": "goal.png", "transport": "compressed"})
    wire_image_publisher(publisher, "/camera/camera/color/image_raw")  # planner raw camera
    assert publisher.remappings.get("image/compressed") == f"{PLANNER_GOAL_IMAGE}/compressed"

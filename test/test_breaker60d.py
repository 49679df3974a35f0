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
2. ``image_publisher -p path:=goal.tif`` (also ``goal_image_path``, ``eval --goal``) with a
   CIELab TIFF (photometric 8: Photoshop's "Lab Color" mode, a scanner's Lab output): OpenCV
   decodes it through libtiff's RGBA path with the wrong white point, so a neutral grey
   (L* 53.7, a* = b* = 0, raw bytes 137/0/0) loads as RGB [142, 131, 115], a warm tint over
   the whole picture (13.9 grey levels mean error on random colours; Pillow's conversion: 1.1),
   published and planned on without a word. Should: the file's colours (Pillow's CIELab
   conversion gives [128, 128, 128]), or a refusal naming the colour space.
3. ``vjepa-ros launch --node image_publisher`` with the image publisher's own parameter file
   (``config/image_publisher.yaml``, the file the launch starts it with; README: "a value from a
   node's own file under vjepa-ros launch") set to a stand-in camera (``qos: sensor_data``,
   ``rate_hz: 10``): ``wire_image_publisher`` reads ``qos`` from the ``-p`` overrides only
   (``publisher.parameters.get("qos", "latched")``), so the camera stand-in is wired as a goal:
   its best-effort frames are remapped onto ``/vjepa_planner/goal_image`` (which DDS never
   matches with the planner's reliable goal readers) and the planner's camera topic gets
   nothing; ``input_publishers.published_inputs`` misses it the same way (no two-publisher
   check). The planner's own ``image_transport`` is read with ``start_value`` (files too).
   Should: the start-up value, files included: the stand-in camera wired to the camera topic.
"""

import numpy as np
import pytest

from vjepa_ros.image_errors import ImageError
from vjepa_ros.image_files import load_image_file
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


@pytest.mark.xfail(strict=True, reason="breaker60d #2: a CIELab TIFF goal loads colour-shifted "
                   "(OpenCV's libtiff RGBA decoding), silently")
def test_a_cielab_tiff_loads_in_its_own_colours_or_is_refused(tmp_path):
    """User: ``image_publisher -p path:=goal.tif``, a neutral grey picture saved in Lab colour.
    Happens: it loads as [142, 131, 115] (tinted) and is published as the goal. Should: load as
    the grey it is (within 3 levels of [128, 128, 128], as Pillow converts it), or ImageError.
    """
    from PIL import Image as PILImage

    path = tmp_path / "goal_lab.tif"
    PILImage.fromarray(np.full((64, 96, 3), 128, np.uint8)).convert("LAB").save(path)
    try:
        rgb = load_image_file(path)
    except ImageError:
        return  # refused in one line: as good as decoding it right
    assert np.abs(rgb.astype(int) - 128).max() <= 3, f"neutral grey loaded as {rgb[0, 0]}"


@pytest.mark.xfail(strict=True, reason="breaker60d #3: launch wires the image publisher by its -p "
                   "qos only: a stand-in camera set in its parameter file is wired as a goal")
def test_launch_wires_a_stand_in_camera_set_in_the_publishers_own_file(tmp_path):
    """User: sets ``qos: sensor_data``, ``rate_hz: 10`` in the image publisher's parameter file
    and runs ``vjepa-ros launch --node image_publisher``. Happens: its ``image`` is remapped to
    the planner's goal topic. Should: to the planner's camera topic, as with
    ``-p image_publisher.qos:=sensor_data``.
    """
    own_file = tmp_path / "image_publisher.yaml"
    own_file.write_text("/**:\n  ros__parameters:\n    path: goal.png\n    qos: sensor_data\n"
                        "    rate_hz: 10.0\n")
    publisher = NodeLaunch("image_publisher", params_file=str(own_file))
    assert publisher.start_value("qos", "latched") == "sensor_data"  # what the node starts with
    camera_topic = "/camera/camera/color/image_raw"
    wire_image_publisher(publisher, camera_topic)
    assert publisher.remappings.get("image") == camera_topic

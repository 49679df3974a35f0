"""breaker60d: model loading / preprocessing and the small nodes, attacked again (base a287ee15).

Attacked: ``vjepa_ros/models`` (checkpoint layouts, dtypes, shapes, preprocessing against
``shared/docs/vjepa2-ac-facts.md``, the encoder and predictor on odd inputs) and the small nodes
(``camera_node``, ``image_publisher``, ``bag_player``) with their wiring in ``vjepa-ros launch``.
Each test asserts what SHOULD happen and was a strict xfail until fixed (all four fixed by
fix60d: the markers removed; the families in test_bag_player_commands.py,
test_image_colour_spaces.py, test_launch_image_publisher_files.py). Defects (numbered as
found; ranked by harm: 4, 2, 3, 1):

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
4. ``bag_player -p bag:=run1`` of a bag recorded (``ros2 bag record -a``) during a live planner
   run, played in shadow mode beside the robot (README: "A replay is for shadow mode"): with
   ``topics`` empty it republishes every topic, the planner's own commands included
   (``/target_pose`` PoseStamped set-points, ``/gripper_command``), without a word. The arm's
   controller, which listens there, follows the recording's set-points: a motion no
   ``~/enable`` asked for, while the planner's safety makes sure "inputs and goal images from a
   recording never command the arm". Should: leave the planner's command outputs out unless
   ``topics`` names them (one warning naming them), or refuse to start naming them.
"""

import numpy as np
import pytest

from vjepa_ros.image_errors import ImageError
from vjepa_ros.image_files import load_image_file
from vjepa_ros.nodes.node_launch import PLANNER_GOAL_IMAGE, NodeLaunch, wire_image_publisher


def test_launch_wires_a_compressed_goal_image_onto_the_planners_compressed_goal_topic():
    """A compressed goal image publisher is wired to the planner's compressed goal topic.

    User: ``vjepa-ros launch --node image_publisher -p image_publisher.path:=goal.png
    -p image_publisher.transport:=compressed``. Happens: UsageError "takes raw
    sensor_msgs/Image only", nothing starts. Should: the publisher's ``image/compressed`` is
    remapped onto the planner's ``~/goal_image/compressed``, which the planner subscribes to.
    """
    publisher = NodeLaunch("image_publisher",
                           parameters={"path": "goal.png", "transport": "compressed"})
    wire_image_publisher(publisher, "/camera/camera/color/image_raw")  # planner raw camera
    assert publisher.remappings.get("image/compressed") == f"{PLANNER_GOAL_IMAGE}/compressed"


def test_a_cielab_tiff_loads_in_its_own_colours_or_is_refused(tmp_path):
    """A goal file in CIELab colour loads in its own colours, or is refused.

    User: ``image_publisher -p path:=goal.tif``, a neutral grey picture saved in Lab colour.
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


def test_launch_wires_a_stand_in_camera_set_in_the_publishers_own_file(tmp_path):
    """A stand-in camera set in the publisher's own file is wired to the camera topic.

    User: sets ``qos: sensor_data``, ``rate_hz: 10`` in the image publisher's parameter file
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


def test_bag_player_does_not_replay_the_planners_recorded_commands(context, tmp_path):
    """The bag player does not send a live run's recorded set-points to the controller.

    User: ``bag_player -p bag:=run1`` (a live run's ``ros2 bag record -a``) beside the robot.
    Happens: a publisher on ``/target_pose`` sends the recorded set-points to the controller.
    Should: no publisher for the planner's command topics unless ``topics`` names them.
    """
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from rclpy.parameter import Parameter

    from vjepa_ros.nodes.bag_player import BagPlayer
    from vjepa_ros.recordings.bag_writing import write_messages
    from vjepa_ros.recordings.messages import image_message, pose_message

    start = 1_700_000_000 * 10**9
    frame, state = np.zeros((32, 32, 3), np.uint8), np.array([0.4, 0, 0.3, np.pi, 0, 0, 0])
    entries = []
    for i in range(3):
        t = start + i * 250_000_000
        entries.append(("/camera/camera/color/image_raw", "sensor_msgs/msg/Image", t,
                        image_message(frame, t, "camera_color_optical_frame")))
        entries.append(("/target_pose", "geometry_msgs/msg/PoseStamped", t + 1000,
                        pose_message(state, t + 1000, "base")))  # the planner's set-points
    bag = write_messages(tmp_path / "run1", entries)
    player = BagPlayer(context=context, parameter_overrides=[
        Parameter("bag", value=str(bag)), Parameter("start_delay_s", value=3600.0)])
    try:
        assert "/camera/camera/color/image_raw" in player.publishers_by_topic
        assert "/target_pose" not in player.publishers_by_topic, \
            "the recorded set-points are republished to the live controller"
    finally:
        player.destroy_node()

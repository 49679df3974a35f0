"""A goal image naming another camera than the frames (``robot.goal_frame_ids``, breaker56a)."""

import pytest

from vjepa_ros.robot.goal_frame_ids import GoalFrameIds, other_camera_warning, same_camera

GOAL_TOPIC, CAMERA_TOPIC = "/vjepa_planner/goal_image", "/camera/camera/color/image_raw"


@pytest.mark.parametrize("first,second", [
    ("camera_color_optical_frame", "camera_color_optical_frame"),
    ("/camera_color_optical_frame", "camera_color_optical_frame"),  # tf2 strips the "/"
    ("camera_color_optical_frame", "camera_color_frame"),
    ("camera_link", "camera_color_optical_frame"),  # the body and its colour sensor
    ("zed_left_camera_optical_frame", "zed_left_camera_frame"),
])
def test_one_camera_under_its_frame_names(first, second):
    assert same_camera(first, second) and same_camera(second, first)
    assert other_camera_warning(first, second, GOAL_TOPIC, CAMERA_TOPIC) == ""


@pytest.mark.parametrize("goal,camera", [
    ("wrist_color_optical_frame", "exterior_left_color_optical_frame"),
    ("camera2_color_optical_frame", "camera_color_optical_frame"),
    ("exterior_right_color_optical_frame", "exterior_left_color_optical_frame"),
    ("camera_depth_optical_frame", "camera_color_optical_frame"),  # another sensor of it
])
def test_another_camera_is_warned_naming_both_ids(goal, camera):
    said = other_camera_warning(goal, camera, GOAL_TOPIC, CAMERA_TOPIC)
    assert f"'{goal}'" in said and f"'{camera}'" in said and GOAL_TOPIC in said
    assert "~/capture_goal" in said and CAMERA_TOPIC in said


@pytest.mark.parametrize("goal,camera", [("", "camera_color_optical_frame"),
                                         ("wrist_color_optical_frame", ""), (" ", "x")])
def test_an_empty_frame_id_is_no_evidence(goal, camera):
    assert other_camera_warning(goal, camera, GOAL_TOPIC, CAMERA_TOPIC) == ""


def test_a_goal_before_the_first_frame_is_judged_at_that_frame_once():
    ids = GoalFrameIds()
    assert ids.goal(1, "wrist_color_optical_frame", GOAL_TOPIC, CAMERA_TOPIC) == ""
    assert ids.camera("", 1, GOAL_TOPIC, CAMERA_TOPIC) == ""  # an unnamed frame: no evidence
    said = ids.camera("exterior_left_color_optical_frame", 1, GOAL_TOPIC, CAMERA_TOPIC)
    assert "wrist_color_optical_frame" in said and "exterior_left_color_optical_frame" in said
    assert ids.camera("exterior_left_color_optical_frame", 1, GOAL_TOPIC, CAMERA_TOPIC) == ""
    # frames known now: the next goal is judged at once
    assert ids.goal(2, "wrist_color_optical_frame", GOAL_TOPIC, CAMERA_TOPIC)
    assert ids.goal(3, "exterior_left_color_optical_frame", GOAL_TOPIC, CAMERA_TOPIC) == ""


def test_a_goal_replaced_before_the_first_frame_is_not_judged():
    ids = GoalFrameIds()
    ids.goal(1, "wrist_color_optical_frame", GOAL_TOPIC, CAMERA_TOPIC)
    # ~/capture_goal or a goal file set goal version 2 meanwhile
    assert ids.camera("exterior_left_color_optical_frame", 2, GOAL_TOPIC, CAMERA_TOPIC) == ""


# camera frame ids labs' drivers stamp (ZED, Azure Kinect, iai_kinect2, a named RealSense, an
# OAK-D, a tf-prefixed wrist camera, a second RealSense in a DROID-like cell)
LAB_CAMERA_IDS = ["zed_left_camera_optical_frame", "rgb_camera_link", "kinect2_rgb_optical_frame",
                  "d435_color_optical_frame", "oak_rgb_camera_optical_frame",
                  "/panda/wrist_camera_color_optical_frame", "exterior_left_color_optical_frame"]


@pytest.mark.parametrize("camera", LAB_CAMERA_IDS)
def test_the_image_publishers_default_frame_id_is_no_evidence(camera):
    """The README's goal route (image_publisher, default frame_id) is silent for any camera."""
    from vjepa_ros.nodes.image_publisher_config import ImagePublisherConfig

    default = ImagePublisherConfig(path="goal.png").frame_id
    for goal in (default, "/" + default):
        assert other_camera_warning(goal, camera, GOAL_TOPIC, CAMERA_TOPIC) == ""
    ids = GoalFrameIds()  # latched before the camera runs: judged at its first frame
    assert ids.goal(1, default, GOAL_TOPIC, CAMERA_TOPIC) == ""
    assert ids.camera(camera, 1, GOAL_TOPIC, CAMERA_TOPIC) == ""
    # a goal stamped with another camera's name is still warned, and this camera's is not
    other = "wrist_color_optical_frame"
    assert f"'{other}'" in other_camera_warning(other, camera, GOAL_TOPIC, CAMERA_TOPIC)
    assert other_camera_warning(camera, camera, GOAL_TOPIC, CAMERA_TOPIC) == ""

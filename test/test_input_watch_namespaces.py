"""A silent input's hint never offers another robot's topic as the plain fix (user33).

Two arms in one domain: a topic outside the planner's namespace (its own, or the one of the
topic it listens on) is named only as possibly another robot's, for every input it watches.
"""

import pytest

from vjepa_ros.nodes.input_watch import InputWatch

IMAGE, STATES, POSE = ("sensor_msgs/msg/Image", "sensor_msgs/msg/JointState",
                       "geometry_msgs/msg/PoseStamped")


def watch(what, topic, msg_type, namespace="/", unlikely=""):
    return InputWatch(what, topic, msg_type, "set it: -r x:={topic}", started=0.0,
                      namespace=namespace, unlikely=unlikely)


@pytest.mark.parametrize("what, topic, msg_type, other", [
    ("camera image", "/arm1/camera/color/image_raw", IMAGE, "/arm2/camera/color/image_raw"),
    ("joint state", "/arm1/joint_states", STATES, "/arm2/joint_states"),
    ("robot pose", "/arm1/current_pose", POSE, "/arm2/current_pose"),
])
def test_a_namespaced_planner_is_offered_another_robots_topic_only_as_such(
        what, topic, msg_type, other):
    hint = watch(what, topic, msg_type, namespace="/arm1").hint({other: [msg_type]})
    assert hint.startswith(f"{other} is outside this robot's namespace /arm1: it may be "
                           f"another robot's {what}; if it is this robot's, set it"), hint
    assert f"is the {what} on" not in hint


def test_a_topic_in_the_planners_namespace_is_preferred_over_a_closer_name_elsewhere():
    graph = {"/arm2/joint_states": [STATES], "/arm1/franka/joint_states": [STATES]}
    hint = watch("joint state", "/arm1/joint_states", STATES, namespace="/arm1").hint(graph)
    assert hint == ("is the joint state on /arm1/franka/joint_states? set it: -r "
                    "x:=/arm1/franka/joint_states")


def test_a_planner_in_no_namespace_on_a_namespaced_topic_takes_that_robots_namespace():
    # vjepa-ros launch --joint-states-topic /arm1/franka/joint_states (no namespace option)
    hint = watch("joint state", "/arm1/franka/joint_states", STATES).hint(
        {"/arm2/franka/joint_states": [STATES]})
    assert "outside this robot's namespace /arm1: it may be another robot's" in hint


def test_the_list_without_a_similar_name_sets_other_namespaces_apart():
    graph = {"/arm1/wrist/rgb": [IMAGE], "/arm2/cam/frames": [IMAGE]}
    hint = watch("camera image", "/arm1/camera/color/image_raw", IMAGE, "/arm1").hint(graph)
    assert hint == ("Image topics with a publisher: /arm1/wrist/rgb; Image topics outside "
                    "this robot's namespace /arm1 (maybe another robot's): /arm2/cam/frames; "
                    "set it: -r x:=<topic>")


def test_a_planner_in_no_namespace_on_plain_topics_keeps_the_plain_fix():
    hint = watch("joint state", "/joint_states", STATES).hint(
        {"/franka/joint_states": [STATES]})
    assert hint == "is the joint state on /franka/joint_states? set it: -r x:=/franka/joint_states"
    # the default camera topic and the camera elsewhere: one robot, not /camera's
    hint = watch("camera image", "/camera/camera/color/image_raw", IMAGE).hint(
        {"/wrist/color/image_raw": [IMAGE]})
    assert hint == "is the camera image on /wrist/color/image_raw? set it: -r " \
        "x:=/wrist/color/image_raw"


@pytest.mark.parametrize("topic, other, namespace", [
    ("/lab/arm1/camera/image", "/lab/arm2/camera/image", "/lab/arm1"),  # nested
    ("/arm1/camera/color/image_raw", "/arm2/camera/color/image_rect_raw", "/arm1"),
    ("/arm1/joint_states", "/arm2/franka/joint_states", "/arm1"),  # deeper
    ("/arm1/camera/color/image_raw", "/arm2/wrist/rgb", "/arm1"),  # a numbered sibling
])
def test_a_planner_in_no_namespace_names_the_robot_part_another_topic_replaces(
        topic, other, namespace):
    hint = watch("camera image", topic, IMAGE).hint({other: [IMAGE]})
    assert f"is the camera image on {other}?" not in hint, hint
    assert f"outside this robot's namespace {namespace} (maybe another robot's)" in hint or \
        hint.startswith(f"{other} is outside this robot's namespace {namespace}: it may be "
                        "another robot's camera image"), hint


@pytest.mark.parametrize("other", [
    "/camera/camera/color/image_rect_raw",  # beside the listened topic
    "/arm1/camera/color/image_raw",  # in the node's own namespace
    "/camera/color/image_raw",  # a part left out: the same driver, one namespace less
])
def test_a_namespaced_planner_listening_outside_it_keeps_the_plain_fix(other):
    # ros2 launch vjepa_ros vjepa_mpc.launch.py namespace:=arm1 camera:=true
    hint = watch("camera image", "/camera/camera/color/image_raw", IMAGE, "/arm1").hint(
        {other: [IMAGE]})
    assert hint == f"is the camera image on {other}? set it: -r x:={other}"


def test_a_namespaced_planner_listening_outside_it_sets_a_sibling_robots_topic_apart():
    hint = watch("camera image", "/camera/camera/color/image_raw", IMAGE, "/arm1").hint(
        {"/arm2/camera/camera/color/image_raw": [IMAGE],
         "/camera/camera/color/image_rect_raw": [IMAGE]})
    assert hint.startswith("is the camera image on /camera/camera/color/image_rect_raw?"), hint
    hint = watch("camera image", "/camera/camera/color/image_raw", IMAGE, "/arm1").hint(
        {"/arm2/camera/camera/color/image_raw": [IMAGE]})
    assert hint.startswith("/arm2/camera/camera/color/image_raw is outside this robot's "
                           "namespace /arm1: it may be another robot's"), hint

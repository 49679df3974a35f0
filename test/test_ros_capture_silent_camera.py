"""``~/capture_goal`` (and ``~/add_subgoal``) refused on a silent camera say where frames may be.

Over ROS with the planner harness (listening on ``/cam/image``, remapped from ``image``): a
capture before any frame came names that topic and, in the same line, the image topics with a
publisher in the graph (the silent camera's diagnostics words, ``InputWatch.none_yet_hint``),
at once, not only after the 5 s silence the diagnostics wait for.
"""

import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from sensor_msgs.msg import Image  # noqa: E402
from std_srvs.srv import Trigger  # noqa: E402
from test_ros_planner_node import checkpoint, frame, harness  # noqa: E402,F401

from vjepa_ros.images import rgb_to_image_fields  # noqa: E402
from vjepa_ros.nodes.graph_publishers import published_topics  # noqa: E402
from vjepa_ros.nodes.input_watch import InputWatch  # noqa: E402

IMAGE = "sensor_msgs/msg/Image"
GOAL = "/vjepa_planner/goal_image"  # the tester's goal image publisher (planner_harness)
REFUSED = ("{service} refused: no camera frame received yet; check the camera topic "
           "(/cam/image), then call it again; ")


def _graph_holds(h, wanted):
    """Spin until the planner's graph shows exactly ``wanted`` image topics with a publisher.

    The planner's own (its debug image) are never listed; the tester's goal image topic is (the
    hint never offers it: the planner reads it as goals).
    """
    return h.pump(6.0, image=None, until=lambda: sorted(
        published_topics(h.planner, {IMAGE})) == sorted(wanted))


def test_a_capture_on_a_silent_camera_names_its_topic_and_the_published_ones(harness):  # noqa: F811
    h = harness()
    wrong = h.node.create_publisher(Image, "/image", 10)  # the camera left on its own name
    h.extra = [(wrong, Image(**rgb_to_image_fields(frame(1))))]
    assert _graph_holds(h, ["/cam/image", "/image", GOAL])
    for service in ("capture_goal", "add_subgoal"):
        answer = h.call(Trigger, f"/vjepa_planner/{service}", Trigger.Request())
        assert not answer.success
        assert answer.message == REFUSED.format(service=f"~/{service}") + (
            "is the camera image on /image? set it: vjepa-ros launch --camera-topic /image "
            "(ros2 run: -r image:=/image)"), answer.message

    # only the tester's own publisher on /cam/image, sending nothing (and the goal image's,
    # which the planner reads as goals: never offered as the camera)
    h.extra = []
    h.node.destroy_publisher(wrong)
    assert _graph_holds(h, ["/cam/image", GOAL])
    answer = h.capture()
    assert answer.message == REFUSED.format(service="~/capture_goal") + (
        "/cam/image has a publisher that sends nothing (not started yet, finished, or a QoS "
        "it does not offer)"), answer.message

    # no image topic published but the goal image's
    h.node.destroy_publisher(h.image_pub)
    assert _graph_holds(h, [GOAL])
    answer = h.capture()
    assert answer.message == REFUSED.format(service="~/capture_goal") + (
        "no sensor_msgs/msg/Image topic with a publisher in the ROS graph can be the camera "
        "image (is its driver running? if it publishes elsewhere, set it: vjepa-ros launch "
        "--camera-topic <topic> (ros2 run: -r image:=<topic>))"), answer.message
    assert "\n" not in answer.message and h.session.goals is None


def test_the_hint_is_given_before_the_silence_and_never_once_frames_came():
    watch = InputWatch("camera image", "/camera/color/image_raw", IMAGE,
                       "set it: --camera-topic {topic}", started=100.0)
    published = {"/camera/camera/color/image_raw": [IMAGE], "/other": ["std_msgs/msg/String"]}
    assert watch.problem(100.5, published) == ""  # the diagnostics wait SILENT_S
    assert watch.none_yet_hint(published) == (
        "is the camera image on /camera/camera/color/image_raw? set it: --camera-topic "
        "/camera/camera/color/image_raw")
    assert watch.none_yet_hint({}).startswith(f"no {IMAGE} topic with a publisher in the ROS "
                                              "graph can be the camera image")
    watch.others = ("/camera/camera/color/image_raw",)  # the node's own goal topic, say
    assert watch.none_yet_hint(published).startswith(f"no {IMAGE} topic with a publisher")
    watch.arrived(101.0)  # frames came (a stale stream is another refusal's words)
    assert watch.none_yet_hint(published) == ""

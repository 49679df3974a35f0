"""review59r: defects found reviewing the day's first merges (base59..base59i), as strict xfails.

1. fix59a's goal decoder (``robot/goal_decoder.GoalDecoder``) drops the outcome of a decode
   that a newer request superseded while it ran, and every goal image that arrives on
   ``~/goal_image`` (or ``/compressed``) is a newer request. A goal published again and again
   (``image_publisher`` at its default 10 Hz, ``ros2 topic pub -r 5``, image_transport's
   compressed copy of it) at a period shorter than its decode (a 4032x3024 JPEG: 0.5-0.85 s on
   this machine) never becomes the goal: each decode is superseded by the next copy, and the
   planner says nothing. Before fix59a each copy was decoded on the executor and the first one
   became the goal. Where: ``GoalDecoder._run`` (``ticket != self._ticket``: dropped) with
   ``PlannerGoalImages._take_goal_image`` submitting every arrival. Fix: let a decode in flight
   finish and be applied unless ``cancel()`` (a goal set another way) came, and decode the
   newest waiting request after it; or skip a request whose message_key digest equals the one
   decoding.
2. mend59a's ROS network line (``ros_environment.discovery_range``) upper-cases
   ``ROS_AUTOMATIC_DISCOVERY_RANGE`` and says any other value as it is, where rcl compares the
   value exactly (``strcmp`` with "OFF", "LOCALHOST", "SUBNET", "SYSTEM_DEFAULT") and takes any
   other one, lower case included, as LOCALHOST ("Invalid value 'subnet' specified for
   'ROS_AUTOMATIC_DISCOVERY_RANGE', assuming localhost only", seen from this environment's
   rclpy). ``ROS_AUTOMATIC_DISCOVERY_RANGE=subnet vjepa-ros launch`` prints "discovery SUBNET
   (this network)" while the nodes are reachable from this machine only: the one line meant to
   tell a user what to set says the opposite of what holds. Fix: compare exactly, and report
   LOCALHOST for any other non-empty value (naming the value rcl refused). Fixed by fix59r2
   (which also reads ``ROS_LOCALHOST_ONLY`` per rcl version: Kilted's rcl 10 no longer does).
3. fix59a checks a goal file set at run time by its header only, so a file only the decode
   refuses (transparent pixels, pixel data cut short) is accepted by the set (``ros2 param set``
   answers "Set parameter successful") and is refused later in a log line; the goal stays the
   previous one, but ``goal_image_path`` keeps naming the refused file: ``ros2 param get`` and
   a later ``goal_steps`` set describe a goal that is not in force. README ("Each value is
   checked on its own when it is set ... every file must load ...; a refusal answers
   ``successful: false`` ... and the goal is unchanged"; "The goal parameters describe the goal
   from files only") and test_breaker46t (red at base59i) still say the set is refused. Where:
   ``PlannerGoals._on_set_parameters`` (``decode=False``) and ``_apply_goal_files`` (its error
   branch leaves ``goal_values`` and the parameter). Fix: on a decode refusal set the file
   parameter back to the value of the goal in force (as ``forget_goal_files`` sets them, under
   ``forgetting``), saying so in the error line; update README and test_breaker46t.
"""

from __future__ import annotations

import time

import pytest
from planner_harness import WAIT_SLACK, checkpoint, frame, harness  # noqa: F401

from vjepa_ros.ros_environment import discovery_range, ros_network_line


def test_a_goal_image_republished_faster_than_it_decodes_becomes_the_goal(
        harness, monkeypatch):  # noqa: F811
    """The same goal image, published again while its previous copy is still decoding.

    The decode is made to last until the next copy has reached the decoder (a decode longer
    than the publish period, as a phone photo at image_publisher's 10 Hz), bounded by 3 s; the
    copies go out every 0.2 s for up to 6 s. The goal must be taken from one of them meanwhile.
    """
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from sensor_msgs.msg import Image

    import vjepa_ros.nodes.planner_goal_images as planner_goal_images
    from vjepa_ros.images import rgb_to_image_fields

    h = harness()
    h.pump(1.0)
    decoder = h.planner.goal_decoder
    submitted, real_submit = [0], decoder.submit

    def counting_submit(what, decode):
        submitted[0] += 1
        return real_submit(what, decode)

    monkeypatch.setattr(decoder, "submit", counting_submit)
    real_decode, decodes = planner_goal_images._decoded_goal_image, []

    def slow_decode(msg):  # longer than the publish period: until the next copy was submitted
        mine, deadline = submitted[0], time.monotonic() + 3.0
        while submitted[0] == mine and time.monotonic() < deadline:
            time.sleep(0.005)
        decodes.append(submitted[0] > mine)
        return real_decode(msg)

    monkeypatch.setattr(planner_goal_images, "_decoded_goal_image", slow_decode)
    version, message = h.session.goal_version, Image(**rgb_to_image_fields(frame(9)))
    deadline = time.monotonic() + 6.0 * WAIT_SLACK
    while h.session.goal_version == version and time.monotonic() < deadline:
        h.goal_pub.publish(message)
        h.pump(0.2)
        if submitted[0] >= 12 and len(decodes) >= 10:
            break
    assert any(decodes), "no copy came while one decoded: the test did not exercise the case"
    assert h.session.goal_version != version, (
        f"{submitted[0]} copies of the goal image reached the decoder, {len(decodes)} decoded, "
        "none became the goal")


@pytest.mark.parametrize("value", ["subnet", "off", "Subnet", "bogus", "SUBNET "])
def test_a_discovery_range_rcl_refuses_is_said_as_localhost(value):
    """As rcl reads it: Jazzy's ``rcl_get_automatic_discovery_range`` compares exactly."""
    environ = {"ROS_DOMAIN_ID": "18", "ROS_AUTOMATIC_DISCOVERY_RANGE": value}
    assert discovery_range(environ) == "LOCALHOST"
    line = ros_network_line(environ)
    assert "discovery LOCALHOST" in line and "this machine only" in line, line
    assert f"rcl refuses ROS_AUTOMATIC_DISCOVERY_RANGE={value!r}" in line, line


@pytest.mark.parametrize("value, said", [("", "SUBNET"), ("SUBNET", "SUBNET"),
                                         ("LOCALHOST", "LOCALHOST"), ("OFF", "OFF"),
                                         ("SYSTEM_DEFAULT", "SYSTEM_DEFAULT")])
def test_the_discovery_ranges_rcl_takes_are_said_as_they_are(value, said):
    """Held: rcl's own values, and unset (SUBNET), are said as rcl reads them."""
    assert discovery_range({"ROS_AUTOMATIC_DISCOVERY_RANGE": value}) == said
    # ROS_LOCALHOST_ONLY=1 (deprecated, honoured) overrides the range on Iron and Jazzy (rcl
    # 6..9); Kilted's rcl 10 (this environment's wheels) no longer reads it (ros2/rcl#1169)
    environ = {"ROS_LOCALHOST_ONLY": "1", "ROS_AUTOMATIC_DISCOVERY_RANGE": value}
    assert discovery_range(environ, rcl=9) == "LOCALHOST"
    assert discovery_range(environ, rcl=10) == said


def test_clear_goals_while_a_goal_image_decodes_leaves_no_goal(harness, monkeypatch):  # noqa: F811
    """Held: ``~/clear_goals`` answered while a ``~/goal_image`` still decodes drops that image.

    The decode is held until the clear was answered; the image must not become the goal after.
    """
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    import threading

    from sensor_msgs.msg import Image
    from std_srvs.srv import Trigger

    import vjepa_ros.nodes.planner_goal_images as planner_goal_images
    from vjepa_ros.images import rgb_to_image_fields

    h = harness()
    h.pump(1.0)
    started, release = threading.Event(), threading.Event()
    real_decode = planner_goal_images._decoded_goal_image

    def held_decode(msg):
        started.set()
        release.wait(10.0 * WAIT_SLACK)
        return real_decode(msg)

    monkeypatch.setattr(planner_goal_images, "_decoded_goal_image", held_decode)
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(9))))
    assert h.pump(5.0, until=started.is_set), "the goal image never reached the decoder"
    client = h.node.create_client(Trigger, "/vjepa_planner/clear_goals")
    try:  # (not h.call: it waits for the decoder to be idle, which the held decode is not)
        assert client.wait_for_service(timeout_sec=10.0 * WAIT_SLACK)
        future = client.call_async(Trigger.Request())
        h.pump(10.0, until=future.done)
    finally:
        release.set()
    assert future.done(), "~/clear_goals did not answer"
    answer = future.result()
    assert answer.success, answer.message
    version = h.session.goal_version
    assert h.pump(5.0, until=lambda: h.planner.goal_decoder.idle())
    h.pump(0.5)
    assert h.session.goal_version == version and h.session.goals is None


def test_a_goal_file_the_decode_refuses_is_not_left_in_the_parameter(harness, tmp_path):  # noqa: F811
    """``ros2 param set /vjepa_planner goal_image_path half_transparent.png`` after a good one.

    Either the set is refused (README) or, refused by the decode after the set, the parameter
    names the goal file in force again: never a parameter that describes no goal.
    """
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    import numpy as np
    from PIL import Image as PILImage
    from test_ros_planner_goals import set_goal_param

    h = harness()
    h.pump(1.0)
    good = tmp_path / "good.png"
    PILImage.fromarray(frame(5)).save(good)
    alpha = np.full((48, 64), 255, np.uint8)
    alpha[:24] = 0  # half the pixels transparent (breaker46t's transp.png)
    rgba = np.dstack([frame(6), alpha])
    bad = tmp_path / "half_transparent.png"
    PILImage.fromarray(rgba, "RGBA").save(bad)
    assert set_goal_param(h, "goal_image_path", str(good)).successful
    (goal,) = h.session.goals.goals
    np.testing.assert_array_equal(goal.image, frame(5))
    version = h.session.goal_version
    result = set_goal_param(h, "goal_image_path", str(bad))  # (h.call: until decoded)
    h.pump(0.5)
    assert h.session.goal_version == version, "the refused file changed the goal"
    in_force = h.planner.get_parameter("goal_image_path").value
    assert not result.successful or in_force == str(good), (
        f"set answered successful, goal from {good.name}, goal_image_path now {in_force}")

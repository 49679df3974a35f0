"""A bag player started behind a relay that already runs is seen on the next input message.

Before session 30 a player upstream of a running relay (``ros2 bag play`` onto the topic an
``image_transport republish`` turns into the camera topic) added no publisher to the input:
only the 2 Hz graph check saw it (session 29's notes), so a plan on its frames could be
commanded meanwhile. Input messages now count the relays' upstream topics' publishers
(``robot.upstream_watch``) and ask the graph at once when they change.
"""

import time

import pytest

from vjepa_ros.robot.upstream_watch import UpstreamWatch

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from rclpy.qos import qos_profile_sensor_data  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402
from test_ros_planner_node import checkpoint, harness  # noqa: E402, F401
from test_ros_recorded_inputs_round2 import _without_the_2hz_check  # noqa: E402


def test_the_watch_asks_when_an_upstream_count_changes_at_most_every_recheck():
    watch = UpstreamWatch(recheck_s=0.05, unnamed_s=2.0)
    assert not watch.due(0.0), "no relay: nothing to watch"
    watch.reset({"/cam/compressed": 1}, set(), now=10.0)
    assert not watch.due(10.01) and watch.due(10.05)
    assert not watch.changed({"/cam/compressed": 1}, 10.05)
    assert not watch.due(10.06), "looked at 10.05"
    assert watch.changed({"/cam/compressed": 2}, 10.1), "a player joined the relay's input"


def test_an_unnamed_upstream_publisher_is_asked_about_again_for_a_while_only():
    watch = UpstreamWatch(recheck_s=0.05, unnamed_s=2.0)
    watch.reset({"/up": 2}, {"/up"}, now=10.0)
    assert watch.changed({"/up": 2}, 10.1), "not named yet: ask the graph again"
    watch.reset({"/up": 2}, {"/up"}, now=10.1)
    assert watch.changed({"/up": 2}, 11.0)
    watch.reset({"/up": 2}, {"/up"}, now=12.5)  # unnamed since 10.0: 2.5 s (a DDS bridge)
    assert not watch.changed({"/up": 2}, 12.6), "never named: left to the 2 Hz check"
    watch.reset({"/up": 2}, set(), now=13.0)
    watch.reset({"/up": 3}, {"/up"}, now=14.0)  # a new unnamed one later: asked again
    assert watch.changed({"/up": 3}, 14.1)


def test_a_player_started_behind_a_running_relay_holds_without_the_2hz_check(harness):  # noqa: F811
    h = harness()
    relay = rclpy.create_node("image_republisher", context=h.context)  # republish, running
    relay.create_subscription(Image, "/cam/compressed_in", lambda msg: None,
                              qos_profile_sensor_data)
    relay.create_publisher(Image, "/cam/image", qos_profile_sensor_data)  # silent here
    nodes = [relay]
    try:
        assert h.pump(5.0, until=lambda: h.session.frame is not None)
        assert h.capture().success and h.enable().success
        assert h.pump(20.0, until=lambda: len(h.got["pose"]) >= 3), h.diagnostics()[1]
        h.planner._check_recorded_inputs()  # the relay is known: its upstream watched
        assert h.planner.sources.upstream.counts == {"/cam/compressed_in": 0}
        _without_the_2hz_check(h)
        player = rclpy.create_node("rosbag2_player", context=h.context)
        nodes.append(player)
        player.create_publisher(Image, "/cam/compressed_in", qos_profile_sensor_data)
        deadline = time.monotonic() + 20.0
        while time.monotonic() < deadline and not h.session.recorded_inputs:
            h.pump(0.2)
        assert ("camera images on /cam/image come from a bag player (/image_republisher "
                "(relaying /cam/compressed_in from /rosbag2_player))") in \
            h.session.recorded_inputs, "a player behind a running relay: unseen without 2 Hz"
    finally:
        for node in nodes:
            node.destroy_node()

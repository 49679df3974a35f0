"""Inputs a bag player published, round 3 (breaker 28d): false holds of the round-2 rules.

Each test is a strict xfail while the planner node still does what its comment names; the
comment says what happened and what is expected.
"""

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from rclpy.qos import qos_profile_sensor_data  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402
from test_ros_planner_node import checkpoint, harness  # noqa: E402, F401


@pytest.mark.xfail(strict=True, reason="breaker28d: a relay's gid stays in player_gids after "
                   "the player goes; its live frames are dropped for good")
def test_a_relay_of_a_player_that_stopped_passes_live_frames_again(harness):  # noqa: F811
    # image_transport republish (node image_republisher) relays /cam/image_raw onto the
    # planner's camera topic. A bag plays /cam/image_raw for a while (the relay counts as a
    # player: its publisher gid goes into PlannerNode.player_gids), then the bag ends and the
    # live driver publishes /cam/image_raw again; the relay node, its publisher and gid stay.
    # Happened: recorded_inputs clears, but _from_stopped_player drops every frame from the
    # relay's gid for ever (gid in player_gids and no recording now): no frame reaches the
    # session, nothing is logged; the node says "no camera image received yet" forever.
    # Expected: once the graph no longer shows a player upstream, the relay's frames are live.
    h = harness()
    player = rclpy.create_node("rosbag2_player", context=h.context)
    relay = rclpy.create_node("image_republisher", context=h.context)
    live = h.image_pub
    try:
        player.create_publisher(Image, "/cam/image_raw", qos_profile_sensor_data)
        relay.create_subscription(Image, "/cam/image_raw", lambda msg: None,
                                  qos_profile_sensor_data)
        h.image_pub = relay.create_publisher(Image, "/cam/image", qos_profile_sensor_data)
        h.node.destroy_publisher(live)  # the relay is the only camera publisher
        assert h.pump(10.0, until=lambda: "image_republisher" in h.session.recorded_inputs)
        assert h.pump(5.0, until=lambda: h.session.frames_received > 0)
        player.destroy_node()  # the bag ended (the live driver takes over upstream)
        player = None
        assert h.pump(10.0, until=lambda: not h.session.recorded_inputs)
        before = h.session.frames_received
        # 5 s at most (pump's bound is seconds * WAIT_SLACK); ends on the first frame
        assert h.pump(0.5, until=lambda: h.session.frames_received > before), \
            "the relay's live frames are dropped as a stopped player's"
        assert h.session.frame is not None
    finally:
        if player is not None:
            player.destroy_node()
        relay.destroy_node()

"""A bag player under another node name is still a recording (session 29).

``ros2 bag play`` started from a launch file as ``Node(..., name="replay")``, or any player
started with ``-r __node:=replay``, publishes the camera under a name the node-name rule did
not know: the graph check found no player and, the driver stopped, the planner commanded from
the recording. Here this package's ``bag_player`` is started as ``/replay`` onto the planner's
camera topic (it offers ``~/vjepa_ros_bag_player``; a rosbag2 player is known by its
rosbag2_interfaces services: ``test_graph_players_by_service``).
"""

import time

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from rclpy.parameter import Parameter  # noqa: E402
from test_ros_planner_node import WAIT_SLACK, checkpoint, harness  # noqa: E402, F401

from conftest import write_test_bag  # noqa: E402
from vjepa_ros.nodes.bag_player import BagPlayer  # noqa: E402


def test_this_packages_player_renamed_onto_the_camera_topic_is_a_recording(harness, tmp_path):  # noqa: F811
    h = harness()
    bag = write_test_bag(tmp_path / "bag")
    player = BagPlayer(context=h.context, cli_args=[
        "--ros-args", "-r", "__node:=replay", "-r", "/camera/camera/color/image_raw:=/cam/image"],
        parameter_overrides=[Parameter("bag", value=str(bag)),
                             Parameter("start_delay_s", value=600.0)])  # publishes nothing
    try:
        deadline = time.monotonic() + 5.0 * WAIT_SLACK
        while time.monotonic() < deadline and "replay" not in {
                info.node_name for info in h.planner.get_publishers_info_by_topic("/cam/image")}:
            h.executor.spin_once(timeout_sec=0.02)
        h.planner._check_recorded_inputs()  # the 2 Hz graph check, now
        assert "camera images on /cam/image come from a bag player (/replay)" in \
            h.session.recorded_inputs, h.session.recorded_inputs
    finally:
        player.destroy_node()

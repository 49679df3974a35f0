"""fix61misc #2: a replayed bag's recorded hand opening against the planner's.

A bag written by ``vjepa-ros record`` / ``bag-from-npz`` / ``write_bag`` records the full
opening its fingers were written at (``metadata.yaml`` ``custom_data``, e.g. 0.07 m). Replayed
by ``bag_player`` beside a planner at its default ``robot.gripper_max_width`` 0.08, the planner
read a fully open 0.07 m hand as 0.125 closed, and nothing said so. Now ``vjepa-ros launch``,
which holds both start-up values, refuses the pair in one line; the player alone warns with the
``-p`` to give the planner.
"""

import numpy as np
import pytest
from test_bag_player_commands import warnings  # noqa: F401 (the player's warnings, collected)

from vjepa_ros.config import UsageError
from vjepa_ros.nodes.node_launch import NodeLaunch
from vjepa_ros.recordings.played_hand import check_bag_hand, player_hand_line

FINGERS = "/franka_gripper/joint_states"


def _bag(path, width: float):
    """Write a 3-frame bag whose hand was written at ``width`` [m] (recorded in metadata)."""
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bag_writing import write_bag

    states = np.tile(np.array([0.4, 0.0, 0.3, np.pi, 0.0, 0.0, 0.0]), (3, 1))
    return write_bag(path, np.zeros((3, 32, 32, 3), np.uint8), states,
                     topics=BagTopics(gripper_max_width=width))


def _launch(bag, planner: dict | None = None, player: dict | None = None) -> str:
    """Return the launch's refusal of this planner beside a player of ``bag`` ('' passes)."""
    try:
        check_bag_hand([NodeLaunch("planner", parameters=planner or {}),
                        NodeLaunch("bag_player", parameters={"bag": str(bag), **(player or {})})])
    except UsageError as refused:
        return str(refused)
    return ""


def test_launch_refuses_a_planner_reading_the_fingers_at_another_opening(tmp_path):
    bag = _bag(tmp_path / "hand07", 0.07)
    line = _launch(bag)
    assert "records its hand's full opening 0.07 m for /franka_gripper/joint_states" in line, line
    assert "planner.robot.gripper_max_width is 0.08 (the packaged default" in line, line
    assert line.endswith("give -p planner.robot.gripper_max_width:=0.07 with this bag"), line
    assert "\n" not in line
    # the planner at the bag's opening (a 4-decimal rounding of it too) passes
    assert _launch(bag, {"robot.gripper_max_width": 0.07}) == ""
    assert _launch(bag, {"robot.gripper_max_width": 0.07004}) == ""
    # a bag at the default opening beside a planner set for another hand: refused as well
    line = _launch(_bag(tmp_path / "hand08", 0.08), {"robot.gripper_max_width": 0.07})
    assert "0.08 m for" in line and "is 0.07 (-p planner.robot.gripper_max_width)" in line, line


def test_the_record_counts_only_when_its_finger_topic_is_played(tmp_path):
    bag = _bag(tmp_path / "hand07", 0.07)
    camera = "/camera/camera/color/image_raw"
    assert _launch(bag, player={"topics": camera}) == ""  # no fingers replayed
    assert _launch(bag, player={"topics": f"{camera},{FINGERS}"})
    assert _launch(tmp_path / "missing") == ""  # the player's own start refuses it


def test_the_players_warning_names_the_planners_parameter(tmp_path):
    bag = _bag(tmp_path / "hand07", 0.07)
    types = {FINGERS: "sensor_msgs/msg/JointState", "/camera": "sensor_msgs/msg/Image"}
    line = player_hand_line(bag, types, [FINGERS, "/camera"])
    assert "0.07 m for /franka_gripper/joint_states" in line, line
    assert "-p robot.gripper_max_width:=0.07" in line, line
    assert "-p planner.robot.gripper_max_width:=0.07" in line, line
    assert player_hand_line(bag, types, ["/camera"]) == ""  # its fingers not played
    assert player_hand_line(_bag(tmp_path / "hand08", 0.08), types, [FINGERS]) == ""


def test_the_bag_player_node_warns_of_the_recorded_opening(context, tmp_path,
                                                           warnings):  # noqa: F811
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from rclpy.parameter import Parameter

    from vjepa_ros.nodes.bag_player import BagPlayer

    player = BagPlayer(context=context, parameter_overrides=[
        Parameter("bag", value=str(_bag(tmp_path / "hand07", 0.07))),
        Parameter("start_delay_s", value=3600.0)])
    player.destroy_node()
    said = [line for line in warnings if "full opening 0.07 m" in line]
    assert len(said) == 1 and "-p robot.gripper_max_width:=0.07" in said[0], warnings

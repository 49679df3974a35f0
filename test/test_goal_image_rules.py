"""The publisher rules of goal images on ~/goal_image (robot/goal_image_rules.py), without rclpy.

The planner node asks the ROS graph; these rules decide from its answer whether an image is
taken, waits for the graph, or is ignored with one warning naming the topic and what to do.
"""

import pytest

from vjepa_ros.robot.goal_image_rules import IGNORE, TAKE, WAIT, goal_image_verdict

TOPIC = "/vjepa_planner/goal_image"
LIMIT = 2.0  # [s] input_sources.UNNAMED_WARN_S


def verdict(players, waited_s=0.1, take_unnamed=False, settled=True):
    return goal_image_verdict(TOPIC, players, waited_s, LIMIT, take_unnamed, settled)


def test_a_bag_players_goal_image_is_ignored_whatever_else_holds():
    for take_unnamed in (False, True):
        for settled in (False, True):
            result = verdict(["/rosbag2_player"], waited_s=10.0, take_unnamed=take_unnamed,
                             settled=settled)
            assert result.action == IGNORE, (take_unnamed, settled)
            assert TOPIC in result.warning and "/rosbag2_player" in result.warning


def test_a_live_publishers_image_is_taken_once_the_graph_settled_and_waits_before():
    assert verdict([], settled=True).action == TAKE
    assert verdict([], settled=True).warning == "", "nothing to say about a live goal"
    assert verdict([], settled=False).action == WAIT
    assert verdict([], settled=False).warning == ""


@pytest.mark.parametrize("waited_s", [0.0, 1.0, LIMIT])  # up to the limit: not yet
def test_an_unnamed_publishers_image_waits_up_to_the_limit(waited_s):
    # the node passes settled=False while the graph has not named the publisher
    for take_unnamed in (False, True):
        result = verdict(None, waited_s=waited_s, take_unnamed=take_unnamed, settled=False)
        assert result.action == WAIT and result.warning == "", (waited_s, take_unnamed)


def test_an_image_unnamed_past_the_limit_is_ignored_naming_the_parameter_that_takes_it():
    result = verdict(None, waited_s=LIMIT + 0.1, settled=False)
    assert result.action == IGNORE
    assert result.warning.startswith(f"ignoring the goal image on {TOPIC}: ")
    assert f"`ros2 topic info -v {TOPIC}`" in result.warning
    # start-only: a restart, in vjepa-ros launch's form and ros2 run's
    assert ("restart the planner with safety.take_unnamed_publishers true (vjepa-ros launch -p "
            "planner.safety.take_unnamed_publishers:=true, or ros2 run: --ros-args -p "
            "safety.take_unnamed_publishers:=true)") in result.warning
    assert "\n" not in result.warning


def test_with_take_unnamed_publishers_an_image_unnamed_past_the_limit_is_taken_with_a_warning():
    result = verdict(None, waited_s=LIMIT + 0.1, take_unnamed=True, settled=False)
    assert result.action == TAKE, "taken although the graph never settled"
    assert "taken unchecked for a bag player" in result.warning
    assert f"not named for {LIMIT:g} s" in result.warning

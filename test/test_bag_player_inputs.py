"""A launch's ``bag_player`` publishes its bag's topics, planner inputs among them (review57s).

Beside a live source on one planner input it is refused as two sources; a bag on topics the
planner does not read, or one that cannot be read here, is not.
"""

import pytest
from test_launch_node_wiring import DEMO_MODEL, started  # noqa: F401 - the fixture

from conftest import write_test_bag

JOINTS = "/franka_gripper/joint_states"  # the test bag's joint-state topic


def _launch(*argv):
    from vjepa_ros.cli import main

    return main(["launch", "--checkpoint", str(DEMO_MODEL), *argv])


@pytest.mark.parametrize("other, topics, what", [
    (["--node", "sim", "--joint-states-topic", JOINTS], JOINTS, "joint states"),  # chosen alone
    (["--node", "image_publisher", "-p", "image_publisher.path:=g.png", "-p",
      "image_publisher.qos:=sensor_data"], "", "camera images"),  # a stand-in camera
], ids=["sim-joints", "stand-in-camera"])
def test_a_bag_on_one_planner_input_beside_another_publisher_is_refused(
        started, capsys, tmp_path, other, topics, what):  # noqa: F811
    bag = write_test_bag(tmp_path / "bag")
    code = _launch(*other, "--node", "bag_player", "-p", f"bag_player.bag:={bag}",
                   "-p", f"bag_player.topics:={topics}")
    err = capsys.readouterr().err
    assert code == 2 and "nodes" not in started, err
    assert "--node bag_player" in err and f"planner's {what}" in err, err
    assert "the bag player replays a recording's topics" in err, err


def test_a_bag_on_topics_the_planner_does_not_read_plays_beside_the_simulator(
        started, capsys, tmp_path):  # noqa: F811
    """The planner on another camera and joint-state topic: the bag's are no input of it."""
    bag = write_test_bag(tmp_path / "bag")
    _launch("--node", "sim", "--node", "bag_player", "-p", f"bag_player.bag:={bag}",
            "--camera-topic", "/sim/image", "--joint-states-topic", "/sim/joint_states")
    assert [node.name for node in started["nodes"]] == ["planner", "sim", "bag_player"], \
        capsys.readouterr().err


@pytest.mark.parametrize("bag", ["missing", "not_a_bag.txt"])
def test_a_bag_that_cannot_be_read_is_left_to_the_player_s_own_refusal(
        started, tmp_path, bag):  # noqa: F811
    (tmp_path / "not_a_bag.txt").write_text("no bag\n")
    _launch("--node", "sim", "--node", "bag_player", "-p", f"bag_player.bag:={tmp_path / bag}")
    assert [node.name for node in started["nodes"]] == ["planner", "sim", "bag_player"]


def test_the_bag_alone_feeds_the_planner(started, tmp_path):  # noqa: F811
    """A replay with the planner alone (no live source): one publisher per input."""
    bag = write_test_bag(tmp_path / "bag")
    _launch("--node", "bag_player", "-p", f"bag_player.bag:={bag}", "--use-sim-time")
    assert [node.name for node in started["nodes"]] == ["planner", "bag_player"]

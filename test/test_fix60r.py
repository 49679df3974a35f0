"""fix60r: the fixes of review60a's defects, beyond its own (now passing) tests.

#3's other side: train reads the recorded hand of the arm whose state topic it reads, as eval
does (the namespace rule gets the state topic in both, not only in eval). #4's family: every
``--topic`` that rcl expands against the command's own node is refused, and the help says
where a relative name goes.
"""

import pytest
from test_recordings_recorded_hand import own_bag  # noqa: F401 (the fixture)


def test_train_and_eval_take_the_record_of_the_arm_read(own_bag, tmp_path):  # noqa: F811
    """A bag of two arms records /right's hand at 0.07 m; the user trains and evals on /right.

    Both follow the record (it is this arm's hand): 0.07 m, train's as eval's; passing the state
    topic to the rule must not refuse an arm's own hand.
    """
    from test_breaker59i import _two_arms
    from test_fix60t import POSE, _eval_read
    from test_recordings_recorded_hand import _train_config, edit_custom

    from vjepa_ros.recordings.recorded_hand import WIDTH_KEY

    bag = edit_custom(_two_arms(own_bag, tmp_path / "two", "/right/franka_gripper/joint_states"),
                      tmp_path / "narrow", **{WIDTH_KEY: "0.07"})
    options = ["--pose-topic", f"/right{POSE}", "--image-topic",
               "/left/camera/camera/color/image_raw"]
    right, topics = _eval_read(bag, *options)
    assert topics.gripper_max_width == 0.07, right.notes
    config, said = _train_config([bag], tmp_path / "out", *options)
    assert config.data.topics.gripper_max_width == 0.07, said


def _goal_pose(*options):
    import argparse

    from vjepa_ros.nodes import planner_cli

    parser = argparse.ArgumentParser()
    planner_cli.add_commands(parser.add_subparsers())
    return planner_cli, parser.parse_args(["planner", "goal-pose", "0.45", "0", "0.35",
                                           *options])


@pytest.mark.parametrize("topic, said", [
    ("~", "private names"), ("~/goal_pose", "private names"), ("~/arm1/goal_pose", "private"),
    ("{node}/goal_pose", "substitutions"), ("{ns}/goal_pose", "substitutions"),
])
def test_names_that_expand_against_the_command_s_node_are_refused(topic, said):
    """#4's family: each name rcl would expand against the CLI's own node: one line, status 2."""
    from vjepa_ros.config import UsageError

    planner_cli, args = _goal_pose("--topic", topic)
    with pytest.raises(UsageError) as refused:
        planner_cli.check_arguments(args)
    line = str(refused.value)
    assert line.startswith(f"--topic {topic!r}: give the topic's name itself") and said in line
    assert "/arm1/goal_pose" in line and "\n" not in line


def test_the_topic_help_says_where_a_relative_name_goes(capsys):
    """A relative --topic resolves in the command's namespace (/), not --node's: said."""
    import argparse

    from vjepa_ros.nodes import planner_cli

    parser = argparse.ArgumentParser(prog="vjepa-ros")
    planner_cli.add_commands(parser.add_subparsers())
    with pytest.raises(SystemExit):
        parser.parse_args(["planner", "goal-pose", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "a relative name is resolved in this command's namespace, /, not the --node's" in text

"""A ``{node}``/``{ns}`` substitution in a remapped topic is refused naming it (fix57g).

rcl expands substitutions in the names a node creates, not in a remap rule's replacement
("Couldn't parse remap rule"): ``vjepa-ros launch`` and ``vjepa_mpc.launch.py`` refuse it first.
"""

import pytest
from test_launch_file_arguments import nodes
from test_launch_node_wiring import DEMO_MODEL, started  # noqa: F401 - the fixture

OPTIONS = ["--camera-topic", "--target-topic", "--joint-states-topic", "--gripper-topic"]
SUBSTITUTED = ["{node}/x", "/lab/{ns}/x", "~/{node}_x", "/lab/x}", "{ns}"]
DEFAULTS = {"--camera-topic": "camera/camera/color/image_raw", "--target-topic": "target_pose",
            "--joint-states-topic": "joint_states", "--gripper-topic": "gripper_command"}


@pytest.mark.parametrize("option", OPTIONS)
@pytest.mark.parametrize("topic", SUBSTITUTED)
def test_every_topic_option_with_a_substitution_is_refused_before_any_node(
        started, capsys, option, topic):  # noqa: F811
    from vjepa_ros.cli import main

    code = main(["launch", "--checkpoint", str(DEMO_MODEL), option, topic, "--camera"])
    err = capsys.readouterr().err
    assert "nodes" not in started and code == 2, err
    assert f"{option} {topic!r}" in err and "substitution" in err, err
    assert f"e.g. /arm1/{DEFAULTS[option]}" in err, err  # the option's own topic, not another's


@pytest.mark.parametrize("argument", ["camera_topic", "target_topic", "joint_states_topic",
                                      "gripper_topic"])
def test_the_launch_file_refuses_a_substitution_naming_its_argument(monkeypatch, argument):
    with pytest.raises(ValueError, match=rf"^launch argument {argument}:=/lab/\{{node\}}: .*"
                                          "substitution") as refused:
        nodes(monkeypatch, **{argument: "/lab/{node}"})
    option = f"--{argument.replace('_', '-')}"
    assert str(refused.value).endswith(f"e.g. /arm1/{DEFAULTS[option]}"), refused.value


def test_a_node_s_own_topic_parameter_still_takes_substitutions():
    """gripper.topic is a name the planner subscribes to itself: rcl expands {node} there."""
    from vjepa_ros.nodes.topic_options import substitution_problem, topic_problem

    assert topic_problem("{node}/gripper", "vjepa_planner") is None
    assert substitution_problem("{node}/gripper")
    assert not substitution_problem("/arm1/target_pose")

"""Keys given twice in a settings file or a parameter file (vjepa_ros/yaml_keys.py)."""

from __future__ import annotations

import pytest

from vjepa_ros.config import UsageError
from vjepa_ros.yaml_files import read_ros_params
from vjepa_ros.yaml_keys import RepeatedKeyError, load_settings


def _train_refusal(tmp_path, text: str) -> tuple:
    """Return (the train settings file holding ``text``, the one line that refuses it)."""
    from vjepa_ros.train.config import config_from_yaml

    path = tmp_path / "train.yaml"
    path.write_text(text)
    with pytest.raises(UsageError) as info:
        config_from_yaml(path)
    return path, str(info.value)


def test_a_value_given_twice_is_refused_naming_the_key_and_both_lines(tmp_path):
    """PyYAML kept the later ``lr`` of two without a word (which one was meant?)."""
    path, said = _train_refusal(
        tmp_path, "optim:\n  lr: 0.001\nsteps: 10\noptim:\n  warmup: 5\n  lr: 0.01\n")
    assert said == (f"train settings file {path}: optim.lr is given twice (lines 2 and 6): keep "
                    "one of them")


def test_a_key_given_twice_on_one_line_says_the_line_once(tmp_path):
    """A one-line mapping (``optim: {lr: 0.1, lr: 0.2}``) said "lines 3 and 3" (breaker61b).

    Both kinds of file: a settings file's refusal and a parameter file's warning.
    """
    from vjepa_ros.nodes.params_file import check_params_file

    path, said = _train_refusal(tmp_path, "steps: 10\noptim: {lr: 0.001, lr: 0.01}\n")
    assert said == (f"train settings file {path}: optim.lr is given twice (both on line 2): "
                    "keep one of them")
    path = tmp_path / "planner.yaml"
    path.write_text("vjepa_planner:\n  ros__parameters:\n    planner: {samples: 8, samples: 16}\n")
    said = []
    check_params_file(path, say=said.append)
    assert said == [f"warning: --params-file {path}: section 'vjepa_planner' gives parameter "
                    "'planner.samples' twice (both on line 3): the later is used, as ROS uses "
                    "it; keep one"]


def test_a_setting_given_dotted_and_in_its_section_is_refused(tmp_path):
    """``optim.lr`` and ``optim: {lr}`` are one setting: the later silently won before."""
    from vjepa_ros.sim.reach_config import load_reach_config

    path = tmp_path / "reach.yaml"
    path.write_text("planner.samples: 7\nplanner:\n  samples: 9\n")
    with pytest.raises(UsageError, match=r"reach\.yaml: planner\.samples is given twice"):
        load_reach_config(path)


def test_sections_merge_deeply_and_anchors_still_override():
    text = ("base: &b {lr: 1, eps: 2}\noptim:\n  <<: *b\n  lr: 3\ndata:\n  topics: {image: a}\n"
            "data:\n  topics: {pose: b}\n")
    assert load_settings(text) == {"base": {"lr": 1, "eps": 2}, "optim": {"lr": 3, "eps": 2},
                                   "data": {"topics": {"image": "a", "pose": "b"}}}
    with pytest.raises(RepeatedKeyError, match=r"^data\.topics\.image is given twice"):
        load_settings("data:\n  topics: {image: a}\ndata:\n  topics: {image: b}\n")


def test_a_node_section_given_twice_around_a_wildcard_reads_as_rcl_reads_it(tmp_path):
    """One entry per node name, at its first section (rcl's): ``/**`` after it wins."""
    path = tmp_path / "params.yaml"
    node = "rcl_yaml_test"  # the node test_rcl_yaml._rcl_types starts
    path.write_text(f"{node}:\n  ros__parameters:\n    a: 1\n"
                    "/**:\n  ros__parameters:\n    a: 2\n"
                    f"{node}:\n  ros__parameters:\n    a: 3\n    b: 1\n    b: 5\n")
    ours = read_ros_params(path, node)
    assert ours == {"a": 2, "b": 5}
    from test_rcl_yaml import _rcl_types  # rclpy's own reading (skipped without rclpy)

    assert _rcl_types(["--params-file", str(path)]) == ours


def test_a_parameter_given_twice_in_one_node_section_is_warned_of_naming_both_lines(tmp_path):
    """ROS keeps the later value without a word; so did the file's check: now one line says it.

    In one section, or in a section given twice (merged, as rcl merges it): the same section.
    The same name in two sections (``/**`` and the node's) is how overrides are written: quiet.
    """
    from vjepa_ros.nodes.params_file import check_params_file

    path = tmp_path / "planner.yaml"
    path.write_text("/**:\n  ros__parameters:\n    planner:\n      samples: 8\n"  # 1-4
                    "vjepa_planner:\n  ros__parameters:\n    planner:\n      samples: 16\n"  # 5-8
                    "      samples: 32\n"  # 9: one group, twice
                    "    control: {mode: shadow}\n"  # 10
                    "vjepa_planner:\n  ros__parameters:\n    control:\n      mode: continuous\n")
    said = []
    assert check_params_file(path, say=said.append) == path
    assert said == [
        f"warning: --params-file {path}: section 'vjepa_planner' gives parameter "
        "'planner.samples' twice (lines 8 and 9): the later is used, as ROS uses it; keep one",
        f"warning: --params-file {path}: section 'vjepa_planner' gives parameter "
        "'control.mode' twice (lines 10 and 14): the later is used, as ROS uses it; keep one"]
    assert read_ros_params(path, "vjepa_planner")["planner"]["samples"] == 32  # rcl's reading


def test_a_parameter_given_dotted_and_in_its_group_is_warned_as_given_twice(tmp_path):
    """``safety.max_step_m`` and ``safety: {max_step_m}`` are one parameter to rcl: no word."""
    from vjepa_ros.nodes.params_file import check_params_file

    path = tmp_path / "planner.yaml"
    path.write_text("vjepa_planner:\n  ros__parameters:\n    safety.max_step_m: 0.05\n"
                    "    safety:\n      max_step_m: 0.2\n")
    said = []
    check_params_file(path, nodes=["/vjepa_planner"], say=said.append)
    assert said == [
        f"warning: --params-file {path}: section 'vjepa_planner' gives parameter "
        "'safety.max_step_m' twice (lines 3 and 5): the later is used, as ROS uses it; keep one"]
    assert read_ros_params(path, "vjepa_planner")["safety"]["max_step_m"] == 0.2  # rcl's


def test_a_parameter_given_twice_in_a_section_no_started_node_reads_is_not_warned_of(tmp_path):
    """The sim_node section of the planner's file is ignored when only the planner starts."""
    from vjepa_ros.nodes.params_file import check_params_file

    path = tmp_path / "planner.yaml"
    path.write_text("vjepa_planner:\n  ros__parameters:\n    planner: {samples: 8}\n"
                    "sim_node:\n  ros__parameters:\n    real_time_factor: 1.0\n"
                    "    real_time_factor: 2.0\n")
    said = []
    check_params_file(path, nodes=["/vjepa_planner"], say=said.append)
    assert [line for line in said if line.startswith("warning:")] == []
    assert len(said) == 1 and said[0].startswith("note:"), said  # (ignored, as rcl ignores it)
    said.clear()
    check_params_file(path, nodes=["/vjepa_planner", "/sim_node"], say=said.append)
    assert said == [f"warning: --params-file {path}: section 'sim_node' gives parameter "
                    "'real_time_factor' twice (lines 6 and 7): the later is used, as ROS uses "
                    "it; keep one"]


@pytest.mark.parametrize("text, key", [("{num_heads: 16, num_heads: 8}", "num_heads"),
                                       ("{a: {b: 1, b: 2}}", "a.b")])
def test_a_key_given_twice_in_one_mapping_value_is_refused_naming_it(text, key):
    """``-p planner.model.encoder_args:='{num_heads: 16, num_heads: 8}'`` planned with 8."""
    from vjepa_ros.robot.model_params import ModelParams

    with pytest.raises(ValueError) as info:
        ModelParams(encoder_args=text)
    assert str(info.value) == f"model.encoder_args: {key} is given twice: keep one of them"


def test_a_key_given_twice_in_one_set_value_is_refused_naming_it(tmp_path, capsys):
    from vjepa_ros.cli import main

    (tmp_path / "data").mkdir()
    assert main(["train", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "out"),
                 "--set", "optim={lr: 0.001, lr: 0.01}"]) == 2
    assert capsys.readouterr().err.strip() == (
        "vjepa-ros train: --set 'optim={lr: 0.001, lr: 0.01}': optim.lr is given twice: keep "
        "one of them")


@pytest.mark.parametrize("item, said", [
    ("x={a: 1, a: 2}", "x.a"),  # was 'v.a': the value's internal wrapper key
    ("x=[{a: 1, a: 2}]", "x[0].a"),
])
def test_a_key_given_twice_in_a_key_value_option_is_named_under_its_key(item, said):
    from vjepa_ros.models.official_names import parse_key_values

    with pytest.raises(ValueError) as info:
        parse_key_values([item], "--encoder-arg")
    assert str(info.value) == f"--encoder-arg: {said} is given twice: keep one of them"


def test_a_key_given_twice_in_a_list_item_of_a_set_value_is_named_as_written(tmp_path, capsys):
    """``--set 'x=[{a: 1, a: 2}]'`` named ``x.[0].a``."""
    from vjepa_ros.cli import main

    (tmp_path / "data").mkdir()
    assert main(["train", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "out"),
                 "--set", "x=[{a: 1, a: 2}]"]) == 2
    assert capsys.readouterr().err.strip() == (
        "vjepa-ros train: --set 'x=[{a: 1, a: 2}]': x[0].a is given twice: keep one of them")

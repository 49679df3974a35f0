"""Keys given twice in a settings file or a parameter file (vjepa_ros/yaml_keys.py)."""

from __future__ import annotations

import pytest

from vjepa_ros.config import UsageError, read_ros_params
from vjepa_ros.yaml_keys import RepeatedKeyError, load_settings


def test_a_value_given_twice_is_refused_naming_the_key_and_both_lines(tmp_path):
    """PyYAML kept the later ``lr`` of two without a word (which one was meant?)."""
    from vjepa_ros.train.config import config_from_yaml

    path = tmp_path / "train.yaml"
    path.write_text("optim:\n  lr: 0.001\nsteps: 10\noptim:\n  warmup: 5\n  lr: 0.01\n")
    with pytest.raises(UsageError) as info:
        config_from_yaml(path)
    assert str(info.value) == (f"train settings file {path}: optim.lr is given twice (lines 2 "
                               "and 6): keep one of them")


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

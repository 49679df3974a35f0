"""The camera check's ``planner_camera_check.yaml``: a file the planner starts from, anywhere.

fix57c (breaker57c's family): every string reads back through rcl as the same string
(``params_yaml``); rclpy's own parameters are taken as the node takes them and kept
(``nodes.rclpy_own``); the live check writes its path settings absolute
(``eval.camera_check_live_params``). The live service itself: test_breaker57c.py.
"""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vjepa_ros.config import UsageError, field_at
from vjepa_ros.eval.camera_check_base import check_node_start
from vjepa_ros.eval.camera_check_live_params import (
    PATH_SETTINGS,
    absolute_path,
    node_params,
)
from vjepa_ros.nodes.rclpy_own import rclpy_own, split_rclpy_own
from vjepa_ros.params_yaml import dump_params
from vjepa_ros.rcl_yaml import load
from vjepa_ros.robot.planner_config import PlannerNodeConfig

# strings rcl types as something else when plain: its bools, strtol's ints, strtod's floats
# (words, hex, octal, zero-led, exponents, signs), and YAML's own (null, ~, '', a leading space)
TYPED_BY_RCL = ["y", "n", "Y", "N", "yes", "No", "on", "OFF", "True", "false", "1e3", "5e-1",
                "inf", "-inf", "+INF", "infinity", "nan", "NaN", "nan(1)", ".inf", ".NaN",
                "08", "010", "0x1F", "0x1.8p1", ".5", "5.", "+5", "-0", "1e308", "12",
                "null", "~", "", " 300", "1:30", "1_000", "0o7", "2025-01-01"]


def _reads_back(value) -> object:
    text = dump_params({"/**": {"ros__parameters": {"s": value}}})
    return load(text)["/**"]["ros__parameters"]["s"]


@pytest.mark.parametrize("text", TYPED_BY_RCL)
def test_a_string_rcl_would_type_reads_back_as_that_string(text):
    back = _reads_back(text)
    assert back == text and type(back) is str, (text, back)
    assert _reads_back([text, "cuda"]) == [text, "cuda"]  # in a list too


def test_plain_strings_and_other_values_are_written_as_before():
    text = dump_params({"/**": {"ros__parameters": {
        "device": "cuda:1", "checkpoint": "/data/models/wm.pt", "flag": True, "rate": 4.0,
        "n": 3, "rpy": [0.0, 0.0, 90.0]}}})
    assert "device: cuda:1\n" in text and "checkpoint: /data/models/wm.pt\n" in text
    assert "flag: true\n" in text and "rpy: [0.0, 0.0, 90.0]\n" in text
    assert load(text)["/**"]["ros__parameters"] == {
        "device": "cuda:1", "checkpoint": "/data/models/wm.pt", "flag": True, "rate": 4.0,
        "n": 3, "rpy": [0.0, 0.0, 90.0]}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="yYnN01789eE+-.xXpPaAfFiInN_:~ \t/#'\"", max_size=8))
def test_any_string_reads_back_as_itself(text):
    back = _reads_back(text)
    assert back == text and type(back) is str, (text, back)


def test_the_rclpy_parameters_are_those_a_real_rclpy_node_declares():
    rclpy = pytest.importorskip("rclpy")
    from rclpy.node import Node

    context = rclpy.Context()
    rclpy.init(context=context)
    try:
        node = Node("fix57c_probe", context=context, start_parameter_services=False)
        declared = {name: node.get_parameter(name).value for name in node._parameters}
        node.destroy_node()
    finally:
        rclpy.shutdown(context=context)
    assert declared == {name: default for name, (_, default) in rclpy_own().items()}
    assert all(type(value) is rclpy_own()[name][0] for name, value in declared.items())


def _planner(**top) -> dict:
    import dataclasses

    return {**dataclasses.asdict(PlannerNodeConfig()), **top}


@pytest.mark.parametrize("own", [{"use_sim_time": True}, {"use_sim_time": False},
                                 {"start_type_description_service": False}])
def test_the_offline_check_takes_the_rclpy_parameters_the_node_takes(own):
    check_node_start(_planner(**own), "lab.yaml")  # no refusal
    assert split_rclpy_own(_planner(**own))[1] == own


@pytest.mark.parametrize(("top", "said"), [
    ({"use_sim_time": 1}, "parameter 'use_sim_time' takes true or false, got 1 (an integer)"),
    ({"use_sim_time": "true"}, "parameter 'use_sim_time' takes true or false, got 'true'"),
    ({"qos_overrides./image.subscription.reliability": "reliable"}, "unknown setting"),
    ({"use_sim_times": True}, "unknown setting"),
])
def test_the_offline_check_refuses_what_the_node_refuses(top, said):
    with pytest.raises(UsageError) as caught:
        check_node_start(_planner(**top), "lab.yaml")
    message = str(caught.value)
    assert message.startswith("--params-file lab.yaml with this run's options: the planner "
                              "node would refuse the written file: ") and said in message
    assert "\n" not in message


def test_each_path_setting_is_a_planner_setting():
    for dotted in PATH_SETTINGS:
        assert field_at(PlannerNodeConfig, dotted) is not None, dotted


@pytest.mark.parametrize(("text", "written"), [
    ("models/wm.pt", "/lab/models/wm.pt"), ("./wm.pt", "/lab/wm.pt"),
    ("../wm.pt", "/lab/../wm.pt"), ("wm.pt", "/lab/wm.pt"), ("/data/wm.pt", "/data/wm.pt"),
    ("~/wm.pt", "~/wm.pt"), ("$FIX57C_ABS/wm.pt", "$FIX57C_ABS/wm.pt"),
    ("$FIX57C_REL/wm.pt", "/lab/sub/wm.pt"), ("$FIX57C_UNSET/wm.pt", "$FIX57C_UNSET/wm.pt"),
    ("file:///data/g.png", "file:///data/g.png"), ("file:g.png", "/lab/file:g.png"),
    ("package://my_pkg/goals/g.png", "package://my_pkg/goals/g.png"), ("", ""),
])
def test_a_path_setting_is_written_to_name_the_same_file_from_any_folder(text, written,
                                                                          monkeypatch):
    monkeypatch.setenv("FIX57C_ABS", "/data")
    monkeypatch.setenv("FIX57C_REL", "sub")
    monkeypatch.delenv("FIX57C_UNSET", raising=False)
    assert absolute_path(text, Path("/lab")) == written
    assert absolute_path(text, None) == text  # the start folder not known: as typed


def test_the_live_checks_parameters_keep_rclpy_values_and_make_every_path_absolute(tmp_path):
    config = PlannerNodeConfig()
    config.model.checkpoint = "demo"
    config.camera_check.output_dir = "checks"
    config.goal_image_path = "goals/a.png"
    config.goal_image_paths = ["goals/b.png", "/abs/c.png", "package://p/d.png"]
    params = node_params(config, tmp_path, {"use_sim_time": True})
    assert params["use_sim_time"] is True
    assert params["model"]["checkpoint"] == "demo"  # the keyword: no path
    assert params["camera_check"]["output_dir"] == str(tmp_path / "checks")
    # no goal: a correction file never re-arms a goal (breaker59j #2)
    assert not {"goal_image_path", "goal_image_paths", "goal_steps", "goal_gripper"} & set(params)
    assert node_params(config, tmp_path, checkpoint="/m/wm.pt")["model"]["checkpoint"] == \
        "/m/wm.pt"
    assert "use_sim_time" not in node_params(config, tmp_path)
    assert config.goal_image_path == "goals/a.png"  # the node's settings untouched

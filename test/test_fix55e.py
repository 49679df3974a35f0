"""fix55e: the families of breaker55e's four defects, beyond the cases it pinned.

1. A YAML comment inside a ``-p`` value (node executables' ``--ros-args -p``, ``vjepa-ros launch
   -p``): one rule (``ros_args.check_param_value``), refused naming the ``#``; the quoted form
   it proposes reads back whole. Parameter FILES: a quoted ``#`` is kept.
2. ``-r __node:=``/``__ns:=`` resolved as rcl resolves them (``ros_args.node_name``).
3. Timer periods a ROS timer keeps (``timer_period.py``): image_publisher, sim_node, the
   planner's GripperCommand deadline check.
4. Zero-led whole numbers in settings files and ``--set`` values: decimal (``yaml_keys``).
"""

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from vjepa_ros.config import UsageError
from vjepa_ros.nodes.launch_arguments import parse_overrides
from vjepa_ros.nodes.ros_args import (
    check_param_item,
    check_ros_args,
    comment_start,
    node_name,
    ros_arguments,
    started_name,
)
from vjepa_ros.ros_values import yaml_value

ROOT = Path(__file__).resolve().parent.parent

# -- 1. a YAML comment in a -p value -----------------------------------------------------------

COMMENTED = {  # -p value: what rcl keeps of it
    "/data/goal.png #2": "/data/goal.png",
    "goal.png\t#2": "goal.png",  # a tab before '#' starts a comment too
    "5 # Hz": "5",
    "[1, 2] # a list": "[1, 2]",
    "true #": "true",
    "'a' # quoted, then a comment": "a",  # the string rcl keeps, no quote marks (fix55i)
}


@pytest.mark.parametrize("raw", sorted(COMMENTED))
def test_a_comment_in_a_node_p_value_is_refused_naming_the_hash(raw):
    with pytest.raises(ValueError) as caught:
        check_param_item(f"path:={raw}")
    message = str(caught.value)
    assert "\n" not in message and "(' #' starts one)" in message, message
    assert message.startswith("-p path:") and repr(COMMENTED[raw]) in message, message


@pytest.mark.parametrize("raw", sorted(COMMENTED))
def test_a_comment_in_a_launch_p_value_is_refused_by_the_same_rule(raw):
    with pytest.raises(ValueError) as node:
        check_param_item(f"path:={raw}")
    with pytest.raises(UsageError) as launch:
        parse_overrides([f"image_publisher.path:={raw}"])
    assert str(launch.value) == str(node.value).replace("-p path", "-p image_publisher.path", 1) \
        .replace("'path:=", "'image_publisher.path:=")


@pytest.mark.parametrize("raw", ["/data/goal.png #2", "goal.png\t#2", "a  #b #c"])
def test_the_quoting_a_comment_refusal_proposes_reads_the_whole_string(raw):
    with pytest.raises(ValueError) as caught:
        check_param_item(f"path:={raw}")
    proposed = str(caught.value).rpartition(": -p ")[2]  # the shell words after -p
    (item,) = shlex.split(proposed)
    check_param_item(item)  # accepted
    assert yaml_value("path", item.partition(":=")[2]) == raw.strip()


@pytest.mark.parametrize("raw,value", [
    ("a#b", "a#b"),  # no white space before '#': part of the word
    ('"a #b"', "a #b"), ("'a #b'", "a #b"),  # quoted
    ("[a#1, b]", ["a#1", "b"]),
    ("|\n  a #b\n", "a #b\n"),  # a block scalar's text
])
def test_a_hash_yaml_keeps_is_no_comment(raw, value):
    assert comment_start(raw) is None
    check_param_item(f"x:={raw}")
    assert yaml_value("x", raw) == value
    assert parse_overrides([f"planner.x:={raw}"]) == {"planner": {"x": value}}


def test_a_value_that_is_only_a_comment_is_still_no_value():
    """``-p path:=#x.png``: rcl reads no value at all ("No value"), said so, as before."""
    with pytest.raises(ValueError, match="is no value to rcl"):
        check_param_item("path:=#x.png")


def test_a_params_file_keeps_a_quoted_hash_and_drops_a_comment(tmp_path):
    """In a file ``#`` after white space is a comment by YAML's own rule; quoted it is kept."""
    from vjepa_ros.nodes.params_file import check_params_file
    from vjepa_ros.rcl_yaml import load

    text = ("image_publisher:\n  ros__parameters:\n    path: \"/data/goal.png #2\"\n"
            "    frame_id: cam # the camera's frame\n")
    path = tmp_path / "goal.yaml"
    path.write_text(text)
    check_params_file(str(path), nodes=["/image_publisher"])
    values = load(text)["image_publisher"]["ros__parameters"]
    assert values == {"path": "/data/goal.png #2", "frame_id": "cam"}


# -- 2. -r __node:= / __ns:= as rcl resolves them ------------------------------------------------

RULES = {  # rules: the name rcl gives node image_publisher
    "__node:=a __node:=b": "/a",
    "__name:=a __node:=b": "/a",  # __name is __node to rcl
    "__ns:=/x __ns:=/y": "/x/image_publisher",
    "other:__node:=a __node:=b": "/b",  # a rule for another node does not apply
    "image_publisher:__node:=a __node:=b": "/a",
    "__ns:=/x image_publisher:__ns:=/y": "/x/image_publisher",  # the first that applies
    "image_publisher:__ns:=/y __ns:=/x __node:=cam": "/x/cam",  # for the old name: not cam's
    "cam:__ns:=/y __node:=cam": "/y/cam",  # for the new name, before the rename: applies
    "__ns:=/a/b/ __node:=cam": "/a/b/cam",
    "image:=/camera __node:=cam": "/cam",  # a topic rule is no name rule
}


@pytest.mark.parametrize("rules", sorted(RULES))
def test_node_name_is_rcls(rules):
    argv = ["image_publisher", "--ros-args"]
    for rule in rules.split():
        argv += ["-r", rule]
    assert node_name("image_publisher", ros_arguments(argv)) == RULES[rules]
    assert started_name("image_publisher", argv) == RULES[rules].rpartition("/")[2]


def test_rules_after_a_double_dash_do_not_count():
    argv = ["x", "--ros-args", "-r", "__node:=a", "--", "--ros-args", "-r", "__ns:=/b"]
    # (a second --ros-args opens ROS arguments again, as rcl reads it)
    assert node_name("image_publisher", ros_arguments(argv)) == "/b/a"
    argv = ["x", "--ros-args", "-r", "__node:=a", "--", "-r", "__node:=b"]
    assert node_name("image_publisher", ros_arguments(argv)) == "/a"


@pytest.mark.parametrize("rule", ["/image_publisher:__node:=x", "/robot/image_publisher:__ns:=/a",
                                  "robot/image_publisher:__name:=x"])
def test_a_name_rule_for_a_node_given_with_a_slash_is_refused(rule):
    with pytest.raises(ValueError) as caught:
        check_ros_args(["x", "--ros-args", "-r", rule], "image_publisher")
    message = str(caught.value)
    bare = f"image_publisher:{rule.partition(':')[2]}"
    assert message.startswith(f"-r {rule}:") and message.endswith(f"-r {bare}"), message
    check_ros_args(["x", "--ros-args", "-r", bare], "image_publisher")  # the fix is taken


def test_a_params_file_is_checked_against_rcls_name(tmp_path):
    """Its section for the name rcl gives passes; one for the last rules' name is refused."""
    argv = ["x", "--ros-args", "-r", "__node:=first", "-r", "__node:=second",
            "-r", "__ns:=/a", "-r", "__ns:=/b", "--params-file"]
    for section, fits in (("/a/first", True), ("/b/second", False), ("/a/second", False)):
        path = tmp_path / "p.yaml"
        path.write_text(f"{section}:\n  ros__parameters:\n    rate_hz: 2.0\n")
        if fits:
            check_ros_args([*argv, str(path)], "image_publisher")
        else:
            with pytest.raises(ValueError, match=f"section '{section}' applies to no node"):
                check_ros_args([*argv, str(path)], "image_publisher")


def test_param_sources_name_the_file_for_rcls_name(tmp_path):
    from vjepa_ros.nodes.param_sources import ros_arg_sources

    path = tmp_path / "p.yaml"
    path.write_text("/goal_pub:\n  ros__parameters:\n    rate_hz: 2.0\n")
    argv = ["x", "--ros-args", "-r", "image_publisher:__ns:=/robot1",
            "-r", "image_publisher:__node:=goal_pub", "--params-file", str(path)]
    assert ros_arg_sources(argv, "image_publisher") == {"rate_hz": f"--params-file {path}"}


# -- 3. timer periods ---------------------------------------------------------------------------


def test_timer_period_bounds():
    from vjepa_ros.timer_period import (
        MAX_TIMER_PERIOD_S,
        MIN_POLL_PERIOD_S,
        long_period,
        lowest,
        poll_period,
    )

    assert MAX_TIMER_PERIOD_S * 1e9 + 1.9e18 < 2 ** 63  # the clock's time plus it: int64
    assert long_period("rate_hz", 1e-9, 1e9, "") == ""
    said = long_period("rate_hz", 1e-10, 1e10, "1e-09 or more")
    assert said.startswith("parameter 'rate_hz' 1e-10:") and said.endswith("give 1e-09 or more")
    for value in (1e-9, 1 / 60e9, 1.0842e-10, 9.999e-5, 0.0012341):
        assert value <= lowest(value) < value * 1.01
    # the GripperCommand deadline check (planner_outputs): never a 0 ns (busy) timer
    for deadline, period in ((1e-12, MIN_POLL_PERIOD_S), (5e-300, MIN_POLL_PERIOD_S),
                             (0.5, 0.25), (10.0, 1.0), (3600.0, 1.0)):
        assert poll_period(deadline) == period and int(period * 1e9) > 0


@pytest.mark.parametrize("rate,refused", [(1e-10, True), (1e-300, True), (5e-324, True),
                                          (1.0001e-9, False), (1e-9, False), (1000.0, False)])
def test_image_publisher_rate_hz_is_a_period_a_timer_keeps(rate, refused):
    from vjepa_ros.nodes.image_publisher_config import ImagePublisherConfig  # (no rclpy)

    if not refused:
        ImagePublisherConfig(path="goal.png", rate_hz=rate)
        return
    with pytest.raises(ValueError, match=r"^parameter 'rate_hz' .*give 1e-09 or more, or 0"):
        ImagePublisherConfig(path="goal.png", rate_hz=rate)


@pytest.mark.parametrize("values,refused", [
    ({"real_time_factor": 1e-12}, "real_time_factor"),
    ({"real_time_factor": 1e-300}, "real_time_factor"),
    ({"control_rate_hz": 1e-300, "camera_rate_hz": 1e-300}, "control_rate_hz"),
    ({"control_rate_hz": 1e-10, "camera_rate_hz": 1e-10}, "control_rate_hz"),
    ({"control_rate_hz": 1e-9, "camera_rate_hz": 1e-9, "real_time_factor": 0.5},
     "real_time_factor"),  # a tick of 1e9 s, at half speed 2e9 s of wall-clock time
    ({"real_time_factor": 2e-11}, ""),  # 1/60 s / 2e-11: 8.3e8 s, kept
    ({"control_rate_hz": 1e-9, "camera_rate_hz": 1e-9}, ""),
])
def test_sim_node_stepping_timer_is_a_period_a_timer_keeps(values, refused):
    from vjepa_ros.sim.node_config import SimNodeConfig  # (no rclpy)

    # publish_clock: a real_time_factor other than 1 needs it (fix60e), the timer's rule aside
    config = SimNodeConfig(**values, publish_clock=True)
    if not refused:
        config.check()
        return
    with pytest.raises(ValueError, match=rf"^parameter '{refused}' .*give \S+ (Hz )?or more"):
        config.check()


def test_the_least_real_time_factor_named_is_taken():
    from vjepa_ros.sim.node_config import SimNodeConfig  # (no rclpy)

    with pytest.raises(ValueError) as caught:
        SimNodeConfig(real_time_factor=1e-12).check()
    least = float(str(caught.value).rpartition("give ")[2].split()[0])
    assert "or more with publish_clock" in str(caught.value), caught.value  # (fix60e)
    SimNodeConfig(real_time_factor=least, publish_clock=True).check()


# -- 4. zero-led whole numbers in settings -----------------------------------------------------

ZERO_LED = {"0100": 100, "000042": 42, "08": 8, "0900001": 900001, "-0100": -100,
            "+010": 10, "0_100": 100, "00": 0}


@pytest.mark.parametrize("text", sorted(ZERO_LED))
def test_a_zero_led_whole_number_in_settings_is_its_decimal(text):
    from vjepa_ros.yaml_keys import load_settings

    data = load_settings(f"a: {text}\nb: [{text}, 1]\nc: {{d: {text}}}\n{text}: key\n")
    number = ZERO_LED[text]
    assert data == {"a": number, "b": [number, 1], "c": {"d": number}, number: "key"}


@pytest.mark.parametrize("text,value", [('"0100"', "0100"), ("'08'", "08"), ("0x10", 16),
                                        ("0", 0), ("100", 100), ("1_000", 1000),
                                        ("0.5", 0.5), ("010.5", 10.5), ("0a", "0a")])
def test_other_settings_values_read_as_before(text, value):
    from vjepa_ros.yaml_keys import load_settings

    assert load_settings(f"a: {text}\n") == {"a": value}


def test_reach_settings_read_zero_led_numbers_as_the_options_do(tmp_path):
    from vjepa_ros.sim.reach_config import load_reach_config

    path = tmp_path / "lab.yaml"
    path.write_text("goal_seed: 0900001\nplanner:\n  samples: 0100\n  topk: 010\n")
    config = load_reach_config(path)
    assert (config.goal_seed, config.planner.samples, config.planner.topk) == (900001, 100, 10)


def test_train_set_and_encoder_args_read_zero_led_numbers_as_decimal():
    from vjepa_ros.cli import build_parser
    from vjepa_ros.train.command_options import overrides_from_args

    args = build_parser().parse_args(["train", "--set", "steps=0100",
                                      "--set", "optim={lr: 1, x: 010}"])
    assert overrides_from_args(args) == {"steps": 100, "optim": {"lr": 1, "x": 10}}


# -- end to end: one node executable each ---------------------------------------------------------


def _node(*ros_args: str) -> subprocess.CompletedProcess:
    """Run image_publisher (this worktree's) with ``ros_args``; it must end by itself."""
    return subprocess.run([sys.executable, "-m", "vjepa_ros.nodes.image_publisher", "--ros-args",
                           *ros_args], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})


def test_image_publisher_refuses_a_slashed_node_rule_in_one_line():
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    done = _node("-p", "path:=/nonexistent.png", "-r", "/image_publisher:__node:=x")
    output = done.stdout + done.stderr
    assert done.returncode == 2 and "Traceback" not in output, output[-2000:]
    assert "-r image_publisher:__node:=x" in output.strip().splitlines()[-1], output[-2000:]

"""``vjepa-ros planner``'s arguments, values and network rule, without ROS (feat59call).

Over ROS against a real planner: ``test_planner_cli.py``. Here: a ``param set`` value is
read as the parameter's declared type (``08`` stays text for a string parameter, ``yes`` is
no bool), a refused one is one line with exit status 2, and the command applies the network
rule (LOCALHOST discovery, the caller's domain) before rclpy starts.
"""

import argparse
import os

import pytest

from vjepa_ros.config import UsageError
from vjepa_ros.nodes import planner_cli
from vjepa_ros.nodes.param_text import (
    BOOL,
    BOOL_ARRAY,
    DOUBLE,
    DOUBLE_ARRAY,
    INTEGER,
    INTEGER_ARRAY,
    STRING,
    STRING_ARRAY,
    parameter_value,
)
from vjepa_ros.robot.goal_files import check_goal_gripper, check_goal_steps


@pytest.mark.parametrize("text, type_code, value", [
    ("true", BOOL, True), ("False", BOOL, False),
    ("100", INTEGER, 100), ("0100", INTEGER, 100), ("-3", INTEGER, -3),
    ("0.05", DOUBLE, 0.05), ("5", DOUBLE, 5.0), ("1e-3", DOUBLE, 0.001),
    ("08", STRING, "08"), ("true", STRING, "true"), ("/data/goal #2.png", STRING,
                                                     "/data/goal #2.png"),
    ("[2, 2, 0]", INTEGER_ARRAY, [2, 2, 0]), ("[]", INTEGER_ARRAY, []),
    ("[0.5, 1]", DOUBLE_ARRAY, [0.5, 1.0]), ("[true, false]", BOOL_ARRAY, [True, False]),
    ("[/a.png, '08']", STRING_ARRAY, ["/a.png", "08"]),
])
def test_a_value_is_read_as_the_parameter_s_declared_type(text, type_code, value):
    got = parameter_value("p", text, type_code)
    assert got == value and type(got) is type(value)
    if isinstance(value, list):
        assert [type(v) for v in got] == [type(v) for v in value]


@pytest.mark.parametrize("text, type_code, said", [
    ("yes", BOOL, "parameter p is a bool: 'yes' is not one; give true or false"),
    ("3.5", INTEGER, "parameter p is an integer: '3.5' is not one; give a whole number"),
    ("abc", DOUBLE, "parameter p is a double: 'abc' is not one; give a number"),
    ("[2, x]", INTEGER_ARRAY, "parameter p is an integer array: item 'x' of '[2, x]' is not an "
     "integer; give each item as a whole number"),
    ("2", INTEGER_ARRAY, "parameter p is an integer array: '2' is not a list of values; give "
     "it as '[a, b, c]'"),
    ("[a, [b]]", STRING_ARRAY, "is not a list of values"),
])
def test_a_value_of_another_type_is_one_line_naming_the_parameter(text, type_code, said):
    with pytest.raises(UsageError) as refused:
        parameter_value("p", text, type_code)
    assert said in str(refused.value) and "\n" not in str(refused.value)


@pytest.mark.parametrize("given, name", [
    ("/vjepa_planner", "/vjepa_planner"), ("vjepa_planner", "/vjepa_planner"),
    ("/arm1/vjepa_planner", "/arm1/vjepa_planner"), ("arm1/vjepa_planner",
                                                     "/arm1/vjepa_planner"),
])
def test_node_names_are_made_fully_qualified(given, name):
    assert planner_cli.full_node_name(given) == name


@pytest.mark.parametrize("given", ["/arm1/", "/1arm/vjepa_planner", "/vjepa-planner", "a b"])
def test_a_name_no_node_can_have_is_a_usage_error(given):
    with pytest.raises(UsageError, match=r"--node .*: no ROS (node name|namespace)"):
        planner_cli.full_node_name(given)


@pytest.fixture(autouse=True)
def _network_variables_restored(monkeypatch):
    """cmd_planner sets the network rule in os.environ: as it was after each test."""
    for name in ("ROS_AUTOMATIC_DISCOVERY_RANGE", "ROS_LOCALHOST_ONLY", "ROS_DOMAIN_ID"):
        if name in os.environ:
            monkeypatch.setenv(name, os.environ[name])
        else:
            monkeypatch.delenv(name, raising=False)


def _args(**given) -> argparse.Namespace:
    return argparse.Namespace(**{"verb": "enable", "node": "/vjepa_planner", "timeout": 1.0,
                                 **given})


def test_the_network_rule_is_applied_before_rclpy_and_the_domain_is_the_caller_s(
        monkeypatch, capsys):
    for name in ("ROS_AUTOMATIC_DISCOVERY_RANGE", "ROS_LOCALHOST_ONLY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ROS_DOMAIN_ID", "42")
    seen = {}

    class Client:  # stands in for the rclpy client: what the environment holds at its start
        def __init__(self, node, timeout_s):
            seen.update({k: os.environ.get(k) for k in (
                "ROS_AUTOMATIC_DISCOVERY_RANGE", "ROS_LOCALHOST_ONLY", "ROS_DOMAIN_ID")})
            from vjepa_ros.nodes.planner_client import ClientError

            raise ClientError("stopped here")

    from vjepa_ros.nodes import planner_client

    monkeypatch.setattr(planner_client, "PlannerClient", Client)
    assert planner_cli.cmd_planner(_args()) == 1
    assert seen == {"ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST", "ROS_LOCALHOST_ONLY": "1",
                    "ROS_DOMAIN_ID": "42"}
    err = capsys.readouterr().err.splitlines()
    assert err == ["vjepa-ros planner enable: ROS domain 42, discovery LOCALHOST (this machine "
                   "only): looking for the planner there (vjepa-ros launch's first line names "
                   "the domain it runs on)", "vjepa-ros planner enable: stopped here"]


def test_a_domain_ros_cannot_use_is_one_line_and_status_1_before_rclpy(monkeypatch, capsys):
    monkeypatch.setenv("ROS_DOMAIN_ID", "999")
    from vjepa_ros.nodes import planner_client

    monkeypatch.setattr(planner_client, "PlannerClient", None)  # never reached
    assert planner_cli.cmd_planner(_args()) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("vjepa-ros planner enable: ROS_DOMAIN_ID=999 in the environment is "
                           "outside 0..232"), line


@pytest.mark.parametrize("planner, node", [
    ("/vjepa_planner", ""), ("/arm1/vjepa_planner", " --node /arm1/vjepa_planner")])
def test_launch_names_the_command_that_talks_to_its_planner_on_its_domain(planner, node):
    hint = planner_cli.talk_hint(planner, {"ROS_DOMAIN_ID": "7"})
    assert f"ROS_DOMAIN_ID=7 vjepa-ros planner enable{node} (also disable, goal-pose" in hint


def test_launch_prints_the_hint_for_its_own_planner():
    import inspect

    from vjepa_ros.nodes import launcher

    assert "talk_hint(launch.nodes[0].get_fully_qualified_name())" in inspect.getsource(
        launcher._launch)


@pytest.mark.parametrize("node, topic", [("/vjepa_planner", "/goal_pose"),
                                         ("/arm1/vjepa_planner", "/arm1/goal_pose")])
def test_goal_pose_goes_to_the_simulator_in_the_planner_s_namespace(monkeypatch, node, topic):
    from vjepa_ros.nodes import planner_verbs

    sent = {}
    monkeypatch.setattr(planner_verbs, "goal_pose", lambda prog, client, position, rpy, frame,
                        topic: sent.update(position=position, rpy=rpy, frame=frame,
                                           topic=topic) or 0)
    args = _args(verb="goal-pose", node=node, pose=[0.4, 0.1, 0.3, 3.1, 0.0, 0.2],
                 frame="panda_link0", topic=None)
    assert planner_cli._run_verb("vjepa-ros planner goal-pose", None, args) == 0
    assert sent == {"position": [0.4, 0.1, 0.3], "rpy": [3.1, 0.0, 0.2],
                    "frame": "panda_link0", "topic": topic}


def test_goal_pose_orientation_is_extrinsic_xyz_and_the_default_points_the_hand_down():
    from scipy.spatial.transform import Rotation

    from vjepa_ros.nodes.planner_verbs import _quaternion

    assert _quaternion(None) == (1.0, 0.0, 0.0, 0.0)  # README's goal: roll pi
    q = _quaternion([3.141592653589793, 0.0, 0.0])
    assert abs(abs(q[0]) - 1.0) < 1e-9, q
    q = _quaternion([0.1, 0.2, 0.3])  # x first, then y, then z, about the fixed axes
    expected = (Rotation.from_euler("z", 0.3) * Rotation.from_euler("y", 0.2)
                * Rotation.from_euler("x", 0.1)).as_quat()
    assert max(abs(a - b) for a, b in zip(q, expected, strict=True)) < 1e-12


def test_without_rclpy_it_says_what_to_install_in_one_line(monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_rclpy(name, *args, **kwargs):
        if name == "rclpy" or name.startswith("rclpy."):
            raise ModuleNotFoundError("No module named 'rclpy'", name="rclpy")
        return real_import(name, *args, **kwargs)

    monkeypatch.setenv("ROS_DOMAIN_ID", "42")
    monkeypatch.setattr(builtins, "__import__", no_rclpy)
    assert planner_cli.cmd_planner(_args()) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[1] == ("vjepa-ros planner enable: needs rclpy and the ROS message packages (No "
                      "module named 'rclpy'): pip install -r requirements-ros.txt, or source a "
                      "ROS 2 install"), err


# fix60k: what rclpy cannot send, and ROS names, refused before ROS starts (breaker59k #1, #3)
def _parsed(*argv: str) -> argparse.Namespace:
    """Return ``vjepa-ros planner ARGV`` as the command's own parser reads it."""
    parser = argparse.ArgumentParser()
    planner_cli.add_commands(parser.add_subparsers())
    return parser.parse_args(["planner", *argv])


@pytest.mark.parametrize("text, type_code, value", [
    (str(2**63 - 1), INTEGER, 2**63 - 1), (str(-2**63), INTEGER, -2**63),
    (f"[{2**63 - 1}, {-2**63}]", INTEGER_ARRAY, [2**63 - 1, -2**63]),
])
def test_integers_at_the_int64_ends_are_read(text, type_code, value):
    assert parameter_value("p", text, type_code) == value


@pytest.mark.parametrize("text, type_code", [
    (str(2**63), INTEGER), (str(-2**63 - 1), INTEGER), ("99999999999999999999", INTEGER),
    (f"[1, {2**63}]", INTEGER_ARRAY), (f"[{-2**64}]", INTEGER_ARRAY),
])
def test_an_integer_beyond_int64_is_one_line_naming_the_parameter_and_the_range(text,
                                                                                 type_code):
    """Refused before sending: rclpy cannot serialise it (SystemError out of ParameterValue)."""
    with pytest.raises(UsageError) as refused:
        parameter_value("planner.samples", text, type_code)
    said = str(refused.value)
    assert said.startswith("parameter planner.samples is an integer") and "\n" not in said
    assert f"[{-2**63}, {2**63 - 1}]" in said, said


@pytest.mark.parametrize("value, type_code, text", [
    (None, INTEGER_ARRAY, "[]"), (None, DOUBLE_ARRAY, "[]"), (None, STRING_ARRAY, "[]"),
    (None, BOOL_ARRAY, "[]"), (None, 5, "[]"),  # 5: a byte array
    (None, STRING, "(not set)"), (None, INTEGER, "(not set)"), (None, BOOL, "(not set)"),
    ((1, 2), INTEGER_ARRAY, "[1, 2]"), ([b"\x00", b"\xff"], 5, "[0, 255]"),
    ("08", STRING, '"08"'), (float("inf"), DOUBLE, ".inf"),
])
def test_param_get_prints_every_kind_as_declared_not_set_included(value, type_code, text):
    """An array declared empty, answered NOT_SET (None) by rclpy, prints ``[]`` (breaker59k #2)."""
    from vjepa_ros.nodes.param_text import value_text

    assert value_text(value, type_code) == text


@pytest.mark.parametrize("topic", ["goal pose", "arm1//goal_pose", "goal_pose/", "1goal",
                                   "/arm-1/goal_pose", "{node}/goal_pose", "~goal", "/"])
def test_a_topic_ros_refuses_is_a_usage_error_naming_topic(topic):
    args = _parsed("goal-pose", "0.45", "0", "0.35", "--topic", topic)
    with pytest.raises(UsageError) as refused:
        planner_cli.check_arguments(args)
    assert str(refused.value).startswith(f"--topic {topic!r}") and "\n" not in str(refused.value)


@pytest.mark.parametrize("topic", ["/arm1/goal_pose", "goal_pose", "arm1/goal_pose"])
def test_a_topic_ros_takes_passes(topic):
    planner_cli.check_arguments(_parsed("goal-pose", "0.45", "0", "0.35", "--topic", topic))


@pytest.mark.parametrize("argv, said", [
    (["goal-image", "a.png", "b.png", "--gripper", "1"], "--gripper gives 1 closedness value(s) "
     "for 2 files"),
    (["goal-image", "a.png", "--gripper", "1.5"], "--gripper 1.5: goal_gripper entries must be "
     "closedness values in [0, 1] (0 open, 1 closed), got 1.5"),
    (["goal-image", "a.png", "--gripper", "nan"], "--gripper nan: goal_gripper entries must be "
     "closedness values in [0, 1] (0 open, 1 closed), got nan"),
    (["goal-image", "a.png", "b.png", "--steps", "0", "3"], "--steps 0 3: goal_steps entry 1 of 2 "
     "is 0 (no limit) but not the last: the sub-goals after it would never be reached"),
    (["goal-image", "a.png", "--steps", "-1"], "--steps -1: goal_steps entry 1 of 1 is -1: give "
     "executed-step counts >= 0"),
    (["goal-image", "a.png", "--steps", str(2**63)], f"--steps {2**63}: a count ROS holds is "
     f"at most {2**63 - 1}"),
])
def test_goal_image_counts_and_closedness_are_checked_before_ros(argv, said):
    with pytest.raises(UsageError, match=None) as refused:
        planner_cli.check_arguments(_parsed(*argv))
    assert str(refused.value).startswith(said), str(refused.value)


@pytest.mark.parametrize("option, values, check", [
    ("--steps", [0, 3], check_goal_steps), ("--steps", [2, 0, 0], check_goal_steps),
    ("--steps", [-2, 1], check_goal_steps), ("--gripper", [0.5, -0.1], check_goal_gripper),
])
def test_goal_image_refusals_say_what_the_node_says_of_the_parameter(option, values, check):
    """The command refuses what setting goal_steps/goal_gripper on the node would, in its words."""
    with pytest.raises(ValueError) as node:
        check(values)
    files = [f"{i}.png" for i in range(len(values))]
    with pytest.raises(UsageError) as refused:
        planner_cli.check_arguments(_parsed("goal-image", *files, option,
                                            *map(str, values)))
    assert str(refused.value) == f"{option} {' '.join(map(str, values))}: {node.value}"


def test_goal_image_steps_with_one_0_last_pass():
    planner_cli.check_arguments(_parsed("goal-image", "a.png", "b.png", "--steps", "3", "0"))


@pytest.mark.parametrize("argv, what", [
    (["goal-image", "goal\udce9.png"], "FILE"),
    (["param", "set", "goal_image_path", "/tmp/goal\udce9.png"], "NAME VALUE"),
    (["param", "get", "planner.sampl\udce9s"], "NAME"),
    (["goal-pose", "0.4", "0", "0.3", "--frame", "base\udce9"], "--frame"),
])
def test_a_word_that_is_no_utf8_is_refused_naming_its_argument(argv, what):
    """Latin-1 bytes in argv (surrogate escapes): rclpy's UnicodeEncodeError while serialising."""
    with pytest.raises(UsageError) as refused:
        planner_cli.check_arguments(_parsed(*argv))
    said = str(refused.value)
    assert said.startswith(f"{what} '") and "not UTF-8 text" in said, said
    said.encode("utf-8")  # the line itself prints


def test_a_refused_argument_is_status_2_before_rclpy(monkeypatch, capsys):
    from vjepa_ros.nodes import planner_client

    monkeypatch.setattr(planner_client, "PlannerClient", None)  # never reached
    args = _parsed("goal-pose", "0.45", "0", "0.35", "--topic", "goal pose")
    assert planner_cli.cmd_planner(args) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("vjepa-ros planner goal-pose: --topic 'goal pose' is not a valid ROS "
                           "topic name"), line


class _Logged:
    """The client as ``goal_outcome`` uses it: the planner's /rosout lines already in."""

    target = "/vjepa_planner"

    def spin_until(self, done, timeout_s):
        return bool(done())


@pytest.mark.parametrize("logs, status, printed", [
    ([(20, "p: goal_image_path: decoding 1 goal file(s) off the executor thread; the previous "
       "goal stays until they are decoded"), (20, "p: new goal: goal 1/1 (/g.png), step 0/∞")],
     0, ["p: new goal: goal 1/1 (/g.png), step 0/∞"]),  # an info "previous goal": no refusal
    ([(30, "p: goal not changed yet: 1 goal image but 0 goal_gripper entries; set goal_gripper "
       "with one closedness (0 open .. 1 closed) per image (goals.gripper is subgoal)")], 1,
     ["p: goal not changed yet: 1 goal image but 0 goal_gripper entries; set goal_gripper with "
      "one closedness (0 open .. 1 closed) per image (goals.gripper is subgoal)"]),
    ([(40, "p: goal_image_path not applied: image has transparent pixels; ...")], 1,
     ["p: goal_image_path not applied: image has transparent pixels; ..."]),
    ([(30, f"p: warning {i}") for i in range(6)] + [(20, "p: new goal: goal 1/1 (/g.png)")], 0,
     [f"p: warning {i}" for i in range(4)] + ["p: new goal: goal 1/1 (/g.png)"]),
    ([(20, "p: goal_gripper set to its value in force [1.0]: no goal change (...)"),
      (20, "p: goal_image_path set to its value in force, its files unchanged since they were "
       "read: no goal change (...)")], 0,
     ["p: goal_image_path set to its value in force, its files unchanged since they were read: "
      "no goal change (...)"]),  # another parameter's "no goal change" decides nothing
    ([(20, "p: new goal: goal 1/1 (/other.png), step 0/∞")], 1, []),  # another file's goal
])
def test_goal_image_s_status_is_the_planner_s_word_on_its_files(monkeypatch, capsys, logs,
                                                                status, printed):
    """The planner's first word on the files decides (fix60k, breaker59k #4), always printed."""
    from vjepa_ros.nodes import planner_verbs, planner_watch

    monkeypatch.setattr(planner_verbs, "ANSWER_S", 0.0)
    monkeypatch.setattr(planner_watch, "planner_goal_text", lambda client, timeout_s: "none")
    got = planner_verbs.goal_outcome("vjepa-ros planner goal-image", _Logged(), logs,
                                     "goal_image_path", "/g.png")
    out, err = capsys.readouterr()
    assert (got, out.splitlines()) == (status, printed)
    assert len(err.splitlines()) == (status == 1)

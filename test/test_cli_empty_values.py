"""An empty value of any string option or positional of any ``vjepa-ros`` command: exit 2.

'' once meant the default for most of them: ``reach --out '' --config ''`` ran with the default
settings into ./reach_<date>/, ``collect --out ''`` wrote its episodes into the current folder,
``record ''`` said "bag . exists already", ``demo --episode ''`` "episode . is a folder" (exit 1),
``launch --checkpoint ''`` was refused in other words than ``reach --checkpoint ''``. Parse only:
nothing runs.
"""

from __future__ import annotations

import argparse

import pytest

from vjepa_ros.cli import build_parser
from vjepa_ros.cli_parser import MAY_BE_EMPTY, ArgumentParser, Takes


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _string_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """Return the actions that take a string of the user's (no choices, not a number)."""
    return [a for a in parser._actions
            if a.nargs != 0 and a.choices is None and a.type is not MAY_BE_EMPTY
            and (a.type in (None, str) or isinstance(a.type, Takes))]


def _argv(parser: argparse.ArgumentParser, tested: argparse.Action, blank: str) -> list[str]:
    """Positionals ("x", ``blank`` for ``tested``), required options, then ``tested``."""
    def value(action):
        return "x" if action.choices is None else list(action.choices)[0]

    argv = [blank if a is tested else value(a) for a in parser._actions if not a.option_strings]
    argv += [v for a in parser._actions if a.option_strings and a.required and a is not tested
             for v in (a.option_strings[0], value(a))]
    return argv + ([tested.option_strings[0], blank] if tested.option_strings else [])


CASES = [(name, action.option_strings[0] if action.option_strings else action.dest)
         for name, parser in _commands().items() for action in _string_actions(parser)]


def test_the_walk_finds_the_options_the_tester_named():
    for case in [("reach", "--out"), ("reach", "--config"), ("collect", "--out"),
                 ("record", "out"), ("bag-from-npz", "out"), ("bag-from-npz", "--episode"),
                 ("demo", "--episode"), ("launch", "--checkpoint"), ("eval", "bag"),
                 ("train", "--data"), ("launch", "-p")]:
        assert case in CASES


@pytest.mark.parametrize("command, option", CASES)
@pytest.mark.parametrize("blank", ["", " "])
def test_an_empty_value_is_a_usage_error_naming_the_argument(command, option, blank, capsys):
    parser = _commands()[command]
    action = next(a for a in parser._actions
                  if option in a.option_strings or (not a.option_strings and a.dest == option))
    argv = _argv(parser, action, blank)
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"vjepa-ros {command}: error: argument {option}: an empty value "
                          f"({blank!r}): give "), err
    assert "\n" not in err and "give a value" not in err, err
    if action.option_strings:
        assert "or leave the option out for its default" in err


@pytest.mark.parametrize("argv", [["eval", "BAG", "--joint-prefix", ""],
                                  ["train", "--data", "x", "--joint-prefix", ""]])
def test_an_empty_joint_prefix_still_means_found_from_the_names(argv):
    args = build_parser().parse_args(argv)
    assert args.__dict__[next(k for k in vars(args) if k.endswith("joint_prefix"))] == ""


@pytest.mark.parametrize("argv", [["eval", "BAG", "--joint-prefix", "  "],
                                  ["train", "--data", "x", "--joint-prefix", " "]])
def test_a_blank_joint_prefix_is_refused(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(argv)
    assert stopped.value.code == 2
    assert "argument --joint-prefix: a blank value" in capsys.readouterr().err


def test_a_benchmark_parser_refuses_an_empty_path_too(capsys):
    parser = ArgumentParser(prog="bench_x.py")
    parser.add_argument("--out")
    parser.add_argument("--tag", metavar="NAME")
    for option, what in (("--out", "a path"), ("--tag", "NAME")):
        with pytest.raises(SystemExit):
            parser.parse_args([option, ""])
        assert f"argument {option}: an empty value (''): give {what}, or leave" in \
            capsys.readouterr().err


def test_one_rule_refuses_an_empty_value_whatever_the_option_s_type(capsys):
    """``nonempty(what)`` (a type) and the parser's rule (no type) once refused '' each.

    One place decides now (``cli_parser.empty_value_refusal``): an option's ``Takes`` only says
    what to give, and a ``Takes`` option and a plain one are refused in the same words.
    """
    parser = ArgumentParser(prog="bench_x.py")
    parser.add_argument("--camera-topic")
    parser.add_argument("--frame", type=Takes("a frame id, e.g. fr3_link0"))
    parser.add_argument("--prefix", type=MAY_BE_EMPTY)
    assert Takes("a topic name")("") == "", "the type itself refuses nothing"
    lines = []
    for option in ("--camera-topic", "--frame"):
        with pytest.raises(SystemExit) as stopped:
            parser.parse_args([option, ""])
        assert stopped.value.code == 2
        lines.append(capsys.readouterr().err.strip())
    assert lines == [
        "bench_x.py: error: argument --camera-topic: an empty value (''): give a topic name, or "
        "leave the option out for its default (run bench_x.py --help for its options)",
        "bench_x.py: error: argument --frame: an empty value (''): give a frame id, e.g. "
        "fr3_link0, or leave the option out for its default (run bench_x.py --help for its "
        "options)"]
    assert parser.parse_args(["--prefix", ""]).prefix == ""


def test_an_empty_p_item_is_refused_alike_by_launch_and_a_node_executable(capsys):
    """One wording for ``-p ''``, with an example of what to give.

    ``launch -p ''`` said "give NODE.PARAM:=VALUE", a node's ``-p ''`` "-p expects NAME:=VALUE
    ..., got ''".
    """
    from vjepa_ros.nodes.ros_args import check_ros_args

    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(["launch", "-p", ""])
    assert stopped.value.code == 2
    launch = capsys.readouterr().err.strip()
    assert launch.startswith("vjepa-ros launch: error: argument -p: an empty value (''): give "
                             "NODE.PARAM:=VALUE (e.g. planner.control.mode:=continuous), or "
                             "leave the option out for its default"), launch
    with pytest.raises(ValueError) as refused:
        check_ros_args(["planner_node", "--ros-args", "-p", ""], "vjepa_planner")
    assert str(refused.value) == ("--ros-args -p: an empty value (''): give NAME:=VALUE (e.g. "
                                  "use_sim_time:=true), or leave the option out for its default")


@pytest.mark.parametrize("node, name, example", [
    ("sim", "base_frame", "panda_link0"), ("sim", "camera_frame_id", "camera_color_optical_frame"),
    ("camera", "frame_id", "camera_color_optical_frame"),
    ("image_publisher", "frame_id", "camera_color_optical_frame")])
def test_an_empty_frame_id_p_says_to_give_one_not_to_quote_an_empty_string(node, name, example):
    """user53u: ``-p base_frame:=`` advised ``-p 'base_frame:=""'``, which is refused next.

    A parameter that refuses an empty value (``frame_id="required"``) says what it takes; the
    quoted empty string, at start or set at run time, is refused with the same words.
    """
    from vjepa_ros.config import empty_refused
    from vjepa_ros.nodes.node_registry import NODES
    from vjepa_ros.nodes.node_runner import _empty_refused
    from vjepa_ros.nodes.params import _settings_problem
    from vjepa_ros.nodes.ros_args import check_ros_args

    entry = NODES[node]
    with pytest.raises(ValueError) as refused:
        check_ros_args(["x", "--ros-args", "-p", f"{name}:="], entry.ros_name, "",
                       _empty_refused([entry]))
    line = str(refused.value)
    assert line.startswith(f"-p {name}: '' is no value to rcl"), line
    assert line.endswith(f"give a non-empty ROS frame id (letters, digits, '_', '/' separators; "
                         f"no spaces), e.g. {example}"), line
    assert "quote" not in line, line
    settings = entry.settings()
    assert set(empty_refused(settings)) >= {name}
    # what a run-time set is refused with (the settings built with the value, then checked)
    refusal = _settings_problem(type(settings), {name: ""})
    assert refusal.startswith(f"{name} must be a non-empty ROS frame id (letters, digits, "
                              "'_', '/' separators; no spaces), got ''"), refusal


def test_an_empty_value_of_another_string_parameter_still_advises_quoting():
    """``-p serial:=`` of camera_node: an empty string is a value there (the first camera)."""
    from vjepa_ros.nodes.node_registry import NODES
    from vjepa_ros.nodes.node_runner import _empty_refused
    from vjepa_ros.nodes.ros_args import check_ros_args

    with pytest.raises(ValueError, match="or quote a string"):
        check_ros_args(["x", "--ros-args", "-p", "serial:="], "camera", "",
                       _empty_refused([NODES["camera"]]))

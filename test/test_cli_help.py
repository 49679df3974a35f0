"""The help of every ``vjepa-ros`` command: each option says what it does and its default."""

import argparse
import re
from pathlib import Path

import pytest

from vjepa_ros.cli import build_parser


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_option_of_every_command_has_a_help_text():
    """--storage, --image-format, --joint-states-topic, --image-transport ... had none."""
    bare = [f"{name} {action.option_strings[-1]}" for name, command in _commands().items()
            for action in command._actions
            if action.option_strings and not action.help]
    assert bare == [], f"options without a help text: {bare}"
    for command in _commands().values():
        command.format_help()  # renders (a stray % in a text would raise here)


@pytest.mark.parametrize("command, option, default", [
    ("collect", "--episodes", "10"), ("collect", "--seed", "0"), ("collect", "--width", "256"),
    ("record", "--frames", "16"), ("record", "--width", "128"), ("record", "--storage", "mcap"),
    ("launch", "--joint-states-topic", "/joint_states"),
    # launch --image-transport: the parameter file's (test_launch_option_defaults.py)
    # reach's come from config/reach_demo.yaml, not from argparse
    ("reach", "--max-steps", "15"), ("reach", "--samples", "100"),
    ("reach", "--iterations", "5"), ("reach", "--horizon", "1"),
    # the search methods' own settings (planning/methods.py)
    ("reach", "--icem-noise-beta", "2.0"), ("demo", "--mppi-temperature", "0.1"),
    ("run", "--refine-steps", "0"), ("eval", "--icem-add-mean", "on"),
    ("train", "--weight-decay", "0.04"), ("train", "--seed", "0"),
    ("demo", "--seed", "0"),
])
def test_an_option_s_help_names_its_default(command, option, default):
    parser = _commands()[command]
    action = next(a for a in parser._actions if option in a.option_strings)
    text = parser._get_formatter()._get_help_string(action) % {"default": action.default}
    assert text.endswith((f"(default {default})", f"(default: {default})",
                          f"(default {default}, or a --config file's)")), text


def _value_options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """Return the options of ``parser`` that take a value and may be left out (no switch)."""
    return [a for a in parser._actions if a.option_strings and a.nargs != 0 and not a.required
            and a.default is not argparse.SUPPRESS]


def test_every_option_that_may_be_left_out_says_what_it_defaults_to():
    """An option left out takes a value from somewhere: its help says which (``(default X)``).

    argparse's default alone does not tell: most options default to None there and take their
    value from a settings file (``pretrain --image-topic``: ``config/train.yaml``'s topic, once
    not shown; ``--stamps``; ``--encoder-arg``: the file's own or its preset's hyper-parameters),
    so every option that takes a value and is not required must name its default in its help
    (rendered as ``--help`` renders it: argparse's default is added where the text has none).
    """
    missing = []
    for name, command in _commands().items():
        formatter = command._get_formatter()
        for action in _value_options(command):
            text = formatter._get_help_string(action) % {"default": action.default}
            if "default" not in text.lower():
                missing.append(f"{name} {action.option_strings[-1]}")
    assert missing == [], f"options whose help names no default: {missing}"


def test_the_walk_covers_the_options_the_testers_named():
    named = {("pretrain", "--image-topic"), ("pretrain", "--stamps"), ("demo", "--encoder-arg"),
             ("train", "--encoder-arg"), ("eval", "--predictor-arg"), ("launch", "-p")}
    walked = {(name, option) for name, command in _commands().items()
              for action in _value_options(command) for option in action.option_strings}
    assert named <= walked


@pytest.mark.parametrize("command, option, default", [
    ("pretrain", "--image-topic", "/camera/camera/color/image_raw"),
    ("pretrain", "--stamps", "header"),
])
def test_pretrain_s_bag_options_name_train_s_defaults(command, option, default):
    parser = _commands()[command]
    action = next(a for a in parser._actions if option in a.option_strings)
    assert f"(default {default})" in parser._get_formatter()._get_help_string(action)


def test_help_lists_what_the_commands_accept():
    from vjepa_ros.models.device_names import DTYPE_NAMES
    from vjepa_ros.planning.config import PRESETS

    demo = " ".join(_commands()["demo"].format_help().split())
    assert all(f"{name} (H " in demo for name in PRESETS), "every preset (notebook_cpu_demo)"
    assert all(name in demo for name in DTYPE_NAMES), "every dtype name --dtype takes (half)"
    top = " ".join(build_parser().format_help().split())
    assert "simulator, bag player or image publisher" in top, "what launch starts"


README = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text(
    encoding="utf-8").split())


def _choices(command: str) -> dict[str, tuple]:
    return {a.option_strings[-1]: tuple(a.choices) for a in _commands()[command]._actions
            if a.option_strings and a.choices}


def test_every_choice_run_reach_and_demo_offer_is_accepted_and_the_readme_lists_the_same():
    """``run --subgoal-gripper`` offered ``hold``, which every task then refused (exit 1)."""
    from vjepa_ros.cli_options import cem_changes
    from vjepa_ros.search_method_options import search_method_overrides
    from vjepa_ros.sim.reach_config import load_reach_config
    from vjepa_ros.sim.run_command import _checked_options

    parser = _commands()["run"]
    base = ["--task", "grasp", "--subgoals", "dense"]
    choices = _choices("run")
    assert set(choices) >= {"--task", "--object", "--subgoals", "--subgoal-rule",
                            "--subgoal-gripper", "--method"}
    for option, values in choices.items():
        for value in values:
            # reach-with-object has one goal: dense sub-goals are refused for it (fix61a)
            given = base[:2] if value == "reach-with-object" else base
            _checked_options(parser.parse_args([*given, option, value]))  # raises if refused
    assert choices["--subgoal-gripper"] == ("planned", "subgoal")
    assert "`--subgoal-gripper planned|subgoal`" in README
    assert not re.search(r"\bhold\b", parser.format_help())
    for command in ("reach", "demo"):  # their only choices: --method, each one taken
        assert _choices(command) == {"--method": ("cem", "icem", "mppi")}
    for method in _choices("reach")["--method"]:
        args = _commands()["reach"].parse_args(["--method", method])
        assert load_reach_config(None, search_method_overrides(args)).planner.method == method
        args = _commands()["demo"].parse_args(["--method", method])
        assert cem_changes(args)["method"] == method


def _help(command: str, option: str) -> str:
    parser = _commands()[command]
    action = next(a for a in parser._actions if option in a.option_strings)
    return " ".join(parser._get_formatter()._get_help_string(action).split())


def test_run_s_planner_options_show_the_values_of_the_file_they_default_to():
    """``run --samples`` said only ``(default: config/reach_demo.yaml)``, not the 100."""
    from vjepa_ros.cli_options import CEM_OPTIONS
    from vjepa_ros.sim.reach_config import load_reach_config

    planner = load_reach_config().planner
    for name, _, _ in CEM_OPTIONS:
        option = f"--{name.replace('_', '-')}"
        text = _help("run", option)
        assert f"(default {getattr(planner, name)}, config/reach_demo.yaml's" in text, text
    assert _help("run", "--samples").endswith("(default 100, config/reach_demo.yaml's)")
    assert _help("run", "--close-gripper").endswith(
        "(default -1, config/reach_demo.yaml's; reach-with-object: 0, so that the object "
        "stays in hand)")


def test_the_shown_defaults_are_read_from_the_settings_file(monkeypatch):
    """Another config/reach_demo.yaml: run's and reach's help show its values, not constants."""
    import dataclasses

    from vjepa_ros.sim import reach_config

    real = reach_config.load_reach_config

    def changed(path=None, overrides=None):
        config = real(path, overrides)
        planner = dataclasses.replace(config.planner, samples=123, method="icem")
        return dataclasses.replace(config, planner=planner, goal_seed=7)

    monkeypatch.setattr(reach_config, "load_reach_config", changed)
    assert _help("run", "--samples").endswith("(default 123, config/reach_demo.yaml's)")
    assert _help("reach", "--samples").endswith("(default 123, or a --config file's)")
    assert _help("reach", "--goal-seed").startswith("scene and goal seed (default 7,")
    for command in ("run", "reach"):
        assert _help(command, "--method").endswith("(default icem)")


def test_the_preset_commands_show_the_preset_s_values_and_the_random_model_s():
    """``demo --samples`` said ``(default: the preset's)``: now 400 and, without a model, 64."""
    from vjepa_ros.cli_options import RANDOM_MODEL_CEM

    assert _help("demo", "--samples").endswith(
        "(default 400, --preset notebook's; another --preset: its own; without --checkpoint "
        f"{RANDOM_MODEL_CEM['samples']}, for the small random model)")
    assert _help("demo", "--topk").endswith("(default 10, --preset notebook's; another "
                                           "--preset: its own)")
    assert _help("eval", "--iterations").startswith("I: CEM iterations")
    assert "(default 10, --preset paper's; another --preset: its own; without --checkpoint 3," \
        in _help("eval", "--iterations")
    assert "(default 800, --preset paper's; another --preset: its own; with --random-weights " \
        f"{RANDOM_MODEL_CEM['samples']}, for the small random model)" in \
        _help("camera-check", "--samples")

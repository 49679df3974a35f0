"""The help of every ``vjepa-ros`` command: each option says what it does and its default."""

import argparse

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
    ("record", "--frames", "16"), ("record", "--width", "256"), ("record", "--storage", "mcap"),
    ("launch", "--joint-states-topic", "/joint_states"),
    ("launch", "--image-transport", "raw"),
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

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


def test_help_lists_what_the_commands_accept():
    from vjepa_ros.models.device_names import DTYPE_NAMES
    from vjepa_ros.planning.config import PRESETS

    demo = " ".join(_commands()["demo"].format_help().split())
    assert all(f"{name} (H " in demo for name in PRESETS), "every preset (notebook_cpu_demo)"
    assert all(name in demo for name in DTYPE_NAMES), "every dtype name --dtype takes (half)"
    top = " ".join(build_parser().format_help().split())
    assert "simulator, bag player or image publisher" in top, "what launch starts"

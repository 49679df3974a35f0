"""Every ranged planner parameter is refused outside its range at start-up, as the README says.

``-p planner.safety.max_step_m:=100`` (a step limit turned off), ``planner.maxnorm:=1e9``,
``control.gripper_deadband:=-1`` and ``robot.base_frame:='a b'`` started the node without a
word. The ranges live on the fields (``config.param(range=...)``) and are checked once, in
``PlannerNodeConfig`` (``config.check_values``): the node, launch and parameter files get them.
"""

import dataclasses
import re
from pathlib import Path

import pytest

from vjepa_ros.config import from_dict, value_range
from vjepa_ros.robot.planner_config import PlannerNodeConfig, parameter_message

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name, value, message", [
    ("safety.max_step_m", 100.0, "safety.max_step_m must lie in (0, 0.2], got 100.0"),
    ("planner.maxnorm", 1e9, "planner.maxnorm must lie in (0, 0.2], got 1000000000.0"),
    ("control.gripper_deadband", -1.0, "control.gripper_deadband must lie in [0, 1], got -1.0"),
    ("safety.max_accel_m_s2", 100.0, "safety.max_accel_m_s2 must lie in (0, 10], got 100.0"),
    ("robot.base_frame", "a b", "robot.base_frame must be a ROS frame id (letters, digits, '_', "
     "'/' separators; no spaces), got 'a b'"),
])
def test_an_out_of_range_value_is_refused_in_one_line_naming_it(name, value, message):
    with pytest.raises(ValueError) as caught:
        from_dict(PlannerNodeConfig, {name: value})
    assert str(caught.value) == message


@pytest.mark.parametrize("name, value, message", [
    # breaker32r: physically meaningless values were taken: a "fully open" no Franka Hand
    # reaches (measured fingers beyond 0.04 m each are refused), a grasp with no force, a
    # model-frame angle of 1e300 degrees
    ("robot.gripper_max_width", 0.1, "robot.gripper_max_width must be at most 0.08 m, the "
     "Franka Hand's full opening (0.04 m per finger), got 0.1"),
    ("control.gripper_max_effort", 0.0, "control.gripper_max_effort must lie in (0, 140], "
     "got 0.0"),
    ("control.model_frame_rpy_deg", [0.0, 0.0, 1e300], "control.model_frame_rpy_deg must be 3 "
     "angles in [-360, 360] deg"),
    ("control.model_frame_rpy_deg", [0.0, -361.0, 0.0], "control.model_frame_rpy_deg must be 3 "
     "angles in [-360, 360] deg"),
])
def test_a_physically_meaningless_gripper_or_model_frame_value_is_refused(name, value, message):
    with pytest.raises(ValueError) as caught:
        from_dict(PlannerNodeConfig, {name: value})
    assert str(caught.value).startswith(message)
    edge = {"robot.gripper_max_width": 0.08, "control.gripper_max_effort": 140.0,
            "control.model_frame_rpy_deg": [360.0, -360.0, 0.0]}[name]
    from_dict(PlannerNodeConfig, {name: edge})  # the bound itself is taken


def _ranged(cls, prefix=""):
    for f in dataclasses.fields(cls):
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else None
        if dataclasses.is_dataclass(default):
            yield from _ranged(type(default), f"{prefix}{f.name}.")
        elif value_range(f):
            yield f"{prefix}{f.name}", value_range(f)


def test_the_readme_gives_every_range_and_the_defaults_lie_inside():
    ranged = dict(_ranged(PlannerNodeConfig))
    assert "safety.max_step_m" in ranged and "control.gripper_deadband" in ranged
    text = " ".join(ROOT.joinpath("README.md").read_text().split())
    for name, bounds in ranged.items():
        assert re.search(rf"`{re.escape(name)}` {re.escape(bounds)}", text), (name, bounds)
    PlannerNodeConfig()  # every default lies in its range


# Every family without a declared range before: a value outside it started the node (or was
# refused by a lower bound only: iterations 5000, noise_beta 300, distance_m 5 were taken).
FAMILY_BAD_VALUES = [
    ("planner.samples", 0, "[1, 100000]"),
    ("planner.topk", 0, "[2, 10000]"),
    ("planner.samples", 80_000_000, "[1, 100000]"),  # a typo: the node died of memory later
    ("planner.topk", 20_000, "[2, 10000]"),
    ("planner.chunk_size", 10**9, "[0, 100000]"),
    ("planner.iterations", -1, "[1, 1000]"),
    ("planner.iterations", 5000, "[1, 1000]"),
    ("planner.close_gripper", 99, "[-1, 15]"),
    ("planner.early_stop_patience", 5000, "[0, 1000]"),
    ("planner.chunk_size", -5, "[0, 100000]"),
    ("planner.seed", -7, "[-1, 4294967295]"),
    ("planner.icem.noise_beta", -3.0, "[0, 8]"),
    ("planner.icem.noise_beta", 300.0, "[0, 8]"),
    ("planner.icem.keep_elites_fraction", 1.5, "[0, 1]"),
    ("planner.icem.population_decay", 1e9, "[1, 10]"),
    ("planner.mppi.temperature", 0.0, "(0, inf)"),
    ("planner.mppi.noise_sigma", 1e9, "(0, 10]"),
    ("planner.mppi.noise_decay", 0.0, "(0, 1]"),
    ("planner.refine.steps", 5000, "[0, 1000]"),
    ("planner.refine.lr", 5.0, "(0, 1]"),
    ("camera_check.motion.distance_m", 5.0, "(0, 0.2]"),
    ("camera_check.motion.settle_s", 1e6, "(0, 10]"),
    ("camera_check.motion.timeout_s", 1e6, "(0, 300]"),
    ("camera_check.verdict.min_motion_m", 0.3, "(0, 0.2]"),
    ("camera_check.verdict.min_motions", 100, "[2, 26]"),
    ("camera_check.trial.steps", 1000, "[1, 100]"),
    ("camera_check.trial.max_distance_m", 50.0, "(0, 5]"),
    ("goals.patience", 5000, "[0, 1000]"),
    ("goals.max_subgoals", 10**6, "[1, 1000]"),
    ("model.gil_switch_interval_s", 0.5, None),  # its own words: between 0 and 0.1 s
]


@pytest.mark.parametrize("name, value, bounds", FAMILY_BAD_VALUES)
def test_each_family_refuses_a_value_outside_its_declared_range_in_one_line(name, value,
                                                                            bounds):
    with pytest.raises(ValueError) as caught:
        from_dict(PlannerNodeConfig, {name: value})
    message = parameter_message(str(caught.value))  # as the node says it
    assert "\n" not in message and message.startswith(f"{name} must ")
    if bounds:
        assert message == f"{name} must lie in {bounds}, got {value!r}"
        assert dict(_ranged(PlannerNodeConfig))[name] == bounds  # the declared one, in README


def test_topk_above_samples_names_both_parameters():
    with pytest.raises(ValueError) as caught:
        from_dict(PlannerNodeConfig, {"planner.samples": 8, "planner.topk": 20})
    assert parameter_message(str(caught.value)) == \
        "planner.topk (20) must be less than planner.samples (8)"


@pytest.mark.parametrize("command", ["demo", "eval", "camera-check", "run"])
@pytest.mark.parametrize("option, message", [
    (["--iterations", "5000"], "--iterations must lie in [1, 1000], got 5000"),
    (["--samples", "0"], "--samples must lie in [1, 100000], got 0"),
    (["--samples", "80000000"], "--samples must lie in [1, 100000], got 80000000"),
    (["--topk", "1"], "--topk must lie in [2, 10000], got 1"),
    (["--close-gripper", "99"], "--close-gripper must lie in [-1, 15], got 99"),
    (["--momentum-std", "2"], "--momentum-std must lie in [0, 1], got 2.0"),
    (["--icem-noise-beta", "300"], "--icem-noise-beta must lie in [0, 8], got 300.0"),
    (["--mppi-noise-sigma", "1e9"], "--mppi-noise-sigma must lie in (0, 10], got 1000000000.0"),
    (["--refine-steps", "5000"], "--refine-steps must lie in [0, 1000], got 5000"),
])
def test_the_commands_refuse_the_same_ranges_naming_the_option(command, option, message,
                                                               tmp_path, capsys):
    from test_cli_errors import COMMANDS, run_command

    err = run_command([command, *COMMANDS[command], *option], tmp_path, capsys, status=2)
    assert err == f"vjepa-ros {command}: {message}"  # an option out of range: a usage error


def test_the_camera_check_verdict_options_refuse_their_range():
    import argparse

    from vjepa_ros.eval.camera_check_options import add_verdict_arguments, verdict_thresholds

    parser = argparse.ArgumentParser()
    add_verdict_arguments(parser)
    with pytest.raises(ValueError) as caught:
        verdict_thresholds(parser.parse_args(["--min-motion", "0.5"]))
    assert str(caught.value) == "--min-motion must lie in (0, 0.2], got 0.5"

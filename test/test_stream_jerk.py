"""The start check of the set-point stream's jerk (robot/stream_jerk.py, fix54g).

Every parameter set the planner node accepts streams set-points within the arm model's Cartesian
jerk limits (measured: a target turning round every 20 ticks); the first value above the largest
accepted one is refused in one line naming control.stream_rate_hz and the acceleration limit.
"""

import re

import pytest
from test_breaker54g import _stream_jerks

from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.kinematics import RobotConfig
from vjepa_ros.robot.planner_config import PlannerNodeConfig
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.stream_jerk import (
    ACCEL_SWING,
    CARTESIAN_ACCEL_LIMITS,
    CARTESIAN_JERK_LIMITS,
    at_most,
    stream_jerk_problem,
)
from vjepa_ros.robot.velocity_ramp import LANDING_SLACK

RATES = (100.0, 250.0, 500.0, 1000.0)


def _config(model, rate, accel=0.5, angular_accel=2.0):
    return PlannerNodeConfig(
        robot=RobotConfig(model=model), control=ControlConfig(stream_rate_hz=rate),
        safety=SafetyLimits(max_speed_m_s=1.0, max_accel_m_s2=accel,
                            max_angular_speed_rad_s=2.5, max_angular_accel_rad_s2=angular_accel))


@pytest.mark.parametrize("model", sorted(CARTESIAN_JERK_LIMITS))
@pytest.mark.parametrize("rate", RATES)
def test_the_largest_accepted_accelerations_stream_within_the_models_jerk_limits(model, rate):
    jerk_limit, spin_limit = CARTESIAN_JERK_LIMITS[model]
    # the largest accepted value, within the parameters' own ranges (10 m/s², 25 rad/s²) and
    # the model's acceleration limits
    top, spin_top = (limit / (1 + LANDING_SLACK) * (1 - 1e-9)
                     for limit in CARTESIAN_ACCEL_LIMITS[model])
    accel = min(10.0, top, jerk_limit / (ACCEL_SWING * rate) * (1 - 1e-9))
    angular = min(25.0, spin_top, spin_limit / (ACCEL_SWING * rate) * (1 - 1e-9))
    cfg = _config(model, rate, accel, angular)  # accepted: no ValueError
    jerk, spin_jerk = _stream_jerks(cfg.safety, rate)
    assert jerk <= jerk_limit and spin_jerk <= spin_limit, (jerk, spin_jerk)
    assert jerk > 0.5 * jerk_limit or accel in (10.0, top)  # the bound is tight: it is used


@pytest.mark.parametrize("model", sorted(CARTESIAN_JERK_LIMITS))
@pytest.mark.parametrize("which", ["linear", "angular"])
def test_an_acceleration_just_above_the_largest_accepted_is_refused_naming_both(model, which):
    rate = 1000.0
    jerk_limit, spin_limit = CARTESIAN_JERK_LIMITS[model]
    accel, angular = 0.5, 2.0
    if which == "linear":
        accel = jerk_limit / (ACCEL_SWING * rate) * 1.001
        name = "safety.max_accel_m_s2"
    else:
        angular = spin_limit / (ACCEL_SWING * rate) * 1.001
        name = "safety.max_angular_accel_rad_s2"
    with pytest.raises(ValueError) as refused:
        _config(model, rate, accel, angular)
    line = str(refused.value)
    assert "\n" not in line
    assert "control.stream_rate_hz 1000" in line and name in line and model in line
    other = {"safety.max_accel_m_s2", "safety.max_angular_accel_rad_s2"} - {name}
    assert not any(o in line for o in other), line  # the one within its limit is not blamed


@pytest.mark.parametrize("model", sorted(CARTESIAN_JERK_LIMITS))
def test_the_defaults_hold_at_every_rate_and_the_default_rate_takes_the_models_accelerations(
        model):
    for rate in RATES:
        _config(model, rate)  # the default accelerations: accepted up to 1 kHz
    # 100 Hz: up to the model's acceleration limits (the landing tick's slack off), the ranges'
    # tops (10 m/s², 25 rad/s²) where they lie below
    top, spin_top = (at_most(limit / (1 + LANDING_SLACK))
                     for limit in CARTESIAN_ACCEL_LIMITS[model])
    _config(model, ControlConfig().stream_rate_hz, min(10.0, top), min(25.0, spin_top))


# (model, 0: linear / 1: angular) whose limit lies inside the parameter's range (the Panda's
# 13 m/s² lies above the range's top 10)
@pytest.mark.parametrize("model, which", [("panda", 1), ("fr3", 0), ("fr3", 1)])
def test_an_acceleration_above_the_models_limit_is_refused_and_the_advice_accepted(model, which):
    """breaker54k: robot.model fr3 accepted 25 rad/s² (its limit 17) and streamed it."""
    limit = CARTESIAN_ACCEL_LIMITS[model][which]
    given = [0.5, 2.0]
    given[which] = min((10.0, 25.0)[which], limit / (1 + LANDING_SLACK) * 1.0001)
    name = ("safety.max_accel_m_s2", "safety.max_angular_accel_rad_s2")[which]
    with pytest.raises(ValueError) as refused:
        _config(model, ControlConfig().stream_rate_hz, *given)
    line = str(refused.value)
    assert name in line and f"limit {limit:g}" in line and "\n" not in line
    advised = float(re.search(r"\(at most ([0-9.]+) ", line).group(1))
    given[which] = advised
    _config(model, ControlConfig().stream_rate_hz, *given)  # accepted as advised


@pytest.mark.parametrize("value", [3.2178, 2.2277, 16.83, 9.999, 0.123456, 1e-3 * 7.77777])
def test_advised_values_are_rounded_down(value):
    shown = at_most(value)
    assert shown <= value and float(f"{shown:.4g}") == shown and value - shown < value * 2e-3


@pytest.mark.parametrize("model", sorted(CARTESIAN_JERK_LIMITS))
@pytest.mark.parametrize("rate", [97.0, 333.3, 999.9, 1000.0])
def test_the_jerk_refusals_advice_is_accepted_as_advised(model, rate):
    problem = stream_jerk_problem(rate, 10.0, 25.0, model)
    for unit, name in (("m/s²", "linear"), ("rad/s²", "angular")):
        match = re.search(rf"at most ([0-9.e+]+) {unit} at this rate, or control.stream_rate_hz "
                          r"at most ([0-9.e+]+) Hz", problem)
        if match is None:
            continue
        largest, fastest = float(match.group(1)), float(match.group(2))
        values = {"linear": (largest, 0.5), "angular": (0.5, largest)}[name]
        assert stream_jerk_problem(rate, *values, model) == "", (name, problem)
        values = {"linear": (10.0, 0.5), "angular": (0.5, 25.0)}[name]
        assert stream_jerk_problem(fastest, *values, model) == "", (name, problem)

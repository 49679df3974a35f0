"""The start check of the set-point stream's jerk (robot/stream_jerk.py, fix54g).

Every parameter set the planner node accepts streams set-points within the arm model's Cartesian
jerk limits (measured: a target turning round every 20 ticks); the first value above the largest
accepted one is refused in one line naming control.stream_rate_hz and the acceleration limit.
"""

import pytest
from test_breaker54g import _stream_jerks

from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.kinematics import RobotConfig
from vjepa_ros.robot.planner_config import PlannerNodeConfig
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.stream_jerk import ACCEL_SWING, CARTESIAN_JERK_LIMITS

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
    # the largest accepted value, within the parameters' own ranges (10 m/s², 25 rad/s²)
    accel = min(10.0, jerk_limit / (ACCEL_SWING * rate) * (1 - 1e-9))
    angular = min(25.0, spin_limit / (ACCEL_SWING * rate) * (1 - 1e-9))
    cfg = _config(model, rate, accel, angular)  # accepted: no ValueError
    jerk, spin_jerk = _stream_jerks(cfg.safety, rate)
    assert jerk <= jerk_limit and spin_jerk <= spin_limit, (jerk, spin_jerk)
    assert jerk > 0.5 * jerk_limit or accel == 10.0  # the bound is tight: the stream uses it


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
def test_the_defaults_hold_at_every_rate_and_the_default_rate_takes_every_acceleration(model):
    for rate in RATES:
        _config(model, rate)  # the default accelerations: accepted up to 1 kHz
    _config(model, ControlConfig().stream_rate_hz, 10.0, 25.0)  # 100 Hz: the ranges' tops too

"""The safety filter: nothing non-finite, outside the box or too far ever comes out."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from vjepa_ros.robot.input_ages import input_problem
from vjepa_ros.robot.safety import SafetyLimits, filter_target, is_safe_setpoint

LIMITS = SafetyLimits()
LOWER, UPPER = LIMITS.box

any_float = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-1e6, 1e6),
    st.floats(-2.0, 2.0),
)
proposals = st.lists(any_float, min_size=7, max_size=7)


@st.composite
def current_states(draw):
    xyz = [draw(st.floats(lo, hi)) for lo, hi in zip(LOWER, UPPER, strict=True)]
    angles = [draw(st.floats(-math.pi, math.pi)) for _ in range(3)]
    return np.array(xyz + angles + [draw(st.floats(0, 1))])


def rotation_between(a, b) -> float:
    return (Rotation.from_euler("xyz", b) * Rotation.from_euler("xyz", a).inv()).magnitude()


@settings(max_examples=400, deadline=None)
@given(current=current_states(), proposed=proposals)
def test_output_is_finite_in_the_box_and_within_the_step_limits(current, proposed):
    decision = filter_target(current, proposed, LIMITS)
    if not decision.accepted:
        assert decision.reason, "a refusal must say why"
        assert not np.isfinite(proposed).all(), "only non-finite proposals may be refused here"
        return
    target = decision.target
    assert target.shape == (7,) and np.isfinite(target).all()
    assert np.all(target[:3] >= LOWER) and np.all(target[:3] <= UPPER)
    assert np.linalg.norm(target[:3] - current[:3]) <= LIMITS.max_step_m * (1 + 1e-9)
    assert rotation_between(current[3:6], target[3:6]) <= LIMITS.max_rotation_step_rad + 1e-9
    assert 0.0 <= target[6] <= 1.0
    assert is_safe_setpoint(target, LIMITS)


@settings(max_examples=100, deadline=None)
@given(current=st.lists(any_float, min_size=7, max_size=7), proposed=proposals)
def test_any_current_state_gives_a_safe_target_or_a_refusal(current, proposed):
    decision = filter_target(current, proposed, LIMITS)
    if decision.accepted:
        assert is_safe_setpoint(decision.target, LIMITS)
        assert np.linalg.norm(decision.target[:3] - np.clip(current[:3], LOWER, UPPER)) <= \
            LIMITS.max_step_m * (1 + 1e-9)
    else:
        assert decision.reason


def test_small_moves_pass_unchanged_and_long_ones_are_shortened_toward_the_proposal():
    current = np.array([0.5, 0.0, 0.3, math.pi, 0.0, 0.0, 0.0])
    small = current + np.array([0.01, -0.02, 0.03, 0, 0, 0, 0.5])
    decision = filter_target(current, small, LIMITS)
    assert decision.accepted and decision.reason == ""
    np.testing.assert_allclose(decision.target[:3], small[:3])
    assert decision.target[6] == 0.5
    far = current + np.array([0.3, 0.0, 0.0, 0, 0, 0, 0])
    decision = filter_target(current, far, LIMITS)
    np.testing.assert_allclose(decision.target[:3], current[:3] + [LIMITS.max_step_m, 0, 0])
    assert "step" in decision.reason
    below = current.copy()
    below[2] = -5.0  # through the table
    decision = filter_target(current, below, LIMITS)
    assert decision.target[2] == pytest.approx(max(LOWER[2], current[2] - LIMITS.max_step_m))
    assert "workspace box" in decision.reason


def test_refusals_name_the_reason():
    current = np.array([0.5, 0.0, 0.3, 0.0, 0.0, 0.0, 0.0])
    nan = current.copy()
    nan[1] = np.nan
    assert "not finite" in filter_target(current, nan, LIMITS).reason
    assert "NaN" in filter_target(nan, current, LIMITS).reason
    assert "camera image is stale" in filter_target(current, current, LIMITS, image_age=2.0).reason
    assert "robot state is stale" in filter_target(current, current, LIMITS, state_age=9.0).reason
    assert "no camera image" in filter_target(current, current, LIMITS, image_age=None).reason
    assert "future" in filter_target(current, current, LIMITS, image_age=-5.0).reason
    outside = current.copy()
    outside[0] = 2.0
    assert "outside the workspace box" in filter_target(outside, current, LIMITS).reason
    assert input_problem(0.1, 0.1, LIMITS) == ""


def test_limits_are_validated():
    with pytest.raises(ValueError) as caught:  # was "safety workspace box is empty or ..."
        SafetyLimits(workspace_min=[0.8, 0.5, 0.9], workspace_max=[0.8, 0.45, 1.0])
    assert str(caught.value) == (
        "safety.workspace_min must lie below safety.workspace_max on every axis; x: 0.8 >= 0.8, "
        "y: 0.5 >= 0.45 (min [0.8, 0.5, 0.9], max [0.8, 0.45, 1.0]): lower "
        "safety.workspace_min or raise safety.workspace_max on x, y")
    with pytest.raises(ValueError, match=r"^safety.workspace_max\[2\] \(z\) is inf: give finite"):
        SafetyLimits(workspace_max=[0.8, 0.45, float("inf")])
    with pytest.raises(ValueError, match="max_speed_m_s"):
        SafetyLimits(max_speed_m_s=0.0)
    with pytest.raises(ValueError, match="3 numbers"):
        SafetyLimits(workspace_min=[0, 0])


@pytest.mark.parametrize("lower, upper, named", [
    ([0.25, -0.45, 0.05], [80.0, 45.0, 70.0], "workspace_max"),  # max in cm: bounds nothing
    ([25.0, -45.0, 5.0], [80.0, 45.0, 70.0], "workspace_min"),  # both: every pose "outside"
    ([0.25, -0.45, 0.05], [0.8, 0.45, 700.0], "workspace_max"),  # z in mm
], ids=["max_in_cm", "both_in_cm", "z_in_mm"])
def test_a_workspace_box_in_centimetres_is_refused_naming_the_unit(lower, upper, named):
    # breaker32r: a corner 80 m from the base lies far beyond any Franka's reach
    # (state_limits.MAX_REACH_M): a unit mistake, refused at start in one line naming the
    # parameter and the unit, not a box that bounds nothing or holds every pose
    with pytest.raises(ValueError, match=rf"^safety\.{named} .*beyond a Franka's reach.*"
                                         r"in metres"):
        SafetyLimits(workspace_min=lower, workspace_max=upper)
    # the reach is the bound: a box up to 1.5 m from the base on every axis is taken
    assert SafetyLimits(workspace_min=[-1.5, -1.5, 0.0], workspace_max=[1.5, 1.5, 1.5])


@pytest.mark.parametrize("name", ["max_step_m", "max_rotation_step_rad", "max_speed_m_s",
                                  "max_accel_m_s2", "max_state_age_s"])
def test_an_integer_safety_limit_is_checked_as_a_float_one_is(name):
    # breaker32r: SafetyLimits(name=-1.0) was refused ("must be a finite number > 0"), the same
    # number without a decimal point (a Python caller of MPCSession, a YAML 'max_step_m: -1'
    # read by a script) taken: filter_target then reversed and lengthened the step
    for value in (-1, 0, np.int64(-1), np.float32(-1.0)):
        with pytest.raises(ValueError, match=rf"^safety.{name} must lie in \(0, "):
            SafetyLimits(**{name: value})
    with pytest.raises(ValueError, match=f"^safety.{name} must be a number, got True"):
        SafetyLimits(**{name: True})  # a bool is no limit (True would read as 1)
    with pytest.raises(ValueError, match=rf"^safety.{name} must lie in \("):
        SafetyLimits(**{name: 1000})  # the declared range holds for an int as for a float
    assert getattr(SafetyLimits(**{name: np.float32(0.05)}), name) == np.float32(0.05)


def test_a_measured_pose_just_outside_the_box_plans_farther_out_holds():
    """An arm on a set-point at the box's floor overshoots by millimetres: still planned from."""
    limits = SafetyLimits()
    floor = limits.workspace_min[2]
    current = np.array([0.5, 0.0, floor, np.pi, 0.0, 0.0, 0.0])
    target = current.copy()
    target[2] = floor - 0.05  # below the floor: clamped onto it
    for dip in (0.0, 0.004, 0.009):
        measured = current.copy()
        measured[2] = floor - dip
        decision = filter_target(measured, target, limits)
        assert decision.target is not None and decision.target[2] == pytest.approx(floor), dip
    measured = current.copy()
    measured[2] = floor - 0.02
    reason = filter_target(measured, target, limits).reason
    assert "outside the workspace box (by more than safety.workspace_tolerance_m 0.01 m)" in reason
    assert reason.endswith("; move it back by hand")  # a real arm: a person brings it back
    advice = "nothing moves a simulated arm back"  # the simulator's, as an argument
    sim_reason = filter_target(measured, target, limits, outside_box_advice=advice).reason
    assert sim_reason == reason.replace("move it back by hand", advice)
    tight = SafetyLimits(workspace_tolerance_m=0.002)
    measured[2] = floor - 0.004
    assert "outside the workspace box" in filter_target(measured, target, tight).reason
    with pytest.raises(ValueError, match="workspace_tolerance_m"):
        SafetyLimits(workspace_tolerance_m=-0.01)


def test_the_set_point_starts_inside_the_box_and_never_outruns_the_speed_limit():
    """Enabled with the arm 9 mm under the floor: no 0.9 m/s lurch back into the box."""
    from vjepa_ros.robot.targets import SetpointStreamer

    limits = SafetyLimits()
    floor = limits.workspace_min[2]
    for dip in (0.002, 0.009):
        measured = np.array([0.5, 0.0, floor - dip, np.pi, 0.0, 0.0, 0.0])
        target = measured.copy()
        target[0] += 0.05
        decision = filter_target(measured, target, limits)
        streamer = SetpointStreamer(limits)
        streamer.reset(measured)
        assert streamer.setpoint[2] == pytest.approx(floor) and not streamer.velocity.any()
        streamer.set_target(decision.target, anchor=measured)
        previous = streamer.setpoint.copy()
        for _ in range(200):
            point = streamer.step(0.01)
            speed = np.linalg.norm(point[:3] - previous[:3]) / 0.01
            assert speed <= limits.max_speed_m_s + 1e-9, (dip, speed)
            previous = point.copy()
        assert streamer.setpoint[0] == pytest.approx(0.55, abs=1e-6)


def test_the_workspace_tolerance_is_bounded():
    assert SafetyLimits(workspace_tolerance_m=0.02).workspace_tolerance_m == 0.02
    with pytest.raises(ValueError) as caught:
        SafetyLimits(workspace_tolerance_m=0.5)
    assert str(caught.value) == ("safety.workspace_tolerance_m must lie in (0, 0.02], got 0.5: "
                                 "a measured pose farther outside the box is not tracking "
                                 "overshoot")


def test_a_step_of_exactly_max_step_passes_unchanged_from_any_start():
    # start + d·axis − start is not d in floats; such a step must not be reported as clipped
    # (the camera check's motions of distance_m == max_step_m were refused as "step 0.100 m").
    rng = np.random.default_rng(0)
    lower, upper = np.array(LOWER), np.array(UPPER)
    for _ in range(500):
        start = rng.uniform(lower + LIMITS.max_step_m, upper - LIMITS.max_step_m)
        axis = np.eye(3)[rng.integers(3)] * rng.choice([-1.0, 1.0])
        current = np.concatenate([start, [math.pi, 0.0, 0.0, 0.0]])
        proposed = current.copy()
        proposed[:3] = start + LIMITS.max_step_m * axis
        decision = filter_target(current, proposed, LIMITS)
        assert decision.reason == "", (start, axis, decision.reason)
        np.testing.assert_array_equal(decision.target[:3], proposed[:3])
    longer = current.copy()
    longer[:3] = start + (LIMITS.max_step_m + 1e-6) * axis  # a micrometre too long: shortened
    assert "step" in filter_target(current, longer, LIMITS).reason


def _ranged_configs():
    from vjepa_ros.robot.camera_check_motions import CheckMotionConfig
    from vjepa_ros.robot.camera_check_trial import CheckTrialConfig
    from vjepa_ros.robot.control_config import ControlConfig
    from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig
    from vjepa_ros.sim.detectors import DetectorConfig

    return [(SafetyLimits, "safety."), (CheckMotionConfig, "camera_check.motion."),
            (CheckTrialConfig, "camera_check.trial."), (ControlConfig, "control."),
            (GoalSwitchConfig, "goals."), (DetectorConfig, "DetectorConfig.")]


def test_a_value_below_a_range_is_worded_as_one_above_it():
    """A value below a declared range is refused in the words of one above it (user54u).

    ``safety.joint_limit_margin_rad`` 0 was "must be a finite number > 0", 0.6 "must lie in
    (0, 0.5]"; so were the other limits, the camera check's motion times, ``control.*``
    (``must be > 0``), ``goals.patience`` (``>= 0``), the trial's counts.

    Input: every ranged field of these settings at (or past) its low end, past its top, NaN:
    one wording, with the range, for each.
    """
    import dataclasses
    import math

    from vjepa_ros.config import format_range

    checked = 0
    for cls, prefix in _ranged_configs():
        for field in dataclasses.fields(cls):
            if "range" not in field.metadata:
                continue
            low, high = field.metadata["range"]
            low_open, high_open = (field.metadata.get(k, False) for k in ("low_open",
                                                                         "high_open"))
            shown = format_range((low, high), low_open, high_open,
                                 field.metadata.get("unit", ""))
            whole = field.type in ("int", int)
            values = [low if low_open else low - 1] + ([] if not math.isfinite(high) else
                                                      [high if high_open else high + 1])
            values += [] if whole else [math.nan]
            for value in values:
                with pytest.raises(ValueError) as caught:
                    cls(**{field.name: value})
                assert str(caught.value).startswith(
                    f"{prefix}{field.name} must lie in {shown}, got {value!r}"), caught.value
                checked += 1
    assert checked > 50

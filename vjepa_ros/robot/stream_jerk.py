"""The set-point stream's worst case against Franka's Cartesian jerk and acceleration limits.

The stream (:mod:`vjepa_ros.robot.targets`, :mod:`vjepa_ros.robot.velocity_ramp`) bounds the
set-point's speed and acceleration, not its jerk: from one tick to the next its acceleration may
turn from +max to −max (a target that turns round), a jerk of ``2·a_max·(1 + LANDING_SLACK)`` per
tick, times ``control.stream_rate_hz``. Franka's Cartesian jerk limit is a necessary condition
of a Cartesian motion (violated, the robot aborts it), so a parameter set whose worst case
exceeds it is refused at start (:func:`stream_jerk_problem`) instead of capped tick by tick: the
hot path stays as it is, and at the defaults (0.5 m/s², 2 rad/s²) every rate up to 1 kHz holds
(1010 m/s³, 4040 rad/s³). The acceleration itself reaches ``a_max·(1 + LANDING_SLACK)`` on a
landing tick, checked against the model's Cartesian acceleration limits at start too
(:func:`stream_accel_problem`: the FR3's 9 m/s², 17 rad/s² lie inside the parameters' ranges).
The largest accepted values a refusal advises are rounded down (:func:`at_most`): set as
advised, they are accepted.
"""

from __future__ import annotations

import math

from vjepa_ros.robot.velocity_ramp import LANDING_SLACK

# [m/s³, rad/s³] Franka's Cartesian jerk limits, translation and rotation ("Control Interface
# Specification and Robot Limits", frankarobotics.github.io/docs/robot_specifications.html:
# "Limits for Franka Emika Robot (FER)" and "Limits for Franka Research 3 (FR3)"), by robot.model
CARTESIAN_JERK_LIMITS = {"panda": (6500.0, 12500.0), "fr3": (4500.0, 8500.0)}
# [m/s², rad/s²] Franka's Cartesian acceleration limits, translation and rotation (the same
# pages; libfranka's rate_limiting.h: kMaxTranslationalAcceleration 13 and
# kMaxRotationalAcceleration 25 for the FER, 9 and 17 in its FR3 version), by robot.model
CARTESIAN_ACCEL_LIMITS = {"panda": (13.0, 25.0), "fr3": (9.0, 17.0)}
# the set-point's acceleration may change by this much of its limit in one tick: from +max to
# −max, the landing tick's slack included (velocity_ramp.LANDING_SLACK)
ACCEL_SWING = 2.0 * (1.0 + LANDING_SLACK)


def stream_jerk(accel: float, rate_hz: float) -> float:
    """Return the stream's worst-case jerk [m/s³ or rad/s³] at ``accel`` [m/s² or rad/s²]."""
    return ACCEL_SWING * accel * rate_hz


def stream_jerk_problem(rate_hz: float, accel: float, angular_accel: float,
                        model: str) -> str:
    """Return why the stream at these limits may exceed the arm's jerk limits ('' when it holds).

    ``rate_hz``: ``control.stream_rate_hz``; ``accel`` [m/s²], ``angular_accel`` [rad/s²]:
    ``safety.max_accel_m_s2``, ``safety.max_angular_accel_rad_s2``; ``model``: ``robot.model``
    (an unknown one: the Panda's limits, :class:`FrankaKinematics` names it). One line naming
    the parameters, the jerk, the limit and the largest accepted value of each (rounded down).
    """
    limits = CARTESIAN_JERK_LIMITS.get(model, CARTESIAN_JERK_LIMITS["panda"])
    problems = []
    for name, value, unit, limit in (
            ("safety.max_accel_m_s2", accel, "m/s", limits[0]),
            ("safety.max_angular_accel_rad_s2", angular_accel, "rad/s", limits[1])):
        jerk = stream_jerk(value, rate_hz)
        if jerk > limit:
            largest = at_most(limit / (ACCEL_SWING * rate_hz))
            fastest = at_most(limit / (ACCEL_SWING * value))
            problems.append(
                f"{name} {value:g} streams up to {jerk:.0f} {unit}³ of jerk, above the "
                f"{model}'s Cartesian limit {limit:g} {unit}³ (at most {largest:.4g} {unit}² at "
                f"this rate, or control.stream_rate_hz at most {fastest:.4g} Hz)")
    if not problems:
        return ""
    return (f"control.stream_rate_hz {rate_hz:g}: the set-point's acceleration may turn round "
            f"in one tick (jerk 2·accel·rate); {'; '.join(problems)}: lower them (Franka aborts "
            "a motion over its jerk limit)")


def stream_accel_problem(accel: float, angular_accel: float, model: str) -> str:
    """Return why the stream's acceleration may exceed the arm's limits ('' when it holds).

    ``accel`` [m/s²], ``angular_accel`` [rad/s²]: ``safety.max_accel_m_s2``,
    ``safety.max_angular_accel_rad_s2``; the stream reaches them times ``1 + LANDING_SLACK``
    (a landing tick). ``model``: ``robot.model`` (an unknown one: the Panda's limits). One line
    naming the parameters, the limit and the largest accepted value (rounded down).
    """
    limits = CARTESIAN_ACCEL_LIMITS.get(model, CARTESIAN_ACCEL_LIMITS["panda"])
    problems = []
    for name, value, unit, limit in (
            ("safety.max_accel_m_s2", accel, "m/s²", limits[0]),
            ("safety.max_angular_accel_rad_s2", angular_accel, "rad/s²", limits[1])):
        if value * (1.0 + LANDING_SLACK) > limit:
            problems.append(f"{name} {value:g} is above the {model}'s Cartesian acceleration "
                            f"limit {limit:g} {unit} (at most "
                            f"{at_most(limit / (1.0 + LANDING_SLACK)):.4g} {unit})")
    if not problems:
        return ""
    return (f"{'; '.join(problems)}: the set-point reaches the limit times {1 + LANDING_SLACK:g} "
            "on a landing tick; lower it (Franka aborts a motion over its acceleration limit)")


def at_most(value: float, digits: int = 4) -> float:
    """Return ``value`` > 0 rounded down to ``digits`` significant digits (as ``.4g`` shows it).

    The largest accepted value a refusal advises: rounded to nearest, set as advised, it was
    refused again (breaker54k).
    """
    shown = float(f"{value:.{digits}g}")
    if shown <= value:
        return shown
    unit = 10.0 ** (math.floor(math.log10(value)) - digits + 1)
    return float(f"{value - unit:.{digits}g}")

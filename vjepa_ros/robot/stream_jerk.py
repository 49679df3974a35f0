"""The set-point stream's worst-case jerk against Franka's Cartesian jerk limits (a start check).

The stream (:mod:`vjepa_ros.robot.targets`, :mod:`vjepa_ros.robot.velocity_ramp`) bounds the
set-point's speed and acceleration, not its jerk: from one tick to the next its acceleration may
turn from +max to −max (a target that turns round), a jerk of ``2·a_max·(1 + LANDING_SLACK)`` per
tick, times ``control.stream_rate_hz``. Franka's Cartesian jerk limit is a necessary condition
of a Cartesian motion (violated, the robot aborts it), so a parameter set whose worst case
exceeds it is refused at start (:func:`stream_jerk_problem`) instead of capped tick by tick: the
hot path stays as it is, and at the defaults (0.5 m/s², 2 rad/s²) every rate up to 1 kHz holds
(1010 m/s³, 4040 rad/s³).
"""

from __future__ import annotations

from vjepa_ros.robot.velocity_ramp import LANDING_SLACK

# [m/s³, rad/s³] Franka's Cartesian jerk limits, translation and rotation ("Control Interface
# Specification and Robot Limits", frankarobotics.github.io/docs/robot_specifications.html:
# "Limits for Franka Emika Robot (FER)" and "Limits for Franka Research 3 (FR3)"), by robot.model
CARTESIAN_JERK_LIMITS = {"panda": (6500.0, 12500.0), "fr3": (4500.0, 8500.0)}
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
    the parameters, the jerk, the limit and the largest accepted value of each.
    """
    limits = CARTESIAN_JERK_LIMITS.get(model, CARTESIAN_JERK_LIMITS["panda"])
    problems = []
    for name, value, unit, limit in (
            ("safety.max_accel_m_s2", accel, "m/s", limits[0]),
            ("safety.max_angular_accel_rad_s2", angular_accel, "rad/s", limits[1])):
        jerk = stream_jerk(value, rate_hz)
        if jerk > limit:
            largest, fastest = limit / (ACCEL_SWING * rate_hz), limit / (ACCEL_SWING * value)
            problems.append(
                f"{name} {value:g} streams up to {jerk:.0f} {unit}³ of jerk, above the "
                f"{model}'s Cartesian limit {limit:g} {unit}³ (at most {largest:.4g} {unit}² at "
                f"this rate, or control.stream_rate_hz at most {fastest:.4g} Hz)")
    if not problems:
        return ""
    return (f"control.stream_rate_hz {rate_hz:g}: the set-point's acceleration may turn round "
            f"in one tick (jerk 2·accel·rate); {'; '.join(problems)}: lower them (Franka aborts "
            "a motion over its jerk limit)")

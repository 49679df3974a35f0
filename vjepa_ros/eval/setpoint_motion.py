"""What reached the arm, measured from the streamed set-points (``target_pose``) alone.

From consecutive set-points — node-clock stamps [s], positions [m] and quaternions (x, y, z, w)
in the base frame — :func:`measure_setpoints` finds the largest step between two messages, the
largest linear and angular speed, how far any set-point lies outside the workspace box and how
far from the measured pose (its reach); :func:`limit_failures` compares them with the node's
``safety.*`` limits. This is what a person watching the command topic sees, independent of the
node's own bookkeeping (``benchmarks/bench_planner_safety.py``).

Speeds are taken over spans of at least ``span_s`` (default 50 ms, five stream ticks). The
planner node stamps each set-point with the session-clock time its tick computed it for
(``StreamOutput.stamp``), so a speed read from the stamps is the set-point's own; until
2026-12 the stamp was taken when the message was published, after the tick's work, and at full
speed a loaded machine read 0.106-0.119 m/s for a 0.1 m/s motion. A lurch shows in the steps:
the set-point moves at most ``max_speed_m_s`` for at most ``MAX_TICK_PERIODS`` stream periods
per message (``longest_step_m``).

A step longer than that which lands on the measured pose (within ``restart_tolerance_m``) is a
*restart*: the stream starting again at the arm (``SetpointStreamer.set_target``: the arm out
of the set-point's reach), a command moved onto the arm, not away from it. Restarts are counted
and their lengths kept; steps and speeds are measured between them. The node restarts at the
newest state *it* has, which under load is up to ``safety.max_state_age_s`` older than the
set-point's stamp: a watcher that gives the arm's poses over that window (``measured_xyz``
[N, K, 3]) has a restart onto any of them counted as one (a moving arm's restart read against
its pose at the stamp alone was a 27-32 mm "step" at 0.3-0.5 m/s, session 53).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.spatial.transform import Rotation

from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.targets import MAX_TICK_PERIODS
from vjepa_ros.robot.workspace_box import distance_outside_box

SPAN_S = 0.05  # [s] shortest span a speed is measured over
RESTART_TOLERANCE_M = 1e-3  # [m] a long step ending this close to the measured pose: a restart
# measured speeds may exceed the limit by this fraction: stamps are float64 seconds of the epoch
# (~0.2 µs apart), 4e-6 of a 50 ms span
SPEED_TOLERANCE = 1e-3


@dataclasses.dataclass(frozen=True)
class SetpointMotion:
    """The motion of a stream of set-points; lengths [m], angles [rad], speeds per second."""

    count: int  # set-points
    duration_s: float  # first to last stamp
    max_step_m: float  # longest translation between consecutive set-points (restarts excluded)
    max_rotation_step_rad: float  # largest rotation between consecutive set-points (same)
    max_speed_m_s: float  # over spans >= span_s, not across a restart
    max_angular_speed_rad_s: float
    outside_box_m: float  # farthest a set-point lies outside the workspace box (0: none)
    max_reach_m: float  # farthest from the measured pose clamped into the box (nan: not given)
    restarts: tuple[float, ...]  # lengths [m] of the restart steps, in order


def longest_step_m(limits: SafetyLimits, period_s: float) -> float:
    """Longest translation [m] of one stream tick: top speed for ``MAX_TICK_PERIODS`` periods."""
    return limits.max_speed_m_s * MAX_TICK_PERIODS * period_s


def _span_speeds(stamps, xyz, rotations, span_s):
    """Largest linear [m/s] and angular [rad/s] speed over spans >= ``span_s`` of one segment."""
    ends = np.searchsorted(stamps, stamps + span_s)
    starts = np.flatnonzero(ends < len(stamps))
    if starts.size == 0:
        return 0.0, 0.0
    ends = ends[starts]
    dt = stamps[ends] - stamps[starts]
    linear = np.linalg.norm(xyz[ends] - xyz[starts], axis=1) / dt
    angular = (rotations[ends] * rotations[starts].inv()).magnitude() / dt
    return float(linear.max()), float(angular.max())


def measure_setpoints(stamps, xyz, quat_xyzw, limits: SafetyLimits, period_s: float,
                      measured_xyz=None, span_s: float = SPAN_S,
                      restart_tolerance_m: float = RESTART_TOLERANCE_M) -> SetpointMotion:
    """Measure set-points: ``stamps`` [N] s (increasing), ``xyz`` [N, 3], ``quat_xyzw`` [N, 4].

    ``measured_xyz`` [N, 3]: the arm's measured TCP when each set-point was sent (None: no reach
    and no restarts are measured), or [N, K, 3]: K poses per set-point, the newest last, any of
    which the node may have restarted at (module docstring; the reach is the newest's);
    ``period_s``: the stream period (``control.stream_rate_hz``).
    Raises ValueError for fewer than two set-points or mismatched lengths.
    """
    stamps = np.asarray(stamps, dtype=float)
    xyz = np.asarray(xyz, dtype=float).reshape(-1, 3)
    quat = np.asarray(quat_xyzw, dtype=float).reshape(-1, 4)
    if not len(stamps) == len(xyz) == len(quat) or len(stamps) < 2:
        raise ValueError(f"need two or more set-points with one stamp, position and quaternion "
                         f"each, got {len(stamps)}, {len(xyz)}, {len(quat)}")
    rotations = Rotation.from_quat(quat)
    steps = np.linalg.norm(np.diff(xyz, axis=0), axis=1)
    turns = (rotations[1:] * rotations[:-1].inv()).magnitude()
    restart = np.zeros(len(steps), dtype=bool)
    reach = float("nan")
    if measured_xyz is not None:
        lower, upper = limits.box
        arm = np.asarray(measured_xyz, dtype=float)
        arm = np.clip(arm.reshape(len(xyz), -1, 3), lower, upper)  # [N, K, 3]
        gaps = np.linalg.norm(xyz[:, None, :] - arm, axis=2)
        reach = float(gaps[:, -1].max())
        landed = gaps.min(axis=1)[1:] <= restart_tolerance_m
        restart = (steps > longest_step_m(limits, period_s)) & landed
    cuts = np.flatnonzero(restart) + 1
    speed = angular = 0.0
    for part in np.split(np.arange(len(stamps)), cuts):
        if len(part) > 1:
            linear, turn = _span_speeds(stamps[part], xyz[part], rotations[part], span_s)
            speed, angular = max(speed, linear), max(angular, turn)
    kept = ~restart
    return SetpointMotion(
        count=len(stamps), duration_s=float(stamps[-1] - stamps[0]),
        max_step_m=float(steps[kept].max(initial=0.0)),
        max_rotation_step_rad=float(turns[kept].max(initial=0.0)),
        max_speed_m_s=speed, max_angular_speed_rad_s=angular,
        outside_box_m=float(distance_outside_box(xyz, limits).max()),
        max_reach_m=reach, restarts=tuple(float(s) for s in steps[restart]),
    )


def limit_failures(motion: SetpointMotion, limits: SafetyLimits, period_s: float,
                   speed_tolerance: float = SPEED_TOLERANCE) -> list[str]:
    """Return one ``FAIL: ...`` line per limit the set-points broke ([] when none).

    Limits: each step within ``longest_step_m`` (and the same for rotation), speeds within
    ``safety.max_speed_m_s`` / ``max_angular_speed_rad_s`` times ``1 + speed_tolerance`` and
    every set-point inside the box. ``max_reach_m`` is not judged: an arm the sensor moves at once
    (a benchmark's jump) is out of reach until the next plan re-anchors the stream.
    """
    tick = MAX_TICK_PERIODS * period_s
    checks = [
        ("set-point step", motion.max_step_m, longest_step_m(limits, period_s), "m",
         f"safety.max_speed_m_s {limits.max_speed_m_s:g} × {tick * 1e3:g} ms"),
        ("set-point rotation step", motion.max_rotation_step_rad,
         limits.max_angular_speed_rad_s * tick, "rad",
         f"safety.max_angular_speed_rad_s {limits.max_angular_speed_rad_s:g} × {tick * 1e3:g} ms"),
        ("linear speed", motion.max_speed_m_s, limits.max_speed_m_s * (1 + speed_tolerance),
         "m/s", f"safety.max_speed_m_s {limits.max_speed_m_s:g} + {speed_tolerance:.1%}"),
        ("angular speed", motion.max_angular_speed_rad_s,
         limits.max_angular_speed_rad_s * (1 + speed_tolerance), "rad/s",
         f"safety.max_angular_speed_rad_s {limits.max_angular_speed_rad_s:g} + "
         f"{speed_tolerance:.1%}"),
        ("distance outside the workspace box", motion.outside_box_m, 0.0, "m", "the box"),
    ]
    return [f"FAIL: {what} {value:.4g} {unit} > {limit:.4g} {unit} ({source})"
            for what, value, limit, unit, source in checks if value > limit + 1e-9]

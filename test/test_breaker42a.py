"""breaker42a: motions the robot command layer commands that it must not (strict xfails).

Attacked at commit 6f8dacc (main's HEAD): the layer between a plan and the arm's controller,
not attacked since breaker32r: ``robot/safety.py`` (filter_target), ``robot/targets.py``
(SetpointStreamer), ``robot/stream_session.py``, ``robot/command_session.py``,
``robot/async_session.py``, ``robot/predicted_start.py``, ``robot/goals.py`` /
``robot/goal_session.py`` (sub-goal switching, the gripper) and the planner node's gripper and
set-point outputs. Each test asserts what SHOULD happen and fails now; its docstring says why a
lab would meet it. ROS-free, CPU, well under a second each.
"""

import math

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.targets import SetpointStreamer

LIMITS = SafetyLimits()
DT = 0.01  # the default stream period (control.stream_rate_hz 100)
START = np.array([0.5, 0.0, 0.3, math.pi, 0.0, 0.0, 0.0])


def _speeds(setpoints: np.ndarray, part: str) -> np.ndarray:
    """Per-tick velocity [m/s] or angular velocity [rad/s] vectors of a set-point sequence."""
    if part == "translation":
        return np.diff(setpoints[:, :3], axis=0) / DT
    turns = Rotation.from_euler("xyz", setpoints[:, 3:6])
    return np.array([(turns[i + 1] * turns[i].inv()).as_rotvec() / DT
                     for i in range(len(setpoints) - 1)])


@pytest.mark.xfail(strict=True, reason=(
    "a new target closer ahead than the braking distance (v²/2a: 1 cm, 0.06 rad) of the "
    "moving set-point is landed on in one tick with the velocity zeroed: 0.085 -> 0.03 -> 0 m/s "
    "(5.5 m/s², limit 0.5) or 0.46 -> 0.06 -> 0 rad/s (40 rad/s², limit 2): the 'late tick' "
    "landing of SetpointStreamer.step fires on regular ticks"))
@pytest.mark.parametrize("part", ["translation", "rotation"])
def test_a_retarget_inside_the_braking_distance_brakes_within_the_acceleration_limit(part):
    """A set-point retargeted inside its braking distance brakes within the limits.

    README: set-points move "with acceleration <= safety.max_accel_m_s2 (same for rotation),
    exact discrete braking so it lands without a velocity jump"; only a late tick may land early.

    In continuous mode every new frame's plan retargets the moving set-point (target = measured
    pose ⊕ action, anchored on the measured pose, which lags the set-point). Near the goal the
    planned steps shrink to millimetres, so a new target a few mm (or 0.01 rad) ahead of a
    set-point still at full speed is ordinary. The set-point must brake within the limits
    (overshooting and coming back, as it does for a target behind it), not stop dead: Franka's
    Cartesian motion generators abort on such acceleration discontinuities.
    """
    streamer = SetpointStreamer(LIMITS)
    streamer.reset(START)
    first = START.copy()
    index = 0 if part == "translation" else 5
    first[index] += 0.09 if part == "translation" else 0.3
    streamer.set_target(first, anchor=START)
    setpoints = [START.copy()] + [streamer.step(DT) for _ in range(50)]
    speed = float(np.linalg.norm(_speeds(np.array(setpoints[-3:]), part)[-1]))
    full = LIMITS.max_speed_m_s if part == "translation" else LIMITS.max_angular_speed_rad_s
    assert speed == pytest.approx(full), "the set-point is not at full speed yet"
    measured = setpoints[-1].copy()
    measured[index] -= 0.01 if part == "translation" else 0.02  # the arm lags its set-point
    near = setpoints[-1].copy()
    near[index] += 0.003 if part == "translation" else 0.01  # a small step of the next plan
    streamer.set_target(near, anchor=measured)
    setpoints += [streamer.step(DT) for _ in range(80)]
    velocities = _speeds(np.array(setpoints), part)
    accel = np.linalg.norm(np.diff(velocities, axis=0), axis=1).max() / DT
    limit = LIMITS.max_accel_m_s2 if part == "translation" else LIMITS.max_angular_accel_rad_s2
    assert accel <= limit * 1.02 + 1e-6, (
        f"{part}: the set-point changed speed at {accel:.2f} per s² (limit {limit:g}) when "
        "retargeted inside its braking distance")

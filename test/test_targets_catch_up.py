"""The set-point streamer under a timer catching up (fix51h): any tick may be the short one.

rcl's timer calls at the next period after a late call, so a late tick L is followed by a short
one (19 ms then 1 ms; 25 then 5; 30 then 0.1). ``face_braking.face_stopping_speed`` ends every
tick with room to brake onto each box face and the reach's ball (translation and rotation)
within the acceleration limit whatever the next tick's length (breaker50h 3, fix51i).
Accelerations are read from the set-points and their ticks (each tick's change of velocity
over its own length, as ``test_breaker50h`` reads them). ROS-free,
CPU, a few seconds.
"""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from vjepa_ros.robot.safety import SafetyLimits, filter_target
from vjepa_ros.robot.targets import SetpointStreamer

LIMITS = SafetyLimits()  # box floor z = 0.05 m, max_accel_m_s2 0.5, max_speed_m_s 0.1
DT = 0.01  # the default stream period
LOWER, UPPER = np.array(LIMITS.workspace_min), np.array(LIMITS.workspace_max)
HAND_DOWN = np.array([np.pi, 0.0, 0.0, 0.0])
CATCH_UPS = [(0.019, 0.001), (0.025, 0.005), (0.03, 0.0001)]  # [s] the late tick, the next
STARTS_AND_TARGETS = {  # (start [7], target [7]) each within max_step_m
    "floor": (np.r_[0.5, 0.0, 0.13, HAND_DOWN], np.r_[0.5, 0.0, LOWER[2], HAND_DOWN]),
    "wall": (np.r_[0.5, LOWER[1] + 0.07, 0.3, HAND_DOWN], np.r_[0.5, LOWER[1], 0.3, HAND_DOWN]),
    "corner": (np.r_[LOWER + 0.05, HAND_DOWN], np.r_[LOWER, HAND_DOWN]),
    "mid-air": (np.r_[0.5, 0.0, 0.3, HAND_DOWN], np.r_[0.5, -0.06, 0.3, HAND_DOWN]),
    # plans past max_step_m, clipped onto the reach's ball (fix51i)
    "reach": (np.r_[0.5, 0.0, 0.3, HAND_DOWN], np.r_[0.5, 0.3, 0.3, HAND_DOWN]),
    "reach, diagonal": (np.r_[0.5, 0.0, 0.3, HAND_DOWN], np.r_[0.7, -0.2, 0.1, HAND_DOWN]),
    "turn reach": (np.r_[0.5, 0.0, 0.3, HAND_DOWN], np.r_[0.5, 0.0, 0.3, np.pi, 0.0, 1.5, 0.0]),
}


def peak_speed_and_acceleration(setpoints, dts) -> tuple[float, float]:
    """Peak speed [m/s] and acceleration [m/s²] of ``setpoints`` [N+1, 7] over ``dts`` [N] [s]."""
    dts = np.asarray(dts)
    velocities = np.diff(np.asarray(setpoints)[:, :3], axis=0) / dts[:, None]
    changes = np.linalg.norm(np.diff(velocities, axis=0), axis=1) / dts[1:]
    return float(np.linalg.norm(velocities, axis=1).max()), float(changes.max())


def peak_turn_rate_and_acceleration(setpoints, dts) -> tuple[float, float]:
    """Peak angular speed [rad/s] and acceleration [rad/s²] of ``setpoints`` [N+1, 7]."""
    dts = np.asarray(dts)
    orientations = Rotation.from_euler("xyz", np.asarray(setpoints)[:, 3:6])
    spins = (orientations[1:] * orientations[:-1].inv()).as_rotvec() / dts[:, None]
    changes = np.linalg.norm(np.diff(spins, axis=0), axis=1) / dts[1:]
    return float(np.linalg.norm(spins, axis=1).max()), float(changes.max())


def stream(start, target, dts, streamer=None):
    """Set-points [N+1, 7] of a streamer from ``start`` to ``target`` (made safe) over ``dts``."""
    streamer = streamer or SetpointStreamer(LIMITS)
    streamer.reset(start)
    streamer.set_target(filter_target(start, target, LIMITS).target, anchor=start)
    return np.array([start.copy()] + [streamer.step(dt) for dt in dts])


@pytest.mark.parametrize("late_s, catch_up_s", CATCH_UPS)
@pytest.mark.parametrize("where", sorted(STARTS_AND_TARGETS))
def test_a_catch_up_tick_anywhere_in_the_motion_stays_within_the_limits(where, late_s,
                                                                        catch_up_s):
    """Reach a target on the floor, a wall, a corner or in the air within the limits.

    Input: ticks of ``DT`` but one late tick and the short one after it, placed at every fifth
    tick of the motion (the ramp up, full speed, the braking, its last steps, the arrival).
    Should: every acceleration <= ``max_accel_m_s2`` (2 % for rounding), speed <=
    ``max_speed_m_s``, the target reached (within float rounding: the reach clamp keeps a
    point 1e-12 of the radius inside) and at rest; the same for the turn. Before fix51h, onto
    the floor (19 + 1 ms at tick 110): 0.79 m/s²; before fix51i, onto the reach's ball (19 + 1
    ms at tick 120): 2.76 m/s², 30 + 0.1 ms: 26.7; onto the rotation's (0.35 rad): 10.5 and
    66.6 rad/s² (limit 2).
    """
    start, target = STARTS_AND_TARGETS[where]
    safe = filter_target(start, target, LIMITS).target
    for late_tick in range(1, 140, 5):
        dts = [DT] * 200
        dts[late_tick:late_tick + 2] = late_s, catch_up_s
        streamer = SetpointStreamer(LIMITS)
        setpoints = stream(start, target, dts, streamer)
        speed, accel = peak_speed_and_acceleration(setpoints, dts)
        assert accel <= LIMITS.max_accel_m_s2 * 1.02, f"tick {late_tick}: {accel:.3f} m/s²"
        assert speed <= LIMITS.max_speed_m_s * 1.02, f"tick {late_tick}: {speed:.4f} m/s"
        spin, spin_accel = peak_turn_rate_and_acceleration(setpoints, dts)
        assert spin_accel <= LIMITS.max_angular_accel_rad_s2 * 1.02, f"tick {late_tick}"
        assert spin <= LIMITS.max_angular_speed_rad_s * 1.02, f"tick {late_tick}"
        assert streamer.arrived()
        assert np.abs(setpoints[-1][:3] - safe[:3]).max() <= 1e-12


def random_ticks(rng, count: int) -> list[float]:
    """Tick lengths [s]: mostly ``DT`` (±10 % jitter), some late ones each caught up after.

    A late tick of 1-5 periods is followed by what is left to the next whole period (rcl's
    timer), at least 10 µs.
    """
    dts = []
    while len(dts) < count:
        if rng.random() < 0.1:
            late = rng.uniform(DT, 5 * DT)
            dts += [late, max(np.ceil(late / DT) * DT - late, 1e-5)]
        else:
            dts.append(DT * rng.uniform(0.9, 1.1) if rng.random() < 0.3 else DT)
    return dts[:count]


@pytest.mark.parametrize("seed", range(4))
def test_random_catch_up_ticks_and_retargets_near_the_faces_stay_within_the_limits(seed):
    """Fuzz: random starts near faces, targets on or off them, retargets, catch-up ticks.

    Each run: a start 0-3 cm inside one to three lower faces, a target through
    ``filter_target`` (a plan through the faces is clipped onto them; within ``max_step_m``:
    ``test_face_braking_fuzz`` clips plans onto the reach's ball), a new target from the
    set-point at a random tick, late ticks each caught up after; then steady ticks until it
    arrives. Should: acceleration <= ``max_accel_m_s2``·1.02 and speed <= ``max_speed_m_s``·1.02
    over the set-points' ticks; every target reached.
    """
    rng = np.random.default_rng(seed)
    for _ in range(15):
        start = np.r_[rng.uniform(LOWER + 0.1, UPPER - 0.1), HAND_DOWN]
        faces = rng.random(3) < 0.5
        start[:3][faces] = LOWER[faces] + rng.uniform(0.0, 0.03, int(faces.sum()))
        streamer = SetpointStreamer(LIMITS)
        streamer.reset(start)
        streamer.set_target(filter_target(start, start + np.r_[rng.uniform(-0.05, 0.05, 3), 0, 0,
                                                                 0, 0], LIMITS).target,
                            anchor=start)
        dts = random_ticks(rng, 150) + [DT] * 150
        retarget = int(rng.integers(5, 100))
        setpoints = [start.copy()]
        for tick, dt in enumerate(dts):
            if tick == retarget:
                here = streamer.setpoint.copy()
                plan = here + np.r_[rng.uniform(-0.05, 0.05, 3), 0, 0, 0, 0]
                streamer.set_target(filter_target(here, plan, LIMITS).target, anchor=here)
            setpoints.append(streamer.step(dt))
        speed, accel = peak_speed_and_acceleration(setpoints, dts)
        assert accel <= LIMITS.max_accel_m_s2 * 1.02, f"{accel:.3f} m/s²"
        assert speed <= LIMITS.max_speed_m_s * 1.02, f"{speed:.4f} m/s"
        assert streamer.arrived()

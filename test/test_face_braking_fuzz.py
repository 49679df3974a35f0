"""Fuzz of the face braking rule (fix51h, fix51i): box faces and the reach's ball, any ticks.

``face_braking.face_stopping_speed`` ends every tick with room to stop before each box face and
the reach's ball (translation and rotation) at ``max_accel·FACE_ACCEL_SHARE``, whatever the
next tick. Seeded runs: targets inside the box, outside it (clipped onto a face), 1 mm and 1 µm
from a face, past ``max_step_m`` (clipped onto the reach's ball), turns past
``max_rotation_step_rad``; ticks steady with ±10 % jitter, late ticks each caught up after,
bursts of 1 ms ticks, a 50 ms stall (the longest tick ``MPCSession.stream_step`` passes);
new targets mid-motion (mid-brake included) and stops (a new target at the set-point). Read
from the set-points and their ticks as the README does (speed: a step over its tick;
acceleration: the change of velocity over the later tick). ROS-free, CPU, a few seconds.
"""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from vjepa_ros.robot.face_braking import FACE_ACCEL_SHARE
from vjepa_ros.robot.safety import SafetyLimits, filter_target
from vjepa_ros.robot.targets import SetpointStreamer

LIMITS = SafetyLimits()
DT = 0.01  # [s] the usual tick
LOWER, UPPER = np.array(LIMITS.workspace_min), np.array(LIMITS.workspace_max)
HAND_DOWN = np.array([np.pi, 0.0, 0.0])


def random_ticks(rng, count: int) -> list[float]:
    """Tick lengths [s]: runs of steady or jittered ticks, catch-up pairs, 1 ms bursts, stalls."""
    dts: list[float] = []
    while len(dts) < count:
        kind = rng.integers(5)
        if kind == 0:  # a late tick, then what is left to the next period (rcl's timer)
            late = rng.uniform(DT, 4 * DT)
            dts += [late, max(np.ceil(late / DT) * DT - late, 1e-5)]
        elif kind == 1:  # a burst of 1 ms ticks
            dts += [0.001] * int(rng.integers(3, 20))
        elif kind == 2:  # a 50 ms stall
            dts.append(5 * DT)
        else:  # steady, ±10 % jitter or not
            jitter = rng.uniform(0.9, 1.1, int(rng.integers(3, 15)))
            dts += list(DT * (jitter if kind == 3 else np.ones_like(jitter)))
    return dts[:count]


def random_plan(rng, here) -> np.ndarray:
    """Return a plan [7] from ``here`` [7], made safe: inside, outside, near a face, past reach."""
    plan = here.copy()
    kind = rng.integers(5)
    if kind == 0:  # past max_step_m: clipped onto the reach's ball
        direction = rng.normal(size=3)
        plan[:3] += direction / np.linalg.norm(direction) * rng.uniform(0.1, 0.3)
    elif kind == 1:  # 1 mm or 1 µm from one or two faces
        faces = rng.random(3) < 0.5
        gap = rng.choice([1e-3, 1e-6])
        plan[:3] += rng.uniform(-0.04, 0.04, 3)
        plan[:3][faces] = np.where(rng.random(3) < 0.5, LOWER + gap, UPPER - gap)[faces]
    elif kind == 2:  # outside the box: clipped onto its faces
        plan[:3] += rng.uniform(-0.3, 0.3, 3)
    else:  # a step inside
        plan[:3] += rng.uniform(-0.06, 0.06, 3)
    if rng.random() < 0.5:  # a turn, up to past max_rotation_step_rad
        plan[3:6] = (Rotation.from_rotvec(rng.normal(size=3) * 0.3)
                     * Rotation.from_euler("xyz", here[3:6])).as_euler("xyz")
    return filter_target(here, plan, LIMITS).target


def arrival_bound_s(distance: float, speed: float, turn: float, spin: float) -> float:
    """Return the longest time [s] from a target's setting to its arrival, under any ticks.

    ``distance`` [m] / ``turn`` [rad] left and ``speed`` [m/s] / ``spin`` [rad/s] at the
    setting. At worst: stop from the speed at the slowest planned braking (a face's,
    ``max_accel·FACE_ACCEL_SHARE``), travel what is left plus what that stop passed by at full
    speed, ramping up and down at that braking (one more stop's time), plus 10 ticks for the
    landing's last steps (the room squares each tick near a face); the larger of translation
    and rotation.
    """
    def bound(left, rate, top, accel):
        slowest = accel * FACE_ACCEL_SHARE
        return rate / slowest + (left + rate ** 2 / (2 * slowest)) / top + top / slowest

    return max(bound(distance, speed, LIMITS.max_speed_m_s, LIMITS.max_accel_m_s2),
               bound(turn, spin, LIMITS.max_angular_speed_rad_s,
                     LIMITS.max_angular_accel_rad_s2)) + 10 * DT


def check_motion(setpoints, dts) -> None:
    """Assert the set-points' [N+1, 7] speeds, accelerations (of their ticks ``dts`` [N]), box."""
    setpoints, dts = np.asarray(setpoints), np.asarray(dts)
    assert (setpoints[:, :3] >= LOWER).all() and (setpoints[:, :3] <= UPPER).all()
    velocities = np.diff(setpoints[:, :3], axis=0) / dts[:, None]
    orientations = Rotation.from_euler("xyz", setpoints[:, 3:6])
    spins = (orientations[1:] * orientations[:-1].inv()).as_rotvec() / dts[:, None]
    for rates, top, accel in ((velocities, LIMITS.max_speed_m_s, LIMITS.max_accel_m_s2),
                              (spins, LIMITS.max_angular_speed_rad_s,
                               LIMITS.max_angular_accel_rad_s2)):
        changes = np.linalg.norm(np.diff(rates, axis=0), axis=1) / dts[1:]
        worst = int(changes.argmax())
        assert np.linalg.norm(rates, axis=1).max() <= top * 1.02
        assert changes[worst] <= accel * 1.02, \
            f"{changes[worst]:.3f} at tick {worst + 1} ({dts[worst]:.4f}, {dts[worst + 1]:.4f} s)"


@pytest.mark.parametrize("seed", range(4))
def test_random_targets_and_ticks_stay_within_the_limits_and_arrive(seed):
    """Fuzz: each run random plans (three retargets or stops) under random ticks, then arrival.

    Should: speed and acceleration (linear and angular) within the limits ·1.02, every
    set-point in the box, and the last target reached within :func:`arrival_bound_s` (the
    rule must not creep: a target 1 µm from a face is reached, not neared forever).
    """
    rng = np.random.default_rng(5100 + seed)
    for _ in range(8):
        start = np.r_[rng.uniform(LOWER, UPPER), HAND_DOWN, 0.0]
        streamer = SetpointStreamer(LIMITS)
        streamer.reset(start)
        setpoints, dts = [start.copy()], []
        here = start
        for _ in range(3):
            if rng.random() < 0.2:  # a stop: brake and come back to where it was told
                target = here.copy()
            else:
                target = random_plan(rng, here)
            streamer.set_target(target, anchor=here)
            for dt in random_ticks(rng, int(rng.integers(5, 120))):
                setpoints.append(streamer.step(dt))
                dts.append(dt)
            here = streamer.setpoint.copy()
        target = random_plan(rng, here)
        streamer.set_target(target, anchor=here)
        speed = float(np.linalg.norm(streamer.velocity))
        spin = float(np.linalg.norm(streamer.angular_velocity))
        bound = arrival_bound_s(float(np.linalg.norm(target[:3] - here[:3])), speed,
                                streamer.rotation_left(), spin)
        elapsed = 0.0
        arrival = iter(random_ticks(rng, 400) + [DT] * 1000)  # the landing under any ticks too
        while not streamer.arrived():
            dt = next(arrival)
            setpoints.append(streamer.step(dt))
            dts.append(dt)
            elapsed += dt
            assert elapsed <= bound, f"not arrived after {bound:.2f} s"
        check_motion(setpoints, dts)

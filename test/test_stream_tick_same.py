"""The stream tick's faster floats (perf51) publish main's set-points bit for bit.

``face_braking.stopping_speed`` / ``face_stopping_speed`` take a math-module path on floats,
``face_braked`` brakes the box's faces one float at a time, and ``SetpointStreamer`` keeps what
depends only on the target's, the anchor's and the set-point's orientation. The reference is
the code of main at fix51i (``REFERENCE``, imported from ``git show`` by
``benchmarks.stream_versions``): seeded random streams (targets on and beyond the box's faces,
past the reach, turns past the rotation's reach, retargets, holds, restarts; steady, jittered,
catch-up, 1 ms and 50 ms ticks, zero ticks) must give every set-point, velocity and angular
velocity with the same bits (exact equality, the sign of zero included: math.sqrt and np.sqrt
are both IEEE-rounded, so no ulp is allowed). ROS-free, CPU, a few seconds.
"""

import numpy as np
import pytest

from benchmarks.stream_versions import module_at, streamer_at
from vjepa_ros.robot import face_braking
from vjepa_ros.robot.safety import SafetyLimits, filter_target
from vjepa_ros.robot.targets import SetpointStreamer

REFERENCE = "930825ac"  # main at fix51i: the numpy-only tick
LIMITS = SafetyLimits()
LOWER, UPPER = np.array(LIMITS.workspace_min), np.array(LIMITS.workspace_max)
HAND_DOWN = np.array([np.pi, 0.0, 0.0])


def bits(values) -> np.ndarray:
    """Return the float64 ``values`` as their bit patterns (so -0.0 differs from 0.0)."""
    return np.asarray(values, dtype=np.float64).reshape(-1).view(np.uint64)


def random_position(rng) -> np.ndarray:
    """Return a position [3] in the box, on a face, a corner or just outside (tolerance)."""
    xyz = rng.uniform(LOWER, UPPER)
    for axis in np.flatnonzero(rng.random(3) < 0.4):
        face = LOWER[axis] if rng.random() < 0.5 else UPPER[axis]
        xyz[axis] = face + rng.choice([0.0, 1e-6, -1e-6, 1e-3, -1e-3, 0.004])
    return xyz


def random_target(rng, start) -> np.ndarray:
    """Return a target [7] near ``start``: within reach, on a face, far past the reach; turned."""
    kind = rng.integers(4)
    if kind == 0:
        xyz = start[:3] + rng.normal(0, 0.03, 3)
    elif kind == 1:
        xyz = random_position(rng)
    elif kind == 2:
        xyz = start[:3] + rng.normal(0, 0.3, 3)  # past the reach: clipped onto its edge
    else:
        xyz = start[:3].copy()
    turn = rng.normal(0, [0.05, 0.05, 0.2]) * rng.choice([0.0, 1.0, 5.0])
    return np.r_[xyz, HAND_DOWN + turn, rng.uniform(0, 0.08)]


def random_ticks(rng, count) -> list:
    """Return tick lengths [s]: steady, jittered, catch-ups, 1 ms bursts, 50 ms stalls, zeros."""
    pattern = rng.integers(5)
    ticks = [0.01] * count
    if pattern == 1:
        ticks = list(rng.uniform(0.008, 0.012, count))
    elif pattern == 2:
        for at in range(int(rng.integers(3)), count - 1, int(rng.integers(3, 9))):
            ticks[at:at + 2] = [(0.019, 0.001), (0.025, 0.005), (0.03, 1e-4)][at % 3]
    elif pattern == 3:
        ticks = list(rng.choice([0.001, 0.01, 0.05, 0.0, 0.012], count))
    elif pattern == 4:
        ticks = list(rng.choice([0.0099, 0.0101, 0.02, 0.0005], count))
    return [float(tick) for tick in ticks]


def drive(streamers, rng) -> int:
    """Drive the ``streamers`` alike through a random stream; assert equal bits; return ticks."""
    start = np.r_[random_position(rng), HAND_DOWN + rng.normal(0, 0.05, 3), 0.04]
    for streamer in streamers:
        streamer.reset(start)
    compared = 0
    for _ in range(int(rng.integers(1, 4))):  # targets one after the other (retargets)
        anchor = np.r_[streamers[0].setpoint[:3] + rng.normal(0, 0.002, 3),
                       streamers[0].setpoint[3:]] if rng.random() < 0.8 else None
        base = streamers[0].setpoint if anchor is None else anchor
        target = filter_target(base, random_target(rng, base), LIMITS).target
        for streamer in streamers:
            streamer.set_target(target, anchor=anchor, purpose="goal")
        for dt in random_ticks(rng, int(rng.integers(20, 160))):
            event = rng.random()
            if event < 0.01:
                for streamer in streamers:
                    streamer.hold()
            elif event < 0.02:
                away = streamers[0].setpoint + np.r_[rng.normal(0, 0.01, 3), 0, 0, 0, 0]
                gaps = {streamer.restart_if_away(away, 0.005, 0.05) for streamer in streamers}
                assert len(gaps) == 1
            outputs = [streamer.step(dt) for streamer in streamers]
            for streamer, output in zip(streamers[1:], outputs[1:], strict=True):
                assert np.array_equal(bits(output), bits(outputs[0]))
                assert np.array_equal(bits(streamer.velocity), bits(streamers[0].velocity))
                assert np.array_equal(bits(streamer.angular_velocity),
                                      bits(streamers[0].angular_velocity))
                assert streamer.arrived() == streamers[0].arrived()
            compared += 1
    return compared


@pytest.mark.parametrize("seed", range(4))
def test_every_set_point_has_main_s_bits(seed):
    """Stream 25 random streams through main's and this tick; compare every output's bits.

    Input: per seed, 25 streams of 1-3 targets (within reach, on/near a box face or corner,
    past the reach, turns up to past the rotation's reach; anchored or not) over random tick
    patterns, with holds and restarts. Should: every set-point [7], velocity and angular
    velocity the same bits as main's (fix51i) code. A reused Rotation of a changed pose, a
    math path that rounds otherwise, a face dropped from the float loop would differ.
    """
    rng = np.random.default_rng(seed)
    reference = streamer_at(REFERENCE)
    compared = sum(drive([reference(LIMITS), SetpointStreamer(LIMITS)], rng)
                   for _ in range(25))
    assert compared > 1000


DISTANCES = [0.0, -0.0, -1e-3, 5e-324, 1e-300, 1e-12, 1e-9, 1e-6, 3e-5, 1e-3, 0.00999, 0.05,
             0.1, 0.35, 1.0, 37.0, 1e6]
TICKS = [(0.01, 0.01), (0.019, 0.001), (0.03, 1e-4), (0.05, 0.01), (0.012, 0.0099),
         (1e-4, 1e-4), (0.5, 0.001)]


@pytest.mark.parametrize("dt, next_dt", TICKS)
def test_float_paths_give_the_array_paths_bits(dt, next_dt):
    """Compare the float path with main's numpy code and with this code's array path.

    Input: distances from -1 mm through 0, -0.0, subnormal, µm to 1e6 m; late, catch-up and
    usual ticks; random distances too. Should: ``stopping_speed`` and ``face_stopping_speed``
    of each float the same bits as main's (a numpy float) and as the array of all of them,
    and a float back.
    """
    old = module_at(REFERENCE, "face_braking")
    rng = np.random.default_rng(int(dt * 1e5))
    distances = DISTANCES + list(rng.exponential(0.05, 200))
    for accel in (0.5, 0.5 * face_braking.FACE_ACCEL_SHARE, 2.0):
        for name in ("stopping_speed", "face_stopping_speed"):
            new_function, old_function = getattr(face_braking, name), getattr(old, name)
            floats = [new_function(d, accel, dt, next_dt) for d in distances]
            assert all(isinstance(speed, float) for speed in floats)
            expected = bits([old_function(d, accel, dt, next_dt) for d in distances])
            assert np.array_equal(bits(floats), expected), name
            assert np.array_equal(bits(new_function(np.array(distances), accel, dt, next_dt)),
                                  expected), name

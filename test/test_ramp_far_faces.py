"""ramp_velocity's early exit far from the box's faces gives the full computation's velocity.

Far from every face (each room's stopping speed at least ``max_speed`` and every velocity
component), the faces' clips cannot act: ``room`` is skipped. These tests pin that the skip
changes no output: exactly the ``room=None`` velocity where it applies, exactly the clipped
computation (``face_braked``) over random near and far faces, usual, late and jittered ticks.
"""

import numpy as np

from vjepa_ros.robot.face_braking import FACE_ACCEL_SHARE, face_braked, stopping_speed
from vjepa_ros.robot.velocity_ramp import _wanted_velocity, ramp_velocity

STREAM_DT = 0.01  # [s] the usual tick


def _case(rng, near: bool):
    """Return random (velocity, remaining, max_speed, max_accel, dt, next_dt, room)."""
    max_speed = rng.uniform(0.05, 0.5)
    max_accel = rng.uniform(0.2, 3.0)
    velocity = rng.uniform(-1.5, 1.5, 3) * max_speed * rng.choice([0.0, 0.1, 1.0])
    remaining = rng.normal(size=3) * 10 ** rng.uniform(-5, 0) * rng.choice([0.0, 1.0],
                                                                           p=[.05, .95])
    next_dt = STREAM_DT * rng.uniform(0.9, 1.1)  # a jittered timer
    dt = next_dt * rng.choice([1.0, rng.uniform(0.8, 1.25), rng.uniform(1.0, 5.0)])  # late ticks
    if near:  # some axes on, or past, a face
        room = 10 ** rng.uniform(-5, -1, (2, 3)) * rng.choice([1.0, 1.0, 1.0, 0.0, -0.1], (2, 3))
    else:
        room = 10 ** rng.uniform(-1, 1, (2, 3))
    return velocity, remaining, max_speed, max_accel, dt, next_dt, (room[0], room[1])


def test_far_from_every_face_the_room_changes_nothing():
    rng = np.random.default_rng(50)
    skipped = 0
    for _ in range(5000):
        velocity, remaining, max_speed, max_accel, dt, next_dt, room = _case(rng, near=False)
        nearest = min(room[0].min(), room[1].min())
        fastest = max(max_speed, np.abs(velocity).max())
        if stopping_speed(nearest, max_accel * FACE_ACCEL_SHARE, dt, next_dt) < fastest:
            continue  # a face within the fastest motion's stop: not this test's case
        skipped += 1
        free = ramp_velocity(velocity, remaining, max_speed, max_accel, dt, next_dt)
        boxed = ramp_velocity(velocity, remaining, max_speed, max_accel, dt, next_dt, room)
        assert np.array_equal(free, boxed), (velocity, remaining, room, dt, next_dt)
        full = face_braked(velocity, _wanted_velocity(remaining, max_speed, max_accel, dt,
                                                       next_dt), room, max_accel, dt, next_dt)
        assert np.array_equal(full, boxed), (velocity, remaining, room, dt, next_dt)
    assert skipped > 1000, skipped  # the far cases are most of them


def test_the_early_exit_equals_the_full_computation_near_and_far():
    rng = np.random.default_rng(51)
    braked = 0
    for k in range(20_000):
        velocity, remaining, max_speed, max_accel, dt, next_dt, room = _case(rng, near=k % 2 == 0)
        wanted = _wanted_velocity(remaining, max_speed, max_accel, dt, next_dt)
        full = face_braked(velocity, wanted, room, max_accel, dt, next_dt)
        fast = ramp_velocity(velocity, remaining, max_speed, max_accel, dt, next_dt, room)
        assert np.array_equal(full, fast), (velocity, remaining, room, dt, next_dt)
        braked += not np.allclose(fast, ramp_velocity(velocity, remaining, max_speed, max_accel,
                                                      dt, next_dt))
    assert braked > 2000, braked  # the faces acted in many of the cases

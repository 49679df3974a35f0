"""breaker50h: the set-point streamer after fix50d (faces braked ahead, late ticks, stream clock).

Attacked at main's HEAD bd716c54: ``robot/targets.py`` (``stopping_speed``, ``ramp_velocity``'s
``room``, ``SetpointStreamer.step``) and ``robot/stream_session.py`` (``_tick_length``'s
``CLOCK_STEP_S`` rule between the node clock and ``MPCSession.stream_clock``). ROS-free,
CPU, about 20 s on 2 workers. Found with fuzzes (not kept): the streamer from random starts
near faces and corners (one, two, three faces) to targets clipped into the box, with
retargets and four tick patterns (steady, ±10 % jitter, late ticks up to 50 ms, mixed 1-50
ms); the same descent compared with cf18ea29's ``targets.py`` under an rcl timer that catches
up (a late tick L, then one of 2·period - L); ``MPCSession`` in the three modes (random plans
near faces, holds on a state/camera gap, a disable/enable, catch-up ticks); continuous
control with the steady clock read a few ms off the node clock (both ways), a wall clock
stepped by less than 1 ms, NTP's slew.

Defects (strict xfails):
1. The two clocks read apart: ``stream_step`` reads ``self.clock()`` then ``self.stream_clock()``
   (a GIL switch to the planning thread between them is up to 5 ms, the interpreter's switch
   interval); once they land more than ``CLOCK_STEP_S`` (1 ms) apart the tick is timed by the
   steady clock while the stamps stay the node clock's. The steady clock read 1.5 ms late on
   one tick at full speed: the set-point moves 1.15 mm then 0.85 mm in ticks stamped 10 ms
   apart: 0.115 m/s read from the stamps (README: <= max_speed_m_s 0.1) and 3 m/s² (0.5);
   3 ms late: 0.13 m/s, 6 m/s². Before fix50d (node clock alone) the stamps matched the motion.
2. A wall clock stepped by less than ``CLOCK_STEP_S`` (0.9 ms, back or forward; PTP/phc2sys
   servo steps are that size) is timed by the node clock: a 9 ms tick at the controller's
   steady 100 Hz, 0.1 -> 0.09 -> 0.1 m/s: 0.9 m/s² (0.5 allowed); breaker50d's 4 at a size the
   rule lets through (a 5 ms step is fixed).
3. A timer catching up (rcl schedules the next call a period after the missed one: a 19 ms
   tick is followed by a 1 ms one) while braking onto a target on the box's floor: the
   profile plans the next tick as the shortest recent one (10 ms) and ends with a step onto
   the face still moving (up to ``max_accel·0.8·next_dt``); the 1 ms tick after it has that
   motion stopped by the box clamp: 2.76 m/s² (0.5); 18 ms + 2 ms: 1.43. The same pattern with
   the target 2 cm over the floor (the landing rule judges it): 0.5 (pin). cf18ea29's code
   reached 6.6 m/s² under random catch-up ticks, fix50d's 4.7: not fixed by it.
4. Two or three faces braked at once: ``ramp_velocity`` brakes each axis to the stopping speed
   of its room, planned at ``max_accel·(1 - BRAKING_MARGIN)`` (0.4 m/s²) per axis, but the
   forced braking of all axes together is limited to ``max_accel·dt`` (0.35 each for two
   faces, 0.29 for three). Heading for the edge of the floor and a side wall, 5 mm from both
   the next plan moves 5 cm along the edge: the set-point meets both faces at 0.013 m/s, the
   box clamp stops it: 1.8 m/s² (three faces, the corner: 2.59; cf18ea29: 2.87, 4.49).
   ``MPCSession`` async with random plans and steady 10 ms ticks met it at a floor/wall edge:
   1.03 m/s² (blocking and continuous: within the limit over 25 runs each).

Held up (pins): NTP's slew (0.5 ms/s) leaves the stamps' speed and the acceleration within
the limits; ``stopping_speed`` and ``ramp_velocity`` stay finite with no room (the set-point on
a face or outside the box, distance 0, ticks of 1 µs) and never move further out; a target in a
three-face corner is reached at rest within the acceleration limit; the catch-up ticks braking
onto a target off the faces stay within it; defect 4's retarget 3.3 cm from the faces stays
within it. Streamer fuzz (800 runs): speed never over max_speed_m_s, no NaN, every target
reached; 5 runs over the acceleration limit, the one diagnosed a 1 ms tick after 12 ms ones
ending at a face (defect 3's family), the others not each diagnosed; under catch-up ticks the
set-point reached targets on the floor no later than cf18ea29's by more than 2 ticks.
Not reached: a long ``MPCSession`` fuzz (25-40 runs per mode, holds on a state/camera gap,
a disable/enable, catch-up ticks; only what is above found); sim time
(``use_sim_time``) with /clock paused, reset back or 10x (``_stream_clock`` reads the node
clock alone there, so the rule never fires; judged only); ``use_sim_time`` toggled at run time
(``_stream_clock`` switches between monotonic and sim time: one tick clipped to 0 or 50 ms).
"""

import numpy as np
import pytest
from test_breaker50d import stream_along_x
from test_robot_mpc import Clock

from vjepa_ros.robot.clock_steps import (
    CLOCK_READ_TRIES,
    CLOCK_STEP_S,
    read_stream_clocks,
    stream_clock_stepped,
)
from vjepa_ros.robot.face_braking import stopping_speed
from vjepa_ros.robot.safety import SafetyLimits, filter_target
from vjepa_ros.robot.targets import SetpointStreamer, ramp_velocity

LIMITS = SafetyLimits()  # box floor z = 0.05 m, max_accel_m_s2 0.5, max_speed_m_s 0.1
DT = 0.01  # the default stream period
LOWER, UPPER = np.array(LIMITS.workspace_min), np.array(LIMITS.workspace_max)
ABOVE_FLOOR = np.array([0.5, 0.0, 0.13, np.pi, 0.0, 0.0, 0.0])  # hand down, 8 cm over the floor


def stamped_motion(stream_clock_lag, clock=None, **options):
    """Stream along +x (``test_breaker50d.stream_along_x``); speeds [m/s] and peak [m/s²].

    ``stream_clock_lag(tick)`` [s]: how much later than the node clock the steady clock is read
    at each ``stream_step`` call; both derive from the same ``clock`` (no step) unless
    ``options`` say otherwise. Speeds are read from the set-points and the stamps (``DT``).
    """
    clock = clock or Clock()
    calls = [0]

    def steady():
        calls[0] += 1
        return clock.now - clock.offset + stream_clock_lag(calls[0])

    setpoints = stream_along_x(clock, wall_offset=False, stream_clock=steady, **options)
    speeds = np.linalg.norm(np.diff(setpoints[:, :3], axis=0), axis=1) / DT
    return speeds, float(np.abs(np.diff(speeds)).max() / DT)


@pytest.mark.parametrize("lag_s", [0.0015, -0.0015, 0.003])
def test_clocks_read_a_few_ms_apart_keep_the_stamps_speed_and_acceleration(lag_s):
    """Keep the stamps' speed and acceleration when the two clocks are read ms apart once.

    Input: continuous control at full speed (0.1 m/s along +x), no clock step; on one
    ``stream_step`` (call 40) the steady ``stream_clock`` is read 1.5 ms after the node clock
    (the planning thread took the GIL between the two reads; -1.5 ms: the node clock's read
    was the late one). Happened: |node tick - steady tick| > ``CLOCK_STEP_S``, the tick is
    timed by the steady clock (11.5 ms) but stamped 10 ms after the last; the next one 8.5 ms:
    the set-point moves 1.15 then 0.85 mm per 10 ms of stamps: 0.115 m/s, 3 m/s² (3 ms: 0.13
    m/s, 6 m/s²). Should: speeds read from the stamps <= ``max_speed_m_s`` (README) and each
    change within ``max_accel_m_s2``; the node clock alone (before fix50d) gave exactly that.
    """
    speeds, peak = stamped_motion(lambda call: lag_s if call == 40 else 0.0)
    assert speeds.max() <= LIMITS.max_speed_m_s * (1 + 1e-9), f"{speeds.max():.4f} m/s"
    assert peak <= LIMITS.max_accel_m_s2 * 1.02, f"{peak:.2f} m/s²"


@pytest.mark.parametrize("step_back_s", [0.0009, -0.0009])
def test_a_sub_millisecond_wall_clock_step_keeps_the_set_point_pace(step_back_s):
    """Keep the pace across a wall clock stepped by less than ``CLOCK_STEP_S``.

    Input: the node clock is the PC's wall clock (``clock_offset`` passed, ``stream_clock``
    the steady clock derived from it), the set-point at 0.1 m/s; the wall clock steps 0.9 ms
    back (or forward) before tick 60 (a PTP servo's step). Happened: the node tick (9.1 or
    10.9 ms) is within ``CLOCK_STEP_S`` of the steady one, so it times the tick: the
    controller, at its steady 100 Hz, sees 0.1 -> 0.091 -> 0.1 m/s: 0.9 m/s² (limit 0.5).
    Should: within the limit, as a 5 ms or 0.15 s step now is (breaker50d's 4).
    """
    clock = Clock()
    setpoints = stream_along_x(clock, step_back_s=step_back_s)
    speeds = np.linalg.norm(np.diff(setpoints[-15:, :3], axis=0), axis=1) / DT
    peak = float(np.abs(np.diff(speeds)).max() / DT)
    assert peak <= LIMITS.max_accel_m_s2 * 1.02, f"{peak:.2f} m/s²"


def test_the_stream_clocks_are_read_again_when_preempted_between_the_reads():
    """``read_stream_clocks`` reads again when its steady reads lie apart; keeps the tightest.

    The steady read after the node's is 3 ms late on the first try (the thread preempted):
    the second, tight, try is returned. Every try 1 ms apart: ``CLOCK_READ_TRIES`` tries, the
    tightest kept, and a tick between two such reads whose lengths differ by what the reads
    leave unknown is no clock step (a 1.2 ms difference with no reads' spread is one).
    """
    lags, nodes = iter([0.0, 0.003, 0.0, 0.0]), iter([1.0, 1.5])
    now, (steady, spread) = read_stream_clocks(lambda: next(nodes), lambda: 10.0 + next(lags))
    assert (now, steady, spread) == (1.5, 10.0, 0.0)
    lags = iter([0.0, 0.001] * (CLOCK_READ_TRIES - 1) + [0.0, 0.0009, 0.0, 0.0])
    now, (steady, spread) = read_stream_clocks(lambda: 2.0, lambda: 10.0 + next(lags))
    assert next(lags) == 0.0  # tried CLOCK_READ_TRIES times, no more
    assert now == 2.0 and spread == pytest.approx(0.0009) and steady == pytest.approx(10.00045)
    assert not stream_clock_stepped(0.01, 0.01 + CLOCK_STEP_S + 0.0009, 0.0018)
    assert stream_clock_stepped(0.01, 0.0112, 0.0)


def test_a_steady_clock_read_late_at_every_tick_keeps_the_stamps_speed_exact():
    """No clock step, the steady read after the node's up to 3 ms late at every read.

    Most ticks' reads stay loose after all tries; what they leave unknown widens the step
    rule, so every tick is the node clock's: the stamps' speed never over ``max_speed_m_s``.
    """
    rng = np.random.default_rng(1)
    speeds, peak = stamped_motion(lambda call: rng.uniform(0.0, 0.003) * (call % 2 == 0))
    assert speeds.max() <= LIMITS.max_speed_m_s * (1 + 1e-9), f"{speeds.max():.4f} m/s"
    assert peak <= LIMITS.max_accel_m_s2 * 1.02, f"{peak:.2f} m/s²"


def test_ntp_slew_keeps_the_stamps_speed_and_acceleration():
    """Pin: the steady clock drifting 0.5 ms/s off the node clock (NTP's slew) changes nothing."""
    speeds, peak = stamped_motion(lambda call: -0.0005 * call * DT)
    assert speeds.max() <= LIMITS.max_speed_m_s * (1 + 1e-9)
    assert peak <= LIMITS.max_accel_m_s2 * 1.02


def braking_with_a_catch_up(floor_gap_m: float, late_s: float, late_tick: int = 100) -> float:
    """Peak acceleration [m/s²] of an 8 cm descent to ``floor_gap_m`` over the floor.

    Ticks of ``DT``; tick ``late_tick`` (braking, a few mm before the target) lasts ``late_s``
    and the next the rest of two periods (rcl's timer catching up). Each tick's change of
    velocity over its own length.
    """
    start = ABOVE_FLOOR.copy()
    start[2] += floor_gap_m
    streamer = SetpointStreamer(LIMITS)
    streamer.reset(start)
    target = start.copy()
    target[2] = LIMITS.workspace_min[2] + floor_gap_m
    streamer.set_target(filter_target(start, target, LIMITS).target, anchor=start)
    dts = [DT] * 200
    dts[late_tick], dts[late_tick + 1] = late_s, 2 * DT - late_s
    setpoints = [start.copy()] + [streamer.step(dt) for dt in dts]
    assert streamer.arrived()
    velocities = np.diff(np.array(setpoints)[:, :3], axis=0) / np.array(dts)[:, None]
    return float((np.linalg.norm(np.diff(velocities, axis=0), axis=1) / np.array(dts[1:])).max())


@pytest.mark.parametrize("late_tick, late_s", [(110, 0.019), (110, 0.0195)])
def test_a_timer_catching_up_while_braking_onto_the_floor_stays_within_the_limit(
        late_tick, late_s):
    """Brake onto a target on the box's floor within the limit when the timer catches up.

    Input: an 8 cm descent onto a target on the floor (z 0.05 m), ticks of 10 ms but tick 100
    lasts 19 ms (18) and tick 101 1 ms (2): rcl's timer calls at the next period after a late
    one. Happened: the 19 ms tick moves by the profile of the usual 10 ms tick (the shortest of
    the last ticks), whose last step meets the floor still moving; the 1 ms tick's box clamp
    stops that: 2.76 m/s² (18 ms: 1.43) against 0.5. Should: within ``max_accel_m_s2``, as the
    same ticks give with the target 2 cm over the floor (pin below). After fix50h (each
    face's braking planned at 1/√3 of the rate) tick 100's are within it; tick 110 (19 ms,
    19.5 ms) still gave 0.79 and 1.54 m/s²; fix51h (``face_braking.face_stopping_speed``: each tick
    ends with room >= v²/2a to each face, so any later tick can still brake) holds the limit.
    """
    peak = braking_with_a_catch_up(0.0, late_s, late_tick)
    assert peak <= LIMITS.max_accel_m_s2 * 1.02, f"{peak:.2f} m/s²"


@pytest.mark.parametrize("floor_gap_m", [0.0, 0.02])
@pytest.mark.parametrize("late_s", [0.018, 0.019])
def test_a_timer_catching_up_while_braking_above_the_floor_stays_within_the_limit(
        late_s, floor_gap_m):
    """Pin: defect 3's first ticks (tick 100) 2 cm over the floor, and onto it since fix50h."""
    assert braking_with_a_catch_up(floor_gap_m, late_s) <= LIMITS.max_accel_m_s2 * 1.02


@pytest.mark.parametrize("distance", [0.0, -0.01, 1e-15, 0.05])
@pytest.mark.parametrize("dt, next_dt", [(DT, DT), (0.05, DT), (1e-6, 1e-6), (0.05, 1e-6)])
def test_stopping_speed_is_finite_and_zero_with_no_room(distance, dt, next_dt):
    """Pin: ``stopping_speed`` is finite, >= 0, 0 with no room, and bounded by √(2·a·d)+a·dt."""
    speed = float(stopping_speed(distance, LIMITS.max_accel_m_s2, dt, next_dt))
    assert np.isfinite(speed) and speed >= 0.0
    if distance <= 0.0:
        assert speed == 0.0
    bound = np.sqrt(2 * LIMITS.max_accel_m_s2 * max(distance, 0.0)) + LIMITS.max_accel_m_s2 * dt
    assert speed <= bound * (1 + 1e-9)


@pytest.mark.parametrize("outside_m", [0.0, 0.003])
def test_ramp_with_no_room_never_moves_further_out(outside_m):
    """Pin: a point on a face (or 3 mm outside it) moving out is braked, within the limit.

    ``room`` 0 or negative toward the floor; the target outside too: the velocity toward the
    floor only shrinks (by at most ``max_accel·dt``) and nothing is NaN.
    """
    velocity = np.array([0.02, 0.0, -0.05])
    room = (np.array([0.2, 0.2, -outside_m]), np.array([0.2, 0.2, 0.5]))
    new = ramp_velocity(velocity, np.array([0.01, 0.0, -0.02]), LIMITS.max_speed_m_s,
                        LIMITS.max_accel_m_s2, DT, DT, room)
    assert np.all(np.isfinite(new))
    assert velocity[2] < new[2] <= 0.0
    assert np.linalg.norm(new - velocity) <= LIMITS.max_accel_m_s2 * DT * (1 + 1e-9)


def test_a_target_in_a_three_face_corner_is_reached_at_rest_within_the_limit():
    """Pin: from 3 cm inside the box's lower corner to the corner: arrives, within limits."""
    start = np.r_[LOWER + 0.03, np.pi, 0.0, 0.0, 0.0]
    streamer = SetpointStreamer(LIMITS)
    streamer.reset(start)
    streamer.set_target(np.r_[LOWER, np.pi, 0.0, 0.0, 0.0])
    setpoints = [start] + [streamer.step(DT) for _ in range(200)]
    assert streamer.arrived() and np.array_equal(setpoints[-1][:3], LOWER)
    velocities = np.diff(np.array(setpoints)[:, :3], axis=0) / DT
    assert np.linalg.norm(velocities, axis=1).max() <= LIMITS.max_speed_m_s * (1 + 1e-9)
    assert np.linalg.norm(np.diff(velocities, axis=0), axis=1).max() / DT \
        <= LIMITS.max_accel_m_s2 * 1.02


def retarget_along_an_edge(faces: int, inside_m: float, retarget_tick: int, along_m: float):
    """Peak acceleration [m/s²] of a set-point braking into the box's lower edge or corner.

    The set-point starts ``inside_m`` inside the floor and the y-lower wall (``faces`` 3: and
    the x-lower wall) and heads for the edge (corner) there; at ``retarget_tick`` the next
    plan's target is the same edge ``along_m`` further along x from the set-point (3 faces:
    ``along_m`` 0, the corner's x motion stops). Ticks of ``DT``.
    """
    start = np.r_[0.5, LOWER[1] + inside_m, LOWER[2] + inside_m, np.pi, 0.0, 0.0, 0.0]
    if faces == 3:
        start[0] = LOWER[0] + inside_m
    streamer = SetpointStreamer(LIMITS)
    streamer.reset(start)
    first = start.copy()
    first[3 - faces:3] = LOWER[3 - faces:3]
    streamer.set_target(first)
    setpoints = [start]
    for tick in range(300):
        if tick == retarget_tick:
            second = streamer.setpoint.copy()
            second[0] += along_m
            second[1:3] = LOWER[1:3]
            streamer.set_target(second)
        setpoints.append(streamer.step(DT))
    assert streamer.arrived()
    velocities = np.diff(np.array(setpoints)[:, :3], axis=0) / DT
    return float(np.linalg.norm(np.diff(velocities, axis=0), axis=1).max() / DT)


@pytest.mark.parametrize("faces, inside_m, retarget_tick, along_m",
                         [(2, 0.04, 59, 0.05), (3, 0.02, 29, 0.0)])
def test_braking_toward_two_or_three_faces_at_once_stays_within_the_limit(
        faces, inside_m, retarget_tick, along_m):
    """Brake into an edge (corner) of the box within the limit after a retarget along it.

    Input: the set-point heading diagonally for the edge of the box's floor and its y-lower
    wall (4 cm from both; ``filter_target`` clips a plan through both there), 5 mm from each
    at 0.078 m/s the next plan moves 5 cm along x on the same edge. (Three faces: 2 cm inside
    the lower corner heading for it, the next plan stops the x motion on the y-z edge.)
    Happened: the turn toward +x takes the budget until both faces' braking is forced; the
    forced braking of two axes shares ``max_accel·dt`` (0.35 m/s² each, 0.29 for three) while
    ``stopping_speed`` planned each at ``max_accel·(1 - BRAKING_MARGIN)`` (0.4): the set-point
    meets both faces at 0.013 m/s and the box clamp stops it: 1.8 m/s² (three faces: 2.59;
    cf18ea29: 2.87 and 4.49). Async's fuzz met it at a floor/wall edge with steady ticks: 1.03.
    Should: within ``max_accel_m_s2`` (each face's profile planned with the budget it gets).
    """
    peak = retarget_along_an_edge(faces, inside_m, retarget_tick, along_m)
    assert peak <= LIMITS.max_accel_m_s2 * 1.02, f"{peak:.2f} m/s²"


def test_a_retarget_along_an_edge_far_from_it_stays_within_the_limit():
    """Pin: defect 4's retarget made 3.3 cm from both faces: within the limit."""
    assert retarget_along_an_edge(2, 0.04, 20, 0.05) <= LIMITS.max_accel_m_s2 * 1.02

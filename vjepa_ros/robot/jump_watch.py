"""Measured TCP poses that moved or turned faster than an arm can: glitches and teleports, live.

The planner session (:mod:`vjepa_ros.robot.input_episodes`) asks :class:`JumpWatch` about every
robot state before keeping it: a jump is refused (a hold), and when the hold ends
:meth:`JumpWatch.landed` says whether its jumps, added up, moved the arm (a new world: a
simulator's ``~/reset``, a re-homed driver) or came back (glitches, a burst of another
publisher's pose). ROS-free; numpy only (no scipy or torch on the state callback).
"""

from __future__ import annotations

import bisect
import collections
import typing

import numpy as np

from vjepa_ros.robot.accel_rule import (
    PAIR_MIN_S,
    VELOCITY_BASELINE_S,
    grace_after_jump,
    outran,
    refreshing,
)
from vjepa_ros.robot.state_ranges import (
    MAX_TCP_ACCEL_M_S2,
    MAX_TCP_ANGULAR_ACCEL_RAD_S2,
    MAX_TCP_ANGULAR_SPEED_RAD_S,
    MAX_TCP_SPEED_M_S,
    ORIENTATION_JUMP_SLACK_RAD,
    TCP_JUMP_SLACK_M,
)

# A glitch's way back finds the arm where its own motion before the jump carries it: its velocity
# over the last VELOCITY_BASELINE_S, extrapolated, give or take this share of that motion and
# what accelerating at LAND_ACCEL_M_S2 (LAND_ANGULAR_ACCEL_RAD_S2) adds since (breaker41a: an arm
# starting from rest under a burst, or a speed read from one jittered or repeated step).
LAND_SPEED_SPREAD = 0.25
LAND_ACCEL_M_S2 = 1.0  # [m/s²] an arm under teleop or a controller; a planner's ≤ 0.1 m/s far less
LAND_ANGULAR_ACCEL_RAD_S2 = 2.0  # [rad/s²]
SAMPLE_S = 0.01  # [s] the arm's states are remembered at most this often
SAMPLES = 128  # ... this many (1.28 s: states stamped up to NEW_WORLD_S back find their time)
# A state whose stamp ran this much further ahead of the newest than its arrival did, and jumped
# over its arrival gap, or one stamped over NEW_WORLD_S back, is on another clock (breaker41d)
# unless the stream's states come on that clock alone for ADOPT_S (a bag looped, a simulator
# restarted, a clock stepped): then it is the stream's clock, a new world.
LEAP_S = 0.25  # [s]
ADOPT_S = 0.5  # [s] of arrivals


def _angle(qa: np.ndarray, qb: np.ndarray) -> float:
    """Return the angle [rad] of the rotation between unit quaternions [4].

    Wrap-free (a pose pointing down flips its roll between +π and −π: angle 0).
    """
    return float(2.0 * np.arccos(min(1.0, abs(float(np.dot(qa, qb))))))


def _product(qa: np.ndarray, qb: np.ndarray) -> np.ndarray:
    """Return the quaternion product qa qb, (w, x, y, z) each [4]."""
    aw, ax, ay, az = qa
    bw, bx, by, bz = qb
    return np.array([aw * bw - ax * bx - ay * by - az * bz, aw * bx + ax * bw + ay * bz - az * by,
                     aw * by - ax * bz + ay * bw + az * bx, aw * bz + ax * by - ay * bx + az * bw])


def _inverse(q: np.ndarray) -> np.ndarray:
    return np.array([q[0], -q[1], -q[2], -q[3]])


def _rotation_vector(q: np.ndarray) -> np.ndarray:
    """Return the rotation vector [3] (axis × angle [rad], angle ≤ π) of unit quaternion ``q``."""
    q = q if q[0] >= 0 else -q
    sine = float(np.linalg.norm(q[1:]))
    if sine < 1e-12:
        return 2.0 * q[1:]  # (nearly) no rotation: the first-order term
    return q[1:] * (2.0 * np.arctan2(sine, float(q[0])) / sine)


def _exp(vector: np.ndarray) -> np.ndarray:
    """Return the unit quaternion [4] (w, x, y, z) of rotation vector ``vector`` [3] [rad]."""
    angle = float(np.linalg.norm(vector))
    if angle < 1e-12:
        return np.array([1.0, *(vector / 2.0)])
    return np.array([np.cos(angle / 2.0), *(vector * (np.sin(angle / 2.0) / angle))])


def _quaternion(rpy) -> np.ndarray:
    """[4] (w, x, y, z) of extrinsic xyz Euler angles [rad] (R = Rz(yaw) Ry(pitch) Rx(roll))."""
    roll, pitch, yaw = (float(v) / 2.0 for v in rpy)
    cr, sr, cp, sp, cy, sy = (np.cos(roll), np.sin(roll), np.cos(pitch), np.sin(pitch),
                              np.cos(yaw), np.sin(yaw))
    return np.array([cr * cp * cy + sr * sp * sy, sr * cp * cy - cr * sp * sy,
                     cr * sp * cy + sr * cp * sy, cr * cp * sy - sr * sp * cy])


class Landing(typing.NamedTuple):
    """Where a hold's jumps put the arm (``JumpWatch.landed``): their sum, not undone."""

    moved_m: float  # [m] the jumps' position changes added up
    turned_rad: float  # [rad] the angle of the jumps' rotations composed


class _Sample(typing.NamedTuple):
    """One of the arm's own states (no jump), as :class:`JumpWatch` remembers it."""

    time: float  # [s] its time: the stamp, plus arrival gaps within a repeated coarse stamp
    stamp: float  # [s] its stamp
    xyz: np.ndarray  # [3] m
    turn: np.ndarray  # [4] quaternion (w, x, y, z)
    run: int  # the run of states between jumps it belongs to


class _Excursion(typing.NamedTuple):
    """One jump of a hold, open until a state lands back where it left (``JumpWatch``)."""

    xyz: np.ndarray  # [3] m: where the jump left
    turn: np.ndarray  # [4] quaternion: the orientation it left
    time: float  # [s] of the state it left (JumpWatch's time: arrivals within a coarse stamp)
    leap_m: float  # [m] how far the jump moved
    leap_rad: float  # [rad] how far it turned
    net_before: tuple | None  # the hold's added-up jumps before it
    velocity: np.ndarray  # [3] m/s: the arm's own velocity before the jump
    spin: np.ndarray  # [3] rad/s: ... and its angular velocity (base frame)

    def lands_back(self, xyz: np.ndarray, turn: np.ndarray, time: float) -> bool:
        """Whether a state at ``time`` [s] is back where this jump left (``JumpWatch._undone``).

        Back: within reach of where the arm's own velocity before the jump carries it over the
        time since (give or take :data:`LAND_SPEED_SPREAD` of that motion, what accelerating at
        :data:`LAND_ACCEL_M_S2` adds, and twice the slack; the orientation likewise, where its
        angular velocity turns it: breaker41d), and in each part the jump changed closer than
        half that change. Extrapolating tells a glitch whose arm moved on (a 0.3 s burst while
        it went 6 cm) from a second reset that puts it 15 cm from where it was (breaker40g, 41a).
        """
        elapsed = max(0.0, time - self.time)
        off = float(np.linalg.norm(xyz - (self.xyz + self.velocity * elapsed)))
        reach = min(MAX_TCP_SPEED_M_S * elapsed, LAND_SPEED_SPREAD * self.speed * elapsed
                    + 0.5 * LAND_ACCEL_M_S2 * elapsed ** 2)
        if off > reach + 2 * TCP_JUMP_SLACK_M or \
                self.leap_m > TCP_JUMP_SLACK_M and not off < self.leap_m / 2:
            return False  # (the position first: the orientation's extrapolation costs more)
        turned = _angle(turn, _product(_exp(self.spin * elapsed), self.turn))
        swing = min(MAX_TCP_ANGULAR_SPEED_RAD_S * elapsed, LAND_SPEED_SPREAD * self.spin_rad_s
                    * elapsed + 0.5 * LAND_ANGULAR_ACCEL_RAD_S2 * elapsed ** 2)
        if turned > swing + 2 * ORIENTATION_JUMP_SLACK_RAD:
            return False
        return not (self.leap_rad > ORIENTATION_JUMP_SLACK_RAD and not turned < self.leap_rad / 2)

    @property
    def speed(self) -> float:
        """The arm's speed [m/s] before the jump."""
        return float(np.linalg.norm(self.velocity))

    @property
    def spin_rad_s(self) -> float:
        """The arm's turning speed [rad/s] before the jump."""
        return float(np.linalg.norm(self.spin))


class JumpWatch:
    """Tell a measured TCP that moved or turned faster than an arm can since the last state.

    Compared with the last finite state seen (kept or refused), so one glitch refuses itself
    and the state after it (jumping back). Allowed: ``state_ranges.MAX_TCP_SPEED_M_S`` over the
    interval plus ``TCP_JUMP_SLACK_M`` (breaker32r: one pose 15 cm off, 10 ms after the last,
    was planned from and the set-point jumped 14 cm in one tick); its orientation likewise,
    ``MAX_TCP_ANGULAR_SPEED_RAD_S`` plus ``ORIENTATION_JUMP_SLACK_RAD`` (breaker40b: a wrist
    joint read 1.5 rad off keeps the TCP's position; planned from, its rotation-free plan
    would command that orientation). A state after the arm's own (no jump) that left its
    motion faster than ``MAX_TCP_ACCEL_M_S2`` (``MAX_TCP_ANGULAR_ACCEL_RAD_S2``) allow is a
    jump too (:meth:`_kicked`, the rule ``robot.accel_rule.outran`` the recordings share: a
    wall-stamped simulator at 0.3x real time, 55 ms between states, put its arm 11.5 cm away
    from rest, under the speed limit: breaker41f; 3 cm at 60 Hz from rest, 41g; 4 cm back
    against a 0.5 m/s motion, 41i); a slower source's refresh after a held pose, as far as its
    refreshes' own velocity carries the arm, is not judged (``accel_rule.refreshing``, 42d; the
    pose after a jump counts as the stream's first).

    **Time.** The interval is the stamps', except at a repeated stamp (two states less than
    :data:`REPEAT_S` apart) of a stream that stamps coarsely: one with another repeated stamp
    among its last :data:`HISTORY` intervals that was no jump and arrived at a usual gap
    (within :data:`STALL_FACTOR` of the median arrival gap). Such a repeat is timed by its
    arrival (``arrival`` [s], the caller's steady receive time), capped at
    :data:`STALL_FACTOR` times the median gap, so a driver stamping several states 10 ms apart
    with one stamp is not refused for a fast motion its stamps hide; the arm's velocity and a
    glitch's way back are timed so too (breaker41a). One earlier repeat is evidence enough
    because what a repeated stamp must still refuse leaves none: a glitch, a second source's
    pose or a teleport at a repeated stamp is a jump, a duplicate delivery arrives in a burst,
    and a stream whose stamps always advance (a simulator at its own pace, whose ``~/reset``
    puts the arm elsewhere at the same stamp) has no repeat at all; a state delayed in a
    stalled executor counts at most the cap.

    **Out of order.** A state stamped before the newest (by up to :data:`NEW_WORLD_S`) is
    compared with the arm's own states remembered at and around its stamp, over their interval
    (a second publisher on a clock 0.3 s behind, 15 cm off, was compared with the newest over
    0.3 s and passed: breaker41a); it changes nothing else. With arrivals timed, a state
    stamped further back, or one whose stamp ran :data:`LEAP_S` further ahead than its arrival
    and that jumped over its arrival gap (a second publisher on a clock 0.5 s ahead became the
    newest, and the arm's own states were refused against it: breaker41d), is on another
    clock: refused, changing nothing, until the stream's states have come on that clock alone
    for :data:`ADOPT_S` (a looping bag, a restarted simulator, a clock stepped: then a new
    world, compared with nothing). Without arrivals a state stamped further back than
    :data:`NEW_WORLD_S` is a new world at once.

    **New worlds** (:meth:`landed`): a hold on jumps ends in a new world when the hold's jumps
    added up (their position changes summed, their rotations composed: the arm's own motion
    between them not counted) moved the arm more than ``TCP_JUMP_SLACK_M`` or turned it more
    than ``ORIENTATION_JUMP_SLACK_RAD``. Each jump is undone by a later state that lands back
    where the arm would be had the jump been a glitch (:meth:`_undone`, :class:`_Excursion`:
    a jump, or the state right after one; within reach of where the arm's own velocity before
    the jump, measured over :data:`VELOCITY_BASELINE_S`, carries it; closer than half the
    jump): a glitch, or a burst of another publisher's pose under which the arm moved on,
    adds nothing (breaker40e, 40f, 41a). A teleport (a simulator's ``~/reset``, also one that
    only turns the hand, a looping bag at one stamp, a driver re-homing), also one in the hold
    of an earlier glitch, is not undone, wherever the arm's own motion takes it after.

    :meth:`problem` is called by the state callback alone, without a lock; :meth:`forget` may
    come from another thread (a bag player stopped): one lost in a race leaves a recorded pose
    to compare the next state with, at worst a 1 s hold (safe side).
    """

    NEW_WORLD_S = 1.0  # [s] a step back in the stamps this long starts afresh
    OPEN_JUMPS = 16  # a hold's jumps remembered until a state lands back from them
    REPEAT_S = 5e-4  # [s] two stamps closer than this: a repeated (coarse) stamp
    HISTORY = 16  # intervals remembered to tell a coarse stream
    STALL_FACTOR = 2.0  # an arrival gap counts up to this times the usual (median) one

    def __init__(self):
        # the newest in order: (stamp [s], xyz [m], arrival [s] or None, quaternion [4], time [s])
        self._last: tuple[float, np.ndarray, float | None, np.ndarray, float] | None = None
        # the last intervals: (a repeated stamp that was no jump, arrival gap [s] or None)
        self._intervals: collections.deque[tuple[bool, float | None]] = collections.deque(
            maxlen=self.HISTORY)
        # the hold's jumps added up: (position change [3] m, rotation quaternion [4])
        self._net: tuple[np.ndarray, np.ndarray] | None = None
        # the hold's jumps not yet undone, newest last (:class:`_Excursion`)
        self._open: list[_Excursion] = []
        self._after_jump = False  # the latest state was a jump
        self._samples: collections.deque[_Sample] = collections.deque(maxlen=SAMPLES)
        self._newest: _Sample | None = None  # the arm's newest own state (no jump)
        self._run = 0  # bumped by every jump: the arm's velocity is measured within one run
        self._elsewhere_since: float | None = None  # arrival of the first state on another clock
        self._run_start: float | None = None  # [s] time of the current run's first own state
        # the newest state's pose's first state: (time [s], xyz [m], quaternion [4])
        self._began: tuple[float, np.ndarray, np.ndarray] | None = None
        # that pose's own change from the pose before it, when that one was held (a slower
        # source's refresh velocity, accel_rule.refreshing): (xyz [3] m, turn [3] rad, span [s])
        self._refresh: tuple[np.ndarray, np.ndarray, float] | None = None
        self._first_pose = True  # no change of the pose since the stream (re)started
        # whether the latest change of pose that was no jump came after a held pose (None: none
        # since the stream (re)started): accel_rule.grace_after_jump
        self._change_held: bool | None = None

    def problem(self, state: np.ndarray, stamp: float, arrival: float | None = None) -> str:
        """Return why finite ``state`` [7] at ``stamp`` [s] is a jump ("" when it is not).

        ``arrival`` [s]: when it arrived on the caller's steady clock (None: not timed; the
        stamps alone then). The text: ``jumps 0.150 m in 10 ms, faster than an arm moves
        (3 m/s)``.
        """
        xyz, turn = state[:3].copy(), _quaternion(state[3:6])
        last = self._last
        adopted = False
        if last is not None and arrival is not None and last[2] is not None:
            elsewhere = self._elsewhere(xyz, turn, stamp, arrival, last)
            if elsewhere:
                return elsewhere
            adopted = elsewhere == ""
        if not adopted and last is not None and \
                last[0] - self.NEW_WORLD_S <= stamp < last[0] - self.REPEAT_S:
            return self._out_of_order(xyz, turn, stamp, last[0])
        if adopted or last is None or stamp < last[0] - self.NEW_WORLD_S:
            self._last = (stamp, xyz, arrival, turn, stamp)
            self._intervals.clear()
            self._samples.clear()
            self._newest, self._run = None, self._run + 1
            self._began, self._refresh = (stamp, xyz, turn), None
            self._first_pose, self._change_held = True, None
            return ""
        after_jump = self._after_jump
        interval = abs(stamp - last[0])
        repeated = interval < self.REPEAT_S
        gap = None if arrival is None or last[2] is None else abs(arrival - last[2])
        if repeated and gap is not None:
            usual = self._coarse_gap()
            if usual is not None:
                interval = max(interval, min(gap, self.STALL_FACTOR * usual))
        time = last[4] + interval if repeated else max(stamp, last[4])
        self._last = (stamp, xyz, arrival, turn, time)
        moved = float(np.linalg.norm(xyz - last[1]))
        turned = _angle(last[3], turn)
        hold, elapsed, previous, first = self._note_change(xyz, turn, last, time)
        jumped = moved > MAX_TCP_SPEED_M_S * interval + TCP_JUMP_SLACK_M
        flipped = turned > MAX_TCP_ANGULAR_SPEED_RAD_S * interval + ORIENTATION_JUMP_SLACK_RAD
        kick = ""
        if not (after_jump or jumped or flipped) and (
                moved > TCP_JUMP_SLACK_M or turned > ORIENTATION_JUMP_SLACK_RAD):
            step_turn = _rotation_vector(_product(turn, _inverse(last[3])))
            kick = "" if refreshing(xyz - last[1], step_turn, hold, elapsed, previous, first) \
                else self._kicked(xyz, turn, interval, last)
            jumped, flipped = kick.startswith("jumps"), kick.startswith("turns")
        # a glitch's way back is a jump, or the state right after one (a gap, no jump): never a
        # continuing motion, which can pass half-way back from a reset (breaker40g)
        back = (after_jump or jumped or flipped) and self._undone(xyz, turn, time)
        net = self._net  # a local: forget() may come from elsewhere
        self._intervals.append((repeated and not (jumped or flipped), gap))
        self._after_jump = jumped or flipped
        if jumped or flipped:  # the arm's motion after a jump is not known: as at the start, for
            self._first_pose = grace_after_jump(self._change_held)  # a slower source's stream
        elif not (np.array_equal(xyz, last[1]) and np.array_equal(turn, last[3])):
            self._change_held = bool(hold > 0.0)  # the pose changed (no jump): after a held pose?
        if not (jumped or flipped):
            self._remember(_Sample(time, stamp, xyz, turn, self._run))
            return ""
        if not back:  # a jump away: added up, and open until a state lands back
            net = net or (np.zeros(3), np.array([1.0, 0.0, 0.0, 0.0]))
            opened = self._open  # the oldest kept: the pose before the hold, the usual way back
            kept = opened if len(opened) < self.OPEN_JUMPS else \
                [opened[0], *opened[-(self.OPEN_JUMPS - 2):]]
            self._open = [*kept, _Excursion(last[1], last[3], last[4], moved, turned, net,
                                            *self._velocity())]
            self._net = (net[0] + (xyz - last[1]),
                         _product(net[1], _product(_inverse(last[3]), turn)))
        self._run += 1  # the states after a jump are another run (another pose, or the arm's)
        return kick or self._words(moved, turned, interval, jumped)

    @staticmethod
    def _words(moved: float, turned: float, interval: float, jumped: bool) -> str:
        if not jumped:  # the orientation alone: a wrist joint read wrong
            return (f"turns {turned:.2f} rad in {interval * 1e3:.0f} ms, faster than an arm "
                    f"turns ({MAX_TCP_ANGULAR_SPEED_RAD_S:g} rad/s)")
        return (f"jumps {moved:.3f} m in {interval * 1e3:.0f} ms, faster than an arm moves "
                f"({MAX_TCP_SPEED_M_S:g} m/s)")

    def _note_change(self, xyz: np.ndarray, turn: np.ndarray, last: tuple,
                     time: float) -> tuple[float, float, tuple | None, bool]:
        """Note whether the pose changed since ``last``; return ``accel_rule.refreshing``'s input.

        Returns (how long ``last``'s pose was held [s], 0.0 when it was no repeat; the time [s]
        from that pose's first state to this one at ``time``; that pose's own change from the
        pose before it, None unless that one was held too; whether ``last``'s pose was the
        stream's first).
        """
        first = self._first_pose
        if np.array_equal(xyz, last[1]) and np.array_equal(turn, last[3]):
            return 0.0, 0.0, self._refresh, first
        began = self._began or (last[4], last[1], last[3])
        hold = last[4] - began[0]
        previous = self._refresh
        self._refresh = (xyz - began[1], _rotation_vector(_product(turn, _inverse(began[2]))),
                         time - began[0]) if hold > 0.0 else None
        self._began, self._first_pose = (time, xyz, turn), False
        return hold, time - began[0], previous, first

    def _remember(self, sample: _Sample) -> None:
        """Keep the arm's own state: the newest always, one each :data:`SAMPLE_S` besides."""
        newest = self._newest
        if newest is None or newest.run != sample.run:
            self._run_start = sample.time
        self._newest = sample
        samples = self._samples
        if not samples or sample.time - samples[-1].time >= SAMPLE_S or \
                samples[-1].run != sample.run:
            samples.append(sample)

    def _kicked(self, xyz: np.ndarray, turn: np.ndarray, interval: float, last: tuple) -> str:
        """Say why a state left the arm's own motion faster than an arm accelerates ("": not).

        The step from ``last`` over ``interval`` [s] against the arm's velocities of the last
        :data:`VELOCITY_BASELINE_S` (``accel_rule.outran``): each between two remembered states
        at least ``accel_rule.PAIR_MIN_S`` apart (at least the latest pair), so a pose
        republished from a slower source (steps of a few messages' worth: breaker41g) or one
        jittered stamp (41i) reads the arm's motion. Judged only once the run of the arm's own
        states (no jump) has lasted :data:`VELOCITY_BASELINE_S`: after a jump, or at the start,
        its motion is not known yet (a cached stream's repeats read 0 m/s: 41g).
        """
        newest, start = self._newest, self._run_start
        if newest is None or newest.stamp != last[0] or newest.run != self._run or \
                start is None or newest.time - start < VELOCITY_BASELINE_S:
            return ""
        states = [sample for sample in self._samples if sample.run == self._run]
        if not states or states[-1] is not newest:
            states.append(newest)
        pairs = [(a, b) for a, b in zip(states, states[1:], strict=False)
                 if b.time - a.time >= PAIR_MIN_S and b.time >= newest.time - VELOCITY_BASELINE_S]
        if not pairs:
            earlier = [a for a in states if newest.time - a.time >= PAIR_MIN_S]
            if not earlier:
                return ""
            pairs = [(earlier[-1], newest)]
        velocities = [(b.xyz - a.xyz) / (b.time - a.time) for a, b in pairs]
        spins = [_rotation_vector(_product(b.turn, _inverse(a.turn))) / (b.time - a.time)
                 for a, b in pairs]
        moved, turned = float(np.linalg.norm(xyz - last[1])), _angle(last[3], turn)
        part = outran(xyz - last[1], _rotation_vector(_product(turn, _inverse(last[3]))),
                      interval, velocities, spins)
        if part == "position":
            return (f"jumps {moved:.3f} m in {interval * 1e3:.0f} ms, away from the arm's motion "
                    f"(at most {max(np.linalg.norm(v) for v in velocities):.2f} m/s) faster than "
                    f"an arm accelerates ({MAX_TCP_ACCEL_M_S2:g} m/s²)")
        if part == "orientation":
            return (f"turns {turned:.2f} rad in {interval * 1e3:.0f} ms, away from the arm's turn "
                    f"(at most {max(np.linalg.norm(w) for w in spins):.2f} rad/s) faster than an "
                    f"arm accelerates ({MAX_TCP_ANGULAR_ACCEL_RAD_S2:g} rad/s²)")
        return ""

    def _velocity(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the arm's own velocity [3] m/s and angular velocity [3] rad/s before now.

        Over the newest run's states (no jump between): from the newest to the latest one at
        least :data:`VELOCITY_BASELINE_S` older (else the run's oldest), so that one step's
        jittered stamp or a driver repeating its cached pose reads the arm's speed, not 0 or
        1.7× it (breaker41a). Zero without two such states.
        """
        newest = self._newest
        none = (np.zeros(3), np.zeros(3))
        if newest is None or newest.run != self._run:
            return none
        base = None
        for sample in reversed(self._samples):
            if sample.run != newest.run:
                break
            base = sample
            if newest.time - sample.time >= VELOCITY_BASELINE_S:
                break
        if base is None or newest.time - base.time <= 0.0:
            return none
        span = newest.time - base.time
        turn = _rotation_vector(_product(newest.turn, _inverse(base.turn)))
        return (newest.xyz - base.xyz) / span, turn / span

    def _elsewhere(self, xyz: np.ndarray, turn: np.ndarray, stamp: float, arrival: float,
                   last: tuple) -> str | None:
        """Judge a state by its clock against the newest ``last`` (class docstring).

        Returns None when it is on the stream's clock, "" when the stream's clock changed (its
        states on the other one alone for :data:`ADOPT_S`: start afresh at it), else why it
        is refused.
        """
        back = last[0] - stamp
        ahead = (stamp - last[0]) - (arrival - last[2])
        if back > self.NEW_WORLD_S:
            what = f"stamped {back:.2f} s before the newest state"
        elif ahead > LEAP_S:
            gap = max(0.0, arrival - last[2])
            moved = float(np.linalg.norm(xyz - last[1]))
            turned = _angle(last[3], turn)
            jumped = moved > MAX_TCP_SPEED_M_S * gap + TCP_JUMP_SLACK_M
            if not jumped and turned <= MAX_TCP_ANGULAR_SPEED_RAD_S * gap + \
                    ORIENTATION_JUMP_SLACK_RAD:
                self._elsewhere_since = None
                return None  # the clock stepped forward, or a simulator ran ahead: the arm's
            what = (f"stamped {ahead:.2f} s further ahead than it arrived after the newest "
                    f"state, and {self._words(moved, turned, gap, jumped)} by its arrival")
        else:
            self._elsewhere_since = None
            return None
        since = self._elsewhere_since
        if since is None:
            self._elsewhere_since = since = arrival
        if arrival - since >= ADOPT_S:
            self._elsewhere_since = None
            return ""
        return (f"{what}: a pose on another clock (a second publisher on a machine whose clock "
                f"is not synchronized?; a looping bag or a restarted simulator is taken after "
                f"{ADOPT_S:g} s of its states alone)")

    def _out_of_order(self, xyz: np.ndarray, turn: np.ndarray, stamp: float,
                      newest: float) -> str:
        """Judge a state stamped before the newest against the arm's own state nearest its stamp.

        Nothing else changes: it is no state to compare the next one with, and no jump of a
        hold (a pose of the past is no teleport of the present).
        """
        samples = list(self._samples)
        if self._newest is not None and (not samples or samples[-1] is not self._newest):
            samples.append(self._newest)
        if not samples:
            last = self._last
            samples = [_Sample(last[4], last[0], last[1], last[3], self._run)]
        stamps = [sample.stamp for sample in samples]
        low = bisect.bisect_left(stamps, stamp - self.REPEAT_S)
        high = bisect.bisect_right(stamps, stamp + self.REPEAT_S)
        # the neighbours by stamp, and every state at its (coarse, repeated) stamp: any of them
        # the arm's state it agrees with (breaker41d: a late state of a coarse stream)
        best = None
        for near in samples[max(0, low - 1):high + 1]:
            interval = abs(stamp - near.stamp)
            moved = float(np.linalg.norm(xyz - near.xyz))
            turned = _angle(near.turn, turn)
            excess = max(moved - MAX_TCP_SPEED_M_S * interval - TCP_JUMP_SLACK_M,
                         turned - MAX_TCP_ANGULAR_SPEED_RAD_S * interval
                         - ORIENTATION_JUMP_SLACK_RAD)
            if excess <= 0:
                return ""
            if best is None or excess < best[0]:
                best = (excess, moved, turned, interval)
        _, moved, turned, interval = best
        jumped = moved > MAX_TCP_SPEED_M_S * interval + TCP_JUMP_SLACK_M
        what = self._words(moved, turned, interval, jumped)
        return (f"stamped {(newest - stamp) * 1e3:.0f} ms before the newest, {what} from the "
                "arm's state at that stamp")

    def _undone(self, xyz: np.ndarray, turn: np.ndarray, time: float) -> bool:
        """Close the open jumps a state lands back from; True if it did (``_net`` restored).

        Newest first: the state (xyz [3] m, quaternion [4], at ``time`` [s]) is back where an
        open jump left when :meth:`_Excursion.lands_back` says so. That jump and every later
        one are undone: a glitch's way back after a gap (no jump), or a burst of another
        publisher's pose under which the arm moved on (breaker40f), counts nothing.
        """
        opened = self._open
        for index in range(len(opened) - 1, -1, -1):
            if opened[index].lands_back(xyz, turn, time):
                self._net = opened[index].net_before
                self._open = opened[:index]
                return True
        return False

    def _coarse_gap(self) -> float | None:
        """Return the median arrival gap [s] if the stream stamps coarsely, else None.

        Coarse: a repeated stamp among the remembered intervals that was no jump and arrived
        within :data:`STALL_FACTOR` of the median gap (no burst, no stall).
        """
        intervals = tuple(self._intervals)  # one copy: forget() may clear it meanwhile
        gaps = [gap for _, gap in intervals if gap is not None]
        if not gaps:
            return None
        usual = float(np.median(gaps))
        coarse = any(quiet and gap is not None and
                     usual / self.STALL_FACTOR <= gap <= self.STALL_FACTOR * usual
                     for quiet, gap in intervals)
        return usual if coarse else None

    def landed(self) -> Landing | None:
        """Return where the hold's jumps put the arm, if they moved it at all (a teleport).

        Called when a hold on jumps ends (the states agree again). A teleport: the hold's jumps
        not undone (``_undone``), added up, moved the arm more than ``TCP_JUMP_SLACK_M`` or
        turned it more than ``ORIENTATION_JUMP_SLACK_RAD`` (:class:`Landing`), wherever the arm
        went since by its own motion (a controller pulling it back toward its old target,
        breaker40g). None otherwise (glitches that came back) or with no jump since the last
        call. The jumps are forgotten either way.
        """
        net = self._net
        self._net, self._open = None, []
        if net is None:
            return None
        leap, angle = float(np.linalg.norm(net[0])), _angle(net[1], np.array([1.0, 0, 0, 0]))
        if leap <= TCP_JUMP_SLACK_M and angle <= ORIENTATION_JUMP_SLACK_RAD:
            return None
        return Landing(leap, angle)

    def forget(self) -> None:
        self._last = self._net = self._newest = self._elsewhere_since = self._run_start = None
        self._began = self._refresh = self._change_held = None
        self._first_pose = True
        self._open, self._after_jump = [], False
        self._intervals.clear()
        self._samples.clear()

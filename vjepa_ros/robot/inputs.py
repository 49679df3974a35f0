"""The planner's inputs: the newest camera frame and a short history of robot states.

ROS-free and thread-safe (one lock per buffer): camera and joint-state callbacks write, the
planning thread and the set-point stream read. Stamps are seconds on the clock of whoever feeds
the buffer (the node's clock, or simulated time).
"""

from __future__ import annotations

import bisect
import collections
import dataclasses
import threading
import typing

import numpy as np

from vjepa_ros.robot.safety import SafetyLimits, input_problem
from vjepa_ros.robot.state_ranges import (
    MAX_TCP_ANGULAR_SPEED_RAD_S,
    MAX_TCP_SPEED_M_S,
    ORIENTATION_JUMP_SLACK_RAD,
    TCP_JUMP_SLACK_M,
)

PERIOD_FRAMES = 5  # frames whose stamps measure the camera's frame period
STATE_HISTORY = 400  # robot states kept at least to find the one at a frame's stamp
# at most this many, whatever ``history_s`` asks (25 s at 1 kHz: the largest age limits' sum)
MAX_STATE_HISTORY = 25_000
# [s] an unusable input (an invalid robot state, a camera frame of an unusable size) stays refused
# until the input has been usable this long with no unusable message in between: bad messages
# mixed with good ones (a second publisher of NaN joint states) are one hold, not one per message
RECOVERY_S = 1.0


@dataclasses.dataclass
class Stamped:
    """A stamped camera frame or robot state.

    ``gripper_measured`` (robot states): False when the closedness (index 6) is a placeholder
    because no finger joint state had arrived when the state was recorded; a planned gripper
    command must not rest on it (``command_session``). Frames leave it True.
    """

    stamp: float  # [s]
    value: np.ndarray
    gripper_measured: bool = True


def nearest_index(stamps, stamp: float, lo: int = 0) -> int | None:
    """Return the index in ``stamps[lo:]`` (sorted, ties allowed) nearest to ``stamp``; O(log n).

    Of two equally near neighbours the earlier one; None when ``stamps[lo:]`` is empty. The one
    nearest-stamp rule of the robot side (states at a frame's stamp, the demo's frames).
    """
    if lo >= len(stamps):
        return None
    index = bisect.bisect_left(stamps, stamp, lo)
    near = [i for i in (index - 1, index) if lo <= i < len(stamps)]
    return min(near, key=lambda i: abs(stamps[i] - stamp))


def nearest(items, stamp: float) -> Stamped | None:
    """Return the item of ``items`` (Stamped, sorted by stamp) nearest to ``stamp``; None if none.

    Builds the stamp list (O(n)); a history searched often keeps one (:class:`InputBuffer`).
    """
    index = nearest_index([item.stamp for item in items], stamp)
    return None if index is None else items[index]


@dataclasses.dataclass
class Trouble:
    """One input's episode of trouble: unusable messages, and the usable ones mixed in.

    ``problem``: why the input is unusable ("" when it is fine); it stays set until usable
    messages have covered ``recovery_s`` [s]: from the first usable message after the last
    unusable one to a usable one ``recovery_s`` later, with no unusable one between. Silence
    counts for nothing (one usable message after a long gap only starts the count), and a clock
    that went back (a simulator reset, a looping bag) starts the count again at the new time
    (times are the caller's clock). One episode is one hold, logged once each way
    (``MPCSession``).
    """

    recovery_s: float = RECOVERY_S
    problem: str = ""
    good_since: float | None = None  # [s] first usable message since the last unusable one
    last_seen: float = -float("inf")  # [s] the newest message's time, usable or not

    def bad(self, problem: str, now: float) -> bool:
        """Note an unusable message at ``now`` [s]; True when it starts an episode."""
        started = not self.problem
        self.problem, self.good_since, self.last_seen = problem, None, now
        return started

    def good(self, now: float) -> str:
        """Note a usable message at ``now`` [s]; return the problem it ends ("" if none yet)."""
        went_back, self.last_seen = now < self.last_seen, now
        if not self.problem:
            return ""
        if self.good_since is None or went_back:
            self.good_since = now
        if now - self.good_since < self.recovery_s:
            return ""
        ended, self.problem, self.good_since = self.problem, "", None
        return ended


def _angle(qa: np.ndarray, qb: np.ndarray) -> float:
    """Return the angle [rad] of the rotation between unit quaternions [4].

    Wrap-free (a pose pointing down flips its roll between +π and −π: angle 0). These numpy
    helpers keep scipy and torch (``planning.pose``'s batched ones) off the state callback.
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


class Landing(typing.NamedTuple):
    """Where a hold's jumps put the arm (``JumpWatch.landed``): their sum, not undone."""

    moved_m: float  # [m] the jumps' position changes added up
    turned_rad: float  # [rad] the angle of the jumps' rotations composed


def _quaternion(rpy) -> np.ndarray:
    """[4] (w, x, y, z) of extrinsic xyz Euler angles [rad] (R = Rz(yaw) Ry(pitch) Rx(roll))."""
    roll, pitch, yaw = (float(v) / 2.0 for v in rpy)
    cr, sr, cp, sp, cy, sy = (np.cos(roll), np.sin(roll), np.cos(pitch), np.sin(pitch),
                              np.cos(yaw), np.sin(yaw))
    return np.array([cr * cp * cy + sr * sp * sy, sr * cp * cy - cr * sp * sy,
                     cr * sp * cy + sr * cp * sy, cr * cp * sy - sr * sp * cy])


LAND_SPEED_FACTOR = 1.5  # a glitch's way back may find the arm this much faster than before it


class _Excursion(typing.NamedTuple):
    """One jump of a hold, open until a state lands back where it left (``JumpWatch``)."""

    xyz: np.ndarray  # [3] m: where the jump left
    turn: np.ndarray  # [4] quaternion: the orientation it left
    stamp: float  # [s] of the state it left
    leap_m: float  # [m] how far the jump moved
    leap_rad: float  # [rad] how far it turned
    net_before: tuple | None  # the hold's added-up jumps before it
    speed_m_s: float = 0.0  # the arm's own speed [m/s] just before the jump
    speed_rad_s: float = 0.0  # ... and its turning speed [rad/s]

    def lands_back(self, xyz: np.ndarray, turn: np.ndarray, stamp: float) -> bool:
        """Whether a state is back where this jump left (see ``JumpWatch._undone``).

        Back: no farther from where it left than the arm's own speed before the jump carries it
        over the time since (x :data:`LAND_SPEED_FACTOR`, plus twice the slack), capped at what
        any arm reaches; and, in each part the jump changed, closer than half that change. The
        arm's own speed, not any arm's, tells a glitch whose arm moved on (a 0.3 s burst while
        it went 6 cm) from a second reset that puts it 15 cm from where it was (breaker40g).
        """
        interval = abs(stamp - self.stamp)
        moved = float(np.linalg.norm(xyz - self.xyz))
        turned = _angle(turn, self.turn)
        reach = min(MAX_TCP_SPEED_M_S, LAND_SPEED_FACTOR * self.speed_m_s) * interval
        swing = min(MAX_TCP_ANGULAR_SPEED_RAD_S, LAND_SPEED_FACTOR * self.speed_rad_s) * interval
        if moved > reach + 2 * TCP_JUMP_SLACK_M or \
                turned > swing + 2 * ORIENTATION_JUMP_SLACK_RAD:
            return False
        if self.leap_m > TCP_JUMP_SLACK_M and not moved < self.leap_m / 2:
            return False
        return not (self.leap_rad > ORIENTATION_JUMP_SLACK_RAD and not turned < self.leap_rad / 2)


class JumpWatch:
    """Tell a measured TCP that moved or turned faster than an arm can since the last state.

    Compared with the last finite state seen (kept or refused), so one glitch refuses itself
    and the state after it (jumping back); a state stamped up to :data:`NEW_WORLD_S` before
    the last is compared over the interval's length (out-of-order delivery, breaker32x), one
    stamped further back compares nothing (a new world: a simulator restarted, a bag looped).
    Allowed: ``state_ranges.MAX_TCP_SPEED_M_S`` over the interval plus ``TCP_JUMP_SLACK_M``
    (breaker32r: one pose 15 cm off, 10 ms after the last, was planned from and the set-point
    jumped 14 cm in one tick); its orientation likewise, ``MAX_TCP_ANGULAR_SPEED_RAD_S`` plus
    ``ORIENTATION_JUMP_SLACK_RAD`` (breaker40b: a wrist joint read 1.5 rad off keeps the TCP's
    position; planned from, its rotation-free plan would command that orientation). The
    interval is the stamps', except at a repeated stamp (two
    states less than :data:`REPEAT_S` apart) of a stream that stamps coarsely: one with another
    repeated stamp among its last :data:`HISTORY` intervals that was no jump and arrived at a
    usual gap (within :data:`STALL_FACTOR` of the median arrival gap). Such a repeat is timed by
    its arrival (``arrival`` [s], the caller's steady receive time), capped at
    :data:`STALL_FACTOR` times the median gap, so a driver stamping several states 10 ms apart
    with one stamp is not refused for a fast motion its stamps hide. One earlier repeat is
    evidence enough because what a repeated stamp must still refuse leaves none: a glitch, a
    second source's pose or a teleport at a repeated stamp is a jump, a duplicate delivery
    arrives in a burst, and a stream whose stamps always advance (a simulator at its own pace,
    whose ``~/reset`` puts the arm elsewhere at the same stamp; live: 0.115 m at one stamp,
    arriving 50+ ms after the last state at 0.3x real time) has no repeat at all; a state
    delayed in a stalled executor counts at most the cap. :meth:`problem` is called by the
    state callback alone, without a lock; :meth:`forget` may come from another thread (a bag
    player stopped): one lost in a race leaves a recorded pose to compare the next state with,
    at worst a 1 s hold (safe side).

    The new-world rule (:meth:`landed`): a hold on jumps ends in a new world when the hold's
    jumps added up (their position changes summed, their rotations composed: the arm's own
    motion between them not counted) moved the arm more than ``TCP_JUMP_SLACK_M`` or turned it
    more than ``ORIENTATION_JUMP_SLACK_RAD``. Each jump is undone by a later state that lands
    back where it left (:meth:`_undone`: a jump, or the state right after one; within what the
    arm's own speed before the jump carries it, closer than half the jump): a glitch, or a
    burst of another publisher's pose under which the arm moved on, adds nothing (breaker40e,
    40f: wrist glitches or a burst while the arm moved were a "new world"). A teleport (a
    simulator's ``~/reset``, also one that only turns the hand, a looping bag at one stamp, a
    driver re-homing), also one in the hold of an earlier glitch, is not undone, wherever the
    arm's own motion takes it after.
    """

    NEW_WORLD_S = 1.0  # [s] a step back in the stamps this long starts afresh
    OPEN_JUMPS = 16  # a hold's jumps remembered until a state lands back from them
    REPEAT_S = 5e-4  # [s] two stamps closer than this: a repeated (coarse) stamp
    HISTORY = 16  # intervals remembered to tell a coarse stream
    STALL_FACTOR = 2.0  # an arrival gap counts up to this times the usual (median) one

    def __init__(self):
        # the newest (stamp [s], xyz [m], arrival [s] or None, orientation quaternion [4])
        self._last: tuple[float, np.ndarray, float | None, np.ndarray] | None = None
        # the last intervals: (a repeated stamp that was no jump, arrival gap [s] or None)
        self._intervals: collections.deque[tuple[bool, float | None]] = collections.deque(
            maxlen=self.HISTORY)
        # the hold's jumps added up: (position change [3] m, rotation quaternion [4])
        self._net: tuple[np.ndarray, np.ndarray] | None = None
        # the hold's jumps not yet undone, newest last (:class:`_Excursion`)
        self._open: list[_Excursion] = []
        self._speed = (0.0, 0.0)  # the arm's speed [m/s, rad/s] over its latest step, no jump
        self._after_jump = False  # the latest state was a jump

    def problem(self, state: np.ndarray, stamp: float, arrival: float | None = None) -> str:
        """Return why finite ``state`` [7] at ``stamp`` [s] is a jump ("" when it is not).

        ``arrival`` [s]: when it arrived on the caller's steady clock (None: not timed; the
        stamps alone then). The text: ``jumps 0.150 m in 10 ms, faster than an arm moves
        (3 m/s)``.
        """
        xyz, turn = state[:3].copy(), _quaternion(state[3:6])
        after_jump = self._after_jump
        last, self._last = self._last, (stamp, xyz, arrival, turn)
        if last is None or stamp < last[0] - self.NEW_WORLD_S:
            self._intervals.clear()
            return ""
        interval = abs(stamp - last[0])
        repeated = interval < self.REPEAT_S
        gap = None if arrival is None or last[2] is None else abs(arrival - last[2])
        if repeated and gap is not None:
            usual = self._coarse_gap()
            if usual is not None:
                interval = max(interval, min(gap, self.STALL_FACTOR * usual))
        moved = float(np.linalg.norm(xyz - last[1]))
        turned = _angle(last[3], turn)
        jumped = moved > MAX_TCP_SPEED_M_S * interval + TCP_JUMP_SLACK_M
        flipped = turned > MAX_TCP_ANGULAR_SPEED_RAD_S * interval + ORIENTATION_JUMP_SLACK_RAD
        # a glitch's way back is a jump, or the state right after one (a gap, no jump): never a
        # continuing motion, which can pass half-way back from a reset (breaker40g)
        back = (after_jump or jumped or flipped) and self._undone(xyz, turn, stamp)
        net = self._net  # a local: forget() may come from elsewhere
        self._intervals.append((repeated and not (jumped or flipped), gap))
        self._after_jump = jumped or flipped
        if not (jumped or flipped):
            if interval > 0:
                self._speed = (moved / interval, turned / interval)
            return ""
        if not back:  # a jump away: added up, and open until a state lands back
            net = net or (np.zeros(3), np.array([1.0, 0.0, 0.0, 0.0]))
            opened = self._open  # the oldest kept: the pose before the hold, the usual way back
            kept = opened if len(opened) < self.OPEN_JUMPS else \
                [opened[0], *opened[-(self.OPEN_JUMPS - 2):]]
            self._open = [*kept, _Excursion(last[1], last[3], last[0], moved, turned, net,
                                            *self._speed)]
            self._net = (net[0] + (xyz - last[1]),
                         _product(net[1], _product(_inverse(last[3]), turn)))
        if not jumped:  # the orientation alone: a wrist joint read wrong
            return (f"turns {turned:.2f} rad in {interval * 1e3:.0f} ms, faster than an arm "
                    f"turns ({MAX_TCP_ANGULAR_SPEED_RAD_S:g} rad/s)")
        return (f"jumps {moved:.3f} m in {interval * 1e3:.0f} ms, faster than an arm moves "
                f"({MAX_TCP_SPEED_M_S:g} m/s)")

    def _undone(self, xyz: np.ndarray, turn: np.ndarray, stamp: float) -> bool:
        """Close the open jumps a state lands back from; True if it did (``_net`` restored).

        Newest first: the state (xyz [3] m, quaternion [4], ``stamp`` [s]) is back where an
        open jump left when it is within the arm's reach of that pose over the time since and,
        in each part the jump changed, closer to it than half that change (the glitch rule of
        ``recordings.stray_states``). That jump and every later one are undone: a glitch's way
        back after a gap (no jump), or a burst of another publisher's pose under which the arm
        moved on (breaker40f), counts nothing.
        """
        opened = self._open
        for index in range(len(opened) - 1, -1, -1):
            if opened[index].lands_back(xyz, turn, stamp):
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
        self._last = self._net = None
        self._open, self._after_jump = [], False
        self._intervals.clear()


class InputBuffer:
    """Newest frame, recent robot states, their ages, and the state at a frame's stamp.

    ``observe_state`` keeps only valid states ([7] finite float64: xyz [m], extrinsic xyz Euler
    [rad], gripper closedness [0, 1]); ``reject_state`` marks the state unusable until valid
    states have come for ``recovery_s`` [s] (:class:`Trouble`; frames of an unusable size alike).
    A state stamped before the newest one empties the history (time went backwards: a looping
    bag, a simulator reset).

    Kept: the last ``history`` states, and besides them every state stamped within
    ``history_s`` [s] of the newest (None: no time rule), at most :data:`MAX_STATE_HISTORY`.
    The session asks for the camera's and the state's age limits together, so that a frame as
    old as ``safety.max_image_age_s`` finds its state however fast states come (a Franka's
    joint_state_broadcaster at 1 kHz held 0.4 s in 400 states: breaker32r).
    """

    def __init__(self, history: int = STATE_HISTORY, recovery_s: float = RECOVERY_S,
                 history_s: float | None = None):
        if history < 1:
            raise ValueError(f"history must be >= 1 state, got {history}")
        self.history_s = history_s
        self._state_trouble = Trouble(recovery_s)
        self._image_trouble = Trouble(recovery_s)
        self._lock = threading.Lock()
        self.frame: Stamped | None = None
        self.frames_received = 0
        self.states_received = 0  # valid robot states kept so far
        self.history = history
        # The kept states are _states[_start:], their stamps _stamps[_start:] (non-decreasing):
        # the stamp list is kept beside the states, so a lookup is a bisection (O(log n)), and
        # the dropped head is cut off once it is as long as the history (amortized O(1)).
        self._states: list[Stamped] = []
        self._stamps: list[float] = []
        self._start = 0
        self._frame_stamps: collections.deque[float] = collections.deque(maxlen=PERIOD_FRAMES)

    @property
    def state_problem(self) -> str:
        """Why the robot state is unusable ("" when it is fine; :class:`Trouble`)."""
        return self._state_trouble.problem

    @property
    def image_problem(self) -> str:
        """Why the camera frames are unusable ("" when they are fine; :class:`Trouble`)."""
        return self._image_trouble.problem

    @property
    def states(self) -> list[Stamped]:
        """The kept robot states, oldest first (a copy; at most ``history``)."""
        with self._lock:
            return self._states[self._start:]

    def observe_image(self, rgb: np.ndarray, stamp: float, problem: str = "",
                      timed: bool = True, now: float | None = None) -> tuple[bool, str]:
        """Keep ``rgb`` [H, W, 3] uint8 as the newest frame (copied when it is read-only).

        ``problem``: why this frame may not be planned on (its size), "" when it may; kept as
        :attr:`image_problem` until usable frames have come for ``recovery_s`` (``now`` [s]: the
        caller's clock, default ``stamp``). Returns (whether this frame starts an episode of
        unusable frames, the problem this usable frame ends or ""). ``timed``: its stamp was
        sane when it came (not ahead of the clock, not stale). Only such accepted frames with
        increasing stamps measure :meth:`frame_period`: any other frame starts the measurement
        over, so a stamp jump or a held frame is never taken for a slow camera.
        """
        if not rgb.flags.writeable:  # a view of a message buffer: torch wants its own copy
            rgb = rgb.copy()
        with self._lock:
            usable = timed and not problem
            if not usable or (self._frame_stamps and stamp <= self._frame_stamps[-1]):
                self._frame_stamps.clear()  # refused, or time went backwards (a looping bag)
            self.frame = Stamped(stamp, rgb)
            self.frames_received += 1
            now = stamp if now is None else now
            trouble = self._image_trouble
            started, ended = (trouble.bad(problem, now), "") if problem else \
                (False, trouble.good(now))
            if usable:
                self._frame_stamps.append(stamp)
        return started, ended

    def frame_period(self) -> float | None:
        """Mean interval [s] between the last :data:`PERIOD_FRAMES` timed frames' stamps.

        None with fewer than 2 consecutive accepted frames (``observe_image``'s ``timed``).
        """
        with self._lock:
            stamps = self._frame_stamps
            if len(stamps) < 2:
                return None
            return (stamps[-1] - stamps[0]) / (len(stamps) - 1)

    def observe_state(self, state, stamp: float, now: float | None = None,
                      gripper_measured: bool = True) -> str | None:
        """Store a robot state [7]; None when it is invalid (then it is rejected, not stored).

        ``gripper_measured``: False when index 6 (closedness) is a placeholder (no finger joint
        state yet); kept with the state (:class:`Stamped`).

        Otherwise returns the earlier problem this valid state ends: "" when there was none, or
        while valid states have come for less than ``recovery_s`` (``now`` [s]: the caller's
        clock, default ``stamp``; :class:`Trouble`).
        """
        now = stamp if now is None else now
        state = np.asarray(state, dtype=np.float64)
        if state.shape != (7,) or not np.isfinite(state).all():
            self.reject_state(f"robot state is invalid: {state.tolist()}", now)
            return None
        with self._lock:
            if self._stamps and stamp < self._stamps[-1]:
                self._states, self._stamps, self._start = [], [], 0
            self._states.append(Stamped(stamp, state, gripper_measured))
            self._stamps.append(stamp)
            self.states_received += 1
            self._drop_old_states(stamp)
            return self._state_trouble.good(now)

    def _drop_old_states(self, newest: float) -> None:
        """Drop the head states the history keeps no more (locked; amortized O(1))."""
        oldest = np.inf if self.history_s is None else newest - self.history_s
        stamps = self._stamps
        while len(stamps) - self._start > self.history and (
                stamps[self._start] < oldest or len(stamps) - self._start > MAX_STATE_HISTORY):
            self._start += 1
        if self._start >= max(self.history, len(stamps) // 2):
            del self._states[:self._start], stamps[:self._start]
            self._start = 0

    def reject_state(self, reason: str, now: float) -> bool:
        """Mark the robot state unusable at ``now`` [s]; True when this starts an episode."""
        with self._lock:
            return self._state_trouble.bad(reason, now)

    def forget(self, frames: bool = True, states: bool = True) -> None:
        """Drop the kept frame and/or states (they were a recording's): plans wait for new ones.

        The counts (``frames_received``, ``states_received``) and the input episodes stay.
        """
        with self._lock:
            if frames:
                self.frame = None
                self._frame_stamps.clear()
            if states:
                self._states, self._stamps, self._start = [], [], 0

    def unmeasure_gripper(self) -> None:
        """Flag every kept state's closedness as not measured (the hand chosen changed).

        A plan from a frame stamped before the change would start from such a state: its
        closedness is the old hand's, no measurement of the new one (breaker27c).
        """
        with self._lock:
            self._states[self._start:] = [
                dataclasses.replace(state, gripper_measured=False) if state.gripper_measured
                else state for state in self._states[self._start:]]

    def latest_state(self) -> Stamped | None:
        with self._lock:
            return self._states[-1] if self._states else None

    def state_at(self, stamp: float) -> Stamped | None:
        """Return the stored state nearest in time to ``stamp`` (None before any state).

        Of two equally near states the earlier one; O(log n) (:func:`nearest_index`).
        """
        with self._lock:
            index = nearest_index(self._stamps, stamp, self._start)
            return None if index is None else self._states[index]

    def states_after(self, stamp: float) -> list[Stamped]:
        """Return the stored states stamped after ``stamp``, oldest first."""
        with self._lock:
            return self._states[bisect.bisect_right(self._stamps, stamp, self._start):]

    def ages(self, now: float) -> tuple[float | None, float | None]:
        """Return (newest frame age, newest state age) [s] at ``now``; None when none came."""
        with self._lock:
            image_age = now - self.frame.stamp if self.frame else None
            state_age = now - self._stamps[-1] if self._stamps else None
            return image_age, state_age

    def problem(self, now: float, limits: SafetyLimits) -> str:
        """Why the inputs cannot be commanded from at ``now`` ("" when they can)."""
        with self._lock:
            state_problem = self.state_problem
        return state_problem or input_problem(*self.ages(now), limits, now)

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

import numpy as np

from vjepa_ros.robot.input_ages import input_problem
from vjepa_ros.robot.refusal import worded
from vjepa_ros.robot.safety import SafetyLimits

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

    ``lead`` (camera frames): how far [s] the stamp runs ahead of the node clock: the larger of
    how far it ran ahead of the frame's receipt (a frame cannot be taken after it was received)
    and how far the camera's clock runs ahead of the node's, measured over a window of messages
    (``stream_leads``); 0 when neither. ``states_lead``: the robot states' clock's, measured
    alike. :attr:`taken` is the frame's time on the node clock, :attr:`state_time` on the
    states' clock (where it meets the arm's states).
    """

    stamp: float  # [s]
    value: np.ndarray
    gripper_measured: bool = True
    lead: float = 0.0  # [s] >= 0
    states_lead: float = 0.0  # [s] >= 0

    @property
    def taken(self) -> float:
        """The latest node-clock time [s] the frame can have been taken at.

        ``stamp - lead``: its stamp moved onto the node clock, never after its receipt
        (``stream_leads.frame_leads``). A camera on the node clock or behind it
        (latency): its stamp. A camera stamping on its own clock 0.1-0.25 s ahead of the
        states' (no PTP; accepted up to ``safety.max_image_age_s`` in the future) stamps a
        frame taken while the arm still braked past the arm's arrival (breaker59f): its
        receipt. Compared with events on the node clock (the arm's arrival, the settle wait,
        the plan's age, a gripper command). States: their stamp.
        """
        return self.stamp - self.lead

    @property
    def state_time(self) -> float:
        """The frame's time [s] on the robot states' clock: :attr:`taken` + ``states_lead``.

        The state nearest it is the arm the frame shows (a plan's start, a capture's state,
        the camera check's records). Camera and states on one clock ahead of the node's (a
        robot PC's, ``ros2 bag play --clock``): the frame's stamp; a USB camera on the node
        clock beside states from a robot PC 0.24 s ahead: its stamp + 0.24 (breaker59i #1).
        """
        return self.taken + self.states_lead


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
        """Note an unusable message at ``now`` [s]; True when it starts an episode.

        An empty ``problem`` is ``refusal.NO_REASON``: an unusable message is never "fine".
        """
        started = not self.problem
        self.problem, self.good_since, self.last_seen = worded(problem), None, now
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
                      timed: bool = True, now: float | None = None,
                      lead: float = 0.0, states_lead: float = 0.0) -> tuple[bool, str]:
        """Keep ``rgb`` [H, W, 3] uint8 as the newest frame (copied when it is read-only).

        ``problem``: why this frame may not be planned on (its size), "" when it may; kept as
        :attr:`image_problem` until usable frames have come for ``recovery_s`` (``now`` [s]: the
        caller's clock, default ``stamp``). Returns (whether this frame starts an episode of
        unusable frames, the problem this usable frame ends or ""). ``timed``: its stamp was
        sane when it came (not ahead of the clock, not stale). Only such accepted frames with
        increasing stamps measure :meth:`frame_period`: any other frame starts the measurement
        over, so a stamp jump or a held frame is never taken for a slow camera. ``lead`` [s]: how
        far the frame's stamp is ahead of the node's clock (the larger of its lead over its
        receipt and the camera clock's lead, ``stream_leads.frame_leads``); ``states_lead`` [s]:
        the states' clock's lead of the node's. Kept: :attr:`Stamped.lead` (``lead``, at least
        0) and ``states_lead``.
        """
        if not rgb.flags.writeable:  # a view of a message buffer: torch wants its own copy
            rgb = rgb.copy()
        with self._lock:
            usable = timed and not problem
            if not usable or (self._frame_stamps and stamp <= self._frame_stamps[-1]):
                self._frame_stamps.clear()  # refused, or time went backwards (a looping bag)
            self.frame = Stamped(stamp, rgb, lead=max(0.0, lead),
                                 states_lead=states_lead)
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
                      gripper_measured: bool = True, late: bool = False) -> str | None:
        """Store a robot state [7]; None when it is invalid (then it is rejected, not stored).

        ``gripper_measured``: False when index 6 (closedness) is a placeholder (no finger joint
        state yet); kept with the state (:class:`Stamped`). A state stamped before the newest
        starts the history afresh (a clock stepped back: its states are of another time), or,
        ``late`` (a late delivery of the same clock: a relay, a second publisher behind), is
        put in its place by stamp (not stored when older than the history kept).

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
            self.states_received += 1
            stamps = self._stamps
            if late and stamps and stamp < stamps[-1]:
                if stamp >= stamps[self._start]:
                    at = bisect.bisect_right(stamps, stamp, self._start)
                    stamps.insert(at, stamp)
                    self._states.insert(at, Stamped(stamp, state, gripper_measured))
                return self._state_trouble.good(now)
            if stamps and stamp < stamps[-1]:
                self._states, self._stamps, self._start = [], [], 0
            self._states.append(Stamped(stamp, state, gripper_measured))
            self._stamps.append(stamp)
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

    def states_around(self, stamp: float) -> tuple[Stamped | None, Stamped | None]:
        """Return the newest stored state stamped at or before ``stamp`` and the oldest after.

        None for a side with no state; O(log n). The pair a frame's pose is interpolated
        between (``frame_pairing.state_between``).
        """
        with self._lock:
            index = bisect.bisect_right(self._stamps, stamp, self._start)
            before = self._states[index - 1] if index > self._start else None
            return before, (self._states[index] if index < len(self._states) else None)

    def states_after(self, stamp: float) -> list[Stamped]:
        """Return the stored states stamped after ``stamp``, oldest first."""
        with self._lock:
            return self._states[bisect.bisect_right(self._stamps, stamp, self._start):]

    def stamps_until(self, stamp: float, count: int) -> list[float]:
        """Return the last ``count`` kept states' stamps [s] at or before ``stamp``, oldest first.

        O(log n + count): the stamps are kept sorted (a late state is put in its place).
        """
        with self._lock:
            end = bisect.bisect_right(self._stamps, stamp, self._start)
            return self._stamps[max(self._start, end - count):end]

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

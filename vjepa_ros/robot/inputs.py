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

from vjepa_ros.robot.safety import SafetyLimits, input_problem

PERIOD_FRAMES = 5  # frames whose stamps measure the camera's frame period
STATE_HISTORY = 400  # robot states kept to find the one at a frame's stamp (4 s at 100 Hz)


@dataclasses.dataclass
class Stamped:
    stamp: float  # [s]
    value: np.ndarray


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


class InputBuffer:
    """Newest frame, recent robot states, their ages, and the state at a frame's stamp.

    ``observe_state`` keeps only valid states ([7] finite float64: xyz [m], extrinsic xyz Euler
    [rad], gripper closedness [0, 1]); ``reject_state`` marks the state unusable until the next
    valid one. A state stamped before the newest one empties the history (time went backwards:
    a looping bag, a simulator reset).
    """

    def __init__(self, history: int = STATE_HISTORY):
        if history < 1:
            raise ValueError(f"history must be >= 1 state, got {history}")
        self._lock = threading.Lock()
        self.frame: Stamped | None = None
        self.frames_received = 0
        self.history = history
        # The kept states are _states[_start:], their stamps _stamps[_start:] (non-decreasing):
        # the stamp list is kept beside the states, so a lookup is a bisection (O(log n)), and
        # the dropped head is cut off once it is as long as the history (amortized O(1)).
        self._states: list[Stamped] = []
        self._stamps: list[float] = []
        self._start = 0
        self.state_problem = ""  # why the robot state is unusable ("" when it is fine)
        self.image_problem = ""  # why the newest frame is unusable ("" when it is fine)
        self._frame_stamps: collections.deque[float] = collections.deque(maxlen=PERIOD_FRAMES)

    @property
    def states(self) -> list[Stamped]:
        """The kept robot states, oldest first (a copy; at most ``history``)."""
        with self._lock:
            return self._states[self._start:]

    def observe_image(self, rgb: np.ndarray, stamp: float, problem: str = "",
                      timed: bool = True) -> None:
        """Keep ``rgb`` [H, W, 3] uint8 as the newest frame (copied when it is read-only).

        ``problem``: why this frame may not be planned on (its size), "" when it may; kept as
        :attr:`image_problem` until the next frame. ``timed``: its stamp was sane when it came
        (not ahead of the clock, not stale). Only such accepted frames with increasing stamps
        measure :meth:`frame_period`: any other frame starts the measurement over, so a stamp
        jump or a held frame is never taken for a slow camera.
        """
        if not rgb.flags.writeable:  # a view of a message buffer: torch wants its own copy
            rgb = rgb.copy()
        with self._lock:
            usable = timed and not problem
            if not usable or (self._frame_stamps and stamp <= self._frame_stamps[-1]):
                self._frame_stamps.clear()  # refused, or time went backwards (a looping bag)
            self.frame = Stamped(stamp, rgb)
            self.frames_received += 1
            self.image_problem = problem
            if usable:
                self._frame_stamps.append(stamp)

    def frame_period(self) -> float | None:
        """Mean interval [s] between the last :data:`PERIOD_FRAMES` timed frames' stamps.

        None with fewer than 2 consecutive accepted frames (``observe_image``'s ``timed``).
        """
        with self._lock:
            stamps = self._frame_stamps
            if len(stamps) < 2:
                return None
            return (stamps[-1] - stamps[0]) / (len(stamps) - 1)

    def observe_state(self, state, stamp: float) -> str | None:
        """Store a robot state [7]; None when it is invalid (then it is rejected, not stored).

        Otherwise returns the earlier problem this valid state ends ("" when there was none).
        """
        state = np.asarray(state, dtype=np.float64)
        if state.shape != (7,) or not np.isfinite(state).all():
            self.reject_state(f"robot state is invalid: {state.tolist()}")
            return None
        with self._lock:
            if self._stamps and stamp < self._stamps[-1]:
                self._states, self._stamps, self._start = [], [], 0
            self._states.append(Stamped(stamp, state))
            self._stamps.append(stamp)
            if len(self._stamps) - self._start > self.history:
                self._start += 1
                if self._start >= self.history:
                    del self._states[:self._start], self._stamps[:self._start]
                    self._start = 0
            cleared, self.state_problem = self.state_problem, ""
        return cleared

    def reject_state(self, reason: str) -> None:
        with self._lock:
            self.state_problem = reason

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

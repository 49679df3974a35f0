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

STATE_HISTORY = 400  # robot states kept to find the one at a frame's stamp (4 s at 100 Hz)


@dataclasses.dataclass
class Stamped:
    stamp: float  # [s]
    value: np.ndarray


def nearest(items, stamp: float) -> Stamped | None:
    """Return the item of ``items`` (Stamped, sorted by stamp) nearest to ``stamp``; None if none.

    The one nearest-stamp lookup of the robot side (states at a frame's stamp, the demo's frames).
    """
    if not items:
        return None
    stamps = [item.stamp for item in items]
    index = bisect.bisect_left(stamps, stamp)
    near = [i for i in (index - 1, index) if 0 <= i < len(stamps)]
    return items[min(near, key=lambda i: abs(stamps[i] - stamp))]


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
        self.states: collections.deque[Stamped] = collections.deque(maxlen=history)
        self.state_problem = ""  # why the robot state is unusable ("" when it is fine)

    def observe_image(self, rgb: np.ndarray, stamp: float) -> None:
        """Keep ``rgb`` [H, W, 3] uint8 as the newest frame (copied when it is read-only)."""
        if not rgb.flags.writeable:  # a view of a message buffer: torch wants its own copy
            rgb = rgb.copy()
        with self._lock:
            self.frame = Stamped(stamp, rgb)
            self.frames_received += 1

    def observe_state(self, state, stamp: float) -> str | None:
        """Store a robot state [7]; None when it is invalid (then it is rejected, not stored).

        Otherwise returns the earlier problem this valid state ends ("" when there was none).
        """
        state = np.asarray(state, dtype=np.float64)
        if state.shape != (7,) or not np.isfinite(state).all():
            self.reject_state(f"robot state is invalid: {state.tolist()}")
            return None
        with self._lock:
            if self.states and stamp < self.states[-1].stamp:
                self.states.clear()
            self.states.append(Stamped(stamp, state))
            cleared, self.state_problem = self.state_problem, ""
        return cleared

    def reject_state(self, reason: str) -> None:
        with self._lock:
            self.state_problem = reason

    def latest_state(self) -> Stamped | None:
        with self._lock:
            return self.states[-1] if self.states else None

    def state_at(self, stamp: float) -> Stamped | None:
        """Return the stored state nearest in time to ``stamp`` (None before any state)."""
        with self._lock:
            return nearest(self.states, stamp)

    def states_after(self, stamp: float) -> list[Stamped]:
        """Return the stored states stamped after ``stamp``, oldest first."""
        with self._lock:
            stamps = [s.stamp for s in self.states]
            return list(self.states)[bisect.bisect_right(stamps, stamp):]

    def ages(self, now: float) -> tuple[float | None, float | None]:
        """Return (newest frame age, newest state age) [s] at ``now``; None when none came."""
        with self._lock:
            image_age = now - self.frame.stamp if self.frame else None
            state_age = now - self.states[-1].stamp if self.states else None
            return image_age, state_age

    def problem(self, now: float, limits: SafetyLimits) -> str:
        """Why the inputs cannot be commanded from at ``now`` ("" when they can)."""
        with self._lock:
            state_problem = self.state_problem
        return state_problem or input_problem(*self.ages(now), limits)

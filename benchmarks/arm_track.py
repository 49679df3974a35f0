"""The sensor process's arm that moves continuously in time along the poses it is sent.

``bench_planner_safety.py`` makes its arm follow the node's set-points from its own spin loop;
a stall of that loop (~150 ms: 2 cores shared with the node's CEM) left the sensor publishing
the old pose with fresh stamps, then the arm teleported 15 mm in one 10 ms state (a jump the
node rightly refused, then a false new world: session 46). Here the sensor plays the poses
back by their stamps, from its own loop: each state is the track interpolated
:data:`LAG_S` before the state's stamp; a track that ran dry (its sender stalled) holds at its
end and, fed again, is caught up at most :data:`CATCHUP` times as fast as it was sent. No
state steps more than the sent poses moved in ``CATCHUP`` × the time between states.
ROS-free; numpy only.
"""

from __future__ import annotations

import threading

import numpy as np

LAG_S = 0.1  # [s] the arm is this far behind the poses it follows (sent every ~50 ms)
CATCHUP = 1.5  # a track that ran dry is caught up this many times as fast as it was sent


class ArmTrack:
    """The arm's 8 values (7 joints [rad], finger [m]): held, or following stamped poses.

    Lines (:meth:`feed`): "q1 ... q7 finger" puts the arm there at once (and ends a track);
    "q1 ... q7 finger stamp" adds a pose to follow at ``stamp`` (s, the node's clock); a
    stamp not after the last one, or a line that is neither, is ignored. :meth:`at` is the
    arm when a state is stamped. Thread-safe: lines are fed from a reader thread.
    """

    def __init__(self, values):
        self._held = np.asarray(values, dtype=float)[:8].copy()
        self._stamps: list[float] = []
        self._poses: list[np.ndarray] = []
        self._time: float | None = None  # [s] where on the track the arm is
        self._last_now: float | None = None
        self._lock = threading.Lock()

    def feed(self, line: str) -> None:
        """Take one line of stdin (see the class)."""
        try:
            values = [float(v) for v in line.split()]
        except ValueError:
            return
        if len(values) not in (8, 9) or not np.all(np.isfinite(values)):
            return
        with self._lock:
            if len(values) == 8:
                self._held = np.array(values)
                self._stamps, self._poses, self._time = [], [], None
            elif not self._stamps or values[8] > self._stamps[-1]:
                self._stamps.append(values[8])
                self._poses.append(np.array(values[:8]))

    def at(self, now: float) -> np.ndarray:
        """Return the arm's 8 values [8] for a state stamped ``now`` [s] (called in time order)."""
        with self._lock:
            last_now, self._last_now = self._last_now, now
            if not self._stamps:
                return self._held.copy()
            if self._time is None:  # a track's start: from the arm held, if it is ahead
                self._time = now - LAG_S
                if self._time < self._stamps[0]:
                    self._stamps.insert(0, self._time)
                    self._poses.insert(0, self._held)
                else:  # a track sent late starts at its first pose
                    self._time = self._stamps[0]
            else:
                step = CATCHUP * max(now - last_now, 0.0)  # (set by the call that set _time)
                ahead = min(now - LAG_S, self._time + step, self._stamps[-1])
                self._time = max(self._time, ahead)
            keep = max(int(np.searchsorted(self._stamps, self._time, side="right")) - 1, 0)
            del self._stamps[:keep], self._poses[:keep]  # the track behind the arm
            poses = np.array(self._poses)
            self._held = np.array([np.interp(self._time, self._stamps, poses[:, i])
                                   for i in range(poses.shape[1])])
            return self._held.copy()

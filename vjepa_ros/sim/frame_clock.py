"""When a simulated camera renders: frame n is due at ``start + n / rate_hz`` of simulated time.

The frames go out on the first control tick at or after their due time, and the next one is due
one period after the previous was *due*, not after the tick that rendered it: the phase is kept,
so the rate holds on average whatever the tick rate (25 Hz on 60 Hz ticks: 2 or 3 ticks apart,
25 a second; scheduling from the rendering tick gave 3 ticks, 20 Hz). A frame that could not go
out before the next was due (a camera faster than the ticks) is skipped, not owed.
"""

from __future__ import annotations

import math

TIME_EPSILON = 1e-9  # [s] a tick this close before a due time is on time (float sums of dt)


class FrameClock:
    """The due times of a camera's frames [s of simulated time] at ``rate_hz`` frames a second."""

    def __init__(self, rate_hz: float, start: float | None = None):
        if not (math.isfinite(rate_hz) and rate_hz > 0):
            raise ValueError(f"camera_rate_hz must be > 0 and finite, got {rate_hz}")
        self.period = 1.0 / rate_hz
        self.restart(start)

    def restart(self, start: float | None = None) -> None:
        """Make frame 0 due at ``start`` [s] (None: at the next :meth:`due` call's time)."""
        self.start = start
        self.count = 0  # frames due so far (rendered or skipped)

    def due(self, now: float) -> bool:
        """Return whether a frame is due at ``now`` [s]; if so it counts as rendered."""
        if self.start is None:
            self.start = now
        if now + TIME_EPSILON < self.start + self.count * self.period:
            return False
        self.count = math.floor((now + TIME_EPSILON - self.start) / self.period) + 1
        return True

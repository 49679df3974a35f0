"""A bounded set of goal numbers kept as sorted, disjoint spans (ROS-free).

``awaited_goals`` keeps here the gripper goals dropped unaccepted as overdue that were not
rejected since (they still supersede an older goal): a hung driver's goals are one span however
many, a rejection punches a hole, an acceptance removes its goal and every older one. Bounded by
the number of spans: past ``max_spans`` the oldest span is dropped (its goals then supersede
nothing: an older goal's abort may be warned of that a newer one would have excused).
"""

from __future__ import annotations

import bisect


class GoalSpans:
    """Goal numbers (ints >= 1) as sorted disjoint spans ``[low, high]``, at most ``max_spans``.

    Not thread-safe: the owner locks. Each change costs O(spans).
    """

    def __init__(self, max_spans: int):
        self.max_spans = max_spans
        self._lows: list[int] = []  # ascending; span i is _lows[i].._highs[i], gaps between
        self._highs: list[int] = []

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        """Return the spans ``(low, high)``, both ends included, oldest first."""
        return tuple(zip(self._lows, self._highs, strict=True))

    @property
    def newest(self) -> int:
        """Return the newest goal number held (0: none)."""
        return self._highs[-1] if self._highs else 0

    def __bool__(self) -> bool:
        return bool(self._lows)

    def __contains__(self, number: int) -> bool:
        index = bisect.bisect_right(self._lows, number) - 1
        return index >= 0 and number <= self._highs[index]

    def add(self, number: int) -> None:
        """Hold goal ``number``, joined to its neighbours (the oldest span goes past the cap)."""
        index = bisect.bisect_right(self._lows, number) - 1  # the span at or before it
        if index >= 0 and number <= self._highs[index]:
            return
        joins_before = index >= 0 and self._highs[index] == number - 1
        joins_after = index + 1 < len(self._lows) and self._lows[index + 1] == number + 1
        if joins_before and joins_after:  # it fills the gap between two spans
            self._highs[index] = self._highs.pop(index + 1)
            del self._lows[index + 1]
        elif joins_before:
            self._highs[index] = number
        elif joins_after:
            self._lows[index + 1] = number
        else:
            self._lows.insert(index + 1, number)
            self._highs.insert(index + 1, number)
        self._cap()

    def discard(self, number: int) -> None:
        """Stop holding goal ``number`` (a hole in its span; nothing if not held)."""
        index = bisect.bisect_right(self._lows, number) - 1
        if index < 0 or number > self._highs[index]:
            return
        low, high = self._lows[index], self._highs[index]
        if low == high:
            del self._lows[index], self._highs[index]
        elif number == low:
            self._lows[index] = number + 1
        elif number == high:
            self._highs[index] = number - 1
        else:  # split in two: one span more, the oldest dropped past the cap
            self._highs[index] = number - 1
            self._lows.insert(index + 1, number + 1)
            self._highs.insert(index + 1, high)
            self._cap()

    def drop_through(self, number: int) -> None:
        """Stop holding every goal numbered ``number`` or less."""
        index = bisect.bisect_right(self._lows, number)  # the spans beginning at or before it
        if index and self._highs[index - 1] > number:  # the last of them goes on past it
            index -= 1
            self._lows[index] = number + 1
        del self._lows[:index], self._highs[:index]

    def _cap(self) -> None:
        """Drop the oldest span while there are more than ``max_spans``."""
        while len(self._lows) > self.max_spans:
            del self._lows[0], self._highs[0]

"""Which refusals the session has logged: each kind once until it clears, and no flapping.

Two refusals that alternate (no goal, and a pose in another frame) are each logged once, not at
every change between them: a kind stays *active* until everything is fine again (or that kind
clears on its own: a new goal, a valid state). A kind that comes back within ``relapse_s`` of
its last log line (a camera just slower than ``safety.max_image_age_s``: stale, fine, stale ...)
is not logged again; ``/diagnostics`` still shows every refusal as it happens.
"""

from __future__ import annotations

from collections.abc import Callable

from vjepa_ros.robot.refusal import RefusalKind

RELAPSE_S = 10.0  # [s] a refusal kind back this soon after its last log line is not logged again


class RefusalLog:
    """Decides which refusals the session logs; not thread-safe (the session's lock guards it).

    Args:
        relapse_s: [s] see :data:`RELAPSE_S`.
        clock: seconds: the session's clock (its inputs' time); a jump back counts as recent.
    """

    def __init__(self, clock: Callable[[], float], relapse_s: float = RELAPSE_S):
        self.relapse_s, self.clock = relapse_s, clock
        self.active: set[RefusalKind] = set()  # refused since everything was last fine
        self.said: set[RefusalKind] = set()  # of those, the ones logged
        self.logged_at: dict[RefusalKind, float] = {}

    def refused(self, kind: RefusalKind) -> bool:
        """Record a refusal of ``kind``; return True when it is to be logged now."""
        if kind in self.active:
            return False
        self.active.add(kind)
        now = self.clock()
        if abs(now - self.logged_at.get(kind, -float("inf"))) < self.relapse_s:
            return False
        self.said.add(kind)
        self.logged_at[kind] = now
        return True

    def said_now(self, kind: RefusalKind) -> None:
        """Record a refusal of ``kind`` its caller logged itself (no second line for it)."""
        self.active.add(kind)
        self.said.add(kind)
        self.logged_at[kind] = self.clock()

    def cleared(self, kind: RefusalKind) -> bool:
        """One kind cleared on its own (a new goal, a valid state): log it again when it comes.

        Returns True when a refusal of ``kind`` was logged and not yet said to be over: only
        then is its end worth a line (one line each way per episode, never one per message).
        """
        said = kind in self.said
        self.active.discard(kind)
        self.said.discard(kind)
        return said

    def forget(self, kind: RefusalKind) -> None:
        """Log the next refusal of ``kind`` at once (it was said at another level before)."""
        self.active.discard(kind)
        self.said.discard(kind)
        self.logged_at.pop(kind, None)

    def all_clear(self) -> bool:
        """Everything is fine again; return True when a refusal was logged (say it is over)."""
        said = bool(self.said)
        self.active.clear()
        self.said.clear()
        return said

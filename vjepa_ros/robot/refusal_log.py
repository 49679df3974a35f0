"""Which refusals the session has logged: each kind once until it clears, and no flapping.

Two refusals that alternate (no goal, and a pose in another frame) are each logged once, not at
every change between them: a kind stays *active* until everything is fine again (or that kind
clears on its own: a new goal, a valid state). A refusal that comes back within ``relapse_s``
of its last log line with the same cause (a camera just slower than
``safety.max_image_age_s``: stale, fine, stale ...) is not logged again; another cause of the
same kind is (a camera that dies soon after a bag player's hold: breaker30).
``/diagnostics`` still shows every refusal as it happens.
"""

from __future__ import annotations

from collections.abc import Callable

from vjepa_ros.robot.refusal import RefusalKind

MAX_CAUSES = 256  # (kind, cause) pairs remembered for the relapse rule, then forgotten
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
        self.logged_at: dict[tuple[RefusalKind, str], float] = {}  # (kind, cause) → last line

    def refused(self, kind: RefusalKind, cause: str = "") -> bool:
        """Record a refusal of ``kind``; return True when it is to be logged now.

        ``cause``: what it is about, its values left out (``input_errors.problem_shape`` of
        its detail): the relapse rule holds back a line only for the same cause.
        """
        if kind in self.active:
            return False
        self.active.add(kind)
        now = self.clock()
        if abs(now - self.logged_at.get((kind, cause), -float("inf"))) < self.relapse_s:
            return False
        self.said.add(kind)
        if len(self.logged_at) >= MAX_CAUSES:  # causes name topics and nodes: bounded
            self.logged_at.clear()
        self.logged_at[(kind, cause)] = now
        return True

    def cleared(self, kind: RefusalKind) -> bool:
        """One kind cleared on its own (a new goal, a valid state): log it again when it comes.

        Returns True when a refusal of ``kind`` was logged and not yet said to be over: only
        then is its end worth a line (one line each way per episode, never one per message).
        """
        said = kind in self.said
        self.active.discard(kind)
        self.said.discard(kind)
        return said

    def release(self, kind: RefusalKind) -> None:
        """Note an unlogged episode of ``kind`` ended: inactive, unless a logged one stands.

        A camera episode that began while a logged refusal of its kind held (a stale state)
        must not take that refusal's "said" with it: its end line is then still due (breaker30b).
        """
        if kind not in self.said:
            self.active.discard(kind)

    def forget(self, kind: RefusalKind) -> None:
        """Log the next refusal of ``kind`` at once (it was said at another level before)."""
        self.active.discard(kind)
        self.said.discard(kind)
        for key in [key for key in self.logged_at if key[0] is kind]:
            del self.logged_at[key]

    def all_clear(self) -> bool:
        """Everything is fine again; return True when a refusal was logged (say it is over)."""
        said = bool(self.said)
        self.active.clear()
        self.said.clear()
        return said

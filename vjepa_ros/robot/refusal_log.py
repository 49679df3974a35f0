"""Which refusals the session has logged: each kind once until it clears, and no flapping.

Two refusals that alternate (no goal, and a pose in another frame) are each logged once, not at
every change between them: a kind stays *active* until everything is fine again (or that kind
clears on its own: a new goal, a valid state). A refusal that comes back within ``relapse_s``
of its last log line with the same cause (a camera just slower than
``safety.max_image_age_s``: stale, fine, stale ...) is not logged again; another cause of the
same kind is (a camera that dies soon after a bag player's hold: breaker30).

The *hold* (the refusal the session holds on, one per kind) decides the lines about itself: its
"not commanding: ..." line (:meth:`RefusalLog.refused`), its end (:meth:`RefusalLog.cleared`,
:meth:`RefusalLog.all_clear`: "fine again" once per episode), a hold that moves to another input
(:meth:`RefusalLog.moved`: that input's refusal is said), and a new reason on the input the hold
names. Each *input* (its topic: the camera, the robot state) has its own episodes, decided by its
own check alone (:meth:`RefusalLog.judged`, and a refusal that names it): ``input_flaps`` holds
them and their rules; an input that flaps is summarised there (:meth:`RefusalLog.notes`), and a
hold's line about a flapping input is said only for a reason not said before. ``/diagnostics``
still shows every refusal as it happens.
"""

from __future__ import annotations

from collections.abc import Callable

from vjepa_ros.robot.input_flaps import MAX_CAUSES, STEADY_S, SUMMARY_S, InputFlaps
from vjepa_ros.robot.refusal import RefusalKind, worded

__all__ = ["RELAPSE_S", "STEADY_S", "SUMMARY_S", "RefusalLog"]

RELAPSE_S = 10.0  # [s] a refusal kind back this soon after its last log line is not logged again


class RefusalLog:
    """Decides which refusals the session logs; not thread-safe (the session's lock guards it).

    Args:
        relapse_s: [s] see :data:`RELAPSE_S`.
        clock: seconds: the session's clock (its inputs' time); a jump back counts as recent.
    """

    def __init__(self, clock: Callable[[], float], relapse_s: float = RELAPSE_S):
        self.relapse_s, self.clock = relapse_s, clock
        # the hold's: the lines about it
        self.active: set[RefusalKind] = set()  # refused since everything was last fine
        self.said: set[RefusalKind] = set()  # of those, the ones logged
        self.logged_at: dict[tuple[RefusalKind, str], float] = {}  # (kind, cause) → last line
        self.current: dict[RefusalKind, str] = {}  # an active kind → the input the hold names
        self.names: dict[str, tuple[str, str]] = {}  # cause → (topic, detail): about()
        self.inputs = InputFlaps()  # each input's own episodes, whatever the hold names
        self.problems: dict[str, str] = {}  # input topic → its own problem now ("": fine)

    def about(self, cause: str, topic: str, detail: str) -> None:
        """Note that refusals of ``cause`` concern ``topic`` ("": unknown), in words ``detail``.

        The input checks call it as they refuse, so a flap is counted per input and its
        summary names the topic and the newest reason with its values.
        """
        if len(self.names) >= MAX_CAUSES and cause not in self.names:
            self.names.clear()
        self.names[cause] = (topic, detail)

    def refused(self, kind: RefusalKind, cause: str = "") -> bool:
        """Record a refusal of ``kind`` (the hold's); return True when it is to be logged now.

        ``cause``: what it is about, its values left out (``input_errors.problem_shape`` of
        its detail): the relapse rule holds back a line only for the same cause. A cause
        :meth:`about` gave an input is that input's judgement too: its episode begins if it
        was not under way (an empty cause and detail: ``refusal.NO_REASON``, never "fine").
        """
        now = self.clock()
        topic, detail = self.names.get(cause, ("", ""))
        detail = worded(detail or cause)
        if topic and topic not in self.inputs.ongoing:
            self.inputs.judge(now, topic, detail)
        if kind not in self.active:  # a new hold of this kind: its line is due
            self.active.add(kind)
            if topic:
                self.current[kind] = topic
        elif not topic or self.current.get(kind) != topic:
            return False  # said while the hold stands; another input's: breaker30b's crowd
        if topic and not self.inputs.says(topic, kind, cause, detail):
            return False
        if abs(now - self.logged_at.get((kind, cause), -float("inf"))) < self.relapse_s:
            return False  # the relapse rule
        self.said.add(kind)
        if len(self.logged_at) >= MAX_CAUSES:  # causes name topics and nodes: bounded
            self.logged_at.clear()
        self.logged_at[(kind, cause)] = now
        return True

    def cleared(self, kind: RefusalKind) -> bool:
        """One kind cleared on its own (a new goal, a valid state): log it again when it comes.

        Returns True when a refusal of ``kind`` was logged and not yet said to be over: only
        then is its end worth a line (one line each way per episode, never one per message).
        The inputs' episodes are not ended here: each ends when its input is judged fine.
        """
        said = kind in self.said
        self._drop(kind)
        return said

    def release(self, kind: RefusalKind) -> None:
        """Note an unlogged episode of ``kind`` ended: inactive, unless a logged one stands.

        A camera episode that began while a logged refusal of its kind held (a stale state)
        must not take that refusal's "said" with it: its end line is then still due (breaker30b).
        No input's episode ends here (a dead state beside a camera's bad frames goes on).
        """
        if kind not in self.said:
            self._drop(kind)

    def forget(self, kind: RefusalKind) -> None:
        """Log the next refusal of ``kind`` at once (it was said at another level before).

        Its inputs' episodes go on (their counts and flaps stand), but the causes they said are
        due again (enabling after a shadow-mode refusal: breaker45z).
        """
        self._drop(kind)
        for key in [key for key in self.logged_at if key[0] is kind]:
            del self.logged_at[key]
        self.inputs.forget(kind)

    def _drop(self, kind: RefusalKind) -> None:
        """End the hold of ``kind``: inactive, unsaid, naming no input."""
        self.active.discard(kind)
        self.said.discard(kind)
        self.current.pop(kind, None)

    def all_clear(self) -> bool:
        """Everything is fine again; return True when a refusal was logged (say it is over).

        Every input is fine then too: each episode under way ends (counted as recovered if
        its input flaps).
        """
        said = bool(self.said)
        self.inputs.end_all()
        self.active.clear()
        self.said.clear()
        self.current.clear()
        return said

    def judged(self, now: float, problems: dict[str, str]) -> None:
        """Note each input's own problem at ``now``: input topic → its problem ("": it is fine).

        The input checks judge every input at each check, not only the one the hold names:
        an input refused begins its episode (counted if it flaps), an input fine ends it
        (counted as recovered), whatever the hold names (another input, a bag player) and
        whichever kind clears. The summary's "last reason" is the newest problem judged.
        ``now``: [s] the session clock (:attr:`clock`), as the caller read it for its checks.
        """
        self.problems = problems
        for topic, problem in problems.items():
            self.inputs.judge(now, topic, problem)

    def moved(self, kind: RefusalKind, cause: str) -> None:
        """Note that the hold on active ``kind`` now concerns another input (``cause``'s).

        The state stale, then the camera, in one hold: the hold of ``kind`` starts anew, so
        the next :meth:`refused` says the other input's refusal (unless it was said in that
        input's episode, or that input flaps and said it before). A logged refusal of ``kind``
        keeps its mark: its end is still said. The inputs' episodes are not touched.
        """
        topic = self.names.get(cause, ("", ""))[0]
        if kind not in self.active or not topic or self.current.get(kind, topic) == topic:
            return
        self.current.pop(kind, None)
        self.active.discard(kind)

    def notes(self) -> list[tuple[str, str]]:
        """Return the flap lines due now, as (level, line): summaries, steadiness, long holds.

        Called often (each stream tick): ``input_flaps.InputFlaps.due``. An input refused
        without a break for :data:`STEADY_S` leaves its flap count: the end of the hold that
        said it is then logged as any refusal's.
        """
        lines, long_holds = self.inputs.due(self.clock())
        self.said.update(long_holds)
        return lines

"""Which refusals the session has logged: each kind once until it clears, and no flapping.

Two refusals that alternate (no goal, and a pose in another frame) are each logged once, not at
every change between them: a kind stays *active* until everything is fine again (or that kind
clears on its own: a new goal, a valid state). A refusal that comes back within ``relapse_s``
of its last log line with the same cause (a camera just slower than
``safety.max_image_age_s``: stale, fine, stale ...) is not logged again; another cause of the
same kind is (a camera that dies soon after a bag player's hold: breaker30).

An input that flaps (:data:`FLAP_STARTS` episodes began within :data:`FLAP_WINDOW_S`: a camera
failing every few seconds) would still log a refusal and its end every ``relapse_s``, ~650 lines
an hour: its episodes are then counted, not logged, and :meth:`RefusalLog.notes` gives one
summary line per input at most every :data:`SUMMARY_S` ("/camera/image_raw: refused 37 times,
recovered 37 times in the last 60 s; last reason: ..."), one line when it has been steady for
:data:`STEADY_S` (after which its next refusal is logged at once again), and one warning if one
of its episodes lasts that long (its end is then logged as any). The first refusal is always
logged at once, and so is the first of a new reason on a flapping input (a camera stale, then
sending frames of an unusable size: a user must see why the arm holds now); only reasons
already said are counted. A new reason on the input a hold names (a stale camera back with frames
of an unusable size) is logged at once too, by the relapse rule. A kind stays active across its
inputs, but a refusal of that kind whose hold moves to another input (the state stale, then the
camera, in one episode: :meth:`RefusalLog.moved`) begins the other's episode: each input is
named (logged or summarised). Episodes are kept per input: the input checks tell each input's
own problem at every check (:meth:`RefusalLog.judged`), and an input's episode ends when its own
problem is gone, not when the hold names another (a dead state beside a flapping camera is one
episode, never "recovered"). A summary clock ahead of the session's (a bag replayed with
``--loop`` under use_sim_time) restarts, as the steady count does. ``/diagnostics`` still shows
every refusal as it happens.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Callable

from vjepa_ros.robot.refusal import RefusalKind

MAX_CAUSES = 256  # (kind, cause) pairs remembered for the relapse rule, then forgotten
RELAPSE_S = 10.0  # [s] a refusal kind back this soon after its last log line is not logged again
FLAP_STARTS = 3  # episodes of one input began within FLAP_WINDOW_S: the next is a flap, counted
FLAP_WINDOW_S = 60.0  # [s]
SUMMARY_S = 60.0  # [s] at most one summary line per flapping input this often
STEADY_S = 60.0  # [s] no new episode of a flapping input this long: steady again


@dataclasses.dataclass
class Flaps:
    """The episodes of one input (its topic): when they began, and counts.

    While ``flapping``: ``refused`` / ``recovered`` episodes since ``since`` [s], the summary
    last said at ``summarised`` (None: the first is due), ``last`` [s] the newest start,
    ``reason`` its detail. ``causes``: the causes of this input logged (a new one is logged).
    """

    starts: collections.deque = dataclasses.field(
        default_factory=lambda: collections.deque(maxlen=FLAP_STARTS))
    flapping: bool = False
    since: float = 0.0
    refused: int = 0
    recovered: int = 0
    last: float = 0.0
    summarised: float | None = None
    reason: str = ""
    causes: set[str] = dataclasses.field(default_factory=set)


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
        self.flaps: dict[str, Flaps] = {}  # input topic → its episodes
        self.current: dict[RefusalKind, str] = {}  # an active kind → the input it is about
        self.names: dict[str, tuple[str, str]] = {}  # cause → (topic, detail): about()
        # input topic → (kind, causes of this episode said or counted): its episode goes on
        # while the hold names another input (a dead state beside a flapping camera)
        self.ongoing: dict[str, tuple[RefusalKind, set[str]]] = {}
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
        """Record a refusal of ``kind``; return True when it is to be logged now.

        ``cause``: what it is about, its values left out (``input_errors.problem_shape`` of
        its detail): the relapse rule holds back a line only for the same cause.
        """
        now = self.clock()
        if kind in self.active:  # a new reason on the input it holds on is said
            if not self._new_reason(kind, cause) or self._relapse(kind, cause, now):
                return False
        else:
            self.active.add(kind)
            if self._flap(kind, cause, now):
                return False  # counted, said by notes()
            if self._relapse(kind, cause, now):
                return False
        self.said.add(kind)
        if len(self.logged_at) >= MAX_CAUSES:  # causes name topics and nodes: bounded
            self.logged_at.clear()
        self.logged_at[(kind, cause)] = now
        return True

    def _relapse(self, kind: RefusalKind, cause: str, now: float) -> bool:
        """Tell whether ``cause`` of ``kind`` was logged within ``relapse_s`` of ``now``."""
        return abs(now - self.logged_at.get((kind, cause), -float("inf"))) < self.relapse_s

    def cleared(self, kind: RefusalKind) -> bool:
        """One kind cleared on its own (a new goal, a valid state): log it again when it comes.

        Returns True when a refusal of ``kind`` was logged and not yet said to be over: only
        then is its end worth a line (one line each way per episode, never one per message).
        """
        said = kind in self.said
        self._ended(kind)
        self.active.discard(kind)
        self.said.discard(kind)
        return said

    def release(self, kind: RefusalKind) -> None:
        """Note an unlogged episode of ``kind`` ended: inactive, unless a logged one stands.

        A camera episode that began while a logged refusal of its kind held (a stale state)
        must not take that refusal's "said" with it: its end line is then still due (breaker30b).
        """
        if kind not in self.said:
            self._ended(kind)
            self.active.discard(kind)

    def forget(self, kind: RefusalKind) -> None:
        """Log the next refusal of ``kind`` at once (it was said at another level before)."""
        self._ended(kind)
        self.active.discard(kind)
        self.said.discard(kind)
        for key in [key for key in self.logged_at if key[0] is kind]:
            del self.logged_at[key]

    def all_clear(self) -> bool:
        """Everything is fine again; return True when a refusal was logged (say it is over)."""
        said = bool(self.said)
        for kind in list(self.active):
            self._ended(kind)
        for topic in list(self.ongoing):
            self._end_input(topic)
        self.active.clear()
        self.said.clear()
        return said

    def judged(self, problems: dict[str, str]) -> None:
        """Note each input's own problem now: input topic → its problem ("": it is fine).

        The input checks judge every input at each check, not only the one the hold names: an
        input whose episode goes on while the hold names another (:meth:`moved`) and whose
        own problem is gone has recovered (counted if it flaps).
        """
        self.problems = dict(problems)
        for topic, (kind, _) in list(self.ongoing.items()):
            if not problems.get(topic, "x") and self.current.get(kind) != topic:
                self._end_input(topic)

    def moved(self, kind: RefusalKind, cause: str) -> None:
        """Note that the hold on active ``kind`` now concerns another input (``cause``'s).

        The state stale, then the camera, in one hold: ``kind`` is inactive, so the next
        :meth:`refused` begins the other input's episode (logged, or counted if that input
        flaps; an input whose episode went on is not begun again). The first input's episode
        ends (counted as recovered if it flaps) only if its own problem is gone
        (:meth:`judged`): a dead state beside a flapping camera never "recovers". A logged
        refusal of ``kind`` keeps its mark: its end is still said.
        """
        topic = self.names.get(cause, ("", ""))[0]
        if kind not in self.active or not topic or self.current.get(kind, topic) == topic:
            return
        old = self.current.pop(kind, None)
        if old is not None and not self.problems.get(old):
            self._end_input(old)
        self.active.discard(kind)

    def _new_reason(self, kind: RefusalKind, cause: str) -> bool:
        """Tell whether ``cause``, refused while ``kind`` holds on its input, is to be logged.

        A new reason on the input the hold names (a stale camera back with frames of an
        unusable size) is logged at once; a reason this episode had, or one a flapping input
        said before (counted into its summary), is not. Another input's is not (a camera
        crowd while a stale state holds: breaker30b).
        """
        topic = self.names.get(cause, ("", ""))[0]
        if not topic or self.current.get(kind) != topic or topic not in self.ongoing:
            return False
        causes = self.ongoing[topic][1]
        if cause in causes or len(causes) >= MAX_CAUSES:
            return False
        causes.add(cause)
        flaps = self.flaps.get(topic)
        if flaps is not None:
            flaps.reason = self.names[cause][1] or cause
            if flaps.flapping and cause in flaps.causes:
                return False
            if len(flaps.causes) < MAX_CAUSES:
                flaps.causes.add(cause)
        return True

    def _flap(self, kind: RefusalKind, cause: str, now: float) -> bool:
        """Note an episode of ``kind`` / ``cause`` began at ``now``; True: a flap, not logged.

        Only an input's (a cause :meth:`about` named a topic for): other refusals (safety, the
        planner, goals, a bag player) keep the relapse rule alone.
        """
        topic, detail = self.names.get(cause, ("", ""))
        if not topic:
            return False
        key = topic
        self.current[kind] = key
        if key in self.ongoing:  # its episode went on while the hold named another input
            self.ongoing[key] = (kind, self.ongoing[key][1])
            return not self._new_reason(kind, cause)
        self.ongoing[key] = (kind, {cause})
        if key not in self.flaps and len(self.flaps) >= MAX_CAUSES:
            self.flaps = {k: f for k, f in self.flaps.items() if f.flapping}
        flaps = self.flaps.setdefault(key, Flaps())
        recent = [t for t in flaps.starts if 0.0 <= now - t < FLAP_WINDOW_S]
        flaps.starts.append(now)
        flaps.last, flaps.reason = now, detail or cause
        new = cause not in flaps.causes
        if new and len(flaps.causes) < MAX_CAUSES:
            flaps.causes.add(cause)
        if flaps.flapping:
            flaps.refused += 1
            return not new  # a new reason is logged at once, its repeats counted
        if len(recent) < FLAP_STARTS:
            return False
        # each earlier episode of this input within the window ended before this one began
        flaps.flapping, flaps.since, flaps.summarised = True, recent[0], None
        flaps.refused, flaps.recovered = len(recent) + 1, len(recent)
        return True

    def _ended(self, kind: RefusalKind) -> None:
        """Count the end of the episodes of ``kind`` for the inputs they were about."""
        key = self.current.pop(kind, None) if kind in self.active else None
        for topic, (about, _) in list(self.ongoing.items()):
            if about is kind or topic == key:
                self._end_input(topic)

    def _end_input(self, topic: str) -> None:
        """Count the end of ``topic``'s episode (recovered, if it flaps)."""
        self.ongoing.pop(topic, None)
        flaps = self.flaps.get(topic)
        if flaps is not None and flaps.flapping:
            flaps.recovered += 1

    def notes(self) -> list[tuple[str, str]]:
        """Return the flap lines due now, as (level, line): summaries, steadiness, long holds.

        Called often (each stream tick); each flapping input says at most one summary per
        :data:`SUMMARY_S`, only when it had episodes meanwhile. An input with no new episode
        for :data:`STEADY_S` is steady again (info); one refused without a break that long
        leaves the flap count (a warning; its end is logged as any refusal's).
        """
        now = self.clock()
        lines = []
        for key, flaps in list(self.flaps.items()):
            if not flaps.flapping:
                continue
            refused_now = [self.ongoing[key][0]] if key in self.ongoing else []
            quiet = now - flaps.last
            if quiet < 0.0:  # the clock went back (a simulator reset): start over
                quiet = 0.0
                flaps.last = now
            if flaps.summarised is not None and now < flaps.summarised:  # so does the summary
                flaps.summarised = flaps.since = now
            counts = (f"refused {flaps.refused} times, recovered {flaps.recovered} times in "
                      f"the last {max(now - flaps.since, 0.0):.0f} s")
            if quiet >= STEADY_S:
                del self.flaps[key]
                if refused_now:  # one long hold, not flapping: its end is said as any
                    self.said.update(refused_now)
                    lines.append(("warning", f"{key}: refused without a break for "
                                  f"{quiet:.0f} s now (it flapped before; {counts}): "
                                  f"{flaps.reason}"))
                else:
                    since = f" ({counts})" if flaps.refused + flaps.recovered else ""
                    lines.append(("info", f"{key}: steady again, no refusal for {quiet:.0f} s"
                                  f"{since}; its next refusal is logged at once"))
                continue
            first = flaps.summarised is None
            if first or (now - flaps.summarised >= SUMMARY_S
                         and flaps.refused + flaps.recovered > 0):
                tail = ("; refused now" if refused_now else "") + (
                    f"; flapping: said here at most once every {SUMMARY_S:g} s until steady "
                    f"for {STEADY_S:g} s (/diagnostics shows each refusal)" if first else "")
                lines.append(("warning", f"{key}: {counts}; last reason: {flaps.reason}{tail}"))
                flaps.summarised, flaps.since = now, now
                flaps.refused = flaps.recovered = 0
        return lines

"""Which refusals the session has logged: each kind once until it clears, and no flapping.

Two refusals that alternate (no goal, and a pose in another frame) are each logged once, not at
every change between them: a kind stays *active* until everything is fine again (or that kind
clears on its own: a new goal, a valid state). A refusal that comes back within ``relapse_s``
of its last log line with the same cause (a camera just slower than
``safety.max_image_age_s``: stale, fine, stale ...) is not logged again; another cause of the
same kind is (a camera that dies soon after a bag player's hold: breaker30).

Two things are kept apart. The *hold* (the refusal the session holds on, one per kind) decides
the lines about itself: its "not commanding: ..." line (:meth:`RefusalLog.refused`), its end
(:meth:`RefusalLog.cleared`, :meth:`RefusalLog.all_clear`: "fine again" once per episode), a hold
that moves to another input (:meth:`RefusalLog.moved`: that input's refusal is said), and a new
reason on the input the hold names (a stale camera back with frames of an unusable size). Each
*input* (its topic: the camera, the robot state) has its own episodes, driven only by its own
judgement: the input checks tell every input's own problem at each check
(:meth:`RefusalLog.judged`); an episode begins when the input is refused (judged so, or named by
a refusal) and ends only when it is judged fine (or everything is fine), whatever input the hold
names or whichever kind clears: a dead state beside a camera that flaps or sends bad frames is
one episode, never "recovered"; a state fresh under a bag player's hold is not refused.

An input that flaps (:data:`FLAP_STARTS` episodes began within :data:`FLAP_WINDOW_S`: a camera
failing every few seconds) would still log a refusal and its end every ``relapse_s``, ~650 lines
an hour: its episodes are then counted, not logged, and :meth:`RefusalLog.notes` gives one
summary line per input at most every :data:`SUMMARY_S` ("/camera/image_raw: refused 37 times,
recovered 37 times in the last 60 s; last reason: ..."), one line when it has been steady for
:data:`STEADY_S` (after which its next refusal is logged at once again), and one warning if one
of its episodes lasts that long (its end is then logged as any). The first refusal is always
logged at once, and so is the first of a new reason on a flapping input (a camera stale, then
sending frames of an unusable size: a user must see why the arm holds now); only reasons
already said are counted. A summary clock ahead of the session's (a bag replayed with
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


@dataclasses.dataclass
class Episode:
    """One input's episode under way: refused since it began, until it is judged fine.

    ``kind``: the refusal kind the hold gave it (None: no hold named it yet); ``causes``: the
    causes the hold said or counted for it in this episode (each said once per episode).
    """

    kind: RefusalKind | None = None
    causes: set[str] = dataclasses.field(default_factory=set)


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
        # each input's own: its episodes, whatever the hold names
        self.flaps: dict[str, Flaps] = {}  # input topic → its episodes
        self.ongoing: dict[str, Episode] = {}  # input topic → its episode under way
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
        was not under way.
        """
        now = self.clock()
        topic, detail = self.names.get(cause, ("", ""))
        if topic and topic not in self.ongoing:
            self._begin(topic, now, detail or cause)
        if kind not in self.active:  # a new hold of this kind: its line is due
            self.active.add(kind)
            if topic:
                self.current[kind] = topic
        elif not topic or self.current.get(kind) != topic:
            return False  # said while the hold stands; another input's: breaker30b's crowd
        if topic and not self._says(topic, kind, cause):
            return False
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

    def _says(self, topic: str, kind: RefusalKind, cause: str) -> bool:
        """Tell whether the hold's refusal of ``topic`` for ``cause`` is worth a line.

        Once per episode of the input for each cause (the hold moving away and back says
        nothing again); on a flapping input only a cause not said before (a new reason is
        logged at once, its repeats counted into the summary).
        """
        episode = self.ongoing[topic]
        episode.kind = kind
        if cause in episode.causes or len(episode.causes) >= MAX_CAUSES:
            return False
        episode.causes.add(cause)
        flaps = self.flaps.get(topic)
        if flaps is None:  # its flap count was left (a long hold): an episode as any
            return True
        flaps.reason = self.names[cause][1] or cause
        said_before = cause in flaps.causes
        if not said_before and len(flaps.causes) < MAX_CAUSES:
            flaps.causes.add(cause)
        return not (flaps.flapping and said_before)

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
        for episode in self.ongoing.values():
            if episode.kind is kind:
                episode.causes.clear()

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
        for topic in list(self.ongoing):
            self._end_input(topic)
        self.active.clear()
        self.said.clear()
        self.current.clear()
        return said

    def judged(self, problems: dict[str, str]) -> None:
        """Note each input's own problem now: input topic → its problem ("": it is fine).

        The input checks judge every input at each check, not only the one the hold names:
        an input refused begins its episode (counted if it flaps), an input fine ends it
        (counted as recovered), whatever the hold names (another input, a bag player) and
        whichever kind clears. The summary's "last reason" is the newest problem judged.
        """
        self.problems = problems
        for topic, problem in problems.items():
            if not topic:
                continue
            if problem:
                flaps = self.flaps.get(topic) if topic in self.ongoing else None
                if flaps is not None:  # its summary's reason: the newest, with its values
                    flaps.reason = problem
                elif topic not in self.ongoing:
                    self._begin(topic, self.clock(), problem)
            elif topic in self.ongoing:
                self._end_input(topic)

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

    def _begin(self, topic: str, now: float, detail: str) -> None:
        """Begin ``topic``'s episode at ``now`` [s] for ``detail``; count it if the input flaps."""
        self.ongoing[topic] = Episode()
        if topic not in self.flaps and len(self.flaps) >= MAX_CAUSES:
            self.flaps = {k: f for k, f in self.flaps.items() if f.flapping}
        flaps = self.flaps.setdefault(topic, Flaps())
        recent = [t for t in flaps.starts if 0.0 <= now - t < FLAP_WINDOW_S]
        flaps.starts.append(now)
        flaps.last, flaps.reason = now, detail
        if flaps.flapping:
            flaps.refused += 1
        elif len(recent) >= FLAP_STARTS:
            # each earlier episode of this input within the window ended before this one began
            flaps.flapping, flaps.since, flaps.summarised = True, recent[0], None
            flaps.refused, flaps.recovered = len(recent) + 1, len(recent)

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
        leaves the flap count (a warning; its end is logged as any refusal's). Counts that
        are zero are left out of those two lines.
        """
        now = self.clock()
        lines = []
        for key, flaps in list(self.flaps.items()):
            if not flaps.flapping:
                continue
            episode = self.ongoing.get(key)
            quiet = now - flaps.last
            if quiet < 0.0:  # the clock went back (a simulator reset): start over
                quiet = 0.0
                flaps.last = now
            if flaps.summarised is not None and now < flaps.summarised:  # so does the summary
                flaps.summarised = flaps.since = now
            if quiet >= STEADY_S:
                del self.flaps[key]
                counts = _counts(flaps, now, zeros=False)
                if episode is not None:  # one long hold, not flapping: its end is said as any
                    if episode.kind is not None:
                        self.said.add(episode.kind)
                    lines.append(("warning", f"{key}: refused without a break for "
                                  f"{quiet:.0f} s now (it flapped before"
                                  f"{'; ' + counts if counts else ''}): {flaps.reason}"))
                else:
                    lines.append(("info", f"{key}: steady again, no refusal for {quiet:.0f} s"
                                  f"{f' ({counts})' if counts else ''}; its next refusal is "
                                  "logged at once"))
                continue
            first = flaps.summarised is None
            if first or (now - flaps.summarised >= SUMMARY_S
                         and flaps.refused + flaps.recovered > 0):
                tail = ("; refused now" if episode is not None else "") + (
                    f"; flapping: said here at most once every {SUMMARY_S:g} s until steady "
                    f"for {STEADY_S:g} s (/diagnostics shows each refusal)" if first else "")
                lines.append(("warning", f"{key}: {_counts(flaps, now)}; last reason: "
                              f"{flaps.reason}{tail}"))
                flaps.summarised, flaps.since = now, now
                flaps.refused = flaps.recovered = 0
        return lines


def _counts(flaps: Flaps, now: float, zeros: bool = True) -> str:
    """Say ``flaps``' counts since ``flaps.since`` at ``now`` [s]; ``zeros``: say a zero too.

    "refused 3 times, recovered 3 times in the last 60 s"; "" when every count left is zero.
    """
    said = [f"{word} {count} times" for word, count in
            (("refused", flaps.refused), ("recovered", flaps.recovered)) if count or zeros]
    if not said:
        return ""
    return f"{', '.join(said)} in the last {max(now - flaps.since, 0.0):.0f} s"

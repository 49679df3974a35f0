"""Each input's own refusal episodes and its flap summaries: one small state machine.

An *input* is a topic (the camera, the robot state). Its judgement (:meth:`InputFlaps.judge`)
is its own check's answer at each check: a problem, or "" for fine. The rules:

1. An episode begins when the input is judged refused and has none under way; judging it
   refused again changes nothing but the newest reason. It ends only when the input is judged
   fine (or :meth:`InputFlaps.end_all`: everything is fine). No other input, and no hold, ends
   or begins it.
2. An input whose :data:`FLAP_STARTS` episodes before this one began within
   :data:`FLAP_WINDOW_S` *flaps*: from then on its episodes and their ends are counted, not said.
3. While it flaps, :meth:`InputFlaps.due` says one summary at once and then at most one per
   :data:`SUMMARY_S`, only when something was counted meanwhile ("/camera/image_raw: refused 37
   times, recovered 37 times in the last 60 s; last reason: ...").
4. No new episode for :data:`STEADY_S`: "steady again" (info) when none is under way, "refused
   without a break" (warning) when one is; either way it leaves the flap count (its next
   episode is one as any). A clock that goes back restarts both clocks (a bag under --loop).
5. The hold's line about an input (:meth:`InputFlaps.says`) is worth saying once per cause in
   each episode, and on a flapping input only for a cause it never said before (a new reason is
   said at once, its repeats are counted).

Every set is bounded (:data:`MAX_CAUSES`): a day of flaps keeps a few entries, and a long-running
node whose topics are renamed keeps the newest inputs (the one judged longest ago goes first).
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Hashable

MAX_CAUSES = 256  # causes (and inputs) remembered, then forgotten
FLAP_STARTS = 3  # episodes of one input began within FLAP_WINDOW_S: the next is a flap, counted
FLAP_WINDOW_S = 60.0  # [s]
SUMMARY_S = 60.0  # [s] at most one summary line per flapping input this often
STEADY_S = 60.0  # [s] no new episode of a flapping input this long: steady again


@dataclasses.dataclass
class Flaps:
    """The episodes of one input: when they began, and counts.

    While ``flapping``: ``refused`` / ``recovered`` episodes since ``since`` [s], the summary
    last said at ``summarised`` (None: the first is due), ``last`` [s] the newest start,
    ``reason`` its detail. ``causes``: the causes of this input said (a new one is said).
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

    ``holder``: the latest hold that spoke about it (the refusal kind; None: no hold named it
    yet); ``causes``: the causes said or counted for it in this episode (each once per
    episode) → every hold that spoke of that cause (:meth:`InputFlaps.forget` clears theirs).
    """

    holder: Hashable | None = None
    causes: dict[str, set[Hashable]] = dataclasses.field(default_factory=dict)


class InputFlaps:
    """Each input's episodes and flaps (the module's rules); plain state, no clock, no lock.

    ``now`` [s] is the caller's clock, passed in; a jump back is handled by rule 4.
    """

    def __init__(self):
        self.flaps: dict[str, Flaps] = {}  # input topic → its episodes
        self.ongoing: dict[str, Episode] = {}  # input topic → its episode under way

    def judge(self, now: float, topic: str, problem: str) -> None:
        """Note ``topic``'s own judgement at ``now`` [s]: its ``problem`` ("": fine). Rule 1."""
        if not topic:
            return
        if not problem:
            if topic in self.ongoing:
                self.end(topic)
            return
        if topic not in self.ongoing:
            self._begin(topic, now, problem)
            return
        self.ongoing[topic] = self.ongoing.pop(topic)  # judged now: the last to be dropped
        if topic in self.flaps:  # its summary's reason: the newest, with its values
            self.flaps[topic].reason = problem

    def says(self, topic: str, holder: Hashable, cause: str, reason: str) -> bool:
        """Tell whether the hold ``holder``'s refusal of ``topic`` for ``cause`` is worth a line.

        ``topic`` has an episode under way (judged refused); ``reason``: ``cause`` with its
        values, the summary's newest reason. Rule 5: the hold moving away and back says
        nothing again; a flapping input's repeats are counted. Raises KeyError when ``topic``
        has no episode under way (judge it refused first: an empty problem is "fine").
        """
        episode = self.ongoing[topic]
        episode.holder = holder
        if cause in episode.causes:
            episode.causes[cause].add(holder)
            return False
        if len(episode.causes) >= MAX_CAUSES:
            return False
        episode.causes[cause] = {holder}
        flaps = self.flaps.get(topic)
        if flaps is None:  # its flap count was left (a long hold): an episode as any
            return True
        flaps.reason = reason
        said_before = cause in flaps.causes
        if not said_before and len(flaps.causes) < MAX_CAUSES:
            flaps.causes.add(cause)
        return not (flaps.flapping and said_before)

    def forget(self, holder: Hashable) -> None:
        """Make every cause ``holder`` spoke of in the episodes under way due again.

        Whichever hold spoke of an input later in its episode: ``holder``'s causes are cleared.
        """
        for episode in self.ongoing.values():
            for cause in [c for c, holders in episode.causes.items() if holder in holders]:
                del episode.causes[cause]

    def end(self, topic: str) -> None:
        """End ``topic``'s episode (counted as recovered if it flaps)."""
        self.ongoing.pop(topic, None)
        flaps = self.flaps.get(topic)
        if flaps is not None and flaps.flapping:
            flaps.recovered += 1

    def end_all(self) -> None:
        """End every episode under way: everything is fine."""
        for topic in list(self.ongoing):
            self.end(topic)

    def _begin(self, topic: str, now: float, reason: str) -> None:
        """Begin ``topic``'s episode at ``now`` [s] for ``reason``; count it if it flaps."""
        if len(self.ongoing) >= MAX_CAUSES:  # the input judged refused longest ago goes
            del self.ongoing[next(iter(self.ongoing))]
        self.ongoing[topic] = Episode()
        if topic not in self.flaps and len(self.flaps) >= MAX_CAUSES:
            self.flaps = {k: f for k, f in self.flaps.items() if f.flapping}
            if len(self.flaps) >= MAX_CAUSES:  # all flap: the one idle longest goes
                del self.flaps[min(self.flaps, key=lambda k: (k in self.ongoing,
                                                              self.flaps[k].last))]
        flaps = self.flaps.setdefault(topic, Flaps())
        recent = [t for t in flaps.starts if 0.0 <= now - t < FLAP_WINDOW_S]
        flaps.starts.append(now)
        flaps.last, flaps.reason = now, reason
        if flaps.flapping:
            flaps.refused += 1
        elif len(recent) >= FLAP_STARTS:
            # each earlier episode of this input within the window ended before this one began
            flaps.flapping, flaps.since, flaps.summarised = True, recent[0], None
            flaps.refused, flaps.recovered = len(recent) + 1, len(recent)

    def due(self, now: float) -> tuple[list[tuple[str, str]], list[Hashable]]:
        """Return the lines due at ``now`` [s] as (level, line), and the holders left.

        Rules 3 and 4. The holders are those of the episodes that just became one long hold
        ("refused without a break"): their end is to be said as any refusal's.
        """
        lines, left = [], []
        for topic, flaps in list(self.flaps.items()):
            if not flaps.flapping:
                continue
            episode = self.ongoing.get(topic)
            quiet = now - flaps.last
            if quiet < 0.0:  # the clock went back (a simulator reset): start over
                quiet = 0.0
                flaps.last = now
            if flaps.summarised is not None and now < flaps.summarised:  # so does the summary
                flaps.summarised = flaps.since = now
            if quiet >= STEADY_S:
                del self.flaps[topic]
                counts = _counts(flaps, now, zeros=False)
                if episode is not None:  # one long hold, not flapping: its end is said as any
                    if episode.holder is not None:
                        left.append(episode.holder)
                    lines.append(("warning", f"{topic}: refused without a break for "
                                  f"{quiet:.0f} s now (it flapped before"
                                  f"{'; ' + counts if counts else ''}): {flaps.reason}"))
                else:
                    lines.append(("info", f"{topic}: steady again, no refusal for {quiet:.0f} s"
                                  f"{f' ({counts})' if counts else ''}; its next refusal is "
                                  "logged at once"))
                continue
            first = flaps.summarised is None
            if first or (now - flaps.summarised >= SUMMARY_S
                         and flaps.refused + flaps.recovered > 0):
                tail = ("; refused now" if episode is not None else "") + (
                    f"; flapping: said here at most once every {SUMMARY_S:g} s until steady "
                    f"for {STEADY_S:g} s (/diagnostics shows each refusal)" if first else "")
                lines.append(("warning", f"{topic}: {_counts(flaps, now)}; last reason: "
                              f"{flaps.reason}{tail}"))
                flaps.summarised, flaps.since = now, now
                flaps.refused = flaps.recovered = 0
        return lines, left


def _counts(flaps: Flaps, now: float, zeros: bool = True) -> str:
    """Say ``flaps``' counts since ``flaps.since`` at ``now`` [s]; ``zeros``: say a zero too.

    "refused 3 times, recovered 1 time in the last 60 s"; "" when every count left is zero.
    """
    said = [f"{word} {count} time{'' if count == 1 else 's'}" for word, count in
            (("refused", flaps.refused), ("recovered", flaps.recovered)) if count or zeros]
    if not said:
        return ""
    return f"{', '.join(said)} in the last {max(now - flaps.since, 0.0):.0f} s"

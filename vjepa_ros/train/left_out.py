"""The notes on the sources left out as shorter than one clip, with advice that keeps them all.

Each such source (``episodes.ShortSourceError``: no run of ``frames_per_clip`` valid steps, a
frozen camera's or a short recording's) is left out with a note among several sources. Its
advice, shorter clips, is one setting for every source: clips as long as one source's longest
run still leave out a source whose run is shorter (three frozen episodes whose runs were 7, 4
and 2 steps were told ``--frames-per-clip 7``, ``4`` and ``2``). So the advice is computed for
the sources actually left out: the longest clips that keep them all (the shortest of their
runs), or that none does (a source with no 2 consecutive valid steps). A damaged bag's note
keeps its own advice (its damage, not the clip length, took the rest). ROS-free.
"""

from __future__ import annotations

from pathlib import Path

from vjepa_ros.counts import counted
from vjepa_ros.path_text import shown_path
from vjepa_ros.train.episodes import ClipFix, ShortSourceError, shorter_fix

MIN_CLIP = 2  # [frames] the shortest clip any command takes (one action between two frames)


def left_out_notes(errors: list[ShortSourceError], fix: ClipFix | None = None) -> list[str]:
    """Return one ``left out ...`` note per error in ``errors``, advised for them all.

    ``fix``: the command's advice for a source and a run length [frames] (``episodes.ClipFix``;
    default ``episodes.shorter_fix``), given here the shortest run among the sources left out
    (not damaged) when there are two or more, with which clips keep them all, or saying that
    no clip length does (then the clips that keep the source alone, from its own run, when
    any do). A note never advises leaving out the source it says is left out (a ``ClipFix``
    says the clips alone, ``ShortSourceError.with_advice`` the whole advice): ``left out
    a.npz: ...; give --frames-per-clip 5 to keep it``, and nothing after the reason when no
    clip length the command takes keeps it (breaker61a: ``1 steps would keep this one`` for a
    1-step run, ``7`` for pretrain's even clips).
    """
    runs = [exc for exc in errors if not exc.damage]
    if len(runs) < 2:
        return [left_out_line(exc if exc.damage else exc.with_advice(_to_keep(fix)))
                for exc in errors]
    shortest = min(runs, key=lambda exc: exc.longest)
    keeps, count = shortest.longest, len(runs)
    # the count is of the sources left out as too short: a damaged bag left out besides is
    # said apart (no clip length brings it back), never counted among them (user59w: "all 2
    # sources left out" with three left out)
    damaged = len(errors) - count
    besides = (f"; the {counted(damaged, 'damaged bag')} left out besides, which no clip "
               "length brings back, not counted" if damaged else "")

    def for_all(path: Path, longest: int) -> str:
        advice = (fix or shorter_fix)(path, keeps)
        if advice:
            return (f"{advice} (the longest clips that keep all {count} sources left out as "
                    f"too short, {shown_path(shortest.path)}'s run of {keeps} steps the "
                    f"shortest{besides})")
        alone = (fix or shorter_fix)(path, longest)
        return (f"no clip length keeps all {count} sources left out as too short "
                f"({shown_path(shortest.path)} has no {MIN_CLIP} consecutive valid steps"
                f"{besides})" + (f"; to keep this one alone: {alone}" if alone else ""))

    return [left_out_line(exc if exc.damage else exc.with_advice(for_all)) for exc in errors]


def left_out_line(exc: ShortSourceError) -> str:
    """Return ``left out PATH: REASON; ADVICE``: a source ``exc`` refuses, said as left out."""
    return f"left out {exc}"


def _to_keep(fix: ClipFix | None) -> ClipFix:
    """Return the advice for a source left out alone: the clips that keep it ("" if none)."""
    def advice(path: Path, run: int) -> str:
        keep = (fix or shorter_fix)(path, run)
        return f"{keep} to keep it" if keep else ""
    return advice

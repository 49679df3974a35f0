"""What a stopped ``vjepa-ros run`` (Ctrl-C, SIGTERM) had saved, for its one stop line.

:class:`SavedPictures` notes every picture the run writes (finished episodes', crashed and
stopped ones'), whenever the stop comes: between episodes, in an episode's set-up, while
pictures are written. :meth:`SavedPictures.stop_text` words them after ``vjepa-ros run:
interrupted; `` (never "nothing saved" when an earlier episode's pictures are on disk).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from vjepa_ros.counts import counted
from vjepa_ros.name_lists import first_names
from vjepa_ros.path_text import shown_path
from vjepa_ros.sim.choices import seeds_text

NO_STEP = "no step done"


class SavedPictures:
    """The picture files a run wrote into ``out_dir``, by scene seed, as they are written."""

    def __init__(self, out_dir: str | os.PathLike):
        self.out_dir = Path(out_dir).expanduser()
        self.files: list[tuple[int, Path]] = []  # (seed, file) in the order written

    @contextlib.contextmanager
    def writing(self, seed: int) -> Iterator[None]:
        """Note the pictures of scene ``seed`` the body saves, stopped or not.

        Each strip or GIF counts as its save returns, whole (``reach_media.noting_saves``; the
        pictures are written whole or not at all: ``atomic_files``).
        """
        from vjepa_ros.sim.reach_media import noting_saves

        with noting_saves() as saved:
            try:
                yield
            finally:
                self.files += [(seed, path) for path in saved]

    def stop_text(self, seed: int | None = None, words: str = "") -> str:
        """Say what the run saved, after ``vjepa-ros run: interrupted; ``.

        ``seed``: the episode the stop came in (None: between episodes, or while a finished
        episode's pictures were written); ``words``: what was saved of it
        (``run_loop.save_stopped_episode``: ``steps 1-7 of seed 900001 saved: ...`` or
        ``nothing saved of seed 900001 (no step done)``; "" for a stop in its set-up). The
        other episodes' files come first: ``seed 900000 saved in runs: 2 files
        (grasp_cup_900000_strip.png, grasp_cup_900000.gif); seed 900001: no step done, nothing of
        it saved``.
        Nothing written at all: ``nothing saved of seed S (no step done)`` / ``nothing saved
        (no step done)``.
        """
        earlier = [(s, path) for s, path in self.files if s != seed]
        parts = []
        if earlier:
            names = [path.name for _, path in earlier]
            parts.append(f"{seeds_text(list({s for s, _ in earlier}))} saved in "
                         f"{shown_path(self.out_dir)}: {counted(len(names), 'file')} "
                         f"({first_names(names, 4, ' and {count} more')})")
        if seed is not None:
            words = words or f"nothing saved of seed {seed} ({NO_STEP})"
            nothing = f"nothing saved of seed {seed} ("
            if earlier and words.startswith(nothing):  # (no step done) or why not
                words = f"seed {seed}: {words[len(nothing):-1]}, nothing of it saved"
            parts.append(words)
        return "; ".join(parts) or f"nothing saved ({NO_STEP})"

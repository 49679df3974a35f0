"""A run's own temporary folder (a model file, a node's log), removed when the run ends.

Benchmark scripts made folders with ``tempfile.mkdtemp`` and left them in /tmp after every run,
ended or stopped. A :class:`ScratchFolder` is removed at its end but for the files kept: all of
them when the user asked to keep it (``--keep``), else only those :meth:`ScratchFolder.keep`
named (a log the failure message points the user to). Nothing outside it is touched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


class ScratchFolder:
    """A new folder in the system's temporary folder; :meth:`remove` or ``with`` removes it.

    Args:
        prefix: the start of its name (``bench_planner_soak_``).
        keep: keep it all (the user asked to): :meth:`remove` leaves it.
        parent: make it in that scratch folder instead (one of the caller's, which then keeps
            what this one keeps).
    """

    def __init__(self, prefix: str = "vjepa_ros_", keep: bool = False,
                 parent: ScratchFolder | None = None):
        self.path = Path(tempfile.mkdtemp(prefix=prefix,
                                          dir=None if parent is None else parent.path))
        self.keep_all, self.parent = keep, parent
        self.kept: set[Path] = set()

    def keep(self, path: str | os.PathLike) -> Path:
        """Keep ``path`` (a file in the folder) when the rest is removed; return it."""
        path = Path(path)
        self.kept.add(path)
        if self.parent is not None:
            self.parent.keep(path)
        return path

    def remove(self) -> None:
        """Remove the folder, or all in it but the kept entries; safe to call twice.

        A stop signal (Ctrl-C, SIGTERM) meanwhile waits until it is done
        (``terminate.stop_signals_held``): no half-removed folder.
        """
        from vjepa_ros.terminate import stop_signals_held

        if self.keep_all or not self.path.exists():
            return
        with stop_signals_held():
            if not self.kept:
                shutil.rmtree(self.path, ignore_errors=True)
                return
            self._remove_but_kept(self.path)

    def _remove_but_kept(self, folder: Path) -> None:
        for entry in folder.iterdir():
            if entry in self.kept:
                continue
            if entry.is_dir() and not entry.is_symlink():
                if any(entry in kept.parents for kept in self.kept):
                    self._remove_but_kept(entry)
                else:
                    shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)

    def __enter__(self) -> ScratchFolder:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()

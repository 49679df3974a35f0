"""What a stopped benchmark script saved, for the one line it ends with (Ctrl-C, SIGTERM).

The project's rule for a stop: one line saying what was saved and where
(``bench_search.py: interrupted; saved --json open.json; --plot out.png not written``), never
a bare ``interrupted`` that leaves the user to guess whether ``--json`` was written. The output
files a script checks with ``out_paths.output_file`` are noted here as they are claimed, with
their state then; a file written elsewhere (a cache) is noted with :func:`wrote`.
:func:`saved_text` compares at the stop. Kept per process (a script is one process).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from vjepa_ros.name_lists import first_names


@dataclasses.dataclass
class _Output:
    option: str  # the option that named it (--json)
    path: Path
    before: int | None  # its st_mtime_ns when claimed (None: it did not exist)
    written: bool = False  # noted as written (wrote)


_OUTPUTS: list[_Output] = []


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def expect(path: str | os.PathLike, option: str) -> None:
    """Note output file ``path`` of ``option``, to be written later (``output_file`` calls it)."""
    path = Path(path)
    if not any(o.path == path and o.option == option for o in _OUTPUTS):
        _OUTPUTS.append(_Output(option, path, _mtime(path)))


def wrote(path: str | os.PathLike, option: str) -> None:
    """Note that ``path`` (a file of ``option``, e.g. a ``--cache`` entry) has been written."""
    _OUTPUTS.append(_Output(option, Path(path), None, written=True))


def forget() -> None:
    """Drop every note (a new run in the same process; tests)."""
    _OUTPUTS.clear()


def saved_text() -> str:
    """Return what was saved and where, for ``PROG: interrupted; TEXT``.

    ``nothing saved`` when no output was asked for; ``nothing saved (--json out.json not
    written)``; ``saved --json out.json`` (written or rewritten since it was claimed: what it
    held at the stop), then the outputs not written; a noted option with several files gives
    the first and how many more.
    """
    written: dict[str, list[Path]] = {}
    missing = []
    for output in _OUTPUTS:
        now = _mtime(output.path)
        if output.written or (now is not None and now != output.before):
            written.setdefault(output.option, []).append(output.path)
        else:
            missing.append(f"{output.option} {output.path} not written")
    saved = [f"{option} {first_names(paths, 1, ' and {count} more')}"
             for option, paths in written.items()]
    if not saved:
        return f"nothing saved ({'; '.join(missing)})" if missing else "nothing saved"
    return "; ".join([f"saved {', '.join(saved)}", *missing])

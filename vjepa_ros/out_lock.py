"""One command at a time per output: an exclusive lock on the folder (or file) a command writes.

Two ``vjepa-ros train`` runs started seconds apart with the same ``--out`` both passed the
checks, both trained and both said ``written .../world_model.pt``: the files were a mix of the
two. Every output location a command checks (``out_paths.output_dir``, ``output_file``,
``new_output_dir``, ``fresh_output_dir``) is now *claimed* at once: the folder is made (with its
parents) and ``fcntl.flock`` locks the file :data:`LOCK_NAME` inside it (for a file or a bag
folder, which must not exist yet: ``.<name>.vjepa-ros.lock`` beside it). A second command that
claims it while the first holds it is refused in one line naming the option, the folder and the
holder's pid and command line.

The lock lasts until :func:`release_outputs`: at the end of a ``vjepa-ros`` command
(``cli.main``), else at the exit of the process; it then removes the lock file and every folder
the claim made that is still empty (a refused or failed command leaves no empty folder behind).
A crashed or killed holder leaves no stale lock: the kernel drops a flock with the process. Its
lock file stays behind (a hidden file; nothing reads a folder's lock file but a claim): the next
claim locks that same file, writes its own holder line over the dead one's and removes it when
it ends. The file says so itself (:data:`NOTE`, under the holder line), for a user who finds
one. Under ``torchrun`` rank 0 alone claims (the other ranks, env ``RANK`` > 0, write only what
rank 0 lets them). A process holds its claims re-entrantly: claiming again what it holds is a
no-op. A long-lived process (the planner node's ``~/camera_check``) releases one claim with
:func:`release_output`.
"""

from __future__ import annotations

import atexit
import dataclasses
import fcntl
import os
import sys
import time
from pathlib import Path

LOCK_NAME = ".vjepa-ros.lock"
# The lock file's second line (the first: the holder's pid and command line).
NOTE = ("# vjepa-ros output lock: held while the process above writes here, removed when it ends; "
        "if that process is gone (killed), the lock is free and this file may be deleted")


@dataclasses.dataclass
class _Claim:
    fd: int
    lock_file: Path
    made: list[Path]  # folders the claim created, deepest first
    pid: int  # the claiming process (a forked child inherits the fd, never releases it)
    option: str = "--out"  # the option that gave it (``--out``, ``OUT``)
    before: frozenset = frozenset()  # the names in the folder when claimed (a folder claim)
    since: float = 0.0  # when it was claimed (time.time())


_HELD: dict[Path, _Claim] = {}


def claim_output(folder: Path, option: str, shown: Path | None = None,
                 beside: str | None = None, just_made: bool = False) -> None:
    """Make ``folder`` (with its parents) and lock it for this process; ValueError if taken.

    ``beside``: lock ``folder/.<beside>.vjepa-ros.lock`` instead of ``folder/.vjepa-ros.lock``
    (the output is the file or new bag ``folder/<beside>``). ``shown``: the path the error
    names (default ``folder``). ``just_made``: the caller has just made ``folder`` (removed
    with the claim while empty, as the folders the claim makes). Raises ValueError naming
    ``option`` when another process holds the lock, OSError when the folder or lock file
    cannot be made.
    """
    if int(os.environ.get("RANK", "0") or 0) > 0:  # torchrun: rank 0 claims for the group
        return
    lock_file = _lock_file(folder, beside)
    key = lock_file.absolute()
    if key in _HELD and _HELD[key].pid == os.getpid():
        return
    made = [part for part in (folder.absolute(), *folder.absolute().parents)
            if not part.exists() or (just_made and part == folder.absolute())]
    folder.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.read(fd, 8192).decode(errors="replace").strip()
            holder = text.splitlines()[0] if text else "unknown"
            os.close(fd)
            _remove_empty(made)
            raise ValueError(f"{option} {shown or folder}: in use by another vjepa-ros command "
                             f"(pid {holder}); wait for it to end or give another "
                             f"{option}") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock_file).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not a file its holder removed (released) while we waited to lock it
            break
        os.close(fd)
    os.ftruncate(fd, 0)
    holder = f"{os.getpid()}: {' '.join(sys.argv)}"[:4000].replace("\n", " ")
    os.write(fd, f"{holder}\n{NOTE}\n".encode())
    _HELD[key] = _Claim(fd, lock_file, made, os.getpid(), option,
                        frozenset(os.listdir(folder)) if beside is None else frozenset(),
                        time.time())


def release_outputs() -> None:
    """Unlock every output this process claimed; remove lock files and empty folders it made."""
    for key, claim in list(_HELD.items()):
        if claim.pid == os.getpid():
            _release(key, claim)


def claims_written() -> list[tuple[Path, str, list[str]]]:
    """Return (output, option, names written) of each claim this process holds, first first.

    Names written: in a folder output the entries the claim did not find there or modified
    since (sorted; hidden lock files and ``NAME.PID.partial`` files left out); a file or new
    bag output: its own name when it exists now. What a command that stopped on an error has
    saved, as it stands on the disk (``command_errors.command_ended``).
    """
    held = []
    for claim in _HELD.values():
        if claim.pid == os.getpid():
            name = claim.lock_file.name
            if name == LOCK_NAME:
                output = claim.lock_file.parent
                written = sorted(n for n in _names(output) if not n.startswith(".")
                                 and not n.endswith(".partial")
                                 and (n not in claim.before or _since(output / n, claim)))
            else:
                output = claim.lock_file.parent / name.removeprefix(".").removesuffix(
                    ".vjepa-ros.lock")
                written = [output.name] if output.exists() else []
            held.append((output, claim.option, written))
    return held


def _names(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _since(path: Path, claim: _Claim) -> bool:
    """Whether ``path`` was modified after ``claim`` was made."""
    try:
        return path.stat().st_mtime >= claim.since
    except OSError:
        return False


def holds(folder: Path, beside: str | None = None) -> bool:
    """Whether this process holds the claim on ``folder`` (``claim_output``'s arguments)."""
    claim = _HELD.get(_lock_file(folder, beside).absolute())
    return claim is not None and claim.pid == os.getpid()


def release_output(folder: Path, beside: str | None = None) -> None:
    """Unlock one output this process claimed (``claim_output``'s ``folder`` and ``beside``).

    For a long-lived process (the planner node's ``~/camera_check``) that claims a folder per
    run; nothing when this process holds no such claim.
    """
    key = _lock_file(folder, beside).absolute()
    if holds(folder, beside):
        _release(key, _HELD[key])


def _lock_file(folder: Path, beside: str | None) -> Path:
    return folder / (f".{beside}.vjepa-ros.lock" if beside else LOCK_NAME)


def _release(key: Path, claim: _Claim) -> None:
    """Remove the lock file, end the lock, remove the empty folders the claim made."""
    del _HELD[key]
    try:
        claim.lock_file.unlink()
    except OSError:
        pass
    os.close(claim.fd)  # the lock ends here, after the file is gone (module docstring)
    _remove_empty(claim.made)


def _remove_empty(folders: list[Path]) -> None:
    """Remove ``folders`` (deepest first) as long as they are empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


atexit.register(release_outputs)

"""A write stopped short while a run writes a file: one line naming the file, the cause, the fix.

torch.save on a full disk raises its writer's raw ``[enforce fail at inline_container.cc:...]
. unexpected pos N vs M`` (or ``file write failed``), a plain write ``[Errno 28] No space left
on device`` without the file: :func:`writing` turns them into a :class:`DiskFullError` naming
the file, the free space left and the fix the caller gives (free space, another folder). The
file being replaced is kept as it was (``atomic_files.replacing`` removes the partial one).

torch's words follow any short write, not only a full disk's: a file-size limit (FAT32's 4 GB,
``ulimit -f``: EFBIG) on a disk with room stops it alike (breaker34a: called a full disk with
76 GB free). The cause is read from the errno Python gives (this package's saves write through
a Python file, so torch's error carries it as its context: :func:`write_errno`); without one, a
disk with little space left is full and any other is said to have stopped the write short.
"""

from __future__ import annotations

import contextlib
import errno
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from vjepa_ros.path_text import shown_path

DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
# What torch's stream writer says when a write stopped short (a full disk, a file-size limit)
TORCH_SHORT_WRITE = ("unexpected pos", "file write failed", "No space left on device")
LOW_FREE_BYTES = 256 * 2**20  # less free than this after a short write of unknown cause: full
LIMIT_WORDS = ("a file-size limit? (FAT32 holds at most 4 GB a file; `ulimit -f` limits this "
               "shell's)")


class DiskFullError(OSError):
    """A file could not be written whole (no space, a file-size limit): one line, what to do."""


def write_errno(exc: BaseException) -> int | None:
    """Return the errno of the OSError that stopped a write: ``exc``'s, or its cause's/context's.

    torch.save to a Python file raises its own RuntimeError with the file's OSError (ENOSPC,
    EFBIG) as the context; None when no OSError is in the chain (torch.save to a path).
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno is not None:
            return exc.errno
        exc = exc.__cause__ or exc.__context__
    return None


def _short_write(exc: BaseException) -> bool:
    return isinstance(exc, RuntimeError) and any(m in str(exc) for m in TORCH_SHORT_WRITE)


def is_disk_full(exc: BaseException, folder: Path | None = None) -> bool:
    """Whether ``exc`` is a write stopped by a full disk (or quota).

    By the errno in its chain (:func:`write_errno`); torch's words alone (no errno) when they
    say so, or when ``folder``'s disk has less than :data:`LOW_FREE_BYTES` free (no ``folder``:
    it cannot be told, taken as full).
    """
    code = write_errno(exc)
    if code is not None:
        return code in DISK_FULL_ERRNOS and (isinstance(exc, OSError) or _short_write(exc))
    if not _short_write(exc):
        return False
    if "No space left" in str(exc) or folder is None:
        return True
    free = _free_bytes(folder)
    return free is None or free < LOW_FREE_BYTES


def _free_bytes(folder: Path) -> int | None:
    """Return the bytes free on ``folder``'s disk (None when it cannot be told)."""
    for place in (folder, *folder.parents):
        try:
            return shutil.disk_usage(place).free
        except OSError:
            continue
    return None


def _free(folder: Path) -> str:
    """Return ``, N MB free`` on ``folder``'s disk ("" when it cannot be told).

    Measured when the line is made: after the partial file of the write that failed is removed
    (``atomic_files.replacing``). Under 1 MB: ``, N KB free`` (not ``0 MB``).
    """
    free = _free_bytes(folder)
    if free is None:
        return ""
    return f", {free / 2**10:.0f} KB free" if free < 2**20 else f", {free / 2**20:.0f} MB free"


# What frees the write, by its cause (the errno): the words a caller's ``fix`` gets.
FREE_SPACE = "free space there"
FREE_QUOTA = "free some of your quota (delete files of yours on that disk)"
RAISE_LIMIT = ("raise the file-size limit (`ulimit -f unlimited`, in a new shell if `ulimit -f N` "
               "lowered this one's hard limit: `ulimit -S -f N` lowers only the soft one) or "
               "write to a disk without one")


def no_space_words(code: int | None) -> str:
    """Return what stopped the write: ``no space left on its disk, it is full`` or the quota's.

    EDQUOT: ``your disk quota is used up`` (the disk may have room: the user's quota does not).
    """
    if code == errno.EDQUOT:
        return "your disk quota is used up"
    return "no space left on its disk, it is full"


def remedy(code: int | None) -> str:
    """Return what frees a write stopped by errno ``code`` (:data:`FREE_SPACE`, ...)."""
    return {errno.EDQUOT: FREE_QUOTA, errno.EFBIG: RAISE_LIMIT}.get(code, FREE_SPACE)


def full_disk_line(path: Path, fix: str, code: int | None = errno.ENOSPC) -> str:
    """Return ``could not write PATH: no space left on its disk, it is full, N MB free; FIX``.

    ``code`` EDQUOT: ``could not write PATH: your disk quota is used up, N MB free on its disk;
    FIX``. ENOSPC on a disk that shows room (at least :data:`LOW_FREE_BYTES` free): ``could not
    write PATH: the device reported no space (ENOSPC), N MB free now: out of inodes (df -i) or a
    quota?; FIX`` (never "it is full" beside 74464 MB free).
    """
    where = " on its disk" if code == errno.EDQUOT else ""
    if code != errno.EDQUOT and has_room(path.parent):  # the disk shows room: not "it is full"
        return (f"could not write {shown_path(path)}: the device reported no space (ENOSPC)"
                f"{_free(path.parent)} now: out of inodes (df -i) or a quota?; {fix}")
    return (f"could not write {shown_path(path)}: {no_space_words(code)}"
            f"{_free(path.parent)}{where}; {fix}")


def other_output(code: int | None, output: str) -> str:
    """Return the advice naming another ``output`` (``--out``) for a write stopped by ``code``.

    ``, or give another OUTPUT on a disk with room`` (ENOSPC, EDQUOT); `` (another OUTPUT
    there)`` after :data:`RAISE_LIMIT` (EFBIG: room is not what it lacks).
    """
    if code == errno.EFBIG:
        return f" (another {output} there)"
    return f", or give another {output} on a disk with room"


def limit_line(path: Path | None, fix: str, why: str = " (file too large for it)") -> str:
    """Return the line of a write stopped short on a disk with room (a file-size limit).

    ``could not write PATH: the write stopped short (file too large for it), not for want of
    space, N MB free: a file-size limit? (FAT32 ...; `ulimit -f` ...): FIX``; no ``path`` (no
    file named, no output): ``a write stopped short (file too large for it): ...``. ``why``:
    "" for torch's short write of unknown cause.
    """
    if path is None:
        return f"a write stopped short{why}: {LIMIT_WORDS}: {fix}"
    return (f"could not write {shown_path(path)}: the write stopped short{why}, not for want of "
            f"space{_free(path.parent)}: {LIMIT_WORDS}: {fix}")


def elsewhere_line(output: Path | None, fix: str) -> str:
    """Return the line of a bare ENOSPC that did not come from ``output`` (its disk has room).

    ``a write failed with no space left (not on OUT: N MB free there): the temp folder or a
    cache? (TMPDIR /tmp: M MB free); FIX``; no ``output``: ``(not an output of this command)``.
    """
    import tempfile

    temp = Path(tempfile.gettempdir())
    if output is None:
        where = "not an output of this command"
    else:
        free = _free_bytes(output)
        where = f"not on {shown_path(output)}" + (
            "" if free is None else f": {free / 2**20:.0f} MB free there")
    return (f"a write failed with no space left ({where}): the temp folder or a cache? "
            f"(TMPDIR {shown_path(temp)}{_free(temp)}); {fix}")


def has_room(path: Path) -> bool:
    """Whether ``path``'s disk has at least :data:`LOW_FREE_BYTES` free (False: not told)."""
    free = _free_bytes(path)
    return free is not None and free >= LOW_FREE_BYTES


def _said(fix: str | Callable[[str], str], code: int | None) -> str:
    return fix(remedy(code)) if callable(fix) else fix


@contextlib.contextmanager
def writing(path: str | Path, fix: str | Callable[[str], str]) -> Iterator[None]:
    """Run a block that writes ``path``; a write stopped short raises :class:`DiskFullError`.

    A full disk (:func:`is_disk_full`): ``could not write PATH: no space left on its disk, it is
    full, N MB free; FIX`` (a full quota, EDQUOT: ``your disk quota is used up``, not a full
    disk). A file too large for it (EFBIG), or torch's short write on a disk with room:
    ``could not write PATH: the write stopped short (file too large for it), not for want of
    space, N MB free: a file-size limit? ...; FIX``, never a full disk. ``fix``: what to do,
    or a function of what frees the write (:func:`remedy`: :data:`FREE_SPACE`,
    :data:`FREE_QUOTA` or :data:`RAISE_LIMIT`) returning it, called only for those lines (what
    a command had saved by then: ``collect``'s episodes; never ``free space`` for a file-size
    limit). Other errors pass unchanged.
    """
    path = Path(path).expanduser()
    try:
        yield
    except (OSError, RuntimeError) as exc:
        if isinstance(exc, DiskFullError):
            raise
        code = write_errno(exc)
        if is_disk_full(exc, path.parent):
            raise DiskFullError(full_disk_line(path, _said(fix, code), code)) from exc
        if code == errno.EFBIG or (code is None and _short_write(exc)):
            why = " (file too large for it)" if code == errno.EFBIG else ""
            said = _said(fix, errno.EFBIG)
            raise DiskFullError(limit_line(path, said if callable(fix) else
                                           f"write it to a disk without that limit ({said})",
                                           why)) from exc
        raise

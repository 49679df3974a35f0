"""Files written whole or not at all: a temporary file beside the target, then ``os.replace``.

(A new folder likewise: :func:`creating_folder`, then ``os.rename``.)

A file that a later run reads back (a cache, a checkpoint, an episode, a ``--json`` another
script reads) must never be left half written by a stop (Ctrl-C, SIGTERM, a full disk): the
next run would read the truncated file as if it were whole. Writers write to
:func:`replacing`'s temporary path, which replaces the target only once the write has ended.

A process killed outright (``kill -9``, out of memory) leaves its ``NAME.PID.partial`` behind:
every listing of a folder's outputs or data ignores them (:func:`is_partial`), and a command
about to write into a folder removes those of its files whose process is gone
(:func:`remove_stale_partials`), never one of a live process.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from vjepa_ros.name_lists import first_names

PARTIAL_SUFFIX = ".partial"
_PARTIAL_NAME = re.compile(r"^(?P<target>.+)\.(?P<pid>\d+)\.partial$")  # NAME.PID.partial


class ReplaceError(OSError):
    """A target file that cannot be replaced; ``str()`` is the one line, naming the target.

    ``errno`` as the failed ``os.replace``'s, ``strerror`` the line, ``filename`` the target.
    """

    def __str__(self) -> str:
        return self.strerror


def is_partial(path: str | os.PathLike) -> bool:
    """Return whether ``path`` is a temporary file of :func:`replacing` (``*.partial``)."""
    return Path(path).name.endswith(PARTIAL_SUFFIX)


def process_alive(pid: int) -> bool:
    """Return whether process ``pid`` exists (this one included; another user's too)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, run by another user
    except (OverflowError, ValueError):
        return False  # no process has such an id
    return True


def remove_stale_partials(folder: str | os.PathLike, wanted: Callable[[str], bool],
                          say: Callable[[str], object] | None = print,
                          folders: bool = False) -> list[Path]:
    """Remove the ``NAME.PID.partial`` files in ``folder`` left by processes that are gone.

    ``wanted(NAME)``: whether NAME (the target file's name) is a file the caller is about to
    write; only those partials are looked at. A partial whose process is alive (another run
    writing it now, or this process) is never touched; a PID reused since by another process
    keeps its file. ``folders``: the caller writes folders (:func:`creating_folder`): partials
    that are folders are removed with what they hold (else folders are left alone).
    ``say``: given the notes, when any were removed: one line naming the removed files, and
    one line for each removed folder (its name and process). Returns the removed paths,
    sorted; none for a missing folder.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        return []
    files, folders_removed = [], []
    for path in sorted(folder.glob(f"*{PARTIAL_SUFFIX}")):
        match = _PARTIAL_NAME.match(path.name)
        is_folder = path.is_dir() and not path.is_symlink()
        if match and wanted(match["target"]) and (folders or not is_folder) \
                and not process_alive(int(match["pid"])):
            if is_folder:
                shutil.rmtree(path, ignore_errors=True)
                folders_removed.append(path)
            else:
                path.unlink(missing_ok=True)
                files.append(path)
    if say is not None:
        if files:
            names = first_names((path.name for path in files), 2)
            say(f"note: removed {len(files)} partial file(s) of stopped runs in {folder} "
                f"({names})")
        for path in folders_removed:  # a bag's part each: named one by one
            match = _PARTIAL_NAME.match(path.name)
            say(f"note: removed the partial folder {path.name} in {folder}: the part of "
                f"{match['target']} left by a stopped run (pid {match['pid']}, no longer running)")
    return sorted(files + folders_removed)


def partial_path(path: str | os.PathLike) -> Path:
    """Return the temporary path beside ``path`` that this process writes it through.

    ``NAME.PID.partial`` in the same folder (``os.replace`` needs the same file system); the
    process id keeps two processes writing one file (ranks of a training run) apart.
    """
    path = Path(path)
    return path.with_name(f"{path.name}.{os.getpid()}.partial")


@contextlib.contextmanager
def replacing(path: str | os.PathLike) -> Iterator[Path]:
    """Yield the temporary path to write ``path`` through; it becomes ``path`` on a clean exit.

    ``path`` (``~`` expanded) is replaced at once (``os.replace``) when the block ends without
    an exception: a reader sees the old file or the new one, never a part. When the block
    raises (a stop, an error) the temporary file is removed and ``path`` is left as it was.
    Raises OSError when the folder cannot be written; when ``path`` cannot be replaced (a
    directory, an immutable file in the way), one whose message names ``path`` (never the
    temporary file) and what to do (:func:`replace_problem`).
    """
    path = Path(path).expanduser()
    partial = partial_path(path)
    try:
        yield partial
        try:
            os.replace(partial, path)
        except OSError as exc:
            raise ReplaceError(exc.errno, replace_problem(path, exc), path) from None
    finally:
        partial.unlink(missing_ok=True)  # gone already after the replace


@contextlib.contextmanager
def creating_folder(path: str | os.PathLike) -> Iterator[Path]:
    """Yield where to write the new folder ``path``; it is moved to ``path`` on a clean exit.

    For a folder written by a library that names its files after the folder (a rosbag2 bag:
    ``run/run.mcap``) and that must not exist yet: the path yielded is ``NAME`` inside the
    folder ``NAME.PID.partial`` beside ``path`` (made here), so the files keep their names.
    On a clean exit it is renamed to ``path`` at once: a reader sees no folder or the whole
    one. When the block raises (a stop, an error) the partial folder is removed and nothing
    is at ``path``; a process killed outright leaves ``NAME.PID.partial``
    (:func:`remove_stale_partials` with ``folders=True``). Raises OSError when the folder
    cannot be written; a :class:`ReplaceError` naming ``path`` when something is at ``path``
    by then.
    """
    path = Path(path).expanduser()
    holder = partial_path(path)
    shutil.rmtree(holder, ignore_errors=True)  # this process's own, of an earlier failed try
    holder.mkdir(parents=True)  # (its folder too, as rosbags makes a bag's)
    try:
        yield holder / path.name
        if path.exists() or path.is_symlink():  # (os.rename would replace an empty folder)
            exc = FileExistsError(errno.EEXIST, "File exists")
            raise ReplaceError(exc.errno, replace_problem(path, exc), path)
        try:
            os.rename(holder / path.name, path)
        except OSError as exc:
            raise ReplaceError(exc.errno, replace_problem(path, exc), path) from None
    finally:
        shutil.rmtree(holder, ignore_errors=True)


def replace_problem(path: Path, exc: OSError) -> str:
    """Return one line saying why file ``path`` cannot be (re)placed and what to do.

    ``exc``: the error of ``os.replace`` (or of a check before the work, ``out_paths``).
    """
    from vjepa_ros.path_text import shown_path

    shown = shown_path(path)  # one line whatever the name holds
    if exc.errno == errno.EISDIR or path.is_dir():
        return f"{shown} is a directory: remove or rename it"
    if exc.errno in (errno.EPERM, errno.EACCES, errno.EROFS):
        return (f"cannot replace {shown} ({exc.strerror}): remove it or make it writable "
                "(an immutable file: chattr -i), or give another output folder")
    return f"cannot write {shown} ({exc.strerror or exc}): remove it or give another output folder"


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through :func:`replacing`; return ``path``."""
    path = Path(path).expanduser()
    with replacing(path) as partial:
        partial.write_text(text, encoding="utf-8")
    return path


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through :func:`replacing`; return ``path``."""
    path = Path(path).expanduser()
    with replacing(path) as partial:
        partial.write_bytes(data)
    return path


def save_figure(figure, path: str | os.PathLike, **savefig_kwargs) -> Path:
    """Save a matplotlib ``figure`` to ``path`` through :func:`replacing`; return ``path``.

    The format follows ``path``'s suffix (``.png``), as ``figure.savefig(path)`` would choose
    it: the temporary ``NAME.PID.partial`` has no suffix matplotlib knows. A ``path`` without
    a suffix (and no ``format``) is saved as ``savefig`` does: in matplotlib's default format
    (``rcParams["savefig.format"]``, ``png``), its suffix added (``fig/a`` -> ``fig/a.png``,
    the path returned). ``savefig_kwargs`` (``dpi``) go to ``savefig``. The figure is left
    open: the caller closes it. Raises OSError as :func:`replacing`.
    """
    path = Path(path).expanduser()
    if savefig_kwargs.get("format") is None:
        if not path.suffix:
            import matplotlib

            path = path.with_name(f"{path.name}.{matplotlib.rcParams['savefig.format']}")
        savefig_kwargs["format"] = path.suffix.lstrip(".").lower()
    with replacing(path) as partial:
        figure.savefig(partial, **savefig_kwargs)
    return path


def save_plot(figure, path: str | os.PathLike, **savefig_kwargs) -> Path:
    """Lay ``figure`` out (``tight_layout``), save it (:func:`save_figure`), close it; ``path``.

    The figure is closed whether or not the save succeeds; a stop mid-write leaves the old
    plot. Raises OSError as :func:`replacing`.
    """
    import matplotlib.pyplot as plt

    figure.tight_layout()
    try:
        return save_figure(figure, path, **savefig_kwargs)
    finally:
        plt.close(figure)

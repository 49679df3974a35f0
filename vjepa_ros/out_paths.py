"""Output locations of the ``vjepa-ros`` commands, checked before any work starts.

A command that runs for minutes and only then finds that its ``--out`` is a file, or a folder it
cannot write, wastes the run: every command checks its output location first, with one line that
names the option. The check also claims the location for the command (``out_lock``): a second
command writing the same folder or file at the same time is refused, naming the first one's pid.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from vjepa_ros import saved_outputs
from vjepa_ros.atomic_files import remove_stale_partials, replace_problem
from vjepa_ros.input_paths import SYMLINK_LOOP, missing
from vjepa_ros.name_lists import first_names
from vjepa_ros.out_lock import claim_output
from vjepa_ros.path_text import shown_path


def named_after(prefix: str, bag: str | os.PathLike) -> Path:
    """Return a command's default output folder for a bag: ``PREFIX_<the bag's name>``.

    The name is the bag folder's (``metadata.yaml`` names its folder) or the data file's without
    its suffixes (``x.mcap.zstd`` -> ``x``); ``.``, ``..`` or ``dir/..`` name the folder they
    lead to (from the current directory, links kept as named), never an empty ``eval_``.
    ``PREFIX_bag`` when no name is left (``/``).
    """
    path = Path(bag).expanduser()
    if path.name == "metadata.yaml":
        path = path.parent
    if path.name in ("", ".", ".."):
        path = Path(os.path.abspath(path))
    name = path.name
    for suffix in (".zstd", ".mcap", ".db3"):
        name = name.removesuffix(suffix)
    name = name.rsplit(".", 1)[0] if "." in name[1:] else name
    return Path(f"{prefix}_{name or 'bag'}")


def output_dir(path: str | os.PathLike, option: str = "--out", create: bool = True,
               claim: bool = True) -> Path:
    """Create directory ``path`` (with parents) if needed and return it.

    ``create`` False: only check that it could be created (the nearest existing folder on its way
    is writable, by creating and removing a probe folder there), for a command that writes
    nothing when it fails: the folder is made to hold its lock, and removed again at the end of
    the command if it is still empty. ``claim`` (default): the folder is claimed for this
    process (``out_lock.claim_output``) until the command ends. Raises ValueError naming
    ``option`` when ``path`` or a parent is a file or a symlink that leads nowhere (a loop, a
    missing target), when the directory cannot be created or written, or when another command
    holds it.
    """
    path = Path(path).expanduser()
    if not create:
        _check_folder(path, option)
        if claim:
            _claim(path, option)
        return path
    _check_parts(path, option)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise unwritable(option, path, "cannot create it", exc) from None
    try:  # a real try, as above: root passes access() on /proc, /sys, a read-only mount
        os.rmdir(tempfile.mkdtemp(prefix=".vjepa_ros_probe_", dir=path))
    except OSError as exc:
        raise unwritable(option, path, "not writable", exc) from None
    if claim:
        _claim(path, option)
    return path


def unwritable(option: str, path: str | os.PathLike, what: str, exc: OSError,
               why: str = "") -> ValueError:
    """Return the one-line error for output ``path`` of ``option`` that cannot be made or written.

    ``what``: what failed (``cannot create it in /dir``, ``not writable``); ``exc``: the
    OSError, whose ``strerror`` (``Read-only file system``) is quoted, or ``why`` in its place
    when given. The line ends with what to do: ``give a directory you can write``.
    """
    return ValueError(f"{option} {shown_path(path)}: {what} ({why or exc.strerror}); give a "
                      "directory you can write")


def overwritten_note(folder: str | os.PathLike, what: str, names=None,
                     option: str = "--out") -> str:
    """Return the note of a command about to overwrite what ``folder`` holds ('' for nothing).

    ``--out DIR holds WHAT: it is overwritten``, as every command that overwrites its outputs
    words it (``eval``'s earlier report, ``run``'s and ``reach``'s pictures). ``names``: the
    file names the command writes into ``folder``; those there already are named after
    ``what`` (``an earlier run's``), two at most and how many more; none there: "". None: the
    caller knows ``what`` is there.
    """
    if names is not None:
        there = [name for name in names if os.path.lexists(Path(folder).expanduser() / name)]
        if not there:
            return ""
        what = f"{what} {first_names(there, 2, ' and {count} more', ' and ')}"
        if len(there) > 1:
            return f"{option} {shown_path(folder)} holds {what}: they are overwritten"
    return f"{option} {shown_path(folder)} holds {what}: it is overwritten"


def _check_parts(path: Path, option: str) -> None:
    """Refuse ``path`` when it or a parent is a file or a symlink that leads nowhere."""
    for part in (path, *path.parents):
        if _unresolved_link(part):  # mkdir would fail with "File exists", after the run
            raise ValueError(f"{option} {shown_path(path)}: {shown_path(part)} "
                             f"{_unresolved_link(part)}; give a directory")
        if part.exists() and not part.is_dir():
            raise ValueError(f"{option} {shown_path(path)}: {shown_path(part)} is a file, not a "
                             "directory; give a directory")


def _check_folder(path: Path, option: str) -> None:
    """Check, creating nothing, that folder ``path`` could be created (:func:`output_dir`)."""
    _check_parts(path, option)
    existing = next(part for part in (path.absolute(), *path.absolute().parents)
                    if part.exists())
    # A real try, not os.access: root passes access() where mkdir still fails (/proc, a
    # read-only bind mount); the probe folder is removed at once.
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".vjepa_ros_probe_", dir=existing))
    except OSError as exc:
        where = "cannot write in it" if existing == path.absolute() else \
            f"cannot create it in {shown_path(existing)}"
        # ENOENT in a folder that exists: the kernel's own (/proc, /sys), not a missing folder
        why = "a kernel file system that takes no new files" if exc.errno == errno.ENOENT else ""
        raise unwritable(option, path, where, exc, why) from None


def check_output_names(folder: str | os.PathLike, names, option: str = "--out") -> None:
    """Refuse, before the work, fixed output files in ``folder`` that could not be replaced.

    ``names``: the file names a command writes into ``folder`` at its end (``report.json``).
    One in the way as a directory (or a symlink loop), or as a file that cannot be opened for
    writing for a reason a rename shares (``EPERM``: immutable; a read-only file is replaced
    all the same), would fail the final ``os.replace`` after minutes of work. Raises
    ValueError naming ``option`` and the file (``atomic_files.replace_problem``); nothing for
    names that do not exist.
    """
    folder = Path(folder).expanduser()
    for name in names:
        path = folder / name
        if _unresolved_link(path) == SYMLINK_LOOP:
            raise ValueError(f"{option} {shown_path(folder)}: {shown_path(path)} {SYMLINK_LOOP}; "
                             "remove it")
        problem = None
        if path.is_dir():
            problem = IsADirectoryError(errno.EISDIR, "Is a directory")
        elif path.exists():
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
            except OSError as exc:
                if exc.errno in (errno.EPERM, errno.EROFS):
                    problem = exc
        if problem is not None:
            raise ValueError(f"{option} {shown_path(folder)}: "
                             f"{replace_problem(path, problem)}") from None


def _claim(folder: Path, option: str, shown: Path | None = None,
           beside: str | None = None, just_made: bool = False) -> None:
    """``out_lock.claim_output``, its OSError worded as this module's errors."""
    try:
        claim_output(folder, option, shown, beside, just_made)
    except OSError as exc:
        raise unwritable(option, shown or folder, "cannot create it", exc) from None


def new_output_dir(path: str | os.PathLike, what: str = "bag") -> Path:
    """Check that directory ``path`` does not exist yet and could be created; return it.

    For outputs that are never overwritten (rosbag2 bags). ``path`` is claimed for this process
    by a lock file beside it (``out_lock``); the partial folder a killed run left of ``path``
    (``NAME.PID.partial``, that process gone; never a running one's) is removed
    (``atomic_files.remove_stale_partials``, one line). Folders named like another name's
    partial are never touched: their content is not known to be a bag (a person's folder, or a
    bag another host writes on a shared disk, whose PID this host cannot see).
    Raises ValueError naming ``what`` when ``path`` exists (or is a link that leads nowhere: a
    symlink loop, a broken symlink, named so), (:func:`output_dir`) when its folder cannot be
    created or written, or when another command holds it.
    """
    path = Path(path).expanduser()
    link = _unresolved_link(path)
    if link:
        raise ValueError(f"{what} {shown_path(path)} {link}: give a new name or remove the link")
    if path.exists() or path.is_symlink():
        kind = "a folder" if path.is_dir() else "a file"
        raise ValueError(f"{what} {shown_path(path)} exists already ({kind}); rosbag2 bags are "
                         "never overwritten: give a new name or remove it")
    _check_folder(path, what)
    _claim(path.parent, what, path, path.name)
    # the part of this bag a run killed while writing it left (NAME.PID.partial, its process
    # gone; recordings.bag_writing writes through atomic_files.creating_folder): one line when
    # removed
    remove_stale_partials(path.parent, path.name.__eq__, folders=True)
    return path


def fresh_output_dir(prefix: str, base: str | os.PathLike | None = None) -> Path:
    """Make and claim a new folder ``<prefix>_<date>-<time>[_n]`` under ``base`` (cwd); return it.

    Made at once (two commands started in the same second get two folders); removed again at
    the end of the command while it is empty (``out_lock``). Raises ValueError naming ``--out``
    (:func:`output_dir`'s words) when ``base`` is a read-only folder, a file, or cannot be
    written.
    """
    from datetime import datetime

    base = Path.cwd() if base is None else Path(base)
    stem = f"{prefix}_{datetime.now():%Y%m%d-%H%M%S}"
    path, n = base / stem, 1
    while True:
        try:
            path.mkdir(parents=True)
            break
        except FileExistsError:
            path, n = base / f"{stem}_{n}", n + 1
        except OSError as exc:  # EROFS, EACCES, ENOTDIR: the same line as a given --out's
            _check_folder(path, "--out")
            raise unwritable("--out", path, "cannot create it", exc) from None
    _claim(path, "--out", just_made=True)
    return path


def output_file(path: str | os.PathLike, option: str = "--out", create: bool = True) -> Path:
    """Check that file ``path`` can be written (its folder is created); return it.

    ``create`` False: only check that its folder could be created (:func:`output_dir`), for a
    command that checks its other options first. Either way the file is claimed for this
    process by a lock file beside it (``out_lock``). Raises ValueError naming ``option`` when
    ``path`` is a directory, ends in a slash (a directory's name: the file would be written
    beside it), a symlink loop, its folder cannot be created or written, or another command
    holds it.
    """
    if str(path).endswith(("/", os.sep)):  # Path() drops the slash
        raise ValueError(f"{option} {shown_path(path)}: ends in '/', a directory; give a file "
                         "name")
    path = Path(path).expanduser()
    if path.is_dir():
        raise ValueError(f"{option} {shown_path(path)}: is a directory; give a file name")
    if _unresolved_link(path) == SYMLINK_LOOP:  # (a missing target is written: the file)
        raise ValueError(f"{option} {shown_path(path)}: {SYMLINK_LOOP}; give a file name")
    folder = Path(path.parent if str(path.parent) else ".")
    if create:
        output_dir(folder, option, create, claim=False)
    else:
        _check_folder(folder, option)
    _claim(folder, option, path, path.name)
    saved_outputs.expect(path, option)  # a stopped script says whether it was written
    return path


def _unresolved_link(path: Path) -> str:
    """``input_paths.missing``'s words for a symlink that leads nowhere ("" for anything else)."""
    return missing(path) if os.path.islink(path) else ""

"""The fixes a path's message advises: this user's read permissions and commands to paste.

:func:`unreadable` says a path cannot be read and how to let this user read it (its own
``chmod``, else the owner's ``chmod`` or ``sudo chown``: :func:`read_fix`, :func:`permission_fix`,
:func:`read_access`); :func:`blocked_folder` finds the folder on the way that cannot be entered;
:func:`shell_command` quotes a command line so that it stays one word per path when pasted. Used
by every input check (``input_paths``, the loaders' ``models.file_problems``, the recordings').
"""

from __future__ import annotations

import os
from pathlib import Path

from vjepa_ros.path_text import ansi_c, shown_path


def blocked_folder(path: str | os.PathLike) -> Path | None:
    """Return the first folder on the way to ``path`` this user may not enter, else None.

    The way is the one the OS takes: links followed (``os.path.realpath``), so a link in the
    user's folder to ``/data/models/wm.pt`` names ``/data/models`` when that is the one. A
    file in such a folder is fixed by the folder's ``chmod -R a+rX``, not the file's.
    """
    real = Path(os.path.realpath(os.path.expanduser(path)))
    return next((folder for folder in reversed(real.parents)
                 if not os.access(folder, os.X_OK)), None)


def unreadable(path: str | os.PathLike, reason: str = "Permission denied") -> str:
    """Say that ``path`` cannot be read by this user and how to fix its permissions, one line.

    ``PATH cannot be read by this user (Permission denied): `` + :func:`read_fix`. The file is
    fine, so the advice is its permissions, not another file. ``reason``: the OS's words.
    """
    path = Path(path).expanduser()
    return f"{shown_path(path)} cannot be read by this user ({reason}): {read_fix(path)}"


def read_fix(path: str | os.PathLike) -> str:
    """Say how to let this user read ``path``: its own ``chmod``, else :func:`permission_fix`.

    A path this user owns (mode 000 on its own file): ``let this user read it: `chmod u+r
    PATH``` (a folder: ``chmod -R u+rX``), no other owner nor sudo to ask (user54u); another
    user's, or one whose owner cannot be seen: the owner's ``chmod`` or ``sudo chown``.
    """
    path = Path(path).expanduser()
    try:
        own = os.stat(path).st_uid == os.getuid()
    except OSError:  # a folder on the way not entered: the owner is not known
        own = False
    if not own:
        return permission_fix(path)
    mode = ("-R", "u+rX") if os.path.isdir(path) else ("u+r",)
    return f"let this user read it: `{shell_command('chmod', *mode, path)}`"


def permission_fix(path: str | os.PathLike) -> str:
    """Say how to let this user read ``path``: its owner's ``chmod`` (:func:`read_access`).

    ``let this user read it: `chmod a+r PATH` as its owner (NAME), or `sudo chown USER PATH```
    (a folder: ``chmod -R a+rX``, ``chown -R``). Either works pasted by whoever may run it:
    the ``chmod`` lets every user read, the ``chown`` names this user (USER: this user's name,
    or uid where it has none), not ``$USER`` (the owner's own name when the owner pastes it).
    """
    import pwd

    path = Path(path).expanduser()
    try:
        owner = pwd.getpwuid(path.stat().st_uid).pw_name
    except (OSError, KeyError):  # no stat, or a uid without a name (a container's)
        owner = "its owner"
    try:
        user = pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        user = str(os.getuid())
    recursive = ("-R",) if os.path.isdir(path) else ()  # (a link to a folder not entered: False)
    return (f"let this user read it: `{read_access(path)}` as its owner ({owner}), or "
            f"`sudo {shell_command('chown', *recursive, user, path)}`")


def read_access(path: str | os.PathLike, folder: bool | None = None) -> str:
    """Return the ``chmod`` command that lets ``path`` be read, shell-quoted, one line.

    A file: ``chmod a+r PATH``; a folder (``folder`` None: whether ``path`` is one), which is
    walked, so its folders must be entered and its files read: ``chmod -R a+rX PATH`` (X: the
    folders, no file made executable). Run by the owner, it lets every user read (this one is
    not the owner). Every permission advice is built on it (:func:`permission_fix`,
    ``bag_folders.unreadable_folder``).
    """
    path = Path(path).expanduser()
    if os.path.isdir(path) if folder is None else folder:
        return shell_command("chmod", "-R", "a+rX", path)
    return shell_command("chmod", "a+r", path)


def shell_command(*words: str | os.PathLike) -> str:
    r"""Return a command line to paste into a shell: each word quoted as needed (``shlex``).

    ``shell_command("mv", "lab data/x.mcap", "x/")`` -> ``mv 'lab data/x.mcap' x/``: a path
    with a space, ``$(...)`` or a quote stays one word and runs nothing when pasted. A word
    given as a path (``os.PathLike``) is :func:`shell_path`'s: ``-x.npz`` as ``./-x.npz``,
    never read as options; ``str`` words (the options) are kept as given. A word with a line
    break or another character that is not printable is ANSI-C quoted (``path_text.shown_path``:
    ``mv -n $'a\nb.MCAP' $'a\nb.mcap'``): the command stays one line.
    """
    import shlex

    texts = (shell_path(word) if isinstance(word, os.PathLike) else word for word in words)
    return " ".join(shlex.quote(text) if text.isprintable() else ansi_c(text) for text in texts)


def shell_path(path: str | os.PathLike) -> str:
    """Return ``path`` as a command reads it as a path: ``./`` before a leading ``-``.

    ``Path("./-x.npz")`` prints as ``-x.npz``, which ``mv``, ``chmod`` and the rest would take
    for options (``--`` is not understood by every command advised: ``sqlite3``).
    """
    text = os.fspath(path)
    return f"./{text}" if text.startswith("-") else text

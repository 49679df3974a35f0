"""Paths as a user writes them in a parameter or config file: ``~`` and ``$VAR`` expanded.

A shell expands ``~`` and environment variables in a command's words; a ROS parameter
(``model.checkpoint: $HOME/models/wm.pt`` in planner.yaml), a goal file parameter or a train
config's path is no shell word, so nothing expanded ``$HOME`` there: ``~`` was, here, and the
file that is there was called missing (breaker56d). :func:`expand_path` is the one rule: ``~``
(and ``~user``) at the start, then ``$NAME`` and ``${NAME}`` as ``os.path.expandvars`` does; an
unset variable is refused naming it, never left in the path. A path that exists as written
(a file literally named ``$x``) is kept. Standard library only.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

# $NAME or ${NAME} as os.path.expandvars reads them (posixpath: \w+ names)
VARIABLE = re.compile(r"\$(\w+|\{[^}]*\})")
UNSET_START = "names the environment variable"  # how the refusal goes on after the path


class UnsetVariable(ValueError):
    """A path names an environment variable that is not set (:func:`expand_path`).

    ``path``: the path as given (text); ``problem``: what the message says after it (``names
    the environment variable NAME, which is not set here: ...``), for a caller that names the
    path its own way (``input_paths.missing``).
    """

    path: str = ""
    problem: str = ""


def unset_variables(text: str) -> list[str]:
    """Return the names of the environment variables ``text`` uses that are not set, in order."""
    names = [match.group(1).strip("{}") for match in VARIABLE.finditer(text)]
    return list(dict.fromkeys(name for name in names if name not in os.environ))


def expand_path(path: str | os.PathLike, error: type[Exception] = UnsetVariable) -> Path:
    """Return ``path`` with ``~`` and environment variables expanded, as a shell would.

    ``$HOME/wm.pt`` -> ``/home/me/wm.pt``; ``~/x`` -> ``/home/me/x``; a path that exists as
    written (no variable in it) is returned as it is, ``~`` expanded. Raises ``error`` (a
    subclass of ValueError by default, :class:`UnsetVariable`): one line naming the path and
    the first variable that is not set, saying where to set it; its ``path`` (``path`` as text)
    and ``problem`` (the words after it) are set, as :class:`UnsetVariable` names them.
    """
    text = os.fspath(path)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    user = Path(text).expanduser()
    if "$" not in text or os.path.lexists(user):
        return user
    unset = unset_variables(text)
    if unset:
        problem = (f"{UNSET_START} {unset[0]}, which is not set here: set it in the "
                   f"environment this runs in (export {unset[0]}=... before it starts; a "
                   "launch file: SetEnvironmentVariable), or write the path out")
        exc = error(f"{text} {problem}")
        exc.path, exc.problem = text, problem
        raise exc
    return Path(os.path.expandvars(str(user)))


def ros_home() -> Path:
    """Return ROS's home folder, as rcl reads it: ``$ROS_HOME``, else ``~/.ros``.

    An empty ``ROS_HOME`` (``export ROS_HOME=``, a container's ``ENV ROS_HOME=""``) is unset to
    rcl (``rcl_logging_interface``'s log folder, ``rcutils_get_env``'s empty string), not the
    working directory (breaker61b); a ``~`` at its start is expanded, as rcl's
    ``rcutils_expand_user`` does.
    """
    return Path(os.environ.get("ROS_HOME") or "~/.ros").expanduser()

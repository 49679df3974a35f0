"""Where a goal path names a file: ``~``, ``file://`` URIs and ``package://`` URLs resolved.

:func:`image_file_path` is the one resolver of goal image paths (the planner node's
goal_image_path(s), ``eval --goal``, the image publisher's ``path``, through
``image_files.load_image_file``). Re-exported by :mod:`vjepa_ros.image_files` and
:mod:`vjepa_ros.images`. ROS-free at import: ``ament_index_python`` is imported, when there, only
to resolve a ``package://`` URL.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

from vjepa_ros.image_errors import ImageError
from vjepa_ros.user_paths import expand_path

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")


def image_file_path(path: str | os.PathLike) -> Path:
    """Return the file a goal path names: ``~``, ``$NAME`` expanded; a file:// or package:// URL.

    A URI copied from a file manager or browser, ``file:///data/my%20goal.png``,
    ``file://localhost/data/...`` or ``file:/data/...``, names ``/data/my goal.png``
    (percent-escapes decoded as UTF-8; a query ``?...`` or fragment ``#...`` is no part of the
    name, RFC 3986, and is dropped: a name holding them is escaped, ``%3F``, ``%23``). A
    ``package://my_pkg/goals/goal.png`` URL (as in a URDF) names ``goals/goal.png`` in the
    installed share folder of ``my_pkg`` (the ament index: :func:`package_file_path`). Raises
    :class:`ImageError` for a ``file://`` URI of another host (a file on another machine), a
    ``package://`` URL whose package cannot be found, and a URL of another scheme (``http://``,
    ``https://``, ``s3://``, ...): only local files are read.
    """
    text = os.fspath(path)
    url = _SCHEME.match(text)
    if url and url.group(1).lower() == "package":
        return package_file_path(text)
    if url and url.group(1).lower() != "file":
        raise ImageError(f"{text} is a {url.group(1)}:// URL, not a local file: only local "
                         "files are read (an absolute path, a file:// URI or a package:// "
                         "URL); copy the file here and give its path")
    if text[:6].lower() != "file:/":
        return expand_path(text, ImageError)  # ~ and $NAME, as a shell would (user_paths)
    from urllib.parse import unquote

    rest = re.split("[?#]", text[5:], maxsplit=1)[0]  # "/data/..." or "//host/data/..."
    if rest.startswith("//"):
        host, _, tail = rest[2:].partition("/")
        if host.lower() not in ("", "localhost"):
            raise ImageError(f"{text} is a file URI on the host {host!r}, not on this machine: "
                             "copy the file here and give its path")
        rest = "/" + tail
    return Path(unquote(rest, errors="surrogateescape"))


def is_url(text: str) -> bool:
    """Tell whether ``text`` is a URL :func:`image_file_path` resolves by its scheme.

    ``scheme://...`` or ``file:/...`` (any case): it names its file wherever it is read, so a
    caller hands it on as written; a plain path is relative to the reader's folder.
    """
    return bool(_SCHEME.match(text)) or text[:6].lower() == "file:/"


def is_package_url(text: str) -> bool:
    """Tell whether ``text`` is a ``package://`` URL (any case of the scheme)."""
    url = _SCHEME.match(text)
    return bool(url) and url.group(1).lower() == "package"


def package_file_path(url: str) -> Path:
    """Return the file ``package://<package>/<path>`` names: ``<package's share folder>/<path>``.

    The share folder is the ament index's (``ament_index_python``, the installed package's
    ``share/<package>``, as ``ros2 pkg prefix --share <package>`` prints it). ``<path>`` is
    relative to it: leading slashes are dropped (``package://pkg//a.png`` is
    ``share/pkg/a.png``, never ``/a.png``) and its ``.``/``..`` parts folded by name
    (``posixpath.normpath``; links inside the share folder, as a symlink install makes, are not
    followed to judge it). Raises :class:`ImageError` naming the URL for a path that climbs out
    of the share folder (``package://pkg/../x``), and for a package not found, saying why
    (``ament_index_python`` not installed, no ROS 2 workspace sourced, no such package, no
    package name) and how to give the file's path instead
    (``$(ros2 pkg prefix --share <package>)/<path>``).
    """
    package, _, relative = url[len("package://"):].partition("/")
    relative = posixpath.normpath(relative.lstrip("/")) if relative.strip("/") else ""
    if relative == ".." or relative.startswith("../"):
        raise ImageError(f"{url} names a file outside the share folder of the package "
                         f"{package!r} (its path climbs out with '..'): give a path inside it, "
                         "or the file's own path")
    why = _share_folder(package)
    if isinstance(why, Path):
        return why / relative
    where = f"$(ros2 pkg prefix --share {package or '<package>'})/{relative}"
    raise ImageError(f"{url} names a file in the share folder of the package {package!r}, but "
                     f"{why}: give the file's path instead, {where}")


def _share_folder(package: str) -> Path | str:
    """Return ``package``'s installed share folder, or why it cannot be found (words)."""
    try:
        from ament_index_python.packages import PackageNotFoundError, get_package_share_directory
    except ImportError:
        return "ament_index_python (which finds installed ROS 2 packages) is not installed here"
    try:
        return Path(get_package_share_directory(package))
    except PackageNotFoundError:
        return ("the ament index (AMENT_PREFIX_PATH) lists no such package: source the "
                "workspace that installs it")
    except ValueError:
        return "that is no package name"
    except OSError:  # AMENT_PREFIX_PATH unset
        return "no ROS 2 workspace is sourced here (AMENT_PREFIX_PATH is not set)"

"""Where the installed package keeps its ``config/`` and ``launch/`` files (share directory).

:func:`config_path` names a file of the package's ``config/`` folder, found in the first of
:func:`share_dir_candidates` that holds it (ament index, source tree, pip's ``share/``).
"""

from __future__ import annotations

import os
from pathlib import Path

from vjepa_ros.config import ConfigError

PACKAGE = "vjepa_ros"


def share_dir_candidates() -> list[Path]:
    """Return the places ``config/`` and ``launch/`` may live, in the order they are tried.

    1. the ament index (a colcon install, ``AMENT_PREFIX_PATH`` set by sourcing it);
    2. the source tree (a clone, or an editable ``pip install -e``);
    3. ``share/vjepa_ros`` under the prefix a plain ``pip install`` put the package's
       ``data_files`` in (setup.py): the prefix this package's files sit under
       (``<prefix>/lib/pythonX.Y/site-packages/vjepa_ros``), the interpreter's
       (``sysconfig`` ``data``, a venv's root) and the user scheme's (``pip install --user``).
    """
    found = []
    try:
        from ament_index_python.packages import PackageNotFoundError, get_package_share_directory

        try:
            found.append(Path(get_package_share_directory(PACKAGE)))
        except (PackageNotFoundError, OSError):  # not installed, or AMENT_PREFIX_PATH unset
            pass
    except ImportError:
        pass
    here = Path(__file__).resolve().parent  # .../vjepa_ros
    found.append(here.parent)  # the source tree
    import sysconfig

    prefixes = [parent.parent for parent in here.parents if parent.name in ("lib", "lib64")]
    for scheme in (None, f"{os.name}_user"):
        try:
            data = sysconfig.get_path("data", scheme) if scheme else sysconfig.get_path("data")
        except KeyError:  # no user scheme on this platform
            continue
        if data:
            prefixes.append(Path(data))
    found += [prefix / "share" / PACKAGE for prefix in prefixes]
    unique = []
    for path in found:
        if path not in unique:
            unique.append(path)
    return unique


def package_share_dir() -> Path:
    """Return where ``config/`` and ``launch/`` live.

    The first of :func:`share_dir_candidates` holding ``config/planner.yaml``; none: the source
    tree, whose missing files :func:`config_path` names with every place looked in.
    """
    candidates = share_dir_candidates()
    for path in candidates:
        if (path / "config" / "planner.yaml").is_file():
            return path
    return Path(__file__).resolve().parent.parent


def config_path(name: str) -> Path:
    """Path of a file in the package's ``config/`` directory."""
    path = package_share_dir() / "config" / name
    if not path.is_file():
        looked = ", ".join(str(p / "config") for p in share_dir_candidates())
        raise ConfigError(f"config file not found: {name} (looked in {looked}): the package's "
                          "config files are missing: reinstall it (pip install, or colcon build "
                          "and source install/setup.bash)")
    return path

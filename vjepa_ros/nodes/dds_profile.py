"""The Fast DDS profile that lets raw camera frames cross process boundaries.

Fast DDS passes a sample between processes through the publisher's shared-memory segment (512 KiB
by default); bigger frames fall back to UDP fragments that best-effort camera subscriptions lose.
``config/fastdds_camera.xml`` enlarges the segment. Fast DDS reads the profile from
``FASTDDS_DEFAULT_PROFILES_FILE`` (3.x) or ``FASTRTPS_DEFAULT_PROFILES_FILE`` (2.x) when a process
creates its first participant, so the variables must be set before ``rclpy.init``, in every
process that publishes or subscribes to frames. The launch files set them the same way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping

PROFILE_FILE = "fastdds_camera.xml"
PROFILE_VARIABLES = ("FASTDDS_DEFAULT_PROFILES_FILE", "FASTRTPS_DEFAULT_PROFILES_FILE")
FAST_DDS_2_DISTROS = ("humble", "iron")  # Fast DDS 2.x: reads FASTRTPS_DEFAULT_PROFILES_FILE
# The root elements of a Fast DDS XML file (its docs: "rooted" under <dds>, or "standalone")
PROFILE_ROOTS = ("dds", "profiles", "types", "log", "library_settings")


def profile_variables(ros_distro: str | None) -> tuple[str, ...]:
    """Return the variables to set for a ROS distro (``$ROS_DISTRO``; None for the PyPI wheels).

    Fast DDS 3 (Jazzy and newer, the wheels) reads FASTDDS_DEFAULT_PROFILES_FILE, and its RMW
    warns that FASTRTPS_DEFAULT_PROFILES_FILE is deprecated; Fast DDS 2 (Humble, Iron) reads only
    the latter.
    """
    if (ros_distro or "").lower() in FAST_DDS_2_DISTROS:
        return PROFILE_VARIABLES
    return PROFILE_VARIABLES[:1]


def profile_problem(path: str) -> str:
    """Return why ``path`` is no Fast DDS profile file to read ("" when it is one, or empty).

    Fast DDS logs "[XMLPARSER Error] realpath failed" for a missing file ("Error opening" for a
    folder, "Error parsing" for a file that is no XML or has another root element than
    :data:`PROFILE_ROOTS`) and runs on its defaults (the 512 KiB segment): said before any
    node starts instead. Empty: the Fast DDS defaults, asked for.
    """
    if not path:
        return ""
    if os.path.isdir(path):
        what = "a folder"
    elif not os.path.isfile(path):
        what = "no such file"
    elif not os.access(path, os.R_OK):
        what = "not readable"
    else:
        what = _xml_problem(path)
        if not what:
            return ""
    return (f"{what}: give a Fast DDS XML profile file (config/{PROFILE_FILE} is the "
            "package's), or leave it empty for the Fast DDS defaults")


def _xml_problem(path: str) -> str:
    """Return why the readable file ``path`` is no Fast DDS XML file ("" when it is one)."""
    import xml.etree.ElementTree as ElementTree

    try:
        root = ElementTree.parse(path).getroot()
    except (ElementTree.ParseError, OSError, UnicodeDecodeError) as exc:
        return f"not XML ({' '.join(str(exc).split())})"
    tag = root.tag.rpartition("}")[2]  # without its namespace
    if tag not in PROFILE_ROOTS:
        return f"its root element is <{tag}>, not one of Fast DDS' <{'>, <'.join(PROFILE_ROOTS)}>"
    return ""


def variable_problem(environ: Mapping[str, str] = os.environ) -> str:
    """Return one line saying which profile variable names no profile file ("" when none).

    ``FASTDDS_DEFAULT_PROFILES_FILE=/no/such.xml: no such file: give ...``
    (:func:`profile_problem`); an empty variable means the Fast DDS defaults. The launch files
    and the node executables check it before rclpy starts (Fast DDS would log "[XMLPARSER
    Error]" and run on its defaults).
    """
    for name in PROFILE_VARIABLES:
        problem = profile_problem(environ.get(name, ""))
        if problem:
            return f"{name}={environ[name]}: {problem}"
    return ""


def use_camera_profile(environ: MutableMapping[str, str] = os.environ) -> str:
    """Point both profile variables at the package's profile unless one is already set.

    Returns the profile file in force. A variable set to "" means "the Fast DDS defaults": the
    empty variables are removed (Fast DDS would log an error for them) and "" is returned. Raises
    ConfigError when the package's file is missing, or in one line naming the variable when
    a variable names no profile file (:func:`variable_problem`).
    """
    from vjepa_ros.config import ConfigError

    problem = variable_problem(environ)
    if problem:
        raise ConfigError(problem)
    given = {name: environ[name] for name in PROFILE_VARIABLES if name in environ}
    if given:
        for name in [name for name, value in given.items() if not value]:
            del environ[name]
        return next((value for value in given.values() if value), "")
    from vjepa_ros.package_files import config_path

    path = str(config_path(PROFILE_FILE))
    for name in profile_variables(environ.get("ROS_DISTRO")):
        environ[name] = path
    return path

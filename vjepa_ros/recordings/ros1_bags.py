"""ROS 1 ``.bag`` files among recordings: named as such, with the conversion to rosbag2.

No reader here takes a ROS 1 bag (rosbag2's ``.mcap`` / ``.db3`` only); ``rosbags-convert``,
installed with the ``rosbags`` library, writes one as a rosbag2 bag folder. Every command says
so alike: a ``.bag`` given is refused, one in a data folder is skipped with a note
(:func:`skipped_fix`, the walk's advice for a file it does not read).
"""

from __future__ import annotations

from pathlib import Path

from vjepa_ros.recordings.upper_case import upper_case_fix

ROS1_SUFFIX = ".bag"


def ros1_fix(path: Path) -> str:
    """Say that ``path`` is a ROS 1 bag and how to convert it ("" for any other name).

    ``x.bag`` (any case): ``a ROS 1 bag (read: rosbag2 only); convert it: `rosbags-convert
    --src x.bag --dst x``` (paths shell-quoted), which writes the bag folder ``x`` beside it.
    """
    from vjepa_ros.path_advice import shell_command

    if not path.name.lower().endswith(ROS1_SUFFIX) or path.name.startswith("._"):
        return ""
    folder = path.with_name(path.name[: -len(ROS1_SUFFIX)] or "converted")
    convert = shell_command("rosbags-convert", "--src", path, "--dst", folder)
    return ("a ROS 1 bag (only rosbag2 recordings are read: a folder, .mcap or .db3); convert "
            f"it into a rosbag2 bag folder: `{convert}` ({_where_convert()})")


def _where_convert() -> str:
    """Say where ``rosbags-convert`` is: with rosbags, and its full path when not on PATH.

    A package installed in a virtual environment not activated (its python run by path) has
    the script in that environment's ``bin`` only (user52u).
    """
    import shutil
    import sys

    from vjepa_ros.path_advice import shell_command

    script = Path(sys.executable).parent / "rosbags-convert"
    if shutil.which("rosbags-convert") or not script.is_file():
        return "rosbags-convert comes with rosbags"
    return (f"rosbags-convert comes with rosbags, installed with this package as "
            f"{shell_command(script)}: give that path where its environment is not activated")


def skipped_fix(path: Path) -> str:
    """Say why a file named near data is not read and what reads it ("" for others).

    A suffix not in lower case (``upper_case.upper_case_fix``) or a ROS 1 bag (:func:`ros1_fix`).
    """
    return upper_case_fix(path) or ros1_fix(path)

"""The planner node's goal parameters: each value checked when set, one file source at a time.

``goal_image_path`` (one goal file) and ``goal_image_paths`` (sub-goal files) with
``goal_steps`` and ``goal_gripper`` (one entry per file). Rules:

- Each value is checked on its own when it is set (start-up, ``ros2 param set``), whatever the
  other goal parameters hold: every file must be a goal image the one loader reads
  (:func:`vjepa_ros.images.load_image_file`), every step count >= 0 (0 on the last entry only),
  every closedness in [0, 1]. A refusal names the parameter being set.
- Only the lengths wait: lists set one at a time disagree for a while, and the node keeps the
  previous goal until they agree (``goal_files_problem``).
- ``goal_image_path`` and ``goal_image_paths`` are never both non-empty: setting the one while
  the other holds files is refused, saying to empty the other first. A value left in the other
  would silently come back as the goal when this one is emptied.
- When a service or topic replaces the goal (``~/capture_goal``, ``~/add_subgoal``,
  ``~/clear_goals``, ``~/goal_image``) the node sets the goal parameters back to their empty
  defaults (:data:`EMPTY`): they no longer describe the goal, and changing one of them later
  (``goal_steps`` alone, say) must not load the old files again.

What a change then does to the active goal (cleared when the file parameter that set it is
emptied; ``goal_steps`` / ``goal_gripper`` applied to a captured goal): ``nodes/goal_updates.py``.
"""

from __future__ import annotations

from rclpy.parameter import Parameter

from vjepa_ros.robot.checked_goal_images import CheckedGoalImages
from vjepa_ros.robot.goal_files import check_goal_files, check_goal_gripper, check_goal_steps

FILE_PARAMETERS = ("goal_image_path", "goal_image_paths")  # the goal parameters holding files
# Each goal parameter's empty default and its ROS type (an empty list has none of its own).
EMPTY = {"goal_image_path": ("", Parameter.Type.STRING),
         "goal_image_paths": ([], Parameter.Type.STRING_ARRAY),
         "goal_steps": ([], Parameter.Type.INTEGER_ARRAY),
         "goal_gripper": ([], Parameter.Type.DOUBLE_ARRAY)}


def file_parameter_paths(name: str, value) -> list[str]:
    """Return the files goal file parameter ``name`` (one of :data:`FILE_PARAMETERS`) holds.

    ``goal_image_path``: its one path, or none when empty; ``goal_image_paths``: its list.
    """
    return ([value] if value else []) if name == "goal_image_path" else list(value or [])


def file_parameter_value(name: str, paths: list[str]):
    """Return the value of goal file parameter ``name`` that names ``paths`` (a path, a list).

    The inverse of :func:`file_parameter_paths` for files it named (``goal_image_path``: one).
    """
    return paths[0] if name == "goal_image_path" else list(paths)


def check_goal_value(name: str, value, *, checked: CheckedGoalImages | None = None,
                     decode: bool = True) -> None:
    """Check one goal parameter's ``value`` on its own; raise ValueError naming ``name``.

    :class:`vjepa_ros.images.ImageError` (a ValueError) for a goal file the loader refuses.
    ``checked``: keeps a goal file parameter's decoded images for the goal
    (``goal_files.check_goal_files``); None: nothing kept. ``decode`` False: a goal file's
    header only, nothing kept (a value set at run time: the executor thread decodes nothing).
    """
    if name in FILE_PARAMETERS:
        check_goal_files(name, file_parameter_paths(name, value), checked=checked,
                         decode=decode)
    elif name == "goal_steps":
        check_goal_steps(value)
    elif name == "goal_gripper":
        check_goal_gripper(value)


def updated_goal_values(current: dict, changes: dict, *,
                        checked: CheckedGoalImages | None = None, decode: bool = True) -> dict:
    """Return ``current`` (goal parameter → value) with ``changes`` once each passes its check.

    Raises ValueError naming the parameter set: a value refused on its own
    (:func:`check_goal_value`; the goal file parameters last, so a set refused for another
    value decodes no file), or ``goal_image_path`` and ``goal_image_paths`` both holding files
    afterwards. ``checked``: the node's :class:`CheckedGoalImages`, given each file check; a
    set refused for both holding files checks its files with nothing kept, leaving ``checked``
    as it was (a list waiting for its counts keeps its images: breaker54a); a goal file check
    that fails keeps nothing of its own (``goal_files.check_goal_files``). ``decode`` False:
    goal files checked by their headers only (:func:`check_goal_value`).
    """
    changes = {name: value if isinstance(value, str) else list(value or [])
               for name, value in changes.items()}
    values = {**current, **changes}
    both = _two_file_sources(values, changes)  # refused below, after the values' own checks
    files = [name for name in FILE_PARAMETERS if name in changes]
    for name in [name for name in changes if name not in files] + files:  # files last
        check_goal_value(name, changes[name], checked=None if both else checked, decode=decode)
    if both:
        raise ValueError(both)
    return values


def _two_file_sources(values: dict, changes: dict) -> str:
    """Why both file parameters would hold files, naming the parameter set ('' if not)."""
    path, paths = values["goal_image_path"], values["goal_image_paths"]
    if not (path and paths):
        return ""
    if "goal_image_path" in changes and "goal_image_paths" in changes:
        return ("goal_image_path and goal_image_paths are both set: give one (one goal file, or "
                "the sub-goal files), and leave the other empty")
    if "goal_image_path" in changes:
        return (f"goal_image_path cannot be set while goal_image_paths holds {len(paths)} "
                "sub-goal file(s): set goal_image_paths to [] first (or call ~/clear_goals), "
                "or put the file in goal_image_paths")
    return (f"goal_image_paths cannot be set while goal_image_path holds {path}: set "
            "goal_image_path to '' first (or call ~/clear_goals), or list that file in "
            "goal_image_paths")


def goal_files(values: dict) -> tuple[list[str], list[int], list[float]]:
    """Return the goal image paths, step counts and closedness the goal parameters give."""
    path = values["goal_image_path"]
    paths = list(values["goal_image_paths"] or []) or ([path] if path else [])
    return paths, list(values["goal_steps"] or []), list(values["goal_gripper"] or [])


def emptied(values: dict) -> list[Parameter]:
    """Return the goal parameters of ``values`` that are not empty, set back to :data:`EMPTY`."""
    return [Parameter(name, kind, empty) for name, (empty, kind) in EMPTY.items()
            if values[name]]

"""Goal parameters set to the values they hold: no goal change (breaker58a).

``ros2 param load`` of the planner's own ``ros2 param dump`` mid-task sets every goal parameter
to the value in force (``goal_steps: []`` beside a captured list, the three files and counts of
a file list). Applied as changes, each would restart the sub-goal list at sub-goal 1, voiding
the plan in progress (under ``goals.gripper: subgoal`` the open hand of sub-goal 1 drops the
object carried). A value equal to the one held changes no goal; the one exception is a goal file
parameter whose files changed on disk since they were read (another
:func:`~vjepa_ros.robot.checked_goal_images.file_key`: rewritten, copied or renamed over,
deleted): setting it again reads them again (the way to load an edited goal picture), and the
log says which files changed.

"Held" is judged against the goal in force, not the stored parameter alone
(:func:`stored_not_in_force`, breaker62a #2, #3): goal files that wait for their lists (or
still decode) are no goal yet, so setting them again is a change; ``goal_steps`` /
``goal_gripper`` stored ``[]`` beside sub-goals that kept given counts (``~/add_subgoal`` keeps
them and empties the parameter) are not what the goal runs, so ``[]`` set then applies the
defaults. ROS-free.
"""

from __future__ import annotations

from vjepa_ros.nodes.goal_parameters import FILE_PARAMETERS, file_parameter_paths
from vjepa_ros.nodes.goal_updates import RETUNED
from vjepa_ros.robot.checked_goal_images import file_key


def _plain(value):
    """Return a goal parameter value as compared: a string, or a list (rclpy gives arrays)."""
    return value if isinstance(value, str) else list(value or [])


def file_keys(name: str, value) -> list:
    """Return the :func:`file_key` of each file goal file parameter ``name`` holds at ``value``."""
    return [file_key(path) for path in file_parameter_paths(name, value)]


def _describes(field: str, value, goals: list) -> bool:
    """Whether count parameter ``value`` (its :data:`RETUNED` ``field``) is what ``goals`` run.

    ``[]`` gives each sub-goal its default (None); a sub-goal held until changed (steps 0, as
    ``~/capture_goal`` and ``~/goal_image`` make it) is what ``[]`` leaves it too.
    """
    value = _plain(value)
    if not value:
        return all(getattr(goal, field) is None or (field == "steps" and goal.steps == 0)
                   for goal in goals)
    return len(value) == len(goals) and all(
        getattr(goal, field) == entry for goal, entry in zip(goals, value, strict=True))


def stored_not_in_force(stored: dict, loaded_parameter: str, loaded_files: list,
                        goals: list | None) -> set[str]:
    """Return the goal parameters whose stored value is not the goal in force.

    ``stored``: goal parameter → stored value; ``loaded_parameter``, ``loaded_files``: the goal
    file parameter whose files made the active goal and those files ("", [] when none did:
    ``PlannerNode.goal_parameter``, ``goal_files_loaded``); ``goals``: the active goal's
    sub-goals (:class:`~vjepa_ros.robot.subgoal.SubGoal`; None: no goal). A goal file parameter
    holding files that are not the loaded goal (they wait for their lists, or decode) is not in
    force; ``goal_steps`` / ``goal_gripper`` are not while the active goal's sub-goals are not
    what the stored list gives them (:func:`_describes`); with no goal they wait for goal files,
    and their stored value is the one that will apply.
    """
    out = {name for name in FILE_PARAMETERS
           if file_parameter_paths(name, stored[name])
           and (goals is None or name != loaded_parameter
                or file_parameter_paths(name, stored[name]) != list(loaded_files))}
    if goals is not None:
        out |= {name for name, field in RETUNED.items()
                if not _describes(field, stored[name], goals)}
    return out


def changed_goal_values(current: dict, changes: dict, read: dict,
                        not_in_force: set[str] = frozenset()) -> tuple[dict, list[str]]:
    """Return the goal parameter ``changes`` that change something, and the lines to log.

    ``current``: goal parameter → stored value; ``changes``: the values being set;
    ``read``: goal file parameter → the :func:`file_keys` of its files when last read (checked
    or loaded); ``not_in_force``: the parameters whose stored value is not the goal in force
    (:func:`stored_not_in_force`): any value set for one of them is a change. A value equal to
    the one in force is left out, said in a line when it is not
    empty; a goal file parameter at its value in force stays a change, and is said so naming
    the files, when one of its files changed since it was read. An emptied goal file parameter
    while neither holds files stays too: it changes no goal, and ``goal_updates`` says that a
    goal from a service or the topic stays (one expecting it to clear the goal learns how).
    """
    kept, lines = {}, []
    for name, value in changes.items():
        if name in not_in_force or _plain(value) != _plain(current[name]):
            kept[name] = value
            continue
        if not _plain(value):  # empty, as it was
            if name in FILE_PARAMETERS and not any(current[n] for n in FILE_PARAMETERS):
                kept[name] = value  # no file goal: goal_updates says the goal stays, unchanged
            continue
        if name in FILE_PARAMETERS:
            paths, before = file_parameter_paths(name, value), read.get(name, [])
            now = file_keys(name, value)
            changed = [path for i, path in enumerate(paths)
                       if i >= len(before) or now[i] != before[i]]
            if changed:
                kept[name] = value
                lines.append(f"{name} set again at its value in force, and {len(changed)} of "
                             f"its files changed since they were read ({', '.join(changed)}): "
                             "they are read again")
                continue
            lines.append(f"{name} set to its value in force, its files unchanged since they "
                         "were read: no goal change (the sub-goal in progress goes on; edit a "
                         "file, or call ~/clear_goals and set it again, to start over)")
            continue
        lines.append(f"{name} set to its value in force {_plain(value)}: no goal change (the "
                     "sub-goal in progress goes on)")
    return kept, lines

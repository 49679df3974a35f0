"""What a change of the planner node's goal parameters does to the active goal.

The parameters and the active goal must agree, since ``~/enable`` drives toward the goal. A
value equal to the one in force is no change and never comes here (``goal_values_in_force``):

- Goal files given (``goal_image_path`` or ``goal_image_paths``): they are loaded once the lists
  agree in length (``PlannerNode.load_goal_files``); the node remembers which parameter set the
  goal and the files it loaded (``PlannerNode.goal_parameter``, ``goal_files_loaded``).
  ``goal_steps`` / ``goal_gripper`` set on the goal those files made change its counts and
  closedness only, as for captured sub-goals: the files are not read again (an edited file
  would silently become a sub-goal, a deleted one would refuse a count change: breaker54a).
- No goal file left, and the active goal came from the emptied parameter: the goal is cleared,
  as ``~/clear_goals`` does (logged; an enabled arm holds). A goal file parameter left holding
  a stale goal no parameter shows once let ``~/enable`` drive toward it.
- No goal file, and the active goal came from ``~/capture_goal``, ``~/add_subgoal`` or
  ``~/goal_image``: ``goal_steps`` and ``goal_gripper`` apply to its sub-goals (one entry each,
  ``[]``: back to ``goals.default_steps`` / the captured hand) and the sequence starts over at
  sub-goal 1, as a change of goal files does; an emptied goal file parameter leaves that goal
  and the log says so.
- No goal at all: ``goal_steps`` / ``goal_gripper`` wait for goal files (logged: a service that
  sets a goal empties them, so they apply to captured sub-goals only when set after them).
"""

from __future__ import annotations

import dataclasses

from vjepa_ros.nodes.goal_parameters import FILE_PARAMETERS, goal_files
from vjepa_ros.robot.goal_files import goal_files_problem
from vjepa_ros.robot.goal_words import NOT_CHANGED
from vjepa_ros.robot.subgoal import SubGoal

RETUNED = {"goal_steps": "steps", "goal_gripper": "gripper"}  # parameter → SubGoal field


def goal_not_changed(node, problem: str) -> str:
    """Say that goal parameters set at run time left ``node``'s goal as it was; return the line.

    ``problem``: why (``goal_files.goal_files_problem``: lists that disagree). One warning
    headed ``goal_words.NOT_CHANGED``, kept as ``node.goal_not_applied`` for ``/diagnostics``
    (``vjepa-ros planner param set`` reads it there, whatever the node's log level).
    """
    line = f"{NOT_CHANGED}{problem}"
    node.get_logger().warning(line)
    node.goal_not_applied = line
    return line


def file_parameter(values: dict) -> str:
    """Return the goal parameter in ``values`` that holds goal files ('' when neither does)."""
    return next((name for name in FILE_PARAMETERS if values[name]), "")


def retuned_goals(goals: list[SubGoal], changes: dict) -> list[SubGoal]:
    """Return copies of the active sub-goals with the ``goal_steps`` / ``goal_gripper`` changes.

    ``changes``: parameter name → new list (other names are ignored). An empty list gives each
    sub-goal back its default (``goals.default_steps``; the hand as captured). Raises ValueError
    naming the parameter and both counts when a non-empty list has not one entry per sub-goal.
    """
    for name, field in RETUNED.items():
        if name not in changes:
            continue
        value = list(changes[name] or [])
        if value and len(value) != len(goals):
            raise ValueError(
                f"{name} has {len(value)} entries but the active goal has {len(goals)} "
                "sub-goal(s) (from ~/capture_goal, ~/add_subgoal or ~/goal_image): give "
                f"{len(goals)}, one per sub-goal, or [] for the default")
        entries = value or [None] * len(goals)
        goals = [dataclasses.replace(goal, **{field: entry})
                 for goal, entry in zip(goals, entries, strict=True)]
    return goals


def _retune_file_goal(node, retune: dict, values: dict) -> None:
    """Apply ``goal_steps`` / ``goal_gripper`` (``retune``) to the sub-goals loaded from files.

    The files are not read again (one edited, moved or deleted since the goal was loaded
    changes nothing: breaker54a); ``goal_image_path(s)`` set again reads them. Lists of another
    length than the files wait as a change of files does (logged, the goal kept).
    """
    paths, steps, grippers = goal_files(values)
    problem = goal_files_problem(paths, steps, grippers, node.session.goal_switching)
    if problem:
        goal_not_changed(node, problem)
        return
    goals = retuned_goals(node.session.goals.goals, retune)
    node.get_logger().info(", ".join(f"{name} {list(value or [])}" for name, value in
                                     retune.items())
                           + f" applied to the {len(goals)} sub-goal(s) loaded from "
                           f"{node.goal_parameter} (the files are not read again)")
    node.session.set_goals(goals)
    node.worker.wake()


def apply_goal_values(node, changes: dict, values: dict) -> None:
    """Make ``node``'s active goal follow its goal parameters, now ``values`` after ``changes``.

    Raises ValueError (the parameter change is refused, nothing changed) for ``goal_steps`` /
    ``goal_gripper`` that do not fit the active captured sub-goals, or that the session refuses
    (a sub-goal without a gripper state under ``goals.gripper`` subgoal).
    """
    log = node.get_logger()
    if file_parameter(values):
        retune = {name: changes[name] for name in RETUNED if name in changes}
        active, paths = node.session.goals, goal_files(values)[0]
        if (retune and len(retune) == len(changes) and active is not None
                and node.goal_files_loaded == paths and len(active.goals) == len(paths)):
            _retune_file_goal(node, retune, values)  # the files loaded: counts only
        else:
            node.load_goal_files(values, setting=list(changes))
        return
    session = node.session
    if node.goal_parameter:  # its files set the active goal, and no file is left
        was, node.goal_parameter, node.goal_files_loaded = node.goal_parameter, "", []
        log.info(f"{was} is now empty, so the goal it set is cleared as ~/clear_goals does (an "
                 "enabled arm holds until a new goal)")
        session.clear_goals()
        node.worker.wake()
        return
    active = session.goals
    retune = {name: changes[name] for name in RETUNED if name in changes}
    if active is None:
        if any(retune.values()):  # kept for goal files to come; a service would empty it
            log.info(f"{' and '.join(retune)} kept for goal files set later: there is no goal "
                     "now; ~/capture_goal and ~/add_subgoal empty it, so set it after them")
        return
    if retune:
        goals = retuned_goals(active.goals, retune)
        log.info(", ".join(f"{name} {list(value or [])}" for name, value in retune.items())
                 + f" applied to the active goal's {len(goals)} sub-goal(s)")
        session.set_goals(goals)
        node.worker.wake()
    emptied = [name for name in FILE_PARAMETERS if name in changes]
    if emptied:
        log.info(f"{' and '.join(emptied)} empty: the active goal ({active.describe()}) did not "
                 "come from a goal file and stays; call ~/clear_goals to clear it")

"""Goal image files and the goal parameters that name them, checked before they are loaded.

The planner node's goal parameters (``goal_image_path``, ``goal_image_paths``, ``goal_steps``,
``goal_gripper``) are set one at a time; each is checked on its own when it is set
(:func:`check_goal_files`, :func:`check_goal_steps`, :func:`check_goal_gripper`), the lists
together before the files are loaded (:func:`goal_files_problem`), and the files then become
sub-goals (:func:`goals_from_files`): each file decoded once, when checked, given the caller's
:class:`vjepa_ros.robot.checked_goal_images.CheckedGoalImages` (the planner node owns one).
ROS-free.
"""

from __future__ import annotations

import os

from vjepa_ros.image_file_header import check_image_file_header
from vjepa_ros.images import ImageError, image_file_path, load_image_file
from vjepa_ros.robot.checked_goal_images import CheckedGoalImages, file_key
from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig
from vjepa_ros.robot.subgoal import SubGoal


def check_goal_gripper(grippers) -> None:
    """Raise ValueError unless every ``goal_gripper`` entry is a closedness in [0, 1]."""
    for value in grippers:
        if isinstance(value, bool) or not (isinstance(value, (int, float)) and
                                           0.0 <= value <= 1.0):
            raise ValueError(f"goal_gripper entries must be closedness values in [0, 1] (0 open, "
                             f"1 closed), got {value!r}")


def check_goal_steps(steps) -> None:
    """Raise ValueError unless every ``goal_steps`` entry is an executed-step count >= 0.

    0 (no limit) is allowed on the last entry only: the sub-goals after it would never be
    reached. Checked on its own, whatever the goal image lists hold (the planner node checks
    each goal parameter when it is set).
    """
    steps = list(steps)
    for index, count in enumerate(steps):
        entry = f"goal_steps entry {index + 1} of {len(steps)}"
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"{entry} is {count!r}: give executed-step counts >= 0 (0: no "
                             "limit, last entry only)")
        if count == 0 and index < len(steps) - 1:
            raise ValueError(f"{entry} is 0 (no limit) but not the last: the sub-goals after it "
                             "would never be reached; give a count >= 1 there")


def _empty_entries_problem(name: str, paths: list) -> str:
    """Why parameter ``name``'s ``paths`` has empty (blank) entries ('' when it has none).

    ``goal_image_path`` (one path, blank: ``"   "``) is named as itself: '' there means no goal.
    """
    empty = [str(i + 1) for i, p in enumerate(paths) if not str(p).strip()]
    if not empty:
        return ""
    if name == "goal_image_path":
        return (f"goal_image_path {paths[0]!r} is blank: give an image file, or '' for no file "
                "goal (emptying it clears the goal it set)")
    return (f"goal_image_paths entry {', '.join(empty)} of {len(paths)} is empty: give an image "
            "file there, or leave the entry out (an empty list [] means no file goal)")


def check_goal_files(name: str, paths, *, checked: CheckedGoalImages | None = None,
                     decode: bool = True) -> None:
    """Raise unless every path is a goal image :func:`load_image_file` reads (no path: fine).

    ``name``: the parameter holding them (``goal_image_path`` or ``goal_image_paths``), which
    starts the message. Raises ValueError for an empty ``goal_image_paths`` entry and
    :class:`vjepa_ros.images.ImageError` (the loader's one line, after the parameter and entry)
    for a file that is missing, unreadable, truncated, too small, too large or too elongated.
    ``checked``: where the decoded images (``[H, W, 3]`` uint8 RGB) are kept for
    :func:`goals_from_files`, replacing those of an earlier check (released before decoding; an
    empty ``paths`` releases only what ``name`` filled, and a refused check keeps nothing); None:
    nothing is kept. ``decode`` False: each file's header only
    (:func:`vjepa_ros.image_file_header.check_image_file_header`: milliseconds, no pixel decoded,
    nothing kept), as the planner node checks a goal parameter set at run time on its executor
    thread; the decode then finds what the header cannot (``robot/goal_decoder.py``).
    """
    paths = list(paths)
    problem = _empty_entries_problem(name, paths)
    if problem:
        raise ValueError(problem)
    checked = checked if decode else None
    if checked is not None:
        checked.check_starts(name, bool(paths))
    decoded = {}
    for index, path in enumerate(paths):
        entry = name if len(paths) == 1 else f"{name} entry {index + 1} of {len(paths)}"
        key = file_key(path)  # before reading: a file replaced meanwhile gets another key
        try:
            rgb = load_image_file(path) if decode else check_image_file_header(path)
        except ImageError as exc:
            raise ImageError(f"{entry}: {exc}{_path_note(name, path)}") from None
        if key is not None and rgb is not None:
            decoded[key] = rgb
    if paths and checked is not None:  # (an empty list leaves those of the other parameter)
        checked.keep(name, decoded)


def _path_note(name: str, path: str) -> str:
    """Return what the node made of a goal path it could not load where not plain ('' else).

    ``~`` and ``null`` are text to rcl, not YAML's null (``[~]`` is a list of one path, and
    ``~`` the home folder): the note says how to give no file goal. A relative path is
    resolved against the node's own working directory, not the caller's (``ros2 param set``
    runs elsewhere), so the note names the absolute path it looked at and asks for one. (A path
    that begins or ends in whitespace is named so by ``images.load_image_file`` itself.)
    """
    if path != path.strip() and path.strip():
        return ""
    if path.strip() in ("~", "null", "Null", "NULL"):
        word, none = path.strip(), "[]" if name == "goal_image_paths" else "''"
        home = ", the home folder," if word == "~" else ""
        return (f" (rcl reads {word} as the text {word!r}{home} not as YAML's null: {none} "
                "means no file goal)")
    try:
        expanded = str(image_file_path(path))  # a file:// URI is absolute
    except ImageError:
        return ""
    if os.path.isabs(expanded) or os.path.exists(expanded):
        return ""
    return (f" (a relative path: looked at {os.path.abspath(expanded)}, in the planner node's "
            "working directory; give an absolute path)")


def goal_files_problem(paths: list[str], steps: list, grippers: list,
                       switching: GoalSwitchConfig) -> str:
    """Why goal files cannot be loaded yet with these counts ('' when they can).

    The goal parameters are set one at a time (``ros2 param set``), so lists of different
    lengths are a state to wait through, not an error: the node keeps the previous goal and logs
    this. ``goal_steps`` must have one count per image (or none); ``goal_gripper`` one closedness
    per image, or none unless ``switching.gripper`` is subgoal. Raises ValueError for a
    ``goal_gripper`` value outside [0, 1] (refused at once, whatever the counts).
    """
    check_goal_gripper(grippers)
    images = f"{len(paths)} goal image{'s' if len(paths) != 1 else ''}"
    if steps and len(steps) != len(paths):
        return (f"{images} but {len(steps)} goal_steps; set goal_steps with one count per image "
                "(or none)")
    if len(grippers) != len(paths) and (grippers or switching.gripper == "subgoal"):
        return (f"{images} but {len(grippers)} goal_gripper entries; set goal_gripper with one "
                "closedness (0 open .. 1 closed) per image"
                + ("" if grippers else " (goals.gripper is subgoal)"))
    return ""


def goals_from_files(paths: list[str], steps: list[int] | None = None,
                     grippers: list[float] | None = None, *,
                     checked: CheckedGoalImages | None = None,
                     name: str = "goal_image_paths") -> list[SubGoal]:
    """Load sub-goals from image files; ``steps`` one per file, or none (the default counts).

    ``grippers``: the hand's closedness 0..1 at each file's sub-goal (``goals.gripper``
    subgoal), one per file, or none (unknown). Raises :class:`vjepa_ros.images.ImageError` for a
    missing, unreadable, truncated, too small, too large or too elongated file
    (:func:`vjepa_ros.images.load_image_file`, the limits of :mod:`vjepa_ros.image_limits`), and
    ValueError for no path, an empty path (``goal_image_paths: ['']`` once left the entry out
    without a word) and counts that do not match. Each sub-goal's image is ``[H, W, 3]`` uint8
    RGB: the one ``checked`` keeps for its file (:func:`check_goal_files`; a file changed since
    is read again), else read now (``checked`` None: every file read now). ``checked`` is
    released either way. ``name``: the parameter holding ``paths``, which starts a file's
    refusal (``goal_image_paths entry 2 of 3: image file not found: ...``).
    """
    try:
        return _goals(paths, steps, grippers, checked, name)
    finally:
        if checked is not None:  # taken (the goal holds them now), or refused: none needs them
            checked.release()


def _goals(paths: list[str], steps, grippers, checked: CheckedGoalImages | None,
           name: str) -> list[SubGoal]:
    """Make :func:`goals_from_files`'s sub-goals; raise as it does."""
    if not paths:
        raise ValueError("no goal image path given")
    problem = _empty_entries_problem("goal_image_paths", paths)
    if problem:
        raise ValueError(problem)
    steps = list(steps or [])
    if steps and len(steps) != len(paths):
        raise ValueError(
            f"goal_steps has {len(steps)} entries for {len(paths)} goal images; give one each "
            "(or none: goals.default_steps)"
        )
    counts = [int(n) for n in steps] if steps else [None] * len(paths)
    grippers = list(grippers or [])
    if grippers and len(grippers) != len(paths):
        raise ValueError(
            f"goal_gripper has {len(grippers)} entries for {len(paths)} goal images; give one "
            "closedness (0 open .. 1 closed) each, or none")
    check_goal_gripper(grippers)
    closed = [float(g) for g in grippers] if grippers else [None] * len(paths)
    return [SubGoal(_goal_image(p, checked, name if len(paths) == 1 else
                                f"{name} entry {i + 1} of {len(paths)}"), n, source=p, gripper=g)
            for i, (p, n, g) in enumerate(zip(paths, counts, closed, strict=True))]


def _goal_image(path: str, checked: CheckedGoalImages | None, entry: str):
    """Return goal file ``path`` as ``[H, W, 3]`` uint8 RGB: as ``checked`` keeps it, or read.

    Raises :class:`ImageError` starting with ``entry`` (the parameter and entry holding it).
    """
    kept = None if checked is None else checked.image(path)
    if kept is not None:
        return kept
    try:
        return load_image_file(path)
    except ImageError as exc:
        raise ImageError(f"{entry}: {exc}") from None

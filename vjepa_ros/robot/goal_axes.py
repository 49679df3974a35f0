"""Which axes a sub-goal's motion leaves still: ``goals.axes`` subgoal (beyond the paper).

Every sub-goal captured with ``~/add_subgoal`` keeps the end effector's measured pose (as the
gripper rule ``goals.gripper`` subgoal uses its closedness). Between two consecutive sub-goals
the captured TCP moved by ``move`` = position(i) − position(i − 1) [m, base frame]. When that
move is clearly along some axes (its largest component ≥ ``min_move_m``) and stays within
``tolerance_m`` along others, the planner holds those others still (delta 0 in every sample,
``CEMConfig.fixed_axes`` for that plan only) while it plans toward sub-goal i: a straight
descent onto an object is searched in z alone, so the aim the pre-grasp sub-goal gave is kept to
the bottom instead of being spent on the search's lateral noise (docs/manipulation.md, session
35: the learned demo model's grasps fail mostly in that descent).

Only directions are used, never positions: the planner still finds how far to go from the
image energy, and an object moved since the capture is still approached by the image. The first
sub-goal (no predecessor) and any sub-goal whose own or predecessor's pose is unknown are searched
in every axis.
"""

from __future__ import annotations

import numpy as np

AXIS_NAMES = ("x", "y", "z")  # action indices 0, 1, 2 (planning.cem.XYZ)


def still_axes(move, tolerance_m: float, min_move_m: float) -> tuple[int, ...]:
    """Return the indices (0 x, 1 y, 2 z) along which a clear ``move`` [3] m stays still.

    ``move``: translation between two captured TCP positions [m], in the frame the planner
    plans in. Empty when the move is not clear (largest component < ``min_move_m``: a sub-goal
    that only opens or closes the hand is searched in every axis). Raises ValueError for a
    move that is not 3 finite numbers.
    """
    move = np.asarray(move, dtype=np.float64)
    if move.shape != (3,) or not np.isfinite(move).all():
        raise ValueError(f"a sub-goal move must be 3 finite numbers [m], got {move.tolist()!r}")
    size = np.abs(move)
    if size.max() < min_move_m:
        return ()
    return tuple(int(i) for i in range(3) if size[i] < tolerance_m)


def subgoal_moves(goals) -> list[np.ndarray | None]:
    """Return each sub-goal's captured TCP move [3] m from the previous one (None: unknown).

    ``goals``: ``robot.goals.SubGoal`` list; a goal's ``state`` [7] (x, y, z, roll, pitch, yaw,
    gripper) is its captured pose. The first entry is always None.
    """
    moves: list[np.ndarray | None] = [None]
    for previous, goal in zip(goals, goals[1:], strict=False):
        if previous.state is None or goal.state is None:
            moves.append(None)
            continue
        move = np.asarray(goal.state, np.float64)[:3] - np.asarray(previous.state, np.float64)[:3]
        moves.append(move if np.isfinite(move).all() else None)
    return moves


def describe_still(index: int, source: str, axes: tuple[int, ...]) -> str:
    """Return e.g. ``3 (descend): z only`` for the set-goals message (1-based ``index``)."""
    searched = [name for i, name in enumerate(AXIS_NAMES) if i not in axes]
    return f"{index} ({source or 'image'}): {', '.join(searched)} only"

"""The order of the sub-goals a run's commands went to, and why it went back (safety check).

``bench_planner_safety.py``'s gripper scenario captures sub-goals 0, 1, 2 and expects the
commands to go to them in that order. Read as a set, a list that restarted (commands to
0, 1, 0, 1, 2 after a false "new world") or a sub-goal reopened (1, 2, 1, 2 after a command
"stopped short") looked like a pass, or like the same failure. :func:`subgoal_order_failures`
reads the order (runs collapsed) and names what each step back was from the node's
``/rosout`` lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# the node's /rosout lines that explain a step back (vjepa_ros.robot.input_episodes and
# enable_session): the list started again at sub-goal 0, or one sub-goal reopened
NEW_WORLD = "a new world"
STOPPED_SHORT = "stopped short of its target"


def collapse_runs(values: Iterable) -> list:
    """Return ``values`` with each run of one value kept once: [0, 0, 1, 1, 0] -> [0, 1, 0]."""
    kept: list = []
    for value in values:
        if not kept or kept[-1] != value:
            kept.append(value)
    return kept


def hand_changes(order: Sequence[int], hands: Sequence[float]) -> list[float]:
    """Return each change of the hand [0 open, 1 closed] over sub-goals ``order``.

    ``hands[i]``: sub-goal i's gripper value. What ``gripper_command`` carries when the
    commands go to ``order``: [0, 1, 2] of hands (0, 1, 0) -> [0, 1, 0]. Raises IndexError
    for an index without a hand.
    """
    return collapse_runs(float(hands[i]) for i in order)


def step_back_cause(before: int, after: int, logs: Sequence[str]) -> str:
    """Say what a step back from sub-goal ``before`` to ``after`` (< before) was, from ``logs``.

    A restart of the list: back to 0 with a "new world" line on /rosout; a reopen: back one with
    a "stopped short" line; else "other" (neither line, or a jump the lines do not explain).
    """
    new_world = any(NEW_WORLD in line for line in logs)
    stopped = any(STOPPED_SHORT in line for line in logs)
    if after == 0 and new_world:
        return (f"a restart of the list ({before} -> 0 after a 'new world' line on /rosout: "
                "the arm's measured pose or the clock jumped)")
    if after == before - 1 and stopped:
        return (f"a reopen of sub-goal {after} ({before} -> {after} after a 'stopped short' "
                "line on /rosout: a hold cut the command that ended it)")
    said = [name for name, seen in (("new world", new_world), ("stopped short", stopped))
            if seen]
    return (f"other ({before} -> {after}; /rosout said "
            f"{' and '.join(repr(s) for s in said) or 'neither new world nor stopped short'})")


def subgoal_order_failures(indices: Sequence[int], logs: Sequence[str],
                           expected: Sequence[int] = (0, 1, 2)) -> list[str]:
    """Return failure lines (none: the order is right) for commands to sub-goals ``indices``.

    ``indices``: each commanded plan's sub-goal index, in the order commanded; ``logs``: the
    node's /rosout lines of the run; ``expected``: the order the commands must go in (runs
    collapsed). Each step back is named (:func:`step_back_cause`).
    """
    order = collapse_runs(int(i) for i in indices)
    if order == list(expected):
        return []
    lines = [f"commands went to sub-goals {order} (runs collapsed), not {list(expected)}"]
    lines += [f"sub-goal {a} -> {b}: {step_back_cause(a, b, logs)}"
              for a, b in zip(order, order[1:], strict=False) if b < a]
    missing = sorted(set(expected) - set(order))
    if missing:
        lines.append(f"no command went to sub-goal(s) {missing}")
    return lines

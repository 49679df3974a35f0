"""Recorded steps that left the arm's own motion faster than a Franka accelerates.

The speed rule (``stray_states.allowed_changes``: 3 m/s + 1 cm) lets a step through that no arm
made when the states come slowly: a wall-stamped simulator at 0.3x real time, 55 ms between its
states, put its arm 11.5 cm away at ``~/reset``, from rest (breaker41f). The planner node judges
such a step by the arm's acceleration (``robot.jump_watch.JumpWatch._kicked``); a recording gets
the same rule here (:func:`kicked_steps`), so that the readers leave such a step out as a jump
(``state_jumps.jump_steps``) or judge it as a glitch (``stray_states.fast_steps``): trained on, it
would be an action of 11.5 cm in one step that the arm never took.

The rule is the node's (``robot.accel_rule.outran``): the step must lie, for one of the arm's
velocities of the last :data:`VELOCITY_BASELINE_S` (each over two states at least
``accel_rule.PAIR_MIN_S`` apart, at least the latest such pair), within what accelerating at the
limit adds, plus the slack and that velocity times the stamps' jitter. Only steps that moved more
than the slack (turned more than its slack) are judged, and only after
:data:`VELOCITY_BASELINE_S` of states with no fast step among them (after a jump, or at the start,
the arm's motion is not known: breaker41g). A step after a held pose that its refreshes' own
velocity explains (``accel_rule.refreshing``: a slower source republished faster, also one that
loses a refresh or slows down: breaker42d) is not judged; after a jump the held pose is taken as
the stream's first when the stream looked like a slower source before it
(``accel_rule.grace_after_jump``: its latest change that was no jump came after a held pose),
the node's rule.
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.robot.accel_rule import (
    PAIR_MIN_S,
    VELOCITY_BASELINE_S,
    grace_after_jump,
    outran,
    refreshing,
)
from vjepa_ros.robot.state_ranges import ORIENTATION_JUMP_SLACK_RAD, TCP_JUMP_SLACK_M


def kicked_steps(times_ns, pose, fast=None) -> np.ndarray:
    """Return the indices i of the steps i -> i + 1 that left the arm's motion too fast.

    ``times_ns`` [M] int64 in increasing order (repeats allowed), ``pose`` [M, 3] xyz in m, or
    [M, 6+] with the extrinsic xyz Euler angles [rad] after them; ``fast`` [M-1] bool: the steps
    already found faster than an arm moves (no step is judged within
    :data:`VELOCITY_BASELINE_S` after one). Module docstring for the rule.
    """
    times = np.asarray(times_ns, dtype=np.int64)
    pose = np.asarray(pose, dtype=np.float64)
    if len(times) < 3:
        return np.zeros(0, dtype=np.int64)
    seconds = (times - times[0]) / 1e9
    interval = np.diff(seconds)
    delta = np.diff(pose[:, :3], axis=0)
    moved = np.linalg.norm(delta, axis=1)
    rotations = None
    turns = np.zeros((len(interval), 3))
    if pose.shape[1] >= 6:
        from scipy.spatial.transform import Rotation  # (here: the commands check options first)

        rotations = Rotation.from_euler("xyz", pose[:, 3:6])
        turns = (rotations[1:] * rotations[:-1].inv()).as_rotvec()  # base frame, per step
    turned = np.linalg.norm(turns, axis=1)
    # the holds (a pose repeated exactly): where each state's pose began and how long it had
    # been held (accel_rule.refreshing)
    changed = np.r_[True, np.any(np.diff(pose[:, :6] if rotations is not None else pose[:, :3],
                                         axis=0) != 0, axis=1)]
    began = np.maximum.accumulate(np.where(changed, np.arange(len(changed)), 0))
    holds = seconds - seconds[began]  # [M] how long state i's pose has been held at i
    fast = np.zeros(len(interval), bool) if fast is None else np.asarray(fast, dtype=bool)
    candidates = (moved > TCP_JUMP_SLACK_M) | (turned > ORIENTATION_JUMP_SLACK_RAD)
    candidates &= seconds[:-1] >= VELOCITY_BASELINE_S  # the arm's motion known at all
    kicked: list[int] = []

    def jumped(k: int) -> bool:
        return bool(fast[k]) or k in kicked  # (kicked: few, and the latest looked at first)

    for i in np.flatnonzero(candidates):
        ends = np.arange(int(np.searchsorted(seconds, seconds[i] - VELOCITY_BASELINE_S)), i + 1)
        starts = np.searchsorted(seconds, seconds[ends] - PAIR_MIN_S, side="right") - 1
        keep = starts >= 0
        if not keep[-1]:
            continue  # no state PAIR_MIN_S before it
        ends, starts = ends[keep], starts[keep]
        if fast[starts[0]:i + 1].any():
            continue  # a fast step among the arm's recent ones: its motion is not known
        if _refresh(i, seconds, pose, rotations, began, holds, delta[i], turns[i], changed,
                    jumped):
            continue  # a slower source's refresh: as far as its refreshes' own velocity carries
        span = seconds[ends] - seconds[starts]
        velocities = (pose[ends, :3] - pose[starts, :3]) / span[:, None]
        spins = np.zeros((len(span), 3)) if rotations is None else \
            (rotations[ends] * rotations[starts].inv()).as_rotvec() / span[:, None]
        if outran(delta[i], turns[i], float(interval[i]), velocities, spins):
            kicked.append(i)
    return np.asarray(kicked, dtype=np.int64)


def _refresh(i, seconds, pose, rotations, began, holds, delta, turn, changed, jumped) -> bool:
    """Whether step i -> i + 1 is a slower source's refresh (``accel_rule.refreshing``).

    ``began`` [M]: the index of each state's pose's first state; ``holds`` [M] s: how long it
    had been held there; ``rotations``: the states' orientations (None: positions only);
    ``changed`` [M]: whether state k's pose differs from state k - 1's; ``jumped(k)``: whether
    step k was a jump (after one the pose is taken as the stream's first when the stream looked
    like a slower source before it, ``accel_rule.grace_after_jump``, as in ``JumpWatch``).
    """
    start = int(began[i])  # the held pose's first state
    previous = None
    if start > 0 and holds[start - 1] > 0:  # the pose before it held too: a refresh velocity
        before = int(began[start - 1])
        previous = (pose[start, :3] - pose[before, :3], np.zeros(3) if rotations is None else
                    (rotations[start] * rotations[before].inv()).as_rotvec(),
                    float(seconds[start] - seconds[before]))
    first = start == 0 or jumped(start - 1) and grace_after_jump(
        _change_held(start - 1, changed, holds, jumped))
    return refreshing(delta, turn, float(holds[i]), float(seconds[i + 1] - seconds[start]),
                      previous, first=first)


def _change_held(k, changed, holds, jumped) -> bool | None:
    """Whether the latest step before step ``k`` that changed the pose (no jump) left a held one.

    None when there is none (``accel_rule.grace_after_jump``).
    """
    for j in range(k - 1, -1, -1):
        if changed[j + 1] and not jumped(j):
            return bool(holds[j] > 0)
    return None

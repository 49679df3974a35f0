"""Recorded steps that left the arm's own motion faster than a Franka accelerates.

The speed rule (``stray_states.allowed_changes``: 3 m/s + 1 cm) lets a step through that no arm
made when the states come slowly: a wall-stamped simulator at 0.3x real time, 55 ms between its
states, put its arm 11.5 cm away at ``~/reset``, from rest (breaker41f). The planner node judges
such a step by the arm's acceleration (``robot.jump_watch.JumpWatch._kicked``); a recording gets
the same rule here (:func:`kicked_steps`), so that the readers leave such a step out as a jump
(``state_jumps.jump_steps``) or judge it as a glitch (``stray_states.fast_steps``): trained on, it
would be an action of 11.5 cm in one step that the arm never took.

The arm's velocity before a step is its average over the states of the last
:data:`VELOCITY_BASELINE_S` (``span`` seconds: the arm may now be up to ``MAX_TCP_ACCEL_M_S2 ×
span`` faster); over the step's interval it may add what accelerating at the limit adds, plus the
slack. Only steps that moved more than the slack (turned more than its slack) are judged, and not
a step right after a fast one (the velocity then is no arm's).
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.robot.state_ranges import (
    MAX_TCP_ACCEL_M_S2,
    MAX_TCP_ANGULAR_ACCEL_RAD_S2,
    ORIENTATION_JUMP_SLACK_RAD,
    TCP_JUMP_SLACK_M,
)

VELOCITY_BASELINE_S = 0.1  # [s] as the planner node's (``jump_watch.VELOCITY_BASELINE_S``)


def kicked_steps(times_ns, pose, fast=None) -> np.ndarray:
    """Return the indices i of the steps i -> i + 1 that left the arm's motion too fast.

    ``times_ns`` [M] int64 in increasing order (repeats allowed), ``pose`` [M, 3] xyz in m, or
    [M, 6+] with the extrinsic xyz Euler angles [rad] after them; ``fast`` [M-1] bool: the steps
    already found faster than an arm moves (a step right after one is not judged). Module
    docstring for the rule.
    """
    times = np.asarray(times_ns, dtype=np.int64)
    pose = np.asarray(pose, dtype=np.float64)
    if len(times) < 3:
        return np.zeros(0, dtype=np.int64)
    seconds = (times - times[0]) / 1e9
    index = np.arange(1, len(times) - 1)  # the step index -> index + 1, after a known motion
    interval = seconds[index + 1] - seconds[index]
    base = np.searchsorted(seconds, seconds[index] - VELOCITY_BASELINE_S, side="right") - 1
    base = np.clip(base, 0, None)
    span = seconds[index] - seconds[base]
    moved = np.linalg.norm(pose[index + 1, :3] - pose[index, :3], axis=1)
    kicked = np.zeros(len(index), dtype=bool)
    known = span > 0
    if fast is not None:
        known &= ~np.asarray(fast, dtype=bool)[index - 1]
    candidate = known & (moved > TCP_JUMP_SLACK_M)
    if candidate.any():
        speed = np.linalg.norm(pose[index, :3] - pose[base, :3], axis=1) / np.where(known, span, 1)
        reach = ((speed + MAX_TCP_ACCEL_M_S2 * span) * interval
                 + 0.5 * MAX_TCP_ACCEL_M_S2 * interval ** 2)
        kicked |= candidate & (moved > reach + TCP_JUMP_SLACK_M)
    if pose.shape[1] >= 6:
        from vjepa_ros.recordings.stray_states import turn_angles

        turned = turn_angles(pose[index, 3:6], pose[index + 1, 3:6])
        candidate = known & (turned > ORIENTATION_JUMP_SLACK_RAD)
        if candidate.any():
            spin = turn_angles(pose[base, 3:6], pose[index, 3:6]) / np.where(known, span, 1)
            swing = ((spin + MAX_TCP_ANGULAR_ACCEL_RAD_S2 * span) * interval
                     + 0.5 * MAX_TCP_ANGULAR_ACCEL_RAD_S2 * interval ** 2)
            kicked |= candidate & (turned > swing + ORIENTATION_JUMP_SLACK_RAD)
    return index[kicked]

"""Recorded steps that left the arm's own motion faster than a Franka accelerates.

The speed rule (``stray_states.allowed_changes``: 3 m/s + 1 cm) lets a step through that no arm
made when the states come slowly: a wall-stamped simulator at 0.3x real time, 55 ms between its
states, put its arm 11.5 cm away at ``~/reset``, from rest (breaker41f). The planner node judges
such a step by the arm's acceleration (``robot.jump_watch.JumpWatch._kicked``); a recording gets
the same rule here (:func:`kicked_steps`), so that the readers leave such a step out as a jump
(``state_jumps.jump_steps``) or judge it as a glitch (``stray_states.fast_steps``): trained on, it
would be an action of 11.5 cm in one step that the arm never took.

The arm's speed before a step is its fastest step of the last :data:`VELOCITY_BASELINE_S`, and
at least its last step (a
pose republished from a slower source moves in steps of a few messages' worth); over the step's
interval it may add what accelerating at the limit adds over twice the interval, plus the slack.
Only steps that moved more than the slack (turned more than its slack) are judged, and only after
:data:`VELOCITY_BASELINE_S` of states with no fast step among them (after a jump, or at the start,
the arm's speed is not known: breaker41g).
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
    already found faster than an arm moves (no step is judged within
    :data:`VELOCITY_BASELINE_S` after one). Module docstring for the rule.
    """
    times = np.asarray(times_ns, dtype=np.int64)
    pose = np.asarray(pose, dtype=np.float64)
    if len(times) < 3:
        return np.zeros(0, dtype=np.int64)
    seconds = (times - times[0]) / 1e9
    interval = np.diff(seconds)
    moved = np.linalg.norm(np.diff(pose[:, :3], axis=0), axis=1)
    parts = [(moved, MAX_TCP_ACCEL_M_S2, TCP_JUMP_SLACK_M)]
    if pose.shape[1] >= 6:
        from vjepa_ros.recordings.stray_states import turn_angles

        parts.append((turn_angles(pose[:-1, 3:6], pose[1:, 3:6]), MAX_TCP_ANGULAR_ACCEL_RAD_S2,
                      ORIENTATION_JUMP_SLACK_RAD))
    fast = np.zeros(len(interval), bool) if fast is None else np.asarray(fast, dtype=bool)
    rates = [change / np.maximum(interval, 1e-4) for change, _, _ in parts]
    candidates = np.zeros(len(interval), dtype=bool)
    for change, _, slack in parts:
        candidates |= change > slack
    candidates &= seconds[:-1] >= VELOCITY_BASELINE_S  # the arm's speed known at all
    kicked = []
    for i in np.flatnonzero(candidates):
        first = min(i - 1, int(np.searchsorted(seconds, seconds[i] - VELOCITY_BASELINE_S)))
        if i == 0 or fast[first:i + 1].any():
            continue  # no steps of the arm's own before it (at least the last), or a fast one
        for (change, accel, slack), rate in zip(parts, rates, strict=True):
            speed = float(rate[first:i].max())
            if change[i] > (speed + accel * interval[i]) * interval[i] + slack:
                kicked.append(i)
                break
    return np.asarray(kicked, dtype=np.int64)

"""Whether a robot state left the arm's own motion faster than an arm accelerates.

One rule for the planner node (``robot.jump_watch.JumpWatch._kicked``) and the recordings
(``recordings.kicked_steps``). A step ``delta`` over ``interval`` must lie, for one of the arm's
recent velocities (each measured over at least :data:`PAIR_MIN_S`, so that one jittered stamp
does not make one: breaker41i), within what accelerating at ``MAX_TCP_ACCEL_M_S2`` adds over
twice the interval, plus the slack, plus that velocity times :data:`STAMP_JITTER_S` (a stamp
taken that late or early moves the step by as much: one late host stamp in a smooth 1 m/s motion
was a jump and a false new world, 41i). The velocities are vectors: a reset against or across the
arm's motion is a jump even where its length is one the arm's speed covers (41i). The turn is
judged by its size against the fastest recent turning speed. Numpy only (the state callback).
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.robot.state_ranges import (
    MAX_TCP_ACCEL_M_S2,
    MAX_TCP_ANGULAR_ACCEL_RAD_S2,
    ORIENTATION_JUMP_SLACK_RAD,
    TCP_JUMP_SLACK_M,
)

PAIR_MIN_S = 0.01  # [s] a recent velocity is measured over two states at least this far apart
STAMP_JITTER_S = 0.025  # [s] a state's stamp may be this late or early (host-stamped on receipt)


def outran(delta, turned: float, interval: float, velocities, spins) -> str:
    """Return "position", "orientation" or "" (neither outran the arm's recent motion).

    ``delta`` [3] m: the step's position change; ``turned`` [rad] its rotation angle, over
    ``interval`` [s]; ``velocities`` [K, 3] m/s and ``spins`` [K] rad/s: the arm's recent
    velocities and turning speeds (K ≥ 1). Module docstring for the rule.
    """
    velocities = np.asarray(velocities, dtype=np.float64).reshape(-1, 3)
    speeds = np.linalg.norm(velocities, axis=1)
    off = np.linalg.norm(np.asarray(delta, dtype=np.float64) - velocities * interval, axis=1)
    spare = MAX_TCP_ACCEL_M_S2 * interval ** 2 + TCP_JUMP_SLACK_M + speeds * STAMP_JITTER_S
    if bool(np.all(off > spare)):
        return "position"
    spin = float(np.max(spins))
    swing = (spin + MAX_TCP_ANGULAR_ACCEL_RAD_S2 * interval) * interval + spin * STAMP_JITTER_S
    return "orientation" if turned > swing + ORIENTATION_JUMP_SLACK_RAD else ""

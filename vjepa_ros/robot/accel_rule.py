"""Whether a robot state left the arm's own motion faster than an arm accelerates.

One rule for the planner node (``robot.jump_watch.JumpWatch._kicked``) and the recordings
(``recordings.kicked_steps``). A step ``delta`` over ``interval`` must lie, for one of the arm's
recent velocities (each measured over at least :data:`PAIR_MIN_S`, so that one jittered stamp
does not make one: breaker41i), within what accelerating at ``MAX_TCP_ACCEL_M_S2`` adds over
twice the interval, plus the slack, plus that velocity times :data:`STAMP_JITTER_S` (a stamp
taken that late or early moves the step by as much: one late host stamp in a smooth 1 m/s motion
was a jump and a false new world, 41i). The velocities are vectors: a reset against or across the
arm's motion is a jump even where its length is one the arm's speed covers (41i); so are the
angular velocities (rotation vectors per second, base frame: a wrist glitch against the wrist's
turn, 41j; the rotation vectors are compared by difference, close enough for the tenths of a
radian a step turns). Numpy only (the state callback).

A held pose — states repeating it exactly — is either a node republishing a slower source between
its refreshes, or an arm at rest (a simulator's, a rounded pose). A step after a hold is not judged
when the hold before the pose's previous change lasted about as long (:func:`refreshing`: a
source that refreshes at a period, a 100 Hz republisher of an 8 Hz or a jittered 2 Hz pose: 41j,
41k), and judged as from rest otherwise (a simulator's ``~/reset`` soon after its arm stopped:
41k). Not told apart: a pose rounded so coarsely that it changes only every few tenths of a second
looks like a slower source, and its reset is not judged by acceleration (the speed rule still
applies).
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.robot.state_ranges import (
    MAX_TCP_ACCEL_M_S2,
    MAX_TCP_ANGULAR_ACCEL_RAD_S2,
    ORIENTATION_JUMP_SLACK_RAD,
    TCP_JUMP_SLACK_M,
)

VELOCITY_BASELINE_S = 0.1  # [s] the arm's recent motion: its states of this long before a step
PAIR_MIN_S = 0.01  # [s] a recent velocity is measured over two states at least this far apart
STAMP_JITTER_S = 0.025  # [s] a state's stamp may be this late or early (host-stamped on receipt)
PERIOD_SPREAD = 2.0  # two holds within this factor of each other: a source refreshing at a period


FIRST_HOLD_S = 0.5  # [s] the stream's first pose held shorter may be a slower source's


def refreshing(hold: float, previous_hold: float | None, first: bool = False) -> bool:
    """Whether a step after a pose held ``hold`` [s] is a slower source's refresh.

    ``previous_hold`` [s]: how long the pose was held before its previous change (None: no
    such change known); ``first``: the held pose is the stream's first (no change before it).
    True when both holds last about as long (within :data:`PERIOD_SPREAD`): the source
    refreshes at a period; or for the first pose held under :data:`FIRST_HOLD_S` (a node
    started while a slower source's arm moved: its first refresh is no reset). False without
    a hold.
    """
    if hold <= 0.0:
        return False
    if first:
        return hold < FIRST_HOLD_S
    if previous_hold is None or previous_hold <= 0.0:
        return False
    return hold / PERIOD_SPREAD <= previous_hold <= hold * PERIOD_SPREAD


def outran(delta, turn, interval: float, velocities, spins) -> str:
    """Return "position", "orientation" or "" (neither outran the arm's recent motion).

    ``delta`` [3] m: the step's position change; ``turn`` [3] rad: its rotation vector (base
    frame), over ``interval`` [s]; ``velocities`` [K, 3] m/s and ``spins`` [K, 3] rad/s: the
    arm's recent velocities and angular velocities (K ≥ 1). Module docstring for the rule.
    """
    parts = (("position", delta, velocities, MAX_TCP_ACCEL_M_S2, TCP_JUMP_SLACK_M),
             ("orientation", turn, spins, MAX_TCP_ANGULAR_ACCEL_RAD_S2,
              ORIENTATION_JUMP_SLACK_RAD))
    for part, change, rates, accel, slack in parts:
        rates = np.asarray(rates, dtype=np.float64).reshape(-1, 3)
        off = np.linalg.norm(np.asarray(change, dtype=np.float64) - rates * interval, axis=1)
        spare = accel * interval ** 2 + slack + np.linalg.norm(rates, axis=1) * STAMP_JITTER_S
        if bool(np.all(off > spare)):
            return part
    return ""

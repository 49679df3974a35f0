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
when it is the slower source's refresh (:func:`refreshing`): when it moves (and turns) about as far
as the velocity the refreshes themselves showed carries the arm over the time since the previous
refresh. That velocity is the pose's last change (from the pose before it, itself held: a source
between refreshes) over the time between the two poses' first states; "about": within
:data:`REFRESH_SPREAD` of its extrapolation, plus that velocity times :data:`STAMP_JITTER_S`, plus
the slack. So a source that refreshes at a jittered period (a 100 Hz republisher of an 8 Hz or a
jittered 2 Hz pose: 41j, 41k), loses a refresh or two (a mocap or teleop packet dropped, a poll
timed out: holds of 2-3 periods) or slows down (teleop throttled from 30 to 10 Hz) is not kicked
(breaker42d), while a step the refresh velocity does not explain is judged as from rest: a
simulator's ``~/reset`` soon after its arm stopped (its last change a sub-mm deceleration step,
41k), a reset while a rounded pose creeps. Deliberately not physics over the hold (13 m/s² over 0.5
s would explain 1.6 m): what a refresh may explain is bounded by the refreshes' own motion.

Limits: the refresh velocity is the average over the previous refresh interval, so an arm that
changes speed by more than :data:`REFRESH_SPREAD` (plus the slack) from one refresh to the next has
that refresh judged from its recent states (a 2 Hz source's second refresh after the arm starts
from a long rest: the velocity spread over the rest reads ~0); a reset that happens to land where
the refresh velocity carries the arm (within the spread) is taken as a refresh (the speed rule
still applies). The stream's first pose held under :data:`FIRST_HOLD_S` is taken as a slower
source's (its refresh velocity is not known); so is the first pose after a jump, but only on a
stream that looked like a slower source before it (:func:`grace_after_jump`: its latest change
that was no jump came after a held pose, or it had none yet), so that a republished source's
reset is not followed by a cascade of kicks (41k, 42d). A stream whose states changed at every
message keeps being judged after a jump (breaker42h: a 100 Hz simulator's ``~/reset`` and a 3 cm
step 0.2 s later). Limits of that: an arm at rest before the jump is no evidence either way (the
latest change before the rest decides), and a rounded pose that creeps looks like a slower source.
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
REFRESH_SPREAD = 0.5  # a refresh may lie this fraction of its velocity's extrapolation off it


FIRST_HOLD_S = 0.5  # [s] the stream's first pose held shorter may be a slower source's


def grace_after_jump(last_change_held: bool | None) -> bool:
    """Whether the first pose after a jump is taken as the stream's first (:func:`refreshing`).

    ``last_change_held``: whether the stream's latest change of pose that was no jump, before
    the jump, came after a held pose (None: no such change since the stream (re)started). True
    for a stream that looked like a slower source republished (or not known yet); False for one
    whose states changed at every message (breaker42h). Module docstring.
    """
    return last_change_held is None or bool(last_change_held)


def refreshing(delta, turn, hold: float, elapsed: float, previous=None,
               first: bool = False) -> bool:
    """Whether a step after a pose held ``hold`` [s] is a slower source's refresh.

    ``delta`` [3] m, ``turn`` [3] rad (rotation vector, base frame): the step's change;
    ``elapsed`` [s]: from the held pose's first state to the step's state; ``previous``: the held
    pose's own change from the pose before it, ``(change [3] m, turn [3] rad, span [s])``, span
    between the two poses' first states, given only when the pose before was held too (None:
    no refresh velocity known); ``first``: the held pose is the stream's first, or the first
    after a jump that :func:`grace_after_jump` grants. True when the
    step lies, in position and in orientation, within :data:`REFRESH_SPREAD` of that velocity
    times ``elapsed`` plus the velocity times :data:`STAMP_JITTER_S` plus the slack; or for the
    stream's first pose held under :data:`FIRST_HOLD_S` (a node started while a slower source's
    arm moved: its first refresh is no reset). False without a hold. Module docstring.
    """
    if hold <= 0.0:
        return False
    if first:
        return hold < FIRST_HOLD_S
    if previous is None or previous[2] <= 0.0 or elapsed <= 0.0:
        return False
    change, change_turn, span = previous
    for step, moved, slack in ((delta, change, TCP_JUMP_SLACK_M),
                               (turn, change_turn, ORIENTATION_JUMP_SLACK_RAD)):
        rate = np.asarray(moved, dtype=np.float64) / span
        expected = rate * elapsed
        spare = REFRESH_SPREAD * float(np.linalg.norm(expected)) + \
            float(np.linalg.norm(rate)) * STAMP_JITTER_S + slack
        if float(np.linalg.norm(np.asarray(step, dtype=np.float64) - expected)) > spare:
            return False
    return True


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

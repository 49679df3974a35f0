"""End-effector states of a bag that jump: a second publisher on the state topic, or a teleport.

The planner node refuses a measured pose that moved faster than any arm's TCP between two robot
states (``robot.inputs.InputBuffer``, ``state_ranges.MAX_TCP_SPEED_M_S`` plus
``TCP_JUMP_SLACK_M``). A bag gets the same rule over its states in stamp order
(:func:`check_state_jumps`): two publishers on one topic (a flange and a TCP pose, a simulator
left running beside the driver, a second arm's joints) alternate and make most steps jumps, so
the bag is refused naming the topic; a few jumps (a simulator reset, a re-homed arm) get a note,
and the steps across them are dropped (:func:`jump_intervals` to ``resample``'s ``jumps_ns``): a
step across one would pair a frame with the state of another place, an action no arm made.

A jump that comes straight back is no move of the arm at all but a stray state (a glitch, one
message of another publisher): :func:`stray_states` finds those, and the readers leave them out
before the jumps are counted, so the steps around them keep their states (the planner node's
``JumpWatch`` refuses such a state live, and tells it from a teleport the same way: a glitch
jumps back to where the arm was, a teleport stays where it went).
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.robot.state_ranges import MAX_TCP_SPEED_M_S, TCP_JUMP_SLACK_M

# Over this share of the steps jumping (and at least two): the topic has two sources.
SOURCES_SHARE = 0.1


def jump_steps(times_ns: np.ndarray, xyz: np.ndarray) -> np.ndarray:
    """Return the indices i of the steps i -> i + 1 whose TCP moved faster than an arm can.

    ``times_ns`` [M] int64 in increasing order (repeats allowed: two states of one stamp);
    ``xyz`` [M, 3] in m. A jump: moved more than ``MAX_TCP_SPEED_M_S`` [m/s] times the interval
    plus ``TCP_JUMP_SLACK_M`` (1 cm), the planner node's rule.
    """
    if len(times_ns) < 2:
        return np.zeros(0, dtype=np.int64)
    moved = np.linalg.norm(np.diff(xyz, axis=0), axis=1)
    interval_s = np.diff(times_ns).astype(np.float64) / 1e9
    return np.flatnonzero(moved > MAX_TCP_SPEED_M_S * interval_s + TCP_JUMP_SLACK_M)


# A stray run is followed back by one of the next this many jumps (a glitch of a few wild
# values); a later return is a new place the arm was put, then put back.
STRAY_RETURN_JUMPS = 4


def stray_states(times_ns: np.ndarray, xyz: np.ndarray) -> np.ndarray:
    """Return [M] bool: the states that jumped away and straight back (True: leave it out).

    ``times_ns`` [M] int64 in increasing order (repeats allowed), ``xyz`` [M, 3] in m. A run of
    states is stray when a jump (:func:`jump_steps`) leaves a state the arm held and one of the
    next :data:`STRAY_RETURN_JUMPS` jumps lands back: within the arm's reach of that state over
    the time between (``MAX_TCP_SPEED_M_S`` times the interval plus ``TCP_JUMP_SLACK_M``) and
    closer to it than half the jump away (the planner node's glitch rule, ``JumpWatch``). The
    states from the jump away up to the one before the return are the run. A jump that never
    comes back (a simulator reset, a re-homed arm) leaves nothing stray: the steps across it
    are dropped (:func:`jump_intervals`).
    """
    times = np.asarray(times_ns, dtype=np.int64)
    xyz = np.asarray(xyz, dtype=np.float64)
    stray = np.zeros(len(times), dtype=bool)
    jumps = jump_steps(times, xyz)
    index = 0
    while index < len(jumps):
        held = int(jumps[index])  # the state before the jump away
        leap = float(np.linalg.norm(xyz[held + 1] - xyz[held]))
        for ahead in range(index + 1, min(index + 1 + STRAY_RETURN_JUMPS, len(jumps))):
            back = int(jumps[ahead]) + 1  # the state a later jump lands on
            gap = np.linalg.norm(xyz[back] - xyz[held])
            reach = MAX_TCP_SPEED_M_S * (times[back] - times[held]) / 1e9 + TCP_JUMP_SLACK_M
            if gap <= reach and gap < leap / 2:
                stray[held + 1:back] = True
                index = ahead
                break
        index += 1
    return stray


def stray_note(topic: str, times_ns: np.ndarray, stray: np.ndarray) -> str:
    """Return the note on the states :func:`stray_states` left out ("" for none).

    ``times_ns`` [M] int64: the states' times, ``stray`` [M] bool; the times are given from the
    first state, as the jump note's.
    """
    if not stray.any():
        return ""
    times = np.asarray(times_ns, dtype=np.int64)
    start = int(times[0])
    runs = np.flatnonzero(np.diff(np.concatenate([[0], stray.astype(np.int8)])) == 1)
    when = ", ".join(f"{(int(times[i]) - start) / 1e9:.2f} s" for i in runs[:5])
    more = ", …" if len(runs) > 5 else ""
    return (f"{topic}: {int(stray.sum())} stray state(s) left out, at {when}{more} after its "
            f"first state: each jumped away faster than an arm moves ({MAX_TCP_SPEED_M_S:g} "
            "m/s) and straight back (a glitch, or one message of another publisher): no step is "
            "made of them")


def jump_intervals(times_ns: np.ndarray, xyz: np.ndarray) -> np.ndarray:
    """Return [J, 2] int64: the (before, after) times [ns] of each jump (:func:`jump_steps`).

    ``times_ns`` [M] strictly increasing: the states the steps are made of (repeated stamps
    merged to their last state). ``resample`` (``jumps_ns``) drops every step whose state lies
    across one of them.
    """
    jumps = jump_steps(times_ns, xyz)
    times = np.asarray(times_ns, dtype=np.int64)
    return np.stack([times[jumps], times[jumps + 1]], axis=1) if len(jumps) else \
        np.zeros((0, 2), np.int64)


def check_state_jumps(path, topic: str, times_ns: np.ndarray, states: np.ndarray) -> str:
    """Refuse a state topic with two sources; return a note for a few jumps ("" for none).

    ``times_ns`` [M] int64 sorted, ``states`` [M, 7] (xyz [m] first). The bag reader calls it
    twice: on the states before repeated stamps are merged, for the refusal (two publishers
    stamping alike alternate there), and on the merged ones, for the note: the jumps the steps
    are made of, the ones :func:`jump_intervals` gives. Raises BagError naming the bag, the
    topic, the share of jumping steps, the largest jump and what to do when more than
    :data:`SOURCES_SHARE` of the steps (and at least two) jump.
    """
    jumps = jump_steps(times_ns, states[:, :3])
    if not len(jumps):
        return ""
    steps = len(times_ns) - 1
    moved = np.linalg.norm(states[jumps + 1, :3] - states[jumps, :3], axis=1)
    largest = f"{moved.max() * 100:.1f} cm"
    speed = f"{MAX_TCP_SPEED_M_S:g} m/s"
    if len(jumps) >= 2 and len(jumps) > SOURCES_SHARE * steps:
        raise BagError(
            f"{path}: {topic}: {len(jumps)} of {steps} steps between its states jump faster than "
            f"an arm moves ({speed}; up to {largest}): two publishers on the topic (a flange "
            "and a TCP pose, a simulator beside the driver, another arm's joints)? Record one "
            "source (ros2 topic info -v lists the publishers), or read the states from the "
            "other state topic (--state-source)")
    start = int(times_ns[0])
    when = ", ".join(f"{(int(times_ns[i + 1]) - start) / 1e9:.2f} s" for i in jumps[:5])
    return (f"{topic}: the state jumps faster than an arm moves ({speed}) {len(jumps)} time(s), "
            f"up to {largest}, at {when} after its first state (a simulator reset or a re-homed "
            "arm?): the steps across them are left out (each would pair a frame with the state "
            "of another place)")

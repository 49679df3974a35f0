"""End-effector states of a bag that jump: a second publisher on the state topic, or a teleport.

The planner node refuses a measured pose that moved faster than any arm's TCP between two robot
states (``robot.inputs.InputBuffer``, ``state_ranges.MAX_TCP_SPEED_M_S`` plus
``TCP_JUMP_SLACK_M``). A bag gets the same rule over its states in stamp order
(:func:`check_state_jumps`): two publishers on one topic (a flange and a TCP pose, a simulator
left running beside the driver, a second arm's joints) alternate and make most steps jumps, so
the bag is refused naming the topic; a few jumps (a simulator reset, a re-homed arm) get a note,
and the steps across them are dropped (:func:`jump_intervals` to ``resample``'s ``jumps_ns``): a
step across one would pair a frame with the state of another place, an action no arm made.
Training cuts every recording kind into demonstrations at these jumps, so it refuses an ``.npz``
episode whose states take turns between two places by the same share (``train.episodes``;
breaker49j: else cut into many tiny demonstrations, each drawn as often as a whole episode).

A jump that comes straight back is no move of the arm at all but a stray state (a glitch, one
message of another publisher): ``recordings.stray_states`` finds those, and the readers leave
them out before the jumps are counted, so the steps around them keep their states.
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.name_lists import first_names
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.robot.state_ranges import (
    MAX_TCP_ANGULAR_SPEED_RAD_S,
    MAX_TCP_SPEED_M_S,
    ORIENTATION_JUMP_SLACK_RAD,
)

# Over this share of the steps jumping (and at least two): the topic has two sources.
SOURCES_SHARE = 0.1


def jump_steps(times_ns: np.ndarray, pose: np.ndarray) -> np.ndarray:
    """Return the indices i of the steps i -> i + 1 whose TCP moved or turned faster than an arm.

    ``times_ns`` [M] int64 in increasing order (repeats allowed: two states of one stamp);
    ``pose`` [M, 3] xyz in m, or [M, 6+] with the extrinsic xyz Euler angles [rad] after them.
    A jump, the planner node's rule (``JumpWatch``): moved more than ``MAX_TCP_SPEED_M_S``
    [m/s] times the interval plus ``TCP_JUMP_SLACK_M`` (1 cm), or (with the angles) turned more
    than ``MAX_TCP_ANGULAR_SPEED_RAD_S`` times it plus ``ORIENTATION_JUMP_SLACK_RAD``; or
    left the arm's own motion faster than a Franka accelerates (``kicked_steps``).
    """
    if len(times_ns) < 2:
        return np.zeros(0, dtype=np.int64)
    from vjepa_ros.recordings.stray_states import allowed_changes, turn_angles

    pose = np.asarray(pose, dtype=np.float64)
    allowed = allowed_changes(np.diff(times_ns).astype(np.float64) / 1e9)  # the one formula
    jumped = np.linalg.norm(np.diff(pose[:, :3], axis=0), axis=1) > allowed[:, 0]
    if pose.shape[1] >= 6:
        jumped |= turn_angles(pose[:-1, 3:6], pose[1:, 3:6]) > allowed[:, 1]
    from vjepa_ros.recordings.kicked_steps import kicked_steps

    jumped[kicked_steps(times_ns, pose, jumped)] = True  # faster than an arm accelerates
    return np.flatnonzero(jumped)


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


#: What two sources on a bag's state topic are and what to do (:func:`check_state_jumps`).
TOPIC_SOURCES = ("two publishers on the topic (a flange and a TCP pose, a simulator beside the "
                 "driver, another arm's joints)? Record one source (ros2 topic info -v lists the "
                 "publishers)")


def check_state_jumps(path, topic: str, times_ns: np.ndarray, states: np.ndarray,
                      other: str = "", sources: str = TOPIC_SOURCES) -> str:
    """Return a note for a few jumps ("" for none); refuse a topic whose steps mostly jump.

    ``times_ns`` [M] int64 sorted, ``states`` [M, 7] (xyz [m] first): the states the steps are
    made of (stray ones left out, repeated stamps merged: ``recordings.stray_states``'
    ``check_sources`` refused two sources before), the jumps :func:`jump_intervals` gives.
    Raises BagError naming the bag (or file), the topic (``topic``: e.g. "its states" for an
    ``.npz``), the share of jumping steps, the largest jump and what to do (``sources``: the
    likely cause and its fix, :data:`TOPIC_SOURCES` for a bag; ``other``: another fix) when
    more than :data:`SOURCES_SHARE` of the steps (and at least two) jump.
    """
    jumps = jump_steps(times_ns, states[:, :6])
    if not len(jumps):
        return ""
    steps = len(times_ns) - 1
    from vjepa_ros.recordings.stray_states import turn_angles

    moved = np.linalg.norm(states[jumps + 1, :3] - states[jumps, :3], axis=1)
    turned = turn_angles(states[jumps, 3:6], states[jumps + 1, 3:6])
    largest = f"{moved.max() * 100:.1f} cm" + (
        f", {turned.max():.2f} rad" if turned.max() > ORIENTATION_JUMP_SLACK_RAD else "")
    speed = f"{MAX_TCP_SPEED_M_S:g} m/s, {MAX_TCP_ANGULAR_SPEED_RAD_S:g} rad/s"
    if len(jumps) >= 2 and len(jumps) > SOURCES_SHARE * steps:
        raise BagError(
            f"{path}: {topic}: {len(jumps)} of {steps} steps between its states jump faster than "
            f"an arm moves ({speed}; up to {largest}): {sources}"
            + (f", or {other}" if other else ""))
    start = int(times_ns[0])
    when = first_names((f"{(int(times_ns[i + 1]) - start) / 1e9:.2f} s" for i in jumps), 5)
    return (f"{topic}: the state jumps faster than an arm moves ({speed}) {len(jumps)} time(s), "
            f"up to {largest}, at {when} after its first state (a simulator reset or a re-homed "
            "arm?): the steps across them are left out (each would pair a frame with the state "
            "of another place)")

"""Robot states that jumped away and straight back: a glitch, left out of a recording's states.

A measured state that moved faster than any arm can and came straight back is no move of the arm:
one wrong message (a glitch, a driver's all-zero joint state before its first reading, one message
of another publisher, a wrist joint or a finger read wrong). Left in, it would make a step whose
state is not where the arm was, and two jumps whose steps ``resample`` drops
(``state_jumps.jump_intervals``). The readers (the bag reader for eval, camera-check and train;
train's ``.npz`` episodes) leave such states out before repeated stamps are merged and the jumps
are counted, with one note (:func:`stray_note`). The rule (:func:`stray_states`) is the planner
node's glitch rule (``robot.jump_watch.JumpWatch``: a glitch jumps back to where the arm was, a
teleport stays where it went) applied to the whole recording at once, so it can also judge a
glitch at the first state, or one whose first message came before the arm's.

A glitch is judged on the whole state, not only the TCP position: the position (the node's
``MAX_TCP_SPEED_M_S`` rule), the orientation and the gripper closedness each have a speed no arm
or hand exceeds (``state_ranges``). Only a glitch that comes back is left out; a change that stays
(a reset, a re-homed arm) is a jump (position: its steps dropped) or, for the orientation and the
gripper alone, left as recorded.
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.name_lists import first_names
from vjepa_ros.robot.state_ranges import (
    CLOSEDNESS_JUMP_SLACK,
    MAX_CLOSEDNESS_RATE_PER_S,
    MAX_TCP_ANGULAR_SPEED_RAD_S,
    MAX_TCP_SPEED_M_S,
    ORIENTATION_JUMP_SLACK_RAD,
    TCP_JUMP_SLACK_M,
)

# A run of states lasting at most this long [s] between jumps may be stray (a glitch, a burst of
# another publisher's messages); a longer one is a place the arm was, and its jumps are jumps.
STRAY_MAX_S = 0.1
# ... made of at most this many runs in a row (a burst of wild values, each elsewhere)
STRAY_MAX_RUNS = 8
# Over this share of the steps faster than an arm: no few glitches but two sources (refused)
FAST_SHARE = 0.25
# ... or at least this many stray runs that agree with each other: a second stream of states
STREAM_RUNS = 3
STREAM_AGREE = 0.9  # the share of consecutive stray states that agree, for a stream
STREAM_MAX_GAP_S = 1.5  # [s] ... coming this often at least (median): a publisher's rate
GRIPPER_JUDGED_MAX_S = 0.05  # [s] the closedness is judged between samples this close only
# per part of a state: (its speed limit per second, the slack allowed besides)
LIMITS = ((MAX_TCP_SPEED_M_S, TCP_JUMP_SLACK_M),  # position [m]
          (MAX_TCP_ANGULAR_SPEED_RAD_S, ORIENTATION_JUMP_SLACK_RAD),  # orientation [rad]
          (MAX_CLOSEDNESS_RATE_PER_S, CLOSEDNESS_JUMP_SLACK))  # gripper closedness


def state_changes(states: np.ndarray, a, b) -> np.ndarray:
    """Return [N, 3]: how far states ``a`` -> ``b`` (index arrays [N]) moved, part by part.

    ``states`` [M, 7]: xyz [m], extrinsic xyz Euler angles [rad], gripper closedness. Columns:
    the position change [m], the rotation angle between the orientations [rad], the
    closedness change.
    """
    a, b = np.atleast_1d(a), np.atleast_1d(b)
    position = np.linalg.norm(states[b, :3] - states[a, :3], axis=1)
    angle = turn_angles(states[a, 3:6], states[b, 3:6])
    gripper = np.abs(states[b, 6] - states[a, 6])
    return np.stack([position, angle, gripper], axis=1)


def turn_angles(rpy_a: np.ndarray, rpy_b: np.ndarray) -> np.ndarray:
    """Return [N]: the angles [rad] of the rotations between extrinsic xyz Euler angles [N, 3].

    Wrap-free (a roll of +π and one of −π are one orientation: angle 0). scipy is imported
    here, not with the module: the commands check their options before the heavy libraries
    load (test_cli_startup.py).
    """
    from scipy.spatial.transform import Rotation

    first = Rotation.from_euler("xyz", np.reshape(rpy_a, (-1, 3)))
    second = Rotation.from_euler("xyz", np.reshape(rpy_b, (-1, 3)))
    return np.atleast_1d((first.inv() * second).magnitude())


def allowed_changes(interval_s) -> np.ndarray:
    """Return [N, 3]: the largest change of each part an arm makes in ``interval_s`` [N] s.

    The gripper's is unbounded over intervals longer than :data:`GRIPPER_JUDGED_MAX_S`: a
    slower stream cannot tell a finger read wrong from a hand that closed between two samples
    (a simulated or scripted hand closes within one 0.1 s step).
    """
    interval = np.atleast_1d(np.asarray(interval_s, dtype=np.float64))[:, None]
    speeds = np.array([limit for limit, _ in LIMITS])
    slacks = np.array([slack for _, slack in LIMITS])
    allowed = speeds * interval + slacks
    allowed[interval[:, 0] > GRIPPER_JUDGED_MAX_S, 2] = np.inf
    return allowed


def fast_steps(times_ns: np.ndarray, states: np.ndarray) -> np.ndarray:
    """Return the indices i of the steps i -> i + 1 where a part changed faster than an arm.

    ``times_ns`` [M] int64 sorted, ``states`` [M, 7]; the limits: :func:`allowed_changes`, and
    the arm's acceleration (``kicked_steps``).
    """
    if len(times_ns) < 2:
        return np.zeros(0, dtype=np.int64)
    from vjepa_ros.recordings.kicked_steps import kicked_steps

    index = np.arange(len(times_ns) - 1)
    fast = (state_changes(states, index, index + 1) >
            allowed_changes(np.diff(np.asarray(times_ns, dtype=np.int64)) / 1e9)).any(axis=1)
    fast[kicked_steps(times_ns, states, fast)] = True  # faster than an arm accelerates
    return np.flatnonzero(fast)


def gripper_only(closedness) -> np.ndarray:
    """Return [N, 7] states holding ``closedness`` [N] alone (a gripper topic's own samples).

    Position and orientation fixed (pointing down), so :func:`stray_states` judges the hand.
    """
    closedness = np.asarray(closedness, dtype=np.float64)
    states = np.tile([0.0, 0.0, 0.0, np.pi, 0.0, 0.0, 0.0], (len(closedness), 1))
    states[:, 6] = closedness
    return states


def stray_states(times_ns: np.ndarray, states: np.ndarray) -> np.ndarray:
    """Return [M] bool: the states that jumped away and straight back (True: leave it out).

    ``times_ns`` [M] int64 in increasing order (repeats allowed), ``states`` [M, 7] (xyz [m],
    extrinsic xyz Euler [rad], gripper closedness). A glitch step: a part of the state changed
    more than :func:`allowed_changes` over the interval. Those steps cut the states into runs.
    One run, or up to :data:`STRAY_MAX_RUNS` in a row (a burst of wild values, each elsewhere),
    lasting at most :data:`STRAY_MAX_S` from first to last state, is stray when the states
    around it agree without it: from the kept state before it to the kept state after it no part
    changed more than an arm can, and each part that changed too fast into the run came back
    closer than half that change (the planner node's glitch rule, ``JumpWatch``). At the first
    or last state it is stray when the run next to it lasted longer and holds more states (a
    driver's zero message before its first reading). The shortest are judged first, and the runs
    around a stray one join into one, so a glitch is judged against the arm's states and never
    the arm against a glitch's; all are judged again until nothing changes. A change that stays
    (a simulator reset, a re-homed arm), or a place held longer than :data:`STRAY_MAX_S` and
    left again, leaves nothing stray; so does a recording with more than :data:`FAST_SHARE` of
    its steps too fast (two sources: :func:`check_sources`). Raises ValueError for states not
    [M, 7].
    """
    times = np.asarray(times_ns, dtype=np.int64)
    states = np.asarray(states, dtype=np.float64)
    if states.ndim != 2 or states.shape[1] != 7 or len(states) != len(times):
        raise ValueError(f"states must be [M, 7] beside M times, got {list(states.shape)} and "
                         f"{len(times)} times")
    stray = np.zeros(len(times), dtype=bool)
    cuts = fast_steps(times, states) + 1
    if len(cuts) > FAST_SHARE * max(len(times) - 1, 1):
        return stray  # not a few glitches: two sources (check_sources refuses them)
    runs = _Runs(np.concatenate([[0], cuts]), np.concatenate([cuts - 1, [len(times) - 1]]),
                 times)
    changed = bool(len(cuts))
    while changed:
        changed = False
        for first, last in runs.windows():
            if not runs.consecutive(first, last):
                continue  # a run of it already left out or joined to another
            if _is_stray(runs, first, last, states):
                stray[runs.starts[first]:runs.ends[last] + 1] = True
                runs.remove(first, last)
                changed = True
    return stray


class _Runs:
    """The runs between glitch steps, a linked list of the kept ones (:func:`stray_states`)."""

    def __init__(self, starts: np.ndarray, ends: np.ndarray, times: np.ndarray):
        self.starts, self.ends, self.times = starts.copy(), ends.copy(), times  # ends inclusive
        count = len(starts)
        self.before = list(range(-1, count - 1))
        self.after = [*range(1, count), -1]
        self.alive = [True] * count

    def span(self, first: int, last: int) -> int:
        """Return the time [ns] from run ``first``'s first state to run ``last``'s last."""
        return int(self.times[self.ends[last]] - self.times[self.starts[first]])

    def windows(self) -> list[tuple[int, int]]:
        """Kept runs ``first`` .. ``last`` in a row, at most STRAY_MAX_RUNS and STRAY_MAX_S.

        Shortest first (then fewest runs, then earliest).
        """
        found = []
        for first in (k for k in range(len(self.alive)) if self.alive[k]):
            last = first
            for _ in range(STRAY_MAX_RUNS):
                if last < 0 or self.span(first, last) > STRAY_MAX_S * 1e9:
                    break
                found.append((self.span(first, last), last - first, first, last))
                last = self.after[last]
        return [(first, last) for _, _, first, last in sorted(found)]

    def consecutive(self, first: int, last: int) -> bool:
        """Whether ``first`` .. ``last`` are still kept, in a row, and short enough."""
        run = first
        while run != last:
            if run < 0 or not self.alive[run]:
                return False
            run = self.after[run]
        return self.alive[last] and self.span(first, last) <= STRAY_MAX_S * 1e9

    def remove(self, first: int, last: int) -> None:
        """Leave ``first`` .. ``last`` out; the kept runs around them become one."""
        run = first
        while True:
            self.alive[run] = False
            if run == last:
                break
            run = self.after[run]
        left, right = self.before[first], self.after[last]
        if left >= 0 and right >= 0:  # one run now: the left one reaches to the right one's end
            self.ends[left], self.alive[right] = self.ends[right], False
            self.after[left] = self.after[right]
            if self.after[right] >= 0:
                self.before[self.after[right]] = left
        elif left >= 0:
            self.after[left] = -1
        elif right >= 0:
            self.before[right] = -1


def _is_stray(runs: _Runs, first: int, last: int, states: np.ndarray) -> bool:
    """Whether runs ``first`` .. ``last`` are stray between the kept runs around them."""
    left, right = runs.before[first], runs.after[last]
    if left < 0 and right < 0:
        return False
    if left < 0 or right < 0:  # at the first or the last state: outlasted by its neighbour
        other = right if left < 0 else left
        states_in = runs.ends[last] - runs.starts[first]
        return bool(runs.span(other, other) > runs.span(first, last) and
                    runs.ends[other] - runs.starts[other] > states_in)
    held, into, back = runs.ends[left], runs.starts[first], runs.starts[right]
    leap = state_changes(states, held, into)[0]
    gap = state_changes(states, held, back)[0]
    times = runs.times
    leap_allowed = allowed_changes((times[into] - times[held]) / 1e9)[0]
    if (gap > allowed_changes((times[back] - times[held]) / 1e9)[0]).any():
        return False  # the states around it do not agree: the arm moved elsewhere
    jumped = leap > leap_allowed
    return bool(jumped.any() and (gap[jumped] < leap[jumped] / 2).all())


def check_sources(path, topic: str, times_ns: np.ndarray, states: np.ndarray,
                  other: str = "") -> np.ndarray:
    """Return the stray states of a state topic [M] bool; refuse one with two sources.

    ``times_ns`` [M] int64 sorted, ``states`` [M, 7], before repeated stamps are merged (two
    publishers stamping alike alternate there). Two sources: more than :data:`FAST_SHARE` of
    the steps change faster than an arm; or, of what :func:`stray_states` leaves, stray runs
    (each counted once) and the fast steps among the other states are at least two and more
    than ``state_jumps.SOURCES_SHARE`` of the steps; or at least :data:`STREAM_RUNS` stray runs
    come at a publisher's rate (their median spacing at most :data:`STREAM_MAX_GAP_S`) and agree
    with each other (:data:`STREAM_AGREE` of their consecutive states within an arm's reach; a
    few glitches seconds apart always would, breaker40e): a second stream, not glitches (a
    flange pose beside the TCP's, a simulator beside the driver; the rule cannot tell which is
    the arm). Raises BagError naming the bag, the topic, what was counted and what to do
    (``other``: how to read the bag's other state source, ``state_source_fixes.other_source_fix``;
    "": none there, so not advised).
    """
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.state_jumps import SOURCES_SHARE

    times = np.asarray(times_ns, dtype=np.int64)
    steps = max(len(times) - 1, 1)
    fast = fast_steps(times, states)
    stray = stray_states(times, states)
    kept = ~stray
    runs = run_starts(stray)
    events = len(runs) + len(fast_steps(times[kept], states[kept]))
    fix = ("two publishers on the topic (a flange and a TCP pose, a simulator beside the driver, "
           "another arm's joints)? Record one source (ros2 topic info -v lists the publishers)"
           + (f", or {other}" if other else ""))
    if len(fast) >= 2 and (len(fast) > FAST_SHARE * steps or
                           (events >= 2 and events > SOURCES_SHARE * steps)):
        raise BagError(f"{path}: {topic}: {len(fast)} of {steps} steps between its states change "
                       f"faster than an arm moves ({MAX_TCP_SPEED_M_S:g} m/s, "
                       f"{MAX_TCP_ANGULAR_SPEED_RAD_S:g} rad/s): {fix}")
    if len(runs) >= STREAM_RUNS and np.median(np.diff(times[runs])) <= STREAM_MAX_GAP_S * 1e9:
        own = np.flatnonzero(stray)
        agree = 1.0 - len(fast_steps(times[own], states[own])) / max(len(own) - 1, 1)
        if agree >= STREAM_AGREE:
            raise BagError(f"{path}: {topic}: {len(own)} of its states, in {len(runs)} runs "
                           "away from the others and back, agree with each other: a second "
                           "stream of states (or a driver's default pose, repeated), not "
                           f"glitches: {fix}")
    return stray


def run_starts(stray: np.ndarray) -> np.ndarray:
    """Return the indices where each run of True in ``stray`` [M] bool starts."""
    return np.flatnonzero(np.diff(np.concatenate([[0], np.asarray(stray, np.int8)])) == 1)


def stray_note(topic: str, times_ns: np.ndarray, stray: np.ndarray) -> str:
    """Return the note on the states :func:`stray_states` left out ("" for none).

    ``times_ns`` [M] int64: the states' times, ``stray`` [M] bool; the times are given from the
    first state, as the jump note's.
    """
    if not stray.any():
        return ""
    times = np.asarray(times_ns, dtype=np.int64)
    start = int(times[0])
    runs = run_starts(stray)
    when = first_names((f"{(int(times[i]) - start) / 1e9:.2f} s" for i in runs), 5)
    return (f"{topic}: {int(stray.sum())} stray state(s) left out, at {when} after its "
            "first state: each changed faster than an arm moves and straight back (a glitch, or "
            "one message of another publisher): no step is made of them")

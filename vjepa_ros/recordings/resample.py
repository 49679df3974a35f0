"""Resample a recording to the model's step rate: one camera frame and one state per step.

The V-JEPA 2-AC predictor was trained on DROID at 4 frames per second, so an action is the motion
between two frames 0.25 s apart. Steps lie on a regular grid from the first moment both a frame
and a state exist to the last (and a grid time up to a quarter period after it, where the last
frame is its own: a jittered camera's last frame is a step); each step takes the camera frame
nearest its grid time (within half a period) and the end-effector state *at that frame's
time*, interpolated between the recorded states (linear xyz and gripper, slerp for the
orientation). A step without a frame close enough, or
whose state would come from a gap in the state stream or from a steady gripper topic's silence
(``unknown_ns``), or whose frame lies before the first state or after the last (a camera
started earlier or stopped later than the state stream: no gap, and no ``max_state_gap_s``
covers it), is marked invalid, with the reason counted.
Each step also holds ``ends``: the state one step period after its frame, interpolated at the
frame's time + one period, for eval's comparison of the planned first action with the motion the
arm made over one step (``evaluate.executed_period_actions``; a 6 fps camera at 4 Hz has its
frames 0 or 83 ms after their grid times, so frame to frame would be 0.167 or 0.333 s of
motion, breaker44i). The
executed actions themselves (training's, the executed sequence eval scores under the model, the
camera check's) stay frame to frame, s_{k+1} ⊖ s_k. ``ends`` never changes which steps are
valid: where the state stream does not cover a valid step's period (a state gap or a jump under
its end, an end past the last state) its end is NaN and ``end_problems`` says why.
A frame is never given to two steps: where a camera slower than the steps leaves one frame
nearest two grid times, the earlier step takes it and the other takes its other neighbour
frame if that is within reach and free, else it is invalid (two steps of one frame would be a
motion of zero, user30).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.transform import Rotation

from vjepa_ros.recordings.step_rates import rate_problem

# Why a step was dropped: the keys of ``Steps.dropped`` (report.json ``recording.dropped_steps``);
# ``dropped_steps.dropped_words`` says them in words.
NO_FRAME = "no camera frame within the step tolerance"
# a frame nearest two grid times (a camera slower than the steps) is the nearer step's only
SHARED_FRAME = "no camera frame of its own (its nearest is a neighbour step's)"
STATE_GAP = "state gap longer than max_state_gap_s"
# its frame lies outside the states' time span (the camera started before the state stream or
# stopped after it): no state on one side, which no max_state_gap_s brings back (breaker58b)
BEFORE_STATES = "its frame before the first state"
AFTER_STATES = "its frame after the last state"
# its state lies across a jump faster than an arm moves (state_jumps: a reset, a re-homed arm)
STATE_JUMP = "state across a jump faster than an arm moves"
# its state's gripper closedness is not known: it lies in (or is interpolated across) a steady
# gripper topic's silence while the hand moved (gripper_silences), whatever max_state_gap_s allows
GRIPPER_UNKNOWN = "gripper closedness unknown (a steady gripper topic's silence)"
# Why a valid step's motion over one period is not known: the values of ``Steps.end_problems``
END_GAP = "a state gap longer than max_state_gap_s at its end"
END_JUMP = "a jump faster than an arm moves within it"
END_PAST = "its end past the last state"
END_UNKNOWN = "its end's gripper closedness unknown (a steady gripper topic's silence)"
# ``ends`` not computed (``resample(period_ends=False)``, training's, or a hand-built Steps): no
# problem of the recording, and eval never sees it (it resamples with period_ends)
END_NOT_COMPUTED = "its end not computed (resample's period_ends False)"
END_SNAP_NS = 1000  # [ns] a period end this close to the next frame's stamp is that stamp


@dataclass
class Steps:
    """The recording on the model's time grid; arrays indexed by step k."""

    rate_hz: float
    grid_times: np.ndarray  # [K] int64 ns
    frame_indices: np.ndarray  # [K] int64: index into the recording's frames, -1 if none
    frame_times: np.ndarray  # [K] int64 ns (the grid time where there is no frame)
    states: np.ndarray  # [K, 7] float64, NaN where invalid
    valid: np.ndarray  # [K] bool
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> steps
    # [K, 7] float64: the state one step period after the step's frame (the end of its motion
    # over one period, ``evaluate.executed_period_actions``); NaN where invalid or not covered
    # by the state stream
    ends: np.ndarray | None = None
    # [K] str: why a valid step's ``ends`` is NaN (END_GAP, END_JUMP, END_PAST, END_UNKNOWN;
    # without ``ends``
    # END_NOT_COMPUTED); "" elsewhere
    end_problems: np.ndarray | None = None

    def __post_init__(self):
        given = self.ends is not None
        if not given:
            self.ends = np.full_like(np.asarray(self.states, dtype=np.float64), np.nan)
        if self.end_problems is None:
            self.end_problems = np.where(self.valid & ~np.isfinite(self.ends).all(axis=1),
                                         END_PAST if given else END_NOT_COMPUTED,
                                         "").astype(object)

    def __len__(self) -> int:
        return len(self.grid_times)

    def period_known(self) -> np.ndarray:
        """[K] bool: the valid steps whose motion over one period is known (``ends``)."""
        return self.valid & np.isfinite(self.ends).all(axis=1)

    def runs_valid(self, start: int, length: int) -> bool:
        """Return whether steps start .. start+length (inclusive) exist and are all valid."""
        stop = start + length + 1
        return start >= 0 and stop <= len(self) and bool(self.valid[start:stop].all())


def interpolate_states(
    state_times: np.ndarray, states: np.ndarray, query_times: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """States [Q, 7] at ``query_times`` [Q] ns, and the span [Q] s of the samples they came from.

    ``state_times`` [M] strictly increasing; xyz and gripper are linear, the orientation is a
    slerp. Outside the recorded range the state is NaN and the span infinite; a query equal to
    a sample time has span 0.
    """
    state_times = np.asarray(state_times, dtype=np.int64)
    states = np.asarray(states, dtype=np.float64)
    query_times = np.asarray(query_times, dtype=np.int64)
    if states.ndim != 2 or states.shape != (len(state_times), 7):
        raise ValueError(f"states must be [M, 7] matching state_times, got {states.shape}")
    if len(state_times) == 0:
        raise ValueError("no states to interpolate")
    if np.any(np.diff(state_times) <= 0):
        raise ValueError("state_times must be strictly increasing")
    out = np.full((len(query_times), 7), np.nan)
    span = np.full(len(query_times), np.inf)
    inside = (query_times >= state_times[0]) & (query_times <= state_times[-1])
    if not inside.any():
        return out, span
    q = query_times[inside]
    right = np.searchsorted(state_times, q, side="left")  # first sample >= q
    exact = state_times[np.minimum(right, len(state_times) - 1)] == q
    left = np.where(exact, right, right - 1)
    t0, t1 = state_times[left], state_times[right]
    width = np.where(exact, 1, t1 - t0).astype(np.float64)
    weight = np.where(exact, 0.0, (q - t0) / width)[:, None]  # [Q, 1]
    s0, s1 = states[left], states[right]
    result = s0 + weight * (s1 - s0)  # xyz and gripper linear (angles replaced below)
    r0 = Rotation.from_euler("xyz", s0[:, 3:6])
    r1 = Rotation.from_euler("xyz", s1[:, 3:6])
    relative = (r0.inv() * r1).as_rotvec()
    result[:, 3:6] = (r0 * Rotation.from_rotvec(weight * relative)).as_euler("xyz")
    result[exact, 3:6] = s0[exact, 3:6]  # keep recorded angles bit-exact at sample times
    out[inside] = result
    span[inside] = np.where(exact, 0.0, (t1 - t0) / 1e9)
    return out, span


def grid_bounds(image_times: np.ndarray, state_times: np.ndarray,
                window_ns: tuple[int | None, int | None] = (None, None)) -> tuple[int, int, slice]:
    """Return the (first, last) time [ns] the grid spans and the slice of the frames it may use.

    (``resample``'s last grid time may lie up to a quarter period after ``last``: the step of a
    frame at or before it.)

    ``image_times`` [F] / ``state_times`` [M] int64 ns, sorted. Without a bound the grid spans
    the time both a frame and a state exist, and every frame may be used. A ``window_ns`` bound
    (first or last time [ns]) keeps only the frames at or after first / at or before last,
    and the grid starts at the first of them / ends at the last: no step's frame lies outside
    the window. Two windows with the same bounds evaluate the same frames on the same grid.
    ValueError when the frames and states do not overlap, or the window holds no frame with
    states.
    """
    start = int(max(image_times[0], state_times[0]))
    stop = int(min(image_times[-1], state_times[-1]))
    if stop < start:
        raise ValueError(
            "the camera frames and the states do not overlap in time (frames "
            f"{image_times[0] / 1e9:.3f}..{image_times[-1] / 1e9:.3f} s, states "
            f"{state_times[0] / 1e9:.3f}..{state_times[-1] / 1e9:.3f} s)"
        )
    first, last = window_ns
    low = 0 if first is None else int(np.searchsorted(image_times, max(start, first), "left"))
    high = (len(image_times) if last is None
            else int(np.searchsorted(image_times, min(stop, last), "right")))
    if first is not None and low < high:
        start = max(start, int(image_times[low]))
    if last is not None and low < high:
        stop = min(stop, int(image_times[high - 1]))
    if high <= low or stop < start:
        raise ValueError("the time window holds no camera frame with states")
    return start, stop, slice(low, high)


def resample(
    image_times: np.ndarray,
    state_times: np.ndarray,
    states: np.ndarray,
    rate_hz: float = 4.0,
    max_frame_offset_s: float | None = None,
    max_state_gap_s: float = 0.1,
    window_ns: tuple[int | None, int | None] = (None, None),
    jumps_ns: np.ndarray | None = None,
    period_ends: bool = True,
    unknown_ns: np.ndarray | None = None,
) -> Steps:
    """Put a recording on a grid of ``rate_hz`` steps (see the module docstring).

    image_times [F] int64 ns increasing; state_times [M] int64 ns strictly increasing; states
    [M, 7]; ``rate_hz`` within ``step_rates.RATE_RANGE_HZ`` (else ValueError).
    ``max_frame_offset_s`` (default half a period) bounds how far a frame may be from its grid
    time; ``max_state_gap_s`` bounds the span of the two states a state is interpolated from.
    ``window_ns``: (first, last) time [ns] of the frames the steps may use (None: no bound;
    :func:`grid_bounds`); a window holding no frame with states is a ValueError.
    ``jumps_ns``: [J, 2] (before, after) state times [ns] of jumps faster than an arm moves
    (``state_jumps.jump_intervals``): a step whose state is interpolated across one, or whose
    motion from the step before spans one, is invalid (:data:`STATE_JUMP`), so that no action
    spans a jump. ``unknown_ns``: [S, 2] (before, after) times [ns] between which the gripper's
    closedness is not known (``Recording.gripper_unknown_ns``: a steady gripper topic's
    silences, their arm states left out): a step whose state lies inside one, or is
    interpolated from states on either side of one, is invalid (:data:`GRIPPER_UNKNOWN`)
    whatever ``max_state_gap_s`` allows, and so is an end there (:data:`END_UNKNOWN`): a line
    between the closedness before and after would make up the hand's timing. ``ends``: the
    state one period after each valid step's frame, NaN (and
    ``end_problems`` saying why) where the state stream does not cover it; no step is dropped
    for it (the module docstring). ``period_ends`` False: not computed (training reads frame
    to frame only: 35 % of resample's time on a 10-min recording; ``ends`` then NaN, each valid
    step's ``end_problems`` END_NOT_COMPUTED, as for a Steps built without ``ends``).
    """
    if rate_problem("rate_hz", rate_hz):
        raise ValueError(rate_problem("rate_hz", rate_hz))
    image_times = np.asarray(image_times, dtype=np.int64)
    state_times = np.asarray(state_times, dtype=np.int64)
    if len(image_times) == 0 or len(state_times) == 0:
        raise ValueError("a recording needs at least one frame and one state")
    if np.any(np.diff(image_times) < 0):
        raise ValueError("image_times must be sorted")
    period_ns = 1e9 / rate_hz
    offset_ns = period_ns / 2 if max_frame_offset_s is None else max_frame_offset_s * 1e9
    start, stop, frames = grid_bounds(image_times, state_times, window_ns)
    # The grid reaches up to a quarter period (or the tolerance, if less) past ``stop``: a
    # camera's last frame stamped a little early, or its first a little late (jitter, a small
    # share of a period), is still a step of its own (breaker42l: 8 frames at 4 Hz, the last 2 ms
    # early, gave 7 steps). Not half a period: a 4 Hz camera's last frame read at 2 Hz lies half
    # a step after the grid's last time, and a step there would hold half a step's motion under a
    # whole step's action. That last grid time is kept only when it gets a frame at or before
    # ``stop`` (below).
    reach_ns = min(offset_ns, period_ns / 4)
    count = int(np.floor((stop - start + reach_ns) / period_ns + 1e-6)) + 1
    grid = start + np.round(np.arange(count) * period_ns).astype(np.int64)
    # Nearest frame: compare the frames just before and just after each grid time.
    # (only the window's frames: none from before its start or after its end)
    after = np.clip(np.searchsorted(image_times, grid, side="left"), frames.start,
                    frames.stop - 1)
    before = np.clip(after - 1, frames.start, frames.stop - 1)
    # of frames of one stamp, the last: the state there is its stamp's last too (a reset
    # published with the stamp before it: the frame after it, with the state after it)
    after, before = (np.minimum(np.searchsorted(image_times, image_times[index], side="right")
                                - 1, frames.stop - 1) for index in (after, before))
    nearest, shared = _assign_frames(image_times, before, after, grid, offset_ns)
    if grid[-1] > stop and (nearest[-1] < 0 or image_times[nearest[-1]] > stop):
        # past ``stop`` with no frame of its own there: not a step (as before breaker42l)
        grid, nearest, shared = grid[:-1], nearest[:-1], shared[:-1]
    frame_ok = nearest >= 0
    nearest = np.maximum(nearest, 0)
    frame_times = np.where(frame_ok, image_times[nearest], grid)
    step_states, span = interpolate_states(state_times, states, frame_times)
    unknown = _in_unknown(frame_times, state_times, unknown_ns)
    state_ok = (span <= max_state_gap_s) & ~unknown
    valid = frame_ok & state_ok
    across = _across_jumps(frame_times, jumps_ns, valid)
    before_states = frame_ok & (frame_times < state_times[0])
    after_states = frame_ok & (frame_times > state_times[-1])
    gap = frame_ok & ~state_ok & ~unknown & ~before_states & ~after_states
    dropped = {}
    for reason, where in ((NO_FRAME, ~frame_ok & ~shared), (SHARED_FRAME, shared),
                          (BEFORE_STATES, before_states), (AFTER_STATES, after_states),
                          (GRIPPER_UNKNOWN, frame_ok & unknown & ~before_states & ~after_states),
                          (STATE_GAP, gap)):
        if where.any():
            dropped[reason] = int(where.sum())
    if across.any():
        dropped[STATE_JUMP] = int(across.sum())
    valid &= ~across
    step_states[~valid] = np.nan
    steps = Steps(rate_hz=float(rate_hz), grid_times=grid,
                  frame_indices=np.where(frame_ok, nearest, -1), frame_times=frame_times,
                  states=step_states, valid=valid, dropped=dropped)
    if not period_ends:
        return steps
    # the end of the motion over one period: one step period after the frame (breaker44i)
    end_times = frame_times + int(round(period_ns))
    # a next frame one period later up to the ns rounding of the stamps (a 6 fps camera's
    # round(k * 1e9 / 6)): its very time, so the two motions agree bit for bit (breaker44o)
    snap = np.zeros(len(end_times), dtype=bool)
    snap[:-1] = np.abs(frame_times[1:] - end_times[:-1]) <= END_SNAP_NS
    end_times[:-1][snap[:-1]] = frame_times[1:][snap[:-1]]
    ends, end_span = interpolate_states(state_times, states, end_times)
    end_problems = np.full(len(grid), "", dtype=object)
    for problem, where in ((END_JUMP, _ends_across_jumps(frame_times, end_times, jumps_ns)),
                           (END_GAP, np.isfinite(end_span) & (end_span > max_state_gap_s)),
                           (END_UNKNOWN, _in_unknown(end_times, state_times, unknown_ns)),
                           (END_PAST, ~np.isfinite(end_span))):
        end_problems[valid & where] = problem  # the last that holds: past, unknown, gap, jump
    end_problems[~valid] = ""
    ends[~valid | (end_problems != "")] = np.nan
    steps.ends, steps.end_problems = ends, end_problems
    return steps


def _in_unknown(times: np.ndarray, state_times: np.ndarray,
                unknown_ns: np.ndarray | None) -> np.ndarray:
    """[K] bool: the ``times`` [ns] whose state's gripper closedness is not known.

    Inside an ``unknown_ns`` span (before, after) [S, 2] ns widened to the states around it
    (the last of ``state_times`` [M] at or before ``before``, the first at or after ``after``):
    a state there is interpolated across the silence.
    """
    inside = np.zeros(len(times), dtype=bool)
    if unknown_ns is None or not len(unknown_ns):
        return inside
    times = np.asarray(times, dtype=np.int64)
    for before, after in np.asarray(unknown_ns, dtype=np.int64):
        left = np.searchsorted(state_times, before, side="right") - 1
        right = np.searchsorted(state_times, after, side="left")
        low = min(int(before), int(state_times[left])) if left >= 0 else int(before)
        high = max(int(after), int(state_times[right])) if right < len(state_times) else int(after)
        inside |= (times > low) & (times < high)
    return inside


def _ends_across_jumps(times: np.ndarray, end_times: np.ndarray,
                       jumps_ns: np.ndarray | None) -> np.ndarray:
    """[K] bool: the steps whose motion from ``times`` to ``end_times`` [ns] spans a jump.

    A jump (a, b) (``jumps_ns`` [J, 2], in time order) is spanned when ``a < end`` and
    ``b > time``.
    """
    if jumps_ns is None or not len(jumps_ns):
        return np.zeros(len(times), dtype=bool)
    jumps = np.asarray(jumps_ns, dtype=np.int64)
    last = np.searchsorted(jumps[:, 0], np.asarray(end_times, dtype=np.int64), side="left") - 1
    ends = np.where(last >= 0, jumps[np.maximum(last, 0), 1], np.iinfo(np.int64).min)
    return ends > np.asarray(times, dtype=np.int64)



def _across_jumps(frame_times: np.ndarray, jumps_ns: np.ndarray | None,
                  valid: np.ndarray) -> np.ndarray:
    """[K] bool: the otherwise ``valid`` steps to drop for a jump (``jumps_ns`` [J, 2]).

    A jump (a, b) (times [ns] of the states before and after it; the jumps in time order, each
    after the one before) drops step k when its state is interpolated across it
    (``a < t_k < b``), or when the step before is kept and the jump falls between their times
    (``a < t_k`` and ``b > t_(k-1)``): that step's motion would span it. A step at exactly
    ``a`` keeps the state before; a step after one dropped for another reason keeps its own.
    """
    drop = np.zeros(len(frame_times), dtype=bool)
    if jumps_ns is None or not len(jumps_ns):
        return drop
    times = np.asarray(frame_times, dtype=np.int64)
    jumps = np.asarray(jumps_ns, dtype=np.int64)
    # the last jump starting before each step's time: the one reaching furthest
    last = np.searchsorted(jumps[:, 0], times, side="left") - 1
    ends = np.where(last >= 0, jumps[np.maximum(last, 0), 1], np.iinfo(np.int64).min)
    kept = valid.copy()
    for k in np.flatnonzero(valid):
        blend = ends[k] > times[k]
        spans = k > 0 and kept[k - 1] and ends[k] > times[k - 1]
        if blend or spans:
            drop[k], kept[k] = True, False
    return drop


def _assign_frames(image_times: np.ndarray, before: np.ndarray, after: np.ndarray,
                   grid: np.ndarray, offset_ns: float) -> tuple[np.ndarray, np.ndarray]:
    """Give each grid time a frame of its own: ([K] frame index, -1 for none; [K] shared).

    In time order each step takes the nearer of its two neighbour frames (``before``,
    ``after``: indices [K]; the earlier on a tie) within ``offset_ns`` whose moment no earlier
    step took, else the other one; a step whose neighbours within reach were all taken is
    ``shared`` (a camera slower than the steps). A moment is a stamp: two frames of one stamp
    (a duplicated message) are one (breaker30b). With a camera as fast as the steps no step
    loses its frame (breaker30b: ties at half a step). Linear in K.
    """
    frames = np.full(len(grid), -1, dtype=np.int64)
    shared = np.zeros(len(grid), dtype=bool)
    taken: set[int] = set()
    for k in range(len(grid)):
        candidates = sorted({int(before[k]), int(after[k])},
                            key=lambda f: (abs(int(image_times[f]) - int(grid[k])),
                                           int(image_times[f])))
        within = [f for f in candidates if abs(int(image_times[f]) - int(grid[k])) <= offset_ns]
        free = [f for f in within if int(image_times[f]) not in taken]
        if free:
            frames[k] = free[0]
            taken.add(int(image_times[free[0]]))
        elif within:
            shared[k] = True
    return frames, shared

"""Which steps of a recording to evaluate, or one line that names the setting to change.

Each evaluated step needs ``span`` valid steps after it (the planner horizon, or the goal offset
when longer). A recording whose grid is shorter than that is too short for these settings: the
message gives its length and step count and what fits (a smaller ``goal_offset`` or
``CEMConfig.horizon``, a ``rate_hz`` the camera keeps up with). Otherwise steps were dropped
(camera or state gaps), and the message counts them. The setting names are the ``EvalConfig`` /
``CEMConfig`` fields: ``vjepa-ros eval`` turns them into its options
(``cli_options.option_message``) and checks this before it loads the model. Torch-free.
"""

from __future__ import annotations

import math

import numpy as np

from vjepa_ros.counts import counted
from vjepa_ros.eval.eval_config import EvalConfig, goal_offset_problem
from vjepa_ros.eval.step_notes import still_arm_problem
from vjepa_ros.recordings.dropped_steps import dropped_words, state_gap_hint
from vjepa_ros.recordings.rate_hint import slow_camera_hint
from vjepa_ros.recordings.resample import STATE_GAP, Steps, grid_bounds, resample
from vjepa_ros.recordings.step_rates import RATE_RANGE_HZ


def planned_steps(steps: Steps, horizon: int, goal_offset: int | None) -> list[int]:
    """Return every step k whose context, executed actions and goal frame are all valid."""
    span = step_span(horizon, goal_offset)
    return [k for k in range(len(steps)) if steps.runs_valid(k, span)]


def valid_steps(recording, config: EvalConfig, horizon: int, goal_offset: int | None):
    """Resample ``recording`` and find its evaluable steps: ``(steps, every, chosen)``.

    ``steps``: the ``Steps`` at ``config.rate_hz`` in its ``start_s``..``end_s`` window;
    ``every``: the steps that :func:`planned_steps` allows; ``chosen``: the first
    ``config.max_steps`` of them (0: all). ``goal_offset``: None when a goal image is given.
    Raises ValueError (:func:`window_ns` for a window with no frame, :func:`no_step_message`
    when no step can be evaluated, :func:`eval_config.goal_offset_problem` for a goal offset
    below the horizon). What eval and the camera check both evaluate.
    """
    problem = goal_offset_problem(goal_offset, horizon)
    if problem:
        raise ValueError(problem)
    steps = resample(recording.image_times, recording.state_times, recording.states,
                     config.rate_hz, config.max_frame_offset_s or None, config.max_state_gap_s,
                     window_ns(recording, config, step_span(horizon, goal_offset)),
                     jumps_ns=recording.state_jumps_ns,
                     unknown_ns=recording.gripper_unknown_ns)
    every = planned_steps(steps, horizon, goal_offset)
    chosen = every[:config.max_steps] if config.max_steps else every
    if not chosen:
        raise ValueError(no_step_message(recording, steps, config.rate_hz, horizon, goal_offset,
                                         config.max_state_gap_s, config.start_s, config.end_s,
                                         offset_given=bool(config.goal_offset)))
    return steps, every, chosen


def choose_steps(recording, config: EvalConfig, horizon: int, fixed_goal: bool):
    """Resample ``recording`` and pick its steps: ``(steps, goal offset or None, chosen)``.

    ``fixed_goal``: a goal image is given (no goal offset). Raises ValueError
    (:func:`valid_steps`) when no step can be evaluated, or when no chosen step's executed
    motion reaches ``config.min_motion_m`` (``step_notes.still_arm_problem``).
    """
    offset = None if fixed_goal else (config.goal_offset or horizon)
    steps, _, chosen = valid_steps(recording, config, horizon, offset)
    problem = still_arm_problem(recording, steps, chosen, config.min_motion_m,
                                config.max_state_gap_s)
    if problem:
        raise ValueError(problem)
    return steps, offset, chosen


def frames_of_steps(steps: Steps, chosen, offset: int | None) -> dict[int, list[int]]:
    """Return the frames eval decodes: ``{frame index: [the steps read from it]}``, frame order.

    ``chosen``: the evaluated steps (:func:`choose_steps`); ``offset``: the goal offset [steps]
    (None: a goal image, no goal frames). The chosen steps' frames and their goal frames
    ``offset`` steps later: what ``evaluate.encode_steps`` decodes and encodes, and what
    ``vjepa-ros inspect`` decodes (:func:`decode_frames`) to reach eval's verdict on them.
    """
    needed = set(chosen) | ({k + offset for k in chosen} if offset else set())
    frames: dict[int, list[int]] = {}
    for k in sorted(needed):
        frames.setdefault(int(steps.frame_indices[k]), []).append(k)
    return dict(sorted(frames.items()))


def decode_frames(recording, frames: dict[int, list[int]], lost: dict) -> set[int]:
    """Decode ``frames`` as eval does, keeping none; return the steps whose frame decoded.

    ``frames``: :func:`frames_of_steps` (frame index into ``recording.image_times`` -> its
    steps). One pass, one size (``Recording.iter_frames``): raises BagError as eval stops on
    those frames (a size change, a depth encoding), naming the bag, the topic and the message;
    a frame that does not decode goes into ``lost`` (its steps dropped as eval drops them:
    :func:`decoded_steps`). ``vjepa-ros inspect`` calls it to reach eval's verdict.
    """
    decoded: set[int] = set()
    for index, _ in recording.iter_frames(list(frames), lost=lost):
        decoded.update(frames[index])
    return decoded


def decoded_steps(recording, chosen: list[int], offset: int | None, decoded,
                  lost: dict, frames: int) -> tuple[list[int], str]:
    """Return (the ``chosen`` steps whose frame and goal frame decoded, the note on the rest).

    ``offset``: the goal's steps ahead (None: a goal image); ``decoded``: the steps whose frame
    decoded (a set, or ``evaluate.encode_steps``' representations by step); ``lost``: the
    frames that did not (``Recording.iter_frames``); ``frames``: how many frames were decoded
    for the steps (:func:`frames_of_steps`' length). Raises ValueError naming the bag, the
    topic, the frames lost and how many decoded when no step is left
    (``undecodable_frames.none_decode``). Eval's rule, and inspect's (:func:`decode_frames`).
    """
    from vjepa_ros.recordings.undecodable_frames import lost_note, none_decode

    kept = [k for k in chosen if k in decoded and (offset is None or k + offset in decoded)]
    if not kept:
        raise ValueError(none_decode(recording.path, recording.image_topic, lost,
                                     frames - len(lost)))
    return kept, lost_note(recording.path, recording.image_topic, lost, len(chosen) - len(kept),
                           len(chosen))


def step_span(horizon: int, goal_offset: int | None) -> int:
    """Return how many valid steps an evaluated step needs after it.

    ``goal_offset``: None when a goal image is given.
    """
    return horizon if goal_offset is None else max(horizon, goal_offset)


def window_ns(recording, config: EvalConfig, span: int = 0) -> tuple[int | None, int | None]:
    """Return the (first, last) times [ns] of ``config.start_s`` / ``end_s``, None where not set.

    Seconds count from the bag's first frame or state; the window holds the camera frames with
    states at or after ``start_s`` and at or before ``end_s`` (``resample.grid_bounds``). A
    bound that cuts nothing (a ``start_s`` up to the first frame with states, an ``end_s`` at or
    past the last) is None: the whole recording. ValueError naming ``start_s`` / ``end_s``, the
    span of frames with states and the value to give when the window holds none (any finite
    seconds, 1e300 too); ``span`` (:func:`step_span`; 0: not known) makes a ``start_s`` past
    the bag's end advise the latest start that holds a step and its ``span`` steps after it.
    """
    if not (config.start_s or config.end_s):
        return None, None
    origin, begin, end = _frames_with_states_ns(recording)
    begin_s, end_s = (begin - origin) / 1e9, (end - origin) / 1e9
    # compared in seconds before any conversion to ns: a huge start_s or end_s cannot overflow
    if config.start_s > end_s or (config.end_s and config.end_s < begin_s):
        raise ValueError(_empty_window_message(recording.path, config, begin_s, end_s, span))
    first = origin + int(round(config.start_s * 1e9))
    last = (None if not config.end_s or config.end_s >= end_s
            else origin + int(round(config.end_s * 1e9)))
    window = (None if first <= begin else first), last
    # frames with states between the bounds (a gap in the camera can leave none)
    try:
        grid_bounds(recording.image_times, recording.state_times, window)
    except ValueError:
        raise ValueError(_empty_window_message(recording.path, config, begin_s, end_s,
                                               span)) from None
    return window


def covered_ns(recording, start_s: float = 0.0, end_s: float = 0.0) -> tuple:
    """Return what of the bag a window evaluates: its grid's (first, last) time [ns] and frames.

    ``resample.grid_bounds`` of the ``start_s``..``end_s`` window [s] (0: not set): two windows
    that hold the same camera frames with states evaluate the same steps, whatever their
    spelling (``--start 0.1`` and ``--start 0.13`` with no frame between; ``--end 0``,
    ``--end 1e300`` and ``--end`` at or past the bag's last frame with states). Raises
    ValueError (:func:`window_ns`) for a window that holds no frame with states.
    """
    window = window_ns(recording, EvalConfig(start_s=start_s, end_s=end_s))
    start, stop, frames = grid_bounds(recording.image_times, recording.state_times, window)
    return start, stop, frames.start, frames.stop


def bag_start_ns(recording) -> int:
    """Return the time [ns] ``--start`` / ``--end`` count from: the first frame or state.

    ``report.json``'s ``time_s`` counts from it too: a step's ``time_s`` given as ``--start``
    starts the window at that step.
    """
    return min(int(recording.image_times[0]), int(recording.state_times[0]))


def _frames_with_states_ns(recording) -> tuple[int, int, int]:
    """Return (the bag's first frame or state, its first and last frame with states) [ns].

    A frame with states lies within the states' span (``resample.grid_bounds`` uses those):
    the span said and the ``--start`` advised end at the last of them, not at the states' end
    (a last frame after the last state: breaker60a #5). No frame within: the span both cover.
    """
    origin = bag_start_ns(recording)
    images = np.asarray(recording.image_times, np.int64)
    states = recording.state_times
    low = int(np.searchsorted(images, int(states[0]), "left"))
    high = int(np.searchsorted(images, int(states[-1]), "right"))
    if low < high:
        return origin, int(images[low]), int(images[high - 1])
    return origin, max(int(images[0]), int(states[0])), min(int(images[-1]), int(states[-1]))


def _empty_window_message(path, config: EvalConfig, begin_s: float, end_s: float,
                          span: int = 0) -> str:
    """Say that the start_s..end_s window misses the frames with states (begin_s..end_s) [s].

    Both the bag's span and the value advised in 0.01 s, rounded inward: the advice is one the
    span shown allows, and the window it gives holds a frame.
    """
    first, last = np.ceil(begin_s * 100) / 100, np.floor(end_s * 100) / 100
    has = f"the bag has them from {first:.2f} to {last:.2f} s after its start"
    if config.start_s > last:
        latest = _latest_start(round(first * 100), round(last * 100), span, config.rate_hz)
        advice = f"below {last:g}" if latest is None else (
            f"of at most {latest} (a step needs {span} more after it at rate_hz "
            f"{config.rate_hz:g})")
        return (f"{path}: no camera frame with states from start_s {config.start_s:g} s on: "
                f"{has}: give a start_s {advice}")
    if config.end_s and config.end_s < first:
        return (f"{path}: no camera frame with states up to end_s {config.end_s:g} s: {has}: "
                f"give an end_s after {first:g} (or 0 for the bag's end)")
    until = f"end_s {config.end_s:g} s" if config.end_s else "the bag's end"
    return (f"{path}: no camera frame with states from start_s {config.start_s:g} s to "
            f"{until} (a gap in the camera): {has}: give a wider window (start_s, end_s)")


def window_s(recording, start_s: float = 0.0, end_s: float = 0.0) -> tuple[float, float]:
    """Return the (first, last) seconds after the bag's start of its frames with states.

    Those the ``start_s``..``end_s`` window [s] (0: not set) holds; first > last when none.
    """
    origin, begin, end = _frames_with_states_ns(recording)
    last = (end - origin) / 1e9
    return max((begin - origin) / 1e9, start_s), min(last, end_s) if end_s else last


def no_step_message(recording, steps, rate_hz: float, horizon: int,
                    goal_offset: int | None, max_state_gap_s: float = 0.1,
                    start_s: float = 0.0, end_s: float = 0.0, offset_given: bool = True) -> str:
    """Return the error for a recording with no evaluable step.

    ``recording``: the ``Recording`` (path, frame and state times); ``steps``: its ``Steps`` at
    ``rate_hz`` [Hz]; ``goal_offset``: None when a goal image is given; ``max_state_gap_s``
    [s]: the state gap the steps were resampled with; ``start_s`` / ``end_s`` [s]: the window
    they were taken from (0: not set), which a too-short one names with a wider window to give.
    Every value advised is one its setting accepts (a rate_hz within ``RATE_RANGE_HZ``) and
    passes as stated: a ``goal_offset`` set (``offset_given``) equal to the horizon is advised
    down with it.
    """
    span = step_span(horizon, goal_offset)
    count = len(steps)
    head = f"{recording.path}: no step to evaluate"
    if count > span:  # long enough: steps were dropped
        dropped = dropped_words(steps.dropped, count, max_state_gap_s)
        gap_hint = state_gap_hint(recording.state_times, recording.state_topic, max_state_gap_s,
                                  steps.dropped.get(STATE_GAP, 0))
        return (f"{head}: {int(steps.valid.sum())} valid of {count} steps at rate_hz "
                f"{rate_hz:g}, and each needs the {counted(span, 'step')} after it valid too; "
                f"{dropped or 'none dropped'}"
                f"{slow_camera_hint(recording.image_times, rate_hz, steps.dropped)}"
                f"{gap_hint}")
    first, last = window_s(recording, start_s, end_s)
    seconds = max(last - first, 0.0)
    if goal_offset is not None and goal_offset > horizon:
        setting = f"goal_offset {goal_offset}"
        fixes = [f"a goal_offset of at most {count - 1}"] if count - 1 >= max(horizon, 1) else []
    else:
        setting = f"the planner horizon CEMConfig.horizon {horizon}"
        # a goal_offset equal to the horizon given: kept, it would hold the span; lower both
        both = " and goal_offset" if offset_given and goal_offset == horizon else ""
        fixes = [f"a CEMConfig.horizon{both} of at most {count - 1}"] if count > 1 else []
    lowest_rate = max(1.01 * span / seconds, RATE_RANGE_HZ[0]) if seconds > 0 else math.inf
    if lowest_rate <= min(RATE_RANGE_HZ[1], _camera_hz(recording.image_times)):
        fixes.append(f"a rate_hz of at least {_round_up(lowest_rate)}")
    whole = window_s(recording)
    # the bag's span rounded inward and the length needed rounded up, in one precision
    # (0.01 s): a wider window is advised only where the span shown holds the length shown
    # (at 0.1 s "at least 2.8 s long (the bag has frames ... from 0.0 to 2.7 s ...)" could be)
    first, last = math.ceil(whole[0] * 100 - 1e-6), math.floor(whole[1] * 100 + 1e-6)
    needed = _needed(span, rate_hz)
    where = "of frames with states"
    if start_s or end_s:
        where = (f"from start_s {start_s:g} s to "
                 + (f"end_s {end_s:g} s" if end_s else "the bag's end"))
        long = f"at least {needed / 100:.2f} s long"
        bag_has = (f"the bag has frames with states from {first / 100:.2f} to "
                   f"{last / 100:.2f} s after its start")
        if last - first >= needed and not end_s:  # only start_s given: the value that fits
            fixes.insert(0, f"a start_s of at most {_latest_start(first, last, span, rate_hz)} "
                         f"(the window must be {long}; {bag_has})")
        elif last - first >= needed and not start_s:
            fixes.insert(0, f"an end_s of at least {(first + needed) / 100:.2f}, or 0 for the "
                         f"bag's end (the window must be {long}; {bag_has})")
        elif last - first >= needed:
            fixes.insert(0, f"a wider window (start_s, end_s), {long} ({bag_has})")
    if last - first < needed:
        fixes.append("a longer recording")
    return (f"{head}: the recording is shorter than these settings need: its {seconds:.2f} s "
            f"{where} give {count} step(s) at rate_hz {rate_hz:g}, and a step is "
            f"evaluated only with {span} more after it ({setting}); give "
            f"{', or '.join(fixes)}")


def _needed(span: int, rate_hz: float) -> int:
    """Return the window [0.01 s] holding a step and ``span`` more at ``rate_hz``, rounded up."""
    return math.ceil(1.01 * span / rate_hz * 100 - 1e-6)


def _latest_start(first: int, last: int, span: int, rate_hz: float) -> str | None:
    """Return the latest ``start_s`` (as text, s) whose window holds ``span`` steps after one.

    ``first``, ``last``: the bag's frames with states [0.01 s, rounded inward]; None when
    ``span`` is 0 (not known) or the bag is shorter than that window.
    """
    needed = _needed(span, rate_hz)
    if not span or last - first < needed:
        return None
    return f"{(last - needed) / 100:.2f}"


def _round_up(value: float) -> str:
    """``value`` rounded up to two significant digits, as text (0.3413 -> '0.35')."""
    digits = 1 - int(np.floor(np.log10(value)))
    scale = 10.0 ** digits
    return f"{np.ceil(value * scale) / scale:g}"


def _camera_hz(image_times: np.ndarray) -> float:
    """Return the camera's frame rate [Hz] (median interval); inf when it cannot be told."""
    intervals = np.diff(np.asarray(image_times, dtype=np.float64))
    intervals = intervals[intervals > 0]
    return 1e9 / float(np.median(intervals)) if len(intervals) else float("inf")

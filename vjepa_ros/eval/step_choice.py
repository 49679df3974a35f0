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

import numpy as np

from vjepa_ros.eval.eval_config import RATE_RANGE_HZ, EvalConfig
from vjepa_ros.eval.rate_hint import slow_camera_hint
from vjepa_ros.eval.resample import Steps, resample


def planned_steps(steps: Steps, horizon: int, goal_offset: int | None, max_steps: int):
    """Return the steps k whose context, executed actions and goal frame are all valid."""
    span = horizon if goal_offset is None else max(horizon, goal_offset)
    chosen = [k for k in range(len(steps)) if steps.runs_valid(k, span)]
    return chosen[:max_steps] if max_steps else chosen


def choose_steps(recording, config: EvalConfig, horizon: int, fixed_goal: bool):
    """Resample ``recording`` and pick its steps: ``(steps, goal offset or None, chosen)``.

    ``fixed_goal``: a goal image is given (no goal offset). Raises ValueError
    (:func:`no_step_message`) when no step can be evaluated.
    """
    steps = resample(recording.image_times, recording.state_times, recording.states,
                     config.rate_hz, config.max_frame_offset_s or None, config.max_state_gap_s)
    offset = None if fixed_goal else (config.goal_offset or horizon)
    chosen = planned_steps(steps, horizon, offset, config.max_steps)
    if not chosen:
        raise ValueError(no_step_message(recording, steps, config.rate_hz, horizon, offset))
    return steps, offset, chosen


def overlap_s(image_times: np.ndarray, state_times: np.ndarray) -> float:
    """Seconds during which the recording has both frames and states (the grid's span)."""
    start = max(int(image_times[0]), int(state_times[0]))
    stop = min(int(image_times[-1]), int(state_times[-1]))
    return max(stop - start, 0) / 1e9


def no_step_message(recording, steps, rate_hz: float, horizon: int,
                    goal_offset: int | None) -> str:
    """Return the error for a recording with no evaluable step.

    ``recording``: the ``Recording`` (path, frame and state times); ``steps``: its ``Steps`` at
    ``rate_hz`` [Hz]; ``goal_offset``: None when a goal image is given.
    """
    span = horizon if goal_offset is None else max(horizon, goal_offset)
    count = len(steps)
    head = f"{recording.path}: no step to evaluate"
    if count > span:  # long enough: steps were dropped
        return (f"{head}: {int(steps.valid.sum())} valid of {count} steps at rate_hz "
                f"{rate_hz:g}, and each needs {span} valid steps after it (dropped: "
                f"{steps.dropped or 0})"
                f"{slow_camera_hint(recording.image_times, rate_hz, steps.dropped)}")
    seconds = overlap_s(recording.image_times, recording.state_times)
    if goal_offset is not None and goal_offset > horizon:
        setting = f"goal_offset {goal_offset}"
        fixes = [f"a goal_offset of at most {count - 1}"] if count - 1 >= max(horizon, 1) else []
    else:
        setting = f"the planner horizon CEMConfig.horizon {horizon}"
        fixes = [f"a CEMConfig.horizon of at most {count - 1}"] if count > 1 else []
    lowest_rate = 1.01 * span / seconds if seconds > 0 else float("inf")
    if lowest_rate <= min(RATE_RANGE_HZ[1], _camera_hz(recording.image_times)):
        fixes.append(f"a rate_hz of at least {_round_up(lowest_rate)}")
    fixes.append("a longer recording")
    return (f"{head}: the recording is shorter than these settings need: its {seconds:.2f} s "
            f"of frames with states give {count} step(s) at rate_hz {rate_hz:g}, and a step is "
            f"evaluated only with {span} more after it ({setting}); give "
            f"{', or '.join(fixes)}")


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

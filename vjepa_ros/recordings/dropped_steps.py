"""Steps dropped while resampling a bag, in words, and the state-gap setting that keeps them.

``resample`` counts dropped steps by reason (``Steps.dropped``, kept in report.json as
``recording.dropped_steps``). These functions serve every command that resamples a bag (eval,
camera-check, train): each names its own option for the setting through ``setting`` / ``give``
(eval: ``--max-state-gap``; train: ``data.max_state_gap_s``). Torch-free.
"""

from __future__ import annotations

import math

import numpy as np

from vjepa_ros.counts import counted
from vjepa_ros.recordings.resample import (
    AFTER_STATES,
    BEFORE_STATES,
    GRIPPER_UNKNOWN,
    NO_FRAME,
    SHARED_FRAME,
    STATE_GAP,
    STATE_JUMP,
)
from vjepa_ros.recordings.step_rates import MAX_STATE_GAP_S


def dropped_words(dropped: dict[str, int], total: int, max_state_gap_s: float,
                  setting: str = "max_state_gap_s") -> str:
    """Say how many of ``total`` steps were dropped and why ("" when none was).

    E.g. ``211 of 229 steps dropped: 211 whose state falls in a gap of more than 0.1 s between
    recorded states (max_state_gap_s)``.

    ``dropped``: ``Steps.dropped`` (reason -> steps); ``max_state_gap_s`` [s]: the gap allowed.
    """
    if not dropped:
        return ""
    words = {
        NO_FRAME: "without a camera frame within half a step of its time",
        SHARED_FRAME: "whose nearest camera frame is a neighbour step's (the camera is slower "
                      "than the steps)",
        BEFORE_STATES: "whose camera frame lies before the first recorded state (the camera "
                       "started before the states)",
        AFTER_STATES: "whose camera frame lies after the last recorded state (the camera "
                      "stopped after the states)",
        STATE_GAP: f"whose state falls in a gap of more than {max_state_gap_s:g} s between "
                   f"recorded states ({setting})",
        STATE_JUMP: "whose state or motion lies across a jump of the state faster than an arm "
                    "moves (a reset or a re-homed arm)",
        GRIPPER_UNKNOWN: "whose gripper closedness is unknown (its gripper topic, publishing "
                         "steadily, was silent there while the hand moved)",
    }
    parts = [f"{count} {words.get(reason, reason)}" for reason, count in dropped.items()]
    return (f"{sum(dropped.values())} of {counted(total, 'step')} dropped: "
            f"{', '.join(parts)}")


def _intervals_s(state_times_ns) -> np.ndarray:
    """Return the positive intervals [s, float64] between the states at ``state_times_ns``."""
    intervals = np.diff(np.asarray(state_times_ns, dtype=np.float64)) / 1e9
    return intervals[intervals > 0]


def median_rate_hz(times_ns) -> float | None:
    """Return a stream's rate [Hz]: 1 / its median interval between distinct times, or None.

    ``times_ns``: its message times [ns] in order (a camera's frames, a state topic's); None
    with fewer than two distinct times. What ``vjepa-ros eval`` says each stream arrives at.
    """
    intervals = _intervals_s(times_ns)
    return float(1 / np.median(intervals)) if len(intervals) else None


def suggested_state_gap_s(state_times_ns, max_state_gap_s: float) -> float:
    """Return the gap [s] keeping the steps a stream slower than ``max_state_gap_s`` drops.

    The 95th percentile of the intervals between states plus 10 %, rounded up to 0.05 s (a
    5 Hz stream: 0.25; a jittery 10 Hz one: 0.15); NaN when that percentile is within
    ``max_state_gap_s`` (the drops come from pauses in the stream, not from its rate).
    """
    intervals = _intervals_s(state_times_ns)
    if not len(intervals):
        return math.nan
    typical = float(np.percentile(intervals, 95))
    if typical <= max_state_gap_s:
        return math.nan
    return round(math.ceil(typical * 1.1 / 0.05 - 1e-9) * 0.05, 2)


def state_gap_hint(state_times_ns, topic: str, max_state_gap_s: float, gap_drops: int,
                   setting: str = "max_state_gap_s", give: str | None = None) -> str:
    """Return '; /joint_states arrives every 0.20 s (median), more than ...: give ...' or "".

    Only when ``gap_drops`` (the steps dropped for a state gap: ``dropped[STATE_GAP]``) is
    above 0, for a stream slower than ``max_state_gap_s`` [s].
    ``setting``: the command's name for the gap; ``give``: how to set it, a format with ``{}``
    for the seconds (default ``"<setting> {}"``; train: ``"--set data.max_state_gap_s={}"``).
    """
    if not gap_drops:
        return ""
    gap = suggested_state_gap_s(state_times_ns, max_state_gap_s)
    if math.isnan(gap):
        return ""
    if gap > MAX_STATE_GAP_S:  # beyond what the setting accepts: the stream itself is too slow
        return (f"; {topic} {arrival_words(state_times_ns, MAX_STATE_GAP_S)} even the largest "
                f"{setting} ({MAX_STATE_GAP_S:g} s) allows: record the states faster")
    return (f"; {topic} {arrival_words(state_times_ns, max_state_gap_s)} {setting} "
            f"{max_state_gap_s:g} s allows: give {(give or setting + ' {}').format(f'{gap:g}')}")


def arrival_words(state_times_ns, limit_s: float) -> str:
    """Say how a stream's intervals exceed ``limit_s`` [s], ending in "more than".

    ``arrives every 0.20 s (median), more than`` where the median interval exceeds the limit;
    else ``arrives at intervals up to 0.21 s (95th percentile), more than`` (the percentile
    :func:`suggested_state_gap_s` reads), or ``..., at the edge of what`` where it does not
    exceed the limit by a shown digit (up to 6 decimals).
    """
    intervals = _intervals_s(state_times_ns)
    median, slowest = float(np.median(intervals)), float(np.percentile(intervals, 95))
    shown = _above(median, limit_s)
    if shown:
        return f"arrives every {shown} s (median), more than"
    shown = _above(slowest, limit_s)
    return (f"arrives at intervals up to {shown or f'{slowest:.2f}'} s (95th percentile), "
            f"{'more than' if shown else 'at the edge of what'}")


def _above(value: float, limit: float) -> str:
    """Return ``value`` with 2 decimals, or up to 6 where 2 do not show it above ``limit``.

    "" where even 6 do not.
    """
    return next((text for text in (f"{value:.{digits}f}" for digits in range(2, 7))
                 if float(text) > limit), "")

"""What the chosen steps of a recording will score, said before the model loads (torch-free).

The planned first action is compared with the motion over one step period from the step's frame
(:func:`period_xyz`, float32 as ``evaluate.executed_period_actions`` holds it: the very array the
scores read). An axis' sign is scored only on steps that moved along it, the cosine and the
magnitude error only on steps that moved (``metrics.moved_axes`` / ``metrics.moved``, the one
definition both the scores and these notes use); a step whose period the state stream does not
cover is not compared at all, and :func:`unmeasured_note` says how many and why. A recording in
which no chosen step
moves that far would be planned step by step for no score: :func:`still_arm_problem` refuses it.
When only some steps move, :func:`step_notes` says how many are scored per axis, and, for a
recording that moves in bursts (a blocking-mode run stands still while it plans), the
``rate_hz`` that takes one step per burst. Setting names are ``EvalConfig`` fields;
``vjepa-ros eval`` names its options instead (``cli_options.option_message``).
"""

from __future__ import annotations

import math

import numpy as np

from vjepa_ros.counts import counted
from vjepa_ros.eval.metrics import AXES, moved, moved_axes
from vjepa_ros.recordings.dropped_steps import dropped_words, state_gap_hint
from vjepa_ros.recordings.rate_hint import slow_camera_hint
from vjepa_ros.recordings.resample import END_GAP, STATE_GAP, Steps, interpolate_states
from vjepa_ros.recordings.step_rates import MAX_STATE_GAP_S


def period_xyz(steps: Steps, chosen) -> np.ndarray:
    """Return the Δxyz [K, 3] float32 [m] over one step period from the chosen steps' frames.

    ``Steps.ends`` − ``Steps.states`` rounded to float32: the Δxyz of
    ``evaluate.executed_period_actions``, which the scores read "moved" on (breaker44m: a
    float64 3.9999999 mm here was 4.0000002 mm there). NaN where the period is not covered.
    """
    chosen = np.asarray(chosen, dtype=np.int64)
    return (steps.ends[chosen, :3] - steps.states[chosen, :3]).astype(np.float32)


def still_arm_problem(recording, steps: Steps, chosen, min_motion_m: float,
                      max_state_gap_s: float = 0.1) -> str:
    """Return why nothing would be scored ("" when some step moves at least ``min_motion_m``).

    Names the bag, the count and the longest executed motion, and what to do: a ``start_s``
    where the arm moves (when steps other than the chosen ones move: ``max_steps`` took the
    still start), a lower ``rate_hz`` (when the arm moves farther than ``min_motion_m`` over
    longer times), record while it moves, or a lower ``min_motion_m``. When no chosen step's
    motion over one period is known at all (:func:`unmeasured_note`, with the
    ``max_state_gap_s`` [s] that covers a slow state stream), says that instead, and where no
    such hint applies the ``start_s`` of the first step whose motion is known and moving.
    """
    motions = period_xyz(steps, chosen)
    motions = motions[np.isfinite(motions).all(axis=1)]  # the steps compared
    lengths = np.linalg.norm(motions.astype(np.float64), axis=1)
    if len(lengths) == 0:  # none compared: every chosen step's period is not covered
        said, hint = _unmeasured_words(steps, chosen, max_state_gap_s, recording)
        later = "" if hint else _later_start(  # max_steps took the uncovered start
            recording, steps, min_motion_m, "a motion is first known and moving")
        if not hint:
            later += _covering_gap_words(recording, steps, chosen, later)
        return f"{recording.path}: no step would be scored: {said}{hint}{later and '; ' + later}"
    if moved(motions, min_motion_m).any():
        return ""
    valid = steps.states[steps.valid, :3]
    reach = float(np.linalg.norm(valid - valid[0], axis=1).max()) if len(valid) else 0.0
    later = _later_start(recording, steps, min_motion_m)
    if later:
        fix = later
    elif reach >= min_motion_m:  # slower than min_motion_m a step, or in bursts between pauses
        fix = (f"the arm moves {reach * 1e3:.1f} mm in all, less than {min_motion_m * 1e3:g} mm "
               "a step: take longer steps with a lower rate_hz")
    else:
        fix = "record while the arm moves"
    return (f"{recording.path}: 0 executed motions of at least {min_motion_m * 1e3:g} mm "
            f"(min_motion_m) in the {counted(len(lengths), 'step')} to evaluate at "
            f"{steps.rate_hz:g} Hz, so no step would be scored; the longest is "
            f"{lengths.max() * 1e3:.1f} mm: {fix}"
            f"{', or give a lower min_motion_m' if lengths.max() >= 1e-4 else ''}")


def _later_start(recording, steps: Steps, min_motion_m: float,
                 what: str = "the arm first moves") -> str:
    """Return 'the arm first moves 1.2 s after the bag's start: give start_s 1.2 ...' or "".

    The first step of ``steps`` whose motion over one period is known and reaches
    ``min_motion_m``: where the steps ``max_steps`` took (still, or not covered) are not all.
    ``what``: the words before the time.
    """
    pairs = np.flatnonzero(steps.period_known())
    moving = pairs[moved(period_xyz(steps, pairs), min_motion_m)]
    if not len(moving):
        return ""
    origin = min(int(recording.image_times[0]), int(recording.state_times[0]))
    first_s = (int(steps.grid_times[moving[0]]) - origin) / 1e9
    return (f"{what} {first_s:.1f} s after the bag's start: give start_s "
            f"{np.floor(first_s * 10) / 10:g} (end_s optional) to evaluate where it moves")


def _covering_gap_words(recording, steps: Steps, chosen, after: str) -> str:
    """Return 'give max_state_gap_s 0.2 to cover their state gaps' (', or ...' ``after`` text).

    The least tenth of a second at least the state gap under each chosen step's period end that
    ``END_GAP`` left out (the span ``resample`` compared with ``max_state_gap_s``); "" when none
    or when that is past ``step_rates.MAX_STATE_GAP_S``.
    """
    gapped = [k for k in chosen if steps.end_problems[k] == END_GAP]
    if not gapped:
        return ""
    ends = steps.frame_times[gapped] + int(round(1e9 / steps.rate_hz))
    span = float(interpolate_states(recording.state_times, recording.states, ends)[1].max())
    if not math.isfinite(span):  # an end past the states: no gap setting covers it
        return ""
    gap = math.ceil(round(span * 10, 6)) / 10
    if gap > MAX_STATE_GAP_S:
        return ""
    return f"{', or ' if after else ''}give max_state_gap_s {gap:g} to cover their state gaps"


def motion_note(steps: Steps, chosen, min_motion_m: float) -> str:
    """Say how many chosen steps are scored when some stand still, else "".

    Still: the steps the scores leave out (``metrics.moved``) of those compared (their period
    covered, :func:`unmeasured_note`); per axis, the steps its sign is scored on
    (``metrics.moved_axes``).
    """
    motions = period_xyz(steps, chosen)
    measured = np.isfinite(motions).all(axis=1)
    moving = moved(motions, min_motion_m)
    still = int((~moving & measured).sum())
    if not still:
        return ""
    per_axis = ", ".join(f"{axis} on {int(n)}" for axis, n in
                         zip(AXES, moved_axes(motions, min_motion_m).sum(0), strict=True))
    of = counted(int(measured.sum()), "evaluated step")
    if not measured.all():
        of += " with a known motion"
    note = (f"{still} of {of} moved less than "
            f"{min_motion_m * 1e3:g} mm (min_motion_m) in all (Δxyz): they count in the "
            "energies, not in the sign agreement, cosine or |dxyz| error; signs are scored "
            f"{per_axis}")
    return note + burst_rate_hint(steps, chosen, moving)


def unmeasured_steps(steps: Steps, chosen) -> dict[str, int]:
    """{why: count} of the chosen steps whose motion over one period is not known.

    ``Steps.end_problems``: a state gap or a jump under its end, an end past the last state;
    report.json's ``summary.actions.unmeasured_steps`` and :func:`unmeasured_note` both.
    """
    problems = [str(steps.end_problems[k]) for k in chosen if steps.end_problems[k]]
    return {problem: problems.count(problem) for problem in dict.fromkeys(problems)}


def unmeasured_note(steps: Steps, chosen, max_state_gap_s: float, recording=None) -> str:
    """Say how many chosen steps are not compared, for want of their period's motion; or "".

    Their motion over one period is not covered by the state stream (:func:`unmeasured_steps`);
    they are still planned and count in the energies. ``recording`` (its state times and topic):
    for steps left out by a state gap, the ``max_state_gap_s`` that covers a stream slower
    than ``max_state_gap_s`` [s] (:func:`_unmeasured_words`).
    """
    words = _unmeasured_words(steps, chosen, max_state_gap_s, recording)
    if not words:
        return ""
    said, hint = words
    return (f"{said}: they count in the energies, not in the sign agreement, cosine or |dxyz| "
            f"error{hint}")


def _unmeasured_words(steps: Steps, chosen, max_state_gap_s: float,
                      recording=None) -> tuple[str, str] | None:
    """Return ('N of K evaluated steps have no known motion ... (why: n)', hint) or None.

    ``hint``: '; /topic arrives every 0.17 s (median), more than max_state_gap_s 0.1 s allows:
    give max_state_gap_s 0.2' (``dropped_steps.state_gap_hint``, as the dropped steps' note)
    when steps are left out by a state gap of a stream slower than ``max_state_gap_s`` [s] and
    ``recording`` (its state times and topic) is given; else "". None: every step is known.
    """
    counts = unmeasured_steps(steps, chosen)
    if not counts:
        return None
    total = sum(counts.values())
    why = ", ".join(f"{_said(problem, max_state_gap_s)}: {count}"
                    for problem, count in counts.items())
    hint = "" if recording is None else state_gap_hint(
        recording.state_times, recording.state_topic, max_state_gap_s, counts.get(END_GAP, 0))
    return (f"{total} of {counted(len(chosen), 'evaluated step')} "
            f"{'has' if total == 1 else 'have'} no known motion over one step period, "
            f"the state stream not covering it ({why})", hint)


def _said(problem: str, max_state_gap_s: float) -> str:
    """Return an ``end_problems`` reason with the gap bound in it."""
    return problem.replace("max_state_gap_s", f"{max_state_gap_s:g} s (max_state_gap_s)") \
        if problem == END_GAP else problem


def burst_rate_hint(steps: Steps, chosen, moving: np.ndarray) -> str:
    """Return '; the arm moves in bursts about every 11.1 s ...: at rate_hz 0.2 ...' or "".

    For chosen steps most of which stand still between runs of moving ones (``moving`` [K]),
    as a blocking-mode run does while it plans; needs at least three bursts.
    """
    chosen = np.asarray(chosen, dtype=np.int64)
    if moving.mean() >= 0.5:
        return ""
    starts = chosen[moving & ~np.concatenate([[False], moving[:-1]])]
    if len(starts) < 3:
        return ""
    period_s = float(np.median(np.diff(starts))) / steps.rate_hz
    rate = max(round(2 / period_s, 1), 0.1)  # two steps a cycle: every other one holds a burst
    if rate >= steps.rate_hz:
        return ""
    return (f"; the arm moves in bursts about every {period_s:.1f} s (a blocking-mode run "
            f"stands still while it plans): at rate_hz {rate:g} about every other step holds "
            "a whole burst")


def step_notes(recording, steps: Steps, chosen, min_motion_m: float,
               max_state_gap_s: float) -> list[str]:
    """Return the notes on the chosen steps: steps dropped (in words, with the fix), motion."""
    notes = []
    dropped = dropped_words(steps.dropped, len(steps), max_state_gap_s)
    if dropped:
        notes.append(dropped
                     + slow_camera_hint(recording.image_times, steps.rate_hz, steps.dropped)
                     + state_gap_hint(recording.state_times, recording.state_topic,
                                      max_state_gap_s, steps.dropped.get(STATE_GAP, 0)))
    return notes + list(filter(None, [unmeasured_note(steps, chosen, max_state_gap_s, recording),
                                      motion_note(steps, chosen, min_motion_m)]))

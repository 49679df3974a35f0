"""A steadily publishing gripper topic that went silent while the hand moved: its steps unknown.

A hand published on change (or latched) is held between messages (``bag_gripper.held_values``):
silence means nothing changed. A topic publishing steadily (its median period at most
:data:`STEADY_PERIOD_S`, and either repeating its value unchanged while the hand stands: at least
:data:`STEADY_REPEATS` of its consecutive messages within :data:`REPEAT_TOLERANCE`, or, its still
readings noisier than that, publishing at its period through most of its time span: at least
:data:`STEADY_COVERAGE` of it in gaps within :data:`PERIOD_JITTER` periods) that says
nothing for over ``bag_gripper.HOLD_GAP_S`` and comes back with another closedness (more than
:data:`SILENT_CHANGE` away) lost its readings while the hand moved (a driver whose state reads
block while its grasp runs, a lost connection, a recorder that dropped the topic): holding its
last value labels the hand open while it closed, a line between the two makes up the motion's
timing. The arm states inside such a silence are left out and the steps there dropped, whatever
state gap ``data.max_state_gap_s`` / ``--max-state-gap`` allows (``Recording.gripper_unknown_ns``
to ``resample``'s ``unknown_ns``: a 0.85 s silence under a 1 s gap once kept its steps, their
closedness a line 0.06 .. 0.94), with a note naming the topic.
A silence across which the closedness stayed (the hand still) is held as before, and so is
every pause of an on-change topic: it publishes only while the hand moves (in bursts whose
median period may be short, the pauses between them most of its time span), never the same value
twice, so its first message after a pause may lie a whole burst period of motion from its last
(the hand started moving again).
"""

from __future__ import annotations

import numpy as np

STEADY_PERIOD_S = 0.1  # [s] a topic whose median message period is at most this publishes steadily
# closedness change across a silence that says the hand moved unseen: 8 mm of the Franka Hand's
# 80 mm; an on-change publisher's first message after a pause is one period of motion (at 30 Hz
# and the hand's 0.1 m/s: 3 mm, 0.04)
SILENT_CHANGE = 0.1
# a steady publisher repeats the still hand's closedness: consecutive messages this close count
# as unchanged (0.08 mm of the Franka Hand's 80 mm, above a driver's encoder noise, below one
# period of motion of an on-change topic), and at least this share of them must be
REPEAT_TOLERANCE = 1e-3
STEADY_REPEATS = 0.25
# a steady publisher whose still readings vary by more (a noisy encoder, a hand's width read from
# a float32 joint state: 3e-3 .. 1e-2 closedness) is told by its gaps: they lie at its period
# (within this many periods: a timer's jitter, a recorder's batching) through at least this share
# of its time span, all but its silences; an on-change one's bursts cover the hand's motion only
PERIOD_JITTER = 2.0
STEADY_COVERAGE = 0.5


def silences(sample_times: np.ndarray, values: np.ndarray, hold_gap_s: float) -> np.ndarray:
    """Return [S, 2] int64 indices (last message before, first after) of a steady topic's silences.

    Indices into ``sample_times`` [K] ns sorted and ``values`` [K] closedness (``(k, k + 1)``;
    ``sample_times[spans]``: the silences' times [ns]). A silence: a gap over
    ``hold_gap_s`` between messages of a topic whose median period is at most
    :data:`STEADY_PERIOD_S`, the closedness before and after it more than
    :data:`SILENT_CHANGE` apart. A topic that never (in under :data:`STEADY_REPEATS` of its
    consecutive messages) repeats its value within :data:`REPEAT_TOLERANCE` and whose gaps at
    its period (within :data:`PERIOD_JITTER` of the median) span under :data:`STEADY_COVERAGE`
    of its time publishes on change (in bursts while the hand moves): its pauses are the hand
    standing, none a silence. Empty for fewer than 3 messages (no period to judge).
    """
    sample_times = np.asarray(sample_times, np.int64)
    if len(sample_times) < 3:
        return np.zeros((0, 2), np.int64)
    gaps = np.diff(sample_times)
    period = np.median(gaps)
    if period > STEADY_PERIOD_S * 1e9:
        return np.zeros((0, 2), np.int64)
    values = np.asarray(values, np.float64)
    changes = np.abs(np.diff(values))
    repeats = np.mean(changes <= REPEAT_TOLERANCE) >= STEADY_REPEATS
    at_period = gaps[gaps <= PERIOD_JITTER * period].sum() / max(int(gaps.sum()), 1)
    if not repeats and at_period < STEADY_COVERAGE:  # on change: its pauses are stillness
        return np.zeros((0, 2), np.int64)
    silent = np.flatnonzero((gaps > hold_gap_s * 1e9)
                            & (changes > SILENT_CHANGE))
    return np.stack([silent, silent + 1], 1).astype(np.int64)


def inside_silences(times: np.ndarray, spans: np.ndarray) -> np.ndarray:
    """Return [N] bool: which of ``times`` [N] ns lie strictly inside one of ``spans`` [S, 2] ns.

    ``spans``: times [ns], e.g. ``sample_times[silences(...)]``.
    """
    times = np.asarray(times, np.int64)
    inside = np.zeros(len(times), bool)
    for before, after in spans:
        inside |= (times > before) & (times < after)
    return inside


def silence_note(topic: str, sample_times: np.ndarray, values: np.ndarray, spans: np.ndarray,
                 left_out: int, start_ns: int) -> str:
    """Say which silences of gripper ``topic`` left ``left_out`` arm states out (one line).

    ``spans``: [S, 2] index pairs into ``sample_times`` [K] ns and ``values`` [K]
    (:func:`silences`). ``start_ns``: the states' first time, from which the silences are
    placed [s].
    """
    sample_times = np.asarray(sample_times, np.int64)
    period = float(np.median(np.diff(sample_times))) / 1e9
    said = [f"{(sample_times[after] - sample_times[before]) / 1e9:.2f} s from "
            f"{(sample_times[before] - start_ns) / 1e9:.2f} s "
            f"(closedness {values[before]:.2f} -> {values[after]:.2f})"
            for before, after in spans[:3]]
    more = f" and {len(spans) - 3} more" if len(spans) > 3 else ""
    return (f"gripper topic {topic} publishes every {period * 1e3:.0f} ms (median) but was silent "
            f"while the hand moved: {'; '.join(said)}{more} (times from the states' first): "
            f"{left_out} arm state(s) inside left out, their closedness unknown, so the steps "
            "there are dropped (a gripper driver blocked during its grasp, a lost connection, a "
            "recorder that dropped the topic?)")

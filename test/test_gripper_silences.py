"""A steady gripper topic silent while the hand moved: the steps inside dropped, noted.

The other side held: an on-change publisher (sparse, or bursting while the hand moves and
silent while it stands) and a steady one silent while the hand stayed keep every step, held.
"""

from __future__ import annotations

import numpy as np
import pytest
from train_bags import GRIPPER, _picture, _read, _sliding_bag

from vjepa_ros.recordings.gripper_silences import inside_silences, silences
from vjepa_ros.recordings.resample import (
    END_UNKNOWN,
    GRIPPER_UNKNOWN,
    STATE_GAP,
    resample,
)


def _kept(segments) -> set[int]:
    """Each kept step's frame number, from its x (1 cm a step from 0.4 m)."""
    return {round(float(state[0] - 0.4) / 0.01) for segment in segments
            for state in segment.states}


def _closedness(segments) -> dict[int, float]:
    return {round(float(state[0] - 0.4) / 0.01): float(state[6]) for segment in segments
            for state in segment.states}


def test_a_steady_topic_silent_while_the_hand_closed_drops_the_steps_inside(tmp_path):
    """30 Hz fingers, silent 2.0 .. 3.5 s while the hand closes 0.04 -> 0.02 per finger."""
    fingers = [(k / 30, 0.04 if k <= 60 else 0.02) for k in range(181)
               if not 2.0 < k / 30 < 3.5]
    path = _sliding_bag(tmp_path / "bag", [_picture(k) for k in range(25)], fingers)
    segments, notes = _read(path, frames_per_clip=3)
    kept = _kept(segments)
    assert not kept & {9, 10, 11, 12, 13}, sorted(kept)  # 2.25 .. 3.25 s
    assert set(range(8)) | set(range(15, 25)) <= kept, sorted(kept)
    said = [note for note in notes if GRIPPER in note and "silent" in note]
    assert len(said) == 1 and "0.00 -> 0.50" in said[0] and "33 ms" in said[0], notes


@pytest.mark.parametrize("max_state_gap_s", [0.1, 1.0, 5.0])
def test_a_silence_shorter_than_the_state_gap_allowed_still_drops_its_steps(max_state_gap_s,
                                                                           tmp_path):
    """30 Hz fingers silent 2.0 .. 2.8 s while the hand closes 0.04 -> 0.02 (final56d).

    Its arm states left out leave a 0.8 s state gap: with data.max_state_gap_s 1.0 (or 5) the
    steps at 2.25, 2.5, 2.75 s were kept, their closedness interpolated 0.16, 0.31, 0.47 (the
    made-up timing the silence rule is there to prevent) under a note saying they are dropped.
    Dropped whatever the gap allowed, for the silence (not a state gap); the rest as read.
    """
    fingers = [(k / 30, 0.04 if k <= 60 else 0.02) for k in range(181)
               if not 2.0 < k / 30 < 2.8]
    path = _sliding_bag(tmp_path / "bag", [_picture(k) for k in range(25)], fingers)
    segments, notes = _read(path, frames_per_clip=3, max_state_gap_s=max_state_gap_s)
    closed = _closedness(segments)
    assert set(closed) == set(range(25)) - {9, 10, 11}, sorted(closed)
    assert all(closed[k] == 0.0 for k in range(9)), closed
    np.testing.assert_allclose([closed[k] for k in range(12, 25)], 0.5, atol=1e-6)
    dropped = [note for note in notes if "steps dropped" in note]
    assert len(dropped) == 1 and "3 of 25 steps dropped: 3 whose gripper closedness is unknown" \
        in dropped[0] and "max_state_gap_s" not in dropped[0], notes


def test_eval_plans_no_step_inside_a_silence_shorter_than_its_max_state_gap(tmp_path):
    """The bag above read by eval (--max-state-gap 1): steps 9-11 not evaluated, 8 and 12 are.

    Step 8's one-period end (2.25 s) lies in the silence: its motion over a period unknown.
    """
    from vjepa_ros.eval.eval_config import EvalConfig
    from vjepa_ros.eval.step_choice import valid_steps
    from vjepa_ros.recordings.bags import read_recording

    fingers = [(k / 30, 0.04 if k <= 60 else 0.02) for k in range(181)
               if not 2.0 < k / 30 < 2.8]
    recording = read_recording(_sliding_bag(tmp_path / "bag", [_picture(k) for k in range(25)],
                                            fingers))
    steps, every, _ = valid_steps(recording, EvalConfig(max_state_gap_s=1.0), 1, 1)
    assert steps.valid.tolist() == [k not in (9, 10, 11) for k in range(25)], steps.valid
    assert steps.dropped == {GRIPPER_UNKNOWN: 3}, steps.dropped
    assert steps.end_problems[8] == END_UNKNOWN, steps.end_problems
    assert not {8, 9, 10, 11} & set(every) and {7, 12} <= set(every), every


def _line(times_s) -> tuple[np.ndarray, np.ndarray]:
    """Return (times [ns], [N, 7] states): x = t, the hand open before 2 s, closed from it."""
    times = np.round(np.asarray(times_s) * 1e9).astype(np.int64)
    states = np.zeros((len(times), 7))
    states[:, 0] = np.asarray(times_s)
    states[:, 6] = np.asarray(times_s) >= 2.0
    return times, states


def test_resample_drops_the_steps_interpolated_across_a_silence_whatever_the_gap():
    """Arm states every 0.1 s but none inside the silence 1.05 .. 1.95 s (left out).

    Frames at 4 Hz: steps at 1.25, 1.5, 1.75 s lie inside it, dropped as GRIPPER_UNKNOWN at
    any max_state_gap_s (without unknown_ns, max_state_gap_s 1.0 keeps them, interpolated);
    the step at 1.0 s keeps its state, its end (1.25 s) unknown; 2.0 s on, kept and known.
    """
    kept = [t / 10 for t in range(41) if not 1.05 < t / 10 < 1.95]
    times, states = _line(kept)
    frames = np.arange(17, dtype=np.int64) * 250_000_000
    silence = np.array([[1_050_000_000, 1_950_000_000]])
    before = resample(frames, times, states, 4.0, max_state_gap_s=1.0)
    assert before.valid[5:8].all()  # the made-up closedness the silence hides
    for gap in (0.1, 1.0):
        steps = resample(frames, times, states, 4.0, max_state_gap_s=gap, unknown_ns=silence)
        assert steps.valid.tolist() == [k not in (5, 6, 7) for k in range(17)], steps.valid
        assert steps.dropped == {GRIPPER_UNKNOWN: 3}, steps.dropped
        assert steps.end_problems[4] == END_UNKNOWN and steps.end_problems[8] == "", \
            steps.end_problems
        np.testing.assert_array_equal(steps.states[steps.valid, 6],
                                      [k >= 8 for k in range(17) if k not in (5, 6, 7)])


def test_a_step_between_a_silence_and_the_first_state_after_it_is_dropped():
    """Arm states at 1 Hz, a silence 1.1 .. 1.8 s holding none: the span widens to 1 .. 2 s.

    Steps at 1.25 .. 1.75 s (inside) dropped, the one at 1.0 s (its own state) kept; the step of
    grid time 2.0 s, its frame at 1.9 s (between the silence's end and the next state), too:
    its closedness would be a line from 1.0 s's to 2.0 s's. Other steps' state gaps still
    count as STATE_GAP.
    """
    times, states = _line([0.0, 1.0, 2.0, 3.0])
    frames = np.array([0, 250, 1000, 1250, 1500, 1750, 1900, 2250, 3000]) * 1_000_000
    silence = np.array([[1_100_000_000, 1_800_000_000]])
    for gap, kept, gapped in ((1.5, {0, 250, 1000, 2250, 3000}, 0), (0.5, {0, 1000, 3000}, 2)):
        steps = resample(frames, times, states, 4.0, max_state_gap_s=gap, unknown_ns=silence,
                         max_frame_offset_s=0.16)
        assert {int(t) // 1_000_000 for t in steps.frame_times[steps.valid]} == kept, steps
        assert steps.dropped.get(GRIPPER_UNKNOWN) == 4, steps.dropped
        assert steps.dropped.get(STATE_GAP, 0) == gapped, steps.dropped


@pytest.mark.parametrize("noise", [3e-3, 1e-2])
def test_a_steady_topic_with_noisy_still_readings_silent_while_the_hand_closed(noise, tmp_path):
    """As above, the still readings varying by ``noise`` closedness (std) (review56s).

    They never repeat within 1e-3, so the topic was judged on change and held open through its
    silence (5 steps mislabelled, no note). Its gaps lie at its 33 ms period through 3/4 of its
    time: steady, the steps inside dropped, noted.
    """
    rng = np.random.default_rng(1)
    fingers = [(k / 30, (0.038 if k <= 60 else 0.018) + 0.04 * noise * rng.normal())
               for k in range(181) if not 2.0 < k / 30 < 3.5]
    path = _sliding_bag(tmp_path / "bag", [_picture(k) for k in range(25)], fingers)
    segments, notes = _read(path, frames_per_clip=3)
    kept = _kept(segments)
    assert not kept & {9, 10, 11, 12, 13}, sorted(kept)
    assert set(range(8)) | set(range(15, 25)) <= kept, sorted(kept)
    said = [note for note in notes if GRIPPER in note and "silent" in note]
    assert len(said) == 1 and "33 ms" in said[0], notes


@pytest.mark.parametrize("noise", [0.0, 3e-3, 1e-2])
def test_steadiness_by_the_gaps_whatever_the_noise_of_the_still_readings(noise):
    """30 Hz for 5 s, silent 2.0 .. 3.5 s across a change of 0.5, timer jitter 3 ms: a silence.

    The same messages kept only while the hand moves (bursts at 2.0 and 3.5 s, pauses of 2 s
    between) publish on change: no silence, whatever the noise.
    """
    rng = np.random.default_rng(2)
    k = np.array([k for k in range(151) if not 2.0 < k / 30 < 3.5])
    times = np.round((k / 30 + rng.uniform(-0.003, 0.003, len(k))) * 1e9).astype(np.int64)
    values = np.where(k <= 60, 0.1, 0.6) + noise * rng.normal(size=len(k))
    spans = times[silences(times, values, 0.5)]
    assert len(spans) == 1 and spans[0, 0] == times[60] and spans[0, 1] == times[61], spans
    burst = np.r_[np.arange(10), np.arange(60, 70), np.arange(130, 140)]
    ramps = np.r_[np.linspace(0.0, 0.3, 10), np.linspace(0.45, 0.75, 10), np.linspace(0.9, 1, 10)]
    on_change = silences((burst * 1e9 / 30).astype(np.int64), ramps, 0.5)
    assert len(on_change) == 0, on_change


def test_a_steady_topic_silent_while_the_hand_stood_is_held(tmp_path):
    """30 Hz fingers silent 1.0 .. 2.5 s, the hand half closed before and after: nothing lost."""
    fingers = [(k / 30, 0.02) for k in range(151) if not 1.0 < k / 30 < 2.5]
    path = _sliding_bag(tmp_path / "bag", [_picture(k) for k in range(21)], fingers)
    segments, notes = _read(path, frames_per_clip=3)
    closed = _closedness(segments)
    assert set(closed) == set(range(21)), sorted(closed)
    np.testing.assert_allclose(list(closed.values()), 0.5, atol=1e-6)
    assert not any("silent" in note for note in notes), notes


def test_an_on_change_topic_bursting_while_the_hand_moves_is_held_between(tmp_path):
    """Fingers at 30 Hz only while the hand closes (2.0 .. 2.5 s), one message at the start.

    An on-change publisher: its median period is 33 ms, but each pause ends where it began
    (the hand stood): every step kept, the closedness held before and after the closing.
    """
    closing = [(2.0 + k / 30, 0.04 - 0.02 * k / 15) for k in range(16)]
    fingers = [(0.0, 0.04), *closing]
    path = _sliding_bag(tmp_path / "bag", [_picture(k) for k in range(21)], fingers)
    segments, notes = _read(path, frames_per_clip=3)
    closed = _closedness(segments)
    assert set(closed) == set(range(21)), sorted(closed)
    assert closed[7] == 0.0 and abs(closed[12] - 0.5) < 1e-6, closed
    assert not any("silent" in note for note in notes), notes


def test_an_on_change_topic_in_10_hz_bursts_is_held_across_its_pauses(tmp_path):
    """A hand publishing at 10 Hz only while it moves: grasp at 2.0 s, release at 5.0 s.

    review56r: its median period is 0.1 s and each burst's first message lies one period of
    motion (5 mm a finger, closedness 0.125) from the pause's last, so each still stretch was
    taken for a silence and its arm states dropped with a note blaming the driver. It never
    repeats a value: on change, its pauses the hand standing. Every step kept, held between.
    """
    grasp = [(2.0 + k / 10, 0.04 - 0.005 * k) for k in range(1, 7)]  # 0.04 -> 0.01
    release = [(5.0 + k / 10, 0.01 + 0.005 * k) for k in range(1, 7)]  # 0.01 -> 0.04
    path = _sliding_bag(tmp_path / "bag", [_picture(k) for k in range(33)],
                        [(0.0, 0.04), *grasp, *release])
    segments, notes = _read(path, frames_per_clip=3)
    closed = _closedness(segments)
    assert set(closed) == set(range(33)), sorted(closed)
    assert closed[7] == 0.0 and abs(closed[16] - 0.75) < 1e-6 and closed[30] == 0.0, closed
    assert not any("silent" in note for note in notes), notes


def test_a_topic_repeating_its_value_is_steady_one_never_repeating_is_not():
    """Both at 10 Hz with a 3 s pause across a change of 0.5: only the repeating one is silent."""
    times = np.r_[np.arange(10), np.arange(40, 50)].astype(np.int64) * 100_000_000
    steady = np.r_[np.zeros(10), np.full(10, 0.5)]
    assert times[silences(times, steady, 0.5)].tolist() == [[900_000_000, 4_000_000_000]]
    on_change = np.r_[np.linspace(0.0, 0.25, 10), np.linspace(0.5, 1.0, 10)]
    assert len(silences(times, on_change, 0.5)) == 0
    jitter = steady + np.random.default_rng(0).normal(0.0, 2e-4, 20)  # encoder noise: steady
    assert len(silences(times, jitter, 0.5)) == 1


def test_a_sparse_on_change_topic_is_held_across_a_change():
    """Two messages 3 s apart, open then closed: an on-change hand, no silence found."""
    times = np.array([0, 3_000_000_000], np.int64)
    assert len(silences(times, np.array([0.0, 1.0]), 0.5)) == 0
    times = np.array([0, 1_000_000_000, 4_000_000_000, 4_500_000_000], np.int64)  # median 1 s
    assert len(silences(times, np.array([0.0, 0.0, 1.0, 1.0]), 0.5)) == 0


def test_only_states_strictly_inside_a_silence_are_unknown():
    stamps = (np.arange(0, 31) * 100_000_000 * np.r_[np.ones(11), np.full(20, 1)]
              .astype(np.int64) + np.r_[np.zeros(11), np.full(20, 1_000_000_000)]
              .astype(np.int64))
    spans = stamps[silences(stamps, np.r_[np.zeros(11), np.ones(20)], 0.5)]
    assert spans.tolist() == [[1_000_000_000, 2_100_000_000]]
    times = np.array([1_000_000_000, 1_000_000_001, 2_099_999_999, 2_100_000_000])
    assert inside_silences(times, spans).tolist() == [False, True, True, False]

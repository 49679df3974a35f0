"""Evaluation maths without bags or models: resampling to the step rate, agreement metrics."""

import math

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from vjepa_ros.eval import metrics
from vjepa_ros.recordings.resample import (
    END_NOT_COMPUTED,
    END_PAST,
    SHARED_FRAME,
    interpolate_states,
    resample,
)

SEC = 1_000_000_000


def _linear_states(times_ns, velocity=(0.1, -0.05, 0.02), yaw_rate=0.4):
    """Analytic states: constant velocity, constant yaw rate about the world z axis."""
    t = np.asarray(times_ns) / SEC
    xyz = np.array([0.4, 0.0, 0.3]) + t[:, None] * np.array(velocity)
    start = Rotation.from_euler("xyz", [3.0, 0.1, 0.0])
    rot = Rotation.from_euler("z", (yaw_rate * t)[:, None]) * start
    gripper = np.clip(t / 2, 0, 1)
    return np.concatenate([xyz, rot.as_euler("xyz"), gripper[:, None]], axis=1)


def test_resample_picks_nearest_frames_and_interpolates_states_exactly():
    rng = np.random.default_rng(0)
    image_times = np.round((np.arange(0, 3.0, 1 / 30) + rng.uniform(0, 0.004, 90)) * SEC)
    image_times = np.sort(image_times.astype(np.int64))
    state_times = np.arange(0, int(3.2 * SEC), SEC // 100, dtype=np.int64)  # 100 Hz
    steps = resample(image_times, state_times, _linear_states(state_times), rate_hz=4.0)
    assert steps.valid.all() and not steps.dropped
    assert np.all(np.diff(steps.grid_times) == SEC // 4)
    for k, grid in enumerate(steps.grid_times):
        nearest = np.argmin(np.abs(image_times - grid))
        assert steps.frame_indices[k] == nearest
    # Linear motion and constant-rate rotation: interpolation (slerp) is exact at frame times.
    expected = _linear_states(steps.frame_times)
    np.testing.assert_allclose(steps.states[:, :3], expected[:, :3], atol=1e-12)
    np.testing.assert_allclose(steps.states[:, 6], expected[:, 6], atol=1e-12)
    diff = Rotation.from_euler("xyz", steps.states[:, 3:6]) * \
        Rotation.from_euler("xyz", expected[:, 3:6]).inv()
    assert np.abs(diff.magnitude()).max() < 1e-9


def test_resample_without_period_ends_says_not_computed_not_past_the_last_state():
    """period_ends False (training's): no valid step is said to end past the last state.

    With them (eval's) only the last steps, whose period reaches past the states, are END_PAST;
    eval's unmeasured-step count names END_NOT_COMPUTED for Steps without ends, never END_PAST.
    """
    from vjepa_ros.eval.step_notes import unmeasured_steps

    image_times = np.arange(0, 3 * SEC, SEC // 30, dtype=np.int64)
    state_times = np.arange(0, 3 * SEC, SEC // 100, dtype=np.int64)
    args = (image_times, state_times, _linear_states(state_times), 4.0)
    ends = resample(*args)
    past = np.flatnonzero(ends.end_problems == END_PAST)
    assert ends.valid.all() and 0 < len(past) < len(ends) and past[-1] == len(ends) - 1, past
    assert set(ends.end_problems) == {"", END_PAST}
    bare = resample(*args, period_ends=False)
    np.testing.assert_array_equal(bare.states, ends.states)
    assert np.isnan(bare.ends).all() and not bare.period_known().any()
    assert list(bare.end_problems) == [END_NOT_COMPUTED] * len(bare)
    assert unmeasured_steps(bare, range(len(bare))) == {END_NOT_COMPUTED: len(bare)}


def test_interpolation_keeps_recorded_samples_and_refuses_extrapolation():
    times = np.array([0, SEC, 2 * SEC])
    states = _linear_states(times)
    out, span = interpolate_states(times, states, np.array([-1, SEC, SEC // 2, 3 * SEC]))
    np.testing.assert_array_equal(out[1], states[1])
    assert span[1] == 0 and span[2] == pytest.approx(1.0)
    assert np.isnan(out[0]).all() and np.isnan(out[3]).all() and math.isinf(span[0])
    with pytest.raises(ValueError, match="strictly increasing"):
        interpolate_states(np.array([0, 0]), states[:2], np.array([0]))


def test_resample_drops_steps_without_frames_or_states_and_says_why():
    image_times = np.concatenate([np.arange(0, 1.0, 0.1), np.arange(2.0, 3.0, 0.1)]) * SEC
    state_times = np.concatenate([np.arange(0, 2.2, 0.01), np.arange(2.6, 3.0, 0.01)]) * SEC
    image_times, state_times = image_times.astype(np.int64), state_times.astype(np.int64)
    steps = resample(image_times, state_times, _linear_states(state_times), rate_hz=4.0)
    times_s = steps.grid_times / SEC
    no_frame = (times_s > 1.0) & (times_s < 1.9)  # frames stop at 0.9 s and resume at 2.0 s
    state_gap = (times_s > 2.2) & (times_s < 2.6)
    np.testing.assert_array_equal(steps.valid, ~no_frame & ~state_gap)
    assert steps.dropped == {"no camera frame within the step tolerance": int(no_frame.sum()),
                             "state gap longer than max_state_gap_s": int(state_gap.sum())}
    assert np.isnan(steps.states[~steps.valid]).all()
    assert steps.runs_valid(2, 2) and not steps.runs_valid(3, 2)  # step 5 (1.25 s) has no frame
    with pytest.raises(ValueError, match="do not overlap"):
        resample(image_times, state_times + 10 * SEC, _linear_states(state_times))
    for rate in (0, float("inf"), 1e308, 1e-300, float("nan")):  # inf, 1e308: OverflowError
        with pytest.raises(ValueError, match="rate_hz must be a step rate in 0.1..100 Hz"):
            resample(image_times, state_times, _linear_states(state_times), rate_hz=rate)


def test_sign_agreement_counts_only_axes_that_moved():
    executed = np.array([[0.01, 0.001, -0.02], [0.03, -0.02, 0.0], [-0.01, 0.02, 0.01]])
    planned = np.array([[0.02, -0.05, -0.01], [0.00, -0.01, 0.5], [0.01, 0.03, 0.02]])
    fractions, counted = metrics.sign_agreement(planned, executed, min_motion=0.002)
    np.testing.assert_array_equal(counted, [3, 2, 2])  # y of step 0, z of step 1 too small
    # x: step 0 agrees, step 1 planned 0 (never agrees), step 2 opposite.
    np.testing.assert_allclose(fractions, [1 / 3, 1.0, 1.0])
    none, n = metrics.sign_agreement(planned, np.zeros_like(executed))
    assert np.isnan(none).all() and (n == 0).all()


def test_cosine_and_error_metrics():
    executed = np.array([[0.03, 0.0, 0.04], [0.01, 0.0, 0.0], [0.0005, 0, 0], [0.02, 0, 0]])
    planned = np.array([[0.06, 0.0, 0.08], [-0.02, 0.0, 0.0], [0.01, 0, 0], [0.0, 0, 0]])
    cosine = metrics.cosine_similarity(planned, executed, min_motion=0.002)
    np.testing.assert_allclose(cosine[:2], [1.0, -1.0])
    assert np.isnan(cosine[2]) and cosine[3] == 0.0
    np.testing.assert_allclose(metrics.magnitude_error(planned, executed)[:2], [0.05, 0.01])
    np.testing.assert_allclose(metrics.xyz_error(planned, executed)[:2], [0.05, 0.03])
    summary = metrics.summarize_actions(planned, executed, 0.002)
    assert summary["cosine_xyz_steps"] == 3
    assert summary["cosine_xyz_mean"] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="differ"):
        metrics.cosine_similarity(planned[:2], executed)


def test_percentiles_and_energy_summary():
    values = np.array([0.3, 0.1, np.nan, 0.2, 0.4])
    stats = metrics.percentiles(values)
    assert stats["count"] == 4 and stats["max"] == 0.4
    assert stats["p50"] == pytest.approx(np.percentile([0.1, 0.2, 0.3, 0.4], 50))
    assert metrics.percentiles([np.nan]) == {"count": 0}
    energies = metrics.summarize_energies([0.1, 0.5, 0.2], [0.2, 0.4, 0.2])
    assert energies["planned_at_most_executed"] == pytest.approx(2 / 3)
    assert energies["gap_mean"] == pytest.approx(0.0)


def test_resample_never_gives_one_frame_to_two_steps():
    # user30: a 4 Hz camera at 6 Hz steps (and 10 Hz) left frames nearest two grid times within
    # half a step of each: both steps took the frame, a motion of zero between them.
    image_times = (np.arange(0, 3.0, 0.25) * SEC).astype(np.int64)  # 4 Hz
    state_times = np.arange(0, int(3.0 * SEC), SEC // 100, dtype=np.int64)
    for rate in (6.0, 10.0):
        steps = resample(image_times, state_times, _linear_states(state_times), rate_hz=rate)
        used = steps.frame_indices[steps.valid]
        assert len(set(used.tolist())) == len(used), (rate, used)
        assert steps.dropped.get(SHARED_FRAME, 0) > 0, steps.dropped
        for k in np.flatnonzero(steps.valid):  # each kept step is its frame's nearest
            others = np.flatnonzero(steps.frame_indices == steps.frame_indices[k])
            assert others.tolist() == [k]
    # each step a frame of its own where the camera is as fast as the steps: nothing dropped
    steps = resample(image_times, state_times, _linear_states(state_times), rate_hz=4.0)
    assert steps.valid.all() and not steps.dropped

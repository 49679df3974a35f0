"""Steps across a state jump are dropped, not paired (session 38's open item).

A bag whose end-effector state jumps a few times (a simulator reset, a re-homed arm) was read
with a note, but eval and train still paired the frames on both sides of a jump: an "action" of
a metre in a quarter second that no arm made, scored by eval and learned by train. Now every
step whose state is interpolated across a jump, or whose motion from the step before spans one,
is invalid (``resample``'s ``jumps_ns``, reason ``STATE_JUMP``), for every way the jump can fall
among the steps: between two steps, across a step's time, right at one, at the first step.
"""

import numpy as np
import pytest

from vjepa_ros.recordings.resample import STATE_JUMP, resample
from vjepa_ros.recordings.state_jumps import jump_intervals

MS = 1_000_000


def dense(jump_at_ms: float, rate_hz: float = 100.0, seconds: float = 3.0, metres: float = 1.0):
    """States at ``rate_hz`` moving 1 cm/s in x, jumping ``metres`` after ``jump_at_ms``."""
    times = np.round(np.arange(0, seconds * 1e3 + 1e-9, 1e3 / rate_hz) * MS).astype(np.int64)
    states = np.zeros((len(times), 7))
    states[:, 0] = times / 1e9 * 0.01
    states[times > jump_at_ms * MS, 0] += metres
    return times, states


FRAMES = np.arange(0, 3001, 250, dtype=np.int64) * MS  # a 4 Hz camera: steps at 0, 250, ...


@pytest.mark.parametrize("jump_at_ms, dropped", [
    (1100.0, [5]),  # between steps 4 (1000 ms) and 5 (1250 ms): the motion 4 -> 5 spans it
    (1000.0, [5]),  # right after step 4's state: step 4 keeps its state, 5 is dropped
    (1245.0, [5]),  # just before step 5
    (1250.0, [6]),  # at step 5's time: 5 keeps the state before, the motion 5 -> 6 spans it
    (0.0, [1]),  # after the first state
])
def test_the_step_after_a_jump_is_dropped_wherever_it_falls(jump_at_ms, dropped):
    times, states = dense(jump_at_ms)
    jumps = jump_intervals(times, states[:, :3])
    assert len(jumps) == 1
    steps = resample(FRAMES, times, states, 4.0, jumps_ns=jumps)
    assert list(np.flatnonzero(~steps.valid)) == dropped
    assert steps.dropped == {STATE_JUMP: 1}
    valid = np.flatnonzero(steps.valid)
    for a, b in zip(valid[:-1], valid[1:], strict=True):  # no motion between valid neighbours
        if b == a + 1:  # spans the jump
            assert abs(steps.states[b, 0] - steps.states[a, 0]) < 0.01
    unchanged = resample(FRAMES, times, states, 4.0)  # without jumps_ns: as before
    assert unchanged.valid.all() and not unchanged.dropped


def test_a_state_interpolated_across_a_slow_jump_is_dropped_too():
    # states at 2 Hz (a gap of 0.5 s allowed), the jump between 1.0 s and 1.5 s: step 5 (1.25 s)
    # would be interpolated half-way between two places; step 6 (1.5 s) keeps its own state (no
    # kept step moves into it across the jump: breaker39)
    times, states = dense(1200.0, rate_hz=2.0, metres=2.0)  # 4 m/s: a jump at 2 Hz
    jumps = jump_intervals(times, states[:, :3])
    steps = resample(FRAMES, times, states, 4.0, max_state_gap_s=0.6, jumps_ns=jumps)
    assert list(np.flatnonzero(~steps.valid)) == [5]
    assert steps.dropped == {STATE_JUMP: 1}


def test_two_jumps_in_a_row_drop_the_steps_after_each():
    times, states = dense(1100.0)
    states[times > 1600 * MS, 0] -= 1.0  # back again between steps 6 and 7
    jumps = jump_intervals(times, states[:, :3])
    assert len(jumps) == 2
    steps = resample(FRAMES, times, states, 4.0, jumps_ns=jumps)
    assert list(np.flatnonzero(~steps.valid)) == [5, 7]


def test_a_step_dropped_for_another_reason_is_not_counted_twice():
    times, states = dense(1100.0)
    frames = np.delete(FRAMES, 5)  # step 5 has no frame anyway
    steps = resample(frames, times, states, 4.0, jumps_ns=jump_intervals(times, states[:, :3]))
    assert not steps.valid[5] and STATE_JUMP not in steps.dropped


def test_without_jumps_the_intervals_are_empty():
    times, states = dense(0.0, metres=0.0)
    assert jump_intervals(times, states[:, :3]).shape == (0, 2)
    assert jump_intervals(times[:1], states[:1, :3]).shape == (0, 2)


def _teleported_bag(tmp_path, after: int = 4):
    from conftest import rewritten_bag, write_test_bag

    pose = "/franka_robot_state_broadcaster/current_pose"

    def teleport(entry, entries):  # a simulator reset: 0.9 m in one 4 Hz step (3.6 m/s)
        poses = [e for e in entries if e[0] == pose]
        if entry[0] == pose and poses.index(entry) >= after:
            entry[3].pose.position.y += 0.9

    bag = write_test_bag(tmp_path / "moving", frames=12, moving=True)
    return rewritten_bag(bag, tmp_path / "jumped", teleport)


def test_train_reads_a_bag_with_a_jump_as_two_segments_with_no_action_across(tmp_path):
    from vjepa_ros.recordings.bags import read_recording
    from vjepa_ros.train.config import DataConfig
    from vjepa_ros.train.episodes import find_sources, load_segments

    bag = _teleported_bag(tmp_path)
    recording = read_recording(bag)
    assert recording.state_jumps_ns.shape == (1, 2)
    assert any("the steps across them are left out" in note for note in recording.notes)
    (source,) = find_sources([bag])
    segments, notes = load_segments(source, DataConfig(frames_per_clip=2))
    assert len(segments) == 2 and sum(len(s.frames) for s in segments) == 11  # one dropped
    for segment in segments:
        assert np.abs(segment.actions[:, :3]).max() < 0.2  # no metre-long action
    assert any("across a jump of the state" in note for note in notes), notes


def test_eval_plans_no_step_across_a_jump(tmp_path):
    from vjepa_ros.eval.eval_config import EvalConfig
    from vjepa_ros.eval.step_choice import valid_steps
    from vjepa_ros.recordings.bags import read_recording

    recording = read_recording(_teleported_bag(tmp_path))
    steps, every, _ = valid_steps(recording, EvalConfig(), 1, 1)
    assert not steps.valid[4] and steps.valid[3] and steps.valid[5]
    assert 3 not in every and 4 not in every  # 3 -> 4 and 4 -> 5 would span it
    for k in every:
        assert abs(steps.states[k + 1, 1] - steps.states[k, 1]) < 0.2


def test_train_drops_the_step_across_a_jump_in_an_npz_episode_too(tmp_path):
    from vjepa_ros.train.config import DataConfig
    from vjepa_ros.train.episodes import find_sources, load_segments
    from vjepa_ros.train.synthetic import blob_episode

    episode = blob_episode(12, 0, 32)
    episode.states[6:, 1] += 0.9  # a reset between frames 5 and 6 (0.25 s apart)
    path = episode.save(tmp_path / "reset.npz")
    (source,) = find_sources([path])
    segments, notes = load_segments(source, DataConfig(frames_per_clip=2))
    assert [len(s.frames) for s in segments] == [6, 5]  # frame 6 dropped
    for segment in segments:
        assert np.abs(segment.actions[:, :3]).max() < 0.2
    assert any("across a jump of the state" in note for note in notes), notes


def test_a_reset_that_only_turns_the_hand_is_a_jump_too():
    """A turn faster than an arm turns (5 rad/s + 0.05 rad) that stays: its steps are dropped.

    The planner node refuses it live (``JumpWatch``, breaker40b); offline a step across it would
    be a 1 rad rotation in a quarter second that no arm made (breaker40e).
    """
    times, states = dense(10_000.0)
    states[:, 3] = np.pi  # pointing down
    states[times > 1100 * MS, 5] += 1.0  # the hand turned 1 rad at once, and stays
    assert len(jump_intervals(times, states[:, :3])) == 0  # the position alone: no jump
    jumps = jump_intervals(times, states[:, :6])
    assert len(jumps) == 1
    steps = resample(FRAMES, times, states, 4.0, jumps_ns=jumps)
    assert list(np.flatnonzero(~steps.valid)) == [5] and steps.dropped == {STATE_JUMP: 1}
    slow = states.copy()  # the same turn at 2.5 rad/s (a Franka's limit): no jump
    slow[:, 5] = np.clip((times / 1e9 - 1.1) * 2.5, 0.0, 1.0)
    assert len(jump_intervals(times, slow[:, :6])) == 0

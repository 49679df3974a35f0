"""breaker44m: attack fix44i (3f7efc8): eval's executed motion over one step period.

Attacked: vjepa_ros/recordings/resample.py (``Steps.ends``, ``drop_uncovered_motion``,
``runs_valid``), vjepa_ros/eval/evaluate.py (``executed_actions`` and the executed sequence fed
to the energy), vjepa_ros/eval/metrics.py (``moved`` / ``moved_axes``, ``scored_steps``),
vjepa_ros/eval/step_notes.py (the motion note's "moved"), vjepa_ros/eval/camera_check_bag.py
(which executed motion the camera check compares) and README's eval / camera-check sections,
with small synthetic recordings whose true per-step motion is known. Defects were strict xfails
asserting what should happen; fix44m made them pass (two motions: frame to frame for the executed
sequence, the report's executed_action and the camera check; one step period only for comparing
the planned first action, ``executed_period_action``; step validity as before fix44i, a step
whose period is not covered left out of the first-action comparison only, and counted).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from vjepa_ros.eval import metrics
from vjepa_ros.eval.evaluate import executed_actions, executed_period_actions, unmeasured_steps
from vjepa_ros.eval.step_choice import planned_steps
from vjepa_ros.eval.step_notes import motion_note
from vjepa_ros.recordings.resample import END_GAP, END_PAST, resample


def _motion(position, camera_hz: float, seconds: float = 5.0, state_hz: float = 100.0):
    """Frame times at ``camera_hz``, state times at ``state_hz``, x = position(t) [m]."""
    image_times = np.round(np.arange(0, seconds, 1 / camera_hz) * 1e9).astype(np.int64)
    state_times = np.round(np.arange(0, seconds + 1e-3, 1 / state_hz) * 1e9).astype(np.int64)
    states = np.zeros((len(state_times), 7))
    states[:, 0] = position(state_times / 1e9)
    states[:, 2] = 0.3
    states[:, 3] = 3.0  # roll near pi, as a Franka's TCP pointing down
    return image_times, state_times, states


def test_the_executed_sequence_scored_by_the_energy_reaches_the_goal_frames_state():
    """The executed sequence's energy is taken toward frame k+H, but its actions do not sum to it.

    A 6 fps RealSense at --rate 4 (breaker44i's lab case): step 0 has the frame at 0 s, step 1
    the frame at 0.167 s. Each executed action is now 0.25 s of motion from its own frame, so
    a_0 covers 0..0.25 s and a_1 0.167..0.417 s. The arm makes one quick 10 mm move between
    0.18 and 0.24 s (a pick's approach): both actions contain it, and the executed sequence
    (H 2) that the energy rolls out from s_0 toward the goal frame 2 (0.5 s) moves 20 mm where the
    arm moved 10. The model was trained frame to frame (train reads s_{k+1} - s_k), so the
    executed sequence, rolled out toward frame k+H, should move the arm to the state at that frame.
    """
    image_times, state_times, states = _motion(
        lambda t: 0.4 + 0.01 * np.clip((t - 0.18) / 0.06, 0, 1), camera_hz=6.0, seconds=3.0)
    steps = resample(image_times, state_times, states, 4.0)
    assert steps.runs_valid(0, 2)
    executed = executed_actions(steps, 0, 2).numpy()  # what the energy is given
    reached = steps.states[2, 0] - steps.states[0, 0]  # the goal frame's state: 10 mm on
    assert reached == pytest.approx(0.01, abs=1e-6)
    assert executed[:, 0].sum() == pytest.approx(reached, abs=5e-4), executed[:, 0]


def test_the_motion_note_and_scored_steps_count_the_same_still_steps():
    """One definition of 'moved' is applied to two different numbers (float64 vs float32).

    A simulated arm (or a Cartesian velocity controller) moving at a steady 16 mm/s, evaluated
    with --min-motion 4 mm: every step moves 4 mm, up to float rounding. ``motion_note`` reads
    the float64 motion (``step_notes.executed_xyz``: one step is 3.9999999999 mm, still),
    ``summarize_actions`` the float32 ``executed_actions`` (4.0000002 mm, moved): the printed
    note says 1 step is left out of the |dxyz| error, while scored_steps counts all of them.
    """
    image_times, state_times, states = _motion(lambda t: 0.4 + 0.016 * t, camera_hz=4.0)
    steps = resample(image_times, state_times, states, 4.0)
    chosen = list(range(18))
    executed = np.stack([executed_actions(steps, k, 1)[0].numpy() for k in chosen])
    scored = metrics.summarize_actions(executed, executed, 0.004)["scored_steps"]
    note = motion_note(steps, chosen, 0.004)
    still = int(note.split(" of ")[0]) if note else 0
    assert still == len(chosen) - scored, (note, scored)


def test_the_camera_check_compares_the_frame_to_frame_motion(tmp_path, monkeypatch):
    """The camera check's comparison silently took eval's new executed motion.

    A 6 fps camera at the check's rate 4 (a RealSense mode chosen for USB bandwidth): frames of
    steps 0, 1, 2, 3 at 0, 0.167, 0.5, 0.667 s. The inferred motion of step k explains frame
    k+1 (README: executed s_{k+1} ⊖ s_k, frame to frame as the inferred motion;
    ``camera_check_bag._executed``, the pre-check, reads it so), but ``check_recording`` takes
    ``executed_action`` from eval's report, now one step period (0.25 s) from frame k: for a
    steady 40 mm/s it pairs 10 mm with frames 6.7 mm and 13.3 mm apart.
    """
    from test_eval_evaluate import tiny_world_model

    import vjepa_ros.eval.camera_check_bag as bag
    from vjepa_ros.eval.synthetic import render_state_frames
    from vjepa_ros.planning import preset
    from vjepa_ros.recordings.bag_writing import write_bag
    from vjepa_ros.recordings.bags import read_recording

    times = np.arange(0, 2.5, 1 / 6)
    states = np.zeros((len(times), 7))
    states[:, 0] = 0.4 + 0.04 * times
    states[:, 1] = 0.1 - 0.02 * times
    states[:, 2] = 0.3
    recording = read_recording(write_bag(tmp_path / "bag", render_state_frames(states), states,
                                         times))
    # the arm's state stream at 100 Hz (a franka_robot_state_broadcaster publishes faster still)
    state_times = recording.state_times[0] + np.round(np.arange(0, 2.51, 0.01) * 1e9).astype(
        np.int64)
    dense = np.tile(states[0], (len(state_times), 1))
    seconds = (state_times - state_times[0]) / 1e9
    dense[:, 0], dense[:, 1] = 0.4 + 0.04 * seconds, 0.1 - 0.02 * seconds
    recording = dataclasses.replace(recording, state_times=state_times, states=dense)
    captured = {}

    class Stop(Exception):
        pass

    def capture(executed, *rest, **named):
        captured["executed"] = np.asarray(executed)
        raise Stop

    monkeypatch.setattr(bag, "check_executed_motions", lambda *a: None)  # seconds, unrelated
    monkeypatch.setattr(bag, "check_motions", capture)
    torch.set_num_threads(1)
    with pytest.raises(Stop):
        bag.check_recording(recording, tiny_world_model(),
                            preset("paper", samples=8, iterations=1, topk=2), max_steps=4)
    steps = resample(recording.image_times, recording.state_times, recording.states, 4.0)
    frame_to_frame = 0.04 * np.diff(steps.frame_times[:5]) / 1e9  # [4] m along x
    np.testing.assert_allclose(captured["executed"][:, 0], frame_to_frame, atol=2e-4)


def test_a_state_gap_under_one_motions_end_loses_only_that_step():
    """A 0.13 s state dropout costs the step before the one whose motion it covers.

    A 6 fps camera at --rate 4 and a 100 Hz pose stream that misses 0.35..0.48 s (a DDS hiccup,
    more than max_state_gap_s 0.1): step 1 (frame 0.167 s) ends its period at 0.417 s, in the
    gap, so its motion is unknown and it cannot be scored. Step 0 (frame 0 s, motion to 0.25 s,
    goal frame 1 at 0.167 s) is measured in full, but ``drop_uncovered_motion`` marks step 1
    invalid, and step 0 needs its goal step valid: it is dropped too (planned steps start at 2).
    Step 1's frame and state are fine; only its motion should be missing.
    """
    image_times, state_times, states = _motion(lambda t: 0.4 + 0.04 * t, camera_hz=6.0,
                                               seconds=3.0)
    keep = (state_times < 0.35e9) | (state_times > 0.48e9)
    steps = resample(image_times, state_times[keep], states[keep], 4.0)
    assert not steps.period_known()[1]  # step 1's motion is unknown: not scored
    # fix44m: validity as before fix44i, step 1 left out of the first-action comparison only
    # (the breaker's [0, 2] had step 1 unplanned; planned, it still counts in the energies,
    # whose executed sequence is frame to frame and measured)
    assert planned_steps(steps, 1, 1)[:3] == [0, 1, 2]
    assert steps.valid.all() and not steps.dropped
    assert unmeasured_steps(steps, [0, 1, 2]) == {END_GAP: 1}
    assert np.isnan(executed_period_actions(steps, [1])).all()
    assert np.isfinite(executed_period_actions(steps, [0, 2])).all()


def test_a_step_whose_period_outlasts_the_states_is_counted_or_evaluated():
    """A late frame near the end of a bag loses its step without a word.

    Camera and pose recorded together and stopped together (``ros2 bag record`` ends both): the
    last state is at the last frame, 1.75 s. The frame of step 6 arrived 20 ms late (1.52 s,
    ordinary USB jitter), so its period ends at 1.77 s, 20 ms past the last state: ``ends`` is
    NaN, the step is not planned, yet it stays valid and no reason is counted: eval prints
    "steps 6 evaluated of 8 at 4 Hz (8 valid)" and ``dropped_steps`` {} (goal offset 1: 7
    fit). The step should be evaluated (the state stream covers all but 20 ms) or counted with
    a reason.
    """
    image_times = np.round(np.array([0, .25, .5, .75, 1.0, 1.25, 1.52, 1.75]) * 1e9).astype(
        np.int64)
    _, state_times, states = _motion(lambda t: 0.4 + 0.04 * t, camera_hz=4.0, seconds=1.75)
    steps = resample(image_times, state_times, states, 4.0)
    assert state_times[-1] == image_times[-1]
    planned = planned_steps(steps, 1, 1)
    assert 6 in planned or sum(steps.dropped.values()) == len(steps) - 1 - len(planned), (
        planned, steps.dropped)
    # fix44m: evaluated, and its first action not compared, for a reason counted
    assert 6 in planned
    assert unmeasured_steps(steps, planned) == {END_PAST: 1}

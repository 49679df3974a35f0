"""breaker56e: what ``vjepa-ros train`` makes of a lab's recordings, fourth round.

Rounds before, not repeated: test_breaker54e.py, 54m, 52i, 49h. Attacked (base56 2513e1c8):
``train/episodes.py`` (``_npz_segments``, ``_bag_segments``, ``_step_segments``),
``train/npz_episode.py``, ``recordings/episode.py`` (``Episode.load``), ``robot/state_ranges.py``
(``states_problem``), ``recordings/bags.py`` (one frame size per recording),
``train/model_records.py`` / ``trainer_files.export`` (what ``world_model.pt`` records), by hand
computation: episodes and bags whose states and frames are known, read as ``train`` reads them
(``find_sources`` + ``load_segments``).

Defects (strict xfails), by harm:

1. An ``.npz`` episode whose ``states[:, 6]`` is the hand's width in metres (0.08 open, 0.02 on
   a 2 cm object; or one finger's position, 0.04 .. 0.01), as a lab that logged the Franka
   Hand's ``width`` writes it, is trained on silently as closedness 0.08 -> 0.02: the hand
   "opens" by 0.06 while it closes by 0.75 (inverted, 12.5x too small). Every other unit of the
   gripper is refused (mm, percent, 0..255: beyond [0, 1]; ``state_ranges.states_problem``);
   metres lie inside [0, 1] and pass.
2. A gripper topic publishing steadily (30 Hz) that goes silent for 1.5 s while the hand closes
   (a gripper driver whose state reads block while its grasp action runs, a lost connection, a
   recorder that dropped the topic for a while) is read as an open hand through the silence,
   then closed at once: the 5 steps inside it are labelled open, whatever the hand did there,
   and the whole closing is one +0.75 action from step 9 to 10; no step dropped, no note.
   ``bag_gripper.held_values`` holds a value across any gap over 0.5 s (right for a hand
   publishing on change, breaker38c); the arm's own stream drops its steps in a gap over
   ``data.max_state_gap_s`` (0.1 s).
3. ``world_model.pt`` records the TCP, the gripper, the crop and the frame sizes it was trained
   with (``model_records.model_data``) but not its step rate: a run with ``--rate 10`` exports
   a model whose actions are 0.1 s motions, and nothing in it says so; eval, camera-check and
   the planner take it as DROID's 4 Hz model (0.25 s motions) without a word.
4. A bag whose camera changes resolution mid-recording (a driver restarted with another
   profile) is refused whole, advising "(eval: --start / --end)", options train does not have;
   train encodes each segment by itself and takes sources of different sizes, so each part of
   one size could be read (split there, as at a dropped frame).
5. An ``.npz`` whose ``states`` were logged at the arm's rate (1 kHz, 4001 states for 17
   frames) is refused "17 frames but 4001 states" with no word on what to give: one state per
   frame, at its frame's time.

Held up (probed, not pinned here): an ``.npz`` roll wrapping between +pi and -pi every step
(actions +-0.02 rad, not 2 pi); a pause (arm still, frames byte-identical for 4 steps) kept
whole, no stale note; the split reported in the log as the held-out share of frames
(``run_log``); resume refusing any ``data.*`` change but the cache's; the predictor's RoPE has
no frame limit for long clips; ``auto_steps`` > ``frames_per_clip - 1`` refused with both fixes.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from train_bags import GRIPPER, _frame, _frame_number, _picture, _read, _sliding_bag, _tiny_run

STEPS = 17  # frames of the .npz episodes: 4 s at 4 Hz


def _sliding_states(gripper) -> np.ndarray:
    """Return [STEPS, 7] states: the hand down, sliding +x 1 cm a step, ``gripper`` in col 6."""
    states = np.zeros((STEPS, 7))
    states[:, 0] = 0.4 + 0.01 * np.arange(STEPS)
    states[:, 2], states[:, 3] = 0.3, np.pi
    states[:, 6] = gripper
    return states


def _npz(path: Path, states: np.ndarray, **arrays) -> Path:
    frames = np.stack([_picture(k) for k in range(STEPS)])
    np.savez(path, observations=frames, states=states, **arrays)
    return path


# -- 1. the gripper's width in metres

WIDTHS = {
    "hand width 0.08 -> 0.02 m": np.linspace(0.08, 0.02, STEPS),
    "one finger 0.04 -> 0.01 m": np.linspace(0.04, 0.01, STEPS),
}


@pytest.mark.parametrize("case", list(WIDTHS))
def test_gripper_widths_in_metres_are_not_trained_as_closedness(case, tmp_path):
    """The hand closes from open to a 2 cm object; the file holds its width [m], not closedness.

    Input: 17 frames at 4 Hz, states[:, 6] = the width (or one finger's position) in metres.
    Now: one segment of 17 steps, closedness 0.08 .. 0.02 (actions -0.00375 a step: "opening"),
    no note. Right: refused (one line naming the file and states[:, 6]) or read with a note
    naming the file that its gripper column looks like metres (closedness = 1 - width / 0.08).
    """
    from vjepa_ros.train.episodes import EpisodeError

    path = _npz(tmp_path / "ep.npz", _sliding_states(WIDTHS[case]),
                timestamps=np.arange(STEPS) * 0.25)
    try:
        segments, notes = _read(path, frames_per_clip=3)
    except EpisodeError as exc:
        text = str(exc)
        assert path.name in text and "\n" not in text and "states[:, 6]" in text, text
        return
    assert any(path.name in note and re.search(r"metre|width", note) for note in notes), \
        (notes, segments[0].states[:3, 6])


def test_a_closing_hand_in_closedness_is_read_without_a_note(tmp_path):
    """Pin (the other side): closedness 0 -> 0.75 (the same hand, right units) is read as is."""
    closing = 1 - np.linspace(0.08, 0.02, STEPS) / 0.08
    path = _npz(tmp_path / "ep.npz", _sliding_states(closing), timestamps=np.arange(STEPS) * 0.25)
    (segment,), notes = _read(path, frames_per_clip=3)
    assert notes == []
    np.testing.assert_allclose(segment.states[:, 6], closing, atol=1e-6)
    np.testing.assert_allclose(segment.actions[:, 6], 0.75 / 16, atol=1e-6)


# -- 3. the step rate of the exported model


def test_the_exported_model_records_the_step_rate_it_was_trained_at(tmp_path):
    """A run at ``--rate 10``: each action a 0.1 s motion; the model must say so.

    Now: config["data"] holds aspect_ratio_range, tcp_xyz, tcp_rpy, no_gripper; no rate. Right:
    a rate entry of 10 Hz in what the model records of its training data (as latest.pt's
    train_config holds data.rate_hz), so eval and the planner can tell a 10 Hz model.
    """
    trainer = _tiny_run(tmp_path / "run", 10.0)
    trainer.train()
    raw = torch.load(tmp_path / "run" / "world_model.pt", map_location="cpu",
                     weights_only=False)
    recorded = raw["config"].get("data", {})
    rates = [value for key, value in recorded.items() if "rate" in key]
    assert rates == [10.0], recorded


# -- 4. a camera changing resolution mid-recording


def _resized_bag(path: Path) -> Path:
    """Write 25 frames, 64x48 up to frame 11 and 128x96 from frame 12; the hand open."""
    frames = [_frame(k, (48, 64) if k < 12 else (96, 128)) for k in range(25)]
    return _sliding_bag(path, frames, [(k / 100, 0.04) for k in range(601)])


def test_a_camera_changing_resolution_mid_bag_gives_a_segment_per_size(tmp_path):
    """A driver restarted at another resolution: 12 frames of 64x48, then 13 of 128x96.

    Now: EpisodeError "frames on /camera/...: change size: 64x48 px at message 1 ..., 128x96 px
    at message 13 ...; use a part of one size (eval: --start / --end) or re-record". Right: the
    bag read as segments of one size each (no clip across the change), both sizes trained on,
    each step's state the pose at its frame's time (x = 0.4 + 0.01 k m).
    """
    path = _resized_bag(tmp_path / "bag")
    segments, _ = _read(path, frames_per_clip=3)
    sizes = {segment.frames.shape[1:3] for segment in segments}
    assert sizes == {(48, 64), (96, 128)}, sizes
    assert sum(len(segment) for segment in segments) >= 23  # at most the step at the change lost
    for segment in segments:
        shown = np.array([_frame_number(frame) for frame in segment.frames])
        np.testing.assert_allclose(segment.states[:, 0], 0.4 + 0.01 * shown, atol=1e-6)


# -- 2. a steadily publishing gripper that goes silent


def _silent_gripper_bag(path: Path) -> Path:
    """Write 21 frames at 4 Hz, poses at 100 Hz, fingers at 30 Hz silent over 1.0 .. 2.5 s.

    The hand is open (fingers 0.04 m) before the silence and closed on an object (0.01 m,
    closedness 0.75) after it: it closed while its topic said nothing.
    """
    fingers = [(k / 30, 0.04 if k <= 30 else 0.01) for k in range(151)
               if not 1.0 < k / 30 < 2.5]
    return _sliding_bag(path, [_picture(k) for k in range(21)], fingers)


def test_steps_inside_a_silence_of_a_steady_gripper_topic_are_not_trained_on(tmp_path):
    """Frames at 1.25 .. 2.25 s (steps 5-9) have no closedness reading within 0.25 s.

    Now: one segment of 21 steps, closedness 0 at steps 0-9, 0.75 from step 10 (2.5 s), notes
    empty. Right: the steps whose closedness the silence hides are not trained on (dropped as
    the arm stream's steps in a state gap are), with a note naming the gripper topic; the steps
    outside it keep their readings.
    """
    path = _silent_gripper_bag(tmp_path / "bag")
    segments, notes = _read(path, frames_per_clip=3)
    kept = {round(float(state[0] - 0.4) / 0.01) for segment in segments
            for state in segment.states}  # each step's frame number, from its x (1 cm a step)
    assert not kept & {5, 6, 7, 8, 9}, sorted(kept)
    assert {0, 1, 2, 3, 11, 12, 13}.issubset(kept), sorted(kept)
    assert any(GRIPPER in note for note in notes), notes


# -- 5. states at the arm's rate in an .npz


@pytest.mark.parametrize("extra", [{}, {"state_timestamps": np.arange(4001) / 1000}])
def test_states_logged_at_the_arms_rate_are_refused_with_what_to_give(extra, tmp_path):
    """17 frames at 4 Hz (timestamps), states at 1 kHz over the same 4 s.

    Now: "<path>: 17 frames but 4001 states". Right: one line naming the file that says the
    states must be one per frame, at each frame's time (e.g. interpolated at its timestamps),
    or what reads them (a bag of the camera and the arm's states).
    """
    from vjepa_ros.train.episodes import EpisodeError

    states = np.zeros((4001, 7))
    states[:, 0] = 0.4 + 0.04 * np.arange(4001) / 1000
    states[:, 2], states[:, 3] = 0.3, np.pi
    path = _npz(tmp_path / "ep.npz", states, timestamps=np.arange(STEPS) * 0.25, **extra)
    with pytest.raises(EpisodeError) as caught:
        _read(path, frames_per_clip=3)
    text = str(caught.value)
    assert path.name in text and "\n" not in text, text
    assert re.search(r"(one|a) state (per|for each|at each) frame|each frame's (time|state)",
                     text), text

"""mend50m: the words a new user sees, and the README's quotes of them, say what happens.

The camera check's two progress bars are quoted by the README as they are labelled.
``vjepa-ros run``'s summary of a placed object that is not put down (pick-and-place's success
since the put-down rule) says why, and its totals over seeds all skipped give the success rate.
A damaged message gives its fix, then the library's words; train alone adds 'or leave it out of
the data given'. Pretrain's refusals of a null clip_grad and a too coarse patch_size give what
passes; its NaN line says the failed step is among those lost. A bag with no JointState topic
says so; eval's size note for the random model (no --checkpoint) says its input and the demo's.
"""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from test_breaker50g import _pose_recording

from vjepa_ros.cli_options import option_message
from vjepa_ros.config import from_dict
from vjepa_ros.demo import (
    RANDOM_MODEL_SOURCE,
    random_model_wording,
    small_random_world_model,
)
from vjepa_ros.eval.camera_check_bag import SEARCH_LABELS
from vjepa_ros.eval.step_notes import still_arm_problem
from vjepa_ros.eval.synthetic import render_state_frames
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_reader import BagError
from vjepa_ros.recordings.bag_writing import write_bag
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.recordings.resample import END_GAP, Steps
from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig
from vjepa_ros.sim.manipulation import ExpertOutcome
from vjepa_ros.sim.task_run import SceneReading, TaskRun, format_totals
from vjepa_ros.train.config import DataConfig
from vjepa_ros.train.episodes import EpisodeError
from vjepa_ros.train.pretrain_command import lost_steps
from vjepa_ros.train.pretrain_config import PretrainConfig
from vjepa_ros.train.segments import bag_segments as segments_of

POSE = "/franka_robot_state_broadcaster/current_pose"

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_names_the_camera_checks_progress_bars_as_labelled():
    text = " ".join(README.read_text().split())
    assert SEARCH_LABELS == ("camera-check search 1 of 2",
                             "camera-check search 2 of 2 (another seed)")
    assert all(f"`{label}`" in text for label in SEARCH_LABELS)
    assert "the `eval:` progress bars (one per search)" not in text


def _task_run(placed: bool, success: bool, shift_m: float | None) -> TaskRun:
    """Return a pick-and-place episode's record, as run_task does (no simulator needed)."""
    setup = SimpleNamespace(seed=900000, task="pick-and-place")
    episode = SimpleNamespace(steps=[], sim_seconds=10.0, held="", success=success)
    reading = SceneReading(1.0, 0.1, 0.0, 0.01, False, carried_shift_m=shift_m)
    outcome = ExpertOutcome(success, False, placed, None, 0, [], False, grasped_during=True)
    return TaskRun(setup, "cup", GoalSwitchConfig(), episode, outcome, [], reading, 3.0, 40)


def test_a_placed_object_not_put_down_says_why_not_where_success_needs_put_down():
    pushed = _task_run(placed=True, success=False, shift_m=0.042)
    assert "failure; grasped during the episode yes, at the end no, placed yes, not put down " \
           "(4.2 cm from where it was last held, over max_put_down_shift 3 cm: pushed there?); " \
           in pushed.summary(), pushed.summary()
    never = _task_run(placed=True, success=False, shift_m=None)
    assert ", placed yes, not put down (never held: pushed there?); " in never.summary()
    done = _task_run(placed=True, success=True, shift_m=0.01)
    assert "SUCCESS; grasped during the episode yes, at the end no, placed yes; 0 steps" \
           in done.summary(), done.summary()
    totals = format_totals([pushed, done])
    assert totals.startswith("total: success 1/2 (50%), grasped during 2/2, placed 2/2 "
                             "(1 not put down: not carried there); median"), totals
    assert "not put down" not in format_totals([done])


def test_every_seed_skipped_totals_say_the_success_rate_and_why():
    assert format_totals([], skipped=2) == \
        "total: success 0/2 (0%): no episode ran (2 seeds skipped: no sub-goal images)"
    assert format_totals([], skipped=1) == \
        "total: success 0/1 (0%): no episode ran (1 seed skipped: no sub-goal images)"


def test_a_step_left_unmeasured_by_a_state_gap_is_told_start_and_the_gap_that_covers_it():
    """2 chosen steps whose period ends fall in a 0.17 s state gap (the 30 Hz stream's only one).

    The 95th percentile interval is within max_state_gap_s, so no stream-rate hint: the refusal
    says where a known motion starts (end_s optional) and the max_state_gap_s covering the gap.
    """
    state_s = np.concatenate([np.arange(0, 0.21, 1 / 30), np.arange(0.37, 3.0, 1 / 30)])
    state_ns = np.round(state_s * 1e9).astype(np.int64)
    states = np.zeros((len(state_s), 7))
    states[:, 0] = 0.45 + 0.04 * state_s  # 1 cm a step at 4 Hz
    recording = SimpleNamespace(path="bag", image_times=state_ns, state_times=state_ns,
                                states=states, state_topic="/pose")
    grid = np.array([0, 0.05, 1.0, 1.25]) * 1e9
    grid = grid.astype(np.int64)
    ends = np.full((4, 7), np.nan)
    ends[2:] = states[[34, 41]]  # known from 1.0 s on
    steps = Steps(4.0, grid, np.arange(4), grid, states[[0, 1, 24, 31]], np.ones(4, bool),
                  ends=ends, end_problems=np.array([END_GAP, END_GAP, "", ""], dtype=object))
    said = option_message(still_arm_problem(recording, steps, [0, 1], 0.002, 0.1),
                          {"start_s": "--start", "end_s": "--end",
                           "max_state_gap_s": "--max-state-gap"})
    assert said.startswith("bag: no step would be scored: 2 of 2 evaluated steps have no known "
                           "motion"), said
    assert said.endswith("a motion is first known and moving 1.0 s after the bag's start: give "
                         "--start 1 (--end optional) to evaluate where it moves, or give "
                         "--max-state-gap 0.2 to cover their state gaps"), said


def _damaged_pose_bag(tmp_path):
    """Write a 12-frame bag, then copy it with its 3rd pose message cut to 20 bytes."""
    from rosbags.rosbag2 import Reader, StoragePlugin, Writer

    t = np.arange(12) / 4.0
    states = np.tile([0.45, 0.0, 0.3, np.pi, 0.0, 0.0, 0.0], (12, 1))
    states[:, 0] += 0.04 * t
    good = write_bag(tmp_path / "good", render_state_frames(states), states, t)
    with Reader(good) as reader, Writer(tmp_path / "dmg", version=8,
                                        storage_plugin=StoragePlugin.MCAP) as writer:
        out = {c.id: writer.add_connection(c.topic, c.msgtype, typestore=None,
                                           msgdef=c.msgdef.data, rihs01=c.digest)
               for c in reader.connections}
        poses = 0
        for connection, stamp, raw in reader.messages():
            if connection.msgtype == m.POSE_STAMPED:
                poses += 1
                raw = raw[:20] if poses == 3 else raw
            writer.write(out[connection.id], stamp, raw)
    return tmp_path / "dmg"


def test_a_damaged_message_gives_the_fix_then_the_libraries_words_and_train_its_own_fix(
        tmp_path):
    bag = _damaged_pose_bag(tmp_path)
    with pytest.raises(BagError) as refused:
        read_recording(bag)
    said = str(refused.value)
    lead = f"{bag}: {POSE} message 3 (counting from 1) is damaged: re-copy it from the " \
           "recording machine, or re-record ("
    assert said.startswith(lead) and said.endswith(")") and "train" not in said, said
    cause = said[len(lead):-1]
    assert cause and "leave it out" not in cause, said
    with pytest.raises(EpisodeError) as refused:
        segments_of(bag, DataConfig())
    assert str(refused.value).endswith(
        f"is damaged: re-copy it from the recording machine, or re-record, or leave it out of "
        f"the data given ({cause})"), str(refused.value)


def test_pretrain_words_a_null_clip_grad_a_too_coarse_patch_and_a_nan_step():
    with pytest.raises(ValueError) as refused:
        from_dict(PretrainConfig, {"clip_grad": None})
    assert str(refused.value) == "clip_grad: expected a number, got null; 0 disables clipping"
    with pytest.raises(ValueError) as refused:
        from_dict(PretrainConfig, {"lr": None})
    assert str(refused.value) == "lr: expected a number, got null"
    with pytest.raises(ValueError) as refused:
        PretrainConfig(patch_size=128)
    assert str(refused.value).endswith(
        "at least 2x2 (a smaller patch_size (e.g. patch_size 64: a 2x2 grid), or a larger "
        "img_size)"), str(refused.value)
    PretrainConfig(patch_size=64)  # the example passes as given
    nan = FloatingPointError("pretraining loss became nan at step 2 (lower lr 1e+12 or start_lr)")
    nan.pretrain_steps_done = 2
    assert lost_steps(nan, []).startswith("; lost: the 2 steps done, step 2 included (not "
                                          "saved), nothing was saved"), lost_steps(nan, [])


def test_a_bag_without_joint_states_says_so_and_the_random_models_size_note_is_true(tmp_path):
    recording = _pose_recording(tmp_path, np.arange(8) / 4.0, np.arange(0, 2.0, 0.1))
    assert [note for note in recording.notes if note.startswith(
        "warning: no gripper state in the bag (no JointState topic to read finger joints "
        "from): gripper closedness 0 (open) throughout")], recording.notes
    height, width = recording.frame_shape()[:2]
    model = small_random_world_model()
    note = recording.frame_size_note(model.img_size, None, **random_model_wording(
        RANDOM_MODEL_SOURCE))
    assert note == (f"the bag's frames are {width}x{height} px, smaller than the small random "
                    "model's 256x256 input: they are upsampled, and its weights are random (no "
                    "--checkpoint), so that loses nothing; the packaged demo model "
                    "(--checkpoint demo) takes 128x128 px frames"), note
    assert random_model_wording("/some/model.pt") == {}  # a checkpoint: the usual words
    assert "smaller than the world model's 256x256 input" in recording.frame_size_note(
        model.img_size, None)


def test_the_covering_gap_is_said_alone_where_no_later_start_is_known():
    """The same 0.17 s gap, the arm still throughout: only the gap setting is named."""
    state_s = np.concatenate([np.arange(0, 0.21, 1 / 30), np.arange(0.37, 3.0, 1 / 30)])
    state_ns = np.round(state_s * 1e9).astype(np.int64)
    states = np.zeros((len(state_s), 7))
    recording = SimpleNamespace(path="bag", image_times=state_ns, state_times=state_ns,
                                states=states, state_topic="/pose")
    grid = (np.array([0, 0.05]) * 1e9).astype(np.int64)
    steps = Steps(4.0, grid, np.arange(2), grid, states[[0, 1]], np.ones(2, bool),
                  ends=np.full((2, 7), np.nan),
                  end_problems=np.array([END_GAP, END_GAP], dtype=object))
    said = still_arm_problem(recording, steps, [0, 1], 0.002, 0.1)
    assert said.endswith(" at its end: 2); give max_state_gap_s 0.2 to cover their state "
                         "gaps"), said


def test_readme_quotes_the_run_summarys_put_down_words_as_printed():
    text = " ".join(README.read_text().split())
    pushed = _task_run(placed=True, success=False, shift_m=0.042).summary()
    quote = "placed yes, not put down (4.2 cm from where it was last held, over " \
            "max_put_down_shift 3 cm: pushed there?)"
    assert quote in pushed and f"`{quote}`" in text
    assert f"`{format_totals([], skipped=2)}`" in text

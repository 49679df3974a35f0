"""fix59j: the live camera check's trial timing, clipped steps, an arm that stops, its files.

breaker59j's six defects are pinned in ``test/test_breaker59j.py`` (now passing); these test the
pieces of the fixes one by one: ``CorrectionTrial`` (moves timed from the set-point's last
motion and each hop, a clipped step judged where it was sent, a move to a trial's start that
came less than half of the way stops the check), ``with_labels`` (rows and labels paired in one
place), ``unwritten_words`` (what a failed write left), the live parameter file without goals
and the benchmark's refusal of misaligned rows.
"""

import math
import os
from types import SimpleNamespace

import numpy as np
import pytest

from vjepa_ros.eval.camera_check import check_motions
from vjepa_ros.eval.camera_check_report import PARAMS_FILE
from vjepa_ros.eval.camera_check_result import with_labels
from vjepa_ros.eval.camera_check_trial import trial_verdict
from vjepa_ros.eval.camera_check_unwritten import file_key, unwritten_words
from vjepa_ros.robot.camera_check_trial import CheckTrialConfig, CorrectionTrial

START = np.array([0.30, 0.0, 0.50, math.pi, 0.0, 0.0, 0.0])
ARGS = (None, lambda stamp: None, 0.1)  # no frame, no state: only the moves are stepped


def _trial(offset=0.08):
    pose = START + [offset, 0, 0, 0, 0, 0, 0]
    result = SimpleNamespace(candidate_rpy_deg=[0.0, 0.0, 90.0], verdict="correct by rotation",
                             candidate="yaw", candidate_angle_deg=90.0)
    trial = CorrectionTrial(START, None, [("+x", pose)], result, None, CheckTrialConfig(),
                            settle_s=0.3, timeout_s=10.0, arrival_tolerance_m=0.01)
    return trial, pose


def at(pose, dx=0.0):
    moved = np.array(pose, dtype=np.float64)
    moved[0] += dx
    return moved


def test_a_move_whose_set_point_still_streams_is_never_late():
    """A 23 cm move at 1.5 cm/s: 15 s of streaming, then arrival; no stop, nothing blocked."""
    trial, pose = _trial()
    assert np.allclose(trial.advance(0.0, START, False, *ARGS), pose)
    trial.commanded(pose, clipped=False)
    for t in np.arange(0.5, 15.0, 0.5):  # still on its way, past timeout_s
        assert trial.advance(t, at(START, 0.08 * t / 15), False, *ARGS, streaming=True) is None
    assert not trial.error and trial.blocked == 0 and trial.arrived_at is None
    trial.advance(15.5, pose, True, *ARGS)
    assert trial.arrived_at == 15.5 and trial.blocked == 0


def test_a_way_back_from_the_leash_that_streams_past_the_timeout_still_finishes():
    """The last leg ended at the leash (15 cm): 10+ s back at 1.5 cm/s, then the trial ends."""
    trial, _ = _trial()
    leash = at(START, 0.15)
    trial.leg, trial.stage = len(trial.legs), "return"
    assert np.allclose(trial.advance(0.0, leash, False, *ARGS), START)
    trial.commanded(at(START, 0.05), clipped=True)  # a hop of safety.max_step_m
    for t in np.arange(0.5, 7.0, 0.5):
        trial.advance(t, at(leash, -0.1 * t / 7), False, *ARGS, streaming=True)
    assert np.allclose(trial.advance(7.5, at(START, 0.05), True, *ARGS), START)  # next hop
    trial.commanded(START, clipped=False)
    for t in np.arange(8.0, 17.5, 0.5):
        trial.advance(t, at(START, 0.05 * (17.5 - t) / 9.5), False, *ARGS, streaming=True)
    trial.advance(18.0, START, True, *ARGS)  # arrived: 18 s after the way back began
    trial.advance(18.1, START, True, *ARGS)
    assert trial.finished and not trial.error


def test_each_hop_that_brings_the_arm_closer_is_timed_anew():
    """A move in hops (max_step_m): each hop's arrival commands the goal again, timed from then."""
    trial, pose = _trial()
    trial.advance(0.0, START, False, *ARGS)
    trial.commanded(at(START, 0.03), clipped=True)  # the filter's first hop
    again = trial.advance(8.0, at(START, 0.03), True, *ARGS)  # at the hop: the next one
    assert np.allclose(again, pose) and trial.commanded_at == 8.0
    trial.commanded(at(START, 0.06), clipped=True)
    assert trial.advance(17.0, at(START, 0.06), True, *ARGS) is not None  # 17 s in all: fine
    trial.commanded(pose, clipped=False)
    trial.advance(20.0, pose, True, *ARGS)
    assert trial.arrived_at == 20.0 and not trial.error and trial.clipped == 0


def test_after_a_hold_that_moved_the_arm_back_the_hops_go_on_from_where_it_stands():
    trial, pose = _trial()
    trial.advance(0.0, START, False, *ARGS)
    trial.commanded(at(START, 0.03), clipped=True)
    assert trial.advance(3.0, at(START, 0.03), True, *ARGS) is not None  # the next hop
    trial.resume()  # a hold; meanwhile the arm was guided back to the start
    assert np.allclose(trial.advance(6.0, START, False, *ARGS), pose)  # sent again
    trial.commanded(at(START, 0.03), clipped=True)
    assert trial.advance(8.0, at(START, 0.03), True, *ARGS) is not None  # hops on from there
    trial.commanded(pose, clipped=False)
    trial.advance(10.0, pose, True, *ARGS)
    assert trial.arrived_at == 10.0 and not trial.error


def test_an_arm_that_does_not_follow_to_a_trials_start_stops_the_check_with_the_motions_verdict():
    trial, pose = _trial()
    trial.advance(0.0, START, False, *ARGS)
    trial.commanded(pose, clipped=False)
    trial.advance(0.5, at(START, 0.0002), True, *ARGS)  # the set-point there, the arm not
    trial.advance(10.6, at(START, 0.0003), True, *ARGS)
    assert trial.arrived_at is None and trial.blocked == 0
    assert trial.error.startswith("camera check stopped: the arm did not follow"), trial.error
    assert "trial 1 of 2 (uncorrected, from +x)'s starting pose" in trial.error
    assert "the motions alone said: correct by rotation, yaw rotation 90.0°" in trial.error
    assert "\n" not in trial.error


def test_a_trials_start_reached_most_of_the_way_counts_as_blocked_and_goes_on():
    trial, pose = _trial()
    trial.advance(0.0, START, False, *ARGS)
    trial.commanded(pose, clipped=False)
    trial.advance(0.5, START, False, *ARGS, streaming=True)  # its first look: 8 cm to go
    assert trial.advance(6.0, at(START, 0.07), True, *ARGS) is not None  # an object 1 cm short
    trial.commanded(pose, clipped=False)  # (commanded again: timed from then)
    trial.advance(15.9, at(START, 0.07), True, *ARGS)
    assert trial.blocked == 0
    trial.advance(16.1, at(START, 0.07), True, *ARGS)
    assert (trial.blocked, trial.legs[0].blocked, trial.arrived_at) == (1, 1, 16.1)
    assert not trial.error


def test_a_step_the_filter_shortened_arrives_where_it_was_sent_counted_once():
    trial, _ = _trial()
    trial.stage, trial.leg = "plan", 0
    trial.planned = at(START, -0.2)  # past the box's wall
    trial.advance(0.0, START, False, *ARGS)
    wall = at(START, -0.05)
    trial.commanded(wall, clipped=True)
    trial.resume()  # a hold: the same step goes out again
    trial.advance(1.0, START, False, *ARGS)
    trial.commanded(wall, clipped=True)
    assert (trial.clipped, trial.legs[0].clipped) == (1, 1)
    trial.advance(2.0, wall, True, *ARGS)
    assert trial.arrived_at == 2.0 and trial.blocked == 0  # no timeout_s at the wall


def test_a_planned_step_that_does_not_arrive_once_its_set_point_stands_is_blocked():
    trial, _ = _trial()
    trial.stage, trial.planned = "plan", at(START, 0.02)
    trial.advance(0.0, START, False, *ARGS)
    trial.commanded(at(START, 0.02), clipped=False)
    trial.advance(10.5, START, True, *ARGS)
    assert (trial.blocked, trial.arrived_at, trial.error) == (1, 10.5, "")


def test_the_trials_verdict_says_how_many_steps_the_filter_shortened():
    legs = [{"setting": setting, "progress": progress, "clipped": clipped, "blocked": 0}
            for setting, progress, clipped in (("uncorrected", -0.5, 3), ("corrected", 0.95, 0))]
    motions = SimpleNamespace(candidate_rpy_deg=[0.0, 0.0, 90.0], candidate_angle_deg=90.0,
                              candidate="yaw", verdict="correct by rotation", search_caveat="")
    result = trial_verdict(_as_result(motions), legs, 0.5, 0.2)
    assert result.trial["clipped"] == 3 and "blocked" not in result.trial
    assert "3 planned trial step(s) were shortened by the safety filter" in result.explanation
    assert "did not arrive" not in result.explanation


def _as_result(fields):
    """Return a real motions' result with ``fields``' candidate (the trial's input)."""
    import dataclasses

    executed = 0.03 * np.vstack([np.eye(3), -np.eye(3)])
    noisy = executed + np.random.default_rng(0).normal(0, 0.003, executed.shape)
    return dataclasses.replace(check_motions(executed, noisy),
                               **{k: v for k, v in vars(fields).items() if k != "verdict"})


def test_labels_go_with_their_rows_whichever_motions_were_left_out():
    executed = 0.03 * np.vstack([np.eye(3), -np.eye(3)])
    labels = ["+x", "+y", "+z", "-x", "-y", "-z"]
    result = check_motions(executed, executed, unchanged=["", "", "", "", "same picture", ""])
    labelled = with_labels(result, labels)
    assert labelled.motion_index == [0, 1, 2, 3, 5]
    assert labelled.labels == ["+x", "+y", "+z", "-x", "-z"]
    assert len(labelled.labels) == len(labelled.executed) == len(labelled.inferred)
    for label, row in zip(labelled.labels, labelled.executed, strict=True):
        axis = "xyz".index(label[1])
        assert math.copysign(1, row[axis]) == (1 if label[0] == "+" else -1)
    with pytest.raises(ValueError, match="5 motion labels for motion 5: give one label per"):
        with_labels(result, labels[:5])


def test_a_failed_write_says_whose_parameter_file_is_there(tmp_path):
    error = OSError(28, "No space left on device")
    words = unwritten_words(tmp_path, None, error)
    assert f"no {PARAMS_FILE} there" in words and "No space left on device" in words
    path = tmp_path / PARAMS_FILE
    path.write_text("earlier: 1\n")
    before = file_key(path)
    words = unwritten_words(tmp_path, before, error)
    assert f"the {PARAMS_FILE} there is an earlier check's, not this one's: do not load it" in \
        words
    replacement = tmp_path / "new.yaml"  # written whole and renamed over it, as write_text does
    replacement.write_text("this: 1\n")
    os.replace(replacement, path)
    assert f"{PARAMS_FILE} is this check's" in unwritten_words(tmp_path, before, error)
    assert "\n" not in words


def test_the_benchmark_refuses_rows_not_paired_with_their_labels():
    from benchmarks import bench_camera_motion_count as bench

    run = {"placement": "p", "labels": ["+x", "-x", "+y"], "executed": [[0.03, 0, 0]] * 2,
           "inferred": [[0.03, 0, 0]] * 2, "explained": [0.9] * 2, "arm_s": 1, "inference_s": 1}
    with pytest.raises(ValueError, match=r"p: its rows differ in length \(labels 3, executed 2"):
        bench.cut_rows(run)

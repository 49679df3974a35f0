"""What `vjepa-ros eval` says about the steps before it plans: dropped steps, a still arm, bursts.

States slower than --max-state-gap are refused with the gap that keeps them; dropped steps are
counted in words on the console; a recording whose chosen steps never move is refused before the
model loads, with where the arm does move (--start); one that moves in part says how many steps
are scored per axis; a recorded plan_report is named with what reads it; messages carry no
Python reprs.
"""

import json
import shutil

import numpy as np
import pytest
import torch

from vjepa_ros.cli import main
from vjepa_ros.eval.synthetic import render_state_frames
from vjepa_ros.models import WorldModel, build_encoder, build_predictor, save_world_model
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_bag, write_messages
from vjepa_ros.recordings.resample import resample

pytestmark = pytest.mark.usefixtures("one_thread")

FAST = ["--samples", "12", "--iterations", "1", "--landscape-points", "0", "--quiet"]
START = np.array([0.45, 0.0, 0.35, np.pi - 0.1, 0.05, 0.2, 0.0])


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    size = dict(img_size=64, embed_dim=32, depth=1, num_heads=2)
    model = WorldModel(build_encoder(**size), build_predictor(predictor_embed_dim=32, **size),
                       "cpu", torch.float32)
    path = tmp_path_factory.mktemp("model") / "tiny.pt"
    save_world_model(path, model.encoder, model.predictor)
    return str(path)


def _states(times_s, speed=0.05, still_until_s=0.0):
    """States [T, 7] moving along x at ``speed`` m/s after ``still_until_s``."""
    states = np.tile(START, (len(times_s), 1))
    states[:, 0] += speed * np.clip(np.asarray(times_s) - still_until_s, 0, None)
    return states


def _two_rate_bag(path, seconds=3.0, frame_hz=4.0, state_times_s=None):
    """Write a bag of frames at ``frame_hz`` and poses at ``state_times_s`` (no gripper)."""
    frame_times = np.arange(0, seconds + 1e-9, 1 / frame_hz)
    frames = render_state_frames(_states(frame_times))
    entries = [(BagTopics().image, m.IMAGE, DEFAULT_START_NS + int(t * 1e9),
                m.image_message(frame, DEFAULT_START_NS + int(t * 1e9), "camera"))
               for frame, t in zip(frames, frame_times, strict=True)]
    for state, t in zip(_states(state_times_s), state_times_s, strict=True):
        stamp = DEFAULT_START_NS + int(round(t * 1e9))
        entries.append((BagTopics().pose, m.POSE_STAMPED, stamp,
                        m.pose_message(state, stamp, "base")))
    entries.sort(key=lambda entry: entry[2])
    return str(write_messages(path, entries))


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    """Run each test in its own folder (``eval`` without ``--out`` writes ``./eval_<bag>``).

    Two tests in the repo root at once claimed the same one ("in use by another command").
    """
    monkeypatch.chdir(tmp_path)


def _eval(capsys, *argv):
    code = main(["eval", *argv])
    printed = capsys.readouterr()
    return code, printed.out, printed.err.strip()


def test_states_slower_than_the_gap_are_refused_with_the_gap_that_keeps_them(
        capsys, tmp_path, checkpoint):
    bag = _two_rate_bag(tmp_path / "bag", state_times_s=np.arange(0, 3.0 + 1e-9, 0.2))
    code, out, err = _eval(capsys, bag, "--checkpoint", checkpoint, "--out",
                           str(tmp_path / "out"), "--no-gripper", *FAST)
    assert code == 1 and "\n" not in err and "world model" not in out
    assert "{" not in err and "'" not in err, "no Python dict in the message"
    assert "steps dropped: " in err and "whose state falls in a gap of more than 0.1 s " \
        "between recorded states (--max-state-gap)" in err, err
    assert err.endswith(f"{BagTopics().pose} arrives every 0.20 s (median), more than "
                        "--max-state-gap 0.1 s allows: give --max-state-gap 0.25"), err
    assert main(["camera-check", bag, "--random-weights", "--no-gripper", "--quiet",
                 "--out", str(tmp_path / "check")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("vjepa-ros camera-check: ") and "\n" not in err, err
    assert err.endswith("give --max-state-gap 0.25"), "the same message, camera-check's option"
    code, out, err = _eval(capsys, bag, "--checkpoint", checkpoint, "--out",
                           str(tmp_path / "out"), "--no-gripper", "--max-state-gap", "0.25",
                           "--max-steps", "2", *FAST)
    assert code == 0, err
    assert "steps         2 evaluated of 13 at 4 Hz (13 valid)" in out, out


def test_dropped_steps_are_counted_in_words_on_the_console(capsys, tmp_path, checkpoint):
    # poses at 10 Hz with a 1 s pause: the steps in the pause are dropped, the stream's rate fits
    times = np.concatenate([np.arange(0, 1.0 + 1e-9, 0.1), np.arange(2.0, 3.0 + 1e-9, 0.1)])
    bag = _two_rate_bag(tmp_path / "bag", state_times_s=times)
    code, out, err = _eval(capsys, bag, "--checkpoint", checkpoint, "--out",
                           str(tmp_path / "out"), "--no-gripper", "--max-steps", "1", *FAST)
    assert code == 0, err
    (note,) = [line for line in out.splitlines() if "steps dropped" in line]
    assert note == ("note          3 of 13 steps dropped: 3 whose state falls in a gap of more "
                    "than 0.1 s between recorded states (--max-state-gap)"), note
    assert out.index(note) < out.index("world model"), "said before the model loads"
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert note[14:] in report["recording"]["notes"]


def test_a_still_arm_is_refused_before_the_model_loads(capsys, tmp_path, checkpoint):
    states = np.tile(START, (6, 1))
    bag = str(write_bag(tmp_path / "still", render_state_frames(states), states))
    code, out, err = _eval(capsys, bag, "--checkpoint", checkpoint, "--out",
                           str(tmp_path / "out"), *FAST)
    assert code == 1 and "world model" not in out and not (tmp_path / "out").exists()
    assert err == (f"vjepa-ros eval: {bag}: 0 executed motions of at least 2 mm (--min-motion) "
                   "in the 5 steps to evaluate at 4 Hz, so no step would be scored; the "
                   "longest is 0.0 mm: record while the arm moves"), err


def test_an_arm_that_moves_in_part_says_where_and_how_many_steps_are_scored(
        capsys, tmp_path, checkpoint):
    times = np.arange(12) / 4.0
    states = _states(times, still_until_s=1.5)  # still for 6 steps, then 12.5 mm a step
    bag = str(write_bag(tmp_path / "part", render_state_frames(states), states, times))
    code, out, err = _eval(capsys, bag, "--checkpoint", checkpoint, "--out",
                           str(tmp_path / "out"), "--max-steps", "3", *FAST)
    assert code == 1 and "world model" not in out
    assert "the longest is 0.0 mm: the arm first moves 1.5 s after the bag's start: give " \
           "--start 1.5 (--end optional) to evaluate where it moves" in err, err
    code, out, err = _eval(capsys, bag, "--checkpoint", checkpoint, "--out",
                           str(tmp_path / "out"), "--end", "2.5", *FAST)
    assert code == 0, err
    note = ("6 of 10 evaluated steps moved less than 2 mm (--min-motion) in all (Δxyz): "
            "they count in the energies, not in the sign agreement, cosine or |dxyz| error; "
            "signs are scored x on 4, y on 0, z on 0")
    assert f"note          {note}" in out.splitlines(), out
    assert "steps         10 evaluated of 11 at 4 Hz" in out, out
    (signs,) = [line for line in out.splitlines() if line.startswith("sign agree")]
    assert "(4 of 10)" in signs and "y n/a (0 of 10)" in signs, signs
    assert note in json.loads((tmp_path / "out" / "report.json").read_text())[
        "recording"]["notes"]
    code, out, err = _eval(capsys, bag, "--checkpoint", checkpoint, "--out",  # another window:
                           str(tmp_path / "late"), "--start", "1.5", *FAST)  # another --out
    assert code == 0, err
    assert "steps         5 evaluated of 6 at 4 Hz" in out and "moved less than" not in out


@pytest.mark.parametrize("option, message", [
    (["--max-state-gap", "0"], "--max-state-gap must be a time > 0 and at most 5 s, got 0"),
    (["--max-state-gap", "1e300"], "--max-state-gap must be a time > 0 and at most 5 s, got "
     "1e+300: states further apart than 5 s do not show the arm's path between them; record "
     "the states faster"),
    (["--start", "2", "--end", "1"], "--end (1 s) must be after --start (2 s), or 0 for the "
     "bag's end"),
    # inf is >= 0: the words said what it is not
    (["--start", "inf"], "--start must be a finite time >= 0 [s] from the bag's start, got inf"),
    (["--end", "1e400"], "--end must be a finite time >= 0 [s] from the bag's start, got inf"),
])
def test_the_new_options_are_checked_naming_them(option, message, capsys, tmp_path):
    code, _, err = _eval(capsys, str(tmp_path / "no_bag"), *option)
    assert code == 2 and err == f"vjepa-ros eval: {message}", err  # a usage error
    assert main(["camera-check", str(tmp_path / "no_bag"), "--random-weights",
                 "--max-state-gap", "0"]) == 2
    assert capsys.readouterr().err.strip() == \
        "vjepa-ros camera-check: --max-state-gap must be a time > 0 and at most 5 s, got 0"


def test_camera_check_says_an_infinite_end_is_not_a_finite_time(capsys, tmp_path):
    assert main(["camera-check", str(tmp_path / "no_bag"), "--random-weights",
                 "--end", "1e400"]) == 2
    assert capsys.readouterr().err.strip() == ("vjepa-ros camera-check: --end must be a finite "
                                               "time >= 0 [s] from the bag's start, got inf")


def test_a_window_without_frames_is_refused_with_the_bags_span(capsys, tmp_path):
    states = _states(np.arange(6) / 4.0)
    bag = str(write_bag(tmp_path / "bag", render_state_frames(states), states))
    code, _, err = _eval(capsys, bag, "--start", "9", "--checkpoint", "demo")
    assert code == 1 and err == (f"vjepa-ros eval: {bag}: no camera frame with states from "
                                 "--start 9 s on: the bag has them from 0.00 to 1.25 s after its "
                                 "start: give a --start of at most 0.99 (a step needs 1 more "
                                 "after it at --rate 4)"), err


def test_a_run_moving_in_bursts_points_to_a_lower_rate():
    from vjepa_ros.eval.step_notes import motion_note

    times = np.arange(0, 30, 0.05)
    phase = np.mod(times, 5.0)  # a 0.5 s move every 5 s, still while "planning"
    x = 0.02 * (np.floor(times / 5.0) + np.clip(phase / 0.5, 0, 1))
    states = np.tile(START, (len(times), 1))
    states[:, 0] += x
    stamps = (times * 1e9).astype(np.int64)
    steps = resample(stamps, stamps, states, 4.0)
    chosen = list(range(len(steps) - 1))
    note = motion_note(steps, chosen, 0.002)
    assert note.endswith("; the arm moves in bursts about every 5.0 s (a blocking-mode run "
                         "stands still while it plans): at rate_hz 0.4 about every other step "
                         "holds a whole burst"), note


def test_a_recorded_plan_report_is_named_with_what_reads_it():
    from vjepa_ros.eval.plan_reports import plan_report_note

    note = plan_report_note({"/vjepa_planner/plan_report": "std_msgs/msg/String",
                             "/joint_states": m.JOINT_STATE})
    assert note.startswith("/vjepa_planner/plan_report (the live planner's reports) is in the "
                           "bag: eval does not read it"), note
    assert "`ros2 topic echo /vjepa_planner/plan_report --field data`" in note
    assert plan_report_note({"/joint_states": m.JOINT_STATE}) == ""


def test_messages_write_lists_and_types_as_words(capsys, tmp_path):
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.topic_choice import resolve_image_topic

    states = _states(np.arange(4) / 4.0)
    bag = tmp_path / "bag"
    write_bag(bag, render_state_frames(states), states)
    for file in bag.glob("*.mcap"):
        file.rename(bag.parent / file.name)  # metadata.yaml names a file that is gone
    code, _, err = _eval(capsys, str(bag), "--checkpoint", "demo")
    assert code == 1 and err == (f"vjepa-ros eval: {bag}: cannot open as a rosbag2 bag: Some "
                                 f"database files are missing: {bag}/bag.mcap"), err
    with pytest.raises(BagError) as raised:
        resolve_image_topic(bag, {"/camera": m.JOINT_STATE, "/image": m.IMAGE}, "/camera", [])
    assert "expected sensor_msgs/msg/Image or sensor_msgs/msg/CompressedImage;" \
        in str(raised.value)
    with pytest.raises(BagError, match=r"^stamps must be one of header, receive, got 'x'$"):
        BagTopics(stamps="x").check()
    shutil.rmtree(bag)

"""Edges of eval's and camera-check's inputs: the --start/--end window, a sim clock at 0, caps.

A window far past the bag (1e300 s) is one line with the bag's span, not an overflow; a window
too short for the horizon names its length and a wider window, and no advice leaves the range
its option accepts; a simulated clock whose first header stamp is exactly 0 is timed by its
header stamps; --max-state-gap is bounded; a camera-check cut short by --max-steps says that the
bag moves later and which --max-steps takes it.
"""

import numpy as np
import pytest

from vjepa_ros.cli import main
from vjepa_ros.eval.eval_config import EvalConfig
from vjepa_ros.eval.step_choice import choose_steps
from vjepa_ros.eval.synthetic import render_state_frames
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bag_writing import write_bag, write_messages
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.recordings.rate_hint import slow_camera_hint
from vjepa_ros.recordings.resample import NO_FRAME

START = np.array([0.45, 0.0, 0.35, np.pi - 0.1, 0.05, 0.2, 0.0])


def _moving_bag(path, count=12, still_until=0):
    """Write a 4 Hz bag of ``count`` frames moving 1.25 cm a step after ``still_until`` still.

    Along x every step and y every other, so that the motions determine a rotation.
    """
    states = np.tile(START, (count, 1))
    moves = np.clip(np.arange(count) - still_until, 0, None) * 0.0125
    states[:, 0] += moves
    states[:, 1] += np.where(np.arange(count) % 2, 0.0125, 0.0) * (np.arange(count) >= still_until)
    return str(write_bag(path, render_state_frames(states), states))


def _err(capsys, *argv):
    code = main(list(argv))
    printed = capsys.readouterr()
    return code, printed.out, printed.err.strip()


@pytest.mark.parametrize("option", ["--start", "--end"])
def test_a_huge_window_bound_is_one_line_or_the_bags_end(option, capsys, tmp_path):
    bag = _moving_bag(tmp_path / "bag")
    recording = read_recording(bag)
    config = EvalConfig(**{"start_s" if option == "--start" else "end_s": 1e300})
    if option == "--end":  # past the bag's end: its end
        steps, _, chosen = choose_steps(recording, config, 1, False)
        everything, _, all_chosen = choose_steps(recording, EvalConfig(), 1, False)
        assert np.array_equal(steps.grid_times, everything.grid_times) and chosen == all_chosen
        return
    code, out, err = _err(capsys, "eval", bag, option, "1e300", "--checkpoint", "demo",
                          "--out", str(tmp_path / "out"))
    assert code == 1 and "\n" not in err and "Traceback" not in err, err
    assert err == (f"vjepa-ros eval: {bag}: no camera frame with states from --start 1e+300 s "
                   "on: the bag has them from 0.00 to 2.75 s after its start: give a --start "
                   "of at most 2.49 (a step needs 1 more after it at --rate 4)"), err
    # the span and the advice in one precision; the advice one that holds a step (it was
    # "below 2.75": --start 2.74 holds one frame, too few for the horizon)


@pytest.mark.parametrize("start, end", [(0.1, 1.0), (0.2, 1.1), (0.15, 0.95), (0.3, 0.0)])
def test_a_window_uses_only_the_frames_within_it(tmp_path, start, end):
    """No step's frame lies before --start or after --end, and no time_s is negative.

    The grid from --start took the frame nearest it, up to half a period before --start
    (time_s -0.1 for --start 0.1), and its last step one up to half a period after --end.
    """
    recording = read_recording(_moving_bag(tmp_path / "bag"))  # frames every 0.25 s from 0
    origin = min(recording.image_times[0], recording.state_times[0])
    steps, _, chosen = choose_steps(recording, EvalConfig(start_s=start, end_s=end), 1, False)
    used = (steps.frame_times[steps.valid] - origin) / 1e9
    assert used.min() >= start and (not end or used.max() <= end), used
    assert used.min() == pytest.approx(np.ceil(start * 4) / 4), "the window's first frame"
    from vjepa_ros.eval.step_choice import bag_start_ns

    time_s = (steps.frame_times[chosen] - bag_start_ns(recording)) / 1e9  # report.json's
    assert time_s[0] >= start and (time_s >= 0).all(), time_s  # on --start's clock (cli31)


def test_a_window_holding_no_frame_in_a_camera_gap_says_so(capsys, tmp_path):
    from vjepa_ros.eval.step_choice import window_ns

    recording = read_recording(_moving_bag(tmp_path / "bag"))
    recording.image_times = np.delete(recording.image_times, [4, 5])  # no frame at 1, 1.25 s
    with pytest.raises(ValueError) as refused:
        window_ns(recording, EvalConfig(start_s=0.9, end_s=1.4))
    assert str(refused.value) == (
        f"{recording.path}: no camera frame with states from start_s 0.9 s to end_s 1.4 s (a "
        "gap in the camera): the bag has them from 0.00 to 2.75 s after its start: give a "
        "wider window (start_s, end_s)"), refused.value


def test_a_window_too_short_for_the_horizon_names_it_and_a_wider_one(capsys, tmp_path):
    bag = _moving_bag(tmp_path / "bag")
    code, out, err = _err(capsys, "eval", bag, "--start", "1", "--end", "1.1", "--checkpoint",
                          "demo", "--out", str(tmp_path / "out"))
    assert code == 1 and "\n" not in err and "world model" not in out
    assert "its 0.10 s from --start 1 s to --end 1.1 s give 1 step(s) at --rate 4" in err, err
    assert err.endswith("give a wider window (--start, --end), at least 0.26 s long (the bag "
                        "has frames with states from 0.00 to 2.75 s after its start)"), err
    assert "a longer recording" not in err


def test_a_too_short_windows_advice_never_contradicts_the_span_it_shows(capsys, tmp_path):
    """At 0.1 s: 'at least 2.8 s long (the bag has frames ... from 0.0 to 2.7 s ...)'."""
    count = 11
    states = np.tile(START, (count, 1))
    states[:, 0] += np.arange(count) * 0.0125
    states[:, 1] += np.where(np.arange(count) % 2, 0.0125, 0.0)
    bag = str(write_bag(tmp_path / "bag", render_state_frames(states), states,
                        times_s=np.arange(count) * 0.274))  # frames up to 2.74 s
    code, out, err = _err(capsys, "eval", bag, "--start", "1", "--end", "1.1", "--rate",
                          "0.3713", "--checkpoint", "demo", "--out", str(tmp_path / "out"))
    assert code == 1 and err.endswith(  # 1.01 / 0.3713 Hz = 2.7202 s needed
        "give a wider window (--start, --end), at least 2.73 s long (the bag has frames with "
        "states from 0.00 to 2.74 s after its start)"), err


def test_a_rate_hint_never_advises_a_rate_eval_refuses():
    frames = np.arange(4) * 20 * 10**9  # a frame every 20 s: 0.05 Hz, below the lowest rate
    hint = slow_camera_hint(frames, 4.0, {NO_FRAME: 3})
    assert hint == ("; the camera runs at 0.05 Hz, slower than the lowest step rate (0.1 Hz): "
                    "record the camera faster"), hint
    assert slow_camera_hint(np.arange(4) * 10**9, 4.0, {NO_FRAME: 3}).endswith("give --rate 1 "
                                                                            "(or less)")


def _clock_bag(path, first_stamp_ns):
    """Write frames and poses at 4 Hz stamped on a sim clock from ``first_stamp_ns``.

    Received 7 ms late with jitter on the system clock: receive times would time them otherwise.
    """
    times = np.arange(12) * 250_000_000
    states = np.tile(START, (12, 1))
    states[:, 0] += np.arange(12) * 0.0125
    frames = render_state_frames(states)
    entries = []
    for k, (frame, state, t) in enumerate(zip(frames, states, times, strict=True)):
        stamp = first_stamp_ns + int(t)
        received = 1_700_000_000 * 10**9 + int(t) + 7_000_000 + (k % 3) * 11_000_000
        entries.append((BagTopics().image, m.IMAGE, received,
                        m.image_message(frame, stamp, "camera")))
        entries.append((BagTopics().pose, m.POSE_STAMPED, received + 1000,
                        m.pose_message(state, stamp, "base")))
    return str(write_messages(path, entries))


def test_a_sim_clock_starting_at_zero_is_timed_by_its_header_stamps(tmp_path):
    zero = read_recording(_clock_bag(tmp_path / "zero", 0), BagTopics(no_gripper=True))
    small = read_recording(_clock_bag(tmp_path / "small", 1000), BagTopics(no_gripper=True))
    assert not [note for note in zero.notes if "header stamps" in note], zero.notes
    assert np.array_equal(zero.image_times + 1000, small.image_times)
    assert np.array_equal(zero.state_times + 1000, small.state_times)
    zero_steps, _, zero_chosen = choose_steps(zero, EvalConfig(), 1, False)
    small_steps, _, small_chosen = choose_steps(small, EvalConfig(), 1, False)
    assert zero_chosen == small_chosen and np.array_equal(zero_steps.grid_times + 1000,
                                                          small_steps.grid_times)


def test_unset_header_stamps_still_fall_back_to_receive_times():
    from vjepa_ros.recordings.bag_stamps import header_stamps_unset

    ms = 1_000_000

    def unset(stamps, received=None):  # received: 60 ms after each stamp unless given
        stamps = np.array(stamps, np.int64)
        received = stamps + 60 * ms if received is None else np.array(received, np.int64)
        return header_stamps_unset(stamps, received)

    assert unset(np.zeros(5), np.arange(5) * 250 * ms)
    assert unset([0, 0, 0, 5], [0, 1, 2, 3])  # most unset
    assert unset([0, 1_700_000_000 * 10**9])  # epoch + a 0
    assert not unset([0, 250 * ms, 500 * ms])
    assert not unset([1, 2])
    assert not unset([0, 0, 250 * ms, 500 * ms])
    # a 0 received in step with stamps 2.5 s into the clock: a stamp the driver left unset
    grid = np.arange(21) * 250 * ms
    left = grid.copy()
    left[10] = 0
    assert unset(left, grid + 60 * ms)
    assert not unset(grid, grid + 60 * ms)
    # ... on a sim clock 3x slower or faster than the recorder's: dated by its neighbours' delay
    for received in (5000 * ms + 3 * grid, 5000 * ms + grid // 3):
        assert unset(left, received) and not unset(grid, received)
        first_late = received.copy()
        first_late[[0, 1]] = received[1], received[1] + 100 * ms  # stamp 0 received second
        assert not unset(grid[[1, 0, *range(2, 21)]], first_late)
    # a sim clock's first message (stamp 0) received after later ones is its start: kept
    assert not unset([250 * ms, 0, 500 * ms, 750 * ms], [310 * ms, 360 * ms, 560 * ms, 810 * ms])
    assert not unset([*grid[1:4], 0, *grid[4:]], [*(grid[1:4] + 60 * ms), 850 * ms,
                                                  *(grid[4:] + 60 * ms)])
    # ... unless received more than 1 s into the clock (a stamp left unset)
    assert unset([*grid[1:5], 0, *grid[5:]], [*(grid[1:5] + 60 * ms), 1110 * ms,
                                              *(grid[5:] + 60 * ms)])


def test_camera_check_cut_short_by_max_steps_says_the_bag_moves_later(capsys, tmp_path):
    bag = _moving_bag(tmp_path / "bag", count=16, still_until=8)
    code, out, err = _err(capsys, "camera-check", bag, "--random-weights", "--no-gripper",
                          "--quiet", "--max-steps", "4", "--out", str(tmp_path / "check"))
    assert code == 1 and "\n" not in err and "world model" not in out, err
    assert err == (f"vjepa-ros camera-check: {bag}: camera check: in the first 4 steps "
                   "(--max-steps 4), 0 executed motions of at least 1 cm, need 3; the bag "
                   "moves enough later: give --max-steps 11 or more (0: all 15 steps)"), err


def test_camera_check_takes_evals_window(capsys, tmp_path):
    bag = _moving_bag(tmp_path / "bag", count=16, still_until=8)  # moves from 2 s on
    code, out, err = _err(capsys, "camera-check", bag, "--random-weights", "--no-gripper",
                          "--quiet", "--end", "1.5", "--out", str(tmp_path / "check"))
    assert code == 1 and "world model" not in out, err
    assert err.startswith(f"vjepa-ros camera-check: {bag}: camera check: 0 executed motions of "
                          "at least 1 cm, need 3: record the arm moving"), err
    code, out, err = _err(capsys, "camera-check", bag, "--random-weights", "--no-gripper",
                          "--quiet", "--start", "1e300", "--out", str(tmp_path / "check"))
    assert code == 1 and err == (f"vjepa-ros camera-check: {bag}: no camera frame with states "
                                 "from --start 1e+300 s on: the bag has them from 0.00 to 3.75 s "
                                 "after its start: give a --start of at most 3.49 (a step needs 1 "
                                 "more after it at --rate 4)"), err
    # eval's advice (it was "below 3.75": --start 3.74 holds one frame, no step after it)
    code, out, err = _err(capsys, "camera-check", bag, "--random-weights", "--no-gripper",
                          "--quiet", "--start", "3.49", "--out", str(tmp_path / "check"))
    assert code == 1 and err.startswith(f"vjepa-ros camera-check: {bag}: camera check: 1 "
                                        "executed motion of"), "the advised start holds a step"
    code, out, err = _err(capsys, "camera-check", bag, "--random-weights", "--no-gripper",
                          "--quiet", "--start", "1", "--end", "1.1", "--out",
                          str(tmp_path / "check"))
    assert code == 1 and "world model" not in out, "too short: refused before the model loads"
    assert "give a wider window (--start, --end), at least 0.26 s long" in err, err


def test_the_state_gap_hint_never_advises_more_than_the_option_accepts():
    from vjepa_ros.recordings.dropped_steps import state_gap_hint

    states_every_7s = np.arange(5) * 7 * 10**9
    hint = state_gap_hint(states_every_7s, "/joint_states", 0.1, 9)
    assert hint == ("; /joint_states arrives every 7.00 s (median), more than even the largest "
                    "max_state_gap_s (5 s) allows: record the states faster"), hint


@pytest.mark.parametrize("option, value, advice, fits", [
    ("--start", "2.75", "give a --start of at most 2.49 (the window must be", {"start_s": 2.49}),
    ("--end", "0.1", "give an --end of at least 0.26, or 0 for the bag's end (the window must be",
     {"end_s": 0.26}),
])
def test_a_window_bound_alone_too_near_the_bags_edge_advises_that_bound(
        capsys, tmp_path, option, value, advice, fits):
    """--start at the last frame advised "a wider window (--start, --end), at least 0.26 s long".

    That is a second option and a length to work out; the advice is now the bound that fits,
    and that bound gives a step to evaluate.
    """
    bag = _moving_bag(tmp_path / "bag")  # 12 frames at 4 Hz: 0 to 2.75 s
    code, out, err = _err(capsys, "eval", bag, option, value, "--checkpoint", "demo", "--out",
                          str(tmp_path / "out"))
    assert code == 1 and "\n" not in err and "world model" not in out, err
    assert err.endswith(f"{advice} at least 0.26 s long; the bag has frames with states from "
                        "0.00 to 2.75 s after its start)"), err
    _, _, chosen = choose_steps(read_recording(bag), EvalConfig(**fits), 1, False)
    assert chosen == [0]

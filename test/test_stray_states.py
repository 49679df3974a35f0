"""States that jump away and straight back are left out, not turned into dropped steps.

Session 39 dropped every step whose state or motion spans a jump. A jump that comes straight
back, though, is no move of the arm: one stray state (a glitch, one message of another publisher,
a driver's all-zero joint message) made two jumps and cost the clean steps around it
(breaker39b's strict xfail). ``state_jumps.stray_states`` now finds such runs by the planner
node's glitch rule (back within the arm's reach of where it was, closer than half the leap) and
the readers (bags, and train's .npz episodes) leave them out with a note. A jump that does not
come back (a reset, a re-homed arm) is still a jump whose steps are dropped.
"""

import numpy as np
import pytest
from test_state_jump_steps import FRAMES, dense

from vjepa_ros.recordings.resample import STATE_JUMP, resample
from vjepa_ros.recordings.state_jumps import jump_intervals
from vjepa_ros.recordings.stray_states import STRAY_MAX_S, stray_note, stray_states

MS = 1_000_000


def steps_without_strays(times, states):
    """Do as the readers now do: strays out, then the jumps of what is left, then the steps."""
    stray = stray_states(times, states)
    times, states = times[~stray], states[~stray]
    return stray, resample(FRAMES, times, states, 4.0,
                           jumps_ns=jump_intervals(times, states[:, :3]))


def test_one_stray_state_between_two_steps_costs_no_step():
    """Breaker39b's case: a state 1 m off at 1100 ms, between steps 4 and 5 (1 cm apart)."""
    times, states = dense(10_000.0)  # no jump ...
    states[times == 1100 * MS, 0] += 1.0  # ... but one stray state at 1100 ms
    assert len(jump_intervals(times, states[:, :3])) == 2  # away and back
    stray, steps = steps_without_strays(times, states)
    assert list(np.flatnonzero(stray)) == [list(times).index(1100 * MS)]
    assert steps.valid.all() and not steps.dropped
    clean = resample(FRAMES, *dense(10_000.0), 4.0)
    np.testing.assert_allclose(steps.states, clean.states)


@pytest.mark.parametrize("at_ms", [1000.0, 1250.0, 0.0 + 10.0, 2990.0])
def test_a_stray_state_at_a_steps_own_time_or_near_an_end_is_left_out(at_ms):
    # at a step's own time (1000, 1250 ms): the step takes the states around it instead
    times, states = dense(10_000.0)
    states[times == at_ms * MS, 1] -= 0.5
    stray, steps = steps_without_strays(times, states)
    assert stray.sum() == 1 and steps.valid.all()
    np.testing.assert_allclose(steps.states[:, 1], 0.0, atol=1e-12)


def test_a_run_of_wild_values_that_comes_back_is_left_out_whole():
    times, states = dense(10_000.0)
    run = (times >= 1110 * MS) & (times <= 1140 * MS)  # four states, each somewhere else
    states[run, :3] = [[2.0, 0, 0], [-1.0, 3.0, 0], [0, 0, 5.0], [1.0, 1.0, 1.0]]
    stray, steps = steps_without_strays(times, states)
    assert (stray == run).all()
    assert steps.valid.all(), steps.dropped


def test_a_stray_state_at_a_repeated_stamp_leaves_the_stamps_good_state():
    """A glitch published with the stamp of a good state: the good one stays the stamp's."""
    times, states = dense(10_000.0)
    at = list(times).index(1100 * MS)
    times = np.insert(times, at + 1, times[at])  # a second state of the 1100 ms stamp ...
    states = np.insert(states, at + 1, states[at] + [0, 0.8, 0, 0, 0, 0, 0], axis=0)  # ... off
    stray = stray_states(times, states)
    assert list(np.flatnonzero(stray)) == [at + 1]


@pytest.mark.parametrize("case", ["reset", "reset-then-elsewhere", "back-by-motion",
                                  "back-too-late"])
def test_a_jump_that_does_not_come_straight_back_is_a_jump(case):
    """Nothing stray: the steps across the jump are dropped as before (session 39)."""
    times, states = dense(1100.0)  # a 1 m jump at 1100 ms that stays (a reset)
    if case == "reset-then-elsewhere":
        states[times > 2000 * MS, 1] += 1.0  # a second reset, to a third place
    elif case == "back-by-motion":
        # the arm drives back at 2 m/s (within its speed): no jump lands it back
        back = times > 1500 * MS
        states[back, 0] -= np.minimum((times[back] - 1500 * MS) / 1e9 * 2.0, 1.0)
    elif case == "back-too-late":
        # back where it was, but after holding the other place longer than a glitch lasts
        states[times > (1100 + STRAY_MAX_S * 1e3 + 20) * MS, 0] -= 1.0
    stray, steps = steps_without_strays(times, states)
    assert not stray.any()
    assert steps.dropped.get(STATE_JUMP, 0) >= 1


def test_two_publishers_alternating_are_still_refused_not_filtered(tmp_path):
    """A second source on every other message is no glitch to filter: the bag is refused."""
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.state_jumps import check_state_jumps

    times, states = dense(10_000.0)
    states[1::2, 1] += 0.3  # a flange and a TCP pose, interleaved
    with pytest.raises(BagError, match="two publishers"):
        check_state_jumps("bag", "/pose", times, states)


def test_the_note_counts_the_states_and_says_when():
    times = np.arange(0, 2000, 10, dtype=np.int64) * MS + 5 * 10**18
    stray = np.zeros(len(times), bool)
    stray[[50, 51, 120]] = True
    note = stray_note("/franka/pose", times, stray)
    assert note.startswith("/franka/pose: 3 stray state(s) left out, at 0.50 s, 1.20 s after")
    assert stray_note("/franka/pose", times, np.zeros(len(times), bool)) == ""


# ------------------------------------------------------------------ as the readers use it


def _bag(path, stray_ms: tuple[int, ...] = (), joints: bool = False):
    """Write a 3 s bag: a 4 Hz camera at 25, 275, ... ms, states at 20 Hz moving 4 cm/s in x.

    ``stray_ms``: stamps whose state is a stray (a pose 0.6 m off; with ``joints``, an
    all-zero JointState, as a driver publishes before its first reading).
    """
    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bag_writing import (
        DEFAULT_START_NS,
        WRITTEN_GRIPPER_TOPIC,
        write_messages,
    )
    from vjepa_ros.robot.kinematics import FrankaKinematics

    topics, kinematics = BagTopics(), FrankaKinematics()
    frames, _, _ = synthetic_episode(12)
    ready = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])
    entries = []
    for i in range(12):
        t = DEFAULT_START_NS + (25 + 250 * i) * MS
        entries.append((topics.image, m.IMAGE, t + 1, m.image_message(frames[i], t, "camera")))
    for ms in range(25, 3001, 50):
        t = DEFAULT_START_NS + ms * MS
        if joints:
            q = ready + [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.3 * ms / 1e3]  # the wrist turns
            if ms in stray_ms:
                q = np.zeros(7)
            entries.append((topics.joint_states, m.JOINT_STATE, t + 5, m.joint_state_message(
                kinematics.joint_names + kinematics.finger_names, [*q, 0.04, 0.04], t)))
            continue
        pose = np.array([0.4 + ms / 1e3 * 0.04, 0.6 if ms in stray_ms else 0.0, 0.4, np.pi, 0,
                         0, 0])
        entries.append((topics.pose, m.POSE_STAMPED, t + 5, m.pose_message(pose, t, "base")))
        entries.append((WRITTEN_GRIPPER_TOPIC, m.JOINT_STATE, t + 6,
                        m.joint_state_message(kinematics.finger_names, [0.04, 0.04], t)))
    entries.sort(key=lambda entry: entry[2])
    return write_messages(path, entries)


@pytest.mark.parametrize("joints", [False, True], ids=["pose", "joint-states"])
def test_eval_keeps_every_step_of_a_bag_with_one_stray_state(tmp_path, joints):
    from vjepa_ros.eval.eval_config import EvalConfig
    from vjepa_ros.eval.step_choice import valid_steps
    from vjepa_ros.recordings.bags import read_recording

    clean = read_recording(_bag(tmp_path / "clean", joints=joints))
    glitch = read_recording(_bag(tmp_path / "glitch", (1125,), joints=joints))
    assert not any("stray" in note for note in clean.notes)
    # an all-zero JointState is no reading at all (state_ranges.arm_unread): left out as such
    said = "1 message(s) with every arm joint at exactly 0 left out" if joints else \
        "1 stray state(s) left out, at 1.10 s after its first state"
    (note,) = [note for note in glitch.notes if "stray" in note or "exactly 0" in note]
    assert said in note, note
    assert not any("jumps faster" in note for note in glitch.notes), glitch.notes
    assert len(glitch.state_jumps_ns) == 0
    assert len(glitch.state_times) == len(clean.state_times) - 1
    config = EvalConfig()
    steps, every, _ = valid_steps(glitch, config, 1, 1)
    reference, every_clean, _ = valid_steps(clean, config, 1, 1)
    assert steps.valid.all() and list(every) == list(every_clean)
    np.testing.assert_allclose(steps.states[:, :3], reference.states[:, :3], atol=1e-9)


def test_a_reset_that_stays_is_still_dropped_in_a_bag(tmp_path):
    """The strays' rule does not swallow a reset: a second stray right at it changes nothing."""
    from vjepa_ros.eval.eval_config import EvalConfig
    from vjepa_ros.eval.step_choice import valid_steps
    from vjepa_ros.recordings.bags import read_recording

    stays = tuple(range(1125, 3001, 50))  # 0.6 m off from 1125 ms on: never back
    recording = read_recording(_bag(tmp_path / "reset", stays))
    assert not any("stray" in note for note in recording.notes), recording.notes
    assert len(recording.state_jumps_ns) == 1
    steps, _, _ = valid_steps(recording, EvalConfig(), 1, 1)
    assert steps.dropped == {STATE_JUMP: 1}


def test_train_reads_an_npz_episode_with_a_stray_state_whole(tmp_path):
    from vjepa_ros.train.config import DataConfig
    from vjepa_ros.train.episodes import find_sources, load_segments
    from vjepa_ros.train.synthetic import blob_episode

    """An episode has one state per frame: the stray one's frame has no state of its own left.

    It is dropped as a state gap (its neighbours' states are a period apart, more than
    ``data.max_state_gap_s``), and no other: before, the two jumps dropped frames 6 and 7.
    """
    episode = blob_episode(12, 0, 32)
    episode.states[6, :3] += [0.0, 0.9, 0.0]  # one stray state, frame 6's (3.6 m/s away, back)
    path = episode.save(tmp_path / "glitch.npz")
    data = DataConfig(frames_per_clip=2)
    (source,) = find_sources([path])
    segments, notes = load_segments(source, data)
    (note,) = [note for note in notes if "stray state" in note]
    assert "glitch.npz" in note and "1 stray state(s) left out, at 1.50 s" in note, note
    assert any("1 of 12 steps dropped: 1 whose state falls in a gap" in note for note in notes)
    kept = [frame for segment in segments for frame in segment.frames]
    assert len(kept) == 11
    assert not any(np.array_equal(frame, episode.frames[6]) for frame in kept)
    states = np.concatenate([segment.states for segment in segments])
    mine = np.delete(episode.states, 6, axis=0)
    np.testing.assert_allclose(states[:, :3], mine[:, :3], atol=1e-6)


# ------------------------------------------------------------ the orientation and the gripper


def _still(rate_hz: float = 50.0, seconds: float = 2.0):
    """States of an arm holding still, pointing down, the hand open."""
    times = np.round(np.arange(0, seconds * 1e3 + 1e-9, 1e3 / rate_hz) * MS).astype(np.int64)
    states = np.tile([0.5, 0.0, 0.3, np.pi, 0.0, 0.0, 0.0], (len(times), 1))
    return times, states


@pytest.mark.parametrize("part, value", [(5, 1.5), (3, 0.0), (6, 1.0)],
                         ids=["wrist-yaw", "roll", "gripper"])
def test_a_glitch_of_the_orientation_or_the_gripper_alone_is_stray(part, value):
    times, states = _still()
    states[40, part] = value
    stray = stray_states(times, states)
    assert list(np.flatnonzero(stray)) == [40]


@pytest.mark.parametrize("case", ["hand-closes-fast", "wrist-turns-and-stays",
                                  "close-and-reopen-at-4-hz"])
def test_a_fast_change_that_stays_or_takes_its_time_is_no_stray(case):
    """What real hands and simulators do is kept: a change that stays, or comes back slowly."""
    rate = 4.0 if case == "close-and-reopen-at-4-hz" else 50.0
    times, states = _still(rate)
    if case == "hand-closes-fast":  # a simulated hand closing in 40 ms, then holding
        states[40:, 6] = 1.0
    elif case == "wrist-turns-and-stays":  # a re-homed wrist (a reset of the orientation)
        states[40:, 5] = 1.2
    else:  # the expert's hand closing on nothing in one 0.25 s step and opening in the next
        states[4, 6] = 1.0
    assert not stray_states(times, states).any()


# ------------------------------------------------------------ two sources (check_sources)


def test_check_sources_returns_the_strays_of_a_few_glitches():
    from vjepa_ros.recordings.stray_states import check_sources

    times, states = dense(10_000.0)
    wild = [400, 1500, 2600]  # three glitches, each somewhere else
    for k, ms in enumerate(wild):
        states[times == ms * MS, :3] = [[2.0, 0, 0], [-1.0, 3.0, 0], [0, 0, 5.0]][k]
    stray = check_sources("bag", "/pose", times, states)
    assert list(times[stray] // MS) == wild


@pytest.mark.parametrize("case", ["share", "stream"])
def test_check_sources_refuses_a_second_stream(case):
    """More than 10 % of the steps, or 3+ stray runs that agree with each other: two sources."""
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.stray_states import check_sources

    times, states = dense(10_000.0)
    other = np.zeros(len(times), bool)
    other[::5 if case == "share" else 37] = True  # a flange pose, 10 cm above, now and then
    states[other, 2] += 0.1
    pattern = "change faster than an arm" if case == "share" else "agree with each other"
    with pytest.raises(BagError, match=pattern):
        check_sources("bag", "/pose", times, states)

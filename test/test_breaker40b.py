"""Breaker40b: the stray-state rule (``recordings.stray_states``) on a lab's recordings.

Each test was a strict xfail on commit 6f85e68's rule, mended in session 40 (the rule moved to
``recordings/stray_states.py``: runs of at most 0.1 s, the shortest judged first against the
kept states around them, glitches at the ends, the orientation and gripper too, and the
two-publishers refusal counting a glitch once). Found:

- no time bound on a "stray" run: a real reset, seconds of real motion, and a re-home back to
  the start (two teleports) make the whole real episode "stray" (bag and .npz);
- the state held before the jump is trusted: a driver's all-zero first JointState ("before its
  first reading") is no stray but a jump, its frame paired with the zero pose; with a second
  all-zero message later, the real states between them are thrown away as "stray" and the two
  zero messages kept;
- the first qualifying return wins: a reset followed by one stale message of the old place
  makes the real post-reset states "stray" and keeps the stale one;
- a short or slow state stream with one glitch is refused as "two publishers" before the stray
  rule runs (the refusal counts the glitch's two jumps);
- a JointState message with the wrist joint wrong (a rotation glitch, xyz unchanged) and a
  gripper-only glitch are paired with a step and reach eval as actions no arm made.
"""

import numpy as np

MS = 1_000_000
READY = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])


def _bag(path, pose_at=None, joints_at=None, state_ms=None, frame_ms=None, gripper_at=None):
    """Write a bag: a 4 Hz camera (25, 275, ... ms), states at ``state_ms`` (default 20 Hz).

    ``pose_at(ms)`` -> [6] xyz, rpy: a PoseStamped plus a finger JointState per state; or
    ``joints_at(ms)`` -> [7] arm joints: one JointState (arm and fingers) per state.
    ``gripper_at(ms)``: the finger position [m] (default 0.04, open).
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
    frame_ms = list(range(25, 3001, 250)) if frame_ms is None else frame_ms
    state_ms = list(range(25, 3001, 50)) if state_ms is None else state_ms
    frames, _, _ = synthetic_episode(len(frame_ms))
    entries = []
    for i, ms in enumerate(frame_ms):
        t = DEFAULT_START_NS + ms * MS
        entries.append((topics.image, m.IMAGE, t + 1, m.image_message(frames[i], t, "camera")))
    for ms in state_ms:
        t = DEFAULT_START_NS + ms * MS
        finger = 0.04 if gripper_at is None else gripper_at(ms)
        if joints_at is not None:
            entries.append((topics.joint_states, m.JOINT_STATE, t + 5, m.joint_state_message(
                kinematics.joint_names + kinematics.finger_names,
                [*joints_at(ms), finger, finger], t)))
            continue
        pose = np.asarray(pose_at(ms), dtype=float)
        entries.append((topics.pose, m.POSE_STAMPED, t + 5, m.pose_message(pose, t, "base")))
        entries.append((WRITTEN_GRIPPER_TOPIC, m.JOINT_STATE, t + 6,
                        m.joint_state_message(kinematics.finger_names, [finger, finger], t)))
    entries.sort(key=lambda entry: entry[2])
    return write_messages(path, entries)


def _steps(recording):
    from vjepa_ros.eval.eval_config import EvalConfig
    from vjepa_ros.eval.step_choice import valid_steps

    steps, every, _ = valid_steps(recording, EvalConfig(), 1, 1)
    return steps, list(every)


def _moving(ms):
    """Joints of an arm at the ready pose turning its wrist 0.3 rad/s (TCP still)."""
    return READY + [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.3 * ms / 1e3]


def _pose(ms):
    return [0.4 + ms / 1e3 * 0.04, 0.0, 0.4, np.pi, 0.0, 0.0]


def _stray_notes(recording):
    """Return the notes on states left out: stray, or all-zero arm messages (fix41b)."""
    return [note for note in recording.notes if "stray" in note or "at exactly 0 left out" in note]


def test_a_real_episode_between_a_reset_and_a_rehome_is_kept(tmp_path):
    """A reset, 2 s of real motion, a re-home back: the motion is no stray.

    Home for 0.5 s, a simulator reset to the task's start (0.42 m off), 2 s of real motion
    (5 cm/s, 40 states), then a re-home teleport back to the start: two real teleports.

    Now: the 40 states of the episode are "40 stray state(s) left out ... (a glitch ...)" and
    8 of its steps are dropped as state gaps. Should: the two teleports are jumps (their steps
    dropped), the episode's states are kept and its steps valid with their real states.
    """
    from vjepa_ros.recordings.bags import read_recording

    def pose(ms):
        if 525 < ms <= 2525:
            return [0.7 + (ms - 525) / 1e3 * 0.05, 0.3, 0.4, np.pi, 0.0, 0.0]
        return [0.4, 0.0, 0.4, np.pi, 0.0, 0.0]

    recording = read_recording(_bag(tmp_path / "episode", pose_at=pose))
    assert not _stray_notes(recording), recording.notes
    assert len(recording.state_times) == 60 and len(recording.state_jumps_ns) == 2
    steps, _ = _steps(recording)
    inside = [4, 5, 6, 7, 8, 9]  # 1025 ... 2275 ms: well inside the episode
    assert steps.valid[inside].all(), steps.dropped
    np.testing.assert_allclose(steps.states[inside, 1], 0.3, atol=1e-6)


def test_train_keeps_the_frames_between_a_reset_and_a_rehome_in_an_npz_episode(tmp_path):
    """24 frames at 4 Hz; frames 4..15 teleported 0.8 m in y (a reset, 3 s there, a re-home).

    Now: "12 stray state(s) left out" and those 12 frames dropped as state gaps (segments of 4
    and 8). Should: only the steps across the two teleports are dropped (STATE_JUMP), frames
    4..15 keep their states.
    """
    from vjepa_ros.train.config import DataConfig
    from vjepa_ros.train.episodes import find_sources, load_segments
    from vjepa_ros.train.synthetic import blob_episode

    episode = blob_episode(24, 0, 32)
    episode.states[4:16, :3] += [0.0, 0.8, 0.0]
    (source,) = find_sources([episode.save(tmp_path / "reset.npz")])
    segments, notes = load_segments(source, DataConfig(frames_per_clip=2))
    assert not any("stray" in note for note in notes), notes
    kept = sum(len(segment.frames) for segment in segments)
    assert kept >= 22, ([len(segment.frames) for segment in segments], notes)


def test_an_all_zero_first_joint_state_is_left_out(tmp_path):
    """The driver's all-zero JointState before its first reading is a stray.

    test_stray_states' own words for it; here at the first state's stamp (25 ms, frame 0's).

    Now: a jump note ("a simulator reset or a re-homed arm?"), step 1 dropped, and step 0 is
    valid with the zero pose's TCP (x 0.088, the arm straight up) beside a frame of the arm at
    the ready pose (x 0.307). Should: the zero message is left out as a stray state, every step
    valid at the ready pose.
    """
    from vjepa_ros.recordings.bags import read_recording

    recording = read_recording(_bag(
        tmp_path / "zero", joints_at=lambda ms: np.zeros(7) if ms == 25 else _moving(ms)))
    steps, _ = _steps(recording)
    paired = steps.states[steps.valid, 0]
    assert np.allclose(paired, 0.307, atol=0.01), paired  # no frame paired with the zero pose
    assert len(_stray_notes(recording)) == 1 and len(recording.state_jumps_ns) == 0
    assert steps.valid[1:].all(), steps.dropped  # frame 0 (25 ms) may lack a state then


def test_two_all_zero_messages_do_not_make_the_real_states_between_them_stray(tmp_path):
    """All-zero JointStates at 25 ms (first) and 1525 ms; the arm at the ready pose otherwise.

    Now: the held state before the first jump is the zero message itself, and the second zero
    "lands back" on it: "29 stray state(s) left out", the 29 real states between them, while
    both zero messages are kept; steps 1..5 dropped as state gaps, step 6 (1525 ms) valid with
    the zero pose. Should: the two zero messages are the strays, the 58 real states kept.
    """
    from vjepa_ros.recordings.bags import read_recording

    zeros = (25, 1525)
    recording = read_recording(_bag(
        tmp_path / "zeros", joints_at=lambda ms: np.zeros(7) if ms in zeros else _moving(ms)))
    assert len(recording.state_times) == 58, _stray_notes(recording)
    np.testing.assert_allclose(recording.states[:, 0], 0.307, atol=0.01)
    steps, _ = _steps(recording)
    assert steps.valid[1:6].all(), steps.dropped
    np.testing.assert_allclose(steps.states[steps.valid, 0], 0.307, atol=0.01)


def test_a_stale_message_after_a_reset_is_the_stray_not_the_reset_world(tmp_path):
    """A reset 0.8 m in y at 1.0 s that stays, then one stale message of the old pose.

    The stale message at 1575 ms: a latched or old publisher's repeat. Now: the first jump's
    return is taken from the stale message: the 10 real states after the reset (1075..1525
    ms) are "stray", the stale one is kept, steps 5 and 6 dropped as state gaps. Should: the
    stale message is the one stray state; the reset stays a jump, the post-reset states kept.
    """
    from vjepa_ros.recordings.bags import read_recording

    def pose(ms):
        if ms == 1575:
            return _pose(1025)  # the old place, repeated
        return [_pose(ms)[0], 0.8 if ms > 1025 else 0.0, 0.4, np.pi, 0.0, 0.0]

    recording = read_recording(_bag(tmp_path / "stale", pose_at=pose))
    assert len(recording.state_times) == 59, _stray_notes(recording)
    assert len(recording.state_jumps_ns) == 1
    assert (recording.states[recording.state_times > recording.state_times[20], 1] > 0.7).all()


def test_one_glitch_in_a_slow_state_stream_is_a_stray_not_two_publishers(tmp_path):
    """One glitch among 5 Hz states is a stray, not a second publisher.

    States at 5 Hz for 3 s (15 states) beside a 4 Hz camera, one of them 1 m off in y (a jump
    at 5 Hz: over 0.61 m) and straight back. (A 10 s bag of 2 Hz states alike: 2 jumps over
    10 % of 19 steps.)

    Now: BagError "2 of 14 steps ... jump ...: two publishers on the topic": the refusal counts
    the glitch's two jumps (at least 2, over 10 % of 14 steps) before strays are left out.
    Should: read, with "1 stray state(s) left out".
    """
    from vjepa_ros.recordings.bags import read_recording

    def pose(ms):
        return [_pose(ms)[0], 1.0 if ms == 1425 else 0.0, 0.4, np.pi, 0.0, 0.0]

    recording = read_recording(_bag(tmp_path / "slow", pose_at=pose,
                                    state_ms=list(range(25, 3001, 200))))
    (note,) = _stray_notes(recording)
    assert "1 stray state(s)" in note and len(recording.state_times) == 14


def test_a_message_with_one_wrist_joint_wrong_reaches_no_step(tmp_path):
    """A JointState with joint 7 1.5 rad off makes no step.

    Joint states at 20 Hz, the wrist turning 0.3 rad/s; the message at 1275 ms (frame 5's
    stamp) has joint 7 1.5 rad off. The TCP's xyz does not move, so the xyz-only rule sees no
    jump. Now: step 5 is valid with yaw -1.88 rad between -0.31 and -0.46: a 1.5 rad turn in
    a quarter second and back, scored by eval. Should: the message is left out (or step 5
    dropped): no valid step's yaw is off the wrist's real turn.
    """
    from vjepa_ros.recordings.bags import read_recording

    def joints(ms):
        q = _moving(ms)
        return q + [0, 0, 0, 0, 0, 0, 1.5] if ms == 1275 else q

    steps, _ = _steps(read_recording(_bag(tmp_path / "wrist", joints_at=joints)))
    yaw = np.unwrap(steps.states[:, 5])
    real = np.unwrap(read_recording(_bag(tmp_path / "clean", joints_at=_moving)).states[:, 5])
    assert not steps.valid[5] or abs(yaw[5] - yaw[4]) < 0.2, (yaw, real[:3])


def test_a_gripper_only_glitch_reaches_no_step(tmp_path):
    """One finger message reading 0 in an open gripper's stream makes no step.

    Pose bag, the gripper open (0.04 m) throughout but one finger message at 1275 ms (frame
    5's stamp) reading 0. The stray rule looks at xyz only. Now: step 5's closedness is 1.0
    between 0.0 and 0.0, valid and evaluated. Should: that message left out (a gripper cannot
    close 4 cm in 50 ms and reopen), step 5's closedness 0.
    """
    from vjepa_ros.recordings.bags import read_recording

    recording = read_recording(_bag(tmp_path / "gripper", pose_at=_pose,
                                    gripper_at=lambda ms: 0.0 if ms == 1275 else 0.04))
    steps, every = _steps(recording)
    assert 5 in every
    assert steps.states[5, 6] < 0.5, steps.states[:, 6]


def test_a_sparse_second_publisher_that_publishes_first_does_not_win():
    """A 1 kHz TCP pose and, every 33rd message from the first on, a flange pose 10 cm above.

    182 jumps of 3000 steps (6 %): not refused as two publishers. Now: the first state (the
    flange's) is the held state, the flange's next message "lands back" on it: 2880 of the
    arm's states are left out as stray and the 91 flange poses kept; resample then pairs every
    frame with the flange's pose. Should: the 91 flange messages are the strays.
    """
    from vjepa_ros.recordings.stray_states import stray_states

    times = np.arange(0, 3001, dtype=np.int64) * MS
    xyz = np.stack([0.4 + times / 1e9 * 0.05, np.zeros(len(times)), np.full(len(times), 0.4)], 1)
    flange = np.zeros(len(times), dtype=bool)
    flange[::33] = True
    xyz[flange, 2] += 0.1
    states = np.concatenate([xyz, np.tile([np.pi, 0.0, 0.0, 0.0], (len(times), 1))], axis=1)
    stray = stray_states(times, states)
    assert stray.sum() <= flange.sum() and not (stray & ~flange).any(), int(stray.sum())

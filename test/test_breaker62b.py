"""breaker62b: real recordings' kinds end to end through inspect, eval and train's reader.

Each test writes the kind of recording a lab makes (``recordings.bag_writing.write_messages``)
with a known truth: frame k's red channel holds 5 k, the arm's x is 0.40 + 0.005 k m at frame
k's capture, so a frame read with the wrong state is seen in its pixels. Every test here is a
strict xfail for a defect found and not fixed (docs/testing.md, breaker62b).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from vjepa_ros.cli import main
from vjepa_ros.recordings import BagTopics, read_recording
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_writing import write_messages
from vjepa_ros.recordings.topic_choice import without_train_keys

T0 = 1_700_000_000 * 10**9
RATE = 4.0
FRAMES = 20
CAMERA = "/camera/camera/color/image_raw"
POSE = "/franka_robot_state_broadcaster/current_pose"
GRIPPER = "/franka_gripper/joint_states"
FINGERS = ["fr3_finger_joint1", "fr3_finger_joint2"]
ARM = [f"fr3_joint{i}" for i in range(1, 8)]


def _frame(k: int, height: int = 48, width: int = 64) -> np.ndarray:
    frame = np.zeros((height, width, 3), np.uint8)
    frame[..., 0] = 5 * k  # the frame's index, read back from its pixels
    frame[..., 1] = 100
    return frame


def _state(k: float) -> np.ndarray:
    return np.array([0.40 + 0.005 * k, 0.0, 0.40, np.pi, 0.0, 0.0, 0.0])


def _time(k: int) -> int:
    return T0 + round(k * 1e9 / RATE)


def _entries(*, camera_stamp=None, pose_stamp=None, image=None, pose_topic=POSE):
    """Return the entries of a franka_ros2 lab's bag at 4 Hz: camera, pose, gripper fingers.

    ``camera_stamp(k, t)`` / ``pose_stamp(k, t)``: the header stamp [ns] of message k received at
    t (default t); ``image(k, stamp)``: the camera message of frame k.
    """
    entries = []
    for k in range(FRAMES):
        t = _time(k)
        stamp = pose_stamp(k, t) if pose_stamp else t
        entries.append((pose_topic, m.POSE_STAMPED, t, m.pose_message(_state(k), stamp, "base")))
        entries.append((GRIPPER, m.JOINT_STATE, t,
                        m.joint_state_message(FINGERS, [0.04, 0.04], stamp)))
        stamp = camera_stamp(k, t) if camera_stamp else t
        message = image(k, stamp) if image else m.image_message(_frame(k), stamp, "cam")
        entries.append((CAMERA, m.IMAGE, t + 1000, message))
    return sorted(entries, key=lambda entry: entry[2])


def _paired_wrong(recording) -> list[tuple[int, float]]:
    """Return (frame index from its pixels, index of the state it is read with) of wrong pairs."""
    wrong = []
    for index, time_ns in enumerate(recording.image_times):
        shown = int(recording.load_frames([index])[0][0, 0, 0]) / 5
        x = np.interp(time_ns, recording.state_times, recording.states[:, 0])
        paired = (x - 0.40) / 0.005
        if abs(shown - paired) > 0.5:  # half a step at 4 Hz
            wrong.append((shown, round(float(paired), 2)))
    return wrong


def _arm_moves():
    """Yield (frame k, time [ns], arm joints [7] rad): the base joint turns 0.02 rad a frame."""
    home = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])
    for k in range(FRAMES):
        joints = home.copy()
        joints[0] = 0.02 * k
        yield k, _time(k), joints


# -- 1. inspect says eval plans a bag that eval refuses


def _size_change(k, stamp):  # the camera's resolution changed halfway (a driver relaunched)
    return m.image_message(_frame(k) if k < 10 else _frame(k, 96, 128), stamp, "cam")


def _damaged_frame(k, stamp):  # one frame's data cut short (a recorder's partial write)
    message = m.image_message(_frame(k), stamp, "cam")
    if k == 12:
        message.data = message.data[:-100]
    return message


def _depth_later(k, stamp):  # a driver relaunched in depth mode on the same topic
    message = m.image_message(_frame(k), stamp, "cam")
    if k >= 12:
        message.encoding, message.step = "16UC1", 128
        message.data = np.zeros(48 * 128, np.uint8)
    return message


@pytest.mark.parametrize("image", [_size_change, _depth_later], ids=["size-change", "depth-later"])
def test_inspect_says_eval_refuses_a_bag_eval_refuses(tmp_path, capsys, image):
    """Inspect says eval refuses a bag whose later frames eval refuses.

    What the user does: `vjepa-ros inspect BAG` on a recording whose camera changed
    resolution halfway (or with one damaged frame, or a driver relaunched in depth mode), to
    learn whether `vjepa-ros eval BAG` will run, then runs eval.

    What happens: inspect prints `eval 19 steps to plan of 20 at 4 Hz` (JSON: `refuses` "")
    and exits 0; eval loads the model, decodes the frames before planning, and stops with
    status 1 ("frames ... change size",
    "image data has 9116 bytes", "'16UC1' frames"). Train's part of the same inspect output
    does show the refusal (it decodes every frame).

    What should happen: inspect's eval part says `eval refuses it: ...` with the message eval
    stops with, as docs/cli.md promises ("`eval refuses it: ...` with the message eval would
    stop with").
    """
    bag = write_messages(tmp_path / "bag", _entries(image=image))
    status = main(["eval", str(bag), "--samples", "8", "--iterations", "1", "--topk", "2",
                   "--no-plots", "--quiet", "--out", str(tmp_path / "ev")])
    eval_error = capsys.readouterr().err
    assert status == 1 and "vjepa-ros eval:" in eval_error  # eval refuses the bag
    assert main(["inspect", str(bag), "--json"]) == 0
    source = json.loads(capsys.readouterr().out)["sources"][0]
    assert source["eval"]["refuses"], (source["eval"]["planned_steps"], eval_error)
    assert without_train_keys(source["eval"]["refuses"]) in eval_error  # eval's own words


def test_inspect_counts_the_steps_eval_plans_when_one_frame_is_damaged(tmp_path, capsys):
    """A damaged frame drops its steps in eval (fix62b), and inspect says the same count.

    What the user does: inspects, then evaluates, a bag with one frame's data cut short.
    What happened (breaker62b #1): inspect said eval plans 19 steps, eval refused the bag.
    Since fix62b eval reads the frame as missing and plans the rest (17 here: the frame's own
    step and the step whose goal it is); inspect's eval part counts the same steps and gives
    eval's note on the lost frame.
    """
    bag = write_messages(tmp_path / "bag", _entries(image=_damaged_frame))
    status = main(["eval", str(bag), "--samples", "8", "--iterations", "1", "--topk", "2",
                   "--no-plots", "--quiet", "--out", str(tmp_path / "ev")])
    capsys.readouterr()
    assert status == 0
    evaluated = len(json.loads((tmp_path / "ev" / "report.json").read_text())["steps"])
    assert main(["inspect", str(bag), "--json"]) == 0
    source = json.loads(capsys.readouterr().out)["sources"][0]["eval"]
    assert source["refuses"] == "" and source["planned_steps"] == evaluated < 19, source
    assert any("did not decode" in note for note in source["recording"]["notes"]), source


# -- 2. a clock step under 0.5 s pairs every later frame with the wrong state


@pytest.mark.parametrize("stepped", ["camera", "arm"])
def test_a_clock_step_of_0_3_s_is_not_read_silently_off(tmp_path, stepped):
    """A 0.3 s clock step mid-bag is found or paired right, never read 1.2 steps off.

    What the user does: `vjepa-ros eval BAG` / `train --data BAG` on a recording during
    which the camera PC's (or the robot PC's) clock was stepped 0.3 s forward by its time
    daemon (ntpd steps the clock for offsets over 128 ms; chrony's `makestep 0.1 3` too): the
    header stamps of that stream jump 0.3 s at one message while the recorder's receive times
    run on evenly.

    What happens: the reader finds no step (its rule needs 0.5 s), says nothing, and pairs every
    frame after the step with the state 0.3 s (1.2 steps at 4 Hz) away: half the bag's frames
    are read with the wrong state (the pixels say frame 10, the state is frame 11.2's); eval
    scores and train learns actions shifted by more than a step.

    What should happen: a step of a stream's own stamps (its interval jumps, receipts steady)
    large enough to move a frame by half a step is found as the 1 s one is (cut, noted), or the
    frames are paired right; never a silent mispairing.
    """
    def step(k, t):  # the stepped clock's stamps from message 11 on
        return t + 300_000_000 if k >= 10 else t

    entries = _entries(camera_stamp=step) if stepped == "camera" else _entries(pose_stamp=step)
    recording = read_recording(write_messages(tmp_path / "bag", entries))
    assert not _paired_wrong(recording), (_paired_wrong(recording), recording.notes)


# -- 3. a command topic read or advised as the arm's or the hand's state


def _live_run(command_topic: str):
    """Return a live run's entries: the arm's pose on /tcp_pose, a command 3 steps ahead."""
    entries = _entries(pose_topic="/tcp_pose")
    for k in range(FRAMES):
        entries.append((command_topic, m.POSE_STAMPED, _time(k) + 2000,
                        m.pose_message(_state(k + 3), _time(k), "base")))
    return sorted(entries, key=lambda entry: entry[2])


@pytest.mark.parametrize("command_topic", ["/target_pose", "/equilibrium_pose"])
def test_the_state_topic_advice_never_names_a_command_topic(tmp_path, command_topic):
    """The missing-pose-topic refusal never advises a command topic as the arm's state.

    What the user does: `vjepa-ros eval BAG` on a bag recorded with `ros2 bag record -a`
    during a live run, whose arm pose is on /tcp_pose (not the default topic) beside the
    planner's set-points (/target_pose) or an impedance controller's /equilibrium_pose.

    What happens: the refusal says "give --pose-topic /target_pose" (the first PoseStamped by
    name); the user gives it and eval/train read the commanded set-points, 3 steps ahead of the
    arm, as the arm's state, silently (`recordings/replayed_commands.recorded_commands` calls
    that topic a command, the reader does not ask it).

    What should happen: the advice names the measured pose (/tcp_pose), or names every pose
    topic and says which ones are commands; never a command topic alone.
    """
    bag = write_messages(tmp_path / "bag", _live_run(command_topic))
    with pytest.raises(BagError) as refusal:
        read_recording(bag)
    assert f"--pose-topic {command_topic} " not in str(refusal.value)
    assert "/tcp_pose" in str(refusal.value).partition("Topics there")[0]


def test_the_joint_state_advice_never_names_a_command_topic(tmp_path):
    """The missing-state-topic refusal advises the namespaced joint states, not the commands.

    What the user does: `vjepa-ros eval BAG` on a bag of an arm in a namespace (Isaac Sim's
    bridge, a multi-arm launch): /fr3/joint_states (arm and fingers) beside the commands sent
    to it on /fr3/joint_command (sensor_msgs/JointState, the same joint names).

    What happens: the refusal says "give --joint-states-topic /fr3/joint_command"; given, the
    commanded joint positions are read as the arm's state, silently.

    What should happen: the advice names /fr3/joint_states (the topic whose name is the
    default's in a namespace), or names both and says /fr3/joint_command is a command.
    """
    entries = []
    for k, t, q in _arm_moves():
        message = m.joint_state_message(ARM + FINGERS, [*q, 0.04, 0.04], t)
        entries.append(("/fr3/joint_states", m.JOINT_STATE, t, message))
        entries.append(("/fr3/joint_command", m.JOINT_STATE, t + 1000, message))
        entries.append((CAMERA, m.IMAGE, t + 2000, m.image_message(_frame(k), t, "cam")))
    with pytest.raises(BagError) as refusal:
        read_recording(write_messages(tmp_path / "bag", entries))
    assert "--joint-states-topic /fr3/joint_command " not in str(refusal.value)


def test_fingers_on_a_command_topic_are_not_read_silently_as_the_hand(tmp_path):
    """Finger joints on a JointState command topic are not read silently as the hand.

    What the user does: `vjepa-ros eval BAG` / `train --data BAG` on a bag whose arm
    joints are on /joint_states (no finger joints: the gripper driver was not recorded) and a
    teleop's finger commands on /gripper_command (sensor_msgs/JointState, fr3_finger_joint1/2,
    commanded closed: position 0).

    What happens: the reader takes the hand from /gripper_command: closedness 1 (closed)
    throughout, no note; eval and train read a closed hand the arm never had.

    What should happen: the fingers of a topic the package's own rule calls a command
    (`recorded_commands`: a JointState on a name holding 'command') are not read as the hand
    without a word: the reader says no gripper state was recorded (as for a bag without
    fingers), or at least a note names /gripper_command as a command read as the hand.
    """
    entries = []
    for k, t, q in _arm_moves():
        entries.append(("/joint_states", m.JOINT_STATE, t, m.joint_state_message(ARM, q, t)))
        entries.append(("/gripper_command", m.JOINT_STATE, t + 1000,
                        m.joint_state_message(FINGERS, [0.0, 0.0], t)))
        entries.append((CAMERA, m.IMAGE, t + 2000, m.image_message(_frame(k), t, "cam")))
    recording = read_recording(write_messages(tmp_path / "bag", entries), BagTopics())
    assert recording.gripper_source != "/gripper_command" or any(
        "/gripper_command" in note for note in recording.notes), recording.notes


# -- 5. one undecodable frame stops a whole training run, with no fix said


def _cut_jpeg(k, stamp):  # frame 13's JPEG cut short (a driver glitch, a lost packet)
    message = m.compressed_image_message(_frame(k), stamp, "cam", "jpeg")
    if k == 12:
        message.data = message.data[: len(message.data) // 3]
    return message


def test_one_undecodable_frame_does_not_stop_training_without_a_fix(tmp_path, capsys):
    """One cut JPEG is a missing frame (noted), or the refusal says what to do.

    What the user does: `vjepa-ros train --data good_bag bad_bag ...` where bad_bag's
    compressed camera stream holds one JPEG cut short (message 13 of 20: a driver glitch).

    What happens: train stops before training, status 1, with `cannot decode compressed image
    with format 'rgb8; jpeg compressed bgr8' (226 bytes)` naming the bag and the message: no
    word of what to do (docs/evaluation.md: "an undecodable image is a one-line error naming
    the bag, the topic (and the message index) and what to do"); every other source is lost
    with it, while a frame that is missing (never recorded) only drops its steps, noted.

    What should happen: the frame's steps are dropped as a missing frame's are, with a note
    naming the message (train runs, status 0); or, at the least, the refusal says what to do
    (leave the bag out, or the part of it to read).
    """
    good = write_messages(tmp_path / "good", _entries())
    bad = write_messages(tmp_path / "bad", [
        (f"{CAMERA}/compressed" if topic == CAMERA else topic,
         m.COMPRESSED_IMAGE if topic == CAMERA else msgtype, time_ns, message)
        for topic, msgtype, time_ns, message in _entries(image=_cut_jpeg)])
    status = main(["train", "--data", str(good), str(bad), "--init", "demo", "--steps", "1",
                   "--batch-size", "2", "--frames-per-clip", "4", "--quiet", "--device", "cpu",
                   "--out", str(tmp_path / "run")])
    out = capsys.readouterr()
    words = out.out + out.err
    assert status == 0 and "message 13" in words or \
        status == 1 and any(fix in out.err for fix in ("leave", "--end", "--start")), words

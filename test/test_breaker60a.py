"""breaker60a: ``vjepa-ros eval``'s bag readers and episode files, as labs send recordings.

Attacked at a287ee15: ``recordings.bags.read_recording`` (what ``vjepa-ros eval``, ``train`` and
``camera-check`` read a bag with) and the episode ``.npz`` readers behind ``bag-from-npz`` and
``train`` (``example_episode.load_example``, ``Episode.load``). Each recording is written here
with ``rosbags`` (``bag_writing.write_messages``, or its ``Writer`` where the test needs the
publishers' QoS profiles) as a lab's setup leaves it.

Defects (strict xfails until fix60a, which fixed them: #1 asserts its cut and note, #3 a
note), most harmful first (1-4 silent wrong results: numbers without a word):

1. a clock that steps forward on one device mid-recording (a robot or camera PC whose NTP/chrony
   steps its clock on its first sync) in the last part of a bag: the frames after the step are
   paired by stamp with states recorded about a second earlier or later, with no refusal and no
   note (a step back is refused; a step forward in the first half is refused by the clock
   check's median; in the last ~third it passes: the median offset is still 0);
2. an episode ``.npz`` whose ``states`` [T, 7] are xyz + an orientation quaternion (x, y, z, w),
   the 7 numbers a lab saves its end-effector pose as: read as xyz, Euler angles and a gripper
   closedness (the quaternion's w), by ``bag-from-npz`` (the bag then evaluated) and ``train``;
   every row's last four columns have unit norm, which no Euler angles + closedness do by chance;
3. two camera drivers publishing one topic with the same ``frame_id`` (two RealSense nodes
   launched with the default camera name): the bag records two publishers for the topic
   (``offered_qos_profiles`` lists one per publisher, in ``metadata.yaml`` and in the MCAP
   channel), the frames of both cameras interleave, and eval reads them as one camera, each
   step planning from one view toward the other's frame; the planner node holds live for two
   camera publishers (README, status table: "two camera or arm publishers hold by the graph's
   count"), and the bag reader refuses two ``frame_id``s only;
4. finger joints published as their own messages on the arm's /joint_states (franka_ros
   drivers) by a gripper driver whose clock is 0.6 s off the arm's: 0.6 s behind, the
   closedness is read 0.6 s late with no note; 0.6 s ahead, refused as "header stamps step
   back ... (a simulator reset ...)". The same fingers on their own topic get the clock
   check's note naming the offset;
5. (a wrong refusal) a ``--start`` past the last camera frame with states is advised a start
   (``at most 5.74``) that is refused again with the same advice, and one between the last
   frame with states and the states' end is called "a gap in the camera": the span said is
   min(last frame, last state), not the last frame with states.

Held (not repeated here): Foxy-era SQLite3 (no schema/metadata tables, metadata.yaml version 4),
writer versions 8 and 9 in both storages; a joint name listed twice (refused naming it), fewer
positions than names, fingers outside 0..0.04 m (refused), one finger joint only (read as
mirrored); a state clock stepping back (refused); a forward step in the first half of the bag
(refused by the clock check); compressed frames ``rgb8; jpeg compressed bgr8``, ``bgr8; png
compressed bgr8``, ``rgba8; png compressed bgra8``, ``rgb16; png compressed bgr16``, bare
``jpeg``/``png``, WebP and TIFF payloads (colours right); NaN arm or finger joints (refused
naming the message); ``--start`` / ``--end`` at 1e308 and 1e-300, ``--rate 100`` / ``0.1``,
``--goal-offset`` and ``--max-steps`` at 2**63-1, ``--max-state-gap 1e-9`` (each refused in one
line with advice that holds, or run); a step's ``time_s`` given back as ``--start`` starts there.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.recordings.resample import interpolate_states
from vjepa_ros.robot.kinematics import FrankaKinematics

CAMERA = "/camera/camera/color/image_raw"
ARM = [f"fr3_joint{i}" for i in range(1, 8)]
FINGERS = ["fr3_finger_joint1", "fr3_finger_joint2"]
READY = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])  # the Franka's ready pose


def frame(k: int, size: int = 32) -> np.ndarray:
    return np.random.default_rng(k).integers(0, 255, (size, size, 3), dtype=np.uint8)


def joints_at(seconds: float) -> np.ndarray:
    """Return the arm's 7 joints [rad] at ``seconds``: a slow swing about the ready pose."""
    q = READY.copy()
    q[0] += 0.3 * np.sin(seconds)
    q[3] += 0.2 * np.sin(0.7 * seconds)
    return q


def recording(seconds: float, camera_hz: float = 4.0, joints_hz: float = 50.0,
              camera_step=None, joints_step=None):
    """(topic, type, receive ns, message) of a camera and a merged /joint_states, by time.

    ``camera_step`` / ``joints_step``: (from s, by s): that device's header stamps step forward
    by ``by`` from ``from`` seconds on (its clock stepped); receive times stay true.
    """
    out = []

    def stamp(t_ns, step):
        return t_ns + int(step[1] * 1e9) if step and t_ns - DEFAULT_START_NS >= step[0] * 1e9 \
            else t_ns

    for k in range(int(seconds * camera_hz) + 1):
        t = DEFAULT_START_NS + int(k * 1e9 / camera_hz)
        out.append((CAMERA, m.IMAGE, t, m.image_message(frame(k), stamp(t, camera_step), "cam")))
    for k in range(int(seconds * joints_hz) + 1):
        t = DEFAULT_START_NS + int(k * 1e9 / joints_hz)
        positions = [*joints_at(k / joints_hz), 0.03, 0.03]
        out.append(("/joint_states", m.JOINT_STATE, t,
                    m.joint_state_message(ARM + FINGERS, positions, stamp(t, joints_step))))
    return sorted(out, key=lambda entry: entry[2])


# ---------------------------------------------- 1. a clock stepping forward late in the bag


@pytest.mark.parametrize("device", ["joints", "camera"])
def test_clock_step_forward_late_in_the_bag_is_said(tmp_path, device):
    """A device clock stepping forward late in the bag is refused or said, never paired through.

    A lab records 20 s; 13 s in, one PC's clock is stepped forward 1 s (chrony's makestep
    on its first NTP sync), so from there on that device's header stamps run 1 s ahead of the
    other's, while the recorder's receive times stay true.

    What happens: read_recording (eval's reader) reads it without a refusal or a note about the
    clock: the frames after the step are paired by stamp with states 1 s away (the clock
    check compares the median offset, still 0 with the step in the last third).
    What should happen: the step is found (the topic's stamp-minus-receive offset changes by 1 s
    at one message) and refused naming the topic, the message and ``--stamps receive`` or a
    cut of the bag, as a step back is; or at least said in a note and the steps after it left
    out.
    """
    step = (13.0, 1.0)
    entries = recording(20.0, **{f"{device}_step": step})
    bag = write_messages(tmp_path / "bag", entries)
    try:
        rec = read_recording(bag)
    except BagError as exc:  # refused: what should happen
        words = str(exc).replace(str(bag), "BAG")
        assert "/joint_states" in words or CAMERA in words, words
        return
    # read: the pairing after the step is wrong by the step, so a note must say it
    frames = rec.image_times[(rec.image_times >= rec.state_times[0])
                             & (rec.image_times <= rec.state_times[-1])]
    paired, span = interpolate_states(rec.state_times, rec.states, frames)
    frames, paired = frames[span <= 0.1], paired[span <= 0.1]  # those eval keeps as steps
    kinematics = FrankaKinematics()
    received = {int(stamp): t for _, ty, t, msg in entries if ty == m.IMAGE
                for stamp in [m.stamp_ns(msg.header)]}
    truth = np.array([kinematics.ee_pose(joints_at((received[int(f)] - DEFAULT_START_NS) / 1e9))
                      [:3] for f in frames])
    off = np.linalg.norm(paired[:, :3] - truth, axis=1) > 0.01  # more than 1 cm off
    if not off.any():  # the part after the step left out (fix60a): said, naming the clock
        stepped = "/joint_states" if device == "joints" else CAMERA
        assert (rec.image_times[-1] - DEFAULT_START_NS) / 1e9 < step[0], "nothing cut"
        assert any(f"{stepped}'s clock stepped forward by 1.00 s 13.00 s" in note
                   and "--stamps receive" in note for note in rec.notes), rec.notes
        return
    assert any("clock" in note for note in rec.notes), (
        f"{int(off.sum())} of {len(frames)} frames eval keeps paired with a state over 1 cm "
        f"from the arm's at their capture, and no note says why: {rec.notes}")


# --------------------------------------------- 2. quaternion states in an episode .npz


def quaternion_episode(path, layout: str = "xyzw", frames: int = 16):
    """Write an episode .npz whose states are xyz + quaternion (``layout``): 7 columns."""
    t = np.arange(frames) / 4.0
    xyz = np.stack([0.45 + 0.02 * t, 0.02 * np.sin(t), 0.3 + 0.01 * t], axis=1)
    rpy = np.stack([np.pi - 0.05 * np.sin(t), np.zeros(frames), 0.1 * np.sin(0.5 * t)], axis=1)
    quat = Rotation.from_euler("xyz", rpy).as_quat()  # x, y, z, w: the hand pointing down
    quat[quat[:, 3] < 0] *= -1
    quat = quat if layout == "xyzw" else quat[:, [3, 0, 1, 2]]  # w first (Eigen, MuJoCo)
    states = np.concatenate([xyz, quat], axis=1).astype(np.float32)
    observations = np.stack([frame(k) for k in range(frames)])
    np.savez(path, observations=observations[None], states=states[None], timestamps=t)
    return path


@pytest.mark.parametrize("layout", ["xyzw", "wxyz"])
@pytest.mark.parametrize("reader", ["bag-from-npz", "train"])
def test_quaternion_states_in_an_episode_are_refused(tmp_path, reader, layout):
    """Episode states [T, 7] of xyz + quaternion are refused, not read as Euler + gripper.

    A lab saves its episodes with ``states`` [T, 7] = the end-effector pose as it logs it,
    xyz and the orientation quaternion (x, y, z, w), and runs ``vjepa-ros bag-from-npz`` to
    evaluate it (or ``train`` on it).

    What happens: the file is read as xyz, extrinsic Euler angles (qx, qy, qz) and a gripper
    closedness qw, with no word: a hand pointing down (roll pi) becomes roll 1 rad, and the
    bag and the training data hold made-up orientations and gripper; saved w first (Eigen's,
    MuJoCo's order) likewise (a qz < 0 would be refused as a closedness outside [0, 1], which
    names no quaternion).
    What should happen: states whose last four columns have unit norm on every row (a
    quaternion; no Euler angles + closedness do so by chance) are refused naming the file and
    the layout (xyz, Euler xyz, closedness) with the conversion, one line, as other wrong units
    are.
    """
    from vjepa_ros.example_episode import load_example
    from vjepa_ros.recordings.episode import Episode

    path = quaternion_episode(tmp_path / "ep.npz", layout)
    with pytest.raises(ValueError, match="quaternion"):
        if reader == "bag-from-npz":
            load_example(path, timestamps=True)
        else:
            Episode.load(path, notes=[])


# ---------------------------------------------- 3. two camera publishers, one frame_id


def two_publisher_bag(path, seconds: float = 3.0):
    """Write a bag whose camera topic had two publishers (one frame_id), frames interleaved."""
    from rosbags.interfaces import (
        Qos,
        QosDurability,
        QosHistory,
        QosLiveliness,
        QosReliability,
        QosTime,
    )
    from rosbags.rosbag2 import StoragePlugin, Writer

    never = QosTime(0, 0)
    profile = Qos(QosHistory.KEEP_LAST, 10, QosReliability.RELIABLE, QosDurability.VOLATILE,
                  never, never, QosLiveliness.AUTOMATIC, never, False)
    entries = [entry for entry in recording(seconds) if entry[0] != CAMERA]
    for k in range(int(seconds * 15)):  # two 15 fps cameras, 33 ms apart, one default frame_id
        for camera, phase_ns in ((0, 0), (1, 33_000_000)):
            t = DEFAULT_START_NS + int(k * 1e9 / 15) + phase_ns
            pixels = frame(k) if camera == 0 else np.full((32, 32, 3), 200, np.uint8)
            entries.append((CAMERA, m.IMAGE, t,
                            m.image_message(pixels, t, "camera_color_optical_frame")))
    entries.sort(key=lambda entry: entry[2])
    store = m.typestore()
    with Writer(path, version=8, storage_plugin=StoragePlugin.MCAP) as writer:
        connections = {}
        for topic, msgtype, t, msg in entries:
            if topic not in connections:
                publishers = 2 if topic == CAMERA else 1
                connections[topic] = writer.add_connection(
                    topic, msgtype, typestore=store, offered_qos_profiles=[profile] * publishers)
            writer.write(connections[topic], t, store.serialize_cdr(msg, msgtype))
    return path


def test_two_camera_publishers_of_one_frame_id_are_said(tmp_path):
    """A camera topic recorded with two publishers is refused or said, not read as one camera.

    A lab launches two RealSense drivers without their own camera names: both publish
    /camera/camera/color/image_raw with frame_id camera_color_optical_frame, and ros2 bag
    record records the topic with its two publishers' QoS profiles.

    What happens: read_recording reads the 90 interleaved frames of both cameras as one 30 fps
    camera, with no note; eval pairs frames of either view with the arm's states and plans from
    one view toward the other's frame.
    What should happen: two publishers recorded on the camera topic are refused (or at least
    said) naming the topic and the two publishers, as two frame_ids are and as the planner node
    holds live for two camera publishers.
    """
    bag = two_publisher_bag(tmp_path / "bag")
    try:
        rec = read_recording(bag)
    except BagError as exc:
        words = str(exc).replace(str(bag), "BAG")
        assert CAMERA in words and "publisher" in words, words
        return
    assert len(rec.image_times) == 90  # both cameras' frames, read as one stream
    assert any("publisher" in note and CAMERA in note for note in rec.notes), rec.notes


# ------------------------------ 4. finger messages on a shared /joint_states on another clock


def split_topic_bag(path, finger_offset_ns: int, seconds: float = 6.0):
    """Write arm and finger joints as separate messages on one /joint_states topic.

    Arm at 50 Hz, fingers at 10 Hz closing from 1.5 to 3 s (franka_ros drivers, the field
    recording ``joint-states-split``); the finger messages' header stamps ``finger_offset_ns``
    off their receive times.
    """
    entries = []
    for topic, msgtype, t, msg in recording(seconds):
        if topic != "/joint_states":
            entries.append((topic, msgtype, t, msg))
            continue
        entries.append((topic, msgtype, t, m.joint_state_message(ARM, list(msg.position)[:7], t)))
        s = (t - DEFAULT_START_NS) / 1e9
        if round(s * 50) % 5 == 0:
            width = 0.04 if s < 1.5 else 0.0 if s > 3 else 0.04 * (3 - s) / 1.5
            entries.append((topic, msgtype, t + 1000,
                            m.joint_state_message(FINGERS, [width, width], t + finger_offset_ns)))
    return write_messages(path, sorted(entries, key=lambda entry: entry[2]))


@pytest.mark.parametrize("offset_s", [-0.6, 0.6])
def test_shared_topic_fingers_on_another_clock_are_said(tmp_path, offset_s):
    """Finger messages on the arm's topic on another clock are clock-checked as a gripper's.

    A lab's gripper driver runs on another PC whose clock is 0.6 s off the arm's, and both
    publish /joint_states (arm and finger joints as separate messages, as franka_ros drivers
    do); the hand closes from 1.5 s to 3 s.

    What happens: fingers 0.6 s behind: the closedness is read 0.6 s late (0.91 at 2.25 s,
    where the hand was half closed, 0.51), with no note; 0.6 s ahead: refused as "/joint_states
    header stamps step back ... (a simulator reset or a clock step mid-recording)", a cause that
    is not the bag's. The same fingers on their own topic (/fr3_gripper/joint_states) get the
    clock check's note ("header stamps lie 0.60 s behind the states' clock ...").
    What should happen: the finger messages on the shared topic are checked against the arm's
    clock as a gripper topic is: a note naming the offset (or a refusal naming the fingers'
    clock and --stamps receive), never a silent shift nor a "simulator reset".
    """
    bag = split_topic_bag(tmp_path / "bag", int(offset_s * 1e9))
    try:
        rec = read_recording(bag)
    except BagError as exc:
        words = str(exc).replace(str(bag), "BAG")  # (tmp_path holds the test's name)
        assert "finger" in words or "gripper" in words, words
        return
    at = (rec.state_times - DEFAULT_START_NS) / 1e9
    half = rec.states[np.searchsorted(at, 2.25), 6]
    assert abs(half - 0.5) > 0.2, f"read right ({half}): the test's premise is gone"
    assert any("0.60 s" in note for note in rec.notes), (
        f"closedness {half:.2f} at 2.25 s where the hand was half closed, and no note: "
        f"{rec.notes}")


# ------------------------------------- 5. --start advice past the last frame with states


def test_advised_start_is_accepted(tmp_path, capsys):
    """Following the --start that eval advises evaluates, and --start before it says why.

    A lab's bag: the camera (4 Hz, 30 ms after the states' 50 Hz ticks) starts 2.28 s in and
    its last frame, 6.03 s, comes after the last joint state, 6.00 s. The user gives --start
    6.5, then what eval advises.

    What happens: "--start 6.5: ... the bag has them from 2.28 to 6.00 s after its start:
    give a --start of at most 5.74"; with --start 5.74: "its 0.26 s from --start 5.74 s to the
    bag's end give 1 step(s) ... give a --start of at most 5.74", the same advice, refused
    again (the last frame with states is 5.78 s, not 6.00 s: the span is min(last frame, last
    state)); --start 5.9 is refused as "(a gap in the camera)", which the bag has none of.
    What should happen: the advised --start is one that holds a step (at most 5.53 here), the
    span named is that of the frames with states (2.28 to 5.78 s), and a --start past the last
    frame with states is told so, not "a gap in the camera".
    """
    from cli_runs import _run

    entries = []
    for topic, msgtype, t, msg in recording(6.0):
        if topic == CAMERA:
            if t - DEFAULT_START_NS < 2.03e9:
                continue
            t += 30_000_000  # its frames 30 ms after the states' ticks
            msg = m.image_message(frame(t), t, "cam")
        entries.append((topic, msgtype, t, msg))
    bag = write_messages(tmp_path / "bag", sorted(entries, key=lambda entry: entry[2]))
    out = tmp_path / "out"
    common = ("eval", str(bag), "--checkpoint", "demo", "--samples", "8", "--iterations", "1",
              "--topk", "2", "--landscape-points", "0", "--no-plots", "--quiet", "--out",
              str(out))
    code, _, err = _run(capsys, *common, "--start", "6.5")
    assert code == 1 and "give a --start of at most " in err, err
    advised = err.split("give a --start of at most ")[1].split()[0]
    code, _, err = _run(capsys, *common, "--start", advised)
    assert code == 0, f"--start {advised}, as advised, refused: {err}"
    code, _, err = _run(capsys, *common, "--start", "5.9")
    assert code == 1 and "a gap in the camera" not in err, err

"""Robot states in the wrong units or frame are refused in one line, by every reader.

Joints in degrees, fingers in millimetres, poses metres away or stamped in a camera frame, a
gripper closedness of 5: each used to pass every check and give wrong results with no warning.
"""

import math

import numpy as np
import pytest

from vjepa_ros.cli import main
from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_bag, write_messages
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.recordings.episode import Episode
from vjepa_ros.robot.base_frame import frame_matches
from vjepa_ros.robot.joint_states import JointStateReader, RangeError
from vjepa_ros.robot.kinematics import StateError, pose_to_state
from vjepa_ros.robot.state_ranges import FR3_JOINT_LIMITS, PANDA_JOINT_LIMITS, states_problem
from vjepa_ros.train.config import DataConfig
from vjepa_ros.train.episodes import EpisodeError, find_sources, load_segments

HOME = np.array([0.0, -math.pi / 4, 0.0, -3 * math.pi / 4, 0.0, math.pi / 2, math.pi / 4])
ARM = [f"fr3_joint{i}" for i in range(1, 8)]
FINGERS = ["fr3_finger_joint1", "fr3_finger_joint2"]
IMAGE = "/camera/camera/color/image_raw"
SEC = 1_000_000_000


def test_the_reader_takes_both_arms_limits_and_refuses_degrees_and_millimetres():
    reader = JointStateReader()
    for limits in (PANDA_JOINT_LIMITS, FR3_JOINT_LIMITS):  # either arm's whole range
        for column in (0, 1):
            reader.read(ARM + FINGERS, list(limits[:, column]) + [0.0, 0.04])
    reader.read(ARM + FINGERS, list(FR3_JOINT_LIMITS[:, 1] + 0.05) + [-0.001, 0.041])
    with pytest.raises(RangeError, match=r"fr3_joint2 = -45 is outside the Franka's joint range "
                       r"-1.7837..1.7837 rad .*must be in radians"):
        reader.read(ARM, np.degrees(HOME))
    with pytest.raises(RangeError, match=r"fr3_finger_joint1 = 40 is outside the Franka Hand's "
                       r"finger range 0..0.04 m: finger positions must be in metres"):
        reader.read(FINGERS, [40.0, 40.0])
    with pytest.raises(RangeError, match="fr3_finger_joint2 = -0.02"):
        reader.read(ARM + FINGERS, list(HOME) + [0.01, -0.02])


def test_a_measured_pose_beyond_reach_is_refused_and_driver_frames_are_the_base():
    with pytest.raises(StateError, match=r"\(5.45, 0, 0.35\) is 5.46 m from the base, beyond "
                       r"a Franka's reach \(1.5 m\): positions must be in metres"):
        pose_to_state([5.45, 0.0, 0.35], [1.0, 0, 0, 0], 0.0)
    with pytest.raises(StateError, match=r"message 2 \(counting from 1\): "):
        pose_to_state([[0.5, 0, 0.3], [450.0, 0, 300.0]], [[1.0, 0, 0, 0]] * 2, [0.0, 0.0])
    assert pose_to_state([0.5, 0, 0.3], [1.0, 0, 0, 0], 0.0)[0] == 0.5
    for frame in ("base", "/panda_link0", "fr3_link0", "left_fr3_link0"):
        assert frame_matches(frame) is True
    assert frame_matches("camera_color_optical_frame") is False and frame_matches("") is None
    assert frame_matches("world", "world") and not frame_matches("base", "world")


def test_a_measured_quaternion_has_the_simulators_norm_tolerance():
    """pose_to_state refuses |q| off 1 by more than the tolerance the simulator's target has."""
    pytest.importorskip("pybullet", reason="sim.sim needs pybullet")
    from vjepa_ros.robot import state_ranges
    from vjepa_ros.sim import sim

    tolerance = state_ranges.QUATERNION_NORM_TOLERANCE
    assert not hasattr(sim, "QUATERNION_NORM_TOLERANCE")  # one constant, not two that may part
    hand_down = np.array([1.0, 0, 0, 0])
    sim.quaternion_to_matrix((1 + 0.9 * tolerance) * hand_down)
    with pytest.raises(ValueError):
        sim.quaternion_to_matrix((1 + 1.1 * tolerance) * hand_down)
    for norm in (1 + 0.9 * tolerance, 1 - 0.9 * tolerance):
        assert pose_to_state([0.5, 0, 0.3], norm * hand_down, 0.0)[0] == 0.5
    for norm in (1 + 1.1 * tolerance, 1 - 1.1 * tolerance, 2.0, 1e-5):
        with pytest.raises(StateError, match=r"^end-effector orientation quaternion has norm "
                           r"[0-9.e-]+, not 1 within 0.001: not normalised"):
            pose_to_state([0.5, 0, 0.3], norm * hand_down, 0.0)
        with pytest.raises(ValueError, match="orientation quaternion has"):
            sim.quaternion_to_matrix(norm * hand_down)
    with pytest.raises(StateError, match=r"^message 2 \(counting from 1\): end-effector "
                       r"orientation quaternion has norm 0.5,"):
        pose_to_state([[0.5, 0, 0.3]] * 2, [hand_down, 0.5 * hand_down], [0.0, 0.0])


def joint_bag(path, arm, finger):
    """Camera and merged /joint_states (arm [T, 7] rad, both fingers [T] m) at 4 Hz."""
    frames, _, _ = synthetic_episode(len(arm) - 1)
    entries = []
    for k, (joints, width) in enumerate(zip(arm, finger, strict=True)):
        t = DEFAULT_START_NS + k * SEC // 4
        entries.append((IMAGE, m.IMAGE, t, m.image_message(frames[k], t, "cam")))
        entries.append(("/joint_states", m.JOINT_STATE, t, m.joint_state_message(
            ARM + FINGERS, list(joints) + [width, width], t)))
    return write_messages(path, entries)


@pytest.mark.parametrize("unit, message", [
    ("degrees", r"/joint_states message 1 \(counting from 1\): fr3_joint2 = -45 is outside"),
    ("millimetres",
     r"/joint_states message 1 \(counting from 1\): fr3_finger_joint1 = 40 is outside"),
])
def test_eval_and_train_refuse_joint_states_in_other_units(tmp_path, capsys, unit, message):
    arm = HOME + 0.01 * np.arange(6)[:, None]
    finger = np.full(6, 0.04)
    path = joint_bag(tmp_path / "ok", arm, finger)
    assert read_recording(path).states[:, 6].max() == pytest.approx(0.0)
    bad = tmp_path / unit
    joint_bag(bad, np.degrees(arm) if unit == "degrees" else arm,
              finger * 1000 if unit == "millimetres" else finger)
    with pytest.raises(BagError, match=f"{bad}: {message}"):
        read_recording(bad)
    (source,) = find_sources([bad])
    with pytest.raises(EpisodeError, match=message):
        load_segments(source, DataConfig(frames_per_clip=4))
    assert main(["eval", str(bad), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith(
        f"vjepa-ros eval: {bad}: /joint_states message 1 (counting from 1)")


def test_gripper_topic_in_millimetres_is_refused_not_taken_as_open(tmp_path):
    frames, states, _ = synthetic_episode(4)
    entries = []
    for k, frame in enumerate(frames):
        t = DEFAULT_START_NS + k * SEC // 4
        entries += [(IMAGE, m.IMAGE, t, m.image_message(frame, t, "cam")),
                    ("/franka_robot_state_broadcaster/current_pose", m.POSE_STAMPED, t,
                     m.pose_message(states[k], t, "base")),
                    ("/franka_gripper/joint_states", m.JOINT_STATE, t, m.joint_state_message(
                        ["panda_finger_joint1", "panda_finger_joint2"], [30.0, 30.0], t))]
    path = write_messages(tmp_path / "bag", entries)
    with pytest.raises(BagError, match=r"gripper topic /franka_gripper/joint_states message 1 "
                       r"\(counting from 1\): "
                       r"panda_finger_joint1 = 30 is outside"):
        read_recording(path)


def test_poses_far_away_or_in_another_frame_are_refused_naming_topic_and_fix(tmp_path):
    frames, states, times = synthetic_episode(4)
    camera = write_bag(tmp_path / "camera", frames, states, times,
                       base_frame="camera_color_optical_frame")
    with pytest.raises(BagError, match=r"current_pose is in frame 'camera_color_optical_frame', "
                       r"not the arm's base frame \(base or <prefix>link0\).*"
                       r"--base-frame camera_color_optical_frame.*no arm joint states"):
        # no arm joints in this bag: --state-source joint_states is not advised (breaker45r)
        read_recording(camera)
    assert len(read_recording(camera, BagTopics(base_frame="camera_color_optical_frame")).states)
    in_base = write_bag(tmp_path / "base", frames, states, times)  # stamped 'base'
    with pytest.raises(BagError, match=r"not the arm's base frame \(right_fr3_link0\)"):
        read_recording(in_base, BagTopics(base_frame="right_fr3_link0"))
    # a single arm's link0 and franka_description's base are one frame (the planner's rule)
    assert len(read_recording(in_base, BagTopics(base_frame="panda_link0")).states)
    unstamped = read_recording(write_bag(tmp_path / "empty", frames, states, times,
                                         base_frame=""))
    assert any("empty header.frame_id: taken as the arm's base frame" in note
               for note in unstamped.notes)
    entries = []
    for k, frame in enumerate(frames):  # the same poses in millimetres
        t = DEFAULT_START_NS + k * SEC // 4
        pose = m.pose_message(states[k], t, "base")
        p = pose.pose.position
        p.x, p.y, p.z = p.x * 1000, p.y * 1000, p.z * 1000
        entries += [(IMAGE, m.IMAGE, t, m.image_message(frame, t, "cam")),
                    ("/franka_robot_state_broadcaster/current_pose", m.POSE_STAMPED, t, pose)]
    with pytest.raises(BagError, match=r"current_pose: message 1 \(counting from 1\): "
                       r"end-effector position "
                       r"\(450, 0, 350\) is 570 m from the base, beyond a Franka's reach"):
        read_recording(write_messages(tmp_path / "mm", entries))


def test_episode_files_with_impossible_states_are_refused_naming_the_file(tmp_path, capsys):
    frames, states, times = synthetic_episode(5)
    cases = {"grip5": (6, 5.0, r"gripper closedness \(states\[:, 6\]\) must be in \[0, 1\] "
                       r"\(0 open, 1 closed\), got 5 at step 0"),
             "nan": (0, np.nan, r"states contain NaN or inf \(step 0\)"),
             "far": (0, 450.0, r"step 0: end-effector position \(450,")}
    for name, (column, value, message) in cases.items():
        bad = states.copy()
        bad[:, column] = value
        path = tmp_path / f"{name}.npz"
        np.savez(path, observations=frames[None], states=bad[None].astype(np.float32))
        with pytest.raises(ValueError, match=f"{path}: {message}"):
            Episode.load(path)
        (source,) = find_sources([path])
        with pytest.raises(EpisodeError, match=f"{path}: {message}"):
            load_segments(source, DataConfig(frames_per_clip=4))
        assert main(["bag-from-npz", str(tmp_path / f"{name}_bag"), "--episode", str(path)]) == 1
        assert capsys.readouterr().err.strip().startswith(f"vjepa-ros bag-from-npz: {path}: ")
    path = tmp_path / "six.npz"
    np.savez(path, observations=frames[None], states=states[None, :, :6])
    assert main(["bag-from-npz", str(tmp_path / "six_bag"), "--episode", str(path)]) == 1
    assert capsys.readouterr().err.strip() == (
        f"vjepa-ros bag-from-npz: {path}: states must be [T, 7] (xyz, extrinsic xyz Euler, "
        "gripper closedness), got [6, 6]")
    with pytest.raises(BagError, match="gripper closedness"):
        write_bag(tmp_path / "bag", frames, np.where(np.arange(7) == 6, 2.0, states))


def test_base_frame_option_of_eval_camera_check_and_train():
    from vjepa_ros.cli import build_parser
    from vjepa_ros.eval.command import topics_from_args
    from vjepa_ros.train.command_options import overrides_from_args

    for command in ("eval", "camera-check"):
        args = build_parser().parse_args([command, "bag", "--base-frame", "world"])
        assert topics_from_args(args).base_frame == "world"
    train = build_parser().parse_args(["train", "--data", "d", "--base-frame", "world"])
    assert overrides_from_args(train)["data.topics.base_frame"] == "world"


def test_episode_orientations_in_degrees_are_refused_and_radians_near_pi_kept(tmp_path, capsys):
    frames, states, _ = synthetic_episode(5)
    degrees = states.copy()
    degrees[:, 3:6] = np.degrees(degrees[:, 3:6])  # a roll near π: about 175°
    path = tmp_path / "deg.npz"
    np.savez(path, observations=frames[None], states=degrees[None].astype(np.float32))
    step, column = np.unravel_index(np.argmax(np.abs(degrees[:, 3:6])), (6, 3))
    message = (f"{path}: orientation (states[:, 3:6], extrinsic xyz Euler) beyond ±π rad: "
               f"largest {np.float32(degrees[step, 3 + column]):g} at step {step} "
               f"(states[{step}, {3 + column}]): angles in degrees? give radians in [−π, π] "
               "(or wrap angles unwrapped past a turn)")
    with pytest.raises(ValueError) as caught:
        Episode.load(path)
    assert str(caught.value) == message
    (source,) = find_sources([path])
    with pytest.raises(EpisodeError) as caught:  # train and pretrain
        load_segments(source, DataConfig(frames_per_clip=4))
    assert str(caught.value) == message
    for argv in (["bag-from-npz", str(tmp_path / "bag")], ["demo"]):
        assert main([*argv, "--episode", str(path)]) == 1
        assert capsys.readouterr().err.strip() == f"vjepa-ros {argv[0]}: {message}"
    with pytest.raises(BagError, match=r"beyond ±π rad: largest .*: angles in degrees\?"):
        write_bag(tmp_path / "bag", frames, degrees)
    radians = states.copy()  # at ±π and within the tolerance, also in float32
    # one orientation (a half turn about z) written three ways, as Euler angles at ±π are: the
    # rows must not turn faster than an arm (a turn is a jump since session 40)
    radians[:, 3:6] = [[np.pi, -np.pi, 0.0], [-np.pi - 0.009, np.pi, 0.0],
                       [0.0, 0.0, np.pi + 0.009]] * 2
    path = tmp_path / "rad.npz"
    np.savez(path, observations=frames[None], states=radians[None].astype(np.float32))
    assert len(Episode.load(path)) == 6
    assert len(load_segments(find_sources([path])[0], DataConfig(frames_per_clip=4))[0]) == 1
    radians[1, 5] = np.pi + 0.02  # unwrapped radians (a roll crossing ±π), not degrees
    with pytest.raises(ValueError, match=r"largest 3.16159 at step 1 \(states\[1, 5\]\): "
                       r"unwrapped angles\? wrap them into \[−π, π\]"):
        Episode.from_states(frames, radians, np.arange(6) / 4)
    radians[1, 5] = 7.0  # beyond a turn: degrees (a 7° yaw)
    with pytest.raises(ValueError, match=r"largest 7 at step 1 .*angles in degrees\?"):
        Episode.from_states(frames, radians, np.arange(6) / 4)


def test_states_that_are_not_numbers_are_named_not_cast():
    assert states_problem(np.full((2, 7), "a")) == "states must be numbers, got <U1"
    assert states_problem(np.zeros((2, 7), dtype=object)) == "states must be numbers, got object"

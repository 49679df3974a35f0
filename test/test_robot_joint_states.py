"""The one joint-state reader: every layout a Franka lab publishes, foreign messages, errors."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vjepa_ros.nodes.pose_msgs import frame_problem
from vjepa_ros.robot.joint_states import (
    JointStateReader,
    closedness_from_fingers,
    finger_position,
    joint_names,
    read_series,
)
from vjepa_ros.robot.kinematics import StateError
from vjepa_ros.robot.state_ranges import FRANKA_JOINT_LIMITS
from vjepa_ros.sim.panda import closedness_to_finger_position, finger_positions_to_closedness

HOME = [0.0, -math.pi / 4, 0.0, -3 * math.pi / 4, 0.0, math.pi / 2, math.pi / 4]
EXTRA = ["head_pan_joint", "wheel_left_joint", "ur_joint1", "finger_joint", "panda_joint8",
         "fr3_joint0", "gripper_joint"]


def arm_names(prefix):
    return [f"{prefix}joint{i}" for i in range(1, 8)]


def finger_names(prefix):
    return [f"{prefix}finger_joint1", f"{prefix}finger_joint2"]


prefixes = st.builds(
    lambda namespace, side, model: namespace + side + model,
    st.sampled_from(["", "robot1/", "/ns/", "lab_a/"]),
    st.sampled_from(["", "left_", "right_", "arm0_"]),
    st.sampled_from(["panda_", "fr3_"]),
)


@settings(max_examples=80, deadline=None)
@given(prefix=prefixes, seed=st.integers(0, 2**31 - 1), split=st.booleans(),
       extras=st.integers(0, len(EXTRA)), explicit=st.booleans())
def test_every_layout_reads_the_same_arm_and_gripper(prefix, seed, split, extras, explicit):
    rng = np.random.default_rng(seed)
    arm = rng.uniform(*FRANKA_JOINT_LIMITS.T)
    fingers = rng.uniform(0.0, 0.04, 2)
    extra = list(rng.choice(EXTRA, extras, replace=False))
    parts = [(arm_names(prefix), list(arm)), (finger_names(prefix), list(fingers))]
    if split:  # franka_ros style: arm and fingers as separate messages on one topic
        messages = [(parts[0][0] + extra, parts[0][1] + [7.0] * extras), parts[1]]
    else:
        messages = [(parts[0][0] + parts[1][0] + extra,
                     parts[0][1] + parts[1][1] + [7.0] * extras)]
    reader = JointStateReader(prefix if explicit else "")
    readings = []
    for names, positions in messages:
        order = rng.permutation(len(names))  # any order
        readings.append(reader.read([names[i] for i in order], [positions[i] for i in order]))
    arm_read = [r.arm for r in readings if r.arm is not None]
    fingers_read = [r.fingers for r in readings if r.fingers is not None]
    assert len(arm_read) == 1 and len(fingers_read) == 1
    np.testing.assert_array_equal(arm_read[0], arm)
    np.testing.assert_array_equal(fingers_read[0], fingers)
    assert reader.prefix == prefix
    assert not any(r.foreign for r in readings)
    expected = min(1.0, max(0.0, 1 - fingers.sum() / 0.08))
    assert closedness_from_fingers(fingers_read[0]) == pytest.approx(expected)


@settings(max_examples=40, deadline=None)
@given(names=st.lists(st.sampled_from(EXTRA + ["elbow", "torso_lift_joint", "panda_joint",
                                               "fr3joint1", "x_finger"]), max_size=6),
       positions=st.integers(0, 8))
def test_messages_about_other_joints_are_foreign_whatever_their_shape(names, positions):
    reader = JointStateReader()
    reading = reader.read(names, [0.5] * positions)  # even with a wrong number of positions
    assert reading.foreign and reading.arm is None and reading.fingers is None
    assert reader.prefix is None


def test_a_split_stream_with_foreign_messages_becomes_arm_and_finger_series():
    rows, times = [], []
    for k in range(4):
        rows += [(arm_names("fr3_"), np.add(HOME, 0.1 * k)), (["head_pan_joint"], [1.0]),
                 (finger_names("fr3_")[::-1], [0.01 * k, 0.01 * k])]
        times += [100 * k, 100 * k + 1, 100 * k + 2]
    series = read_series(times, rows, JointStateReader())
    np.testing.assert_array_equal(series.arm_times, [0, 100, 200, 300])
    np.testing.assert_allclose(series.arm[:, 0], [0.0, 0.1, 0.2, 0.3])
    np.testing.assert_array_equal(series.finger_times, [2, 102, 202, 302])
    np.testing.assert_allclose(closedness_from_fingers(series.fingers), [1, 0.75, 0.5, 0.25])
    assert series.foreign == 4 and series.arm_names == tuple(arm_names("fr3_"))


def test_one_finger_joint_counts_for_both_and_the_mapping_inverts():
    reading = JointStateReader().read(["panda_finger_joint2"], [0.01])
    np.testing.assert_array_equal(reading.fingers, [0.01, 0.01])
    for closedness in np.linspace(0, 1, 11):
        width = 2 * finger_position(closedness)
        assert closedness_from_fingers([width / 2, width / 2]) == pytest.approx(closedness)
        # The simulator's hand uses the same mapping.
        assert closedness_to_finger_position(closedness) == pytest.approx(width / 2)
        assert finger_positions_to_closedness(width / 2, width / 2) == pytest.approx(closedness)
    assert closedness_from_fingers([0.05, 0.05]) == 0.0 and finger_position(2.0) == 0.0
    assert closedness_from_fingers([0.02, 0.02], max_width=0.04) == 0.0


@pytest.mark.parametrize("names, positions, message", [
    (arm_names("panda_")[:6], HOME[:6], "lacks panda_joint7"),
    (arm_names("panda_"), HOME[:6] + [float("nan")], "NaN"),
    (arm_names("panda_"), HOME[:6], "7 names but 6 positions"),
    (arm_names("panda_") + finger_names("panda_"), HOME + [float("inf"), 0.0], "finger"),
    (arm_names("left_fr3_") + arm_names("right_fr3_"), HOME * 2, "robot.joint_prefix"),
    (finger_names("left_fr3_") + finger_names("right_fr3_"), [0.0] * 4, "robot.joint_prefix"),
    (arm_names("panda_") + ["panda_joint2"], HOME + [0.3],
     "names panda_joint2 2 times with different positions"),
    (finger_names("panda_") + ["panda_finger_joint1"], [0.01, 0.01, 0.03],
     "names panda_finger_joint1 2 times"),
])
def test_unusable_messages_about_the_arm_are_errors_that_say_why(names, positions, message):
    with pytest.raises(StateError, match=message):
        JointStateReader().read(names, positions)


def test_a_joint_named_twice_with_the_same_position_reads_as_once():
    names = arm_names("panda_") + ["panda_joint2", "head_pan", "head_pan"]
    reading = JointStateReader().read(names, HOME + [HOME[1], 0.1, 0.2])
    np.testing.assert_array_equal(reading.arm, HOME)


def test_a_second_arm_is_an_error_in_auto_mode_and_foreign_with_a_prefix():
    auto = JointStateReader()
    assert auto.read(arm_names("left_fr3_"), HOME).arm is not None
    with pytest.raises(StateError, match="left_fr3_joint1..7, right_fr3_joint1..7"):
        auto.read(arm_names("right_fr3_"), HOME)
    assert auto.read(finger_names("right_fr3_"), [0.0, 0.0]).foreign  # the other arm's hand
    # Two hands in a message with one arm: the arm's prefix picks its hand.
    one_arm = JointStateReader().read(arm_names("left_fr3_") + finger_names("right_fr3_") +
                                      finger_names("left_fr3_"), HOME + [0.0, 0.0, 0.01, 0.02])
    np.testing.assert_array_equal(one_arm.fingers, [0.01, 0.02])
    chosen = JointStateReader("right_fr3_")
    assert chosen.read(arm_names("left_fr3_") + finger_names("left_fr3_"), HOME + [0, 0]).foreign
    other = list(np.add(HOME, 0.01 * np.arange(7)))
    both = chosen.read(arm_names("left_fr3_") + arm_names("right_fr3_"), HOME + other)
    np.testing.assert_array_equal(both.arm, other)


@pytest.mark.parametrize("frame_id, verdict", [
    ("panda_link0", ""), ("/panda_link0", ""), ("", None), ("world", "refused"),
    ("fr3_link0", "refused"),
])
def test_pose_frames_are_checked_against_the_base_frame(frame_id, verdict):
    problem = frame_problem("/current_pose", frame_id, "panda_link0")
    if verdict == "refused":
        assert f"'{frame_id}'" in problem and "'panda_link0'" in problem
        assert "/current_pose" in problem and f"robot.base_frame:={frame_id}" in problem
    else:
        assert problem == verdict


def test_an_unusable_arm_and_unusable_fingers_raise_errors_of_their_part():
    # The planner node marks the hand unknown for bad fingers only: a merged message with a bad
    # arm value used to make the closedness unmeasured too.
    from vjepa_ros.robot.joint_states import ArmStateError, JointStateReader

    names = [f"panda_joint{i}" for i in range(1, 8)] + ["panda_finger_joint1"]
    good = [0.0, -0.7, 0.0, -2.3, 0.0, 1.6, 0.7, 0.02]
    for bad_arm in ([float("nan")] + good[1:], [90.0] + good[1:], good[1:7] + [0.02]):
        with pytest.raises(ArmStateError):
            JointStateReader().read(names if len(bad_arm) == 8 else names[1:], bad_arm)
    for bad_fingers in (good[:7] + [float("nan")], good[:7] + [20.0]):
        with pytest.raises(StateError) as error:
            JointStateReader().read(names, bad_fingers)
        assert not isinstance(error.value, ArmStateError)


def test_joint_names_are_built_once_per_message_and_read_alike():
    """A message's names as ``joint_names`` gives them: str, built once, read as the list is."""
    raw = [f"panda_joint{i}" for i in range(1, 8)] + [np.str_("panda_finger_joint1")]
    names = joint_names(raw)
    assert names == tuple(raw) and all(type(name) is str for name in names)
    assert joint_names(names) is names  # the planner's has_arm then read: no second copy
    assert joint_names(tuple(raw)) is not names  # a plain tuple is checked, not trusted
    positions = [0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785, 0.02]
    from_list, from_names = JointStateReader(), JointStateReader()
    assert from_list.has_arm(raw) and from_names.has_arm(names)
    read, read_names = from_list.read(raw, positions), from_names.read(names, positions)
    np.testing.assert_array_equal(read.arm, read_names.arm)
    np.testing.assert_array_equal(read.fingers, read_names.fingers)
    assert read.arm_names == read_names.arm_names and from_names.prefix == "panda_"

"""mend57w: every Franka model's joint and link names (franka_description's fer, fr3, fp3, fr3v2).

franka_description names an arm's joints ``<arm_prefix><arm_id>_joint1..7`` with the model as
``arm_id``; the package knew only ``panda_`` and ``fr3_``: an FER's (``fer_joint1..7``) or an FP3's
joint states were foreign ("no joint state with a Franka arm's joints"), their poses in
``fer_link0`` refused, and the joint-limit guard kept robot.model's limits.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from vjepa_ros.recordings.bag_joint_prefixes import other_arm_names_fix
from vjepa_ros.robot.arm_models import (
    LIMITS_OF_MODEL,
    model_of_prefix,
    unknown_limits_problem,
    unprefixed_arm_note,
)
from vjepa_ros.robot.base_frame import (
    frame_matches,
    joint_states_frame_problem,
    learned_base_frame,
    same_base_frame,
)
from vjepa_ros.robot.joint_guard import JOINT_LIMITS, JointLimitGuard
from vjepa_ros.robot.joint_states import (
    ArmStateError,
    JointStateReader,
    arm_prefixes,
    expected_arm_joints,
)
from vjepa_ros.robot.kinematics import FrankaKinematics, RobotConfig

HOME = np.array([0.0, -math.pi / 4, 0.0, -3 * math.pi / 4, 0.0, math.pi / 2, math.pi / 4])
KNOWN = [model for model, limits in LIMITS_OF_MODEL.items() if limits]
UNKNOWN = [model for model, limits in LIMITS_OF_MODEL.items() if not limits]


def _names(prefix):
    return [f"{prefix}joint{i}" for i in range(1, 8)]


def test_the_table_has_franka_descriptions_models_with_their_published_limits():
    """The FER's joint_limits.yaml is the Panda's, the FP3's the FR3's (franka_description)."""
    assert {"panda", "fer", "fr3", "fp3", "fr3v2"} <= set(LIMITS_OF_MODEL)
    assert LIMITS_OF_MODEL["fer"] == "panda" and LIMITS_OF_MODEL["fp3"] == "fr3"
    assert JOINT_LIMITS["panda"][5, 0] == pytest.approx(-0.0175)  # fer joint6 lower
    assert JOINT_LIMITS["fr3"][5, 0] == pytest.approx(0.5445)  # fp3 joint6 lower


@pytest.mark.parametrize("model", KNOWN)
@pytest.mark.parametrize("arm_prefix", ["", "left_", "robot1/"])
def test_every_known_models_joints_are_read_in_any_order(model, arm_prefix):
    prefix = f"{arm_prefix}{model}_"
    names = _names(prefix)[::-1] + [f"{prefix}finger_joint1", "head_pan"]
    positions = list(HOME[::-1]) + [0.02, 0.3]
    reader = JointStateReader()
    reading = reader.read(names, positions)
    np.testing.assert_array_equal(reading.arm, HOME)
    assert reader.prefix == prefix and reading.arm_names == tuple(_names(prefix))
    np.testing.assert_array_equal(reading.fingers, [0.02, 0.02])
    assert arm_prefixes(names) == [prefix]


@pytest.mark.parametrize("model", UNKNOWN)
@pytest.mark.parametrize("arm_prefix", ["", "right_"])
@pytest.mark.parametrize("told", [False, True])
def test_a_model_whose_limits_are_unknown_is_refused_in_one_line(model, arm_prefix, told):
    """fr3v2: another arm's limits would range-check and guard it; refused, naming what to set."""
    prefix = f"{arm_prefix}{model}_"
    reader = JointStateReader(prefix if told else "")
    with pytest.raises(ArmStateError) as caught:
        reader.read(_names(prefix) + [f"{prefix}finger_joint1"], list(HOME) + [0.01])
    line = str(caught.value)
    assert f"Franka {model}'s joints" in line and "robot.joint_prefix" in line, line
    assert f"{prefix}joint1..7" in line and "\n" not in line, line
    assert reader.prefix != prefix or told, "a refused arm is not learned as this arm"
    assert unknown_limits_problem(prefix) == line


@pytest.mark.parametrize("prefix", ["fr3_", "fer_", "arm_", "", "panda_1_"])
def test_a_model_with_known_limits_or_none_named_is_not_refused(prefix):
    assert unknown_limits_problem(prefix) == ""


def test_a_longer_model_word_is_not_read_as_a_shorter_one():
    """fr3v2_joint1 is an fr3v2's, not an fr3's (nor a second arm beside fr3_joint1..7)."""
    assert model_of_prefix("fr3v2_") == "fr3v2" and model_of_prefix("left_fr3v2_1_") == "fr3v2_1"
    assert arm_prefixes(_names("fr3v2_") + _names("fr3_")) == ["fr3_", "fr3v2_"]
    assert arm_prefixes(_names("xfr3v_")) == [], "no model's name"


@pytest.mark.parametrize("model", KNOWN)
@pytest.mark.parametrize("robot_model", ["panda", "fr3"])
def test_the_guard_keeps_each_models_own_limits(model, robot_model):
    guard = JointLimitGuard(FrankaKinematics(RobotConfig(model=robot_model)), 0.1)
    note = guard.follow_prefix(f"left_{model}_")
    limits = LIMITS_OF_MODEL[model]
    np.testing.assert_array_equal(np.stack([guard.lower, guard.upper], 1), JOINT_LIMITS[limits])
    assert (note == "") == (limits == robot_model), note


@pytest.mark.parametrize("model", list(LIMITS_OF_MODEL))
def test_every_models_link0_is_a_driver_base_frame_and_its_arms_base(model):
    assert frame_matches(f"{model}_link0", "") is True
    assert frame_matches(f"/left_{model}_link0", "") is True
    assert frame_matches(f"{model}_link0", "", [f"{model}_"]) is True
    assert same_base_frame("base", f"{model}_link0"), "a single arm's link0 is base at 0 0 0"
    assert not same_base_frame("base", f"left_{model}_link0"), "a multi-arm setup's is offset"
    robot = RobotConfig(base_frame=f"{model}_link0")
    assert joint_states_frame_problem(robot) == ""
    assert learned_base_frame(RobotConfig(), f"{model}_") == (f"{model}_link0", "")


@pytest.mark.parametrize("frame", ["camera_link0", "fer_camera_link0", "fr3v_link0", "world"])
def test_other_frames_stay_refused(frame):
    assert frame_matches(frame, "") is False
    assert "robot.base_frame" in joint_states_frame_problem(RobotConfig(base_frame=frame))


def test_plain_joint_names_are_the_arm_when_alone():
    """franka_description's no_prefix joint1..7: the arm, with no prefixed arm beside (mend58a)."""
    reader = JointStateReader()
    assert reader.read(_names(""), HOME).arm is not None and reader.prefix == ""
    assert "fer_" in expected_arm_joints("") and "fp3_" in expected_arm_joints("")
    assert "unprefixed joint1..7" in expected_arm_joints("")
    assert "rename them" in other_arm_names_fix(_names(""))


# -- another robot's unprefixed joint1..7 (mend58c) ----------------------------------------------

# an xArm7's joints (limits: joint4 -0.19..3.93 rad, the elbow bent positive; a Franka's joint4
# is -3.07..-0.07): a working pose, its elbow bent a little, and its zero pose (straight up)
XARM7_BENT = [0.0, -0.5, 0.0, 0.9, 0.0, 1.4, 0.0]
XARM7_SLIGHTLY_BENT = [0.0, -0.3, 0.0, 0.3, 0.0, 0.6, 0.0]
XARM7_ZERO = [0.0] * 7


@pytest.mark.parametrize("joints", [XARM7_BENT, XARM7_SLIGHTLY_BENT], ids=["bent", "slightly"])
def test_an_xarm7_s_bent_elbow_is_refused_naming_other_robots(joints):
    """Its joint4 above a Franka's range: refused, and the line says it may be another robot."""
    with pytest.raises(ArmStateError, match="joint4 = .* outside the Franka's joint range") as err:
        JointStateReader().read(_names(""), joints)
    assert "xArm7" in str(err.value) and "degrees" in str(err.value), err.value


def test_prefixed_names_out_of_range_name_no_other_robot():
    """panda_joint4 = 0.9 is a Franka's, in the wrong units or glitched: no xArm7 in its line."""
    with pytest.raises(ArmStateError) as err:
        JointStateReader().read(_names("panda_"), XARM7_BENT)
    assert "xArm7" not in str(err.value)


def test_an_xarm7_near_straight_reads_as_a_franka_the_note_says_so():
    """Pin: within a Franka's range (joint4 near 0) nothing in the values tells; the INFO does."""
    reader = JointStateReader()
    assert reader.read(_names(""), XARM7_ZERO).arm is not None and reader.prefix == ""
    note = unprefixed_arm_note("panda")
    assert "robot.model" in note and "robot.joint_prefix" in note and "xArm7" in note, note
    assert "a panda" in note and "stop the planner" in note, note

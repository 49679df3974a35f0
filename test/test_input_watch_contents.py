"""Joint states that arrive without the arm's joints are a silent arm state, said as such.

user57u: a gripper-only publisher on /joint_states (panda_finger_joint1/2 alone) kept the watch
"arriving" for 40+ s with no warning, and ``~/capture_goal`` said "no robot state received yet".
"""

import pytest

from vjepa_ros.nodes.input_watch import SILENT_S, InputProblem, InputWatch, InputWatches
from vjepa_ros.robot.joint_states import (
    JOINT_PREFIX_SETTING,
    JointStateReader,
    expected_arm_joints,
)

STATE = "sensor_msgs/msg/JointState"
SETTING = "set it: vjepa-ros launch --joint-states-topic {topic}"
FINGERS = ("panda_finger_joint1", "panda_finger_joint2")
ARM = tuple(f"panda_joint{i}" for i in range(1, 8))


def watch(joint_prefix=""):
    return InputWatch("joint state", "/joint_states", STATE, SETTING, started=100.0,
                      unlikely="gripper", expected=expected_arm_joints(joint_prefix),
                      expected_setting=JOINT_PREFIX_SETTING)


def fed(w, names, until, since=100.0):
    """Messages carrying ``names`` only (no arm joints) every 0.5 s from ``since`` to ``until``."""
    now = since
    while now <= until:
        w.other(now, names)
        now += 0.5
    return w


def test_gripper_only_joint_states_are_said_with_the_names_and_the_joint_prefix_setting():
    w = fed(watch(), FINGERS, 140.0)
    assert w.problem(100.0 + SILENT_S - 0.1, {}) == "", "the same silence rule as no messages"
    line = w.problem(140.0, {"/joint_states": [STATE]})
    assert line.startswith(
        "joint state messages arrive on /joint_states but none in 40 s carries a Franka arm's "
        "joints (<any><model>_joint1..7, <model>_ one of panda_, fer_, fr3_, fp3_, fr3v2_, "
        "fr3v2.1_, fr3v2_1_; or unprefixed joint1..7) (received: panda_finger_joint1, "
        "panda_finger_joint2): if the arm's joints are named <prefix>joint1..7, set "
        "robot.joint_prefix"), line
    assert line.endswith("if they come on another topic, set it: vjepa-ros launch "
                         "--joint-states-topic <topic>"), line
    assert "sends nothing" not in line, "its publisher does send: the content is wrong"


@pytest.mark.parametrize("prefix, names", [
    ("", ("shoulder_pan_joint", "shoulder_lift_joint", "elbow_joint", "wrist_1_joint",
          "wrist_2_joint", "wrist_3_joint")),  # another robot (a UR arm)
    ("left_fr3_", ARM + FINGERS),  # another arm's prefix than robot.joint_prefix
    ("left_fr3_", ("left_fr3_finger_joint1", "left_fr3_finger_joint2")),  # its gripper only
    ("", ()),  # no names at all
])
def test_every_message_without_this_arms_joints_is_said_with_what_it_carries(prefix, names):
    reader = JointStateReader(prefix)
    assert not reader.has_arm(names)
    w = fed(watch(prefix), names, 130.0)
    line = w.problem(130.0, {})
    assert "carries " + expected_arm_joints(prefix) in line, line
    assert (names[0] if names else "no names") in line
    if prefix:
        assert "left_fr3_joint1..7 (robot.joint_prefix)" in line
    if len(names) > 4:
        assert f"(and {len(names) - 4} more)" in line, "the first few names, then a count"


@pytest.mark.parametrize("prefix, names", [
    ("", ARM + FINGERS), ("", tuple(reversed(ARM))), ("", ("fr3_joint3",)),
    ("", tuple(f"left_fr3_joint{i}" for i in range(1, 8))),
    ("left_fr3_", tuple(f"left_fr3_joint{i}" for i in range(7, 0, -1))),
])
def test_messages_with_the_arms_joints_count_as_arm_states(prefix, names):
    """Any order; one joint alone too (read() then refuses it, loudly, as a held state)."""
    assert JointStateReader(prefix).has_arm(names)


def test_a_graph_topic_that_may_bring_the_arm_is_named_instead_of_the_generic_setting():
    w = fed(watch(), FINGERS, 130.0)
    graph = {"/joint_states": [STATE], "/franka/joint_states": [STATE],
             "/franka_gripper/joint_states": [STATE]}
    problem = w.silent(130.0, graph)
    assert problem.arriving and problem.hint.endswith(
        "is the joint state on /franka/joint_states? set it: vjepa-ros launch "
        "--joint-states-topic /franka/joint_states"), problem.hint
    assert "franka_gripper" not in problem.hint
    assert problem.note == str(problem), "a refusal adds the whole line: what arrived"


def test_arm_states_that_stop_while_gripper_states_go_on_are_said_as_such():
    w = watch()
    w.arrived(101.0)
    fed(w, FINGERS, 114.0, since=101.0)
    assert w.problem(114.0, {}).startswith(
        "no joint state with a Franka arm's joints (<any><model>_joint1..7, <model>_ one of "
        "panda_, fer_, fr3_, fp3_, fr3v2_, fr3v2.1_, fr3v2_1_; or unprefixed joint1..7) "
        "on /joint_states for 13 s; its messages carry only panda_finger_joint1, "
        "panda_finger_joint2: if the arm's joints")
    w.arrived(114.5)
    assert w.problem(115.0, {}) == ""


def test_once_the_other_messages_stop_too_the_topic_is_silent_as_before():
    w = fed(watch(), FINGERS, 110.0)
    assert w.problem(110.0 + SILENT_S, {}) == "no joint state on /joint_states in 15 s"
    problem = w.silent(110.0 + SILENT_S, {"/franka/joint_states": [STATE]})
    assert not problem.arriving and problem.note == problem.hint


def test_the_log_line_comes_again_when_the_silence_turns_into_messages_without_the_arm():
    w, logged = watch(), []
    watches = InputWatches(w)
    for now in (110.0, 111.0):
        watches.problems(now, lambda types: {}, logged.append)
    assert logged == ["no joint state on /joint_states in 10 s"]
    for now in (111.5, 112.0, 113.0):
        w.other(now, FINGERS)
        watches.problems(now, lambda types: {}, logged.append)
    assert len(logged) == 2 and "received: panda_finger_joint1" in logged[1], logged


def test_a_plain_silence_adds_its_hint_to_a_refusal():
    problem = InputProblem("/a", "no joint state on /a in 9 s", "is it on /b?")
    assert not problem.arriving and problem.note == "is it on /b?"

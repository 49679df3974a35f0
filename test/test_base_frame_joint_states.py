"""robot.base_frame against the frame forward kinematics gives (fix54g, breaker54g's item 2).

With ``robot.state_source: joint_states`` every state and set-point is in the arm's
``<prefix>link0``: a base frame naming another frame is refused at start, one naming another
arm's link0 once the prefix is learned at run time; an empty one follows the learned prefix.
"""

import pytest

from vjepa_ros.robot.base_frame import joint_states_frame_problem, learned_base_frame
from vjepa_ros.robot.kinematics import RobotConfig


@pytest.mark.parametrize("robot", [
    RobotConfig(base_frame="world"), RobotConfig(base_frame="/world"),
    RobotConfig(base_frame="table", model="fr3"), RobotConfig(base_frame="panda_link1"),
    RobotConfig(base_frame="panda_hand"), RobotConfig(base_frame="base_link"),
    RobotConfig(base_frame="panda_link0", joint_prefix="left_fr3_"),
    RobotConfig(base_frame="right_fr3_link0", joint_prefix="left_fr3_"),
    RobotConfig(base_frame="fr3_base", joint_prefix="fr3_"),
])
def test_a_base_frame_other_than_link0_is_refused_in_one_line_naming_it(robot):
    problem = joint_states_frame_problem(robot)
    link0 = f"{robot.joint_prefix or robot.model + '_'}link0"
    assert problem.startswith("robot.base_frame") and "\n" not in problem
    assert f"from the arm's {link0}" in problem
    assert f"restart the planner with robot.base_frame {link0}" in problem


@pytest.mark.parametrize("robot", [
    RobotConfig(), RobotConfig(model="fr3"), RobotConfig(base_frame="panda_link0"),
    RobotConfig(base_frame="/panda_link0"), RobotConfig(base_frame="base"),
    RobotConfig(base_frame="/base", model="fr3"),
    RobotConfig(base_frame="fr3_link0"),  # no joint_prefix: the prefix learned decides
    RobotConfig(base_frame="left_fr3_link0"),
    RobotConfig(base_frame="left_fr3_link0", joint_prefix="left_fr3_"),
    RobotConfig(base_frame="robot1/panda_link0", joint_prefix="robot1/panda_"),
    RobotConfig(base_frame="world", state_source="pose"),  # current_pose's frame_id is checked
])
def test_link0_base_and_a_pose_source_are_accepted(robot):
    assert joint_states_frame_problem(robot) == ""


@pytest.mark.parametrize("model", ["panda", "fr3"])
@pytest.mark.parametrize("prefix", ["panda_", "fr3_", "left_fr3_", "robot1/panda_"])
def test_an_empty_base_frame_follows_the_learned_prefix(model, prefix):
    assert learned_base_frame(RobotConfig(model=model), prefix) == (f"{prefix}link0", "")


@pytest.mark.parametrize("base_frame, prefix, ok", [
    ("panda_link0", "fr3_", False), ("fr3_link0", "panda_", False),
    ("fr3_link0", "left_fr3_", False), ("fr3_link0", "fr3_", True),
    ("/fr3_link0", "fr3_", True), ("base", "left_fr3_", False), ("base", "fr3_", True),
    ("base", "panda_", True), ("/base", "", True), ("base", "panda_1_", False),
    ("/base", "robot1/panda_", False),
])
def test_a_given_base_frame_must_be_the_learned_arms_link0(base_frame, prefix, ok):
    frame, problem = learned_base_frame(RobotConfig(base_frame=base_frame), prefix)
    assert frame == base_frame  # never re-stamped behind the user's back
    if ok:
        assert problem == ""
    else:
        assert problem.startswith(f"robot.base_frame {base_frame!r}") and "\n" not in problem
        assert f"{prefix}joint1..7" in problem and "commanding refused" in problem
        assert f"restart the planner with robot.base_frame {prefix}link0" in problem
        assert ("or base (" in problem) == (prefix in ("", "panda_", "fr3_")), problem


@pytest.mark.parametrize("prefix", ["left_fr3_", "right_fr3_", "panda_1_", "robot1/panda_"])
@pytest.mark.parametrize("base", ["base", "/base"])
def test_base_is_refused_at_start_for_a_multi_arm_prefix_and_not_advised(prefix, base):
    """breaker54k: each arm of a multi-arm description is mounted on base at its own offset."""
    problem = joint_states_frame_problem(RobotConfig(base_frame=base, joint_prefix=prefix))
    assert problem.startswith(f"robot.base_frame {base!r}") and "\n" not in problem
    assert f"restart the planner with robot.base_frame {prefix}link0 (" in problem
    assert "link0) or empty" in problem and "or base (" not in problem

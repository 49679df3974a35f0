"""Goal handling without ROS: captured sub-goals retuned, relative paths, advice, gripper hold.

Run-time goal_steps / goal_gripper for captured sub-goals, where a relative goal path was looked
for, the advice for a ~/goal_image goal under goals.gripper subgoal, and goals.gripper hold (a
reach that never commands the gripper).

Over ROS (the planner node's parameters and the active goal): test_ros_planner_goal_updates.py.
"""

import os

import numpy as np
import pytest
from test_robot_gripper import CEM, START, Clock, image, pose

from vjepa_ros.config import from_dict
from vjepa_ros.images import ImageError, save_image_file
from vjepa_ros.nodes.goal_parameters import check_goal_value
from vjepa_ros.nodes.goal_updates import file_parameter, retuned_goals
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goals import GoalSequence, GoalSwitchConfig, SubGoal, planner_settings
from vjepa_ros.robot.idle_parameters import idle_parameter_warnings
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.planner_config import PlannerNodeConfig
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.sim.oracle import OracleWorldModel


def captured(count):
    state = np.array(START)
    return [SubGoal(image(i), None, source=f"added sub-goal {i + 1}", state=state)
            for i in range(count)]


def test_goal_steps_and_goal_gripper_apply_to_captured_sub_goals_one_entry_each():
    goals = retuned_goals(captured(3), {"goal_steps": [2, 2, 0], "goal_gripper": [0, 1, 0.5]})
    sequence = GoalSequence(goals, GoalSwitchConfig(gripper="subgoal"))
    assert sequence.steps == [2, 2, 0]
    assert [g.gripper_command() for g in goals] == [0.0, 1.0, 1.0]
    back = retuned_goals(goals, {"goal_steps": [], "goal_gripper": []})  # the defaults again
    assert GoalSequence(back).steps == [4, 10, 4] and [g.gripper for g in back] == [None] * 3
    assert retuned_goals(goals, {"goal_image_path": ""}) == goals  # files: not its business
    with pytest.raises(ValueError, match=r"^goal_steps has 2 entries but the active goal has 3 "
                       r"sub-goal\(s\) \(from ~/capture_goal, ~/add_subgoal or ~/goal_image\): "
                       r"give 3, one per sub-goal, or \[\] for the default$"):
        retuned_goals(goals, {"goal_steps": [2, 2]})


def test_file_parameter_names_the_one_holding_files():
    empty = {"goal_image_path": "", "goal_image_paths": []}
    assert file_parameter(empty) == ""
    assert file_parameter({**empty, "goal_image_path": "/x.png"}) == "goal_image_path"
    assert file_parameter({**empty, "goal_image_paths": ["/x.png"]}) == "goal_image_paths"


def test_a_relative_goal_path_names_where_it_was_looked_for(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    looked = os.path.join(str(tmp_path), "notimg.png")
    with pytest.raises(ImageError) as refused:
        check_goal_value("goal_image_path", "notimg.png")
    assert str(refused.value) == (
        f"goal_image_path: image file not found: notimg.png (a relative path: looked at "
        f"{looked}, in the planner node's working directory; give an absolute path)")
    with pytest.raises(ImageError, match="entry 2 of 2: image file not found: b.png \\(a "):
        check_goal_value("goal_image_paths", [str(save_image_file(tmp_path / "a.png",
                                                                  image(0))), "b.png"])
    absolute = str(tmp_path / "gone.png")  # absolute: no note
    with pytest.raises(ImageError, match=r"not found: [^ ]*gone.png$"):
        check_goal_value("goal_image_path", absolute)
    save_image_file(tmp_path / "here.png", image(0))
    check_goal_value("goal_image_path", "here.png")  # relative and there: fine


def test_a_tilde_or_null_goal_path_says_rcl_reads_it_as_text_not_where_it_looked(
        tmp_path, monkeypatch):
    """``[~]`` said both ``/root is a folder`` and ``looked at <cwd>/~`` (a relative path)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    with pytest.raises(ImageError) as refused:
        check_goal_value("goal_image_paths", ["~"])
    assert str(refused.value) == (
        f"goal_image_paths: {tmp_path / 'home'} is a folder, not an image file: give an image "
        "file (PNG, JPEG, ...) (rcl reads ~ as the text '~', the home folder, not as YAML's "
        "null: [] means no file goal)")
    with pytest.raises(ImageError, match=r"^goal_image_path: image file not found: null \(rcl "
                       r"reads null as the text 'null' not as YAML's null: '' means no file "
                       r"goal\)$"):
        check_goal_value("goal_image_path", "null")
    with pytest.raises(ImageError, match=r"^goal_image_path: image file not found: "
                       rf"{tmp_path / 'home'}/gone.png$"):  # ~/...: absolute, no relative note
        check_goal_value("goal_image_path", "~/gone.png")


def test_a_goal_image_message_under_subgoal_gripper_gets_the_topic_advice():
    with pytest.raises(ValueError) as refused:
        GoalSequence([SubGoal(image(0), 0, source="~/goal_image")],
                     GoalSwitchConfig(gripper="subgoal"))
    assert str(refused.value) == (
        "goals.gripper is 'subgoal' but sub-goal 1 (~/goal_image) came on ~/goal_image, which "
        "carries no gripper state: capture the goal with ~/capture_goal or ~/add_subgoal "
        "instead (they record the hand), or restart the node with goals.gripper planned")
    with pytest.raises(ValueError, match="give goal_gripper \\(one closedness per goal file\\), "
                       "or restart the node with goals.gripper planned$"):
        GoalSequence([SubGoal(image(0), 0, source="/x/goal.png")],
                     GoalSwitchConfig(gripper="subgoal"))


def hold_session(gripper):
    """Return an enabled session whose goal is the start moved 5 cm with the hand closed."""
    oracle, clock = OracleWorldModel(), Clock()
    oracle.remember(image(1), pose(0.0))
    oracle.remember(image(2), pose(1.0, dx=0.05))
    session = MPCSession(oracle, CEM, SafetyLimits(), ControlConfig(mode="continuous"),
                         clock=clock, seed=0, goal_switching=GoalSwitchConfig(gripper=gripper))
    session.set_goals([SubGoal(image(2), None, "goal")])
    session.observe_image(image(1), clock.now)
    session.observe_state(pose(0.0), clock.now)
    assert session.set_enabled(True)[0]
    return session


def test_gripper_hold_reaches_without_ever_commanding_the_gripper():
    planned = hold_session("planned").plan_step()
    assert planned.gripper_command == pytest.approx(0.75, abs=0.02)  # a plain reach closes it
    report = hold_session("hold").plan_step()
    assert report.command is not None and report.command[0] > START[0] + 0.01, "the arm moves"
    assert report.action[6] == 0.0 and report.command[6] == 0.0, "gripper delta not searched"
    assert report.gripper_command is None, "no gripper command"
    assert planner_settings(CEM, GoalSwitchConfig(gripper="hold")).fixed_axes == ((6, 0.0),)
    assert GoalSwitchConfig(gripper="hold").describe().endswith("gripper held (never commanded)")


def test_gripper_search_and_command_parameters_are_idle_under_hold():
    config = from_dict(PlannerNodeConfig, {"goals.gripper": "hold", "goal_gripper": [1.0],
                                           "planner.close_gripper": 0,
                                           "control.gripper_deadband": 0.3})
    assert idle_parameter_warnings(config) == [
        "goal_gripper does nothing while goals.gripper is 'hold' (the gripper is never "
        "commanded; the planner searches the arm's motion only): set goals.gripper to subgoal, "
        "or drop goal_gripper",
        "planner.close_gripper does nothing while goals.gripper is 'hold' (the gripper is never "
        "commanded; the planner searches the arm's motion only): set goals.gripper to planned, "
        "or drop planner.close_gripper",
        "control.gripper_deadband does nothing while goals.gripper is 'hold' (the gripper is "
        "never commanded; the planner searches the arm's motion only): set goals.gripper to "
        "planned or subgoal, or drop control.gripper_deadband",
    ]

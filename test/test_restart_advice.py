"""Advice given while the planner runs names a restart with a start-only parameter, not a "set".

Every planner parameter but the goal ones is read at start only: ``ros2 param set`` of one is
refused (``nodes/start_only.py``). The ``~/enable`` refusal of a ``robot.base_frame`` that is not
the learned arm's link0 said "set robot.base_frame to fr3_link0 ... or leave it empty", which the
running planner refuses (mend55b). Each refusal or note the planner gives at run time about a
start-only parameter (the base frame, a pose's frame, the finger topic, the joint prefix, the
gripper state's age limit, the gripper action, ``goal_gripper`` idled by ``goals.gripper``) now
says ``restart the planner with NAME VALUE (vjepa-ros launch -p planner.NAME:=VALUE, or ros2
run: --ros-args -p NAME:=VALUE)`` (``start_forms.restart_planner_with``). ROS-free.
"""

import re
import shlex

import pytest

from vjepa_ros.config import flatten
from vjepa_ros.nodes.launch_arguments import parse_overrides
from vjepa_ros.nodes.pose_msgs import frame_problem
from vjepa_ros.nodes.ros_args import check_param_item
from vjepa_ros.robot.base_frame import joint_states_frame_problem, learned_base_frame
from vjepa_ros.robot.finger_watch import FingerWatch, note_level
from vjepa_ros.robot.idle_parameters import RULES, idle_parameter_warnings
from vjepa_ros.robot.kinematics import RobotConfig
from vjepa_ros.robot.planner_config import GOAL_PARAMETERS, PlannerNodeConfig
from vjepa_ros.ros_values import yaml_value
from vjepa_ros.start_forms import RESTART, restart_planner_with, start_forms

# the planner's start-only parameter groups, as advice names them
START_ONLY = re.compile(r"\b(?:robot|safety|control|goals|planner|model)\.[a-z_.]*[a-z_]")


def pasted(advice: str, name: str) -> tuple[str, str]:
    """Return the values the advice's two command lines give ``name`` (vjepa-ros launch, ros2 run).

    Read back as a shell reads them, so a value with spaces or shell signs must be quoted.
    """
    forms = advice[advice.index("(vjepa-ros launch") + 1:]
    quote, end = "", None
    for index, char in enumerate(forms):  # the parenthesis that closes them, outside quotes
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == ")":
            end = index
            break
    launch, ros2 = forms[:end].split(", or ros2 run: ", 1)
    launch_args, ros2_args = shlex.split(launch), shlex.split(ros2)
    assert launch_args[:2] == ["vjepa-ros", "launch"] and ros2_args[0] == "--ros-args"
    launched = launch_args[launch_args.index("-p") + 1]
    ran = ros2_args[ros2_args.index("-p") + 1]
    assert launched.startswith(f"planner.{name}:=") and ran.startswith(f"{name}:="), advice
    return launched.split(":=", 1)[1], ran.split(":=", 1)[1]


def says_restart(line: str) -> None:
    """Assert that ``line`` advises a restart for each start-only parameter it asks to change."""
    assert line and "\n" not in line, line
    assert not re.search(r"\bset " + START_ONLY.pattern, line), line
    assert not re.search(r"\braise " + START_ONLY.pattern + r" above [\d.]+$", line), line
    assert RESTART in line, line


def read_back(name: str, launched: str, ran: str) -> tuple:
    """Return the values ``vjepa-ros launch`` and rcl take from the two pasted texts (typed)."""
    return (parse_overrides([f"planner.{name}:={launched}"])["planner"][name],
            yaml_value(name, ran, "name"))


@pytest.mark.parametrize("value", ["fr3_link0", "/robot2/gripper/joint_states", "2.4",
                                   "a frame with spaces", "it's", "0", "true", "y", "off",
                                   "1e3", "null", "~", "[a]", "{}", "08", "-1", "inf", ""])
def test_restart_advice_pastes_the_value_in_both_forms(value):
    """A frame or topic of any text comes back as that text (breaker55j: '0' was an int)."""
    advice = restart_planner_with("robot.base_frame", value)
    assert advice.startswith(f"{RESTART} robot.base_frame {value} (vjepa-ros launch -p "), advice
    assert " --node " not in advice, "the planner is vjepa-ros launch's own node"
    launched, ran = pasted(advice, "robot.base_frame")
    assert launched == ran
    check_param_item(f"robot.base_frame:={ran}")
    assert read_back("robot.base_frame", launched, ran) == (value, value), advice


@pytest.mark.parametrize("value", [1.3, 2.0, 0.25])
def test_restart_advice_for_a_number_pastes_a_number(value):
    """The gripper state's age limit is a float: pasted as one, not as its text."""
    advice = restart_planner_with("safety.max_gripper_state_age_s", value)
    taken = read_back("safety.max_gripper_state_age_s",
                      *pasted(advice, "safety.max_gripper_state_age_s"))
    assert taken == (value, value) and all(type(v) is float for v in taken), advice


def test_restart_advice_without_a_value_says_what_to_give():
    what = "the topic of fr3_finger_joint1/2"
    advice = restart_planner_with("robot.gripper_state_topic", what=what)
    assert advice.startswith(f"{RESTART} robot.gripper_state_topic {what} (vjepa-ros launch")
    assert pasted(advice, "robot.gripper_state_topic") == ("...", "...")


def test_another_node_s_form_names_the_node():
    assert start_forms("sim", "camera.width", "128") == (
        "vjepa-ros launch --node sim -p sim.camera.width:=128, or ros2 run: "
        "--ros-args -p camera.width:=128")


@pytest.mark.parametrize("robot, prefix, link0", [
    (RobotConfig(base_frame="world"), "fr3_", "fr3_link0"),  # the mend55b case
    (RobotConfig(base_frame="panda_link0"), "fr3_", "fr3_link0"),
    (RobotConfig(base_frame="base"), "left_fr3_", "left_fr3_link0"),  # multi-arm
    (RobotConfig(base_frame="/table"), "robot1/panda_", "robot1/panda_link0"),
])
def test_the_enable_refusal_of_a_learned_arm_s_base_frame_says_how_to_restart(robot, prefix,
                                                                            link0):
    frame, problem = learned_base_frame(robot, prefix)
    assert frame == robot.base_frame and "commanding refused" in problem
    says_restart(problem)
    assert pasted(problem, "robot.base_frame") == (link0, link0)


@pytest.mark.parametrize("robot, link0", [
    (RobotConfig(state_source="joint_states", base_frame="world"), "panda_link0"),
    (RobotConfig(state_source="joint_states", base_frame="world", joint_prefix="fr3_"),
     "fr3_link0"),
    (RobotConfig(state_source="joint_states", base_frame="base", joint_prefix="right_fr3_"),
     "right_fr3_link0"),
])
def test_the_start_refusal_of_a_base_frame_says_the_same(robot, link0):
    problem = joint_states_frame_problem(robot)
    says_restart(problem)
    assert pasted(problem, "robot.base_frame") == (link0, link0)


@pytest.mark.parametrize("frame_id", ["world", "/world", "camera_color_optical_frame"])
def test_a_pose_in_another_frame_is_refused_with_a_restart_in_that_frame(frame_id):
    problem = frame_problem("/current_pose", frame_id, "panda_link0")
    says_restart(problem)
    assert "publish it in panda_link0" in problem
    assert pasted(problem, "robot.base_frame") == (frame_id.lstrip("/"),) * 2


LEFT, RIGHT = "/left_fr3_gripper/joint_states", "/right_fr3_gripper/joint_states"


def _another_hand_on_the_configured_topic():
    watch = FingerWatch(LEFT)
    watch.check_arm("right_fr3_")
    return [watch.offer(LEFT, "left_fr3_", 0.5, now=1.0)]


def _the_configured_topic_s_hand_changes():
    watch = FingerWatch(LEFT)
    watch.offer(LEFT, "left_fr3_", 0.5, now=1.0)
    return [watch.check_arm("right_fr3_")]


def _a_hand_outside_the_arm_s_namespace():
    watch = FingerWatch(arm_topic="/robot1/joint_states")
    watch.check_arm("panda_")
    return [watch.offer("/robot2/gripper/joint_states", "panda_", 0.0, now=1.0)]


def _a_hand_above_the_arm_s_namespace():
    watch = FingerWatch(arm_topic="/robot_b/joint_states")
    return [watch.offer("/franka_gripper/joint_states", "panda_", 1.0, now=1.0)]


def _two_arms_hands():
    watch = FingerWatch()
    watch.offer(RIGHT, "right_fr3_", 0.9, now=1.0)
    return [watch.offer(LEFT, "left_fr3_", 0.25, now=1.1)]


def _two_hands_of_one_prefix():
    watch = FingerWatch()
    watch.offer("/a/gripper/joint_states", "panda_", 0.9, now=1.0)
    return [watch.offer("/b/gripper/joint_states", "panda_", 0.25, now=1.1)]


def _a_slow_gripper_driver():
    watch = FingerWatch(max_age_s=1.0)
    notes = []
    for i in range(4):  # 0.5 Hz
        notes += [watch.lapse(i * 2.0), watch.offer(LEFT, "left_fr3_", 0.5, now=i * 2.0)]
    return [note for note in notes if "arrive again after" in note]


@pytest.mark.parametrize("scenario, name", [
    (_another_hand_on_the_configured_topic, "robot.gripper_state_topic"),
    (_the_configured_topic_s_hand_changes, "robot.gripper_state_topic"),
    (_a_hand_outside_the_arm_s_namespace, "robot.gripper_state_topic"),
    (_a_hand_above_the_arm_s_namespace, "robot.gripper_state_topic"),
    (_two_arms_hands, "robot.joint_prefix"),
    (_two_hands_of_one_prefix, "robot.gripper_state_topic"),
    (_a_slow_gripper_driver, "safety.max_gripper_state_age_s"),
])
def test_finger_notes_asking_for_a_parameter_say_how_to_restart_and_warn(scenario, name):
    notes = scenario()
    assert notes and all(notes), notes
    for note in notes:
        says_restart(note)
        assert note_level(note) == "warning", note
        launched, ran = pasted(note[note.index(f"{RESTART} {name}"):], name)
        assert launched == ran


def test_a_slow_driver_s_age_limit_advice_is_above_its_gap():
    (note,) = _a_slow_gripper_driver()[:1]
    value, _ = pasted(note, "safety.max_gripper_state_age_s")
    assert "raise safety.max_gripper_state_age_s above 2.0" in note and float(value) > 2.0


def test_a_run_time_goal_gripper_idled_by_goals_gripper_is_told_to_restart():
    config = PlannerNodeConfig(goal_gripper=[1.0, 0.0])
    (line,) = idle_parameter_warnings(config, only={"goal_gripper"})
    says_restart(line)
    assert pasted(line, "goals.gripper") == ("subgoal", "subgoal")
    assert line.endswith(", or drop goal_gripper"), line
    (start,) = idle_parameter_warnings(config)  # at start, the setting is still to be made
    assert ": set goals.gripper to subgoal, or drop goal_gripper" in start


def test_every_idle_rule_naming_a_run_time_parameter_has_a_restart():
    names = [name for name, _, _ in flatten(PlannerNodeConfig())]
    for rule in RULES:
        covered = [name for name in names
                   if any(name == n or (n.endswith(".") and name.startswith(n))
                          for n in rule.names)]
        if set(covered) & set(GOAL_PARAMETERS):
            assert rule.restart is not None and rule.restart[0] in names, rule.names

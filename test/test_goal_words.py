"""goal_words: each planner line about a goal is told by its form, from the planner's own texts.

The lines are built by the functions that build them in the node (``replaced_list``,
``resent_goals``, ``recorded_goal_problem``, ``goal_files_problem``), so a change of their
words that the CLI no longer recognises fails here (fix60r, review60a #1).
"""

import pytest

from vjepa_ros.robot.goal_files import goal_files_problem
from vjepa_ros.robot.goal_session import replaced_list
from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig
from vjepa_ros.robot.goal_words import KEPT, REFUSED, TAKEN, file_word, image_word
from vjepa_ros.robot.recorded_inputs import recorded_goal_problem
from vjepa_ros.robot.resent_goals import resent_after_clear, resent_copy_refused

TOPIC = "/arm1/vjepa_planner/goal_image"
ODD = "/goals/refused not applied: ignoring previous goal not taken.png"  # every old word


def _line(message: str) -> str:
    return f"arm1.vjepa_planner: {message}"


def test_goal_file_lines_are_told_by_their_form():
    """Each goal-file line: taken, kept, refused; another input's or file's line: None."""
    problem = goal_files_problem(["/a.png"], [], [], GoalSwitchConfig(gripper="subgoal"))
    cases = [
        (20, f"new goal: goal 1/1 ({ODD}), step 0/∞", TAKEN),
        (30, f"{replaced_list(3, 1)}new goal: goal 1/1 ({ODD}), step 0/∞", TAKEN),
        (20, f"goal_image_path set to its value in force, its files unchanged since they were "
             f"read: no goal change ({ODD})", KEPT),
        (30, f"goal not changed yet: {problem}", REFUSED),
        (40, "goal_image_path and goal_steps not applied: image has transparent pixels", REFUSED),
        (40, "goal_image_path not applied: the goal files are read now ...", REFUSED),
        # another file's goal, another parameter's "in force", another input's warnings
        (20, "new goal: goal 1/1 (/other.png), step 0/∞", None),
        (30, f"new goal: goal 1/1 (~/goal_image), step 0/∞; {ODD}", None),
        (20, "goal_gripper set to its value in force [1.0]: no goal change", None),
        (40, "ignoring finger joints on /franka_gripper/joint_states: out of range", None),
        (30, resent_copy_refused(TOPIC, True, f"goal 1/1 ({ODD})"), None),
        (40, f"ignoring goal image on {TOPIC}: {ODD} refused; the previous goal stays", None),
        (40, "planner.samples not applied: ...", None),  # no goal parameter's head
        (20, f"goal_image_path: decoding 1 goal file(s) ({ODD}); the previous goal stays", None),
    ]
    for level, message, want in cases:
        assert file_word(level, _line(message), "goal_image_path", ODD) == want, message


@pytest.mark.parametrize("topic", [TOPIC, f"{TOPIC}/compressed"])
def test_goal_image_lines_are_told_by_their_form(topic):
    """goal-pose's word: the lines on the planner's goal topic; others decide nothing."""
    cases = [
        (20, "new goal: goal 1/1 (~/goal_image), step 0/∞", TAKEN),
        (30, f"{replaced_list(2, 1)}new goal: goal 1/1 (~/goal_image/compressed), step 0/∞",
         TAKEN),
        (20, f"the goal image on {topic} came again with the same pixels: the goal stays", KEPT),
        (30, resent_copy_refused(topic, True, "goal 1/1 (~/goal_image), step 3/∞"), REFUSED),
        (30, resent_after_clear(topic, False), REFUSED),
        (30, recorded_goal_problem(topic, ["/rosbag2_player"]), REFUSED),
        (40, f"ignoring goal image on {topic}: image is 8x8 ...; no goal is set", REFUSED),
        # another topic's, a file's goal, another input's warning
        (40, "ignoring goal image on /arm2/vjepa_planner/goal_image: too small", None),
        (30, resent_copy_refused("/goal_image", True, "goal 1/1 (~/goal_image)"), None),
        (20, "new goal: goal 1/1 (/refused.png), step 0/∞", None),
        (30, "camera frame refused, holding until usable frames come for 1 s", None),
    ]
    for level, message, want in cases:
        assert image_word(level, _line(message), TOPIC) == want, message


def test_goal_lines_leave_out_the_planner_s_hold_lines():
    """goal-pose prints the planner's lines on goals: not a hold line of a planner just started.

    ``vjepa-ros planner goal-pose`` within a second of the launch printed ``not commanding: no
    goal: ...`` (any line with "goal") though the goal was taken 0.5 s later (docs60q).
    """
    from vjepa_ros.robot.goal_words import goal_lines

    logs = [(30, "vjepa_planner: not commanding: no goal: give a goal image"),
            (20, "vjepa_planner: new goal: goal 1/1 (~/goal_image)"),
            (20, "vjepa_planner: camera frames arriving"),
            (30, "vjepa_planner: replaced the list of 2 sub-goals with this one goal")]
    assert goal_lines(logs) == [logs[1], logs[3]]

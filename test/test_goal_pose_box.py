"""``vjepa-ros planner goal-pose`` outside the planner's workspace box (user62 #3's family).

``nodes/goal_pose_box.outside_box_refusal``: the one line that refuses a goal pose beyond the
planner's ``safety.workspace_min``/``max`` box names the box and every axis beyond it, and its
restart advice gives a box that holds the pose (read back and checked), its corners capped at a
Franka's reach (±1.5 m) for a pose within the widen margin of it; a pose inside (or within
the box's 1 mm tolerance) and a node without the box are not refused; a pose past a Franka's
reach gets no widening advice. ROS-free (the live refusal: test_user62.py).
"""

import ast
import re

import pytest

from vjepa_ros.nodes.goal_pose_box import outside_box_refusal
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.workspace_box import beyond_box

LOW, HIGH = [0.25, -0.45, 0.05], [0.80, 0.45, 0.70]  # SafetyLimits' defaults


@pytest.mark.parametrize("pose, axes", [
    ([0.45, 0.55, 0.38], ["y 0.550 m > safety.workspace_max[1] 0.45"]),
    ([0.10, 0.00, 0.00], ["x 0.100 m < safety.workspace_min[0] 0.25",
                          "z 0.000 m < safety.workspace_min[2] 0.05"]),
    ([0.90, -0.60, 0.80], ["y -0.600 m < safety.workspace_min[1] -0.45",
                           "x 0.900 m > safety.workspace_max[0] 0.8",
                           "z 0.800 m > safety.workspace_max[2] 0.7"]),
    # within the widen margin of a Franka's reach: the corner capped at ±1.5 m (review62b #3)
    ([1.47, 0.00, 0.40], ["x 1.470 m > safety.workspace_max[0] 0.8"]),
    ([0.45, -1.4996, 0.38], ["y -1.500 m < safety.workspace_min[1] -0.45"]),
    ([1.5008, 0.00, 0.40], ["x 1.501 m > safety.workspace_max[0] 0.8"]),  # 1.5's tolerance
])
def test_a_pose_beyond_the_box_is_refused_naming_the_box_axes_and_a_restart_that_holds_it(
        pose, axes):
    line = outside_box_refusal(pose, LOW, HIGH)
    assert "\n" not in line and "not sent" in line, line
    assert f"(min {LOW}, max {HIGH}; {', '.join(axes)})" in line, line
    corners = {}
    for name, value in re.findall(r"-p planner\.(safety\.workspace_m..):='(\[[^]]*\])'", line):
        corners[name] = ast.literal_eval(value)
    assert corners, line
    wider = SafetyLimits(workspace_min=corners.get("safety.workspace_min", LOW),
                         workspace_max=corners.get("safety.workspace_max", HIGH))
    assert beyond_box(pose, wider) == [], (corners, line)  # the advice holds the pose


@pytest.mark.parametrize("pose", [[0.42, -0.05, 0.38], [0.25, 0.45, 0.70], [0.8005, 0.0, 0.3]])
def test_a_pose_inside_the_box_or_its_tolerance_is_not_refused(pose):
    assert outside_box_refusal(pose, LOW, HIGH) == ""


def test_a_node_without_the_box_judges_nothing_and_a_pose_past_reach_gets_no_widening():
    assert outside_box_refusal([0.45, 0.55, 0.38], [], []) == ""  # parameters not declared
    line = outside_box_refusal([2.1, 0.0, 0.38], LOW, HIGH)
    assert "x 2.100 m > safety.workspace_max[0] 0.8" in line and "restart" not in line, line
    assert "no box reaches past ±1.5 m" in line, line
    line = outside_box_refusal([0.45, 0.0, -1.502], LOW, HIGH)  # past 1.5 m and its 1 mm
    assert "no box reaches past ±1.5 m" in line and "restart" not in line, line

"""``control.gripper_goal_tolerance_m``: a server's looser tolerance is no failure (mend59b).

ros2_controllers' gripper_action_controller ends a goal SUCCEEDED with ``reached_goal`` once its
joint is within its ``goal_tolerance`` (0.01 by default, a parameter of the controller); the
node took a claim 10 mm or more from the goal as a failure (``REACHED_TOLERANCE_M``) and sent
it again, so a controller run with ``goal_tolerance`` 0.02 had each goal it called reached 15 mm
off resent, plan after plan. The node's tolerance is now a parameter (default 0.01).
"""

import types

import pytest
from test_breaker58g import MAX_WIDTH, NAME, SUCCEEDED, ScriptedServer
from test_gripper_goals import Goal

from vjepa_ros.config import from_dict
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.gripper_goals import GripperGoals
from vjepa_ros.robot.gripper_results import REACHED_TOLERANCE_M, judge_result
from vjepa_ros.robot.planner_config import PlannerNodeConfig

HALF = 0.02  # [m] one finger: closedness 0.5 of an 80 mm hand (a middle width)


def _claimed(off):
    """Return a result claiming its goal (SUCCEEDED, reached_goal) ``off`` [m] off the middle."""
    return types.SimpleNamespace(position=HALF + off, effort=0.0, stalled=False,
                                 reached_goal=True)


@pytest.mark.parametrize("tolerance, off, fails", [
    (REACHED_TOLERANCE_M, 0.015, True),  # the default: 15 mm off a claim is no success
    (0.02, 0.015, False),  # a controller with goal_tolerance 0.02 succeeds there
    (0.02, 0.0199, False),
    (0.02, 0.021, True),  # beyond even that tolerance: the position wins
    (0.005, 0.006, True),  # a tighter server's tolerance
])
def test_a_claimed_goal_is_judged_by_the_tolerance_given(tolerance, off, fails):
    judged = judge_result(SUCCEEDED, HALF, _claimed(off), MAX_WIDTH,
                          reached_tolerance=tolerance)
    assert bool(judged.stopped) == fails, judged
    assert judged.held is None  # a claimed middle width is no hold either way


def _goals(tolerance):
    server, logs = ScriptedServer([(SUCCEEDED, HALF + 0.015, False, True)] * 3), []
    goals = GripperGoals(server, Goal, NAME, MAX_WIDTH, 20.0,
                         lambda line: logs.append(("warning", line)),
                         lambda line: logs.append(("info", line)),
                         reached_tolerance=tolerance)
    return goals, logs


def test_a_goal_within_the_server_s_tolerance_is_not_sent_again():
    goals, logs = _goals(0.02)
    delivery = goals.send(0.5)
    assert delivery.state == "ended" and not delivery.needs_resend()
    assert goals.problem() == "" and not [line for level, line in logs if level == "warning"]


def test_with_the_default_tolerance_that_goal_is_a_failure_sent_again():
    goals, logs = _goals(ControlConfig().gripper_goal_tolerance_m)
    delivery = goals.send(0.5)
    assert delivery.state == "failed" and delivery.needs_resend()
    assert [line for level, line in logs if level == "warning" and "away from its goal" in line]


def test_the_parameter_defaults_to_ros2_controllers_goal_tolerance_and_is_bounded():
    assert ControlConfig().gripper_goal_tolerance_m == REACHED_TOLERANCE_M == 0.01
    config = from_dict(PlannerNodeConfig, {"control": {"gripper_goal_tolerance_m": 0.02}})
    assert config.control.gripper_goal_tolerance_m == 0.02
    for bad in (0.0, -0.01, 0.05):  # more than one finger's travel (40 mm) is no tolerance
        with pytest.raises(ValueError, match="control.gripper_goal_tolerance_m must lie in"):
            from_dict(PlannerNodeConfig, {"control": {"gripper_goal_tolerance_m": bad}})


def test_the_node_hands_the_parameter_to_its_gripper_goals():
    from pathlib import Path

    source = (Path(__file__).resolve().parent.parent / "vjepa_ros" / "nodes" /
              "planner_outputs.py").read_text()
    assert "reached_tolerance=control.gripper_goal_tolerance_m" in source
    assert "user_epoch=lambda: self.session.user_epoch" in source

"""breaker35: defects found in goals.axes subgoal (each test xfail strict until fixed)."""

import numpy as np
import pytest
from test_goal_axes import AxesSpy, grasp_goals, pose
from test_robot_mpc import CEM, Clock, frame, tiny_world_model

from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goals import GoalSwitchConfig, SubGoal
from vjepa_ros.robot.model_frame import ModelFrame
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.plan_report import PlanOutcome
from vjepa_ros.robot.safety import SafetyLimits

START = pose(0.5, 0.0, 0.3)


def axes_session(mode="continuous", control=None, **switching):
    """Return (session, clock, logs, spy planner) with goals.axes subgoal."""
    model = tiny_world_model()
    planner = AxesSpy(model)
    clock, logs = Clock(), []
    session = MPCSession(model, CEM, SafetyLimits(), control or ControlConfig(mode=mode),
                         clock=clock, log=lambda level, message: logs.append((level, message)),
                         planner=planner,
                         goal_switching=GoalSwitchConfig(axes="subgoal", **switching))
    return session, clock, logs, planner


def test_a_debug_image_subscriber_does_not_turn_a_held_axis_plan_into_a_planner_error():
    session, clock, _, planner = axes_session()
    goals = grasp_goals()
    session.set_goals(goals[:2])
    session.goals.index = 1  # the descent: x and y held
    clock.now += 0.3
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    report = session.plan_step(want_debug=True)
    assert planner.seen == [((0, 0.0), (1, 0.0))]
    assert report.outcome is not PlanOutcome.REFUSED, report.reason
    assert report.debug_rgb is not None


def test_the_new_goal_line_names_the_axes_the_plans_hold_under_a_model_frame():
    yaw = [0.0, 0.0, 45.0]
    session, clock, _, planner = axes_session(control=ControlConfig(model_frame_rpy_deg=yaw))
    img = frame(1)
    goals = [SubGoal(img, 1, "lifted", state=pose(0.50, 0.00, 0.32, 1.0)),
             SubGoal(img, 0, "carry", state=pose(0.40, 0.00, 0.32, 1.0))]  # along base x
    message = session.set_goals(goals)
    # in the model's frame (yaw 45°) the carry is diagonal in x, y: only z is held, and the
    # plans search the model's x and y, i.e. the base's x and y
    assert session.goals.fixed_axes(1, ModelFrame(yaw)) == ((2, 0.0),)
    assert "2 (carry): x, y only" in message, message  # says "x only": y would be held


@pytest.mark.parametrize("task", ["grasp", "reach-with-object"])
def test_run_refuses_subgoal_axes_where_no_sub_goal_has_a_predecessor(task, tmp_path):
    from vjepa_ros.cli import build_parser
    from vjepa_ros.sim.run_command import _checked_options

    args = build_parser().parse_args(["run", "--task", task, "--subgoal-axes", "subgoal",
                                      "--out", str(tmp_path)])
    with pytest.raises(ValueError, match="--subgoal-axes"):
        _checked_options(args)


def test_the_random_baseline_keeps_an_axis_the_config_fixes_as_the_planners_do():
    from vjepa_ros.planning.config import CEMConfig
    from vjepa_ros.sim.reach import RandomActionPlanner

    config = CEMConfig(horizon=2, samples=12, topk=4, iterations=1, fixed_axes=((0, 0.01),))
    result = RandomActionPlanner(config, seed=0).plan(None, None, None,
                                                      fixed_axes=((0, 0.0), (1, 0.0)))
    assert np.allclose(result.actions[:, 0].numpy(), 0.01)  # CEM/iCEM/MPPI: 0.01
    assert (result.actions[:, 1] == 0).all()


def test_a_tilted_model_frame_that_holds_nothing_is_not_announced_as_z_only():
    tilt = [30.0, 20.0, 45.0]
    session, clock, _, planner = axes_session(control=ControlConfig(model_frame_rpy_deg=tilt))
    goals = grasp_goals()[:2]  # pre-grasp, then straight down 10 cm
    message = session.set_goals(goals)
    session.goals.index = 1
    clock.now += 0.3
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    session.plan_step()
    assert planner.seen == [()]  # the descent is searched in every axis of the model's frame
    assert "2 (descend): z only" not in message, message

"""goals.axes subgoal: the axes a sub-goal's captured motion leaves still are held in its plans."""

import argparse

import numpy as np
import pytest
import torch
from test_planning_cem import START, _problem
from test_robot_mpc import CEM, Clock, HookedPlanner, frame, tiny_world_model

from vjepa_ros.goal_switch_options import add_goal_switch_arguments, goal_switch_configs
from vjepa_ros.planning import make_planner
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.rollout import ImaginedRollout
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goal_axes import still_axes, subgoal_moves
from vjepa_ros.robot.goals import GoalSequence, GoalSwitchConfig, SubGoal
from vjepa_ros.robot.model_frame import ModelFrame
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.safety import SafetyLimits

AXES = GoalSwitchConfig(axes="subgoal")


def pose(x, y, z, closedness=0.0):
    return np.array([x, y, z, 3.1, 0.0, 0.0, closedness])


def grasp_goals(first_state=True):
    """Return a person's sub-goals: above the cup, straight down, fingers closed there, lifted."""
    img = frame(1)
    return [SubGoal(img, 2, "pre-grasp", state=pose(0.50, 0.00, 0.30) if first_state else None),
            SubGoal(img, 2, "descend", state=pose(0.505, 0.004, 0.20)),
            SubGoal(img, 2, "closed", state=pose(0.505, 0.004, 0.20, 1.0)),
            SubGoal(img, 2, "lift", state=pose(0.50, 0.00, 0.32, 1.0)),
            SubGoal(img, 0, "carry", state=pose(0.40, 0.00, 0.32, 1.0))]


@pytest.mark.parametrize("move, held", [
    ([0.004, -0.006, -0.10], (0, 1)),  # a straight descent: z only
    ([0.10, 0.0, 0.0], (1, 2)),        # a carry along x at one height
    ([0.10, 0.08, 0.002], (2,)),       # across the table
    ([0.10, 0.08, -0.05], ()),         # every axis moves
    ([0.005, 0.005, 0.02], ()),        # too small a move to say a direction (a close)
    ([0.0, 0.0, 0.0], ()),
])
def test_still_axes_are_those_a_clear_move_leaves_within_the_tolerance(move, held):
    assert still_axes(move, 0.01, 0.03) == held


@pytest.mark.parametrize("move", [[0.1, 0.0], [np.nan, 0.0, 0.1], [0.0, np.inf, 0.0]])
def test_a_move_that_is_not_three_finite_numbers_is_refused(move):
    with pytest.raises(ValueError, match="3 finite numbers"):
        still_axes(move, 0.01, 0.03)


def test_the_sequence_holds_per_sub_goal_the_axes_its_captured_move_left_still():
    goals = GoalSequence(grasp_goals(), AXES)
    assert [goals.fixed_axes(i) for i in range(5)] == [
        (), ((0, 0.0), (1, 0.0)), (), ((0, 0.0), (1, 0.0)), ((1, 0.0), (2, 0.0))]
    assert goals.fixed_axes() == ()  # the active one: the first, which has no predecessor
    text = goals.describe_axes()
    assert "2 (descend): z only" in text and "4 (lift): z only" in text
    assert "5 (carry): x only" in text and "pre-grasp" not in text and "closed" not in text
    # published default: every axis searched, whatever the captured poses
    plain = GoalSequence(grasp_goals(), GoalSwitchConfig())
    assert all(plain.fixed_axes(i) == () for i in range(5)) and plain.describe_axes() == ""


def test_a_sub_goal_without_a_captured_pose_and_its_successor_are_searched_in_full():
    goals = grasp_goals(first_state=False)  # e.g. a goal file, no state
    moves = subgoal_moves(goals)
    assert moves[0] is None and moves[1] is None and moves[2] is not None
    sequence = GoalSequence(goals, AXES)
    assert sequence.fixed_axes(1) == () and sequence.fixed_axes(3) == ((0, 0.0), (1, 0.0))


def test_the_move_is_judged_in_the_model_frame_the_planner_plans_in():
    goals = GoalSequence(grasp_goals(), AXES)
    # yaw leaves a vertical descent vertical; a roll of 90° turns it into the model's y axis
    assert goals.fixed_axes(1, ModelFrame((0.0, 0.0, 90.0))) == ((0, 0.0), (1, 0.0))
    assert goals.fixed_axes(1, ModelFrame((90.0, 0.0, 0.0))) == ((0, 0.0), (2, 0.0))
    # the carry along base x becomes the model's y under a yaw of 90°: x and z held
    assert goals.fixed_axes(4, ModelFrame((0.0, 0.0, 90.0))) == ((0, 0.0), (2, 0.0))


@pytest.mark.parametrize("change, name", [({"axes": "auto"}, "goals.axes"),
                                          ({"axes_tolerance_m": -0.01}, "axes_tolerance_m"),
                                          ({"axes_tolerance_m": 1.0}, "axes_tolerance_m"),
                                          ({"axes_min_move_m": 0.005}, "axes_min_move_m")])
def test_bad_axes_settings_name_the_parameter(change, name):
    with pytest.raises(ValueError, match=name):
        GoalSwitchConfig(**change)


@pytest.mark.parametrize("method", ["cem", "icem", "mppi"])
def test_a_plan_holds_the_axes_given_for_it_and_the_next_plan_searches_them_again(method):
    displacement = [0.02, -0.03, -0.04]
    model, context, goal = _problem(displacement)
    config = CEMConfig(horizon=2, samples=200, topk=10, iterations=6, maxnorm=0.05,
                       method=method)
    planner = make_planner(model, config, seed=0)
    held = planner.plan(context, START, goal, fixed_axes=((0, 0.0), (1, 0.0)))
    assert (held.actions[:, :2] == 0).all() and (held.mean[:, :2] == 0).all()
    assert held.actions[:, 2].sum() < -0.02  # z still searched, toward the goal
    with torch.inference_mode():
        rollout = ImaginedRollout(model, context, START, goal)
        still, moved = rollout.energies(torch.zeros(1, 2, 7)), rollout.energies(held.actions[None])
    assert moved.item() < still.item()
    assert planner.config.fixed_axes == ()  # the planner's own settings are untouched
    free = planner.plan(context, START, goal)  # warm-started from the held plan
    assert free.actions[:, 0].sum() > 0.005 and free.actions[:, 1].sum() < -0.005


def test_an_axis_the_config_already_fixes_keeps_the_configs_value():
    model, context, goal = _problem([0.02, 0.0, -0.03])
    config = CEMConfig(horizon=1, samples=50, topk=5, iterations=2, fixed_axes=((0, 0.01),))
    result = make_planner(model, config, seed=0).plan(context, START, goal,
                                                      fixed_axes=((0, 0.0), (1, 0.0)))
    assert torch.allclose(result.actions[:, 0], torch.tensor(0.01), atol=1e-7)
    assert (result.actions[:, 1] == 0).all()


@pytest.mark.parametrize("held, message", [
    (((2.7, 0.0),), "index must be the integer 0, 1, 2"),  # not silently axis 2
    (((True, 0.0),), "index must be the integer"),
    (((0, 0.0), (0, 0.01)), "fixes axis 0 twice"),
    (((1, float("nan")),), r"axis 1 must be a finite number within ±0.05 \(CEMConfig.maxnorm\)"),
    (((6, 0.9),), r"axis 6 must be a finite number within ±0.75 \(CEMConfig.gripper_clip\)"),
    ((2, 0.0), "must be \\(index, value\\) pairs"),
])
def test_held_axes_of_one_plan_are_checked_as_the_configs_are(held, message):
    config = CEMConfig(horizon=1, samples=50, topk=5, maxnorm=0.05)
    with pytest.raises(ValueError, match="the plan's fixed_axes .*" + message):
        config.with_held_axes(held)


def test_held_axes_given_as_lists_are_stored_as_hashable_tuples():
    config = CEMConfig(horizon=1, samples=50, topk=5, fixed_axes=[[6, 0]])
    held = config.with_held_axes([[2, 0], (6, 0.5)])  # axis 6: the config's value kept
    assert held.fixed_axes == ((6, 0.0), (2, 0.0)) and hash(held) == hash(held.with_())
    assert all(type(i) is int and type(v) is float for i, v in held.fixed_axes)


class AxesSpy(HookedPlanner):
    """test_robot_mpc's CEM planner, recording the fixed_axes of every plan."""

    def __init__(self, model):
        super().__init__(model)
        self.seen = []

    def plan(self, *args, **kwargs):
        self.seen.append(kwargs.get("fixed_axes", ()))
        return super().plan(*args, **kwargs)


@pytest.mark.parametrize("mode", ["continuous", "async"])
def test_the_session_plans_each_sub_goal_with_its_held_axes_and_says_which(mode):
    model = tiny_world_model()
    planner = AxesSpy(model)
    clock, logs = Clock(), []
    session = MPCSession(model, CEM, SafetyLimits(), ControlConfig(mode=mode), clock=clock,
                         log=lambda level, message: logs.append((level, message)),
                         planner=planner,
                         goal_switching=GoalSwitchConfig(axes="subgoal", default_steps=[1]))
    goals = grasp_goals()
    for goal in goals:
        goal.steps = 1 if goal is not goals[-1] else 0
    message = session.set_goals(goals)
    assert "held axes: 2 (descend): z only; 4 (lift): z only; 5 (carry): x only" in message
    assert "axes from the sub-goals" in session.goal_switching.describe()
    session.set_enabled(True)
    start = np.array([0.5, 0.0, 0.3, 3.1, 0.0, 0.0, 0.0])
    for seed in range(40):
        clock.now += 0.3
        session.observe_image(frame(seed), clock.now)
        session.observe_state(start, clock.now)
        session.plan_step()
        if session.last_gripper is not None:  # the hand follows its commands (async: breaker51c)
            start[6] = session.last_gripper
        if len(planner.seen) >= 3:
            break
    # pre-grasp (no predecessor): all searched; descend: x, y held; closed (no clear move): all
    expected = [(), ((0, 0.0), (1, 0.0)), ()]
    assert len(planner.seen) >= 2 and planner.seen == expected[:len(planner.seen)], planner.seen


def test_the_simulator_commands_take_subgoal_axes():
    parser = argparse.ArgumentParser()
    add_goal_switch_arguments(parser)
    assert goal_switch_configs(parser.parse_args(["--subgoal-axes", "subgoal"]))[0].axes == \
        "subgoal"
    assert goal_switch_configs(parser.parse_args([]))[0].axes == "searched"
    with pytest.raises(SystemExit):
        parser.parse_args(["--subgoal-axes", "xy"])


@pytest.mark.parametrize("tasks, dense, refused", [
    (["grasp"], False, "add --dense"),                     # the paper's one grasp image
    (["reach-with-object"], True, "leave it out"),         # one goal, dense or not
    (["grasp", "reach-with-object"], False, "add --dense"),
    (["grasp"], True, ""),                                 # five dense sub-goals
    (["pick-and-place"], False, ""),                       # the paper's three
    (["grasp", "pick-and-place"], False, ""),              # one task it applies to is enough
])
def test_subgoal_axes_is_refused_where_no_task_has_a_sub_goal_before_another(tasks, dense,
                                                                              refused):
    from vjepa_ros.goal_switch_options import check_subgoal_axes

    switchings = [GoalSwitchConfig(axes="subgoal")]
    if refused:
        with pytest.raises(ValueError, match=f"--subgoal-axes subgoal .*{refused}"):
            check_subgoal_axes(switchings, tasks, dense, "--dense")
    else:
        check_subgoal_axes(switchings, tasks, dense, "--dense")
    check_subgoal_axes([GoalSwitchConfig()], tasks, dense, "--dense")  # searched: never refused


def test_a_tilted_model_frame_names_the_sub_goals_it_leaves_searched_in_full():
    goals = GoalSequence(grasp_goals(), AXES)
    text = goals.describe_axes(ModelFrame((30.0, 20.0, 45.0)))
    assert "(the model's frame, control.model_frame_rpy_deg)" in text
    assert "2 (descend)" in text.split("; sub-goals ")[1] and "searched in every axis" in text

"""The planners' warm-start state: what is kept, when it is shifted, and what a reset forgets.

The breaker's cases (a reset during a plan, a plan not executed, the gripper clip) are in
test_breaker32p.py; these are the neighbours that keep today's behaviour where it was right.
"""

import math

import pytest
import torch
from test_planning_cem import START, _problem
from test_robot_mpc import START as ARM_START
from test_robot_mpc import Clock, frame, tiny_world_model

from vjepa_ros.planning import PlanCancelled, make_planner
from vjepa_ros.planning.cem import shift_plan
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.methods import RefineSettings
from vjepa_ros.planning.mppi import MPPIPlanner
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.plan_report import PlanOutcome
from vjepa_ros.robot.safety import SafetyLimits

METHODS = ["cem", "icem", "mppi"]


class Recording(MPPIPlanner):
    """MPPI recording the start mean of every plan."""

    def _warm_mean(self, enabled):
        warm = super()._warm_mean(enabled)
        self.warm_means.append(warm)
        return warm


def test_the_session_shifts_the_warm_start_only_after_a_command():
    model = tiny_world_model()
    config = CEMConfig(horizon=3, samples=12, topk=4, iterations=2, maxnorm=0.075, method="mppi")
    planner = Recording(model, config, seed=0)
    planner.warm_means = []
    clock = Clock()
    session = MPCSession(model, config, SafetyLimits(), ControlConfig(mode="continuous"),
                         clock=clock, planner=planner)

    def plan_now():
        clock.now += 0.05  # the same scene, the arm where it was
        session.observe_image(frame(0), clock.now)
        session.observe_state(ARM_START, clock.now)
        return session.plan_step().outcome

    session.observe_image(frame(0), clock.now)
    session.observe_state(ARM_START, clock.now)
    session.capture_goal()
    assert plan_now() is PlanOutcome.SHADOW
    shadow = planner._last_mean.clone()
    assert session.set_enabled(True)[0]
    assert plan_now() is PlanOutcome.COMMANDED
    assert torch.equal(planner.warm_means[-1], shadow)  # not executed: as it was
    commanded = planner._last_mean.clone()
    plan_now()
    assert torch.equal(planner.warm_means[-1], shift_plan(commanded))  # the executed step dropped


@pytest.mark.parametrize("method", METHODS)
def test_without_a_session_every_plan_shifts_the_warm_start(method):
    # A loop that executes every plan (the published notebook's) never reports commands.
    model, context, goal = _problem([0.03, -0.02, 0.01])
    config = CEMConfig(horizon=3, samples=30, topk=5, iterations=2, method=method,
                       warm_start=True)
    planner = make_planner(model, config, seed=0)
    planner.plan(context, START, goal)
    first = planner._last_mean.clone()
    assert torch.equal(planner._warm_mean(True), shift_plan(first))
    planner.follow_commands()  # the session's switch: unshifted until a command is reported
    assert torch.equal(planner._warm_mean(True), first)
    planner.commanded()
    assert torch.equal(planner._warm_mean(True), shift_plan(first))


@pytest.mark.parametrize("method", METHODS)
def test_a_reset_during_refinement_is_not_undone_by_the_cancelled_plan(method):
    model, context, goal = _problem([0.03, 0.0, 0.0])
    config = CEMConfig(horizon=1, samples=8, topk=2, iterations=2, method=method,
                       warm_start=True, refine=RefineSettings(steps=4))
    planner = make_planner(model, config, seed=0)
    planner.plan(context, START, goal)
    model.steps = 0
    planner.plan(context, START, goal)
    search_steps = model.steps - 5  # 4 gradient passes + the last iterate

    def goal_replaced():  # another thread's reset(), then the plan is void
        if model.steps >= search_steps + 2:
            planner.reset()
            return True
        return False

    model.steps = 0
    with pytest.raises(PlanCancelled):
        planner.plan(context, START, goal, should_stop=goal_replaced)
    assert planner._last_mean is None, "the reset stays"


def test_a_mean_that_is_not_finite_is_not_kept():
    model, context, goal = _problem([0.03, 0.0, 0.0])
    planner = make_planner(model, CEMConfig(horizon=2, samples=8, topk=2, iterations=1,
                                            warm_start=True), seed=0)
    planner.plan(context, START, goal)
    planner._keep({"_last_mean": torch.full((2, 7), math.nan)}, planner._generation)
    assert planner._last_mean is None and planner._warm_mean(True) is None

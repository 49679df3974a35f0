"""breaker32p: defects of the planner core (searches, warm starts, settings).

Each test was a strict xfail (fixed in session 32: fix32p, fix32q) and asserts the behaviour a
lab needs; its comment says what happened.
"""

import math

import pytest
import torch
from test_planning_cem import START, PositionWorldModel, _problem

from vjepa_ros.planning import make_planner
from vjepa_ros.planning.cem import cem_search, make_generator
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.icem import evaluations_per_step, icem_search
from vjepa_ros.planning.methods import ICEMSettings, MPPISettings
from vjepa_ros.planning.mppi import mppi_search

CPU = torch.device("cpu")


def _energies(nan_every=None, value=None):
    """Return a scorer: |sum of xyz| + 1, NaN for every ``nan_every``-th sample, or ``value``."""
    def score(actions):
        energies = actions[:, :, :3].sum(dim=(1, 2)).abs() + 1.0
        if nan_every is not None:
            energies[::nan_every] = math.nan
        if value is not None:
            energies[:] = value
        return energies
    return score


class NaNBeyond(PositionWorldModel):
    """The position model, but NaN predictions for x displacements above ``limit``.

    As an fp16 model that overflows on large actions.
    """

    def __init__(self, limit=0.03):
        super().__init__()
        self.limit, self.broken = limit, True

    def step(self, frame_reps, action, state, cache, append=True):
        out = super().step(frame_reps, action, state, cache, append)
        if self.broken:
            out[action[:, 0] > self.limit] = math.nan
        return out


def test_mppi_a_few_nan_energies_still_give_a_finite_plan():
    config = CEMConfig(horizon=2, samples=30, topk=5, iterations=3, method="mppi")
    result = mppi_search(_energies(nan_every=7), config, CPU, make_generator(0))
    # CEM and iCEM on the same energies leave the NaN samples out and plan finite actions.
    assert torch.isfinite(cem_search(_energies(nan_every=7), config, CPU,
                                     make_generator(0)).first_action).all()
    assert torch.isfinite(result.first_action).all(), result.first_action


def test_mppi_recovers_after_one_step_of_nan_predictions():
    model = NaNBeyond()
    context = model.reps_at(START[None, :3])
    goal = model.reps_at(START[None, :3] + torch.tensor([[0.03, -0.02, 0.01]]))
    config = CEMConfig(horizon=2, samples=40, topk=5, iterations=3, method="mppi")
    planner = make_planner(model, config, seed=0)
    planner.plan(context, START, goal)  # a few samples predicted NaN
    model.broken = False  # the model predicts finite frames from now on
    result = planner.plan(context, START, goal)
    assert torch.isfinite(result.first_action).all(), result.first_action


def test_an_mppi_temperature_its_range_allows_gives_a_finite_plan():
    settings = MPPISettings(temperature=1e-50)  # accepted: range (0, inf)
    config = CEMConfig(horizon=1, samples=30, topk=5, iterations=2, method="mppi",
                       mppi=settings)
    result = mppi_search(_energies(), config, CPU, make_generator(0))
    assert torch.isfinite(result.first_action).all(), result.first_action


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_icem_with_no_finite_energy_says_so_in_one_line(value):
    config = CEMConfig(horizon=2, samples=30, topk=5, iterations=3, method="icem")
    with pytest.raises(ValueError, match="NaN|inf|finite"):
        icem_search(_energies(value=value), config, CPU, make_generator(0))


def test_cem_with_no_finite_energy_plans_nothing():
    config = CEMConfig(horizon=2, samples=30, topk=5, iterations=3)
    with pytest.raises(ValueError, match="NaN|finite"):
        cem_search(_energies(value=math.nan), config, CPU, make_generator(0))


def test_icem_population_decay_and_iterations_within_their_ranges_plan():
    config = CEMConfig(horizon=1, samples=20, topk=2, iterations=400, method="icem",
                       icem=ICEMSettings(population_decay=10.0))
    assert evaluations_per_step(config) == 20 + 399 * 4 + 1 + 1
    result, _ = icem_search(_energies(), config, CPU, make_generator(0))
    assert result.iterations_run == 400


class ResetInLastIteration(PositionWorldModel):
    """The position model; at its predictor step number ``at`` it calls ``on_step``.

    As another thread replacing the goal then (``GoalSession.set_goals`` calls
    ``planner.reset()``).
    """

    def __init__(self, at):
        super().__init__()
        self.at, self.on_step = at, None

    def step(self, frame_reps, action, state, cache, append=True):
        out = super().step(frame_reps, action, state, cache, append)
        if self.on_step is not None and self.steps == self.at:
            self.on_step()
        return out


@pytest.mark.parametrize("changes", [dict(method="cem", warm_start=True), dict(method="icem"),
                                     dict(method="mppi")], ids=["cem", "icem", "mppi"])
def test_a_reset_during_a_plan_is_not_undone_by_that_plan(changes):
    config = CEMConfig(horizon=2, samples=30, topk=5, iterations=3, **changes)
    iterations_steps = config.iterations * config.horizon  # one chunk per iteration
    model = ResetInLastIteration(at=iterations_steps)  # the last step of the last iteration
    _, context, old_goal = _problem([0.03, -0.02, 0.01])
    new_goal = model.reps_at(START[None, :3] + torch.tensor([[-0.04, 0.02, 0.0]]))
    racing = make_planner(model, config, seed=0)
    replaced = []
    model.on_step = lambda: (racing.reset(), replaced.append(True))
    racing.plan(context, START, old_goal, should_stop=lambda: False)  # void, discarded
    assert replaced
    model.on_step = None
    calm = make_planner(PositionWorldModel(), config, seed=0)
    calm.plan(context, START, old_goal)
    calm.reset()  # the goal replaced after the plan
    expected = calm.plan(context, START, new_goal)
    got = racing.plan(context, START, new_goal)
    assert torch.equal(got.actions, expected.actions), (got.actions, expected.actions)


def test_a_plan_not_executed_does_not_shift_the_warm_start():
    from test_robot_mpc import START as ARM_START
    from test_robot_mpc import Clock, frame, tiny_world_model

    from vjepa_ros.planning.mppi import MPPIPlanner
    from vjepa_ros.robot.control_config import ControlConfig
    from vjepa_ros.robot.mpc import MPCSession
    from vjepa_ros.robot.plan_report import PlanOutcome
    from vjepa_ros.robot.safety import SafetyLimits

    class Recording(MPPIPlanner):
        def _warm_mean(self, enabled):
            warm = super()._warm_mean(enabled)
            self.warm_means.append(warm)
            return warm

    model = tiny_world_model()
    config = CEMConfig(horizon=3, samples=12, topk=4, iterations=2, method="mppi")
    planner = Recording(model, config, seed=0)
    planner.warm_means = []
    clock = Clock()
    session = MPCSession(model, config, SafetyLimits(), ControlConfig(mode="continuous"),
                         clock=clock, planner=planner)
    session.observe_image(frame(0), clock.now)
    session.observe_state(ARM_START, clock.now)
    session.capture_goal()
    assert session.plan_step().outcome is PlanOutcome.SHADOW  # nothing executed
    first = planner._last_mean.clone()
    clock.now += 0.05  # the same scene, the arm where it was
    session.observe_image(frame(0), clock.now)
    session.observe_state(ARM_START, clock.now)
    assert session.plan_step().outcome is PlanOutcome.SHADOW
    warm = planner.warm_means[1]
    assert warm is None or torch.equal(warm, first), (warm, first)


@pytest.mark.parametrize("gripper_momentum", [0.15, 0.3])
def test_a_warm_started_plan_keeps_the_gripper_within_its_clip(gripper_momentum):
    from vjepa_ros.planning.cem import shift_plan

    config = CEMConfig(horizon=2, samples=40, topk=5, iterations=2, close_gripper=1,
                       warm_start=True, momentum_mean_gripper=gripper_momentum)

    def score(actions):  # a model that likes the hand closing now: gripper delta 1 at step 0
        return (1 - actions[:, 0, 6]).abs() + actions[:, :, :3].abs().sum(dim=(1, 2))

    generator = make_generator(0)
    first = cem_search(score, config, CPU, generator)  # CEMPlanner's two steps, by hand
    second = cem_search(score, config, CPU, generator, warm_mean=shift_plan(first.mean))
    assert first.actions[0, 6] <= config.gripper_clip
    assert second.actions[0, 6] <= config.gripper_clip, second.actions[:, 6]


@pytest.mark.parametrize("fraction, topk, kept", [(0.07, 100, 7), (0.14, 50, 7)])
def test_icem_keeps_the_fraction_of_elites_it_is_given(fraction, topk, kept):
    from vjepa_ros.planning.icem import kept_count

    config = CEMConfig(samples=200, topk=topk, method="icem",
                       icem=ICEMSettings(keep_elites_fraction=fraction))
    assert kept_count(config) == kept


def test_an_mppi_session_commands_again_once_the_model_predicts_finite_frames():
    from test_robot_mpc import START as ARM_START
    from test_robot_mpc import Clock, frame, tiny_world_model

    from vjepa_ros.robot.control_config import ControlConfig
    from vjepa_ros.robot.mpc import MPCSession
    from vjepa_ros.robot.plan_report import PlanOutcome
    from vjepa_ros.robot.safety import SafetyLimits

    model = tiny_world_model()
    step, broken = model.predictor.step, [True]

    def overflowing_step(reps, action, state, cache, append=True):
        out = step(reps, action, state, cache, append=append)
        if broken[0]:  # an fp16 overflow for large x displacements, once
            out = out.clone()
            out[action[:, 0] > 0.03] = math.nan
        return out

    model.predictor.step = overflowing_step
    config = CEMConfig(horizon=1, samples=12, topk=4, iterations=2, maxnorm=0.075,
                       method="mppi")
    clock = Clock()
    session = MPCSession(model, config, SafetyLimits(), ControlConfig(mode="continuous"),
                         clock=clock)
    session.observe_image(frame(0), clock.now)
    session.observe_state(ARM_START, clock.now)
    session.capture_goal()
    assert session.set_enabled(True)[0]
    session.plan_step()  # the step with NaN predictions: refused, fine
    broken[0] = False
    clock.now += 0.05
    session.observe_image(frame(0), clock.now)
    session.observe_state(ARM_START, clock.now)
    report = session.plan_step()
    assert report.outcome is PlanOutcome.COMMANDED, report.reason

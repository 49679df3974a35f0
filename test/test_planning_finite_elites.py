"""Elites only of finite energies; a cancelled plan draws no noise (note32 item 6, breaker32p).

ROS-free, CPU, tiny searches.
"""

import math

import pytest
import torch
from test_planning_cem import START, _problem

from vjepa_ros.planning import PlanCancelled, make_planner
from vjepa_ros.planning.cem import cem_search, make_generator
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.icem import icem_search

CPU = torch.device("cpu")
SEARCHES = {"cem": cem_search, "icem": lambda *args: icem_search(*args)[0]}


class FiniteAt:
    """A scorer: energy 1 + |sum of xyz| at the sample indices ``finite``, NaN elsewhere."""

    def __init__(self, finite):
        self.finite, self.actions = list(finite), None

    def __call__(self, actions):
        self.actions = actions.clone()
        energies = torch.full((actions.shape[0],), math.nan)
        energies[self.finite] = actions[self.finite, :, :3].sum(dim=(1, 2)).abs() + 1.0
        return energies


@pytest.mark.parametrize("method", sorted(SEARCHES))
@pytest.mark.parametrize("finite", [[3, 5], [4]])
def test_the_elites_are_the_finite_samples_only(method, finite):
    # 2 (or 1) of 12 energies finite, topk 5: the refit took 3 (4) NaN-scored, arbitrary
    # samples as elites too; the mean moved toward them and the elite energy was NaN
    config = CEMConfig(horizon=1, samples=12, topk=5, iterations=1, method=method,
                       momentum_mean=0.0, momentum_mean_gripper=0.0)
    score = FiniteAt(finite)
    result = SEARCHES[method](score, config, CPU, make_generator(0))
    expected = score.actions[finite].mean(dim=0)
    assert torch.allclose(result.mean, expected, atol=1e-6), (result.mean, expected)
    assert torch.isfinite(result.elite_energies).all() and torch.isfinite(result.std).all()
    assert f": {len(finite)} of " in result.elites_note and "fewer than planner.topk 5" in \
        result.elites_note, result.elites_note
    full = SEARCHES[method](FiniteAt(range(12)), config, CPU, make_generator(0))
    assert full.elites_note == "", "all finite: nothing to say"


@pytest.mark.parametrize("method", ["cem", "icem", "mppi"])
def test_a_cancelled_plan_leaves_the_seeded_noise_as_it_was(method):
    # breaker32p: a plan cancelled mid-way (a new goal, a disable) had drawn its noise, so a
    # seeded planner's next plan differed from the one made without the cancelled one between
    model, context, goal = _problem([0.03, 0.0, 0.0])
    config = CEMConfig(horizon=2, samples=8, topk=2, iterations=3, chunk_size=4, method=method)
    plain = make_planner(model, config, seed=0)
    plain.plan(context, START, goal)
    expected = plain.plan(context, START, goal).actions
    planner = make_planner(model, config, seed=0)
    planner.plan(context, START, goal)
    model.steps = 0
    with pytest.raises(PlanCancelled):  # after the first iteration's first chunk
        planner.plan(context, START, goal, should_stop=lambda: model.steps > 0)
    assert torch.equal(planner.plan(context, START, goal).actions, expected)


def test_the_session_says_once_that_a_plan_had_fewer_finite_energies_than_topk():
    import dataclasses

    from test_robot_mpc import HookedPlanner, enabled_session, observe, tiny_world_model

    model = tiny_world_model()
    planner = HookedPlanner(model)
    notes = iter(["iteration 1: 2 of 12 predicted energies finite", "iteration 2: 1 of 12", "",
                  "iteration 1: 3 of 12"])
    plan = planner.plan
    planner.plan = lambda *a, **k: dataclasses.replace(plan(*a, **k), elites_note=next(notes))
    session, clock, logs = enabled_session(model, planner=planner)
    for seed in range(4):
        clock.now += 0.1
        observe(session, clock, seed=seed)
        assert session.plan_step() is not None
    said = [m for level, m in logs if level == "warning" and m.startswith("planner: ")]
    assert said == ["planner: iteration 1: 2 of 12 predicted energies finite; planning goes on "
                    "with them", "planner: iteration 1: 3 of 12; planning goes on with them"], logs

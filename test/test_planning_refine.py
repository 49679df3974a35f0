"""Gradient refinement of the sampler's plan (planning/refine.py).

On world models with a known optimum and on a small real predictor: lower energy, never worse,
the sampler's rules, cancellation, settings (seeds: test_planning_methods.py).
"""

import argparse
import math

import pytest
import torch
import torch.nn.functional as F
from test_planning_cem import START, PositionWorldModel, _problem

from vjepa_ros.config import from_dict
from vjepa_ros.models import build_predictor
from vjepa_ros.planning import PlanCancelled, make_planner
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.methods import RefineSettings
from vjepa_ros.planning.refine import (
    FORWARDS_PER_GRADIENT_STEP,
    refine_plan,
    refinement_evaluations,
    searched_entries,
)
from vjepa_ros.planning.rollout import ImaginedRollout
from vjepa_ros.robot.planner_config import PlannerNodeConfig
from vjepa_ros.search_method_options import (
    add_search_method_arguments,
    search_method_changes,
    search_method_overrides,
)

METHODS = ["cem", "icem", "mppi"]


def _energy(model, context, goal, actions, **kwargs):
    with torch.inference_mode():
        return ImaginedRollout(model, context, START, goal, **kwargs).energies(
            actions[None]).item()


class EveryAxisWorldModel(PositionWorldModel):
    """Reached point = state xyz + Δxyz + Δrotation + 0.1·(gripper + Δgripper)·(1, 1, 1).

    Every axis of every step matters, so the energy has a gradient on rotation and gripper too
    (refinement must not use it where the sampler does not search).
    """

    def step(self, frame_reps, action, state, cache, append=True):
        self.steps += 1
        cache["num_frames"] += int(append)
        gripper = state[:, 6:7] + action[:, 6:7]
        reached = state[:, :3] + action[:, :3] + action[:, 3:6] + 0.1 * gripper
        return self.reps_at(reached) * 3.0 + 0.5


def _every_axis_problem(displacement):
    model = EveryAxisWorldModel()
    context = model.reps_at(START[None, :3])
    goal = model.reps_at(START[None, :3] + torch.tensor([displacement]))
    return model, context, goal


@pytest.mark.parametrize("method", METHODS)
def test_refinement_lowers_the_energy_of_each_samplers_plan_and_counts_its_cost(method):
    displacement = [0.03, -0.02, 0.01]
    model, context, goal = _problem(displacement)
    # A small search leaves its plan short of the optimum; the gradient steps close the gap.
    base = CEMConfig(horizon=1, samples=20, topk=5, iterations=2, maxnorm=0.05, method=method)
    plain = make_planner(model, base, seed=0).plan(context, START, goal)
    refined_config = base.with_(refine=RefineSettings(steps=20, lr=0.1))
    refined = make_planner(model, refined_config, seed=0).plan(context, START, goal)
    before = _energy(model, context, goal, plain.actions)
    after = _energy(model, context, goal, refined.actions)
    assert after < 0.5 * before, (before, after)
    energies = refined.refine_energies
    assert energies.shape == (21,)
    assert energies[0].item() == pytest.approx(before, rel=1e-5)  # starts at the sampler's plan
    assert after == pytest.approx(energies.min().item(), rel=1e-5)  # returns the lowest
    error = (refined.actions[0, :3] - torch.tensor(displacement)).norm()
    assert error < 0.5 * (plain.actions[0, :3] - torch.tensor(displacement)).norm()
    cost = math.ceil(20 * FORWARDS_PER_GRADIENT_STEP) + 1
    assert refined.evaluations == plain.evaluations + cost
    assert torch.equal(refined.first_action, refined.actions[0])
    assert refined.timings["refine"] > 0 and plain.refine_energies.numel() == 0
    # The search itself is untouched: same energies per iteration.
    assert torch.equal(refined.elite_energies, plain.elite_energies)


@pytest.mark.parametrize("displacement", [[0.03, -0.02, 0.01], [0.0, 0.04, -0.01], [-0.02, 0, 0]])
def test_refinement_never_returns_a_worse_plan(displacement):
    model, context, goal = _problem(displacement)
    rollout = ImaginedRollout(model, context, START, goal)
    optimum = torch.zeros(1, 7)
    optimum[0, :3] = torch.tensor(displacement)
    # From the optimum every step is uphill (and lr 0.9 overshoots far): the start comes back.
    config = CEMConfig(horizon=1, samples=20, topk=5, refine=RefineSettings(steps=4, lr=0.9))
    refinement = refine_plan(rollout, optimum, config)
    assert not refinement.improved and torch.equal(refinement.actions, optimum)
    assert (refinement.energies[1:] > refinement.energies[0]).all()
    # From a poor start with a step far too large, the result is still never above the start.
    start = torch.zeros(1, 7)
    start[0, :3] = -torch.tensor(displacement)
    refinement = refine_plan(rollout, start, config)
    assert _energy(model, context, goal, refinement.actions) <= refinement.energies[0].item()


class NaNGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        return torch.full_like(grad, math.nan)


class NaNGradientWorldModel(PositionWorldModel):
    def step(self, frame_reps, action, state, cache, append=True):
        return super().step(frame_reps, NaNGradient.apply(action), state, cache, append)


def test_a_non_finite_gradient_ends_the_refinement_with_the_samplers_plan():
    model = NaNGradientWorldModel()
    context = model.reps_at(START[None, :3])
    goal = model.reps_at(START[None, :3] + torch.tensor([[0.02, 0.0, 0.0]]))
    config = CEMConfig(horizon=1, samples=20, topk=5, refine=RefineSettings(steps=5))
    start = torch.tensor([[0.01, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]])
    refinement = refine_plan(ImaginedRollout(model, context, START, goal), start, config)
    assert refinement.gradient_steps == 0 and torch.equal(refinement.actions, start)
    assert refinement.energies.shape == (1,)
    assert refinement.evaluations == refinement_evaluations(1, 0) == 3


def test_refinement_keeps_rotation_fixed_axes_and_closed_gripper_and_projects_onto_the_box():
    # The goal lies beyond the box on x: the refined x ends on the clip bound, not past it.
    model, context, goal = _every_axis_problem([0.15, -0.01, 0.0])
    rollout = ImaginedRollout(model, context, START, goal)
    start = torch.zeros(2, 7)
    start[:, 6] = torch.tensor([0.5, 0.3])
    settings = RefineSettings(steps=30, lr=0.2)
    config = CEMConfig(horizon=2, samples=20, topk=5, maxnorm=0.05, fixed_axes=((2, 0.0),),
                       close_gripper=1, refine=settings)
    refined = refine_plan(rollout, start, config).actions
    assert (refined[:, 3:6] == 0).all(), "rotation is not searched: it stays 0"
    assert (refined[:, 2] == 0).all(), "a fixed axis stays fixed"
    assert refined[1, 6] == 0.3, "the gripper from close_gripper on is not searched"
    assert refined[0, 6] != 0.5, "the searched gripper step moved"
    assert refined[:, :3].abs().max() <= 0.05 + 1e-7
    assert refined[:, 0].max() == pytest.approx(0.05), "x is pushed onto its bound"
    assert refined[:, 6].abs().max() <= config.gripper_clip
    # With rotation searched it moves, within rotation_maxnorm; the gripper within its clip.
    rotating = config.with_(search_rotation=True, rotation_maxnorm=0.02, close_gripper=None,
                            fixed_axes=())
    refined = refine_plan(rollout, start, rotating).actions
    assert 0.01 < refined[:, 3:6].abs().max() <= 0.02 + 1e-7
    assert refined[:, 6].abs().max() <= rotating.gripper_clip
    free = searched_entries(config, 2)
    assert free[:, :2].all() and not free[:, 2:6].any() and free[:, 6].tolist() == [True, False]


def test_refined_plans_follow_the_plan_rules_small_gripper_values_are_zero():
    # The gripper barely matters here: refined values below the threshold are executed as 0.
    model, context, goal = _problem([0.03, 0.0, 0.0])
    config = CEMConfig(horizon=1, samples=20, topk=5, refine=RefineSettings(steps=3))
    start = torch.tensor([[0.01, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1]])
    refined = refine_plan(ImaginedRollout(model, context, START, goal), start, config).actions
    assert refined[0, 6] == 0.0 and refined[0, 0] != 0.01


@pytest.mark.parametrize("method", METHODS)
def test_should_stop_cancels_between_refinement_steps_and_keeps_the_warm_start(method):
    model, context, goal = _problem([0.03, 0.0, 0.0])
    config = CEMConfig(horizon=1, samples=8, topk=2, iterations=2, method=method,
                       warm_start=True, refine=RefineSettings(steps=4))
    planner = make_planner(model, config, seed=0)
    planner.plan(context, START, goal)
    kept = planner._last_mean.clone()
    model.steps = 0
    planner.plan(context, START, goal)
    search_steps = model.steps - 5  # 4 gradient passes + the last iterate, one step each
    planner._last_mean = kept.clone()
    model.steps = 0
    with pytest.raises(PlanCancelled, match="before gradient refinement step 3 of 4"):
        planner.plan(context, START, goal, should_stop=lambda: model.steps >= search_steps + 2)
    assert torch.equal(planner._last_mean, kept), "a cancelled plan leaves the warm start alone"
    model.steps = 0
    with pytest.raises(PlanCancelled, match="before scoring the refined plan"):
        planner.plan(context, START, goal, should_stop=lambda: model.steps >= search_steps + 4)


def _tiny_predictor():
    torch.manual_seed(0)
    return build_predictor(embed_dim=32, predictor_embed_dim=32, depth=2, num_heads=2,
                           img_size=32, patch_size=16).eval()


def test_refinement_through_the_real_predictor_from_inference_tensors_and_a_context_cache():
    predictor = _tiny_predictor()
    tokens, width = predictor.tokens_per_frame, predictor.embed_dim
    generator = torch.Generator().manual_seed(0)
    with torch.inference_mode():  # as the encoder hands them over, and as async control caches
        context = F.layer_norm(torch.randn(1, tokens, width, generator=generator), (width,))
        goal = F.layer_norm(torch.randn(1, tokens, width, generator=generator), (width,))
        before = F.layer_norm(torch.randn(1, tokens, width, generator=generator), (width,))
        cache = predictor.new_cache()
        predictor.step(before, torch.zeros(1, 7), START[None], cache)
    assert context.is_inference() and cache.keys[0].is_inference()
    config = CEMConfig(horizon=2, samples=30, topk=5, iterations=2, method="icem",
                       refine=RefineSettings(steps=5, lr=0.2))
    for extra in ({}, {"context_cache": cache}):
        result = make_planner(predictor, config, seed=0).plan(context, START, goal, **extra)
        energies = result.refine_energies
        assert energies.shape == (6,) and torch.isfinite(energies).all()
        # The gradient rollout scores exactly what the inference rollout scores.
        sampler_plan = make_planner(predictor, config.with_(refine=RefineSettings()), seed=0).plan(
            context, START, goal, **extra).actions
        assert energies[0].item() == pytest.approx(
            _energy(predictor, context, goal, sampler_plan, **extra), rel=1e-5)
        assert _energy(predictor, context, goal, result.actions, **extra) == pytest.approx(
            energies.min().item(), rel=1e-5)
        assert energies.min() < energies[0], "a random predictor still has a descent direction"
        assert all(p.grad is None for p in predictor.parameters()), "weights get no gradient"


def test_refine_settings_node_parameters_and_cli_options():
    for bad, message in (({"steps": -1}, r"refine.steps must lie in \[0, 1000\], got -1"),
                         ({"steps": 1.5}, "refine.steps must be an integer"),
                         ({"lr": 0.0}, r"refine.lr must lie in \(0, 1\], got 0.0")):
        with pytest.raises(ValueError, match=message):
            RefineSettings(**bad)
    assert CEMConfig().refine.steps == 0, "off by default: the published planner"
    config = from_dict(PlannerNodeConfig, {"planner.method": "mppi", "planner.refine.steps": 4,
                                           "planner.refine.lr": 0.1})
    assert config.planner.to_cem().refine == RefineSettings(steps=4, lr=0.1)
    parser = argparse.ArgumentParser()
    add_search_method_arguments(parser)
    args = parser.parse_args(["--refine-steps", "3", "--refine-lr", "0.2"])
    assert search_method_changes(args) == {"refine": RefineSettings(steps=3, lr=0.2)}
    assert search_method_overrides(args) == {"planner.refine.steps": 3,
                                             "planner.refine.lr": 0.2}
    with pytest.raises(ValueError, match=r"^--refine-lr must lie in \(0, 1\], got 0.0"):
        search_method_changes(parser.parse_args(["--refine-lr", "0"]))
    with pytest.raises(SystemExit):  # argparse: not an integer
        parser.parse_args(["--refine-steps", "2.5"])


@pytest.mark.parametrize("refine", [["--refine-lr", "0.05"],
                                    ["--refine-steps", "0", "--refine-lr", "0.05"]])
@pytest.mark.parametrize("command", [["demo"], ["eval", "BAG"], ["camera-check", "BAG"],
                                     ["run", "--task", "grasp"], ["reach"]])
def test_a_learning_rate_without_refinement_steps_is_refused_by_every_command(
        tmp_path, capsys, monkeypatch, command, refine):
    from vjepa_ros.cli import main

    monkeypatch.chdir(tmp_path)  # eval makes its output directory before it checks the options
    argv = [str(tmp_path / "missing.mcap") if a == "BAG" else a for a in command]
    assert main([*argv, *refine]) == 2  # a usage error, as an option of another --method
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--refine-lr does nothing while --refine-steps is 0" in err
    assert "planner." not in err, "the options are named, not the node parameters"


def test_a_learning_rate_with_refinement_steps_from_the_options_or_a_config_file_is_taken(
        tmp_path):
    from vjepa_ros.cli_options import cem_changes
    from vjepa_ros.sim.reach_config import load_reach_config

    parser = argparse.ArgumentParser()
    parser.add_argument("--preset", default="paper")
    add_search_method_arguments(parser)
    args = parser.parse_args(["--refine-steps", "2", "--refine-lr", "0.05"])
    assert cem_changes(args)["refine"] == RefineSettings(steps=2, lr=0.05)
    # vjepa-ros reach --config FILE: the file turns refinement on, the option sets its rate.
    config_file = tmp_path / "reach.yaml"
    config_file.write_text("planner:\n  refine:\n    steps: 3\n")
    config = load_reach_config(config_file, {"planner.refine.lr": 0.05})
    assert config.planner.refine == RefineSettings(steps=3, lr=0.05)
    with pytest.raises(ValueError, match="planner.refine.lr does nothing"):
        load_reach_config(None, {"planner.refine.lr": 0.05})


def test_planner_lines_show_refinement_only_when_it_is_on(tmp_path, capsys):
    from test_eval_evaluate import tiny_world_model

    from vjepa_ros.demo import run_demo
    from vjepa_ros.models import save_world_model

    assert RefineSettings().describe() == ""
    assert RefineSettings(steps=4, lr=0.2).describe() == ", refine 4 steps lr 0.2"
    model = tiny_world_model()
    save_world_model(tmp_path / "tiny.pt", model.encoder, model.predictor)
    run_demo(tmp_path / "tiny.pt", samples=8, topk=4, iterations=1, horizon=1, method="icem",
             refine=RefineSettings(steps=1, lr=0.05))
    (line,) = [x for x in capsys.readouterr().out.splitlines() if x.startswith("plan ")]
    assert line.startswith("plan          ICEM 'notebook': S 8, H 1, I 1, k 4, refine 1 steps "
                           "lr 0.05 in "), line


def test_refinement_works_on_the_oracle_world_model():
    from vjepa_ros.sim.oracle import OracleWorldModel, encode_states

    # The oracle's step is torch arithmetic (decode, pose algebra, encode): differentiable.
    oracle = OracleWorldModel()
    start = torch.tensor([0.45, 0.0, 0.3, math.pi, 0.0, 0.0, 0.0])
    goal_state = start.clone()
    goal_state[:3] += torch.tensor([0.03, -0.02, 0.01])
    context, goal = encode_states(start[None]), encode_states(goal_state[None])
    base = CEMConfig(horizon=1, samples=20, topk=5, iterations=2, maxnorm=0.05)
    plain = make_planner(oracle, base, seed=0).plan(context, start, goal)
    refined = make_planner(oracle, base.with_(refine=RefineSettings(steps=20, lr=0.1)),
                           seed=0).plan(context, start, goal)
    energies = refined.refine_energies
    assert energies.min() < 0.2 * energies[0], energies
    error = (refined.actions[0, :3] - goal_state[:3] + start[:3]).norm()
    assert error < 0.5 * (plain.actions[0, :3] - goal_state[:3] + start[:3]).norm()

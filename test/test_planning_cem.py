"""CEM on a hand-built world model whose energy minimum is known, and the CEM building blocks."""

import json
from dataclasses import asdict

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from vjepa_ros.planning import PlanCancelled
from vjepa_ros.planning.cem import (
    CEMPlanner,
    cem_search,
    clip_to_box,
    initial_distribution,
    plan,
    plan_from_mean,
    refit_distribution,
    sample_actions,
    shift_plan,
)
from vjepa_ros.planning.config import PRESETS, CEMConfig, preset
from vjepa_ros.planning.pose import apply_action


class PositionWorldModel(torch.nn.Module):
    """Frame t+1 = layer_norm(P · xyz_{t+1} + B), where xyz_{t+1} = xyz_t + Δxyz_t.

    The representation is an injective function of the reached position, so the energy to the goal
    frame of a target position is 0 exactly when the plan's displacements sum to target − start.
    It follows the predictor interface the planner uses (step / new_cache / full forward).
    """

    def __init__(self, tokens=4, width=16, seed=0):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.register_buffer("projection", torch.randn(tokens, width, 3, generator=generator) * 20)
        self.register_buffer("bias", torch.randn(tokens, width, generator=generator))
        self.tokens_per_frame, self.embed_dim = tokens, width
        self.steps = 0

    def reps_at(self, xyz):  # [B, 3] -> [B, N, D]
        raw = torch.einsum("ndk,bk->bnd", self.projection, xyz.to(self.bias.dtype)) + self.bias
        return F.layer_norm(raw, (self.embed_dim,))

    def new_cache(self):
        return {"num_frames": 0}

    def step(self, frame_reps, action, state, cache, append=True):
        assert frame_reps.shape[1:] == (self.tokens_per_frame, self.embed_dim)
        self.steps += 1
        cache["num_frames"] += int(append)
        return self.reps_at(state[:, :3] + action[:, :3]) * 3.0 + 0.5  # not normed: planner norms

    def forward(self, x, actions, states):
        self.steps += 1
        batch, frames = actions.shape[:2]
        reached = (states[..., :3] + actions[..., :3]).reshape(batch * frames, 3)
        out = self.reps_at(reached) * 3.0 + 0.5
        return out.reshape(batch, frames * self.tokens_per_frame, self.embed_dim)


START = torch.tensor([0.40, 0.00, 0.30, 3.0, 0.2, -1.0, 0.0])


def _problem(displacement, seed=0):
    model = PositionWorldModel(seed=seed)
    context = model.reps_at(START[None, :3])
    goal = model.reps_at(START[None, :3] + torch.tensor([displacement]))
    return model, context, goal


def test_cem_finds_the_unique_optimum_and_elite_energy_falls_every_iteration():
    displacement = torch.tensor([0.03, -0.02, 0.01])
    model, context, goal = _problem(displacement.tolist())
    config = CEMConfig(horizon=1, samples=300, topk=10, iterations=10, maxnorm=0.05)
    result = plan(model, context, START, goal, config, generator=0)
    assert torch.allclose(result.first_action[:3], displacement, atol=1e-4), result.first_action
    assert (result.actions[:, 3:6] == 0).all()
    energies = result.elite_energies
    assert energies.shape == (10,) and (energies[1:] < energies[:-1]).all(), energies
    assert energies[-1] < 0.01 * energies[0]
    assert model.steps == 10  # one batched predictor step per iteration


def test_cem_over_two_steps_reaches_the_target_position():
    # Only the sum of the two displacements matters here (a valley of optima).
    displacement = torch.tensor([0.06, -0.03, 0.02])
    model, context, goal = _problem(displacement.tolist())
    config = CEMConfig(horizon=2, samples=300, topk=10, iterations=12, maxnorm=0.05)
    result = plan(model, context, START, goal, config, generator=0)
    assert torch.allclose(result.actions[:, :3].sum(dim=0), displacement, atol=3e-3)
    assert result.elite_energies[-1] < 0.15 * result.elite_energies[0]
    assert model.steps == 12 * 2


def test_reaching_a_target_beyond_one_step_uses_the_clip_bound():
    # 0.08 m along x with H = 1 and maxnorm 0.05: the best is the bound itself.
    model, context, goal = _problem([0.08, 0.0, 0.0])
    result = plan(model, context, START, goal, preset("paper", samples=200, maxnorm=0.05))
    assert result.first_action[0] == pytest.approx(0.05, abs=2e-3)


def test_same_seed_same_plan_other_seed_other_plan_and_planner_stream_is_reproducible():
    model, context, goal = _problem([0.03, -0.02, 0.01])
    config = CEMConfig(horizon=2, samples=40, topk=5, iterations=3)
    first = plan(model, context, START, goal, config, generator=7)
    again = plan(model, context, START, goal, config, generator=7)
    other = plan(model, context, START, goal, config, generator=8)
    assert torch.equal(first.actions, again.actions)
    assert not torch.equal(first.actions, other.actions)
    planner_a, planner_b = CEMPlanner(model, config, seed=3), CEMPlanner(model, config, seed=3)
    sequence_a = [planner_a.plan(context, START, goal).actions for _ in range(2)]
    sequence_b = [planner_b.plan(context, START, goal).actions for _ in range(2)]
    assert all(torch.equal(a, b) for a, b in zip(sequence_a, sequence_b, strict=True))
    assert not torch.equal(sequence_a[0], sequence_a[1])  # the stream moves on between calls


def test_warm_start_starts_from_the_shifted_previous_mean():
    model, context, goal = _problem([0.06, -0.03, 0.02])
    config = CEMConfig(horizon=3, samples=60, topk=5, iterations=4, warm_start=True)
    planner = CEMPlanner(model, config, seed=0)
    first = planner.plan(context, START, goal)
    # With mean momenta 1 the mean never moves, so the result shows the starting mean.
    planner.config = config.with_(momentum_mean=1.0, momentum_mean_gripper=1.0)
    second = planner.plan(context, START, goal)
    assert torch.allclose(second.mean, shift_plan(first.mean))
    assert torch.allclose(shift_plan(first.mean)[:2], first.mean[1:])
    assert torch.allclose(shift_plan(first.mean)[2], first.mean[2])
    planner.reset()
    third = planner.plan(context, START, goal)
    assert torch.allclose(third.mean, torch.zeros(3, 7))


def test_should_stop_cancels_between_chunks_and_iterations_and_keeps_the_warm_start():
    model, context, goal = _problem([0.03, 0.0, 0.0])
    config = CEMConfig(horizon=2, samples=8, topk=2, iterations=3, chunk_size=2, warm_start=True)
    planner = CEMPlanner(model, config, seed=0)
    planner.plan(context, START, goal)
    kept = planner._last_mean.clone()
    assert model.steps == 3 * 4 * 2, "3 iterations x 4 chunks x 2 rollout steps"

    model.steps = 0
    with pytest.raises(PlanCancelled, match="before iteration 1 of 3"):
        planner.plan(context, START, goal, should_stop=lambda: True)
    assert model.steps == 0, "nothing imagined once should_stop is true"

    model.steps = 0
    with pytest.raises(PlanCancelled, match="after sample chunk 1 of 4"):
        planner.plan(context, START, goal, should_stop=lambda: model.steps > 0)
    assert model.steps == 2, "only the first chunk (2 rollout steps) ran"
    assert torch.equal(planner._last_mean, kept), "a cancelled plan leaves the warm start alone"

    model.steps = 0
    result = planner.plan(context, START, goal, should_stop=lambda: False)
    assert result.iterations_run == 3 and model.steps == 3 * 4 * 2


def test_warm_start_reaches_a_lower_energy_in_few_iterations_on_a_moving_robot():
    model, context, goal = _problem([0.06, -0.03, 0.02])
    config = CEMConfig(horizon=2, samples=60, topk=6, iterations=2)
    results = {}
    for warm in (False, True):
        planner = CEMPlanner(model, config.with_(warm_start=warm), seed=0)
        state = START.clone()
        energies = []
        for _ in range(4):
            step = planner.plan(model.reps_at(state[None, :3]), state, goal)
            energies.append(step.elite_energies[-1].item())
            state = apply_action(state, step.first_action)
        results[warm] = sum(energies[1:])
    assert results[True] < results[False]


def test_early_stop_ends_when_the_elite_energy_stalls():
    model, context, goal = _problem([0.03, -0.02, 0.01])
    config = CEMConfig(
        horizon=1,
        samples=100,
        topk=10,
        iterations=60,
        early_stop_patience=2,
        early_stop_rel_tol=0.05,
    )
    result = plan(model, context, START, goal, config)
    assert result.stopped_early and 3 <= result.iterations_run < 60
    assert result.elite_energies.shape == (result.iterations_run,)
    assert len(result.timings["per_iteration"]) == result.iterations_run
    full = plan(model, context, START, goal, config.with_(early_stop_patience=None))
    assert not full.stopped_early and full.iterations_run == 60


def test_sample_actions_clips_per_axis_zeroes_rotation_and_closes_the_gripper():
    config = CEMConfig(
        horizon=3, samples=500, topk=5, maxnorm=0.05, close_gripper=2, fixed_axes=((1, 0.01),)
    )
    mean, std = initial_distribution(config, torch.device("cpu"))
    noise = torch.randn(500, 3, 7, generator=torch.Generator().manual_seed(0)) * 3
    actions = sample_actions(mean, std, noise, config)
    assert actions[..., [0, 2]].abs().max() == pytest.approx(0.05)
    assert (actions[..., 1] == 0.01).all() and (actions[..., 3:6] == 0).all()
    assert actions[:, :2, 6].abs().max() == pytest.approx(0.75)
    assert (actions[:, 2, 6] == 1.0).all()
    inside = noise[..., 0].abs() * 0.05 < 0.05
    assert torch.allclose(actions[..., 0][inside], noise[..., 0][inside] * 0.05)
    rotating = config.with_(search_rotation=True, rotation_maxnorm=0.2, close_gripper=None)
    mean, std = initial_distribution(rotating, torch.device("cpu"))
    actions = sample_actions(mean, std, noise, rotating)
    assert actions[..., 3:6].abs().max() == pytest.approx(0.2)


def test_initial_distribution_and_momentum_refit_follow_the_published_formulas():
    config = CEMConfig(
        horizon=2,
        samples=10,
        topk=4,
        maxnorm=0.05,
        momentum_mean=0.2,
        momentum_std=0.3,
        momentum_mean_gripper=0.4,
        momentum_std_gripper=0.6,
    )
    mean, std = initial_distribution(config, torch.device("cpu"))
    assert torch.equal(mean, torch.zeros(2, 7))
    assert torch.equal(std, torch.tensor([[0.05] * 3 + [0.0] * 3 + [1.0]] * 2))
    elites = clip_to_box(torch.randn(4, 2, 7), config)  # samples: in the box
    new_mean, new_std = refit_distribution(mean, std, elites, config)
    expected_std = elites.std(dim=0, unbiased=True)
    assert torch.allclose(new_mean[:, :3], 0.8 * elites.mean(0)[:, :3])
    assert torch.allclose(new_mean[:, 6], 0.6 * elites.mean(0)[:, 6])
    assert torch.allclose(new_std[:, :3], 0.7 * expected_std[:, :3] + 0.3 * 0.05)
    assert torch.allclose(new_std[:, 6], 0.4 * expected_std[:, 6] + 0.6 * 1.0)
    assert (new_mean[:, 3:6] == 0).all() and (new_std[:, 3:6] == 0).all()


def test_returned_plan_zeroes_rotation_and_rounds_small_gripper_values():
    mean = torch.tensor(
        [[0.01, 0.02, 0.03, 0.1, 0.1, 0.1, 0.24], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.3]]
    )
    actions = plan_from_mean(mean, CEMConfig(horizon=2, samples=10, topk=2))
    assert torch.equal(actions[:, 3:6], torch.zeros(2, 3))
    assert actions[0, 6] == 0.0 and actions[1, 6] == pytest.approx(-0.3)
    assert torch.equal(actions[:, :3], mean[:, :3])


def test_close_gripper_drives_the_plan_gripper_up():
    model, context, goal = _problem([0.03, -0.02, 0.01])
    config = CEMConfig(horizon=2, samples=50, topk=5, iterations=5, close_gripper=1)
    result = plan(model, context, START, goal, config)
    assert result.actions[1, 6] > 0.9  # elites all have 1 there; the mean moves toward it


@pytest.mark.parametrize("horizon, step", [(1, 1), (1, 5), (2, 2), (15, 15)])
def test_a_close_gripper_step_at_or_past_the_horizon_is_refused_naming_both(horizon, step):
    # (it was accepted and never closed the hand: the rollout has steps 0..horizon-1)
    with pytest.raises(ValueError, match=rf"CEMConfig.close_gripper \({step}\) must be below "
                       rf"CEMConfig.horizon \({horizon}\)"):
        CEMConfig(horizon=horizon, close_gripper=step)
    assert CEMConfig(horizon=horizon, close_gripper=horizon - 1).close_gripper == horizon - 1
    with pytest.raises(ValueError, match="close_gripper .* must be below .*horizon"):
        PRESETS["notebook"].with_(close_gripper=3)


def test_presets_hold_the_published_settings():
    paper, notebook = PRESETS["paper"], PRESETS["notebook"]
    assert (paper.samples, paper.iterations, paper.topk, paper.horizon, paper.maxnorm) == (
        800,
        10,
        10,
        1,
        0.075,
    )
    assert (notebook.samples, notebook.iterations, notebook.topk, notebook.horizon) == (
        400,
        10,
        10,
        2,
    )
    assert notebook.maxnorm == 0.05 and notebook.momentum_mean == notebook.momentum_std == 0.15
    assert notebook.momentum_mean_gripper == notebook.momentum_std_gripper == 0.15
    assert (notebook.gripper_clip, notebook.gripper_round_threshold, notebook.energy) == (
        0.75,
        0.25,
        "l1",
    )
    with pytest.raises(ValueError, match="unknown CEM preset"):
        preset("nope")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (dict(samples=5, topk=10), r"topk \(10\) must be less than CEMConfig.samples \(5\)"),
        (dict(horizon=0), r"CEMConfig.horizon must lie in \[1, 16\], got 0"),
        (dict(iterations=0), "iterations"),
        (dict(topk=1), r"CEMConfig.topk must lie in \[2, inf\), got 1"),
        (dict(momentum_std=1.5), r"momentum_std must lie in \[0, 1\], got 1.5"),
        (dict(energy="cosine"), "energy must be one of"),
        (dict(maxnorm=0.0), r"CEMConfig.maxnorm must lie in \(0, 0.2\], got 0.0"),
        (dict(maxnorm=float("inf")), r"maxnorm must lie in \(0, 0.2\], got inf"),
        (dict(gripper_clip=float("nan")), r"gripper_clip must lie in \(0, 1\], got nan"),
        (dict(gripper_round_threshold=float("nan")), r"threshold must lie in \[0, 1\]"),
        (dict(gripper_round_threshold=-0.1), r"threshold must lie in \[0, 1\], got -0.1"),
        # at or above the clip every plan value rounds to 0: the gripper could never move
        (dict(gripper_round_threshold=0.75), r"gripper_round_threshold \(0.75\) must be below "
         r"CEMConfig.gripper_clip \(0.75\).*could never move; lower the round threshold"),
        (dict(gripper_round_threshold=0.9), r"threshold \(0.9\) must be below .*clip \(0.75\)"),
        (dict(gripper_clip=0.2), r"\(0.25\) must be below CEMConfig.gripper_clip \(0.2\)"),
        (dict(fixed_axes=((4, 0.0),)), "fixed_axes index"),
        (dict(chunk_size=0), "chunk_size"),
    ],
)
def test_bad_settings_raise_clear_errors(changes, message):
    with pytest.raises(ValueError, match=message):
        CEMConfig(**changes)


def test_numpy_integer_counts_are_taken_and_stored_as_python_ints():
    """Counts from numpy (``np.int64(400)`` from an array or a sweep) are integers.

    They were refused as "must be an integer" although the config's own ``fixed_axes`` indices
    take numpy integers; stored as numpy, a JSON report of the config would fail to dump.
    """
    config = CEMConfig(horizon=np.int64(2), samples=np.int32(40), topk=np.int64(5),
                       iterations=np.int16(3), chunk_size=np.int64(8), close_gripper=np.int64(1))
    values = [config.horizon, config.samples, config.topk, config.iterations,
              config.chunk_size, config.close_gripper]
    assert values == [2, 40, 5, 3, 8, 1]
    assert all(type(value) is int for value in values)
    json.dumps(asdict(config))
    with pytest.raises(ValueError,
                       match=r"^CEMConfig.samples must be an integer in \[1, inf\), got 40.0"):
        CEMConfig(samples=40.0)


def test_cem_search_rejects_a_scorer_with_the_wrong_shape():
    config = CEMConfig(horizon=1, samples=10, topk=3, iterations=1)
    with pytest.raises(RuntimeError, match="scorer returned shape"):
        cem_search(lambda actions: actions.sum(), config, torch.device("cpu"), torch.Generator())

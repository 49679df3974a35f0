"""The fast planner on the real AC predictor (small widths).

Rollout, equality with the plain published-style reference, chunking, energies, FLOP counts and
input checks.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.spatial.transform import Rotation
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from vjepa_ros.models import build_predictor
from vjepa_ros.planning.cem import CEMPlanner, plan
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.cost import (
    PredictorDims,
    auto_chunk_size,
    bytes_per_sample,
    plan_flops,
    predictor_dims,
    rollout_flops,
)
from vjepa_ros.planning.energy import energy
from vjepa_ros.planning.reference import reference_plan
from vjepa_ros.planning.rollout import ImaginedRollout
from vjepa_ros.train.memory import allocator_peak_bytes

pytestmark = pytest.mark.usefixtures("one_thread")  # tiny models: 1 thread is fastest


WIDTH = 32


@pytest.fixture(scope="module")
def predictor():
    torch.manual_seed(0)
    model = build_predictor(
        embed_dim=WIDTH, predictor_embed_dim=48, depth=2, num_heads=4, img_size=64
    ).eval()
    with torch.no_grad():  # make actions and states matter, so energies are well separated
        model.action_encoder.weight.mul_(400.0)
        model.state_encoder.weight.mul_(40.0)
        for block in model.predictor_blocks:
            block.attn.proj.weight.mul_(10.0)
            block.mlp.fc2.weight.mul_(10.0)
    return model


@pytest.fixture(scope="module")
def scene(predictor):
    generator = torch.Generator().manual_seed(1)
    tokens = predictor.tokens_per_frame
    context = F.layer_norm(torch.randn(1, tokens, WIDTH, generator=generator), (WIDTH,))
    goal = F.layer_norm(torch.randn(1, tokens, WIDTH, generator=generator), (WIDTH,))
    state = torch.tensor([0.45, -0.05, 0.3, 2.9, 0.3, -1.2, 0.1])
    return context, state, goal


def _full_recompute_rollout(predictor, context, state, actions):
    """Imagine like the official notebook: full forward per step, poses with scipy."""
    samples, horizon, _ = actions.shape
    frames = [context.expand(samples, -1, -1)]
    states = [state.expand(samples, 7)]
    for step in range(horizon):
        predicted = predictor(
            torch.cat(frames, dim=1), actions[:, : step + 1], torch.stack(states, dim=1)
        )[:, -predictor.tokens_per_frame :]
        frames.append(F.layer_norm(predicted, (WIDTH,)))
        now, act = states[-1].double().numpy(), actions[:, step].double().numpy()
        rotation = Rotation.from_euler("xyz", act[:, 3:6]) * Rotation.from_euler(
            "xyz", now[:, 3:6]
        )
        nxt = np.concatenate(
            [
                now[:, :3] + act[:, :3],
                rotation.as_euler("xyz"),
                np.clip(now[:, 6:] + act[:, 6:], 0, 1),
            ],
            axis=1,
        )
        states.append(torch.from_numpy(nxt).float())
    return frames[-1]


def test_rollout_uses_the_cache_and_matches_a_full_recompute_with_rotations(predictor, scene):
    context, state, _ = scene
    generator = torch.Generator().manual_seed(2)
    actions = torch.randn(6, 3, 7, generator=generator) * torch.tensor(
        [0.05] * 3 + [0.3] * 3 + [0.6]
    )
    rollout = ImaginedRollout(predictor, context, state, scene[2], chunk_size=4)
    with torch.inference_mode():
        fast = rollout.imagine(actions)
        slow = _full_recompute_rollout(predictor, context, state, actions)
    assert fast.shape == (6, predictor.tokens_per_frame, WIDTH) and fast.dtype == torch.float32
    assert torch.allclose(fast, slow, atol=2e-5), (fast - slow).abs().max()
    # the state really matters here: a wrong pose propagation would show
    wrong_state = state.clone()
    wrong_state[3] += 0.2
    with torch.inference_mode():
        other = ImaginedRollout(predictor, context, wrong_state, scene[2]).imagine(actions)
    assert (other - fast).abs().max() > 1e-2


def test_rollout_never_recomputes_earlier_frames(predictor, scene):
    lengths = []
    hook = predictor.predictor_blocks[0].register_forward_hook(
        lambda module, args, output: lengths.append(args[0].shape[1])
    )
    try:
        with torch.inference_mode():
            ImaginedRollout(predictor, *scene, chunk_size=5).energies(torch.zeros(10, 3, 7))
    finally:
        hook.remove()
    # 2 chunks x 3 steps, each step runs one frame's tokens (action, state, patches) only
    assert lengths == [predictor.tokens_per_frame + 2] * 6


@pytest.mark.parametrize(
    "changes",
    [
        dict(horizon=2),
        dict(horizon=1),
        dict(horizon=3, close_gripper=1, fixed_axes=((2, 0.0),), momentum_std=0.5),
    ],
)
def test_fast_planner_and_plain_reference_return_the_same_plan(predictor, scene, changes):
    config = CEMConfig(samples=24, topk=5, iterations=3, chunk_size=10).with_(**changes)
    fast = plan(predictor, *scene, config, generator=5)
    slow = reference_plan(predictor, *scene, config, generator=5)
    assert torch.allclose(fast.actions, slow.actions, atol=1e-5), (fast.actions, slow.actions)
    assert torch.allclose(fast.std, slow.std, atol=1e-5)
    assert torch.allclose(fast.elite_energies, slow.elite_energies, rtol=1e-5)
    assert fast.elite_energies[-1] < fast.elite_energies[0]  # it does optimise something
    assert fast.actions.abs().sum() > 0


def test_results_do_not_depend_on_chunking_and_a_world_model_wrapper_is_accepted(predictor, scene):
    config = CEMConfig(horizon=2, samples=30, topk=5, iterations=2)
    whole = plan(predictor, *scene, config.with_(chunk_size=30), generator=3)
    chunked = plan(predictor, *scene, config.with_(chunk_size=7), generator=3)
    automatic = plan(predictor, *scene, config, generator=3)
    assert torch.allclose(whole.actions, chunked.actions, atol=1e-6)
    assert torch.allclose(whole.actions, automatic.actions, atol=1e-6)

    class Wrapper:  # a WorldModel exposes its predictor as .predictor
        def __init__(self, predictor):
            self.predictor = predictor

    wrapped = CEMPlanner(Wrapper(predictor), config.with_(chunk_size=30), seed=3).plan(*scene)
    assert torch.equal(wrapped.actions, whole.actions)
    assert set(wrapped.timings) >= {"total", "rollout", "per_iteration"}
    assert wrapped.first_action.shape == (7,) and wrapped.actions.shape == (2, 7)


def test_bfloat16_predictor_plans_with_float32_poses_and_energies(predictor, scene):
    half = build_predictor(
        embed_dim=WIDTH, predictor_embed_dim=48, depth=2, num_heads=4, img_size=64
    ).eval()
    half.load_state_dict(predictor.state_dict())
    half = half.to(torch.bfloat16)
    config = CEMConfig(horizon=2, samples=24, topk=5, iterations=3)
    result = plan(half, *scene, config, generator=5)
    reference = plan(predictor, *scene, config, generator=5)
    assert result.actions.dtype == torch.float32 and torch.isfinite(result.actions).all()
    assert result.elite_energies.dtype == torch.float32
    # bf16 rounding changes the energies a little, not their scale
    assert torch.allclose(result.elite_energies, reference.elite_energies, rtol=0.05)


def test_reference_refuses_options_beyond_the_published_planner(predictor, scene):
    with pytest.raises(ValueError, match="published CEM only"):
        reference_plan(predictor, *scene, CEMConfig(samples=10, topk=2, energy="l2"))


def test_energy_kinds_and_token_weights():
    generator = torch.Generator().manual_seed(0)
    reps, goal = (
        torch.randn(5, 4, 8, generator=generator),
        torch.randn(1, 4, 8, generator=generator),
    )
    official = (reps.flatten(1) - goal.flatten(1)).abs().mean(dim=-1)
    assert torch.allclose(energy(reps, goal), official)
    assert torch.allclose(energy(reps, goal, "l2"), ((reps - goal) ** 2).mean(dim=(1, 2)))
    one_hot = torch.tensor([0.0, 0.0, 1.0, 0.0])
    assert torch.allclose(
        energy(reps, goal, token_weights=one_hot), (reps - goal)[:, 2].abs().mean(-1)
    )
    assert torch.allclose(energy(reps, goal, token_weights=torch.full((4,), 3.0)), official)
    assert energy(reps.bfloat16(), goal).dtype == torch.float32
    with pytest.raises(ValueError, match="energy kind"):
        energy(reps, goal, "cosine")


def test_token_weights_steer_the_plan(predictor, scene):
    config = CEMConfig(horizon=1, samples=40, topk=5, iterations=3)
    weights = torch.zeros(predictor.tokens_per_frame)
    weights[:3] = 1.0
    weighted = plan(predictor, *scene, config, generator=0, token_weights=weights)
    uniform = plan(predictor, *scene, config, generator=0)
    assert not torch.allclose(weighted.elite_energies, uniform.elite_energies)
    with pytest.raises(ValueError, match="token_weights must have shape"):
        plan(predictor, *scene, config, token_weights=torch.ones(3))
    with pytest.raises(ValueError, match="not all be 0"):
        plan(predictor, *scene, config, token_weights=torch.zeros(predictor.tokens_per_frame))


def test_bad_inputs_raise_clear_errors(predictor, scene):
    context, state, goal = scene
    config = CEMConfig(horizon=1, samples=10, topk=2, iterations=1)
    nan_goal = goal.clone()
    nan_goal[0, 3, 1] = float("nan")
    with pytest.raises(ValueError, match="goal_reps contains NaN or inf"):
        plan(predictor, context, state, nan_goal, config)
    inf_context = context.clone()
    inf_context[0, 0, 0] = float("inf")
    with pytest.raises(ValueError, match="context_reps contains NaN or inf"):
        plan(predictor, inf_context, state, goal, config)
    with pytest.raises(ValueError, match="has 17 tokens per frame but the predictor expects 16"):
        plan(predictor, context, state, torch.zeros(1, 17, WIDTH), config)
    with pytest.raises(ValueError, match="width 31 but the predictor expects 32"):
        plan(predictor, context[..., :31], state, goal, config)
    with pytest.raises(ValueError, match=r"context_reps must have shape \[1, N, D\]"):
        plan(predictor, context.expand(2, -1, -1), state, goal, config)
    with pytest.raises(ValueError, match=r"context_state must have shape \[7\]"):
        plan(predictor, context, state[:6], goal, config)
    with pytest.raises(ValueError, match="context_state contains NaN"):
        plan(predictor, context, torch.full((7,), float("nan")), goal, config)
    with pytest.raises(TypeError, match="is not an AC predictor"):
        plan(torch.nn.Linear(2, 2), context, state, goal, config)
    with pytest.raises(ValueError, match=r"warm_mean \(warm start\) must have shape \[1, 7\]"):
        plan(predictor, context, state, goal, config, warm_mean=torch.zeros(2, 7))
    # [N, D] reps and a [1, 7] state are accepted
    assert plan(predictor, context[0], state[None], goal[0], config).actions.shape == (1, 7)


def test_the_goal_is_checked_once_and_the_context_every_plan(predictor, scene, monkeypatch):
    """final56e: the goal, encoded once, was checked for its norm on every plan step.

    The same goal tensor is found normed once; the context every plan; another goal, or the
    goal changed in place (an affine bias added), is checked again and refused as before.
    """
    import vjepa_ros.planning.plan_inputs as plan_inputs

    context, state, _ = scene
    goal = F.layer_norm(torch.randn(1, predictor.tokens_per_frame, WIDTH), (WIDTH,))
    checked = []
    real = plan_inputs.layer_norm_problem
    monkeypatch.setattr(plan_inputs, "layer_norm_problem",
                        lambda reps: checked.append(reps) or real(reps))
    for _ in range(3):
        ImaginedRollout(predictor, context, state, goal)
    assert [reps is goal for reps in checked] == [False, True, False, False], \
        "the goal once, the context each of the 3 plans"
    other = goal.clone()
    checked.clear()
    ImaginedRollout(predictor, context, state, other)
    ImaginedRollout(predictor, context, state, goal)  # the last kept is the other: again
    assert sum(reps is other for reps in checked) == 1
    assert sum(reps is goal for reps in checked) == 1
    goal.add_(0.5)  # in place: the same tensor, now with a bias
    with pytest.raises(ValueError, match="goal_reps is not layer-normed"):
        ImaginedRollout(predictor, context, state, goal)
    with torch.inference_mode():  # an encoder's output under inference mode keeps no version
        encoded = F.layer_norm(torch.randn(1, predictor.tokens_per_frame, WIDTH), (WIDTH,))
    checked.clear()
    for _ in range(2):
        ImaginedRollout(predictor, context, state, encoded)
    assert sum(reps is encoded for reps in checked) == 1


def test_flop_counter_matches_torch_flop_counter(predictor):
    dims = predictor_dims(predictor)
    tokens, samples = predictor.tokens_per_frame, 3
    frames = torch.randn(samples, tokens, WIDTH)
    actions, states = torch.randn(samples, 2, 7), torch.randn(samples, 2, 7)
    with torch.inference_mode(), sdpa_kernel(SDPBackend.MATH):  # math SDPA = counted bmm
        with FlopCounterMode(display=False) as cached:
            cache = predictor.new_cache()
            predicted = predictor.step(frames, actions[:, 0], states[:, 0], cache)
            predictor.step(predicted, actions[:, 1], states[:, 1], cache)
        with FlopCounterMode(display=False) as full:
            predictor(frames, actions[:, :1], states[:, :1])
            predictor(torch.cat([frames, predicted], dim=1), actions, states)
    assert rollout_flops(dims, samples, 2, cached=True).total == cached.get_total_flops()
    assert rollout_flops(dims, samples, 2, cached=False).total == full.get_total_flops()
    assert plan_flops(dims, samples, 2, 10).total == 10 * cached.get_total_flops()


@pytest.mark.parametrize("context_frames", [1, 2])
def test_flop_counter_counts_a_context_cache(predictor, scene, context_frames):
    # Asynchronous control's rollouts attend to the context cache's frames too.
    dims = predictor_dims(predictor)
    context, state, goal = scene
    cache = _context_cache(predictor, context, state, context_frames)
    rollout = ImaginedRollout(predictor, context, state, goal, context_cache=cache)
    actions = torch.randn(3, 2, 7, generator=torch.Generator().manual_seed(2)) * 0.05
    with torch.inference_mode(), sdpa_kernel(SDPBackend.MATH):
        with FlopCounterMode(display=False) as counted:
            rollout.imagine(actions)
    assert rollout_flops(dims, 3, 2, context_frames=context_frames).total == (
        counted.get_total_flops())
    assert plan_flops(dims, 3, 2, 4, context_frames=context_frames).total == (
        4 * counted.get_total_flops())
    with pytest.raises(ValueError, match="context_frames needs the cached rollout"):
        rollout_flops(dims, 3, 2, cached=False, context_frames=context_frames)


def _allocator_peak_bytes(fn) -> int:
    try:
        return allocator_peak_bytes(fn)
    except RuntimeError as exc:
        pytest.skip(str(exc))


def _context_cache(model, context, state, frames):
    """Return a batch-1 predictor cache holding ``frames`` frames before the context (or None)."""
    if not frames:
        return None
    cache = model.new_cache()
    with torch.inference_mode():
        for _ in range(frames):  # async control: the imagined start's history
            model.step(context.to(model.predictor_embed.weight.dtype), torch.full((1, 7), 0.01),
                       state[None].to(model.predictor_embed.weight.dtype), cache)
    return cache


@pytest.mark.parametrize("context_frames", [0, 1, 2])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_chunk_memory_estimate_bounds_the_measured_peak(predictor, scene, dtype, context_frames):
    # auto_chunk_size trusts bytes_per_sample to fit a chunk into the free GPU memory (the paper
    # settings on a 24 GB card): it must be an upper bound of what a chunk really allocates,
    # also with asynchronous control's context cache (its frames join every sample's cache).
    model = predictor.to(dtype)
    context, state, goal = scene
    try:
        cache = _context_cache(model, context, state, context_frames)
        for horizon in (1, 2, 3):
            rollout = ImaginedRollout(model, context, state, goal, chunk_size=16,
                                      context_cache=cache)
            assert rollout.context_frames == context_frames
            noise = torch.randn(16, horizon, 7, generator=torch.Generator().manual_seed(0))
            actions = noise * 0.05
            with torch.inference_mode():
                peak = _allocator_peak_bytes(lambda r=rollout, a=actions: r.energies(a))
            estimate = 16 * bytes_per_sample(predictor_dims(model), horizon, dtype.itemsize,
                                             context_frames)
            assert 0.5 * estimate < peak <= estimate, (horizon, peak / estimate)
    finally:
        predictor.float()


def test_the_automatic_chunk_counts_the_context_frames(predictor, scene, monkeypatch):
    # The rollout hands its context cache's frames to the chunking; each frame costs memory.
    dims = predictor_dims(predictor)
    sizes = [bytes_per_sample(dims, 2, 4, frames) for frames in range(4)]
    assert sizes == sorted(set(sizes))
    free = 64 * sizes[0]
    chunks = [auto_chunk_size(dims, 2, 4, "cuda", free_bytes=free, context_frames=frames)
              for frames in range(4)]
    assert chunks[0] > chunks[1] > chunks[3] >= 1
    seen = []

    def spy(*args, **kwargs):
        seen.append(kwargs.get("context_frames"))
        return 5

    monkeypatch.setattr("vjepa_ros.planning.rollout.auto_chunk_size", spy)
    context, state, goal = scene
    for frames in (0, 2):
        rollout = ImaginedRollout(predictor, context, state, goal,
                                  context_cache=_context_cache(predictor, context, state, frames))
        assert rollout.samples_per_call(40, 2) == 5
    assert seen == [0, 2]


def test_cached_values_hold_only_their_own_memory(predictor, scene):
    context, state, _ = scene
    cache = predictor.new_cache()
    with torch.inference_mode():
        predictor.step(context.expand(3, -1, -1), torch.zeros(3, 7), state.expand(3, 7), cache)
    for keys, values in zip(cache.keys, cache.values, strict=True):
        for tensor in (keys, values):  # not a view of the fused qkv output (3x the memory)
            assert tensor.untyped_storage().nbytes() == tensor.numel() * tensor.element_size()


def test_cost_model_numbers_for_the_released_preset():
    giant = PredictorDims(
        embed_dim=1408, width=1024, depth=24, mlp_hidden=4096, tokens_per_frame=256
    )
    paper = plan_flops(giant, 800, 1, 10)
    assert 1.30e15 < paper.total < 1.32e15  # ~1.3 PFLOP per replanning step at the paper settings
    notebook_cached = plan_flops(giant, 400, 2, 10).total
    notebook_full = plan_flops(giant, 400, 2, 10, cached=False).total
    assert 1.45 < notebook_full / notebook_cached < 1.55  # the cache saves a third at H = 2
    # 24 GB card: the paper settings must fit in chunks, H = 1 keeps no cache
    assert bytes_per_sample(giant, 1, 2) < bytes_per_sample(giant, 2, 2)
    chunk = auto_chunk_size(giant, 1, 2, "cuda", free_bytes=20 * 2**30)
    assert 200 < chunk < 800 and chunk * bytes_per_sample(giant, 1, 2) < 20 * 2**30
    assert auto_chunk_size(giant, 1, 2, "cpu") == 2048 // 258

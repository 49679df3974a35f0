"""The post-training objective against a plain per-sample computation; schedule and optimizer."""

import pytest
import torch

from vjepa_ros.config import ConfigError
from vjepa_ros.models import build_predictor
from vjepa_ros.train import LRSchedule, TrainConfig, make_optimizer, prediction_losses

TOKENS, DIM = 4, 16  # 16 px, patch 8 -> 2x2 tokens per frame


pytestmark = pytest.mark.usefixtures("one_thread")  # tiny models: 1 thread is fastest


@pytest.fixture(scope="module")
def predictor():
    torch.manual_seed(0)
    return build_predictor(embed_dim=DIM, predictor_embed_dim=16, depth=2, num_heads=2,
                           img_size=16, patch_size=8)


def _layer_norm(x):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + 1e-5)


def plain_losses(predictor, reps, actions, states, auto_steps, rollout_from_true=False):
    """Per sample, written out: teacher forcing, then the rollout from [z0, predicted z1]."""
    batch, frames = reps.shape[0], reps.shape[1] // TOKENS
    z = reps.view(batch, frames, TOKENS, DIM)
    j_sum, s_sum = 0.0, 0.0
    for b in range(batch):
        context = z[b, :frames - 1].reshape(1, -1, DIM)
        out = predictor(context, actions[b:b + 1], states[b:b + 1, :frames - 1])
        teacher = _layer_norm(out.view(frames - 1, TOKENS, DIM))  # predictions of frames 1..T-1
        j_sum = j_sum + (teacher - z[b, 1:]).abs().sum()
        sequence = [z[b, 0], z[b, 1] if rollout_from_true else teacher[0]]
        for n in range(1, auto_steps):
            out = predictor(torch.stack(sequence).reshape(1, -1, DIM),
                            actions[b:b + 1, :n + 1], states[b:b + 1, :n + 1])
            sequence.append(_layer_norm(out[0, -TOKENS:]))
        for k in range(1, auto_steps + 1):
            s_sum = s_sum + (sequence[k] - z[b, k]).abs().sum()
    jloss = j_sum / (batch * (frames - 1) * TOKENS * DIM)
    sloss = s_sum / (batch * auto_steps * TOKENS * DIM)
    return jloss, sloss


def _clip(batch=3, frames=5, seed=1):
    generator = torch.Generator().manual_seed(seed)
    reps = _layer_norm(torch.randn(batch, frames * TOKENS, DIM, generator=generator))
    actions = torch.randn(batch, frames - 1, 7, generator=generator) * 0.05
    states = torch.randn(batch, frames, 7, generator=generator)
    return reps, actions, states


def _grads(predictor, loss):
    predictor.zero_grad(set_to_none=True)
    loss.backward()
    return [None if p.grad is None else p.grad.clone() for p in predictor.parameters()]


@pytest.mark.parametrize("auto_steps", [1, 2, 4])
def test_losses_and_gradients_equal_the_plain_computation(predictor, auto_steps):
    reps, actions, states = _clip()
    jloss, sloss = prediction_losses(predictor, reps, actions, states, auto_steps)
    ref_j, ref_s = plain_losses(predictor, reps, actions, states, auto_steps)
    torch.testing.assert_close(jloss, ref_j, atol=1e-6, rtol=1e-6)
    torch.testing.assert_close(sloss, ref_s, atol=1e-6, rtol=1e-6)
    ours = _grads(predictor, jloss + sloss)
    plain = _grads(predictor, ref_j + ref_s)
    assert sum(g is not None for g in ours) >= len(ours) - 2  # all but the unused extrinsics
    for a, b in zip(ours, plain, strict=True):
        if a is None or b is None:
            assert a is None and b is None
        else:
            torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)


@torch.no_grad()
def test_rollout_starts_from_the_teacher_forced_frame_one(predictor):
    reps, actions, states = _clip(seed=2)
    _, sloss = prediction_losses(predictor, reps, actions, states, auto_steps=2)
    _, from_true = plain_losses(predictor, reps, actions, states, 2, rollout_from_true=True)
    assert abs(float(sloss) - float(from_true)) > 1e-4  # the variant feeding true z1 differs
    # With one rollout step the rollout is the teacher-forced frame 1 alone.
    _, sloss1 = prediction_losses(predictor, reps, actions, states, auto_steps=1)
    first = _layer_norm(predictor(reps[:, :-TOKENS], actions, states[:, :-1])[:, :TOKENS])
    torch.testing.assert_close(sloss1, (first - reps[:, TOKENS:2 * TOKENS]).abs().mean())


@torch.no_grad()
def test_rollout_actions_and_states_matter(predictor):
    reps, actions, states = _clip(seed=3)
    base = prediction_losses(predictor, reps, actions, states, 2)
    later_action = actions.clone()
    later_action[:, 1] += 0.5  # a_1 enters only the rollout's second step and teacher forcing
    changed = prediction_losses(predictor, reps, later_action, states, 2)
    assert float(changed[1]) != pytest.approx(float(base[1]))
    last_state = states.clone()
    last_state[:, -1] += 1.0  # the last frame's state is never an input
    same = prediction_losses(predictor, reps, actions, last_state, 2)
    torch.testing.assert_close(same[0], base[0])
    torch.testing.assert_close(same[1], base[1])


def test_objective_rejects_bad_inputs(predictor):
    reps, actions, states = _clip(frames=3)
    with pytest.raises(ValueError, match="auto_steps"):
        prediction_losses(predictor, reps, actions, states, auto_steps=3)
    with pytest.raises(ValueError, match="actions must be"):
        prediction_losses(predictor, reps, actions[:, :1], states, 1)
    with pytest.raises(ValueError, match="reps must be"):
        prediction_losses(predictor, reps[:, :TOKENS], actions, states, 1)


def test_schedule_values_at_the_phase_boundaries():
    schedule = LRSchedule(total=100, warmup=10, decay=20, start_lr=1e-4, lr=1e-3, final_lr=0.0)
    expected = {1: 1e-4 + 0.1 * 9e-4, 9: 1e-4 + 0.9 * 9e-4, 10: 1e-3, 79: 1e-3, 80: 1e-3,
                90: 5e-4, 100: 0.0}
    for step, lr in expected.items():
        assert schedule(step) == pytest.approx(lr, abs=1e-12), step
    flat = LRSchedule(total=5, warmup=0, decay=0, start_lr=0.0, lr=2e-4, final_lr=0.0)
    assert [flat(s) for s in range(1, 6)] == [2e-4] * 5
    with pytest.raises(ValueError, match="fit"):
        LRSchedule(total=10, warmup=6, decay=5, start_lr=0, lr=1, final_lr=0)


def test_schedule_phases_from_fractions_or_step_counts():
    config = TrainConfig(steps=200)
    config.optim.warmup, config.optim.decay = 0.1, 30
    assert config.phase_steps() == (20, 30)
    config.optim.warmup = 2.5
    with pytest.raises(ConfigError, match="whole number"):
        config.phase_steps()
    config.optim.warmup, config.optim.decay = 150, 0.5
    with pytest.raises(ConfigError, match="exceed steps"):
        config.check(need_paths=False)


def test_weight_decay_spares_biases_and_norms(predictor):
    optimizer = make_optimizer(predictor, weight_decay=0.04)
    decayed, spared = optimizer.param_groups
    assert decayed["weight_decay"] == 0.04 and spared["weight_decay"] == 0.0
    names = {id(p): n for n, p in predictor.named_parameters()}
    assert all(p.ndim >= 2 for p in decayed["params"])
    assert all(names[id(p)].endswith("bias") or p.ndim == 1 for p in spared["params"])
    assert len(decayed["params"]) + len(spared["params"]) == len(list(predictor.parameters()))

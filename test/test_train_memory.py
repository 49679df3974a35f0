"""Activation checkpointing: same gradients, less memory; the memory model fits measured peaks."""

import pytest
import torch

from vjepa_ros.models import build_predictor, layer_norm_reps
from vjepa_ros.train import prediction_losses
from vjepa_ros.train.memory import (
    clip_tokens,
    estimate_training_bytes,
    fit_activation_model,
    step_activation_bytes,
)

pytestmark = pytest.mark.usefixtures("one_thread")  # tiny models: 1 thread is fastest


def _predictor(width=32, depth=3, img_size=32, embed_dim=24, seed=0):
    torch.manual_seed(seed)
    return build_predictor(embed_dim=embed_dim, predictor_embed_dim=width, depth=depth,
                           num_heads=2, img_size=img_size, patch_size=8)


def _gradients(predictor, checkpointing, dtype, frames=5, auto_steps=3):
    generator = torch.Generator().manual_seed(1)
    tokens = predictor.tokens_per_frame
    reps = layer_norm_reps(torch.randn(3, frames * tokens, predictor.embed_dim,
                                       generator=generator))
    actions = torch.randn(3, frames - 1, 7, generator=generator) * 0.05
    states = torch.randn(3, frames, 7, generator=generator)
    predictor.use_activation_checkpointing = checkpointing
    predictor.zero_grad(set_to_none=True)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype == torch.bfloat16):
        jloss, sloss = prediction_losses(predictor, reps, actions, states, auto_steps)
    (jloss + sloss).backward()
    predictor.use_activation_checkpointing = False
    grads = {n: p.grad.clone() for n, p in predictor.named_parameters() if p.grad is not None}
    return float((jloss + sloss).detach()), grads


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_checkpointed_and_plain_training_give_the_same_gradients(dtype):
    predictor = _predictor()
    loss, plain = _gradients(predictor, False, dtype)
    loss_ckpt, checkpointed = _gradients(predictor, True, dtype)
    assert loss_ckpt == loss
    assert plain.keys() == checkpointed.keys() and len(plain) > 10
    for name, grad in plain.items():
        torch.testing.assert_close(checkpointed[name], grad, atol=0, rtol=0, msg=name)
    assert any(g.abs().sum() > 0 for n, g in plain.items() if n.startswith("predictor_blocks"))
    # Inference ignores the setting (no recomputation without gradients, caches still work).
    predictor.use_activation_checkpointing = True
    with torch.no_grad():
        x = torch.randn(1, 2 * predictor.tokens_per_frame, predictor.embed_dim)
        a, s = torch.zeros(1, 2, 7), torch.zeros(1, 2, 7)
        cache = predictor.new_cache()
        predictor(x, a, s, cache=cache)
        assert cache.num_frames == 2 and cache.keys[0] is not None


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_checkpointing_cuts_the_measured_activation_peak(dtype):
    predictor = _predictor(width=64, depth=6)
    plain = step_activation_bytes(predictor, 4, 8, 2, dtype, checkpointing=False)
    checkpointed = step_activation_bytes(predictor, 4, 8, 2, dtype, checkpointing=True)
    assert checkpointed < 0.5 * plain, (checkpointed, plain)
    # Activations grow with the batch (what the memory model extrapolates).
    assert step_activation_bytes(predictor, 8, 8, 2, dtype) > 1.7 * plain


def test_memory_model_predicts_a_size_it_was_not_fitted_on():
    rows = []
    for width, depth, img, embed in ((32, 2, 32, 24), (64, 2, 32, 48), (32, 4, 32, 48),
                                     (64, 4, 48, 24), (32, 6, 48, 24)):
        predictor = _predictor(width, depth, img, embed)
        tokens = 2 * clip_tokens(predictor.tokens_per_frame, 6, 2)
        rows.append((tokens, depth, width, predictor.embed_dim,
                     step_activation_bytes(predictor, 2, 6, 2)))
    model = fit_activation_model(rows)
    assert model.per_block > 0 and model.once >= 0 and model.outside >= 0
    held_out = _predictor(48, 6, 48)
    tokens_per_clip = clip_tokens(held_out.tokens_per_frame, 6, 2)
    measured = step_activation_bytes(held_out, 3, 6, 2)
    parameters = sum(p.numel() for p in held_out.parameters())
    estimate = estimate_training_bytes(model, parameters, 3, tokens_per_clip, 6, 48,
                                       held_out.embed_dim)
    assert estimate["static"] == 16 * parameters
    assert 0.75 * measured < estimate["activations"] < 1.35 * measured, \
        (estimate["activations"], measured)


def test_clip_tokens_counts_teacher_forcing_and_rollout():
    # 8 frames, auto_steps 2: 7 teacher-forced frames + a 2-frame rollout step, 258 tokens each.
    assert clip_tokens(256, 8, 2) == 9 * 258
    assert clip_tokens(16, 4, 1) == 3 * 18
    assert clip_tokens(16, 5, 3) == (4 + 2 + 3) * 18

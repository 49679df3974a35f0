"""``apply_rope`` (pair swap + sign-folded sin) equals the official RoPE formula bit for bit.

The official code rotates with x * cos + (-x_2i+1, x_2i) * sin. ``apply_rope`` moves the
negation onto the table; since negation is exact, every product and sum must be the same float,
in float32 and in bfloat16 (where each operation rounds: a fused multiply-add would not match),
on heads with unrotated dims (head_dim not a multiple of 6), on the strided q/k views the
attention passes, with per-sample tables, and for the gradient.
"""

import pytest
import torch

from vjepa_ros.models import build_encoder, build_predictor, transformer
from vjepa_ros.models.rope import (
    apply_rope,
    apply_rope_reference,
    rope_cos_sin,
    rope_segment_size,
)


def official(x, cos, sin):
    """Rotate by the official formula, written out independently: (-x_2i+1, x_2i) per pair."""
    rotated = torch.empty_like(x)
    rotated[..., 0::2] = -x[..., 1::2]
    rotated[..., 1::2] = x[..., 0::2]
    return x * cos.to(x.dtype) + rotated * sin.to(x.dtype)


def tables(length, head_dim, generator):
    positions = torch.rand(length, 3, generator=generator) * 16  # fractional, as scaled grids
    return rope_cos_sin(positions, head_dim)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("head_dim", [44, 64, 70, 48])  # 2, 4, 4 and 0 dims left unrotated
def test_apply_rope_equals_the_official_formula_bit_for_bit(head_dim, dtype):
    assert (head_dim - 3 * rope_segment_size(head_dim)) == {44: 2, 64: 4, 70: 4, 48: 0}[head_dim]
    generator = torch.Generator().manual_seed(head_dim)
    batch, heads, length = 3, 5, 37
    cos, sin = tables(length, head_dim, generator)
    # As the attention passes them: q and k are strided views of a fused qkv output.
    qkv = (8 * torch.randn(batch, length, 3, heads, head_dim, generator=generator)).to(dtype)
    q, k, _ = qkv.permute(2, 0, 3, 1, 4).unbind(0)
    before = qkv.clone()
    for x in (q, k, q.contiguous()):
        expected = official(x, cos, sin)
        assert torch.equal(apply_rope(x, cos, sin), expected)
        assert torch.equal(apply_rope_reference(x, cos, sin), expected)
    assert torch.equal(qkv, before)  # the input is left as it was
    # Per-sample tables [B, 1, L, d] (the context encoder of pretraining), broadcast over heads.
    rows = torch.randint(length, (batch, length), generator=generator)
    cos_b, sin_b = cos[rows][:, None], sin[rows][:, None]
    assert torch.equal(apply_rope(q, cos_b, sin_b), official(q, cos_b, sin_b))


def test_apply_rope_gradient_equals_the_official_formulas():
    generator = torch.Generator().manual_seed(1)
    cos, sin = tables(21, 44, generator)
    x = torch.randn(2, 3, 21, 44, generator=generator, requires_grad=True)
    weight = torch.randn(2, 3, 21, 44, generator=generator)
    grads = []
    for rotate in (apply_rope, official):
        (rotate(x, cos, sin) * weight).sum().backward()
        grads.append(x.grad)
        x.grad = None
    assert torch.equal(grads[0], grads[1])


def test_encoder_and_predictor_outputs_equal_those_with_the_official_formula(monkeypatch):
    torch.manual_seed(0)
    encoder = build_encoder(embed_dim=64, depth=2, num_heads=1, img_size=64).eval()  # d 64
    predictor = build_predictor(embed_dim=64, predictor_embed_dim=88, depth=2, num_heads=2,
                                img_size=64).eval()  # head dim 44: 2 unrotated dims
    clip = torch.randn(2, 3, 2, 64, 64)
    tokens = predictor.tokens_per_frame
    x, actions, states = torch.randn(2, 2 * tokens, 64), torch.randn(2, 2, 7), torch.randn(2, 2, 7)
    outputs = []
    for rotate in (apply_rope, official):
        monkeypatch.setattr(transformer, "apply_rope", rotate)
        with torch.no_grad():
            outputs.append((encoder(clip), predictor(x, actions, states)))
    assert torch.equal(outputs[0][0], outputs[1][0])
    assert torch.equal(outputs[0][1], outputs[1][1])

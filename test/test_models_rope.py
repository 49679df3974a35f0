"""``apply_rope`` (pair swap + sign-folded sin table) equals the official RoPE bit for bit.

The official code rotates with x * cos + (-x_2i+1, x_2i) * sin. Here ``rope_cos_sin`` returns the
sin table with its even dims negated and ``apply_rope`` computes x * cos + swap(x) * sin_signed;
since negation is exact, every product and sum must be the same float, in float32 and in
bfloat16 (where each operation rounds: a fused multiply-add would not match), on heads with
unrotated dims (head_dim not a multiple of 6), on the strided q/k views the attention passes,
with per-sample tables, for the gradient and for whole encoder/predictor outputs.
"""

import pytest
import torch

from vjepa_ros.models import build_encoder, build_predictor, transformer
from vjepa_ros.models.rope import (
    apply_rope,
    apply_rope_reference,
    flip_even_signs,
    rope_cos_sin,
    rope_segment_size,
)


def official_tables(positions, head_dim):
    """Cos/sin [L, d] as the official code builds them (float32), written out independently."""
    seg = rope_segment_size(head_dim)
    omega = torch.arange(seg // 2, dtype=torch.float32)
    omega /= seg / 2.0
    omega = 1.0 / 10000**omega
    cos, sin = [], []
    for axis in range(3):
        freq = positions[:, axis, None] * omega  # [L, s/2]
        cos.append(freq.cos().repeat(1, 2))
        sin.append(freq.sin().repeat(1, 2))
    rest = head_dim - 3 * seg
    cos.append(torch.ones(len(positions), rest))
    sin.append(torch.zeros(len(positions), rest))
    return torch.cat(cos, dim=1), torch.cat(sin, dim=1)


def official(x, cos, sin):
    """Rotate by the official formula, written out independently: (-x_2i+1, x_2i) per pair."""
    rotated = torch.empty_like(x)
    rotated[..., 0::2] = -x[..., 1::2]
    rotated[..., 1::2] = x[..., 0::2]
    return x * cos.to(x.dtype) + rotated * sin.to(x.dtype)


def signs(head_dim):
    return torch.tensor([-1.0, 1.0]).repeat(head_dim // 2)  # exact: x * -1 == -x


@pytest.mark.parametrize("head_dim", [44, 64, 70, 48])  # 2, 4, 4 and 0 dims left unrotated
def test_tables_are_the_official_ones_with_the_sin_sign_folded(head_dim):
    positions = torch.rand(37, 3, generator=torch.Generator().manual_seed(head_dim)) * 16
    cos, sin_signed = rope_cos_sin(positions, head_dim)
    official_cos, official_sin = official_tables(positions, head_dim)
    assert torch.equal(cos, official_cos)
    assert torch.equal(sin_signed, official_sin * signs(head_dim))
    assert torch.equal(flip_even_signs(sin_signed), official_sin)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("head_dim", [44, 64, 70, 48])
def test_apply_rope_equals_the_official_formula_bit_for_bit(head_dim, dtype):
    assert (head_dim - 3 * rope_segment_size(head_dim)) == {44: 2, 64: 4, 70: 4, 48: 0}[head_dim]
    generator = torch.Generator().manual_seed(head_dim)
    batch, heads, length = 3, 5, 37
    positions = torch.rand(length, 3, generator=generator) * 16  # fractional, as scaled grids
    cos, sin_signed = rope_cos_sin(positions, head_dim)
    sin = sin_signed * signs(head_dim)  # the official table
    # As the attention passes them: q and k are strided views of a fused qkv output.
    qkv = (8 * torch.randn(batch, length, 3, heads, head_dim, generator=generator)).to(dtype)
    q, k, _ = qkv.permute(2, 0, 3, 1, 4).unbind(0)
    before = qkv.clone()
    for x in (q, k, q.contiguous()):
        expected = official(x, cos, sin)
        assert torch.equal(apply_rope(x, cos, sin_signed), expected)
        assert torch.equal(apply_rope_reference(x, cos, sin), expected)
    assert torch.equal(qkv, before)  # the input is left as it was
    # Per-sample tables [B, 1, L, d] (the context encoder of pretraining), broadcast over heads.
    rows = torch.randint(length, (batch, length), generator=generator)
    assert torch.equal(apply_rope(q, cos[rows][:, None], sin_signed[rows][:, None]),
                       official(q, cos[rows][:, None], sin[rows][:, None]))


def test_apply_rope_gradient_equals_the_official_formulas():
    generator = torch.Generator().manual_seed(1)
    cos, sin_signed = rope_cos_sin(torch.rand(21, 3, generator=generator) * 16, 44)
    x = torch.randn(2, 3, 21, 44, generator=generator, requires_grad=True)
    weight = torch.randn(2, 3, 21, 44, generator=generator)
    (apply_rope(x, cos, sin_signed) * weight).sum().backward()
    ours, x.grad = x.grad, None
    (official(x, cos, sin_signed * signs(44)) * weight).sum().backward()
    assert torch.equal(ours, x.grad)


def test_encoder_and_predictor_outputs_equal_those_with_the_official_formula(monkeypatch):
    torch.manual_seed(0)
    encoder = build_encoder(embed_dim=64, depth=2, num_heads=1, img_size=64).eval()  # d 64
    predictor = build_predictor(embed_dim=64, predictor_embed_dim=88, depth=2, num_heads=2,
                                img_size=64).eval()  # head dim 44: 2 unrotated dims
    clip = torch.randn(2, 3, 2, 64, 64)
    tokens = predictor.tokens_per_frame
    x, actions, states = torch.randn(2, 2 * tokens, 64), torch.randn(2, 2, 7), torch.randn(2, 2, 7)
    outputs = []
    for rotate in (apply_rope, lambda x, cos, sin_signed: official(
            x, cos, sin_signed * signs(x.shape[-1]))):
        monkeypatch.setattr(transformer, "apply_rope", rotate)
        with torch.no_grad():
            outputs.append((encoder(clip), predictor(x, actions, states)))
    assert torch.equal(outputs[0][0], outputs[1][0])
    assert torch.equal(outputs[0][1], outputs[1][1])

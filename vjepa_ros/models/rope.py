"""3D rotary position embedding (RoPE) in the layout of the V-JEPA 2 checkpoints.

A head of size d is split into three segments of s = 2*floor(floor(d/3)/2) dims, rotated by the
temporal, row and column position of the token; the last d - 3s dims are not rotated.

Inside a segment the frequencies are w_j = 10000^(-j/(s/2)), j < s/2, and the s angles are the s/2
angles *repeated* ([a_0 .. a_{s/2-1}, a_0 .. a_{s/2-1}]), while the rotation pairs adjacent dims
(x_2i, x_2i+1) -> (-x_2i+1, x_2i). This is a known quirk of the official code that the released
weights depend on, so it is reproduced here on purpose.

Tables are built once per position grid in float32 and applied to the whole head at once: a zero
angle gives cos = 1, sin = 0, which leaves a dim bit-for-bit unchanged, so tokens that must not be
rotated along some axis (the action/state tokens of the predictor) simply get position 0 there.

The sin table carries the rotation's sign: its even dims are negated (``sin_signed``), so that
:func:`apply_rope` computes x * cos + swap(x) * sin_signed, with swap exchanging each pair
(x_2i, x_2i+1). Negation is exact, so every product and sum is the same float as in the official
x * cos + (-x_2i+1, x_2i) * sin (kept as :func:`apply_rope_reference`, which takes the official
table: :func:`flip_even_signs` of ``sin_signed``), with one copy of x instead of two.

In float32 the tables equal the official ones bit for bit (sin after :func:`flip_even_signs`).
Under bf16 the official code computes the frequencies and angles in the activations' dtype
(bf16); here they are always computed in float32 and only the finished cos/sin are cast, which is
slightly more accurate.
"""

import torch
from torch import Tensor

from .head_width import MIN_ROPE_HEAD_DIM, rope_takes


def rope_segment_size(head_dim: int) -> int:
    """Dims per rotated segment (time, row, column) for a head of ``head_dim`` dims."""
    return 2 * ((head_dim // 3) // 2)


def rope_cos_sin(positions: Tensor, head_dim: int) -> tuple[Tensor, Tensor]:
    """Tables (cos, sin_signed) [L, head_dim] (float32) for token positions [L, 3] = (t, h, w).

    ``sin_signed`` is the official sin table with its even dims negated, the form
    :func:`apply_rope` takes (module docstring). Raises ``ValueError`` for positions that are
    not [L, 3] or a head_dim the rotation cannot take (odd, or below 6: ``head_width``).
    """
    if positions.ndim != 2 or positions.shape[1] != 3:
        raise ValueError(f"positions must be [L, 3] (t, h, w), got {tuple(positions.shape)}")
    if not rope_takes(head_dim):  # else apply_rope fails on an odd one (pairs of dims)
        raise ValueError(f"head_dim {head_dim} does not fit the 3D RoPE (needs an even width "
                         f">= {MIN_ROPE_HEAD_DIM})")
    seg = rope_segment_size(head_dim)
    # Same operation order as the reference so that the float32 tables agree bit for bit.
    omega = torch.arange(seg // 2, dtype=torch.float32, device=positions.device)
    omega /= seg / 2.0
    omega = 1.0 / 10000**omega  # [s/2]
    angles = positions.to(torch.float32)[:, :, None] * omega  # [L, 3, s/2]
    angles = angles.repeat(1, 1, 2).flatten(1)  # [L, 3s], each segment [a, a] (repeated layout)
    cos, sin = angles.cos(), angles.sin()
    unrotated = head_dim - 3 * seg
    if unrotated:
        cos = torch.cat([cos, cos.new_ones(cos.shape[0], unrotated)], dim=1)
        sin = torch.cat([sin, sin.new_zeros(sin.shape[0], unrotated)], dim=1)
    return cos, flip_even_signs(sin)


def flip_even_signs(table: Tensor) -> Tensor:
    """Return a copy of ``table`` [..., d] with dims 0, 2, 4, ... negated (exact; self-inverse).

    Turns the official sin table into the ``sin_signed`` of :func:`rope_cos_sin` and back.
    """
    flipped = table.clone()
    flipped[..., 0::2].neg_()
    return flipped


def apply_rope(x: Tensor, cos: Tensor, sin_signed: Tensor) -> Tensor:
    """Rotate queries or keys x [..., L, d] (e.g. [B, heads, L, d]) with tables [L, d].

    The tables are those of :func:`rope_cos_sin` (rows selected as needed), cast to x's dtype;
    they must broadcast to x's shape, e.g. [B, 1, L, d] for per-sample positions. Returns a new
    tensor; x is not modified. Bit-identical to :func:`apply_rope_reference` on the official
    tables (tested in float32 and bfloat16).
    """
    cos, sin_signed = cos.to(x.dtype), sin_signed.to(x.dtype)
    pairs = x.unflatten(-1, (-1, 2))
    rotated = torch.stack((pairs[..., 1], pairs[..., 0]), dim=-1).flatten(-2)  # swap(x)
    rotated *= sin_signed  # in place on the fresh copy: no further allocation
    out = x * cos
    out += rotated
    return out


def apply_rope_reference(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """Rotate as the official code does, with the official sin table (not ``sin_signed``).

    The reference of :func:`apply_rope`, kept for tests and benchmarks only:
    ``apply_rope_reference(x, cos, flip_even_signs(sin_signed))``.
    """
    pairs = x.unflatten(-1, (-1, 2))
    rotated = torch.stack((-pairs[..., 1], pairs[..., 0]), dim=-1).flatten(-2)
    return x * cos.to(x.dtype) + rotated * sin.to(x.dtype)


def video_positions(frames: int, rows: int, cols: int, device=None) -> Tensor:
    """Integer (t, h, w) positions [frames*rows*cols, 3], token order t*rows*cols + h*cols + w."""
    t, h, w = torch.meshgrid(
        torch.arange(frames, device=device),
        torch.arange(rows, device=device),
        torch.arange(cols, device=device),
        indexing="ij",
    )
    return torch.stack([t.flatten(), h.flatten(), w.flatten()], dim=1).to(torch.float32)

"""The pre-norm RoPE transformer block shared by the V-JEPA 2 encoder and the AC predictor.

Attribute names (``norm1``, ``attn.qkv``, ``attn.proj``, ``norm2``, ``mlp.fc1``, ``mlp.fc2``) are
the official ones, so official state dicts load without renaming.
"""

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .head_width import mlp_hidden_dim
from .rope import apply_rope

LAYER_NORM_EPS = 1e-6


class Attention(nn.Module):
    """Multi-head self-attention with a fused qkv projection, 3D RoPE and an optional KV prefix."""

    def __init__(self, dim: int, num_heads: int):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"width {dim} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(
        self,
        x: Tensor,
        cos: Tensor,
        sin: Tensor,
        attn_mask: Tensor | None = None,
        past_kv: tuple[Tensor, Tensor] | None = None,
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """Attend x [B, L, D] -> (output [B, L, D], (keys, values) [B, heads, L_past + L, d]).

        ``past_kv`` holds rotated keys and values of earlier tokens; its batch may be 1 while x
        has batch B (broadcast). ``attn_mask`` is boolean [L, L_past + L], True = may attend.
        """
        batch, length, dim = x.shape
        qkv = self.qkv(x).view(batch, length, 3, self.num_heads, self.head_dim)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # each [B, heads, L, d]
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if past_kv is not None:
            past_k, past_v = past_kv
            if past_k.shape[0] != batch:
                past_k = past_k.expand(batch, -1, -1, -1)
                past_v = past_v.expand(batch, -1, -1, -1)
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)  # scale 1/sqrt(d)
        out = out.transpose(1, 2).reshape(batch, length, dim)
        return self.proj(out), (k, v)


class MLP(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()  # exact (erf) GELU, as the official nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    """x += attn(norm1(x)); x += mlp(norm2(x)), LayerNorm eps 1e-6."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=LAYER_NORM_EPS)
        self.attn = Attention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim, eps=LAYER_NORM_EPS)
        self.mlp = MLP(dim, mlp_hidden_dim(dim, mlp_ratio))

    def forward(self, x, cos, sin, attn_mask=None, past_kv=None):
        """Return (x [B, L, D], (keys, values)); see :meth:`Attention.forward`."""
        attended, kv = self.attn(self.norm1(x), cos, sin, attn_mask=attn_mask, past_kv=past_kv)
        x = x + attended
        x = x + self.mlp(self.norm2(x))
        return x, kv


def init_weights(model: nn.Module, blocks: nn.ModuleList, std: float = 0.02) -> None:
    """Initialize as the official code does.

    Truncated-normal weights, zero biases, unit LayerNorms, and the output projections of block i
    (1-based) divided by sqrt(2 i). Skipped for parameters on the ``meta`` device.
    """
    if any(p.is_meta for p in model.parameters()):
        return
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Linear, nn.Conv3d)):
                nn.init.trunc_normal_(module.weight, std=std, a=-2.0, b=2.0)
                if module.bias is not None:
                    module.bias.zero_()
            elif isinstance(module, nn.LayerNorm):
                module.weight.fill_(1.0)
                module.bias.zero_()
        for layer_id, block in enumerate(blocks, start=1):
            block.attn.proj.weight.div_(math.sqrt(2.0 * layer_id))
            block.mlp.fc2.weight.div_(math.sqrt(2.0 * layer_id))

"""The narrow predictor of JEPA pretraining: infer target-token representations from context.

Context tokens (from the context encoder) are projected to the predictor width; a learned mask
token, placed at every target position, stands in for each missing token; all of them go through
transformer blocks with the 3D RoPE of their grid positions; the outputs at the target positions
are projected back to the encoder width. Only used to pretrain an encoder: planning never runs it.

Mask tokens as the published recipe has them (``facebookresearch/jepa``
``src/models/predictor.py``, ``configs/pretrain/vitl16.yaml``, ``app/vjepa/train.py``): one
learned token per mask of a step (``num_mask_tokens=len(cfgs_mask)``: here the short- and the
long-range mask), chosen by ``mask_index``, and zero at the start (``zero_init_mask_tokens:
true``).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from vjepa_ros.models.rope import rope_cos_sin, video_positions
from vjepa_ros.models.transformer import LAYER_NORM_EPS, Block, init_weights


class MaskPredictor(nn.Module):
    """context [B, K, D] + token indices -> predictions [B, M, D] at the target indices."""

    def __init__(self, embed_dim: int, grid: tuple[int, int, int], predictor_dim: int = 96,
                 depth: int = 2, num_heads: int = 3, mlp_ratio: float = 4.0,
                 num_mask_tokens: int = 2, zero_init_mask_tokens: bool = True):
        super().__init__()
        if num_mask_tokens < 1:
            raise ValueError(f"MaskPredictor num_mask_tokens must be >= 1, got {num_mask_tokens}")
        self.embed = nn.Linear(embed_dim, predictor_dim)
        self.mask_tokens = nn.ParameterList(
            nn.Parameter(torch.zeros(1, 1, predictor_dim)) for _ in range(num_mask_tokens)
        )
        self.blocks = nn.ModuleList(
            Block(predictor_dim, num_heads, mlp_ratio) for _ in range(depth)
        )
        self.norm = nn.LayerNorm(predictor_dim, eps=LAYER_NORM_EPS)
        self.proj = nn.Linear(predictor_dim, embed_dim)
        cos, sin = rope_cos_sin(video_positions(*grid), predictor_dim // num_heads)
        self.register_buffer("cos", cos, persistent=False)  # [N, head_dim]
        self.register_buffer("sin", sin, persistent=False)
        init_weights(self, self.blocks)
        if not zero_init_mask_tokens:  # the official option; the recipe keeps them at zero
            for token in self.mask_tokens:
                nn.init.trunc_normal_(token, std=0.02)

    def forward(self, context: Tensor, context_index: Tensor, target_index: Tensor,
                mask_index: int = 0) -> Tensor:
        """Predict [B, M, D] from context [B, K, D] at the target token indices.

        Indices: long [K] and [M] (shared by the batch) or [B, K] and [B, M] (per sample).
        ``mask_index``: which mask of the step this is (0 .. num_mask_tokens - 1), selecting its
        mask token. Raises ``ValueError`` for another ``mask_index``.
        """
        if not 0 <= mask_index < len(self.mask_tokens):
            raise ValueError(f"MaskPredictor mask_index must lie in [0, {len(self.mask_tokens)}), "
                             f"got {mask_index}")
        batch, targets = context.shape[0], target_index.shape[-1]
        masks = self.mask_tokens[mask_index].expand(batch, targets, -1)
        tokens = torch.cat([self.embed(context), masks], dim=1)  # [B, K + M, Dp]
        order = torch.cat([context_index, target_index], dim=-1)
        cos, sin = self.cos[order], self.sin[order]
        if order.ndim == 2:  # per sample: [B, 1, K + M, d], broadcast over the heads
            cos, sin = cos[:, None], sin[:, None]
        for block in self.blocks:
            tokens, _ = block(tokens, cos, sin)
        return self.proj(self.norm(tokens[:, -targets:]))  # [B, M, D]

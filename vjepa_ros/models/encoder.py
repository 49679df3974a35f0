"""V-JEPA 2 video encoder: 3D patch embedding, RoPE ViT blocks, final LayerNorm.

State-dict keys equal the official ones: ``patch_embed.proj.*``, ``blocks.{i}.*``, ``norm.*``.
"""

import math
from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn

from .head_width import head_problem
from .rope import rope_cos_sin, video_positions
from .transformer import LAYER_NORM_EPS, Block, init_weights


def as_hw(img_size) -> tuple[int, int]:
    """(height, width) from an int or a pair."""
    if isinstance(img_size, int):
        return img_size, img_size
    height, width = img_size
    return int(height), int(width)


def check_positive(name: str, values: dict) -> None:
    """Raise ValueError unless every value is a positive, finite int or float (no boolean).

    ``values``: key -> number; the message starts with ``name`` and names the key: NaN and inf
    are refused too (``nan <= 0`` is False; ``int(dim * inf)`` would raise further on,
    naming nothing: breaker56d).
    """
    for key, value in values.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or \
                not math.isfinite(value) or value <= 0:
            raise ValueError(f"{name}: {key} must be a positive, finite number, got {value!r}")


def check_sizes(name: str, config, width_key: str, skip=("img_size",)) -> None:
    """Raise ValueError unless a transformer config's sizes fit together.

    ``config``: an encoder or predictor config dataclass (``img_size``, ``patch_size``,
    ``num_heads``); ``width_key``: its field of the attention width (``embed_dim``,
    ``predictor_embed_dim``). Every number of it but ``skip`` (and the image height and width)
    must be positive, the width divisible by ``num_heads``, the image a multiple of the patch;
    the message starts with ``name`` ("encoder: ...").
    """
    height, width = as_hw(config.img_size)
    numbers = {k: v for k, v in asdict(config).items() if k not in skip}
    check_positive(name, {**numbers, "img_height": height, "img_width": width})
    problem = head_problem(getattr(config, width_key), config.num_heads, width_key,
                           "num_heads")  # else the first forward fails (rope)
    if problem:
        raise ValueError(f"{name}: {problem}")
    if height % config.patch_size or width % config.patch_size:
        raise ValueError(f"{name}: img_size {config.img_size} not a multiple of "
                         f"patch_size {config.patch_size}")


@dataclass(frozen=True)
class EncoderConfig:
    """Hyper-parameters of the encoder, with the official names."""

    embed_dim: int
    depth: int
    num_heads: int
    patch_size: int = 16
    tubelet_size: int = 2
    img_size: int | tuple[int, int] = 256  # the size frames are resized to (RoPE: any size runs)
    mlp_ratio: float = 4.0
    in_chans: int = 3

    def __post_init__(self):
        check_sizes("encoder", self, "embed_dim")

    def to_dict(self) -> dict:
        """Plain dict (img_size as int or [h, w]) for checkpoints."""
        values = asdict(self)
        if not isinstance(self.img_size, int):
            values["img_size"] = list(as_hw(self.img_size))
        return values


class PatchEmbed3D(nn.Module):
    def __init__(self, in_chans: int, embed_dim: int, patch_size: int, tubelet_size: int):
        super().__init__()
        kernel = (tubelet_size, patch_size, patch_size)
        self.proj = nn.Conv3d(in_chans, embed_dim, kernel_size=kernel, stride=kernel)

    def forward(self, clip: Tensor) -> Tensor:
        return self.proj(clip).flatten(2).transpose(1, 2)  # [B, D, t, h, w] -> [B, t*h*w, D]


class VisionEncoder(nn.Module):
    """clip [B, C, T, H, W] -> tokens [B, (T/tubelet)*(H/patch)*(W/patch), D] after the final norm.

    Computes in the parameter dtype; returns in the clip's dtype.
    """

    def __init__(self, config: EncoderConfig):
        super().__init__()
        self.config = config
        self.embed_dim = config.embed_dim
        self.num_heads = config.num_heads
        self.patch_size = config.patch_size
        self.tubelet_size = config.tubelet_size
        self.img_size = as_hw(config.img_size)
        self.patch_embed = PatchEmbed3D(
            config.in_chans, config.embed_dim, config.patch_size, config.tubelet_size
        )
        self.blocks = nn.ModuleList(
            Block(config.embed_dim, config.num_heads, config.mlp_ratio)
            for _ in range(config.depth)
        )
        self.norm = nn.LayerNorm(config.embed_dim, eps=LAYER_NORM_EPS)
        self._rope_tables: dict = {}
        init_weights(self, self.blocks)

    def rope_tables(self, grid: tuple[int, int, int], device) -> tuple[Tensor, Tensor]:
        """Float32 (cos, sin_signed) [t*h*w, head_dim] (``rope_cos_sin``) per (grid, device)."""
        key = (grid, str(device))
        if key not in self._rope_tables:
            positions = video_positions(*grid, device=device)
            self._rope_tables[key] = rope_cos_sin(positions, self.embed_dim // self.num_heads)
        return self._rope_tables[key]

    def forward(self, clip: Tensor, keep: Tensor | None = None) -> Tensor:
        """Encode clip [B, C, T, H, W] -> [B, N, D]; with ``keep`` only those tokens [B, K, D].

        ``keep`` (long [K], token indices shared by the batch, or [B, K], one row per sample) runs
        the blocks on a subset of the tokens with their own positions, as the context encoder of
        JEPA pretraining does. Raises ``ValueError`` for indices outside the grid.
        """
        if clip.ndim != 5 or clip.shape[1] != self.config.in_chans:
            raise ValueError(
                f"encoder expects a clip [B, {self.config.in_chans}, T, H, W], got "
                f"{tuple(clip.shape)} (a single frame must be repeated into a {self.tubelet_size}"
                "-frame tubelet; see vjepa_ros.models.preprocess)"
            )
        _, _, frames, height, width = clip.shape
        if frames % self.tubelet_size or height % self.patch_size or width % self.patch_size:
            raise ValueError(
                f"clip of {frames} frames {height}x{width}: frames must be a multiple of "
                f"{self.tubelet_size} and sides a multiple of {self.patch_size}"
            )
        out_dtype = clip.dtype if clip.is_floating_point() else torch.float32
        weight = self.patch_embed.proj.weight
        tokens = self.patch_embed(clip.to(weight.dtype))  # [B, N, D]
        grid = (frames // self.tubelet_size, height // self.patch_size, width // self.patch_size)
        cos, sin = self.rope_tables(grid, tokens.device)
        if keep is not None:
            tokens, cos, sin = keep_tokens(tokens, cos, sin, keep)
        for block in self.blocks:
            tokens, _ = block(tokens, cos, sin)
        return self.norm(tokens).to(out_dtype)


def keep_tokens(tokens: Tensor, cos: Tensor, sin: Tensor,
                keep: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Select tokens [B, N, D] and their RoPE tables [N, d] at ``keep`` (long [K] or [B, K]).

    Returns tokens [B, K, D] and tables [K, d] (shared indices) or [B, 1, K, d] (per-sample
    indices, broadcast over the heads by ``apply_rope``). Raises ``ValueError`` for indices
    outside [0, N), an empty selection, or a per-sample ``keep`` whose rows are not B.
    """
    batch, count = tokens.shape[:2]
    rows_ok = keep.ndim == 1 or (keep.ndim == 2 and keep.shape[0] == batch)
    if not rows_ok or keep.shape[-1] == 0 or int(keep.max()) >= count or int(keep.min()) < 0:
        raise ValueError(f"keep must be token indices in [0, {count}), shaped [K] or "
                         f"[{batch}, K], got {tuple(keep.shape)}")
    if keep.ndim == 1:
        return tokens[:, keep], cos[keep], sin[keep]
    picked = tokens.gather(1, keep[..., None].expand(-1, -1, tokens.shape[-1]))
    return picked, cos[keep][:, None], sin[keep][:, None]

"""V-JEPA 2-AC action-conditioned predictor, with a key/value cache for frame-by-frame rollouts.

Per frame t the sequence holds ``[a_t, s_t, (e_t,) N patch tokens of frame t]``; frames are
concatenated in time and a block-causal mask lets every token of frame t attend to all tokens of
frames <= t. Patch tokens get 3D RoPE (t, h, w); the action/state(/extrinsics) tokens get only the
temporal segment rotated. The output at the slots of frame t is the prediction of frame t+1.

Because of the block-causal mask, the keys and values of frame t do not depend on later frames, so
:meth:`ACPredictor.step` can append one frame to a :class:`KVCache` at the cost of one frame's
tokens and get exactly the full forward's last-frame output (up to float rounding).

State-dict keys equal the official ones: ``predictor_embed``, ``action_encoder``,
``state_encoder``, ``extrinsics_encoder``, ``predictor_blocks.{i}``, ``predictor_norm``,
``predictor_proj``.
"""

from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint

from .encoder import as_hw, check_sizes
from .rope import rope_cos_sin
from .transformer import LAYER_NORM_EPS, Block, init_weights


@dataclass(frozen=True)
class PredictorConfig:
    """Hyper-parameters of the AC predictor, with the official names.

    ``embed_dim`` is the encoder width (input and output of the predictor); ``img_size`` and
    ``patch_size`` fix the token grid of a frame (256 px, 16 -> 16x16 = 256 tokens).
    """

    embed_dim: int
    predictor_embed_dim: int
    depth: int
    num_heads: int
    mlp_ratio: float = 4.0
    img_size: int | tuple[int, int] = 256
    patch_size: int = 16
    tubelet_size: int = 2
    action_embed_dim: int = 7
    use_extrinsics: bool = False

    def __post_init__(self):
        check_sizes("predictor", self, "predictor_embed_dim", skip=("use_extrinsics", "img_size"))
        if self.action_embed_dim < 2:
            raise ValueError("predictor: action_embed_dim must be >= 2")

    def to_dict(self) -> dict:
        """Plain dict (img_size as int or [h, w]) for checkpoints."""
        values = asdict(self)
        if not isinstance(self.img_size, int):
            values["img_size"] = list(as_hw(self.img_size))
        return values


@dataclass
class KVCache:
    """Rotated keys and values of every predictor layer for the frames seen so far.

    ``keys[i]``, ``values[i]``: [B, heads, num_frames * tokens_per_step, head_dim], None if empty.
    Tensors are never written in place, so :meth:`copy` is cheap and a copied cache can branch
    off a shared context. A cache of batch 1 may be stepped with any batch B (it is broadcast;
    from then on it holds batch B); otherwise batches must be equal.
    """

    keys: list = field(default_factory=list)
    values: list = field(default_factory=list)
    num_frames: int = 0

    @property
    def batch_size(self) -> int | None:
        return None if not self.keys or self.keys[0] is None else self.keys[0].shape[0]

    @property
    def num_tokens(self) -> int:
        return 0 if not self.keys or self.keys[0] is None else self.keys[0].shape[2]

    def copy(self) -> "KVCache":
        """Return a cache sharing the (immutable) tensors; stepping it leaves this one as is."""
        return KVCache(list(self.keys), list(self.values), self.num_frames)


class ACPredictor(nn.Module):
    """x [B, T*N, D_enc], actions [B, T, 7], states [B, T, 7] -> [B, T*N, D_enc].

    Computes in the parameter dtype; returns in x's dtype. Inputs are NOT layer-normed here: the
    caller normalizes encoder representations (as the official training and planning code does).
    """

    def __init__(self, config: PredictorConfig):
        super().__init__()
        self.config = config
        dim, pdim = config.embed_dim, config.predictor_embed_dim
        self.embed_dim = dim
        self.predictor_embed_dim = pdim
        self.num_heads = config.num_heads
        height, width = as_hw(config.img_size)
        self.grid_height, self.grid_width = height // config.patch_size, width // config.patch_size
        self.tokens_per_frame = self.grid_height * self.grid_width
        self.num_cond_tokens = 3 if config.use_extrinsics else 2  # [a, s, (e)] before the patches
        self.predictor_embed = nn.Linear(dim, pdim)
        self.action_encoder = nn.Linear(config.action_embed_dim, pdim)
        self.state_encoder = nn.Linear(config.action_embed_dim, pdim)
        # Always present in official checkpoints, used only with extrinsics.
        self.extrinsics_encoder = nn.Linear(config.action_embed_dim - 1, pdim)
        self.predictor_blocks = nn.ModuleList(
            Block(pdim, config.num_heads, config.mlp_ratio) for _ in range(config.depth)
        )
        self.predictor_norm = nn.LayerNorm(pdim, eps=LAYER_NORM_EPS)
        self.predictor_proj = nn.Linear(pdim, dim)
        self._rope_tables: dict = {}
        self._masks: dict = {}
        # Training only (the official ``use_activation_checkpointing``): blocks keep their inputs
        # and recompute the rest in the backward pass. Off: inference never stores activations.
        self.use_activation_checkpointing = False
        init_weights(self, self.predictor_blocks)

    @property
    def tokens_per_step(self) -> int:
        """Tokens per frame in the predictor sequence: conditioning tokens + patch tokens."""
        return self.num_cond_tokens + self.tokens_per_frame

    def new_cache(self) -> KVCache:
        """Return an empty KV cache for :meth:`step`."""
        depth = len(self.predictor_blocks)
        return KVCache([None] * depth, [None] * depth, 0)

    # -- position tables and masks (built once per shape, then reused by every layer and call)

    def _frame_positions(self, device) -> Tensor:
        """(t=0, h, w) positions [tokens_per_step, 3] of one frame block; t is added per frame.

        Conditioning tokens sit at (0, 0): only their temporal segment is rotated. Patch rows and
        columns are scaled by grid_size/H and grid_size/W with grid_size = grid height, as in the
        official code (a no-op for square grids).
        """
        rows = torch.arange(self.grid_height, device=device, dtype=torch.float32)
        cols = torch.arange(self.grid_width, device=device, dtype=torch.float32)
        rows *= self.grid_height / self.grid_height
        cols *= self.grid_height / self.grid_width
        h, w = torch.meshgrid(rows, cols, indexing="ij")
        patches = torch.stack([torch.zeros_like(h), h, w], dim=-1).flatten(0, 1)
        cond = torch.zeros(self.num_cond_tokens, 3, device=device)
        return torch.cat([cond, patches], dim=0)

    def rope_tables(self, first_frame: int, num_frames: int, device) -> tuple[Tensor, Tensor]:
        """Float32 (cos, sin_signed) [num_frames*tokens_per_step, head_dim] (``rope_cos_sin``).

        For frames first_frame .. first_frame + num_frames - 1, cached per (frames, device).

        Built outside inference mode even when first asked for inside it, so that a rollout
        with gradients (``ImaginedRollout.differentiable``) can save them for backward.
        """
        key = (first_frame, num_frames, str(device))
        if key not in self._rope_tables:
            with torch.inference_mode(False):
                block = self._frame_positions(device)  # [S, 3]
                frames = torch.arange(first_frame, first_frame + num_frames, device=device)
                positions = block.repeat(num_frames, 1)
                positions[:, 0] = frames.repeat_interleave(block.shape[0]).to(torch.float32)
                head_dim = self.predictor_embed_dim // self.num_heads
                if len(self._rope_tables) > 256:
                    self._rope_tables.clear()
                self._rope_tables[key] = rope_cos_sin(positions, head_dim)
        return self._rope_tables[key]

    def attention_mask(self, num_frames: int, num_cached: int, device) -> Tensor | None:
        """Block-causal boolean mask [T*S, num_cached + T*S] (True = attend); None when T == 1."""
        if num_frames == 1:
            return None  # one new frame sees all cached frames and itself: no mask needed
        key = (num_frames, str(device))
        if key not in self._masks:
            with torch.inference_mode(False):  # a plain tensor, as the RoPE tables
                frame_of_token = torch.arange(num_frames, device=device).repeat_interleave(
                    self.tokens_per_step
                )
                self._masks[key] = frame_of_token[None, :] <= frame_of_token[:, None]
        mask = self._masks[key]
        if num_cached:
            mask = torch.cat([mask.new_ones(mask.shape[0], num_cached), mask], dim=1)
        return mask

    # -- forward passes

    def forward(
        self,
        x: Tensor,
        actions: Tensor,
        states: Tensor,
        extrinsics: Tensor | None = None,
        cache: KVCache | None = None,
        append: bool = True,
    ) -> Tensor:
        """Run the official full forward; with ``cache``, the T frames come after its frames.

        x [B, T*N, D_enc], actions/states [B, T, action_embed_dim], extrinsics [B, T, a-1] (only
        with use_extrinsics) -> predictions [B, T*N, D_enc] (slot t predicts frame t+1).
        With a cache and ``append`` (default) the frames' keys/values are added to it; with
        ``append=False`` it is only read (e.g. the last step of a rollout: saves memory).
        """
        batch, num_tokens, dim = self._check_inputs(x, actions, states, extrinsics)
        num_frames = num_tokens // self.tokens_per_frame
        weight_dtype = self.predictor_embed.weight.dtype
        frames = self.predictor_embed(x.to(weight_dtype))
        frames = frames.view(batch, num_frames, self.tokens_per_frame, -1)  # [B, T, N, Dp]
        cond = [self.action_encoder(actions.to(weight_dtype)),
                self.state_encoder(states.to(weight_dtype))]
        if self.config.use_extrinsics:
            cond.append(self.extrinsics_encoder(extrinsics.to(weight_dtype)))
        cond = torch.stack(cond, dim=2).to(frames.dtype)  # [B, T, cond, Dp]
        tokens = torch.cat([cond, frames], dim=2).flatten(1, 2)  # [B, T*(cond+N), Dp]

        first_frame = 0 if cache is None else cache.num_frames
        num_cached = 0 if cache is None else cache.num_tokens
        if cache is not None:
            self._check_cache(cache, batch)
        cos, sin = self.rope_tables(first_frame, num_frames, tokens.device)
        mask = self.attention_mask(num_frames, num_cached, tokens.device)
        for i, block in enumerate(self.predictor_blocks):
            past = None
            if cache is not None and cache.keys[i] is not None:
                past = (cache.keys[i], cache.values[i])
            if self.use_activation_checkpointing and cache is None and torch.is_grad_enabled():
                tokens, _ = checkpoint(block, tokens, cos, sin, attn_mask=mask,
                                       use_reentrant=False)
                continue
            tokens, (keys, values) = block(tokens, cos, sin, attn_mask=mask, past_kv=past)
            if cache is not None and append:
                # Without a past, values are a view of the fused qkv output: keeping that view
                # would keep all of qkv (3 widths) alive in the cache instead of 1.
                cache.keys[i], cache.values[i] = keys, values.contiguous()
        if cache is not None and append:
            cache.num_frames += num_frames

        patches = tokens.view(batch, num_frames, self.tokens_per_step, -1)
        patches = patches[:, :, self.num_cond_tokens:].flatten(1, 2)  # [B, T*N, Dp]
        out = self.predictor_proj(self.predictor_norm(patches))
        return out.to(x.dtype if x.is_floating_point() else torch.float32)

    def step(
        self,
        frame_reps: Tensor,
        action: Tensor,
        state: Tensor,
        cache: KVCache,
        extrinsics: Tensor | None = None,
        append: bool = True,
    ) -> Tensor:
        """Append frame t = cache.num_frames and return the prediction of frame t+1.

        frame_reps [B, N, D_enc], action/state [B, 7] (extrinsics [B, 6]) -> [B, N, D_enc]; the
        cache is updated in place (use ``cache.copy()`` first to keep a shared context intact),
        or left as is with ``append=False`` (a last rollout step needs no keys/values stored).
        Equals ``forward(x_0..t, a_0..t, s_0..t)[:, -N:]`` within float rounding.
        """
        if frame_reps.ndim != 3 or frame_reps.shape[1] != self.tokens_per_frame:
            raise ValueError(f"step: frame_reps must be [B, {self.tokens_per_frame}, "
                             f"{self.embed_dim}], got {tuple(frame_reps.shape)}")
        for name, value in (("action", action), ("state", state), ("extrinsics", extrinsics)):
            if value is not None and value.ndim != 2:
                raise ValueError(f"step: {name} must be [B, dim], got {tuple(value.shape)}")
        return self.forward(
            frame_reps,
            action[:, None],
            state[:, None],
            None if extrinsics is None else extrinsics[:, None],
            cache=cache,
            append=append,
        )

    # -- input checks (clear errors instead of shape errors deep inside)

    def _check_inputs(self, x, actions, states, extrinsics):
        if x.ndim != 3 or x.shape[-1] != self.embed_dim or x.shape[1] % self.tokens_per_frame:
            raise ValueError(
                f"predictor: x must be [B, T*{self.tokens_per_frame}, {self.embed_dim}], "
                f"got {tuple(x.shape)}"
            )
        batch, num_tokens, dim = x.shape
        num_frames = num_tokens // self.tokens_per_frame
        if num_frames == 0:
            raise ValueError("predictor: x holds no frame")
        adim = self.config.action_embed_dim
        expected = [("actions", actions, adim), ("states", states, adim)]
        if self.config.use_extrinsics:
            if extrinsics is None:
                raise ValueError("predictor: use_extrinsics=True needs extrinsics [B, T, "
                                 f"{adim - 1}]")
            expected.append(("extrinsics", extrinsics, adim - 1))
        for name, value, width in expected:
            if tuple(value.shape) != (batch, num_frames, width):
                raise ValueError(f"predictor: {name} must be [{batch}, {num_frames}, {width}] "
                                 f"for x {tuple(x.shape)}, got {tuple(value.shape)}")
        return batch, num_tokens, dim

    def _check_cache(self, cache: KVCache, batch: int) -> None:
        if len(cache.keys) != len(self.predictor_blocks):
            raise ValueError(f"cache has {len(cache.keys)} layers, predictor has "
                             f"{len(self.predictor_blocks)}; use predictor.new_cache()")
        cached = cache.batch_size
        if cached is not None and cached not in (1, batch):
            raise ValueError(f"cache batch {cached} cannot serve batch {batch} (needs 1 or equal)")


def layer_norm_reps(reps: Tensor) -> Tensor:
    """LayerNorm over the feature dim without affine parameters, in float32."""
    return F.layer_norm(reps.float(), (reps.shape[-1],))

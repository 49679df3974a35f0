"""Predictor cost of a replanning step: FLOPs (for the hardware floor) and memory (for chunking).

Counted: matrix multiplications (2 FLOPs per multiply-add) of the predictor: input embeddings, per
block qkv / proj / fc1 / fc2 and the attention products (q·kᵀ and attention·v, dense over the keys
the kernel sees), and the output projection. LayerNorms, RoPE, softmax, GELU and the energy are not
counted (they are a few percent at most and memory-bound).

Two ways of running a rollout of horizon H from one context frame:
- ``cached`` (the fast planner): step h runs only frame h's N+2 tokens against (h+1)·(N+2) keys,
  and projects only its N patch tokens to the output.
- full recompute (the official notebook / ``reference.py``): step h runs all (h+1)·(N+2) tokens
  with a dense block-causal mask and projects all (h+1)·N patch tokens.
"""

from dataclasses import dataclass

COND_TOKENS = 2  # action and state token per frame
ACTION_DIM = 7


@dataclass(frozen=True)
class PredictorDims:
    embed_dim: int  # encoder width D_enc (input and output of the predictor)
    width: int  # predictor width D_p
    depth: int
    mlp_hidden: int
    tokens_per_frame: int  # N patch tokens per frame


def predictor_dims(predictor) -> PredictorDims:
    """Read the dimensions from an AC predictor with the official module names."""
    block = predictor.predictor_blocks[0]
    return PredictorDims(
        embed_dim=predictor.predictor_embed.in_features,
        width=predictor.predictor_embed.out_features,
        depth=len(predictor.predictor_blocks),
        mlp_hidden=block.mlp.fc1.out_features,
        tokens_per_frame=predictor.tokens_per_frame,
    )


@dataclass(frozen=True)
class Flops:
    linear: int  # embeddings, qkv, proj, fc1, fc2, output projection
    attention: int  # q·kᵀ and attention·v

    @property
    def total(self) -> int:
        return self.linear + self.attention

    def __add__(self, other: "Flops") -> "Flops":
        return Flops(self.linear + other.linear, self.attention + other.attention)

    def __mul__(self, factor: int) -> "Flops":
        return Flops(self.linear * factor, self.attention * factor)


def _forward_flops(
    dims: PredictorDims, new_frames: int, key_frames: int, output_frames: int
) -> Flops:
    """Count FLOPs of one predictor call on one sample.

    ``new_frames`` frames of tokens go in, attending (densely) to ``key_frames`` frames of keys,
    and ``output_frames`` frames of patch tokens are projected out.
    """
    per_frame = dims.tokens_per_frame + COND_TOKENS
    queries = new_frames * per_frame
    keys = key_frames * per_frame
    width = dims.width
    embed = new_frames * (
        dims.tokens_per_frame * dims.embed_dim * width + COND_TOKENS * ACTION_DIM * width
    )
    block_linear = queries * (4 * width * width + 2 * width * dims.mlp_hidden)
    output = output_frames * dims.tokens_per_frame * width * dims.embed_dim
    linear = embed + dims.depth * block_linear + output
    attention = dims.depth * 2 * queries * keys * width
    return Flops(linear=2 * linear, attention=2 * attention)


def rollout_flops(
    dims: PredictorDims, samples: int, horizon: int, cached: bool = True,
    context_frames: int = 0,
) -> Flops:
    """Count predictor FLOPs of imagining ``samples`` sequences of ``horizon`` steps.

    ``context_frames``: frames already in a context cache (asynchronous control's
    ``ImaginedRollout(context_cache=...)``, cached rollouts only): every step's queries also
    attend to their keys.
    """
    if context_frames and not cached:
        raise ValueError("context_frames needs the cached rollout (full recompute has no cache)")
    total = Flops(0, 0)
    for step in range(horizon):
        if cached:
            total += _forward_flops(dims, new_frames=1, key_frames=context_frames + step + 1,
                                    output_frames=1)
        else:
            frames = step + 1
            total += _forward_flops(
                dims, new_frames=frames, key_frames=frames, output_frames=frames
            )
    return total * samples


def plan_flops(
    dims: PredictorDims, samples: int, horizon: int, iterations: int, cached: bool = True,
    context_frames: int = 0,
) -> Flops:
    """Count predictor FLOPs of one replanning step (``iterations`` rollouts, as above)."""
    return rollout_flops(dims, samples, horizon, cached, context_frames) * iterations


# -- memory: how many samples fit through the predictor at once

CPU_TOKENS_PER_CALL = 2048  # on CPU, calls of about this many tokens run fastest (cache locality)
CUDA_MEMORY_FRACTION = 0.7  # share of the free GPU memory a rollout chunk may use


def bytes_per_sample(
    dims: PredictorDims, horizon: int, dtype_bytes: int, context_frames: int = 0
) -> int:
    """Rough peak memory of one sample in a rollout chunk (an over-estimate, for chunking).

    The KV cache of the first H−1 frames (the last step only reads it), one layer's keys/values
    of all H frames, one layer's activations (about 16 widths plus twice the MLP hidden per token)
    and the float32 energy temporaries. ``context_frames``: frames of a context cache of batch 1
    (asynchronous control's ``ImaginedRollout(context_cache=...)``): the first step concatenates
    them to every sample's keys/values, so each sample's cache and keys hold them too.
    """
    per_frame = dims.tokens_per_frame + COND_TOKENS
    cached_frames = context_frames + horizon - 1
    cache = dims.depth * 2 * cached_frames * per_frame * dims.width * dtype_bytes
    attention_keys = 2 * (context_frames + horizon) * per_frame * dims.width * dtype_bytes
    activations = per_frame * (16 * dims.width + 2 * dims.mlp_hidden) * dtype_bytes
    energy = 4 * dims.tokens_per_frame * dims.embed_dim * 4
    return cache + attention_keys + activations + energy


def auto_chunk_size(
    dims: PredictorDims, horizon: int, dtype_bytes: int, device, free_bytes: int | None = None,
    context_frames: int = 0,
) -> int:
    """Return samples per predictor call: ~2048 tokens on CPU, bounded by free memory on CUDA.

    On CUDA: :data:`CUDA_MEMORY_FRACTION` of ``free_bytes`` (None: the device's free memory)
    over :func:`bytes_per_sample` with ``context_frames`` (a context cache's frames).
    """
    per_frame = dims.tokens_per_frame + COND_TOKENS
    if getattr(device, "type", str(device)) != "cuda" and free_bytes is None:
        return max(1, CPU_TOKENS_PER_CALL // per_frame)
    if free_bytes is None:
        import torch

        free_bytes, _ = torch.cuda.mem_get_info(device)
        # Blocks the caching allocator holds but does not use are free for us too.
        free_bytes += torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device)
    budget = CUDA_MEMORY_FRACTION * free_bytes
    return max(1, int(budget // bytes_per_sample(dims, horizon, dtype_bytes, context_frames)))

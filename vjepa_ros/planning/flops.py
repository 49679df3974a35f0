"""Predictor FLOPs per replanning step, to compare measured latency with the hardware floor.

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


def _forward_flops(
    dims: PredictorDims, new_frames: int, key_frames: int, output_frames: int
) -> int:
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
    block_attention = 2 * queries * keys * width
    output = output_frames * dims.tokens_per_frame * width * dims.embed_dim
    return 2 * (embed + dims.depth * (block_linear + block_attention) + output)


def rollout_flops(dims: PredictorDims, samples: int, horizon: int, cached: bool = True) -> int:
    """Count predictor FLOPs of imagining ``samples`` sequences of ``horizon`` steps."""
    total = 0
    for step in range(horizon):
        if cached:
            total += _forward_flops(dims, new_frames=1, key_frames=step + 1, output_frames=1)
        else:
            frames = step + 1
            total += _forward_flops(
                dims, new_frames=frames, key_frames=frames, output_frames=frames
            )
    return samples * total


def plan_flops(
    dims: PredictorDims, samples: int, horizon: int, iterations: int, cached: bool = True
) -> int:
    """Count predictor FLOPs of one replanning step (``iterations`` rollouts)."""
    return iterations * rollout_flops(dims, samples, horizon, cached)

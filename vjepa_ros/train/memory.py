"""Training memory of the AC predictor: measured with the allocator, extrapolated to ViT-g.

:func:`allocator_peak_bytes` reads the CPU allocator's log (``torch.profiler`` with
``profile_memory``): every allocation and free while a function runs, so the peak is exact for
that run, not sampled. :func:`step_activation_bytes` measures one training step's forward and
backward (the objective of ``objective``, teacher forcing + rollout) and returns what it held above
the parameters, i.e. activations and gradients.

:func:`fit_activation_model` turns such measurements on small predictors into bytes per token and
width, per block and outside the blocks; :func:`estimate_training_bytes` applies them to any size
(the published 24-block, 1024-wide predictor on ViT-g features) and adds the float32 weights,
gradients and AdamW moments (16 bytes per parameter). The block term is linear in tokens x width,
as in the activation analysis of Korthikanti et al. 2022 ("Reducing Activation Recomputation in
Large Transformer Models", eq. 1 without the attention-score term, which a fused attention kernel
does not store); measured on a CPU whose attention stores scores, so it over-estimates on GPUs.
"""

from __future__ import annotations

import dataclasses

import torch

BYTES_PER_PARAMETER = 16  # float32 weight + gradient + AdamW exp_avg + exp_avg_sq


def allocator_peak_bytes(fn) -> int:
    """Return the peak bytes the CPU allocator held above the start while ``fn()`` ran.

    Raises RuntimeError when this torch's profiler does not expose its allocation log.
    """
    from torch.profiler import profile

    with profile(profile_memory=True) as prof:
        fn()
    results = getattr(prof.profiler, "kineto_results", None)
    if results is None or not hasattr(results, "events"):
        raise RuntimeError("this torch's profiler does not expose its allocation log")
    log = sorted((e for e in results.events() if e.name() == "[memory]"),
                 key=lambda e: e.start_ns())
    held = peak = 0
    for event in log:
        held += event.nbytes()
        peak = max(peak, held)
    return peak


def clip_tokens(tokens_per_frame: int, frames_per_clip: int, auto_steps: int,
                cond_tokens: int = 2) -> int:
    """Return predictor tokens one clip sends through the blocks in a training step.

    Teacher forcing runs T-1 frames, rollout step n runs n+1 frames (n = 1..auto_steps-1); each
    frame is ``cond_tokens`` (action, state) + ``tokens_per_frame`` tokens.
    """
    frames = (frames_per_clip - 1) + sum(n + 1 for n in range(1, auto_steps))
    return frames * (tokens_per_frame + cond_tokens)


def step_activation_bytes(predictor, batch: int, frames_per_clip: int, auto_steps: int,
                          dtype: torch.dtype = torch.float32, checkpointing: bool = False,
                          seed: int = 0) -> int:
    """Measure one training forward + backward on random clips (CPU); bytes above the weights.

    ``dtype`` bfloat16 runs under CPU autocast as the trainer does; the parameter gradients
    (float32, one per parameter) are subtracted, leaving the activations' peak.
    """
    from vjepa_ros.models import layer_norm_reps
    from vjepa_ros.train.objective import prediction_losses

    generator = torch.Generator().manual_seed(seed)
    tokens = predictor.tokens_per_frame
    reps = layer_norm_reps(torch.randn(batch, frames_per_clip * tokens, predictor.embed_dim,
                                       generator=generator))
    actions = torch.randn(batch, frames_per_clip - 1, 7, generator=generator) * 0.05
    states = torch.randn(batch, frames_per_clip, 7, generator=generator)
    predictor.use_activation_checkpointing = checkpointing
    predictor.zero_grad(set_to_none=True)

    def step():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype == torch.bfloat16):
            jloss, sloss = prediction_losses(predictor, reps, actions, states, auto_steps)
        (jloss + sloss).backward()

    try:
        peak = allocator_peak_bytes(step)
    finally:
        predictor.use_activation_checkpointing = False
        predictor.zero_grad(set_to_none=True)
    grads = sum(p.numel() * 4 for p in predictor.parameters() if p.requires_grad)
    return max(0, peak - grads)


@dataclasses.dataclass(frozen=True)
class ActivationModel:
    """Bytes = tokens x (depth x width x per_block + width x once + embed_dim x outside).

    ``once``: predictor-width activations that do not repeat per block (the embedded tokens, the
    final norm; with checkpointing the one block being recomputed).
    """

    per_block: float  # bytes per token per predictor width unit per block
    once: float  # bytes per token per predictor width unit, once
    outside: float  # bytes per token per encoder width unit (input, projection, loss)

    def bytes(self, tokens: int, depth: int, width: int, embed_dim: int) -> float:
        return tokens * (depth * width * self.per_block + width * self.once +
                         embed_dim * self.outside)


def fit_activation_model(rows) -> ActivationModel:
    """Non-negative least-squares fit of measured rows (tokens, depth, width, embed_dim, bytes).

    Relative errors are minimized (each row weighted by 1 / its bytes), so small models count as
    much as large ones; a coefficient that would come out negative is fixed at 0 and the others
    refitted (active set).
    """
    a = torch.tensor([[t * d * w, t * w, t * e] for t, d, w, e, _ in rows], dtype=torch.float64)
    b = torch.tensor([float(row[-1]) for row in rows], dtype=torch.float64)
    a, b = a / b[:, None], torch.ones_like(b)
    active = [0, 1, 2]
    while True:
        solution = torch.linalg.lstsq(a[:, active], b[:, None]).solution.flatten()
        if active and solution.min() < 0:
            active.pop(int(solution.argmin()))
            continue
        break
    values = [0.0, 0.0, 0.0]
    for column, value in zip(active, solution.tolist(), strict=True):
        values[column] = value
    return ActivationModel(*values)


def estimate_training_bytes(model: ActivationModel, parameters: int, batch: int,
                            tokens_per_clip: int, depth: int, width: int, embed_dim: int) -> dict:
    """Estimate one GPU's training memory: {static, activations, total} bytes.

    static: ``BYTES_PER_PARAMETER`` per predictor parameter (the frozen encoder is not on the
    GPU while training: features are cached); activations: the fitted model for ``batch`` clips.
    """
    activations = model.bytes(batch * tokens_per_clip, depth, width, embed_dim)
    static = parameters * BYTES_PER_PARAMETER
    return {"static": static, "activations": activations, "total": static + activations}


def clip_floor_bytes(tokens_per_frame: int, embed_dim: int, frames_per_clip: int,
                     auto_steps: int, depth: int, width: int, feature_bytes: int = 2) -> int:
    """Return a floor of one clip's memory in a training step [bytes].

    The clip's features as gathered (``FeatureBank.gather``: the stored ``feature_bytes`` per
    value, then float32), plus the input every predictor block keeps for the backward pass in
    16 bits (the least: bf16 with activation checkpointing, see the module docstring) for the
    :func:`clip_tokens` of the step. A step needs more; never less.
    """
    features = frames_per_clip * tokens_per_frame * embed_dim * (feature_bytes + 4)
    blocks = clip_tokens(tokens_per_frame, frames_per_clip, auto_steps) * width * depth * 2
    return features + blocks


def batch_memory_problem(batch: int, per_clip: int, device, option: str = "--batch-size",
                         what: str = "its features and the predictor blocks' inputs",
                         available: int | None = None, accumulate: bool = True) -> str:
    """Why ``batch`` clips of ``per_clip`` bytes cannot be trained on ``device`` ("" if they may).

    ``available``: free memory [bytes]; None reads it (``planning.memory.free_memory``;
    unknown: ""). The clips are refused beyond all of it: their bytes are a floor, a step needs
    more. The line names ``option``, ``what`` a clip's bytes hold and the largest batch that half
    the free memory holds by this floor (the rule of ``planning.memory.FreeMemory``; and
    ``--accumulate`` where the command has it).
    """
    from vjepa_ros.planning.memory import free_memory, memory_size, round_down

    memory = free_memory(device, available)
    need = batch * per_clip
    if memory is None or memory.holds(need, share=1):
        return ""
    return (f"{option} {batch}: a step on {batch} clips needs at least {memory_size(need)} "
            f"({memory_size(per_clip)} per clip: {what}), {memory.beyond(share=1)}; give at "
            f"most {round_down(memory.fits(per_clip))} (half the free memory)"
            + (", and --accumulate N to step on N times as many clips" if accumulate else ""))

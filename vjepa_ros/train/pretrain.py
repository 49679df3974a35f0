"""Self-supervised V-JEPA pretraining of a small V-JEPA 2 encoder on video clips.

The recipe of V-JEPA (Bardes et al. 2024, arXiv 2404.08471; ``facebookresearch/jepa``
``app/vjepa/train.py``) as V-JEPA 2 (arXiv 2506.09985) keeps it, at a size a laptop CPU trains:

- data: clips of ``frames_per_clip`` consecutive frames (``pretrain_data.py``), patchified into
  tubelets of 2 frames x 16 x 16 pixels by the encoder's Conv3d;
- masks: every step, a short-range (8 blocks of 0.15) and a long-range (2 blocks of 0.7) tube
  mask, aspect ratio 0.75-1.5 (``pretrain_masks.py``); the context encoder sees the tokens
  outside a mask, once per mask;
- predictor (``pretrain_predictor.py``): half the encoder's depth and 3/8 of its width (V-JEPA
  ViT-L: a 12-block, 384-wide predictor for a 24-block, 1024-wide encoder), a learned mask token
  at every target position (one per mask, zero at the start), RoPE positions;
- loss: L1 between the predictions and the layer-normed (no affine) target-encoder outputs at the
  masked tokens (``loss_exp`` 1.0), averaged over the two masks;
- target encoder: an exponential moving average of the context encoder, momentum ramped
  linearly; AdamW with warm-up + cosine learning rate and a cosine weight decay 0.04 -> 0.4 on
  weight matrices (``pretrain_schedule.py``); after the warm-up the gradient norm of each network
  (encoder, then predictor) is clipped to ``clip_grad`` on its own;
- collapse monitors (``collapse.py``) on fixed frames every ``monitor_every`` steps, with a
  warning below their floors.

The target encoder is what gets saved (an encoder-only file in the official layout + ``config``),
ready for ``vjepa-ros train --encoder``.

    vjepa-ros pretrain --data episodes/ --out encoder.pt --steps 1500
"""

from __future__ import annotations

import copy
import dataclasses
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from vjepa_ros.config import flatten
from vjepa_ros.models import build_encoder
from vjepa_ros.models.checkpoint import save_world_model
from vjepa_ros.models.preprocess import frames_to_clip, preprocess_frames
from vjepa_ros.train.collapse import collapse_monitors, collapse_warnings
from vjepa_ros.train.pretrain_config import (  # noqa: F401  (load_pretrain_config: here too)
    PretrainConfig,
    load_pretrain_config,
)
from vjepa_ros.train.pretrain_data import ClipSampler
from vjepa_ros.train.pretrain_masks import BlockMask, sample_batch_masks, sample_block_mask
from vjepa_ros.train.pretrain_predictor import MaskPredictor
from vjepa_ros.train.pretrain_regularizer import variance_covariance
from vjepa_ros.train.pretrain_schedule import (
    cosine_weight_decay,
    ema_momentum,
    ema_update,
    schedule_lengths,
    warmup_cosine_lr,
    warmup_updates,
)
from vjepa_ros.train.schedule import make_optimizer, set_lr
from vjepa_ros.train.stop_request import InterruptedMidStep, deferred_stop

# between two monitor lines, a step line at least this often [s] of wall time
PROGRESS_S = 10.0


@dataclasses.dataclass
class PretrainResult:
    encoder: torch.nn.Module  # the target encoder, eval mode, frozen
    losses: list[float]  # prediction loss (L1, without the optional regularizer) per step
    monitors: list[dict]  # {"step", "feature_std", "effective_rank", "pairwise_distance"}
    warnings: list[str]  # collapse warnings, "step N: ..."
    seconds: float  # wall time [s] from the start, the monitors and checkpoints included
    step_seconds: float = 0.0  # [s] of that in the steps alone (the monitors, checkpoints apart)


class PretrainInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped pretraining: ``result`` holds the steps done, ``signal`` what.

    ``result.encoder`` is the target encoder after ``len(result.losses)`` whole steps;
    ``signal``: the KeyboardInterrupt (``terminate.Terminated`` for SIGTERM) that stopped it. A
    ``stop_request.InterruptedMidStep`` signal (a second Ctrl-C within a step) stopped it in the
    middle of step ``signal.step``: ``result.encoder`` may be half updated, not to be saved.
    """

    def __init__(self, result: PretrainResult, signal: KeyboardInterrupt):
        super().__init__()
        self.result, self.signal = result, signal


def seeded_encoder(config: PretrainConfig) -> torch.nn.Module:
    """Return the encoder of ``config`` at its seeded initialization (pretraining's start).

    ``torch.manual_seed(config.seed)`` then the V-JEPA 2 encoder at ``img_size``, ``patch_size``,
    ``embed_dim``, ``depth``, ``num_heads``: the weights ``vjepa-ros pretrain --steps 0`` saves.
    Reseeds torch's global generator.
    """
    torch.manual_seed(config.seed)
    return build_encoder(img_size=config.img_size, patch_size=config.patch_size,
                         embed_dim=config.embed_dim, depth=config.depth,
                         num_heads=config.num_heads)


def encode_still(encoder, frames: np.ndarray, img_size: int) -> torch.Tensor:
    """Layer-normed features [N, T, D] of frames [N, H, W, 3], each encoded on its own.

    The frames are encoded on the encoder's device; the features come back on the CPU.
    """
    device = next(encoder.parameters()).device
    with torch.no_grad():
        clip = frames_to_clip(preprocess_frames(frames, img_size), encoder.tubelet_size)
        features = encoder(clip.to(device))
    return F.layer_norm(features, features.shape[-1:]).cpu()


def pretrain_targets(target_encoder, clips: torch.Tensor, layer_norm: bool = True) -> torch.Tensor:
    """Prediction targets [B, N, D] of clips [B, 3, T, S, S]: the target encoder's tokens.

    ``layer_norm``: normalized per token over D without affine, as V-JEPA does
    (``app/vjepa/train.py`` ``forward_target``); False keeps the raw tokens (an ablation,
    ``target_layer_norm: false``). No gradient flows into the target encoder.
    """
    with torch.no_grad():
        targets = target_encoder(clips)
        return F.layer_norm(targets, targets.shape[-1:]) if layer_norm else targets


def pretrain_encoder(sampler: ClipSampler, monitor_frames: np.ndarray, config: PretrainConfig,
                     log=print, checkpoint=None, device=None,
                     progress: bool = True, clock=time.perf_counter) -> PretrainResult:
    """Pretrain on clips from ``sampler``; monitor collapse on ``monitor_frames`` [N, H, W, 3].

    ``checkpoint(step, target_encoder)`` is called every ``monitor_every`` steps if given.
    ``device`` (default CPU; e.g. "cuda"): where the encoders, the predictor and the batches
    live; the initialization, the batches and the masks are drawn on the CPU as without it, so
    a seed starts from the same weights on every device (``seeded_encoder``) — with one torch
    version: torch 2.11 and 2.13 draw different weights from one seed (session 37).
    ``progress`` False (``pretrain --quiet``): no ``step`` and ``monitor step`` lines; the
    warnings stay. Between two monitors, a ``step N/M  loss L  S s/step`` line every
    :data:`PROGRESS_S` of ``clock`` [s] (a slow CPU run showed nothing from step 0 to 100).
    Every step line's loss and s/step are of the steps since the step line before (s/step: the
    steps' own time, the monitors and ``checkpoint`` apart); a monitor step's line also gives
    the wall time since the start, all included. Ctrl-C or SIGTERM between two monitor steps
    monitors the encoder at the step reached (a second Ctrl-C skips it), so the result's last
    monitor is of the encoder it holds.
    Raises ``FloatingPointError`` when the loss stops being finite (any error raised once the
    steps began carries ``pretrain_steps_done``, the whole steps done, unsaved), and
    :class:`PretrainInterrupted` (the steps done so far) on Ctrl-C or SIGTERM once pretraining
    started: the signal ends the step under way first (``stop_request.deferred_stop``; a second
    Ctrl-C stops at once, within a step's update with ``InterruptedMidStep`` as its ``signal``;
    during the monitors and ``checkpoint`` the steps done are whole). Before the first step they
    raise as usual.
    """
    device = torch.device("cpu" if device is None else device)
    encoder = seeded_encoder(config).to(device)
    target_encoder = copy.deepcopy(encoder).requires_grad_(False)
    side = config.img_size // config.patch_size
    grid = (config.frames_per_clip // encoder.tubelet_size, side, side)
    masks = (config.mask_short, config.mask_long)
    predictor = MaskPredictor(config.embed_dim, grid, config.predictor_dim,
                              config.predictor_depth, config.predictor_heads,
                              num_mask_tokens=len(masks), zero_init_mask_tokens=True).to(device)
    model = torch.nn.ModuleDict({"encoder": encoder, "predictor": predictor})
    optimizer = make_optimizer(model, config.weight_decay)
    decayed = optimizer.param_groups[0]
    total, momentum_total = schedule_lengths(config.steps, config.ipe_scale)
    warmup = warmup_updates(config.warmup_fraction, config.steps)
    losses, monitors, warnings = [], [], []
    started = clock()
    paused = [0.0]  # [s] spent in the monitors and checkpoints
    said = [started, 0, 0.0]  # the last step line: its time [s], step and paused [s] then

    def monitor(step: int) -> None:
        features = encode_still(target_encoder, monitor_frames, config.img_size)
        if not torch.isfinite(features).all():  # the loss was finite, the update was not
            raise FloatingPointError(
                f"pretraining weights became non-finite by step {step} (the monitors' features "
                f"hold NaN or inf; the loss was finite before the update): lower lr "
                f"({config.lr:g}) or start_lr")
        values = collapse_monitors(features)
        monitors.append({"step": step, **values})
        found = collapse_warnings(monitors[0], values, config.floors)
        warnings.extend(f"step {step}: {line}" for line in found)
        if log and progress:
            log(f"monitor step {step:5d}  feature_std {values['feature_std']:.4f}  "
                f"effective_rank {values['effective_rank']:.1f}  "
                f"pairwise_distance {values['pairwise_distance']:.4f}")
        if log:
            for line in found:
                log(f"WARNING step {step}: {line}")

    def update(step: int) -> tuple[float, float]:  # step counted from 0; its lr and EMA momentum
        lr = warmup_cosine_lr(step, total, warmup, config.start_lr, config.lr, config.final_lr)
        set_lr(optimizer, lr)
        decayed["weight_decay"] = cosine_weight_decay(step, total, config.weight_decay,
                                                      config.final_weight_decay)
        clips = sampler.sample(config.batch_size).to(device)  # [B, 3, T, S, S]
        targets = pretrain_targets(target_encoder, clips, config.target_layer_norm)
        loss, regularizer = 0.0, 0.0
        for mask_index, spec in enumerate(masks):
            if config.per_sample_masks:
                mask = on_device(sample_batch_masks(grid, spec, len(clips), sampler.generator),
                                 device)
                index = mask.target[..., None].expand(-1, -1, targets.shape[-1])
                wanted = targets.gather(1, index)
            else:
                mask = on_device(sample_block_mask(grid, spec, sampler.generator), device)
                wanted = targets[:, mask.target]
            context = encoder(clips, keep=mask.context)
            predictions = predictor(context, mask.context, mask.target, mask_index)
            loss = loss + (predictions - wanted).abs().mean() / len(masks)
            if config.variance_weight or config.covariance_weight:
                variance, covariance = variance_covariance(context)
                regularizer = regularizer + (config.variance_weight * variance
                                             + config.covariance_weight * covariance) / len(masks)
        optimizer.zero_grad(set_to_none=True)
        (loss + regularizer).backward()
        # Clip as app/vjepa/train.py: each network's gradient norm on its own (encoder, then
        # predictor), and only after the warm-up (``if epoch > warmup and clip_grad is not
        # None``). Their warm-up is ``warmup`` epochs of the lr schedule; ours is ``warmup``
        # optimizer steps (steps 0 .. warmup - 1, the lr's linear ramp), so we clip from step
        # ``warmup`` on. (Their ``epoch > warmup``, epochs counted from 0, leaves one more
        # epoch unclipped after the lr ramp; a run without epochs has no such unit.)
        if config.clip_grad > 0 and step >= warmup:
            torch.nn.utils.clip_grad_norm_(encoder.parameters(), config.clip_grad)
            torch.nn.utils.clip_grad_norm_(predictor.parameters(), config.clip_grad)
        optimizer.step()
        momentum = ema_momentum(step, momentum_total, config.ema_start, config.ema_end)
        ema_update(target_encoder, encoder, momentum)
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            raise FloatingPointError(f"pretraining loss became {losses[-1]} at step {step + 1} "
                                     f"(lower lr {config.lr:g} or start_lr)")
        return lr, momentum

    def pace(now: float, done: int) -> tuple[str, str]:  # loss, s/step since the last line
        recent = losses[said[1]:]
        seconds = (now - said[0] - (paused[0] - said[2])) / (done - said[1])
        return f"loss {sum(recent) / len(recent):.4f}", f"{seconds:.2f} s/step"

    def report(step: int, lr: float, momentum: float) -> None:  # after update(step)
        done = step + 1
        now = clock()
        if done % config.monitor_every == 0 or done == config.steps:
            if log and progress:
                loss, speed = pace(now, done)
                log(f"step {done:5d}/{config.steps}  {loss}  lr {lr:.2e}  "
                    f"wd {decayed['weight_decay']:.3f}  ema {momentum:.5f}  "
                    f"{now - started:.0f} s ({speed})")
            monitor(done)
            if checkpoint:
                checkpoint(done, target_encoder)
            after = clock()
            paused[0] += after - now
            said[:] = [after, done, paused[0]]
        elif now - said[0] >= PROGRESS_S:
            if log and progress:
                log(f"step {done:5d}/{config.steps}  {'  '.join(pace(now, done))}")
            said[:] = [now, done, paused[0]]

    def result() -> PretrainResult:  # of the steps done so far
        seconds = clock() - started
        return PretrainResult(target_encoder.eval(), losses, monitors, warnings, seconds,
                              seconds - paused[0])

    monitor(0)
    said[0] = clock()
    paused[0] = said[2] = said[0] - started
    with deferred_stop() as stop:
        try:
            for step in range(config.steps):
                with stop.step(step + 1):
                    lr, momentum = update(step)
                report(step, lr, momentum)
                stop.check()
        except KeyboardInterrupt as exc:
            if not isinstance(exc, InterruptedMidStep) and monitors[-1]["step"] < len(losses):
                begun = clock()
                try:  # the monitors of the encoder saved, not of the last monitor step
                    monitor(len(losses))
                except (KeyboardInterrupt, FloatingPointError):
                    pass  # a second Ctrl-C: skipped; NaN weights: save_stopped refuses them
                paused[0] += clock() - begun
            raise PretrainInterrupted(result(), exc) from None
        except Exception as exc:  # raised again, telling the command the whole steps done
            exc.pretrain_steps_done = len(losses)
            raise
    return result()


def on_device(mask: BlockMask, device: torch.device) -> BlockMask:
    """``mask`` with its index tensors on ``device`` (the same object when they are there)."""
    if mask.context.device == device and mask.target.device == device:
        return mask
    return BlockMask(mask.context.to(device), mask.target.to(device))


def save_pretrained(path, encoder, config: PretrainConfig, result: PretrainResult | None,
                    num_frames: int, step: int | None = None) -> Path:
    """Write the encoder-only file (official layout + ``config`` + how it was made)."""
    info = {name: value for name, value, _ in flatten(config)}
    info["num_frames"] = int(num_frames)
    info["trained_steps"] = config.steps if step is None else int(step)
    extra = {"pretrain": info}
    if result is not None:
        extra["pretrain_loss"] = [round(x, 5) for x in result.losses]
        extra["pretrain_monitors"] = result.monitors
    save_world_model(path, encoder, None, extra=extra)
    return Path(path).expanduser()

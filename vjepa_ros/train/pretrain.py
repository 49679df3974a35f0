"""Self-supervised JEPA pretraining of a small V-JEPA 2 encoder on recorded frames.

The route V-JEPA takes, at a size a laptop CPU can train: a context encoder sees the frame's
tokens outside a multi-block mask (``pretrain_masks.py``); a narrow predictor
(``pretrain_predictor.py``) infers, at the masked positions, the layer-normed outputs of a target
encoder that sees every token; the loss is their mean absolute difference (L1, as V-JEPA); the
target encoder is an exponential moving average of the context encoder (momentum ramped from
``ema_start`` to ``ema_end``). No pixels are reconstructed and no labels are used. Each frame is
repeated into one 2-frame tubelet, as V-JEPA 2-AC encodes frames at planning time. The target
encoder is what gets saved (an encoder-only file in the official layout + ``config``), ready for
``vjepa-ros train --encoder``.

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

from vjepa_ros.config import flatten, param
from vjepa_ros.models import build_encoder
from vjepa_ros.models.checkpoint import save_world_model
from vjepa_ros.models.preprocess import frames_to_clip, preprocess_frames
from vjepa_ros.sim.episode import Episode
from vjepa_ros.train.pretrain_masks import sample_block_mask
from vjepa_ros.train.pretrain_predictor import MaskPredictor


@dataclasses.dataclass
class PretrainConfig:
    img_size: int = param(128, "Frame size [px] the encoder sees (frames are resized to it).")
    patch_size: int = param(16, "Patch size [px]; img_size / patch_size tokens per side.")
    embed_dim: int = param(192, "Encoder width.")
    depth: int = param(4, "Encoder blocks.")
    num_heads: int = param(3, "Encoder attention heads.")
    predictor_dim: int = param(96, "Width of the pretraining predictor.")
    predictor_depth: int = param(2, "Blocks of the pretraining predictor.")
    predictor_heads: int = param(3, "Attention heads of the pretraining predictor.")
    steps: int = param(1500, "Optimizer steps; 0 saves the seeded initialization untrained.")
    batch_size: int = param(32, "Frames per step.")
    lr: float = param(5e-4, "Peak learning rate (AdamW).")
    warmup_fraction: float = param(0.1, "Fraction of the steps spent warming the rate up from 0.")
    final_lr_fraction: float = param(0.05, "Learning rate at the end, as a fraction of lr.")
    weight_decay: float = param(0.04, "AdamW weight decay.")
    ema_start: float = param(0.996, "Target-encoder momentum at the first step.")
    ema_end: float = param(1.0, "Target-encoder momentum at the last step.")
    num_blocks: int = param(4, "Rectangles per mask.")
    block_scale_min: float = param(0.1, "Smallest area fraction of one rectangle.")
    block_scale_max: float = param(0.25, "Largest area fraction of one rectangle.")
    clip_grad: float = param(1.0, "Gradient-norm clip; 0 disables.")
    seed: int = param(0, "Seed of the initialization, masks and batches.")

    def __post_init__(self):
        if self.img_size % self.patch_size:
            raise ValueError(f"img_size {self.img_size} is not a multiple of {self.patch_size}")
        if self.steps < 0:
            raise ValueError("PretrainConfig.steps must be >= 0 (0: save the initialization)")
        for name in ("batch_size", "depth", "predictor_depth"):
            if getattr(self, name) < 1:
                raise ValueError(f"PretrainConfig.{name} must be >= 1")
        if not 0 <= self.warmup_fraction < 1 or not self.lr > 0:
            raise ValueError("PretrainConfig: need lr > 0 and 0 <= warmup_fraction < 1")
        if not 0 <= self.ema_start <= self.ema_end <= 1:
            raise ValueError("PretrainConfig: need 0 <= ema_start <= ema_end <= 1")


def load_episode_frames(paths) -> np.ndarray:
    """All frames [N, H, W, 3] uint8 of the Episode ``.npz`` files in the given files/dirs."""
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(path.glob("*.npz"))
        elif path.suffix == ".npz" and path.is_file():
            files.append(path)
        else:
            raise ValueError(f"{path}: not a directory of episode .npz files nor an .npz file")
    if not files:
        raise ValueError(f"no episode .npz files in {[str(p) for p in paths]}")
    frames = [Episode.load(file).frames for file in files]
    shapes = {f.shape[1:] for f in frames}
    if len(shapes) != 1:
        raise ValueError(f"episodes have different frame sizes: {sorted(shapes)}")
    return np.concatenate(frames)


def learning_rate(step: int, config: PretrainConfig) -> float:
    """Linear warm-up from 0, then cosine decay to ``final_lr_fraction * lr``."""
    warmup = int(config.warmup_fraction * config.steps)
    if step < warmup:
        return config.lr * (step + 1) / warmup
    progress = (step - warmup) / max(1, config.steps - warmup)
    final = config.final_lr_fraction * config.lr
    return final + 0.5 * (config.lr - final) * (1 + math.cos(math.pi * progress))


def pretrain_encoder(frames: np.ndarray, config: PretrainConfig, log=print):
    """Pretrain on uint8 frames [N, H, W, 3]; return (target encoder, loss per step)."""
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8 or len(frames) < 2:
        raise ValueError(f"need >= 2 uint8 frames [N, H, W, 3], got {frames.dtype} "
                         f"{list(frames.shape)}")
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    encoder = build_encoder(img_size=config.img_size, patch_size=config.patch_size,
                            embed_dim=config.embed_dim, depth=config.depth,
                            num_heads=config.num_heads)
    target_encoder = copy.deepcopy(encoder).requires_grad_(False)
    side = config.img_size // config.patch_size
    predictor = MaskPredictor(config.embed_dim, (1, side, side), config.predictor_dim,
                              config.predictor_depth, config.predictor_heads)
    parameters = [*encoder.parameters(), *predictor.parameters()]
    decay = [p for p in parameters if p.ndim > 1]
    no_decay = [p for p in parameters if p.ndim <= 1]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": config.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=config.lr)
    frames_t = torch.from_numpy(frames)
    losses, started = [], time.perf_counter()
    for step in range(config.steps):
        lr = learning_rate(step, config)
        for group in optimizer.param_groups:
            group["lr"] = lr
        index = torch.randint(0, len(frames_t), (config.batch_size,), generator=generator)
        pixels = preprocess_frames(frames_t[index], (config.img_size, config.img_size))
        clip = frames_to_clip(pixels, encoder.tubelet_size)  # [B, 3, 2, H, W]
        mask = sample_block_mask(side, side, generator, config.num_blocks,
                                 (config.block_scale_min, config.block_scale_max))
        with torch.no_grad():
            targets = F.layer_norm(target_encoder(clip), (config.embed_dim,))[:, mask.target]
        context = encoder(clip, keep=mask.context)
        predictions = predictor(context, mask.context, mask.target)
        loss = (predictions - targets).abs().mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config.clip_grad > 0:
            torch.nn.utils.clip_grad_norm_(parameters, config.clip_grad)
        optimizer.step()
        momentum = config.ema_start + (config.ema_end - config.ema_start) * step / config.steps
        with torch.no_grad():
            for online, target in zip(encoder.parameters(), target_encoder.parameters(),
                                      strict=True):
                target.lerp_(online, 1.0 - momentum)
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            raise FloatingPointError(f"pretraining loss became {losses[-1]} at step {step}")
        if log and (step % 50 == 0 or step + 1 == config.steps):
            elapsed = time.perf_counter() - started
            log(f"step {step + 1:5d}/{config.steps}  loss {losses[-1]:.4f}  lr {lr:.2e}  "
                f"ema {momentum:.4f}  {elapsed:.0f} s")
    return target_encoder.eval(), losses


def save_pretrained(path, encoder, config: PretrainConfig, losses, num_frames: int) -> Path:
    """Write the encoder-only file (official layout + ``config`` + how it was made)."""
    info = {name: value for name, value, _ in flatten(config)}
    info["num_frames"] = int(num_frames)
    save_world_model(path, encoder, None,
                     extra={"pretrain": info, "pretrain_loss": [round(x, 5) for x in losses]})
    return Path(path)

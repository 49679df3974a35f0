"""A learnable synthetic world for tests and benchmarks of the trainer (no simulator needed).

Frames show a soft blob whose image position follows the end effector's x and y, whose size
follows z, on a background whose shade follows the gripper. The next frame is a smooth function
of the current state and the action, so a predictor that uses the action can beat "nothing
moves"; a tiny random encoder turns the frames into representations.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import torch

from vjepa_ros.recordings.episode import Episode

# A tiny V-JEPA 2 encoder for tests and benchmarks: 32 px, patch 8 -> 16 tokens of width 32.
TINY_ENCODER = dict(embed_dim=32, depth=1, num_heads=2, img_size=32, patch_size=8)

CENTER = np.array([0.45, 0.0, 0.3])  # state xyz shown in the middle of the image [m]
SPAN = 0.25  # the image shows CENTER ± SPAN in x and y [m]


def blob_frames(states: np.ndarray, size: int = 32) -> np.ndarray:
    """Render frames uint8 [T, size, size, 3] of states [T, 7]."""
    states = np.asarray(states, dtype=np.float64)
    if states.ndim != 2 or states.shape[1] != 7:
        raise ValueError(f"states must be [T, 7], got {states.shape}")
    grid = (np.arange(size) + 0.5) / size * 2 - 1  # [-1, 1]
    rel = np.clip((states[:, :3] - CENTER) / SPAN, -1.2, 1.2)  # [T, 3]
    cols = rel[:, 0, None, None]  # x -> image column
    rows = -rel[:, 1, None, None]  # y -> image row (up)
    radius = 0.25 + 0.1 * rel[:, 2, None, None]
    dist2 = (grid[None, None, :] - cols) ** 2 + (grid[None, :, None] - rows) ** 2
    blob = np.exp(-dist2 / (2 * radius**2))  # [T, size, size]
    shade = 0.2 + 0.4 * np.clip(states[:, 6], 0, 1)[:, None, None]
    red = np.clip(shade + 0.8 * blob, 0, 1)
    green = np.clip(0.3 + 0.6 * blob * (1 - 0.5 * rel[:, 2, None, None]), 0, 1)
    blue = np.broadcast_to(shade, blob.shape)
    return np.round(np.stack([red, green, blue], -1) * 255).astype(np.uint8)


def random_walk_states(frames: int, rng: np.random.Generator, step_m: float = 0.04) -> np.ndarray:
    """Return states [T, 7]: xyz random walk (±step_m per axis), fixed tilt, gripper flips."""
    xyz = CENTER + rng.uniform(-0.15, 0.15, 3) * np.array([1, 1, 0.5])
    path = [xyz]
    for _ in range(frames - 1):
        xyz = np.clip(xyz + rng.uniform(-step_m, step_m, 3), CENTER - 0.2, CENTER + 0.2)
        path.append(xyz)
    angles = np.tile([np.pi - 0.1, 0.05, 0.2], (frames, 1))  # hand down, off the ±π wrap
    gripper = (np.cumsum(rng.random(frames) < 0.15) % 2).astype(np.float64)
    return np.concatenate([np.array(path), angles, gripper[:, None]], axis=1)


def blob_episode(frames: int = 12, seed: int = 0, size: int = 32) -> Episode:
    """One synthetic episode at 4 Hz."""
    states = random_walk_states(frames, np.random.default_rng(seed))
    return Episode.from_states(blob_frames(states, size), states, np.arange(frames) / 4.0,
                               {"synthetic": "blob", "seed": seed})


def write_blob_episodes(out_dir: str | Path, count: int, frames: int = 12, seed: int = 0,
                        size: int = 32) -> list[Path]:
    """Write ``count`` episodes (seeds seed, seed+1, ...) as ``blob_<seed>.npz`` files."""
    out_dir = Path(out_dir).expanduser()
    return [blob_episode(frames, seed + i, size).save(out_dir / f"blob_{seed + i:04d}.npz")
            for i in range(count)]


def write_tiny_encoder(path: str | Path, seed: int = 0, **hyper_parameters) -> Path:
    """Save a random encoder (``TINY_ENCODER`` unless overridden) as an encoder-only file."""
    from vjepa_ros.models import build_encoder, save_world_model

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        encoder = build_encoder(**{**TINY_ENCODER, **hyper_parameters})
    Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
    return save_world_model(path, encoder)


@contextlib.contextmanager
def single_thread():
    """Run torch on one CPU thread inside the block (tiny models: more threads only sync)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)

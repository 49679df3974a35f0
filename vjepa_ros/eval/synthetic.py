"""A synthetic world whose frames show the robot state, and a world model that knows it exactly.

Used to check the evaluation pipeline end to end without a trained model: frames written into a
bag encode the end-effector position and gripper in their pixels (16 bits per value, lossless in
raw and PNG images); :class:`OracleWorldModel` reads them back and predicts the next
representation from ``state ⊕ action`` exactly. Planning toward the frame one step later then
recovers the executed action, so agreement metrics must come out near 1.

Representations survive the planner's layer norm unchanged in shape: each value v becomes three
phases ``cos(θ − 2πj/3)`` with θ = v·π/2, whose mean is 0 and variance constant, so the L1
energy grows monotonically with the distance between the encoded states.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from vjepa_ros.planning.pose import apply_action

ENCODED = (0, 1, 2, 6)  # state entries shown in a frame: x, y, z, gripper
VALUE_LIMIT = 1.0  # encoded values lie in [-1, 1]
PHASES = 3


def render_state_frames(states: np.ndarray, size: int = 32) -> np.ndarray:
    """Frames uint8 [T, size, size, 3] whose pixels encode x, y, z, gripper of states [T, 7].

    Band b (rows b·size/4 ...) holds value b as 16 bits: red = high byte, green = low byte.
    """
    states = np.asarray(states, dtype=np.float64)
    if states.ndim != 2 or states.shape[1] != 7:
        raise ValueError(f"states must be [T, 7], got {states.shape}")
    if size < 8 or size % 4:
        raise ValueError(f"size must be a multiple of 4 and >= 8, got {size}")
    values = np.clip(states[:, ENCODED], -VALUE_LIMIT, VALUE_LIMIT)
    codes = np.round((values / VALUE_LIMIT + 1) / 2 * 65535).astype(np.int64)  # [T, 4]
    frames = np.zeros((len(states), size, size, 3), np.uint8)
    band = size // len(ENCODED)
    for b in range(len(ENCODED)):
        rows = slice(b * band, (b + 1) * band)
        frames[:, rows, :, 0] = (codes[:, b] >> 8)[:, None, None]
        frames[:, rows, :, 1] = (codes[:, b] & 255)[:, None, None]
        frames[:, rows, :, 2] = 64 * b
    return frames


def decode_state_frames(frames: np.ndarray) -> np.ndarray:
    """Return the encoded values [B, 4] (x, y, z, gripper) of frames [B, H, W, 3] or [H, W, 3]."""
    frames = np.asarray(frames)
    if frames.ndim == 3:
        frames = frames[None]
    height = frames.shape[1]
    band = height // len(ENCODED)
    rows = np.arange(len(ENCODED)) * band + band // 2
    pixels = frames[:, rows, frames.shape[2] // 2].astype(np.int64)  # [B, 4, 3]
    codes = pixels[..., 0] * 256 + pixels[..., 1]
    return (codes / 65535 * 2 - 1) * VALUE_LIMIT


def embed_values(values: torch.Tensor, tokens: int = 1) -> torch.Tensor:
    """Layer-norm-invariant representations [B, tokens, 4·3] of values [B, 4]."""
    theta = values.float() * (math.pi / 2 / VALUE_LIMIT)  # [B, 4]
    offsets = torch.arange(PHASES, device=values.device) * (2 * math.pi / PHASES)
    reps = torch.cos(theta[..., None] - offsets).flatten(1)  # [B, 12]
    return F.layer_norm(reps, reps.shape[-1:])[:, None].expand(-1, tokens, -1).contiguous()


class OraclePredictor(nn.Module):
    """Predicts the representation of ``state ⊕ action`` (ignores the frame representation)."""

    def __init__(self, tokens: int = 1):
        super().__init__()
        self.tokens_per_frame = tokens
        self.embed_dim = len(ENCODED) * PHASES
        self.register_buffer("anchor", torch.zeros(1))  # gives the rollout a device and dtype

    def new_cache(self):
        return None

    def step(self, frame_reps, action, state, cache=None, append=True):
        next_state = apply_action(state.float(), action.float())  # [B, 7]
        reps = embed_values(next_state[:, list(ENCODED)], self.tokens_per_frame)
        return reps.to(frame_reps.dtype)


class OracleWorldModel:
    """Duck-typed stand-in for :class:`vjepa_ros.models.WorldModel` in the synthetic world."""

    def __init__(self, tokens: int = 1):
        self.predictor = OraclePredictor(tokens)
        self.device = torch.device("cpu")
        self.dtype = torch.float32
        self.tokens_per_frame = tokens
        self.embed_dim = self.predictor.embed_dim

    def encode(self, frames, bgr: bool = False) -> torch.Tensor:
        values = torch.from_numpy(decode_state_frames(np.asarray(frames)))
        return embed_values(values, self.tokens_per_frame)


def synthetic_episode(steps: int = 12, rate_hz: float = 4.0, seed: int = 0, size: int = 32,
                      min_step_m: float = 0.01, max_step_m: float = 0.04):
    """Return a random end-effector trajectory and its state-coded frames.

    Returns ``(frames [T, size, size, 3] uint8, states [T, 7] float64, times_s [T])`` with
    T = steps + 1; each step moves every axis by ``min_step_m``..``max_step_m`` with a random
    sign, the orientation drifts a little and the gripper closes half-way through.
    """
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], (steps, 3))
    deltas = rng.uniform(min_step_m, max_step_m, (steps, 3)) * signs
    xyz = np.array([0.45, 0.0, 0.35]) + np.concatenate([np.zeros((1, 3)), np.cumsum(deltas, 0)])
    angles = np.array([math.pi - 0.1, 0.05, 0.2]) + rng.normal(0, 0.01, (steps + 1, 3)).cumsum(0)
    gripper = (np.arange(steps + 1) >= (steps + 1) // 2).astype(np.float64)
    states = np.concatenate([xyz, angles, gripper[:, None]], axis=1)
    times = np.arange(steps + 1) / rate_hz
    return render_state_frames(states, size), states, times

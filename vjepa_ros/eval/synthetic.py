"""Synthetic recordings for tests and benchmarks: a random end-effector path and its frames.

Each frame shows the state it was recorded at (x, y, z and gripper as 16-bit pixel codes), so
frames differ whenever states do and survive raw and PNG bags bit-exactly. Paired with the
simulator's oracle world model (:mod:`vjepa_ros.sim.oracle`), which looks frames up by their
pixels, planning toward the frame one step later must recover the executed action: the
evaluation's agreement metrics then come out near 1.
"""

from __future__ import annotations

import math

import numpy as np

ENCODED = (0, 1, 2, 6)  # state entries shown in a frame: x, y, z, gripper
VALUE_LIMIT = 1.0  # shown values are clipped to [-1, 1]


def render_state_frames(states: np.ndarray, size: int = 32) -> np.ndarray:
    """Return frames uint8 [T, size, size, 3] whose pixels show x, y, z, gripper of states [T, 7].

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


def oracle_for(frames: np.ndarray, states: np.ndarray):
    """Return the simulator's oracle world model, knowing the state [7] of each frame."""
    from vjepa_ros.sim.oracle import OracleWorldModel

    oracle = OracleWorldModel()
    for frame, state in zip(frames, states, strict=True):
        oracle.remember(frame, state)
    return oracle


def synthetic_episode(steps: int = 12, rate_hz: float = 4.0, seed: int = 0, size: int = 32,
                      min_step_m: float = 0.01, max_step_m: float = 0.04):
    """Return a random end-effector trajectory and its state-coded frames.

    Returns ``(frames [T, size, size, 3] uint8, states [T, 7] float64, times_s [T])`` with
    T = steps + 1; each step moves every axis by ``min_step_m``..``max_step_m`` with a random
    sign, the orientation drifts a little (wrapped into [-π, π), as a measured pose's Euler angles
    are) and the gripper closes half-way through.
    """
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], (steps, 3))
    deltas = rng.uniform(min_step_m, max_step_m, (steps, 3)) * signs
    xyz = np.array([0.45, 0.0, 0.35]) + np.concatenate([np.zeros((1, 3)), np.cumsum(deltas, 0)])
    angles = np.array([math.pi - 0.1, 0.05, 0.2]) + rng.normal(0, 0.01, (steps + 1, 3)).cumsum(0)
    angles = np.remainder(angles + math.pi, 2 * math.pi) - math.pi  # a roll drifting past π wraps
    gripper = (np.arange(steps + 1) >= (steps + 1) // 2).astype(np.float64)
    states = np.concatenate([xyz, angles, gripper[:, None]], axis=1)
    times = np.arange(steps + 1) / rate_hz
    return render_state_frames(states, size), states, times

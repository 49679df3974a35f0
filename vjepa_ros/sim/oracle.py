"""Oracle world model: a TEST STAND-IN for V-JEPA 2-AC that knows the simulator's true state.

It proves the control loop — planner, kinematics, commands, controller — without learned weights.
It plugs into the planner exactly where a real :class:`~vjepa_ros.models.WorldModel` does:

- ``encode(frames)`` looks each frame up among the frames an attached :class:`~vjepa_ros.sim.Sim`
  rendered (by the hash of its pixels) and returns a representation of the end-effector state the
  simulator measured when it rendered that frame. A frame the simulator did not render (or that
  was changed on the way, e.g. resized) is an error, never a guess.
- ``predictor.step(reps, action, state, cache)`` decodes the pose from ``reps``, applies the
  action exactly as the pose algebra does (xyz + Δxyz, R_Δ·R, gripper + Δ clipped to [0, 1]) and
  encodes the result. It deliberately ignores the ``state`` input, which the planner computes from
  its own kinematics: so a planner whose kinematics disagree with the simulator's end effector
  misses its goals instead of being corrected by the oracle.

Representation of a pose, one token of ``EMBED_DIM`` = 22 numbers: ``u = [xyz − centre,
s_R·R[:,0], s_R·R[:,1], s_g·gripper, r]`` (11 numbers, ``r`` chosen so that |u|² = 11), then
``[u, −u]``. It has mean 0 and variance 1, so the planner's layer norm leaves it (almost)
unchanged, and the planner's L1 energy grows with the position, orientation and gripper distance.
The rotation enters as two matrix columns, continuous where Euler angles wrap (a hand pointing
down has roll ≈ ±π).

**A world model with a known frame error** (for the camera check, ``robot/camera_check.py``):
``OracleWorldModel(model_frame_rpy_deg=(0, 0, 30))`` predicts motion in a frame rotated from the
base frame by ``R`` (extrinsic xyz Euler angles [deg]): an action ``a`` moves the predicted hand by
``Rᵀ·a_xyz`` (rotation delta ``Rᵀ·R_a·R``), as a learned model does that infers the robot's axes
wrongly from an unusual camera placement; ``axis_gain`` [3] scales each model axis before that
(0: the model cannot see motion along that axis, e.g. along the camera's optical axis). The
encoder stays exact: only the predictor's notion of the axes is off.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vjepa_ros.planning.pose import euler_to_matrix
from vjepa_ros.robot.model_frame import ModelFrame

HALF_DIM = 11
EMBED_DIM = 2 * HALF_DIM
CENTRE = (0.45, 0.0, 0.3)  # m: positions are stored relative to this point
ROTATION_SCALE = 0.5
GRIPPER_SCALE = 0.3


def encode_poses(xyz: Tensor, rotation: Tensor, gripper: Tensor) -> Tensor:
    """Representations [B, 1, 22] (layer-normed, float32) of xyz [B, 3], R [B, 3, 3], g [B]."""
    xyz, rotation, gripper = xyz.double(), rotation.double(), gripper.double()
    centre = xyz.new_tensor(CENTRE)
    head = torch.cat(
        [
            xyz - centre,
            ROTATION_SCALE * rotation[..., :, 0],
            ROTATION_SCALE * rotation[..., :, 1],
            GRIPPER_SCALE * gripper[..., None],
        ],
        dim=-1,
    )  # [B, 10]
    rest = HALF_DIM - head.square().sum(-1, keepdim=True)
    if (rest < 0).any():
        raise ValueError("oracle: end-effector position is more than 3 m from the workspace")
    half = torch.cat([head, rest.sqrt()], dim=-1)  # [B, 11], |half|² = 11
    reps = torch.cat([half, -half], dim=-1)[:, None]  # [B, 1, 22]: mean 0, variance 1
    return F.layer_norm(reps.float(), (EMBED_DIM,))


def encode_states(states: Tensor) -> Tensor:
    """Representations [B, 1, 22] of states [B, 7] (xyz, extrinsic xyz Euler, gripper)."""
    states = torch.as_tensor(states, dtype=torch.float64)
    return encode_poses(states[:, :3], euler_to_matrix(states[:, 3:6]), states[:, 6])


def decode_poses(reps: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Return xyz [B, 3], rotation [B, 3, 3] and gripper [B] (float64) from reps [B, 1, 22]."""
    if reps.ndim != 3 or reps.shape[1:] != (1, EMBED_DIM):
        raise ValueError(f"oracle reps must be [B, 1, {EMBED_DIM}], got {list(reps.shape)}")
    reps = reps[:, 0].double()
    half = (reps[:, :HALF_DIM] - reps[:, HALF_DIM:]) / 2  # [B, 11]
    half = half * (HALF_DIM**0.5 / half.norm(dim=-1, keepdim=True))  # undo the layer norm scale
    xyz = half[:, :3] + half.new_tensor(CENTRE)
    first = F.normalize(half[:, 3:6], dim=-1)
    second = half[:, 6:9] - (half[:, 6:9] * first).sum(-1, keepdim=True) * first
    second = F.normalize(second, dim=-1)
    rotation = torch.stack([first, second, torch.linalg.cross(first, second)], dim=-1)
    return xyz, rotation, half[:, 9] / GRIPPER_SCALE


@dataclass
class OracleCache:
    """Stands in for the predictor's key/value cache: the oracle needs no history."""

    num_frames: int = 0

    def copy(self) -> OracleCache:
        return OracleCache(self.num_frames)


class OraclePredictor(nn.Module):
    """Applies actions exactly to the pose a representation holds (see the module docstring)."""

    tokens_per_frame = 1
    embed_dim = EMBED_DIM

    def __init__(self, model_frame_rpy_deg=(0.0, 0.0, 0.0), axis_gain=(1.0, 1.0, 1.0)):
        super().__init__()
        self.register_buffer("anchor", torch.zeros(()))  # gives the rollout a device and dtype
        self.model_frame = ModelFrame(model_frame_rpy_deg)
        gain = np.asarray(axis_gain, dtype=np.float64)
        if gain.shape != (3,) or not np.isfinite(gain).all():
            raise ValueError(f"oracle: axis_gain must be 3 finite numbers, got {axis_gain!r}")
        self.axis_gain = torch.as_tensor(gain)

    def new_cache(self) -> OracleCache:
        return OracleCache()

    def step(
        self,
        frame_reps: Tensor,
        action: Tensor,
        state: Tensor | None = None,
        cache: OracleCache | None = None,
        extrinsics: Tensor | None = None,
        append: bool = True,
    ) -> Tensor:
        """Return the representation [B, 1, 22] of the pose in ``frame_reps`` moved by ``action``.

        ``state`` is accepted for interface compatibility and ignored on purpose.
        """
        del state, extrinsics
        if action.ndim != 2 or action.shape[-1] != 7 or action.shape[0] != frame_reps.shape[0]:
            raise ValueError(f"oracle: action must be [B, 7], got {list(action.shape)}")
        xyz, rotation, gripper = decode_poses(frame_reps)
        action = action.double()
        if not self.model_frame.identity or bool((self.axis_gain != 1).any()):
            action = torch.cat([action[:, :3] * self.axis_gain.to(action.device), action[:, 3:]],
                               dim=-1)
            action = self.model_frame.action_to_base(action)  # what the model's action does
        rotation = euler_to_matrix(action[:, 3:6]) @ rotation
        gripper = (gripper + action[:, 6]).clamp(0.0, 1.0)
        if cache is not None and append:
            cache.num_frames += 1
        return encode_poses(xyz + action[:, :3], rotation, gripper).to(frame_reps.dtype)

    def forward(self, x: Tensor, actions: Tensor, states: Tensor) -> Tensor:
        """Full-sequence form: x [B, T, 22], actions/states [B, T, 7] -> [B, T, 22]."""
        outputs = [self.step(x[:, t : t + 1], actions[:, t]) for t in range(x.shape[1])]
        return torch.cat(outputs, dim=1)


def _frame_key(frame: np.ndarray) -> tuple:
    return frame.shape, hashlib.blake2b(frame.tobytes(), digest_size=16).digest()


class OracleWorldModel:
    """The oracle encoder + predictor pair (test stand-in; see the module docstring).

    Usage: ``oracle = OracleWorldModel().attach(sim)``; then give ``oracle`` to the planner in
    place of a ``WorldModel``. ``model_frame_rpy_deg`` [3] and ``axis_gain`` [3]: a known frame
    error of the predictor (see the module docstring); the defaults are exact.
    """

    def __init__(self, capacity: int = 4096, device="cpu", model_frame_rpy_deg=(0.0, 0.0, 0.0),
                 axis_gain=(1.0, 1.0, 1.0)):
        self.device = torch.device(device)
        self.dtype = torch.float32
        self.predictor = OraclePredictor(model_frame_rpy_deg, axis_gain).to(self.device)
        self.embed_dim = EMBED_DIM
        self.tokens_per_frame = 1
        self.timed_cost = False  # no plan-cost line: its plans cost nothing (robot.plan_cost)
        self.capacity = capacity
        self._states: OrderedDict = OrderedDict()

    def attach(self, sim) -> OracleWorldModel:
        """Remember the true state of every frame ``sim`` renders from now on; return self."""
        sim.add_render_hook(self.remember)
        return self

    def remember(self, frame: np.ndarray, state: np.ndarray) -> None:
        """Record that ``frame`` [H, W, 3] uint8 was rendered with the hand at ``state`` [7]."""
        key = _frame_key(np.ascontiguousarray(frame))
        self._states[key] = np.asarray(state, dtype=np.float64).copy()
        self._states.move_to_end(key)
        while len(self._states) > self.capacity:
            self._states.popitem(last=False)

    def state_of(self, frame) -> np.ndarray:
        """Return the state [7] the simulator measured when it rendered ``frame``."""
        frame = np.ascontiguousarray(np.asarray(frame, dtype=np.uint8))
        state = self._states.get(_frame_key(frame))
        if state is None:
            raise ValueError(
                f"oracle: this {list(frame.shape)} frame was not rendered by an attached Sim "
                f"(it knows {len(self._states)} frames; were the pixels changed on the way?)"
            )
        return state

    def encode(self, frames, bgr: bool = False) -> Tensor:
        """Representations [B, 1, 22] (float32) of uint8 frames [B, H, W, 3] or [H, W, 3]."""
        frames = frames.cpu().numpy() if isinstance(frames, Tensor) else np.asarray(frames)
        if frames.ndim == 3:
            frames = frames[None]
        if frames.ndim != 4 or frames.shape[-1] != 3:
            raise ValueError(f"oracle: frames must be [B, H, W, 3], got {list(frames.shape)}")
        if bgr:
            frames = frames[..., ::-1]
        states = np.stack([self.state_of(frame) for frame in frames])
        return encode_states(torch.from_numpy(states)).to(self.device)

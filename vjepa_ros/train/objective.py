"""The V-JEPA 2-AC post-training objective: teacher-forced L1 + short-rollout L1.

Checked against the official ``app/vjepa_droid/train.py`` (facebookresearch/vjepa2, commit
c2963a4, ``forward_predictions`` / ``loss_fn``) and ``configs/train/vitg16/droid-256px-8f.yaml``;
what this module matches, with z the layer-normed target representations of a clip of T frames
(N tokens each) and a_k = s_{k+1} ⊖ s_k:

- targets: each frame encoded alone by the frozen (target) encoder, frame repeated into one
  tubelet, ``layer_norm`` without affine over the feature dim (``normalize_reps: true``);
- every predictor output is layer-normed (no affine) before it is used or scored;
- teacher forcing: ``predictor(z[frames 0..T-2], actions[0..T-2], states[0..T-2])`` predicts
  frames 1..T-1; ``jloss = mean |pred - z[frames 1..T-1]|`` (``loss_exp`` 1: plain L1 mean over
  batch, tokens and dims);
- rollout (``auto_steps``, 2 in the config): the sequence starts as [true frame 0, the
  teacher-forced prediction of frame 1]; for n = 1 .. auto_steps-1 the predictor runs on all
  frames so far with ``actions[:n+1]`` and the *recorded* ``states[:n+1]`` and its last-frame
  output is appended; ``sloss = mean |rollout[frames 1..auto_steps] - z[frames 1..auto_steps]|``
  (gradients flow through the whole rollout, the teacher-forced frame 1 included);
- ``loss = jloss + sloss``, no other term (``reg_coeff: 0``).

Preprocessing: the official DROID config's ``random_resized_crop`` has scale 1.777, so a crop
never fits and ``_get_param_spatial_crop`` always falls back to the central crop with the aspect
ratio clamped into [0.75, 1.35] (``src/datasets/utils/video/transforms.py``): training frames get
the deterministic preprocessing of ``WorldModel.encode``, which is why caching the features loses
no augmentation. The official global batch of 256 (8 per GPU on 32 GPUs) needs torchrun or
gradient accumulation (see the trainer).
"""

from __future__ import annotations

import torch
from torch import Tensor

from vjepa_ros.models import ACPredictor, layer_norm_reps


def _l1(prediction: Tensor, target: Tensor) -> Tensor:
    return (prediction - target).abs().mean()


def prediction_losses(predictor: ACPredictor, reps: Tensor, actions: Tensor, states: Tensor,
                      auto_steps: int = 2) -> tuple[Tensor, Tensor]:
    """Return (jloss, sloss), scalar float32 tensors with gradients to the predictor.

    reps [B, T*N, D] layer-normed targets (float32), actions [B, T-1, 7], states [B, T, 7];
    1 <= auto_steps <= T-1.
    """
    tokens = predictor.tokens_per_frame
    frames = reps.shape[1] // tokens
    if reps.ndim != 3 or reps.shape[1] != frames * tokens or frames < 2:
        raise ValueError(f"reps must be [B, T*{tokens}, D] with T >= 2, got {tuple(reps.shape)}")
    if tuple(actions.shape[:2]) != (reps.shape[0], frames - 1) or \
            tuple(states.shape[:2]) != (reps.shape[0], frames):
        raise ValueError(f"for {frames} frames, actions must be [B, {frames - 1}, 7] and states "
                         f"[B, {frames}, 7]; got {tuple(actions.shape)} and "
                         f"{tuple(states.shape)}")
    if not 1 <= auto_steps <= frames - 1:
        raise ValueError(f"auto_steps must be in 1..{frames - 1} for {frames} frames, "
                         f"got {auto_steps}")

    # Teacher forcing: frames 0..T-2 (true) -> predictions of frames 1..T-1.
    teacher = layer_norm_reps(predictor(reps[:, :-tokens], actions, states[:, :-1]))
    jloss = _l1(teacher, reps[:, tokens:])

    # Rollout: [true frame 0, predicted frame 1], then feed predictions back.
    rollout = torch.cat([reps[:, :tokens], teacher[:, :tokens]], dim=1)
    for n in range(1, auto_steps):
        out = predictor(rollout, actions[:, :n + 1], states[:, :n + 1])
        rollout = torch.cat([rollout, layer_norm_reps(out[:, -tokens:])], dim=1)
    sloss = _l1(rollout[:, tokens:], reps[:, tokens:(auto_steps + 1) * tokens])
    return jloss, sloss

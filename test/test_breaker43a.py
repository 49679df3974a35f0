"""breaker43a: does `vjepa-ros pretrain` (stage 1) train the published V-JEPA recipe? It departs.

Attacked at main fc4b0a6: vjepa_ros/train/pretrain.py (the update: gradient clipping, the
predictor it builds), pretrain_predictor.py (mask tokens), collapse.py (effective rank), checked
against the published recipe re-derived here: facebookresearch/jepa ``configs/pretrain/
vitl16.yaml`` (``use_mask_tokens: true``, ``zero_init_mask_tokens: true``, ``clip_grad: 10.0``)
and ``app/vjepa/train.py`` (``num_mask_tokens=len(cfgs_mask)``; ``if (epoch > warmup) and
(clip_grad is not None)``: ``clip_grad_norm_(encoder.parameters(), clip_grad)`` and, apart,
``clip_grad_norm_(predictor.parameters(), clip_grad)``), and RankMe (Garrido et al. 2023,
arXiv 2210.02885: exp of the entropy of the L1-normalized singular values of the embeddings).

Held up (no test here): the multi-block masks (block sizes, union = target, context = the
complement, the same rectangles at every time step, per-sample cut), the lr / weight-decay / EMA
schedules against the official formulas, targets from the full clip without grad and layer norm,
the context encoder on the context tokens only, the saved file being the target encoder, and the
saved encoder giving train's ``FrameEncoder`` the same features bit for bit.
"""

import math

import numpy as np
import pytest
import torch
from test_pretrain_encoder import square_videos, tiny_config

from vjepa_ros.train import pretrain as pretrain_module
from vjepa_ros.train.collapse import collapse_monitors
from vjepa_ros.train.pretrain import pretrain_encoder, seeded_encoder
from vjepa_ros.train.pretrain_data import ClipSampler

pytestmark = pytest.mark.usefixtures("one_thread")


def _one_run(config, monkeypatch, clip_calls=None, predictors=None):
    """Run ``config`` on tiny square videos; record clip_grad_norm_ calls and the predictor."""
    if clip_calls is not None:
        real_clip = torch.nn.utils.clip_grad_norm_

        def recording_clip(parameters, *args, **kwargs):
            parameters = list(parameters)
            clip_calls.append({id(p) for p in parameters})
            return real_clip(parameters, *args, **kwargs)

        monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_", recording_clip)
    if predictors is not None:
        real_predictor = pretrain_module.MaskPredictor

        def recording_predictor(*args, **kwargs):
            predictors.append(real_predictor(*args, **kwargs))
            return predictors[-1]

        monkeypatch.setattr(pretrain_module, "MaskPredictor", recording_predictor)
    videos = square_videos(4)
    sampler = ClipSampler(videos, config.frames_per_clip, config.img_size, 0.25,
                          torch.Generator().manual_seed(0))
    return pretrain_encoder(sampler, np.concatenate(videos)[:8], config, log=None)


def test_effective_rank_of_a_known_rank_feature_set_is_its_rank():
    """effective_rank: RankMe's formula on the features centred over frames, as documented.

    collapse.py's definition (the main session's decision; RankMe itself does not centre).

    Hand derivation, independent of the code: six frames, two tokens of width 16. Token 0 is
    a constant offset 5 e4 plus +-e1, +-e2, +-e3 (one sign each frame); token 1 is 3 e5 in
    every frame. Centred over the frames, token 0 is +-e1, +-e2, +-e3 (mean 5 e4 removed) and
    token 1 is zero: the [12, 16] matrix has three singular values sqrt 2, the rest 0, so
    p = 1/3 each and exp(-sum p ln p) = exp(ln 3) = 3 exactly. Uncentred (RankMe) the offsets
    add e4 and e5 and it reads more than 3. Unequal spreads +-2 e1, +-e2: singular values
    2 sqrt 2 and sqrt 2, p = (2/3, 1/3), exp(H) with H = ln 3 - (2/3) ln 2 (squared singular
    values would give p = (4/5, 1/5)). All frames equal (complete collapse): 0 (RankMe: 1).
    """
    dim = 16
    eye = torch.eye(dim)
    signs = torch.tensor([1.0, -1.0])
    spread = torch.stack([sign * eye[i] for i in range(3) for sign in signs])  # [6, D]
    features = torch.stack([spread + 5 * eye[4], (3 * eye[5]).expand(6, dim)], dim=1)
    assert collapse_monitors(features)["effective_rank"] == pytest.approx(3.0, rel=1e-9)
    uncentred = torch.linalg.svdvals(features.flatten(0, 1).double())
    p = uncentred[uncentred > 1e-9] / uncentred.sum()
    assert float(torch.exp(-(p * p.log()).sum())) > 3.3  # RankMe on the same set: not 3

    unequal = torch.stack([2 * eye[0], -2 * eye[0], eye[1], -eye[1]])[:, None, :] + eye[7]
    expected = math.exp(math.log(3) - 2 / 3 * math.log(2))
    assert collapse_monitors(unequal)["effective_rank"] == pytest.approx(expected, rel=1e-9)

    collapsed = (eye[2] + 0.5 * eye[9]).expand(5, 3, dim)
    assert collapse_monitors(collapsed)["effective_rank"] == 0.0


def test_the_predictors_mask_token_starts_at_zero(monkeypatch):
    """The predictor ``pretrain`` builds, before any update: its mask token(s) all zero.

    ``vitl16.yaml`` sets ``zero_init_mask_tokens: true``; ``--steps 0`` and every run's first
    step start from the predictor as built, so every lab run starts off the published recipe.
    """
    predictors = []
    _one_run(tiny_config(steps=0), monkeypatch, predictors=predictors)
    tokens = [p for name, p in predictors[0].named_parameters() if "mask_token" in name]
    assert tokens, "the predictor has no mask token"
    assert all(float(p.abs().max()) == 0.0 for p in tokens)


def test_the_predictor_learns_one_mask_token_per_mask(monkeypatch):
    """Two masks (short- and long-range) per step: two learned mask tokens of predictor width.

    ``app/vjepa/train.py`` builds the predictor with ``num_mask_tokens=len(cfgs_mask)`` and
    feeds mask i its own token (``mask_index=i``); with one shared token the short- and the
    long-range predictions start from the same query, which the recipe keeps apart.
    """
    predictors = []
    config = tiny_config(steps=0)
    _one_run(config, monkeypatch, predictors=predictors)
    count = sum(p.numel() for name, p in predictors[0].named_parameters() if "mask_token" in name)
    assert count == 2 * config.predictor_dim


def test_the_gradient_is_clipped_per_network(monkeypatch):
    """One update after the warm-up: two clip calls, the encoder's parameters and the predictor's.

    Official: ``clip_grad_norm_(encoder.parameters(), 10)`` then
    ``clip_grad_norm_(predictor.parameters(), 10)``. Clipped together, a large predictor
    gradient (early training, the predictor starts random) shrinks the encoder's step too, and
    the joint norm reaches 10 sooner than either alone.
    """
    calls, predictors = [], []
    config = tiny_config(steps=1, warmup_fraction=0.0, clip_grad=10.0)
    result = _one_run(config, monkeypatch, clip_calls=calls, predictors=predictors)
    assert len(result.losses) == 1
    encoder_count = len(list(seeded_encoder(config).parameters()))
    predictor_ids = {id(p) for p in predictors[0].parameters()}
    assert len(calls) == 2
    assert sorted(len(call) for call in calls) == sorted([encoder_count, len(predictor_ids)])
    assert predictor_ids in calls


def test_the_gradient_is_not_clipped_during_the_warm_up(monkeypatch):
    """Four steps with a warm-up of two (warmup_fraction 0.5): no clipping in steps 0 and 1.

    ``app/vjepa/train.py``: ``if (epoch > warmup) and (clip_grad is not None)``; the warm-up,
    where the predictor is random and gradients are largest, is where the package's clip bites.
    """
    calls = []
    config = tiny_config(steps=4, warmup_fraction=0.5, clip_grad=10.0)

    seen = []  # clip calls made before each optimizer step
    real_step = torch.optim.AdamW.step

    def step(self, *args, **kwargs):
        seen.append(len(calls))
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.AdamW, "step", step)
    _one_run(config, monkeypatch, clip_calls=calls)
    assert len(seen) == 4
    assert seen[1] == 0  # no clip call before the first two optimizer steps (the warm-up)


def test_each_mask_trains_its_own_mask_token(monkeypatch):
    """fix43a: one step after a zero warm-up moves both mask tokens off zero.

    Token i only gets a gradient when mask i's predictions are made with ``mask_index=i``: a
    caller that left every mask on token 0 would leave token 1 at exactly zero.
    """
    predictors = []
    _one_run(tiny_config(steps=1, warmup_fraction=0.0), monkeypatch, predictors=predictors)
    tokens = predictors[0].mask_tokens
    assert len(tokens) == 2
    assert all(float(token.detach().abs().max()) > 0.0 for token in tokens)
    with pytest.raises(ValueError, match="mask_index must lie in"):
        predictors[0](torch.zeros(1, 1, tiny_config().embed_dim), torch.tensor([0]),
                      torch.tensor([1]), mask_index=2)

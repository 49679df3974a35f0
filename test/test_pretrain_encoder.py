"""JEPA encoder pretraining: masks, the masked encoder forward, the loop, the file and command."""

import numpy as np
import pytest
import torch
import yaml

from vjepa_ros.cli import main
from vjepa_ros.models import build_encoder, load_world_model
from vjepa_ros.sim.episode import Episode
from vjepa_ros.train.pretrain import PretrainConfig, learning_rate, pretrain_encoder
from vjepa_ros.train.pretrain_masks import sample_block_mask

TINY = dict(img_size=32, patch_size=8, embed_dim=48, depth=1, num_heads=2, predictor_dim=24,
            predictor_depth=1, predictor_heads=2, batch_size=16, num_blocks=2,
            block_scale_min=0.1, block_scale_max=0.2)


def square_frames(count: int, size: int = 32, seed: int = 0) -> np.ndarray:
    """Frames of a grey background with one bright square at a random place (learnable)."""
    rng = np.random.default_rng(seed)
    frames = np.full((count, size, size, 3), 60, dtype=np.uint8)
    for frame in frames:
        top, left = rng.integers(0, size - 10, size=2)
        frame[top:top + 10, left:left + 10] = (230, 80, 40)
    return frames


def test_block_masks_split_the_grid_and_are_seeded():
    for seed in range(20):
        mask = sample_block_mask(8, 8, torch.Generator().manual_seed(seed))
        context, target = set(mask.context.tolist()), set(mask.target.tolist())
        assert not context & target
        assert context | target == set(range(64))
        assert len(context) >= 16 and target
    first = sample_block_mask(8, 8, torch.Generator().manual_seed(3))
    again = sample_block_mask(8, 8, torch.Generator().manual_seed(3))
    assert torch.equal(first.target, again.target)
    with pytest.raises(ValueError, match="too small"):
        sample_block_mask(1, 8, torch.Generator())
    with pytest.raises(ValueError, match="context"):
        sample_block_mask(4, 4, torch.Generator(), num_blocks=8, block_scale=(0.9, 1.0))


def test_masked_encoder_forward_sees_only_the_kept_tokens():
    torch.manual_seed(0)
    encoder = build_encoder(img_size=32, patch_size=8, embed_dim=48, depth=2, num_heads=2).eval()
    clip = torch.randn(2, 3, 2, 32, 32)
    every = torch.arange(16)
    torch.testing.assert_close(encoder(clip, keep=every), encoder(clip))
    keep = torch.tensor([0, 5, 6, 15])
    changed = clip.clone()
    changed[..., 8:16, 16:24] += 3.0  # token 6 of the 4x4 grid is dropped below
    kept = encoder(clip, keep=keep[[0, 1, 3]])
    assert kept.shape == (2, 3, 48)
    torch.testing.assert_close(encoder(changed, keep=keep[[0, 1, 3]]), kept)
    assert not torch.allclose(encoder(changed, keep=keep), encoder(clip, keep=keep))
    with pytest.raises(ValueError, match="keep"):
        encoder(clip, keep=torch.tensor([16]))


def test_learning_rate_warms_up_then_decays_to_the_floor():
    config = PretrainConfig(steps=100, lr=1e-3, warmup_fraction=0.1, final_lr_fraction=0.1)
    rates = [learning_rate(step, config) for step in range(100)]
    assert rates[0] == pytest.approx(1e-4) and rates[9] == pytest.approx(1e-3)
    assert all(a >= b for a, b in zip(rates[10:], rates[11:], strict=False))
    assert rates[-1] == pytest.approx(1e-4, rel=0.01)


def test_pretraining_lowers_the_masked_prediction_loss_and_moves_the_target():
    frames = square_frames(64)
    config = PretrainConfig(steps=30, lr=3e-3, warmup_fraction=0.1, **TINY)
    torch.manual_seed(config.seed)
    initial = build_encoder(img_size=32, patch_size=8, embed_dim=48, depth=1, num_heads=2)
    target, losses = pretrain_encoder(frames, config, log=None)
    assert np.mean(losses[-10:]) < 0.8 * np.mean(losses[:5])
    moved = [(a - b).abs().max() for a, b in zip(target.parameters(), initial.parameters(),
                                                  strict=True)]
    assert max(moved) > 1e-4  # the EMA target followed the trained context encoder
    assert not any(p.requires_grad for p in target.parameters())
    untrained, no_losses = pretrain_encoder(frames, PretrainConfig(steps=0, **TINY), log=None)
    assert no_losses == []
    for a, b in zip(untrained.parameters(), initial.parameters(), strict=True):
        assert torch.equal(a, b), "steps 0 saves the seeded initialization"


def test_pretrain_command_writes_a_loadable_encoder_file(tmp_path, capsys):
    data = tmp_path / "episodes"
    frames = square_frames(12)
    states = np.zeros((12, 7))
    states[:, 0] = np.linspace(0.3, 0.5, 12)
    Episode.from_states(frames, states, np.arange(12) / 4.0).save(data / "episode_000000.npz")
    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump({**TINY, "steps": 3}))
    out = tmp_path / "encoder.pt"
    assert main(["pretrain", "--data", str(data), "--out", str(out),
                 "--config", str(settings)]) == 0
    printed = capsys.readouterr().out
    assert "pretraining on 12 frames 32x32" in printed and "saved" in printed
    assert out.with_suffix(".png").stat().st_size > 0
    model = load_world_model(out, device="cpu")
    assert model.predictor is None and model.tokens_per_frame == 16
    assert torch.load(out, weights_only=True)["pretrain"]["steps"] == 3
    reps = model.encode(frames[:2])
    assert reps.shape == (2, 16, 48) and torch.isfinite(reps).all()

    assert main(["pretrain", "--data", str(tmp_path / "nothing"), "--out", str(out)]) == 1
    assert "not a directory of episode" in capsys.readouterr().err
    settings.write_text(yaml.safe_dump({"img_size": 30}))
    assert main(["pretrain", "--data", str(data), "--out", str(out),
                 "--config", str(settings)]) == 1
    assert "multiple" in capsys.readouterr().err

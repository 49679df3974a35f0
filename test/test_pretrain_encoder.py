"""V-JEPA encoder pretraining: masked encoder forward, clips, the loop, the file and command."""

import json

import numpy as np
import pytest
import torch
import yaml

from vjepa_ros.cli import main
from vjepa_ros.models import build_encoder, load_world_model
from vjepa_ros.recordings.episode import Episode
from vjepa_ros.train.pretrain import PretrainConfig, pretrain_encoder, pretrain_targets
from vjepa_ros.train.pretrain_data import ClipSampler, spread_frames

TINY = dict(img_size=32, patch_size=8, embed_dim=48, depth=1, num_heads=2, predictor_dim=24,
            predictor_depth=1, predictor_heads=2, batch_size=8, frames_per_clip=2,
            monitor_frames=16, monitor_every=10,
            mask_short={"num_blocks": 4, "spatial_scale": [0.15, 0.15]},
            mask_long={"num_blocks": 1, "spatial_scale": [0.5, 0.5]})

pytestmark = pytest.mark.usefixtures("one_thread")  # tiny models: 1 thread is fastest


def square_videos(count: int, frames: int = 6, size: int = 32, seed: int = 0) -> list:
    """Videos [frames, size, size, 3] of a bright square moving over a grey background."""
    rng = np.random.default_rng(seed)
    videos = []
    for _ in range(count):
        video = np.full((frames, size, size, 3), 60, dtype=np.uint8)
        top, left = rng.integers(0, size - 10, size=2)
        step = rng.integers(-2, 3, size=2)
        for frame in video:
            frame[top:top + 10, left:left + 10] = (230, 80, 40)
            top, left = np.clip([top + step[0], left + step[1]], 0, size - 10)
        videos.append(video)
    return videos


def tiny_config(**changes) -> PretrainConfig:
    from vjepa_ros.config import from_dict

    return from_dict(PretrainConfig, {**TINY, **changes})


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


def test_targets_are_layer_normed_per_token_unless_turned_off():
    torch.manual_seed(0)
    encoder = build_encoder(img_size=32, patch_size=8, embed_dim=48, depth=1, num_heads=2)
    clip = torch.randn(2, 3, 2, 32, 32)
    raw = encoder(clip).detach()
    normed = pretrain_targets(encoder, clip)
    assert normed.shape == raw.shape == (2, 16, 48) and not normed.requires_grad
    torch.testing.assert_close(normed.mean(-1), torch.zeros(2, 16), atol=1e-5, rtol=0)
    torch.testing.assert_close(normed.std(-1, unbiased=False), torch.ones(2, 16), atol=1e-3,
                               rtol=0)
    torch.testing.assert_close(pretrain_targets(encoder, clip, layer_norm=False), raw)
    assert tiny_config().target_layer_norm and not tiny_config(
        target_layer_norm=False).target_layer_norm


def test_clip_sampler_draws_consecutive_and_still_clips():
    videos = [np.arange(5 * 4 * 4 * 3, dtype=np.uint8).reshape(5, 4, 4, 3) // 2 + 40 * i
              for i in range(3)]
    sampler = ClipSampler(videos, 2, 4, 0.5, torch.Generator().manual_seed(0))
    assert len(sampler.starts) == 3 * 4 and sampler.num_frames == 15
    clips = sampler.sample(64)
    assert clips.shape == (64, 3, 2, 4, 4)
    still = (clips[:, :, 0] == clips[:, :, 1]).flatten(1).all(1)
    assert 0.3 < still.float().mean() < 0.7  # still_fraction 0.5
    with pytest.raises(ValueError, match="at least 6"):
        ClipSampler(videos, 6, 4, 0.0, torch.Generator())
    assert len(spread_frames(videos, 4)) == 4 and len(spread_frames(videos, 99)) == 15


@pytest.mark.parametrize("options", [
    {},
    # the official per-sample masks and crops, plus the (beyond-the-paper) VICReg terms
    {"per_sample_masks": True, "random_resize_scale": [0.3, 1.0], "random_horizontal_flip": True,
     "variance_weight": 1.0, "covariance_weight": 0.04},
    {"target_layer_norm": False},  # the ablation: raw target tokens
])
def test_short_pretraining_lowers_the_loss_without_collapsing(options):
    videos = square_videos(24)
    config = tiny_config(steps=40, lr=3e-3, start_lr=3e-3, **options)
    torch.manual_seed(config.seed)
    initial = build_encoder(img_size=32, patch_size=8, embed_dim=48, depth=1, num_heads=2)
    sampler = ClipSampler(videos, 2, 32, 0.25, torch.Generator().manual_seed(0),
                          config.augment())
    saved = []
    result = pretrain_encoder(sampler, spread_frames(videos, 16), config, log=None,
                              checkpoint=lambda step, encoder: saved.append(step))
    losses = result.losses
    assert len(losses) == 40 and np.mean(losses[-10:]) < 0.8 * np.mean(losses[:5])
    assert [m["step"] for m in result.monitors] == [0, 10, 20, 30, 40]
    assert saved == [10, 20, 30, 40]
    first, last = result.monitors[0], result.monitors[-1]
    for name, floor in config.floors.items():
        assert last[name] >= floor * first[name], (name, first, last)
    assert result.warnings == []
    moved = [(a - b).abs().max() for a, b in zip(result.encoder.parameters(),
                                                  initial.parameters(), strict=True)]
    assert max(moved) > 1e-4  # the EMA target followed the trained context encoder
    assert not any(p.requires_grad for p in result.encoder.parameters())
    untrained = pretrain_encoder(sampler, spread_frames(videos, 16), tiny_config(steps=0),
                                 log=None)
    assert untrained.losses == [] and len(untrained.monitors) == 1
    for a, b in zip(untrained.encoder.parameters(), initial.parameters(), strict=True):
        assert torch.equal(a, b), "steps 0 saves the seeded initialization"


def test_a_collapsing_run_is_flagged():
    """A target that forgets its input (momentum 0 + a huge rate) trips the monitors' floors."""
    videos = square_videos(16)
    config = tiny_config(steps=30, lr=0.5, start_lr=0.5, final_lr=0.5, ema_start=0.0,
                         ema_end=0.0, clip_grad=0.0, weight_decay=0.0, final_weight_decay=0.0)
    sampler = ClipSampler(videos, 2, 32, 0.0, torch.Generator().manual_seed(0))
    result = pretrain_encoder(sampler, spread_frames(videos, 16), config, log=None)
    assert result.warnings, result.monitors
    assert result.warnings[0].startswith("step ") and "fell below its floor" in result.warnings[0]


def test_pretrain_command_writes_a_loadable_encoder_file(tmp_path, capsys):
    data = tmp_path / "episodes"
    for index, frames in enumerate(square_videos(2)):
        states = np.zeros((len(frames), 7))  # an arm at rest: the square's motion is no arm's
        states[:, 0] = 0.3  # (a moving arm's frames that do not change are dropped: fix54e)
        Episode.from_states(frames, states, np.arange(len(frames)) / 4.0).save(
            data / f"episode_{index:06d}.npz")
    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump({**TINY, "steps": 20}))
    out = tmp_path / "encoder.pt"
    assert main(["pretrain", "--data", str(data), "--out", str(out), "--threads", "1",
                 "--config", str(settings), "--save-every", "10"]) == 0
    printed = capsys.readouterr().out
    assert "pretraining on 12 frames 32x32 in 2 segments (10 clips of 2 frames)" in printed
    assert "monitor step    20  feature_std" in printed and "saved" in printed
    assert "monitors feature_std" in printed and "pairwise_distance" in printed
    assert out.with_suffix(".png").stat().st_size > 0
    assert out.with_name("encoder.step10.pt").is_file()  # the last step is the final file
    assert not out.with_name("encoder.step20.pt").exists()
    curves = json.loads(out.with_suffix(".json").read_text())
    assert len(curves["losses"]) == 20 and len(curves["monitors"]) == 3
    model = load_world_model(out, device="cpu")
    assert model.predictor is None and model.tokens_per_frame == 16
    stored = torch.load(out, weights_only=True)
    assert stored["pretrain"]["steps"] == 20 and len(stored["pretrain_monitors"]) == 3
    reps = model.encode(frames[:2])
    assert reps.shape == (2, 16, 48) and torch.isfinite(reps).all()

    other = tmp_path / "other.pt"
    assert main(["pretrain", "--data", str(tmp_path / "nothing"), "--out", str(other)]) == 1
    assert "does not exist" in capsys.readouterr().err
    settings.write_text(yaml.safe_dump({"img_size": 30}))
    assert main(["pretrain", "--data", str(data), "--out", str(other),
                 "--config", str(settings)]) == 1
    assert "multiple" in capsys.readouterr().err


def test_a_one_step_run_says_1_step_and_a_collapse_warning_says_what_to_do(tmp_path, capsys,
                                                                           monkeypatch):
    """user32: ``1 steps``; a collapse warning ended with no next step."""
    from vjepa_ros.train import pretrain

    data = tmp_path / "episodes"
    for index, frames in enumerate(square_videos(2)):
        states = np.zeros((len(frames), 7))  # an arm at rest: the square's motion is no arm's
        states[:, 0] = 0.3  # (a moving arm's frames that do not change are dropped: fix54e)
        Episode.from_states(frames, states, np.arange(len(frames)) / 4.0).save(
            data / f"episode_{index:06d}.npz")
    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump({**TINY, "steps": 1, "monitor_every": 1}))
    monkeypatch.setattr(pretrain, "collapse_warnings", lambda *args: ["effective_rank fell"])
    assert main(["pretrain", "--data", str(data), "--out", str(tmp_path / "encoder.pt"),
                 "--threads", "1", "--config", str(settings), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert ": 1 step in " in printed and "1 steps" not in printed, printed
    warning = next(line for line in printed.splitlines() if line.startswith("WARNING:"))
    assert warning.startswith("WARNING: 2 collapse warnings; first: step 0: effective_rank "
                              "fell; next: judge the encoder with "), warning
    assert "lower lr" in warning and "ema_start" in warning


def test_a_step_line_every_ten_seconds_between_the_monitors():
    """mend55c: a slow run printed nothing from step 0 to step 100 (monitor_every)."""
    from vjepa_ros.train.pretrain import PROGRESS_S

    videos = square_videos(8)
    config = tiny_config(steps=12, monitor_every=10)
    sampler = ClipSampler(videos, 2, 32, 0.25, torch.Generator().manual_seed(0),
                          config.augment())
    ticks = iter(range(0, 10_000, 4))  # 4 s a reading: a step line every third step
    lines = []
    result = pretrain_encoder(sampler, spread_frames(videos, 16), config, log=lines.append,
                              clock=lambda: float(next(ticks)))
    steps = [line for line in lines if line.startswith("step ")]
    assert PROGRESS_S == 10.0
    assert [line.split()[1] for line in steps] == ["3/12", "6/12", "9/12", "10/12", "12/12"]
    assert "loss" in steps[0] and steps[0].endswith("s/step")
    loss = float(steps[1].split("loss ")[1].split()[0])
    assert loss == pytest.approx(np.mean(result.losses[3:6]), abs=1e-4)  # the steps since
    assert float(steps[1].split()[-2]) == pytest.approx(4.0)  # 12 s over 3 steps
    quiet = []
    pretrain_encoder(sampler, spread_frames(videos, 16), config, log=quiet.append,
                     progress=False, clock=lambda: float(next(ticks)))
    assert not [line for line in quiet if line.startswith("step ")]

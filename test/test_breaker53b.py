"""breaker53b: ``vjepa-ros pretrain`` and ``train`` under torchrun, differential (round 4).

Attacked at main 9434ff76: vjepa_ros/train/pretrain.py (the update loop: which lr, weight decay,
clip and EMA momentum each update gets), pretrain_schedule.py, pretrain_data.py (a dataset of one
clip, short and damaged sources), pretrain_checks.checked_pretrain_config (a wrong ``--config``),
cli_options.option_message as pretrain words its errors; trainer.py / distributed.py (the global
batch on 2 gloo ranks built from sources of uneven length, which the ranks encode in unequal
shares; ``world_model.pt`` written by rank 0 and loaded in one process). Earlier rounds
(test_breaker50c.py, 51b, 49h, 52i) not repeated: one update against the recipe written out,
masks draw for draw, the lr lag (fixed since), 2 ranks x accumulation == 1 process, resume after
SIGINT, a NaN on one rank.

Reference: the official ``WarmupCosineSchedule`` / ``CosineWDSchedule`` stepped once before each
update (update s gets their value at s + 1; ``T_max = int(ipe_scale x updates)``, the cosine over
``T_max - warmup``), the momentum generator's i-th value ``ema0 + i (ema1 - ema0) / (ipe_scale x
updates)`` for update i, clipping only after the warm-up (facts in /work/shared/docs and
``facebookresearch/jepa`` ``src/masks/multiblock3d.py`` read again: one uniform draw each for the
temporal scale, the spatial scale and the aspect ratio, as the package draws them).

Defects (strict xfails until fix53b; they pass now):

- ``pretrain --config`` of a file named ``planner.yaml`` (or ``refine.yaml``, ``icem.yaml``,
  ``mppi.yaml``) with a bad value: the one-line error names ``/dir/--yaml`` (``--refine-yaml``),
  a file that does not exist: ``cli_options.option_message`` turns every ``planner.X`` /
  ``refine.X`` in the message into the planner option ``--X``, the file's own path included
  (``pretrain_checks.checked_pretrain_config`` passes the ConfigError through it). ``train``
  names the same file correctly.
- A wrong ``--config``: ``pretrain --config config/train.yaml`` (the shipped train settings) is
  refused in a line of ~7,900 characters that repeats the whole list of the 38 known settings
  for 13 of its 17 unknown keys, and never says that the file is a ``vjepa-ros train``
  config; ``train --config config/pretrain.yaml`` likewise (~6,900 characters, the list 22
  times): ``vjepa_ros.config``'s unknown-setting words (``_closest``), one per key, joined.
  Should: the unknown keys and the known list once, ideally "this is a train / pretrain
  config".

Held up (pins): every update of a 16-update pretraining with a warm-up of 4 and ipe_scale 1.5
gets the official lr and weight decay (the decayed group; the other group 0), the official EMA
momentum, applied after the optimizer step, and clipping from update ``warmup`` on, each network
on its own; a dataset of a single clip pretrains (with the note that clips repeat); a source
shorter than a clip, a damaged and a truncated ``.npz`` are refused in one line naming the file;
2 gloo ranks on 5 sources of 5..13 frames (rank shares 3 + 2) build the bank and the validation
clips bit-equal to one process's and train with clipping to the same losses and weights as one
process on the doubled batch; rank 0's ``world_model.pt`` and ``latest.pt`` load in one process
with those weights.

Noticed, not a test: ``pretrain_schedule``'s module docstring says "this package's default starts
the ramp at V-JEPA 2's 0.99925 (see ``config/pretrain.yaml``)", while the default and the YAML
are V-JEPA's 0.998 (docs/pretraining.md and the README say 0.998). The random resized crop
(``pretrain_augment``, off by default) cuts the box from the frame already resized to
``img_size`` and upsamples it back, where the official transform crops the decoded frame, then
resizes: a 0.3-area crop has about half the detail (a lead, not measured). Under ``torchrun``,
sources all shorter than a clip are refused by each rank in the same line (2 copies), followed
by torchrun's own traceback and summary.

Not got to: a SIGINT resume of ``train`` mid-run under the ``torchrun`` CLI with uneven sources
(51b did it with even ones), an RGBA / grey ``.npz`` to pretrain, bags with a corrupt image
message, ``per_sample_masks`` on 2 different grids.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from test_pretrain_encoder import TINY, square_videos, tiny_config

from vjepa_ros.cli import main
from vjepa_ros.recordings.episode import Episode
from vjepa_ros.train import pretrain as pretrain_module
from vjepa_ros.train.pretrain import pretrain_encoder
from vjepa_ros.train.pretrain_data import ClipSampler

pytestmark = pytest.mark.usefixtures("one_thread")

REPO = Path(__file__).resolve().parent.parent


def _episode(path: Path, frames: int, seed: int = 0) -> Path:
    video = square_videos(1, frames=frames, seed=seed)[0]
    states = np.zeros((frames, 7))
    states[:, 0] = np.linspace(0.3, 0.5, frames)
    return Episode.from_states(video, states, np.arange(frames) / 4.0).save(path)


def _settings(tmp_path: Path, name: str = "tiny.yaml", **changes) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({**TINY, "steps": 2, "monitor_every": 2,
                                    "frames_per_clip": 4, **changes}))
    return path


def _pretrain(capsys, *argv) -> tuple[int, str, str]:
    code = main(["pretrain", "--threads", "1", "--quiet", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ------------------------------------------------------- the schedules, update by update


def official_lr(update, warmup, total, start, peak, final):
    """WarmupCosineSchedule's value at its (update + 1)-th step (stepped before the update)."""
    n = update + 1
    if n < warmup:
        return start + n / max(1, warmup) * (peak - start)
    progress = (n - warmup) / max(1, total - warmup)
    return max(final, final + (peak - final) * 0.5 * (1.0 + math.cos(math.pi * progress)))


def official_wd(update, total, start, final):
    """CosineWDSchedule's value at its (update + 1)-th step."""
    value = final + (start - final) * 0.5 * (1.0 + math.cos(math.pi * (update + 1) / total))
    return max(final, value) if final <= start else min(final, value)


def test_every_update_gets_the_official_lr_wd_momentum_and_clip(monkeypatch):
    """16 updates, warm-up 4 (0.25 x 16), ipe_scale 1.5 (T = 24): each update's settings.

    Recorded at each ``optimizer.step``: both groups' lr, both groups' weight decay; at each
    EMA update the momentum and whether the optimizer had stepped before it; the clip calls
    (encoder then predictor, at ``clip_grad``).
    """
    steps, warmup, total = 16, 4, 24
    config = tiny_config(**{
        "steps": steps, "warmup_fraction": 0.25, "ipe_scale": 1.5, "start_lr": 1e-4,
        "lr": 1e-3, "final_lr": 1e-5, "weight_decay": 0.04, "final_weight_decay": 0.4,
        "ema_start": 0.99, "ema_end": 1.0, "clip_grad": 0.5, "monitor_every": steps,
        "frames_per_clip": 2})
    events: list[tuple] = []
    real_step = torch.optim.AdamW.step

    def step(self, *args, **kwargs):
        events.append(("step", [g["lr"] for g in self.param_groups],
                       [g["weight_decay"] for g in self.param_groups]))
        return real_step(self, *args, **kwargs)

    real_clip = torch.nn.utils.clip_grad_norm_

    def clip(parameters, max_norm, *args, **kwargs):
        parameters = list(parameters)
        events.append(("clip", len(parameters), max_norm))
        return real_clip(parameters, max_norm, *args, **kwargs)

    real_ema = pretrain_module.ema_update

    def ema(target, online, momentum):
        events.append(("ema", momentum))
        return real_ema(target, online, momentum)

    monkeypatch.setattr(torch.optim.AdamW, "step", step)
    monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_", clip)
    monkeypatch.setattr(pretrain_module, "ema_update", ema)
    videos = square_videos(2)
    sampler = ClipSampler(videos, 2, config.img_size, 0.0, torch.Generator().manual_seed(0))
    pretrain_encoder(sampler, np.concatenate(videos)[:8], config, log=None)

    updates = [i for i, event in enumerate(events) if event[0] == "step"]
    assert len(updates) == steps
    encoder_params = sum(1 for _ in pretrain_module.seeded_encoder(config).parameters())
    for s, at in enumerate(updates):
        _, lrs, wds = events[at]
        want_lr = official_lr(s, warmup, total, 1e-4, 1e-3, 1e-5)
        assert lrs == pytest.approx([want_lr, want_lr], rel=1e-12), s
        assert wds[0] == pytest.approx(official_wd(s, total, 0.04, 0.4), rel=1e-12), s
        assert wds[1] == 0.0
        before = events[updates[s - 1] + 1:at] if s else events[:at]
        clips = [event for event in before if event[0] == "clip"]
        if s >= warmup:  # each network on its own, encoder first
            assert [c[2] for c in clips] == [0.5, 0.5]
            assert clips[0][1] == encoder_params
        else:
            assert clips == []
        after = events[at + 1]  # the EMA follows the optimizer step
        assert after[0] == "ema"
        assert after[1] == pytest.approx(0.99 + s * 0.01 / (1.5 * steps), rel=1e-12), s


# ------------------------------------------------------------------ bad and odd inputs


def test_a_dataset_of_one_clip_pretrains_and_says_clips_repeat(tmp_path, capsys):
    """One episode of exactly frames_per_clip frames: one clip; the run ends and saves."""
    _episode(tmp_path / "one" / "e.npz", 4)
    out = tmp_path / "enc.pt"
    code, printed, err = _pretrain(capsys, "--data", str(tmp_path / "one"), "--out", str(out),
                                   "--config", str(_settings(tmp_path)))
    assert code == 0, err
    assert "(1 clip of 4 frames)" in printed and "clips repeat" in printed
    assert out.is_file()


@pytest.mark.parametrize("damage", ["short", "garbage", "truncated"])
def test_a_short_or_damaged_source_is_refused_in_one_line_naming_it(tmp_path, capsys, damage):
    """3 frames for 4-frame clips; a non-zip .npz; a real .npz cut in half."""
    path = _episode(tmp_path / "d" / "e.npz", 3 if damage == "short" else 8)
    if damage == "garbage":
        path.write_bytes(b"PK\x03\x04garbage" * 10)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:path.stat().st_size // 2])
    code, _, err = _pretrain(capsys, "--data", str(tmp_path / "d"), "--out",
                             str(tmp_path / "enc.pt"), "--config", str(_settings(tmp_path)))
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0], err
    assert "Traceback" not in err and not (tmp_path / "enc.pt").exists()


@pytest.mark.parametrize("name", ["planner.yaml", "refine.yaml", "icem.yaml", "mppi.yaml",
                                  "goals.yaml"])
def test_a_bad_value_in_a_config_named_planner_yaml_names_that_file(tmp_path, capsys, name):
    """``pretrain --config DIR/planner.yaml`` holding ``steps: -3``.

    Happened: ``vjepa-ros pretrain: DIR/--yaml: steps must lie in [0, inf), got -3``
    (``refine.yaml``: ``DIR/--refine-yaml``): ``cli_options.option_message`` turns
    ``planner.<word>`` / ``refine.<word>`` anywhere in the message into a planner option, the
    path included (``pretrain_checks.checked_pretrain_config``). ``train --config`` of the same
    file names it right. Should: the line names ``DIR/planner.yaml``.
    """
    _episode(tmp_path / "d" / "e.npz", 4)
    settings = tmp_path / name
    settings.write_text("steps: -3\n")
    code, _, err = _pretrain(capsys, "--data", str(tmp_path / "d"), "--out",
                             str(tmp_path / "enc.pt"), "--config", str(settings))
    assert code == 1 and "steps" in err
    assert str(settings) in err, err


@pytest.mark.parametrize("command, shipped", [("pretrain", "train.yaml"),
                                              ("train", "pretrain.yaml")])
def test_the_other_commands_config_is_refused_in_a_readable_line(tmp_path, capsys, command,
                                                                   shipped):
    """``pretrain --config config/train.yaml`` and ``train --config config/pretrain.yaml``.

    Happened: exit 2 with one line of ~7,900 (~6,900) characters: for each unknown key without
    a close match "X: unknown setting (known: <all 38 (21) settings>)", the list 13 (22) times;
    no word that the file is the other command's. Should: a line a person reads: the known settings
    listed once (at most), under ~1,500 characters.
    """
    _episode(tmp_path / "d" / "e.npz", 4)
    argv = [command, "--data", str(tmp_path / "d"), "--out", str(tmp_path / "o"),
            "--config", str(REPO / "config" / shipped)]
    if command == "pretrain":
        argv[-4:-2] = ["--out", str(tmp_path / "o.pt")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert shipped in err
    assert err.count("(known: ") <= 1 and len(err) < 1500, (len(err), err.count("(known: "))
    other = "train" if command == "pretrain" else "pretrain"
    assert f"this looks like a settings file for vjepa-ros {other} " in err, err
    assert len(err.strip().splitlines()) == 1



@pytest.mark.parametrize("command", ["pretrain", "train"])
def test_another_commands_config_is_named_before_a_missing_data(tmp_path, capsys, command):
    """``pretrain --config config/planner.yaml --data /missing``: the file named first (user53u).

    It said only that --data does not exist (the file was named once --data was fixed);
    ``train`` named the file first. One order for both: the ``--config`` file's kind before
    ``--data``.
    """
    out = str(tmp_path / ("o.pt" if command == "pretrain" else "o"))
    argv = [command, "--data", str(tmp_path / "missing"), "--out", out, "--config",
            str(REPO / "config" / "planner.yaml")]
    if command == "train":
        argv += ["--encoder", str(tmp_path / "enc.pt")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "this looks like a ROS 2 parameter file" in err and "missing" not in err, err

# --------------------------------------------- 2 gloo ranks on uneven sources == 1 process

LENGTHS = (5, 13, 7, 9, 6)  # frames per source: rank shares 3 + 2, of unequal lengths


def _train_config(root: Path, out: Path, **changes):
    from vjepa_ros.train import make_config

    settings = {
        "out": str(out), "encoder": str(root / "encoder.pt"),
        "data.train": [str(root / "episodes")], "data.feature_cache_dir": str(root / "cache"),
        "steps": 2, "batch_size": 2, "eval_every": 1, "save_every": 0, "progress": False,
        "data.frames_per_clip": 4, "data.val_fraction": 0.25, "optim.lr": 1e-3,
        "optim.warmup": 1, "optim.decay": 0, "optim.grad_clip": 0.05,
        "predictor.embed_dim": 32, "predictor.depth": 1, "predictor.num_heads": 2,
    }
    return make_config({**settings, **changes})


def _uneven_ranks(topology, root: Path) -> None:
    from vjepa_ros.train import build_trainer

    torch.set_num_threads(1)
    trainer = build_trainer(_train_config(root, root / "ddp"), topology=topology,
                            log=lambda *args: None)
    bank = {"reps": trainer.train_bank.reps, "val": trainer.val_firsts}
    trainer.train()
    torch.save({**bank, "history": trainer.history, "weights": trainer.predictor.state_dict()},
               root / f"rank{topology.rank}.pt")


def test_two_ranks_on_uneven_sources_equal_one_process_and_rank_0s_file_loads(tmp_path):
    """5 sources of 5..13 frames, 2 ranks x batch 2 with clipping == 1 process x batch 4."""
    from vjepa_ros.models import load_world_model
    from vjepa_ros.out_lock import release_outputs
    from vjepa_ros.train import build_trainer
    from vjepa_ros.train.distributed import spawn_local
    from vjepa_ros.train.synthetic import write_blob_episodes, write_tiny_encoder

    write_tiny_encoder(tmp_path / "encoder.pt")
    for seed, frames in enumerate(LENGTHS):
        write_blob_episodes(tmp_path / "episodes", 1, frames=frames, seed=seed)
    single = build_trainer(_train_config(tmp_path, tmp_path / "one", batch_size=4),
                           log=lambda *args: None)
    single.train()
    release_outputs()
    spawn_local(_uneven_ranks, 2, (tmp_path,))
    for rank in range(2):
        run = torch.load(tmp_path / f"rank{rank}.pt", weights_only=True)
        assert torch.equal(run["reps"], single.train_bank.reps)
        assert torch.equal(run["val"], single.val_firsts)
        for key in ("train", "val"):
            got = [row["loss"] for row in run["history"][key]]
            assert got == pytest.approx([r["loss"] for r in single.history[key]], abs=2e-5)
        for name, value in single.predictor.state_dict().items():
            torch.testing.assert_close(run["weights"][name], value, atol=2e-5, rtol=0)
    for written in ("world_model.pt", "latest.pt"):  # rank 0's files, one process loads them
        loaded = load_world_model(tmp_path / "ddp" / written, device="cpu").predictor
        for name, value in single.predictor.state_dict().items():
            torch.testing.assert_close(loaded.state_dict()[name], value, atol=2e-5, rtol=0)
    assert len({row["loss"] for row in single.history["train"]}) == 2  # it trains


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))

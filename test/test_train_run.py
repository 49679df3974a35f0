"""Training runs on a tiny model: learning, exact resume, exported world model, AC init."""

import math

import numpy as np
import pytest
import torch

from vjepa_ros.config import ConfigError
from vjepa_ros.models import (
    CheckpointError,
    build_encoder,
    build_predictor,
    load_models,
    load_world_model,
    save_world_model,
)
from vjepa_ros.planning import CEMPlanner, preset
from vjepa_ros.train import TrainConfig, build_trainer, init_predictor, make_config
from vjepa_ros.train.synthetic import (
    TINY_ENCODER,
    write_blob_episodes,
    write_tiny_encoder,
)

pytestmark = pytest.mark.usefixtures("one_thread")  # tiny models: 1 thread is fastest


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("train")
    encoder = write_tiny_encoder(root / "encoder.pt")
    write_blob_episodes(root / "episodes", 10, frames=12, seed=0)
    return {"root": root, "encoder": encoder, "episodes": root / "episodes"}


def _config(files, out, **changes) -> TrainConfig:
    settings = {
        "out": str(out), "encoder": str(files["encoder"]), "data.train": [str(files["episodes"])],
        "steps": 200, "batch_size": 8, "eval_every": 100, "save_every": 0, "progress": False,
        "data.frames_per_clip": 4, "data.val_fraction": 0.2, "optim.lr": 1e-3,
        "predictor.embed_dim": 32, "predictor.depth": 2, "predictor.num_heads": 2,
    }
    settings.update(changes)
    return make_config(settings)


def test_training_learns_to_use_the_actions(files, tmp_path):
    trainer = build_trainer(_config(files, tmp_path / "run"), log=lambda line: None)
    summary = trainer.train()
    first, last = trainer.history["val"][0], trainer.history["val"][-1]
    assert (first["step"], last["step"]) == (0, 200)
    assert last["loss"] < 0.3 * first["loss"]
    # Better than 'nothing moves': the predictor uses the actions and states.
    assert last["jloss"] < 0.85 * summary["copy_baseline"]
    lrs = [row["lr"] for row in trainer.history["train"]]
    assert lrs[9] == pytest.approx(1e-3) and lrs[-1] == 0.0 and lrs[0] < lrs[5] < lrs[9]
    for name in ("latest.pt", "world_model.pt", "loss.png", "log.json"):
        assert (tmp_path / "run" / name).is_file(), name

    # The exported model loads as a WorldModel and predicts exactly as the trained predictor.
    model = load_world_model(tmp_path / "run" / "world_model.pt", device="cpu")
    reps, actions, states = trainer.val_bank.gather(trainer.val_firsts[:2], 4)
    with torch.no_grad():
        expected = trainer.predictor(reps[:, :-16], actions, states[:, :-1])
        torch.testing.assert_close(model.predictor(reps[:, :-16], actions, states[:, :-1]),
                                   expected, atol=0, rtol=0)
    # ... and plans: toward the clip's next frame from its first one.
    planner = CEMPlanner(model, preset("paper", samples=16, iterations=2), seed=0)
    result = planner.plan(reps[:1, :16], states[0, 0], reps[:1, 16:32])
    assert result.first_action.shape == (7,) and torch.isfinite(result.first_action).all()
    # latest.pt is a world-model file too (official layout + training state).
    assert load_world_model(tmp_path / "run" / "latest.pt", device="cpu").predictor is not None


def test_resume_continues_exactly(files, tmp_path):
    def config(out):
        return _config(files, out, steps=4, eval_every=2, **{"optim.warmup": 1, "optim.decay": 1})

    whole = build_trainer(config(tmp_path / "whole"), log=lambda line: None)
    whole.train()
    split = build_trainer(config(tmp_path / "split"), log=lambda line: None)
    split.train(until=2)
    assert split.step == 2 and not (tmp_path / "split" / "world_model.pt").exists()
    resumed = build_trainer(config(tmp_path / "split"), resume=True, log=lambda line: None)
    assert resumed.step == 2
    resumed.train()
    for (name, a), b in zip(whole.predictor.state_dict().items(),
                            resumed.predictor.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    assert [r["loss"] for r in resumed.history["train"]] == \
        [r["loss"] for r in whole.history["train"]]
    with pytest.raises(ConfigError, match="holds a training run"):
        build_trainer(config(tmp_path / "split"), log=lambda line: None)


def test_float16_export_loads_as_float32(files, tmp_path):
    trainer = build_trainer(_config(files, tmp_path / "half", steps=3, export_dtype="float16",
                                    **{"data.val_fraction": 0.0}), log=lambda line: None)
    trainer.train()
    half, full = tmp_path / "half" / "world_model.pt", tmp_path / "full.pt"
    trainer.config.export_dtype = "float32"
    trainer.export(full)
    assert half.stat().st_size < 0.6 * full.stat().st_size
    encoder, predictor = load_models(half)
    assert predictor.predictor_embed.weight.dtype == torch.float16  # stored as half ...
    model = load_world_model(half, device="cpu")  # ... loaded as float32 on a CPU
    assert {p.dtype for p in model.predictor.parameters()} == {torch.float32}
    assert {p.dtype for p in model.encoder.parameters()} == {torch.float32}
    for name, value in trainer.predictor.state_dict().items():
        torch.testing.assert_close(model.predictor.state_dict()[name], value.half().float())
    frames = np.zeros((1, 32, 32, 3), np.uint8)
    assert torch.isfinite(model.encode(frames)).all()


def test_the_exported_model_records_its_training_frames_size(files, tmp_path):
    """The planner node and eval compare camera frames with it (image_notes.camera_size_note)."""
    trainer = build_trainer(_config(files, tmp_path / "run", steps=1,
                                    **{"data.val_fraction": 0.0}), log=lambda line: None)
    trainer.train()
    exported = tmp_path / "run" / "world_model.pt"
    assert torch.load(exported, weights_only=True)["config"]["data"] == {
        "frame_sizes": [[32, 32]],  # write_blob_episodes' 32x32 frames, [height, width]
        "aspect_ratio_range": [0.75, 1.35],  # data.aspect_ratio_*: the crop it trained on
        # data.topics: the point joint-state bags are labelled at (the Franka Hand TCP), the
        # gripper read (fix52i: the planner holds a --no-gripper model's gripper)
        "tcp_xyz": [0.0, 0.0, 0.1034], "tcp_rpy": [0.0, 0.0, -math.pi / 4], "no_gripper": False,
        # data.rate_hz: its actions' period (breaker56e); no gripper_max_width: the .npz episodes'
        # closedness came from no finger widths (fix61c; breaker58e records it when one did)
        "rate_hz": 4.0}
    assert load_world_model(exported, device="cpu").trained_frame_sizes == [(32, 32)]


def test_predictor_from_an_ac_file_and_from_scratch_for_any_encoder(files, tmp_path):
    encoder = build_encoder(**TINY_ENCODER)
    torch.manual_seed(3)
    ac = build_predictor(embed_dim=32, predictor_embed_dim=48, depth=1, num_heads=3,
                         img_size=32, patch_size=8)
    ac_file = save_world_model(tmp_path / "ac.pt", encoder, ac)
    config = _config(files, tmp_path / "out", **{"predictor.init": str(ac_file), "encoder": ""})
    config.check()
    predictor, text = init_predictor(config, encoder)
    assert text.startswith(f"from {ac_file}") and "width 48" in text
    for name, value in ac.state_dict().items():
        assert torch.equal(predictor.state_dict()[name], value), name

    other = build_encoder(embed_dim=64, depth=1, num_heads=2, img_size=32, patch_size=8)
    with pytest.raises(CheckpointError, match="does not fit the encoder.*embed_dim"):
        init_predictor(config, other)
    config.predictor.init = str(files["encoder"])  # an encoder-only file
    with pytest.raises(CheckpointError, match="no action-conditioned predictor"):
        init_predictor(config, encoder)

    # New predictors take width, token grid and tubelet from any encoder (built on meta).
    config.predictor.init = ""
    for preset_name, tokens in (("vit_large", 256), ("vit_giant", 256), ("vit_giant_384", 576)):
        with torch.device("meta"):
            big = build_encoder(preset_name)
        predictor, _ = init_predictor(config, big)
        assert predictor.embed_dim == big.embed_dim and predictor.tokens_per_frame == tokens


def test_a_run_removes_the_partial_files_of_a_killed_run_only(files, tmp_path):
    """Each ``kill -9`` while latest.pt was saved left one more ``latest.pt.PID.partial``."""
    import os

    from test_atomic_files import dead_pid

    out = tmp_path / "run"
    out.mkdir()
    dead, live = dead_pid(), os.getppid()
    stale = [f"latest.pt.{dead}.partial", f"log.json.{dead}.partial"]
    kept = [f"latest.pt.{live}.partial", f"notes.md.{dead}.partial"]
    for name in stale + kept:
        (out / name).write_text("half")
    said = []
    build_trainer(_config(files, out, steps=1), log=said.append)
    assert f"note: removed 2 partial file(s) of stopped runs in {out} ({stale[0]}, {stale[1]})" \
        in said
    assert sorted(p.name for p in out.iterdir() if p.name.endswith(".partial")) == sorted(kept)

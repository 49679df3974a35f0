"""Loading and saving official-format checkpoints, HF snapshots, and clear errors for bad files."""

import pickle

import pytest
import torch

from vjepa_ros.models import (
    CheckpointError,
    build_encoder,
    build_predictor,
    load_models,
    load_world_model,
    save_world_model,
)
from vjepa_ros.models.checkpoint import (
    infer_encoder_hyper_parameters,
    infer_predictor_hyper_parameters,
)

ENC = dict(embed_dim=48, depth=2, num_heads=2, img_size=64)
PRED = dict(embed_dim=48, predictor_embed_dim=32, depth=2, num_heads=2, img_size=64)


def perturbed(model, seed):
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in model.parameters():
            param.add_(0.05 * torch.randn(param.shape, generator=generator))
    return model.eval()


@pytest.fixture(scope="module")
def models():
    return perturbed(build_encoder(**ENC), 0), perturbed(build_predictor(**PRED), 1)


@pytest.fixture(scope="module")
def probe():
    generator = torch.Generator().manual_seed(2)
    clip = torch.randn(1, 3, 2, 64, 64, generator=generator)
    x = torch.randn(1, 2 * 16, 48, generator=generator)
    actions, states = torch.randn(1, 2, 7, generator=generator), torch.randn(1, 2, 7,
                                                                            generator=generator)
    return clip, x, actions, states


@torch.no_grad()
def assert_same_outputs(a, b, probe):
    (enc_a, pred_a), (enc_b, pred_b) = a, b
    clip, x, actions, states = probe
    assert torch.equal(enc_a(clip), enc_b(clip))
    assert torch.equal(pred_a(x, actions, states), pred_b(x, actions, states))


def test_round_trip_with_prefixes_and_config(models, probe, tmp_path):
    path = save_world_model(tmp_path / "wm.pt", *models, prefix="module.backbone.")
    raw = torch.load(path, weights_only=True)
    assert set(raw) == {"encoder", "predictor", "config"}
    assert all(key.startswith("module.backbone.") for key in raw["predictor"])
    wm = load_world_model(path, device="cpu")
    assert wm.dtype == torch.float32 and wm.predictor.config == models[1].config
    assert_same_outputs(models, (wm.encoder, wm.predictor), probe)


def test_official_file_without_config_needs_heads_or_presets(models, probe, tmp_path):
    path = save_world_model(tmp_path / "official.pt", *models, config=False)
    with pytest.raises(CheckpointError, match="num_heads"):
        load_models(path)
    loaded = load_models(path, encoder={"num_heads": 2, "img_size": 64},
                         predictor={"num_heads": 2, "img_size": 64})
    assert_same_outputs(models, loaded, probe)


def test_presets_are_recognized_from_shapes():
    with torch.device("meta"):
        encoder, predictor = build_encoder("vit_giant"), build_predictor("vit_ac_giant")
    values = infer_encoder_hyper_parameters(encoder.state_dict())
    assert values["num_heads"] == 22 and values["mlp_ratio"] == 48 / 11
    assert values["img_size"] == 256 and values["depth"] == 40
    values = infer_predictor_hyper_parameters(predictor.state_dict())
    assert values == {**predictor.config.to_dict()}


def test_encoder_key_selects_weights(models, probe, tmp_path):
    encoder, predictor = models
    target = perturbed(build_encoder(**ENC), 5)
    path = tmp_path / "pretrain.pt"
    save_world_model(path, encoder, predictor, extra={"target_encoder": {
        "module." + k: v for k, v in target.state_dict().items()}, "epoch": 3})
    clip = probe[0]
    with torch.no_grad():
        default = load_models(path)[0](clip)
        chosen = load_models(path, encoder_key="target_encoder")[0](clip)
        assert torch.equal(default, encoder(clip)) and torch.equal(chosen, target(clip))
    only_target = tmp_path / "target_only.pt"
    torch.save({"target_encoder": target.state_dict(), "config": {"encoder": ENC}}, only_target)
    with pytest.raises(CheckpointError, match="encoder_key='target_encoder'"):
        load_models(only_target)


def test_encoder_only_files_and_ignored_pos_embed(models, probe, tmp_path):
    encoder = models[0]
    path = save_world_model(tmp_path / "enc.pt", encoder)
    wm = load_world_model(path, device="cpu")
    assert wm.predictor is None
    with pytest.raises(RuntimeError, match="no predictor"):
        wm.predict_next(torch.zeros(1, 16, 48), torch.zeros(1, 1, 7), torch.zeros(1, 1, 7))
    bare = {"backbone." + k: v for k, v in encoder.state_dict().items()}
    bare["backbone.pos_embed"] = torch.zeros(1, 16, 48)  # present in some files: ignored
    torch.save(bare, tmp_path / "bare.pt")
    loaded, none = load_models(tmp_path / "bare.pt", encoder={"num_heads": 2})
    assert none is None
    with torch.no_grad():
        assert torch.equal(loaded(probe[0]), encoder(probe[0]))
    with pytest.raises(CheckpointError, match="holds no predictor"):
        load_models(path, predictor={"num_heads": 2})
    # Pretraining files (vitg.pt, ...) carry the masked-prediction predictor: skipped.
    mask_predictor = {"module.predictor_embed.weight": torch.zeros(8, 48),
                      "module.mask_tokens.0": torch.zeros(1, 1, 8),
                      "module.predictor_blocks.0.norm1.weight": torch.zeros(8)}
    torch.save({"encoder": encoder.state_dict(), "predictor": mask_predictor,
                "target_encoder": encoder.state_dict(), "config": {"encoder": ENC}},
               tmp_path / "pretrain.pt")
    assert load_models(tmp_path / "pretrain.pt")[1] is None


def test_device_and_dtype_selection(models, tmp_path):
    path = save_world_model(tmp_path / "wm.pt", *models)
    wm = load_world_model(path, device="cpu", dtype="bf16")
    assert wm.dtype == torch.bfloat16
    assert all(p.dtype == torch.bfloat16 for p in wm.predictor.parameters())
    frames = torch.randint(0, 256, (2, 80, 64, 3), dtype=torch.uint8)
    reps = wm.encode(frames)
    assert reps.dtype == torch.float32 and reps.shape == (2, 16, 48)
    with pytest.raises(ValueError, match="unknown dtype"):
        load_world_model(path, device="cpu", dtype="int8")
    default = load_world_model(path)
    expected = torch.bfloat16 if torch.cuda.is_available() else torch.float32
    assert default.dtype == expected


@pytest.mark.parametrize("device, message", [
    ("tpu", "unknown device 'tpu': use cpu, cuda, cuda:N or mps"),
    ("cuda:x", "unknown device"),
    ("meta", "unknown device 'meta': use cpu, cuda, cuda:N or mps"),
])
def test_devices_torch_or_this_package_cannot_use_are_refused_in_one_line(models, tmp_path,
                                                                        device, message):
    path = save_world_model(tmp_path / "wm.pt", *models)
    with pytest.raises(ValueError, match=message) as caught:
        load_world_model(path, device=device)
    assert "\n" not in str(caught.value)


def test_a_cuda_device_this_machine_lacks_is_refused_before_loading(models, tmp_path):
    path = save_world_model(tmp_path / "wm.pt", *models)
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    missing = "cuda" if count == 0 else f"cuda:{count}"
    with pytest.raises(ValueError, match="CUDA"):
        load_world_model(path, device=missing)


def test_hf_snapshot_directory(tmp_path, probe):
    transformers = pytest.importorskip("transformers")
    config = transformers.VJEPA2Config(
        hidden_size=48, num_hidden_layers=2, num_attention_heads=2, crop_size=64,
        frames_per_clip=2, pred_hidden_size=16, pred_num_hidden_layers=1,
        pred_num_attention_heads=2)
    torch.manual_seed(3)
    hf_model = transformers.VJEPA2Model(config).eval()
    hf_model.save_pretrained(tmp_path / "snapshot")
    wm = load_world_model(tmp_path / "snapshot", device="cpu")
    assert wm.predictor is None and wm.img_size == (64, 64) and wm.encoder.num_heads == 2
    clip = probe[0]
    with torch.no_grad():
        expected = hf_model.get_vision_features(clip.permute(0, 2, 1, 3, 4))
        torch.testing.assert_close(wm.encoder(clip), expected, rtol=1e-5, atol=1e-5)
    (tmp_path / "empty").mkdir()
    with pytest.raises(CheckpointError, match="config.json"):
        load_models(tmp_path / "empty")


# -- bad checkpoints


class NotAStateDict:
    pass


def test_truncated_file(models, tmp_path):
    path = save_world_model(tmp_path / "wm.pt", *models)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated"):
        load_models(path)
    with pytest.raises(FileNotFoundError):
        load_models(tmp_path / "missing.pt")


def test_wrong_shapes_and_missing_keys_are_named(models, tmp_path):
    encoder, predictor = models
    wider = build_predictor(**{**PRED, "predictor_embed_dim": 64})
    path = tmp_path / "mixed.pt"
    torch.save({"encoder": encoder.state_dict(), "predictor": wider.state_dict(),
                "config": {"encoder": ENC, "predictor": PRED}}, path)
    with pytest.raises(CheckpointError, match=r"shape mismatches.*predictor_embed.weight"):
        load_models(path)

    state = dict(encoder.state_dict())
    del state["blocks.1.mlp.fc2.bias"]
    state["blocks.1.extra.weight"] = torch.zeros(1)
    torch.save({"encoder": state, "config": {"encoder": ENC}}, path)
    with pytest.raises(CheckpointError) as info:
        load_models(path)
    assert "blocks.1.mlp.fc2.bias" in str(info.value)
    assert "unexpected keys" in str(info.value) and "blocks.1.extra.weight" in str(info.value)

    shallower = dict(encoder.state_dict())
    for key in [k for k in shallower if k.startswith("blocks.1.")]:
        del shallower[key]
    torch.save({"encoder": shallower, "config": {"encoder": ENC}}, path)  # config says depth 2
    with pytest.raises(CheckpointError, match="missing keys"):
        load_models(path)


@pytest.mark.parametrize("payload,message", [
    ([1, 2, 3], "holds a list"),
    ({"weights": {"a": torch.zeros(1)}}, "no 'encoder' or 'target_encoder'"),
    ({"encoder": {"patch_embed.proj.weight": "text"}}, "non-tensor"),
    ({"encoder": [torch.zeros(1)]}, "not a state dict"),
    ({"a.weight": torch.zeros(1)}, "not an encoder"),
])
def test_pickles_that_are_not_state_dicts(payload, message, tmp_path):
    path = tmp_path / "bad.pt"
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match=message):
        load_models(path)


def test_arbitrary_pickles_are_refused(tmp_path):
    path = tmp_path / "object.pt"
    torch.save({"encoder": NotAStateDict()}, path)
    with pytest.raises(CheckpointError, match="refusing to unpickle"):
        load_models(path)
    path.write_bytes(pickle.dumps({"encoder": {}}, protocol=2)[:-3])
    with pytest.raises(CheckpointError, match="cannot read"):
        load_models(path)


def test_official_384_file_name_selects_384_px(monkeypatch, tmp_path):
    # vitg-384.pt has the same shapes as vitg.pt: only its name tells the image size. A tiny
    # stand-in preset keeps the test small; the preset-recognition path is the real one.
    from vjepa_ros.models import checkpoint

    monkeypatch.setitem(checkpoint.ENCODER_PRESETS, "tiny_test",
                        dict(embed_dim=48, depth=2, num_heads=2, mlp_ratio=4.0, img_size=256))
    encoder = build_encoder(**ENC)
    for name, size in (("vitg-384.pt", 384), ("vitg.pt", 256), ("my-384-run.pt", 256)):
        path = save_world_model(tmp_path / name, encoder, config=False)
        assert load_models(path)[0].img_size == (size, size), name
    forced = load_models(tmp_path / "vitg-384.pt", encoder={"img_size": 256})[0]
    assert forced.img_size == (256, 256)

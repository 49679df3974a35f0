"""Full-size presets, built on the ``meta`` device: exact official key names, shapes and sizes."""

import pytest
import torch

from vjepa_ros.models import build_encoder, build_predictor, encoder_config, predictor_config

BLOCK_PARTS = ("norm1", "attn.qkv", "attn.proj", "norm2", "mlp.fc1", "mlp.fc2")


def meta_state(builder, preset):
    with torch.device("meta"):
        model = builder(preset)
    return model, {key: tuple(value.shape) for key, value in model.state_dict().items()}


def test_vit_giant_encoder_keys_shapes_and_size():
    model, shapes = meta_state(build_encoder, "vit_giant")
    expected = {"patch_embed.proj.weight", "patch_embed.proj.bias", "norm.weight", "norm.bias"}
    expected |= {f"blocks.{i}.{part}.{kind}" for i in range(40) for part in BLOCK_PARTS
                 for kind in ("weight", "bias")}
    assert set(shapes) == expected
    assert shapes["patch_embed.proj.weight"] == (1408, 3, 2, 16, 16)
    assert shapes["blocks.39.attn.qkv.weight"] == (3 * 1408, 1408)
    assert shapes["blocks.0.attn.proj.weight"] == (1408, 1408)
    assert shapes["blocks.0.mlp.fc1.weight"] == (6144, 1408)
    assert shapes["blocks.0.mlp.fc2.weight"] == (1408, 6144)
    assert model.num_heads == 22 and model.embed_dim == 1408
    assert round(sum(p.numel() for p in model.parameters()) / 1e6) == 1012


def test_vit_ac_giant_predictor_keys_shapes_and_size():
    model, shapes = meta_state(build_predictor, "vit_ac_giant")
    heads = ("predictor_embed", "action_encoder", "state_encoder", "extrinsics_encoder",
             "predictor_norm", "predictor_proj")
    expected = {f"{name}.{kind}" for name in heads for kind in ("weight", "bias")}
    expected |= {f"predictor_blocks.{i}.{part}.{kind}" for i in range(24) for part in BLOCK_PARTS
                 for kind in ("weight", "bias")}
    assert set(shapes) == expected
    assert shapes["predictor_embed.weight"] == (1024, 1408)
    assert shapes["action_encoder.weight"] == (1024, 7)
    assert shapes["state_encoder.weight"] == (1024, 7)
    assert shapes["extrinsics_encoder.weight"] == (1024, 6)
    assert shapes["predictor_blocks.23.attn.qkv.weight"] == (3072, 1024)
    assert shapes["predictor_blocks.0.mlp.fc1.weight"] == (4096, 1024)
    assert shapes["predictor_proj.weight"] == (1408, 1024)
    assert model.tokens_per_frame == 256 and model.embed_dim == 1408
    assert round(sum(p.numel() for p in model.parameters()) / 1e6) == 305


@pytest.mark.parametrize("preset,width,depth,millions,img",
                         [("vit_large", 1024, 24, 304, 256), ("vit_huge", 1280, 32, 632, 256),
                          ("vit_giant_384", 1408, 40, 1012, 384)])
def test_other_encoder_presets(preset, width, depth, millions, img):
    model, shapes = meta_state(build_encoder, preset)
    assert shapes["blocks.0.attn.qkv.weight"] == (3 * width, width)
    assert len(model.blocks) == depth and model.img_size == (img, img)
    assert round(sum(p.numel() for p in model.parameters()) / 1e6) == millions


def test_hyper_parameters_override_presets_and_are_checked():
    assert encoder_config("vit_giant", img_size=384) == encoder_config("vit_giant_384")
    assert predictor_config("vit_ac_giant", depth=2).depth == 2
    with pytest.raises(ValueError, match="unknown encoder preset"):
        build_encoder("vit_gigantic")
    with pytest.raises(ValueError, match="unknown predictor hyper-parameter"):
        build_predictor("vit_ac_giant", pred_depth=3)
    with pytest.raises(ValueError, match="num_heads"):
        build_encoder(embed_dim=96, depth=2)
    with pytest.raises(ValueError, match="divisible"):
        build_encoder(embed_dim=96, depth=2, num_heads=5)
    with pytest.raises(ValueError, match="multiple of patch_size"):
        build_predictor(embed_dim=32, predictor_embed_dim=32, depth=1, num_heads=2, img_size=100)

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


@pytest.mark.parametrize("size", [384.0, [384.0, 384], (384, 384.0)])
def test_whole_float_sizes_are_taken_as_ints(size):
    """A YAML/JSON float (``crop_size: 384.0``) is the whole number (breaker42h).

    Typed before the official names' checks read img_size (a float failed there: "cannot
    unpack non-iterable float object").
    """
    square = 384 if isinstance(size, float) else (384, 384)
    config = encoder_config("vit_giant", img_size=size, num_frames=64.0,
                            handle_nonsquare_inputs=False)
    assert config == encoder_config("vit_giant_384", img_size=square)
    assert predictor_config("vit_ac_giant", img_size=size, num_frames=8.0).img_size == square
    for bad in (384.5, [384, 384, 3], "384"):
        with pytest.raises(ValueError, match="encoder: img_size must be a whole number"):
            encoder_config("vit_giant", img_size=bad)
    with pytest.raises(ValueError, match="not supported: num_frames=64.5"):
        encoder_config("vit_giant", num_frames=64.5)


def test_a_given_value_is_compared_with_the_presets_as_the_config_types_it():
    """``_same``: 256.0 is 256 is [256, 256]; 16.0 heads are 16; 0 is False (breaker42h)."""
    from vjepa_ros.models.checkpoint import _same

    for given in (256, 256.0, [256, 256], [256.0, 256], (256, 256)):
        assert _same("img_size", given, 256) and _same("img_size", given, [256, 256])
    for given in (384, 256.5, [256, 384], "256", [256, 256, 256], None):
        assert not _same("img_size", given, 256)
    assert _same("num_heads", 16.0, 16) and not _same("num_heads", "16", 16)
    assert not _same("num_heads", 16.5, 16) and not _same("num_heads", True, 1)
    assert _same("use_extrinsics", 0, False) and _same("use_extrinsics", False, False)
    assert not _same("use_extrinsics", "false", False) and not _same("use_extrinsics", 0.0, False)

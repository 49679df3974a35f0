"""Every hyper-parameter name of the official builders is accepted: checked, or ignored.

The name lists below are the keyword arguments of ``VisionTransformer`` and
``VisionTransformerPredictorAC`` in facebookresearch/vjepa2 (src/models/vision_transformer.py,
src/models/ac_predictor.py), with the values the released models are built with
(src/hub/backbones.py, configs/train/vitg16/droid-256px-8f.yaml).
"""

import functools

import pytest
import torch
from torch import nn

from vjepa_ros.cli import build_parser
from vjepa_ros.cli_options import model_hyper_parameters
from vjepa_ros.demo import load_planning_model
from vjepa_ros.models import (
    CheckpointError,
    build_encoder,
    build_predictor,
    encoder_config,
    load_models,
    load_world_model,
    predictor_config,
    save_world_model,
)
from vjepa_ros.models.official_names import parse_hyper_parameters, parse_key_values
from vjepa_ros.robot.model_params import ModelParams

ENC = dict(embed_dim=48, depth=2, num_heads=2, img_size=64)
PRED = dict(embed_dim=48, predictor_embed_dim=32, depth=3, num_heads=4, img_size=64)
OFFICIAL_LAYER_NORM = functools.partial(nn.LayerNorm, eps=1e-6)

# Released-model values of every official encoder keyword (beyond the sizes in ENC).
OFFICIAL_ENCODER = dict(
    patch_size=16, num_frames=64, tubelet_size=2, in_chans=3, mlp_ratio=4.0, qkv_bias=True,
    qk_scale=None, drop_rate=0.0, attn_drop_rate=0.0, drop_path_rate=0.0,
    norm_layer=OFFICIAL_LAYER_NORM, init_std=0.02, out_layers=None, uniform_power=False,
    use_silu=False, wide_silu=True, use_sdpa=True, use_activation_checkpointing=True,
    use_rope=True, handle_nonsquare_inputs=True, img_temporal_dim_size=None,
    use_SiLU=False, wide_SiLU=True,  # the torch.hub builder's spelling
)
OFFICIAL_PREDICTOR = dict(
    patch_size=16, num_frames=64, tubelet_size=2, mlp_ratio=4.0, qkv_bias=True, qk_scale=None,
    drop_rate=0.0, attn_drop_rate=0.0, drop_path_rate=0.0, norm_layer=OFFICIAL_LAYER_NORM,
    init_std=0.02, uniform_power=True, use_silu=False, wide_silu=True, is_frame_causal=True,
    use_activation_checkpointing=True, use_rope=True, action_embed_dim=7, use_extrinsics=False,
    use_sdpa=True,
)


@pytest.fixture(scope="module")
def official_file(tmp_path_factory):
    """Save a 3-block, 4-head AC predictor (no preset) in the official layout, no config."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("official") / "ac.pt"
    save_world_model(path, build_encoder(**ENC), build_predictor(**PRED), config=False)
    return path


@pytest.fixture(scope="module")
def probe():
    generator = torch.Generator().manual_seed(1)
    frames = 3  # more frames than an official num_frames=4 mask (2 tubelets) covers
    return (torch.randn(1, 3, 2, 64, 64, generator=generator),
            torch.randn(1, frames * 16, 48, generator=generator),
            torch.randn(1, frames, 7, generator=generator),
            torch.randn(1, frames, 7, generator=generator))


@torch.no_grad()
def outputs(models, probe):
    encoder, predictor = models
    clip, x, actions, states = probe
    return encoder(clip), predictor(x, actions, states)


def test_every_official_name_with_its_released_value_gives_the_same_config():
    assert encoder_config(**ENC, **OFFICIAL_ENCODER) == encoder_config(**ENC)
    assert predictor_config(**PRED, **OFFICIAL_PREDICTOR) == predictor_config(**PRED)
    head_dim = 48 // 2  # the default scale written out is the default
    assert encoder_config(**ENC, qk_scale=head_dim ** -0.5) == encoder_config(**ENC)


def test_load_with_official_names_matches_the_plain_load(official_file, probe):
    plain = outputs(load_models(official_file, encoder={"num_heads": 2, "img_size": 64},
                                predictor={"num_heads": 4, "img_size": 64}), probe)
    ignored = dict(num_frames=4, drop_rate=0.3, attn_drop_rate=0.2, drop_path_rate=0.4,
                   use_activation_checkpointing=True, use_sdpa=False, init_std=0.5,
                   uniform_power=True, wide_silu=False)
    official = outputs(load_models(official_file,
                                   encoder={"num_heads": 2, "img_size": 64, **ignored},
                                   predictor={"num_heads": 4, "img_size": 64, **ignored}), probe)
    for a, b in zip(plain, official, strict=True):
        assert torch.equal(a, b)


@pytest.mark.parametrize("kind,name,value", [
    ("encoder", "use_rope", False),
    ("encoder", "use_silu", True),
    ("encoder", "qkv_bias", False),
    ("encoder", "qk_scale", 0.5),
    ("encoder", "out_layers", [0, 1]),
    ("encoder", "num_frames", 1),
    ("encoder", "norm_layer", nn.LayerNorm),
    ("encoder", "norm_layer", "LayerNorm"),
    ("predictor", "use_rope", False),
    ("predictor", "use_silu", True),
    ("predictor", "is_frame_causal", False),
    ("predictor", "qkv_bias", False),
    ("predictor", "num_frames", 0),
    ("predictor", "norm_layer", functools.partial(nn.LayerNorm, eps=1e-5)),
])
def test_values_that_change_the_computation_are_refused(official_file, kind, name, value):
    given = {"encoder": {"num_heads": 2, "img_size": 64},
             "predictor": {"num_heads": 4, "img_size": 64}}
    given[kind][name] = value
    with pytest.raises(CheckpointError, match=rf"{kind}: not supported: {name}=") as err:
        load_models(official_file, **given)
    assert str(official_file) in str(err.value)
    build = build_encoder if kind == "encoder" else build_predictor
    sizes = ENC if kind == "encoder" else PRED
    with pytest.raises(ValueError, match=rf"not supported: {name}="):
        build(**sizes, **{name: value})


def test_non_square_images_need_handle_nonsquare_inputs():
    encoder_config(**{**ENC, "img_size": [64, 64]}, handle_nonsquare_inputs=False)
    with pytest.raises(ValueError, match="not supported: handle_nonsquare_inputs=False"):
        encoder_config(**{**ENC, "img_size": [64, 96]}, handle_nonsquare_inputs=False)


def test_a_different_tubelet_size_is_refused_against_the_weights(official_file):
    # the value given is named as the cause (fix54d), not the weights
    with pytest.raises(CheckpointError, match="tubelet_size=4 given, but its weights hold "
                       "tubelet_size 2"):
        load_models(official_file, encoder={"num_heads": 2, "tubelet_size": 4},
                    predictor={"num_heads": 4})


def test_missing_sizes_are_reported_before_checked_values():
    with pytest.raises(ValueError, match="give a preset"):
        encoder_config(qk_scale=0.1)


def test_unknown_names_list_the_official_ones():
    with pytest.raises(ValueError, match="unknown predictor hyper-parameter") as err:
        predictor_config(**PRED, num_head=4)
    assert "is_frame_causal" in str(err.value) and "num_frames" in str(err.value)


def test_extrinsics_predictors_load_but_are_refused_for_planning(tmp_path):
    path = save_world_model(tmp_path / "ext.pt", build_encoder(**ENC),
                            build_predictor(**PRED, use_extrinsics=True))
    model = load_world_model(path)
    assert model.predictor.config.use_extrinsics
    with pytest.raises(ValueError, match="not supported for planning: use_extrinsics=True"):
        model.check_plannable(path)
    with pytest.raises(ValueError, match="use_extrinsics"):
        load_planning_model(path)


def test_cli_options_pass_hyper_parameters(official_file):
    parser = build_parser()
    args = parser.parse_args(["eval", "bag", "--checkpoint", str(official_file),
                              "--predictor-arg", "num_heads=4", "--predictor-arg", "num_frames=64",
                              "--encoder-arg", "num_heads=2", "--encoder-arg", "img_size=[64, 64]",
                              "--encoder-arg", "use_rope=true"])
    given = model_hyper_parameters(args)
    assert given == {"encoder": {"num_heads": 2, "img_size": [64, 64], "use_rope": True},
                     "predictor": {"num_heads": 4, "num_frames": 64}}
    model, source = load_planning_model(official_file, **given)
    assert len(model.predictor.predictor_blocks) == 3 and model.predictor.num_heads == 4
    args = parser.parse_args(["demo", "--checkpoint", str(official_file),
                              "--encoder-arg", "num_heads=2"])
    with pytest.raises(CheckpointError, match="--predictor-arg num_heads=N"):
        load_planning_model(official_file, **model_hyper_parameters(args))
    with pytest.raises(ValueError, match="--encoder-arg: expected KEY=VALUE"):
        model_hyper_parameters(parser.parse_args(["demo", "--encoder-arg", "num_heads"]))


def test_node_parameters_pass_hyper_parameters(official_file):
    params = ModelParams(checkpoint=str(official_file), encoder_args="{num_heads: 2}",
                         predictor_args='{"num_heads": 4, "num_frames": 64}')
    given = params.hyper_parameters()
    assert given == {"encoder": {"num_heads": 2}, "predictor": {"num_heads": 4, "num_frames": 64}}
    assert load_world_model(official_file, **given).predictor.num_heads == 4
    assert ModelParams().hyper_parameters() == {"encoder": {}, "predictor": {}}
    for bad in ("[1, 2]", "{num_heads: 4", "just text"):
        with pytest.raises(ValueError, match="model.predictor_args"):
            ModelParams(predictor_args=bad)


@pytest.mark.parametrize("text,expected", [
    ("", {}), ("  ", {}), ("{}", {}), ("num_heads: 16", {"num_heads": 16}),
    ('{"use_rope": true, "img_size": [256, 256]}', {"use_rope": True, "img_size": [256, 256]}),
])
def test_parse_hyper_parameters(text, expected):
    assert parse_hyper_parameters(text, "x") == expected


def test_parse_key_values_reads_yaml_values():
    assert parse_key_values(["mlp_ratio=4.363636", "qk_scale=", "use_sdpa=False", "depth = 12"],
                            "opt") == {"mlp_ratio": 4.363636, "qk_scale": None,
                                       "use_sdpa": False, "depth": 12}
    with pytest.raises(ValueError, match="opt: expected KEY=VALUE"):
        parse_key_values(["=3"], "opt")


def test_planner_node_loads_a_no_preset_file_with_its_hyper_parameter_parameters(official_file):
    pytest.importorskip("rclpy")
    from vjepa_ros.nodes.node_launch import NodeLaunch
    from vjepa_ros.nodes.nodes_in_process import Launch

    base = {"model.checkpoint": str(official_file), "model.device": "cpu"}
    with pytest.raises(CheckpointError, match="planner node: model.encoder_args"):
        Launch([NodeLaunch("planner", parameters=base)])
    given = {**base, "model.encoder_args": "{num_heads: 2, num_frames: 64, use_sdpa: true}",
             "model.predictor_args": "{num_heads: 4, is_frame_causal: true}"}
    with Launch([NodeLaunch("planner", parameters=given)]) as launch:
        model = launch.node("vjepa_planner").model
        assert (model.encoder.num_heads, model.predictor.num_heads) == (2, 4)
    refused = {**given, "model.predictor_args": "{num_heads: 4, use_silu: true}"}
    with pytest.raises(CheckpointError, match="predictor: not supported: use_silu=True"):
        Launch([NodeLaunch("planner", parameters=refused)])

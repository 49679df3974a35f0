"""Checkpoints a lab could hand over damaged or in an odd form: named in one line (breaker31)."""

import shutil

import pytest
import torch
from test_cli_errors import run_command

from vjepa_ros.models import CheckpointError, build_encoder, load_models
from vjepa_ros.models.checkpoint import check_file_checksums, save_world_model
from vjepa_ros.sim.reach_config import demo_model_path

ENC = dict(embed_dim=32, depth=1, num_heads=2, img_size=64)


def test_intact_files_pass_the_checksums_and_a_cut_one_is_refused(tmp_path):
    check_file_checksums(demo_model_path())  # what torch.save wrote: every CRC holds
    cut = tmp_path / "cut.pt"
    data = demo_model_path().read_bytes()
    cut.write_bytes(data[:len(data) // 2])
    with pytest.raises(CheckpointError, match="cut.pt"):
        load_models(cut)


def test_a_safetensors_file_given_alone_names_the_snapshot_folder(tmp_path):
    from safetensors.torch import save_file

    path = tmp_path / "model.safetensors"
    save_file({"x": torch.zeros(2)}, str(path))
    with pytest.raises(CheckpointError, match="give the snapshot folder that holds it"):
        load_models(path)


def test_a_pretraining_file_with_only_a_target_encoder_says_how_to_choose_it(tmp_path):
    torch.manual_seed(0)
    encoder = build_encoder(**ENC)
    path = tmp_path / "target_only.pt"
    torch.save({"target_encoder": {f"module.{k}": v for k, v in encoder.state_dict().items()}},
               path)
    with pytest.raises(CheckpointError) as info:
        load_models(path, encoder={"num_heads": 2})
    assert "planner.model.encoder_key:=target_encoder" in str(info.value)
    assert load_models(path, encoder={"num_heads": 2}, encoder_key="target_encoder")[0]


@pytest.mark.parametrize("values, words", [
    ({"num_heads": 2.5}, "num_heads must be a whole number, got 2.5"),
    ({"img_size": "64"}, "img_size must be a whole number, got '64'"),
    ({"depth": True}, "depth must be a whole number, got True"),
])
def test_a_hyper_parameter_of_the_wrong_type_is_named(tmp_path, values, words):
    torch.manual_seed(0)
    path = save_world_model(tmp_path / "plain.pt", build_encoder(**ENC), config=False)
    with pytest.raises(CheckpointError, match=words):
        load_models(path, encoder={"num_heads": 2, **values})


@pytest.mark.parametrize("value", ["false", "no", 2])
def test_use_extrinsics_takes_a_boolean_only(value):
    from vjepa_ros.models.presets import predictor_config

    with pytest.raises(ValueError, match="use_extrinsics must be true or false"):
        predictor_config(embed_dim=32, predictor_embed_dim=32, depth=1, num_heads=2,
                         use_extrinsics=value)
    assert predictor_config(embed_dim=32, predictor_embed_dim=32, depth=1, num_heads=2,
                            use_extrinsics=0).use_extrinsics is False


@pytest.mark.parametrize("argv, option", [
    (["reach", "--out", "OUT"], "--checkpoint"),
    (["demo"], "--checkpoint"),
])
def test_an_encoder_alone_is_refused_before_anything_starts(tmp_path, capsys, argv, option):
    # reach started the simulator and planner (~18 s) before it said so, in two lines
    torch.manual_seed(0)
    encoder_only = save_world_model(tmp_path / "encoder.pt", build_encoder(**ENC))
    err = run_command([*argv, option, str(encoder_only)], tmp_path, capsys)
    assert "no action-conditioned predictor" in err and str(encoder_only) in err, err


def test_a_copied_model_still_loads_and_a_flipped_bit_in_the_copy_does_not(tmp_path):
    copy = tmp_path / "copy.pt"
    shutil.copy(demo_model_path(), copy)
    assert load_models(copy)[1] is not None
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0x01  # inside the largest tensors
    copy.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="copy.pt"):
        load_models(copy)

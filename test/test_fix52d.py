"""fix52d: what breaker52d's fixes accept beyond its tests, and the notes it saw.

An encoder in transformers' key names saved with ``torch.save`` computes as transformers does;
a caller's ``img_size`` over the one a file's config records is taken with one logged line; a
config key of a newer version is refused saying what to do.
"""

import pytest
import torch
from test_breaker52d import ENCODER, PREDICTOR, hf_model, refusal, variant
from test_models_encoder import perturb_

from vjepa_ros.models import build_encoder, build_predictor, save_world_model
from vjepa_ros.models.checkpoint import CheckpointError, load_models

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def saved(tmp_path):
    """Save a file of ours whose config records img_size 64 (encoder and predictor)."""
    return save_world_model(tmp_path / "wm.pt", build_encoder(**ENCODER),
                            build_predictor(**PREDICTOR))


@pytest.mark.parametrize("part", ["model", "encoder"])
def test_transformers_state_dict_saved_with_torch_save_computes_as_transformers(tmp_path, part):
    """``torch.save(VJEPA2Model.state_dict())`` (its mask predictor too) or its ``.encoder``'s."""
    torch.manual_seed(3)
    model = perturb_(hf_model(32, 2, 2, 64))
    path = tmp_path / f"{part}.pt"
    torch.save((model if part == "model" else model.encoder).state_dict(), path)
    encoder, predictor = load_models(path, encoder={"num_heads": 2, "img_size": 64})
    assert predictor is None
    clip = torch.randn(2, 3, 2, 64, 64)
    with torch.no_grad():
        expected = model.get_vision_features(clip.permute(0, 2, 1, 3, 4))
        torch.testing.assert_close(encoder(clip), expected, rtol=1e-5, atol=1e-5)


def test_a_callers_img_size_over_the_files_is_taken_with_one_logged_line(saved, caplog):
    """The docstring's rule (breaker42c pins the override): one warning, at the size given."""
    with caplog.at_level("WARNING", logger="vjepa_ros.models.hyper_parameter_merge"):
        encoder, predictor = load_models(saved, encoder={"img_size": 128},
                                         predictor={"img_size": 128})
        load_models(saved, encoder={"img_size": 64})  # the file's own: no line
    assert encoder.img_size == (128, 128) and predictor.tokens_per_frame == 8 * 8
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 1 and str(saved) in lines[0] and "img_size=128" in lines[0], lines
    assert "records" in lines[0] and "64" in lines[0], lines


def test_a_config_key_of_a_newer_version_says_what_to_do(saved, tmp_path):
    path = variant(saved, tmp_path / "newer_config.pt",
                   lambda raw: raw["config"]["encoder"].__setitem__("rope_theta", 1e4))
    message = refusal(path)
    assert str(path) in message and "'rope_theta'" in message and "upgrade" in message, message
    with pytest.raises(CheckpointError, match="unknown encoder hyper-parameter"):  # given
        load_models(saved, encoder={"rope_theta": 1e4})

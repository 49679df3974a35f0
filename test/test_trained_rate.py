"""A model's step rate: recorded by train, read back, and compared where it is run at a rate."""

from __future__ import annotations

import pytest

from vjepa_ros.robot.trained_model import model_rate_note


class _Model:
    def __init__(self, rate):
        self.trained_rate_hz = rate


def test_the_model_data_records_the_rate_and_a_bad_record_names_the_file():
    from vjepa_ros.models.checkpoint import CheckpointError
    from vjepa_ros.models.checkpoint_records import trained_rate_hz
    from vjepa_ros.train.config import make_config
    from vjepa_ros.train.model_records import model_data

    data = model_data(make_config({"data.rate_hz": 10.0}), None, None)
    assert trained_rate_hz({"data": data}, "f.pt") == 10.0
    assert trained_rate_hz({}, "f.pt") is None  # older files, the official ones
    for bad in (0, -4, "4", True, float("inf")):
        with pytest.raises(CheckpointError, match="^f.pt: config.data.rate_hz must be a positive"):
            trained_rate_hz({"data": {"rate_hz": bad}}, "f.pt")


@pytest.mark.parametrize("trained, run, said", [
    (10.0, 4.0, "trained at 10 Hz steps"), (4.0, 10.0, "trained at 4 Hz steps"),
    (None, 10.0, "records no step rate"), (10.0, 10.0, ""), (None, 4.0, ""),
    (30.0, 29.97, ""), (4.0, 4.0, "")])
def test_the_rate_note_says_a_mismatch_only(trained, run, said):
    note = model_rate_note(_Model(trained), run)
    assert (said in note) if said else note == "", note
    if said:
        assert f"--rate is {run:g} Hz" in note and f"give --rate {trained or 4:g}" in note, note


@pytest.mark.parametrize("recorded, rate, said", [
    (None, 10.0, "records no step rate (DROID's 4 Hz"), (10.0, 4.0, "it was trained at, 10 Hz"),
    (10.0, 10.0, ""), (None, 4.0, "")])
def test_an_init_of_another_rate_is_noted(recorded, rate, said):
    from vjepa_ros.train.config import make_config
    from vjepa_ros.train.predictor_init import init_rate_note

    note = init_rate_note(make_config({"data.rate_hz": rate}), recorded, "init.pt")
    assert (said in note and note.startswith("init.pt ")) if said else note == "", note


def test_a_saved_model_is_read_back_at_its_rate(tmp_path):
    """A --rate 10 run's world_model.pt: the check and the load both give 10 Hz."""
    import torch
    from train_bags import _tiny_run

    from vjepa_ros.models.checkpoint import check_checkpoint, load_world_model

    _tiny_run(tmp_path / "run", 10.0).train()
    path = tmp_path / "run" / "world_model.pt"
    assert check_checkpoint(path).trained_rate_hz == 10.0
    model = load_world_model(path, device=torch.device("cpu"), dtype=torch.float32)
    assert model.trained_rate_hz == 10.0
    assert "trained at 10 Hz" in model_rate_note(model, 4.0)



@pytest.mark.usefixtures("one_thread")
@pytest.mark.parametrize("recorded, rate, said", [(10.0, "4", "trained at 10 Hz steps"),
                                                  (None, "4", ""),
                                                  (4.0, "4", "")])
def test_eval_notes_a_model_of_another_rate(capsys, tmp_path, recorded, rate, said):
    """Eval on a bag at --rate 4 with a tiny model recording ``recorded`` Hz (None: none)."""
    import torch

    from conftest import write_test_bag
    from vjepa_ros.cli import main
    from vjepa_ros.models import build_encoder, build_predictor
    from vjepa_ros.models.checkpoint import save_world_model

    torch.manual_seed(0)
    size = dict(img_size=64, embed_dim=32, depth=1, num_heads=2)
    path = tmp_path / "tiny.pt"
    save_world_model(path, build_encoder(**size), build_predictor(predictor_embed_dim=32, **size),
                     data={} if recorded is None else {"rate_hz": recorded})
    bag = str(write_test_bag(tmp_path / "bag", seed=0, moving=True))
    code = main(["eval", bag, "--checkpoint", str(path), "--out", str(tmp_path / "out"),
                 "--rate", rate, "--samples", "16", "--iterations", "1", "--max-steps", "1",
                 "--landscape-points", "0", "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0, err
    noted = [line for line in out.splitlines() if "step rate" in line or "Hz steps" in line]
    assert (len(noted) == 1 and said in noted[0] and "give --rate 10" in noted[0]) if said \
        else noted == [], out


@pytest.mark.parametrize("recorded, rate, trained", [(None, 4.0, None), (None, 4.05, None),
                                                     (None, 10.0, 4.0), (10.0, 10.0, None),
                                                     (30.0, 29.97, None), (10.0, 4.0, 10.0),
                                                     (4.0, 4.1, 4.0)])
def test_one_rule_says_when_two_rates_differ(recorded, rate, trained):
    """No record: DROID's 4 Hz; one rate when |rate / trained − 1| ≤ 2 % (eval's and train's)."""
    from vjepa_ros.robot.trained_model import rate_mismatch

    assert rate_mismatch(recorded, rate) == trained

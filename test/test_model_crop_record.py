"""A model's training crop travels with it: train records it, every loader uses it (breaker31).

``vjepa-ros train --set data.aspect_ratio_min=1 ...`` trains the predictor on one crop of the
camera frames; its file used to record nothing, so eval, demo, run, reach and the planner node
preprocessed with DROID's 0.75..1.35 and the predictor saw other pixels than it learned on.
"""

import pytest
import torch

from vjepa_ros.models import CheckpointError, build_encoder, build_predictor, load_world_model
from vjepa_ros.models.checkpoint import save_world_model
from vjepa_ros.models.preprocess import DROID_ASPECT_RATIO_RANGE, crop_note


def _model(path, data=None):
    torch.manual_seed(0)
    return save_world_model(path, build_encoder(img_size=64, embed_dim=32, depth=1, num_heads=2),
                            build_predictor(img_size=64, embed_dim=32, predictor_embed_dim=32,
                                            depth=1, num_heads=2), data=data)


def test_the_recorded_crop_applies_unless_one_is_given(tmp_path):
    square = _model(tmp_path / "square.pt", {"aspect_ratio_range": [1.0, 1.0]})
    model = load_world_model(square, device="cpu")
    assert model.aspect_ratio_range == (1.0, 1.0) == model.trained_aspect_ratio_range
    given = load_world_model(square, device="cpu", aspect_ratio_range=(0.8, 1.2))
    assert given.aspect_ratio_range == (0.8, 1.2)
    plain = load_world_model(_model(tmp_path / "plain.pt"), device="cpu")  # older files, Meta's
    assert plain.aspect_ratio_range == DROID_ASPECT_RATIO_RANGE
    assert plain.trained_aspect_ratio_range is None
    # the crop decides the pixels: a 4:3 frame encodes otherwise with a square crop
    frame = torch.randint(0, 256, (48, 64, 3), dtype=torch.uint8).numpy()
    assert not torch.allclose(model.encode(frame), plain.encode(frame))


@pytest.mark.parametrize("value", [[1.2, 0.8], [0, 1], ["a", 1], [1.0], True, [1, float("inf")]])
def test_a_malformed_crop_record_is_named(tmp_path, value):
    path = _model(tmp_path / "odd.pt", {"aspect_ratio_range": value})
    with pytest.raises(CheckpointError, match="odd.pt: config.data.aspect_ratio_range"):
        load_world_model(path, device="cpu")


def test_a_crop_other_than_the_trained_one_is_said():
    assert crop_note(None, (1.0, 1.0), "m.pt") == ""  # the file's own: nothing to say
    assert crop_note((0.75, 1.35), None, "m.pt") == ""  # unknown
    note = crop_note((0.8, 1.2), (1.0, 1.0), "m.pt")
    assert "0.8..1.2" in note and "m.pt was trained with (1..1)" in note and "\n" not in note


def test_the_planner_nodes_default_crop_is_the_files(context, tmp_path):
    from vjepa_ros.nodes.planner_node import PlannerNode

    square = _model(tmp_path / "square.pt", {"aspect_ratio_range": [1.0, 1.0]})
    args = ["--ros-args", "-p", f"model.checkpoint:={square}", "-p", "model.device:=cpu"]
    node = PlannerNode(context=context, cli_args=args)
    try:
        assert node.model.aspect_ratio_range == (1.0, 1.0)
    finally:
        node.destroy_node()
    for given in ((0.9, 1.35), (0.75, 1.35)):  # asked for, DROID's too: taken, and said
        node = PlannerNode(context=context, cli_args=[
            *args, "-p", f"model.aspect_ratio_min:={given[0]}",
            "-p", f"model.aspect_ratio_max:={given[1]}"])
        try:
            assert node.model.aspect_ratio_range == given
        finally:
            node.destroy_node()


@pytest.mark.parametrize("crop", [(0.9, 0.0), (0.0, 1.2), (0.05, 1.2)])
def test_the_crop_parameters_are_both_given_or_both_left_at_0(crop):
    from vjepa_ros.robot.model_params import ModelParams

    with pytest.raises(ValueError, match="give both"):
        ModelParams(aspect_ratio_min=crop[0], aspect_ratio_max=crop[1])
    assert ModelParams().aspect_ratio_range() is None
    assert ModelParams(aspect_ratio_min=0.75, aspect_ratio_max=1.35).aspect_ratio_range() == \
        (0.75, 1.35)


@pytest.mark.parametrize("given, crop", [((1.0, 1.0), (1.0, 1.0)), ((0.0, 0.0), (0.8, 1.2))])
def test_camera_check_crops_as_the_params_files_planner_would(tmp_path, monkeypatch, capsys,
                                                              given, crop):
    """``camera-check --params-file F`` used the file's recorded crop whatever F's planner said.

    The check then judged the camera through other pixels than the planner it writes a
    correction for; now ``model.aspect_ratio_min/max`` of F apply as the node applies them.
    """
    import vjepa_ros.eval.camera_check_bag as check_bag
    from vjepa_ros.cli import main
    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.recordings.bag_writing import write_bag

    model = _model(tmp_path / "m.pt", {"aspect_ratio_range": [0.8, 1.2]})
    params = tmp_path / "planner.yaml"
    params.write_text(f"/**:\n  ros__parameters:\n    model: {{checkpoint: {model}, "
                      f"aspect_ratio_min: {given[0]}, aspect_ratio_max: {given[1]}}}\n")
    used = []

    def check_recording(recording, world_model, *args, **kwargs):
        used.append(world_model.aspect_ratio_range)
        raise RuntimeError("stop here")

    monkeypatch.setattr(check_bag, "check_recording", check_recording)
    bag = write_bag(tmp_path / "bag", *synthetic_episode(12, seed=1))
    assert main(["camera-check", str(bag), "--params-file", str(params), "--device", "cpu",
                 "--quiet", "--out", str(tmp_path / "check")]) == 1
    out = capsys.readouterr().out
    assert used == [crop]
    noted = f"note          model.aspect_ratio_min/max 1..1 differ from the crop {model} was " \
        "trained with (0.8..1.2)"
    assert (noted in out) == (given != (0.0, 0.0)), out


def test_the_recorded_crop_is_given_to_the_model_as_its_frame_sizes_are():
    """A constructor argument, as ``trained_frame_sizes``: not set on the model afterwards."""
    from vjepa_ros.models import WorldModel

    size = dict(img_size=32, embed_dim=32, depth=1, num_heads=2)
    encoder, predictor = build_encoder(**size), build_predictor(predictor_embed_dim=32, **size)
    model = WorldModel(encoder, predictor, "cpu", aspect_ratio_range=(0.9, 1.1),
                       trained_frame_sizes=[(48, 64)], trained_aspect_ratio_range=[1.0, 1.0])
    assert model.trained_aspect_ratio_range == (1.0, 1.0)
    assert model.aspect_ratio_range == (0.9, 1.1) and model.trained_frame_sizes == [(48, 64)]
    assert WorldModel(encoder, predictor, "cpu").trained_aspect_ratio_range is None

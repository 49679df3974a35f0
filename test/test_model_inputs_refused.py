"""Models the planner cannot feed, and pickles torch refuses, named at load (fix49d).

A predictor of other than 7-dim actions and states, an encoder of other than 3 input channels
(``models/planner_inputs.py``) and every wording torch's weights-only unpickler uses for a
refused global (``checkpoint_file.refused_global``): one line naming the file, what was found,
what was expected and what to do, before anything is encoded or run. breaker49d found them.
"""

import os

import pytest
import torch

from vjepa_ros.cli import main
from vjepa_ros.models import CheckpointError, WorldModel, build_encoder, build_predictor
from vjepa_ros.models.checkpoint import (
    load_models,
    load_world_model,
    read_checkpoint_file,
    save_world_model,
)

pytestmark = pytest.mark.usefixtures("one_thread")
ENC = dict(embed_dim=48, depth=2, num_heads=2, img_size=64)  # 4x4 tokens of width 48
PRED = dict(embed_dim=48, predictor_embed_dim=32, depth=1, num_heads=2, img_size=64)
SMALL_PLAN = ["--samples", "8", "--iterations", "1", "--topk", "2"]


def _file(tmp_path, name="model.pt", encoder=None, predictor=None):
    torch.manual_seed(0)
    return save_world_model(tmp_path / name, build_encoder(**{**ENC, **(encoder or {})}),
                            build_predictor(**{**PRED, **(predictor or {})}))


def _last_line(capsys, argv) -> tuple[int, str]:
    try:
        status = main(argv)
    except SystemExit as exc:
        status = exc.code
    err = capsys.readouterr().err.strip()
    return status, err.splitlines()[-1] if err else ""


@pytest.mark.parametrize("dim", [6, 10])
def test_a_predictor_of_other_actions_is_refused_when_planning_naming_weight_and_shapes(
        tmp_path, dim):
    """The line names the file, both encoder weights, found and expected shapes, what to give."""
    path = _file(tmp_path, predictor=dict(action_embed_dim=dim))
    with pytest.raises(CheckpointError) as caught:
        load_world_model(path, device="cpu", need_predictor=True)
    line = str(caught.value)
    assert "\n" not in line and line.startswith(f"{path}: "), line
    assert f"action_encoder.weight [32, {dim}]" in line, line
    assert f"state_encoder.weight [32, {dim}]" in line and "expected [32, 7]" in line, line
    assert "Franka 7-dim action V-JEPA 2-AC" in line, line
    model = load_world_model(path, device="cpu")  # a library load: allowed, but not plannable
    with pytest.raises(CheckpointError, match="action_encoder.weight"):
        model.check_plannable(path)


def test_vjepa_ros_run_refuses_a_predictor_of_other_actions_naming_the_option(tmp_path, capsys):
    path = _file(tmp_path, predictor=dict(action_embed_dim=10))
    status, line = _last_line(capsys, [
        "run", "--task", "grasp", "--world-model", str(path), "--max-steps", "1", *SMALL_PLAN,
        "--out", str(tmp_path / "out")])
    assert status != 0 and "--world-model" in line and str(path) in line, line
    assert "[32, 10]" in line and "[32, 7]" in line, line
    assert not (tmp_path / "out").exists()


def test_the_cheap_check_before_nodes_start_refuses_other_actions_too(tmp_path):
    """``check_checkpoint(need_predictor=True)``: reach/launch, before the planner node starts."""
    from vjepa_ros.models.checkpoint import check_checkpoint

    path = _file(tmp_path, predictor=dict(action_embed_dim=10))
    with pytest.raises(CheckpointError, match=r"action_encoder.weight \[32, 10\]"):
        check_checkpoint(path, need_predictor=True)
    assert check_checkpoint(path).img_size == 64  # not asked to plan: read as before
    check_checkpoint(_file(tmp_path, "ok.pt"), need_predictor=True)


@pytest.mark.parametrize("channels", [1, 4])
def test_an_encoder_of_other_channels_is_refused_by_every_loader(tmp_path, channels):
    """Also without a predictor wanted (``train --encoder``'s load): no encode could run."""
    path = _file(tmp_path, encoder=dict(in_chans=channels))
    for load in (load_models, lambda p: load_world_model(p, device="cpu")):
        with pytest.raises(CheckpointError) as caught:
            load(path)
        line = str(caught.value)
        assert line.startswith(f"{path}: encoder weight patch_embed.proj.weight is "
                               f"[48, {channels}, 2, 16, 16], expected [48, 3, 2, 16, 16]"), line
        assert "RGB" in line and "tubelet" not in line, line


def test_a_model_built_in_code_is_checked_by_check_plannable_the_same_way():
    model = WorldModel(build_encoder(**ENC), build_predictor(**PRED, action_embed_dim=8),
                       device="cpu")
    with pytest.raises(CheckpointError, match=r"mine: predictor weight action_encoder.weight "
                                              r"\[32, 8\]"):
        model.check_plannable("mine")
    WorldModel(build_encoder(**ENC), build_predictor(**PRED), device="cpu").check_plannable("ok")


def test_an_encoder_of_another_tubelet_size_still_plans(tmp_path, capsys):
    """Each frame is repeated into one tubelet of the encoder's own size: tubelet 1 plans."""
    path = _file(tmp_path, encoder=dict(tubelet_size=1), predictor=dict(tubelet_size=1))
    model = load_world_model(path, device="cpu", need_predictor=True)
    reps = model.encode(torch.zeros(2, 64, 64, 3, dtype=torch.uint8))
    assert tuple(reps.shape) == (2, 16, 48)
    out = model.predict_next(reps[:1], torch.zeros(1, 1, 7), torch.zeros(1, 1, 7))
    assert tuple(out.shape) == (1, 16, 48)


# ------------------------------------------------------------- pickles torch refuses


class _Calls:
    """Pickles as a call of ``function(*args)``: a GLOBAL of the function's module and name."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


def _refused(tmp_path, obj, legacy=False) -> str:
    path = tmp_path / "refused.pt"
    torch.save({"encoder": {}, "epoch": obj}, path, _use_new_zipfile_serialization=not legacy)
    with pytest.raises(CheckpointError) as caught:
        read_checkpoint_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path} is not a vjepa_ros checkpoint (") and "\n" not in message
    assert "it was not run; re-save its state dicts" in message, message
    return message


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_a_blocked_module_is_named_as_code_that_was_not_run(tmp_path, legacy):
    """torch: "Trying to load unsupported GLOBAL posix.system whose module posix is blocked"."""
    marker = tmp_path / "ran"
    message = _refused(tmp_path, _Calls(os.system, f"touch {marker}"), legacy)
    assert f"it asks to run {os.system.__module__}.system: code of module" in message, message
    assert not marker.exists()


def test_a_global_not_allowed_by_default_is_named_with_its_module(tmp_path):
    """torch: "Unsupported global: GLOBAL eval was not an allowed global" (no ``builtins.``)."""
    message = _refused(tmp_path, _Calls(eval, "1 + 1"))
    assert "it holds a pickled builtins.eval, not only tensors: loading it would import and " \
           "run code of module builtins" in message, message


def test_nested_jagged_tensors_needing_an_import_are_named(tmp_path, monkeypatch):
    """torch: "``torch.nested`` and ``torch._dynamo`` must be imported to load ... (NJTs)"."""
    import torch._weights_only_unpickler as unpickler
    from torch.nested._internal.nested_tensor import _rebuild_njt

    monkeypatch.setattr(unpickler, "_marked_safe_globals_set", set())  # a process without them
    message = _refused(tmp_path, _Calls(_rebuild_njt))
    assert "it holds nested jagged tensors (NJTs), not plain tensors: loading them would " \
           "import torch.nested and torch._dynamo" in message, message


def test_dtensors_needing_an_import_are_named(tmp_path, monkeypatch):
    """torch: "``torch.distributed.tensor`` must be imported to load DTensors"."""
    if not torch.distributed.is_available():
        pytest.skip("this torch has no torch.distributed")
    import torch._weights_only_unpickler as unpickler
    from torch.distributed.tensor.placement_types import Shard

    monkeypatch.setattr(unpickler, "_marked_safe_globals_set", set())  # a process without it
    message = _refused(tmp_path, _Calls(Shard, 0))
    assert "it holds DTensors, not plain tensors: loading them would import " \
           "torch.distributed.tensor" in message, message

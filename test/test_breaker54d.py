"""breaker54d: how checkpoints reach the planner and ``train`` (round 4, after breaker52d/52h).

Attacked at main 6761720e: vjepa_ros/models/ (checkpoint*.py, hf.py, hyper_parameter_merge.py,
official_names.py, presets.py, preprocess.py, world_model.py) through ``load_models``,
``load_parts``, ``check_checkpoint`` (what ``vjepa-ros reach`` runs before its nodes start),
``vjepa-ros demo`` and ``vjepa-ros train``. Earlier rounds (breaker31, 38, 42c, 49d, 49f, 52d,
52h) are not repeated.

Defects (strict xfails until fix54d, which fixed each; the tests assert what should happen):

1. ``check_checkpoint(need_predictor=True)`` passes files whose load is refused from their keys,
   shapes and config alone (no weight read): a config-less file of no preset (heads unknown),
   a config value the model refuses (num_heads 3 for width 32), a config depth the weights do
   not have, a predictor img_size the encoder does not have, a missing or extra weight.
   ``vjepa-ros reach --checkpoint FILE`` then starts the simulator and the planner process,
   which exits 27 s later with "vjepa_planner: the packaged default config/planner.yaml:
   FILE: cannot tell the number of attention heads ... (command line: --encoder-arg
   num_heads=N ...)", an option reach does not have.
2. A predictor entry whose AC weights carry another prefix than module./backbone./_orig_mod.
   (``predictor.action_encoder.weight``: a combined module's state dict split by name) is
   taken for the pretraining mask predictor and dropped: ``load_models`` returns no predictor
   without a word; a command that plans says the file "holds no action-conditioned predictor
   (an encoder alone)". The same file's encoder under ``encoder.`` is refused, naming its keys.
3. A Git LFS pointer in place of the weights (a ``git clone`` of a model repository without
   git-lfs: 130 bytes of text), as a ``.pt`` file or as an HF snapshot's ``model.safetensors``,
   and a zero-byte, half-downloaded or HTML ``model.safetensors``: "cannot read FILE
   (truncated or corrupt?): Error while deserializing header: header too large" / "not a
   torch.save file": nothing says to fetch the real file (the snapshot's damaged config.json
   says "download the snapshot again").
4. An unreadable checkpoint (permission denied) given to ``vjepa-ros train --encoder`` or
   ``--init``: "vjepa-ros train: [Errno 13] Permission denied: 'FILE'", no option named, no
   fix (``demo --checkpoint`` says "cannot be read by this user ...: chmod a+r ..."); the
   loaders raise a bare PermissionError, where they document CheckpointError.
5. A shape hyper-parameter given by the caller (``--encoder-arg depth=2``, the planner node's
   ``model.encoder_args``, train's ``encoder_args``) that the file's weights contradict: "encoder
   weights do not match the model EncoderConfig(...): 12 missing keys ..." blames the weights;
   nothing says that the value given is the cause, or to leave it out (as the refusals of a
   given num_heads or img_size do).
6. A torch.save dict whose keys are not strings (``dict(enumerate(features))``, a per-frame
   cache given by mistake): AttributeError "'int' object has no attribute 'startswith'", a
   traceback out of ``vjepa-ros demo``; a tensor as the ``config`` entry: "Boolean value of
   Tensor with more than one value is ambiguous", no file named.

Held up (not repeated): a file cut anywhere (50 %, 99 %, its last 10 bytes), zero bytes, gzip
of a .pt, an LFS pointer .pt and an HTML page are one line naming the file (no traceback);
bytes appended after the zip load the intact weights; our file with an OrderedDict state dict,
``module.``-prefixed predictor, extra ``ema_encoder``/``train`` entries, a half encoder beside a
float predictor; ``target_encoder`` alone names encoder_key; a Lightning-style
``state_dict``/``epoch`` dict and a nested ``model`` dict are refused naming their entries;
every malformed ``config`` (None, a list, ``data: None``, an entry not a dict) is refused in one
line; non-square ([64, 96]) models give the same size notes from the cheap check as loaded.
Preprocessing was read against the official DROID transform (app/vjepa_droid/transforms.py and
its fallback crop): float pixels before the crop, the same rounding of the clamped crop, bilinear
without antialias, mean/std x 255: nothing differs from preprocess.py.

Seen, not made a test: the 384 px rule reads only names ending ``-384.pt``: a browser's
``vitg-384 (1).pt``, wget's ``vitg-384.pt.1`` or ``vitg_384.pt`` loads at 256 px without a word
(the shapes cannot tell; a fix has no sure signal). A V-JEPA 2.1 file (``ema_encoder`` /
``target_encoder`` with ``patch_embed_img``, ``norms_block``, ``*_mod_embed`` and no ``norm``)
is refused as missing/unexpected keys after the advice to choose ``encoder_key
target_encoder``: nothing says V-JEPA 2.1 encoders are not supported.
"""

import shutil
from pathlib import Path

import pytest
import torch
from checkpoint_variants import LFS_POINTER, refusal, variant
from unreadable_runs import _without_read_rights

from vjepa_ros.cli import main
from vjepa_ros.models import CheckpointError
from vjepa_ros.models.checkpoint import check_checkpoint, load_models, load_parts

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def saved(tiny_world_model):
    """Our own file (conftest: encoder + predictor + config, ``module.`` keys, 64 px, width 32)."""
    return tiny_world_model


# -- 1. the cheap check (vjepa-ros reach, before its nodes) passes what the load refuses

def _drop_extrinsics(raw):
    for key in [k for k in raw["predictor"] if "extrinsics_encoder" in k]:
        del raw["predictor"][key]


CHEAP_VARIANTS = {
    "no config, no preset": lambda raw: raw.pop("config"),
    "config num_heads 3 for width 32": lambda raw: raw["config"]["encoder"].update(num_heads=3),
    "config depth 2, one block saved": lambda raw: raw["config"]["predictor"].update(depth=2),
    "predictor img_size 128, encoder 64": lambda raw: raw["config"]["predictor"].update(
        img_size=128),
    "extrinsics_encoder missing": _drop_extrinsics,
    "an extra predictor weight": lambda raw: raw["predictor"].update(
        {"module.extra_head.weight": torch.zeros(4, 32)}),
}


@pytest.mark.parametrize("name", CHEAP_VARIANTS)
def test_the_cheap_check_refuses_what_the_load_refuses_without_reading_weights(saved, tmp_path,
                                                                              name):
    """Input: our file changed in what its keys, shapes or config say (no weight's data).

    ``load_parts(need_predictor=True)`` (the planner node) refuses each; so must
    ``check_checkpoint(need_predictor=True)``, which ``vjepa-ros reach`` runs so that no
    simulator or node starts for a model the planner will refuse.
    """
    path = variant(saved, tmp_path / "wm.pt", CHEAP_VARIANTS[name])
    refusal(lambda: load_parts(path, need_predictor=True), path)  # the load refuses it
    refusal(lambda: check_checkpoint(path, need_predictor=True), path)


# -- 2. an AC predictor under another prefix is taken for the mask predictor and dropped

@pytest.mark.parametrize("prefix", ["predictor.", "model.predictor."])
def test_an_ac_predictor_under_another_prefix_is_loaded_or_named(saved, tmp_path, prefix):
    """Input: our file whose predictor keys read ``PREFIX action_encoder.weight`` ...

    (``{"predictor": {k: v for k, v in model.state_dict().items() if k.startswith
    ("predictor.")}}`` of a module holding both parts). It holds an AC predictor: either it
    loads with those weights, or a CheckpointError names the file and the prefix; never an
    encoder-only model, nor "an encoder alone" from a command that plans.
    """
    def change(raw):
        raw["predictor"] = {prefix + key.removeprefix("module."): value
                            for key, value in raw["predictor"].items()}
    path = variant(saved, tmp_path / "wm.pt", change)
    try:
        _, predictor = load_models(path)
    except CheckpointError as exc:
        message = str(exc)
        assert str(path) in message and prefix in message and "\n" not in message, message
    else:
        assert predictor is not None, "the AC predictor was dropped without a word"
        expected = load_models(saved)[1].state_dict()
        assert all(torch.equal(expected[k], v) for k, v in predictor.state_dict().items())
    try:
        load_parts(path, need_predictor=True)  # loading it whole is right too
    except CheckpointError as exc:
        assert "an encoder alone" not in str(exc), str(exc)


# -- 3. a Git LFS pointer or a damaged safetensors file: what to do

def _snapshot(root: Path) -> Path:
    """Write an HF snapshot folder of a tiny VJEPA2Model (config.json, model.safetensors)."""
    transformers = pytest.importorskip("transformers")
    config = transformers.VJEPA2Config(
        hidden_size=32, num_hidden_layers=1, num_attention_heads=2, crop_size=64,
        pred_hidden_size=16, pred_num_hidden_layers=1, pred_num_attention_heads=2)
    torch.manual_seed(0)
    transformers.VJEPA2Model(config).save_pretrained(root)
    return root


@pytest.mark.parametrize("damage", ["lfs pointer", "zero bytes", "half", "html page"])
def test_a_damaged_snapshot_weights_file_says_to_fetch_it_again(tmp_path, damage):
    """Input: an HF snapshot folder whose ``model.safetensors`` is not the weights.

    A ``git clone`` of the model repository without git-lfs leaves a pointer; a stopped
    ``wget``/browser download leaves half a file or an error page. The line names the file and
    says to fetch it (download again; for a pointer, ``git lfs pull``), as a damaged
    config.json does.
    """
    snapshot = _snapshot(tmp_path / "vjepa2-vitl-fpc64-256")
    weights = snapshot / "model.safetensors"
    whole = weights.read_bytes()
    weights.write_bytes({"lfs pointer": LFS_POINTER, "zero bytes": b"", "half":
                         whole[:len(whole) // 2], "html page": b"<!DOCTYPE html><html><body>"
                         b"404 Not Found</body></html>"}[damage])
    message = refusal(lambda: load_models(snapshot), weights)
    assert "download" in message, message
    if damage == "lfs pointer":
        assert "git lfs" in message.lower(), message


def test_a_git_lfs_pointer_as_the_checkpoint_says_so(tmp_path):
    """Input: ``vjepa2-ac-vitg.pt`` as a clone without git-lfs leaves it (130 bytes of text)."""
    path = tmp_path / "vjepa2-ac-vitg.pt"
    path.write_bytes(LFS_POINTER)
    for call in (lambda: load_models(path), lambda: check_checkpoint(path)):
        assert "git lfs" in refusal(call, path).lower()


# -- 4. permission denied: one line naming the option and the fix


@pytest.mark.parametrize("option", ["--encoder", "--init"])
def test_an_unreadable_checkpoint_names_the_option_and_the_fix(saved, tmp_path, option):
    """Input: a checkpoint of mode 000 given to ``vjepa-ros train`` and to ``load_models``.

    As ``demo --checkpoint`` words it: one line naming the option and the file, saying this
    user cannot read it and how to fix that (chmod); the loaders raise their CheckpointError.
    """
    import json

    from vjepa_ros.train.synthetic import write_blob_episodes

    data = tmp_path / "data"
    write_blob_episodes(data, 2, frames=6, size=16)
    locked = tmp_path / "locked.pt"
    shutil.copy(saved, locked)
    locked.chmod(0)
    done = _without_read_rights([str(locked), option, str(data), str(tmp_path / "out")])
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    lines = [line for line in done.stderr.splitlines() if line.startswith("vjepa-ros train")]
    assert result["train"] == 1 and len(lines) == 1, done.stderr[-2000:]
    line = lines[0]
    assert f"{option} {locked}" in line and "Errno" not in line and "chmod" in line, line
    assert result["load"][0] == "CheckpointError" and str(locked) in result["load"][1], result


# -- 5. a caller's shape hyper-parameter against the weights: say it was given

@pytest.mark.parametrize("kind,key,value", [
    ("encoder", "depth", 2), ("encoder", "patch_size", 8), ("encoder", "tubelet_size", 1),
    ("encoder", "mlp_ratio", 2.0), ("predictor", "depth", 3),
    ("predictor", "predictor_embed_dim", 16), ("predictor", "action_embed_dim", 10)])
def test_a_given_shape_value_the_weights_contradict_is_named_as_given(saved, kind, key, value):
    """Input: ``load_models(file, encoder={"depth": 2})`` on a file of one block.

    (``--encoder-arg depth=2``, the planner node's ``model.encoder_args: {depth: 2}``.) The
    refusal says the value was given against what the weights hold and where to leave it out,
    as the refusal of a given ``num_heads`` does ("leave num_heads out (--encoder-arg, the
    planner node's model.encoder_args ...)"), not only that the weights do not match.
    """
    message = refusal(lambda: load_models(saved, **{kind: {key: value}}), saved)
    assert f"{key}={value} given" in message, message
    assert f"--{kind}-arg" in message and f"model.{kind}_args" in message, message


# -- 6. a dict of other keys, a tensor as config: one line, not a traceback

@pytest.mark.parametrize("what", ["int keys", "int keys in encoder", "tensor config"])
def test_entries_of_another_type_are_one_line_naming_the_file(saved, tmp_path, what):
    """Input: ``torch.save(dict(enumerate(features)))`` given as a checkpoint.

    Also the same dict as the ``encoder`` entry, and our file with a tensor as its ``config``.
    """
    path = tmp_path / "features.pt"
    if what == "tensor config":
        variant(saved, path, lambda raw: raw.update(config=torch.zeros(3)))
    else:
        features = {index: torch.randn(4, 32) for index in range(3)}
        torch.save(features if what == "int keys" else {"encoder": features}, path)
    refusal(lambda: load_models(path), path)
    refusal(lambda: check_checkpoint(path), path)


def test_demo_refuses_a_dict_of_integer_keys_in_one_line(tmp_path, capsys):
    path = tmp_path / "features.pt"
    torch.save({index: torch.randn(4, 32) for index in range(3)}, path)
    status = main(["demo", "--checkpoint", str(path)])
    err = capsys.readouterr().err.strip()
    assert status == 1 and "\n" not in err and str(path) in err, err


# -- pins: what held

def test_bytes_after_the_zip_load_the_intact_weights(saved, tmp_path):
    """A file with bytes appended (a copy tool's padding) loads the same weights.

    It still holds the whole zip, whose CRCs check every entry.
    """
    path = tmp_path / "padded.pt"
    path.write_bytes(saved.read_bytes() + b"<html>trailing</html>")
    encoder, _ = load_models(path)
    expected, _ = load_models(saved)
    assert all(torch.equal(expected.state_dict()[k], v) for k, v in encoder.state_dict().items())


@pytest.mark.parametrize("config", [None, [1], "data: None", "an entry not a dict"])
def test_a_malformed_config_entry_is_one_line(saved, tmp_path, config):
    def change(raw):
        if config == "data: None":
            raw["config"]["data"] = None
        elif config == "an entry not a dict":
            raw["config"]["version"] = "0.1"
        else:
            raw["config"] = config
    path = variant(saved, tmp_path / "wm.pt", change)
    if config is None:  # no config: our tiny widths are no preset, heads unknown
        assert "num_heads" in refusal(lambda: load_models(path), path)
    else:
        refusal(lambda: load_models(path), path)
        refusal(lambda: check_checkpoint(path), path)

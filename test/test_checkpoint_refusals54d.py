"""The rest of breaker54d's families (fix54d): the cheap check's rule, prefixes, files instead.

One rule for the cheap check and the load, prefixes, V-JEPA 2.1, what a folder or a weights
file may be instead, given shape values.

Each test names its input; every refusal is one CheckpointError line naming the file.
"""

import shutil
from pathlib import Path

import pytest
import torch
from checkpoint_variants import LFS_POINTER, refusal, variant
from unreadable_runs import _without_read_rights

from vjepa_ros.models.checkpoint import check_checkpoint, load_models, load_parts
from vjepa_ros.nodes.reach_demo import HYPER_PARAMETERS

pytestmark = pytest.mark.usefixtures("one_thread")


def same_weights(model, other) -> bool:
    mine, theirs = model.state_dict(), other.state_dict()
    return mine.keys() == theirs.keys() and all(torch.equal(mine[k], theirs[k]) for k in mine)


# -- the cheap check: the load's rule, in the caller's words

def test_the_cheap_check_names_reach_s_way_not_options_it_lacks(tiny_world_model, tmp_path):
    """Input: a config-less file of no preset, checked as ``vjepa-ros reach`` checks it."""
    path = variant(tiny_world_model, tmp_path / "wm.pt", lambda raw: raw.pop("config"))
    message = refusal(lambda: check_checkpoint(path, need_predictor=True,
                                               options=HYPER_PARAMETERS), path)
    assert "model.encoder_args" in message, message
    assert "--encoder-arg" not in message and "vjepa-ros reach" in message, message
    # the loaders' own words name their options; the file loads once they are given
    assert "--encoder-arg num_heads=N" in refusal(lambda: check_checkpoint(path), path)
    heads = {"encoder": {"num_heads": 2}, "predictor": {"num_heads": 2}}
    assert check_checkpoint(path, need_predictor=True, **heads).trained_frame_sizes is None
    assert load_models(path, **heads)[1] is not None


@pytest.mark.parametrize("name,change", [
    ("a block weight of another shape", lambda raw: raw["encoder"].update(
        {"module.blocks.0.attn.proj.weight": torch.zeros(32, 16)})),
    ("the predictor's width against the encoder's", lambda raw: raw["config"]["predictor"].update(
        embed_dim=48)),
    ("predictor num_heads 5 for width 32", lambda raw: raw["config"]["predictor"].update(
        num_heads=5)),
    ("a config name this version does not know", lambda raw: raw["config"]["encoder"].update(
        rope_theta=1e4)),
])
def test_the_cheap_check_and_the_load_say_the_same_line(tiny_world_model, tmp_path, name,
                                                        change):
    """Input: our file changed in what its keys, shapes or config say: both refuse alike."""
    path = variant(tiny_world_model, tmp_path / "wm.pt", change)
    loaded = refusal(lambda: load_parts(path, need_predictor=True), path)
    assert refusal(lambda: check_checkpoint(path, need_predictor=True), path) == loaded


def test_the_cheap_check_reads_no_weight_data(tiny_world_model, tmp_path, monkeypatch):
    """Input: our file; the check builds on meta (no module of real tensors is made)."""
    from vjepa_ros.models import checkpoint_build

    loaded = []
    monkeypatch.setattr(checkpoint_build, "_load_into",
                        lambda *args: loaded.append(args) or args[0])
    assert check_checkpoint(tiny_world_model, need_predictor=True).img_size == 64
    assert not loaded


# -- prefixes: an AC predictor or an encoder under one more prefix

@pytest.mark.parametrize("prefix", ["encoder.", "model.encoder."])
def test_an_encoder_under_another_prefix_loads_its_weights(tiny_world_model, tmp_path, prefix):
    """Input: our file whose encoder keys read ``encoder.patch_embed.proj.weight`` ..."""
    def change(raw):
        raw["encoder"] = {prefix + key.removeprefix("module."): value
                          for key, value in raw["encoder"].items()}
    path = variant(tiny_world_model, tmp_path / "wm.pt", change)
    encoder, predictor = load_models(path)
    expected, _ = load_models(tiny_world_model)
    assert predictor is not None and same_weights(encoder, expected)
    check_checkpoint(path, need_predictor=True)


def test_a_prefix_on_some_predictor_keys_only_is_named(tiny_world_model, tmp_path):
    """Input: the predictor's keys under ``predictor.`` but its predictor_embed: refused."""
    def change(raw):
        raw["predictor"] = {("" if key.startswith("module.predictor_embed") else "predictor.")
                            + key.removeprefix("module."): value
                            for key, value in raw["predictor"].items()}
    path = variant(tiny_world_model, tmp_path / "wm.pt", change)
    for call in (lambda: load_models(path), lambda: check_checkpoint(path)):
        assert "'predictor.'" in refusal(call, path)


def test_a_combined_state_dict_saved_bare_is_refused_naming_the_prefix(tiny_world_model,
                                                                       tmp_path):
    """Input: ``torch.save(model.state_dict())`` of a module holding both parts by name."""
    raw = torch.load(tiny_world_model, weights_only=True)
    path = tmp_path / "combined.pt"
    torch.save({f"{part}.{key.removeprefix('module.')}": value for part in ("encoder",
                                                                           "predictor")
                for key, value in raw[part].items()}, path)
    message = refusal(lambda: load_models(path), path)
    assert "'encoder.'" in message and "state_dict()" in message, message


def test_the_pretraining_mask_predictor_is_still_skipped(tiny_world_model, tmp_path):
    """Input: a ``predictor`` entry without action/state encoders (vitl.pt's): encoder only."""
    def change(raw):
        raw["predictor"] = {key: value for key, value in raw["predictor"].items()
                            if "action_encoder" not in key and "state_encoder" not in key}
        raw.pop("config")
        raw["config"] = {"encoder": {"num_heads": 2}}
    path = variant(tiny_world_model, tmp_path / "wm.pt", change)
    assert load_models(path)[1] is None


# -- V-JEPA 2.1

@pytest.mark.parametrize("entry", ["encoder", "target_encoder", "ema_encoder", None])
def test_a_vjepa_2_1_encoder_is_named_as_not_supported(tiny_world_model, tmp_path, entry):
    """Input: an encoder with 2.1's image patch embedding, modality embeddings, block norms."""
    raw = torch.load(tiny_world_model, weights_only=True)
    encoder = {f"module.backbone.{key.removeprefix('module.')}": value
               for key, value in raw["encoder"].items()}
    encoder.update({"module.backbone.patch_embed_img.proj.weight": torch.zeros(32, 3, 1, 16, 16),
                    "module.backbone.img_mod_embed": torch.zeros(1, 1, 32),
                    "module.backbone.norms_block.0.weight": torch.zeros(32)})
    path = tmp_path / "vjepa2_1_vitb.pt"
    torch.save(encoder if entry is None else {entry: encoder, "epoch": 10}, path)
    for call in (lambda: load_models(path), lambda: check_checkpoint(path)):
        message = refusal(call, path)
        assert "V-JEPA 2.1" in message and "vjepa2-ac-vitg.pt" in message, message


# -- folders and weights files that are something else

def test_a_plain_folder_says_what_a_model_folder_holds(tmp_path):
    """Input: a folder of files, no config.json (a download folder, a run's other folder)."""
    (tmp_path / "notes.txt").write_text("x")
    message = refusal(lambda: load_models(tmp_path), tmp_path)
    assert "config.json and model.safetensors" in message and "checkpoint file" in message
    (tmp_path / "vjepa2-ac-vitg.pt").write_bytes(b"x")
    message = refusal(lambda: load_models(tmp_path), tmp_path)
    assert str(tmp_path / "vjepa2-ac-vitg.pt") in message and "give that file" in message


def test_a_safetensors_file_given_alone_as_an_lfs_pointer_says_git_lfs(tmp_path):
    """Input: ``model.safetensors`` (a pointer) given as the checkpoint file itself."""
    path = tmp_path / "model.safetensors"
    path.write_bytes(LFS_POINTER)
    assert "git lfs pull" in refusal(lambda: load_models(path), path)


def test_a_big_text_file_is_not_taken_for_a_pointer(tmp_path):
    """Input: 2 kB of text starting as a pointer does (no pointer is that long)."""
    path = tmp_path / "notes.pt"
    path.write_bytes(LFS_POINTER + b"x" * 2048)
    message = refusal(lambda: load_models(path), path)
    assert "git lfs" not in message.lower() and "not a torch.save file" in message


READ_AS_OTHER_USER = r"""
import sys
from vjepa_ros.models.checkpoint import check_checkpoint, load_models
for call in (load_models, check_checkpoint):
    try:
        call(sys.argv[1])
        print("loaded")
    except Exception as exc:
        print(type(exc).__name__, str(exc).replace("\n", " | "))
"""


def _as_user_without_rights(path: Path) -> list[str]:
    """Return READ_AS_OTHER_USER's two lines on ``path`` as a user its mode 000 stops."""
    done = _without_read_rights([str(path)], READ_AS_OTHER_USER)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-2:]


@pytest.mark.parametrize("locked", ["snapshot config.json", "snapshot weights",
                                    "snapshot folder", "folder of the file"])
def test_what_this_user_may_not_read_says_chmod(tiny_world_model, tmp_path, locked):
    """Input: a snapshot's file or the snapshot folder of mode 000; a .pt in such a folder."""
    if locked == "folder of the file":
        folder = tmp_path / "models"
        folder.mkdir()
        shutil.copy(tiny_world_model, folder / "wm.pt")
        given, denied = folder / "wm.pt", folder
    else:
        given = tmp_path / "snapshot"
        given.mkdir()
        (given / "config.json").write_text('{"model_type": "vjepa2"}')
        (given / "model.safetensors").write_bytes(b"x" * 64)
        denied = {"snapshot config.json": given / "config.json",
                  "snapshot weights": given / "model.safetensors",
                  "snapshot folder": given}[locked]
        if locked == "snapshot weights":  # a whole config.json, so the weights are read
            (given / "config.json").write_text(
                '{"model_type": "vjepa2", "hidden_size": 32, "num_hidden_layers": 1, '
                '"num_attention_heads": 2}')
    denied.chmod(0)
    try:
        lines = _as_user_without_rights(given)
    finally:
        denied.chmod(0o755)
    load = lines[0]
    assert load.startswith("CheckpointError ") and "chmod" in load and str(denied) in load, load
    assert "Errno" not in load and "download" not in load, load
    if locked == "folder of the file":  # the cheap check reads the file too
        assert lines[1].startswith("CheckpointError ") and "chmod" in lines[1], lines


# -- given shape values against the weights

@pytest.mark.parametrize("kind,key,value", [
    ("encoder", "embed_dim", 64), ("encoder", "in_chans", 4),
    ("predictor", "mlp_ratio", 2), ("predictor", "embed_dim", 16)])
def test_more_given_shape_values_are_named_as_given(tiny_world_model, kind, key, value):
    message = refusal(lambda: load_models(tiny_world_model, **{kind: {key: value}}),
                      tiny_world_model)
    assert f"{kind} {key}={value} given" in message and "leave" in message, message
    assert refusal(lambda: check_checkpoint(tiny_world_model, **{kind: {key: value}}),
                   tiny_world_model) == message


@pytest.mark.parametrize("kind,values", [
    ("encoder", {"depth": 1, "mlp_ratio": 4, "patch_size": 16.0, "tubelet_size": 2}),
    ("predictor", {"depth": 1, "mlp_ratio": 4.0, "predictor_embed_dim": 32})])
def test_given_shape_values_the_weights_hold_load(tiny_world_model, kind, values):
    """Input: values equal to the weights' (4 for 4.0, 16.0 for 16): the same model loads."""
    encoder, predictor = load_models(tiny_world_model, **{kind: values})
    expected_encoder, expected_predictor = load_models(tiny_world_model)
    assert same_weights(encoder, expected_encoder)
    assert same_weights(predictor, expected_predictor)


# -- entries of another type

@pytest.mark.parametrize("what", ["int keys in predictor", "a tuple key", "config of a string"])
def test_more_entries_of_another_type_are_one_line(tiny_world_model, tmp_path, what):
    path = tmp_path / "odd.pt"
    if what == "int keys in predictor":
        variant(tiny_world_model, path, lambda raw: raw.update(
            predictor={index: torch.zeros(3) for index in range(3)}))
    elif what == "a tuple key":
        raw = torch.load(tiny_world_model, weights_only=True)
        torch.save({**raw["encoder"], ("module", "norm"): torch.zeros(3)}, path)
    else:
        variant(tiny_world_model, path, lambda raw: raw.update(config="encoder: {}"))
    refusal(lambda: load_models(path), path)
    refusal(lambda: check_checkpoint(path), path)

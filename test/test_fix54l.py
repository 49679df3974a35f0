"""fix54l: the families around breaker54l's defects (checkpoints: records, permissions, keys)."""

import os

import pytest
from checkpoint_variants import refusal, variant

from vjepa_ros.models.checkpoint import check_checkpoint, load_world_model
from vjepa_ros.nodes.reach_demo import HYPER_PARAMETERS

pytestmark = pytest.mark.usefixtures("one_thread")


# -- 1. every training record the load reads, the cheap check reads (one line, the same)

BAD_RECORDS = {
    "frame_sizes a pair not in a list": {"frame_sizes": [480, 640]},
    "aspect_ratio_range min over max": {"aspect_ratio_range": [1.35, 0.75]},
    "aspect_ratio_range of booleans": {"aspect_ratio_range": [True, True]},
    "aspect_ratio_range infinite": {"aspect_ratio_range": [0.75, float("inf")]},
    "tcp_xyz of 2 numbers": {"tcp_xyz": [0.0, 0.1], "tcp_rpy": [0.0, 0.0, 0.0]},
    "no_gripper a string": {"no_gripper": "yes"},
    "rate_hz zero": {"rate_hz": 0},
    "rate_hz a string": {"rate_hz": "4"},
}


@pytest.mark.parametrize("record", list(BAD_RECORDS))
def test_the_cheap_check_refuses_every_record_the_load_refuses(tiny_world_model, tmp_path,
                                                               record):
    """Input: our file whose ``config.data`` holds one malformed training record."""
    path = variant(tiny_world_model, tmp_path / "wm.pt",
                   lambda raw: raw["config"].update(data=BAD_RECORDS[record]))
    loaded = refusal(lambda: load_world_model(path, device="cpu", need_predictor=True), path)
    checked = refusal(lambda: check_checkpoint(path, need_predictor=True,
                                               options=HYPER_PARAMETERS), path)
    assert checked == loaded and "config.data." in loaded


def test_a_good_crop_record_passes_the_cheap_check(tiny_world_model, tmp_path):
    """Input: a file recording a square-crop range [1.0, 1.0]: passed, sizes returned."""
    path = variant(tiny_world_model, tmp_path / "wm.pt",
                   lambda raw: raw["config"].update(data={"aspect_ratio_range": [1.0, 1.0]}))
    assert check_checkpoint(path, need_predictor=True).img_size == 64
    assert load_world_model(path, device="cpu").trained_aspect_ratio_range == (1.0, 1.0)


# -- 2. every weights file this user may not read says chmod, whatever reads it after

def _sharded_snapshot(folder):
    """Write a tiny encoder as a sharded HF snapshot (two safetensors files and the index)."""
    import json

    import torch
    from safetensors.torch import save_file

    from vjepa_ros.models import build_encoder
    from vjepa_ros.models.hf import official_to_hf_encoder

    torch.manual_seed(0)
    encoder = build_encoder(img_size=64, embed_dim=32, depth=1, num_heads=2)
    state = {k: v.contiguous() for k, v in official_to_hf_encoder(encoder.state_dict()).items()}
    names = sorted(state)
    shards = {"model-00001-of-00002.safetensors": names[: len(names) // 2],
              "model-00002-of-00002.safetensors": names[len(names) // 2:]}
    folder.mkdir()
    for shard, keys in shards.items():
        save_file({key: state[key] for key in keys}, str(folder / shard))
    (folder / "model.safetensors.index.json").write_text(json.dumps(
        {"weight_map": {key: shard for shard, keys in shards.items() for key in keys}}))
    (folder / "config.json").write_text(json.dumps({
        "model_type": "vjepa2", "hidden_size": 32, "num_hidden_layers": 1,
        "num_attention_heads": 2, "crop_size": 64}))
    return folder / "model-00002-of-00002.safetensors"


def test_a_shard_this_user_may_not_read_says_chmod(tmp_path):
    """Input: a sharded snapshot whose second shard (over 1 KiB) is mode 000."""
    from test_checkpoint_refusals54d import READ_AS_OTHER_USER
    from unreadable_runs import _without_read_rights

    from vjepa_ros.models.checkpoint import load_models

    shard = _sharded_snapshot(tmp_path / "snapshot")
    assert shard.stat().st_size > 1024
    assert load_models(tmp_path / "snapshot")[0] is not None  # readable: it loads
    shard.chmod(0)
    try:
        done = _without_read_rights([str(tmp_path / "snapshot")], READ_AS_OTHER_USER)
    finally:
        shard.chmod(0o644)
    assert done.returncode == 0, done.stderr[-2000:]
    load = done.stdout.strip().splitlines()[-2]
    # the file is this user's (root without its read override here): its own chmod u+r
    # (path_advice.read_fix); another user's file: the owner's chmod a+r
    mode = "u+r" if shard.stat().st_uid == os.getuid() else "a+r"
    assert load.startswith("CheckpointError ") and f"chmod {mode} {shard}" in load, load
    assert "download" not in load and "damaged" not in load, load


# -- 3. a path through a folder this user may not enter: that folder's chmod, no other advice

ENTER_RUN = r"""
import json, sys
from vjepa_ros.cli import main
from vjepa_ros.input_paths import world_model_path
out = {}
try:
    world_model_path(sys.argv[1])
except ValueError as exc:
    out["path"] = str(exc)
out["train"] = main(["train", "--init", sys.argv[1], "--data", sys.argv[2], "--out",
                     sys.argv[3], "--steps", "1"])
print(json.dumps(out))
"""


@pytest.mark.parametrize("given", ["the file", "a link to it", "a link to its folder"])
def test_a_model_behind_a_folder_not_entered_says_that_folders_chmod(tiny_world_model,
                                                                     tmp_path, given):
    """Input: ``--checkpoint`` (demo, reach: ``world_model_path``) and ``train --init``.

    The file sits in ``models/`` of mode 000 (another user's), given directly, through a link
    to it, or through a link to the folder: one line naming the folder and its ``chmod -R``
    (``u+rX`` for this user's folder, ``a+rX`` for another's), never "give a file written by
    ..." (the file is fine).
    """
    import json

    from test_breaker54l import locked_model
    from unreadable_runs import _without_read_rights

    data, locked, path = locked_model(tiny_world_model, tmp_path, given)
    locked.chmod(0)
    try:
        done = _without_read_rights([str(path), str(data), str(tmp_path / "out")], ENTER_RUN)
    finally:
        locked.chmod(0o755)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    mode = "u+rX" if locked.stat().st_uid == os.getuid() else "a+rX"  # read_fix, as above
    fix = f"chmod -R {mode} {locked}"
    assert result["path"].startswith(f"--checkpoint {path} ") and fix in result["path"], result
    assert "give" not in result["path"], result
    lines = [line for line in done.stderr.splitlines() if line.startswith("vjepa-ros train")]
    assert result["train"] != 0 and len(lines) == 1 and fix in lines[0], done.stderr[-2000:]
    assert "give" not in lines[0], lines[0]


# -- 4. a file of target_encoder only: advice each command can follow, and train's --init

def test_train_init_and_encoder_of_another_file_read_a_target_encoder_init(tiny_world_model,
                                                                           tmp_path):
    """Input: ``train --encoder OTHER --encoder-key encoder --init FILE`` (FILE: target only).

    ``--encoder-key`` chooses ``--encoder``'s entry; the init file's own encoder (compared with
    it for the note) is its ``target_encoder``, the one its predictor was trained on. The run
    records the init's frame sizes (``model_records.recorded_frame_sizes``).
    """
    import torch
    from checkpoint_variants import variant

    from vjepa_ros.cli import main
    from vjepa_ros.models.checkpoint import load_world_model
    from vjepa_ros.train.synthetic import write_blob_episodes

    target_only = variant(tiny_world_model, tmp_path / "target_only.pt", lambda raw: (
        raw.update(target_encoder=raw.pop("encoder")),
        raw["config"].update(data={"frame_sizes": [[48, 64]]})))
    data = tmp_path / "data"
    write_blob_episodes(data, 2, frames=8, size=16)
    assert main(["train", "--encoder", str(tiny_world_model), "--encoder-key", "encoder",
                 "--init", str(target_only), "--data", str(data), "--steps", "1", "--out",
                 str(tmp_path / "out")]) == 0
    saved = torch.load(tmp_path / "out" / "world_model.pt", weights_only=True)
    assert saved["config"]["data"]["frame_sizes"][0] == [48, 64]
    assert load_world_model(tmp_path / "out" / "world_model.pt", device="cpu").predictor


def test_the_loaders_name_their_own_ways_to_choose_the_entry(tiny_world_model, tmp_path):
    """Input: ``load_world_model(FILE)`` of a target_encoder-only file (Python, planner node)."""
    from checkpoint_variants import refusal, variant

    from vjepa_ros.models.checkpoint import load_world_model

    path = variant(tiny_world_model, tmp_path / "t.pt",
                   lambda raw: raw.update(target_encoder=raw.pop("encoder")))
    line = refusal(lambda: load_world_model(path, device="cpu"), path)
    assert "encoder_key='target_encoder'" in line and "planner.model.encoder_key" in line
    assert load_world_model(path, device="cpu", encoder_key="target_encoder").predictor


@pytest.mark.parametrize("command", ["run", "eval"])
def test_other_planning_commands_give_a_target_encoder_file_advice_they_can_follow(
        tiny_world_model, tmp_path, command, capsys):
    """Input: ``vjepa-ros run --world-model FILE`` / ``eval --checkpoint FILE`` (target only)."""
    from checkpoint_variants import variant

    from vjepa_ros.demo import load_planning_model
    from vjepa_ros.sim.run_command import load_run_model

    path = variant(tiny_world_model, tmp_path / "t.pt",
                   lambda raw: raw.update(target_encoder=raw.pop("encoder")))
    with pytest.raises(ValueError) as caught:
        if command == "run":
            load_run_model(str(path), "cpu", need_predictor=True)
        else:  # eval and camera-check load as demo does
            load_planning_model(str(path), "cpu", option="--checkpoint")
    line = str(caught.value)
    assert str(path) in line and "c['encoder'] = c['target_encoder']" in line, line
    assert "--encoder-key" not in line and "encoder_key" not in line, line


# -- 5. torch.compile's _orig_mod. wherever a compiled module sits

@pytest.mark.parametrize("where", ["the whole model and its blocks", "DDP over compiled parts",
                                   "the predictor's action encoder"])
def test_compiled_modules_anywhere_load_their_weights(tiny_world_model, tmp_path, where):
    """Input: state dicts of modules compiled at several depths (``_orig_mod.`` in the keys)."""
    import re

    import torch
    from checkpoint_variants import variant

    from vjepa_ros.models.checkpoint import check_checkpoint, load_models

    def compiled(raw):
        for entry in ("encoder", "predictor"):
            state = raw[entry]
            if where == "the whole model and its blocks":
                state = {"_orig_mod." + re.sub(r"(blocks\.\d+\.)", r"\1_orig_mod.", key): value
                         for key, value in state.items()}
            elif where == "DDP over compiled parts":
                state = {f"module._orig_mod.{key.replace('.', '._orig_mod.', 1)}": value
                         for key, value in state.items()}
            elif entry == "predictor":
                state = {key.replace("action_encoder.", "action_encoder._orig_mod."): value
                         for key, value in state.items()}
            raw[entry] = state

    path = variant(tiny_world_model, tmp_path / "compiled.pt", compiled)
    assert check_checkpoint(path, need_predictor=True).img_size == 64
    encoder, predictor = load_models(path)
    expected = load_models(tiny_world_model)
    for mine, theirs in ((encoder, expected[0]), (predictor, expected[1])):
        assert all(torch.equal(value, theirs.state_dict()[key])
                   for key, value in mine.state_dict().items())


def test_a_compiled_and_a_plain_copy_of_one_weight_is_refused(tiny_world_model, tmp_path):
    """Input: ``blocks.0._orig_mod.norm1.weight`` beside ``blocks.0.norm1.weight`` (which one?)."""
    from checkpoint_variants import refusal, variant

    from vjepa_ros.models.checkpoint import load_models

    def both(raw):
        raw["encoder"]["blocks.0._orig_mod.norm1.weight"] = \
            raw["encoder"]["module.blocks.0.norm1.weight"]

    path = variant(tiny_world_model, tmp_path / "both.pt", both)
    assert "blocks.0.norm1.weight" in refusal(lambda: load_models(path), path)


# -- 6. git-annex / DataLad placeholders wherever a model file is read

ANNEX_KEY = "SHA256E-s1048576--" + "ab" * 32 + ".safetensors"


def _placeholder(path, locked: bool):
    """Make ``path`` a git-annex placeholder of a clone at ``path.parent`` (not fetched)."""
    (path.parent / ".git" / "annex" / "objects").mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        path.unlink()
    if locked:
        path.symlink_to(f".git/annex/objects/Qm/7z/{ANNEX_KEY}/{ANNEX_KEY}")
    else:
        path.write_text(f"/annex/objects/{ANNEX_KEY}\n")


@pytest.mark.parametrize("locked", [True, False], ids=["locked", "unlocked"])
def test_a_snapshot_weights_file_not_fetched_says_annex_get(tmp_path, locked):
    """Input: a DataLad clone of an HF model repository, model.safetensors never fetched."""
    from vjepa_ros.models.checkpoint import load_models

    folder = tmp_path / "vjepa2-vitl-fpc64-256"
    shard = _sharded_snapshot(folder)
    _placeholder(shard, locked)
    with pytest.raises(Exception) as caught:
        load_models(folder)
    line = str(caught.value)
    assert type(caught.value).__name__ == "CheckpointError" and "\n" not in line, line
    assert f"git -C {folder} annex get {shard.name}" in line and str(shard) in line, line
    assert "download" not in line, line


@pytest.mark.parametrize("locked", [True, False], ids=["locked", "unlocked"])
def test_the_commands_say_annex_get_before_loading(tiny_world_model, tmp_path, locked,
                                                  capsys):
    """Input: ``--checkpoint`` (demo, reach's early check) and ``train --encoder`` of one."""
    from vjepa_ros.cli import main
    from vjepa_ros.input_paths import world_model_path
    from vjepa_ros.train.synthetic import write_blob_episodes

    path = tmp_path / "clone" / "vjepa2-ac-vitg.pt"
    path.parent.mkdir()
    _placeholder(path, locked)
    if locked:  # seen before torch: the link itself tells
        with pytest.raises(ValueError) as caught:
            world_model_path(str(path))
        line = str(caught.value)
        assert line.startswith(f"--checkpoint {path} is a git-annex placeholder"), line
        assert "annex get" in line and "give" not in line, line
    data = tmp_path / "data"
    write_blob_episodes(data, 2, frames=8, size=16)
    assert main(["train", "--encoder", str(path), "--data", str(data), "--steps", "1",
                 "--out", str(tmp_path / "out")]) != 0
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert str(path) in line and f"git -C {path.parent} annex get {path.name}" in line, line
    assert "give" not in line and not (tmp_path / "out").exists(), line


# -- 7. the cheap check of transformers' names: shapes only, the load's refusals alike

@pytest.mark.parametrize("change", ["none", "key weight of another width", "value bias 0-dim",
                                    "query on meta", "value of another dtype", "key sparse"])
def test_the_cheap_check_of_transformers_names_refuses_as_the_load(tmp_path, change):
    """Input: ``torch.save(VJEPA2Model.state_dict())`` as is, or with one q/k/v part changed."""
    import torch
    from checkpoint_variants import refusal

    from vjepa_ros.models import build_encoder
    from vjepa_ros.models.checkpoint import check_checkpoint, load_models
    from vjepa_ros.models.hf import official_to_hf_encoder

    torch.manual_seed(0)
    encoder = build_encoder(img_size=64, embed_dim=32, depth=1, num_heads=2)
    state = official_to_hf_encoder(encoder.state_dict())
    attention = "encoder.layer.0.attention."
    if change == "key weight of another width":
        state[f"{attention}key.weight"] = torch.zeros(32, 31)
    elif change == "value bias 0-dim":
        state[f"{attention}value.bias"] = torch.tensor(0.0)
    elif change == "query on meta":
        state[f"{attention}query.weight"] = torch.empty(32, 32, device="meta")
    elif change == "value of another dtype":
        state[f"{attention}value.weight"] = state[f"{attention}value.weight"].double()
    elif change == "key sparse":
        state[f"{attention}key.weight"] = state[f"{attention}key.weight"].to_sparse()
    path = tmp_path / "hf_names.pt"
    torch.save(state, path)
    if change == "none":
        assert check_checkpoint(path, encoder={"num_heads": 2}).img_size is None
        loaded = load_models(path, encoder={"num_heads": 2})[0]
        assert all(torch.equal(value, encoder.state_dict()[key])
                   for key, value in loaded.state_dict().items())
        return
    loaded = refusal(lambda: load_models(path, encoder={"num_heads": 2}), path)
    checked = refusal(lambda: check_checkpoint(path, encoder={"num_heads": 2}), path)
    assert checked == loaded

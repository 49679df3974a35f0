"""breaker54l: second round on fix54d (the cheap check, prefixes, placeholders, permissions).

Each test was a strict xfail asserting the right behaviour (fixed by fix54l); the defects, by harm:

1. ``check_checkpoint`` (``vjepa-ros reach``'s check before its nodes start) passes a file
   whose ``config.data.aspect_ratio_range`` the load refuses (``trained_aspect_ratio_range``
   runs in ``load_world_model`` only): the planner node refuses it after the nodes started.
2. A Hugging Face snapshot whose weights file this user may not read (a shared hub cache:
   another user's blob of mode 600; any file over 1 KiB) says "cut short, an error page or
   damaged: No such file or directory ...: download the snapshot again": safetensors' error is
   no PermissionError, so ``file_problems.readable`` never sees it.
3. A checkpoint in a folder this user may not enter: the commands say "cannot be reached
   (Permission denied)" with no fix (train) or "give a file written by ..." (the file is fine);
   through a symlink the loaders raise a bare PermissionError (``input_paths.permission_fix``
   stats the link).
4. A file whose encoder sits under ``target_encoder`` only: ``train --init`` advises
   ``--encoder-key target_encoder``, which applies to ``--encoder`` (the same refusal comes
   back); reach and demo are told of ``--encoder-key``, which they lack.
5. The cheap check of an encoder in transformers' names saved with torch.save concatenates the
   query/key/value weights: it reads them (ViT-L: +584 MiB peak RSS against +4 MiB for the
   official layout).
6. Blocks wrapped by ``torch.compile`` (``blocks.0._orig_mod.attn...``): refused as a missing
   key without a fix, while a leading ``_orig_mod.`` is stripped.
7. A git-annex placeholder (a link into ``.git/annex/objects`` not fetched, or an unlocked
   pointer file): "checkpoint not found" / "not a torch.save file"; the LFS pointer's kin.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from checkpoint_variants import refusal, variant
from test_checkpoint_refusals54d import READ_AS_OTHER_USER
from unreadable_runs import UNREADABLE_RUN, _without_read_rights

from vjepa_ros.cli import main
from vjepa_ros.models import CheckpointError, build_encoder
from vjepa_ros.models.checkpoint import (
    check_checkpoint,
    load_models,
    load_parts,
    load_world_model,
)
from vjepa_ros.models.hf import official_to_hf_encoder
from vjepa_ros.nodes.reach_demo import HYPER_PARAMETERS

pytestmark = pytest.mark.usefixtures("one_thread")
ROOT = Path(__file__).resolve().parents[1]


def same_weights(model, other) -> bool:
    mine, theirs = model.state_dict(), other.state_dict()
    return mine.keys() == theirs.keys() and all(torch.equal(mine[k], theirs[k]) for k in mine)


# -- 1. the cheap check passes a crop record the load refuses

@pytest.mark.parametrize("crop", [[2.0, 1.0], "wide", [0, 1.35], [1.0]])
def test_the_cheap_check_refuses_the_crop_record_the_load_refuses(tiny_world_model, tmp_path,
                                                                  crop):
    """Input: our file whose ``config.data.aspect_ratio_range`` is no [min, max] w/h pair."""
    path = variant(tiny_world_model, tmp_path / "wm.pt",
                   lambda raw: raw["config"].update(data={"aspect_ratio_range": crop}))
    loaded = refusal(lambda: load_world_model(path, device="cpu", need_predictor=True), path)
    assert "aspect_ratio_range" in loaded
    checked = refusal(lambda: check_checkpoint(path, need_predictor=True,
                                               options=HYPER_PARAMETERS), path)
    assert checked == loaded


# -- 2. a snapshot's weights this user may not read (a shared hub cache)

def _hub_snapshot(root: Path) -> tuple[Path, Path]:
    """Write a tiny encoder as the hub cache lays out a model; return (model folder, blob)."""
    from safetensors.torch import save_file

    torch.manual_seed(0)
    encoder = build_encoder(img_size=64, embed_dim=32, depth=1, num_heads=2)
    model = root / "models--facebook--vjepa2-vitl-fpc64-256"
    snapshot = model / "snapshots" / "0123abcd"
    for folder in (model / "blobs", snapshot, model / "refs"):
        folder.mkdir(parents=True)
    (model / "refs" / "main").write_text("0123abcd")
    weights = model / "blobs" / "5e1f"
    save_file({k: v.contiguous() for k, v in official_to_hf_encoder(encoder.state_dict()).items()},
              str(weights))
    (model / "blobs" / "c0f1").write_text(json.dumps({
        "model_type": "vjepa2", "hidden_size": 32, "num_hidden_layers": 1,
        "num_attention_heads": 2, "crop_size": 64}))
    (snapshot / "model.safetensors").symlink_to("../../blobs/5e1f")
    (snapshot / "config.json").symlink_to("../../blobs/c0f1")
    return model, weights


@pytest.mark.parametrize("given", ["the model's cache folder", "its snapshot"])
def test_a_snapshot_weights_file_this_user_may_not_read_says_chmod(tmp_path, given):
    """Input: a hub cache whose weights blob (250 KB) is mode 000, as another user's umask 077.

    The file is whole: the line names it and the ``chmod`` (as for a config.json or a file of
    a few bytes), never "No such file" nor a download.
    """
    model, weights = _hub_snapshot(tmp_path)
    path = model if given == "the model's cache folder" else model / "snapshots" / "0123abcd"
    assert load_models(path)[0] is not None  # readable: it loads
    weights.chmod(0)
    try:
        done = _without_read_rights([str(path)], READ_AS_OTHER_USER)
    finally:
        weights.chmod(0o644)
    assert done.returncode == 0, done.stderr[-2000:]
    load = done.stdout.strip().splitlines()[-2]
    assert load.startswith("CheckpointError ") and "chmod" in load, load
    assert "No such file" not in load and "download" not in load, load


# -- 3. a checkpoint in a folder this user may not enter, directly or through a link

def locked_model(saved: Path, tmp_path: Path, given: str) -> tuple[Path, Path, Path]:
    """Return (episodes folder, ``models/`` to lock, the path to give) of a copy of ``saved``.

    ``given``: "the file" (``models/wm.pt``), "a link to it", "a link to its folder"
    (``shared/wm.pt``, ``shared`` linking to ``models``). The caller locks ``models``.
    """
    from vjepa_ros.train.synthetic import write_blob_episodes

    data = tmp_path / "data"
    write_blob_episodes(data, 2, frames=6, size=16)
    locked = tmp_path / "models"
    locked.mkdir()
    shutil.copy(saved, locked / "wm.pt")
    path = locked / "wm.pt"
    if given == "a link to it":
        path = tmp_path / "wm_link.pt"
        path.symlink_to(locked / "wm.pt")
    elif given == "a link to its folder":
        (tmp_path / "shared").symlink_to(locked)
        path = tmp_path / "shared" / "wm.pt"
    return data, locked, path


@pytest.mark.parametrize("given", ["the file", "a link to it"])
def test_a_checkpoint_in_a_folder_this_user_may_not_enter_says_chmod_of_it(tiny_world_model,
                                                                           tmp_path, given):
    """Input: ``train --encoder`` / ``load_models`` of a file in a folder of mode 000.

    (A link in the user's folder to ``/data/models/wm.pt``, the folder another user's.) The
    loaders raise CheckpointError and train says one line, both with the folder's chmod (the
    file's own mode is fine), as fix54d words a folder not enterable.
    """
    data, locked, path = locked_model(tiny_world_model, tmp_path, given)
    locked.chmod(0)
    try:
        done = _without_read_rights([str(path), "--encoder", str(data), str(tmp_path / "out")],
                                    UNREADABLE_RUN)
    finally:
        locked.chmod(0o755)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["load"][0] == "CheckpointError", result
    assert "chmod" in result["load"][1] and str(locked) in result["load"][1], result
    lines = [line for line in done.stderr.splitlines() if line.startswith("vjepa-ros train")]
    assert result["train"] == 1 and len(lines) == 1, done.stderr[-2000:]
    assert "chmod" in lines[0] and str(locked) in lines[0], lines[0]


# -- 4. encoder_key advice the command cannot follow

@pytest.fixture
def target_encoder_only(tiny_world_model, tmp_path):
    """Our file with its encoder under ``target_encoder`` only (beside the AC predictor)."""
    return variant(tiny_world_model, tmp_path / "target_only.pt",
                   lambda raw: raw.update(target_encoder=raw.pop("encoder")))


def test_train_init_of_a_target_encoder_file_gives_advice_that_works(target_encoder_only,
                                                                     tmp_path, capsys):
    """Input: ``train --init FILE`` (FILE: target_encoder + AC predictor), then as advised."""
    from vjepa_ros.train.synthetic import write_blob_episodes

    data = tmp_path / "data"
    write_blob_episodes(data, 2, frames=8, size=16)
    common = ["train", "--init", str(target_encoder_only), "--data", str(data), "--steps", "1"]
    if main([*common, "--out", str(tmp_path / "a")]) == 0:
        return  # its predictor is taken: nothing to advise
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert str(target_encoder_only) in line, line
    if "--encoder-key" not in line:
        return  # advice of another kind
    advised = main([*common, "--encoder", str(target_encoder_only), "--encoder-key",
                    "target_encoder", "--out", str(tmp_path / "b")])
    assert advised == 0, capsys.readouterr().err[-2000:]


@pytest.mark.parametrize("command", ["reach", "demo"])
def test_a_target_encoder_file_names_no_option_the_command_lacks(target_encoder_only, command,
                                                                 capsys):
    """Input: ``vjepa-ros reach`` / ``demo --checkpoint FILE`` (FILE: target_encoder only)."""
    if command == "reach":
        line = refusal(lambda: check_checkpoint(target_encoder_only, need_predictor=True,
                                                options=HYPER_PARAMETERS), target_encoder_only)
    else:
        assert main(["demo", "--checkpoint", str(target_encoder_only)]) != 0
        line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "encoder" in line and str(target_encoder_only) in line, line
    assert "--encoder-key" not in line and "encoder_key=" not in line, line


# -- 5. the cheap check reads the weights of an encoder in transformers' names

RSS_RUN = r"""
import sys
from vjepa_ros.models.checkpoint import check_checkpoint
def peak_kib():  # this process's peak resident memory (VmHWM: not inherited across exec)
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
before = peak_kib()
check_checkpoint(sys.argv[1], encoder={"num_heads": 8})
print(peak_kib() - before)
"""


def test_the_cheap_check_of_an_encoder_in_transformers_names_reads_no_weights(tmp_path):
    """Input: ``torch.save(VJEPA2Model.state_dict())`` of width 512, 16 blocks (200 MB).

    The check memory-maps the file and reads keys and shapes only, as for the official layout
    (ViT-L: +4 MiB peak): its peak resident memory may not grow by a tenth of the file (now
    +100 MiB: the attention weights, a quarter of the file, read and concatenated).
    """
    from vjepa_ros.models.encoder import VisionEncoder
    from vjepa_ros.models.presets import encoder_config

    if not Path("/proc/self/status").exists():
        pytest.skip("reads a process's peak memory from /proc (Linux)")
    with torch.device("meta"):
        shapes = VisionEncoder(encoder_config(embed_dim=512, depth=16, num_heads=8,
                                              img_size=64)).state_dict()
    state = {key: torch.zeros(value.shape) for key, value in shapes.items()}
    path = tmp_path / "hf_names.pt"
    torch.save(official_to_hf_encoder(state), path)
    del state
    size_kib = path.stat().st_size / 1024
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", RSS_RUN, str(path)], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    grown_kib = int(done.stdout.strip().splitlines()[-1])
    assert grown_kib < size_kib / 10, (grown_kib, size_kib)


# -- 6. blocks compiled one by one: _orig_mod. inside the keys

def test_blocks_wrapped_by_torch_compile_load_their_weights(tiny_world_model, tmp_path):
    """Input: ``model.blocks[i] = torch.compile(block)`` (regional compilation) then saved.

    Its keys read ``blocks.0._orig_mod.attn.qkv.weight``, ``predictor_blocks.0._orig_mod. ...``;
    no V-JEPA weight name holds ``_orig_mod``, so it is torch.compile's, as at the start.
    """
    import re

    def compiled_blocks(raw):
        for entry in ("encoder", "predictor"):
            raw[entry] = {re.sub(r"((?:predictor_)?blocks\.\d+\.)", r"\1_orig_mod.", key): value
                          for key, value in raw[entry].items()}

    path = variant(tiny_world_model, tmp_path / "compiled.pt", compiled_blocks)
    assert check_checkpoint(path, need_predictor=True).img_size == 64
    encoder, predictor, _ = load_parts(path, need_predictor=True)
    expected = load_models(tiny_world_model)
    assert same_weights(encoder, expected[0]) and same_weights(predictor, expected[1])


# -- 7. a git-annex placeholder instead of the weights

@pytest.mark.parametrize("kind", ["a link to an annex object not fetched", "an unlocked pointer"])
def test_a_git_annex_placeholder_says_to_get_the_file(tmp_path, kind):
    """Input: a DataLad/git-annex clone whose ``vjepa2-ac-vitg.pt`` was never fetched.

    Locked (the default): a link into ``.git/annex/objects/...`` that is not there; unlocked: a
    small text file ``/annex/objects/SHA256E-s...--....pt``. As for a Git LFS pointer, the one
    line names the file and the way to fetch it (``git annex get`` / ``datalad get``).
    """
    key = ("SHA256E-s10031857664--4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e"
           "2393.pt")
    clone = tmp_path / "clone"
    (clone / ".git" / "annex" / "objects").mkdir(parents=True)
    path = clone / "vjepa2-ac-vitg.pt"
    if kind == "an unlocked pointer":
        path.write_text(f"/annex/objects/{key}\n")
    else:
        path.symlink_to(f".git/annex/objects/Xk/9P/{key}/{key}")
    for call in (load_models, check_checkpoint):
        with pytest.raises((CheckpointError, FileNotFoundError)) as caught:
            call(path)
        message = str(caught.value)
        assert "\n" not in message and str(path) in message, message
        assert "annex get" in message or "datalad get" in message, message

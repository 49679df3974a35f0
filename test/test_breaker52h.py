"""breaker52h: what fix52d (3ba6cf42) newly accepts and refuses in checkpoint loading.

Attacked at 3ba6cf42: vjepa_ros/models/checkpoint_entries.py (``official_encoder_names``,
``check_dense``), hf.py (``hf_to_official_encoder``, ``hub_snapshot``, ``read_hf_directory``),
checkpoint_shapes.py (the rank check), checkpoint.py (``check_checkpoint``, ``load_parts``),
hyper_parameter_merge.py (the img_size warning), through ``load_models``, ``check_checkpoint``
and ``vjepa-ros demo``. Inputs: transformers' ``VJEPA2Model`` / ``VJEPA2ForVideoClassification``
state dicts saved with torch.save (tiny widths, mlp 48/11, patch 8, tubelet 1), dicts mixing
official and transformers' names, the hub cache folder (refs/main naming a missing snapshot,
other refs, incomplete snapshots, nested folders, another model, relative and linked paths),
our own ``train`` / ``pretrain`` outputs, the official file layout (opt, scaler, epoch,
target_encoder, a meta tensor nested in opt), float16/bfloat16/float64/mixed dtypes,
float8/int/quantized weights, tensors inside ``config``, the img_size line through the CLI.

Defects (strict xfails until fix52h, which fixed each and removed its marker; the cheap
check and the load now run one list of entry checks, ``checkpoint_checks.ENTRY_CHECKS``):

1. transformers' names beside official ones (an HF-named encoder dict plus ``norm.weight``):
   the official-named weights are dropped without a word and the model loads.
2. A hub cache folder whose ``refs/main`` names a snapshot not there, beside one older
   snapshot: the older snapshot loads, silently (another model than the one main names).
3. ``snapshots/``, ``blobs/`` or ``refs/`` of a hub cache folder given: "is a directory without
   config.json (not an HF snapshot)"; nothing names the snapshot folder (or the model's) to give.
4. A hub snapshot missing ``model.safetensors`` or ``config.json`` (a download by
   ``--include``, interrupted before the links were made): "is missing (only safetensors HF
   snapshots are read)" / "not an HF snapshot": a format question, no "download again".
5. ``check_checkpoint(folder, need_predictor=True)`` (what ``vjepa-ros reach`` runs before its
   nodes start) passes for an HF snapshot or hub cache folder, which never holds an AC predictor;
   the load with ``need_predictor`` refuses the same folder at once.
6. ``vjepa-ros demo --encoder-arg img_size=128`` on a file recording 64 px: two stderr lines, the
   first saying "the model runs at the size given", the second refusing (and blaming "its
   config", although the caller gave the size).
7. A float8 weight (``torch.float8_e4m3fn``, a quantized export): NotImplementedError
   '"isfinite" not implemented for Float8_e4m3fn', no file named.
8. ``check_checkpoint`` passes what the load refuses: int64 / quint8 weights, and a tensor (a
   meta one too) as the config's ``img_size``, which it returns as ``CheckpointSizes.img_size``.

Held up (pins): a ``VJEPA2ForVideoClassification`` state dict (pooler/classifier dropped) and a
VJEPA2Model at mlp 48/11 compute as transformers; an official-named dict with one transformers'
key is refused naming the file and key; our own train (world_model.pt, --half, latest.pt) and
pretrain outputs load and pass the cheap check; the official layout with opt/scaler/epoch and a
meta tensor inside opt loads; float16/bfloat16/float64/mixed dtypes load in their dtype; the hub
folder read by a relative path, through a linked cache root, by refs/main of two; another
model's cache folder is refused naming the snapshot and its model_type; the img_size line is one
per load and, given to both parts through demo, one line naming file and both sizes.

Seen, not made a test: ``load_models(f, encoder={"img_size": "64"})`` on a 64 px file logs
"img_size=64 given over the 64 its config records ..." and then refuses the string (the line
comes before the value is checked: defect 6's cause). A file of transformers' VJEPA2Model holds
its mask predictor; ``need_predictor`` says "holds no action-conditioned predictor (an encoder
alone)", as for the official pretraining files.

Not done: real vitl/vith/vitg widths (a 300M+ parameter model per test); reach/eval through
their planner node processes (where the img_size line lands).
"""

import contextlib
import io
import os
import subprocess
import sys

import pytest
import torch
from test_breaker52d import ENCODER, PREDICTOR, hf_model, refusal, variant
from test_models_encoder import perturb_

from vjepa_ros.cli import main
from vjepa_ros.models import CheckpointError, build_encoder, build_predictor, save_world_model
from vjepa_ros.models.checkpoint import check_checkpoint, load_models, load_parts
from vjepa_ros.models.hf import official_to_hf_encoder

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Our own file (encoder + predictor + config at 64 px)."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("saved") / "wm.pt"
    return save_world_model(path, build_encoder(**ENCODER), build_predictor(**PREDICTOR))


def same_features(path, model, **kwargs) -> None:
    encoder, predictor = load_models(path, **kwargs)
    assert predictor is None
    clip = torch.randn(2, 3, 2, 64, 64)
    with torch.no_grad():
        expected = model.get_vision_features(clip.permute(0, 2, 1, 3, 4))
        torch.testing.assert_close(encoder(clip), expected, rtol=1e-5, atol=1e-5)


# -- transformers' names saved with torch.save


def test_a_video_classification_state_dict_computes_as_transformers(tmp_path):
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(3)
    model = perturb_(hf_model(32, 2, 2, 64))
    model.config.num_labels = 5
    classifier = transformers.VJEPA2ForVideoClassification(model.config).eval()
    classifier.vjepa2.load_state_dict(model.state_dict())
    assert any(key.startswith("pooler.") for key in classifier.state_dict())
    torch.save(classifier.state_dict(), tmp_path / "cls.pt")
    same_features(tmp_path / "cls.pt", model, encoder={"num_heads": 2})


def test_the_giant_mlp_ratio_in_transformers_names_computes_as_transformers(tmp_path):
    torch.manual_seed(4)
    model = perturb_(hf_model(88, 1, 2, 64, mlp_ratio=48 / 11))
    torch.save({"encoder": model.state_dict()}, tmp_path / "g.pt")
    same_features(tmp_path / "g.pt", model, encoder={"num_heads": 2, "img_size": 64})


def test_official_names_with_one_transformers_key_are_refused_naming_it(tmp_path):
    state = build_encoder(**ENCODER).state_dict()
    state["encoder.layer.0.attention.query.weight"] = torch.zeros(32, 32)
    torch.save(state, tmp_path / "mixed.pt")
    message = refusal(tmp_path / "mixed.pt", encoder={"num_heads": 2})
    assert str(tmp_path / "mixed.pt") in message
    assert "encoder.layer.0.attention.query.weight" in message, message


def test_official_names_beside_transformers_names_are_not_dropped_silently(tmp_path):
    """Input: ``official_to_hf_encoder(sd)`` plus ``norm.weight`` (zeros), torch.save'd.

    Happened: loads; the zeros are dropped (``hf_to_official_encoder`` keeps ``encoder.*``
    keys only) and the HF ``encoder.layernorm.weight`` is used. Should: CheckpointError naming
    the file and the keys in neither naming (a dict of two namings: which weights are meant?).
    """
    names = official_to_hf_encoder(build_encoder(**ENCODER).state_dict())
    names["norm.weight"] = torch.zeros(32)
    path = tmp_path / "two_namings.pt"
    torch.save(names, path)
    message = refusal(path, encoder={"num_heads": 2})
    assert str(path) in message and "norm.weight" in message, message


# -- the hub cache folder


def hub_folder(root, model, revisions, main=None):
    """Write ``root`` (models--ORG--NAME) as huggingface_hub does; return the snapshot paths."""
    snapshots = []
    for revision in revisions:
        plain, blobs = root / "plain", root / "blobs"
        snapshot = root / "snapshots" / revision
        model.save_pretrained(plain)
        blobs.mkdir(parents=True, exist_ok=True)
        snapshot.mkdir(parents=True)
        for number, name in enumerate(sorted(os.listdir(plain))):
            os.rename(plain / name, blobs / f"{revision}{number}")
            os.symlink(f"../../blobs/{revision}{number}", snapshot / name)
        plain.rmdir()
        snapshots.append(snapshot)
    if main is not None:
        (root / "refs").mkdir()
        (root / "refs" / "main").write_text(main)
    return snapshots


@pytest.fixture(scope="module")
def tiny_hf():
    torch.manual_seed(2)
    return perturb_(hf_model(32, 1, 2, 64))


@pytest.fixture(scope="module")
def hub(tiny_hf, tmp_path_factory):
    cache = tmp_path_factory.mktemp("hub")
    root = cache / "models--facebook--vjepa2-tiny"
    hub_folder(root, tiny_hf, ["aaaa1111", "bbbb2222"], main="bbbb2222")
    return cache, root


def test_the_hub_folder_reads_relative_linked_and_by_refs_main(hub, tiny_hf, tmp_path,
                                                              monkeypatch):
    cache, root = hub
    same_features(root, tiny_hf)
    (tmp_path / "home").symlink_to(cache)  # HF_HOME's hub/ reached through a link
    same_features(tmp_path / "home" / root.name, tiny_hf)
    monkeypatch.chdir(cache)
    same_features(root.name, tiny_hf)


def test_another_models_cache_folder_is_refused_naming_the_snapshot(tmp_path):
    transformers = pytest.importorskip("transformers")
    root = tmp_path / "models--google--bert-tiny"
    transformers.BertModel(transformers.BertConfig(
        hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
    )).save_pretrained(root / "snapshots" / "abcd")
    message = refusal(root)
    assert str(root / "snapshots" / "abcd") in message and "'bert'" in message, message


def test_refs_main_naming_a_missing_snapshot_does_not_load_another(tiny_hf, tmp_path):
    """Input: ``models--facebook--vjepa2-tiny`` with snapshots/old11111 and refs/main new22222.

    Happened: snapshots/old11111 loads without a word (hub_snapshot: "else its only one").
    Should: CheckpointError naming refs/main's revision (not there: an unfinished download) and
    saying to download again or give snapshots/old11111 itself.
    """
    root = tmp_path / "models--facebook--vjepa2-tiny"
    hub_folder(root, tiny_hf, ["old11111"], main="new22222")
    message = refusal(root)
    assert "new22222" in message and "download" in message, message
    # the repository id from the folder's name, and the snapshot there offered after the
    # unfinished download (not called unfinished itself)
    assert "hf download facebook/vjepa2-tiny" in message, message
    assert message.index("unfinished") < message.index("old11111"), message


@pytest.mark.parametrize("inner", ["snapshots", "blobs", "refs"])
def test_a_folder_inside_the_hub_folder_names_the_snapshot_to_give(hub, inner):
    """Input: ``models--facebook--vjepa2-tiny/snapshots`` (or ``blobs``, ``refs``).

    Happened: "X is a directory without config.json (not an HF snapshot)". Should: load the
    snapshot refs/main names (as for the model's folder), or name the folder to give
    (``.../snapshots/bbbb2222`` or the model's folder).
    """
    _, root = hub
    try:
        load_models(root / inner)
    except CheckpointError as err:
        message = str(err)
        assert str(root / "snapshots" / "bbbb2222") in message or \
            f"give {root}" in message, message


@pytest.mark.parametrize("gone", ["model.safetensors", "config.json"])
def test_an_incomplete_hub_snapshot_says_download_again(tiny_hf, tmp_path, gone):
    """Input: a hub cache folder whose only snapshot lacks ``gone`` (no link at all).

    Happened: "model.safetensors is missing (only safetensors HF snapshots are read)" /
    "is a directory without config.json (not an HF snapshot)". Should: say the snapshot is
    incomplete and to download it again (hf.download_again), as for a link to a missing blob.
    """
    root = tmp_path / "models--facebook--vjepa2-tiny"
    snapshot, = hub_folder(root, tiny_hf, ["0123abcd"], main="0123abcd")
    (snapshot / gone).unlink()
    message = refusal(root)
    assert str(snapshot) in message and "download" in message, message


def test_the_cheap_check_refuses_a_folder_when_a_predictor_is_needed(hub):
    """Input: ``check_checkpoint(models--facebook--vjepa2-tiny, need_predictor=True)``.

    Happened: returns CheckpointSizes(None, None) (vjepa-ros reach then starts its nodes and the
    planner fails in its own process); ``load_parts(..., need_predictor=True)`` refuses the same
    folder at once ("holds no action-conditioned predictor"). Should: refuse as the load does.
    """
    _, root = hub
    with pytest.raises(CheckpointError, match="no action-conditioned predictor"):
        load_parts(root, need_predictor=True)
    with pytest.raises(CheckpointError, match="no action-conditioned predictor"):
        check_checkpoint(root, need_predictor=True)


# -- files our commands write, and the official layout: the new checks do not cry wolf


def run_quietly(argv):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(argv)
    return status, err.getvalue().strip().splitlines()


def test_our_train_and_pretrain_outputs_load_and_pass_the_check(tmp_path):
    from vjepa_ros.train.synthetic import write_blob_episodes

    data = tmp_path / "episodes"
    write_blob_episodes(data, 3, frames=10, seed=3)
    common = ["--data", str(data), "--steps", "1", "--quiet", "--threads", "1"]
    assert run_quietly(["train", *common, "--out", str(tmp_path / "run"), "--init", "demo",
                        "--val-fraction", "0", "--half"])[0] == 0
    assert run_quietly(["pretrain", *common, "--out", str(tmp_path / "encoder.pt"),
                        "--batch-size", "2"])[0] == 0
    for name in ("world_model.pt", "latest.pt"):
        path = tmp_path / "run" / name
        assert check_checkpoint(path, need_predictor=True).img_size == 128
        encoder, predictor = load_models(path)
        assert predictor is not None
    assert next(load_models(tmp_path / "run" / "world_model.pt")[0].parameters()).dtype == \
        torch.float16
    assert check_checkpoint(tmp_path / "encoder.pt").img_size == 128
    assert load_models(tmp_path / "encoder.pt")[1] is None


def test_the_official_layout_with_optimizer_state_and_a_nested_meta_tensor_loads(tmp_path):
    torch.manual_seed(0)
    encoder, predictor = build_encoder(**ENCODER), build_predictor(**PREDICTOR)
    optimizer = torch.optim.AdamW(encoder.parameters())
    encoder(torch.randn(1, 3, 2, 64, 64)).sum().backward()
    optimizer.step()

    def official(state):
        return {f"module.backbone.{key}": value for key, value in state.items()}

    opt = optimizer.state_dict()
    opt["state"][0]["meta_leftover"] = torch.empty(3, device="meta")  # never read
    torch.save({"encoder": official(encoder.state_dict()),
                "predictor": official(predictor.state_dict()),
                "target_encoder": official(encoder.state_dict()), "opt": opt,
                "scaler": {"scale": torch.tensor(65536.0)}, "epoch": 10, "loss": 0.5,
                "batch_size": 4, "world_size": 8, "lr": 1e-4}, tmp_path / "official.pt")
    heads = {"num_heads": 2}  # no preset: the check is given them as the load (fix54d)
    check_checkpoint(tmp_path / "official.pt", need_predictor=True, encoder=heads,
                     predictor=heads)
    _, loaded = load_models(tmp_path / "official.pt", encoder=heads, predictor=heads)
    assert loaded is not None


@pytest.mark.parametrize("dtypes", [(torch.float16,) * 2, (torch.bfloat16,) * 2,
                                    (torch.float64,) * 2, (torch.bfloat16, torch.float32)])
def test_half_and_mixed_dtype_files_load_in_their_dtype(tmp_path, dtypes):
    path = save_world_model(tmp_path / "wm.pt", build_encoder(**ENCODER).to(dtypes[0]),
                            build_predictor(**PREDICTOR).to(dtypes[1]))
    assert check_checkpoint(path, need_predictor=True).img_size == 64
    loaded = load_models(path)
    assert tuple(next(part.parameters()).dtype for part in loaded) == dtypes


def test_a_float8_weight_is_refused_naming_the_file(saved, tmp_path):
    """Input: our file with ``norm.weight`` as ``torch.float8_e4m3fn`` (a float8 export).

    Happened: NotImplementedError '"isfinite" not implemented for 'Float8_e4m3fn'' out of
    checkpoint_build._load_into. Should: CheckpointError naming the file and weight (as for
    int64/quint8: "not floating point ... give the float32, float16 or bfloat16 checkpoint").
    """
    path = variant(saved, tmp_path / "f8.pt", lambda raw: raw["encoder"].__setitem__(
        "module.norm.weight", raw["encoder"]["module.norm.weight"].to(torch.float8_e4m3fn)))
    message = refusal(path)
    assert str(path) in message and "norm.weight" in message, message


NOT_LOADABLE = {
    "int64": lambda raw: raw["encoder"].__setitem__("module.norm.weight",
                                                    torch.ones(32, dtype=torch.int64)),
    "quint8": lambda raw: raw["encoder"].__setitem__(
        "module.norm.weight", torch.quantize_per_tensor(torch.ones(32), 0.1, 0, torch.quint8)),
    "config_tensor": lambda raw: raw["config"]["encoder"].__setitem__("img_size",
                                                                      torch.tensor(64)),
    "config_meta": lambda raw: raw["config"]["encoder"].__setitem__(
        "img_size", torch.empty(1, device="meta")),
    "float8": lambda raw: raw["predictor"].__setitem__(  # fix52h: every dtype the load refuses
        "module.predictor_norm.weight",
        raw["predictor"]["module.predictor_norm.weight"].to(torch.float8_e5m2)),
    "bool": lambda raw: raw["encoder"].__setitem__("module.norm.weight",
                                                   torch.ones(32, dtype=torch.bool)),
}


@pytest.mark.parametrize("kind", list(NOT_LOADABLE))
def test_the_cheap_check_refuses_what_the_load_refuses(saved, tmp_path, kind):
    """Input: our file with an int64 / quint8 weight, or a tensor as the config's img_size.

    Happened: the load refuses ("not floating point", "img_size must be a whole number") but
    ``check_checkpoint(path, need_predictor=True)`` returns, for the config tensor with
    ``img_size=tensor(64)`` (documented ``int | None``). Should: the same CheckpointError.
    """
    path = variant(saved, tmp_path / f"{kind}.pt", NOT_LOADABLE[kind])
    assert str(path) in refusal(path)
    with pytest.raises(CheckpointError, match=str(path)):
        check_checkpoint(path, need_predictor=True)


# -- the img_size line


def test_the_img_size_line_is_one_per_load_naming_file_and_sizes(saved, caplog):
    sizes = {"img_size": 96}
    with caplog.at_level("WARNING", logger="vjepa_ros.models.hyper_parameter_merge"):
        for _ in range(2):
            load_models(saved, encoder=sizes, predictor=sizes)
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2 and all(str(saved) in line and "96" in line and "64" in line
                                   for line in lines), lines


def demo(saved, *extra):
    """Run ``vjepa-ros demo`` in its own process (its log lines reach stderr as a user sees)."""
    argv = ["demo", "--checkpoint", str(saved), "--samples", "8", "--iterations", "1", "--topk",
            "2", "--threads", "1", *extra]
    done = subprocess.run([sys.executable, "-c", "import sys; from vjepa_ros.cli import main; "
                           "sys.exit(main(sys.argv[1:]))", *argv], capture_output=True,
                          text=True, timeout=120, check=False)
    return done.returncode, done.stderr.strip().splitlines()


def test_demo_at_another_img_size_says_it_once(saved):
    status, lines = demo(saved, "--encoder-arg", "img_size=96", "--predictor-arg", "img_size=96")
    assert status == 0 and len(lines) == 1, lines
    assert str(saved) in lines[0] and "img_size=96" in lines[0] and "64" in lines[0], lines


def test_demo_with_the_encoders_img_size_alone_is_one_line(saved):
    """Input: ``vjepa-ros demo --checkpoint wm.pt --encoder-arg img_size=96`` (file: 64 px).

    Happened: status 1, two stderr lines: "wm.pt: encoder img_size=96 given over the 64 its
    config records: the model runs at the size given ...", then "... img_size encoder (96, 96)
    vs predictor (64, 64): its config gives the encoder and the predictor other sizes ...".
    Should: run at 96 px for both (the predictor follows the encoder), or one line saying to
    give ``--predictor-arg img_size=96`` too, without first claiming the model runs.
    """
    status, lines = demo(saved, "--encoder-arg", "img_size=96")
    assert len(lines) == 1, lines
    assert status == 0 or "its config gives" not in lines[0], lines
    # fix52h: the predictor follows the encoder's size (it runs on the encoder's token grid)
    assert status == 0 and "img_size=96" in lines[0] and str(saved) in lines[0], lines


def test_an_encoder_img_size_alone_is_the_predictors_too(saved, caplog):
    """fix52h: ``encoder={"img_size": 96}`` on a 64 px file: both parts at 96, one line."""
    with caplog.at_level("WARNING", logger="vjepa_ros.models.hyper_parameter_merge"):
        encoder, predictor = load_models(saved, encoder={"img_size": 96})
    assert encoder.img_size == (96, 96)
    assert (predictor.grid_height, predictor.grid_width) == (96 // 16,) * 2
    assert len(caplog.records) == 1, caplog.records


def test_an_invalid_img_size_is_refused_before_any_override_line(saved, caplog):
    """Seen by breaker52h: ``img_size="64"`` logged 'given over the 64', then was refused."""
    with caplog.at_level("WARNING", logger="vjepa_ros.models.hyper_parameter_merge"):
        message = refusal(saved, encoder={"img_size": "64"})
    assert str(saved) in message and "whole number" in message, message
    assert not caplog.records, caplog.records


def test_the_load_and_the_cheap_check_run_one_list_of_checks(monkeypatch, saved):
    """fix52h: a check added to ENTRY_CHECKS is run by both (they cannot drift apart again)."""
    from vjepa_ros.models import checkpoint_checks

    def refuse(entries):  # one checkpoint_checks.Entries, its fields by name
        raise CheckpointError(f"{entries.path}: refused by the added check")

    monkeypatch.setattr(checkpoint_checks, "ENTRY_CHECKS", (*checkpoint_checks.ENTRY_CHECKS,
                                                            refuse))
    for run in (check_checkpoint, load_models):
        with pytest.raises(CheckpointError, match="refused by the added check"):
            run(saved)

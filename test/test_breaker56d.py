"""breaker56d: how checkpoints reach the planner, train, eval and camera-check (round 5).

Attacked at base56 (2513e1c8): vjepa_ros/models/ (checkpoint*.py, encoder.py, transformer.py,
hf.py, hyper_parameter_merge.py, planner_inputs.py, preprocess.py), input_paths.world_model_path
(the planner node's ``model.checkpoint``, every ``--checkpoint``), through ``load_models``,
``load_parts``, ``check_checkpoint`` and ``vjepa-ros demo``. Earlier rounds (breaker31, 38, 42c,
49d, 49f, 52d, 52h, 54d) are not repeated.

Defects (strict xfails until fix56d; each test asserts what should happen):

1. A non-finite ``mlp_ratio`` (NaN or inf), in a file's ``config``, an HF snapshot's
   config.json or given by the caller (``--encoder-arg mlp_ratio=.inf``, the planner node's
   ``model.encoder_args``): ``check_positive`` (models/encoder.py) lets NaN and inf through
   (``nan <= 0`` is False), then ``mlp_hidden_dim`` (transformer.py) fails: "cannot convert
   float NaN to integer" naming no file or parameter, and for inf a full OverflowError
   traceback out of ``vjepa-ros demo``; "vjepa-ros train: cannot convert float NaN to
   integer" (no --encoder, no file). Should: one line naming the file (or the option) and
   ``mlp_ratio``, as 0 or -1 are ("mlp_ratio must be a positive number").
2. A config shape no model can be built with (``embed_dim`` 10**9 against weights of width 32):
   ``RuntimeError: Storage size calculation overflowed with sizes=[3000000000, 1000000000]``
   from ``load_models`` and ``check_checkpoint``, no file named: the model is built (on meta)
   before the config is compared with the weights' shapes. Should: the one-line "weights do
   not match" refusal naming the file, as for any other width.
3. A checkpoint path that exists but is no regular file: a pipe (``--checkpoint <(ssh host
   cat wm.pt)``, ``/dev/fd/63``), a FIFO, ``/dev/null``: "checkpoint not found: /dev/fd/63",
   from ``checkpoint_file._read``'s ``is_file()`` test; the user sees the path there
   (``vjepa-ros train --encoder /dev/null``: "checkpoint not found: /dev/null", no option named,
   where a missing file is "--encoder: PATH does not exist"). Should:
   load it, or one line saying what it is (not a regular file: save it to a file first), never
   "not found".
4. ``model.checkpoint: $HOME/models/wm.pt`` (or ``${VAR}``) in a planner parameter file, or as
   ``--checkpoint``: ``~`` is expanded everywhere, environment variables nowhere: "$HOME/wm.pt
   does not exist" about a file that is there. Should: expand it as ``~`` is, or say that
   environment variables are not expanded (ROS parameters are not shell words).

Held up (not repeated): config values of the wrong type or size (``img_size`` "64", [64],
[64, 64, 2], 0, -64, NaN; ``depth`` True; ``mlp_ratio`` 0, -1, 1e12; ``in_chans`` 4;
``action_embed_dim`` 8; a predictor ``embed_dim`` other than the encoder's; a predictor
patch/img pair or an h/w-swapped img_size against the encoder's; ``img_size`` 10**6) are each
one line naming the file, the same from ``check_checkpoint`` and the load; ``64.0``, ``2.0`` heads
and a tuple img_size load; prefixes in any order (``module.backbone._orig_mod.``,
``_orig_mod.module.``, ``backbone.module.`` on the predictor); ``target_encoder`` beside
``encoder``; a ``pos_embed``; a float16 predictor beside a float32 encoder; float64 weights;
non-contiguous weights; NaN/inf weights refused by the load naming the tensor (the cheap check,
reading no weight, passes them: by design); ``encoder_key`` 'predictor'/'config'/'' refused;
``~`` and a relative path from another working directory load; ``use_extrinsics`` "false" (a
string) is taken as true and refused for planning (safe).

Seen, not made a test: a config ``depth`` of 10**7 (encoder or predictor) makes
``check_checkpoint`` and the load build ten million blocks on meta before comparing them with
the one saved (over a minute, then memory): the same cause as defect 2, not a test (it would
hang). ``use_extrinsics: "false"`` (a YAML string in a hand-written config) reads as true: the
refusal says "use_extrinsics=True" about a file that says false.
"""

import os
import stat
import threading
from pathlib import Path

import pytest
import torch
from checkpoint_variants import refusal, variant

from vjepa_ros.cli import main
from vjepa_ros.input_paths import world_model_path
from vjepa_ros.models import CheckpointError
from vjepa_ros.models.checkpoint import check_checkpoint, load_models, load_parts

pytestmark = pytest.mark.usefixtures("one_thread")

PLANNER_OPTION = "parameter 'model.checkpoint'"  # as the planner node names it


@pytest.fixture
def saved(tiny_world_model):
    """Our own file (conftest: encoder + predictor + config, ``module.`` keys, 64 px, width 32)."""
    return tiny_world_model


# -- 1. a non-finite mlp_ratio: a bare ValueError / an OverflowError traceback

@pytest.mark.parametrize("part,value", [("encoder", float("nan")), ("encoder", float("inf")),
                                        ("predictor", float("nan")),
                                        ("predictor", float("inf"))])
def test_a_non_finite_mlp_ratio_in_the_config_is_one_line_naming_the_file(saved, tmp_path,
                                                                          part, value):
    """Input: our file whose ``config[part]["mlp_ratio"]`` is NaN or inf (a hand-edited config).

    Happened: ``ValueError: cannot convert float NaN to integer`` / ``OverflowError: cannot
    convert float infinity to integer`` from ``mlp_hidden_dim``. Should: the CheckpointError
    naming the file and ``mlp_ratio``, from the load and from the cheap check alike.
    """
    path = variant(saved, tmp_path / "wm.pt",
                   lambda raw: raw["config"][part].update(mlp_ratio=value))
    assert "mlp_ratio" in refusal(lambda: load_parts(path, need_predictor=True), path)
    assert "mlp_ratio" in refusal(lambda: check_checkpoint(path, need_predictor=True), path)


@pytest.mark.parametrize("part", ["encoder", "predictor"])
@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_given_non_finite_mlp_ratio_is_a_checkpoint_error(saved, part, value):
    """Input: ``load_models(file, encoder={"mlp_ratio": inf})`` (``model.encoder_args``)."""
    message = refusal(lambda: load_models(saved, **{part: {"mlp_ratio": value}}), saved)
    assert "mlp_ratio" in message, message


@pytest.mark.parametrize("value", [".inf", ".nan"])
def test_demo_with_a_non_finite_mlp_ratio_is_one_line_naming_it(saved, capsys, value):
    """Input: ``vjepa-ros demo --checkpoint FILE --encoder-arg mlp_ratio=.inf`` (YAML's inf).

    Happened: an OverflowError traceback (inf); "vjepa-ros demo: cannot convert float NaN to
    integer" (NaN). Should: one line naming ``mlp_ratio`` and the option or file.
    """
    status = main(["demo", "--checkpoint", str(saved), "--encoder-arg", f"mlp_ratio={value}"])
    err = capsys.readouterr().err.strip()
    assert status == 1 and "\n" not in err and "mlp_ratio" in err, err


def test_a_snapshot_config_with_a_nan_mlp_ratio_names_the_file(tmp_path):
    """Input: an HF snapshot whose config.json reads ``"mlp_ratio": NaN`` (Python's json)."""
    import json

    transformers = pytest.importorskip("transformers")
    config = transformers.VJEPA2Config(
        hidden_size=32, num_hidden_layers=1, num_attention_heads=2, crop_size=64,
        pred_hidden_size=16, pred_num_hidden_layers=1, pred_num_attention_heads=2)
    torch.manual_seed(0)
    snapshot = tmp_path / "vjepa2-vitl-fpc64-256"
    transformers.VJEPA2Model(config).save_pretrained(snapshot)
    config_file = snapshot / "config.json"
    values = json.loads(config_file.read_text())
    values["mlp_ratio"] = float("nan")
    config_file.write_text(json.dumps(values))
    with pytest.raises(CheckpointError) as caught:
        load_models(snapshot)
    message = str(caught.value)
    assert "\n" not in message and str(snapshot) in message and "mlp_ratio" in message, message


# -- 2. a config shape no model can be built with: a RuntimeError naming nothing

@pytest.mark.parametrize("part,key", [("encoder", "embed_dim"),
                                      ("predictor", "predictor_embed_dim")])
def test_a_config_width_no_model_can_have_is_refused_naming_the_file(saved, tmp_path, part, key):
    """Input: our file whose config says a width of 10**9 (its weights: 32).

    Happened: ``RuntimeError: Storage size calculation overflowed with sizes=[3000000000,
    1000000000]`` from both calls (the model is built before the shapes are compared). Should:
    the one-line CheckpointError naming the file, as for a width of 48.
    """
    path = variant(saved, tmp_path / "wm.pt", lambda raw: raw["config"][part].update(
        {key: 10**9, "num_heads": 2}))
    refusal(lambda: load_parts(path, need_predictor=True), path)
    refusal(lambda: check_checkpoint(path, need_predictor=True), path)


# -- 3. a path that exists but is no regular file: "not found"

class PipeWriter:
    """A FIFO at ``path`` that one thread fills with ``data`` once a reader opens it.

    As ``<(cat wm.pt)`` gives it. ``close()`` releases a writer nobody read from.
    """

    def __init__(self, path: Path, data: bytes):
        self.path, self.data = path, data
        os.mkfifo(path)
        self.thread = threading.Thread(target=self._write, daemon=True)
        self.thread.start()

    def _write(self):
        try:
            with open(self.path, "wb") as pipe:
                pipe.write(self.data)
        except (BrokenPipeError, OSError):
            pass

    def close(self):
        if self.thread.is_alive():  # no reader came: open the read end so the writer ends
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
            try:
                while os.read(fd, 1 << 20):
                    pass
            except BlockingIOError:
                pass
            finally:
                os.close(fd)
        self.thread.join(timeout=30)


def _not_regular(kind: str, saved: Path, tmp_path: Path):
    """Return (path, closer) of a non-regular checkpoint path of ``kind``."""
    if kind == "/dev/null":
        return Path("/dev/null"), lambda: None
    writer = PipeWriter(tmp_path / "wm.pt", saved.read_bytes())
    return writer.path, writer.close


@pytest.mark.parametrize("kind", ["a pipe", "/dev/null"])
def test_a_checkpoint_path_that_is_no_regular_file_is_not_called_missing(saved, tmp_path, kind):
    """Input: ``load_models`` of a FIFO fed the file's bytes, and of ``/dev/null``.

    Happened: ``FileNotFoundError: checkpoint not found: PATH`` for a path that exists. Should:
    load the piped weights, or one line naming the path saying it is no regular file.
    """
    path, close = _not_regular(kind, saved, tmp_path)
    assert path.exists() and not stat.S_ISREG(path.stat().st_mode)
    try:
        try:
            encoder, _ = load_models(path)
        except (CheckpointError, OSError) as exc:
            message = str(exc)
            assert "not found" not in message and str(path) in message, message
            assert "\n" not in message, message
        else:
            assert kind == "a pipe", "/dev/null loaded as a model"
            expected = load_models(saved)[0].state_dict()
            assert all(torch.equal(expected[k], v) for k, v in encoder.state_dict().items())
    finally:
        close()


def test_demo_with_a_piped_checkpoint_does_not_say_not_found(saved, tmp_path, capsys):
    """Input: ``vjepa-ros demo --checkpoint <(ssh host cat wm.pt)`` (a FIFO here)."""
    writer = PipeWriter(tmp_path / "piped.pt", saved.read_bytes())
    try:
        status = main(["demo", "--checkpoint", str(writer.path)])
    finally:
        writer.close()
    err = capsys.readouterr().err.strip()
    if status != 0:
        assert "not found" not in err and str(writer.path) in err and "\n" not in err, err


# -- 4. environment variables in a checkpoint path

@pytest.mark.parametrize("form", ["$VJEPA_MODELS/wm.pt", "${VJEPA_MODELS}/wm.pt"])
def test_an_environment_variable_in_the_checkpoint_path_is_expanded_or_named(
        saved, tmp_path, monkeypatch, form):
    """Input: ``model.checkpoint: $VJEPA_MODELS/wm.pt`` (planner.yaml), the file there.

    Happened: "parameter 'model.checkpoint' $VJEPA_MODELS/wm.pt does not exist: give a file
    written by vjepa-ros train ...". Should: the file (expanded, as ``~`` is), or a line that
    says environment variables are not expanded in this value (and names the file it would be).
    """
    (tmp_path / "models").mkdir()
    target = tmp_path / "models" / "wm.pt"
    target.write_bytes(saved.read_bytes())
    monkeypatch.setenv("VJEPA_MODELS", str(tmp_path / "models"))
    for call in (lambda: world_model_path(form, PLANNER_OPTION), lambda: load_models(form)):
        try:
            result = call()
        except (ValueError, OSError) as exc:  # CheckpointError is a ValueError
            message = str(exc)
            assert "environment variable" in message and str(target) in message, message
        else:
            if isinstance(result, Path):
                assert result == target, result
            else:
                assert result[1] is not None


# -- train: the same two families through --encoder

@pytest.mark.parametrize("what", ["mlp_ratio nan", "/dev/null"])
def test_train_names_the_encoder_option_and_what_is_wrong(saved, tmp_path, capsys, what):
    """Input: ``vjepa-ros train --encoder FILE --data DIR``, FILE: NaN mlp_ratio or /dev/null.

    Happened: "vjepa-ros train: cannot convert float NaN to integer" / "vjepa-ros train:
    checkpoint not found: /dev/null": no option, the wrong cause. Should: one line naming
    ``--encoder`` and the file, and what is wrong with it (mlp_ratio; not "not found").
    """
    from vjepa_ros.train.synthetic import write_blob_episodes

    data = tmp_path / "data"
    write_blob_episodes(data, 2, frames=6, size=16)
    if what == "/dev/null":
        path = Path("/dev/null")
    else:
        path = variant(saved, tmp_path / "wm.pt",
                       lambda raw: raw["config"]["encoder"].update(mlp_ratio=float("nan")))
    status = main(["train", "--encoder", str(path), "--data", str(data),
                   "--out", str(tmp_path / "out")])
    lines = [line for line in capsys.readouterr().err.splitlines()
             if line.startswith("vjepa-ros train")]
    assert status != 0 and len(lines) == 1, lines
    assert "--encoder" in lines[0] and str(path) in lines[0], lines[0]
    assert ("mlp_ratio" in lines[0]) if what == "mlp_ratio nan" else \
        ("not found" not in lines[0]), lines[0]

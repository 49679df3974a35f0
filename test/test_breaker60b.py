"""breaker60b: ``vjepa-ros train`` (post-training) and its checkpoints, attacked at a287ee15.

Tiny runs only (the tiny encoder and blob episodes of ``train.synthetic``, a few steps).

Defects (strict xfails until fix60b fixed them; each asserts what should happen), by harm:

1. A run started ``--init A`` (a model that records the frame sizes it was trained on) and
   resumed after ``A`` was moved or deleted exports a ``world_model.pt`` that records no frame
   sizes at all: ``TrainerFiles.init_frame_sizes`` reads the init file again in every session
   (``model_records.recorded_frame_sizes`` turns a missing file into ``[]``, and
   ``with_init_sizes`` then drops the whole record). The planner node, ``eval`` and ``sim`` then
   say nothing of a camera of another size. A file put in ``A``'s place since gives its sizes
   instead. Where: ``train/trainer_files.py`` ``init_frame_sizes`` (read lazily, at the first
   save of each session, not when the init was loaded).
2. A resumed run (``--resume --steps 4`` after a complete 2-step run) whose export of
   ``world_model.pt`` fails (a full disk; the line says latest.pt "still holds step 4, resume
   from it") cannot be resumed: ``--resume`` says "already complete: 4 of 4 steps,
   world_model.pt written" (exit 1) while world_model.pt is still step 2's model. latest.pt is
   saved ``finished`` before the export (``Trainer._train``) and ``check_resumable`` takes any
   world_model.pt beside it for this step's. The user plans with the older model, told it is
   the final one. Where: ``train/trainer.py`` ``_train`` (``save_checkpoint(finished=...)``
   before ``export``), ``train/resume_checks.py`` ``check_resumable``.
3. ``--resume`` of a damaged ``latest.pt`` (cut short by a copy) says "give a file written by
   vjepa-ros train or Meta's V-JEPA 2-AC checkpoint (... download ...)": the advice of
   ``--init`` / ``--checkpoint``; ``--resume`` takes no file and Meta's file cannot continue
   the run. Where: ``train/resume_checks.py`` ``read_latest`` (``read_checkpoint_file``'s
   ``CHECKPOINT_HINT`` passed through).
4. ``--set predictor.mlp_ratio=0.001`` (inside the documented range (0, 16]) builds a new
   predictor whose MLPs have 0 hidden units (``int(width * ratio)``), with torch's raw
   "Initializing zero-element tensors is a no-op" warning; it trains and exports, exit 0.
   Where: ``train/config.py`` (``predictor.mlp_ratio``'s range, not checked against the width).
"""

from __future__ import annotations

import errno
import os
import shutil

import pytest
import torch

from vjepa_ros.cli import main
from vjepa_ros.train.synthetic import write_blob_episodes, write_tiny_encoder

pytestmark = pytest.mark.usefixtures("one_thread")

RUN = ["--batch-size", "4", "--frames-per-clip", "4", "--val-fraction", "0.25", "--threads", "1",
       "--quiet"]
TINY = ["--predictor-dim", "32", "--depth", "1", "--heads", "2", *RUN]  # a new predictor


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Four 32x32 blob episodes (10 frames) and 48x48 ones, and the tiny encoder."""
    root = tmp_path_factory.mktemp("b60b")
    write_blob_episodes(root / "eps", 4, frames=10, seed=10)
    write_blob_episodes(root / "eps48", 4, frames=10, seed=30, size=48)
    return {"root": root, "eps": root / "eps", "eps48": root / "eps48",
            "encoder": write_tiny_encoder(root / "encoder.pt")}


def _recorded(path):
    return torch.load(path, weights_only=True, map_location="cpu")["config"]["data"]


def test_resumed_run_keeps_the_frame_sizes_its_init_records(data, tmp_path):
    """breaker60b #1.

    The user fine-tunes a model trained on 48x48 frames (``--init first/world_model.pt``) on
    32x32 episodes, frees the disk of the first run, and resumes for more steps. Was: the
    resumed run's world_model.pt records no frame sizes (the first session's recorded
    [[48, 48], [32, 32]]); planners then note no camera size at all. Should: a resumed run
    records what the run's init recorded, as the first session did.
    """
    first = tmp_path / "first"
    assert main(["train", "--data", str(data["eps48"]), "--encoder", str(data["encoder"]),
                 "--out", str(first), "--steps", "2", *TINY]) == 0
    init = tmp_path / "init.pt"
    shutil.copy(first / "world_model.pt", init)
    assert _recorded(init)["frame_sizes"] == [[48, 48]]
    run = tmp_path / "run"
    assert main(["train", "--data", str(data["eps"]), "--init", str(init), "--out", str(run),
                 "--steps", "2", *RUN]) == 0
    before = _recorded(run / "world_model.pt")
    assert before["frame_sizes"] == [[48, 48], [32, 32]]
    init.unlink()  # the init freed (a ViT-g file is 12 GB), or moved
    assert main(["train", "--out", str(run), "--resume", "--steps", "3", "--quiet"]) == 0
    after = _recorded(run / "world_model.pt")
    assert after.get("frame_sizes") == before["frame_sizes"], after


def _full_at_export(monkeypatch):
    """Make every write of a world_model.pt fail as a full disk does (ENOSPC)."""
    save = torch.save

    def full(payload, file, *args, **kwargs):
        if "world_model" in str(getattr(file, "name", file)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return save(payload, file, *args, **kwargs)

    monkeypatch.setattr(torch, "save", full)


def test_export_that_failed_on_resume_is_exported_by_the_next_resume(data, tmp_path, monkeypatch,
                                                                     capsys):
    """breaker60b #2.

    The user trains 2 steps (world_model.pt written), resumes with ``--steps 4``; the disk is
    full at the export, and the line says latest.pt "still holds step 4, resume from it". After
    freeing space, ``--resume`` is refused: "the run is already complete: 4 of 4 steps,
    world_model.pt written" (exit 1), while world_model.pt is still the step-2 model (latest.pt
    was saved ``finished`` before the export failed; ``check_resumable`` sees a world_model.pt
    and takes it for this step's). The user plans with the older model, told it is the final
    one. Should: the resume exports step 4's model (as a run stopped before its export does),
    or at least not claim it is written.
    """
    run = tmp_path / "run"
    assert main(["train", "--data", str(data["eps"]), "--encoder", str(data["encoder"]),
                 "--out", str(run), "--steps", "2", *TINY]) == 0
    _full_at_export(monkeypatch)
    capsys.readouterr()
    assert main(["train", "--out", str(run), "--resume", "--steps", "4", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "world_model.pt" in err and "still holds step 4, resume from it" in err, err
    monkeypatch.undo()  # space freed
    main(["train", "--out", str(run), "--resume", "--quiet"])
    err = capsys.readouterr().err
    latest = torch.load(run / "latest.pt", weights_only=True)
    model = torch.load(run / "world_model.pt", weights_only=True)
    assert latest["step"] == 4
    same = all(torch.equal(model["predictor"][name], value)
               for name, value in latest["predictor"].items())
    assert same, f"world_model.pt is not step 4's predictor; resume said: {err.strip()}"


def test_resume_of_a_damaged_latest_says_what_to_do_with_the_run(data, tmp_path, capsys):
    """breaker60b #3.

    The user copies a run folder from a cluster and the copy of latest.pt is cut short (or the
    disk damaged it), then runs ``vjepa-ros train --out run --resume``. Was: one line, "latest.pt
    is not a vjepa_ros checkpoint (a truncated or damaged torch.save file): give a file written
    by vjepa-ros train or Meta's V-JEPA 2-AC checkpoint (... download https://...)": advice for
    ``--init``/``--checkpoint``, but ``--resume`` takes no file, and Meta's checkpoint cannot
    continue this run. Should: say that this run's latest.pt is damaged and what to do with
    the run (copy latest.pt again; or a new run, e.g. ``--out NEW_DIR --init`` its
    world_model.pt), naming ``--resume``, and no download.
    """
    run = tmp_path / "run"
    assert main(["train", "--data", str(data["eps"]), "--encoder", str(data["encoder"]),
                 "--out", str(run), "--steps", "2", *TINY]) == 0
    latest = run / "latest.pt"
    with latest.open("r+b") as file:
        file.truncate(latest.stat().st_size // 2)
    capsys.readouterr()
    assert main(["train", "--out", str(run), "--resume", "--steps", "4", "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(latest) in err, err
    assert "dl.fbaipublicfiles.com" not in err and "Meta's" not in err, err
    assert "resume" in err, err


def test_a_mlp_ratio_that_leaves_no_hidden_unit_is_refused(data, tmp_path, capsys):
    """breaker60b #4.

    The user gives ``--set predictor.mlp_ratio=0.001``, inside the documented range (0, 16].
    Was: torch's raw "UserWarning: Initializing zero-element tensors is a no-op", then a run
    that trains and exports a predictor whose every MLP has 0 hidden units (fc1 [0, 32]: each
    block's MLP adds only a bias), exit 0. Should: refused before any work in one line naming
    ``predictor.mlp_ratio`` and the smallest ratio that gives the width a hidden unit
    (1 / predictor width), as other impossible values are.
    """
    out = tmp_path / "run"
    code = main(["train", "--data", str(data["eps"]), "--encoder", str(data["encoder"]),
                 "--out", str(out), "--steps", "1", "--set", "predictor.mlp_ratio=0.001",
                 *TINY])
    err = capsys.readouterr().err.strip()
    assert code != 0 and not (out / "world_model.pt").exists(), err
    assert len(err.splitlines()) == 1 and "predictor.mlp_ratio" in err, err

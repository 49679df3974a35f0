"""breaker44h: scale-out training under torchrun (gloo, 2 CPU processes on loopback).

Attacked at main e90af53: vjepa_ros/train/distributed.py, trainer.py (train_step, validate,
_train's stop and save paths), pretrain.py and pretrain_command.py (``vjepa-ros pretrain`` under
torchrun), stop_request.py, disk_full.py, feature_cache.py (build_shards, mapped_bank,
atomic shard writes), resume_checks.py (check_world_size), README "Training on many GPUs /
machines".

Defects (strict xfails):

- ``torchrun --nproc_per_node 2 -m vjepa_ros.cli pretrain ...`` runs two independent, identical
  pretrainings (same seed, same batches: twice the compute for one run's result), prints every
  line twice and both ranks write the same ``--out`` (the second replaces the first's file,
  against "never overwritten"). It should either train one run with the ranks sharing the
  batch, or refuse with one line naming torchrun.
- A SIGTERM that reaches one rank only (a node's pods evicted, a scheduler signalling one
  node's tasks) stops every rank after the same step, but rank 0, the one that prints and whose
  exit status a job script reads, raises a plain KeyboardInterrupt: "interrupted", exit 130, as
  for Ctrl-C, instead of "terminated", 143.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from vjepa_ros.train import build_trainer, make_config
from vjepa_ros.train.distributed import free_port, spawn_local

pytestmark = pytest.mark.usefixtures("one_thread")

REPO = Path(__file__).resolve().parent.parent


def _env():
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}


def test_pretrain_under_torchrun_is_one_run_not_one_per_rank(tmp_path):
    """Two ranks of ``pretrain`` train one run, or the command refuses torchrun.

    A lab with a 4-GPU box runs ``torchrun --nproc_per_node 4 -m vjepa_ros.cli pretrain`` as
    README shows for ``train``: it gets 4 copies of one single-process run (same seed, same
    clips and masks), every line 4 times, and 4 processes writing one encoder file.
    """
    from test_pretrain_command import TINY, tiny_episodes

    data = tmp_path / "episodes"
    data.mkdir()
    tiny_episodes(data, 32)
    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump({**TINY, "img_size": 32, "monitor_every": 1}))
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
               "--master_addr", "127.0.0.1", "--master_port", str(free_port()),
               "-m", "vjepa_ros.cli", "pretrain", "--data", str(data), "--out",
               str(tmp_path / "enc.pt"), "--config", str(settings), "--steps", "2",
               "--threads", "1"]
    done = subprocess.run(command, capture_output=True, text=True, env=_env(), timeout=120,
                          cwd=tmp_path)
    if done.returncode != 0:  # refused: one line naming torchrun, nothing written
        assert "torchrun" in done.stderr or "WORLD_SIZE" in done.stderr, done.stderr[-2000:]
        assert not (tmp_path / "enc.pt").exists()
        return
    # trained as one run: rank 0 alone prints and writes
    assert done.stdout.count("pretraining on ") == 1, done.stdout
    assert done.stdout.count("saved ") == 1, done.stdout


def _config(root, out):
    return make_config({
        "out": str(out), "encoder": str(root / "encoder.pt"),
        "data.train": [str(root / "episodes")], "data.feature_cache_dir": str(root / "cache"),
        "steps": 6, "batch_size": 2, "eval_every": 0, "save_every": 0, "progress": False,
        "data.frames_per_clip": 4, "data.val_fraction": 0.25, "optim.lr": 1e-3,
        "optim.warmup": 1, "optim.decay": 1, "predictor.embed_dim": 32, "predictor.depth": 1,
        "predictor.num_heads": 2})


def _sigterm_on_rank_1(topology, root):
    """Rank 1 alone gets SIGTERM after step 2; each rank saves what it raised."""
    torch.set_num_threads(1)
    trainer = build_trainer(_config(root, root / "run"), topology=topology, log=lambda line: None)
    step = trainer.train_step

    def stepping():
        row = step()
        if topology.rank == 1 and trainer.step == 2:
            os.kill(os.getpid(), signal.SIGTERM)
        return row

    trainer.train_step = stepping
    raised = None
    try:
        trainer.train()
    except KeyboardInterrupt as exc:
        raised = exc
    from vjepa_ros.terminate import stopped_by

    word, status = stopped_by(raised) if raised is not None else (None, 0)
    torch.save({"step": trainer.step, "word": word, "status": status},
               root / f"rank{topology.rank}.pt")


def test_sigterm_on_one_rank_is_a_sigterm_on_rank_0(tmp_path):
    """A SIGTERM on rank 1 alone: rank 0 stops as terminated (143), not as Ctrl-C (130).

    Kubernetes evicts the pods of one node of a 2-node run (SIGTERM to its ranks only), or
    SLURM signals one node's tasks before preemption: every rank stops after the same step and
    rank 0 saves (held up), but rank 0 says 'interrupted' and exits 130 as for Ctrl-C, so a
    job script that requeues on 143 (terminated) does not.
    """
    from vjepa_ros.out_lock import release_outputs
    from vjepa_ros.train.synthetic import write_blob_episodes, write_tiny_encoder

    write_tiny_encoder(tmp_path / "encoder.pt")
    write_blob_episodes(tmp_path / "episodes", 4, frames=10, seed=0)
    release_outputs()
    spawn_local(_sigterm_on_rank_1, 2, (tmp_path,))
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(2)]
    assert [r["step"] for r in ranks] == [2, 2]  # holds now
    assert torch.load(tmp_path / "run" / "latest.pt", weights_only=True)["step"] == 2
    assert ranks[1]["word"] == "terminated" and ranks[1]["status"] == 143  # holds now
    assert ranks[0]["word"] == "terminated" and ranks[0]["status"] == 143

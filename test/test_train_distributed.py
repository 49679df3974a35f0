"""Data-parallel training (gloo, 2 processes on loopback): equal to one process on the whole batch.

Two ranks x batch b == one process x batch 2b == one process x 2 accumulated micro-batches of b,
step by step; resume under 2 ranks == the uninterrupted 2-rank run; another world size refused.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from vjepa_ros.config import ConfigError
from vjepa_ros.train import build_trainer, make_config
from vjepa_ros.train.distributed import (
    Topology,
    free_port,
    rank_device,
    spawn_local,
    topology_from_env,
)
from vjepa_ros.train.synthetic import write_blob_episodes, write_tiny_encoder

pytestmark = pytest.mark.usefixtures("one_thread")  # tiny models: 1 thread is fastest

STEPS, BATCH = 4, 3
REPO = Path(__file__).resolve().parent.parent


def _quiet(line):
    pass


def _config(root, out, **changes):
    settings = {
        "out": str(out), "encoder": str(root / "encoder.pt"),
        "data.train": [str(root / "episodes")], "data.feature_cache_dir": str(root / "cache"),
        "steps": STEPS, "batch_size": BATCH, "eval_every": 2, "save_every": 0,
        "progress": False, "data.frames_per_clip": 4, "data.val_fraction": 0.25,
        "optim.lr": 1e-3, "optim.warmup": 1, "optim.decay": 1,
        "predictor.embed_dim": 32, "predictor.depth": 2, "predictor.num_heads": 2,
    }
    settings.update(changes)
    return make_config(settings)


def _two_rank_runs(topology: Topology, root: Path) -> None:
    """Each rank: an uninterrupted run, a run stopped at step 2 and resumed, a refused resume."""
    torch.set_num_threads(1)
    results = {}
    whole = build_trainer(_config(root, root / "ddp_whole"), topology=topology, log=_quiet)
    whole.train()
    results["whole"] = whole.history
    results["whole_weights"] = whole.predictor.state_dict()
    split = build_trainer(_config(root, root / "ddp_split"), topology=topology, log=_quiet)
    split.train(until=2)
    resumed = build_trainer(_config(root, root / "ddp_split"), resume=True, topology=topology,
                            log=_quiet)
    results["resumed_from"] = resumed.step
    resumed.train()
    results["resumed"] = resumed.history
    results["resumed_weights"] = resumed.predictor.state_dict()
    try:
        build_trainer(_config(root, root / "single"), resume=True, topology=topology,
                      log=_quiet)
    except ConfigError as exc:
        results["refused"] = str(exc)
    torch.save(results, root / f"rank{topology.rank}.pt")


@pytest.fixture(scope="module")
def single_run(tmp_path_factory):
    """Write the data (tiny encoder, 8 episodes) and run the 1-process reference on batch 2b.

    Returns (root, trainer); the run fills the feature cache in root / "cache". Its own fixture:
    the torchrun test needs only this, so a worker given that test alone (xdist's worksteal
    splits a module) does not also spawn the 2-rank runs of ``runs``.
    """
    root = tmp_path_factory.mktemp("ddp")
    write_tiny_encoder(root / "encoder.pt")
    write_blob_episodes(root / "episodes", 8, frames=10, seed=0)
    single = build_trainer(_config(root, root / "single", batch_size=2 * BATCH), log=_quiet)
    single.train()
    return root, single


@pytest.fixture(scope="module")
def runs(single_run):
    """Run on 2 ranks and the 1-process references (batch 2b; 2 x b accumulated)."""
    root, single = single_run
    accumulated = build_trainer(_config(root, root / "accumulated", grad_accum_steps=2,
                                        activation_checkpointing=True), log=_quiet)
    accumulated.train()
    from vjepa_ros.out_lock import release_outputs

    release_outputs()  # as a command's end: the ranks' rank 0 claims these folders itself
    spawn_local(_two_rank_runs, 2, (root,))
    ranks = [torch.load(root / f"rank{r}.pt", weights_only=True) for r in range(2)]
    return {"root": root, "single": single, "accumulated": accumulated, "ranks": ranks}


def _assert_same_run(history, weights, reference, atol):
    for key in ("train", "val"):
        assert [r["step"] for r in history[key]] == [r["step"] for r in reference.history[key]]
        for row, ref in zip(history[key], reference.history[key], strict=True):
            assert row["loss"] == pytest.approx(ref["loss"], abs=atol), (key, row["step"])
    for name, value in reference.predictor.state_dict().items():
        torch.testing.assert_close(weights[name], value, atol=atol, rtol=0, msg=name)


def test_two_ranks_equal_one_process_on_the_whole_batch(runs):
    single = runs["single"]
    assert single.global_batch == 2 * BATCH and len(single.history["train"]) == STEPS
    for rank in runs["ranks"]:  # both ranks hold the same (averaged) losses and weights
        _assert_same_run(rank["whole"], rank["whole_weights"], single, atol=2e-5)
    # The losses move (a run that does not train would also be 'equal').
    losses = [r["loss"] for r in single.history["train"]]
    assert len(set(losses)) == STEPS
    root = runs["root"]
    state = torch.load(root / "ddp_whole" / "latest.pt", weights_only=True)
    assert state["world_size"] == 2 and state["step"] == STEPS
    assert (root / "ddp_whole" / "world_model.pt").is_file()
    assert {p.name for p in (root / "cache").glob("key-*/shards/*")} and \
        not list((root / "cache").glob("key-*/shards/*.partial"))


def test_accumulated_micro_batches_equal_the_whole_batch(runs):
    accumulated, single = runs["accumulated"], runs["single"]
    assert accumulated.global_batch == 2 * BATCH  # (and activation checkpointing on)
    assert accumulated.predictor.use_activation_checkpointing
    _assert_same_run(accumulated.history, accumulated.predictor.state_dict(), single,
                     atol=2e-5)


def test_resume_under_two_ranks_equals_the_uninterrupted_run(runs):
    for rank in runs["ranks"]:
        assert rank["resumed_from"] == 2
        assert [r["loss"] for r in rank["resumed"]["train"]] == \
            [r["loss"] for r in rank["whole"]["train"]]
        for name, value in rank["whole_weights"].items():
            assert torch.equal(rank["resumed_weights"][name], value), name


def test_resume_under_another_world_size_is_refused(runs):
    root = runs["root"]
    for rank in runs["ranks"]:  # a 1-process run resumed by 2 ranks ...
        message = rank["refused"]
        assert "world size 1" in message and "world size 2" in message
        assert "--init" in message and "\n" not in message
    with pytest.raises(ConfigError, match=r"world size 2\) but this run has world size 1"):
        build_trainer(_config(root, root / "ddp_whole"), resume=True, log=_quiet)  # ... and back


@pytest.mark.parametrize("environ, message", [
    ({"WORLD_SIZE": "two"}, "WORLD_SIZE='two' is not a whole number"),
    ({"WORLD_SIZE": "2", "RANK": "2", "MASTER_ADDR": "x", "MASTER_PORT": "1"},
     "need 0 <= RANK < WORLD_SIZE"),
    ({"WORLD_SIZE": "2", "RANK": "1", "MASTER_PORT": "1"}, "MASTER_ADDR not set"),
    ({"RANK": "1"}, r"need RANK=0 in a single process .*; unset RANK"),  # a stray (fix45k)
    ({"LOCAL_RANK": "-1"}, "LOCAL_RANK=-1: need LOCAL_RANK >= 0"),
    ({"WORLD_SIZE": "0"}, "need WORLD_SIZE >= 1"),
])
def test_bad_torchrun_environment_gives_one_line(environ, message):
    with pytest.raises(ConfigError, match=message):
        topology_from_env(environ)


def test_topology_from_env_and_rank_devices():
    environ = {"RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "1", "MASTER_ADDR": "10.0.0.2",
               "MASTER_PORT": "29500"}
    topology = topology_from_env(environ)
    assert topology == Topology(3, 4, 1) and not topology.is_main and topology.distributed
    assert topology_from_env({}) == Topology() and Topology().is_main
    assert rank_device("cpu", topology) == torch.device("cpu")
    if torch.cuda.is_available():
        assert rank_device("cuda", topology) == torch.device("cuda", 1)
        assert rank_device("cuda:0", topology) == torch.device("cuda", 0)


def test_cli_under_torchrun_prints_once(single_run, tmp_path):
    root, _ = single_run
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
               "--master_addr", "127.0.0.1", "--master_port", str(free_port()),
               "-m", "vjepa_ros.cli", "train", "--data", str(root / "episodes"),
               "--out", str(tmp_path / "run"), "--encoder", str(root / "encoder.pt"),
               "--feature-cache", str(root / "cache"), "--steps", "2", "--batch-size", "2",
               "--accumulate", "2", "--frames-per-clip", "4", "--predictor-dim", "32",
               "--depth", "1", "--heads", "2", "--val-fraction", "0.25", "--quiet",
               "--activation-checkpointing"]
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("done        step 2/2") == 1, done.stdout
    assert "2 clips x 2 processes x 2 accumulated = 8 clips per step" in done.stdout
    assert "0 frames encoded" in done.stdout  # the cache of the reference run, reused
    assert (tmp_path / "run" / "world_model.pt").is_file()
    state = torch.load(tmp_path / "run" / "latest.pt", weights_only=True)
    assert state["world_size"] == 2 and state["step"] == 2


def test_ranks_always_share_a_disk_cache(tmp_path):
    from vjepa_ros.train.data_banks import feature_cache_dir

    config = make_config({"out": str(tmp_path / "run")})
    assert feature_cache_dir(config, Topology()) is None  # one process: in memory, as before
    assert feature_cache_dir(config, Topology(1, 2, 1)) == tmp_path / "run" / "features"
    config.data.feature_cache_dir = str(tmp_path / "shared")
    assert feature_cache_dir(config, Topology(1, 2, 1)) == tmp_path / "shared"

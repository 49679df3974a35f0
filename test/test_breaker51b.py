"""breaker51b: scale-out training under torchrun, differential (gloo, 2 CPU processes on loopback).

Attacked at main 9e177490: vjepa_ros/train/distributed.py, trainer.py (train_step's global batch
and micro-batches, validate's split of the fixed clips, _train's stop and save), data_banks.py
and feature_cache.build_shards (each rank encodes its share), stop_request.py, resume_checks.py,
command.py and command_lines.stop_line (what a stopped run says), disk_full.py; README "Training
on many GPUs / machines" (Batch, Files, resume). Earlier rounds: breaker44h, 44l, 45h (not
repeated).

Defects (strict xfails, fixed by fix51b: a rank without a val clip adds 0 to the all-reduced sums;
a rank whose collective fails on another rank's end prints nothing, ``distributed.
another_rank_ended``; the stop line gives ``command_lines.resume_advice``'s torchrun line):

- Fewer validation clips than ranks (``--val-clips 1``, or a held-out episode of one clip, on
  2 processes): rank 1's share ``val_firsts[1::2]`` is empty, ``split`` still yields one empty
  chunk and the predictor's ``view`` of a 0-clip batch raises "cannot reshape tensor of 0
  elements" before the first step; the run dies. One process trains it. Should: a rank
  without a clip adds nothing and the mean is over all val clips, as one process's.
- One rank fails (a bad episode only rank 1 encodes; ``ulimit -f`` stopping rank 0's
  ``latest.pt``): the failing rank's line names the cause (held up), but the other rank adds
  ``vjepa-ros train: rank N: [/__w/pytorch/.../gloo/transport/tcp/pair.cc:553] Connection
  closed by peer ... GLHF!``, gloo's raw words, and torchrun's summary may name that rank
  as the "Root Cause". Should: only lines that name the cause (the other rank says nothing,
  or "stopped: rank 1 failed").
- Ctrl-C (SIGINT to torchrun) stops both ranks after the same step and saves (held up), but
  the line says "continue with: vjepa-ros train --out RUN --resume": a one-process command,
  which, run as given, is refused ("written by 2 process(es) ... this run has world size 1").
  Should: give the torchrun line with 2 processes in all (README: "the same torchrun line with
  --resume").

Held up (pins): 2 ranks x 2 clips x 2 accumulated with gradient clipping equals one process x 8
(losses, val losses over an odd count of 3 clips split 2 + 1, weights, within 2e-5); a NaN loss
on rank 1 alone stops both ranks at the same step with the same one-line error and no update;
the resumed torchrun run after a SIGINT equals an uninterrupted one (train and val losses,
weights, within 2e-5 of one process x 2b) and a 1-process resume is refused in one line; the
failing rank's line names a bad episode / the file-size limit, no latest.pt is presented.

Noticed (fixed by fix51b: the docstring says what is true; the CPU ranks of a host each get
``LOCAL_WORLD_SIZE``'s share of its free memory, tested below):
the global batch is drawn with replacement, so two ranks can get the same
clip in one step (trainer's docstring says "disjoint: the DistributedSampler rule that no two
ranks see the same sample"; the positions are disjoint, the clips not; one process on 2b draws
the same, so the equality holds); check_batch_memory on CPU ranks checks each rank's batch
against the whole host's MemAvailable, N ranks on a host each taking up to half of it.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from vjepa_ros.train import build_trainer, make_config
from vjepa_ros.train.distributed import free_port, spawn_local
from vjepa_ros.train.synthetic import write_blob_episodes, write_tiny_encoder

pytestmark = pytest.mark.usefixtures("one_thread")

REPO = Path(__file__).resolve().parent.parent
SMALL = ["--frames-per-clip", "4", "--predictor-dim", "32", "--depth", "1", "--heads", "2",
         "--val-fraction", "0.25", "--batch-size", "2"]


def _quiet(line):
    pass


def _config(root, out, **changes):
    """Return test_train_distributed's tiny run, depth 1, batch 2, ``changes`` applied."""
    from test_train_distributed import _config as tiny_run

    return tiny_run(root, out, **{"batch_size": 2, "predictor.depth": 1, **changes})


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Write a tiny encoder and 4 blob episodes of 10 frames (held out: one, 3 val clips of 4)."""
    root = tmp_path_factory.mktemp("b51b")
    write_tiny_encoder(root / "encoder.pt")
    write_blob_episodes(root / "episodes", 4, frames=10, seed=0)
    return root


def _release():
    from vjepa_ros.out_lock import release_outputs

    release_outputs()  # as a command's end: the ranks' rank 0 claims the folders itself


def _env():
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}


def _torchrun(out, *extra, processes=2):
    head = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(processes),
            "--master_addr", "127.0.0.1", "--master_port", str(free_port()), "-m"] \
        if processes > 1 else [sys.executable, "-m"]
    return [*head, "vjepa_ros.cli", "train", "--out", str(out), "--quiet", *extra]


def _lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("vjepa-ros train:")]


# -- differential: 2 ranks == 1 process on the same global batch

ACCUMULATED = {"grad_accum_steps": 2, "optim.grad_clip": 0.05, "data.val_clips": 3}


def _accumulated_ranks(topology, root):
    torch.set_num_threads(1)
    trainer = build_trainer(_config(root, root / "ddp_acc", **ACCUMULATED), topology=topology,
                            log=_quiet)
    trainer.train()
    torch.save({"history": trainer.history, "weights": trainer.predictor.state_dict()},
               root / f"acc{topology.rank}.pt")


def test_two_ranks_accumulating_with_clipping_equal_one_process(data):
    """2 ranks x 2 clips x 2 accumulated, clip 0.05, 3 val clips == 1 process x 8 clips."""
    single = build_trainer(_config(data, data / "one_acc", batch_size=8, **{
        k: v for k, v in ACCUMULATED.items() if k != "grad_accum_steps"}), log=_quiet)
    single.train()
    assert single.global_batch == 8 and len(single.val_firsts) == 3  # odd: 2 + 1 per rank
    _release()
    spawn_local(_accumulated_ranks, 2, (data,))
    for rank in range(2):
        run = torch.load(data / f"acc{rank}.pt", weights_only=True)
        for key in ("train", "val"):
            assert len(run["history"][key]) == len(single.history[key])
            for row, ref in zip(run["history"][key], single.history[key], strict=True):
                assert row["step"] == ref["step"]
                assert row["loss"] == pytest.approx(ref["loss"], abs=2e-5), (key, row)
        for name, value in single.predictor.state_dict().items():
            torch.testing.assert_close(run["weights"][name], value, atol=2e-5, rtol=0)
    assert len({r["loss"] for r in single.history["train"]}) == 4  # it trains


def _one_val_clip_ranks(topology, root):
    torch.set_num_threads(1)
    trainer = build_trainer(_config(root, root / "ddp_val1", steps=2, **{"data.val_clips": 1}),
                            topology=topology, log=_quiet)
    trainer.train()
    torch.save(trainer.history["val"], root / f"val1_{topology.rank}.pt")


def test_fewer_validation_clips_than_ranks(data):
    """``torchrun --nproc_per_node 2 ... --val-clips 1`` (or one held-out clip on 2 GPUs).

    Happened: rank 1's share of the fixed clips is empty; ``split`` gives one empty chunk and
    the predictor raises "cannot reshape tensor of 0 elements into shape [0, 3, 16, -1]" in
    the first validation, before step 1: the run dies (one process trains it). Should: a rank
    without a clip adds 0 to the all-reduced sums; val losses equal one process's.
    """
    single = build_trainer(_config(data, data / "one_val1", steps=2, batch_size=4,  # 2 x 2
                                   **{"data.val_clips": 1}),
                           log=_quiet)
    single.train()
    assert len(single.val_firsts) == 1
    _release()
    try:
        spawn_local(_one_val_clip_ranks, 2, (data,))
    except Exception as exc:  # noqa: BLE001 - the rank's error, shown
        pytest.fail(f"2 ranks failed: {str(exc).strip().splitlines()[-1]}")
    for rank in range(2):
        rows = torch.load(data / f"val1_{rank}.pt", weights_only=True)
        assert [r["step"] for r in rows] == [0, 2]  # before training and at its end
        assert [r["loss"] for r in rows] == pytest.approx(
            [r["loss"] for r in single.history["val"]], abs=2e-5)


# -- a NaN loss on one rank

def _nan_on_rank_1(topology, root):
    torch.set_num_threads(1)
    trainer = build_trainer(_config(root, root / "ddp_nan", steps=2, eval_every=0),
                            topology=topology, log=_quiet)
    objective = trainer.model.module
    forward = objective.forward

    def poisoned(reps, actions, states):
        jloss, sloss = forward(reps, actions, states)
        if topology.rank == 1 and trainer.step == 1:
            jloss = jloss * float("nan")
        return jloss, sloss

    objective.forward = poisoned
    trainer.train(until=1)
    before = {k: v.clone() for k, v in trainer.predictor.state_dict().items()}
    try:
        trainer.train()
        message = None
    except RuntimeError as exc:
        message = str(exc)
    same = all(torch.equal(v, before[k]) for k, v in trainer.predictor.state_dict().items())
    torch.save({"message": message, "step": trainer.step, "unchanged": same},
               root / f"nan{topology.rank}.pt")


def test_nan_loss_on_one_rank_stops_every_rank_alike(data):
    """A NaN loss on rank 1 alone at step 2: both ranks raise the same line, nothing updated."""
    _release()
    spawn_local(_nan_on_rank_1, 2, (data,))
    ranks = [torch.load(data / f"nan{r}.pt", weights_only=True) for r in range(2)]
    assert ranks[0]["message"] == ranks[1]["message"]
    assert ranks[0]["message"].startswith("loss is nan at step 2")
    assert "\n" not in ranks[0]["message"]
    assert [r["step"] for r in ranks] == [1, 1] and all(r["unchanged"] for r in ranks)


# -- stop and resume under torchrun (the command)

@pytest.fixture(scope="module")
def stopped(data):
    """Run 2 ranks stopped by SIGINT to torchrun, then resume on 1 and on 2 ranks."""
    new = ["--data", str(data / "episodes"), "--encoder", str(data / "encoder.pt"), *SMALL,
           "--steps", "12", "--save-every", "1", "--eval-every", "4",
           "--feature-cache", str(data / "cache")]
    run = subprocess.Popen(_torchrun(data / "cut", *new), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env=_env(), cwd=data)
    deadline = time.monotonic() + 90
    while not (data / "cut" / "latest.pt").exists() and run.poll() is None and \
            time.monotonic() < deadline:
        time.sleep(0.02)
    run.send_signal(signal.SIGINT)  # torchrun passes it on to both ranks
    _, cut_err = run.communicate(timeout=90)
    step = torch.load(data / "cut" / "latest.pt", weights_only=True)["step"]
    one = subprocess.run(_torchrun(data / "cut", "--resume", processes=1), capture_output=True,
                         text=True, env=_env(), timeout=120, cwd=data)
    resumed = subprocess.run(_torchrun(data / "cut", "--resume"), capture_output=True,
                             text=True, env=_env(), timeout=120, cwd=data)
    return {"root": data, "cut_err": cut_err, "cut_rc": run.returncode, "step": step,
            "one": one, "resumed": resumed}


def test_sigint_to_torchrun_then_resume_equals_the_uninterrupted_run(stopped):
    """SIGINT to torchrun mid-run, resume on 2 ranks == one uninterrupted process x 4 clips.

    (The 2-rank uninterrupted run equals one process x 2b: test_train_distributed; compared to
    that here, within 2e-5, to spare a third torchrun start.)
    """
    import json

    root = stopped["root"]
    whole = build_trainer(make_config({
        "out": str(root / "whole"), "encoder": str(root / "encoder.pt"),
        "data.train": [str(root / "episodes")], "data.feature_cache_dir": str(root / "cache"),
        "data.frames_per_clip": 4, "predictor.embed_dim": 32, "predictor.depth": 1,
        "predictor.num_heads": 2, "data.val_fraction": 0.25, "batch_size": 4, "steps": 12,
        "save_every": 1, "eval_every": 4, "progress": False}), log=_quiet)
    whole.train()
    assert stopped["cut_rc"] != 0 and 1 <= stopped["step"] < 12, stopped["cut_err"][-1500:]
    lines = _lines(stopped["cut_err"])
    assert len(lines) == 1 and "interrupted at step" in lines[0], stopped["cut_err"][-1500:]
    assert stopped["resumed"].returncode == 0, stopped["resumed"].stderr[-2000:]
    cut = torch.load(root / "cut" / "latest.pt", weights_only=True)
    assert whole.step == cut["step"] == 12
    for name, value in whole.predictor.state_dict().items():
        stored = cut["predictor"]["module." + name]  # the official layout's prefix
        torch.testing.assert_close(stored, value, atol=2e-5, rtol=0, msg=name)
    history = json.loads((root / "cut" / "log.json").read_text())["history"]
    for key in ("train", "val"):
        assert [r["step"] for r in history[key]] == [r["step"] for r in whole.history[key]]
        assert [r["loss"] for r in history[key]] == pytest.approx(
            [r["loss"] for r in whole.history[key]], abs=2e-5), key
    # a 1-process resume of the 2-process run: one line, nothing run
    one = stopped["one"]
    assert one.returncode == 1 and len(one.stderr.strip().splitlines()) == 1, one.stderr
    assert "world size 2" in one.stderr and "world size 1" in one.stderr


def test_stop_line_under_torchrun_advises_a_resume_that_runs(stopped):
    """Ctrl-C on ``torchrun --nproc_per_node 2 -m vjepa_ros.cli train ... --out RUN``.

    Happened: "vjepa-ros train: interrupted at step N; RUN/latest.pt saved, continue with:
    vjepa-ros train --out RUN --resume"; that command, run as given, is refused: "RUN/latest.pt
    was written by 2 process(es) (world size 2) but this run has world size 1". Should: name
    the torchrun line with 2 processes in all (README: "the same torchrun line with --resume").
    """
    line = _lines(stopped["cut_err"])[0]
    advice = line.split("continue with:", 1)[1].strip()
    out = stopped["root"] / "cut"
    assert advice == (f"torchrun --standalone --nproc_per_node 2 -m vjepa_ros.cli train --out "
                      f"{out} --resume"), line
    assert stopped["resumed"].returncode == 0, stopped["resumed"].stderr[-2000:]  # as advised
    # the 1-process resume's refusal gives the same line
    assert advice in stopped["one"].stderr, stopped["one"].stderr


# -- one rank fails

def _limit_file_size():
    limit = 300 * 1024  # latest.pt of this tiny run is ~330 kB; shards, log, plot are smaller
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.fixture(scope="module", params=["bad_episode", "file_size_limit"])
def one_rank_fails(data, request, tmp_path_factory):
    """Run 2 ranks where one fails; return (case, completed process, out, what its line names)."""
    root = tmp_path_factory.mktemp(request.param)
    out = root / "run"
    if request.param == "bad_episode":  # sources 1, 3 are rank 1's to encode
        episodes = root / "episodes"
        episodes.mkdir()
        for path in sorted((data / "episodes").iterdir()):
            (episodes / path.name).write_bytes(path.read_bytes())
        bad = episodes / "blob_0001.npz"
        bad.write_bytes(bad.read_bytes()[:3000])  # cut short: not a zip
        extra, named, limit = ["--data", str(episodes)], "blob_0001.npz", None
    else:  # rank 0's latest.pt stopped short (a full disk alike): the cache is warm
        extra = ["--data", str(data / "episodes"), "--feature-cache", str(data / "cache"),
                 "--save-every", "2"]
        named, limit = "latest.pt", _limit_file_size
    done = subprocess.run(
        _torchrun(out, "--encoder", str(data / "encoder.pt"), *SMALL, "--steps", "6", *extra),
        capture_output=True, text=True, env=_env(), timeout=120, cwd=root, preexec_fn=limit)
    return request.param, done, out, named


def test_the_failing_rank_names_the_cause_and_nothing_is_presented(one_rank_fails):
    """The failing rank's one line names the file; no latest.pt or world model is left."""
    case, done, out, named = one_rank_fails
    assert done.returncode != 0
    assert any(named in line for line in _lines(done.stderr)), done.stderr[-3000:]
    assert not (out / "latest.pt").exists() and not (out / "world_model.pt").exists()


def test_the_other_rank_adds_no_raw_gloo_line(one_rank_fails):
    """A bad episode only rank 1 encodes, or rank 0's latest.pt stopped by ``ulimit -f``.

    Happened: besides the failing rank's line, the other rank prints "vjepa-ros train: rank N:
    [/__w/pytorch/pytorch/third_party/gloo/gloo/transport/tcp/pair.cc:553] Connection closed by
    peer [127.0.0.1]:PORT. This is typically caused by a remote worker crashing. ... GLHF!"
    (or, killed by torchrun first, "terminated before training started"), and torchrun's
    "Root Cause (first observed failure)" may name that rank. Should: every line the command
    prints names the cause (the other rank silent, or saying another rank failed).
    """
    case, done, out, named = one_rank_fails
    lines = _lines(done.stderr)
    assert len(lines) == 1 and named in lines[0], lines  # the failing rank's line alone
    assert "pair.cc" not in done.stderr and "Connection closed" not in done.stderr
    assert done.returncode != 0


# -- fixes' units: the resume advice, a lost peer, the host's memory shared by its ranks

def test_resume_advice_names_the_process_count():
    """One process: vjepa-ros; one machine: its torchrun line; several: the same line on each."""
    from vjepa_ros.train.command_lines import resume_advice

    assert resume_advice("run", 1) == "vjepa-ros train --out run --resume"
    assert resume_advice("run", 4, 4) == ("torchrun --standalone --nproc_per_node 4 -m "
                                          "vjepa_ros.cli train --out run --resume")
    assert resume_advice("run", 16, 8) == (
        "the same torchrun line on each node with --resume (--nnodes 2 x --nproc_per_node 8 = "
        "16 processes in all)")
    unknown = resume_advice("run", 2)
    assert unknown.startswith("torchrun --standalone --nproc_per_node 2 ") and \
        "the same torchrun line on each node with --resume" in unknown


def test_a_lost_peer_is_told_apart_from_a_rank_s_own_error():
    """Tell gloo's closed connection (also as a stop's context) is another rank's from others."""
    from vjepa_ros.train.distributed import another_rank_ended

    gloo = RuntimeError("[../gloo/transport/tcp/pair.cc:553] Connection closed by peer "
                        "[127.0.0.1]:40000")
    assert another_rank_ended(gloo)
    try:
        try:
            raise gloo
        except RuntimeError:
            raise KeyboardInterrupt from None  # a SIGTERM while it unwinds
    except KeyboardInterrupt as stop:
        assert another_rank_ended(stop)
    assert not another_rank_ended(RuntimeError("loss is nan at step 2"))
    assert not another_rank_ended(OSError("blob_0001.npz: not a zip file"))
    assert not another_rank_ended(KeyboardInterrupt())


def _memory_config(batch):
    from types import SimpleNamespace

    from vjepa_ros.train.config import TrainConfig
    from vjepa_ros.train.memory import clip_floor_bytes

    config = TrainConfig()
    config.batch_size = batch
    encoder = SimpleNamespace(config=SimpleNamespace(patch_size=16, embed_dim=64),
                              img_size=(64, 64))
    predictor = SimpleNamespace(config=SimpleNamespace(depth=2, predictor_embed_dim=32))
    per_clip = clip_floor_bytes(16, 64, config.data.frames_per_clip, config.auto_steps, 2, 32,
                                torch.finfo(getattr(torch, config.data.feature_dtype)).bits // 8)
    return config, encoder, predictor, per_clip


@pytest.mark.parametrize("ranks", [1, 2])
def test_cpu_ranks_on_a_host_share_its_free_memory(monkeypatch, ranks):
    """2 ranks each asking 0.6 of the host's free memory (over half each) are refused; 1 is not."""
    from vjepa_ros.config import ConfigError
    from vjepa_ros.planning import memory
    from vjepa_ros.train.prepare import check_batch_memory

    config, encoder, predictor, per_clip = _memory_config(batch=6)
    free = int(6 * per_clip / 0.6)  # a step of 6 clips needs 0.6 of it
    monkeypatch.setattr(memory, "available_bytes", lambda device: free)
    monkeypatch.setenv("LOCAL_WORLD_SIZE", str(ranks))
    cpu = torch.device("cpu")
    if ranks == 1:
        check_batch_memory(config, encoder, predictor, cpu)
        return
    with pytest.raises(ConfigError, match="--batch-size 6: .* free on cpu for each of the 2 "
                       r"processes on this host \(its free memory / 2\); give at most 2 "):
        check_batch_memory(config, encoder, predictor, cpu)
    config.batch_size = 4  # 0.4 each: 0.8 of the host's for both
    check_batch_memory(config, encoder, predictor, cpu)

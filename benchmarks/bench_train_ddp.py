"""Data-parallel post-training on this machine: 1 vs 2 processes, steps/s, clips/s, cache build.

    nice -n 10 python benchmarks/bench_train_ddp.py
    python benchmarks/bench_train_ddp.py --models tiny mid --processes 1 2 --batch-size 8

Each row starts its processes the way torchrun does (``train.distributed.spawn_local``: loopback
rendezvous, gloo on CPU, NCCL on CUDA with ``--device cuda``) and times the trainer's own step
(``Trainer.train_step``: the global batch drawn, this rank's micro-batches, DDP all-reduce,
AdamW). Each process gets ``--batch-size`` clips per step, so the global batch grows with the
processes (weak scaling, as torchrun runs do). The cache rows build the on-disk feature cache
(``train.feature_cache``) of synthetic 256x256 episodes with 1 and 2 processes encoding their
shares, and report its time and size per 1000 frames. Shared CPUs are noisy: compare rows of
one run. Models as in ``bench_train.py``. Every process of every row gets the same torch CPU
thread count, printed on the settings line: ``--threads N``, else ``OMP_NUM_THREADS`` when set,
else 1, what torchrun gives each of several processes (the one rule's all cores but one in each
of N processes would take the cores N times over).
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_train import MODELS, build_models  # noqa: E402

from vjepa_ros.atomic_files import write_text  # noqa: E402
from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402

if TYPE_CHECKING:
    from vjepa_ros.train import DataConfig, FrameEncoder

# torch and the trainer (seconds; a quarter minute under load) are imported where they are first
# needed, after the options are checked: --help and a bad option answer at once. The processes
# spawn_local starts import this file too (their functions by name): they load what they use.


def _encoder(encoder, device, data: DataConfig) -> FrameEncoder:
    import torch

    from vjepa_ros.train import FrameEncoder

    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    return FrameEncoder(encoder, device, dtype, (data.aspect_ratio_min, data.aspect_ratio_max),
                        batch=16)


def train_rank(topology, name: str, args, result: str) -> None:
    import torch

    from vjepa_ros.threads import set_torch_threads
    from vjepa_ros.train import DataConfig, FeatureBank, Trainer, make_config
    from vjepa_ros.train.distributed import barrier, rank_device
    from vjepa_ros.train.episodes import Segment
    from vjepa_ros.train.synthetic import blob_episode

    set_torch_threads(args.threads)
    device = rank_device(args.device, topology)
    encoder, predictor = build_models(name)
    segments = []
    for seed in range(args.episodes):
        episode = blob_episode(args.frames, seed, size=256)
        segments.append(Segment(f"e{seed}", episode.frames, episode.states, episode.actions))
    bank = FeatureBank.build(segments, _encoder(encoder, device, DataConfig()))
    with tempfile.TemporaryDirectory() as out:
        config = make_config({
            "out": out, "steps": 1000, "batch_size": args.batch_size, "device": str(device),
            "data.frames_per_clip": 8, "progress": False})
        trainer = Trainer(config, encoder, predictor, bank, topology=topology)
        times = []
        for i in range(args.warmup + args.steps):
            barrier(topology)
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            start = time.perf_counter()
            trainer.train_step()
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            if i >= args.warmup:
                times.append(time.perf_counter() - start)
    if topology.is_main:
        step = statistics.median(times)
        write_text(result, json.dumps({"step_s": step, "batch": trainer.global_batch}))


def cache_rank(topology, name: str, args, root: str, result: str) -> None:

    from vjepa_ros.threads import set_torch_threads
    from vjepa_ros.train import DataConfig
    from vjepa_ros.train.distributed import rank_device
    from vjepa_ros.train.episodes import find_sources
    from vjepa_ros.train.feature_cache import FeatureCache, build_shards, cache_key

    set_torch_threads(args.threads)
    device = rank_device(args.device, topology)
    encoder, _ = build_models(name)
    data = DataConfig(frames_per_clip=8)
    sources = find_sources([Path(root) / "episodes"])
    encode = _encoder(encoder, device, data)
    cache = FeatureCache(Path(root) / f"cache-{topology.world_size}", cache_key(encode, data))
    start = time.perf_counter()
    shards, counts = build_shards(sources, data, encode, cache, topology, progress=False,
                                  log=lambda line: None)
    seconds = time.perf_counter() - start
    if topology.is_main:
        frames = sum(int(s["lengths"].sum()) for s in shards.values())
        write_text(result, json.dumps({"seconds": seconds, "frames": frames,
                                       "bytes": counts["disk_bytes"]}))


def main() -> None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["tiny", "mid"], choices=list(MODELS))
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch-size", type=int, default=8, help="clips per process per step")
    parser.add_argument("--steps", type=int, default=8, help="timed steps")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--episodes", type=int, default=4)
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--cache-episodes", type=int, default=16,
                        help="episodes of --frames frames in the cache rows")
    parser.add_argument("--threads", type=int, metavar="N",
                        help="torch CPU threads per process, 0..1024 (0 or left out: "
                        "OMP_NUM_THREADS when set, else 1, torchrun's per process, in every "
                        "row so that the rows compare)")
    args = parser.parse_args()
    parser.check_at_least(args, {"--processes": 1, "--batch-size": 1, "--steps": 1,
                                 "--warmup": 0, "--episodes": 1, "--frames": 1,
                                 "--cache-episodes": 1})
    from vjepa_ros.models.device_names import check_device_and_dtype
    from vjepa_ros.threads import check_threads_option, environment_threads  # as vjepa-ros run

    # each process's count, given to it: the default is torchrun's (OMP_NUM_THREADS, else 1 per
    # process), not the rule's all cores but one in each of N processes
    given = check_threads_option(args.threads)
    args.threads = given or environment_threads() or 1
    how = "" if given else (" (OMP_NUM_THREADS)" if environment_threads() else
                            " (torchrun's default)")
    check_device_and_dtype(args.device, None, ("--device", "--dtype"))
    import torch

    from vjepa_ros.train.distributed import spawn_local
    from vjepa_ros.train.synthetic import write_blob_episodes

    print(f"settings: {args.device}, {args.threads} torch thread(s) per process{how}, "
          f"{args.batch_size} clips x 8 frames per process per step, auto_steps 2, median of "
          f"{args.steps} steps after {args.warmup}; torch {torch.__version__}")
    print("| model | processes | global batch | step | steps/s | clips/s | speed-up |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as root:
        result = str(Path(root) / "result.json")
        for name in args.models:
            base = None
            for processes in args.processes:
                spawn_local(train_rank, processes, (name, args, result), args.device)
                row = json.loads(Path(result).read_text())
                clips = row["batch"] / row["step_s"]
                base = base or clips
                print(f"| {name} | {processes} | {row['batch']} | {row['step_s'] * 1e3:.0f} ms | "
                      f"{1 / row['step_s']:.2f} | {clips:.1f} | {clips / base:.2f}x |",
                      flush=True)
        write_blob_episodes(Path(root) / "episodes", args.cache_episodes, args.frames,
                            size=256)
        print("\n| encoder | processes | frames | cache build | MB on disk per 1000 frames | "
              "s per 1000 frames |")
        print("|---|---|---|---|---|---|")
        for name in args.models:
            for processes in args.processes:
                spawn_local(cache_rank, processes, (name, args, root, result), args.device)
                row = json.loads(Path(result).read_text())
                per = 1000 / row["frames"]
                print(f"| {name} | {processes} | {row['frames']} | {row['seconds']:.1f} s | "
                      f"{row['bytes'] / 2**20 * per:.1f} | {row['seconds'] * per:.1f} |",
                      flush=True)
            for processes in args.processes:
                shutil.rmtree(Path(root) / f"cache-{processes}", ignore_errors=True)
    giant = 256 * 1408 * 2 / 2**20 * 1000
    print(f"\nViT-g features (256 tokens x 1408, float16): {giant:.0f} MB per 1000 frames "
          "(+ states/actions, negligible)")


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))

"""One-shot GPU check for a lent device: models, planner, CUDA training, stage-1 pretraining.

    PYTHONPATH=. python3 benchmarks/device_check.py --pretrain-data .device_data/episodes
    PYTHONPATH=. python3 benchmarks/device_check.py --stages posttrain \
        --posttrain-data .device_data/manipulation.tar.xz    # issue 15's longer training
    python benchmarks/device_check.py --dry-run --out /tmp/dc     # CPU smoke of every stage

Stages, in priority order; each in a process of its own (``--in-process``: all in this one),
time-boxed to its share of ``--budget-s`` (time a stage leaves unused goes to the next):

  models    bench_models.py's rows at the released sizes: ViT-g encoder per frame (B 1, 256 px),
            vit_ac_giant predictor (full forward, cached step, rollout S 800 H 1), bf16 then fp32;
            then the ViT-g 384 encoder
  planner   bench_planner.py's CUDA cases (ViT-g / AC in bf16, encoder resident): paper settings
            (S 800, H 1, I 10) then notebook (S 400, H 2, I 10), fast vs reference; the paper
            settings under a 24 GiB cap; then the paper settings in fp32 (fast, one repeat)
  train     bench_train.py on CUDA (bf16 autocast, features on the GPU): small, then ac_giant
  pretrain  ``vjepa-ros pretrain``'s recipe (config/pretrain.yaml, or --pretrain-config) on the
            episodes of --pretrain-data, one process per --pretrain-seeds seed, side by side on
            the one GPU; each writes its target encoder (the budget cuts a run at its next
            monitor step and saves the encoder there)
  posttrain (only when named in --stages) the demo world model's predictor trained on the
            episodes of --posttrain-data (a folder or a tar of them: device_pack.py), one
            process per --posttrain-runs item side by side, the steps fitted to the time
            (device_posttrain.py); each writes posttrain_<run>.pt

Writes under --out ($OUT when set; else ./outputs/device_check), after every measurement:
device_check.json (the machine; per stage: status done | partial | skipped | failed | timeout,
a one-line reason unless done, seconds, its rows of numbers), device_check.log (everything every
stage printed) and pretrain_b<batch>_s<seed>.pt per seed (encoder-only files with their loss and
monitor curves, for vjepa-ros train --encoder and bench_encoder_landscape.py): 2 + one file per
seed (at most 6 seeds: the device tool brings back 8 files), and posttrain_<run>.pt per
post-training run (world models, for bench_manipulation.py --checkpoint). The stages themselves:
device_stages.py; the child processes, results file and log: device_runs.py; the options'
checks: device_inputs.py; one stage's run (in process or children): device_stage_run.py.

No CUDA: says so and exits 1, unless --allow-cpu. ``--tiny``: tiny models and settings (a CPU
smoke of the code paths in well under a minute; pretraining on --pretrain-data when given, else
on synthetic blob episodes; the log says which). ``--dry-run`` = ``--allow-cpu --tiny``. Exit
status 0 when every stage gave numbers or was skipped with a reason, 1 when one failed or ran out
of time, 2 for an option refused before any stage starts (one line naming it): --budget-s not in
(10, 540] s (one 600 s device call less a 60 s margin), a number outside its range (whole
numbers: --pretrain-seeds 0 to 2**32 - 1, --pretrain-batch 1 to 4096, --pretrain-steps 1 to
10**6; --peak-tflops 1 to 1e5; --threads 0 to 1024, 0 or left out the default, as every
command's), an --out that cannot be a folder, a
--pretrain-config or --pretrain-data the pretrain stage could not use (the episodes are read
whole, as the stage reads them), --posttrain-runs or --posttrain-data the posttrain stage could
not use (its default archive not carried, an archive that cannot be unpacked).
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))  # device_stages and the bench_*.py it runs

import device_posttrain as posttrain  # noqa: E402
import device_stages as stages  # noqa: E402
from device_inputs import (  # noqa: E402
    MAX_SEEDS,
    Bounded,
    check_posttrain_inputs,
    check_pretrain_inputs,
    checked_out,
)
from device_runs import (  # noqa: E402
    DEVICE_FILES,
    LOG,
    RESULTS,  # noqa: F401
    Log,
    Results,
    finish_status,  # noqa: F401  (tests reach device_runs' functions through this module)
    run_children,  # noqa: F401
    summary,
)
from device_stage_run import child_main, run_stage  # noqa: E402

from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402
from vjepa_ros.config import UsageError  # noqa: E402
from vjepa_ros.threads import (  # noqa: E402
    add_threads_argument,
    check_threads_option,
    set_torch_threads,
)

# torch and the models are imported where they are needed, after the options are checked.

STAGES = ("models", "planner", "train", "pretrain", "posttrain")
DEFAULT_STAGES = STAGES[:4]  # posttrain only when asked for
SHARES = {"models": 0.15, "planner": 0.3, "train": 0.2}  # of the budget
# the rest (device_stage_run.MULTI: pretrain, posttrain) split evenly: stage_deadline
RESERVE_S = 10.0  # kept at the end of the budget for the last writes
# The device tool runs one command for at most 10 minutes (its timeout_s); the script needs time
# outside the budget: its start (torch, nvidia-smi, reading --pretrain-data) and a child's
# GRACE_S + KILL_WAIT_S (device_runs) past the last deadline. A larger --budget-s is refused,
# not capped: the stages' shares are fractions of it, so a silent cap would run another plan
# than the one written, and the call's timeout_s is set from it (at least --budget-s +
# START_MARGIN_S).
DEVICE_CALL_S = 600.0
START_MARGIN_S = 60.0
MAX_BUDGET_S = DEVICE_CALL_S - START_MARGIN_S
DATA = ".device_data/episodes"  # --pretrain-data when not given and there (git-ignored, carried)
# Each count's range, refused past it before anything starts: past it a run failed late (a
# --pretrain-batch of 1e8 clips asked ~4.9 TB after 23 s), crashed (--threads 100000: OpenBLAS
# could not start its threads, a segfault) or overflowed (a seed past 2**64: torch.manual_seed)
MAX_SEED = 2**32 - 1
MAX_BATCH = 4096  # clips per step: 16 times the default 256, sized for one 141 GiB H200
MAX_STEPS = 10**6  # more than any budget runs (the tiny dry run: ~40 steps/s)
MAX_TFLOPS = 1e5  # bf16 dense peak: 100 times an H200's
# --threads: the one rule of every command's (vjepa_ros/threads.py, README "Torch CPU threads"),
# with the shares this script gives when it is left out (main).
THREADS_HELP = ("torch CPU threads per stage process, 0..1024 (0 or left out: OMP_NUM_THREADS "
                "when set, else all cores but one, as every command's --threads; but on a GPU "
                "the pretrain or posttrain processes side by side get the CPUs / the processes "
                "and the other stages keep torch's own count; --tiny on the CPU: 1)")


# ---------------------------------------------------------------------------- orchestration


def environment(device: str) -> dict:
    """Describe the machine: Python, torch, CUDA device, memory, CPU count, git commit.

    A CUDA that torch reports but cannot start (``get_device_properties`` raising: busy,
    unavailable) is ``cuda_error``, its one line; run_all ends the call on it.
    """
    import torch

    env = {"python": platform.python_version(), "torch": torch.__version__,
           "cuda_available": torch.cuda.is_available(), "torch_cuda": torch.version.cuda,
           "cpu_count": os.cpu_count(), "device": device}
    if torch.cuda.is_available():
        try:
            props = torch.cuda.get_device_properties(0)
            env.update(gpu=props.name, gpu_memory_gib=round(props.total_memory / 2**30, 1),
                       capability=f"{props.major}.{props.minor}",
                       bf16=torch.cuda.is_bf16_supported(), gpu_count=torch.cuda.device_count())
        except Exception as exc:  # noqa: BLE001  (a RuntimeError from the driver, most often)
            env["cuda_error"] = stages.one_line(exc)
    try:
        query = "name,driver_version,memory.total,clocks.max.sm,power.limit"
        env["nvidia_smi"] = subprocess.run(
            ["nvidia-smi", f"--query-gpu={query}", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=20).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        env["nvidia_smi"] = None
    env["commit"] = checkout_commit()
    return env


def checkout_commit() -> str | None:
    """Return the checkout's short commit, ``<hash>-dirty`` when the tree that runs differs.

    The device tool copies the working tree, uncommitted edits and untracked files included:
    those (``git status --porcelain``, git-ignored paths such as .device_data left out) make
    the commit ``-dirty``, as ``git describe --dirty`` says it. None without git or a commit.
    """
    def git(*argv: str) -> str:
        return subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD") or None
        if commit and git("status", "--porcelain"):
            commit += "-dirty"
    except (OSError, subprocess.SubprocessError):
        return None
    return commit


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output folder (default: $OUT, else "
                        "./outputs/device_check)")
    parser.add_argument("--budget-s", type=float, default=450.0,
                        help=f"seconds for all stages together, more than {RESERVE_S:.0f} and "
                        f"at most {MAX_BUDGET_S:.0f} (default 450: one 10-minute device call "
                        "with room for start-up and the transfers; give the call a timeout_s "
                        f"of at least --budget-s + {START_MARGIN_S:.0f})")
    parser.add_argument("--stages", nargs="+", choices=STAGES, default=list(DEFAULT_STAGES),
                        help="stages to run, in this order (default: all but posttrain)")
    parser.add_argument("--allow-cpu", action="store_true", help="run without CUDA, on the CPU")
    parser.add_argument("--tiny", action="store_true", help="tiny models and settings (smoke)")
    parser.add_argument("--dry-run", action="store_true", help="= --allow-cpu --tiny")
    parser.add_argument("--in-process", action="store_true",
                        help="run every stage in this process (default: one process each)")
    parser.add_argument("--peak-tflops", type=Bounded(float, 1, MAX_TFLOPS, "TFLOPS"),
                        default=989.4,
                        help="bf16 dense peak of the GPU, for the planner's floor column "
                        "(H100/H200 SXM: 989.4)")
    parser.add_argument("--pretrain-data",
                        help=f"folder of episode .npz files (vjepa-ros collect; default "
                        f"{DATA} when it exists, carried to the device; --tiny: synthetic "
                        "blob episodes)")
    parser.add_argument("--pretrain-seeds", type=Bounded(int, 0, MAX_SEED, "a 32-bit seed"),
                        nargs="+", default=[0, 1, 2, 3],
                        help="pretraining seeds, run side by side (default 0 1 2 3)")
    parser.add_argument("--pretrain-batch", default=None,
                        type=Bounded(int, 1, MAX_BATCH, "clips per step; the default is 256"),
                        help="clips per step (default 256; --tiny: 2)")
    parser.add_argument("--pretrain-steps", default=None,
                        type=Bounded(int, 1, MAX_STEPS, "more than any budget runs"),
                        help="steps per seed (default: the config's, 1500)")
    parser.add_argument("--pretrain-config", help="YAML of PretrainConfig settings "
                        "(default: config/pretrain.yaml's values)")
    parser.add_argument("--posttrain-data",
                        help=f"{posttrain.DATA_KIND}, carried to the device (default "
                        f"{posttrain.DATA}, refused when not there; --tiny: synthetic blob "
                        "episodes)")
    parser.add_argument("--posttrain-runs", nargs="+", default=list(posttrain.DEFAULT_RUNS),
                        metavar="RUN", help="post-training runs, side by side: demo (the "
                        "packaged predictor trained further) or WIDTHxDEPTHxHEADS (a new "
                        "predictor on the packaged encoder) (default "
                        f"{' '.join(posttrain.DEFAULT_RUNS)})")
    parser.add_argument("--posttrain-batch", default=32,
                        type=Bounded(int, 1, MAX_BATCH, "clips per step; the default is 32"),
                        help="clips per step of each post-training run (default 32; --tiny: "
                        f"{posttrain.TINY_BATCH})")
    parser.add_argument("--posttrain-steps", default=None,
                        type=Bounded(int, 1, MAX_STEPS, "more than any budget runs"),
                        help="steps per post-training run at most (default: as many as fit "
                        f"the stage's time; --tiny: {posttrain.TINY_STEPS})")
    add_threads_argument(parser, THREADS_HELP)
    for hidden in ("--child", "--child-json", "--child-seed", "--child-run", "--child-data",
                   "--child-deadline-s", "--device-name"):
        parser.add_argument(hidden, help=argparse.SUPPRESS,
                            type=int if hidden == "--child-seed" else
                            float if hidden == "--child-deadline-s" else str)
    args = parser.parse_args(argv)
    if args.dry_run:
        args.allow_cpu = args.tiny = True
    try:  # the one rule's range and default (vjepa_ros/threads.py); 0: as left out
        args.threads = check_threads_option(args.threads) or None
    except UsageError as exc:
        parser.error(str(exc))
    if not math.isfinite(args.budget_s):
        parser.error(f"--budget-s {args.budget_s}: give a finite number")
    if not RESERVE_S < args.budget_s <= MAX_BUDGET_S:
        parser.error(f"--budget-s {args.budget_s:g}: give more than {RESERVE_S:.0f} (kept for "
                     f"the last writes) and at most {MAX_BUDGET_S:.0f} seconds: the device tool "
                     f"stops a command after {DEVICE_CALL_S:.0f} s, and start-up and stopping "
                     f"the stages need {START_MARGIN_S:.0f} s outside the budget")
    if len(args.pretrain_seeds) > MAX_SEEDS:
        parser.error(f"--pretrain-seeds: at most {MAX_SEEDS} (the device tool returns at most "
                     "8 files: the JSON, the log and one encoder per seed)")
    if len(set(args.pretrain_seeds)) != len(args.pretrain_seeds):
        parser.error("--pretrain-seeds: a seed given twice")
    if len(set(args.stages)) != len(args.stages):
        parser.error("--stages: a stage given twice (it would run twice, on half the time each, "
                     "the second overwriting the first's records and files)")
    files = 2 + len(args.pretrain_seeds) * ("pretrain" in args.stages) + \
        len(args.posttrain_runs) * ("posttrain" in args.stages)
    if files > DEVICE_FILES:
        parser.error(f"{files} files to bring back (the JSON, the log, one encoder per "
                     "--pretrain-seeds seed, one world model per --posttrain-runs run): the "
                     f"device tool brings back {DEVICE_FILES}; give fewer seeds or runs")
    if args.pretrain_batch is None and not args.tiny:
        args.pretrain_batch = 256
    if args.pretrain_data is None and not args.tiny and (ROOT / DATA).is_dir():
        args.pretrain_data = str(ROOT / DATA)
    if args.pretrain_config and not Path(args.pretrain_config).is_file():
        parser.error(f"--pretrain-config {args.pretrain_config}: no such file")
    # the episodes' folder (a tar unpacked into posttrain_tmp): check_posttrain_inputs
    args.posttrain_folder = args.posttrain_tmp = None
    args.pretrain_bytes = 0  # the pretrain stage's encoder files: check_pretrain_inputs
    if not args.child:  # a stage's process: the parent checked these
        args.out = checked_out(parser, args.out)
        if "pretrain" in args.stages:
            check_pretrain_inputs(parser, args)
        if "posttrain" in args.stages:
            check_posttrain_inputs(parser, args, ROOT)
    return args


def stage_deadline(name: str, chosen: list[str], budget_s: float, now: float,
                   end: float) -> float:
    """Return the deadline of stage ``name`` started at ``now`` (time.monotonic).

    A stage with a share (:data:`SHARES`) gets that fraction of ``budget_s``; the others
    (pretrain, posttrain) split what is left evenly among those of them still to run.
    """
    share = SHARES.get(name)
    if share is not None:
        return min(end, now + share * budget_s)
    rest = [stage for stage in chosen[chosen.index(name):] if stage not in SHARES]
    return now + (end - now) / len(rest)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child:
        return child_main(args)
    try:
        return run_all(args)
    finally:
        if args.posttrain_tmp:
            shutil.rmtree(args.posttrain_tmp, ignore_errors=True)


def run_all(args) -> int:
    """Run the chosen stages in turn (the options checked); return the exit status."""
    from vjepa_ros.out_paths import output_dir

    out = output_dir(args.out, claim=False)  # checked by parse_args: a ValueError is one line
    args.out = str(out.resolve())
    log = Log(out / LOG)
    results = Results(out, args)
    end = time.monotonic() + args.budget_s - RESERVE_S
    try:
        import torch
    except ImportError as exc:
        log.line(f"device_check: {sys.executable} cannot import torch ({exc}); run it with a "
                 "Python that has torch (scripts/device_check.sh: PYTHON=...)")
        return 1

    device = "cuda" if torch.cuda.is_available() else "cpu"
    args.device_name = device
    results.data["env"] = environment(device)
    log.line(f"device_check: {json.dumps(results.data['env'])}")
    reason = None
    if results.data["env"].get("cuda_error"):
        reason = (f"torch reports CUDA but cannot start the device "
                  f"({results.data['env']['cuda_error']}): no stage run; see nvidia-smi's line "
                  "in env")
    elif device == "cpu" and not args.allow_cpu:
        reason = (f"no CUDA device (torch {torch.__version__}, built for CUDA "
                  f"{torch.version.cuda}): this script measures a GPU; --allow-cpu runs it on "
                  "the CPU (--dry-run: tiny sizes)")
    if reason:
        results.data["error"] = reason
        results.save()
        log.line(f"device_check: {reason}")
        return 1
    if device == "cuda" and args.threads is None and "pretrain" in args.stages:
        args.threads = max(1, (os.cpu_count() or 2) // len(args.pretrain_seeds))
    elif device == "cuda" and args.threads is None and "posttrain" in args.stages:
        args.threads = max(1, (os.cpu_count() or 2) // len(args.posttrain_runs))
    if device == "cpu" and args.tiny and args.threads is None:
        args.threads = 1  # tiny models: more threads only wait for each other
    if args.in_process and (args.threads or device == "cpu"):
        set_torch_threads(args.threads)  # None: OMP_NUM_THREADS, else all cores but one
    results.save()
    with tempfile.TemporaryDirectory(prefix="device_check_") as tmp:
        for name in args.stages:
            now = time.monotonic()
            if end - now <= 0:
                results.stage(name).update(status="skipped", reason="the budget was spent "
                                           "by the stages before")
                results.save()
                continue
            deadline = stage_deadline(name, args.stages, args.budget_s, now, end)
            ctx = stages.Context(device, args.tiny, deadline, args)
            run_stage(name, ctx, results, log, Path(tmp))
    statuses = {name: record["status"] for name, record in results.data["stages"].items()}
    try:  # the numbers are saved already: a slip here must not cost the exit status
        for line in summary(results.data["stages"]):
            log.line(f"summary: {line}")
    except Exception as exc:  # noqa: BLE001
        log.line(f"summary: not printed ({stages.one_line(exc)}); the numbers are in "
                 f"{results.path}")
    results.data["finished"] = datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="seconds")
    results.save()
    log.line(f"device_check: {json.dumps(statuses)}; results in {results.path}")
    return 1 if any(status in ("failed", "timeout") for status in statuses.values()) else 0


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))

"""The stages of benchmarks/device_check.py: what each measures on a lent GPU (or tiny on a CPU).

Each stage function ``stage_X(ctx, record, save)`` appends its numbers to ``record["rows"]`` (one
seed of pretraining: ``record["runs"]``) and calls ``save()`` after every measurement; an item
that fails is recorded with its one-line error and the next one runs (:func:`measured`). The
orchestration (processes, budget, files) is device_check.py's.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import sys
import time
import traceback
from pathlib import Path

MIN_ITEM_S = 15.0  # on CUDA, a measurement is not started with less time left than this
TINY_ENCODER = dict(embed_dim=64, depth=1, num_heads=2, img_size=64)
TINY_PREDICTOR = dict(embed_dim=64, predictor_embed_dim=64, depth=1, num_heads=2, img_size=64)
TINY_PRETRAIN = dict(img_size=64, embed_dim=64, depth=1, num_heads=2, predictor_dim=32,
                     predictor_depth=1, predictor_heads=2, steps=2, batch_size=2,
                     monitor_every=1, monitor_frames=4)
# bench_train.py's defaults (its --batch-size ... --encode-batch), and tiny ones
TRAIN_ARGS = dict(batch_size=8, frames_per_clip=8, auto_steps=2, steps=5, warmup=2, episodes=4,
                  frames=16, encode_batch=16)
TINY_TRAIN_ARGS = dict(batch_size=2, frames_per_clip=4, auto_steps=1, steps=1, warmup=0,
                       episodes=1, frames=8, encode_batch=8)


class BudgetReached(KeyboardInterrupt):
    """A pretraining run reached its stage's deadline (stops it like Ctrl-C, between steps)."""


@dataclasses.dataclass
class Context:
    """What a stage runs with: device ("cuda"/"cpu"), sizes, its deadline (time.monotonic)."""

    device: str
    tiny: bool
    deadline: float
    args: argparse.Namespace

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def has_time(self, needs_s: float = MIN_ITEM_S) -> bool:
        """Whether ``needs_s`` seconds are left (any time left with --tiny or on the CPU)."""
        return self.left() > (0.0 if self.tiny or self.device == "cpu" else needs_s)


def bench_module(name: str):
    """Import ``benchmarks/<name>.py`` (bench_models, bench_planner, bench_train)."""
    folder = str(Path(__file__).resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module(name)


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or "(no message)"
    return f"{type(exc).__name__}: {text[:300]}"


def measured(record: dict, save, ctx: Context, label: str, work,
             needs_s: float = MIN_ITEM_S) -> None:
    """Run ``work()`` (it appends to record["rows"]) unless the budget is spent; save after it.

    ``needs_s``: the seconds the item takes at most on CUDA, not started with less left. A
    failure is recorded as a row {"item", "error"} and the stage goes on with its next item; a
    skipped item is listed in record["skipped"].
    """
    if not ctx.has_time(needs_s):
        record.setdefault("skipped", []).append(label)
        print(f"skipped {label}: the stage's budget is spent", flush=True)
        return
    started = time.perf_counter()
    try:
        work()
    except Exception as exc:  # noqa: BLE001  (one item's failure must not lose the others)
        print(traceback.format_exc().rstrip(), flush=True)
        record["rows"].append({"item": label, "error": one_line(exc)})
        record["errors"] = record.get("errors", 0) + 1
    finally:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    print(f"done {label} in {time.perf_counter() - started:.1f} s", flush=True)
    save()


# ---------------------------------------------------------------------------------- stages


def stage_models(ctx: Context, record: dict, save) -> None:
    """Time encoder and predictor forwards (bench_models.py's rows)."""
    import torch

    from vjepa_ros.models import resolve_dtype

    bench = bench_module("bench_models")
    device = torch.device(ctx.device)
    if ctx.tiny:
        items = [("encoder", "tiny-enc", TINY_ENCODER, "fp32"),
                 ("predictor", "tiny-pred", TINY_PREDICTOR, "fp32")]
        repeats, samples = 1, 8
    else:
        items = [(kind, name, name, dtype) for dtype in ("bf16", "fp32")
                 for kind, name in (("encoder", "vit_giant"), ("predictor", "vit_ac_giant"))]
        items += [("encoder", "vit_giant_384", "vit_giant_384", dtype)
                  for dtype in ("bf16", "fp32")]
        repeats, samples = 5, 800
    record["settings"] = {"batch": 1, "frames": 2, "samples": samples, "horizon": 1,
                          "repeats": repeats}
    for kind, name, spec, dtype_name in items:
        def work(kind=kind, name=name, spec=spec, dtype_name=dtype_name):
            rows = []  # the rows measured are kept also when a later one fails
            dtype = resolve_dtype(dtype_name, device)
            try:
                with torch.no_grad():
                    if kind == "encoder":
                        bench.bench_encoder(name, spec, device, dtype, 1, repeats, rows)
                    else:
                        bench.bench_predictor(name, spec, device, dtype, 1, 2, samples, 1,
                                              repeats, rows)
            finally:
                for what, model, dtype_text, shape, seconds, weights, peak in rows:
                    record["rows"].append({"what": what, "model": model, "dtype": dtype_text,
                                           "input": shape, "ms": round(seconds * 1e3, 3),
                                           "weights": weights, "peak_extra": peak})
                    print(f"{what} {model} {dtype_text} {shape}: {seconds * 1e3:.1f} ms, "
                          f"peak extra {peak}", flush=True)

        measured(record, save, ctx, f"{kind} {name} {dtype_name}", work,
                 30.0 if name == "vit_giant_384" else MIN_ITEM_S)


def stage_planner(ctx: Context, record: dict, save) -> None:
    """Time CEM replanning steps, fast vs reference (bench_planner.py's cases)."""
    import torch

    from vjepa_ros.models import build_encoder, build_predictor
    from vjepa_ros.planning.config import CEMConfig

    bench = bench_module("bench_planner")
    device = torch.device(ctx.device)
    held = {}
    if ctx.tiny:
        dtype, repeats = torch.float32, 1
        held["predictor"] = build_predictor(**TINY_PREDICTOR).eval()
        cases = [("tiny", CEMConfig(horizon=1, samples=8, topk=2, iterations=1))]
    else:
        dtype, repeats = torch.bfloat16, 3
        torch.manual_seed(0)
        with torch.device(device):
            held["encoder"] = build_encoder("vit_giant").to(dtype).eval()  # resident (node)
            held["predictor"] = build_predictor("vit_ac_giant").to(dtype).eval()
        cases = sorted(bench.CUDA_CASES, key=lambda case: case[0] != "paper")  # paper first
    record["settings"] = {"dtype": str(dtype).removeprefix("torch."), "repeats": repeats,
                          "peak_tflops": ctx.args.peak_tflops}
    for name, config in cases:
        def work(name=name, config=config):
            raw = {}
            row = bench.bench_case(name, held["predictor"], config, device, dtype, repeats, True,
                                   ctx.args.peak_tflops, raw=raw)
            record["rows"].append({**row, **raw})
            print(json.dumps(row), flush=True)

        measured(record, save, ctx, f"plan {name}", work, 40.0)
    if ctx.tiny:
        return
    paper = dict(bench.CUDA_CASES)["paper"]

    def capped():
        record["capped"] = bench.capped_memory_case(held["predictor"], paper, device,
                                                    torch.bfloat16, 24.0)
        print(record["capped"], flush=True)

    measured(record, save, ctx, "plan paper under a 24 GiB cap", capped)

    def fp32():
        held.clear()
        torch.cuda.empty_cache()
        torch.manual_seed(0)
        with torch.device(device):
            predictor = build_predictor("vit_ac_giant").eval()
        raw = {}
        row = bench.bench_case("paper fp32", predictor, paper, device, torch.float32, 1, False,
                               ctx.args.peak_tflops, lean=True, raw=raw)
        record["rows"].append({**row, **raw, "note": "floor column against the bf16 peak"})
        print(json.dumps(row), flush=True)

    measured(record, save, ctx, "plan paper fp32", fp32, 60.0)  # ~1.3 PFLOP without bf16


def stage_train(ctx: Context, record: dict, save) -> None:
    """Time post-training steps on the device (bench_train.py: bf16 autocast on CUDA)."""
    bench = bench_module("bench_train")
    settings = TINY_TRAIN_ARGS if ctx.tiny else TRAIN_ARGS
    record["settings"] = dict(settings)
    for name in (["tiny"] if ctx.tiny else ["small", "ac_giant"]):
        def work(name=name):
            row = bench.bench(name, ctx.device, argparse.Namespace(**settings))
            row["peak_gib"] = list(row.pop("peak")) if row.get("peak") else None
            record["rows"].append(row)
            print(json.dumps(row), flush=True)

        measured(record, save, ctx, f"train {name}", work, 40.0 if name == "ac_giant" else 20.0)


def stage_pretrain_seed(ctx: Context, record: dict, save, seed: int, data: Path) -> None:
    """Pretrain one seed; its encoder to <out>/pretrain_b<B>_s<seed>.pt, its numbers to runs."""
    from vjepa_ros.train.pretrain import PretrainInterrupted, pretrain_encoder, save_pretrained
    from vjepa_ros.train.pretrain_data import clip_sampler, load_clip_segments, spread_frames
    from vjepa_ros.train.stop_request import InterruptedMidStep

    args = ctx.args
    config = pretrain_config(args, ctx.tiny, seed)
    segments = load_clip_segments([data], config.frames_per_clip)
    sampler = clip_sampler(segments, config, device=ctx.device)  # preprocessed there
    monitor_frames = spread_frames(segments, config.monitor_frames)
    out = Path(args.out) / encoder_name(config.batch_size, seed)
    run = {"seed": seed, "batch_size": config.batch_size, "steps": config.steps,
           "steps_done": 0, "frames": sampler.num_frames, "segments": len(segments),
           "complete": False, "file": None}
    record["runs"].append(run)
    save()
    started = time.perf_counter()

    marks = []  # (step, time) of the monitor steps

    def checkpoint(step, encoder):
        elapsed = time.perf_counter() - started
        run.update(steps_done=step, seconds=round(elapsed, 2))
        marks.append((step, elapsed))
        if len(marks) == 2:  # at the second monitor step (start-up left out): will it fit?
            rate = (marks[1][1] - marks[0][1]) / (marks[1][0] - marks[0][0])
            run["estimate_s"] = round(elapsed + rate * (config.steps - step), 1)
            fits = run["estimate_s"] <= elapsed + ctx.left()
            print(f"seed {seed}: {rate:.3f} s/step, {config.steps} steps take "
                  f"~{run['estimate_s']:.0f} s in all; {ctx.left():.0f} s left: "
                  + ("fits" if fits else "the budget cuts it at a monitor step (rerun with "
                     "--stages pretrain, a larger --budget-s or fewer --pretrain-steps)"),
                  flush=True)
        save()
        if ctx.left() < 0:
            raise BudgetReached()

    try:
        result = pretrain_encoder(sampler, monitor_frames, config, checkpoint=checkpoint,
                                  device=ctx.device)
        run["complete"] = True
    except PretrainInterrupted as stopped:
        result = stopped.result
        run["stopped"] = ("budget reached" if isinstance(stopped.signal, BudgetReached)
                          else f"signal ({type(stopped.signal).__name__})")
        if isinstance(stopped.signal, InterruptedMidStep):
            run["stopped"] += "; half-updated encoder not saved"
            save()
            return
    done = len(result.losses)
    if done:
        save_pretrained(out, result.encoder, config, result, sampler.num_frames, step=done)
        run["file"] = out.name
    run.update(steps_done=done, seconds=round(result.seconds, 2),
               s_per_step=round(result.seconds / max(1, done), 4), **loss_ends(result.losses),
               monitors_start=result.monitors[0], monitors_end=result.monitors[-1],
               warnings=len(result.warnings),
               first_warning=result.warnings[0] if result.warnings else None)
    save()


def loss_ends(losses: list[float]) -> dict:
    """Return the loss at the first and the last step, and means over windows at both ends.

    ``loss_first``/``loss_last``: of step 1 and step ``len(losses)`` (None before a step);
    ``loss_window``: up to 50 steps, at most half the steps, so that the two windows never share
    a step (a mean of the first 50 and of the last 50 of a 2-step run were one and the same
    number); ``loss_first_mean``/``loss_last_mean``: the means over them (None under 2 steps).
    """
    window = min(50, len(losses) // 2)
    return {"loss_first": losses[0] if losses else None,
            "loss_last": losses[-1] if losses else None, "loss_window": window,
            "loss_first_mean": sum(losses[:window]) / window if window else None,
            "loss_last_mean": sum(losses[-window:]) / window if window else None}


def encoder_name(batch: int, seed: int) -> str:
    """Return the file name under --out of a seed's encoder: pretrain_b<batch>_s<seed>.pt."""
    return f"pretrain_b{batch}_s{seed}.pt"


def pretrain_config(args, tiny: bool, seed: int = 0):
    """Return the ``PretrainConfig`` the pretrain stage runs with for ``seed``.

    --pretrain-config (or config/pretrain.yaml's values), tiny sizes with ``tiny``,
    --pretrain-steps/--pretrain-batch and ``seed`` over them.

    Raises ValueError (``config.ConfigError`` among them) naming the file or the setting.
    """
    from vjepa_ros.train.pretrain_config import load_pretrain_config  # torch-free

    overrides = dict(TINY_PRETRAIN) if tiny else {}
    if args.pretrain_steps is not None:
        overrides["steps"] = args.pretrain_steps
    if args.pretrain_batch is not None:
        overrides["batch_size"] = args.pretrain_batch
    return load_pretrain_config(args.pretrain_config, seed=seed, **overrides)


def encoder_file_bytes(config) -> int:
    """Bytes of one seed's encoder file (float32 weights; built on the meta device, no memory)."""
    import torch
    from device_runs import model_file_bytes

    from vjepa_ros.models import build_encoder

    with torch.device("meta"):
        encoder = build_encoder(img_size=config.img_size, patch_size=config.patch_size,
                                embed_dim=config.embed_dim, depth=config.depth,
                                num_heads=config.num_heads)  # as pretrain.seeded_encoder
    return model_file_bytes([encoder], 4)


NO_DATA = ("no --pretrain-data given: make the episodes on a machine with pybullet "
           "(docs/device_check.md) and carry the folder")
DATA_KIND = "a folder of episode .npz files (vjepa-ros collect) or one such file"


def pretrain_data_problem(args, tiny: bool = False) -> str | None:
    """Return why the pretrain stage cannot read --pretrain-data (one line naming it), or None.

    The stage's own reading, done whole: the path exists and can be read, holds episode .npz
    files and no bags (the GPU machine has no rosbags), and every episode loads as
    ``vjepa-ros pretrain`` loads it (``pretrain_data.load_clip_segments`` at the config's
    ``frames_per_clip``: a damaged .npz, frames of different sizes, no episode a clip long are
    refused), with frames enough for the collapse monitors. ``args.pretrain_data`` None:
    :data:`NO_DATA`. A bad --pretrain-config is the caller's to refuse first
    (:func:`pretrain_config` raises).
    """
    if args.pretrain_data is None:
        return NO_DATA
    from vjepa_ros.input_paths import input_path
    from vjepa_ros.train.episodes import find_sources

    config = pretrain_config(args, tiny)
    given = Path(args.pretrain_data).expanduser()
    carried = "(was it carried? docs/device_check.md)"
    try:
        data = input_path(given, "--pretrain-data", f"{DATA_KIND} {carried}", folder=True)
    except ValueError as exc:
        return " ".join(str(exc).split())
    try:
        sources = find_sources([data])
    except ValueError as exc:
        return f"--pretrain-data {given}: {str(exc).removeprefix(f'{data}: ')} {carried}"
    bags = [source.path for source in sources if source.kind != "npz"]
    if bags:
        return (f"--pretrain-data {given}: {bags[0]} is a rosbag2 bag, which the GPU machine "
                f"cannot read (no rosbags): give {DATA_KIND}")
    from vjepa_ros.train.pretrain_data import load_clip_segments, spread_frames

    try:
        spread_frames(load_clip_segments([data], config.frames_per_clip, log=None),
                      config.monitor_frames)
    except (ValueError, OSError) as exc:
        return " ".join(f"--pretrain-data {given}: {exc}".split())
    return None


def failure_text(exc: BaseException) -> str:
    """Return what a stage's process prints for an error that ended it.

    One line for a user error (ValueError, OSError: a damaged episode, a file it cannot write):
    its message says what to do; the traceback for anything else (a bug to find in the log).
    """
    if isinstance(exc, ValueError | OSError):
        return f"failed: {one_line(exc)}"
    return "".join(traceback.format_exception(exc)).rstrip()


STAGE_FUNCTIONS = {"models": stage_models, "planner": stage_planner, "train": stage_train}

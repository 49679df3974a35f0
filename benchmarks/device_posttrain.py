"""The posttrain stage of benchmarks/device_check.py: the demo world model trained longer on a GPU.

Issue 15 (manipulation) needs a stronger demo world model than the CPU's 3000-step runs give
(docs/manipulation.md; the plan: docs/device_check.md, "What the next lent GPU should run").
Each ``--posttrain-runs`` item is one ``vjepa-ros train`` run, in a process of its own, side by
side on the one GPU, with the settings the packaged model was made with (config/demo_model.yaml,
its frozen seeded encoder) and:

- ``demo``: the packaged model's predictor post-trained further (``--init demo``);
- ``WxDxH`` (e.g. ``256x6x4``): a new predictor of that width, depth and heads on the packaged
  model's encoder (``--encoder demo --predictor-dim W --depth D --heads H``).

The steps are fitted to the stage's time: a probe trainer times ``PROBE_STEPS`` steps on the
device (its features cached on disk for the run), then the run gets as many steps as fit what is
left less a reserve, capped by ``--posttrain-steps``, so its learning-rate schedule
(warm-up, constant, linear decay: ``train.schedule``) ends where the time does. It trains in
``CHUNKS`` parts (its record updated after each); the step that ends past the deadline is its
last (``Trainer.train(deadline=...)``; a chunk's last step included), and it exports the model
it has (``cut`` in its record: the decay unfinished). The probe stops at the deadline too. A
SIGTERM (the parent's stop of a late run) or Ctrl-C ends the step, then the model it has is
exported likewise (``cut``, ``stopped``) before the stop goes on. ``--tiny`` (the dry run) goes
the same way with tiny numbers: a probe of ``TINY_PROBE_STEPS``, at most ``TINY_STEPS`` steps.
Writes ``posttrain_<run>.pt`` (the ``world_model.pt`` of the run, float16) under --out, its
numbers to the stage's ``runs``.

``--posttrain-data``: a folder of episode .npz files (``vjepa-ros collect``), or a ``.tar``,
``.tar.xz`` or ``.tar.gz`` of them (benchmarks/device_pack.py: the episodes fit the device
tool's 64 MiB carry only packed), unpacked once into the stage's temporary folder.
"""

from __future__ import annotations

import functools
import hashlib
import lzma
import re
import shlex
import shutil
import tarfile
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_CONFIG = ROOT / "config" / "demo_model.yaml"
DATA = ".device_data/manipulation.tar.xz"  # --posttrain-data when not given and there
DEFAULT_RUNS = ("demo", "256x6x4")
PROBE_STEPS = 40  # timed from step PROBE_WARM (the first steps compile and allocate)
PROBE_WARM = 10
VAL_FRACTION = 0.05  # of the episodes, held out for validation (make_manipulation_model.sh's)
VALIDATIONS = 12  # a run's validations: at the start, every tenth of the steps, at the end
CHUNKS = 10  # train(until=...) parts: the run's record is saved after each
RESERVE = 0.12  # of the time left after the probe: the run's trainer built again, the export
RESERVE_S = 15.0  # ... and at least this
TINY_STEPS = 3
TINY_BATCH = 2
TINY_PROBE_STEPS = 3  # --tiny's probe (the dry run goes through the probe and fitted steps)
TINY_PROBE_WARM = 1
PACKED = (".tar", ".tar.xz", ".tar.gz", ".tgz", ".txz")
DATA_KIND = ("a folder of episode .npz files (vjepa-ros collect) or a .tar, .tar.xz or .tar.gz "
             "of them (benchmarks/device_pack.py)")
# What a damaged archive raises while tarfile reads it: tarfile's own errors, a stream cut short,
# and each compression's (xz: LZMAError; gzip: zlib.error; bzip2: OSError) (breaker50f)
UNPACK_ERRORS = (tarfile.TarError, EOFError, OSError, lzma.LZMAError, zlib.error)
NO_DATA = ("no --posttrain-data given: pack the episodes with benchmarks/device_pack.py "
           "(docs/device_check.md) and carry the file")
TQDM_FIX = ("the posttrain stage needs tqdm (vjepa-ros train's progress), which this Python "
            "lacks: on a machine with pip, `pip download --no-deps tqdm -d "
            ".device_data/wheels`, carry .device_data/wheels and run scripts/device_check.sh "
            "(it puts the wheels there on PYTHONPATH)")


def run_spec(text: str) -> tuple[str, tuple[int, int, int] | None]:
    """Parse a ``--posttrain-runs`` item: ``demo`` or ``WIDTHxDEPTHxHEADS``.

    Returns ``(label, size)``: ``("demo", None)`` or e.g. ``("256x6x4", (256, 6, 4))``.
    Raises ValueError naming the item for anything else (a width that does not divide into its
    heads, a zero).
    """
    if text.lower() == "demo":
        return "demo", None
    match = re.fullmatch(r"(\d+)x(\d+)x(\d+)", text.lower())
    if not match:
        raise ValueError(f"--posttrain-runs {text}: give demo (the packaged model's predictor) "
                         "or a new predictor's WIDTHxDEPTHxHEADS, e.g. 256x6x4")
    width, depth, heads = (int(part) for part in match.groups())
    if min(width, depth, heads) < 1 or width % heads:
        raise ValueError(f"--posttrain-runs {text}: width {width}, depth {depth} and heads "
                         f"{heads} must be positive, the width a multiple of the heads")
    return f"{width}x{depth}x{heads}", (width, depth, heads)


def model_name(label: str) -> str:
    """Return the file name under --out of run ``label``'s world model: posttrain_<label>.pt."""
    return f"posttrain_{label}.pt"


def run_problem(spec: str) -> tuple[str | None, int]:
    """Return (why run ``spec`` cannot give a model back or None, its file's bytes).

    ``spec``: :func:`run_spec`'s label; the bytes: the packaged file's for ``demo``.

    A new predictor is built on the meta device (no memory) as ``vjepa-ros train`` builds it
    on the packaged encoder: hyper-parameters it refuses (heads too narrow for the 3D RoPE) are
    named, and so is a world model whose float16 file would pass the device tool's 16 MiB
    (``384x4x6``: 18.7 MB). torch is imported here.
    """
    import torch
    from device_runs import DEVICE_FILE_BYTES, model_file_bytes

    from vjepa_ros.input_paths import world_model_path
    from vjepa_ros.models import build_predictor

    label, size = run_spec(spec)
    if size is None:
        return None, world_model_path("demo").stat().st_size
    encoder = _packaged_encoder()
    enc = encoder.config
    try:
        with torch.device("meta"):
            predictor = build_predictor(
                embed_dim=enc.embed_dim, predictor_embed_dim=size[0], depth=size[1],
                num_heads=size[2], img_size=enc.img_size, patch_size=enc.patch_size,
                tubelet_size=enc.tubelet_size)
    except (ValueError, TypeError) as exc:
        return f"--posttrain-runs {label}: vjepa-ros train cannot build it: {exc}", 0
    file_bytes = model_file_bytes([encoder, predictor], 2)  # float16 (config/demo_model.yaml)
    if file_bytes > DEVICE_FILE_BYTES:
        return (f"--posttrain-runs {label}: its world model would be a {file_bytes / 1e6:.1f} MB "
                f"file (float16), more than the {DEVICE_FILE_BYTES / 2**20:.0f} MiB the device "
                "tool brings back: give a smaller predictor (256x6x4: 13.8 MB)"), file_bytes
    return None, file_bytes


@functools.cache
def _packaged_encoder():
    """Return the packaged demo model's encoder (read once for all the runs checked)."""
    from vjepa_ros.input_paths import world_model_path
    from vjepa_ros.models.checkpoint import load_world_model

    return load_world_model(world_model_path("demo")).encoder


def train_argv(spec: str, data: Path, out: Path, cache: Path, device: str, batch: int,
               steps: int, every: int | None = None) -> list[str]:
    """Return the ``vjepa-ros train`` command line (without ``vjepa-ros``) of run ``spec``.

    What a person would type to repeat the run (with paths of their own). Validation on 5 % of
    the episodes every ``every`` steps (default: a tenth of the steps).
    """
    _, size = run_spec(spec)
    model = (["--init", "demo"] if size is None else
             ["--encoder", "demo", "--predictor-dim", str(size[0]), "--depth", str(size[1]),
              "--heads", str(size[2])])
    every = every or max(1, steps // 10)
    return ["train", "--data", str(data), "--out", str(out), "--config", str(DEMO_CONFIG),
            *model, "--device", device, "--batch-size", str(batch), "--steps", str(steps),
            "--val-fraction", str(VAL_FRACTION), "--eval-every", str(every),
            "--save-every", str(steps), "--feature-cache", str(cache), "--quiet"]


def trainer_for(argv: list[str]):
    """Build the Trainer ``vjepa-ros train`` builds for ``argv`` (its parser and checks)."""
    from vjepa_ros.cli import build_parser
    from vjepa_ros.train.command import config_from_args
    from vjepa_ros.train.prepare import build_trainer

    config = config_from_args(build_parser().parse_args(argv))
    return build_trainer(config, log=lambda line: print(line, flush=True))


def fitted_steps(rate_s: float, left_s: float, cap: int | None) -> int:
    """Return the steps of ``rate_s`` seconds each that fit ``left_s`` less the reserve.

    The reserve (``RESERVE`` of it, at least ``RESERVE_S``) pays for building the run's trainer
    again and the export; the caller takes the validations' time off ``left_s`` first. At
    least 1 step; at most ``cap`` when given.
    """
    usable = left_s - max(RESERVE_S, RESERVE * left_s)
    steps = max(1, int(usable / rate_s)) if rate_s > 0 else 1
    return min(steps, cap) if cap else steps


def unpacked(data: Path, tmp: Path) -> Path:
    """Return a folder of the episodes of ``data``: itself, or the tar unpacked in ``tmp``.

    A tar is unpacked with tarfile's ``data`` filter (no absolute paths, links out of the folder
    or devices) into ``tmp/episodes``, once (a second call finds it). Raises ValueError naming the
    file for a tar that cannot be read (damaged, truncated: :data:`UNPACK_ERRORS`), the half
    unpacked folder removed.
    """
    if data.is_dir():
        return data
    folder = tmp / "episodes"
    if (folder / ".unpacked").exists():
        return folder
    try:
        with tarfile.open(data) as tar:
            if hasattr(tarfile, "data_filter"):  # Python 3.10.12+, 3.11.4+, 3.12
                tar.extractall(folder, filter="data")
            else:  # the same rule for what a pack holds: plain files at relative paths
                for member in tar.getmembers():
                    parts = Path(member.name).parts
                    if not member.isfile() or Path(member.name).is_absolute() or ".." in parts:
                        raise tarfile.TarError(f"{member.name} is not a plain file inside it")
                tar.extractall(folder)
    except UNPACK_ERRORS as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise ValueError(f"--posttrain-data {data}: cannot be unpacked ({exc}); pack it again "
                         "with benchmarks/device_pack.py") from None
    (folder / ".unpacked").touch()
    return folder


def posttrain_data_problem(given: str | None, tmp: Path) -> str | None:
    """Return why the posttrain stage cannot read ``given`` (one line naming it), or None.

    The stage's own reading: a folder or a tar (unpacked into ``tmp``: :func:`unpacked`, which
    the stage then finds there) of episode .npz files, no bags (the GPU machine has no
    rosbags), every episode readable as ``vjepa-ros train`` reads it (its clips of
    config/demo_model.yaml's frames). ``given`` None: :data:`NO_DATA`.
    """
    if given is None:
        return NO_DATA
    import numpy as np

    from vjepa_ros.input_paths import input_path
    from vjepa_ros.train.config import config_from_yaml, make_config
    from vjepa_ros.train.episodes import ShortSourceError, find_sources, load_segments

    path = Path(given).expanduser()
    carried = "(was it carried? docs/device_check.md)"
    try:
        path = input_path(path, "--posttrain-data", f"{DATA_KIND} {carried}", folder=True)
        if path.is_file() and not path.name.lower().endswith(PACKED):
            return f"--posttrain-data {given}: give {DATA_KIND}"
        folder = unpacked(path, tmp)
        sources = find_sources([folder])
    except ValueError as exc:
        return " ".join(str(exc).split())
    bags = [source.path for source in sources if source.kind != "npz"]
    if bags:
        return (f"--posttrain-data {given}: {bags[0].name} is a rosbag2 bag, which the GPU "
                f"machine cannot read (no rosbags): give {DATA_KIND}")
    data = make_config(config_from_yaml(DEMO_CONFIG)).data
    usable = set()  # digests of the steps: train reads a copy of an episode once
    for source in sources:
        try:
            segments = load_segments(source, data)[0]
        except ShortSourceError:
            continue  # train leaves a short episode out with a note, as here
        except (ValueError, OSError) as exc:  # EpisodeError: a ValueError
            return " ".join(f"--posttrain-data {given}: {exc}".split())
        if segments:
            digest = hashlib.sha1()
            for segment in segments:
                for part in (segment.frames, segment.states, segment.actions):
                    digest.update(np.ascontiguousarray(part).tobytes())
            usable.add(digest.hexdigest())
    if len(usable) < 2:  # the run holds whole episodes out for validation (--val-fraction)
        return (f"--posttrain-data {given}: {len(usable)} of its {len(sources)} episode(s) "
                f"hold a clip of {data.frames_per_clip} frames at {data.rate_hz:g} Hz (copies "
                "of one counted once, as train reads them): a run holds one out for "
                "validation and trains on the others; give at least 2")
    return None


def stage_posttrain_run(ctx, record: dict, save, spec: str, data: Path) -> None:
    """Post-train run ``spec`` on the episodes in folder ``data``; its numbers to record["runs"].

    ``ctx``: device_stages.Context (device, tiny, deadline, args: out, posttrain_batch,
    posttrain_steps). The model to ``<out>/posttrain_<label>.pt``.
    """
    label, _ = run_spec(spec)
    # latest.pt, logs and features outside --out: the device tool brings back 8 files at most
    work = Path(tempfile.mkdtemp(prefix=f"posttrain_{label}_"))
    try:
        _posttrain(ctx, record, save, spec, label, data, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _posttrain(ctx, record: dict, save, spec: str, label: str, data: Path, work: Path) -> None:
    from vjepa_ros.train.stop_request import InterruptedMidStep

    args = ctx.args
    cache = work / "features"
    batch = TINY_BATCH if ctx.tiny else args.posttrain_batch
    run = {"run": label, "batch_size": batch, "steps": None, "steps_done": 0, "file": None,
           "cut": False, "complete": False}
    record["runs"].append(run)
    save()
    # --tiny (the dry run) goes the same way with tiny numbers: probe, fitted steps, deadline
    steps = fitted_steps(*_probe(ctx, run, spec, data, work, cache, batch),
                         args.posttrain_steps or (TINY_STEPS if ctx.tiny else None))
    argv = train_argv(spec, data, work / "run", cache, ctx.device, batch, steps)
    # its paths (--data, --out, --feature-cache) are the machine's temporary folders
    run.update(steps=steps, command=shlex.join(["vjepa-ros", *argv]))
    print(f"{label}: {steps} steps of {batch} clips: {run['command']}", flush=True)
    save()
    trainer = trainer_for(argv)
    started = time.perf_counter()
    chunk = max(1, steps // CHUNKS)
    stopped = None
    try:
        while trainer.step < steps:
            target = min(steps, trainer.step + chunk)
            summary = trainer.train(until=target, deadline=ctx.deadline)
            run.update(steps_done=trainer.step, val=summary["val"],
                       train_loss=summary["train_loss"], copy_baseline=summary["copy_baseline"],
                       seconds=round(time.perf_counter() - started, 2))
            save()
            if trainer.past_deadline and trainer.step < steps:  # at a chunk's last step too
                run["cut"] = True  # the model as it is, the decay unfinished
                break
    except InterruptedMidStep:
        raise  # a second Ctrl-C within a step: the model may be half updated, none exported
    except KeyboardInterrupt as exc:  # the parent's SIGTERM (Terminated) or Ctrl-C: the step
        stopped = exc  # ended and latest.pt saved; the model as it is exported, then re-raised
        run.update(cut=True, stopped=f"signal ({type(exc).__name__})",  # as pretrain's
                   steps_done=trainer.step)
    run["seconds"] = round(time.perf_counter() - started, 2)
    out = Path(args.out) / model_name(label)
    trainer.export(out)
    run.update(file=out.name, s_per_step=round(run["seconds"] / max(1, trainer.step), 5),
               complete=trainer.step == steps,
               val_curve=[[row["step"], row["loss"]] for row in trainer.history["val"]])
    print(f"{label}: {trainer.step}/{steps} steps, validation {run.get('val')}, "
          f"'nothing moves' {run.get('copy_baseline')}, file {out.name}", flush=True)
    save()
    if stopped is not None:
        raise stopped


def _probe(ctx, run: dict, spec: str, data: Path, work: Path, cache: Path,
           batch: int) -> tuple[float, float]:
    """Time the run's steps with a probe trainer; return (s/step, seconds left for its steps).

    ``PROBE_STEPS`` steps timed from ``PROBE_WARM`` (--tiny: ``TINY_PROBE_STEPS`` from
    ``TINY_PROBE_WARM``) and one validation, both into ``run``; the seconds left: the stage's,
    less ``VALIDATIONS`` validations. Stops at the deadline as the run does; cut there before its
    warm-up ended, it times every step it did (never a rate of 0 s/step).
    """
    import torch

    probe_steps, warm = ((TINY_PROBE_STEPS, TINY_PROBE_WARM) if ctx.tiny else
                         (PROBE_STEPS, PROBE_WARM))
    # the run's own data and split: the probe also times one validation (the run does
    # up to VALIDATIONS of them, at the start, every tenth and at the end)
    probe = trainer_for(train_argv(spec, data, work / "probe", cache, ctx.device, batch,
                                   probe_steps, every=probe_steps))
    # its files are not used: its end-of-call writes (checkpoint, export, log.json and
    # the plot: 5-7 ms per probed step here) stay out of its s/step (breaker44q)
    probe.save_checkpoint = probe.export = probe.write_logs = lambda *args, **kwargs: None
    first = time.perf_counter()
    probe.train(until=warm, deadline=ctx.deadline)
    started, warm = time.perf_counter(), probe.step
    probe.train(until=probe_steps, deadline=ctx.deadline)  # ends with a validation
    window = time.perf_counter() - started
    if probe.step <= warm:  # cut before its warm-up ended: every step it did, warm-up included
        window, warm = time.perf_counter() - first, 0  # (slower: fewer steps, none past time)
    started = time.perf_counter()
    probe.validate()
    run["probe_val_s"] = round(time.perf_counter() - started, 3)
    run["probe_s_per_step"] = round(max(1e-5, window - run["probe_val_s"])
                                    / max(1, probe.step - warm), 5)
    del probe
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return run["probe_s_per_step"], ctx.left() - VALIDATIONS * run["probe_val_s"]

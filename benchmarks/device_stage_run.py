"""Run one device_check.py stage: in its process, or in child processes, and the child's side.

:func:`run_stage` (the parent: the stage in this process with ``--in-process``, else one
``device_check.py --child`` process per stage, pretraining seed or post-training run, side by
side: :func:`child_command`), :func:`child_main` (a child: the stage or its one seed or run,
its record written to ``--child-json`` and published into --out's device_check.json as it
grows). The processes themselves, the results file and the log: device_runs.py.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path

import device_posttrain as posttrain
import device_stages as stages
from device_runs import RESULTS, Log, Results, finish_status, publish, run_children

from vjepa_ros.threads import set_torch_threads

SCRIPT = Path(__file__).resolve().with_name("device_check.py")  # what a child runs
MULTI = ("pretrain", "posttrain")  # one process per seed or run each; SHARES: none
PUBLISH_LOCK = "results.lock"  # in the parent's temporary folder: the children's publish()


def child_command(args, stage: str, deadline_s: float, result_file: Path,
                  item: int | str | None = None, data: Path | None = None) -> list[str]:
    """Return the command of one stage's process (``item``: its pretraining seed or run)."""
    command = [sys.executable, str(SCRIPT), "--child", stage,
               "--child-json", str(result_file), "--child-deadline-s", f"{deadline_s:.1f}",
               "--device-name", args.device_name]
    if item is not None:
        command += ["--child-seed" if stage == "pretrain" else "--child-run", str(item),
                    "--child-data", str(data)]
    for option in ("out", "budget_s", "peak_tflops", "pretrain_config", "pretrain_steps",
                   "pretrain_batch", "posttrain_steps", "posttrain_batch", "threads"):
        value = getattr(args, option)
        if value is not None:
            command += [f"--{option.replace('_', '-')}", str(value)]
    return command + (["--tiny"] if args.tiny else []) + (["--allow-cpu"] if args.allow_cpu
                                                          else [])


def run_stage(name: str, ctx: stages.Context, results: Results, log: Log, tmp: Path) -> None:
    """Run stage ``name`` in this process or in child process(es); record it in ``results``."""
    record = results.stage(name)
    args = ctx.args
    started = time.monotonic()
    data = None
    if name in MULTI:  # --pretrain-data / --posttrain-data were checked whole by parse_args
        given = args.pretrain_data if name == "pretrain" else args.posttrain_folder
        if given is not None:
            data = Path(given).expanduser().resolve()
            shown = args.pretrain_data if name == "pretrain" else args.posttrain_data
            log.line(f"{name}: episodes of --{name}-data {shown}")
        elif ctx.tiny:
            from vjepa_ros.train.synthetic import write_blob_episodes

            data = tmp / "blob_episodes"
            if not data.is_dir():
                write_blob_episodes(data, 3, frames=8, size=64)
            log.line(f"{name}: synthetic blob episodes (--tiny without --{name}-data)")
        else:
            reason = stages.NO_DATA if name == "pretrain" else posttrain.NO_DATA
            record.update(status="skipped", reason=reason)
            log.line(f"{name}: skipped: {reason}")
            results.save()
            return
        record.update(runs=[], data=str(data))
    log.line(f"== {name}: {ctx.left():.0f} s")
    if args.in_process:
        def save():
            results.save()

        returncode = 0
        try:
            with contextlib.redirect_stdout(log):  # the stage's lines into the log too
                if name == "pretrain":
                    for seed in args.pretrain_seeds:
                        stages.stage_pretrain_seed(ctx, record, save, seed, data)
                elif name == "posttrain":  # one after the other: each its share of the time
                    for index, spec in enumerate(args.posttrain_runs):
                        share = ctx.left() / (len(args.posttrain_runs) - index)
                        posttrain.stage_posttrain_run(
                            stages.Context(ctx.device, ctx.tiny, time.monotonic() + share,
                                           args), record, save, spec, data)
                else:
                    stages.STAGE_FUNCTIONS[name](ctx, record, save)
        except Exception as exc:  # noqa: BLE001  (record it; the next stage still runs)
            log.line(stages.failure_text(exc))
            record.update(status="failed", reason=stages.one_line(exc))
            returncode = 1
        outcome = {name: (returncode, False)}
    else:
        items = {"pretrain": [f"s{seed}" for seed in args.pretrain_seeds],
                 "posttrain": args.posttrain_runs}.get(name, [None])
        labels = {(f"{name} {item}" if item else name): item for item in items}
        files = {label: tmp / f"{label.replace(' ', '_')}.json" for label in labels}
        results.save()  # the stage as running; its children publish into it as they save
        commands = {}
        for label, item in labels.items():
            item = item.removeprefix("s") if name == "pretrain" else item
            commands[label] = child_command(args, name, ctx.left(), files[label], item, data)
        outcome = run_children(commands, ctx.left(), log)
        for label, path in files.items():
            part = json.loads(path.read_text()) if path.exists() else {}
            if name in MULTI:
                record["runs"] += part.get("runs", [])
                if part.get("status") == "failed":
                    record.update(status="failed", reason=f"{label}: {part.get('reason')}")
            else:
                record.update(part)
    codes = [code for code, _ in outcome.values()]
    finish_status(record, max(codes, key=abs), any(late for _, late in outcome.values()))
    record["seconds"] = round(time.monotonic() - started, 1)
    log.line(f"== {name}: {record['status']}" + (f" ({record['reason']})" if record["reason"]
                                                  else "") + f", {record['seconds']} s")
    results.save()


def child_main(args) -> int:
    """Run one stage (or one pretraining seed) here; its record to --child-json as it grows.

    Each save also puts the record into --out's device_check.json (``device_runs.publish``).
    """
    path = Path(args.child_json)
    record = {"status": "running", "reason": None, "rows": []}
    if args.child in MULTI:
        record["runs"] = []

    def save():  # $OUT's JSON first: the parent's copy never shows more than $OUT does
        from vjepa_ros.atomic_files import write_text

        try:
            publish(Path(args.out), path.parent / PUBLISH_LOCK, args.child, record)
        except OSError as exc:  # the parent still merges this file at the end
            print(f"device_check: {RESULTS} not updated ({stages.one_line(exc)})", flush=True)
        write_text(path, json.dumps(record, default=str))

    deadline = time.monotonic() + args.child_deadline_s
    ctx = stages.Context(args.device_name, args.tiny, deadline, args)
    if args.child in MULTI or ctx.device == "cpu":
        set_torch_threads(args.threads)  # None: OMP_NUM_THREADS, else all cores but one
    try:
        if args.child == "pretrain":
            stages.stage_pretrain_seed(ctx, record, save, args.child_seed, Path(args.child_data))
        elif args.child == "posttrain":
            posttrain.stage_posttrain_run(ctx, record, save, args.child_run,
                                          Path(args.child_data))
        else:
            stages.STAGE_FUNCTIONS[args.child](ctx, record, save)
    except Exception as exc:  # noqa: BLE001
        print(stages.failure_text(exc), flush=True)
        record.update(status="failed", reason=stages.one_line(exc))
        save()
        return 1
    save()
    return 0

"""How ``device_check.py`` runs its stages' processes and records what they did.

:class:`Results` (device_check.json, written whole after every change), :class:`Log` (lines to
stdout and device_check.log from several threads), :func:`run_children` (child processes side
by side, stopped past their deadline), :func:`publish` (a child's record into device_check.json
as it grows), :func:`finish_status` (a stage's status from its rows and how its processes
ended) and :func:`summary` (the lines worth quoting at the end).
"""

from __future__ import annotations

import datetime
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

# The device tool's limits (/work/.library/device/README.md): the files it brings back from
# $OUT, and the working tree with the carried paths
DEVICE_FILES = 8
DEVICE_FILE_BYTES = 16 * 2**20
DEVICE_TOTAL_BYTES = 64 * 2**20
DEVICE_CARRY_BYTES = 64 * 2**20
FILE_OVERHEAD_BYTES = 200_000  # a model file beyond its weights (config, curves; ~40 kB seen)
GRACE_S = 20.0  # a child past its deadline this long is stopped (SIGTERM, then SIGKILL)
KILL_WAIT_S = 15.0  # ... and SIGKILL this long after the SIGTERM
RESULTS, LOG = "device_check.json", "device_check.log"


class Results:
    """device_check.json under ``out``, written whole after every change."""

    def __init__(self, out: Path, args):
        self.path = out / RESULTS
        self.lock = threading.Lock()
        self.data = {"started": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"), "command": sys.argv[1:], "budget_s": args.budget_s,
            "tiny": args.tiny, "env": {}, "stages": {}}

    def stage(self, name: str) -> dict:
        return self.data["stages"].setdefault(name, {"status": "running", "reason": None,
                                                     "rows": []})

    def save(self) -> None:
        from vjepa_ros.atomic_files import write_text

        with self.lock:
            write_text(self.path, json.dumps(self.data, indent=1, default=str))


class Log:
    """Lines to stdout and to device_check.log, from several threads."""

    def __init__(self, path: Path):
        self.file = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
        self.lock = threading.Lock()

    def line(self, text: str) -> None:
        with self.lock:
            sys.__stdout__.write(text + "\n")
            sys.__stdout__.flush()
            self.file.write(text + "\n")

    def write(self, text: str) -> int:  # as sys.stdout for a stage run in this process
        with self.lock:
            sys.__stdout__.write(text)
            self.file.write(text)
        return len(text)

    def flush(self) -> None:
        sys.__stdout__.flush()


def publish(out: Path, lock: Path, name: str, record: dict) -> None:
    """Copy a child process's ``record`` into ``out``'s device_check.json, stage ``name``.

    So that a call cut short from outside (the device tool's timeout) still brings back every
    child's numbers as of its last save, not only those of the children that ended. A record
    with ``runs`` (pretrain, posttrain: one process per seed or run) puts each run in place of
    the stage's run of the same seed or run name, else adds it; any other record updates the
    stage. Under an exclusive ``flock`` of ``lock`` (children side by side; the parent writes
    the file only before they start and after they end); written atomically. A file that is
    not there or not JSON is left alone: the parent merges the children's files at the end.
    Raises OSError when the file cannot be written.
    """
    import fcntl

    from vjepa_ros.atomic_files import write_text

    path = Path(out) / RESULTS
    with open(lock, "a", encoding="utf-8") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # released when the file closes (or the child dies)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            stage = data["stages"].setdefault(name, {"status": "running", "reason": None,
                                                      "rows": []})
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return
        if "runs" not in record:
            stage.update(record)
        else:
            runs = stage.setdefault("runs", [])
            for run in record["runs"]:
                same = [index for index, old in enumerate(runs) if _run_key(old) == _run_key(run)]
                if same:
                    runs[same[0]] = run
                else:
                    runs.append(run)
        write_text(path, json.dumps(data, indent=1, default=str))


def _run_key(run: dict) -> tuple:
    """Return what names a run in a stage's ``runs``: its pretraining seed or run name."""
    return ("seed", run["seed"]) if "seed" in run else ("run", run.get("run"))


def run_children(commands: dict, deadline_s: float, log: Log) -> dict:
    """Run ``commands`` {label: argv} side by side, their output to ``log`` prefixed by label.

    Each is stopped ``GRACE_S`` after ``deadline_s`` (SIGTERM, then SIGKILL ``KILL_WAIT_S``
    later).
    Returns {label: (exit status, timed out)}.
    """
    processes, readers = {}, []
    for label, command in commands.items():
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, bufsize=1)
        processes[label] = process

        def read(process=process, label=label):
            for line in process.stdout:
                log.line(f"[{label}] {line.rstrip()}")

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        readers.append(reader)
    stop_at = time.monotonic() + deadline_s + GRACE_S
    outcome = {}
    for label, process in processes.items():
        timed_out = False
        try:
            process.wait(timeout=max(0.1, stop_at - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out = True
            log.line(f"[{label}] past its deadline by {GRACE_S:.0f} s: stopping it")
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=KILL_WAIT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        outcome[label] = (process.returncode, timed_out)
    for reader in readers:
        reader.join(timeout=5)
    return outcome


def model_file_bytes(modules, bytes_per_weight: int) -> int:
    """Bytes of a file of ``modules``' weights at ``bytes_per_weight`` (2: float16, 4: float32).

    An estimate, from the parameters alone (modules built on the meta device take no memory),
    plus :data:`FILE_OVERHEAD_BYTES`; within 3 % of the files written (test_breaker39b).
    """
    weights = sum(p.numel() for module in modules for p in module.parameters())
    return bytes_per_weight * weights + FILE_OVERHEAD_BYTES


def finish_status(record: dict, returncode: int, timed_out: bool) -> None:
    """Set a stage's status from its rows and how its process(es) ended."""
    if timed_out:
        record["status"] = "timeout"
        record["reason"] = record.get("reason") or "stopped past its deadline; rows kept"
    elif returncode != 0 and record.get("status") != "failed":
        record["status"] = "failed"
        record["reason"] = record.get("reason") or f"exit status {returncode} (see the log)"
    elif record.get("status") not in ("failed", "skipped"):
        incomplete = record.get("skipped") or record.get("errors") or any(
            not run.get("complete") for run in record.get("runs", []))
        record["status"] = "partial" if incomplete else "done"
        if record.get("errors"):
            record["reason"] = f"{record['errors']} item(s) failed (see rows and the log)"
        elif record.get("skipped"):
            record["reason"] = "budget spent before: " + ", ".join(record["skipped"])
        elif incomplete:
            record["reason"] = "a run stopped before its last step"


def summary(stages: dict) -> list[str]:
    """Return one line per measured number worth quoting (the end of the log, the tool's tail)."""
    lines = []
    for name, record in stages.items():
        lines.append(f"{name}: {record['status']}" + (f" ({record['reason']})"
                                                     if record.get("reason") else ""))
        for row in record.get("rows", []):
            if "error" in row:
                lines.append(f"  {row['item']}: {row['error']}")
            elif "ms" in row:
                lines.append(f"  {row['what']} {row['model']} {row['dtype']} {row['input']}: "
                             f"{row['ms']:.1f} ms, peak extra {row['peak_extra']}")
            elif "case" in row:
                lines.append(f"  plan {row['case']} {row['settings']}: fast {row['fast'].strip()}"
                             f", reference {row['reference'].strip()}, speedup {row['speedup']}, "
                             f"floor {row['floor']}")
            elif "step_s" in row:
                lines.append(f"  train {row['model']} {row['device']} {row['dtype']}: encode "
                             f"{row['encode_ms']:.1f} ms/frame, step {row['step_s'] * 1e3:.0f} ms"
                             f" ({row['step_ckpt_s'] * 1e3:.0f} ms checkpointing), peak GiB "
                             f"{row['peak_gib']}")
        if record.get("capped"):
            lines.append(f"  {record['capped']}")
        for run in record.get("runs", []):
            ends = run.get("monitors_start"), run.get("monitors_end")
            rank = (f", rank {ends[0]['effective_rank']:.1f} -> {ends[1]['effective_rank']:.1f}"
                    if all(ends) else "")
            loss = ""
            if run.get("loss_last") is not None:
                loss = (f", loss {run['loss_first']:.4f} (step 1) -> {run['loss_last']:.4f} "
                        f"(step {run['steps_done']})")
            if run.get("loss_window", 0) > 1:
                loss += (f", means of the first/last {run['loss_window']} steps "
                         f"{run['loss_first_mean']:.4f} -> {run['loss_last_mean']:.4f}")
            if "seed" not in run:  # a post-training run (device_posttrain.py)
                lines.append(posttrain_line(run))
                continue
            lines.append(f"  pretrain seed {run['seed']} batch {run['batch_size']}: "
                         f"{run['steps_done']}/{run['steps']} steps, "
                         f"{run.get('s_per_step', '?')} s/step{loss}{rank}, "
                         f"{run.get('warnings', '?')} collapse warnings, file {run['file']}")
    return lines


def posttrain_line(run: dict) -> str:
    """One post-training run's summary line: steps, rate, validation against "nothing moves"."""
    val = run.get("val") or {}
    fit = ""
    if val.get("jloss") is not None and run.get("copy_baseline"):
        fit = (f", validation teacher forcing {val['jloss']:.4f} against "
               f"{run['copy_baseline']:.4f} for 'nothing moves' "
               f"({val['jloss'] / run['copy_baseline']:.2f}x), rollout "
               f"{val['sloss']:.4f}")
    cut = " (cut at the deadline: its decay unfinished)" if run.get("cut") else ""
    return (f"  posttrain {run['run']} batch {run['batch_size']}: {run['steps_done']}/"
            f"{run['steps']} steps{cut}, {run.get('s_per_step', '?')} s/step (probe "
            f"{run.get('probe_s_per_step', '-')}){fit}, file {run['file']}")

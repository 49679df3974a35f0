"""The lines ``vjepa-ros train`` prints at its end: the summary, an error, a stop (Ctrl-C).

Used by :func:`vjepa_ros.train.command.cmd_train`; each returns text, printing nothing.
"""

from __future__ import annotations

import shlex
from pathlib import Path


def error_text(exc: BaseException, trainer, config) -> str:
    """Return the line for ``exc``; a failed allocation names ``--batch-size`` and what to do."""
    from vjepa_ros.planning.memory import is_out_of_memory

    if config is None or not is_out_of_memory(exc):
        from vjepa_ros.path_text import one_line

        return one_line(str(exc))  # a path's two spaces in a row kept
    where = f" at step {trainer.step + 1}" if trainer is not None else ""
    return (f"out of memory{where} with --batch-size {config.batch_size}: give a smaller "
            "--batch-size "
            "(--accumulate N keeps the clips per step), --activation-checkpointing, or free "
            "memory")


def resume_advice(out, world_size: int, per_node: int | None = None) -> str:
    """Return the command that resumes the run in ``out`` with ``world_size`` processes in all.

    One process: ``vjepa-ros train --out RUN --resume``. Several: the torchrun line on one
    machine (``per_node`` = ``world_size``, torchrun's ``LOCAL_WORLD_SIZE``); on several
    machines (``per_node`` fewer) the same torchrun line on each node with ``--resume``;
    ``per_node`` None (not known): both. A resume with another count is refused
    (``resume_checks.check_world_size``): the sampler's global batch depends on it.
    """
    tail = f"train --out {shlex.quote(str(out))} --resume"
    if world_size <= 1:
        return f"vjepa-ros {tail}"
    machine = f"torchrun --standalone --nproc_per_node {world_size} -m vjepa_ros.cli {tail}"
    nodes = "the same torchrun line on each node with --resume"
    if per_node is not None and per_node >= world_size:
        return machine
    if per_node is None or world_size % per_node:
        return (f"{machine} (on several machines: {nodes}, --nnodes x --nproc_per_node = "
                f"{world_size})")
    return (f"{nodes} (--nnodes {world_size // per_node} x --nproc_per_node {per_node} = "
            f"{world_size} processes in all)")


def stop_line(word: str, trainer, exc: KeyboardInterrupt) -> str:
    """Return what a run that ``exc`` stopped saved and how to continue it (the line's tail).

    ``word``: ``terminate.stopped_by``'s. A stop between steps saved ``latest.pt`` at the step
    reached (the command that continues it: :func:`resume_advice`, the torchrun line under
    torchrun); a second Ctrl-C within a step (``stop_request.InterruptedMidStep``) saved nothing
    (the model was half updated): the line says which step ``latest.pt`` still holds, or that
    there is none and nothing to resume. A stop during the final writes of a complete run
    (``Trainer.exported_step``: world_model.pt written at the step reached) says it is complete.
    """
    from vjepa_ros.train.distributed import processes_on_host
    from vjepa_ros.train.stop_request import InterruptedMidStep

    latest, world = trainer.files["latest"], trainer.topology.world_size
    try:
        per_node = processes_on_host() if world > 1 else 1
    except ValueError:  # LOCAL_WORLD_SIZE not a number (torchrun's is): both lines
        per_node = None
    resume = f"continue with: {resume_advice(trainer.out, world, per_node)}"
    if getattr(trainer, "exported_step", None) == trainer.step:  # during the final writes
        return (f"{word} during the final writes, which were completed: the run is complete "
                f"at step {trainer.step}: {trainer.files['world_model']} and {latest} written")
    if not isinstance(exc, InterruptedMidStep):
        return f"{word} at step {trainer.step}; {latest} saved, {resume}"
    head = (f"{word} at once in the middle of step {exc.step}, not saved (its update was half "
            "done)")
    if trainer.saved_step is None:
        return f"{head}; no latest.pt was saved yet: nothing to resume, start the run again"
    return f"{head}; {latest} still holds step {trainer.saved_step}, {resume}"


def summary_lines(summary: dict, config) -> list[str]:
    """Return the lines a finished (or stopped) run prints.

    The throughput is over this session's steps and seconds (``steps_run``, ``seconds``): a
    resumed run counts the steps it ran, not those of the sessions before it.
    """
    seconds = summary["seconds"]
    run = summary.get("steps_run", summary["step"])
    rate = run / seconds if seconds > 0 else float("nan")
    batch = summary.get("batch", config.batch_size)
    resumed = summary["step"] - run
    since = f" ({run} since step {resumed}, resumed)" if resumed else ""
    lines = [f"done        step {summary['step']}/{summary['steps']}{since} in {seconds:.1f} s "
             f"({rate:.2f} steps/s, {rate * batch:.1f} clips/s)"]
    loss = f"loss        train {summary['train_loss']:.4f} (mean of the last 10 % of steps)"
    val = summary.get("val")
    if val:
        loss += (f"; val {val['loss']:.4f} = teacher forcing {val['jloss']:.4f} + rollout "
                 f"{val['sloss']:.4f}")
    lines.append(loss)
    if summary.get("copy_baseline") is not None:
        lines.append(f"baseline    val teacher-forcing L1 of 'nothing moves' (frame t as t+1): "
                     f"{summary['copy_baseline']:.4f}")
    files = []
    for name, path in summary["files"].items():
        text = str(path)
        if name == "world_model":
            size = Path(path).stat().st_size / 2**20
            text += f" ({size:.1f} MB, {config.export_dtype})"
        files.append(text)
    lines.append(f"written     {', '.join(files)}")
    return lines

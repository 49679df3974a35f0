"""Resuming a training run: its ``latest.pt`` read, the settings it may change, refusals.

:func:`read_latest` reads ``<out>/latest.pt`` (FileNotFoundError / CheckpointError saying what
the file is instead, or that it is damaged: :func:`damaged_latest`); :func:`resume_config`
applies this command's settings, of which only :data:`RESUME_CHANGEABLE` may differ;
:func:`check_resumable` refuses a run with no step left and :func:`check_world_size` one written
by another number of processes (ConfigError, one line); :func:`config_of_checkpoint` is the
stored run's ``TrainConfig``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from vjepa_ros.config import ConfigError, flatten
from vjepa_ros.models import CheckpointError
from vjepa_ros.models.checkpoint import read_checkpoint_file
from vjepa_ros.models.errors import UnreadableCheckpointError
from vjepa_ros.train.command_lines import resume_advice
from vjepa_ros.train.config import TrainConfig, absolute_paths, make_config
from vjepa_ros.train.features import tail_window
from vjepa_ros.train.predictor_init import is_pretrain_encoder
from vjepa_ros.train.run_files import run_files

# Settings a resumed run may change; any other difference to the stored run is refused.
RESUME_CHANGEABLE = ("steps", "eval_every", "save_every", "progress", "device", "threads",
                     "dtype", "export_dtype", "activation_checkpointing", "data.feature_cache",
                     "data.feature_cache_dir", "data.encode_batch", "data.val_clips")


def resume_config(stored: TrainConfig, overrides: dict) -> TrainConfig:
    """Return the stored run's config with ``overrides`` (dotted keys) applied.

    Only :data:`RESUME_CHANGEABLE` settings may differ from the stored ones: anything else
    (data, model, optimizer, seed) would not continue the same run.
    """
    merged = make_config(dataclasses.asdict(stored), overrides)
    # Paths compare as paths: run, run/, ./run and /abs/run are one folder. A run stores them
    # absolute; an older run's relative ones are taken from the working directory.
    before = {name: value for name, value, _ in flatten(absolute_paths(stored, resolve=True))}
    shown_before = {name: value for name, value, _ in flatten(stored)}
    # "out": the folder latest.pt was just read from, however it is written.
    changed = [name for name, value, _ in flatten(absolute_paths(merged, resolve=True))
               if before[name] != value and name not in RESUME_CHANGEABLE + ("out",)]
    if changed:
        shown = ", ".join(f"{n} (stored {shown_before[n]!r})" for n in changed[:4])
        latest = run_files(Path(merged.out).expanduser())["latest"]
        raise ConfigError(f"cannot change {shown} when resuming; only "
                          f"{', '.join(RESUME_CHANGEABLE)} may change; to train with other "
                          "settings (a fresh learning-rate schedule) start a new run from this "
                          f"one's predictor: --init {latest} --out NEW_DIR")
    return absolute_paths(merged)


def read_latest(out) -> tuple[Path, dict]:
    """Return (the path, the loaded state) of the ``latest.pt`` of the run in folder ``out``.

    Raises FileNotFoundError (none there) and CheckpointError, one line each: a file that is
    no training checkpoint of vjepa-ros train (saying what it is), one that does not read at
    all (:func:`damaged_latest`).
    """
    path = run_files(Path(out).expanduser())["latest"]
    if not path.is_file():
        raise FileNotFoundError(f"nothing to resume: {path} does not exist: give the --out of "
                                "the run to continue, or leave out --resume to start a new run")
    try:
        state = read_checkpoint_file(path, verify=True)  # its optimizer state and rng too
    except UnreadableCheckpointError as exc:
        raise damaged_latest(path, exc.why) from None
    if not isinstance(state, dict) or "train_config" not in state:
        raise CheckpointError(f"{path} is not a training checkpoint of vjepa-ros train"
                              f"{_what_it_is(path, state)}")
    return path, state


def damaged_latest(path: Path, why: str) -> CheckpointError:
    """Return the one-line error for a run's ``latest.pt`` that does not read (``why``: how).

    A checkpoint loader's advice (give another file, Meta's checkpoint) is no fix here:
    ``--resume`` continues a run from its latest.pt alone (breaker60b). The advice: copy it
    again, or start anew into another ``--out``, from the run's world_model.pt where it has one.
    """
    world_model = run_files(path.parent)["world_model"]
    start = (f"--init {world_model} --out NEW_DIR (from this run's exported model)"
             if world_model.is_file() else "--out NEW_DIR")
    return CheckpointError(f"{path} is damaged ({why}) and --resume continues a run only from "
                           "its latest.pt: copy it again if it was copied, else this run cannot "
                           f"be continued: start a new run with {start}")


def check_resumable(path: Path, state: dict, steps: int) -> None:
    """Raise ConfigError (one line, exit 1) when the run in ``path`` has nothing left to do.

    ``state``: its loaded ``latest.pt``; ``steps``: the run's ``steps`` with this command's
    ``--steps``. Refused: ``steps`` below the step it reached, and a complete run (it reached
    ``steps`` and exported its world model: ``Trainer.save_checkpoint``'s ``finished``, or an
    older run's step, and world_model.pt beside it, of this step: :func:`holds_export`):
    resuming that would encode the data again and rewrite every output for no step. A run
    stopped after its last step, or whose export failed (no world_model.pt, or the one of an
    earlier session: breaker60b), is resumed (it exports).
    """
    step = int(state["step"])
    if step > steps:
        raise ConfigError(f"steps {steps} is below the step {step} this run reached ({path}); "
                          f"give --steps >= {step}")
    world_model = run_files(path.parent)["world_model"]
    if step == steps and state.get("finished", True) and world_model.is_file() and \
            holds_export(world_model, step, bool(state.get("export_step_recorded"))):
        raise ConfigError(
            f"the run in {path.parent} is already complete: {step} of {steps} steps, "
            f"{world_model.name} written; nothing to resume: give --steps above {step} to train "
            f"it further, or start a new run from it with --init {world_model} --out NEW_DIR")


def holds_export(world_model: Path, step: int, recorded: bool) -> bool:
    """Return whether a run's ``world_model.pt`` holds the export of training step ``step``.

    Its ``step`` entry (an int) must be ``step``. ``recorded``: latest.pt says its run records
    the step (``export_step_recorded``); when it does not (an older run), a file that records no
    step, or whose entry cannot be read (``checkpoint_peek.peek_entry``'s None), is taken as that
    step's too, as latest.pt's ``finished`` says. A file that cannot be opened holds none: the
    resume exports it again.
    """
    from vjepa_ros.models.checkpoint_peek import peek_entry

    try:
        entry = peek_entry(world_model, "step")
    except OSError:
        return False
    if isinstance(entry, int) and not isinstance(entry, bool):
        return entry == step
    return not recorded


def _what_it_is(path: Path, state) -> str:
    """``: it is ...; to ...``: what a latest.pt that cannot be resumed holds, and its use."""
    if is_pretrain_encoder(state):
        return (": it is an encoder written by vjepa-ros pretrain, nothing to resume; train a "
                f"predictor on it with vjepa-ros train --encoder {path} --data DIR --out NEW_DIR")
    if isinstance(state, dict) and state.get("predictor") and state.get("encoder"):
        return (": it is a world model (encoder + predictor, no optimizer state or settings), "
                "nothing to resume; start a new run from its predictor with vjepa-ros train "
                f"--init {path} --data DIR --out NEW_DIR")
    return ""


def check_world_size(state: dict, world_size: int, path) -> None:
    """Raise ConfigError when a checkpoint was written by a run of another world size.

    The sampler draws the global batch of ``batch_size x world_size x grad_accum_steps`` clips,
    so another world size would not continue the same run.
    """
    stored = int(state.get("world_size", 1))
    if stored != world_size:
        raise ConfigError(
            f"{path} was written by {stored} process(es) (world size {stored}) but this run has "
            f"world size {world_size}: resume with {stored} process(es) in all: "
            f"{resume_advice(Path(path).parent, stored)}; or start a new run from its weights "
            f"with --init {path}")


def config_of_checkpoint(state: dict) -> TrainConfig:
    """Return the :class:`TrainConfig` stored in a ``latest.pt``."""
    if "train_config" not in state:
        raise ValueError("the checkpoint holds no train_config: not written by vjepa-ros train")
    return make_config(state["train_config"])


#: How the run draws its clips, stored in ``latest.pt`` (``sampler``): ``trajectory``, one
#: demonstration uniformly (``FeatureBank.sample``, since fix49h); runs before stored none and
#: drew one recording uniformly (``recording``): a session bag cut at resets weighed as one.
SAMPLER = "trajectory"
SAMPLERS = (SAMPLER, "recording")


def resumed_sampler(state: dict, train_bank, val_bank, frames_per_clip: int):
    """Return (the train bank to draw from, its sampler rule, notes) for a resumed run.

    ``state``: the loaded ``latest.pt``; banks: ``FeatureBank`` (val None). A run from before
    :data:`SAMPLER` whose data holds a recording cut into several demonstrations keeps drawing
    a recording uniformly (``FeatureBank.by_recording``), so it continues bit for bit, with a
    note; where every recording is one demonstration both rules draw the same clips. A note
    too when such a run's validation clips now cover segment ends its earlier ones missed
    (``FeatureBank.fixed_clips``): its val losses change there. Raises ConfigError for a rule
    this version does not know (a newer vjepa-ros's run).
    """
    stored = state.get("sampler", "recording")
    if stored not in SAMPLERS:
        raise ConfigError(f"the run's latest.pt draws clips by {stored!r}, which this version "
                          f"does not know ({', '.join(SAMPLERS)}): resume it with the vjepa-ros "
                          "that started it, or start a new run from it with --init")
    notes = []
    if stored == "recording" and train_bank.num_trajectories != train_bank.num_recordings:
        train_bank = train_bank.by_recording()
        notes.append("this run began before clips were drawn per demonstration (a recording cut "
                     "at simulator resets or re-homings weighs once per part): it keeps drawing "
                     "one recording uniformly, as it began; a new run draws per demonstration")
    else:
        stored = SAMPLER
    if "sampler" not in state and val_bank is not None and any(
            tail_window(length, frames_per_clip) for length in val_bank.lengths.tolist()):
        notes.append(f"validation clips now cover each segment's last transitions too: val "
                     f"losses from step {int(state['step'])} on are over more clips than before")
    return train_bank, stored, notes

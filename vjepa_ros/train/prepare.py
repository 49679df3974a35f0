"""Set up a training run from a :class:`TrainConfig`: encoder, predictor, episodes, features.

``build_trainer(config)`` loads the frozen encoder (``models.checkpoint`` loaders), makes the
predictor (new, sized from the config with the encoder's token grid and width, or the predictor of
an AC file with strict shapes), finds and splits the episodes, encodes every frame once and
returns a :class:`Trainer`. ``build_trainer(config, resume=True)`` takes everything from
``<out>/latest.pt`` instead (its encoder, predictor, optimizer, RNG and history).

The stages: ``predictor_init`` (the predictor), ``data_banks`` (episodes and features),
``resume_checks`` (latest.pt and what a resumed run may change), ``run_log`` (the lines logged).
"""

from __future__ import annotations

from pathlib import Path

import torch

from vjepa_ros.atomic_files import remove_stale_partials
from vjepa_ros.config import ConfigError
from vjepa_ros.input_paths import world_model_error
from vjepa_ros.models import ACPredictor, CheckpointError, VisionEncoder, load_models
from vjepa_ros.models.checkpoint import read_checkpoint_file
from vjepa_ros.models.errors import UnreadableCheckpointError
from vjepa_ros.out_paths import check_output_names, output_dir
from vjepa_ros.threads import set_torch_threads
from vjepa_ros.train.config import TrainConfig
from vjepa_ros.train.data_banks import load_banks
from vjepa_ros.train.distributed import Topology, current, rank_device
from vjepa_ros.train.features import load_encoder
from vjepa_ros.train.predictor_init import init_predictor
from vjepa_ros.train.resume_checks import (
    check_resumable,
    check_world_size,
    damaged_latest,
    read_latest,
)
from vjepa_ros.train.run_files import RUN_FILES, run_files
from vjepa_ros.train.run_log import describe_encoder, log_data
from vjepa_ros.train.trainer import Trainer


def build_trainer(config: TrainConfig, resume: bool = False, log=print,
                  topology: Topology | None = None, notes=()) -> Trainer:
    """Set up the run (see the module docstring); ``log`` receives one line per stage.

    ``notes``: lines to print among the run's notes (e.g. a moved data path taken on resume).

    Under torchrun every rank calls it (``topology``: default the joined process group); pass
    ``log`` only on rank 0 to print once.
    """
    topology = topology or current()
    config.check(need_encoder=not resume)
    set_torch_threads(config.threads)  # 0: OMP_NUM_THREADS (torchrun's), else all cores but one
    # Checked before any data or model is read, created once they are: a run refused for its
    # encoder or data leaves no empty folder behind.
    out = output_dir(Path(config.out).expanduser(), create=False)
    check_output_names(out, RUN_FILES.values())  # a folder in world_model.pt's way: at once
    notes = list(notes)
    records = {} if config.predictor.init and not resume else None  # the init's, read once
    if resume:
        path, state = read_latest(out)
        check_world_size(state, topology.world_size, path)
        check_resumable(path, state, config.steps)
        encoder, predictor = load_models(path)
        describe = f"resumed from {path} at step {state['step']}"
    else:
        refuse_finished_run(out)
        encoder_path = config.encoder or config.predictor.init
        option = "--encoder" if config.encoder else "--init"  # (or their keys in --config)
        try:
            encoder, key = load_encoder(encoder_path, config.encoder_key, config.encoder_args)
        except CheckpointError as exc:
            raise world_model_error(exc, Path(encoder_path).expanduser(), option,
                                    encoder=bool(config.encoder)) from None
        log(f"encoder     {encoder_path} [{key}]: {describe_encoder(encoder)}")
        try:
            predictor, describe = init_predictor(config, encoder, notes, records)
        except CheckpointError as exc:
            raise world_model_error(exc, Path(config.predictor.init).expanduser(), "--init") \
                from None
    log(f"predictor   {describe}")
    for note in notes:
        log(f"note        {note}")
    check_batch_memory(config, encoder, predictor, rank_device(config.device, topology))
    train_bank, val_bank, info = load_banks(  # a run older than its stored data: its split
        config, encoder, topology, log, state.get("data") if resume else None,
        legacy_split=resume and "data" not in state,
        held_out=state.get("held_out") if resume else None,  # its split, wherever data lies
        path_order=resume and "held_out" not in state)  # older runs': sources by path
    output_dir(out)
    info["world_size"] = topology.world_size
    log_data(info, config, log, topology)
    trainer = Trainer(config, encoder, predictor, train_bank, val_bank, info, topology)
    if not resume:  # (a resumed run: those latest.pt stored, Trainer.restore)
        trainer.init_records = records
    # of a run killed while saving (kill -9); a live rank's are kept
    remove_stale_partials(out, set(RUN_FILES.values()).__contains__, say=log)
    if resume:
        extended = trainer.restore(state)
        if extended:
            log(f"note        {extended}")
    return trainer


def refuse_finished_run(out: Path) -> None:
    """Raise ConfigError (one line) when ``out`` holds a run's ``latest.pt`` or world model.

    A new run there would overwrite them: ``latest.pt`` is resumed (``--resume``), unless it
    does not read (empty, cut short: ``resume_checks.damaged_latest``, said so, as ``--resume``
    would); a ``world_model.pt`` without it (deleted to save space) cannot be, and is kept.
    """
    files = run_files(out)
    if files["latest"].exists():
        try:  # memory-mapped, the records only: quick for any size (no checksums)
            read_checkpoint_file(files["latest"])
        except UnreadableCheckpointError as exc:
            raise damaged_latest(files["latest"], exc.why) from None
        except (CheckpointError, OSError):
            pass  # (unreadable for this user, ...): --resume says what
        raise ConfigError(f"{out} holds a training run ({RUN_FILES['latest']}): pass "
                          "--resume to continue it, or choose another --out")
    if files["world_model"].exists():
        raise ConfigError(f"{out} holds a trained model ({RUN_FILES['world_model']}) that a new "
                          "run would overwrite: choose another --out (--init "
                          f"{files['world_model']} starts from its predictor), or move the "
                          "model away first")


def check_batch_memory(config: TrainConfig, encoder: VisionEncoder, predictor: ACPredictor,
                       device: torch.device) -> None:
    """Refuse a ``--batch-size`` whose step cannot fit in ``device``'s free memory (ValueError).

    Before the data is read and encoded: ``memory.clip_floor_bytes`` per clip, the least a step
    holds (``--batch-size 100000`` once ran 86 s, then died in the allocator's raw message).
    Off CUDA the torchrun ranks on a host (``LOCAL_WORLD_SIZE``) share its free memory: each
    rank's batch is judged against its share (each GPU rank has its own device's).
    """
    from vjepa_ros.planning.memory import available_bytes
    from vjepa_ros.train.distributed import processes_on_host
    from vjepa_ros.train.memory import batch_memory_problem, clip_floor_bytes

    c = encoder.config
    tokens = (encoder.img_size[0] // c.patch_size) * (encoder.img_size[1] // c.patch_size)
    per_clip = clip_floor_bytes(
        tokens, c.embed_dim, config.data.frames_per_clip, config.auto_steps,
        predictor.config.depth, predictor.config.predictor_embed_dim,
        torch.finfo(getattr(torch, config.data.feature_dtype)).bits // 8)
    share = 1 if device.type == "cuda" else processes_on_host()
    free = available_bytes(device)
    if free is None:
        return  # not known: not checked
    where = str(device) if share == 1 else \
        f"{device} for each of the {share} processes on this host (its free memory / {share})"
    problem = batch_memory_problem(config.batch_size, per_clip, where, available=free // share)
    if problem:
        raise ConfigError(problem)


__all__ = ["build_trainer", "check_batch_memory", "refuse_finished_run"]

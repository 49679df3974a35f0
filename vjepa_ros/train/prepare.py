"""Set up a training run from a :class:`TrainConfig`: encoder, predictor, episodes, features.

``build_trainer(config)`` loads the frozen encoder (``models.checkpoint`` loaders), makes the
predictor (new, sized from the config with the encoder's token grid and width, or the predictor of
an AC file with strict shapes), finds and splits the episodes, encodes every frame once and
returns a :class:`Trainer`. ``build_trainer(config, resume=True)`` takes everything from
``<out>/latest.pt`` instead (its encoder, predictor, optimizer, RNG and history).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch

from vjepa_ros.atomic_files import remove_stale_partials
from vjepa_ros.config import ConfigError, flatten
from vjepa_ros.counts import counted
from vjepa_ros.image_notes import grouped_frame_size_notes, input_size
from vjepa_ros.input_paths import world_model_error
from vjepa_ros.models import (
    ACPredictor,
    CheckpointError,
    VisionEncoder,
    build_predictor,
    load_models,
)
from vjepa_ros.models.checkpoint import read_checkpoint_file
from vjepa_ros.out_paths import check_output_names, output_dir
from vjepa_ros.path_text import named_once, shown_path
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.episode import recorded_success
from vjepa_ros.recordings.split_parts import refuse_split_parts
from vjepa_ros.train.config import TrainConfig, absolute_paths, make_config
from vjepa_ros.train.data_identity import data_identity, resume_change
from vjepa_ros.train.distributed import Topology, current, rank_device
from vjepa_ros.train.episodes import (
    SPLIT_RULE,
    EpisodeError,
    find_sources,
    no_usable_source,
    split_sources,
)
from vjepa_ros.train.feature_cache import (
    FeatureCache,
    build_shards,
    cache_key,
    mapped_bank,
    shard_bank,
)
from vjepa_ros.train.features import FeatureBank, FrameEncoder, check_encoder_fits, load_encoder
from vjepa_ros.train.run_files import RUN_FILES, run_files
from vjepa_ros.train.same_recording import in_train_and_val, shared_recordings
from vjepa_ros.train.trainer import Trainer, check_world_size, compute_dtype, config_of_checkpoint

# Settings a resumed run may change; any other difference to the stored run is refused.
RESUME_CHANGEABLE = ("steps", "eval_every", "save_every", "progress", "device", "threads",
                     "dtype", "export_dtype", "activation_checkpointing", "data.feature_cache",
                     "data.feature_cache_dir", "data.encode_batch", "data.val_clips")


def count_parameters(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def init_predictor(config: TrainConfig, encoder: VisionEncoder,
                   notes: list[str] | None = None) -> tuple[ACPredictor, str]:
    """Return (float32 predictor for this encoder, a description of where it came from).

    ``notes``: receives a note when the predictor of ``predictor.init`` comes with other encoder
    weights than ``encoder`` (allowed; it then needs retraining). Raises CheckpointError for an
    init file without a fitting predictor.
    """
    settings = config.predictor
    if settings.init:
        path = Path(settings.init).expanduser()
        own_encoder, predictor = load_models(path, encoder=config.encoder_args or None,
                                             predictor=config.predictor_args or None,
                                             encoder_key="encoder")
        if predictor is None and is_pretrain_encoder(read_checkpoint_file(path)):
            raise CheckpointError(f"{path} is an encoder alone, written by vjepa-ros pretrain: "
                                  "no predictor to start from; give it as --encoder "
                                  f"{path} and leave out --init (a new predictor)")
        if predictor is None:
            raise CheckpointError(f"{path} holds no action-conditioned predictor to start from "
                                  "(predictor.init wants a V-JEPA 2-AC file, vjepa2-ac-vitg.pt)")
        if predictor.config.use_extrinsics:
            raise CheckpointError(f"{path}: predictors with camera extrinsics (use_extrinsics) "
                                  "are not supported by vjepa-ros train")
        try:
            check_encoder_fits(encoder, predictor)
        except CheckpointError as exc:
            raise CheckpointError(f"the predictor of {path} does not fit the encoder: {exc}") \
                from exc
        source = f"from {path}"
        other_file = config.encoder and Path(config.encoder).expanduser().resolve() != \
            path.resolve()  # one file: its encoder entries are the predictor's own
        if notes is not None and other_file and not same_weights(own_encoder, encoder):
            notes.append(f"the predictor of {path} was trained on the features of that file's "
                         f"own encoder, not of --encoder {config.encoder} (other weights): its "
                         "predictions start off wrong and it will need retraining to fit this "
                         "encoder (expect a high first validation loss)")
    else:
        enc = encoder.config
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            predictor = build_predictor(
                embed_dim=enc.embed_dim, predictor_embed_dim=settings.embed_dim,
                depth=settings.depth, num_heads=settings.num_heads,
                mlp_ratio=settings.mlp_ratio, img_size=enc.img_size,
                patch_size=enc.patch_size, tubelet_size=enc.tubelet_size)
        source = "new"
    predictor = predictor.float()
    pc = predictor.config
    return predictor, (f"{source}: width {pc.predictor_embed_dim}, depth {pc.depth}, heads "
                       f"{pc.num_heads} ({count_parameters(predictor) / 1e6:.2f} M parameters)")


def same_weights(first: torch.nn.Module, second: torch.nn.Module) -> bool:
    """Whether two modules hold the same weights (up to float16 rounding: a ``--half`` file)."""
    a, b = first.state_dict(), second.state_dict()
    return a.keys() == b.keys() and all(
        a[k].shape == b[k].shape and torch.allclose(a[k].float(), b[k].float(), rtol=2e-3,
                                                    atol=1e-6) for k in a)


def feature_cache_dir(config: TrainConfig, topology: Topology | None = None) -> Path | None:
    """Return the on-disk feature cache of a run, or None (features in memory only).

    Under torchrun (``topology`` of more than one process) the cache is always on disk,
    ``<out>/features`` unless given: the ranks share the encoding and the mapped features.
    """
    data = config.data
    if data.feature_cache_dir:
        return Path(data.feature_cache_dir).expanduser()
    if data.feature_cache == "disk" or (topology is not None and topology.distributed):
        return Path(config.out).expanduser() / "features"
    return None


def load_banks(config: TrainConfig, encoder: VisionEncoder, topology: Topology | None = None,
               log=print, stored_data: dict | None = None, legacy_split: bool = False):
    """Find, split, load and encode the episodes: (train bank, val bank or None, info).

    ``stored_data``: a resumed run's ``data_identity`` (None: a new run, or one older than it):
    data that differs from it is refused (ConfigError naming what was added, removed, changed)
    before anything is read. ``info["data_identity"]`` is what latest.pt stores.
    ``legacy_split``: hold out sources by count, as runs did before they stored their data (a
    resumed one keeps its split); otherwise by frames (``episodes.split_sources``).

    With an on-disk cache (:func:`feature_cache_dir`) the features come from its shards and
    only missing sources are read and encoded, split over the ranks; the banks' representations
    are then memory-mapped files shared by the ranks of a machine (see ``feature_cache``).
    """
    topology = topology or current()
    data = config.data
    skipped: list[str] = []  # broken symlinks in the data folders
    sources = find_sources(data.train, skipped)
    val_sources = find_sources(data.val, skipped) if data.val else []
    for note in skipped:
        log(f"note        {note}")
    groups = {"--data": sources, "--val": val_sources}
    identity = data_identity(groups)
    # First, before anything that depends on the data (the split): a resumed run's refusal
    # names what changed, not a consequence of it.
    change = None if stored_data is None else resume_change(stored_data, groups, identity)
    if change:
        raise ConfigError(
            f"the data differs from what this run trained on ({change}): --resume continues a "
            "run on the same data; put the data back as it was, or train on this data in a new "
            f"run: --out NEW_DIR --init {run_files(config.out)['latest']} (starts from this "
            "run's predictor)")
    if not data.val:
        split_sources(sources, data.val_fraction, config.seed)  # one source: refused before
    # by data files, not by path; a copy by the digests just taken
    shared = shared_recordings(sources, val_sources, {**identity["--data"], **identity["--val"]})
    if shared:
        raise EpisodeError(in_train_and_val(shared))
    try:  # one split recording's loose parts in --data and --val: the next part would validate
        if val_sources:  # --data alone was checked when it was found (find_sources)
            refuse_split_parts([s.path for s in sources + val_sources
                                if s.kind == "bag" and s.path.is_file()])
    except BagError as exc:
        raise EpisodeError(str(exc)) from None
    device = rank_device(config.device, topology)
    encode = FrameEncoder(encoder, device, compute_dtype(config, device),
                          (data.aspect_ratio_min, data.aspect_ratio_max), data.encode_batch,
                          data.feature_dtype)
    directory = feature_cache_dir(config, topology)
    cache = FeatureCache(directory, cache_key(encode, data)) if directory else None
    shards, counts = build_shards(sources + val_sources, data, encode, cache, topology,
                                  config.progress, log, clip_fix(config.auto_steps))
    train_sources, split = sources, None
    if not data.val:  # held out among the usable sources: a short one is left out of both
        usable = [source for source in sources if source in shards]
        if not usable:
            raise no_usable_source(sources, counts["left_out"], "source")
        frames = None if legacy_split else {s: int(shards[s]["lengths"].sum()) for s in usable}
        train_sources, val_sources = split_sources(usable, data.val_fraction, config.seed,
                                                   counts["left_out"], frames)
        split = "by count (this run's, from before splits by frames)" if legacy_split \
            else SPLIT_RULE
    info: dict = {"tokens_per_frame": encode.tokens_per_frame, "data_identity": identity,
                  "split": split,
                  "notes": read_notes(train_sources + val_sources, shards, counts["left_out"],
                                      encoder.img_size)}
    for note in info["notes"]:  # now, as the data is read (not after training)
        log(f"note        {note}")
    info["frame_sizes"] = frame_sizes(
        [shards[source] for source in train_sources if source in shards])
    banks = []
    for label, given in (("train", train_sources), ("val", val_sources)):
        group = [source for source in given if source in shards]  # short ones left out
        if given and not group:
            raise no_usable_source(given, counts["left_out"], f"{label} source")
        if not group:
            banks.append(None)
            continue
        if cache is not None:
            bank = mapped_bank(cache, group, shards, topology)
        else:
            bank = FeatureBank.concat([shard_bank(shards[s]) for s in group])
        info[label] = {"sources": len(group), "segments": len(bank.names),
                       "frames": bank.num_frames, "clips": bank.num_clips(data.frames_per_clip),
                       "names": [s.name for s in group],
                       "failed": [s.name for s in group if s.kind == "npz"
                                  and recorded_success(s.path) is False]}
        banks.append(bank)
    info["features"] = {
        "encoded": counts["encoded"], "from_disk": counts["from_disk"],
        "seconds": counts["seconds"], "dtype": data.feature_dtype,
        "megabytes": sum(b.reps.numel() * b.reps.element_size() for b in banks if b) / 2**20,
        "cache": str(directory) if directory else None,
        "disk_megabytes": None if counts["disk_bytes"] is None else counts["disk_bytes"] / 2**20,
    }
    return banks[0], banks[1], info


def clip_fix(auto_steps: int):
    """Return train's advice for a source shorter than one clip (``episodes.ClipFix``).

    Only settings train accepts: clips of at least ``auto_steps`` + 1 frames, so a source of
    fewer frames needs a lower ``--auto-steps`` too.
    """
    def fix(path: Path, longest: int) -> str:
        leave = f"leave {path} out"
        if longest > auto_steps:
            return f"give --frames-per-clip {longest} or {leave}"
        if longest >= 2:
            return (f"give --frames-per-clip {longest} --auto-steps {longest - 1} (--auto-steps "
                    f"{auto_steps} needs clips of >= {auto_steps + 1} frames) or {leave}")
        return leave

    return fix


def frame_sizes(shards: list[dict]) -> list[list[int]] | None:
    """Return the distinct [height, width] [px] frame sizes of ``shards``, in first-seen order.

    What the exported world model records as the size of its training frames
    (``save_world_model(data=...)``); None when a shard does not know its size (a cache written
    before shards recorded it) or there is no shard: a partial list would misstate the data.
    """
    sizes = [shard.get("frame_size") for shard in shards]
    if not sizes or any(size is None for size in sizes):
        return None
    return [list(size) for size in dict.fromkeys(tuple(int(n) for n in size) for size in sizes)]


def read_notes(sources, shards: dict, left_out: list[str], model_size) -> list[str]:
    """Return the notes on reading ``sources``: each naming its source, each once.

    The reader's notes of each shard (a bag's repairs, the topics it chose) get the source's path
    when they lack it (named once, on one line: ``path_text.named_once``); ``left_out``: the
    notes on short sources left out; one note per frame size smaller than ``model_size`` (the
    encoder's (height, width) [px], as ``eval`` says it).
    """
    notes = list(left_out)
    sizes = []
    for source in sources:
        shard = shards.get(source)
        if shard is None:
            continue
        for note in shard["notes"]:  # a bag's: "NAME: 3 of 20 steps dropped" (shown_path)
            if note.startswith(f"{source.name}:"):
                note = shown_path(source.name) + note[len(source.name):]
            elif not note.startswith(f"{shown_path(source.name)}:"):
                note = named_once(source.path, note)
            notes.append(note)
        if shard.get("frame_size") is not None:
            sizes.append((source, shard["frame_size"]))
    read = sum(source in shards for source in sources)

    def frames(group) -> str:
        names = ", ".join(shown_path(s.name) for s in group[:3]) + (
            ", ..." if len(group) > 3 else "")
        return "the frames of " + (shown_path(group[0].path) if len(group) == 1 else
                                   f"all {len(group)} sources" if len(group) == read
                                   else f"{len(group)} sources ({names})")

    def advice(width: int, height: int) -> str:
        model_h, model_w = input_size(model_size)
        return (f"record at {model_w}x{model_h} or larger, or use an encoder made for "
                f"{width}x{height} frames")

    notes += grouped_frame_size_notes(sizes, model_size, frames, advice, model="the encoder")
    return list(dict.fromkeys(notes))


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
    path = run_files(Path(out).expanduser())["latest"]
    if not path.is_file():
        raise FileNotFoundError(f"nothing to resume: {path} does not exist: give the --out of "
                                "the run to continue, or leave out --resume to start a new run")
    state = read_checkpoint_file(path)
    if not isinstance(state, dict) or "train_config" not in state:
        raise CheckpointError(f"{path} is not a training checkpoint of vjepa-ros train"
                              f"{_what_it_is(path, state)}")
    return path, state


def check_resumable(path: Path, state: dict, steps: int) -> None:
    """Raise ConfigError (one line, exit 1) when the run in ``path`` has nothing left to do.

    ``state``: its loaded ``latest.pt``; ``steps``: the run's ``steps`` with this command's
    ``--steps``. Refused: ``steps`` below the step it reached, and a complete run (it reached
    ``steps`` and exported its world model: ``Trainer.save_checkpoint``'s ``finished``, or an
    older run's step, and world_model.pt beside it): resuming that would encode the data
    again and rewrite every output for no step. A run stopped after its last step, or whose
    export failed, is resumed (it exports).
    """
    step = int(state["step"])
    if step > steps:
        raise ConfigError(f"steps {steps} is below the step {step} this run reached ({path}); "
                          f"give --steps >= {step}")
    world_model = run_files(path.parent)["world_model"]
    if step == steps and state.get("finished", True) and world_model.is_file():
        raise ConfigError(
            f"the run in {path.parent} is already complete: {step} of {steps} steps, "
            f"{world_model.name} written; nothing to resume: give --steps above {step} to train "
            f"it further, or start a new run from it with --init {world_model} --out NEW_DIR")


def is_pretrain_encoder(state) -> bool:
    """Whether a loaded file is an encoder-only file of ``vjepa-ros pretrain``."""
    return isinstance(state, dict) and "pretrain" in state and not state.get("predictor")


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


def build_trainer(config: TrainConfig, resume: bool = False, log=print,
                  topology: Topology | None = None, notes=()) -> Trainer:
    """Set up the run (see the module docstring); ``log`` receives one line per stage.

    ``notes``: lines to print among the run's notes (e.g. a moved data path taken on resume).

    Under torchrun every rank calls it (``topology``: default the joined process group); pass
    ``log`` only on rank 0 to print once.
    """
    topology = topology or current()
    config.check(need_encoder=not resume)
    if config.threads:
        torch.set_num_threads(config.threads)
    # Checked before any data or model is read, created once they are: a run refused for its
    # encoder or data leaves no empty folder behind.
    out = output_dir(Path(config.out).expanduser(), create=False)
    check_output_names(out, RUN_FILES.values())  # a folder in world_model.pt's way: at once
    notes = list(notes)
    if resume:
        path, state = read_latest(out)
        check_world_size(state, topology.world_size, path)
        check_resumable(path, state, config.steps)
        encoder, predictor = load_models(path)
        describe = f"resumed from {path} at step {state['step']}"
    else:
        if run_files(out)["latest"].exists():
            raise ConfigError(f"{out} holds a training run ({RUN_FILES['latest']}): pass "
                              "--resume to continue it, or choose another --out")
        encoder_path = config.encoder or config.predictor.init
        option = "--encoder" if config.encoder else "--init"  # (or their keys in --config)
        try:
            encoder, key = load_encoder(encoder_path, config.encoder_key, config.encoder_args)
        except CheckpointError as exc:
            raise world_model_error(exc, Path(encoder_path).expanduser(), option) from None
        log(f"encoder     {encoder_path} [{key}]: {_describe_encoder(encoder)}")
        try:
            predictor, describe = init_predictor(config, encoder, notes)
        except CheckpointError as exc:
            raise world_model_error(exc, Path(config.predictor.init).expanduser(), "--init") \
                from None
    log(f"predictor   {describe}")
    for note in notes:
        log(f"note        {note}")
    check_batch_memory(config, encoder, predictor, rank_device(config.device, topology))
    train_bank, val_bank, info = load_banks(  # a run older than its stored data: its split
        config, encoder, topology, log, state.get("data") if resume else None,
        legacy_split=resume and "data" not in state)
    output_dir(out)
    info["world_size"] = topology.world_size
    _log_data(info, config, log, topology)
    trainer = Trainer(config, encoder, predictor, train_bank, val_bank, info, topology)
    # of a run killed while saving (kill -9); a live rank's are kept
    remove_stale_partials(out, set(RUN_FILES.values()).__contains__, say=log)
    if resume:
        trainer.restore(state)
    return trainer


def check_batch_memory(config: TrainConfig, encoder: VisionEncoder, predictor: ACPredictor,
                       device: torch.device) -> None:
    """Refuse a ``--batch-size`` whose step cannot fit in ``device``'s free memory (ValueError).

    Before the data is read and encoded: ``memory.clip_floor_bytes`` per clip, the least a step
    holds (``--batch-size 100000`` once ran 86 s, then died in the allocator's raw message).
    """
    from vjepa_ros.train.memory import batch_memory_problem, clip_floor_bytes

    c = encoder.config
    tokens = (encoder.img_size[0] // c.patch_size) * (encoder.img_size[1] // c.patch_size)
    per_clip = clip_floor_bytes(
        tokens, c.embed_dim, config.data.frames_per_clip, config.auto_steps,
        predictor.config.depth, predictor.config.predictor_embed_dim,
        torch.finfo(getattr(torch, config.data.feature_dtype)).bits // 8)
    problem = batch_memory_problem(config.batch_size, per_clip, device)
    if problem:
        raise ConfigError(problem)


def _describe_encoder(encoder: VisionEncoder) -> str:
    c = encoder.config
    grid = (encoder.img_size[0] // c.patch_size) * (encoder.img_size[1] // c.patch_size)
    return (f"width {c.embed_dim}, depth {c.depth}, {encoder.img_size[0]}x{encoder.img_size[1]} "
            f"px, patch {c.patch_size} -> {grid} tokens per frame "
            f"({count_parameters(encoder) / 1e6:.1f} M parameters, frozen)")


def _failed_text(counts: dict) -> str:
    """``; 1 of them a failed task (...)``: the episodes whose metadata says success false."""
    failed = counts.get("failed") or []
    if not failed:
        return ""
    shown = ", ".join(failed[:3]) + (", ..." if len(failed) > 3 else "")
    return (f"; {len(failed)} of them {'a failed task' if len(failed) == 1 else 'failed tasks'}"
            f" ({shown}: the expert did not finish; used, as the paper trains on all its "
            "teleoperated data; remove the files to leave them out)")


def _split_text(info: dict) -> str:
    """``; held out: 9 % of the frames (whole episodes, ...)``: how validation was chosen."""
    if not info.get("split"):
        return ""  # --val given
    frames = info["val"]["frames"] + info["train"]["frames"]
    return f"; held out: {100 * info['val']['frames'] / frames:.0f} % of the frames " \
        f"({info['split']})"


def _log_data(info: dict, config: TrainConfig, log, topology: Topology) -> None:
    fpc = config.data.frames_per_clip
    for label in ("train", "val"):
        counts = info.get(label)
        if counts:
            log(f"data {label:<6} {counted(counts['sources'], 'episode')} "
                f"({counted(counts['segments'], 'segment')}, {counts['frames']} frames, "
                f"{counted(counts['clips'], 'clip')} of {fpc})" + _failed_text(counts)
                + (_split_text(info) if label == "val" else ""))
        else:
            log(f"data {label:<6} none (--val-fraction 0): no validation loss")
    feats = info["features"]
    per_frame = feats["seconds"] / feats["encoded"] * 1e3 if feats["encoded"] else 0.0
    line = (f"features    {feats['encoded']} frames encoded in {feats['seconds']:.1f} s "
            f"({per_frame:.1f} ms/frame), {feats['from_disk']} from disk; "
            f"{feats['megabytes']:.1f} MB {feats['dtype']}")
    if feats["cache"]:
        line += " memory-mapped"
        frames = feats["encoded"] + feats["from_disk"]
        per_1000 = feats["disk_megabytes"] / frames * 1000 if frames else 0.0
        line += (f"; cache {feats['cache']}: {feats['disk_megabytes']:.1f} MB on disk "
                 f"({per_1000:.1f} MB per 1000 frames)")
    log(line)
    world, accum = topology.world_size, config.grad_accum_steps
    processes = f"{world} process{'' if world == 1 else 'es'}"
    log(f"batch       {config.batch_size} clips x {processes} x {accum} "
        f"accumulated = {config.batch_size * world * accum} clips per step (official: 256); "
        f"lr {config.optim.lr:.3g}")


__all__ = ["build_trainer", "config_of_checkpoint", "init_predictor", "load_banks",
           "resume_config"]

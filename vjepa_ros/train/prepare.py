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

from vjepa_ros.config import ConfigError, flatten
from vjepa_ros.models import (
    ACPredictor,
    CheckpointError,
    VisionEncoder,
    build_predictor,
    load_models,
)
from vjepa_ros.models.checkpoint import read_checkpoint_file
from vjepa_ros.models.world_model import resolve_device
from vjepa_ros.train.config import TrainConfig, make_config
from vjepa_ros.train.episodes import EpisodeError, find_sources, load_segments, split_sources
from vjepa_ros.train.features import FeatureBank, FrameEncoder, check_encoder_fits, load_encoder
from vjepa_ros.train.trainer import Trainer, compute_dtype, config_of_checkpoint

# Settings a resumed run may change; any other difference to the stored run is refused.
RESUME_CHANGEABLE = ("steps", "eval_every", "save_every", "progress", "device", "dtype",
                     "export_dtype", "data.feature_cache", "data.encode_batch", "data.val_clips")


def count_parameters(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def init_predictor(config: TrainConfig, encoder: VisionEncoder) -> tuple[ACPredictor, str]:
    """Return (float32 predictor for this encoder, a description of where it came from)."""
    settings = config.predictor
    if settings.init:
        path = Path(settings.init).expanduser()
        _, predictor = load_models(path, encoder_key="encoder")
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


def _segments(sources, config: TrainConfig, notes: list[str], counts: dict):
    """Yield the segments of each source in turn (frames are dropped once encoded)."""
    for source in sources:
        segments, more = load_segments(source, config.data)
        notes.extend(more)
        counts["sources"] += 1
        for segment in segments:
            counts["segments"] += 1
            counts["frames"] += len(segment)
            yield segment


def load_banks(config: TrainConfig, encoder: VisionEncoder):
    """Find, split, load and encode the episodes: (train bank, val bank or None, info)."""
    data = config.data
    sources = find_sources(data.train)
    if data.val:
        val_sources = find_sources(data.val)
        shared = {s.path.resolve() for s in sources} & {s.path.resolve() for s in val_sources}
        if shared:
            raise EpisodeError(f"episodes in both the training and validation data: "
                               f"{sorted(str(p) for p in shared)[:3]}")
        train_sources = sources
    else:
        train_sources, val_sources = split_sources(sources, data.val_fraction, config.seed)
    device = resolve_device(config.device or None)
    cache_dir = Path(config.out).expanduser() / "features" if data.feature_cache == "disk" \
        else None
    encode = FrameEncoder(encoder, device, compute_dtype(config, device),
                          (data.aspect_ratio_min, data.aspect_ratio_max), data.encode_batch,
                          data.feature_dtype, cache_dir)
    info: dict = {"tokens_per_frame": encode.tokens_per_frame, "notes": []}
    banks = []
    for label, group in (("train", train_sources), ("val", val_sources)):
        if not group:
            banks.append(None)
            continue
        counts = {"sources": 0, "segments": 0, "frames": 0}
        bank = FeatureBank.build(_segments(group, config, info["notes"], counts), encode)
        counts["clips"] = bank.num_clips(data.frames_per_clip)
        counts["names"] = [s.name for s in group]
        info[label] = counts
        banks.append(bank)
    info["features"] = {
        "encoded": encode.frames_encoded, "from_disk": encode.frames_from_disk,
        "seconds": encode.seconds, "dtype": data.feature_dtype,
        "megabytes": sum(b.reps.numel() * b.reps.element_size() for b in banks if b) / 2**20,
    }
    return banks[0], banks[1], info


def resume_config(stored: TrainConfig, overrides: dict) -> TrainConfig:
    """Return the stored run's config with ``overrides`` (dotted keys) applied.

    Only :data:`RESUME_CHANGEABLE` settings may differ from the stored ones: anything else
    (data, model, optimizer, seed) would not continue the same run.
    """
    merged = make_config(dataclasses.asdict(stored), overrides)
    before = {name: value for name, value, _ in flatten(stored)}
    changed = [name for name, value, _ in flatten(merged)
               if before[name] != value and name not in RESUME_CHANGEABLE]
    if changed:
        shown = ", ".join(f"{n} (stored {before[n]!r})" for n in changed[:4])
        raise ConfigError(f"cannot change {shown} when resuming; only "
                          f"{', '.join(RESUME_CHANGEABLE)} may change")
    return merged


def read_latest(out) -> tuple[Path, dict]:
    path = Path(out).expanduser() / "latest.pt"
    if not path.is_file():
        raise FileNotFoundError(f"nothing to resume: {path} does not exist")
    state = read_checkpoint_file(path)
    if not isinstance(state, dict) or "train_config" not in state:
        raise CheckpointError(f"{path} is not a training checkpoint of vjepa-ros train")
    return path, state


def build_trainer(config: TrainConfig, resume: bool = False, log=print) -> Trainer:
    """Set up the run (see the module docstring); ``log`` receives one line per stage."""
    config.check(need_encoder=not resume)
    out = Path(config.out).expanduser()
    if resume:
        path, state = read_latest(out)
        if int(state["step"]) > config.steps:
            raise ConfigError(f"steps {config.steps} is below the step {state['step']} this run "
                              f"reached ({path}); give --steps >= {state['step']}")
        encoder, predictor = load_models(path)
        describe = f"resumed from {path} at step {state['step']}"
    else:
        if (out / "latest.pt").exists():
            raise ConfigError(f"{out} holds a training run (latest.pt): pass --resume to "
                              "continue it, or choose another --out")
        encoder_path = config.encoder or config.predictor.init
        encoder, key = load_encoder(encoder_path, config.encoder_key)
        log(f"encoder     {encoder_path} [{key}]: {_describe_encoder(encoder)}")
        predictor, describe = init_predictor(config, encoder)
    log(f"predictor   {describe}")
    train_bank, val_bank, info = load_banks(config, encoder)
    _log_data(info, config, log)
    trainer = Trainer(config, encoder, predictor, train_bank, val_bank, info)
    if resume:
        trainer.restore(state)
    return trainer


def _describe_encoder(encoder: VisionEncoder) -> str:
    c = encoder.config
    grid = (encoder.img_size[0] // c.patch_size) * (encoder.img_size[1] // c.patch_size)
    return (f"width {c.embed_dim}, depth {c.depth}, {encoder.img_size[0]}x{encoder.img_size[1]} "
            f"px, patch {c.patch_size} -> {grid} tokens per frame "
            f"({count_parameters(encoder) / 1e6:.1f} M parameters, frozen)")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _log_data(info: dict, config: TrainConfig, log) -> None:
    fpc = config.data.frames_per_clip
    for label in ("train", "val"):
        counts = info.get(label)
        if counts:
            log(f"data {label:<6} {_count(counts['sources'], 'episode')} "
                f"({_count(counts['segments'], 'segment')}, {counts['frames']} frames, "
                f"{_count(counts['clips'], 'clip')} of {fpc})")
        else:
            log(f"data {label:<6} none (data.val_fraction 0): no validation loss")
    feats = info["features"]
    per_frame = feats["seconds"] / feats["encoded"] * 1e3 if feats["encoded"] else 0.0
    log(f"features    {feats['encoded']} frames encoded in {feats['seconds']:.1f} s "
        f"({per_frame:.1f} ms/frame), {feats['from_disk']} from disk; "
        f"{feats['megabytes']:.1f} MB {feats['dtype']}")
    for note in info["notes"]:
        log(f"note        {note}")


__all__ = ["build_trainer", "config_of_checkpoint", "init_predictor", "load_banks",
           "resume_config"]

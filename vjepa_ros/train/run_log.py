"""The lines a training run logs about its encoder and its data (``vjepa-ros train``'s set-up).

:func:`describe_encoder`: width, depth, input size, tokens per frame, parameters;
:func:`log_data`: the train/val episodes, segments, frames and clips, failed tasks, how the
validation data was held out, the features encoded and the batch per step.
"""

from __future__ import annotations

from vjepa_ros.counts import counted
from vjepa_ros.models import VisionEncoder
from vjepa_ros.train.config import TrainConfig
from vjepa_ros.train.distributed import Topology
from vjepa_ros.train.predictor_init import count_parameters


def describe_encoder(encoder: VisionEncoder) -> str:
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


def _split_text(info: dict, most: int = 3) -> str:
    """``; held out: 9 % of the frames (whole episodes, ...): ep3.npz``: how and which.

    Names the held-out sources (at most ``most``, the rest counted; user59w: a run on a mix of
    bags held out one the line did not name, and its validation loss is of that recording).
    """
    if not info.get("split"):
        return ""  # --val given
    frames = info["val"]["frames"] + info["train"]["frames"]
    names = info["val"].get("names") or []
    shown = ", ".join(names[:most]) + (f" and {len(names) - most} more"
                                       if len(names) > most else "")
    return f"; held out: {100 * info['val']['frames'] / frames:.0f} % of the frames " \
        f"({info['split']})" + (f": {shown}" if shown else "")


def held_out_note(info: dict, val_fraction: float) -> str:
    """Say that the automatic split held out far more than ``val_fraction`` ("" if not).

    Whole episodes are held out, at least one: with a few (2 bags: one of them, half the
    frames) the held-out share is twice ``val_fraction`` or more, and the run trains on that
    much less (user59w). ``info``: the run's data info (``split`` set: no ``--val`` given).
    """
    if not info.get("split") or not info.get("val") or not info.get("train"):
        return ""
    val, frames = info["val"]["frames"], info["val"]["frames"] + info["train"]["frames"]
    if val <= 2 * val_fraction * frames:
        return ""
    return (f"held out {100 * val / frames:.0f} % of the frames for validation, more than twice "
            f"--val-fraction {val_fraction:g}: the split holds out whole episodes, at least one, "
            f"and there are {info['val']['sources'] + info['train']['sources']}; to train on "
            "all of them give --val a recording kept for validation, or --val-fraction 0 (no "
            "validation loss)")


def log_data(info: dict, config: TrainConfig, log, topology: Topology) -> None:
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
    note = held_out_note(info, config.data.val_fraction)
    if note:
        log(f"note        {note}")
    feats = info["features"]
    per_frame = feats["seconds"] / feats["encoded"] * 1e3 if feats["encoded"] else 0.0
    line = (f"features    {feats['encoded']} frames encoded in {feats['seconds']:.1f} s "
            f"({per_frame:.1f} ms/frame), {feats['from_disk']} from disk; "
            f"{feats['megabytes']:.1f} MB {feats['dtype']}")
    if feats.get("duplicate_frames"):  # compared by their features: encoded before skipped
        line += (f" ({feats['duplicate_frames']} of the frames counted are the skipped "
                 "duplicates', not trained on)")
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

"""What ``vjepa-ros pretrain`` says of its frames and of a stopped run's encoder.

The frames' recorded sizes and their sources, the memory they hold and at which size, the
notes on frames smaller than the encoder's input, and the tensors of an encoder that became
non-finite (``pretrain_command.save_stopped`` does not save it).
"""

from __future__ import annotations


def frame_sizes_text(sizes: list) -> str:
    """Say the frames' recorded sizes: ``640x480``; ``of 2 sizes (WxH in a.npz; ...)``.

    ``sizes``: (H, W, source) of each segment (``load_clip_segments``' ``sizes``).
    """
    from vjepa_ros.train.pretrain_data import frame_size_text

    origins: dict[tuple, list[str]] = {}
    for height, width, source in sizes:
        names = origins.setdefault((height, width), [])
        names += [] if source in names else [source]
    if len(origins) == 1:
        (height, width), = origins
        return f"{width}x{height}"
    return f"of {len(origins)} sizes ({frame_size_text(origins)})"


def held_text(frame_bytes: int, resize_to: int | None, sizes: list) -> str:
    """Say the frames' memory held while pretraining and at which size they are kept."""
    if resize_to and any(h * w > resize_to * resize_to for h, w, _ in sizes):
        kept = f"those larger kept at {resize_to}x{resize_to}, as the encoder sees them"
    else:
        kept = "kept as recorded" + (" (the random crop cuts from them)" if not resize_to else "")
    return f"{frame_bytes / 2**20:.1f} MiB of frames held ({kept})"


def non_finite_weights(encoder, most: int = 2) -> str:
    """Name the ``encoder``'s tensors holding NaN or inf ("" when all are finite)."""
    import torch

    names = [name for name, value in encoder.state_dict().items()
             if value.is_floating_point() and not bool(torch.isfinite(value).all())]
    return ", ".join(names[:most]) + (f" and {len(names) - most} more" if len(names) > most
                                      else "")


def size_notes(segments, sizes: list, img_size: int) -> list[str]:
    """Return a note for each recorded frame size under ``img_size`` [px] (upsampled).

    ``sizes``: (H, W, source) of each of ``segments`` as recorded.
    """
    from vjepa_ros.image_notes import grouped_frame_size_notes

    advice = (f"collect them at {img_size}x{img_size} or larger (collect --width/--height), or "
              "lower img_size in --config")
    return grouped_frame_size_notes(
        [(segment, size[:2]) for segment, size in zip(segments, sizes, strict=True)], img_size,
        lambda group: "the frames", lambda width, height: advice, model="the encoder",
        risk="it learns from frames blurred by the upsampling")

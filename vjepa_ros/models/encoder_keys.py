"""The checkpoint entries an encoder is read from, checked without importing torch.

The planner node checks ``model.encoder_key`` with its other parameters (at start-up and when
set at run time) before torch loads; :func:`vjepa_ros.models.checkpoint_entries.split_checkpoint`
checks it again where a file is read.
"""

from __future__ import annotations

ENCODER_KEYS = ("encoder", "target_encoder")


def check_encoder_key(encoder_key: str) -> None:
    """Raise ValueError unless ``encoder_key`` is one of :data:`ENCODER_KEYS`."""
    if encoder_key not in ENCODER_KEYS:
        raise ValueError(f"encoder_key must be one of {ENCODER_KEYS}, got {encoder_key!r}")

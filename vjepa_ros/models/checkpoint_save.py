"""Writing a world model in the official checkpoint format (with a ``config`` entry)."""

from pathlib import Path

import torch
from torch import Tensor, nn

from vjepa_ros.atomic_files import replacing

from .encoder import VisionEncoder
from .predictor import ACPredictor


def _cpu_state(module: nn.Module, prefix: str) -> dict[str, Tensor]:
    return {prefix + key: value.detach().to("cpu").contiguous()
            for key, value in module.state_dict().items()}


def save_world_model(path, encoder: VisionEncoder, predictor: ACPredictor | None = None,
                     config: bool = True, prefix: str = "module.", extra: dict | None = None,
                     data: dict | None = None):
    """Write the official format, atomically, to ``path`` (``~`` expanded); return the path.

    {"encoder", "predictor"?, "config"?}: state dicts with keys starting with ``prefix``, as in the
    official DDP-trained files. ``extra``: more entries (e.g. epoch, optimizer state) for training
    checkpoints. ``data``: what the model was trained on, ``config["data"]`` (with ``config``
    only), e.g. ``{"frame_sizes": [[128, 128]]}`` ([height, width] px, read back by
    :func:`trained_frame_sizes`).
    """
    payload = {"encoder": _cpu_state(encoder, prefix)}
    if predictor is not None:
        payload["predictor"] = _cpu_state(predictor, prefix)
    if config:
        payload["config"] = {"encoder": encoder.config.to_dict()}
        if predictor is not None:
            payload["config"]["predictor"] = predictor.config.to_dict()
        if data:
            payload["config"]["data"] = data
    for key, value in (extra or {}).items():
        if key in payload:
            raise ValueError(f"extra entry {key!r} would overwrite the model weights/config")
        payload[key] = value
    path = Path(path).expanduser()
    with replacing(path) as partial, open(partial, "wb") as file:
        torch.save(payload, file)  # a Python file: a short write's errno (ENOSPC, EFBIG) is kept
    return path

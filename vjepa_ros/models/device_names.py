"""Device and dtype names of the world model, checked without importing torch.

A command that plans checks ``--device`` and ``--dtype`` before torch loads (seconds; a minute on
a busy machine), in the words :func:`vjepa_ros.models.world_model.resolve_device` and
``resolve_dtype`` use once torch is there; whether this machine has the device (CUDA, MPS) is
known only to torch and is checked there.
"""

from __future__ import annotations

import re

# Devices vjepa_ros runs on, as torch.device names them: TYPE or TYPE:INDEX.
DEVICE_TYPES = ("cpu", "cuda", "mps")
# Dtype names (lower case) -> the torch dtype attribute they mean.
DTYPE_NAMES = {
    "float32": "float32", "fp32": "float32", "float": "float32",
    "bfloat16": "bfloat16", "bf16": "bfloat16",
    "float16": "float16", "fp16": "float16", "half": "float16",
}


def dtype_help(default: str = "bfloat16 on CUDA, float32 on CPU") -> str:
    """Return the help of a ``--dtype`` option: the names :func:`check_dtype_name` takes."""
    canonical = list(dict.fromkeys(DTYPE_NAMES.values()))
    others = [name for name in DTYPE_NAMES if name not in canonical]
    return (f"{', '.join(canonical[:-1])} or {canonical[-1]} (also {', '.join(others)}; "
            f"default: {default})")


def check_device_name(device: str) -> str:
    """Return ``device`` when it names a device vjepa_ros runs on (``cpu``, ``cuda:1``, ``mps``).

    Raises ValueError ``unknown device 'X': use cpu, cuda, cuda:N or mps`` otherwise (a name
    torch does not know, or a type such as ``meta`` or ``xpu`` the models do not run on).
    """
    if not re.fullmatch(rf"(?:{'|'.join(DEVICE_TYPES)})(?::\d+)?", str(device)):
        raise ValueError(f"unknown device {device!r}: use cpu, cuda, cuda:N or mps")
    return device


def check_dtype_name(dtype: str) -> str:
    """Return the canonical name (``float32``, ``bfloat16``, ``float16``) of dtype name ``dtype``.

    Case-insensitive; raises ValueError ``unknown dtype 'X'; use one of [...]`` otherwise.
    """
    name = str(dtype).lower()
    if name not in DTYPE_NAMES:
        raise ValueError(f"unknown dtype {dtype!r}; use one of {sorted(DTYPE_NAMES)}")
    return DTYPE_NAMES[name]


def check_device_and_dtype(device: str | None, dtype: str | None,
                           names: tuple[str, str] = ("device", "dtype")) -> None:
    """Check a device and a dtype name where given (None or empty: the default).

    Raises ValueError ``NAME: ...`` (``--device: unknown device 'tpu': ...``), ``names`` being
    how the message names the two (options of a command, or settings of a file).
    """
    for name, value, check in ((names[0], device, check_device_name),
                               (names[1], dtype, check_dtype_name)):
        if value:
            try:
                check(value)
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None

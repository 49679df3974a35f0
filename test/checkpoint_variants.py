"""Checkpoint files changed on purpose, and the one-line refusal a load gives of one.

:func:`variant` writes a saved world model changed by a function of its raw entries;
:func:`refusal` returns the one-line ``CheckpointError`` a call raises naming the path;
:data:`LFS_POINTER`: what a git-lfs clone without the file leaves. First written for breaker54d.
"""

import pytest
import torch

from vjepa_ros.models import CheckpointError

LFS_POINTER = (b"version https://git-lfs.github.com/spec/v1\noid sha256:"
               b"4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
               b"size 10031857664\n")


def variant(saved, path, change):
    """Write ``saved`` changed by ``change(raw)`` to ``path`` (entries and config copied)."""
    raw = torch.load(saved, weights_only=True)
    raw["config"] = {key: dict(value) for key, value in raw["config"].items()}
    change(raw)
    torch.save(raw, path)
    return path


def refusal(call, path) -> str:
    """Return the one-line CheckpointError ``call()`` raises naming ``path`` (else fail)."""
    with pytest.raises(CheckpointError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message and str(path) in message, message
    return message

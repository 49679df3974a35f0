"""A torchrun survivor stopped before training started says nothing (test_breaker51b's race).

When one rank fails while building the trainer, torchrun sends SIGTERM to the others. Rank 0
usually learns of it first through a failed collective (silent: the failing rank's line names the
cause), but when the SIGTERM comes first it printed "terminated before training started", a line
that names no cause (test_breaker51b failed so, now and then, under load). Driven here without
torchrun: the process group and the trainer's build are stand-ins.
"""

from __future__ import annotations

import argparse
import contextlib
from types import SimpleNamespace

import pytest

from vjepa_ros.terminate import Terminated
from vjepa_ros.train import command, distributed, prepare


def _stopped(monkeypatch, capsys, world_size: int, stop: KeyboardInterrupt):
    @contextlib.contextmanager
    def group(device=""):
        yield distributed.Topology(rank=0, world_size=world_size)

    def build(*args, **kwargs):
        raise stop

    monkeypatch.setattr(command, "config_from_args",
                        lambda args: SimpleNamespace(progress=False, device="cpu"))
    monkeypatch.setattr(distributed, "process_group", group)
    monkeypatch.setattr(prepare, "build_trainer", build)
    status = command.cmd_train(argparse.Namespace(threads=None, resume=False))
    return status, capsys.readouterr().err


def test_rank_0_terminated_by_torchrun_before_training_says_nothing(monkeypatch, capsys):
    status, err = _stopped(monkeypatch, capsys, 2, Terminated())
    assert status == 143 and err == ""


@pytest.mark.parametrize("world_size, stop, word, code", [
    (1, Terminated(), "terminated", 143),  # one process: a person's SIGTERM, said
    (2, KeyboardInterrupt(), "interrupted", 130),  # Ctrl-C reaches every rank: rank 0 says it
])
def test_a_stop_a_person_gave_before_training_is_said(monkeypatch, capsys, world_size, stop,
                                                      word, code):
    status, err = _stopped(monkeypatch, capsys, world_size, stop)
    assert status == code
    assert err.strip() == f"vjepa-ros train: {word} before training started"

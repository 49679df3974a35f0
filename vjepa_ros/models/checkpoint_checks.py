"""The checks of a checkpoint's entries that both the cheap check and the load run.

:data:`ENTRY_CHECKS` is one list of functions run by
:func:`~vjepa_ros.models.checkpoint.check_checkpoint` (before a command starts its nodes) and by
:func:`~vjepa_ros.models.checkpoint.load_parts` (before a module is built), so that the cheap
check refuses what the load refuses (breaker52h: the two had drifted apart). Each reads dtypes,
shapes and the ``config`` only, never a weight's data (a memory-mapped file stays unread). The
load's checks of the data (NaN or inf) and of the built modules are its own. Used by
:mod:`vjepa_ros.models.checkpoint` and ``checkpoint_build``.
"""

import dataclasses

import torch
from torch import Tensor

from vjepa_ros.name_lists import first_names

from .checkpoint_shapes import _shape_values
from .errors import CheckpointError
from .planner_inputs import (
    check_action_sizes,
    check_frame_channels,
    check_no_extrinsics,
    no_predictor,
)

IGNORED_ENCODER_KEYS = ("pos_embed",)  # an encoder weight the models do not read (RoPE)
LOADABLE_DTYPES = (torch.float32, torch.float16, torch.bfloat16, torch.float64)


def check_weight_dtypes(state: dict, what: str, path) -> None:
    """Raise :class:`CheckpointError` for weights of a dtype the models cannot compute in.

    ``state``: a state dict (``what``: encoder, predictor); :data:`LOADABLE_DTYPES` only: an
    integer, bool, complex, quantized (``quint8``) or float8 weight (an export for another
    runtime) would fail in torch naming no file. One line naming ``path`` and the weights.
    """
    bad = [f"{key} ({str(value.dtype).removeprefix('torch.')})" for key, value in state.items()
           if value.dtype not in LOADABLE_DTYPES and
           not (what == "encoder" and key in IGNORED_ENCODER_KEYS)]
    if bad:
        raise CheckpointError(f"{path}: {what} weights {first_names(bad, 3)} are not float32, "
                              "float16, bfloat16 or float64 (a quantized or float8 export?): "
                              "give the float32, float16 or bfloat16 checkpoint")


@dataclasses.dataclass(frozen=True)
class Entries:
    """A checkpoint's entries, as each of :data:`ENTRY_CHECKS` reads them (by name, not order).

    ``encoder`` / ``predictor``: state dicts (name -> Tensor), None when not read (a folder in
    the cheap check) or absent; ``config``: the file's ``config`` dict; ``path``: the file,
    named in every refusal; ``need_predictor``: a command that plans.
    """

    encoder: dict | None
    predictor: dict | None
    config: dict
    path: object
    need_predictor: bool = False

    def states(self):
        """Yield (what, state dict) for the encoder and predictor entries that were read."""
        for what, state in (("encoder", self.encoder), ("predictor", self.predictor)):
            if state is not None:
                yield what, state


def _predictor_needed(entries: Entries) -> None:
    if entries.need_predictor and entries.predictor is None:  # an HF folder never holds one
        raise no_predictor(entries.path)


def _dtypes(entries: Entries) -> None:
    for what, state in entries.states():
        check_weight_dtypes(state, what, entries.path)


def _ranks(entries: Entries) -> None:
    for what, state in entries.states():  # the weights the shapes are read from: of their rank
        _shape_values(what, state, entries.path)


def _config_values(entries: Entries) -> None:
    for what in ("encoder", "predictor"):
        tensors = [name for name, value in entries.config.get(what, {}).items()
                   if isinstance(value, Tensor)]
        if tensors:  # a hyper-parameter is a number, a list or a string, never a tensor
            raise CheckpointError(
                f"{entries.path}: its config records {what} hyper-parameter(s) "
                f"{first_names(tensors, 3)} as tensors, not numbers: re-save the file with "
                "plain values (.item()), or give another checkpoint")


def _planner_inputs(entries: Entries) -> None:
    if entries.need_predictor:  # what the planner node refuses: before a command starts nodes
        check_frame_channels(entries.encoder, entries.path)
        check_action_sizes(entries.predictor, entries.path)
        check_no_extrinsics(entries.config.get("predictor", {}).get("use_extrinsics"),
                            entries.path)


# Each takes one Entries and returns None or raises CheckpointError naming entries.path
ENTRY_CHECKS = (_predictor_needed, _dtypes, _ranks, _config_values, _planner_inputs)


def check_entries(encoder: dict | None, predictor: dict | None, config: dict, path,
                  need_predictor: bool = False) -> None:
    """Run :data:`ENTRY_CHECKS` on a checkpoint's entries (``split_checkpoint``'s three).

    ``encoder``: None for a folder not read (the cheap check); ``need_predictor``: a command
    that plans (an AC predictor the planner can feed). Raises :class:`CheckpointError`, one line
    naming ``path``: no predictor when one is needed, a weight of a dtype not loadable, a weight
    the architecture is read from of another rank, a tensor as a config value, a predictor the
    planner cannot feed.
    """
    entries = Entries(encoder, predictor, config, path, need_predictor)
    for check in ENTRY_CHECKS:
        check(entries)

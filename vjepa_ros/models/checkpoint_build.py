"""Encoder and predictor modules built on ``meta`` and given a checkpoint's weights, strictly.

Any missing, unexpected, mis-shaped, non-float or non-finite weight is one
:class:`CheckpointError`: nothing is ever partially loaded. ``load=False`` builds the same
module on ``meta`` and checks the same keys, shapes and dtypes without reading a weight's data:
the cheap check (``checkpoint.check_checkpoint``) and the load run one rule (breaker54d). Used
by :mod:`vjepa_ros.models.checkpoint`.
"""

import math

import torch
from torch import nn

from vjepa_ros.name_lists import first_names
from vjepa_ros.path_text import one_line

from .checkpoint_checks import IGNORED_ENCODER_KEYS, check_weight_dtypes
from .checkpoint_shapes import _depth
from .encoder import VisionEncoder
from .errors import CheckpointError
from .official_names import UnknownHyperParameters
from .predictor import ACPredictor
from .presets import encoder_config, predictor_config


def check_fit(module: nn.Module, state: dict, what: str, path) -> None:
    """Raise :class:`CheckpointError` unless ``state``'s keys and shapes are ``module``'s.

    ``module``: built on ``meta`` (no weight allocated); ``state``: the file's state dict for
    ``what`` (encoder, predictor), whose data is not read. Missing, unexpected or mis-shaped
    keys, and weights of a dtype the model cannot compute in
    (``checkpoint_checks.check_weight_dtypes``: int, quantized, float8), one line naming
    ``path``.
    """
    expected = {key: tuple(value.shape) for key, value in module.state_dict().items()}
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    mismatched = [f"{key} {tuple(state[key].shape)} vs {shape}" for key, shape in
                  expected.items() if key in state and tuple(state[key].shape) != shape]
    if missing or unexpected or mismatched:
        parts = []
        for label, items in (("missing keys", missing), ("unexpected keys", unexpected),
                             ("shape mismatches (file vs model)", mismatched)):
            if items:
                parts.append(f"{len(items)} {label}: {first_names(items, 5, ' (+{count} more)')}")
        raise CheckpointError(f"{path}: {what} weights do not match the model "
                              f"{module.config}: " + "; ".join(parts))
    check_weight_dtypes(state, what, path)  # as the cheap check (checkpoint_checks)


# Where a state dict's blocks are numbered (checkpoint_shapes._depth), by part
BLOCKS = {"encoder": "blocks", "predictor": "predictor_blocks"}


def check_config_depth(kind: str, hyper_parameters: dict, state: dict, path) -> None:
    """Raise :class:`CheckpointError` for a ``depth`` other than the weights' count of blocks.

    Before a module is built: a depth of 10**7 in a file's config was built (ten million
    blocks on ``meta``: minutes, then memory) before :func:`check_fit` compared it
    (breaker56d). A positive whole ``depth`` (``2``, ``2.0``) must be the number of blocks
    ``state`` holds (``blocks.{i}``, ``predictor_blocks.{i}``); any other value (0, -1, NaN,
    a string) is the config's to refuse. The line: ``{path}: {kind} weights do not match the
    model ...: depth D there, N blocks in the weights (missing keys: blocks.N.* to ...)``.
    """
    depth = hyper_parameters.get("depth")
    if isinstance(depth, bool) or not isinstance(depth, (int, float)) or \
            not math.isfinite(depth) or depth <= 0 or depth != int(depth):
        return
    depth, held = int(depth), _depth(state, BLOCKS[kind])
    if depth != held:
        low, high = sorted((depth, held))
        which = "missing keys" if depth > held else "unexpected keys"
        raise CheckpointError(
            f"{path}: {kind} weights do not match the model its hyper-parameters describe: "
            f"depth {depth} there, {held} blocks in the weights ({which}: {BLOCKS[kind]}.{low}.* "
            f"to {BLOCKS[kind]}.{high - 1}.*); give the config saved with these weights (or "
            "leave depth out: the weights tell it)")


def _build(module_class, config, kind: str, path) -> nn.Module:
    """Return ``module_class(config)`` built on ``meta``; CheckpointError when none can be.

    A config width no tensor can have (``embed_dim`` 10**9: "Storage size calculation
    overflowed", even on ``meta``) is the file's config against its weights, said naming
    ``path`` (breaker56d), not a RuntimeError naming nothing.
    """
    try:
        with torch.device("meta"):
            return module_class(config)
    except (RuntimeError, OverflowError, MemoryError) as err:
        if isinstance(err, RuntimeError) and "overflow" not in str(err).lower():
            raise
        raise CheckpointError(
            f"{path}: {kind} weights do not match the model {config}: no model of these sizes "
            f"can be built ({one_line(str(err))}); give the config saved with these weights") \
            from None


def _load_into(module: nn.Module, state: dict, what: str, path) -> nn.Module:
    """Strictly load ``state`` into a module built on ``meta`` (its tensors are adopted).

    CheckpointError for what :func:`check_fit` refuses, and for NaN/inf weights.
    """
    check_fit(module, state, what, path)
    not_finite = [key for key, value in state.items()
                  if value.is_floating_point() and not bool(torch.isfinite(value).all())]
    if not_finite:  # a diverged run or a damaged file: every plan would be NaN
        raise CheckpointError(f"{path}: {what} weights hold NaN or inf in {len(not_finite)} "
                              f"tensors ({', '.join(not_finite[:3])}): the file is damaged or "
                              "its training diverged; give an earlier checkpoint of the run")
    module.load_state_dict(state, strict=True, assign=True)
    return module


def build_encoder_from_state(state: dict, hyper_parameters: dict, path="checkpoint",
                             recorded: dict | None = None, load: bool = True):
    """Build the encoder of ``hyper_parameters`` with ``state``'s weights: _build_from_state."""
    state = {k: v for k, v in state.items() if k not in IGNORED_ENCODER_KEYS}
    return _build_from_state("encoder", encoder_config, VisionEncoder, state, hyper_parameters,
                             path, recorded, load)


def build_predictor_from_state(state: dict, hyper_parameters: dict, path="checkpoint",
                               recorded: dict | None = None, load: bool = True):
    """Build the AC predictor of ``hyper_parameters`` with ``state``'s weights."""
    return _build_from_state("predictor", predictor_config, ACPredictor, state,
                             hyper_parameters, path, recorded, load)


def _build_from_state(kind: str, make_config, module_class, state: dict,
                      hyper_parameters: dict, path, recorded: dict | None = None,
                      load: bool = True) -> nn.Module:
    """Build ``module_class`` of ``make_config(**hyper_parameters)`` with ``state``'s weights.

    Raises CheckpointError naming ``path`` and ``kind`` (``encoder``, ``predictor``) for
    hyper-parameters the config refuses, or weights that do not fit (``_load_into``).
    ``recorded``: what the file's ``config`` records for ``kind``; a name of it this version
    does not know (``rope_theta``: a file of a newer vjepa_ros) is refused saying so.
    ``load`` False: the module stays on ``meta``, its fit checked (:func:`check_fit`), no
    weight's data read. A depth the weights contradict is refused before anything is built
    (:func:`check_config_depth`), a size no tensor can have as it is built (:func:`_build`).
    """
    check_config_depth(kind, hyper_parameters, state, path)
    try:
        config = make_config(**hyper_parameters)
    except UnknownHyperParameters as err:
        newer = [name for name in err.names if name in (recorded or {})]
        if not newer:
            raise CheckpointError(f"{path}: bad {kind} hyper-parameters: {err}") from err
        raise CheckpointError(
            f"{path}: its config records {kind} hyper-parameter(s) {newer} that this vjepa_ros "
            "does not know (a file written by a newer version?): upgrade vjepa_ros, or give a "
            "file written by this one") from err
    except (TypeError, ValueError) as err:
        raise CheckpointError(f"{path}: bad {kind} hyper-parameters: {err}") from err
    module = _build(module_class, config, kind, path)
    if not load:
        check_fit(module, state, kind, path)
        return module
    return _load_into(module, state, kind, path)

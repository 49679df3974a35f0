"""The entries of a loaded checkpoint file: encoder and predictor state dicts, ``config``.

:func:`split_checkpoint` tells what ``torch.load`` gave (an official dict, a bare encoder state
dict), strips the ``module.``/``backbone.``/``_orig_mod.`` key prefixes and converts an encoder
in transformers' key names (``torch.save(VJEPA2Model.state_dict())``, or its ``.encoder``'s)
with :func:`~vjepa_ros.models.hf.hf_to_official_encoder`; anything else, and weights that hold
no data (meta) or are not dense (sparse), is one :class:`CheckpointError`. Used by
:mod:`vjepa_ros.models.checkpoint`.
"""

from pathlib import Path

import torch
from torch import Tensor

from vjepa_ros.name_lists import first_names

from .checkpoint_file import SAFETENSORS_ALONE, not_a_checkpoint
from .encoder_keys import ENCODER_KEYS, check_encoder_key
from .errors import CheckpointError
from .hf import hf_to_official_encoder

PREFIXES = ("module.", "backbone.", "_orig_mod.")  # DDP, the official files, torch.compile
AC_PREDICTOR_PARTS = ("action_encoder.", "state_encoder.")  # what the mask predictor lacks
HF_PATCH_KEY = "embeddings.patch_embeddings.proj.weight"  # transformers' VJEPA2 encoder's


def strip_prefixes(state_dict: dict, path=None) -> dict:
    """Drop leading ``module.``/``backbone.``/``_orig_mod.`` (any order and number) from keys.

    Two keys that become one (``module.norm.weight`` beside ``norm.weight``): CheckpointError,
    naming ``path`` (the file) when given.
    """
    stripped = {}
    for key, value in state_dict.items():
        name = key
        while name.startswith(PREFIXES):
            name = name.split(".", 1)[1]
        if name in stripped:
            where = f"{path}: " if path is not None else ""
            raise CheckpointError(f"{where}keys {key!r} and another both become {name!r} "
                                  "once module./backbone./_orig_mod. prefixes are removed: give "
                                  "a file that holds each weight once")
        stripped[name] = value
    return stripped


def official_encoder_names(state: dict, path) -> dict:
    """Return an encoder state dict in official names; one in transformers' names converted.

    ``state``: prefixes stripped. transformers' ``VJEPA2Model`` keys (``encoder.embeddings.``
    ..., optionally ``vjepa2.``-prefixed; its ``predictor.*`` dropped) or its ``.encoder``'s own
    (``embeddings.`` ...) go through :func:`~vjepa_ros.models.hf.hf_to_official_encoder` (the
    query/key/value weights concatenated into qkv: exact); any other dict is returned as is.
    CheckpointError naming ``path`` for transformers' names that do not convert.
    """
    if "patch_embed.proj.weight" in state:
        return state
    if HF_PATCH_KEY in state:  # VJEPA2Model.encoder.state_dict(): the model's without "encoder."
        state = {f"encoder.{key}": value for key, value in state.items()}
    if not any(key.removeprefix("vjepa2.") == f"encoder.{HF_PATCH_KEY}" for key in state):
        return state
    try:
        return hf_to_official_encoder(state)
    except CheckpointError as err:
        raise CheckpointError(f"{path}: an encoder in transformers' (Hugging Face) key names "
                              f"that do not convert: {err}; give its save_pretrained snapshot "
                              "folder") from None


def check_dense(state: dict, what: str, path) -> None:
    """Raise :class:`CheckpointError` for weights with no data or not stored dense.

    A meta tensor (saved from a model built on ``meta`` before its weights were loaded), one on
    any device but the CPU ``torch.load`` maps to, a sparse, mkldnn or other non-strided layout:
    torch would fail on it in many lines naming no file. One line naming ``path``, ``what``
    (encoder, predictor) and the weights.
    """
    meta = [key for key, value in state.items() if value.device.type != "cpu"]
    if meta:
        raise CheckpointError(
            f"{path}: {what} weight(s) {first_names(meta, 3)} hold no data (meta tensors: saved "
            "from a model built on the meta device before its weights were loaded): re-save the "
            "file after loading its weights, or give another checkpoint")
    other = [f"{key} ({str(value.layout).removeprefix('torch.')})"
             for key, value in state.items() if value.layout != torch.strided]
    if other:
        raise CheckpointError(
            f"{path}: {what} weight(s) {first_names(other, 3)} are not dense tensors: re-save "
            "them dense (tensor.to_dense()), or give another checkpoint")


def _tensor_dict(value, what: str, path) -> dict[str, Tensor]:
    if not isinstance(value, dict) or not value:
        raise not_a_checkpoint(path, f"its {what} entry is a {type(value).__name__}, not a "
                               "state dict")
    not_tensors = [key for key, tensor in value.items() if not isinstance(tensor, Tensor)]
    if not_tensors:
        raise not_a_checkpoint(path, f"its {what} entry is not a state dict: non-tensor "
                               f"entries {not_tensors[:5]}")
    return strip_prefixes(value, path)


def split_checkpoint(raw, path, encoder_key: str = "encoder"):
    """Split a loaded file into (encoder state, predictor state or None, config dict).

    Raises :class:`CheckpointError` (:func:`not_a_checkpoint`) for anything else torch.save
    can hold: a tensor, a list, an optimizer state, a state dict of another network.
    """
    check_encoder_key(encoder_key)
    if not isinstance(raw, dict):
        raise not_a_checkpoint(path, f"it holds a {type(raw).__name__}, not a dict with an "
                               "'encoder' state dict")
    if raw and all(isinstance(value, Tensor) for value in raw.values()):  # a bare state dict
        state = official_encoder_names(strip_prefixes(raw, path), path)
        if "patch_embed.proj.weight" not in state:
            if Path(path).suffix.lower() == ".safetensors":  # torch reads them: HF's names
                raise CheckpointError(f"{path} is {SAFETENSORS_ALONE}")
            raise not_a_checkpoint(path, f"a state dict without patch_embed.proj.weight, first "
                                   f"keys {sorted(state)[:5]}: not an encoder")
        check_dense(state, "encoder", path)
        return state, None, {}
    present = [key for key in ENCODER_KEYS if key in raw]
    if not present:
        optimizer = {"state", "param_groups"} <= set(raw)
        raise not_a_checkpoint(path, ("an optimizer state" if optimizer else "a dict") +
                               f" without an 'encoder' entry, entries "
                               f"{sorted(map(str, raw))[:10]}")
    if encoder_key not in raw:
        raise CheckpointError(
            f"{path} has no {encoder_key!r} entry; it has {present}: choose it with "
            f"encoder_key {present[0]} (vjepa-ros train: --encoder-key {present[0]}; the planner "
            f"node: -p planner.model.encoder_key:={present[0]}; Python: "
            f"encoder_key={present[0]!r})")
    encoder_state = official_encoder_names(_tensor_dict(raw[encoder_key], f"'{encoder_key}'",
                                                        path), path)
    if "patch_embed.proj.weight" not in encoder_state:
        raise not_a_checkpoint(path, f"its '{encoder_key}' state dict has no "
                               f"patch_embed.proj.weight, first keys {sorted(encoder_state)[:5]}")
    predictor_state = None
    if raw.get("predictor") is not None:
        predictor_state = _tensor_dict(raw["predictor"], "'predictor'", path)
        if not any(key.startswith(AC_PREDICTOR_PARTS) for key in predictor_state):
            # Pretraining files (vitl.pt, vitg.pt, ...) hold the V-JEPA 2 *mask* predictor
            # (mask_tokens, no action/state encoders): not an AC predictor, not loaded. One with
            # either encoder is an AC predictor: a part missing is named when it loads.
            predictor_state = None
    check_dense(encoder_state, "encoder", path)
    if predictor_state is not None:
        check_dense(predictor_state, "predictor", path)
    config = raw.get("config") or {}
    if not isinstance(config, dict) or not all(isinstance(v, dict) for v in config.values()):
        raise CheckpointError(f"{path}: 'config' must map 'encoder'/'predictor' to dicts")
    return encoder_state, predictor_state, config

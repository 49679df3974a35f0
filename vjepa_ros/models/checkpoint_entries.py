"""The entries of a loaded checkpoint file: encoder and predictor state dicts, ``config``.

:func:`split_checkpoint` tells what ``torch.load`` gave (an official dict, a bare encoder state
dict), strips the ``module.``/``backbone.``/``_orig_mod.`` key prefixes and converts an encoder
in transformers' key names (``torch.save(VJEPA2Model.state_dict())``, or its ``.encoder``'s)
with :func:`~vjepa_ros.models.hf.hf_to_official_encoder`; a state dict whose every key carries
one more prefix (``predictor.action_encoder.weight``: a combined module's state dict split by
name) is read without it (:func:`outer_prefix`, breaker54d). Anything else, a V-JEPA 2.1 encoder
(:func:`refuse_vjepa_2_1`), keys that are not weight names (an ``int``), a ``config`` that is no
dict, and weights that hold no data (meta) or are not dense (sparse), is one
:class:`CheckpointError` naming the file. Used by :mod:`vjepa_ros.models.checkpoint`.
"""

from pathlib import Path

import torch
from torch import Tensor

from vjepa_ros.name_lists import first_names
from vjepa_ros.start_forms import start_forms

from .checkpoint_file import SAFETENSORS_ALONE, not_a_checkpoint
from .encoder_keys import ENCODER_KEYS, check_encoder_key
from .errors import CheckpointError
from .hf import hf_to_official_encoder

COMPILED = "_orig_mod."  # torch.compile's wrapper: before the names of the module it compiled
PREFIXES = ("module.", "backbone.", COMPILED)  # DDP, the official files, torch.compile
AC_PREDICTOR_PARTS = ("action_encoder.", "state_encoder.")  # what the mask predictor lacks
HF_PATCH_KEY = "embeddings.patch_embeddings.proj.weight"  # transformers' VJEPA2 encoder's
ENCODER_ANCHOR = "patch_embed.proj.weight"  # every V-JEPA 2 encoder's (official names)
# The weights of a V-JEPA 2.1 encoder that a 2.0 one lacks (Meta's vjepa2 repository, 2.1 models:
# an image patch embedding beside the video one, modality embeddings, per-block output norms):
# key parts, any prefix
VJEPA_2_1_PARTS = ("patch_embed_img", "norms_block", "img_mod_embed", "video_mod_embed")
# The entries of a pretraining file an encoder may sit in (2.1 files: ema_encoder)
ENCODER_ENTRIES = (*ENCODER_KEYS, "ema_encoder")
OFFICIAL_2_0 = ("give a V-JEPA 2 (2.0) checkpoint: Meta's vjepa2-ac-vitg.pt (the world model), "
                "or its pretrained encoders vitl.pt, vith.pt, vitg.pt, vitg-384.pt (vjepa-ros "
                "train --encoder)")


def check_weight_names(state: dict, what: str, path) -> None:
    """Raise :class:`CheckpointError` unless every key of ``state`` is a string (a weight name).

    ``torch.save(dict(enumerate(features)))`` (a per-frame cache given by mistake) holds
    tensors under ``int`` keys: one line naming ``path``, ``what`` (the file, its 'encoder'
    entry) and the keys, not an AttributeError of the prefix stripping.
    """
    other = [key for key in state if not isinstance(key, str)]
    if other:
        kinds = sorted({type(key).__name__ for key in other})
        raise not_a_checkpoint(path, f"{what} holds tensors under {'/'.join(kinds)} keys "
                               f"{first_names(map(repr, other), 3)}, not weight names: a "
                               "cache of features or frames?")


def strip_prefixes(state_dict: dict, path=None) -> dict:
    """Drop leading ``module.``/``backbone.``/``_orig_mod.`` (any order and number) from keys.

    ``_orig_mod.`` goes wherever it sits: ``torch.compile`` wraps a module in one whose state
    dict puts it before the module's own names, so blocks compiled one by one (regional
    compilation) save ``blocks.0._orig_mod.attn.qkv.weight`` (breaker54l); no V-JEPA 2 weight
    name holds that part. Two keys that become one (``module.norm.weight`` beside
    ``norm.weight``): CheckpointError, naming ``path`` (the file) when given; so are keys that
    are not strings (:func:`check_weight_names`).
    """
    check_weight_names(state_dict, "a state dict", path)
    stripped = {}
    for key, value in state_dict.items():
        name = key
        while name.startswith(PREFIXES):
            name = name.split(".", 1)[1]
        if f".{COMPILED}" in name:  # a module compiled inside the model
            name = ".".join(part for part in name.split(".") if f"{part}." != COMPILED)
        if name in stripped:
            where = f"{path}: " if path is not None else ""
            raise CheckpointError(f"{where}keys {key!r} and another both become {name!r} "
                                  "once module./backbone./_orig_mod. prefixes are removed: give "
                                  "a file that holds each weight once")
        stripped[name] = value
    return stripped


def outer_prefix(state: dict, anchors: tuple[str, ...], what: str, path) -> dict:
    """Return ``state`` without one more prefix all its keys carry before a part of ``anchors``.

    ``state``: prefixes stripped; ``anchors``: the key parts the state dict of ``what`` has at
    its top (the AC predictor's ``action_encoder.``, the encoder's ``patch_embed.proj.weight``).
    A combined module's state dict split by name keeps the module's attribute
    (``predictor.action_encoder.weight``, ``model.predictor. ...``): read without it when every
    key carries it; a state dict as is when an anchor is at its top, or none is anywhere.
    CheckpointError naming ``path``, ``what`` and the prefix when only some keys carry it
    (which weights are meant?).
    """
    if any(key.startswith(anchors) for key in state):
        return state
    prefixes = sorted({key[:key.index(f".{anchor}") + 1] for key in state for anchor in anchors
                       if f".{anchor}" in key})
    if not prefixes:
        return state
    if len(prefixes) == 1 and all(key.startswith(prefixes[0]) for key in state):
        return {key[len(prefixes[0]):]: value for key, value in state.items()}
    others = [key for key in state if not key.startswith(prefixes[0])]
    raise CheckpointError(
        f"{path}: its {what} weights sit under the prefix {prefixes[0]!r} beside other keys "
        f"({first_names(others or prefixes[1:], 3)}): save the part's own state dict "
        f"({{'encoder': encoder.state_dict(), 'predictor': predictor.state_dict()}})")


def refuse_vjepa_2_1(raw: dict, path) -> None:
    """Raise :class:`CheckpointError` when a file's encoder is a V-JEPA 2.1 one.

    ``raw``: what ``torch.load`` gave (a bare state dict, or entries such as ``encoder``,
    ``target_encoder``, ``ema_encoder``). A 2.1 encoder (:data:`VJEPA_2_1_PARTS`) would be
    refused as keys that do not match, after advice to choose another entry: the line says
    V-JEPA 2.1 is not supported and which files to give (:data:`OFFICIAL_2_0`).
    """
    states = [raw, *(raw[name] for name in ENCODER_ENTRIES if isinstance(raw.get(name), dict))]
    found = sorted({key for state in states for key in state if isinstance(key, str)
                    and any(part in VJEPA_2_1_PARTS for part in key.split("."))})
    if found:
        raise CheckpointError(
            f"{path} holds a V-JEPA 2.1 encoder ({first_names(found, 3)}: an image patch "
            f"embedding, modality embeddings, block norms), which vjepa_ros does not run; "
            f"{OFFICIAL_2_0}")


def official_encoder_names(state: dict, path, read: bool = True) -> dict:
    """Return an encoder state dict in official names; one in transformers' names converted.

    ``state``: prefixes stripped. transformers' ``VJEPA2Model`` keys (``encoder.embeddings.``
    ..., optionally ``vjepa2.``-prefixed; its ``predictor.*`` dropped) or its ``.encoder``'s own
    (``embeddings.`` ...) go through :func:`~vjepa_ros.models.hf.hf_to_official_encoder` (the
    query/key/value weights concatenated into qkv: exact); any other dict is returned as is.
    CheckpointError naming ``path`` for transformers' names that do not convert. ``read``
    False: no weight's data read (``hf.hf_to_official_encoder``'s stand-ins for ``qkv``).
    """
    if ENCODER_ANCHOR in state:
        return state
    if HF_PATCH_KEY in state:  # VJEPA2Model.encoder.state_dict(): the model's without "encoder."
        state = {f"encoder.{key}": value for key, value in state.items()}
    if not any(key.removeprefix("vjepa2.") == f"encoder.{HF_PATCH_KEY}" for key in state):
        return outer_prefix(state, (ENCODER_ANCHOR,), "encoder", path)
    try:
        return hf_to_official_encoder(state, read)
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
    check_weight_names(value, f"its {what} entry", path)
    not_tensors = [key for key, tensor in value.items() if not isinstance(tensor, Tensor)]
    if not_tensors:
        raise not_a_checkpoint(path, f"its {what} entry is not a state dict: non-tensor "
                               f"entries {not_tensors[:5]}")
    return strip_prefixes(value, path)


# How a command that takes no encoder entry (reach, demo, eval, run ...: the 'encoder' one)
# has a file of another entry read (split_checkpoint's key_options; {key}: the file's entry)
ENTRY_FIXED = ("this command reads the 'encoder' entry: save the file again with its {key!r} "
               "weights also under 'encoder' (Python: c = torch.load(FILE, weights_only=True); "
               "c['encoder'] = c[{key!r}]; torch.save(c, NEW_FILE)) and give that file")
# The loaders' own ways to choose the entry ({key}), said where no command is known
# (the planner node in both ways of starting it: vjepa-ros launch's -p takes planner.NAME)
ENTRY_OPTIONS = ("choose it with encoder_key {key} (vjepa-ros train: --encoder-key {key}; the "
                 f"planner node: {start_forms('planner', 'model.encoder_key', '{key}')}; "
                 "Python: encoder_key={key!r})")


def split_checkpoint(raw, path, encoder_key: str = "encoder", key_options: str | None = None,
                     read: bool = True):
    """Split a loaded file into (encoder state, predictor state or None, config dict).

    Raises :class:`CheckpointError` (:func:`not_a_checkpoint`) for anything else torch.save
    can hold: a tensor, a list, an optimizer state, a state dict of another network. A file
    without the ``encoder_key`` entry but with the other one: the line says how to choose it,
    ``key_options`` (``{key}`` filled in: :data:`ENTRY_FIXED` for a command that takes no
    entry, breaker54l); None: the loaders' (:data:`ENTRY_OPTIONS`). ``read`` False (the cheap
    check): an encoder in transformers' names is converted without reading its weights
    (:func:`official_encoder_names`).
    """
    check_encoder_key(encoder_key)
    if not isinstance(raw, dict):
        raise not_a_checkpoint(path, f"it holds a {type(raw).__name__}, not a dict with an "
                               "'encoder' state dict")
    refuse_vjepa_2_1(raw, path)
    if raw and all(isinstance(value, Tensor) for value in raw.values()):  # a bare state dict
        check_weight_names(raw, "it", path)
        state = official_encoder_names(strip_prefixes(raw, path), path, read)
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
        how = (ENTRY_OPTIONS if key_options is None else key_options).format(key=present[0])
        raise CheckpointError(f"{path} has no {encoder_key!r} entry; it has {present}: {how}")
    encoder_state = official_encoder_names(_tensor_dict(raw[encoder_key], f"'{encoder_key}'",
                                                        path), path, read)
    if "patch_embed.proj.weight" not in encoder_state:
        raise not_a_checkpoint(path, f"its '{encoder_key}' state dict has no "
                               f"patch_embed.proj.weight, first keys {sorted(encoder_state)[:5]}")
    predictor_state = None
    if raw.get("predictor") is not None:
        predictor_state = outer_prefix(_tensor_dict(raw["predictor"], "'predictor'", path),
                                       AC_PREDICTOR_PARTS, "predictor", path)
        if not any(key.startswith(AC_PREDICTOR_PARTS) for key in predictor_state):
            # Pretraining files (vitl.pt, vitg.pt, ...) hold the V-JEPA 2 *mask* predictor
            # (mask_tokens, no action/state encoders): not an AC predictor, not loaded. One with
            # either encoder is an AC predictor: a part missing is named when it loads.
            predictor_state = None
    check_dense(encoder_state, "encoder", path)
    if predictor_state is not None:
        check_dense(predictor_state, "predictor", path)
    config = raw.get("config")
    if config is None or (isinstance(config, (dict, list, tuple, str)) and not config):
        config = {}  # none recorded (the official files); a tensor has no truth value
    if not isinstance(config, dict) or not all(isinstance(v, dict) for v in config.values()):
        got = "" if isinstance(config, dict) else f" (it holds a {type(config).__name__})"
        raise CheckpointError(f"{path}: 'config' must map 'encoder'/'predictor' to dicts{got}")
    return encoder_state, predictor_state, config

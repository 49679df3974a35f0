"""Loading and saving V-JEPA 2 / V-JEPA 2-AC weights in the official formats.

Official file (``vjepa2-ac-vitg.pt``, ``vitl.pt``, ``vith.pt``, ``vitg.pt``, ``vitg-384.pt``):
a ``torch.save`` dict whose ``encoder`` and ``predictor`` entries are state dicts (pretraining
files also hold ``target_encoder``, ``epoch``, optimizer state ..., and their ``predictor`` is
the masked-prediction one, recognized by its lack of the action and state encoders and
skipped; a predictor with either is an AC predictor, loaded strictly). Keys may start with
``module.`` (DDP), ``backbone.`` and/or ``_orig_mod.`` (``torch.compile``): all are stripped.
An encoder ``pos_embed`` is ignored (the models use RoPE). Files written by
:func:`save_world_model` add a ``config`` entry with the hyper-parameters.

Which encoder weights: ``encoder_key="encoder"`` (default) is what ``torch.hub``'s
``vjepa2_ac_vit_giant`` / ``vjepa2_vit_*`` load. The AC predictor was trained on representations
of the *target* encoder: its DROID config initializes both encoders from the pretraining file's
``target_encoder`` and the context encoder is never updated, so in ``vjepa2-ac-vitg.pt`` both
should hold the same weights. When pairing the AC predictor with a pretraining file
(``vitg.pt``), pass ``encoder_key="target_encoder"``.

Architecture: the official presets are recognized from the weight shapes (number of heads and
image size cannot be read from shapes: they come from the matching preset, or 256 px); otherwise
from the ``config`` entry, or from the caller: ``load_world_model(path, encoder={...},
predictor={...})`` with official hyper-parameter names (these override everything else), except
that a value no weight shape checks (``num_heads``; the encoder's ``img_size``; the predictor's
``img_size``, ``use_extrinsics``) must be the one the file's ``config`` records or, without one,
the one of the preset its shapes match (another would compute another model from the released
weights, silently: breaker38, breaker42c). A file
named like the official ``vitg-384.pt`` (``*-384.pt``) of a preset shape, or a link to one,
is read as 384 px.
Any key or shape that does not match raises one :class:`CheckpointError` naming what differs:
nothing is ever partially loaded. A ``torch.save`` zip whose stored CRC-32 checksums do not match
its bytes (a disk or copy error) is refused: torch itself does not check them (reading the file
once more: about 1 s per GB on one core).
"""

import os
import re
from pathlib import Path
from typing import NamedTuple

import torch
from torch import Tensor, nn

from vjepa_ros.atomic_files import replacing

from .checkpoint_file import (  # noqa: F401 - CHECKPOINT_HINT, check_file_checksums: re-exported
    CHECKPOINT_HINT,
    SAFETENSORS_ALONE,
    check_file_checksums,
    not_a_checkpoint,
    read_checkpoint_file,
)
from .encoder import VisionEncoder, as_hw
from .errors import CheckpointError
from .hf import read_hf_directory
from .predictor import ACPredictor
from .preprocess import DROID_ASPECT_RATIO_RANGE
from .presets import (
    ENCODER_PRESETS,
    PREDICTOR_PRESETS,
    encoder_config,
    predictor_config,
    whole_number,
    whole_size,
)
from .world_model import WorldModel

PREFIXES = ("module.", "backbone.", "_orig_mod.")  # DDP, the official files, torch.compile
AC_PREDICTOR_PARTS = ("action_encoder.", "state_encoder.")  # what the mask predictor lacks
IGNORED_ENCODER_KEYS = ("pos_embed",)
ENCODER_KEYS = ("encoder", "target_encoder")
OFFICIAL_384_NAME = re.compile(r"-384\.pt$")


def strip_prefixes(state_dict: dict) -> dict:
    """Drop leading ``module.``/``backbone.``/``_orig_mod.`` (any order and number) from keys."""
    stripped = {}
    for key, value in state_dict.items():
        name = key
        while name.startswith(PREFIXES):
            name = name.split(".", 1)[1]
        if name in stripped:
            raise CheckpointError(f"keys {key!r} and another both become {name!r} "
                                  "once module./backbone./_orig_mod. prefixes are removed")
        stripped[name] = value
    return stripped




def _tensor_dict(value, what: str, path) -> dict[str, Tensor]:
    if not isinstance(value, dict) or not value:
        raise not_a_checkpoint(path, f"its {what} entry is a {type(value).__name__}, not a "
                               "state dict")
    not_tensors = [key for key, tensor in value.items() if not isinstance(tensor, Tensor)]
    if not_tensors:
        raise not_a_checkpoint(path, f"its {what} entry is not a state dict: non-tensor "
                               f"entries {not_tensors[:5]}")
    return strip_prefixes(value)


def split_checkpoint(raw, path, encoder_key: str = "encoder"):
    """Split a loaded file into (encoder state, predictor state or None, config dict).

    Raises :class:`CheckpointError` (:func:`not_a_checkpoint`) for anything else torch.save
    can hold: a tensor, a list, an optimizer state, a state dict of another network.
    """
    if encoder_key not in ENCODER_KEYS:
        raise ValueError(f"encoder_key must be one of {ENCODER_KEYS}, got {encoder_key!r}")
    if not isinstance(raw, dict):
        raise not_a_checkpoint(path, f"it holds a {type(raw).__name__}, not a dict with an "
                               "'encoder' state dict")
    if raw and all(isinstance(value, Tensor) for value in raw.values()):  # a bare state dict
        state = strip_prefixes(raw)
        if "patch_embed.proj.weight" not in state:
            if Path(path).suffix.lower() == ".safetensors":  # torch reads them: HF's names
                raise CheckpointError(f"{path} is {SAFETENSORS_ALONE}")
            raise not_a_checkpoint(path, f"a state dict without patch_embed.proj.weight, first "
                                   f"keys {sorted(state)[:5]}: not an encoder")
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
    encoder_state = _tensor_dict(raw[encoder_key], f"'{encoder_key}'", path)
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
    config = raw.get("config") or {}
    if not isinstance(config, dict) or not all(isinstance(v, dict) for v in config.values()):
        raise CheckpointError(f"{path}: 'config' must map 'encoder'/'predictor' to dicts")
    return encoder_state, predictor_state, config


class CheckpointSizes(NamedTuple):
    """What a world model file says of image sizes (:func:`check_checkpoint`).

    ``img_size``: the input size [px] the model resizes frames to (an int for a square, as the
    file's ``config`` or the official preset its shapes match say; None when the file records
    none, or for a folder). ``trained_frame_sizes``: the (height, width) [px] sizes of the frames
    it was post-trained on, as the file records them (:func:`trained_frame_sizes`; None: not
    recorded).
    """

    img_size: int | None
    trained_frame_sizes: list[tuple[int, int]] | None


def no_predictor(path) -> CheckpointError:
    """Return the one-line error for a file without the AC predictor that planning needs."""
    return CheckpointError(f"{path} holds no action-conditioned predictor (an encoder alone): "
                           "use a V-JEPA 2-AC checkpoint (vjepa2-ac-vitg.pt) or a model "
                           "vjepa-ros train wrote")


def check_checkpoint(path: str | os.PathLike, encoder_key: str = "encoder",
                     need_predictor: bool = False) -> CheckpointSizes:
    """Raise unless ``path`` holds checkpoint entries; cheap (a zip file is memory-mapped).

    ``need_predictor``: also raise :class:`CheckpointError` for a file without an AC predictor
    (an encoder-only file: a command that plans says so before its nodes start).

    For commands that hand the file to another process (``vjepa-ros reach``'s planner node): the
    one-line :func:`not_a_checkpoint` error comes before anything starts. Raises
    FileNotFoundError or :class:`CheckpointError` (as :func:`load_models`; also for a malformed
    ``config.data.frame_sizes``). A folder (a Hugging Face snapshot) is not checked here.

    Returns the image sizes of the model as :func:`load_world_model` reads them
    (:class:`CheckpointSizes`: both None for a folder), for the camera size note
    (``image_notes.camera_size_note``) before the model loads.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        return CheckpointSizes(None, None)
    encoder_state, predictor_state, config = split_checkpoint(read_checkpoint_file(path), path,
                                                              encoder_key)
    if need_predictor and predictor_state is None:
        raise no_predictor(path)
    size = config.get("encoder", {}).get("img_size")
    if size is None:
        size = _file_encoder_values(encoder_state, path).get("img_size")
    return CheckpointSizes(size, trained_frame_sizes(config, path))


def _file_encoder_values(state: dict, path: Path) -> dict:
    """Return the encoder hyper-parameters read from the shapes (and the 384 px file's name)."""
    inferred = infer_encoder_hyper_parameters(state, path)
    names = (path.name, Path(os.path.realpath(path)).name)  # a link to vitg-384.pt too
    if path.is_file() and any(OFFICIAL_384_NAME.search(name) for name in names) and \
            "img_size" in inferred:
        inferred["img_size"] = 384  # the official 384 px file (vitg-384.pt): same shapes as 256 px
    return inferred


# -- architecture from shapes


def _depth(state: dict, prefix: str) -> int:
    indices = {int(m.group(1)) for key in state if (m := re.match(rf"{prefix}\.(\d+)\.", key))}
    return max(indices) + 1 if indices else 0


def _shape(state: dict, key: str, path, what: str) -> tuple:
    if key not in state:
        raise CheckpointError(f"{path}: {what} lacks {key!r} (first keys {sorted(state)[:5]})")
    return tuple(state[key].shape)


def _encoder_presets_of(values: dict) -> list[str]:
    """Return the names of the encoder presets whose shapes ``values`` (read from weights) are."""
    dim, depth = values.get("embed_dim"), values.get("depth")
    names = []
    for name, preset in ENCODER_PRESETS.items():  # 256 px first (vit_giant before _384)
        hidden = int(preset["embed_dim"] * preset["mlp_ratio"] + 1e-6)
        if (preset["embed_dim"], preset["depth"]) == (dim, depth) and \
                abs(values.get("mlp_ratio", 0) * dim - hidden) < 0.5:
            names.append(name)
    return names


def _predictor_presets_of(values: dict) -> list[str]:
    """Return the names of the predictor presets whose shapes ``values`` are."""
    return [name for name, preset in PREDICTOR_PRESETS.items()
            if all(values.get(k) == preset[k] for k in ("embed_dim", "predictor_embed_dim",
                                                          "depth", "action_embed_dim",
                                                          "mlp_ratio"))]


def _shape_values(kind: str, state: dict, path) -> dict:
    """Return the hyper-parameters the weight shapes of a ``kind`` state dict tell."""
    if kind == "encoder":
        dim, in_chans, tubelet, patch, _ = _shape(state, "patch_embed.proj.weight", path,
                                                  "encoder")
        depth = _depth(state, "blocks")
        values = dict(embed_dim=dim, in_chans=in_chans, tubelet_size=tubelet, patch_size=patch,
                      depth=depth)
        if depth:
            values["mlp_ratio"] = _shape(state, "blocks.0.mlp.fc1.weight", path,
                                         "encoder")[0] / dim
        return values
    pdim, dim = _shape(state, "predictor_embed.weight", path, "predictor")
    action_dim = _shape(state, "action_encoder.weight", path, "predictor")[1]
    depth = _depth(state, "predictor_blocks")
    values = dict(embed_dim=dim, predictor_embed_dim=pdim, action_embed_dim=action_dim,
                  depth=depth)
    if depth:
        hidden = _shape(state, "predictor_blocks.0.mlp.fc1.weight", path, "predictor")[0]
        values["mlp_ratio"] = hidden / pdim
    return values


def infer_encoder_hyper_parameters(state: dict, path="checkpoint") -> dict:
    """Read encoder hyper-parameters from weight shapes (+ heads of a matching preset)."""
    values = _shape_values("encoder", state, path)
    names = _encoder_presets_of(values)
    if names:  # the first: 256 px (vit_giant before vit_giant_384)
        preset = ENCODER_PRESETS[names[0]]
        values.update(num_heads=preset["num_heads"], mlp_ratio=preset["mlp_ratio"],
                      img_size=preset["img_size"])
    return values


def infer_predictor_hyper_parameters(state: dict, path="checkpoint") -> dict:
    """Read predictor hyper-parameters from weight shapes (+ heads of a matching preset)."""
    values = _shape_values("predictor", state, path)
    names = _predictor_presets_of(values)
    return dict(PREDICTOR_PRESETS[names[0]]) if names else values


# Hyper-parameters that change what a model computes while its weights still load (no shape
# depends on them): given against the value a file records, they make another model silently.
SHAPE_FREE_KEYS = ("num_heads",)
# What the official preset a config-less file's shapes match supplies that no shape checks
# (breaker42c: vjepa2-ac-vitg.pt records no config; its 22 and 16 heads are the presets'). Others
# are checked elsewhere: a shape (embed_dim, depth, mlp_ratio, patch and tubelet size, in_chans,
# action_embed_dim), the encoder (the predictor's img_size and patch_size: check_pair), the
# official names (use_rope, use_silu, qkv_bias, qk_scale, ...: official_names); the predictor's
# tubelet_size computes nothing (the encoder's, from its weights, does).
PRESET_SHAPE_FREE_KEYS = {"encoder": ("num_heads", "img_size"),
                          "predictor": ("num_heads", "img_size", "use_extrinsics")}


def _same(key: str, given, value) -> bool:
    """Whether a caller's ``given`` hyper-parameter is ``value``, both as the config types them.

    img_size: 256, 256.0 and [256, 256] are one; num_heads: 16.0 is 16 (breaker42h). A value the
    config refuses (2.5, a string, a boolean for a number) is no value: refused with its type
    there, by :func:`_build_from_state`.
    """
    try:
        if key == "img_size":
            return as_hw(whole_size("", key, given)) == as_hw(whole_size("", key, value))
        if isinstance(value, bool):  # use_extrinsics: true/false, or 0/1 (as the config takes)
            return isinstance(given, int) and given in (0, 1) and bool(given) is value
        return whole_number("", key, given) == whole_number("", key, value)
    except ValueError:
        return False


def _preset_choices(kind: str, shapes: dict, inferred: dict) -> tuple[list[str], dict]:
    """Return (names, key -> the values allowed) of the presets a file's ``shapes`` match.

    The values of :data:`PRESET_SHAPE_FREE_KEYS` that the presets of these shapes give (vit_giant
    and vit_giant_384: img_size 256 or 384), and what was read from the file (its name: 384 px).
    """
    presets = ENCODER_PRESETS if kind == "encoder" else PREDICTOR_PRESETS
    names = (_encoder_presets_of if kind == "encoder" else _predictor_presets_of)(shapes)
    allowed: dict = {}
    for name in names:
        for key in PRESET_SHAPE_FREE_KEYS[kind]:
            value = presets[name].get(key, inferred.get(key))
            if value is not None and value not in allowed.setdefault(key, []):
                allowed[key].append(value)
    for key, values in allowed.items():
        if key in inferred and inferred[key] not in values:
            values.append(inferred[key])
    return names, allowed


def _merge(kind: str, inferred: dict, config: dict, caller: dict | None, path,
           shapes: dict | None = None) -> dict:
    """Return the hyper-parameters: the file's shapes and preset, its config, the caller's.

    Raises :class:`CheckpointError` for a caller's value of a key no shape depends on that
    contradicts the file's ``config`` or, for a file without that key in its config, the official
    preset its ``shapes`` match (the released weights would compute another model, silently).
    """
    caller = caller or {}
    for key in SHAPE_FREE_KEYS:
        if key in caller and key in config and not _same(key, caller[key], config[key]):
            raise CheckpointError(
                f"{path}: {kind} {key}={caller[key]} given, but the file records {key} "
                f"{config[key]} (its config): the same weights split into other heads are another "
                f"model than the one trained; leave {key} out (--{kind}-arg, the planner node's "
                f"model.{kind}_args: for files that record no config)")
    if shapes is not None:
        names, allowed = _preset_choices(kind, shapes, inferred)
        for key, values in allowed.items():
            if key in caller and key not in config and \
                    not any(_same(key, caller[key], value) for value in values):
                said = " or ".join(str(value) for value in values)
                raise CheckpointError(
                    f"{path}: {kind} {key}={caller[key]} given, but its weights are the official "
                    f"{'/'.join(names)} preset's, whose {key} is {said} (no shape tells it; the "
                    f"file records no config): the released weights would compute another model "
                    f"than the one trained; leave {key} out (--{kind}-arg, the planner node's "
                    f"model.{kind}_args)")
    merged = {**inferred, **config, **caller}
    if "num_heads" not in merged:
        raise CheckpointError(
            f"{path}: cannot tell the number of attention heads of this {kind} (embed_dim "
            f"{merged.get('embed_dim')}, depth {merged.get('depth')} is no preset and the file "
            f"has no 'config'); pass {kind}={{'num_heads': ...}} to load_world_model "
            f"(command line: --{kind}-arg num_heads=N; planner node: model.{kind}_args)"
        )
    return merged


def _load_into(module: nn.Module, state: dict, what: str, path) -> nn.Module:
    """Strictly load ``state`` into a module built on ``meta`` (its tensors are adopted).

    CheckpointError for missing, unexpected or mis-shaped keys, and for NaN/inf weights.
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
                more = f" (+{len(items) - 5} more)" if len(items) > 5 else ""
                parts.append(f"{len(items)} {label}: {items[:5]}{more}")
        raise CheckpointError(f"{path}: {what} weights do not match the model "
                              f"{module.config}: " + "; ".join(parts))
    not_float = [f"{key} ({str(state[key].dtype).removeprefix('torch.')})"
                 for key, value in module.state_dict().items()
                 if value.is_floating_point() and not state[key].is_floating_point()]
    if not_float:  # a quantized export: torch would fail in two lines naming no file
        raise CheckpointError(f"{path}: {what} weights {', '.join(not_float[:3])} are not "
                              "floating point (a quantized export?): give the float32, float16 "
                              "or bfloat16 checkpoint")
    not_finite = [key for key, value in state.items()
                  if value.is_floating_point() and not bool(torch.isfinite(value).all())]
    if not_finite:  # a diverged run or a damaged file: every plan would be NaN
        raise CheckpointError(f"{path}: {what} weights hold NaN or inf in {len(not_finite)} "
                              f"tensors ({', '.join(not_finite[:3])}): the file is damaged or "
                              "its training diverged; give an earlier checkpoint of the run")
    module.load_state_dict(state, strict=True, assign=True)
    return module


def build_encoder_from_state(state: dict, hyper_parameters: dict, path="checkpoint"):
    state = {k: v for k, v in state.items() if k not in IGNORED_ENCODER_KEYS}
    return _build_from_state("encoder", encoder_config, VisionEncoder, state, hyper_parameters,
                             path)


def build_predictor_from_state(state: dict, hyper_parameters: dict, path="checkpoint"):
    return _build_from_state("predictor", predictor_config, ACPredictor, state,
                             hyper_parameters, path)


def _build_from_state(kind: str, make_config, module_class, state: dict,
                      hyper_parameters: dict, path) -> nn.Module:
    """Build ``module_class`` of ``make_config(**hyper_parameters)`` with ``state``'s weights.

    Raises CheckpointError naming ``path`` and ``kind`` (``encoder``, ``predictor``) for
    hyper-parameters the config refuses, or weights that do not fit (``_load_into``).
    """
    try:
        config = make_config(**hyper_parameters)
    except (TypeError, ValueError) as err:
        raise CheckpointError(f"{path}: bad {kind} hyper-parameters: {err}") from err
    with torch.device("meta"):
        module = module_class(config)
    return _load_into(module, state, kind, path)


def load_models(path, encoder: dict | None = None, predictor: dict | None = None,
                encoder_key: str = "encoder") -> tuple[VisionEncoder, ACPredictor | None]:
    """Load (encoder, predictor or None) on CPU in the file's dtype.

    ``path``: an official-format file, an encoder state-dict file or a local HF snapshot directory.
    See the module docstring.
    """
    encoder_model, predictor_model, _ = load_parts(path, encoder, predictor, encoder_key)
    return encoder_model, predictor_model


def trained_frame_sizes(config: dict, path) -> list[tuple[int, int]] | None:
    """Return the (height, width) [px] frame sizes a file's model was post-trained on, or None.

    ``config``: the file's ``config`` entry; ``vjepa-ros train`` records the sizes of its data's
    frames in ``config["data"]["frame_sizes"]`` (files it wrote before, the official and HF ones:
    None, unknown). Raises :class:`CheckpointError` naming ``path`` for an entry that is not a
    list of [height, width] pairs of positive integers.
    """
    sizes = (config.get("data") or {}).get("frame_sizes")
    if sizes is None:
        return None
    if not (isinstance(sizes, (list, tuple)) and sizes and all(
            isinstance(size, (list, tuple)) and len(size) == 2 and all(
                isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in size)
            for size in sizes)):
        raise CheckpointError(f"{path}: config.data.frame_sizes must be a list of [height, "
                              f"width] pairs of pixels, got {sizes!r}; remove the entry or "
                              "write the file again with vjepa-ros train")
    return [(int(height), int(width)) for height, width in sizes]


def trained_aspect_ratio_range(config: dict, path) -> tuple[float, float] | None:
    """Return the (min, max) w/h crop range a file's predictor was post-trained with, or None.

    ``vjepa-ros train`` records its ``data.aspect_ratio_min/max`` in
    ``config["data"]["aspect_ratio_range"]`` (files it wrote before, the official and HF ones:
    None, DROID's 0.75..1.35 then applies). Raises :class:`CheckpointError` naming ``path`` for
    an entry that is not two positive numbers, min <= max.
    """
    value = (config.get("data") or {}).get("aspect_ratio_range")
    if value is None:
        return None
    if not (isinstance(value, (list, tuple)) and len(value) == 2 and all(
            isinstance(n, (int, float)) and not isinstance(n, bool) and 0 < n < float("inf")
            for n in value) and value[0] <= value[1]):
        raise CheckpointError(f"{path}: config.data.aspect_ratio_range must be [min, max] w/h "
                              f"crop ratios, 0 < min <= max, got {value!r}; remove the entry or "
                              "write the file again with vjepa-ros train")
    return float(value[0]), float(value[1])


def load_parts(path, encoder: dict | None = None, predictor: dict | None = None,
               encoder_key: str = "encoder", need_predictor: bool = False):
    """Return (encoder, predictor or None, the file's ``config`` entry): :func:`load_models`.

    The ``config`` dict holds what the file records (:func:`trained_aspect_ratio_range`,
    :func:`trained_frame_sizes`); ``{}`` when nothing. ``need_predictor``: raise
    :func:`no_predictor`'s error for a file without a predictor before its encoder is built (an
    encoder alone without a ``config`` would first be refused for its unknown head count, and
    the advice to give it is no use to a command that plans: breaker38).
    """
    path = Path(path).expanduser()
    if path.is_dir():
        encoder_state, hf_values = read_hf_directory(path)
        predictor_state, config = None, {"encoder": hf_values}
    else:
        raw = read_checkpoint_file(path, verify=True)
        encoder_state, predictor_state, config = split_checkpoint(raw, path, encoder_key)
    if need_predictor and predictor_state is None:
        raise no_predictor(path)
    inferred = _file_encoder_values(encoder_state, path)
    encoder_values = _merge("encoder", inferred, config.get("encoder", {}), encoder, path,
                            _shape_values("encoder", encoder_state, path))
    encoder_model = build_encoder_from_state(encoder_state, encoder_values, path)
    if predictor_state is None:
        if predictor:
            raise CheckpointError(f"{path} holds no predictor, but predictor={predictor} given")
        return encoder_model, None, config
    predictor_values = _merge("predictor",
                              infer_predictor_hyper_parameters(predictor_state, path),
                              config.get("predictor", {}), predictor, path,
                              _shape_values("predictor", predictor_state, path))
    for name in ("img_size", "patch_size"):  # not in the weights: the encoder's (they must match)
        predictor_values.setdefault(name, getattr(encoder_model.config, name))
    predictor_model = build_predictor_from_state(predictor_state, predictor_values, path)
    try:
        WorldModel.check_pair(encoder_model, predictor_model)
    except ValueError as err:  # the file's config (or the caller) gives them other sizes
        raise CheckpointError(
            f"{path}: {err}: its config gives the encoder and the predictor other sizes; give "
            "the same value to both (--encoder-arg / --predictor-arg, the planner node's "
            "model.encoder_args / model.predictor_args), or a file whose encoder and predictor "
            "were saved together") from None
    return encoder_model, predictor_model, config


def load_world_model(path, device=None, dtype=None, encoder: dict | None = None,
                     predictor: dict | None = None, encoder_key: str = "encoder",
                     aspect_ratio_range: tuple[float, float] | None = None,
                     need_predictor: bool = False, **world_model_options) -> WorldModel:
    """Load a :class:`WorldModel` (predictor None for encoder-only files) on device/dtype.

    ``path``: a checkpoint file or Hugging Face snapshot folder (``~`` expanded).
    ``device``: default CUDA when available, else CPU; ``dtype``: default bfloat16 on CUDA, float32
    on CPU. ``encoder``/``predictor``: official hyper-parameter names overriding what is read from
    the file. ``encoder_key``: "encoder" (as torch.hub) or "target_encoder". Never downloads.
    The model's ``trained_frame_sizes``: the file's record (:func:`trained_frame_sizes`).
    ``aspect_ratio_range``: (min, max) w/h centre-crop range of the preprocessing; None: the
    range the file records its predictor was trained with (:func:`trained_aspect_ratio_range`,
    breaker31: a model trained on square crops was run on DROID's), else DROID's 0.75..1.35.
    The model's ``trained_aspect_ratio_range`` is the file's record (None: not recorded).
    ``need_predictor``: refuse a file without an AC predictor first (:func:`load_parts`); the
    commands that plan pass True.
    """
    encoder_model, predictor_model, config = load_parts(path, encoder, predictor, encoder_key,
                                                        need_predictor)
    sizes = trained_frame_sizes(config, path)
    recorded = trained_aspect_ratio_range(config, path)
    crop = aspect_ratio_range or recorded or DROID_ASPECT_RATIO_RANGE
    return WorldModel(encoder_model, predictor_model, device=device, dtype=dtype,
                      trained_frame_sizes=sizes, aspect_ratio_range=crop,
                      trained_aspect_ratio_range=recorded, **world_model_options)


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

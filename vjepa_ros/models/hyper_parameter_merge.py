"""Hyper-parameters of a checkpoint's model: its shapes and preset, its config, the caller's.

:func:`_merge` refuses a caller's value that no weight shape checks (``num_heads``, ``img_size``,
``use_extrinsics``) against the preset a config-less file's shapes match, and a caller's
``num_heads`` against the file's config (breaker38, breaker42c). A caller's ``img_size`` over
the one a file's config records is taken (V-JEPA 2's RoPE positions are computed for any grid),
the predictor's following the encoder's when given for the encoder alone
(:func:`predictor_caller_values`), with one logged line once the model is built
(:func:`log_size_override`: breaker52d, breaker52h). A caller's value of a key the weight shapes
tell (depth, patch_size, mlp_ratio, ...) that the shapes contradict is refused as the value
given, not as weights that do not match (breaker54d). Used by :mod:`vjepa_ros.models.checkpoint`.
"""

import logging
import math

from .checkpoint_shapes import _encoder_presets_of, _predictor_presets_of
from .encoder import as_hw
from .errors import CheckpointError
from .presets import ENCODER_PRESETS, PREDICTOR_PRESETS, whole_number, whole_size
from .transformer import mlp_hidden_dim

# Hyper-parameters that change what a model computes while its weights still load (no shape
# depends on them): given against the value a file records, they make another model silently.
SHAPE_FREE_KEYS = ("num_heads",)
# What the official preset a config-less file's shapes match supplies that no shape checks
# (breaker42c: vjepa2-ac-vitg.pt records no config; its 22 and 16 heads are the presets'). Others
# are checked elsewhere: a shape (embed_dim, depth, mlp_ratio, patch and tubelet size, in_chans,
# action_embed_dim), the encoder (the predictor's img_size and patch_size: check_pair), the
# official names (use_rope, use_silu, qkv_bias, qk_scale, ...: official_names); the predictor's
# tubelet_size computes nothing (the encoder's, from its weights, does).
LOG = logging.getLogger(__name__)
PRESET_SHAPE_FREE_KEYS = {"encoder": ("num_heads", "img_size"),
                          "predictor": ("num_heads", "img_size", "use_extrinsics")}
# Where a caller gives hyper-parameters, as a refusal of one given names them ({kind}: encoder,
# predictor): the commands' option, train's setting, the planner node's parameter.
GIVEN_AS = "--{kind}-arg, train's {kind}_args, the planner node's model.{kind}_args"
# The width a shape's mlp_ratio is a ratio of (checkpoint_shapes._shape_values)
MLP_WIDTH = {"encoder": "embed_dim", "predictor": "predictor_embed_dim"}


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


def _fits_shape(kind: str, key: str, given, shapes: dict) -> bool:
    """Whether a caller's ``given`` value of ``key`` is the one the weight ``shapes`` tell.

    ``mlp_ratio``: the MLP width it makes (``transformer.mlp_hidden_dim``) is the weights' (4
    and 4.0 are one; ViT-g's 48/11 as 4.3636...); other keys: whole numbers (:func:`_same`).
    A value that is no number of the config's type (a boolean, a string, 2.5 for a depth, NaN or
    inf) is said to fit: the config refuses it naming its type
    (``checkpoint_build._build_from_state``).
    """
    if isinstance(given, bool) or not isinstance(given, (int, float)) or not math.isfinite(given):
        return True  # NaN, inf: the config refuses them (encoder.check_positive)
    if key != "mlp_ratio":
        try:
            whole_number("", key, given)
        except ValueError:
            return True
        return _same(key, given, shapes[key])
    width = shapes[MLP_WIDTH[kind]]
    return mlp_hidden_dim(width, float(given)) == round(shapes[key] * width)


def check_given_shapes(kind: str, caller: dict, shapes: dict, path) -> None:
    """Raise :class:`CheckpointError` for a caller's value the weight ``shapes`` contradict.

    ``caller``: the hyper-parameters given (``--encoder-arg depth=2``, ``model.encoder_args``,
    train's ``encoder_args``); ``shapes``: what the weights of ``kind`` tell
    (``checkpoint_shapes._shape_values``: embed_dim, depth, patch and tubelet size, mlp_ratio,
    in_chans, predictor_embed_dim, action_embed_dim). The value given is the cause, not the
    weights: the line says so and where to leave it out (breaker54d; as a given ``num_heads``).
    """
    for key, held in shapes.items():
        if key in caller and not _fits_shape(kind, key, caller[key], shapes):
            shown = f"{held:g}" if isinstance(held, float) else held
            raise CheckpointError(
                f"{path}: {kind} {key}={caller[key]} given, but its weights hold {key} "
                f"{shown}: the value given does not fit them; leave {key} out "
                f"({GIVEN_AS.format(kind=kind)}): the weights tell it")


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
           shapes: dict | None = None, options: str | None = None) -> dict:
    """Return the hyper-parameters: the file's shapes and preset, its config, the caller's.

    Raises :class:`CheckpointError` for a caller's value of a key no shape depends on that
    contradicts the file's ``config`` or, for a file without that key in its config, the official
    preset its ``shapes`` match (the released weights would compute another model, silently);
    for a caller's value the ``shapes`` contradict (:func:`check_given_shapes`); and when the
    number of heads is known from nowhere. ``options``: how the caller's command takes
    hyper-parameters, said there instead of the loaders' options (``{kind}`` filled in: e.g.
    ``vjepa-ros reach``, which takes none); None: ``--{kind}-arg``, the planner node's.
    """
    caller = caller or {}
    if shapes is not None:
        check_given_shapes(kind, caller, shapes, path)
    for key in SHAPE_FREE_KEYS:
        if key in caller and key in config and not _same(key, caller[key], config[key]):
            raise CheckpointError(
                f"{path}: {kind} {key}={caller[key]} given, but the file records {key} "
                f"{config[key]} (its config): the same weights split into other heads are another "
                f"model than the one trained; leave {key} out ({GIVEN_AS.format(kind=kind)}: "
                "for files that record no config)")
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
                    f"than the one trained; leave {key} out ({GIVEN_AS.format(kind=kind)})")
    merged = {**inferred, **config, **caller}
    if "num_heads" not in merged:
        how = options.format(kind=kind) if options is not None else (
            f"pass {kind}={{'num_heads': ...}} to load_world_model (command line: --{kind}-arg "
            f"num_heads=N; planner node: model.{kind}_args)")
        raise CheckpointError(
            f"{path}: cannot tell the number of attention heads of this {kind} (embed_dim "
            f"{merged.get('embed_dim')}, depth {merged.get('depth')} is no preset and the file "
            f"has no 'config'); {how}")
    return merged


def _size_override(caller: dict | None, config: dict) -> bool:
    """Whether ``caller`` gives an ``img_size`` other than the one a file's ``config`` records."""
    caller = caller or {}
    return "img_size" in caller and "img_size" in config and \
        not _same("img_size", caller["img_size"], config["img_size"])


def predictor_caller_values(encoder: dict | None, predictor: dict | None,
                            config: dict) -> dict | None:
    """Return the caller's predictor hyper-parameters, the encoder's ``img_size`` added.

    An ``img_size`` given for the encoder alone, over the one the file's ``config`` records
    for both parts, is the predictor's too: the predictor runs on the encoder's grid of tokens
    (its RoPE positions, as the encoder's, are computed for any grid); else ``check_pair``
    would refuse the pair (breaker52h). A file without a config keeps its preset's size (the
    caller's is checked against it by :func:`_merge`).
    """
    if not _size_override(encoder, config.get("encoder", {})) or "img_size" in (predictor or {}) \
            or "img_size" not in config.get("predictor", {}):
        return predictor
    return {**(predictor or {}), "img_size": encoder["img_size"]}


def log_size_override(path, encoder: dict | None, config: dict) -> None:
    """Log one warning when the caller's encoder ``img_size`` is not the one ``config`` records.

    Called once the model is built (the size given is a valid one, and the pair fits): the
    model runs at the size given, not the one it was trained at (breaker52d, breaker52h).
    """
    if _size_override(encoder, config.get("encoder", {})):
        LOG.warning("%s: encoder img_size=%s given over the %s its config records: the model "
                    "runs at the size given, not the one it was trained at", path,
                    encoder["img_size"], config["encoder"]["img_size"])

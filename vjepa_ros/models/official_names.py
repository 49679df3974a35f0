"""The official builders' hyper-parameter names that are not fields of our configs.

``vit_large``/``vit_huge``/``vit_giant_xformers`` (``VisionTransformer``) and
``vit_ac_predictor`` (``VisionTransformerPredictorAC``) in facebookresearch/vjepa2
(``src/models/vision_transformer.py``, ``src/models/ac_predictor.py``) take more keyword arguments
than :class:`EncoderConfig`/:class:`PredictorConfig` hold, and users copy them from the official
configs (``configs/train/vitg16/droid-256px-8f.yaml``, ``src/hub/backbones.py``). Each such name
is either

- **checked**: it changes the computation; only the value(s) these models compute with are
  accepted, any other gives ``ValueError("<kind>: not supported: name=value (...)")``; or
- **ignored**, for the reason given: it has no effect on what these models compute.

:func:`split_official` applies the rules; :func:`parse_hyper_parameters` and
:func:`parse_key_values` read them from a YAML/JSON mapping string (ROS parameter) or
``KEY=VALUE`` items (command line).
"""

from __future__ import annotations

import functools
import math

import yaml

from vjepa_ros.yaml_files import yaml_problem

_NO_EFFECT_DROPOUT = ("dropout/stochastic depth: identity in eval mode (planning); this package's "
                      "post-training runs without them")

# name -> why it is ignored (both builders).
_IGNORED_COMMON = {
    "drop_rate": _NO_EFFECT_DROPOUT,
    "attn_drop_rate": _NO_EFFECT_DROPOUT,
    "drop_path_rate": _NO_EFFECT_DROPOUT,
    "init_std": "initialization of new weights only; loaded weights replace it",
    "use_sdpa": "the attention is the same math with or without SDPA",
    "use_activation_checkpointing": "saves memory in training; same outputs",
    "uniform_power": "shapes the sin-cos position embedding, which RoPE models do not use",
    "wide_silu": "only used by the SwiGLU MLP (use_silu=True, not supported)",
}
IGNORED_ENCODER = {
    **_IGNORED_COMMON,
    "use_SiLU": "spelling the official torch.hub builder passes; VisionTransformer swallows it "
                "in **kwargs without effect",
    "wide_SiLU": "spelling the official torch.hub builder passes; VisionTransformer swallows it "
                 "in **kwargs without effect",
    "img_temporal_dim_size": "setting of the official evaluation configs; the model code does "
                             "not read it",
}
IGNORED_PREDICTOR = dict(_IGNORED_COMMON)


def _positive_int(value) -> bool:
    """Whether ``value`` is a positive whole number (``64``, or ``64.0`` as a YAML float)."""
    whole = isinstance(value, int) or isinstance(value, float) and value.is_integer()
    return whole and not isinstance(value, bool) and value >= 1


def _official_layer_norm(value) -> bool:
    # The official builders pass partial(nn.LayerNorm, eps=1e-6); None means "the builder's".
    from torch import nn  # here: parsing command-line KEY=VALUE items needs no torch

    return value is None or (isinstance(value, functools.partial) and value.func is nn.LayerNorm
                             and not value.args and value.keywords == {"eps": 1e-6})


def _default_scale(values: dict, width_key: str):
    def check(value) -> bool:
        if value is None or width_key not in values or "num_heads" not in values:
            return True  # (a missing size is reported as such by the caller)
        head_dim = values[width_key] / values["num_heads"]
        return isinstance(value, (int, float)) and math.isclose(value, head_dim ** -0.5)
    return check


def _checked(kind: str, values: dict) -> dict:
    """Return name -> (predicate on the value, what is supported) for one builder."""
    width_key = "embed_dim" if kind == "encoder" else "predictor_embed_dim"
    from .encoder import as_hw

    height, width = as_hw(values.get("img_size", 256))
    rules = {
        "use_rope": (lambda v: v is True, "True: 3D rotary position embedding (the released "
                     "V-JEPA 2 models); False would use a sin-cos position embedding"),
        "use_silu": (lambda v: v is False, "False: GELU MLP; True would use a SwiGLU MLP"),
        "qkv_bias": (lambda v: v is True, "True: biased query/key/value projections"),
        "qk_scale": (_default_scale(values, width_key), "None or 1/sqrt(head_dim)"),
        "norm_layer": (_official_layer_norm, "None or functools.partial(nn.LayerNorm, eps=1e-6)"),
    }
    if kind == "encoder":
        rules.update({
            "num_frames": (lambda v: _positive_int(v) and v >= 2,
                           "an integer >= 2 (a video encoder; it only sizes the official sin-cos "
                           "table, unused with RoPE); 1 is the 2D-patch image model"),
            "out_layers": (lambda v: v is None or v == [] or v == (),
                           "None: the final normalized tokens (not a list of block outputs)"),
            "handle_nonsquare_inputs": (lambda v: v is True or (v is False and height == width),
                                        "True, or False with a square img_size"),
        })
    else:
        rules.update({
            "num_frames": (_positive_int, "a positive integer (it only sizes the official "
                           "attention mask; here the mask is built for any context length)"),
            "is_frame_causal": (lambda v: v is True, "True: block-causal attention over frames"),
        })
    return rules


class UnknownHyperParameters(ValueError):
    """A hyper-parameter name neither a config field nor official; ``names``: the names."""

    def __init__(self, names: list[str], message: str):
        super().__init__(message)
        self.names = names


def split_official(kind: str, values: dict, config_names: set[str]) -> dict:
    """Return the values that are config fields, after checking the other official names.

    ``values``: hyper-parameters by official name (a preset merged with the caller's).
    Raises ValueError for a checked name with a value these models do not compute with, and
    :class:`UnknownHyperParameters` (a ValueError) for names neither in ``config_names`` nor
    official (listing the accepted names).
    """
    ignored = IGNORED_ENCODER if kind == "encoder" else IGNORED_PREDICTOR
    rules = _checked(kind, values)
    unknown = sorted(set(values) - config_names - set(ignored) - set(rules))
    if unknown:
        raise UnknownHyperParameters(unknown, f"unknown {kind} hyper-parameter(s) {unknown}; "
                                     f"known: {sorted(config_names | set(ignored) | set(rules))}")
    for name, (supported, what) in rules.items():
        if name in values and not supported(values[name]):
            raise ValueError(f"{kind}: not supported: {name}={values[name]!r} (supported: "
                             f"{what})")
    return {name: value for name, value in values.items() if name in config_names}


def parse_hyper_parameters(text: str, what: str) -> dict:
    """Read a YAML/JSON mapping string ("{num_heads: 4, num_frames: 64}"); "" gives {}.

    ``what`` names the source (a parameter or option) in the ValueError raised for anything that
    is not a mapping of names to values.
    """
    if not text or not text.strip():
        return {}
    values = _yaml_value(text, what)  # {num_heads: 16, num_heads: 8}: refused, not the last
    if values is None:
        return {}
    if not isinstance(values, dict) or not all(isinstance(key, str) for key in values):
        raise ValueError(f"{what}: expected a mapping of hyper-parameter names to values such "
                         f"as '{{num_heads: 16}}', got {text!r}")
    return values


def parse_key_values(items: list[str] | None, what: str) -> dict:
    """Read ``["num_heads=4", "use_rope=true"]`` as {"num_heads": 4, "use_rope": True} (YAML)."""
    values = {}
    for item in items or []:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{what}: expected KEY=VALUE (e.g. num_heads=16), got {item!r}")
        values[key.strip()] = _yaml_value(text, what, key.strip()) if text else None
    return values


def _yaml_value(text: str, what: str, under: str = ""):
    """Return the YAML/JSON value ``text``; ValueError naming ``what`` when it is none.

    A key given twice (``{a: 1, a: 2}``) is refused, named under ``under`` (a KEY=VALUE
    item's KEY: ``x.a``), not the last one taken.
    """
    from vjepa_ros.yaml_keys import BoolWordError, RepeatedKeyError, load_settings

    try:
        return load_settings(text)
    except (RepeatedKeyError, BoolWordError) as err:
        raise ValueError(f"{what}: {err.one_line_value(under)}") from None
    except yaml.YAMLError as err:
        raise ValueError(f"{what}: not YAML/JSON ({yaml_problem(err, False)}); write a mapping "
                         "such as '{num_heads: 16, num_frames: 64}'") from err

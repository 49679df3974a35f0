"""Named model sizes of the released V-JEPA 2 checkpoints and the ``build_*`` entry points."""

from dataclasses import MISSING, fields

from .encoder import EncoderConfig, VisionEncoder
from .official_names import split_official
from .predictor import ACPredictor, PredictorConfig

# Official names: vit_large, vit_huge, vit_giant_xformers (22 heads, MLP 6144 = 1408 * 48/11).
ENCODER_PRESETS: dict[str, dict] = {
    "vit_large": dict(embed_dim=1024, depth=24, num_heads=16, mlp_ratio=4.0, img_size=256),
    "vit_huge": dict(embed_dim=1280, depth=32, num_heads=16, mlp_ratio=4.0, img_size=256),
    "vit_giant": dict(embed_dim=1408, depth=40, num_heads=22, mlp_ratio=48 / 11, img_size=256),
    "vit_giant_384": dict(embed_dim=1408, depth=40, num_heads=22, mlp_ratio=48 / 11, img_size=384),
}

# V-JEPA 2-AC (vjepa2-ac-vitg.pt): the predictor on top of the ViT-g encoder.
PREDICTOR_PRESETS: dict[str, dict] = {
    "vit_ac_giant": dict(
        embed_dim=1408, predictor_embed_dim=1024, depth=24, num_heads=16, mlp_ratio=4.0,
        img_size=256, patch_size=16, tubelet_size=2, action_embed_dim=7, use_extrinsics=False,
    ),
}

# Encoder preset of each predictor preset (what the released AC checkpoint pairs it with).
PREDICTOR_ENCODER = {"vit_ac_giant": "vit_giant"}


def _resolve(kind: str, config_cls, presets: dict, preset: str | None, overrides: dict):
    if preset is None:
        values = {}
    elif preset in presets:
        values = dict(presets[preset])
    else:
        raise ValueError(f"unknown {kind} preset {preset!r}; presets: {sorted(presets)}")
    values.update(overrides)
    # Whole numbers as int first: the official names' checks read img_size (breaker42h: 128.0
    # failed there with "cannot unpack non-iterable float object"). Then the official names
    # beyond the config: checked or ignored (see official_names).
    values = split_official(kind, _typed(kind, config_cls, values),
                            {f.name for f in fields(config_cls)})
    required = [f.name for f in fields(config_cls) if f.default is MISSING]
    missing = [name for name in required if name not in values]
    if missing:
        raise ValueError(f"{kind}: give a preset ({sorted(presets)}) or the hyper-parameters "
                         f"{missing}")
    return config_cls(**values)


def _typed(kind: str, config_cls, values: dict) -> dict:
    """Return ``values`` with whole numbers as int; ValueError for a value not of its type.

    A YAML ``2.0`` or ``--encoder-arg num_heads=2.0`` is the whole number 2 (torch's modules
    take no float sizes); ``2.5``, a string (``'64'``) or a boolean is refused naming the
    hyper-parameter. ``img_size`` may be a pair (``128.0`` and ``[128.0, 128.0]`` are 128); a
    boolean field takes true/false (or 0/1) only, not the string ``'false'`` that Python reads as
    true. Names that are no field of ``config_cls`` are left as they are.
    """
    typed = dict(values)
    for field in fields(config_cls):
        if field.name not in typed:
            continue
        value = typed[field.name]
        if field.type is bool:
            if not isinstance(value, (bool, int)) or value not in (0, 1):
                raise ValueError(f"{kind}: {field.name} must be true or false, got {value!r}")
            typed[field.name] = bool(value)
        elif field.type is int or field.name == "img_size":
            typed[field.name] = (whole_size(kind, field.name, value) if field.name == "img_size"
                                 else whole_number(kind, field.name, value))
        elif field.type is float and (isinstance(value, bool)
                                      or not isinstance(value, (int, float))):
            raise ValueError(f"{kind}: {field.name} must be a number, got {value!r}")
    return typed


def whole_size(kind: str, name: str, value) -> int | tuple[int, int]:
    """Return an ``img_size``-like ``value`` (a whole number or a pair of them) typed as int.

    ``128``, ``128.0`` stay a square's side (an int); ``[128, 128.0]`` is ``(128, 128)``.
    ValueError naming ``kind`` and ``name`` for anything else.
    """
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(f"{kind}: {name} must be a whole number or a [height, width] pair, "
                             f"got {value!r}")
        return tuple(whole_number(kind, name, v) for v in value)
    return whole_number(kind, name, value)


def whole_number(kind: str, name: str, value) -> int:
    """Return ``value`` as an int when it is a whole number (``2`` or ``2.0``); else ValueError."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ValueError(f"{kind}: {name} must be a whole number, got {value!r}")


def encoder_config(preset: str | None = None, **hyper_parameters) -> EncoderConfig:
    """EncoderConfig from a preset name and/or official hyper-parameter names.

    Every keyword of the official ``VisionTransformer`` builder is accepted: those that change
    the computation are checked, the others ignored (see :mod:`vjepa_ros.models.official_names`).
    Raises ValueError for unknown names and unsupported values.
    """
    return _resolve("encoder", EncoderConfig, ENCODER_PRESETS, preset, hyper_parameters)


def predictor_config(preset: str | None = None, **hyper_parameters) -> PredictorConfig:
    """PredictorConfig from a preset name and/or official hyper-parameter names.

    Every keyword of the official ``VisionTransformerPredictorAC`` builder is accepted: those
    that change the computation are checked, the others ignored (see
    :mod:`vjepa_ros.models.official_names`). Raises ValueError for unknown names and unsupported
    values.
    """
    return _resolve("predictor", PredictorConfig, PREDICTOR_PRESETS, preset, hyper_parameters)


def build_encoder(preset: str | None = None, **hyper_parameters) -> VisionEncoder:
    """Build a randomly initialized encoder from a preset and/or hyper-parameters.

    ``build_encoder("vit_giant")`` or ``build_encoder(embed_dim=96, depth=2, num_heads=4, ...)``;
    keyword arguments override the preset's values. Build under ``torch.device("meta")`` to
    allocate nothing.
    """
    return VisionEncoder(encoder_config(preset, **hyper_parameters))


def build_predictor(preset: str | None = None, **hyper_parameters) -> ACPredictor:
    """Build a randomly initialized AC predictor from a preset and/or hyper-parameters.

    ``build_predictor("vit_ac_giant")`` or explicit hyper-parameters (``embed_dim``,
    ``predictor_embed_dim``, ``depth``, ``num_heads``, ``img_size``, ...).
    """
    return ACPredictor(predictor_config(preset, **hyper_parameters))

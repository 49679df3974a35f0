"""A checkpoint's architecture read from its weight shapes and the official presets they match.

Number of heads and image size cannot be read from shapes: they come from the matching preset
(or, for the official ``*-384.pt`` file's name, 384 px). Used by
:mod:`vjepa_ros.models.checkpoint`.
"""

import os
import re
from pathlib import Path

from .errors import CheckpointError
from .presets import ENCODER_PRESETS, PREDICTOR_PRESETS

OFFICIAL_384_NAME = re.compile(r"-384\.pt$")


def _file_encoder_values(state: dict, path: Path) -> dict:
    """Return the encoder hyper-parameters read from the shapes (and the 384 px file's name)."""
    inferred = infer_encoder_hyper_parameters(state, path)
    names = (path.name, Path(os.path.realpath(path)).name)  # a link to vitg-384.pt too
    if path.is_file() and any(OFFICIAL_384_NAME.search(name) for name in names) and \
            "img_size" in inferred:
        inferred["img_size"] = 384  # the official 384 px file (vitg-384.pt): same shapes as 256 px
    return inferred


def _depth(state: dict, prefix: str) -> int:
    indices = {int(m.group(1)) for key in state if (m := re.match(rf"{prefix}\.(\d+)\.", key))}
    return max(indices) + 1 if indices else 0


# The weights whose shapes tell the architecture: their dimensions, by name (the rank expected)
SHAPE_WEIGHTS = {
    "patch_embed.proj.weight": "[embed_dim, in_chans, tubelet, patch, patch]",
    "blocks.0.mlp.fc1.weight": "[mlp hidden, embed_dim]",
    "predictor_embed.weight": "[predictor_embed_dim, embed_dim]",
    "action_encoder.weight": "[predictor_embed_dim, action_embed_dim]",
    "predictor_blocks.0.mlp.fc1.weight": "[mlp hidden, predictor_embed_dim]",
}


def _shape(state: dict, key: str, path, what: str) -> tuple:
    """Return the shape of ``state[key]`` (one of :data:`SHAPE_WEIGHTS`), of the rank it has there.

    CheckpointError naming ``path``, ``what`` (encoder, predictor) and the key when it lacks the
    key, or the weight has another rank (an image ViT's 2-D patch embedding, a 1-D weight).
    """
    if key not in state:
        raise CheckpointError(f"{path}: {what} lacks {key!r} (first keys {sorted(state)[:5]})")
    shape, dims = tuple(state[key].shape), SHAPE_WEIGHTS[key]
    rank = dims.count(",") + 1
    if len(shape) != rank:
        raise CheckpointError(
            f"{path}: {what} weight {key} has shape {list(shape)} (rank {len(shape)}), expected "
            f"rank {rank} {dims}: the weights of another network; give a V-JEPA 2(-AC) checkpoint "
            "(Meta's vjepa2-ac-vitg.pt, or a model vjepa-ros train wrote)")
    return shape


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

"""V-JEPA 2 encoder and action-conditioned predictor in pure PyTorch; official checkpoints.

Public API::

    build_encoder(preset | **hyper_parameters) -> VisionEncoder      clip [B,C,T,H,W] -> [B,N,D]
    build_predictor(preset | **hyper_parameters) -> ACPredictor      (x, actions, states) -> x
    predictor.new_cache() -> KVCache; predictor.step(frame_reps, action, state, cache)
    load_world_model(path, device, dtype, encoder={...}, predictor={...}, encoder_key)
        -> WorldModel
    save_world_model(path, encoder, predictor=None, config=True, prefix="module.")
    WorldModel.encode(uint8 frames [B,H,W,3], bgr=False) -> layer-normed reps [B,N,D] float32
"""

from .checkpoint import load_models, load_world_model, save_world_model
from .encoder import EncoderConfig, VisionEncoder
from .errors import CheckpointError
from .predictor import ACPredictor, KVCache, PredictorConfig, layer_norm_reps
from .preprocess import (
    DROID_ASPECT_RATIO_RANGE,
    central_crop_box,
    frames_to_clip,
    preprocess_frames,
)
from .presets import (
    ENCODER_PRESETS,
    PREDICTOR_ENCODER,
    PREDICTOR_PRESETS,
    build_encoder,
    build_predictor,
    encoder_config,
    predictor_config,
)
from .world_model import WorldModel, resolve_device, resolve_dtype

__all__ = [
    "ACPredictor",
    "CheckpointError",
    "DROID_ASPECT_RATIO_RANGE",
    "ENCODER_PRESETS",
    "EncoderConfig",
    "KVCache",
    "PREDICTOR_ENCODER",
    "PREDICTOR_PRESETS",
    "PredictorConfig",
    "VisionEncoder",
    "WorldModel",
    "build_encoder",
    "build_predictor",
    "central_crop_box",
    "encoder_config",
    "frames_to_clip",
    "layer_norm_reps",
    "load_models",
    "load_world_model",
    "predictor_config",
    "preprocess_frames",
    "resolve_device",
    "resolve_dtype",
    "save_world_model",
]

"""V-JEPA 2 encoder and action-conditioned predictor in pure PyTorch; official checkpoints."""

from .encoder import EncoderConfig, VisionEncoder
from .predictor import ACPredictor, KVCache, PredictorConfig, layer_norm_reps
from .presets import (
    ENCODER_PRESETS,
    PREDICTOR_PRESETS,
    build_encoder,
    build_predictor,
    encoder_config,
    predictor_config,
)

__all__ = [
    "ACPredictor",
    "ENCODER_PRESETS",
    "EncoderConfig",
    "KVCache",
    "PREDICTOR_PRESETS",
    "PredictorConfig",
    "VisionEncoder",
    "build_encoder",
    "build_predictor",
    "encoder_config",
    "layer_norm_reps",
    "predictor_config",
]

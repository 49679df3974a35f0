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

from vjepa_ros.lazy_exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "checkpoint": ("load_models", "load_world_model", "save_world_model"),
    "encoder": ("EncoderConfig", "VisionEncoder"),
    "errors": ("CheckpointError",),
    "predictor": ("ACPredictor", "KVCache", "PredictorConfig", "layer_norm_reps"),
    "preprocess": (
        "DROID_ASPECT_RATIO_RANGE", "central_crop_box", "frames_to_clip", "preprocess_frames",
    ),
    "presets": (
        "ENCODER_PRESETS", "PREDICTOR_ENCODER", "PREDICTOR_PRESETS", "build_encoder",
        "build_predictor", "encoder_config", "predictor_config",
    ),
    "world_model": ("WorldModel", "resolve_device", "resolve_dtype"),
})

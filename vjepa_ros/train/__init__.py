"""Post-training of the V-JEPA 2-AC predictor on recorded episodes (``vjepa-ros train``).

Public API::

    TrainConfig(...)  /  make_config(*mappings)  /  config_from_yaml(path)   typed settings
    build_trainer(config, resume=False) -> Trainer     load encoder, predictor, episodes, features
    Trainer.train(until=None) -> summary dict           AdamW steps, validation, latest.pt, export
    Trainer.train_step() / validate() / save_checkpoint() / export() / restore(state)
    prediction_losses(predictor, reps [B,T*N,D], actions [B,T-1,7], states [B,T,7], auto_steps)
        -> (jloss, sloss)                               the published objective
    LRSchedule(total, warmup, decay, start_lr, lr, final_lr)(step) -> lr
    find_sources(paths) / split_sources / load_segments   .npz episodes and rosbag2 bags
    FrameEncoder(encoder, device, dtype, ...)(frames) -> reps; FeatureBank.build(segments, enc)

Modules: ``config`` (settings), ``episodes`` (data; ``stale_frames``: steps whose frame did not
change while the arm moved), ``episode_split`` (the validation split),
``same_recording`` (each recording once, never in train and val both), ``features`` (frozen
encoder, bank), ``feature_cache`` (on-disk shards shared by runs and ranks; ``reader_code``: the
code its key digests; ``mapped_banks``: one file of a run's features that every rank maps),
``objective`` (losses), ``schedule`` (AdamW, learning rate), ``trainer`` (the loop, files),
``distributed`` (torchrun process group), ``memory`` (measured and estimated training memory),
``prepare`` (set-up from a config: ``predictor_init``, ``data_banks``, ``resume_checks``,
``run_log``), ``report`` (log.json, loss.png), ``run_files`` (the names of the files a run writes),
``model_records`` (what a saved model records of its training data), ``command`` (the CLI).
"""

from vjepa_ros.lazy_exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "config": (
        "DataConfig", "OptimConfig", "PredictorSettings", "TrainConfig", "config_from_yaml",
        "make_config",
    ),
    "episode_split": ("split_sources",),
    "episodes": ("EpisodeError", "Segment", "find_sources", "load_segments"),
    "features": ("FeatureBank", "FrameEncoder", "load_encoder"),
    "objective": ("prediction_losses",),
    "predictor_init": ("init_predictor",),
    "prepare": ("build_trainer",),
    "resume_checks": ("resume_config",),
    "schedule": ("LRSchedule", "make_optimizer"),
    "trainer": ("Trainer",),
})

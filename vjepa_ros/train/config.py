"""Typed settings of ``vjepa-ros train`` (defaults in ``config/train.yaml``).

:class:`TrainConfig` holds everything a run needs; the command line, a YAML file (``--config``)
and ``--set group.name=value`` override its fields. :meth:`TrainConfig.check` turns impossible
values into a :class:`~vjepa_ros.config.ConfigError` naming the field, before any work starts
(the checks of each group in ``config_checks.py``).
"""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path

from vjepa_ros.config import (
    ConfigError,
    check_given,
    from_dict,
    merge_deep,
    param,
    unflatten,
)
from vjepa_ros.models.device_names import check_device_and_dtype
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.threads import MAX_THREADS
from vjepa_ros.train.config_checks import (  # noqa: F401 (FEATURE_*, NO_ENCODER: re-exported)
    FEATURE_CACHES,
    FEATURE_DTYPES,
    NO_ENCODER,
    _choice,
    _require,
    check_data,
    check_optim,
    check_paths,
    check_predictor,
)
from vjepa_ros.user_paths import expand_path
from vjepa_ros.yaml_files import read_yaml_mapping

DTYPES = ("float32", "bfloat16")
EXPORT_DTYPES = ("float32", "float16")
ENCODER_KEYS = ("auto", "encoder", "target_encoder")
# A seed numpy takes (np.random.seed), as the simulator's and the planner's: 2**64 passed and
# ended the run in torch's 'Overflow when unpacking long long'.
SEED_RANGE = (0, 2**32 - 1)


@dataclasses.dataclass
class DataConfig:
    train: list[str] = param(
        [], "Training episodes: simulator .npz files, rosbag2 bags (directory or .mcap/.db3), "
        "or directories holding them (searched recursively).",
    )
    val: list[str] = param(
        [], "Validation episodes (same kinds); empty: hold out whole training episodes "
        "holding about val_fraction of the frames.",
    )
    val_fraction: float = param(
        0.1, "Fraction of the training frames held out for validation when 'val' is empty: "
        "whole episodes, drawn by the seed, until their frames come nearest this fraction of "
        "all frames (at least one held out, one kept); 0: no validation.",
    )
    val_clips: int = param(
        256, "Most validation clips (fixed windows spread over the validation episodes).",
    )
    frames_per_clip: int = param(
        8, "Consecutive frames per training clip (official DROID post-training: 8 at 4 Hz).",
    )
    rate_hz: float = param(4.0, "Step rate [Hz] bags are resampled to (DROID: 4).")
    max_state_gap_s: float = param(
        0.1, "Bags: largest span [s] between the two recorded states a step's state is "
        "interpolated from; steps across a longer gap are dropped (episodes split there).",
    )
    topics: BagTopics = dataclasses.field(
        default_factory=BagTopics, metadata={"description": "Bag topics (as vjepa-ros eval)."}
    )
    # The planner's model.aspect_ratio_* ranges: a model trained on crops the planner refuses
    # (aspect_ratio_max 50) could not be loaded with the crop it was trained on.
    aspect_ratio_min: float = param(
        0.75, "Preprocessing: frames narrower than this w/h are centre-cropped to it (DROID); "
        "recorded in the model file, which every loader then crops with.", range=(0.1, 1)
    )
    aspect_ratio_max: float = param(
        1.35, "Preprocessing: frames wider than this w/h are centre-cropped to it (DROID).",
        range=(1, 10)
    )
    encode_batch: int = param(16, "Frames per encoder call while caching features.")
    feature_cache: str = param(
        "memory", "memory: encode every frame once per run; disk: keep the features in "
        "<out>/features (or feature_cache_dir), one shard per source, reused by later runs with "
        "the same encoder and preprocessing, memory-mapped and shared by the ranks of a machine.",
    )
    feature_dtype: str = param(
        "float16", "Dtype the cached representations are kept in: float16 (half the memory) "
        "or float32.",
    )
    feature_cache_dir: str = param(
        "", "Directory of the on-disk feature cache (implies feature_cache disk); empty: "
        "<out>/features. One directory can be shared by runs (and ranks): each key (encoder, "
        "preprocessing, data settings, reader code) has its own key-<digest> folder there, "
        "kept for later runs; delete one to reclaim its space.",
    )


@dataclasses.dataclass
class PredictorSettings:
    init: str = param(
        "", "V-JEPA 2-AC file (vjepa2-ac-vitg.pt, or a world_model.pt of ours) whose predictor "
        "training starts from; empty: a new predictor of the size below.",
    )
    embed_dim: int = param(256, "New predictor: width (official vjepa2-ac-vitg: 1024).")
    depth: int = param(4, "New predictor: blocks (official: 24).")
    num_heads: int = param(4, "New predictor: attention heads (official: 16).")
    mlp_ratio: float = param(4.0, "New predictor: MLP hidden width / width (official: 4).",
                             range=(0, 16), low_open=True)  # 1e300 once overflowed the width


@dataclasses.dataclass
class OptimConfig:
    # Ranges (config.param's range=): a learning rate above 1 moves AdamW's weights by more than
    # their own scale each step, and lr x weight_decay above 1 flips their sign.
    lr: float = param(4.25e-4, "Peak learning rate (official DROID config: 4.25e-4).",
                      range=(0, 1), low_open=True)
    start_lr: float = param(7.5e-5, "Learning rate at the start of the warm-up (official 7.5e-5).",
                            range=(0, 1))
    final_lr: float = param(0.0, "Learning rate at the end of the decay (official 0).",
                            range=(0, 1))
    warmup: float = param(
        0.05, "Warm-up length: a fraction of 'steps' when < 1, else a number of steps "
        "(official: 15 of 315 epochs, 0.048).",
    )
    decay: float = param(
        0.05, "Linear decay length at the end: a fraction of 'steps' when < 1, else steps "
        "(official: 15 of 315 epochs). The learning rate is constant in between.",
    )
    weight_decay: float = param(
        0.04, "AdamW weight decay of weight matrices (biases and norms: none, as official).",
        range=(0, 1)
    )
    betas: list[float] = param([0.9, 0.999], "AdamW betas.")
    eps: float = param(1e-8, "AdamW epsilon.", range=(0, 1), low_open=True)
    grad_clip: float = param(
        1.0, "Clip the global gradient norm to this; 0: no clipping (the official code does "
        "not clip).", range=(0, math.inf), high_open=True
    )


@dataclasses.dataclass
class TrainConfig:
    out: str = param("", "Output directory: latest.pt, world_model.pt, loss.png, log.json.")
    encoder: str = param(
        "", "Frozen encoder: an official file (vitl.pt, vith.pt, vitg.pt, vjepa2-ac-vitg.pt), a "
        "Hugging Face snapshot directory or a file of ours; empty: the encoder of predictor.init.",
    )
    encoder_key: str = param(
        "auto", "Encoder entry of the file: auto (target_encoder when present, as the official "
        "AC training, else encoder), encoder or target_encoder.",
    )
    encoder_args: dict = param(
        {}, "Official encoder hyper-parameters for an encoder file that matches no preset "
        "(e.g. {num_heads: 16}); empty: read from the file.",
    )
    predictor_args: dict = param(
        {}, "Official AC predictor hyper-parameters for a predictor.init file that matches no "
        "preset (e.g. {num_heads: 16}); empty: read from the file.",
    )
    steps: int = param(2000, "Optimizer steps in all.")
    batch_size: int = param(
        8, "Clips per micro-batch on each process (official: 8 per GPU, 256 in all); one step "
        "averages batch_size x processes x grad_accum_steps clips.",
    )
    grad_accum_steps: int = param(
        1, "Micro-batches whose gradients are summed before each optimizer step (gradient "
        "accumulation: a large effective batch on few GPUs; the official run uses 1).",
    )
    activation_checkpointing: bool = param(
        False, "Recompute each predictor block's activations in the backward pass instead of "
        "storing them (official use_activation_checkpointing): far less memory for one more "
        "forward of the blocks (~1/3 more predictor compute).",
    )
    auto_steps: int = param(
        2, "Rollout steps of the second loss term (official: 2); at most frames_per_clip - 1.",
    )
    seed: int = param(0, "Seed of the predictor initialization, the split and clip sampling.",
                      range=SEED_RANGE)
    device: str = param("", "Torch device: cpu, cuda, cuda:1; empty: cuda when available.")
    threads: int = param(
        0, "Torch CPU threads of this process (torch.set_num_threads; 0: OMP_NUM_THREADS when "
        "set, else all cores but one, as every command's --threads: threads.cpu_threads). On a "
        "CPU shared with other jobs one thread can be far faster than several.",
        range=(0, MAX_THREADS)  # as the planner's model.threads (torch took 1000000)
    )
    dtype: str = param(
        "", "Compute dtype: bfloat16 (autocast; the encoder runs in bf16) or float32; empty: "
        "bfloat16 on CUDA, float32 on CPU. Weights and optimizer state stay float32.",
    )
    eval_every: int = param(100, "Validation loss every this many steps (0: only at the end).")
    save_every: int = param(100, "Write <out>/latest.pt every this many steps (0: at the end).")
    export_dtype: str = param(
        "float32", "Weights dtype of <out>/world_model.pt: float32, or float16 (half the size; "
        "load_world_model still gives float32 models on a CPU).",
    )
    progress: bool = param(True, "Show a progress bar.")
    data: DataConfig = dataclasses.field(
        default_factory=DataConfig, metadata={"description": "Episodes and features."}
    )
    predictor: PredictorSettings = dataclasses.field(
        default_factory=PredictorSettings, metadata={"description": "Predictor to train."}
    )
    optim: OptimConfig = dataclasses.field(
        default_factory=OptimConfig, metadata={"description": "AdamW and its schedule."}
    )

    def phase_steps(self) -> tuple[int, int]:
        """Return (warm-up steps, decay steps) of the learning-rate schedule."""
        return (_phase(self.optim.warmup, self.steps, "optim.warmup"),
                _phase(self.optim.decay, self.steps, "optim.decay"))

    def check(self, need_paths: bool = True, need_encoder: bool = True) -> TrainConfig:
        """Raise :class:`ConfigError` naming the first impossible setting; return self.

        ``need_paths``: also require ``out`` and training data that exist, and (with
        ``need_encoder``; a resumed run takes its models from ``latest.pt``) an existing encoder
        or init file.
        """
        for name in ("encoder_args", "predictor_args"):
            if not isinstance(getattr(self, name), dict):
                raise ConfigError(f"{name}: expected a mapping of official hyper-parameter names "
                                  f"(e.g. {{num_heads: 16}}), got {getattr(self, name)!r}")
        for name in ("steps", "batch_size", "grad_accum_steps", "auto_steps"):
            _require(getattr(self, name) >= 1, f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("eval_every", "save_every"):
            _require(getattr(self, name) >= 0, f"{name} must be >= 0, got {getattr(self, name)}")
        try:  # the declared ranges of the top level: seed must lie in [0, 4294967295], got -1
            check_given(TrainConfig, {f.name: getattr(self, f.name)
                                      for f in dataclasses.fields(self)})
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        _choice("dtype", self.dtype, ("",) + DTYPES)
        _choice("export_dtype", self.export_dtype, EXPORT_DTYPES)
        _choice("encoder_key", self.encoder_key, ENCODER_KEYS)
        try:
            check_device_and_dtype(self.device, None)  # the name; torch knows if it is here
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        check_data(self)
        check_predictor(self)
        check_optim(self)
        if need_paths:
            check_paths(self, need_encoder)
        return self


def _phase(value: float, steps: int, name: str) -> int:
    if not (math.isfinite(value) and value >= 0):
        raise ConfigError(f"{name} must be >= 0 (a fraction < 1 or a step count), got {value}")
    if value < 1:
        return int(round(value * steps))
    if value != int(value):
        raise ConfigError(f"{name} >= 1 is a step count and must be a whole number, got {value}")
    return int(value)


def config_from_yaml(path: str | Path) -> dict:
    """Read a train settings file (a nested or dotted mapping of :class:`TrainConfig` fields)."""
    return read_yaml_mapping(path, "train settings")


def make_config(*layers: dict) -> TrainConfig:
    """Build a :class:`TrainConfig` from mappings applied in order (later ones win).

    Candidate topics may be YAML lists; empty ones are refused (``topic_choice.topic_settings``).
    """
    from vjepa_ros.recordings.topic_choice import topic_settings

    merged: dict = {}
    for layer in layers:
        merged = merge_deep(merged, unflatten(dict(layer or {})))
    if isinstance(merged.get("data"), dict) and "topics" in merged["data"]:
        merged["data"] = {**merged["data"], "topics": topic_settings(merged["data"]["topics"])}
    return from_dict(TrainConfig, merged)


def absolute_paths(config: TrainConfig, resolve: bool = False) -> TrainConfig:
    """Return a copy of ``config`` whose file paths are absolute (``~``, ``$NAME`` expanded).

    The paths (``out``, ``encoder``, ``predictor.init``, ``data.train``, ``data.val``,
    ``data.feature_cache_dir``) are relative to the working directory; a run stores them
    absolute, so it resumes from any directory, and ``run``, ``run/`` and ``./run`` are one
    path; "" stays "". ``resolve``: also follow symbolic links (to compare two paths). A
    variable not set: :class:`ConfigError` naming it (``user_paths.expand_path``).
    """
    def absolute(path: str) -> str:
        if not path:
            return path
        path = os.fspath(expand_path(path, ConfigError))  # ~ and $NAME (user_paths)
        return os.path.realpath(path) if resolve else os.path.abspath(path)

    data = dataclasses.replace(
        config.data, train=[absolute(p) for p in config.data.train],
        val=[absolute(p) for p in config.data.val],
        feature_cache_dir=absolute(config.data.feature_cache_dir))
    predictor = dataclasses.replace(config.predictor, init=absolute(config.predictor.init))
    return dataclasses.replace(config, out=absolute(config.out), encoder=absolute(config.encoder),
                               data=data, predictor=predictor)


def config_to_dict(config: TrainConfig) -> dict:
    """Plain nested dict (YAML/JSON/checkpoint friendly) of a config."""
    return dataclasses.asdict(config)

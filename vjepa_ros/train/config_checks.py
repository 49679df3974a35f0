"""The checks of :meth:`TrainConfig.check <vjepa_ros.train.config.TrainConfig.check>`, by group.

Each raises a :class:`~vjepa_ros.config.ConfigError` naming the first impossible setting of its
group (``data.*``, ``predictor.*``, ``optim.*``); :func:`check_paths` one listing every missing
input and output (a :class:`~vjepa_ros.config.UsageError` where one was not given).
"""

from __future__ import annotations

import typing

from vjepa_ros.config import ConfigError, UsageError, check_given, check_values
from vjepa_ros.input_paths import CHECKPOINT_FORMAT, gives_fix, missing
from vjepa_ros.models.head_width import head_problem, mlp_ratio_problem
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.step_rates import MAX_STATE_GAP_S, rate_problem

if typing.TYPE_CHECKING:
    from vjepa_ros.train.config import TrainConfig

FEATURE_DTYPES = ("float16", "float32")
FEATURE_CACHES = ("memory", "disk")


def check_data(config: TrainConfig) -> None:
    """Raise :class:`ConfigError` naming the first impossible ``data.*`` setting."""
    data = config.data
    _require(data.frames_per_clip >= 2,
             f"data.frames_per_clip must be >= 2, got {data.frames_per_clip}")
    _require(config.auto_steps <= data.frames_per_clip - 1,
             f"auto_steps {config.auto_steps} needs data.frames_per_clip >= "
             f"{config.auto_steps + 1} (got {data.frames_per_clip}): give --frames-per-clip "
             f"{config.auto_steps + 1} or more, or --auto-steps {data.frames_per_clip - 1}")
    _require(0 <= data.val_fraction < 1,
             f"data.val_fraction must be in [0, 1), got {data.val_fraction}")
    _require(data.val_clips >= 1, f"data.val_clips must be >= 1, got {data.val_clips}")
    _require(not rate_problem("data.rate_hz", data.rate_hz),
             rate_problem("data.rate_hz", data.rate_hz))
    _require(0 < data.max_state_gap_s <= MAX_STATE_GAP_S,  # as eval's --max-state-gap
             f"data.max_state_gap_s must be a time > 0 and at most {MAX_STATE_GAP_S:g} s, "
             f"got {data.max_state_gap_s:g}" + (
                 f": states further apart than {MAX_STATE_GAP_S:g} s do not show the arm's "
                 "path between them; record the states faster"
                 if data.max_state_gap_s > MAX_STATE_GAP_S else ""))
    try:  # the planner's ranges (min <= 1 <= max): data.aspect_ratio_max in [1, 10]
        check_given(type(data), {name: getattr(data, name) for name in
                                 ("aspect_ratio_min", "aspect_ratio_max")}, "data.")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    _require(data.encode_batch >= 1,
             f"data.encode_batch must be >= 1, got {data.encode_batch}")
    _require(data.topics.state_source != "none", "data.topics.state_source none (the camera "
             "alone) is for pretraining: train learns from the states; give auto, pose or "
             "joint_states")
    _choice("data.feature_cache", data.feature_cache, FEATURE_CACHES)
    _choice("data.feature_dtype", data.feature_dtype, FEATURE_DTYPES)
    conflict = data.topics.gripper_conflict("data.topics.no_gripper (--no-gripper)",
                                            "data.topics.gripper (--gripper-topic)")
    _require(not conflict, conflict)
    try:
        data.topics.check()
    except BagError as exc:
        raise ConfigError(f"data.topics: {exc}") from exc

def check_predictor(config: TrainConfig) -> None:
    """Raise :class:`ConfigError` naming the first impossible ``predictor.*`` setting."""
    pred = config.predictor
    if pred.init:
        return  # the size comes from the file
    for name in ("embed_dim", "depth", "num_heads"):
        value = getattr(pred, name)
        _require(value >= 1, f"predictor.{name} must be >= 1, got {value}")
    try:  # the declared range: predictor.mlp_ratio must lie in (0, 16], got inf
        check_values(pred, "predictor.")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    problem = head_problem(pred.embed_dim, pred.num_heads, "predictor.embed_dim",
                           "predictor.num_heads")  # else the model refuses it after encoding
    _require(problem is None, problem)
    problem = mlp_ratio_problem(pred.embed_dim, pred.mlp_ratio, "predictor.embed_dim",
                                "predictor.mlp_ratio")  # else MLPs of 0 hidden units, trained
    _require(problem is None, problem)

def check_optim(config: TrainConfig) -> None:
    """Raise :class:`ConfigError` naming the first impossible ``optim.*`` setting."""
    opt = config.optim
    try:  # the declared ranges: optim.lr must lie in (0, 1], got 1e+300
        check_values(opt, "optim.")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    _require(len(opt.betas) == 2 and all(0 <= b < 1 for b in opt.betas),
             f"optim.betas must be two numbers in [0, 1), got {opt.betas}")
    warmup, decay = config.phase_steps()
    _require(warmup + decay <= config.steps,
             f"optim.warmup ({warmup} steps) + optim.decay ({decay} steps) exceed steps "
             f"({config.steps})")

def check_paths(config: TrainConfig, need_encoder: bool) -> None:
    """Raise one :class:`ConfigError` listing every missing input and output ("; ").

    A :class:`UsageError` (exit status 2) when any of them is something not given or
    given so that it cannot go together, whatever the files hold: no ``out``, no
    ``data.train``, no encoder nor init, a ``data.val`` path that is, lies inside or holds
    a ``data.train`` path (``same_recording.val_paths_in_train``).
    """
    from vjepa_ros.train.same_recording import val_paths_in_train

    problems = []
    if not config.out:
        problems.append("out: give an output directory (--out DIR)")
    if not config.data.train:
        problems.append("data.train: give episode directories or files (--data)")
    usage = bool(problems)
    overlap = val_paths_in_train(config.data.train, config.data.val)
    if overlap:
        problems.append(overlap)
        usage = True
    for name, paths in (("data.train", config.data.train), ("data.val", config.data.val)):
        problems += [f"{name}: {path} {why}" for path in paths if (why := missing(path))]
    from vjepa_ros.train.out_check import out_among_data

    groups = {"data.train": config.data.train, "data.val": config.data.val}
    if config.out:
        problem = out_among_data(config.out, groups)
        problems += [problem] if problem else []
    if config.data.feature_cache_dir:  # shards written among the recordings: as --out
        problem = out_among_data(config.data.feature_cache_dir, groups,
                                 "data.feature_cache_dir", "a data.feature_cache_dir")
        problems += [problem] if problem else []
        # a file there: one line now, not "File exists" later
        from vjepa_ros.out_paths import output_dir

        try:
            output_dir(config.data.feature_cache_dir, "data.feature_cache_dir", create=False,
                       claim=False)  # shared by runs and ranks
        except ValueError as exc:
            shown = f"data.feature_cache_dir {config.data.feature_cache_dir}: "
            problems.append(f"data.feature_cache_dir: {str(exc).removeprefix(shown)}")
    if need_encoder:
        if not (config.encoder or config.predictor.init):
            problems.append(NO_ENCODER)
            usage = True
        if config.encoder and (why := missing(config.encoder)):
            problems.append(f"encoder: {config.encoder} {why}")
        if config.predictor.init and (why := missing(config.predictor.init)):
            give = "" if gives_fix(why) else f": give {CHECKPOINT_FORMAT}"  # as every
            problems.append(f"predictor.init: {config.predictor.init} {why}{give}")  # command
    if problems:
        raise (UsageError if usage else ConfigError)("; ".join(problems))


NO_ENCODER = ("encoder: give the frozen encoder's checkpoint (--encoder FILE: an official file, "
              "or the seeded small one that 'vjepa-ros pretrain --data DIR --steps 0 --out "
              "encoder.pt' writes), or an AC file to start from whose encoder is used (--init "
              "FILE; --init demo: the packaged demo model)")


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


def _choice(name: str, value: str, choices: tuple) -> None:
    if value not in choices:
        shown = ", ".join(repr(c) for c in choices)
        raise ConfigError(f"{name} must be one of {shown}, got {value!r}")

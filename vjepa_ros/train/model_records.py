"""What a model a training run saves records of its training data (its ``config["data"]``).

``aspect_ratio_range``: the ``data.aspect_ratio_min/max`` w/h crop its predictor was trained
with; ``frame_sizes``: the [height, width] px of the frames it was post-trained on, the ones
``predictor.init`` records first; ``tcp_xyz`` / ``tcp_rpy``: the end-effector point joint-state
bags were labelled at (``data.topics.tcp_xyz`` / ``tcp_rpy``); ``no_gripper``: whether the
gripper was read (``data.topics.no_gripper``: closedness 0 throughout, so the model never learnt
the gripper); ``gripper_max_width``: the finger opening [m] closedness was computed with
(``data.topics.gripper_max_width``: an open hand of 0.07 m is closedness 0 at 0.07, 0.125 to a
planner at 0.08); ``rate_hz``: the step rate its actions are motions of (``data.rate_hz``: a 10 Hz
model's action is a 0.1 s motion, DROID's 4 Hz one's 0.25 s). The loaders and planners read
them back
(``models.checkpoint.trained_aspect_ratio_range``, ``trained_frame_sizes``, ``trained_tcp``,
``trained_without_gripper``, ``trained_gripper_max_width``, ``trained_rate_hz``).
"""

from __future__ import annotations

from pathlib import Path

from vjepa_ros.train.config import TrainConfig


def model_data(config: TrainConfig, frame_sizes: list | None, init_sizes: list | None,
               at_tcp: bool = True, from_widths: bool = True) -> dict:
    """Return what a saved model records of its training data (``config["data"]``).

    ``aspect_ratio_range`` ([min, max] w/h, ``data.aspect_ratio_min/max``: ``load_world_model``
    preprocesses with it), ``tcp_xyz`` [m] / ``tcp_rpy`` [rad] (``data.topics``: the point
    joint-state bags were labelled at), ``no_gripper`` (bool, ``data.topics.no_gripper``),
    ``gripper_max_width`` (float m, ``data.topics.gripper_max_width``: closedness's scale),
    ``rate_hz`` (float Hz, ``data.rate_hz``: the step rate of its actions)
    and ``frame_sizes`` ([[height, width], ...] px of this run's frames, ``frame_sizes``,
    after those ``predictor.init`` records, ``init_sizes``:
    :func:`with_init_sizes`; left out when unknown). ``at_tcp``: some training state was
    of ``data.topics.tcp_xyz`` / ``tcp_rpy`` (False: every bag was a pose topic's own point,
    ``Segment.at_tcp``): else the point is left out, as it labelled nothing (a planner would
    compare its own with it). ``from_widths``: some training closedness was computed from
    finger widths (``Segment.from_widths``: a bag's finger joints); False (only ``.npz``
    episodes' closedness as saved, or no gripper read): ``gripper_max_width`` is left out, as
    it scaled nothing (a planner would be told to train again with its own width, which would
    change nothing).
    """
    topics = config.data.topics
    data: dict = {"aspect_ratio_range": [config.data.aspect_ratio_min,
                                         config.data.aspect_ratio_max],
                  "tcp_xyz": [float(v) for v in topics.tcp_xyz],
                  "tcp_rpy": [float(v) for v in topics.tcp_rpy],
                  "no_gripper": bool(topics.no_gripper),
                  "gripper_max_width": float(topics.gripper_max_width),
                  "rate_hz": float(config.data.rate_hz)}
    if not at_tcp:
        del data["tcp_xyz"], data["tcp_rpy"]
    if not from_widths:
        del data["gripper_max_width"]
    sizes = with_init_sizes(frame_sizes, init_sizes)
    if sizes:
        data["frame_sizes"] = sizes
    return data


def init_records(recorded: dict, path) -> dict:
    """Return what a run keeps of what its ``predictor.init`` file records, read as it loads.

    ``recorded``: the init file's ``config`` entry (``checkpoint.load_parts``' third value);
    ``path``: the file, for messages. ``{"frame_sizes": [[height, width], ...]}`` px, ``[]``
    when it records none or a malformed list (Meta's checkpoint records none; an older file).
    Read once, when the run starts, and stored in its latest.pt (``init_records``): a resumed
    run never reads the init again, which may be moved, deleted or replaced since (breaker60b).
    """
    from vjepa_ros.models.checkpoint import CheckpointError, trained_frame_sizes

    try:
        sizes = trained_frame_sizes(recorded, path)
    except CheckpointError:
        sizes = None
    return _init_records(sizes)


def read_init_records(config: TrainConfig) -> dict | None:
    """Return :func:`init_records` of ``config.predictor.init``, reading the file; None without.

    For a trainer made without ``prepare.build_trainer`` (which passes the records of the init
    it loaded). A file that cannot be read any more records nothing (``[]``). The file is read
    as the run loaded it (``check_checkpoint`` with the run's ``encoder_args`` /
    ``predictor_args``, its encoder entry: ``predictor_init.init_encoder_key``: a file of
    ``target_encoder`` only recorded nothing, breaker54l).
    """
    init = config.predictor.init
    if not init:
        return None
    from vjepa_ros.models.checkpoint import CheckpointError, check_checkpoint
    from vjepa_ros.train.predictor_init import init_encoder_key

    try:
        sizes = check_checkpoint(Path(init).expanduser(), init_encoder_key(config),
                                 encoder=config.encoder_args or None,
                                 predictor=config.predictor_args or None).trained_frame_sizes
    except (CheckpointError, OSError, ValueError):
        sizes = None
    return _init_records(sizes)


def stored_init_records(state: dict, config: TrainConfig) -> dict | None:
    """Return the :func:`init_records` a run's loaded ``latest.pt`` (``state``) stored.

    None for a run without ``predictor.init``. A latest.pt written before they were stored:
    the frame sizes it records itself (the init's first, then the run's: merged again with the
    run's, the same list), ``[]`` where it records none; never read from the init file.
    """
    if "init_records" in state:
        return state["init_records"]
    if not config.predictor.init:
        return None
    data = (state.get("config") or {}).get("data") or {}
    return _init_records(data.get("frame_sizes"))


def _init_records(sizes) -> dict:
    """``{"frame_sizes": [[height, width], ...]}`` px of ``sizes`` (None or empty: ``[]``)."""
    return {"frame_sizes": [list(size) for size in sizes or []]}


def with_init_sizes(sizes: list | None, recorded: list | None) -> list | None:
    """Return the frame sizes [[height, width], ...] ``recorded`` by the init, then ``sizes``.

    ``sizes`` as given when the run has no init (``recorded`` None); None when ``sizes`` is None
    (this run's frames unknown) or the init records none (``[]``): a partial list would
    misstate what the model was trained on (breaker30b), and planners then say nothing.
    """
    if sizes is None or recorded is None:
        return sizes
    if not recorded:
        return None
    merged = dict.fromkeys(tuple(int(n) for n in size) for size in [*recorded, *sizes])
    return [list(size) for size in merged]

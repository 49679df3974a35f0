"""What ``vjepa-ros camera-check`` takes from its ``--params-file`` and checks in it up front.

The written ``planner_camera_check.yaml`` is the ``--params-file`` (default the package's
config/planner.yaml) with the run's settings written over it (``model.*``, ``planner.*``,
``camera_check.verdict.*``, ``control.model_frame_rpy_deg``). From the file the check itself
takes ``model.checkpoint`` (when ``--checkpoint`` is not given) and the crop
``model.aspect_ratio_min/max`` (as the node: ``check_node_start``); its search is the
``paper`` preset plus the options, its verdict thresholds the options over the defaults.
Torch-free: both run before the bag or the model loads.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def file_planner_params(args: argparse.Namespace) -> dict:
    """Return the ``--params-file``'s nested planner parameters: the check's one read of it.

    :func:`base_planner_params` of ``args.params_file`` (None: the package's
    config/planner.yaml), once the file given is checked as rcl would read it
    (``params_file.check_params_file``; its notes are said by ``check_inputs``). What
    :func:`params_file_checkpoint`, ``file_search_note`` and the written file take. Raises
    ``UsageError`` (exit status 2) naming the file for one that cannot be read as a planner
    parameter file.
    """
    if args.params_file:
        from vjepa_ros.nodes.params_file import check_params_file
        from vjepa_ros.robot.planner_name import PLANNER_NODE

        check_params_file(args.params_file, nodes=[f"/{PLANNER_NODE}"],  # notes: check_inputs'
                          nodes_are="whose parameters camera-check reads", say=lambda line: None)
    return base_planner_params(args.params_file)


def params_file_checkpoint(args: argparse.Namespace, file_params: dict) -> str | None:
    """Set ``args.checkpoint`` to the ``--params-file``'s ``model.checkpoint`` when not given.

    ``file_params``: the file's nested planner parameters (:func:`file_planner_params`).
    ``--checkpoint`` wins; no ``--params-file``, or a file without ``model.checkpoint`` (or
    an empty one), changes nothing. Returns how a message names the checkpoint it set
    (``--params-file F: model.checkpoint``; None: none set): the caller checks that file after
    the options (``input_paths.world_model_path``). Raises ``UsageError`` (exit status 2)
    naming the file for ``--random-weights`` with a file that names a checkpoint (options that
    do not go together, as ``--checkpoint`` with ``--random-weights``).
    """
    if args.checkpoint or not args.params_file:
        return None
    model = file_params.get("model") or {}
    checkpoint = model.get("checkpoint") if isinstance(model, dict) else None
    if not checkpoint:
        return None
    where = f"--params-file {args.params_file}: model.checkpoint"
    if args.random_weights:
        from vjepa_ros.config import UsageError  # options that do not go together: status 2

        raise UsageError(f"--random-weights: does not apply with {where} {checkpoint}, whose "
                         "weights load; leave --random-weights out or pass a file without "
                         "model.checkpoint")
    args.checkpoint = str(checkpoint)
    return where


def check_node_start(params: dict, params_file: str | None):
    """Run the planner node's start-up checks on ``params``; return its ``PlannerNodeConfig``.

    ``params``: the file to be written, nested; the check crops its frames as that node would
    (``config.model.aspect_ratio_range()``: 0, 0 the model file's recorded crop, else DROID's).

    So a ``--params-file`` whose values and this run's options together would be refused by
    the node (``camera_check.trial.offset_m`` above ``safety.max_step_m``, ...) is refused
    before the bag and the model load, not after the check. rclpy's own parameters the node
    takes (``use_sim_time``: ``nodes.rclpy_own``, the node's rule) are no setting of ours: taken
    when of their type, and kept in the written file. Raises ``UsageError`` (one line
    naming the file and the node's reason; ``camera_check.verdict.*``, written from the verdict
    options, named as the options: ``--min-motion``).
    """
    from vjepa_ros.config import UsageError, from_dict
    from vjepa_ros.nodes.rclpy_own import split_rclpy_own
    from vjepa_ros.robot.planner_config import PlannerNodeConfig

    try:
        return from_dict(PlannerNodeConfig, split_rclpy_own(params)[0])
    except (ValueError, TypeError) as exc:
        from vjepa_ros.eval.camera_check_options import verdict_option_message

        name = params_file or "config/planner.yaml"
        reason = verdict_option_message(" ".join(str(exc).split()))  # verdict.*: the options
        raise UsageError(f"--params-file {name} with this run's options: the planner node would "
                         f"refuse the written file: {reason}") from None


def base_planner_params(params_file: str | Path | None = None) -> dict:
    """Nested planner parameters of ``params_file`` (default the package's config/planner.yaml).

    Raises ``UsageError`` (a ValueError naming the file) when it cannot be read or holds no
    ``ros__parameters`` for the planner (``/**``, ``vjepa_planner``, ...).
    """
    from vjepa_ros.config import UsageError
    from vjepa_ros.package_files import config_path
    from vjepa_ros.robot.planner_name import PLANNER_NODE
    from vjepa_ros.yaml_files import read_ros_params

    path = Path(params_file) if params_file else config_path("planner.yaml")
    params = read_ros_params(path, PLANNER_NODE)
    if not params:
        raise UsageError(f"{path}: no ros__parameters for /** or {PLANNER_NODE}: pass a planner "
                         "parameter file (like config/planner.yaml) as --params-file")
    return params


def file_rotations(base: dict) -> tuple:
    """Return the rotation a ``--params-file`` sets and its record of a check's, as given.

    ``base``: :func:`file_planner_params`' nested parameters. Returns
    (``control.model_frame_rpy_deg``, ``control.model_frame_check_rpy_deg``), each as the file
    gives it, [0, 0, 0] where it gives none: the rotation is said and compared with the
    check's (user56u), unchecked, since the written file replaces both and they refuse nothing
    (review56s); the record tells a check's small rotation (a correction trial's, below
    ``fine_deg``) from radians typed by hand (breaker59c).
    """
    control = base.get("control") or {}
    return tuple(control.get(key, [0.0, 0.0, 0.0])
                 for key in ("model_frame_rpy_deg", "model_frame_check_rpy_deg"))

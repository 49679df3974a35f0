"""A check with no correction never replaces or removes an earlier check's correction unsaid.

``planner_camera_check.yaml`` of a "move the camera" or "placement fine" verdict sets
``control.model_frame_rpy_deg`` [0, 0, 0]; written over an earlier check's correction in the same
folder (the node's ``camera_check.output_dir``, a reused ``--out``) it silently threw away the
rotation a user may have been planning with (breaker55b). An "undecided" verdict writes no file
and removed the earlier one, correction and all (mend56y). :func:`keep_earlier_correction` moves
that earlier file aside, to :data:`PREVIOUS_FILE`, before the new one is written (or, undecided,
instead of removing it), and :func:`kept_words` says so, naming its rotation.
"""

from __future__ import annotations

from pathlib import Path

from vjepa_ros.eval.camera_check_result import CameraCheckResult, Verdict, rpy_words

PREVIOUS_FILE = "planner_camera_check.previous.yaml"


def written_rotation(path: Path) -> list[float] | None:
    """Return the ``control.model_frame_rpy_deg`` [3] a written parameter file sets (None: none).

    As the planner node would read it (``camera_check_base.base_planner_params``: the check's
    ``/**`` section, or the node's own); unreadable, or not a list of numbers: None.
    """
    from vjepa_ros.config import UsageError
    from vjepa_ros.eval.camera_check_base import base_planner_params

    try:
        rpy = base_planner_params(path).get("control", {})["model_frame_rpy_deg"]
        return [float(value) for value in rpy]
    except (UsageError, AttributeError, KeyError, TypeError, ValueError):
        return None


def may_rotate(path: Path) -> bool:
    """Whether the parameter file ``path`` may set a rotation a planner applies.

    True for a file that is no YAML the check reads (broken, unreadable) and for one giving
    ``model_frame_rpy_deg`` a value that is not :func:`_readable_none` in any section (``/**``,
    a namespaced ``/robot1/vjepa_planner`` a planner there loads, nested or dotted); False for
    one that sets no rotation anywhere (empty, [0, 0, 0], other parameters only).
    """
    from vjepa_ros.config import UsageError
    from vjepa_ros.yaml_files import PARAMETER_FILE, load_yaml_file

    try:
        doc = load_yaml_file(path, "parameter file", PARAMETER_FILE, rcl=True)
    except (UsageError, OSError, ValueError):
        return True  # cannot tell: kept aside, never lost
    return any(not _readable_none(value) for value in _rotations_in(doc))


def _rotations_in(node) -> list:
    """Return every value keyed ``model_frame_rpy_deg`` (or ``*.model_frame_rpy_deg``), nested."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if str(key).split(".")[-1] == "model_frame_rpy_deg":
                found.append(value)
            else:
                found.extend(_rotations_in(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_rotations_in(value))
    return found


def _readable_none(value) -> bool:
    """Whether ``value`` is 3 angles [deg] a planner reads as no rotation.

    ``ModelFrame.identity``: [0, 0, 360] and [180, 180, 180] are none; not numbers, or angles
    a planner refuses (not finite): False (a file the check cannot read as none is kept aside,
    not overwritten).
    """
    from vjepa_ros.robot.model_frame import ModelFrame

    try:
        return ModelFrame([float(angle) for angle in value]).identity
    except (TypeError, ValueError):
        return False


def keep_earlier_correction(result: CameraCheckResult, params_path: Path) -> Path | None:
    """Move an earlier correction at ``params_path`` aside when ``result`` writes none.

    ``result.correction`` "none" (the written file sets [0, 0, 0]; an "undecided" verdict writes
    no file) and the file there may set a rotation a planner applies (:func:`may_rotate`): it
    is renamed to :data:`PREVIOUS_FILE` beside it (replacing an older one) and its new path
    returned; else None (nothing moved).
    """
    params_path = Path(params_path)
    if result.correction != "none" or not params_path.is_file():
        return None
    if not may_rotate(params_path):
        return None
    previous = params_path.with_name(PREVIOUS_FILE)
    params_path.replace(previous)
    return previous


def kept_words(previous: Path, result: CameraCheckResult | None = None) -> str:
    """Say that an earlier correction was kept at ``previous`` (its rotation) and what is new.

    ``result`` "undecided": no new file was written (else the new file has no correction).
    """
    rpy = written_rotation(previous)
    new = ("no new file was written (undecided): load it again only if the placement is "
           "unchanged" if result is not None and result.verdict == Verdict.UNDECIDED
           else "the new file has no correction")
    if rpy is None:  # broken, or a section the check does not read (/robot1/vjepa_planner)
        return (f"an earlier parameter file this check cannot read as setting no rotation "
                f"(control.model_frame_rpy_deg) was kept as {previous}; {new}")
    return (f"the earlier check's correction (control.model_frame_rpy_deg [{rpy_words(rpy)}]) "
            f"was kept as {previous}; {new}")

"""What a camera check's verdict cannot bear: the demo model's, and a length verdict on a hair.

``vjepa-ros camera-check --checkpoint demo`` said a confident "MOVE THE CAMERA" at the
simulator's default camera (z 150.3 % of the executed length, 30–150 % accepted) with no word
that the demo model is no calibrated judge (README, Camera placement check) nor that 0.3
points is far less than its motions' lengths scatter (mend55c). :func:`check_caveats` gives the
``note:`` lines the command prints and the parameter file's header carries; the live
``~/camera_check`` gave none of them (mend56y): ``camera_check_report.save_check`` writes them for
both (:func:`world_model_caveats`: the world model as either names it).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import numpy as np

from vjepa_ros.eval.camera_check_result import CameraCheckResult
from vjepa_ros.eval.metrics import AXES

DEMO_WORDS = ("the demo world model (--checkpoint demo, model.checkpoint demo) was trained at "
              "the simulator's default camera only and is no calibrated judge of a placement "
              "(README, Camera placement check): check with the world model the planner runs")


def is_demo_model(source: str) -> bool:
    """Whether the world model file ``source`` is the packaged demo model, however named.

    ``--checkpoint demo`` / ``model.checkpoint demo`` (``input_paths.world_model_path``), the
    packaged file's path, a parameter file naming either, or a copy of the file anywhere (a
    lab machine's ``~/models/demo.pt``: breaker56g): the same size, then the same SHA-256
    (:func:`_digest`, cached: a checkpoint of another size is never read).
    """
    from vjepa_ros.input_paths import world_model_path
    from vjepa_ros.sim.reach_config import resolve_checkpoint

    if not source:
        return False
    try:
        path = Path(world_model_path(source)).expanduser().resolve()
        demo = Path(resolve_checkpoint("")).resolve()
        if path == demo:
            return True
        return path.stat().st_size == demo.stat().st_size and _digest(path) == _digest(demo)
    except (OSError, ValueError):  # no packaged demo file, or none there: it is not that one
        return False


def _digest(path: Path) -> str:
    """Return the SHA-256 of the file ``path`` (hex), read once per path, size and mtime."""
    stat = path.stat()
    return _file_digest(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    """Return the SHA-256 of ``path`` (hex); ``size``, ``mtime_ns``: the cache's key only."""
    del size, mtime_ns  # a file rewritten since is another key
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def length_spread(result: CameraCheckResult) -> float | None:
    """Return the standard deviation of the per-motion length ratios |inferred| / |executed|.

    From ``result.executed`` and ``result.inferred`` [N, 3] m (a rotation keeps lengths); None
    with fewer than two motions.
    """
    executed = np.linalg.norm(np.asarray(result.executed, dtype=np.float64).reshape(-1, 3),
                              axis=1)
    inferred = np.linalg.norm(np.asarray(result.inferred, dtype=np.float64).reshape(-1, 3),
                              axis=1)
    used = executed > 0
    if used.sum() < 2:
        return None
    return float(np.std(inferred[used] / executed[used], ddof=1))


def marginal_words(result: CameraCheckResult) -> str:
    """Say that a length verdict turns on less than the lengths' spread ('' when it does not).

    Only for a verdict whose reason is the inferred lengths (``result.length_cause``): the
    largest excess of a length ratio (overall or per axis) beyond ``min_scale`` / ``max_scale``
    is compared with :func:`length_spread`; smaller, the verdict is marginal.
    """
    if not result.length_cause:
        return ""
    spread = length_spread(result)
    low, high = result.thresholds["min_scale"], result.thresholds["max_scale"]
    shown = {"overall": result.scale, **{axis: result.axis_scale.get(axis) for axis in AXES}}
    beyond = {name: max(low - ratio, ratio - high) for name, ratio in shown.items()
              if ratio is not None and not low <= ratio <= high}
    if spread is None or not beyond:
        return ""
    name, margin = max(beyond.items(), key=lambda item: item[1])
    if margin >= spread:
        return ""
    where = "overall" if name == "overall" else f"along {name}"
    return (f"the verdict is marginal: the length ratio {where} ({shown[name]:.1%}) is "
            f"{margin * 100:.1f} points outside the {low * 100:g}-{high * 100:g}% accepted, less "
            f"than the ratios' spread across the {len(result.executed)} motions (standard "
            f"deviation {spread * 100:.1f} points): another check may well say otherwise")


def check_caveats(result: CameraCheckResult, demo: bool) -> list[str]:
    """Return the verdict's caveats, one line each: ``demo``'s model, a marginal verdict."""
    return [words for words in (DEMO_WORDS if demo else "", marginal_words(result)) if words]


def world_model_caveats(result: CameraCheckResult, world_model: str) -> list[str]:
    """Return :func:`check_caveats` for the check of ``world_model`` (a file, ``demo``; "" none).

    The one writer of the caveats: ``vjepa-ros camera-check`` (its ``--checkpoint``) and the live
    ``~/camera_check`` (``model.checkpoint``) alike.
    """
    return check_caveats(result, demo=is_demo_model(world_model))

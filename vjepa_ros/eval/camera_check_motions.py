"""Which executed motions the camera check can use, and what to record when too few are.

:func:`usable_motions` keeps the finite motions of at least ``min_motion_m`` [m] and refuses
fewer than ``min_motions`` of them, or all along one line (:data:`SPAN_2D` of
:func:`direction_spans`), with a ValueError saying what motion is missing. Needs no model.
"""

from __future__ import annotations

import math

import numpy as np

from vjepa_ros.counts import counted
from vjepa_ros.eval.camera_check_stats import unit_directions
from vjepa_ros.eval.camera_check_thresholds import PARAM_PREFIX, CheckThresholds

# The motions span at least two directions (a plane) when the middle singular value of the
# stacked unit directions is at least this fraction of the largest: needed for any estimate.
SPAN_2D = 0.2
MOTION_TOLERANCE_M = 1e-6  # a motion of exactly min_motion_m counts despite float rounding


def direction_spans(executed: np.ndarray) -> np.ndarray:
    """Singular values [3] of the executed motions' unit directions (0 where absent)."""
    span = np.linalg.svd(unit_directions(executed), compute_uv=False)
    return np.concatenate([span, np.zeros(3 - len(span))])


def _more_motion_hint(executed: np.ndarray, thresholds: CheckThresholds,
                      live: bool = False) -> str:
    """Say what to do about too few motions, naming the threshold when shorter ones exist.

    ``live``: the planner node's check (its motions were commanded, not a bag's: no bag named).
    """
    lengths = np.linalg.norm(executed[np.isfinite(executed).all(1)], axis=1)
    moved = np.sort(lengths[lengths > 0])[::-1]
    record = ("check that the arm follows the check's set-points (camera_check.motion."
              "distance_m of motion each) and call ~/camera_check again" if live else
              "record the arm moving a few cm along x, y and z (or run the live check, "
              "~/camera_check)")
    n = thresholds.min_motions
    longest = f"the {n} longest executed motions" if live else f"the bag's {n} longest motions"
    if not len(moved):
        return record
    name, default = f"{PARAM_PREFIX}min_motion_m", CheckThresholds().min_motion_m
    enough = len(moved) >= thresholds.min_motions
    nth = moved[thresholds.min_motions - 1] if enough else 0.0
    if enough and nth >= default - MOTION_TOLERANCE_M:
        return (f"{longest} are {moved[0] * 100:.1f} "
                f"to {nth * 100:.1f} cm: lower {name} (a length in metres, default {default:g})"
                f" to at most {math.floor(nth * 1000) / 1000:g}")
    return (f"the longest motion is {moved[0] * 100:.1f} cm ({name}, a length in metres, default "
            f"{default:g}: shorter motions' directions are noise): {record}")


# What to do about motions along one line: offline (a bag) what to record, live (the planner
# node's check, which moves the arm) how to move it
ALONG_TWO_AXES = {False: "record the arm moving along at least two axes (or run the live check, "
                         "~/camera_check, which moves it so)",
                  True: "move the arm along at least two axes"}


def long_enough(executed, thresholds: CheckThresholds) -> np.ndarray:
    """Return the mask [N] of finite executed motions [N, 3+] (m) of at least ``min_motion_m``.

    To a micrometre: float rounding of a motion of exactly 1 cm counts. Refuses nothing.
    """
    executed = np.asarray(executed, dtype=np.float64).reshape(len(executed), -1)[:, :3]
    return np.isfinite(executed).all(1) & (
        np.linalg.norm(executed, axis=1) >= thresholds.min_motion_m - MOTION_TOLERANCE_M)


def usable_motions(executed, thresholds: CheckThresholds | None = None,
                   also=None, live: bool = False) -> np.ndarray:
    """Return the mask [N] of executed motions [N, 3+] (base frame, m) the check can use.

    A motion is used when finite (and ``also``, a mask [N], where given) and at least
    ``min_motion_m`` long (to a micrometre: float rounding of a motion of exactly 1 cm counts).
    Needs no model: ``camera_check_bag`` calls it on a bag's states before planning. ``live``:
    the planner node's check, which moves the arm (its words: how to move it); else a bag's
    (what to record).

    Raises:
        ValueError: fewer than ``min_motions`` such motions, or all of them along one line (the
            rotation is not determined); the message says what motion is missing.
    """
    thresholds = thresholds or CheckThresholds()
    executed = np.asarray(executed, dtype=np.float64).reshape(len(executed), -1)[:, :3]
    used = long_enough(executed, thresholds)
    if also is not None:
        used &= np.asarray(also, dtype=bool)
    count = int(used.sum())
    if count < thresholds.min_motions:
        raise ValueError(
            f"camera check: {counted(count, 'executed motion')} of at least "
            f"{thresholds.min_motion_m * 100:g} cm, need {thresholds.min_motions}: "
            f"{_more_motion_hint(executed, thresholds, live)}")
    span = direction_spans(executed[used])
    if span[1] < SPAN_2D * span[0]:
        raise ValueError("camera check: the executed motions all lie along one line, which does "
                         f"not determine a rotation: {ALONG_TWO_AXES[live]}")
    return used

"""Is the camera check's search strong enough to be trusted? Two independent searches compared.

The check's inferred motion of each executed motion is a sampling search's answer (CEM/iCEM/
MPPI, horizon 1). A search with too few samples or iterations returns its own noise and a
bias, and part of that error is the same for every motion (it starts every motion from the
same distribution, in the same 7-D action space): the motions' residuals then look consistent,
and the identity test of ``camera_check_noise``, which sees only their scatter about the fitted
rotation, calls a wrong rotation certain (the demo model on a default-placement simulator bag
at ``--samples 32 --iterations 2``: "correct by rotation", 47.8°, p 0.003; at the README's 64
and 4: "placement fine", docs/camera_placement.md, Session 19).

So every motion is searched twice, with independent noise (seeds ``seed`` and
:func:`repeat_seed`), and the angle between the two answers measures the search's own error
directly: a converged search gives nearly the same direction twice, whatever the model's frame.
The bias that fooled the identity test cannot be measured from one setting's answers (two weak
searches found nearly the same wrong rotation, 47.8° and 46.4°); their spread, which shrinks as
the search converges, is its measured stand-in. It is used twice:

- **the gate**: when the *median* of these angles over the motions exceeds
  :data:`MAX_SEARCH_SPREAD_DEG` the verdict is "undecided" (no correction is written) and the
  message names stronger settings. The median, not the RMS: a motion the model barely sees has a
  flat energy along it, and any search returns a near-random direction there (one such motion at
  the README's settings: 89° between the two searches); that is the model's blindness, which the
  verdict's own floors judge, not the search's weakness. The limit, 20°, lies above the README's
  settings (6.5-15.4° over five pairs of searches) and at the weak search's lowest (19.4-33.8°):
  a thin margin on one bag and model, not a calibration;
- **the widened test**: below the limit, the search's error (``error_deg``) is added to the
  identity test of ``camera_check_noise`` (its ``search_deg``): a search error shared by all
  motions is not averaged away by their number. Each search's direction error has two
  tangential components of spread ``s``; the squared angle between two independent answers
  then averages ``4·s²``, so ``s = RMS / 2``. The RMS here, not the median: a search that now and
  then lands far off (the weak pair at 19.4°: 11-22° for most motions, 48°, 53° and 147° for
  three) is what a shared error looks like, and its worst answers must count (with the median,
  that pair kept a "correct by rotation" of 46.4° at p 0.048).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from vjepa_ros.eval.camera_check_stats import direction_errors_deg

# The two searches' directions may differ by at most this median angle [deg] for a verdict.
# Measured on the demo model, default-placement 128 px simulator bag (docs/camera_placement.md,
# Session 19): samples 32 / iterations 2 gave 19-34° (and wrong "corrections" of 46-48°), the
# README's 64 / 4 gave 6.5-15.4°.
MAX_SEARCH_SPREAD_DEG = 20.0
# The settings that passed there: named in the "undecided" message as the least to rerun with.
MIN_SAMPLES, MIN_ITERATIONS = 64, 4


def repeat_seed(seed: int) -> int:
    """Return the seed of the second, independent search of each motion (``seed``: the first's)."""
    return (int(seed) + 1_000_003) % 2 ** 63  # any seed torch takes gives one it takes


@dataclasses.dataclass
class SearchSpread:
    """How far two independent searches of the same motions disagree (module docstring)."""

    spread_deg: float  # median angle between the two searches' directions over the motions [deg]
    per_motion_deg: list[float]  # the angle per motion [deg]
    limit_deg: float  # MAX_SEARCH_SPREAD_DEG: above it the search is too weak for a verdict
    error_deg: float  # one search's error per tangential component: RMS angle / 2 [deg]
    too_weak: bool

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def search_spread(inferred, repeat, limit_deg: float = MAX_SEARCH_SPREAD_DEG) -> SearchSpread:
    """Compare the two searches' inferred motions [N, 3+] (model frame, m) of the same motions.

    ``spread_deg`` is the median over the motions (module docstring); a motion one search infers
    as length 0 counts as 90° (no direction). ValueError when the shapes differ.
    """
    inferred = np.asarray(inferred, dtype=np.float64)
    repeat = np.asarray(repeat, dtype=np.float64)
    if inferred.shape[:1] != repeat.shape[:1] or inferred.ndim != 2 or repeat.ndim != 2 \
            or min(inferred.shape[1], repeat.shape[1]) < 3:
        raise ValueError(f"camera check: the repeated search's motions must be [N, 3+] as the "
                         f"first's, got {list(repeat.shape)} and {list(inferred.shape)}")
    angles = direction_errors_deg(inferred[:, :3], repeat[:, :3])
    spread = float(np.median(angles)) if len(angles) else math.inf
    error = float(np.sqrt(np.mean(angles ** 2))) / 2 if len(angles) else math.inf
    return SearchSpread(spread, angles.tolist(), limit_deg, error, not spread <= limit_deg)


def rerun_advice(samples: int, iterations: int, live: bool = False) -> str:
    """Return what to rerun with at ``samples``/``iterations`` or more.

    The options of ``vjepa-ros camera-check``, or (``live``) the planner node's ``planner.*``
    parameters to restart it with.
    """
    if live:
        return (f"restart the planner with planner.samples >= {samples} and planner.iterations"
                f" >= {iterations} and call ~/camera_check again")
    return f"rerun with --samples >= {samples} --iterations >= {iterations}"


def below_budget(samples: int | None, iterations: int | None) -> bool:
    """Return True when the search is below the budget the check's verdicts were validated at.

    That budget is :data:`MIN_SAMPLES` and :data:`MIN_ITERATIONS`; None (not known): not below.
    """
    return samples is not None and iterations is not None and (
        samples < MIN_SAMPLES or iterations < MIN_ITERATIONS)


def budget_caveat(samples: int | None, iterations: int | None, live: bool = False) -> str:
    """Say a search below the validated budget gave the verdict, and what to rerun with.

    "" when the budget is met or unknown. A weak search can pass the spread gate (two weak
    searches may agree) and still return its own spread as the model's motions: too long, in
    one direction for every motion (docs/camera_placement.md, Sessions 19 and 21).
    """
    if not below_budget(samples, iterations):
        return ""
    need = max(MIN_SAMPLES, samples), max(MIN_ITERATIONS, iterations)
    return (f"the search (samples {samples}, iterations {iterations}) is below the budget this "
            f"check's verdicts were validated at (samples {MIN_SAMPLES}, iterations "
            f"{MIN_ITERATIONS}): {rerun_advice(*need, live)} to confirm the verdict")


def undecided_explanation(spread: SearchSpread, samples: int | None = None,
                          iterations: int | None = None, live: bool = False) -> str:
    """Return the "undecided" verdict's sentence: the measured spread, the settings to rerun with.

    ``samples``/``iterations``: the search's settings (None: unknown; the least settings are
    named as planner parameters). ``live``: the planner node's ``~/camera_check``, whose search
    is the node's ``planner.*`` parameters (fixed at start-up), named instead of the options of
    ``vjepa-ros camera-check``; the same numbers either way.
    """
    if samples is None or iterations is None:
        settings, rerun = "", (f"raise planner.samples to >= {MIN_SAMPLES} and "
                               f"planner.iterations to >= {MIN_ITERATIONS}")
    else:
        settings = f" (samples {samples}, iterations {iterations})"
        rerun = rerun_advice(max(MIN_SAMPLES, 2 * samples), max(MIN_ITERATIONS, 2 * iterations),
                             live)
    return (f"undecided: search too weak{settings}: two independent searches of the same motions "
            f"disagree by {spread.spread_deg:.1f}° (median; limit {spread.limit_deg:g}°), so the "
            f"inferred directions are the search's, not the model's; no correction written; "
            f"{rerun}")


def search_planners(model, cem, seed: int = 0) -> tuple:
    """Return the two planners of the two independent searches (seeds ``seed``, its repeat).

    ``cem``: the search's ``CEMConfig`` (its horizon is set to 1 here). Each keeps its noise stream
    across the motions it searches (a planner per search, not per motion: the same noise for
    every motion would be a shared error of its own). Raises as ``planning.make_planner``.
    """
    from vjepa_ros.planning.planners import build_planner

    cem = cem.with_(horizon=1)
    return build_planner(model, cem, seed=seed), build_planner(model, cem, seed=repeat_seed(seed))

"""Typed settings of the search methods beside the published CEM: iCEM, MPPI, gradient refinement.

``CEMConfig.method`` picks the method (``cem``, the published planner, is the default);
``CEMConfig.icem`` / ``CEMConfig.mppi`` hold the method's own knobs. Everything else (samples,
iterations, top-k, horizon, clipping, gripper and rotation rules, energy, chunking) is shared;
CEM's own ``warm_start`` and early stop (``early_stop_patience``) apply to ``cem`` only (iCEM and
MPPI have their own ``shift_warm_start`` and always run all iterations; ``method_reads.py``: which
method reads which settings). ``CEMConfig.refine``
(off by default) adds gradient steps on the returned plan after any of the three.
The fields are described (``vjepa_ros.config.param``), so the planner node publishes them as ROS
parameters ``planner.icem.*``, ``planner.mppi.*`` and ``planner.refine.*``.

Sources
- iCEM: Pinneri et al., "Sample-efficient Cross-Entropy Method for Real-time Planning", CoRL 2020
  (arXiv 2008.06389): colored noise with PSD ∝ 1/f^β along the horizon, a fraction of the elites
  kept into the next iteration and (shifted) into the next replanning step, population
  N_i = max(N·γ^−i, 2K) with γ = 1.25, the mean added as a sample in the last iteration, the best
  sequence seen executed. The paper's defaults: γ 1.25, kept fraction 0.3, β 2–4 per task.
- MPPI: Williams et al., "Information Theoretic MPC for Model-Based Reinforcement Learning",
  ICRA 2017: weights w ∝ exp(−(E − min E)/λ), mean ← Σ w·a, Gaussian noise of std σ around it.
- Gradient refinement: Bharadhwaj, Xie, Shkurti, "Model-Predictive Control via Cross-Entropy and
  Gradient-Based Optimization", L4DC 2020 (arXiv 2004.08763), and Huang et al., "CEM-GD", 2021
  (arXiv 2112.07746): sampled action sequences refined by a few gradient steps on the planning
  cost through the differentiable model. Here only the sampler's returned plan is refined, with
  Adam (Kingma & Ba, ICLR 2015: per-entry step ≈ lr, whatever the energy's scale; our choice),
  and the result is kept only if its energy is lower.
"""

from __future__ import annotations

import dataclasses
import math

from vjepa_ros.config import UsageError, param
from vjepa_ros.planning.method_reads import (
    METHOD_GROUPS,
    PLANNED_GRIPPER_FIELDS,
    closed_gripper_idle_fields,
    closed_gripper_plan_words,
    does_instead,
    either,
    readers,
)
from vjepa_ros.planning.settings_check import check_fields


@dataclasses.dataclass(frozen=True)
class ICEMSettings:
    """The iCEM knobs (Pinneri et al. 2020); ``samples`` is the first iteration's population N."""

    noise_beta: float = param(
        2.0, "iCEM colored-noise exponent beta: PSD ~ 1/f^beta along the horizon; 0: white "
        "noise. Horizons 1-3 get white noise whatever beta (no lower frequency than 1/H).",
        range=(0, 8)  # the paper: 2-4 per task; above, the noise hardly changes along H
    )
    keep_elites_fraction: float = param(
        0.3, "iCEM: fraction of the top-k elites carried into the next iteration and, shifted "
        "by one step, into the next replanning step (paper: 0.3).", range=(0, 1)
    )
    population_decay: float = param(
        1.25, "iCEM population decay gamma: iteration i draws max(samples / gamma^i, 2 topk) "
        "new samples (paper: 1.25; 1: constant).",
        range=(1, 10)  # 10: the second iteration already draws a tenth
    )
    shift_warm_start: bool = param(
        True, "iCEM: start each replanning step from the previous mean and kept elites, "
        "shifted by one step."
    )
    add_mean: bool = param(True, "iCEM: score the search mean as one more sample in the last "
                           "iteration.")
    execute_best: bool = param(
        True, "iCEM: return the lowest-energy sequence seen in this step instead of the mean."
    )

    def __post_init__(self):
        """Raise ValueError ``icem.noise_beta must lie in [0, 8], got -1.0`` (declared ranges).

        And for a field of the wrong type: a number given a bool or a non-number, a bool given
        anything but a bool (``"false"``) (``settings_check.check_fields``).
        """
        check_fields(self, "icem.")


@dataclasses.dataclass(frozen=True)
class MPPISettings:
    """The MPPI knobs (Williams et al. 2017), run for ``iterations`` refinements per step."""

    temperature: float = param(
        0.1, "MPPI temperature lambda: weights exp(-(E - min E) / lambda); with normalize_costs "
        "in units of the energies' standard deviation. Lower: closer to taking the best sample.",
        range=(0, math.inf), low_open=True, high_open=True  # without normalize_costs the
        # energies' own scale: no upper bound
    )
    normalize_costs: bool = param(
        True, "MPPI: divide energies by their standard deviation over the samples before "
        "weighting (lambda then does not depend on the energy scale of the model)."
    )
    noise_sigma: float = param(
        1.0, "MPPI noise std as a multiple of the CEM's initial std (maxnorm for xyz, "
        "gripper_init_std for the gripper).", range=(0, 10), low_open=True
    )
    noise_decay: float = param(
        0.7, "MPPI noise schedule: the std is multiplied by this after every iteration.",
        range=(0, 1), low_open=True
    )
    shift_warm_start: bool = param(
        True, "MPPI: start each replanning step from the previous mean shifted by one step."
    )

    def __post_init__(self):
        """Raise ValueError ``mppi.temperature must lie in (0, inf), got 0.0`` (declared).

        And for a field of the wrong type: a number given a bool or a non-number, a bool given
        anything but a bool (``"no"``) (``settings_check.check_fields``).
        """
        check_fields(self, "mppi.")


@dataclasses.dataclass(frozen=True)
class RefineSettings:
    """Gradient refinement of the sampler's plan through the predictor (``planning/refine.py``).

    Adam on the searched action entries (xyz; the gripper unless fixed or closed by
    ``close_gripper``; rotation only with ``search_rotation``), in units of each axis' clip bound,
    projected back into the search box after every step. 0 steps: off (the published planner).
    """

    steps: int = param(
        0, "Gradient refinement: Adam steps on the energy of the returned plan through the "
        "predictor, after cem/icem/mppi; 0: off. The refined plan is kept only if its energy "
        "is lower. Each step costs about 3 predictor evaluations (README, Planner).",
        range=(0, 1000)
    )
    lr: float = param(
        0.1, "Gradient refinement: Adam learning rate as a fraction of each axis' clip bound "
        "(maxnorm for xyz, gripper_clip, rotation_maxnorm); one step moves an entry by at most "
        "about lr times its bound.",
        range=(0, 1), low_open=True  # 1: a step may cross the whole search box
    )

    def __post_init__(self):
        """Raise ValueError ``refine.lr must lie in (0, 1], got 5.0`` (declared ranges).

        And for ``steps`` that is not an integer (``True``, ``2.5``), ``lr`` not a number
        (``True``): ``settings_check.check_fields``.
        """
        check_fields(self, "refine.")

    def describe(self) -> str:
        """Return ``", refine N steps lr X"`` when on, else ``""`` (the commands' planner line)."""
        return f", refine {self.steps} steps lr {self.lr}" if self.steps else ""


# The settings groups of CEMConfig beside its own fields: CLI options --GROUP-FIELD and node
# parameters planner.GROUP.FIELD are generated from them (search_method_options.py,
# robot/cem_params.py).
SETTINGS_GROUPS = {"icem": ICEMSettings, "mppi": MPPISettings, "refine": RefineSettings}


# Why the gripper search's settings do nothing under close_gripper 0, and what to do instead
# (the commands' refusal, check_given_settings_used, the node's warning: robot/idle_parameters.py)
CLOSED_FROM_START = ("planner.close_gripper is 0 (every sampled gripper delta is 1 from the "
                     "first step, whatever its clip and spread)")
CLOSE_LATER = "set planner.close_gripper to -1 (never) or a later step"


def check_given_settings_used(config, given, closed: str = CLOSED_FROM_START,
                              later: str = CLOSE_LATER) -> None:
    """Refuse a search setting given explicitly that ``config`` would not use.

    ``config``: a ``CEMConfig`` or the node's ``CEMParams`` (its ``method`` and ``refine``);
    ``given``: the dotted names set explicitly (``planner.icem.noise_beta``, ...: a command's
    options, not a file's values). Raises ``config.UsageError`` (exit status 2) naming the node
    parameters, which the commands turn into their options (``cli_options.option_message``), for
    a setting the chosen method does not read (``method_reads.readers``: ``planner.icem.*`` /
    ``planner.mppi.*`` under another method, CEM's own ``planner.warm_start`` /
    ``planner.early_stop_*`` while ``planner.method`` is icem or mppi, the refit's
    ``planner.momentum_*`` while it is mppi), and for ``planner.refine.lr`` while
    ``planner.refine.steps`` is 0 (refinement off), and for a gripper sample setting
    (``method_reads.closed_gripper_idle_fields``: the samples' clip and spread, and the mean
    momentum and round threshold where the plan is a boxed sequence, mppi or icem's
    ``execute_best``) while ``planner.close_gripper`` is 0 (the gripper
    closed from the first step; ``config`` without ``close_gripper``: not checked; ``closed``
    says why, ``later`` what to do instead: a task's own step, ``sim.choices.task_cem``). The
    planner node warns of the same combinations instead (``robot/idle_parameters.py``),
    ``CEMConfig`` notes the method's (``IdleSettingsWarning``).
    """
    for name in sorted(given):
        owners = readers(name)
        if config.method not in owners:
            group = name.removeprefix("planner.").partition(".")[0] in METHOD_GROUPS
            why = "" if group else f" (which {does_instead(config.method, 'planner.')})"
            words = either(owners) + ("," if len(owners) > 1 else "")
            raise UsageError(f"{name} is for planner.method {either(owners)}, and this run plans "
                             f"with planner.method {config.method}{why}: use planner.method "
                             f"{words} or leave {name} out")
        if name == "planner.refine.lr" and config.refine.steps == 0:
            raise UsageError("planner.refine.lr does nothing while planner.refine.steps is 0 "
                             "(gradient refinement off): set planner.refine.steps > 0 or leave "
                             "planner.refine.lr out")
    if getattr(config, "close_gripper", None) == 0:
        idle = closed_gripper_idle_fields(config)
        void = [name for name in sorted(given) if name.removeprefix("planner.") in idle]
        if void:
            why = closed_gripper_plan_words(config, "planner.") \
                if void[0].removeprefix("planner.") in PLANNED_GRIPPER_FIELDS else ""
            raise UsageError(f"{void[0]} does nothing while {closed}{why}: leave {void[0]} out, "
                             f"or {later}")


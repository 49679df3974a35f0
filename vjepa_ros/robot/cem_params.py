"""The ``planner.*`` parameters of the ``vjepa_planner`` node: the search's settings.

:class:`CEMParams` mirrors :class:`vjepa_ros.planning.config.CEMConfig` with ROS-friendly
types: ``close_gripper`` −1, ``early_stop_patience`` 0 and ``chunk_size`` 0 mean None, and
``seed`` −1 draws a random seed. Part of
:class:`vjepa_ros.robot.planner_config.PlannerNodeConfig` (no rclpy here).
"""

from __future__ import annotations

import dataclasses

from vjepa_ros.config import check_values, group, param
from vjepa_ros.planning.config import PRESETS, CEMConfig, close_gripper_step
from vjepa_ros.planning.method_reads import METHODS, closed_gripper_idle_fields, idle_fields
from vjepa_ros.planning.methods import ICEMSettings, MPPISettings, RefineSettings
from vjepa_ros.planning.setting_ranges import node_range
from vjepa_ros.planning.settings_check import check_fields

_NOTEBOOK = CEMConfig()  # the official notebook wrapper's settings (momenta, clips, ...)
# Defaults of horizon, samples and maxnorm: the paper's robot runs (H 1 converges where the
# notebook's H 2 stops short, see planning.config.horizon_warning); config/planner_notebook.yaml
# holds the notebook's.
_PAPER = PRESETS["paper"]


@dataclasses.dataclass
class CEMParams:
    horizon: int = param(_PAPER.horizon, "Actions per imagined rollout. 1 (paper) converges; "
                         ">= 2 scores only the plan's end and stops short (notebook: 2).",
        **node_range("horizon"))
    samples: int = param(
        _PAPER.samples, "Action sequences per CEM iteration (notebook: 400); at most 100000, "
        "125 times the paper's 800 (headroom for a big GPU; more is a typo that would exhaust "
        "memory).",
        **node_range("samples"))  # and what does not fit in memory: refused at start-up
    topk: int = param(
        _NOTEBOOK.topk, "Elites that refit the search distribution (paper: 10); fewer than "
        "samples, and at most 10000 (a tenth of the most samples). Under mppi (no refit): the "
        "k lowest energies averaged into the reported elite energy.",
        **node_range("topk"))  # and fewer than samples (CEMConfig)
    iterations: int = param(_NOTEBOOK.iterations, "CEM iterations per replanning step.",
        **node_range("iterations"))
    maxnorm: float = param(
        _PAPER.maxnorm, "xyz search: initial std and per-axis clip [m] (notebook: 0.05).",
        **node_range("maxnorm")
    )
    gripper_clip: float = param(_NOTEBOOK.gripper_clip, "Gripper deltas are clipped to ±this.",
        **node_range("gripper_clip"))
    gripper_init_std: float = param(_NOTEBOOK.gripper_init_std, "Initial gripper delta std.",
        **node_range("gripper_init_std"))
    momentum_mean: float = param(
        _NOTEBOOK.momentum_mean, "Momentum of the xyz mean update (methods cem and icem; mppi "
        "refits nothing). 1: the xyz mean never leaves its start (warned at start-up).",
        **node_range("momentum_mean"))
    momentum_std: float = param(
        _NOTEBOOK.momentum_std, "Momentum of the xyz std update (methods cem and icem).",
        **node_range("momentum_std"))
    momentum_mean_gripper: float = param(
        _NOTEBOOK.momentum_mean_gripper, "Momentum of the gripper mean update (methods cem and "
        "icem). 1: the gripper mean never leaves its start (warned at start-up).",
        **node_range("momentum_mean_gripper")
    )
    momentum_std_gripper: float = param(
        _NOTEBOOK.momentum_std_gripper, "Momentum of the gripper std update (methods cem and "
        "icem).",
        **node_range("momentum_std_gripper")
    )
    gripper_round_threshold: float = param(
        _NOTEBOOK.gripper_round_threshold, "Planned gripper deltas below this become 0.",
        **node_range("gripper_round_threshold")
    )
    close_gripper: int = param(
        -1,
        "From this rollout step (below horizon) on the gripper delta is forced to 1; -1: never. "
        "Off under goals.gripper subgoal or hold (the delta stays 0).",
        **node_range("close_gripper", none_as=-1)  # a rollout step below horizon
    )
    search_rotation: bool = param(
        _NOTEBOOK.search_rotation, "Also search rotation deltas (beyond the published planner)."
    )
    rotation_maxnorm: float = param(
        _NOTEBOOK.rotation_maxnorm, "Rotation search std and clip [rad] (search_rotation).",
        **node_range("rotation_maxnorm")
    )
    energy: str = param(_NOTEBOOK.energy, "Energy: l1 (published) or l2.")
    warm_start: bool = param(
        _NOTEBOOK.warm_start, "Start each plan from the previous mean shifted by one step "
        "(method cem; icem and mppi: their shift_warm_start)."
    )
    early_stop_patience: int = param(
        0, "Stop after this many iterations without improvement; 0: run all iterations "
        "(method cem; icem and mppi run all).",
        **node_range("early_stop_patience", none_as=0)
    )
    early_stop_rel_tol: float = param(
        _NOTEBOOK.early_stop_rel_tol,
        "Relative energy drop that counts as improvement (method cem).",
        **node_range("early_stop_rel_tol")
    )
    chunk_size: int = param(
        0, "Samples per predictor call (bounds memory); 0: automatic from free memory; at most "
        "100000, the most samples (a larger chunk is all samples in one call). cem and icem plan "
        "the same for any chunk; mppi within the energies' float rounding (README, Planner).",
        **node_range("chunk_size", none_as=0)
    )
    seed: int = param(0, "Seed of the CEM sampling noise; -1: random.",
                      range=(-1, 2**32 - 1))  # numpy's seeds; torch takes these too
    # -- search method: the published CEM (default), iCEM or MPPI (vjepa_ros/planning/methods.py)
    method: str = param(
        _NOTEBOOK.method, f"Search method, one of {', '.join(METHODS)}: cem = the published "
        "planner; icem (Pinneri et al. 2020), mppi (Williams et al. 2017): README, Planner."
    )
    icem: ICEMSettings = group(ICEMSettings)
    mppi: MPPISettings = group(MPPISettings)
    refine: RefineSettings = group(RefineSettings)  # gradient refinement after any method

    def __post_init__(self):
        """Refuse a value outside its declared range, then settings the planner cannot run.

        Raises ValueError in one line: ``planner.iterations must lie in [1, 1000], got 0``
        (``config.param``'s ``range=``; each field by its annotation first, the planning
        package's one rule, ``settings_check.check_fields``: ``planner.horizon must be an
        integer in [1, 16], got True``; the ``icem`` / ``mppi`` / ``refine`` groups built from a
        mapping of their settings, what ``dataclasses.asdict`` and JSON give back, breaker54i),
        then the planning package's own cross-field checks
        (``CEMConfig.topk (20) must be less than CEMConfig.samples (8)``; the node and commands
        name their parameters and options: ``robot.planner_config.parameter_message``,
        ``cli_options.cem_option_message``).
        """
        close_gripper_step(self.close_gripper, "planner.close_gripper")  # below -1: its words
        check_fields(self, "planner.")
        check_values(self, "planner.")
        self.check_cem()

    def check_cem(self) -> None:
        """Raise ValueError for settings the planning package refuses, as :meth:`to_cem` does."""
        self.to_cem()

    def to_cem(self) -> CEMConfig:
        """Return the planning package's config (validated there).

        The settings the method does not read (``planning.method_reads.idle_fields``:
        ``warm_start`` under icem, ``planner.icem.*`` under cem, ...) and the gripper's that
        ``close_gripper`` 0 makes void (``closed_gripper_idle_fields``; ``gripper_clip`` kept
        where a round threshold the plan reads is at or above its default, which ``CEMConfig``
        would refuse) go over at their defaults,
        which ``CEMConfig`` takes: the node warns of them instead (``robot/idle_parameters.py``).
        A mean momentum of 1 is said by each entry point, not here
        (``planning.config.say_frozen_mean``; the node's
        :meth:`PlannerNodeConfig.startup_warnings`).
        """
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        values.pop("seed")
        values["close_gripper"] = close_gripper_step(self.close_gripper, "planner.close_gripper")
        values["early_stop_patience"] = self.early_stop_patience or None
        values["chunk_size"] = self.chunk_size or None
        for name in idle_fields(self.method):  # the node warns of them (idle_parameters)
            values.pop(name)
        if self.close_gripper == 0:  # the gripper's void settings, as the method's (mend62f)
            for name in closed_gripper_idle_fields(self):
                values.pop(name)
            if values.get("gripper_round_threshold", 0.0) >= _NOTEBOOK.gripper_clip:
                values["gripper_clip"] = self.gripper_clip  # the default would refuse it
        return CEMConfig(**values)

    @classmethod
    def from_cem(cls, cem: CEMConfig, seed: int | None = 0) -> CEMParams:
        """Return the parameters that :meth:`to_cem` turns back into ``cem`` (seed None: -1).

        The inverse of :meth:`to_cem` (None becomes -1 or 0 as the module says). Raises
        ValueError for ``cem.fixed_axes``, which no node parameter holds.
        """
        if cem.fixed_axes:
            raise ValueError(f"CEMConfig.fixed_axes {list(cem.fixed_axes)} has no planner.* "
                             "parameter")
        values = {f.name: getattr(cem, f.name) for f in dataclasses.fields(cls)
                  if f.name != "seed"}
        values["close_gripper"] = -1 if cem.close_gripper is None else cem.close_gripper
        values["early_stop_patience"] = cem.early_stop_patience or 0
        values["chunk_size"] = cem.chunk_size or 0
        return cls(**values, seed=-1 if seed is None else seed)

"""What a sampling search records and returns: :class:`PlanResult`, its plan rules, its log.

Shared by the searches (``cem``, ``icem``, ``mppi``): :class:`SearchLog` scores a batch (checked,
timed, counted), picks the finite elites and makes the step's :class:`PlanResult`, whose plan is
the chosen mean under :func:`plan_from_mean`.
"""

import time
from dataclasses import dataclass, field

import torch

from vjepa_ros.planning.config import GRIPPER_AXIS, CEMConfig
from vjepa_ros.planning.energy import finite_energies, finite_topk

XYZ = slice(0, 3)
ROTATION = slice(3, 6)
GRIPPER = GRIPPER_AXIS  # one home: planning.config


@dataclass
class PlanResult:
    """What one replanning step returns; all tensors float32 on the CPU."""

    first_action: torch.Tensor  # [7]: the action to execute now
    actions: torch.Tensor  # [H, 7]: the plan (rotation 0 unless searched, |gripper| < 0.25 → 0)
    elite_energies: torch.Tensor  # [I_run]: mean energy of the elites, per iteration
    best_energies: torch.Tensor  # [I_run]: lowest sampled energy, per iteration
    mean: torch.Tensor  # [H, 7]: final search mean (before the gripper rounding)
    std: torch.Tensor  # [H, 7]: final search std
    iterations_run: int
    stopped_early: bool
    timings: dict = field(default_factory=dict)  # seconds: total, rollout, per_iteration (list)
    # Action sequences imagined (scored) in this step, plus a gradient refinement's cost in
    # forward-equivalents (refine.py): the compute spent.
    evaluations: int = 0
    # [n]: with gradient refinement (config.refine.steps > 0), the energy of the sampler's plan,
    # then of each refined iterate (the plan is the lowest); empty without.
    refine_energies: torch.Tensor = field(
        default_factory=lambda: torch.zeros(0, dtype=torch.float32))
    # Why an iteration refit to fewer elites than ``topk`` (fewer energies finite), "" if none.
    elites_note: str = ""


def plan_from_mean(mean: torch.Tensor, config: CEMConfig) -> torch.Tensor:
    """Return the plan [H, 7]: mean, rotation 0 (unless searched), |gripper| < threshold → 0."""
    actions = mean.clone()
    if not config.search_rotation:
        actions[:, ROTATION] = 0.0
    gripper = actions[:, GRIPPER]
    actions[:, GRIPPER] = torch.where(
        gripper.abs() < config.gripper_round_threshold, torch.zeros_like(gripper), gripper
    )
    return actions


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@dataclass
class SearchLog:
    """What a search records: energies per iteration, timings, evaluations; makes the result."""

    started: float = field(default_factory=time.perf_counter)
    elite_energies: list = field(default_factory=list)  # mean elite energy per iteration
    best_energies: list = field(default_factory=list)  # lowest energy per iteration
    per_iteration: list = field(default_factory=list)  # seconds
    rollout_seconds: float = 0.0
    evaluations: int = 0  # action sequences scored
    elites_note: str = ""  # the first iteration with fewer finite energies than topk

    def elites(self, energies: torch.Tensor, topk: int, iteration: int):
        """Return (values, indices) [k'] of the ``topk`` lowest finite ``energies`` [S].

        k' < ``topk`` when fewer energies are finite (NaN/inf ones are never elites); the
        first such iteration is noted in :attr:`elites_note` (``PlanResult.elites_note``).
        """
        values, index = finite_topk(energies, topk)
        if len(index) < topk and not self.elites_note:
            self.elites_note = (
                f"iteration {iteration + 1}: {len(index)} of {energies.numel()} predicted "
                f"energies finite, fewer than planner.topk {topk}: the search used only the "
                "finite ones (NaN/inf predictions: an fp16 overflow? a damaged checkpoint?)")
        return values, index

    def score(self, score, actions: torch.Tensor, device: torch.device) -> torch.Tensor:
        """Return ``score(actions)`` [S'] (checked), timed and counted.

        Raises RuntimeError for a wrong shape and ``energy.NoFiniteEnergyError`` when no energy
        is finite (NaN/inf ones are left out by the searches: never elites of CEM and iCEM,
        weight 0 in MPPI).
        """
        rollout_start = time.perf_counter()
        energies = score(actions)  # [S']
        _sync(device)
        self.rollout_seconds += time.perf_counter() - rollout_start
        if energies.shape != (actions.shape[0],):
            raise RuntimeError(
                f"scorer returned shape {list(energies.shape)}, expected [{actions.shape[0]}]"
            )
        self.evaluations += actions.shape[0]
        finite_energies(energies)
        return energies

    def record(self, elite_energy: float, best_energy: float, iteration_start: float) -> None:
        self.elite_energies.append(elite_energy)
        self.best_energies.append(best_energy)
        self.per_iteration.append(time.perf_counter() - iteration_start)

    def result(
        self,
        chosen: torch.Tensor,
        mean: torch.Tensor,
        std: torch.Tensor,
        config: CEMConfig,
        stopped_early: bool = False,
    ) -> PlanResult:
        """Return the step's result; the plan is ``chosen`` [H, 7] under ``plan_from_mean``."""
        actions = plan_from_mean(chosen, config).cpu()
        return PlanResult(
            first_action=actions[0].clone(),
            actions=actions,
            elite_energies=torch.tensor(self.elite_energies, dtype=torch.float32),
            best_energies=torch.tensor(self.best_energies, dtype=torch.float32),
            mean=mean.cpu(),
            std=std.cpu(),
            iterations_run=len(self.elite_energies),
            stopped_early=stopped_early,
            timings={
                "total": time.perf_counter() - self.started,
                "rollout": self.rollout_seconds,
                "per_iteration": self.per_iteration,
            },
            evaluations=self.evaluations,
            elites_note=self.elites_note,
        )

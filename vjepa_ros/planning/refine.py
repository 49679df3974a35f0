"""Gradient refinement of a sampler's plan through the differentiable predictor.

After CEM, iCEM or MPPI has chosen its plan, ``config.refine.steps`` Adam steps lower the plan's
energy by back-propagating through the same cached rollout the sampler scores with
(``ImaginedRollout.differentiable``): the predictor's own ``step``, pose propagation and energy,
with autograd on and inference mode off. Only the searched entries move (xyz; the gripper
unless fixed by ``fixed_axes`` or closed by ``close_gripper``; rotation only with
``search_rotation``); the optimizer works in units of each axis' clip bound and every iterate is
projected back into the search box, so a refined plan obeys the sampler's rules. Each iterate is
scored as it would be executed (``cem.plan_from_mean``: rotation 0 unless searched, small
gripper values 0; the gradient passes that rounding straight through), and the lowest-energy
one of the start plan and the iterates is returned: never worse than the sampler's plan.

Sources: Bharadhwaj, Xie, Shkurti, L4DC 2020 (arXiv 2004.08763) and Huang et al. 2021 (CEM-GD,
arXiv 2112.07746) refine CEM's sequences by gradient steps through the model; Adam is Kingma &
Ba, ICLR 2015. Deterministic: no noise is drawn, so a seeded sampler gives a reproducible
refined plan.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable

import torch

from vjepa_ros.planning.cancel import check_stop
from vjepa_ros.planning.cem import GRIPPER, ROTATION, XYZ, PlanResult, plan_from_mean
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.rollout import ImaginedRollout

# One forward + backward of one sequence, in forward evaluations of one sequence in a batched
# scoring call: measured with benchmarks/bench_search.py gradient-cost (docs/planners.md).
FORWARDS_PER_GRADIENT_STEP = 3.0


def axis_bounds(config: CEMConfig) -> torch.Tensor:
    """Return each action axis' clip bound [7] float32: maxnorm (xyz), rotation, gripper."""
    bounds = torch.empty(7, dtype=torch.float32)
    bounds[XYZ] = config.maxnorm
    bounds[ROTATION] = config.rotation_maxnorm
    bounds[GRIPPER] = config.gripper_clip
    return bounds


def searched_entries(config: CEMConfig, horizon: int) -> torch.Tensor:
    """Return which plan entries [H, 7] (bool) refinement may move: the ones the sampler searched.

    xyz and the gripper, less ``fixed_axes`` and the gripper from step ``close_gripper`` on;
    rotation only with ``search_rotation``.
    """
    free = torch.zeros(horizon, 7, dtype=torch.bool)
    free[:, XYZ] = True
    free[:, ROTATION] = config.search_rotation
    free[:, GRIPPER] = True
    for index, _ in config.fixed_axes:
        free[:, index] = False
    if config.close_gripper is not None:
        free[config.close_gripper :, GRIPPER] = False
    return free


def refinement_evaluations(gradient_passes: int, forward_passes: int = 1) -> int:
    """Return a refinement's cost in forward-equivalents.

    Forward+backward passes × the measured factor (:data:`FORWARDS_PER_GRADIENT_STEP`, rounded
    up) + plain forward passes (the last iterate's score).
    """
    return math.ceil(gradient_passes * FORWARDS_PER_GRADIENT_STEP) + forward_passes


@dataclasses.dataclass
class Refinement:
    """What :func:`refine_plan` found; tensors float32 on the CPU."""

    actions: torch.Tensor  # [H, 7]: the lowest-energy plan of the start and the iterates
    energies: torch.Tensor  # [n]: energy of the start plan, then of each later iterate
    gradient_steps: int  # Adam steps taken (fewer than asked only after a non-finite gradient)
    improved: bool  # an iterate had a lower energy than the start plan
    evaluations: int  # cost in forward-equivalents (refinement_evaluations)
    seconds: float


def refine_plan(
    rollout: ImaginedRollout,
    plan: torch.Tensor,
    config: CEMConfig,
    should_stop: Callable[[], bool] | None = None,
) -> Refinement:
    """Refine ``plan`` [H, 7] by ``config.refine.steps`` Adam steps on its energy.

    ``rollout`` is the sampler's scorer (its inputs may be inference tensors). ``should_stop``
    is polled before every step and before the last iterate's evaluation
    (:class:`~vjepa_ros.planning.PlanCancelled`). A non-finite gradient ends the refinement
    early (the iterates so far still count).
    """
    started = time.perf_counter()
    settings = config.refine
    horizon = plan.shape[0]
    scorer = rollout.differentiable()
    device = rollout.device
    with torch.inference_mode(False), torch.enable_grad():
        bounds = axis_bounds(config).to(device)
        free = searched_entries(config, horizon).to(device)
        start = plan.to(device, torch.float32).clone()
        scaled_start = start / bounds
        scaled = scaled_start.clone().requires_grad_(True)  # the plan in units of its bounds
        optimizer = torch.optim.Adam([scaled], lr=settings.lr)
        energies, best, best_energy, steps_taken = [], start, math.inf, 0
        gradient_passes = forward_passes = 0
        for step in range(settings.steps + 1):
            last = step == settings.steps
            check_stop(should_stop, f"before gradient refinement step {step + 1} of "
                       f"{settings.steps}" if not last else "before scoring the refined plan")
            actions = scaled * bounds
            candidate = plan_from_mean(actions.detach(), config)  # as it would be executed
            if last:
                with torch.no_grad():
                    value = scorer.energies(candidate[None])[0]
            else:
                # Value of the executed plan, gradient straight through the plan rules.
                value = scorer.energies((actions + (candidate - actions.detach()))[None])[0]
                (gradient,) = torch.autograd.grad(value, scaled)
            energies.append(value.item())
            if energies[-1] < best_energy:
                best, best_energy = candidate, energies[-1]
            if last:
                forward_passes = 1
                break
            gradient_passes += 1
            if not torch.isfinite(gradient).all():
                break
            scaled.grad = gradient * free
            optimizer.step()
            steps_taken += 1
            with torch.no_grad():
                scaled.clamp_(-1.0, 1.0)  # projection onto the search box
                scaled[~free] = scaled_start[~free]
    return Refinement(
        actions=best.detach().cpu(),
        energies=torch.tensor(energies, dtype=torch.float32),
        gradient_steps=steps_taken,
        improved=best_energy < energies[0],
        evaluations=refinement_evaluations(gradient_passes, forward_passes),
        seconds=time.perf_counter() - started,
    )


def refine_result(
    result: PlanResult,
    rollout: ImaginedRollout,
    config: CEMConfig,
    should_stop: Callable[[], bool] | None = None,
) -> PlanResult:
    """Return ``result`` with its plan refined (``config.refine.steps`` > 0), else as it is.

    The refinement's cost is added to ``evaluations`` in forward-equivalents
    (:func:`refinement_evaluations`), its energies to ``refine_energies`` and its seconds to
    ``timings["refine"]`` (and ``timings["total"]``).
    """
    if config.refine.steps == 0:
        return result
    refinement = refine_plan(rollout, result.actions, config, should_stop)
    timings = dict(result.timings)
    timings["refine"] = refinement.seconds
    timings["total"] = timings.get("total", 0.0) + refinement.seconds
    return dataclasses.replace(
        result,
        first_action=refinement.actions[0].clone(),
        actions=refinement.actions,
        timings=timings,
        evaluations=result.evaluations + refinement.evaluations,
        refine_energies=refinement.energies,
    )

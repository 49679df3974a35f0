"""Pick the search method: one planner interface for the published CEM, iCEM and MPPI.

    planner = make_planner(world_model, preset("paper", method="icem"), seed=0)
    result = planner.plan(context_reps, context_state, goal_reps)   # a cem.PlanResult

Every planner has ``plan(context_reps, context_state, goal_reps, token_weights=None,
should_stop=None)`` and ``reset()``, the same clipping, gripper and rotation rules and the same
cancellation (``PlanCancelled``); see ``cem.py``, ``icem.py``, ``mppi.py``. With
``config.refine.steps`` > 0 each of them refines its plan by gradient steps (``refine.py``).
"""

import torch

from vjepa_ros.planning.cem import CEMPlanner, SamplingPlanner
from vjepa_ros.planning.config import CEMConfig, say_frozen_mean
from vjepa_ros.planning.icem import ICEMPlanner
from vjepa_ros.planning.memory import check_samples_fit
from vjepa_ros.planning.mppi import MPPIPlanner

PLANNERS: dict[str, type[SamplingPlanner]] = {
    "cem": CEMPlanner,
    "icem": ICEMPlanner,
    "mppi": MPPIPlanner,
}


def make_planner(
    model, config: CEMConfig, seed: int | torch.Generator | None = 0
) -> SamplingPlanner:
    """Return the planner of ``config.method`` over ``model`` (a WorldModel or AC predictor).

    The API's entry (README, Planner): a mean momentum of 1 is said here
    (``config.say_frozen_mean``: a ``FrozenMeanWarning`` at the caller's line; one
    ``warning:`` line inside a command). Raises ``memory.SamplesMemoryError`` (a MemoryError,
    one line naming ``CEMConfig.samples``) when ``config.samples`` does not fit in the free
    memory of the model's device, before anything is allocated; its ``plan`` raises the same
    for an allocation that fails anyway.
    """
    say_frozen_mean(config, stacklevel=2)
    return build_planner(model, config, seed)


def build_planner(
    model, config: CEMConfig, seed: int | torch.Generator | None = 0
) -> SamplingPlanner:
    """Return :func:`make_planner`'s planner, saying nothing of the settings.

    For the code an entry point runs (the node's session and camera check, a run's episodes),
    whose entry said its settings once already (``config.say_frozen_mean``). Raises as
    :func:`make_planner`.
    """
    check_samples_fit(config, model_device(model))
    return PLANNERS[config.method](model, config, seed=seed)


def model_device(model) -> torch.device:
    """Return the device ``model`` runs on: its ``device``, its first parameter's, or the CPU."""
    device = getattr(model, "device", None)
    if device is None and isinstance(model, torch.nn.Module):
        device = next((p.device for p in model.parameters()), None)
    return torch.device(device if device is not None else "cpu")

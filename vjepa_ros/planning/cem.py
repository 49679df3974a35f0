"""The fast CEM planner: the published V-JEPA 2-AC planning semantics, batched on the device.

One replanning step: ``iterations`` times, draw ``samples`` action sequences of ``horizon`` steps
from the search distribution, imagine each with the predictor (key/value cache, see
``rollout.py``), score the final imagined representation against the goal, refit the distribution
to the ``topk`` best with momentum. The plan is the final mean; the robot executes its first action
and the planner is called again.

Typical use (the ROS node does this)::

    planner = CEMPlanner(world_model, preset("paper"), seed=0)
    result = planner.plan(context_reps, context_state, goal_reps)   # reps [1, N, D], state [7]
    robot.execute(result.first_action)                              # [7] float32, on the CPU

Noise: each iteration draws one standard-normal tensor [S, H, 7] from a CPU ``torch.Generator`` and
moves it to the device, so a seed gives the same plan on any device (up to the model's float
rounding), and the plain reference planner (``reference.py``) fed the same generator gives the same
plan.

The rest lives beside it: the seed, generator and draw in ``noise.py``, warm-start checks and
shifts in ``warm_start.py``, the planners' shared base (``SamplingPlanner``, the world-model
scorer) in ``sampling_planner.py``, the result and its log in ``search_log.py``; all importable
from here as before.
"""

import time
from collections.abc import Callable

import torch

from vjepa_ros.planning.cancel import PlanCancelled, check_stop  # noqa: F401 (re-exported)
from vjepa_ros.planning.config import CEMConfig, say_frozen_mean
from vjepa_ros.planning.noise import (  # noqa: F401 (re-exported: callers import them from here)
    checked_seed,
    make_generator,
    standard_noise,
)
from vjepa_ros.planning.sampling_planner import (  # noqa: F401 (re-exported)
    SamplingPlanner,
    finish,
    make_scorer,
)
from vjepa_ros.planning.search_log import (  # noqa: F401 (re-exported: the searches' one place)
    GRIPPER,
    ROTATION,
    XYZ,
    PlanResult,
    SearchLog,
    plan_from_mean,
)
from vjepa_ros.planning.warm_start import check_warm_start, shift_plan  # noqa: F401 (re-exported)


def initial_distribution(
    config: CEMConfig, device: torch.device, warm_mean: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the start mean and std [H, 7] float32: 0 or ``warm_mean``; maxnorm, gripper_init_std.

    A ``warm_mean`` is put in the samples' box first (:func:`clip_to_box`): shifted by one step,
    a close-gripper step's gripper 1 would otherwise start a step whose samples are clipped to
    ±gripper_clip, and the momentum would keep the plan outside that clip. Raises ValueError
    naming ``warm_mean`` for one that is not a [H, 7] tensor of finite values (checked by
    :func:`check_warm_start`).
    """
    horizon = config.horizon
    mean = torch.zeros(horizon, 7, dtype=torch.float32, device=device)
    if warm_mean is not None:
        mean.copy_(check_warm_start("warm_mean", warm_mean, (horizon, 7)))
        clip_to_box(mean, config)
    std = torch.zeros(horizon, 7, dtype=torch.float32, device=device)
    std[:, XYZ] = config.maxnorm
    std[:, GRIPPER] = config.gripper_init_std
    if config.search_rotation:
        std[:, ROTATION] = config.rotation_maxnorm
    for index, value in config.fixed_axes:
        mean[:, index] = value
    return mean, std


def sample_actions(
    mean: torch.Tensor, std: torch.Tensor, noise: torch.Tensor, config: CEMConfig
) -> torch.Tensor:
    """Turn standard-normal ``noise`` [S, H, 7] into action samples [S, H, 7] of the distribution.

    Clipped per axis (xyz ±maxnorm, gripper ±gripper_clip), rotation 0 unless searched, fixed axes
    set, gripper forced to 1 from step ``close_gripper`` on (:func:`clip_to_box`).
    """
    return clip_to_box(noise * std + mean, config)


def clip_to_box(actions: torch.Tensor, config: CEMConfig) -> torch.Tensor:
    """Put actions [..., H, 7] in the search box, in place, and return them.

    Per axis: xyz ±maxnorm, gripper ±gripper_clip, rotation ±rotation_maxnorm if searched else
    0; fixed axes set; gripper 1 from step ``close_gripper`` on (the published sample rules).
    """
    actions[..., XYZ].clamp_(-config.maxnorm, config.maxnorm)
    if config.search_rotation:
        actions[..., ROTATION].clamp_(-config.rotation_maxnorm, config.rotation_maxnorm)
    else:
        actions[..., ROTATION] = 0.0
    actions[..., GRIPPER].clamp_(-config.gripper_clip, config.gripper_clip)
    for index, value in config.fixed_axes:
        actions[..., index] = value
    if config.close_gripper is not None:
        actions[..., config.close_gripper :, GRIPPER] = 1.0
    return actions


def refit_distribution(
    mean: torch.Tensor, std: torch.Tensor, elites: torch.Tensor, config: CEMConfig
) -> tuple[torch.Tensor, torch.Tensor]:
    """Move mean, std [H, 7] toward the elites' [k, H, 7] mean and unbiased std, with momentum."""
    elite_mean = elites.mean(dim=0)
    # unbiased, as torch.std and the official code; one elite (one finite energy) has no spread
    elite_std = elites.std(dim=0) if elites.shape[0] > 1 else std
    momentum_mean = torch.full((7,), config.momentum_mean, dtype=mean.dtype, device=mean.device)
    momentum_std = torch.full((7,), config.momentum_std, dtype=mean.dtype, device=mean.device)
    momentum_mean[GRIPPER] = config.momentum_mean_gripper
    momentum_std[GRIPPER] = config.momentum_std_gripper
    new_mean = elite_mean * (1.0 - momentum_mean) + mean * momentum_mean
    new_std = elite_std * (1.0 - momentum_std) + std * momentum_std
    if not config.search_rotation:
        new_mean[:, ROTATION] = 0.0
        new_std[:, ROTATION] = 0.0
    return keep_in_box(new_mean, config), new_std


def keep_in_box(mean: torch.Tensor, config: CEMConfig) -> torch.Tensor:
    """Clamp a search mean [H, 7] in place into its samples' box and return it.

    A mix of in-box values stays in the box up to float rounding (0.75 · 0.85 + 0.75 · 0.15 is a
    float32 step above 0.75); clamped per axis: xyz ±maxnorm, rotation ±rotation_maxnorm, gripper
    ±gripper_clip (up to 1 from step ``close_gripper`` on, where the samples are 1). Fixed axes
    keep their value. Values inside the box are left bit for bit.
    """
    fixed = [(index, mean[:, index].clone()) for index, _ in config.fixed_axes]
    mean[:, XYZ].clamp_(-config.maxnorm, config.maxnorm)
    mean[:, ROTATION].clamp_(-config.rotation_maxnorm, config.rotation_maxnorm)
    gripper = mean[:, GRIPPER].clamp(min=-config.gripper_clip)
    high = torch.full_like(gripper, config.gripper_clip)
    if config.close_gripper is not None:
        high[config.close_gripper :] = 1.0
    mean[:, GRIPPER] = torch.minimum(gripper, high)
    for index, values in fixed:
        mean[:, index] = values
    return mean


def cem_search(
    score: "callable",
    config: CEMConfig,
    device: torch.device,
    generator: torch.Generator,
    warm_mean: torch.Tensor | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> PlanResult:
    """Run CEM over any batched scorer ``score(actions [S, H, 7] float32) → energies [S]``.

    ``should_stop`` is polled before every iteration; when it returns true the search raises
    :class:`PlanCancelled` (a scorer may poll it too, between its chunks).
    """
    log = SearchLog()
    mean, std = initial_distribution(config, device, warm_mean)
    best_so_far, stale, stopped_early = float("inf"), 0, False
    for iteration in range(config.iterations):
        check_stop(should_stop, f"before iteration {iteration + 1} of {config.iterations}")
        iteration_start = time.perf_counter()
        noise = standard_noise(config, generator).to(device)
        actions = sample_actions(mean, std, noise, config)  # [S, H, 7]
        energies = log.score(score, actions, device)  # [S]
        elite_values, elite_index = log.elites(energies, config.topk, iteration)
        mean, std = refit_distribution(mean, std, actions[elite_index], config)
        elite_energy = elite_values.mean().item()
        log.record(elite_energy, elite_values[0].item(), iteration_start)
        if config.early_stop_patience is not None:
            improved = best_so_far == float("inf") or (
                elite_energy < best_so_far - config.early_stop_rel_tol * abs(best_so_far)
            )
            if improved:
                best_so_far, stale = elite_energy, 0
            else:
                stale += 1
                if stale >= config.early_stop_patience:
                    stopped_early = True
                    break
    return log.result(mean, mean, std, config, stopped_early)


def plan(
    model,
    context_reps: torch.Tensor,
    context_state: torch.Tensor,
    goal_reps: torch.Tensor,
    config: CEMConfig,
    generator: int | torch.Generator | None = 0,
    warm_mean: torch.Tensor | None = None,
    token_weights: torch.Tensor | None = None,
    should_stop: Callable[[], bool] | None = None,
    context_cache=None,
) -> PlanResult:
    """One replanning step of ``config.method`` toward ``goal_reps`` (then ``config.refine``).

    The first plan of ``make_planner(model, config, generator)`` (the published CEM, iCEM or
    MPPI, as ``config.method`` names it), started from ``warm_mean`` when given: the same code
    and the same noise, bit for bit.

    Args:
        model: a ``WorldModel`` (its ``.predictor`` is used) or an AC predictor.
        context_reps: [1, N, D] or [N, D], the current frame's layer-normed representation.
        context_state: [7] or [1, 7], the current end-effector state.
        goal_reps: [1, N, D] or [N, D], the goal frame's layer-normed representation.
        config: the search settings; ``config.method`` picks the method.
        generator: a seed or a CPU ``torch.Generator`` for the sampling noise
            (:func:`make_generator`: an integer in [0, 2**64 - 1], -1 or None for a random one).
        warm_mean: optional [H, 7] initial search mean (warm start); ``None`` starts from 0
            (iCEM: no kept elites either).
        token_weights: optional [N] per-token energy weights.
        should_stop: optional callable polled between iterations and sample chunks; when it
            returns true the step raises :class:`PlanCancelled` (nothing is returned).
        context_cache: optional predictor cache (batch 1) holding the frames before the context
            frame (``ImaginedRollout``); None: the context frame alone.

    Raises ValueError naming the input for reps that are not layer-normed, a state in other
    units (degrees, a 0-255 gripper) or a seed that is not one (``plan_inputs``,
    :func:`make_generator`); an orientation outside scipy's Euler ranges is canonicalised.
    ``memory.SamplesMemoryError`` as ``make_planner`` raises it. A cancelled step leaves a
    given ``torch.Generator`` as it found it (:class:`SamplingPlanner`). An API entry as
    ``make_planner``: a mean momentum of 1 is said at the caller's line
    (``config.say_frozen_mean``).
    """
    from vjepa_ros.planning.planners import build_planner  # planners.py imports this module

    say_frozen_mean(config, stacklevel=2)  # at the caller's line, not make_planner's call here
    return build_planner(model, config, seed=generator).plan(
        context_reps, context_state, goal_reps, token_weights, should_stop, context_cache,
        warm_mean=warm_mean)


class CEMPlanner(SamplingPlanner):
    """The published CEM (``cem_search``), warm-started from the shifted last mean if asked."""

    METHOD = "cem"

    def _search(self, score, device: torch.device, should_stop, config: CEMConfig,
                given: torch.Tensor | None) -> tuple[PlanResult, dict]:
        warm_mean = self._warm_mean(config.warm_start) if given is None else given
        result = cem_search(score, config, device, self.generator, warm_mean, should_stop)
        return result, {"_last_mean": result.mean}

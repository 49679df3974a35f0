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
"""

import numbers
import threading
import time
from collections.abc import Callable

import torch

from vjepa_ros.planning.cancel import PlanCancelled, check_stop  # noqa: F401 (re-exported)
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.memory import allocation_failures_named
from vjepa_ros.planning.rollout import ImaginedRollout
from vjepa_ros.planning.search_log import (  # noqa: F401 (re-exported: the searches' one place)
    GRIPPER,
    ROTATION,
    XYZ,
    PlanResult,
    SearchLog,
    plan_from_mean,
)


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


def check_warm_start(name: str, warm: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """Return a warm start (``warm_mean`` [H, 7], iCEM's ``warm_elites`` [m, H, 7]) if usable.

    ``shape``: the one expected (a ``-1`` entry takes any size). Raises ValueError naming ``name``
    for a non-tensor, one not of a real floating dtype (an int, bool or complex tensor: a cast
    would drop the fraction or the imaginary part silently), another shape, or a NaN/inf entry
    (the box would keep a NaN, every sample would be NaN and the search would blame the world
    model; an inf would be clipped silently to the box's edge). Returned detached: a warm start
    that requires grad (edited through autograd) gives its values only, never a plan that
    requires grad (breaker54i); the searches cast it to float32 (float16/64 planned as float32).
    """
    if not isinstance(warm, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(warm).__name__}")
    if not warm.dtype.is_floating_point:
        raise ValueError(f"{name} (warm start) must be a real floating-point tensor (float32 is "
                         f"planned in; float16/64 are cast), got {warm.dtype}: convert it with "
                         ".float()")
    warm = warm.detach()
    if warm.ndim != len(shape) or any(
            n not in (-1, size) for n, size in zip(shape, warm.shape, strict=True)):
        wanted = ", ".join("m" if n == -1 else str(n) for n in shape)
        raise ValueError(f"{name} (warm start) must have shape [{wanted}], got "
                         f"{list(warm.shape)}")
    bad = ~torch.isfinite(warm)
    if bad.any():
        where = [int(i) for i in bad.nonzero()[0]]
        raise ValueError(f"{name} (warm start) must be finite, got {warm[tuple(where)].item()} "
                         f"at index {where}: give a finite start or None (start from 0)")
    return warm


def sample_actions(
    mean: torch.Tensor, std: torch.Tensor, noise: torch.Tensor, config: CEMConfig
) -> torch.Tensor:
    """Turn standard-normal ``noise`` [S, H, 7] into action samples [S, H, 7] of the distribution.

    Clipped per axis (xyz ±maxnorm, gripper ±gripper_clip), rotation 0 unless searched, fixed axes
    set, gripper forced to 1 from step ``close_gripper`` on (:func:`clip_to_box`).
    """
    return clip_to_box(noise * std + mean, config)


def standard_noise(config: CEMConfig, generator: torch.Generator) -> torch.Tensor:
    """Return one standard-normal draw [S, H, 7] float32 on the CPU from the CPU ``generator``.

    Float32 whatever torch's default dtype (``torch.set_default_dtype(torch.float64)`` elsewhere
    in the process would otherwise draw another sequence from the same seed, and plan in
    float64); the official planner draws ``torch.randn`` under the float32 default: the same
    numbers.
    """
    shape = (config.samples, config.horizon, 7)
    return torch.randn(shape, generator=generator, dtype=torch.float32)


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


def make_generator(seed_or_generator: int | torch.Generator | None) -> torch.Generator:
    """Return a CPU generator: seeded with an integer, given as is, or randomly seeded.

    ``seed_or_generator``: an integer (``int``, a numpy integer) in [0, 2**64 - 1]; -1 or None
    for a random seed (``-1`` is what the node's ``planner.seed`` calls random); or a CPU
    ``torch.Generator``, used as is. Raises ValueError naming the seed for anything else: a
    float (0.5 would plan as 0), a bool, a negative or too large integer, a CUDA generator.
    """
    if isinstance(seed_or_generator, torch.Generator):
        if seed_or_generator.device.type != "cpu":
            raise ValueError("the planner's noise generator must be a CPU torch.Generator")
        return seed_or_generator
    generator = torch.Generator()
    seed = checked_seed(seed_or_generator)
    if seed is None:
        generator.seed()
    else:
        generator.manual_seed(seed)
    return generator


def checked_seed(seed) -> int | None:
    """Return ``seed`` as an int in [0, 2**64 - 1], or None for a random one (None or -1).

    An integer: any ``numbers.Integral`` but a bool (``int``, numpy's integers). Raises
    ValueError naming the seed for a non-integer (float, bool, str, a tensor) or one out of range.
    """
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):  # np.bool_ is no Integral
        raise ValueError(f"the planner's seed must be an integer in [0, 2**64 - 1], -1 or None "
                         f"(a random seed) or a CPU torch.Generator, got {seed!r} "
                         f"({type(seed).__name__})")
    seed = int(seed)
    if seed == -1:
        return None
    if not 0 <= seed < 2**64:
        raise ValueError(f"the planner's seed must be in [0, 2**64 - 1], or -1 or None for a "
                         f"random seed, got {seed}")
    return seed


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


def make_scorer(
    model,
    context_reps: torch.Tensor,
    context_state: torch.Tensor,
    goal_reps: torch.Tensor,
    config: CEMConfig,
    token_weights: torch.Tensor | None = None,
    should_stop: Callable[[], bool] | None = None,
    context_cache=None,
) -> tuple[Callable[[torch.Tensor], torch.Tensor], ImaginedRollout]:
    """Return ``score(actions [S, H, 7]) → energies [S]`` over the world model, and its rollout.

    The inputs are checked here (``ImaginedRollout``: shapes, NaN/inf → ``ValueError``); the
    scorer polls ``should_stop`` between its sample chunks. ``context_cache``: optional predictor
    cache (batch 1) of the frames before the context frame (async control's imagined start).
    """
    rollout = ImaginedRollout(
        model,
        context_reps,
        context_state,
        goal_reps,
        energy_kind=config.energy,
        token_weights=token_weights,
        chunk_size=config.chunk_size,
        context_cache=context_cache,
    )

    def score(actions: torch.Tensor) -> torch.Tensor:
        return rollout.energies(actions, should_stop=should_stop)

    return score, rollout


def finish(
    result: PlanResult, rollout: ImaginedRollout, config: CEMConfig, should_stop=None
) -> PlanResult:
    """Return the search's result, refined by gradient steps if ``config.refine.steps`` > 0."""
    from vjepa_ros.planning.refine import refine_result  # refine.py imports this module

    return refine_result(result, rollout, config, should_stop)


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
    given ``torch.Generator`` as it found it (:class:`SamplingPlanner`).
    """
    from vjepa_ros.planning.planners import make_planner  # planners.py imports this module

    return make_planner(model, config, seed=generator).plan(
        context_reps, context_state, goal_reps, token_weights, should_stop, context_cache,
        warm_mean=warm_mean)


def shift_plan(mean: torch.Tensor) -> torch.Tensor:
    """Shift a plan [..., H, 7] for warm start: drop the executed step, repeat the last one."""
    return torch.cat([mean[..., 1:, :], mean[..., -1:, :]], dim=-2)


class SamplingPlanner:
    """Hold the world model, the settings, the noise generator and the warm-start state.

    ``plan(context_reps, context_state, goal_reps)`` runs one replanning step (shapes as
    :func:`plan`); ``reset()`` forgets the warm-start state (call it when the goal changes or the
    robot was moved by hand; thread-safe: a plan running meanwhile then keeps nothing). A step
    cancelled through ``should_stop`` (:class:`PlanCancelled`) or failing keeps nothing either,
    nor does one whose mean is not finite; a cancelled one also leaves the noise generator as
    it found it (a seeded planner's next plan is the one it would have made without it).
    Subclasses implement ``_search`` (one method each), returning the result and the
    warm-start state to keep (``WARM_STATE`` names it). With ``config.refine.steps`` > 0 the
    search's plan is then refined by gradient steps (``refine.py``); the warm-start state stays
    the sampler's own. An allocation that fails during ``plan`` raises
    ``memory.SamplesMemoryError`` naming ``CEMConfig.samples``.

    The next step starts from the kept state shifted by one step (the executed action dropped):
    after every plan by default (a loop that executes each plan, as the published notebook's),
    or, once :meth:`follow_commands` was called (the MPC session does), only after
    :meth:`commanded` said the plan's first action went to the arm; a plan not executed (shadow
    mode, refused, discarded) is the next step's start as it is.
    """

    WARM_STATE = ("_last_mean",)  # attributes of the warm-start state, None when forgotten
    METHOD = ""  # the CEMConfig.method each subclass plans

    def __init__(self, model, config: CEMConfig, seed: int | torch.Generator | None = 0):
        self.model = model
        self.config = config
        self._check_method(config)
        self.generator = make_generator(seed)
        self._lock = threading.Lock()
        self._generation = 0  # bumped by reset(): a plan begun before keeps nothing
        self._follow_commands = False
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._generation += 1
            self._forget()

    def _forget(self) -> None:
        for name in self.WARM_STATE:
            setattr(self, name, None)
        self._commanded = False

    def follow_commands(self) -> None:
        """Shift the warm start only for plans :meth:`commanded` reports (see the class)."""
        self._follow_commands = True

    def commanded(self) -> None:
        """Note that the last plan's first action went to the arm (its step is dropped next)."""
        with self._lock:
            self._commanded = True

    def _check_method(self, config: CEMConfig) -> None:
        """Refuse a config of another method (ValueError naming ``CEMConfig.method``)."""
        if config.method != self.METHOD:
            raise ValueError(
                f"CEMConfig.method is {config.method!r} but {type(self).__name__} plans "
                f"{self.METHOD!r}: build the planner with make_planner(model, config, seed), "
                f"which picks the planner of config.method, or set CEMConfig.method to "
                f"{self.METHOD!r}")

    def _shifted(self, kept: torch.Tensor) -> torch.Tensor:
        """Return a kept plan [..., H, 7] as the next step's start: shifted if it was executed."""
        return shift_plan(kept) if self._commanded or not self._follow_commands else kept

    def _warm_mean(self, enabled: bool) -> torch.Tensor | None:
        """Return the last mean as the next start (None: not ``enabled`` or other horizon)."""
        last = self._last_mean
        if enabled and last is not None and last.shape[0] == self.config.horizon:
            return self._shifted(last)
        return None

    def _keep(self, warm: dict, generation: int) -> None:
        """Keep a plan's warm-start state unless reset() came since it began; not if NaN/inf.

        Kept as copies: the state is the returned ``PlanResult.mean`` (and iCEM's elites), which
        a caller may edit in place; the next plan must not start from those edits.
        """
        with self._lock:
            if generation != self._generation:
                return
            if all(value is None or bool(torch.isfinite(value).all()) for value in warm.values()):
                vars(self).update({name: None if value is None else value.clone()
                                   for name, value in warm.items()})
                self._commanded = False
            else:  # NaN/inf: a start no later plan recovers from
                self._forget()

    def plan(
        self,
        context_reps: torch.Tensor,
        context_state: torch.Tensor,
        goal_reps: torch.Tensor,
        token_weights: torch.Tensor | None = None,
        should_stop: Callable[[], bool] | None = None,
        context_cache=None,
        fixed_axes: tuple[tuple[int, float], ...] = (),
        warm_mean: torch.Tensor | None = None,
    ) -> PlanResult:
        """One replanning step (arguments as :func:`plan`; ``fixed_axes``: axes held in it).

        ``warm_mean``: [H, 7] start of this step's search mean, taken as given (not shifted) in
        place of the kept warm-start state (iCEM: no kept elites); None: the kept state when
        the method's warm start is on, else 0. Raises ValueError naming ``CEMConfig.method``
        when ``config`` (assigned since, too) is another method's.
        """
        generation = self._generation  # as it begins: a reset() while the scorer builds counts
        self._check_method(self.config)
        config = self.config.with_held_axes(fixed_axes)
        with allocation_failures_named(config):  # not torch's raw allocator message
            score, rollout = make_scorer(
                self.model, context_reps, context_state, goal_reps, config, token_weights,
                should_stop, context_cache,
            )
            noise_state = self.generator.get_state()
            try:
                with torch.inference_mode():
                    result, warm = self._search(score, rollout.device, should_stop, config,
                                                warm_mean)
                result = finish(result, rollout, config, should_stop)
            except PlanCancelled:  # as if it never ran: the next plan draws the same noise
                self.generator.set_state(noise_state)
                raise
            self._keep(warm, generation)
            return result

    def _search(self, score, device: torch.device, should_stop, config: CEMConfig,
                given: torch.Tensor | None) -> tuple[PlanResult, dict]:
        """Search once; ``given``: the plan's ``warm_mean`` (None: the kept state's)."""
        raise NotImplementedError


class CEMPlanner(SamplingPlanner):
    """The published CEM (``cem_search``), warm-started from the shifted last mean if asked."""

    METHOD = "cem"

    def _search(self, score, device: torch.device, should_stop, config: CEMConfig,
                given: torch.Tensor | None) -> tuple[PlanResult, dict]:
        warm_mean = self._warm_mean(config.warm_start) if given is None else given
        result = cem_search(score, config, device, self.generator, warm_mean, should_stop)
        return result, {"_last_mean": result.mean}

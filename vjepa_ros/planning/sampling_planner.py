"""The sampling planners' shared base: model, settings, noise generator and warm-start state.

``SamplingPlanner`` holds what CEM (``cem.py``), iCEM (``icem.py``) and MPPI (``mppi.py``) share:
the world-model scorer (``make_scorer``), the seeded generator, the lock and generation that let
``reset()`` void a plan running meanwhile, and the warm-start state kept between plans; each
subclass implements ``_search``. ``finish`` applies ``CEMConfig.refine`` after the search.
"""

import threading
from collections.abc import Callable

import torch

from vjepa_ros.planning.cancel import PlanCancelled
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.memory import allocation_failures_named
from vjepa_ros.planning.noise import make_generator
from vjepa_ros.planning.rollout import ImaginedRollout
from vjepa_ros.planning.search_log import PlanResult
from vjepa_ros.planning.warm_start import shift_plan


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
    from vjepa_ros.planning.refine import refine_result  # refine.py imports it (via cem)

    return refine_result(result, rollout, config, should_stop)


class SamplingPlanner:
    """Hold the world model, the settings, the noise generator and the warm-start state.

    ``plan(context_reps, context_state, goal_reps)`` runs one replanning step (shapes as
    :func:`cem.plan`); ``reset()`` forgets the warm-start state (call it when the goal changes or
    the robot was moved by hand; thread-safe: a plan running meanwhile then keeps nothing). A step
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
        """One replanning step (arguments as :func:`cem.plan`; ``fixed_axes``: axes held in it).

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

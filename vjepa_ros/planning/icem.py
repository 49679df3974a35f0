"""iCEM: the improved, sample-efficient CEM of Pinneri et al. (CoRL 2020), over the world model.

Per replanning step, for iteration i = 0 .. I−1 (``config.icem`` holds the knobs, see
``methods.ICEMSettings``):

1. draw N_i = max(round(S / γ^i), 2k) sequences of colored noise (PSD ∝ 1/f^β along the horizon)
   and turn them into actions exactly as CEM does (``cem.sample_actions``: per-axis clip, rotation
   0 unless searched, fixed axes, close-gripper step);
2. add the kept elites: in iteration 0 the previous step's, shifted by one step (re-scored, the
   frame changed), later the previous iteration's (their energies are known, not re-scored);
   in the last iteration also the mean itself;
3. score, take the k best as elites, refit mean and std with CEM's momenta
   (``cem.refit_distribution``), keep the best ``keep_elites_fraction`` of the elites.

The plan is the lowest-energy sequence scored in this step (``execute_best``) or the final mean,
with CEM's plan rules (rotation 0 unless searched, |gripper| < threshold → 0). The mean starts at
the previous step's mean shifted by one step (``shift_warm_start``), the std at CEM's initial std.
``PlanResult.evaluations`` counts the sequences actually imagined.
"""

import math
import time

import torch

from vjepa_ros.planning.cancel import check_stop
from vjepa_ros.planning.cem import (
    PlanResult,
    SamplingPlanner,
    SearchLog,
    check_warm_start,
    clip_to_box,
    initial_distribution,
    refit_distribution,
    sample_actions,
)
from vjepa_ros.planning.colored_noise import colored_noise
from vjepa_ros.planning.config import CEMConfig


def population(config: CEMConfig, iteration: int) -> int:
    """Return the new samples of ``iteration`` (0-based): max(round(S / γ^i), 2k), ≤ S.

    Once γ^i exceeds S the decayed count is below 1, so 2k: γ^i is not computed then (γ 10 to
    the 400th overflows a float).
    """
    decay = config.icem.population_decay
    if iteration * math.log(decay) > math.log(config.samples):
        return min(config.samples, 2 * config.topk)
    decayed = round(config.samples / decay**iteration)
    return min(config.samples, max(decayed, 2 * config.topk))


def kept_count(config: CEMConfig) -> int:
    """Elites carried over: ceil(fraction · k) (0 when the fraction is 0).

    The product is rounded to 9 decimals first: 0.07 · 100 is 7.000000000000001 in floats,
    which is 7 elites, not 8.
    """
    return math.ceil(round(config.icem.keep_elites_fraction * config.topk, 9))


def evaluations_per_step(config: CEMConfig, warm: bool = True) -> int:
    """Sequences one iCEM step imagines: Σ N_i, the mean once, shifted elites once if ``warm``."""
    total = sum(population(config, i) for i in range(config.iterations))
    total += int(config.icem.add_mean)
    if warm and config.icem.shift_warm_start:
        total += kept_count(config)
    return total


def icem_search(
    score,
    config: CEMConfig,
    device: torch.device,
    generator: torch.Generator,
    warm_mean: torch.Tensor | None = None,
    warm_elites: torch.Tensor | None = None,
    should_stop=None,
) -> tuple[PlanResult, torch.Tensor]:
    """Run iCEM over a batched scorer ``score(actions [S', H, 7]) → energies [S']``.

    ``warm_mean`` [H, 7] and ``warm_elites`` [m, H, 7] (already shifted) seed the search;
    ValueError naming them when not finite or of another shape (``warm_start.check_warm_start``).
    Returns the result and the kept elites [m, H, 7] of the last iteration (unshifted).
    ``should_stop`` is polled before every iteration (:class:`~vjepa_ros.planning.PlanCancelled`).
    """
    settings = config.icem
    log = SearchLog()
    mean, std = initial_distribution(config, device, warm_mean)
    zero_noise = torch.zeros(1, config.horizon, 7, dtype=torch.float32, device=device)
    keep = kept_count(config)
    kept_actions = None  # the warm elites in the box, as the warm mean (initial_distribution)
    if warm_elites is not None:
        warm_elites = check_warm_start("warm_elites", warm_elites, (-1, config.horizon, 7))
    if warm_elites is not None and keep:  # a float32 copy of its values (float64 from numpy)
        kept_actions = clip_to_box(warm_elites[:keep].to(device, torch.float32, copy=True),
                                   config)
    kept_energies = None  # None: the kept actions must be scored (new frame)
    best_actions, best_energy = None, math.inf
    for iteration in range(config.iterations):
        check_stop(should_stop, f"before iteration {iteration + 1} of {config.iterations}")
        iteration_start = time.perf_counter()
        noise = colored_noise(
            population(config, iteration), config.horizon, 7, settings.noise_beta, generator
        ).to(device)
        fresh = [sample_actions(mean, std, noise, config)]
        if kept_actions is not None and kept_energies is None:
            fresh.append(kept_actions)
        if settings.add_mean and iteration + 1 == config.iterations:
            fresh.append(sample_actions(mean, std, zero_noise, config))
        actions = torch.cat(fresh, dim=0)
        energies = log.score(score, actions, device)
        if kept_energies is not None:  # known energies of this step's kept elites
            actions = torch.cat([actions, kept_actions], dim=0)
            energies = torch.cat([energies, kept_energies], dim=0)
        elite_values, elite_index = log.elites(energies, config.topk, iteration)
        elites = actions[elite_index]
        if elite_values[0].item() < best_energy:
            best_energy, best_actions = elite_values[0].item(), elites[0].clone()
        mean, std = refit_distribution(mean, std, elites, config)
        kept_actions = elites[:keep] if keep else None
        kept_energies = elite_values[:keep] if keep else None
        log.record(elite_values.mean().item(), best_energy, iteration_start)
    result = log.result(best_actions if settings.execute_best else mean, mean, std, config)
    empty = torch.zeros(0, config.horizon, 7, dtype=torch.float32)
    return result, (kept_actions.cpu() if kept_actions is not None else empty)


class ICEMPlanner(SamplingPlanner):
    """iCEM with its warm start: the previous mean and kept elites, shifted by one step."""

    WARM_STATE = ("_last_mean", "_last_elites")
    METHOD = "icem"

    def _search(self, score, device: torch.device, should_stop, config: CEMConfig,
                given: torch.Tensor | None) -> tuple[PlanResult, dict]:
        shift = config.icem.shift_warm_start
        warm_mean = self._warm_mean(shift) if given is None else given
        elites = self._last_elites
        if (given is not None or warm_mean is None or elites is None
                or elites.shape[1] != config.horizon):
            elites = None
        else:
            elites = self._shifted(elites)
        result, kept = icem_search(
            score, config, device, self.generator, warm_mean, elites, should_stop
        )
        return result, {"_last_mean": result.mean, "_last_elites": kept}

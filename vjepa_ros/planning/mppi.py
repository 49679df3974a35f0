"""MPPI (Williams et al., ICRA 2017) over the world model, iterated within a replanning step.

Per iteration (``config.mppi`` holds the knobs, see ``methods.MPPISettings``): draw S sequences
around the mean with Gaussian noise of std σ·(CEM's initial std), turned into actions exactly as
CEM does (``cem.sample_actions``: per-axis clip, rotation 0 unless searched, fixed axes,
close-gripper step); score them; weight them by w ∝ exp(−(E − min E) / λ) (energies first divided
by their std over the samples when ``normalize_costs``); the new mean is Σ w·a over the clipped
samples put in the box by the samples' rule (``cem.clip_to_box``: the close-gripper step's 1
kept under a held gripper, as CEM's and iCEM's elites keep it). The std shrinks by
``noise_decay`` per iteration. The plan is the final mean with CEM's plan rules (rotation 0
unless searched, |gripper| < threshold → 0); the next step starts from it shifted by one step
(``shift_warm_start``).

``PlanResult.elite_energies`` holds the mean of the k lowest energies per iteration (k = ``topk``,
as CEM reports: the one thing ``topk`` sets here), ``best_energies`` the lowest energy sampled so
far in this step; ``elites_note`` says, as CEM's does, when fewer than k energies were finite. The
CEM momenta are not read (no refit; ``method_reads.REFIT_FIELDS``).

Reproducibility: the weights use the energies' values, not only their order as CEM's and iCEM's
elites do, so a float rounding of the energies (a predictor batched differently: another
``chunk_size``, the automatic chunk on CUDA) moves the plan by a little (README, Planner;
test_breaker60c), where CEM and iCEM plan the same unless two energies tie within that rounding.
"""

import math
import time

import torch

from vjepa_ros.planning.cancel import check_stop
from vjepa_ros.planning.cem import (
    PlanResult,
    SamplingPlanner,
    SearchLog,
    clip_to_box,
    initial_distribution,
    sample_actions,
    standard_noise,
)
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.energy import finite_energies


def mppi_weights(energies: torch.Tensor, temperature: float, normalize: bool) -> torch.Tensor:
    """Return MPPI weights [S] (sum 1, float32) of energies [S]: softmax(−(E − min E) / λ).

    NaN/inf energies (predictions that overflowed) get weight 0, as CEM leaves them out of its
    elites. Computed in float64 after subtracting the minimum, so any λ > 0 gives finite weights
    (λ 1e-50 is 0 in float32: 0/0). Raises ``energy.NoFiniteEnergyError`` when none is finite.
    """
    finite = finite_energies(energies)
    costs = energies.double()
    costs = costs - costs[finite].min()
    if normalize and int(finite.sum()) > 1:
        spread = costs[finite].std()
        if spread > 0:
            costs = costs / spread
    costs = torch.where(finite, costs, torch.full_like(costs, math.inf))
    return torch.softmax(-costs / temperature, dim=0).float()


def mppi_search(
    score,
    config: CEMConfig,
    device: torch.device,
    generator: torch.Generator,
    warm_mean: torch.Tensor | None = None,
    should_stop=None,
) -> PlanResult:
    """Run MPPI over a batched scorer ``score(actions [S, H, 7]) → energies [S]``.

    The noise is the same draw CEM makes (one standard-normal [S, H, 7] tensor per iteration from
    the CPU ``generator``). ``should_stop`` is polled before every iteration.
    """
    settings = config.mppi
    log = SearchLog()
    mean, std = initial_distribution(config, device, warm_mean)
    std = std * settings.noise_sigma
    best_energy = math.inf
    for iteration in range(config.iterations):
        check_stop(should_stop, f"before iteration {iteration + 1} of {config.iterations}")
        iteration_start = time.perf_counter()
        noise = standard_noise(config, generator).to(device)
        actions = sample_actions(mean, std, noise, config)
        energies = log.score(score, actions, device)
        weights = mppi_weights(energies, settings.temperature, settings.normalize_costs)
        # A weighted sum of in-box samples is in the box up to float rounding; the samples' own
        # rule then makes it exact: fixed axes their value, the close step's gripper 1 (a fixed
        # gripper too, as every sample there and CEM's and iCEM's elites), rotation 0 unless
        # searched.
        mean = clip_to_box(torch.einsum("s,shd->hd", weights.to(actions.dtype), actions), config)
        std = std * settings.noise_decay
        # NaN samples weigh 0 and are not lowest; fewer than topk finite: noted as CEM notes it
        lowest = log.elites(energies, config.topk, iteration)[0]
        best_energy = min(best_energy, lowest[0].item())
        log.record(lowest.mean().item(), best_energy, iteration_start)
    return log.result(mean, mean, std, config)


class MPPIPlanner(SamplingPlanner):
    """MPPI, warm-started from the previous mean shifted by one step (``shift_warm_start``)."""

    METHOD = "mppi"

    def _search(self, score, device: torch.device, should_stop, config: CEMConfig,
                given: torch.Tensor | None) -> tuple[PlanResult, dict]:
        warm_mean = self._warm_mean(config.mppi.shift_warm_start) if given is None else given
        result = mppi_search(score, config, device, self.generator, warm_mean, should_stop)
        return result, {"_last_mean": result.mean}

"""breaker42b: the planner core (vjepa_ros/planning/) returning a silently wrong plan.

Attacked at main 6f8dacc: cem.py (sampling, clip, refit, warm start, early stop), icem.py and
colored_noise.py (population, kept elites, the noise's 1/f^beta spectrum and unit variance),
mppi.py (weights, temperatures), refine.py, rollout.py, config.py / methods.py (settings
validation) and the planner node's planner.* ranges (robot/planner_config.py), against
re-derivations from /work/shared/docs/vjepa2-ac-facts.md §5 written here (an analytic quadratic
energy whose optimum is known). Each test was a strict xfail on that code (fixed in session 42:
CEMConfig refuses topk >= samples) and asserts what a lab needs.
"""

import torch

from vjepa_ros.planning.cem import cem_search, make_generator
from vjepa_ros.planning.config import CEMConfig

CPU = torch.device("cpu")


def _quadratic(target):
    """Energy ||Σ_h Δxyz_h − target||²: the plan's first step should point toward ``target``."""
    target = torch.tensor(target)
    return lambda actions: ((actions[:, :, :3].sum(dim=1) - target) ** 2).sum(dim=-1)


def test_cem_with_as_many_elites_as_samples_is_refused_or_still_plans_by_the_energy():
    """CEM with topk == samples plans without the energy.

    A lab on a CPU lowers ``planner.samples`` / ``--samples`` to 10 to plan faster and keeps
    the default ``topk`` 10 (the notebook_cpu_demo preset already plans with 25 samples, 10
    elites). The config is accepted; CEM's elites are then all samples, the published refit
    (mean and std of the elites) sees no energy at all, and a goal 5 cm along +x and one 5 cm
    along −x get the same plan, bit for bit (here x −0.018 for both). Should: refuse topk >=
    samples in one line naming both, or plan toward the goal.
    """
    try:
        config = CEMConfig(horizon=1, samples=10, topk=10, iterations=10, maxnorm=0.075)
    except ValueError as error:
        assert "topk" in str(error) and "samples" in str(error), error
        return
    toward_plus = cem_search(_quadratic([0.05, 0.0, 0.0]), config, CPU, make_generator(0))
    toward_minus = cem_search(_quadratic([-0.05, 0.0, 0.0]), config, CPU, make_generator(0))
    assert toward_plus.first_action[0] > 0.01 and toward_minus.first_action[0] < -0.01, (
        toward_plus.first_action[:3], toward_minus.first_action[:3])

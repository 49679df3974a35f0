"""bench_search.py's ``gradient-cost``: one gradient step of refinement in forward evaluations.

:func:`gradient_cost` measures the CPU time of one action sequence's forward and backward pass
through the imagined rollout against its share of a batched forward (what a search pays per
sample), so a refinement step can be counted in the searches' evaluations (docs/planners.md).
"""

from benchmarks.cpu_time import cpu_runs
from vjepa_ros.planning.config import CEMConfig


def gradient_cost(name: str, problems, base: CEMConfig, log, samples: int = 100,
                  repeats: int = 5) -> dict:
    """CPU seconds of one sequence's forward+backward vs its share of a batched forward."""
    import torch

    from vjepa_ros.planning.rollout import ImaginedRollout

    model, context, state, goal = problems[0]
    rollout = ImaginedRollout(model, context, state, goal)
    differentiable = rollout.differentiable()
    actions = torch.randn(samples, base.horizon, 7, generator=torch.Generator().manual_seed(0))
    actions = actions * base.maxnorm / 2

    def batched():
        with torch.inference_mode():
            rollout.energies(actions)

    def single():
        with torch.inference_mode():
            rollout.energies(actions[:1])

    def forward_backward():
        one = actions[:1].clone().requires_grad_(True)
        torch.autograd.grad(differentiable.energies(one)[0], one)

    def cpu_seconds(function, count):  # the mean after a warm-up call
        return sum(cpu_runs(function, count, warm=True)[0]) / count

    per_sample = cpu_seconds(batched, max(1, repeats // 2)) / samples
    one, both = cpu_seconds(single, repeats), cpu_seconds(forward_backward, repeats)
    row = {"model": name, "horizon": base.horizon, "batched_forward_per_sample_s": per_sample,
           "single_forward_s": one, "forward_backward_s": both,
           "factor": both / per_sample, "factor_vs_single_forward": both / one}
    log(f"  {name:<5} H {base.horizon}: one sequence's share of a batched forward (S {samples}) "
        f"{per_sample * 1e3:.1f} ms, batch-1 forward {one * 1e3:.1f} ms, forward+backward "
        f"{both * 1e3:.1f} ms (CPU time): one gradient step = {row['factor']:.2f} forwards "
        f"({row['factor_vs_single_forward']:.2f} batch-1 forwards)")
    return row

"""The planners' sampling noise: the seed checked, the CPU generator, one standard-normal draw.

Each iteration of CEM, iCEM (its white part) and MPPI draws from a CPU ``torch.Generator`` and
moves the draw to the device, so a seed gives the same plan on any device (``cem.py``).
"""

import numbers

import torch

from vjepa_ros.planning.config import CEMConfig


def standard_noise(config: CEMConfig, generator: torch.Generator) -> torch.Tensor:
    """Return one standard-normal draw [S, H, 7] float32 on the CPU from the CPU ``generator``.

    Float32 whatever torch's default dtype (``torch.set_default_dtype(torch.float64)`` elsewhere
    in the process would otherwise draw another sequence from the same seed, and plan in
    float64); the official planner draws ``torch.randn`` under the float32 default: the same
    numbers.
    """
    shape = (config.samples, config.horizon, 7)
    return torch.randn(shape, generator=generator, dtype=torch.float32)


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

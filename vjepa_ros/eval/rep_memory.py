"""Whether a recording's frame representations fit in memory: refuse too many steps up front.

``evaluate_recording`` keeps the representation of every frame it plans from or toward on the
CPU (float32 [N, D]: ViT-g 256 x 1408, 1.4 MB a step, 346 MB a minute at 4 Hz), so a long
recording at a high ``rate_hz`` outgrows the memory before the first plan. The limit is half the
free memory (the model and the planner need the rest), as for ``CEMConfig.samples``
(``planning.memory.FreeMemory``). The text names ``max_steps`` and ``rate_hz``: ``vjepa-ros eval``
turns them into ``--max-steps`` and ``--rate``.
"""

from __future__ import annotations

from vjepa_ros.planning.memory import free_memory, memory_size, round_down

FLOAT32_BYTES = 4


def representation_bytes(model) -> int:
    """Bytes of one frame's representation: tokens_per_frame x embed_dim float32 (0: unknown)."""
    tokens, dim = getattr(model, "tokens_per_frame", None), getattr(model, "embed_dim", None)
    return int(tokens) * int(dim) * FLOAT32_BYTES if tokens and dim else 0


def representations_problem(model, frames: int, steps: int, available: int | None = None) -> str:
    """Why ``frames`` representations of ``model`` do not fit ("" when they fit or unknown).

    ``steps``: the steps evaluated (their goal frames make ``frames`` larger); ``available``:
    free host memory [bytes]; None reads it (``planning.memory.free_memory``).
    """
    each = representation_bytes(model)
    memory = free_memory("cpu", available)
    need = frames * each
    if not each or memory is None or memory.holds(need):
        return ""
    fits = max(1, memory.fits(need / steps))  # steps, at frames / steps each
    return (f"the frame representations of {steps} steps ({frames} frames x "
            f"{memory_size(each)}) need about {memory_size(need)}, {memory.beyond()}: evaluate "
            f"at most {round_down(fits)} steps (max_steps), or give a lower rate_hz")

"""Whether a recording's frame representations fit in memory: refuse too many steps up front.

``evaluate_recording`` keeps the representation of every frame it plans from or toward on the
CPU (float32 [N, D]: ViT-g 256 x 1408, 1.4 MB a step, 346 MB a minute at 4 Hz), so a long
recording at a high ``rate_hz`` outgrows the memory before the first plan. The limit is half the
free memory (the model and the planner need the rest), as for ``CEMConfig.samples``
(``planning/memory.py``). The text names ``max_steps`` and ``rate_hz``: ``vjepa-ros eval``
turns them into ``--max-steps`` and ``--rate``.
"""

from __future__ import annotations

from vjepa_ros.planning.memory import GIB, available_bytes, round_down

FLOAT32_BYTES = 4


def representation_bytes(model) -> int:
    """Bytes of one frame's representation: tokens_per_frame x embed_dim float32 (0: unknown)."""
    tokens, dim = getattr(model, "tokens_per_frame", None), getattr(model, "embed_dim", None)
    return int(tokens) * int(dim) * FLOAT32_BYTES if tokens and dim else 0


def representations_problem(model, frames: int, steps: int, available: int | None = None) -> str:
    """Why ``frames`` representations of ``model`` do not fit ("" when they fit or unknown).

    ``steps``: the steps evaluated (their goal frames make ``frames`` larger); ``available``:
    free host memory [bytes]; None reads it (``planning.memory.available_bytes``).
    """
    each = representation_bytes(model)
    free = available_bytes("cpu") if available is None else available
    need = frames * each
    if not each or free is None or need <= free // 2:
        return ""
    fits = max(1, int(steps * (free // 2) / need))
    return (f"the frame representations of {steps} steps ({frames} frames x {_size(each)}) "
            f"need about {_size(need)}, more than half the {_size(free)} free: evaluate at "
            f"most {round_down(fits)} steps (max_steps), or give a lower rate_hz")


def _size(count: int) -> str:
    """``count`` bytes in GiB, MiB or KiB, whichever reads best."""
    for unit, scale in (("GiB", GIB), ("MiB", 1 << 20)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count / 1024:.1f} KiB"

"""Regional compilation of the AC predictor: each transformer block through ``torch.compile``.

Opt-in (``WorldModel(compile_predictor=True)``, the planner node's ``model.compile_predictor``).
A planning step at the paper's settings spends about half its GPU time in elementwise passes
(RoPE, strided copies, GELU, LayerNorm, residual sums) over [samples × tokens × width]
activations; fused kernels remove most of that traffic. Measured on an NVIDIA H200 (bf16,
``vit_ac_giant``, S 800 H 1 I 10; docs/device_check.md): 4.20 s per plan eager, 2.97 s compiled.

Compiling the blocks, not the whole predictor, follows PyTorch's regional-compilation recipe:
the 24 identical blocks share one compiled graph, so compiling costs seconds, not minutes, and
the key/value cache and the planner's Python stay outside the graph. Costs and limits:

- the first plan compiles (about 9 s for ``vit_ac_giant`` on an H200, 20 s for a tiny model on a
  CPU), and a new input shape compiles once more (after the second shape torch marks the batch
  and token dimensions dynamic);
- **inexact**: fused kernels round differently from eager ones (bfloat16 most of all), so plans
  are not bit-identical to the official code's as the eager planner's are; with random weights on
  an H200 the first planned action moved by up to 0.14 (near-flat energies reorder elites);
- needs what ``torch.compile``'s default backend needs: Triton on CUDA, a C++ compiler on CPU.
"""

from __future__ import annotations

import torch
from torch import nn


def compile_blocks(predictor: nn.Module, backend: str = "inductor") -> int:
    """Compile ``predictor.predictor_blocks`` in place (``nn.Module.compile``); return how many.

    Compilation itself happens at each block's first call. ``backend``: torch.compile's
    (``inductor``, the fused kernels; tests on a machine without a C++ compiler use
    ``aot_eager``, which traces the same graphs without generating code). Raises RuntimeError
    (one line, naming ``model.compile_predictor``) when this torch has no ``torch.compile``; a
    compiler missing on the machine shows at the first plan as that plan's error.
    """
    if not hasattr(torch, "compile") or not hasattr(nn.Module, "compile"):
        raise RuntimeError(f"model.compile_predictor: torch {torch.__version__} has no "
                           "torch.compile (needs torch >= 2.2); set it false")
    blocks = getattr(predictor, "predictor_blocks", None)
    if blocks is None:
        raise RuntimeError("model.compile_predictor: this predictor has no predictor_blocks")
    for block in blocks:
        block.compile(backend=backend)
    return len(blocks)


COMPILER_MODULES = ("torch._dynamo", "torch._inductor")  # where torch.compile's errors live


def compile_failure(exc: BaseException) -> str:
    """Say in one line that ``torch.compile`` failed and what to do ("" for any other error).

    Compilation happens at the first plan, so its failures (no C++ compiler, no Triton, an
    unsupported operation) arrive as that plan's exception; they are recognised by the module of
    their type (``torch._dynamo`` or ``torch._inductor``). Only the message's first line is kept:
    torch appends lines on its debugging variables (``TORCHDYNAMO_VERBOSE``), no use here.
    """
    if not type(exc).__module__.startswith(COMPILER_MODULES):
        return ""
    first = next((line for line in str(exc).splitlines() if line.strip()), "")
    return (f"model.compile_predictor: torch.compile failed ({type(exc).__name__}: "
            f"{first.strip()[:300]}): set model.compile_predictor false, or install what it "
            "needs (a C++ compiler on CPU, Triton on CUDA)")


def is_compiled(predictor: nn.Module) -> bool:
    """Return True when every block of ``predictor`` was given to ``compile_blocks``."""
    blocks = getattr(predictor, "predictor_blocks", ())
    return bool(blocks) and all(getattr(b, "_compiled_call_impl", None) is not None
                                for b in blocks)

"""What planning every step of a recording will cost on the CPU, said before it starts.

``vjepa-ros eval`` plans with the paper's preset (S 800, I 10: 8000 imagined sequences a step),
minutes a step on a laptop's CPU; the first run once showed 0/5 steps after 105 s without a word.
:func:`cpu_cost_note` times the model's rollout on a few sequences (zero representations: the
predictor's cost does not depend on the values) and words the estimate with the cheaper settings
``vjepa-ros reach`` plans with on the CPU. The published defaults stay as they are.
"""

from __future__ import annotations

import time

import torch

from vjepa_ros.counts import counted
from vjepa_ros.planning import CEMConfig
from vjepa_ros.planning.icem import evaluations_per_step
from vjepa_ros.planning.planners import model_device
from vjepa_ros.planning.refine import refinement_evaluations
from vjepa_ros.robot.plan_cost import duration

CHEAPER = {"samples": 100, "iterations": 5}  # vjepa-ros reach's planner on the CPU
PROBE_SEQUENCES = 16  # timed after one warm-up sequence


def sequences_per_step(cem: CEMConfig) -> int:
    """Count the sequences the model rolls out for one evaluated step (search, refine, scores)."""
    search = evaluations_per_step(cem) if cem.method == "icem" else cem.samples * cem.iterations
    refine = refinement_evaluations(cem.refine.steps) if cem.refine.steps else 0
    return search + refine + 3  # + the planned, executed and still sequences scored


def cheaper_settings(cem: CEMConfig) -> dict[str, int]:
    """Return :data:`CHEAPER` for ``cem``, with a ``topk`` when ``cem.topk`` reaches its samples.

    Such a ``topk`` is scaled with the samples (the elite fraction kept, at least 2): ``--samples
    800 --topk 150`` gives ``--topk 19``. The keys are CEMConfig fields (and eval's options).
    """
    settings = dict(CHEAPER)
    if cem.topk >= settings["samples"]:
        scaled = round(cem.topk * settings["samples"] / cem.samples)
        settings["topk"] = min(settings["samples"] - 1, max(2, scaled))
    return settings


def is_costly_on_cpu(model, cem: CEMConfig) -> bool:
    """Whether ``cem`` plans on the CPU with more sequences a step than the cheaper settings."""
    cheaper = cem.with_(**cheaper_settings(cem))
    return model_device(model).type == "cpu" and \
        sequences_per_step(cem) > sequences_per_step(cheaper)


def seconds_per_sequence(model, cem: CEMConfig) -> float:
    """Measured seconds [s] the model takes to roll out one action sequence of ``cem.horizon``."""
    from vjepa_ros.eval.evaluate import sequence_energies

    reps = torch.zeros(1, model.tokens_per_frame, model.embed_dim)
    count = min(cem.samples, PROBE_SEQUENCES)
    timed = 0.0
    for batch in (1, count):  # the first call warms up (allocations, kernels): not counted
        began = time.perf_counter()
        sequence_energies(model, cem, reps, torch.zeros(7), reps,
                          torch.zeros(batch, cem.horizon, 7))
        timed = time.perf_counter() - began
    return timed / count


def cpu_cost_note(model, cem: CEMConfig, steps: int, searches: int = 1,
                  landscape_points: int = 0) -> str:
    """Return the estimated planning time of ``steps`` steps and the cheaper settings, or "".

    Only when the model runs on the CPU and ``cem`` imagines more sequences a step than
    :data:`CHEAPER` (the option names are ``vjepa-ros eval``'s, and ``camera-check``'s; a
    ``--topk`` above its samples is scaled with them, :func:`cheaper_settings`). ``searches``:
    the searches of each step (``camera-check``: 2, the repeat with other noise), counted in
    both estimates. Timed on torch's threads now, named in the note: the commands set their
    ``--threads`` first (default reach's, all cores but one), so both estimates are for the
    threads the plans run on. ``landscape_points``: eval's ``--landscape-points`` (0: none);
    its grid, ``points``² sequences rolled out once at one step whatever the settings, is
    added as its own clause (``; the energy landscape (11x11 = 121 sequences, once) about 3 s``).
    """
    sized = getattr(model, "tokens_per_frame", None) and getattr(model, "embed_dim", None)
    if not sized or not is_costly_on_cpu(model, cem):  # a stand-in model: nothing to time
        return ""
    one = seconds_per_sequence(model, cem)
    each = one * searches
    settings = cheaper_settings(cem)
    cheaper = cem.with_(**settings)
    per_step, cheap_step = each * sequences_per_step(cem), each * sequences_per_step(cheaper)
    options = " ".join(f"--{name} {value}" for name, value in settings.items())
    threads = counted(torch.get_num_threads(), "CPU thread")  # eval's --threads, reach's default
    imagined = (f"{sequences_per_step(cem)} imagined sequences a step" if searches == 1 else
                f"{sequences_per_step(cem)} imagined sequences a search, {searches} searches "
                "a step")
    return (f"planning on the CPU with S {cem.samples}, I {cem.iterations} "
            f"({imagined}) on {threads} takes about "
            f"{duration(per_step)} a step, {duration(per_step * steps)} for {steps} step(s); "
            f"{options} (what reach plans with on the CPU) about {duration(cheap_step)} a step"
            + _landscape_clause(one, landscape_points))


def _landscape_clause(seconds_each: float, points: int) -> str:
    """Say what eval's energy landscape adds (``points``² sequences [s each]), or ""."""
    if points <= 0:
        return ""
    grid = points * points
    return (f"; the energy landscape ({points}x{points} = {grid} sequences, once) about "
            f"{duration(seconds_each * grid)}")


def cost_note_printer(model, cem: CEMConfig, searches: int = 1, landscape_points: int = 0):
    """Return a ``before_planning`` callback printing :func:`cpu_cost_note` as a ``note`` line.

    Called with the chosen steps (``evaluate.evaluate_recording``), it prints the note (if any)
    for that many steps, flushed: the line a user reads before minutes of planning.
    ``landscape_points``: eval's landscape grid per axis (0: none), in the note too.
    """
    from vjepa_ros.eval.report import note_lines

    def print_note(chosen) -> None:
        for line in note_lines(filter(None, [cpu_cost_note(model, cem, len(chosen), searches,
                                                             landscape_points)])):
            print(line, flush=True)

    return print_note

"""What one plan of the planner node will cost, said at start-up and while its first plan runs.

``config/planner.yaml``'s search (S 800, I 10: 8003 imagined sequences a plan) takes minutes a
plan on a CPU; the planner node said nothing for over 75 s (user59u) while ``vjepa-ros eval``
and ``camera-check`` print an estimate (``eval.cpu_cost``). :func:`plan_seconds` times the
model's rollout the way they do (``cpu_cost.seconds_per_sequence``: a warm-up, then 16
sequences) and :func:`plan_cost_line` words it, with README's CPU search when the estimate is
long; :class:`FirstPlanProgress` gives the "planning: 20 s so far, estimate 75 s" lines.
"""

from __future__ import annotations

from vjepa_ros.counts import counted

SLOW_PLAN_S = 10.0  # [s] an estimate longer than this names the CPU search (on a CPU)
PROGRESS_S = 10.0  # [s] between the progress lines of a first plan
# README's search for the CPU ("With the packaged demo world model on a CPU"), as vjepa-ros reach
CPU_SEARCH = {"samples": 100, "iterations": 5, "maxnorm": 0.05}


def plan_seconds(model, cem) -> float | None:
    """Estimated seconds [s] of one plan of ``cem`` (a ``CEMConfig``) by ``model`` on its device.

    The rollout of ``cpu_cost.PROBE_SEQUENCES`` sequences timed on torch's threads now, times
    the sequences a plan imagines (``cpu_cost.sequences_per_step``). None for a model that
    cannot be timed so: a stand-in without ``tokens_per_frame`` / ``embed_dim``, or one whose
    predictor ``torch.compile`` compiles at its first call (``compiled``: minutes, not a plan),
    or a stand-in that says so (``timed_cost`` False: the simulator's oracle, which plans in
    no time; its probe cost every test planner a second at start-up).
    """
    if not (getattr(model, "tokens_per_frame", None) and getattr(model, "embed_dim", None)) \
            or getattr(model, "compiled", False) or not getattr(model, "timed_cost", True):
        return None
    from vjepa_ros.eval.cpu_cost import seconds_per_sequence, sequences_per_step

    return seconds_per_sequence(model, cem) * sequences_per_step(cem)


def plan_cost_line(seconds: float, cem, device: str, threads: int,
                   max_plan_age_s: float, cheaper_seconds: float | None = None) -> str:
    """Return the start-up line on the cost of one plan of ``cem`` taking ``seconds`` [s].

    ``device``: the model's ("cpu", "cuda:0"); ``threads``: torch's CPU threads.
    ``max_plan_age_s``: ``safety.max_plan_age_s`` [s]; a plan slower than it is discarded
    every time (its frame too old to command), said so. On a CPU an estimate over
    :data:`SLOW_PLAN_S` names :data:`CPU_SEARCH` as ``vjepa-ros launch`` options, with
    ``cheaper_seconds`` [s] (its estimate) when given, if it imagines fewer sequences than
    ``cem``; else what else shortens a plan (a GPU, a horizon of 1, more threads).
    """
    from vjepa_ros.eval.cpu_cost import sequences_per_step

    line = (f"a plan with {cem.method} S {cem.samples}, I {cem.iterations} "
            f"({sequences_per_step(cem)} imagined sequences) on {device}, "
            f"{counted(threads, 'CPU thread')}, takes about {duration(seconds)} (estimated from "
            "a timed rollout)")
    if seconds > max_plan_age_s:
        line += (f": longer than safety.max_plan_age_s = {max_plan_age_s:g} s, so every plan "
                 "would be discarded as too old")
    if seconds > SLOW_PLAN_S and str(device).startswith("cpu"):
        line += _cpu_advice(cem, threads, cheaper_seconds)
    return line


def _cpu_advice(cem, threads: int, cheaper_seconds: float | None) -> str:
    """Return the advice of a slow CPU plan: :data:`CPU_SEARCH` when strictly smaller, or others.

    Smaller is fewer imagined sequences a plan (``cpu_cost.sequences_per_step``, what a plan's
    time scales with); a search already at or below it (user60: S 100, I 5 told to take S 100,
    I 5) gets what else shortens a plan: a GPU, a horizon of 1, more CPU threads.
    """
    from vjepa_ros.eval.cpu_cost import sequences_per_step

    if sequences_per_step(cheaper_search(cem)) < sequences_per_step(cem):
        options = " ".join(f"-p planner.planner.{name}:={value}"
                           for name, value in CPU_SEARCH.items())
        cheaper = f", about {duration(cheaper_seconds)} a plan" if cheaper_seconds else ""
        return (f"; on a CPU plan with the smaller search: vjepa-ros launch ... {options} "
                f"(ros2 run: those planner.* values in a copy of config/planner.yaml){cheaper}")
    ways = ["a GPU (-p planner.model.device:=cuda)"]
    if cem.horizon > 1:
        ways.append(f"a shorter rollout (-p planner.planner.horizon:=1, now {cem.horizon})")
    ways.append(f"more CPU threads (planner.model.threads, now {threads}) on free cores")
    return (f"; the search is already no bigger than the CPU search (S {CPU_SEARCH['samples']}, "
            f"I {CPU_SEARCH['iterations']}): for quicker plans use {', or '.join(ways)}")


def cheaper_search(cem):
    """Return ``cem`` with :data:`CPU_SEARCH` (``cpu_cost.cheaper_settings``' topk rule)."""
    from vjepa_ros.eval.cpu_cost import cheaper_settings

    return cem.with_(**cheaper_settings(cem), maxnorm=CPU_SEARCH["maxnorm"])


def cheaper_seconds(seconds: float, cem) -> float:
    """Estimated seconds [s] of a plan with :func:`cheaper_search`, from ``cem``'s ``seconds``.

    The sequences' cost does not change with the search (same model, horizon): scaled by the
    sequences each imagines (``cpu_cost.sequences_per_step``).
    """
    from vjepa_ros.eval.cpu_cost import sequences_per_step

    return seconds * sequences_per_step(cheaper_search(cem)) / sequences_per_step(cem)


class FirstPlanProgress:
    """The progress lines of the node's first plan: one every :data:`PROGRESS_S` while it runs.

    ``estimate_s`` [s]: :func:`plan_seconds` (None: not estimated, the lines then say so).
    """

    def __init__(self, estimate_s: float | None, every_s: float = PROGRESS_S):
        self.estimate_s, self.every_s = estimate_s, every_s
        self.said_mark = 0.0  # the last whole multiple of every_s said
        self.over = False  # a plan has finished: no more lines

    def line(self, began: float | None, now: float, plans_done: int) -> str:
        """Return the line due at ``now`` [s] for a plan running since ``began`` [s], or "".

        ``began``/``now`` on one clock (the steady clock); ``began`` None: no plan runs.
        ``plans_done``: plans finished so far; once one has, nothing more is said.
        """
        if plans_done > 0:
            self.over = True
        if self.over or began is None:
            return ""
        mark = (now - began) // self.every_s * self.every_s
        if mark < self.every_s or mark <= self.said_mark:
            return ""
        self.said_mark = mark
        estimate = "no estimate" if self.estimate_s is None else \
            f"estimate {duration(self.estimate_s)}"
        return f"planning: {mark:.0f} s so far, {estimate} (first plan)"


def duration(seconds: float) -> str:
    """``seconds`` [s] as "0.85 s", "75 s", "12 min" or "1.5 h" (``cpu_cost``'s words too)."""
    if seconds < 90:
        return f"{seconds:.2g} s" if seconds < 10 else f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"

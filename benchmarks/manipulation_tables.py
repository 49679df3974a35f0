"""bench_manipulation's tables: its success column, summaries, settings lines and labels.

Split from ``bench_manipulation`` (running the agents): :func:`summarize_expert` and
:func:`summarize_loop` make a row's numbers from its episodes' rows (``--json``'s),
:func:`success_text` and :func:`number` write them, :func:`print_rule_comparison` prints the
sub-goal switching table, :func:`header_lines` the settings above the table and
:func:`checkpoint_labels` names each ``--checkpoint``'s agent.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from vjepa_ros.sim.choices import subgoals_text


def successes(rows: list[dict]) -> int:
    """Episodes that succeeded; a seed without sub-goal images is a failure of every agent."""
    return sum(bool(r["subgoals"] and r["success"]) for r in rows)


def success_text(summary: dict) -> str:
    """``13/20  65%``: successes of every seed asked for, as the row's success column."""
    rate = "-" if not summary["episodes"] else f"{summary['success']:.0%}"
    return f"{summary['successes']}/{summary['episodes']} {rate:>4}"


def number(value, spec: str) -> str:
    """``value`` formatted with ``spec``, ``-`` when no episode ran (a median of nothing)."""
    return "-" if value is None else format(value, spec)


def ran(rows: list[dict]) -> list[dict]:
    """Return the rows of episodes that ran to their end: sub-goal images, and no crash."""
    return [r for r in rows if r["subgoals"] and not r.get("crashed")]


def crashed_text(rows: list[dict]) -> str:
    """``, crashed 2 (seeds 900003, 900007)``: the row's crashed episodes, or ``""``.

    Rows ``not_run`` (a crash before them lost the simulator) follow: ``, not run 3``.
    """
    seeds = [str(r["seed"]) for r in rows if r.get("crashed") and not r.get("not_run")]
    not_run = sum(bool(r.get("not_run")) for r in rows)
    return (f", crashed {len(seeds)} (seeds {', '.join(seeds)})" if seeds else "") + \
        (f", not run {not_run} (simulator lost)" if not_run else "")


def stopped_line(results: dict[str, list[dict]], asked: int) -> str:
    """Say where a stop (Ctrl-C, SIGTERM) cut the table, with the cut row's episodes so far.

    ``results``: the rows by ``--json`` key, a row's list filled as its episodes end; ``asked``:
    the seeds per row. ``# stopped in oracle/cup/grasp/steps after 3 of 20 seeds: success 2/3
    (not a table row)``, or ``# stopped between rows`` when every row there is whole.
    """
    cut = [(key, rows) for key, rows in results.items() if len(rows) < asked]
    if not cut:
        return "# stopped between rows (the rows above are whole)"
    key, rows = cut[-1]
    return (f"# stopped in {key} after {len(rows)} of {asked} seeds: success "
            f"{successes(rows)}/{len(rows)} (not a table row)")


def _success_counts(rows: list[dict]) -> dict:
    """Return a summary's episodes (every seed asked for), subgoal_images, successes, success."""
    return {"episodes": len(rows), "subgoal_images": sum(bool(r["subgoals"]) for r in rows),
            "successes": successes(rows), "success": successes(rows) / max(len(rows), 1)}


def _medians(done: list[dict], *fields: str) -> dict:
    """Return ``<field>_median`` of each field over the ``done`` rows (None when none ran)."""
    return {f"{field}_median": statistics.median(r[field] for r in done) if done else None
            for field in fields}


def summarize_expert(rows: list[dict]) -> dict:
    """Summarize the expert's rows: success over every seed asked for (``episodes``).

    A seed without sub-goal images is a failure; ``agree`` and the medians are over the episodes
    that ran to their end (:func:`ran`: a crashed or not-run row is a failure, not a median).
    """
    done = ran(rows)
    with_miss = [r for r in done if r["misses"]]
    return {
        **_success_counts(rows),
        "agree": sum(r["detector"] == r["probe"] for r in done) / max(len(done), 1),
        "episodes_with_a_miss": len(with_miss),
        "recovered": sum(r["recovered"] > 0 for r in with_miss),
        **_medians(done, "frames", "wall_s", "sim_s"),
    }


def summarize_loop(rows: list[dict]) -> dict:
    """Summarize a loop agent's rows: success over every seed asked for (``episodes``).

    A seed without sub-goal images, and an episode that crashed (``crashed``: its error), is a
    failure; the medians are over the episodes that ran to their end (:func:`ran`).
    """
    done = ran(rows)
    return {**_success_counts(rows), **_medians(done, "steps", "sim_s", "wall_s"),
            "switch_steps_median": _switch_steps(done)}


def _switch_steps(rows: list[dict]) -> list:
    """Median step of the 1st, 2nd, ... sub-goal switch over the episodes that made it."""
    by_order: dict[int, list[int]] = {}
    for row in rows:
        for order, (step, _) in enumerate(row["switches"]):
            by_order.setdefault(order, []).append(step)
    return [statistics.median(by_order[order]) for order in sorted(by_order)]


def checkpoint_labels(specs: list[str], taken=("expert", "oracle", "random")) -> list[str]:
    """Return each ``--checkpoint`` its agent label: the shortest path suffix no other has.

    ``runs/a/world_model.pt`` and ``runs/b/world_model.pt`` (what two ``vjepa-ros train``
    runs write) are ``a/world_model.pt`` and ``b/world_model.pt``; a lone file keeps its name,
    ``demo`` stays ``demo``. A label never equals one in ``taken`` (the built-in agents) or
    another's; the same path given twice gets `` (2)``, `` (3)``, ... appended. Labels key the
    table's rows, the rule comparison and the ``--json`` results.
    """
    parts = [(spec,) if spec == "demo" else Path(spec).parts or (spec,) for spec in specs]
    labels: list[str] = []
    for index, own in enumerate(parts):
        others = parts[:index] + parts[index + 1:]
        for k in range(1, len(own) + 1):
            label = "/".join(own[-k:])
            if label not in taken and all(other[-k:] != own[-k:] for other in others):
                break
        base, n = label, 2
        while label in taken or label in labels:
            label, n = f"{base} ({n})", n + 1
        labels.append(label)
    return labels


def print_rule_comparison(results: dict, rules: list[str]) -> None:
    """Fixed-step vs energy-based switching, per model agent, object and task (same seeds).

    ``results``: keys ``<agent>/<object>/<task>/<rule>`` (an agent label may hold slashes).
    """
    print("\nsub-goal switching on the same seeds (switch at: median step of the 1st, 2nd, ... "
          "switch; reasons: threshold / plateau / steps)")
    width = max([24] + [len(key.rsplit("/", 3)[0]) for key in results])
    print(f"{'agent':{width}} {'object':6}  {'task':18}  {'rule':6}  {'success':>11}  "
          f"{'steps':>5}  {'sim s':>6}  {'switch at':<18}  reasons")
    keys = sorted({key.rsplit("/", 1)[0] for key in results if key.rsplit("/", 1)[1] in rules})
    for key in keys:
        agent, kind, task = key.rsplit("/", 2)
        for rule in rules:
            rows = results.get(f"{key}/{rule}", [])
            if not rows:
                continue
            s = summarize_loop(rows)  # a seed without sub-goal images: a failure, as above
            reasons = [reason for r in ran(rows) for _, reason in r["switches"]]
            why = " / ".join(str(reasons.count(x)) for x in ("threshold", "plateau", "steps"))
            at = "/".join(f"{v:g}" for v in s["switch_steps_median"]) or "-"
            print(f"{agent:{width}} {kind:6}  {task:18}  {rule:6}  {success_text(s):>11}  "
                  f"{number(s['steps_median'], '>5g'):>5}  "
                  f"{number(s['sim_s_median'], '>6.1f'):>6}  {at:<18}  {why}")


def header_lines(args, cem, loop, switchings, seeds) -> list[str]:
    """Return the settings lines printed above the table: seeds, camera, planner, sub-goals.

    The planner as ``vjepa-ros run`` names it (the method with its own settings, gradient
    refinement when on); the sub-goals per task, with the dense step counts that task uses.
    """
    round_threshold = "" if switchings[0].gripper == "subgoal" else \
        f", gripper round threshold {cem.gripper_round_threshold}"  # off: no gripper search
    subgoals = "; ".join(f"{task}: {subgoals_text(task, args.dense, loop.dense_steps)}"
                         for task in args.tasks)
    return [
        f"# manipulation: seeds {seeds[0]}..{seeds[-1]}, camera {args.width}x{args.height}; loop: "
        f"blocking control, {cem.describe_method()} H {cem.horizon} S {cem.samples} "
        f"I {cem.iterations} k {cem.topk} maxnorm {cem.maxnorm}{round_threshold}"
        f"{cem.refine.describe()}; switching: {'; '.join(s.describe() for s in switchings)}"
        f"{f', at most {args.max_steps} steps' if args.max_steps else ''}",
        f"# sub-goals: {subgoals}",
    ]

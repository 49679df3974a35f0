"""bench_reach.py's summary tables: where each episode's time went, and time to goal by mode.

:func:`time_split_lines` (mean seconds per episode in each part, ``sim.reach.TIME_SPLIT``),
:func:`print_time_ratios` (each control mode's time to goal over blocking's, paired by goal).
"""

import statistics


def print_time_ratios(results) -> None:
    """Per agent: each mode's time to goal over blocking's, paired by goal (both reached)."""
    blocking = {r["agent"]: r for r in results if r["mode"] == "blocking"}
    lines = []
    for r in results:
        base = blocking.get(r["agent"])
        if base is None or r is base:
            continue
        times = {e["seed"]: e["time_to_goal_s"] for e in base["episodes"] if e["success"]}
        ratios = [e["time_to_goal_s"] / times[e["seed"]] for e in r["episodes"]
                  if e["success"] and e["seed"] in times]
        if ratios:
            median, mean = statistics.median(ratios), statistics.mean(ratios)
            lines.append(f"  {r['agent']:<24} {r['mode']:<10} median {median:.2f}x, mean "
                         f"{mean:.2f}x over {len(ratios)} goals")
    if lines:
        print("\ntime to goal relative to blocking (same goal, both reached):")
        print("\n".join(lines))


def print_time_split(results) -> None:
    """Print :func:`time_split_lines`."""
    print("\n" + "\n".join(time_split_lines(results)))


def time_split_lines(results) -> list[str]:
    """Where the time of an episode went (mean seconds per episode, ``reach.TIME_SPLIT``).

    A title, then a header row and one row per result whose columns line up: each header
    ends where its numbers do (agent and mode as wide as the widest).
    """
    from vjepa_ros.sim.reach import TIME_SPLIT

    agent = max([len("agent"), *(len(r["agent"]) for r in results)])
    mode = max([len("mode"), *(len(r["mode"]) for r in results)])
    widths = [max(len(key), 8) for key in TIME_SPLIT]

    def row(name, kind, cells):
        return f"  {name:<{agent}}  {kind:<{mode}}  " + "  ".join(
            f"{cell:>{width}}" for cell, width in zip(cells, widths, strict=True))

    lines = ["where the time went (mean s per episode):", row("agent", "mode", TIME_SPLIT)]
    for r in results:
        split = r["time_split_s_mean"]
        lines.append(row(r["agent"], r["mode"], [f"{split[key]:.2f}" for key in TIME_SPLIT]))
    return lines

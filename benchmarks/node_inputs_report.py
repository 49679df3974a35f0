"""bench_node_inputs.py's report: what the run measured, as markdown tables, and its verdict.

:func:`report` prints the callbacks timed inside the node (per call, wall and CPU), the node's
CPU per thread, what reached the arm before and after ``~/enable``, ``/diagnostics`` and the
node's log lines per kind (:func:`read_log`, :func:`log_kind`); it returns 1 when a check
failed (a command before ``~/enable``, closedness not measured, a log flood), else 0.
"""

from __future__ import annotations

import collections
import math
import os
import re
import statistics
from pathlib import Path

import numpy as np
from lab_feeder import ARM_TOPIC, CAMERA_TOPIC, FINGER_TOPIC
from node_inputs_process import PARTS, TIMED, part_label

from vjepa_ros.robot.planner_name import PLANNER_NODE

LOG_LINE = re.compile(r"^\[(?P<level>[A-Z]+)\] \[[0-9.]+\] \[(?P<node>[^\]]*)\]: (?P<text>.*)$")


def log_kind(text: str) -> str:
    """Return a log line's kind: its text with numbers masked, cut at 110 characters."""
    return re.sub(r"\d+(?:\.\d+)?", "#", text)[:110]


def read_log(path: Path) -> list[tuple[str, str]]:
    """(level, text) of each rclpy log line in the node's output; other lines as ('OUT', line)."""
    lines = []
    for line in path.read_text(errors="replace").splitlines():
        match = LOG_LINE.match(line)
        if match:
            lines.append((match["level"], match["text"]))
        elif line.strip():
            lines.append(("OUT", line.strip()))
    return lines


def final_reports(reports: list[dict]) -> list[dict]:
    """Return one report per plan: the last message of each ``stamp`` (in order of arrival).

    An async ``prepared`` plan dropped before it went out gets a second ``~/plan_report``
    (``discarded``, same stamp): counting messages would count it twice, its latency too.
    """
    last = {}
    for index, report in enumerate(reports):
        key = report.get("stamp") if report.get("stamp") is not None else ("message", index)
        last.pop(key, None)
        last[key] = report
    return list(last.values())


def quantiles_ms(values: list[float]) -> str:
    """Return median / p90 / max of ``values`` [s] in ms."""
    if not values:
        return "- / - / -"
    arr = np.asarray(values) * 1e3
    return (f"{np.median(arr):.3f} / {np.percentile(arr, 90):.3f} / {arr.max():.2f}")


def report(args, r: dict, log_lines, folder) -> int:
    seen, t_enable, t0, t1 = r["seen"], r["t_enable"], r["t0"], r["t1"]
    shadow_s, watched = r["t_shadow"] - r["ready"], t1 - t0
    fails = []
    cores = os.cpu_count()
    print(f"# planner node input path: node as its own process (python -m "
          f"vjepa_ros.nodes.planner_node, config/planner.yaml, model.checkpoint {args.checkpoint}"
          f"{', ' + ' '.join('-p ' + p for p in args.params) if args.params else ''}"
          f"{', executor EventsExecutor' if args.executor == 'events' else ''}); "
          f"{cores} CPUs, load {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(f"# fed from this process: {CAMERA_TOPIC} {args.width}x{args.height} rgb8 at "
          f"{args.fps:g} Hz, {ARM_TOPIC} panda_joint1..7 at {args.arm_hz:g} Hz, {FINGER_TOPIC} "
          f"panda_finger_joint1/2 at {args.finger_hz:g} Hz; goal image on "
          f"/{PLANNER_NODE}/goal_image; shadow {shadow_s:.0f} s, then ~/enable, watched "
          f"{watched:.0f} s")
    total = t1 - r["started"]
    print(f"node ready after {r['ready'] - r['started']:.1f} s; run {total:.0f} s; "
          f"feeder sent/s over the run: " + ", ".join(
              f"{k} {v / (t1 - r['started']):.1f}" for k, v in sorted(r["sent"].items()))
          + "; longest gap " + ", ".join(f"{k} {1e3 * v:.0f} ms"
                                         for k, v in sorted(r["gap"].items())))
    reply = r["reply"]
    print(f"~/enable reply: {'none' if reply is None else (reply.success, reply.message)}")

    # callbacks, inside the node
    print("\n## callbacks inside the node (wrapped with perf_counter / thread_time)")
    print("| callback | topic | shadow msgs/s | enabled msgs/s | wall per call median / p90 / "
          "max [ms] (enabled) | CPU per call median / p90 / max [ms] | CPU [s/s] |")
    print("|---|---|---|---|---|---|---|")
    groups = collections.defaultdict(list)
    for name, topic, t, wall, cpu in r["samples"]:
        phase = "enabled" if t0 <= t < t1 else "shadow" if r["ready"] <= t < t_enable else ""
        if phase:
            groups[(name, topic or (ARM_TOPIC if name == "_on_joint_state" else ""))].append(
                (phase, wall, cpu))
    order = [TIMED[0], *(part_label(*part) for part in PARTS[:2]), TIMED[1],
             *(part_label(*part) for part in PARTS[2:6]), TIMED[2],
             *(part_label(*part) for part in PARTS[6:]), *TIMED[3:]]
    callback_cpu = 0.0
    for (name, topic), rows in sorted(groups.items(), key=lambda item: (
            order.index(item[0][0]) if item[0][0] in order else len(order), item[0][1])):
        shadow_n = sum(p == "shadow" for p, _, _ in rows)
        enabled = [(w, c) for p, w, c in rows if p == "enabled"]
        cpu_rate = sum(c for _, c in enabled) / watched
        callback_cpu += cpu_rate if name in TIMED else 0.0
        print(f"| {name} | {topic or '-'} | {shadow_n / shadow_s:.1f} | "
              f"{len(enabled) / watched:.1f} | {quantiles_ms([w for w, _ in enabled])} | "
              f"{quantiles_ms([c for _, c in enabled])} | {cpu_rate:.3f} |")
    if not r["samples"]:
        print("(no samples: the node did not answer the stats request)")

    # CPU
    cpu_rows = [(f"shadow (fed, goal set), {shadow_s:.0f} s", *r["cpu"][:2], shadow_s),
                (f"enabled, {watched:.0f} s", *r["cpu"][2:], watched)]
    print("\n## node CPU [CPU s per wall s; 1.0 = one core]")
    print("| phase | whole process | executor (main) thread | planning worker thread | other "
          "threads (DDS, rcl) |")
    print("|---|---|---|---|---|")
    for phase, before, after, seconds in cpu_rows:
        whole, main_thread, planning = ((b - a) / seconds
                                        for a, b in zip(before, after, strict=True))
        print(f"| {phase} | {whole:.2f} | {main_thread:.2f} | {planning:.2f} | "
              f"{whole - main_thread - planning:.2f} |")
    c0_main, c1_main = r["cpu"][2][1], r["cpu"][3][1]
    print(f"timed callbacks' CPU {callback_cpu:.3f} s/s of the executor thread's "
          f"{(c1_main - c0_main) / watched:.3f} (rest: deserialization, executor, rcl)")

    # what reached the arm
    def count(kind, lo, hi):
        return [v for t, v in seen[kind] if lo <= t < hi]

    plans_before = final_reports(count("plan", 0, t_enable))
    plans = final_reports(count("plan", t0, t1))
    grip_before, grip = count("gripper", 0, t_enable), count("gripper", t_enable, t1)
    poses_before, poses = count("target_pose", 0, t_enable), count("target_pose", t0, t1)
    print("\n## what reached the arm")
    print(f"before ~/enable: target_pose {len(poses_before)}, gripper_command "
          f"{len(grip_before)}, plans {len(plans_before)} (outcomes "
          f"{dict(collections.Counter(p['outcome'] for p in plans_before))})")
    print(f"enabled: target_pose {len(poses) / watched:.1f}/s, gripper_command {len(grip)} "
          f"(values {', '.join(f'{v:.3f}' for v in grip[:8])}), plans "
          f"{len(plans) * 60 / watched:.1f}/min (outcomes "
          f"{dict(collections.Counter(p['outcome'] for p in plans))}), plan latency median "
          f"{statistics.median([p['latency_s'] for p in plans]) if plans else math.nan:.2f} s")
    firsts = [f"{what} {seen[kind][0][0] - t_enable:.1f} s" for what, kind in
              (("target_pose", "target_pose"), ("gripper_command", "gripper"))
              if seen[kind] and seen[kind][0][0] >= t_enable]
    print(f"first after ~/enable: {', '.join(firsts) or 'none'}")
    if poses_before or grip_before:
        fails.append(f"a command went out before ~/enable: target_pose {len(poses_before)}, "
                     f"gripper_command {len(grip_before)}")

    # diagnostics
    diags = [v for t, v in seen["diagnostics"] if t0 <= t < t1]
    print("\n## /diagnostics while enabled")
    if diags:
        topics = collections.Counter(v.get("gripper_state_topic", "?") for v in diags)
        ages = [float(v["gripper_state_age_s"]) for v in diags if v.get("gripper_state_age_s")]
        print(f"{len(diags)} messages; gripper_state_topic {dict(topics)}; gripper_state_age_s "
              f"median {statistics.median(ages) if ages else math.nan:.3f} max "
              f"{max(ages) if ages else math.nan:.3f} ({len(ages)} with a value); levels "
              f"{dict(collections.Counter(v['_level'] for v in diags))}; inputs "
              f"{dict(collections.Counter(v.get('inputs', '') for v in diags))}")
        print(f"refusals {dict(collections.Counter(v.get('refusal_kind', '') for v in diags))}; "
              f"states {dict(collections.Counter(v.get('state', '') for v in diags))}; "
              f"frames_received {diags[0].get('frames_received')} → "
              f"{diags[-1].get('frames_received')}; foreign_joint_states "
              f"{diags[-1].get('foreign_joint_states')}")
        if set(topics) != {FINGER_TOPIC}:
            fails.append(f"gripper_state_topic not {FINGER_TOPIC}: {dict(topics)}")
        if len(ages) < len(diags) or (ages and max(ages) > 1.0):
            fails.append(f"closedness not measured throughout: {len(ages)}/{len(diags)} "
                         f"diagnostics with an age, max {max(ages) if ages else math.nan:.2f} s")
    else:
        fails.append("no /diagnostics while enabled")
        print("none")

    # the node's log
    print("\n## the node's log (whole run), lines per kind (numbers as #)")
    kinds = collections.Counter((level, log_kind(text)) for level, text in log_lines)
    print("| level | count | kind |")
    print("|---|---|---|")
    for (level, kind), n in sorted(kinds.items(), key=lambda item: (item[0][0] == "INFO",
                                                                      -item[1])):
        if level != "INFO" or n > 1:
            print(f"| {level} | {n} | {kind} |")
    info = sum(n for (level, _), n in kinds.items() if level == "INFO")
    once = sum(n == 1 for (level, _), n in kinds.items() if level == "INFO")
    print(f"({len(log_lines)} lines: {info} INFO, of them {once} of kinds logged once, not "
          "listed)")
    for (level, kind), n in kinds.items():
        if n > args.flood:
            fails.append(f"log flood: {n} {level} lines of '{kind}'")
    for fail in fails:
        print(f"FAIL: {fail}")
    if args.keep:
        print(f"kept (--keep): {folder.path} (planner.log, callbacks.json)")
    return 1 if fails else 0

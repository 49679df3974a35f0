"""``vjepa-ros planner status``: the planner's ``/diagnostics`` status and its ``~/plan_report``.

Once: the newest status of the planner (``NODE: mpc`` on ``/diagnostics``, 2 Hz), one
``key: value`` a line under ``LEVEL: message``, and any plan report heard meanwhile. With
``--follow``: one line whenever the level, the message's words, state, goal or ``enabled``
change, with how long the status before lasted (a message whose numbers alone change, a count of
seconds, is the same status: said again every ``status_changes.REMIND_S``), and one per plan
report, until Ctrl-C; a status missing for :data:`SILENT_S` is said once (and its return, with
the gap's length, which no status's length includes: the planner was gone) (README: the
``/diagnostics`` keys and ``~/plan_report`` fields).
"""

from __future__ import annotations

import json
import sys
import time

from vjepa_ros.nodes.planner_client import ClientError, PlannerClient
from vjepa_ros.robot.planner_name import diagnostics_name
from vjepa_ros.robot.status_changes import StatusChanges, lasted

LEVELS = {0: "OK", 1: "WARN", 2: "ERROR", 3: "STALE"}
SILENT_S = 5.0  # --follow: a status missing this long is said (the node's come at 2 Hz)
CHANGES = ("state", "enabled", "goal", "refusal_kind")  # a --follow line when one changes


def _level(status) -> str:
    level = status.level
    number = level[0] if isinstance(level, (bytes, bytearray)) else int(level)
    return LEVELS.get(number, str(number))


def _subscribe(client: PlannerClient, statuses: list, reports: list) -> None:
    """Keep the planner's statuses and plan report texts in the two lists as they come."""
    from diagnostic_msgs.msg import DiagnosticArray
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    from std_msgs.msg import String

    name = diagnostics_name(client.target)

    def on_diagnostics(msg) -> None:
        statuses.extend(status for status in msg.status if status.name == name)

    client.node.create_subscription(DiagnosticArray, "/diagnostics", on_diagnostics, 10)
    client.node.create_subscription(String, f"{client.target}/plan_report",
                                    lambda msg: reports.append(msg.data),
                                    QoSProfile(depth=50, reliability=ReliabilityPolicy.RELIABLE))


def watch_statuses(client: PlannerClient, statuses: list) -> None:
    """Append each ``/diagnostics`` status of the planner to ``statuses`` from now on."""
    _subscribe(client, statuses, [])


def planner_goal_text(client: PlannerClient, timeout_s: float) -> str:
    """Return the ``goal`` of the planner's next ``/diagnostics`` status ("" if none came)."""
    statuses: list = []
    _subscribe(client, statuses, [])
    client.spin_until(lambda: statuses, timeout_s)
    return next((kv.value for kv in statuses[-1].values if kv.key == "goal"), "") \
        if statuses else ""


def report_line(text: str) -> str:
    """Return one ``~/plan_report`` JSON text as a line: stamp, what became of it, the numbers."""
    try:
        report = json.loads(text)
    except ValueError:
        return f"plan report (not JSON): {text[:200]}"
    energy = report.get("energy")
    numbers = [f"energy {energy:.6f}" if isinstance(energy, (int, float)) else "no energy",
               f"plan {report.get('latency_s', 0.0):.2f} s"]
    if report.get("commanded"):
        numbers.append(f"command {report.get('commands_sent')}")
    return (f"plan report {report.get('stamp', '?')}: {report.get('detail', '')} "
            f"({', '.join(numbers)})")


def status(prog: str, client: PlannerClient, follow: bool, clock=time.monotonic) -> int:
    """Print the planner's status once (or follow it until Ctrl-C); 1 when none comes.

    ``clock``: seconds, monotonic, for the follow's lengths and gaps (a test passes its own).
    """
    del prog
    statuses: list = []
    reports: list = []
    client.call_ready("enable")  # no planner on this domain: that one line, not a silence
    _subscribe(client, statuses, reports)
    if not client.spin_until(lambda: statuses, max(client.timeout_s, 3.0)):
        raise ClientError(f"{client.target} publishes no status on /diagnostics "
                          f"({diagnostics_name(client.target)}) in {client.timeout_s:g} s")
    newest = statuses[-1]
    values = {kv.key: kv.value for kv in newest.values}
    print(f"{_level(newest)}: {newest.message}")
    for key, value in values.items():
        print(f"  {key}: {value}")
    for text in reports:
        print(report_line(text))
    if not reports:
        # the node keeps no report (a volatile topic): one published before this command
        # subscribed (`status --follow` right after `enable`: command 1) is not shown (user61)
        print("plan report: none heard since this command started (one comes per plan; one "
              "before that is not shown; --follow waits for the next)")
    if not follow:
        return 0
    changes = StatusChanges((_level(newest), newest.message, *(values.get(k) for k in CHANGES)),
                            clock)
    statuses.clear()
    reports.clear()
    while True:  # until Ctrl-C (cli.main: status 130)
        client.spin_until(lambda: statuses or reports, 1.0)
        if statuses and changes.quiet:
            print(f"{client.target} publishes its status again after "
                  f"{lasted(changes.quiet_s())} without one", flush=True)
        elif not statuses and not changes.quiet and changes.quiet_s() > SILENT_S:
            changes.went_quiet()  # said once: a planner that stopped (or a stalled one)
            print(f"no status from {client.target} for {SILENT_S:g} s (it publishes twice a "
                  "second): stopped, or its process stalled? still listening", flush=True)
        for text in reports:
            print(report_line(text), flush=True)
        reports.clear()
        for item in statuses:
            values = {kv.key: kv.value for kv in item.values}
            line = changes.line(
                (_level(item), item.message, *(values.get(k) for k in CHANGES)),
                f"{_level(item)}: {item.message} (state {values.get('state')}, enabled "
                f"{values.get('enabled')}, goal {values.get('goal')})")
            if line:
                print(line, flush=True)
        statuses.clear()
        sys.stdout.flush()

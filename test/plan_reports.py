"""Plan reports as the planner node publishes them (JSON), and plans that end without a result.

First written for breaker51f: :func:`strict_json` (a strict JSON parser), :func:`recorded` (each
report of a rig's session as JSON, ``PlanRecord`` and ``/diagnostics`` status),
:func:`sequence` (three sub-goals of frames :data:`THREE`), :func:`end_without_result` (the next
plan ends by a planner error or a new goal).
"""

import json

from test_robot_mpc import frame

from vjepa_ros.robot.goals import SubGoal
from vjepa_ros.robot.plan_record import PlanRecord

THREE = (7, 8, 9)  # frame seeds of a three-sub-goal sequence


def strict_json(text):
    """Parse ``text`` as a strict parser does: NaN / Infinity tokens refused."""
    def refuse(token):
        raise ValueError(f"non-JSON token {token}")
    return json.loads(text, parse_constant=refuse)


def recorded(rig):
    """Record each report as the node publishes it (JSON text) with ``/diagnostics`` then."""
    log = []

    def listener(report):
        text = PlanRecord.from_report(report).to_json()
        log.append((strict_json(text), PlanRecord.from_json(text), rig.session.status()))
    rig.session.add_report_listener(listener)
    return log


def sequence(steps=(2, 2, 1)):
    return [SubGoal(frame(seed), n, name) for seed, n, name in
            zip(THREE, steps, "abc", strict=True)]


def end_without_result(rig, ending, seconds):
    """Make the next plan end without a result, ``seconds`` after it began.

    ``ending``: "planner_error" (``RuntimeError: CUDA out of memory``) or "cancelled" (a new
    goal set while the planner works), before the planner's first iteration.
    """
    inner = rig.planner.inner

    def later():
        rig.clock.now += seconds
        if ending == "cancelled":
            rig.session.set_goals([SubGoal(frame(5), 0, "new")])
        else:
            raise RuntimeError("CUDA out of memory")

    class Planner:  # the event happens while the planner works, before its first iteration
        def reset(self):
            inner.reset()

        def plan(self, *args, **kwargs):
            later()
            return inner.plan(*args, **kwargs)

    rig.planner.inner = Planner()

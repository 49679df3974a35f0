"""The planner node's word on what a plan costs: a start-up line and a first plan's progress.

The words and the estimate are ROS-free (``robot.plan_cost``); this module logs them: the
estimate once the model has loaded (:func:`say_plan_cost`), and a steady-clock timer that says
"planning: 20 s so far, estimate 75 s" every ``plan_cost.PROGRESS_S`` while the node's first
plan runs (the timer is destroyed once a plan has finished).
"""

from __future__ import annotations

import time

from rclpy.clock import Clock, ClockType

from vjepa_ros.robot.plan_cost import (
    PROGRESS_S,
    FirstPlanProgress,
    cheaper_seconds,
    plan_cost_line,
    plan_seconds,
)


def say_plan_cost(node) -> FirstPlanProgress:
    """Log the estimated cost of one plan of ``node`` (a PlannerNode); start the progress timer.

    Called at the end of its start-up (the model loaded, torch's threads set). Nothing is logged
    for a model that cannot be timed (``plan_cost.plan_seconds`` None); the progress lines
    then say "no estimate". A timing that fails is one warning, never a refused start.
    """
    cem, model = node.session.cem, node.model
    try:
        seconds = plan_seconds(model, cem)
        cheaper = None if seconds is None else cheaper_seconds(seconds, cem)
    except Exception as exc:  # noqa: BLE001 - an estimate is advice: never a refused start
        node.get_logger().warning(f"could not estimate the cost of a plan: {exc}")
        seconds = cheaper = None
    if seconds is not None:
        node.get_logger().info(plan_cost_line(
            seconds, cem, str(model.device), node.torch_threads,
            node.config.safety.max_plan_age_s, cheaper))
    progress = FirstPlanProgress(seconds)
    timer = None

    def tick() -> None:
        line = progress.line(getattr(node.session, "running_plan_began", None),
                             time.monotonic(), node.worker.steps)
        if line:
            node.get_logger().info(line)
        if progress.over and timer is not None:
            timer.cancel()

    timer = node.create_timer(PROGRESS_S / 10, tick, clock=Clock(clock_type=ClockType.STEADY_TIME))
    return progress

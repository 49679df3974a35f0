"""The shutdown line's plan age is wall time, whatever the session's clock does (live54).

Live, ``vjepa-ros launch --node sim --use-sim-time`` with a plan stuck in the model past the
30 s limit said ``shutdown: a plan begun 6.5 s ago ... is still in the world model after 30 s``
40 s after the plan began: the age was read on the session clock, the simulator's ``/clock``,
which stood still once the nodes stopped spinning (a bag's clock or a paused simulation does
the same). The session now keeps ``running_plan_began`` (``time.monotonic()``) beside
``running_plan`` (the session clock, for ``/diagnostics``), and the line reads it. No ROS.
"""

from __future__ import annotations

import threading
import time
import types

from test_breaker45g import commanding_session, model  # noqa: F401
from test_planner_shutdown_wait import NodeStandIn, RecordingWorker

START = (0.307, 0.0, 0.487, 3.1416, 0.0, 0.0, 0.0)


class StoppedClockSession:
    """A session whose clock stands still (sim time after ``/clock`` stopped)."""

    def __init__(self, release: threading.Event, wall_age: float):
        self.release = release
        self.running_plan = (3.25, 9.75)  # (frame taken, session clock as it began) [s]
        self.running_plan_began = time.monotonic() - wall_age

    def clock(self) -> float:
        return 9.75 + 0.5  # the clock moved 0.5 s, then stopped

    def close(self) -> None:
        pass

    def wait_idle(self, timeout):
        return self.release.wait(timeout)


def _age_said(line: str) -> float:
    return float(line.split("a plan begun ")[1].split(" s ago")[0])


def test_the_stuck_plan_is_aged_by_wall_time_not_by_a_clock_that_stood_still():
    release, entered, said = threading.Event(), threading.Event(), []

    def step():
        entered.set()
        release.wait()
        return False

    worker = RecordingWorker(step, lambda exc: None, name="test-live54-stuck").start()
    worker.wake()
    assert entered.wait(10.0)
    logger = types.SimpleNamespace(warning=said.append)
    node = NodeStandIn(session=StoppedClockSession(release, wall_age=40.0), worker=worker,
                       setpoints=None, gripper_action=None, camera_check_service=None,
                       closing=False, get_logger=lambda: logger)
    try:
        assert node.prepare_shutdown(0.1) is False
    finally:
        release.set()
        worker.stop(10.0)
    (line,) = said
    assert _age_said(line) >= 40.0, line  # not the session clock's 0.5 s
    assert "frame taken at 3.250 s" in line and "after 0.1 s" in line


def test_a_plan_in_progress_has_a_wall_start_and_none_after_it(model):  # noqa: F811
    session, _ = commanding_session(model, START, [0.01, 0, 0, 0, 0, 0, 0])
    seen = []
    plan = session._plan

    def watching(*args, **kwargs):
        seen.append((session.running_plan, session.running_plan_began, time.monotonic()))
        return plan(*args, **kwargs)

    session._plan = watching
    before = time.monotonic()
    report = session.plan_step()
    assert report is not None and seen, "no plan ran"
    running, began, during = seen[0]
    assert running is not None and began is not None and before <= began <= during
    assert session.running_plan is None and session.running_plan_began is None

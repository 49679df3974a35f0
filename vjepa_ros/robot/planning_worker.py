"""A thread of its own for planning, woken by the events that make a plan possible.

The planner node used to run each plan as a ROS timer callback (a 10 ms poll in its own callback
group). Inside rclpy's ``MultiThreadedExecutor`` a callback that runs for seconds makes the
executor re-submit queued work in a busy loop (ros2/rclpy issue 1452, fixed upstream later than
the wheels this package pins): measured from outside, the set-point stream fell to a median 38 of
its 100 messages/s and the node absorbed 8 of 30 frames/s while a plan ran. The plan therefore
runs here, outside the executor: callbacks only store inputs and call :meth:`PlanningWorker.wake`.

ROS-free: the node passes ``step``, a callable that plans once if there is something to plan on
and returns whether it did (``MPCSession.plan_step`` plus publishing).
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class PlanningWorker:
    """Run ``step()`` on a daemon thread whenever :meth:`wake` is called.

    After a step that planned (``step()`` returned True) the worker tries again at once (a new
    frame may have arrived meanwhile); after one that did not, it sleeps until the next
    :meth:`wake` or ``idle_timeout_s`` (a safety net for conditions that become true with time
    alone, such as the settle time after an arrival in blocking mode). Exceptions escaping
    ``step`` go to ``on_error`` and the worker keeps running.

    Args:
        step: plans once; returns True when it planned. Called only from the worker thread.
        on_error: receives any exception ``step`` raises.
        idle_timeout_s: longest sleep without a wake [s] (> 0).
        name: the thread's name (shows in py-spy, gdb and ``threading.enumerate()``).
        setup: called once on the worker thread before its first step, for per-thread settings:
            torch's CPU thread count is an OpenMP setting of the calling thread, so a
            ``torch.set_num_threads`` made on another thread does not reach the plans.
    Raises:
        ValueError: ``idle_timeout_s`` is not > 0.
    """

    def __init__(self, step: Callable[[], bool], on_error: Callable[[BaseException], None],
                 idle_timeout_s: float = 0.1, name: str = "vjepa-planning",
                 setup: Callable[[], object] | None = None):
        if not idle_timeout_s > 0:
            raise ValueError(f"idle_timeout_s must be > 0, got {idle_timeout_s!r}")
        self._step, self._on_error, self._setup = step, on_error, setup
        self.idle_timeout_s = idle_timeout_s
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.steps = 0  # step() calls that planned
        self.wakeups = 0  # times the thread woke up (by wake() or by the timeout)

    def start(self) -> PlanningWorker:
        self._thread.start()
        return self

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def wake(self) -> None:
        """Something changed (frame, state, goal, enable): plan if possible. Cheap, any thread."""
        self._wake.set()

    def stop(self, timeout: float | None = None) -> bool:
        """Stop after the current step; return False if the thread did not end within timeout.

        The caller first makes a running step end early (``MPCSession.close()`` cancels it).
        """
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        if self._setup is not None:
            try:
                self._setup()
            except Exception as exc:  # noqa: BLE001 - reported; planning still runs
                self._on_error(exc)
        while not self._stopping.is_set():
            self._wake.wait(self.idle_timeout_s)
            self._wake.clear()
            self.wakeups += 1
            while not self._stopping.is_set():
                try:
                    planned = bool(self._step())
                except Exception as exc:  # noqa: BLE001 - reported; the worker must survive
                    self._on_error(exc)
                    planned = False
                if not planned:
                    break
                self.steps += 1

"""Spin several nodes in one process: an executor (single-threaded unless asked) and a thread each.

Why not rclpy's ``MultiThreadedExecutor``: in the pinned rclpy (9.1.x) its spin loop hands every
task that was submitted to its thread pool but has not started yet to the pool again on each pass
(``Executor._wait_for_ready_callbacks`` yields "tasks in progress" first; the busy loop of
ros2/rclpy issue 1452, fixed upstream later), and every callback's start and end wake that loop.
Until a pool thread picks a task up — it needs the GIL, which the spinning thread holds — the
task keeps being re-submitted. Measured with ``benchmarks/bench_ros_loop.py`` (simulator + planner
with the oracle world model + a listener in one process, 2 shared cores): 6–10× the executor
passes and 15–40 % more CPU per simulated second than one executor per node, with which the 3
goals take 17 % (both cores) to 25–50 % (one busy core) less wall time: the spinning thread holds
the GIL the simulator's stepping timer needs (docs/performance.md, "In-process closed loop").

A single-threaded executor runs each callback inline: nothing is queued, nothing re-submitted,
and it sleeps in ``wait`` until an entity is ready. One per node keeps the nodes independent (a
long simulator step does not delay the planner's set-point timer); within a node callbacks run
one at a time, which every node of this package expects (long work runs on threads of their own:
the planner's ``PlanningWorker``, the camera and bag reader threads). The one exception is
asked for by name: ``add_node(node, threads=2)`` gives the planner's camera-check helper a
``MultiThreadedExecutor``, so that a second ``~/camera_check`` call is refused while the first
blocks (``camera_check_service.py``); the busy loop above does not touch a callback already
running, and that node has nothing else to run.

Stopping: rclpy's ``Executor.shutdown`` (9.1.x) wakes the spinning thread through the executor's
own guard condition and then destroys that guard at once, without waiting for the thread (its
wait for outstanding work sits behind a test that is always false). A thread that had checked
for shutdown but not yet built its wait set then waits without the guard, on its node's
entities alone: a timer-less node waited forever (seen in CI). Each node therefore gets a wake
guard condition of the spinner's own (``node.create_guard_condition``: in every wait set the
thread builds, and a trigger stays pending until a wait takes it), triggered after every
executor shutdown; the spinner destroys it once the thread has ended. Before any executor stops
(``shutdown``, Ctrl-C in ``spin``, a callback's error) each node's ``stop_commanding()`` runs, if
it has one: the planner's worker thread plans and sends gripper commands outside the executor,
and between a Ctrl-C and the owner's ``prepare_shutdown`` (``Launch.shutdown``) it could still
command the arm with the stream timer already stopped (breaker54f); nothing is commanded once a
shutdown began. The executors then spin on (at most :data:`SETTLE_S`) while a node's
``commands_pending()`` is true: a gripper goal canceled on its way is canceled when its
acceptance is taken, on the executor (:func:`settle`); after a callback's error too, its own
executor spun on by the thread whose spin it ended (breaker57a: no executor took the
acceptance, and the hand closed to its end with everything else stopped).

At exit: a spinner still running when the interpreter exits (a script that returned or was
stopped without ``shutdown``) left its daemon threads inside rclpy's wait, and the exit ended in
``terminate called without an active exception``, status 134 (SIGABRT), whatever the status
meant (``bench_planner_node.py`` after Ctrl-C). Every started spinner is therefore shut down
by an :mod:`atexit` handler too (:func:`_shutdown_running`; nothing for one shut down already).
"""

from __future__ import annotations

import atexit
import functools
import threading
import time
import weakref
from collections.abc import Callable

from vjepa_ros.terminate import stop_signals_held

POLL_S = 0.2  # [s] how often the foreground spin looks at the threads (and its ``until``)
EXIT_TIMEOUT_S = 5.0  # [s] how long the exit handler waits for each spin thread to end
# [s] at most how long a shutdown spins on after stop_commanding for what it still needs from the
# executors (``commands_pending``: a gripper goal canceled on its way, its acceptance to take)
SETTLE_S = 2.0
_RUNNING: weakref.WeakSet = weakref.WeakSet()  # started spinners, for the exit handler


class NodeSpinner:
    """Spin every added node on its own ``SingleThreadedExecutor`` and thread.

    Usage: ``spinner = NodeSpinner(context); spinner.add_node(a); spinner.add_node(b);
    spinner.start()`` (background) or ``spinner.spin()`` (foreground, until shutdown, the
    context's shutdown or Ctrl-C); ``spinner.shutdown()``. ``add_node`` also works while spinning
    (the node starts spinning at once), like ``Executor.add_node``.

    An exception escaping a callback stops every node (as it stops a shared executor's spin): it
    is re-raised by :meth:`spin`, and by the node's thread (``threading.excepthook`` prints it)
    after :meth:`start`; :attr:`error` keeps it.

    Args:
        context: the rclpy context of the nodes (None: the default context).
    """

    def __init__(self, context=None):
        self.context = context
        self.executors: list = []  # one SingleThreadedExecutor per node, in add_node order
        self._wakes: dict = {}  # executor -> (node, its wake guard condition)
        self.threads: list[threading.Thread] = []
        self.error: BaseException | None = None
        self._lock = threading.Lock()
        self._running = False
        self._stopped = False
        self._foreground = False  # spin() waits and re-raises a callback error itself

    def add_node(self, node, threads: int = 1) -> bool:
        """Give ``node`` an executor of its own (spinning at once if the spinner runs).

        ``threads`` > 1: a ``MultiThreadedExecutor`` of that many threads, so that callbacks of
        a reentrant callback group run side by side (a blocking service answering a second call
        at once); plain callbacks, no coroutines (module docstring).
        """
        from rclpy.executors import MultiThreadedExecutor, SingleThreadedExecutor

        # a stop inside rclpy's constructors or Thread.start: raised after (terminate)
        with stop_signals_held():
            executor = SingleThreadedExecutor(context=self.context) if threads <= 1 else \
                MultiThreadedExecutor(num_threads=threads, context=self.context)
            executor.add_node(node)
            with self._lock:
                if self._stopped:
                    executor.shutdown()
                    raise RuntimeError("NodeSpinner.add_node after shutdown")
                self._wakes[executor] = (node, node.create_guard_condition(_nothing))
                self.executors.append(executor)
                if self._running:
                    self._start_thread(executor, node.get_name())
        return True

    def start(self) -> NodeSpinner:
        """Spin every node in the background; return at once."""
        with self._lock, stop_signals_held():
            if not self._running and not self._stopped:
                self._running = True
                _RUNNING.add(self)
                for executor in self.executors:  # (a started thread's error may already have
                    # shut the others down, emptying their node lists: the name kept at add)
                    self._start_thread(executor, self._wakes[executor][0].get_name())
        return self

    def spin(self, until=None) -> None:
        """Spin until every node stops (shutdown, context shutdown, Ctrl-C, a callback error).

        Ctrl-C (KeyboardInterrupt) stops every node, then is raised again: the command's exit
        status is the shell's 130 (``cli.main``). A callback's error is raised the same way.
        ``until``: a callable asked every :data:`POLL_S`; once it returns true, ``spin`` returns
        with the nodes still spinning (the caller shuts them down).
        """
        self._foreground = True
        try:
            self.start()  # inside: a Ctrl-C while the threads start also stops them
            while until is None or not until():
                with self._lock:
                    alive = [thread for thread in self.threads if thread.is_alive()]
                if not alive:
                    break
                alive[0].join(POLL_S)  # a timeout, so that Ctrl-C reaches this thread
        except KeyboardInterrupt:
            self.shutdown(timeout_sec=5.0)
            raise
        if self.error is not None:
            raise self.error

    def shutdown(self, timeout_sec: float | None = None) -> bool:
        """Stop every executor and join the threads (all of them within ``timeout_sec``).

        Returns False when a thread did not end in time (its callback still runs).
        """
        with self._lock:
            self._stopped = True
            executors, threads = list(self.executors), list(self.threads)
        _RUNNING.discard(self)
        _stop_commanding(executors)  # nothing commanded while the executors stop
        if any(thread.is_alive() for thread in threads):  # they still spin: let them take
            settle(_nodes(executors), lambda: time.sleep(0.01),  # what the stop still needs
                   SETTLE_S if timeout_sec is None else min(SETTLE_S, timeout_sec))
        for executor in executors:
            self._stop(executor, timeout_sec)
        current = threading.current_thread()
        deadline = None if timeout_sec is None else time.monotonic() + timeout_sec
        for thread in threads:  # all within timeout_sec (several stuck: not one bound each)
            if thread is not current:
                thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        ended = not any(thread.is_alive() for thread in threads if thread is not current)
        if ended:
            self._destroy_wakes()
        return ended

    def _stop(self, executor, timeout_sec: float | None) -> None:
        """Shut ``executor`` down, then wake its thread wherever it is (module docstring)."""
        executor.shutdown(timeout_sec=timeout_sec)
        node, wake = self._wakes.get(executor, (None, None))
        if wake is not None and wake in node.guards:  # not destroyed with its node already
            wake.trigger()

    def _destroy_wakes(self) -> None:
        with self._lock:
            wakes, self._wakes = list(self._wakes.values()), {}
        for node, wake in wakes:
            node.destroy_guard_condition(wake)  # False (nothing to do) once the node is gone

    def _start_thread(self, executor, name: str) -> None:
        thread = threading.Thread(target=self._spin_one, args=(executor,),
                                  name=f"vjepa-spin-{name}", daemon=True)
        self.threads.append(thread)
        thread.start()

    def _spin_one(self, executor) -> None:
        from rclpy.executors import ExternalShutdownException, ShutdownException

        try:
            executor.spin()
        except (ExternalShutdownException, ShutdownException):
            pass  # the context or this spinner shut down: a normal end
        except BaseException as exc:
            if self._stopped:
                return  # shutting down: a callback cut short or a destroyed handle, no error
            if self.error is None:
                self.error = exc
            _stop_commanding(self.executors)  # every node stops: no command goes out after
            # then what the stop still needs (a canceled gripper goal's acceptance), as a
            # shutdown settles: the other executors spin on their threads, this one here
            settle(_nodes(self.executors), functools.partial(_spin_on, executor))
            for other in list(self.executors):
                if other is not executor:
                    self._stop(other, 0.0)
            if not self._foreground:
                raise


@atexit.register
def _shutdown_running() -> None:
    """Shut down every spinner still running at interpreter exit (module docstring, "At exit")."""
    for spinner in list(_RUNNING):
        spinner.shutdown(timeout_sec=EXIT_TIMEOUT_S)


def settle(nodes, wait: Callable[[], object], bound_s: float = SETTLE_S, note: str = "") -> bool:
    """Call ``wait()`` until no node of ``nodes`` has ``commands_pending()`` true, or ``bound_s``.

    After ``stop_commanding``: the planner's cancel of a gripper goal still on its way is sent
    when its executor takes the goal's acceptance, so the executor must spin on a little before
    it stops (breaker54h's defect 4). ``wait``: a short sleep while the executors spin on their
    threads, one ``spin_once`` where the caller spins itself (``node_runner.run_node``).
    Returns whether every node settled; a ``wait`` that raises (the context shut down) ends it.
    Given up: each node still pending is told once, ``settle_gave_up(note)`` (its one warning
    line, ``note`` added; its own later ``settle_commands`` then neither waits nor says it again).
    """
    pending = [node for node in nodes if hasattr(node, "commands_pending")]
    deadline = time.monotonic() + bound_s
    while True:
        waiting = [node for node in pending if node.commands_pending()]
        if not waiting:
            return True
        if time.monotonic() >= deadline:
            break
        try:
            wait()
        except Exception:  # noqa: BLE001 - nothing spins any more: nothing to wait for
            break
    for node in waiting:
        if hasattr(node, "settle_gave_up"):
            node.settle_gave_up(note)
    return False


def _spin_on(executor, period_s: float = 0.01) -> None:
    """One ``spin_once`` of ``executor`` (up to ``period_s``) after its spin ended with an error.

    Settling after a callback's error: the callback that raised may raise again (a timer's
    device error): that is the error already kept, and the settling goes on.
    """
    try:
        executor.spin_once(timeout_sec=period_s)
    except Exception:  # noqa: BLE001 - the error is kept already (NodeSpinner.error)
        time.sleep(period_s)  # (a handle destroyed meanwhile: no busy loop until the bound)


def _nodes(executors) -> list:
    """Return the nodes of ``executors``, in order."""
    return [node for executor in list(executors) for node in executor.get_nodes()]


def _stop_commanding(executors) -> None:
    """Call ``stop_commanding()`` of each node of ``executors`` that has one (module docstring).

    The planner's worker thread plans and sends gripper commands outside any executor: a node
    whose executor stopped could still command until its owner's ``prepare_shutdown``.
    """
    for node in _nodes(executors):
        stop_node_commanding(node)


def stop_node_commanding(node) -> None:
    """Call ``node.stop_commanding()`` when it has one; its failure is one warning, not raised.

    A node that cannot stop commanding must not keep the executors spinning and the other
    nodes commanding: shutdown goes on (its ``prepare_shutdown`` closes the session anyway).
    """
    stop = getattr(node, "stop_commanding", None)
    if stop is None:
        return
    try:
        stop()
    except Exception as exc:  # noqa: BLE001 - said; the rest of the shutdown must still run
        try:
            node.get_logger().warning(f"shutdown: stopping the commands failed ({exc}); "
                                      "the node is shut down anyway")
        except Exception:  # noqa: BLE001 - no logger left: nothing more to say
            pass


def _nothing() -> None:
    """Do nothing: the wake guard condition's callback (waking the thread is its whole job)."""

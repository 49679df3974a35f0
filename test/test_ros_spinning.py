"""How ``vjepa-ros launch`` spins nodes in one process (``NodeSpinner`` inside ``Launch``).

The in-process closed loop (sim + planner + listener) ran far below real time on a busy machine
because rclpy's MultiThreadedExecutor re-submits queued work in a busy loop (nodes/spinning.py).
These tests pin the behaviour that avoids it: executors wait for work instead of re-dispatching
it, one node's long callback does not stall another node, errors surface, shutdown ends.
"""

import threading
import time

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from rclpy.callback_groups import ReentrantCallbackGroup  # noqa: E402
from std_msgs.msg import Int32  # noqa: E402

from vjepa_ros.nodes.nodes_in_process import Launch  # noqa: E402


def wait(done, timeout):
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        time.sleep(0.01)
    return done()


def executors_of(launch):
    """Return the executors the launch spins with (one shared executor: a list of one)."""
    return getattr(launch.executor, "executors", [launch.executor])


def count_dispatch_passes(executor, counter):
    """Count the executor's passes through wait_for_ready_callbacks (one per dispatched task)."""
    inner = executor.wait_for_ready_callbacks

    def counted(*args, **kwargs):
        counter[0] += 1
        return inner(*args, **kwargs)

    executor.wait_for_ready_callbacks = counted


def test_executors_wait_for_work_instead_of_redispatching_it(context):
    """Executors pass once per callback they run, never re-dispatching queued work.

    More ready callbacks than a thread pool takes, each blocking 20 ms: rclpy's
    MultiThreadedExecutor hands queued tasks out again on every wake-up (4-5 passes per callback
    here).
    """
    slow = rclpy.create_node("slow", context=context)
    ran = [0]

    def blocking():
        ran[0] += 1
        time.sleep(0.02)

    group = ReentrantCallbackGroup()
    for _ in range(6):
        slow.create_timer(0.01, blocking, callback_group=group)
    with Launch([], context=context) as launch:
        launch.executor.add_node(slow)
        passes = [0]
        for executor in executors_of(launch):
            count_dispatch_passes(executor, passes)
        launch.start()
        assert wait(lambda: ran[0] >= 40, 10.0), f"only {ran[0]} callbacks ran"
        ran_now, passes_now = ran[0], passes[0]
    assert passes_now <= ran_now + 5, (
        f"{passes_now} dispatch passes for {ran_now} callbacks: the executor re-dispatches "
        "queued work in a busy loop")


def test_a_long_callback_of_one_node_does_not_stall_another_node(context):
    """Each node has its own executor thread.

    A talker keeps publishing while another node's callback blocks.
    """
    blocker = rclpy.create_node("blocker", context=context)
    talker = rclpy.create_node("talker", context=context)
    listener = rclpy.create_node("listener", context=context)
    release, blocked = threading.Event(), threading.Event()

    def block():
        blocked.set()
        release.wait(5.0)

    blocker.create_timer(0.01, block)
    publisher = talker.create_publisher(Int32, "ticks", 10)
    talker.create_timer(0.01, lambda: publisher.publish(Int32(data=1)))
    received = []
    listener.create_subscription(Int32, "ticks", received.append, 10)
    try:
        with Launch([], context=context) as launch:
            for node in (blocker, talker, listener):
                launch.executor.add_node(node)
            launch.start()
            assert blocked.wait(10.0)
            before = len(received)
            assert wait(lambda: len(received) >= before + 20, 10.0), (
                f"{len(received) - before} messages while another node's callback blocked")
            release.set()
    finally:
        release.set()


def test_a_callback_error_ends_spin_with_that_error_and_stops_the_other_nodes(context):
    broken = rclpy.create_node("broken", context=context)
    healthy = rclpy.create_node("healthy", context=context)
    ticks = [0]
    broken.create_timer(0.05, lambda: 1 / 0)
    healthy.create_timer(0.01, lambda: ticks.__setitem__(0, ticks[0] + 1))
    with Launch([], context=context) as launch:
        for node in (broken, healthy):
            launch.executor.add_node(node)
        done = threading.Event()
        errors = []

        def spin():
            try:
                launch.executor.spin()
            except ZeroDivisionError as exc:
                errors.append(exc)
            done.set()

        threading.Thread(target=spin, daemon=True).start()
        assert done.wait(10.0), "spin() did not end after a callback raised"
        assert errors, "the callback's exception did not reach spin()"
        assert all(not thread.is_alive() for thread in launch.executor.threads)
        stopped_at = ticks[0]
        time.sleep(0.1)
        assert ticks[0] == stopped_at  # the healthy node stopped too


def test_a_node_added_while_spinning_spins_and_shutdown_ends_every_thread(context):
    first = rclpy.create_node("first", context=context)
    late = rclpy.create_node("late", context=context)
    ticks = {"first": 0, "late": 0}
    first.create_timer(0.01, lambda: ticks.__setitem__("first", ticks["first"] + 1))
    late.create_timer(0.01, lambda: ticks.__setitem__("late", ticks["late"] + 1))
    launch = Launch([], context=context)
    launch.executor.add_node(first)
    launch.start()
    assert wait(lambda: ticks["first"] > 3, 10.0)
    launch.executor.add_node(late)
    assert wait(lambda: ticks["late"] > 3, 10.0), "a node added while spinning never ran"
    threads = list(launch.executor.threads)
    assert len(threads) == 2 and all(thread.is_alive() for thread in threads)
    launch.shutdown(timeout=60.0)  # returns once the threads ended
    assert not any(thread.is_alive() for thread in threads)
    with pytest.raises(RuntimeError, match="after shutdown"):
        launch.executor.add_node(rclpy.create_node("too_late", context=context))


def test_shutdown_ends_a_thread_caught_between_its_shutdown_check_and_its_wait(context):
    """A thread that builds its wait set just as shutdown runs still ends (no timer to wake it).

    rclpy's ``Executor.shutdown`` destroys its wake-up guard condition without waiting for the
    spinning thread; a thread that was gathering its node's entities then waited, without that
    guard, on the node's parameter services alone: forever (seen once in CI). The node here holds
    the thread at that point (its ``subscriptions``, read while the wait set is built) until
    shutdown has run.
    """
    from rclpy.node import Node

    class HeldNode(Node):
        reads_to_hold = 0  # count down the thread's reads of ``subscriptions``; hold at zero
        reads = 0  # all its reads
        entered = threading.Event()
        release = threading.Event()

        @property
        def subscriptions(self):
            HeldNode.reads += 1
            if HeldNode.reads_to_hold:
                HeldNode.reads_to_hold -= 1
                if HeldNode.reads_to_hold == 0:
                    HeldNode.entered.set()
                    HeldNode.release.wait(10.0)
            return super().subscriptions

    node = HeldNode("held", context=context)  # no timer: only its parameter services to wait on
    launch = Launch([], context=context)
    launch.executor.add_node(node)
    launch.start()
    # The thread waits: it has read ``subscriptions`` (3 times on an idle machine) and then not
    # for 0.2 s. A fixed 0.2 s from the start was a guess at that phase: a thread still starting
    # when the count-down begins is held at one of those first reads, not where this test means.

    def settled():
        before = HeldNode.reads
        time.sleep(0.2)
        return before > 0 and HeldNode.reads == before

    assert wait(settled, 60.0), "the spinning thread never settled in its wait"
    # Woken, the thread reads ``subscriptions`` twice: to see what is ready (rclpy 9.1), then to
    # gather the next wait set, where it is held.
    HeldNode.reads_to_hold = 2
    launch.executor.executors[0].wake()
    assert HeldNode.entered.wait(10.0), "the spinning thread never rebuilt its wait set"
    threading.Timer(0.3, HeldNode.release.set).start()
    assert launch.executor.shutdown(timeout_sec=5.0), "the spinning thread waited forever"
    assert not any(thread.is_alive() for thread in launch.executor.threads)
    assert list(node.guards) == []  # the spinner's wake guard condition is gone with it
    node.destroy_node()


def test_ctrl_c_stops_every_node_then_reaches_the_command(context):
    """Ctrl-C in the foreground spin: all nodes stop, and the KeyboardInterrupt goes on up.

    ``vjepa-ros launch`` then exits 130 (test_cli_interrupt.py).
    """
    import signal

    # interrupt_main acts only through Python's SIGINT handler: make it the default one here
    # whatever an earlier test in this process left (SIG_IGN or SIG_DFL would swallow it)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _ctrl_c_during_spin(context)
    finally:
        signal.signal(signal.SIGINT, previous)


def _ctrl_c_during_spin(context):
    import _thread

    ticks = [0]
    node = rclpy.create_node("ticking", context=context)
    node.create_timer(0.01, lambda: ticks.__setitem__(0, ticks[0] + 1))
    with Launch([], context=context) as launch:
        launch.executor.add_node(node)
        timer = threading.Timer(0.3, _thread.interrupt_main)  # as SIGINT raises it in main
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            launch.spin()
        assert ticks[0] > 0, "the node spun before the interrupt"
        assert all(not thread.is_alive() for thread in launch.executor.threads)


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_a_stop_signal_while_the_spin_threads_start_stops_every_node(context, monkeypatch,
                                                                      signame):
    """A Ctrl-C / SIGTERM just as ``vjepa-ros launch`` starts spinning ends it as at any time.

    It raised inside ``Thread.start``: ``shutdown`` then joined a thread not yet started
    (``RuntimeError: cannot join thread before it is started``: a traceback and status 1, 2
    of 4 Ctrl-Cs sent on the launch's "running" line), or left one spinning inside rclpy at exit.
    """
    import os
    import signal

    from vjepa_ros.terminate import Terminated, sigint_raises, sigterm_raises

    start, sent = threading.Thread.start, []

    def start_with_a_signal(thread):  # the signal arrives while the thread starts
        if not sent:
            sent.append(os.kill(os.getpid(), getattr(signal, signame)))
        start(thread)

    nodes = [rclpy.create_node(f"node_{i}", context=context) for i in range(3)]
    # Timer-less nodes: nothing but the spinner's own wake-up ends a thread that missed the stop
    # (test_shutdown_ends_a_thread_caught_between_its_shutdown_check_and_its_wait).
    with Launch([], context=context) as launch, sigterm_raises(), sigint_raises():
        for node in nodes:
            launch.executor.add_node(node)
        monkeypatch.setattr(threading.Thread, "start", start_with_a_signal)
        with pytest.raises(Terminated if signame == "SIGTERM" else KeyboardInterrupt):
            launch.spin()
        monkeypatch.undo()
        assert sent and len(launch.executor.threads) == 3
        assert all(not thread.is_alive() for thread in launch.executor.threads)


LEFT_SPINNING = """
import sys, time, rclpy
from vjepa_ros.nodes.spinning import NodeSpinner
context = rclpy.Context()
rclpy.init(context=context)
spinner = NodeSpinner(context)
for index in range(2):
    node = rclpy.create_node(f"left_spinning_{index}", context=context)
    node.create_timer(0.001, lambda: None)
    spinner.add_node(node)
spinner.start()
time.sleep(0.5)
sys.exit(3)  # no spinner.shutdown(), as a script stopped on its way
"""


def test_a_process_exiting_with_its_nodes_still_spinning_keeps_its_status():
    """The spin threads were left inside rclpy's wait: SIGABRT (134), "terminate called"."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", LEFT_SPINNING], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 3, done.stderr
    assert "terminate called" not in done.stderr and "Traceback" not in done.stderr, done.stderr

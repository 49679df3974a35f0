"""Stop signals held around main-thread rclpy calls (terminate.stop_signals_held, call_held).

A Ctrl-C that Python raised inside rclpy's ``Future.__init__`` (a ``call_async``, a task made in
``spin_once``) left a half-made Future whose ``__del__`` printed ``Exception ignored ...
AttributeError: 'Task' object has no attribute '_exception'`` after a benchmark's last line
(CI, test_bench_stop_signal, about 1 run in 6). Here the signal is sent from inside the
constructor, just before its body runs: where Python's own check put it.
"""

import gc
import os
import signal
import sys
import threading

import pytest

from vjepa_ros.terminate import (
    Terminated,
    call_held,
    sigint_raises,
    sigterm_raises,
    stop_signals_held,
    stops_undisguised,
)


@pytest.fixture
def unraisable(monkeypatch):
    """Collect the exceptions Python could not raise (``__del__``'s) instead of printing them."""
    caught = []
    monkeypatch.setattr(sys, "unraisablehook", lambda info: caught.append(info.exc_value))
    yield caught
    gc.collect()


def _signal_inside(monkeypatch, cls, signum):
    """Make ``cls()`` receive ``signum`` after allocation, before its ``__init__`` body."""
    init = cls.__init__

    def interrupted_init(self, *args, **kwargs):
        signal.raise_signal(signum)  # Python runs its handler on the way out of this call
        init(self, *args, **kwargs)

    monkeypatch.setattr(cls, "__init__", interrupted_init)


def test_a_ctrl_c_inside_an_rclpy_future_is_raised_after_it_is_whole(monkeypatch, unraisable):
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from rclpy.task import Future

    _signal_inside(monkeypatch, Future, signal.SIGINT)
    with sigint_raises():
        with pytest.raises(KeyboardInterrupt):  # as before the fix: the half-made Future
            Future()
        gc.collect()
        assert any("_exception" in str(exc) for exc in unraisable), unraisable
        unraisable.clear()
        made = []
        with pytest.raises(KeyboardInterrupt):
            call_held(lambda: made.append(Future()))
        assert len(made) == 1 and not made[0].done() and made[0].exception() is None
        made.clear()
        gc.collect()
    assert unraisable == []


def test_a_stop_inside_an_executor_made_by_the_node_spinner_comes_after_it(context, monkeypatch,
                                                                          unraisable):
    """``NodeSpinner.add_node`` makes its executor with the signals held: whole, then raised."""
    import rclpy
    from rclpy.executors import SingleThreadedExecutor

    from vjepa_ros.nodes.spinning import NodeSpinner

    node = rclpy.create_node("held_stop", context=context)
    spinner = NodeSpinner(context)
    _signal_inside(monkeypatch, SingleThreadedExecutor, signal.SIGTERM)
    try:
        with sigterm_raises(), pytest.raises(Terminated):
            spinner.add_node(node)
        monkeypatch.undo()
        assert len(spinner.executors) == 1 and spinner.executors[0].get_nodes() == [node]
    finally:
        spinner.shutdown(timeout_sec=5.0)
        node.destroy_node()
    gc.collect()
    assert unraisable == []


def test_signals_within_are_noted_and_the_first_goes_to_the_handler_before_on_the_way_out():
    with sigterm_raises(), sigint_raises():
        before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
        with pytest.raises(Terminated):  # the first: SIGTERM, to sigterm_raises's handler
            with stop_signals_held() as noted:
                signal.raise_signal(signal.SIGTERM)
                signal.raise_signal(signal.SIGINT)
                assert noted == [signal.SIGTERM, signal.SIGINT]  # nothing raised in here
        assert signal.getsignal(signal.SIGINT) is before[0]
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN  # sigterm_raises's: once
        with stop_signals_held() as noted:  # none: nothing raised, handlers back
            pass
        assert noted == [] and signal.getsignal(signal.SIGINT) is before[0]


def test_a_signal_ignored_before_stays_ignored():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with stop_signals_held() as noted:
            signal.raise_signal(signal.SIGINT)
        assert noted == [signal.SIGINT]  # noted, then given to SIG_IGN: nothing
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_outside_the_main_thread_nothing_changes():
    result = []

    def in_thread():
        with stop_signals_held() as noted:
            result.append((noted, signal.getsignal(signal.SIGINT)))

    before = signal.getsignal(signal.SIGINT)
    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert result == [([], before)]


def _import_cut_by(signum):
    """Do as a C extension's import cut by a stop: the stop raised inside, another error out."""
    try:
        signal.raise_signal(signum)
    except KeyboardInterrupt:  # (Terminated too) its PyInit fails; Python reports this instead
        raise ImportError("initialization failed") from None


@pytest.mark.parametrize("signum, stop", [(signal.SIGTERM, Terminated),
                                          (signal.SIGINT, KeyboardInterrupt)])
def test_a_stop_that_an_import_turned_into_another_error_is_raised_as_the_stop(signum, stop):
    with sigterm_raises(), sigint_raises():
        with pytest.raises(stop) as caught, stops_undisguised():
            _import_cut_by(signum)
        assert isinstance(caught.value.__cause__, ImportError)  # kept as its cause
        with pytest.raises(ImportError), stops_undisguised():  # no stop in this block: as is
            raise ImportError("initialization failed")


def test_a_script_stopped_inside_an_import_ends_in_its_one_stop_line(capsys):
    """``bench_planner_safety.py``: SIGTERM inside ``import scipy.optimize`` (under load)."""
    from vjepa_ros.command_errors import run_reporting

    status = run_reporting("bench_x.py", lambda: _import_cut_by(signal.SIGTERM), ())
    assert status == 143
    assert capsys.readouterr().err == "bench_x.py: terminated\n"


def _signal_inside_init(monkeypatch, signum, contexts):
    """Make ``rclpy.init`` receive ``signum`` before its body runs; note the contexts it got.

    Where Python raised a Ctrl-C inside an rclpy call that calls back into Python, the
    KeyboardInterrupt was thrown through C++ (``pybind11::error_already_set``): std::terminate,
    status 134 (``bench_planner_soak.py`` stopped by ``kill -INT`` a second in, under load).
    """
    import rclpy

    init = rclpy.init

    def interrupted_init(*args, **kwargs):
        signal.raise_signal(signum)  # Python runs its handler on the way out of this call
        contexts.append(kwargs.get("context"))
        init(*args, **kwargs)

    monkeypatch.setattr(rclpy, "init", interrupted_init)


def test_a_stop_inside_a_node_executables_rclpy_init_is_raised_after_it(monkeypatch):
    """``node_runner.init_node_args`` (every node executable): init whole, then the stop."""
    rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from vjepa_ros.nodes.node_runner import init_node_args

    class Node:
        ROS_NAME = "held_init"

    contexts = []
    _signal_inside_init(monkeypatch, signal.SIGINT, contexts)
    try:
        with sigint_raises(), pytest.raises(KeyboardInterrupt):
            init_node_args(Node, ["held_init"])
        assert contexts == [None] and rclpy.ok()  # the default context: initialized, whole
    finally:
        rclpy.try_shutdown()


def test_a_stop_inside_a_launchs_rclpy_init_is_raised_after_it(monkeypatch):
    """``Launch`` (``vjepa-ros run``/``launch``) makes its own context whole first."""
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from vjepa_ros.nodes.nodes_in_process import Launch

    contexts = []
    _signal_inside_init(monkeypatch, signal.SIGTERM, contexts)
    with sigterm_raises(), pytest.raises(Terminated):
        Launch([])
    assert len(contexts) == 1
    try:
        assert contexts[0].ok()  # initialized: the stop came after rclpy.init returned
    finally:
        contexts[0].try_shutdown()


def test_a_scripts_child_stopped_before_its_work_runs_says_no_line(monkeypatch, capsys):
    """``bench_ros_loop.py --child`` stopped while it started printed a second stop line."""
    from vjepa_ros.command_errors import run_reporting
    from vjepa_ros.terminate import QUIET_STOP_ENV

    def starting():
        raise Terminated  # SIGTERM from its parent while it starts

    monkeypatch.setenv(QUIET_STOP_ENV, "1")
    assert run_reporting("bench_x.py", starting, ()) == 143
    assert capsys.readouterr().err == ""


def test_a_scripts_children_are_started_with_the_quiet_stop_in_their_environment(tmp_path):
    import subprocess

    from vjepa_ros.script_children import finish_child, start_child
    from vjepa_ros.terminate import QUIET_STOP_ENV

    code = f"import os; print(os.environ.get({QUIET_STOP_ENV!r}), os.environ.get('KEPT'))"
    child = start_child([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                        env={**os.environ, "KEPT": "yes"})
    assert finish_child(child, "the child").split() == ["1", "yes"]

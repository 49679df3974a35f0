"""The planning worker: plans on wake-ups outside the executor, survives errors, stops."""

import threading
import time

import pytest

from vjepa_ros.robot.planning_worker import PlanningWorker


def wait_for(condition, timeout=60.0):
    """Poll ``condition`` until it holds or ``timeout`` [s] passed (only a failing run waits)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.005)
    return False


def test_a_wake_runs_the_step_on_the_worker_thread_and_repeats_while_it_plans():
    threads, results = [], [True, True, False]
    calls = []

    def step():
        threads.append(threading.current_thread().name)
        calls.append(1)
        return results.pop(0) if results else False

    worker = PlanningWorker(step, on_error=pytest.fail, idle_timeout_s=10.0).start()
    try:
        worker.wake()
        assert wait_for(lambda: len(calls) >= 3)
        time.sleep(0.05)
        assert len(calls) == 3, "after a step that did not plan, it waits for the next wake"
        assert worker.steps == 2
        assert set(threads) == {"vjepa-planning"}
        worker.wake()
        assert wait_for(lambda: len(calls) == 4)
    finally:
        assert worker.stop(60.0)
    assert not worker.alive


def test_without_wakes_it_still_tries_after_the_idle_timeout():
    calls = []
    worker = PlanningWorker(lambda: calls.append(1) and False, on_error=pytest.fail,
                            idle_timeout_s=0.02).start()
    try:
        assert wait_for(lambda: len(calls) >= 3)
    finally:
        worker.stop(60.0)


def test_an_exception_is_reported_and_the_worker_goes_on():
    errors, calls = [], []

    def step():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("CUDA out of memory")
        return False

    worker = PlanningWorker(step, on_error=errors.append, idle_timeout_s=10.0).start()
    try:
        worker.wake()
        assert wait_for(lambda: errors)
        worker.wake()
        assert wait_for(lambda: len(calls) == 2)
        assert worker.alive
        assert isinstance(errors[0], RuntimeError) and len(errors) == 1
    finally:
        worker.stop(60.0)


def test_stop_waits_for_the_running_step_and_no_step_starts_after_it():
    started, release = threading.Event(), threading.Event()
    calls = []

    def step():
        calls.append(1)
        started.set()
        release.wait(60.0)  # a step ended early by this timeout would run again: calls 2
        return True  # "planned": without stop it would try again at once

    worker = PlanningWorker(step, on_error=pytest.fail, idle_timeout_s=10.0).start()
    worker.wake()
    assert started.wait(60.0)
    assert not worker.stop(0.05), "the running step has not ended yet"
    release.set()
    assert worker.stop(60.0)
    assert len(calls) == 1


def test_the_idle_timeout_must_be_positive():
    with pytest.raises(ValueError, match="idle_timeout_s"):
        PlanningWorker(lambda: False, on_error=print, idle_timeout_s=0)


def test_setup_runs_once_on_the_worker_thread_before_the_first_step():
    order = []
    def note(kind):
        order.append((kind, threading.current_thread().name))

    worker = PlanningWorker(lambda: note("step") and False, on_error=pytest.fail,
                            idle_timeout_s=10.0, setup=lambda: note("setup"))
    worker.start()
    try:
        worker.wake()
        assert wait_for(lambda: len(order) >= 2)
        worker.wake()
        assert wait_for(lambda: len(order) >= 3)
    finally:
        worker.stop(60.0)
    assert order[0] == ("setup", "vjepa-planning")
    assert [kind for kind, _ in order].count("setup") == 1

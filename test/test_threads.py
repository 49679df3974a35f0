"""The torch thread policy for processes that also run ROS callbacks."""

import os

import pytest
import torch

from vjepa_ros.threads import cpu_threads, set_torch_threads


def test_auto_leaves_one_core_and_never_goes_below_one(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)  # (conftest sets one per xdist worker)
    for cores, expected in ((1, 1), (2, 1), (16, 15), (None, 1)):
        monkeypatch.setattr(os, "cpu_count", lambda cores=cores: cores)
        assert cpu_threads(0) == expected
        assert cpu_threads(-3) == expected
    assert cpu_threads(4) == 4


def test_set_torch_threads_applies_the_number():
    before = torch.get_num_threads()
    try:
        assert set_torch_threads(1) == 1 and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_gil_switch_interval_is_set_and_zero_is_the_interpreters_at_the_first_call(
        monkeypatch):
    """0: the interval the process had at the first call, also after another one was set."""
    import sys

    from vjepa_ros import threads

    monkeypatch.setattr(threads, "_FIRST_SWITCH_INTERVAL", [])  # as in a fresh process
    before = sys.getswitchinterval()
    try:
        assert threads.set_gil_switch_interval(1e-4) == pytest.approx(1e-4)
        assert sys.getswitchinterval() == pytest.approx(1e-4)
        assert threads.set_gil_switch_interval(0.0) == pytest.approx(before)  # not 0.1 ms
        assert sys.getswitchinterval() == pytest.approx(before)
        sys.setswitchinterval(0.002)  # set since by someone else: 0 is still the first one's
        assert threads.set_gil_switch_interval(-1.0) == pytest.approx(before)
    finally:
        sys.setswitchinterval(before)


def test_found_thread_settings_are_restored_once():
    import sys

    import torch

    from vjepa_ros.threads import FoundThreadSettings

    threads, interval = torch.get_num_threads(), sys.getswitchinterval()
    try:
        found = FoundThreadSettings()
        torch.set_num_threads(threads + 1)
        sys.setswitchinterval(0.0003)
        found.restore()
        assert (torch.get_num_threads(), sys.getswitchinterval()) == (threads, interval)
        sys.setswitchinterval(0.0003)  # a later owner's: a second restore leaves it
        found.restore()
        assert sys.getswitchinterval() == pytest.approx(0.0003)
    finally:
        torch.set_num_threads(threads)
        sys.setswitchinterval(interval)


def _settings():
    import sys

    import torch

    return torch.get_num_threads(), round(sys.getswitchinterval(), 5)  # kept in whole µs


def _own(threads: int, interval: float) -> None:
    """Set a planner's own settings, as PlannerNode does after recording them."""
    import sys

    import torch

    torch.set_num_threads(threads)
    sys.setswitchinterval(interval)


def _planners(*owns):
    """Start one planner per (threads, interval): it records what it finds, then sets its own."""
    from vjepa_ros.threads import FoundThreadSettings

    found = []
    for own in owns:
        found.append(FoundThreadSettings())
        _own(*own)
    return found


@pytest.mark.parametrize("order", ["first destroyed first", "last created first"])
def test_overlapping_planners_restore_the_process_s_settings_when_the_last_ends(order):
    """mend55b: two planners in one process; the last destroyed restored what it found.

    Planner A found the process's settings and set its own; B found A's and set its own.
    Destroyed A then B: A set the process's back under the running B, and B then set A's.
    Now: while one runs its settings (or the newest live one's) stay; the last restores the
    process's, in either order.
    """
    process = _settings()
    try:
        first, second = _planners((1, 0.0001), (2, 0.0002))
        if order == "first destroyed first":
            first.restore()
            assert _settings() == (2, 0.0002), "the second planner runs on with its own"
            second.restore()
        else:
            second.restore()
            assert _settings() == (1, 0.0001), "the first planner runs on with its own again"
            first.restore()
        assert _settings() == process
    finally:
        _own(*process)


def test_a_middle_planner_hands_what_it_found_to_the_one_after_it():
    process = _settings()
    try:
        first, middle, last = _planners((1, 0.0001), (2, 0.0002), (3, 0.0003))
        middle.restore()
        assert _settings() == (3, 0.0003)
        last.restore()
        assert _settings() == (1, 0.0001), "the first planner's, not the middle one's"
        middle.restore()  # once: nothing again
        assert _settings() == (1, 0.0001)
        first.restore()
        assert _settings() == process
    finally:
        _own(*process)


def test_a_record_is_restored_once_no_longer_live():
    """``restored`` follows the live stack: false while live, true once restored, in any order."""
    process = _settings()
    try:
        first, middle, last = _planners((1, 0.0001), (2, 0.0002), (3, 0.0003))
        assert not (first.restored or middle.restored or last.restored)
        middle.restore()
        assert (first.restored, middle.restored, last.restored) == (False, True, False)
        last.restore()
        first.restore()
        assert first.restored and last.restored
    finally:
        _own(*process)


def _asking(*asks):
    """Start one planner per (owner, asked interval [s]) as PlannerNode does: record, then ask."""
    from vjepa_ros.threads import FoundThreadSettings

    found, answers = [], []
    for owner, seconds in asks:
        found.append(FoundThreadSettings(owner))
        answers.append(found[-1].ask_switch_interval(seconds))
    return found, answers


def _interval():
    import sys

    return round(sys.getswitchinterval(), 6)


@pytest.mark.parametrize("order", ["first destroyed first", "last created first"])
@pytest.mark.parametrize("asks", [(0.0001, 0.005), (0.005, 0.0001), (0.0003, 0.0)])
def test_planners_alive_together_run_at_the_smallest_interval_asked(asks, order):
    """breaker57a: the later start set its interval under the first planner, which said its own.

    Two planners asking different intervals (0: Python's default, the process's at the first
    ask) in either order: while both live the smallest is in force, whichever asked it; each
    sees the other's ask; once one ends the other runs at its own; the last restores the
    process's.
    """
    import sys

    from vjepa_ros import threads

    process = sys.getswitchinterval()
    default = threads.asked_switch_interval(0.0)
    asked = [value if value > 0 else default for value in asks]
    try:
        (first, second), answers = _asking(("/arm1", asks[0]), ("/arm2", asks[1]))
        assert answers[0] == (pytest.approx(asked[0]), [])
        assert answers[1] == (pytest.approx(min(asked)), [("/arm1", pytest.approx(asked[0]))])
        assert _interval() == round(min(asked), 6)
        ended, left = (first, 1) if order == "first destroyed first" else (second, 0)
        ended.restore()
        assert _interval() == round(asked[left], 6), "the one left runs at its own ask"
        (second if ended is first else first).restore()
        assert _interval() == round(process, 6)
    finally:
        sys.setswitchinterval(process)


def test_a_planner_refused_before_it_asked_leaves_the_askers_interval():
    """A record that never asked (a start refused after it was made) sets nothing over an ask."""
    import sys

    from vjepa_ros.threads import FoundThreadSettings

    process = sys.getswitchinterval()
    try:
        (asker,), _ = _asking(("/arm1", 0.0002))
        refused = FoundThreadSettings("/arm2")
        refused.restore()  # the newest, never asked: the live ask stays in force
        assert _interval() == 0.0002
        asker.restore()
        assert _interval() == round(process, 6)
    finally:
        sys.setswitchinterval(process)


@pytest.mark.parametrize("value", [-1.0, 5.0, float("nan"), float("inf")])
def test_the_node_refuses_a_switch_interval_out_of_range(value):
    from vjepa_ros.robot.model_params import ModelParams

    with pytest.raises(ValueError, match="model.gil_switch_interval_s"):
        ModelParams(checkpoint="m.pt", gil_switch_interval_s=value)
    assert ModelParams(checkpoint="m.pt", gil_switch_interval_s=0.0).gil_switch_interval_s == 0.0

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


def test_gil_switch_interval_is_set_and_zero_leaves_the_default():
    import sys

    from vjepa_ros.threads import set_gil_switch_interval

    before = sys.getswitchinterval()
    try:
        assert set_gil_switch_interval(1e-4) == pytest.approx(1e-4)
        assert sys.getswitchinterval() == pytest.approx(1e-4)
        assert set_gil_switch_interval(0.0) == pytest.approx(1e-4)  # 0: leave as it is
    finally:
        sys.setswitchinterval(before)


@pytest.mark.parametrize("value", [-1.0, 5.0, float("nan"), float("inf")])
def test_the_node_refuses_a_switch_interval_out_of_range(value):
    from vjepa_ros.robot.planner_config import ModelParams

    with pytest.raises(ValueError, match="model.gil_switch_interval_s"):
        ModelParams(checkpoint="m.pt", gil_switch_interval_s=value)
    assert ModelParams(checkpoint="m.pt", gil_switch_interval_s=0.0).gil_switch_interval_s == 0.0

"""bench_node_inputs times named callbacks and their parts: each name must still exist.

The benchmark wraps ``PlannerNode`` methods and module functions by name (``TIMED``,
``PARTS``); after a file split (session 30: the input callbacks moved to
``nodes/planner_inputs.py``) a stale module path fails only when someone runs the benchmark.
"""

import importlib

import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from benchmarks import node_inputs_process as bench  # noqa: E402  (repository root: conftest)


def test_every_timed_callback_and_part_resolves_where_the_benchmark_looks():
    from vjepa_ros.nodes.planner_node import PlannerNode

    for name in bench.TIMED:
        assert callable(getattr(PlannerNode, name)), name
    for module, owner, name in bench.PARTS:
        target = importlib.import_module(module)
        target = getattr(target, owner) if owner else target
        assert callable(getattr(target, name, None)), f"{module}.{owner}.{name}"
    # the decode the image callback calls is timed (not a name left in another module)
    assert ("vjepa_ros.nodes.planner_inputs", "", "decode_image_message") in bench.PARTS

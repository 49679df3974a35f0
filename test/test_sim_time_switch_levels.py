"""The use_sim_time switch line at warning and at info level, side by side in one process.

rclpy keys a logger's severity by the call line (``RcutilsLogger.log``: function, file, line,
bytecode offset) and raises ValueError ("Logger severity cannot be changed between calls") when
one line logs two severities through one logger. ``log_on_sim_time_switch`` logged both from one
expression: a node carrying a warning hook and an info hook (a camera stand-in beside a /clock
source, composed into one node) failed its ``ros2 param set use_sim_time``.
"""

from __future__ import annotations

import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")

from rclpy.parameter import Parameter  # noqa: E402

from vjepa_ros.nodes.sim_time_switch import log_on_sim_time_switch  # noqa: E402


def _set_sim_time(node, on: bool):
    return node.set_parameters([Parameter("use_sim_time", value=on)])[0]


def test_one_node_with_a_warning_and_an_info_hook_switches_both_ways(context):
    import rclpy

    node = rclpy.create_node("sim_time_levels", context=context)
    seen: list[tuple[str, bool]] = []
    try:
        log_on_sim_time_switch(node, lambda on: f"warned {on}",
                               then=lambda on: seen.append(("warning", on)))
        log_on_sim_time_switch(node, lambda on: f"said {on}", warn=False,
                               then=lambda on: seen.append(("info", on)))
        for on in (True, False, True):  # each line logged again at its own level
            seen.clear()
            result = _set_sim_time(node, on)
            assert result.successful, result.reason
            # (rclpy runs post-set callbacks newest first: the order is not this module's)
            assert sorted(seen) == [("info", on), ("warning", on)]
        assert node.get_parameter("use_sim_time").value is True
    finally:
        node.destroy_node()


def test_two_nodes_of_different_levels_in_one_process(context):
    import rclpy

    nodes = [rclpy.create_node(name, context=context) for name in ("camera_like", "clock_like")]
    seen: list[tuple[str, bool]] = []
    try:
        for node, warn in zip(nodes, (True, False), strict=True):
            name = node.get_name()
            log_on_sim_time_switch(node, lambda on: f"switched {on}", warn=warn,
                                   then=lambda on, n=name: seen.append((n, on)))
        for on in (True, False):
            for node in nodes:
                result = _set_sim_time(node, on)
                assert result.successful, result.reason
        assert seen == [("camera_like", True), ("clock_like", True),
                        ("camera_like", False), ("clock_like", False)]
    finally:
        for node in nodes:
            node.destroy_node()

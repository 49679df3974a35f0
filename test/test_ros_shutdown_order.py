"""Nothing is commanded once a shutdown began: the planner stops before its executor (fix54f).

On Ctrl-C ``NodeSpinner.spin`` shut the executors down (up to 5 s each) before
``Launch.shutdown`` ran the planner's ``prepare_shutdown``: in that window the planning worker,
which runs outside any executor, could still send a gripper command with the stream timer
already stopped. A callback's error stopped every executor the same way. Now the spinner calls
each node's ``stop_commanding()`` before it stops any executor.
"""

from __future__ import annotations

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from planner_harness import FAST, checkpoint  # noqa: E402, F401

from vjepa_ros.nodes.node_launch import mpc_nodes  # noqa: E402
from vjepa_ros.nodes.nodes_in_process import Launch  # noqa: E402


def _recorded(launch) -> list[str]:
    """Record, in order, the planner's ``stop_commanding`` and each executor's shutdown."""
    order: list[str] = []
    planner = launch.node("vjepa_planner")
    stop = planner.stop_commanding

    def stop_commanding():
        order.append("planner stops commanding")
        stop()

    planner.stop_commanding = stop_commanding
    for executor in launch.executor.executors:
        shutdown = executor.shutdown
        name = executor.get_nodes()[0].get_name()

        def recorded(timeout_sec=None, shutdown=shutdown, name=name):
            order.append(f"{name} executor shut down")
            return shutdown(timeout_sec=timeout_sec)

        executor.shutdown = recorded
    return order


def _stopped_first(order: list[str]) -> bool:
    return bool(order) and order[0] == "planner stops commanding" and len(order) > 1


def test_ctrl_c_in_spin_stops_the_planners_commanding_before_any_executor(
        checkpoint, context):  # noqa: F811
    launch = Launch(mpc_nodes(checkpoint, camera_topic="cam/image", planner_parameters=FAST),
                    context=context)
    try:
        order = _recorded(launch)
        planner = launch.node("vjepa_planner")

        def ctrl_c():
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            launch.executor.spin(until=ctrl_c)
        assert _stopped_first(order), order
        assert planner.closing and planner.session.closed
        assert planner.setpoints.closed  # nothing more goes out on target_pose / servo_twist
    finally:
        launch.shutdown()


def test_a_callback_error_stops_the_planners_commanding_before_the_executors(
        checkpoint, context):  # noqa: F811
    """Another node's callback raises: every executor stops, the planner's commanding first."""
    launch = Launch(mpc_nodes(checkpoint, camera_topic="cam/image", planner_parameters=FAST),
                    context=context)
    failing = rclpy.create_node("failing_node", context=context)
    try:
        def fail():
            raise RuntimeError("a callback's bug")

        failing.create_timer(0.05, fail)
        launch.executor.add_node(failing)
        order = _recorded(launch)
        with pytest.raises(RuntimeError, match="a callback's bug"):
            launch.executor.spin()
        assert _stopped_first(order), order
        assert launch.node("vjepa_planner").closing
    finally:
        launch.shutdown()
        failing.destroy_node()

"""breaker54h: second round on fix54f (refused starts, shutdown waits, shutdown order).

Attacked at dca5fdfa (main's HEAD): ``nodes/refused_start.py`` (``start_or_destroy``), every
node's ``destroy_node``, ``nodes/planner_commanding.py`` (``stop_commanding``,
``prepare_shutdown``), ``nodes/spinning.py`` (``stop_commanding`` before the executors),
``nodes/nodes_in_process.py`` (``Launch``) and a planner started again in one process.

Defects (strict xfail at dca5fdfa; fixed by fix54h):

1. A node whose ``destroy_node`` raises half-way never reaches rclpy's ``Node.destroy_node``:
   ``CameraNode.destroy_node`` calls ``self.camera.stop()`` (librealsense's ``pipeline.stop()``,
   unguarded: it raises on a device gone after a USB reset) before ``super().destroy_node()``.
   A refused start (``start_or_destroy``) says "destroying what it made failed" and leaves the
   node in the graph with its publishers; a running camera's shutdown (``run_node``,
   ``Launch.shutdown``) raises out with the node alive. The context keeps the node, so every
   later ``context.try_shutdown()`` (``run_node``'s ``rclpy.try_shutdown``, ``Launch.shutdown``
   of its own context) calls the same ``destroy_node`` and raises the camera's error again,
   stopping the context's clean-up of the other nodes. Should: a node's own clean-up failing
   is said, and rclpy's destroy runs anyway (the node leaves the graph; the context shuts down).

2. ``Launch.__init__`` guards the making of the nodes (``except BaseException: shutdown()``),
   not what follows: ``NodeSpinner.add_node`` for each node and the held nodes' ``release()``.
   A Ctrl-C there (``add_node`` holds it inside rclpy and raises it as it returns:
   ``terminate.stop_signals_held``) leaves ``Launch(...)`` raising KeyboardInterrupt with
   every node made and nobody holding them: the planner stays in the graph, its planning
   worker and its ``~/camera_check`` helper's spinner thread run on (on a context that goes
   on, the next planner's ``~/enable`` is refused as a twin, as in breaker54f). Should: a
   Launch that raises leaves no node and no thread of it.

3. ``model.gil_switch_interval_s`` 0 is "leave Python's default" (README's parameter table;
   0.005 s), but the planner sets the process-wide ``sys.setswitchinterval`` at start and
   nothing sets it back: after a planner (default 0.1 ms) was shut down in the process (a
   benchmark's or a test's second launch, a script that retries), a planner started with 0
   runs at 0.1 ms and says so. Should: 0 runs at Python's default also in such a process.

Held up (read or tried): ``~/enable`` true after ``stop_commanding`` is refused by the closed
session ("closed: the planner is shutting down"), and a camera check after it is refused as
disabled; a stream tick computed before ``stop_commanding`` publishes nothing after its zero
twist (``SetpointOutput.closed``, also without ``command_lock``); a plan ending between
``closing`` and ``session.close()`` sends no gripper command (``_send_gripper`` checks
``closing``) and its set-point is never streamed; ``Launch.shutdown`` called from inside a
node's timer callback ends at once and leaves no thread; three launches and shutdowns on one
context leave no thread; the camera-check callback is ended by ``session.close()`` (its wait
is bounded), so a stuck worker plus a running check keep ``prepare_shutdown``'s bound.
"""

from __future__ import annotations

import sys
import threading
import time

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from planner_harness import FAST, checkpoint  # noqa: E402, F401
from rclpy.parameter import Parameter  # noqa: E402
from test_ros_refused_starts import _names, _wait  # noqa: E402

from vjepa_ros.nodes.node_launch import mpc_nodes  # noqa: E402
from vjepa_ros.nodes.nodes_in_process import Launch  # noqa: E402
from vjepa_ros.nodes.spinning import NodeSpinner  # noqa: E402


class UnpluggedCamera:
    """A camera whose ``stop()`` raises as librealsense's does for a device gone (USB reset).

    ``refuse``: its intrinsics raise (a refused start after it opened); else it delivers 4x3
    frames until stopped.
    """

    def __init__(self, config, refuse: bool):
        self.refuse = refuse

    @property
    def info(self) -> dict:
        if self.refuse:
            raise RuntimeError("Frame didn't arrive within 5000")
        return {"width": 4, "height": 3}

    def read(self) -> np.ndarray:
        time.sleep(0.01)
        return np.zeros((3, 4, 3), np.uint8)

    def stop(self) -> None:
        raise RuntimeError("failed to set power state")


@pytest.mark.parametrize("refuse", [True, False], ids=["refused start", "running camera"])
def test_a_camera_whose_stop_raises_still_leaves_the_graph(refuse):
    """Refused after it opened, or running: the camera's stop raises (device gone).

    Should: the node leaves the graph (rclpy's destroy runs whatever the camera's stop did),
    and the context shuts down without raising the camera's error again.
    """
    from vjepa_ros.nodes.camera_node import CameraNode

    context = rclpy.Context()
    rclpy.init(context=context)
    made = []

    class Recorded(CameraNode):
        def __init__(self, **kwargs):  # the half-made node, held as the traceback holds it
            made.append(self)
            super().__init__(**kwargs)

    try:
        factory = lambda config: UnpluggedCamera(config, refuse)  # noqa: E731
        overrides = [Parameter("stamp_source", value="arrival")]
        if refuse:
            with pytest.raises(RuntimeError, match="Frame didn't arrive"):
                Recorded(camera_factory=factory, context=context,
                         parameter_overrides=overrides)
        else:
            node = Recorded(camera_factory=factory, context=context,
                            parameter_overrides=overrides)
            assert _wait(lambda: "camera" in _names(context)), _names(context)
            try:  # run_node / Launch.shutdown: the node's own clean-up
                node.destroy_node()
            except RuntimeError:
                pass  # said or raised: either way the node must be gone
        assert len(made) == 1
        assert _wait(lambda: "camera" not in _names(context)), _names(context)
    finally:
        context.try_shutdown()  # must not raise the camera's error a second time


def test_a_ctrl_c_while_launch_adds_its_nodes_leaves_nothing(checkpoint, monkeypatch):  # noqa: F811
    """Ctrl-C noted inside ``NodeSpinner.add_node`` and raised as it returns (its stop hold).

    Should: ``Launch(...)`` raises KeyboardInterrupt and leaves neither the planner in the graph
    nor a thread of it (``vjepa-planning``, ``vjepa-spin-..._camera_check``).
    """
    context = rclpy.Context()
    rclpy.init(context=context)
    before = set(threading.enumerate())
    add_node = NodeSpinner.add_node

    def interrupted(self, node, threads=1):
        added = add_node(self, node, threads)
        if node.get_name() == "vjepa_planner":
            raise KeyboardInterrupt  # as stop_signals_held raises a Ctrl-C noted inside
        return added

    try:
        with monkeypatch.context() as patch:
            patch.setattr(NodeSpinner, "add_node", interrupted)
            with pytest.raises(KeyboardInterrupt):
                Launch(mpc_nodes(checkpoint, camera_topic="cam/image", planner_parameters=FAST),
                       context=context)

        def left() -> list[str]:
            return [t.name for t in threading.enumerate()
                    if t not in before and t.is_alive() and t.name.startswith("vjepa-")]

        assert _wait(lambda: not left()), left()
        assert _wait(lambda: "vjepa_planner" not in _names(context)), _names(context)
    finally:
        context.try_shutdown()  # (destroys what was left: the planner's threads end)


def test_a_switch_interval_of_0_is_pythons_default_after_an_earlier_planner(
        checkpoint, context):  # noqa: F811
    """A planner (default 0.1 ms) started and shut down; then one with 0 on the same context.

    Should: the second runs at Python's default switch interval (0.005 s), as its parameter's
    row says, not at the first one's.
    """
    original = sys.getswitchinterval()
    sys.setswitchinterval(0.005)  # a fresh process's
    try:
        first = Launch(mpc_nodes(checkpoint, camera_topic="cam/image",
                                 planner_parameters=FAST), context=context)
        first.shutdown()
        second = Launch(mpc_nodes(checkpoint, camera_topic="cam/image",
                                  planner_parameters={**FAST, "model.gil_switch_interval_s": 0.0}),
                        context=context)
        try:
            in_force = sys.getswitchinterval()
            said = second.node("vjepa_planner").switch_interval_s
        finally:
            second.shutdown()
        assert in_force == pytest.approx(0.005), in_force
        assert said == pytest.approx(0.005), said
    finally:
        sys.setswitchinterval(original)

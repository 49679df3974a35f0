"""A node's refused start destroys what it made (``nodes/refused_start.py``, fix54f).

Each node of this package makes its rclpy node, then checks its parameters and opens what it
needs; a refusal after that reached the caller without the node, which nobody could destroy:
it stayed in the graph (a restarted planner's ``~/enable`` refused as its twin), the planner's
``~/camera_check`` helper spun on, a camera stayed open, a bag's merged copy stayed on disk.
The planner's goal-file refusals are breaker54f's tests; here the rest of the family: the
planner refused earlier (a parameter, the device, Ctrl-C while the model loads) and every other
node class.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import types

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from planner_harness import FAST, checkpoint  # noqa: E402, F401
from rclpy.executors import SingleThreadedExecutor  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from std_srvs.srv import SetBool  # noqa: E402

from conftest import wal_sqlite_bag  # noqa: E402
from vjepa_ros.nodes.node_launch import mpc_nodes  # noqa: E402
from vjepa_ros.nodes.nodes_in_process import Launch  # noqa: E402
from vjepa_ros.nodes.planner_node import PlannerNode  # noqa: E402

WAIT_S = 30.0  # [s] the bound of a wait for a condition (ends as soon as it holds)


def _wait(condition, seconds: float = WAIT_S) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.05)
    return condition()


def _names(context) -> set[str]:
    """Return the node names the graph of ``context``'s domain holds (a tester's view)."""
    tester = rclpy.create_node("refused_starts_tester", context=context)
    try:
        return set(tester.get_node_names())
    finally:
        tester.destroy_node()


def _enable(context) -> tuple[bool, str]:
    """Call ``/vjepa_planner/enable`` true from a tester node; return (success, message)."""
    node = rclpy.create_node("refused_starts_enable", context=context)
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(node)
    try:
        client = node.create_client(SetBool, "/vjepa_planner/enable")
        assert client.wait_for_service(timeout_sec=WAIT_S), "~/enable not available"
        future = client.call_async(SetBool.Request(data=True))
        executor.spin_until_future_complete(future, timeout_sec=WAIT_S)
        assert future.done(), "~/enable did not answer"
        return future.result().success, future.result().message
    finally:
        executor.shutdown()
        node.destroy_node()


def _interrupted_load(monkeypatch):
    """Ctrl-C while the planner loads its model (a signal raises at once during the start)."""
    def load(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(PlannerNode, "_load_model", load)
    return {}, KeyboardInterrupt, None


REFUSALS = {  # name -> (parameters, the error raised, what its message says)
    "planner.samples -5": lambda mp: ({"planner.samples": -5}, ValueError, "planner.samples"),
    "model.device absent": lambda mp: ({"model.device": "cuda:7"}, Exception, "cuda"),
    "Ctrl-C while loading": _interrupted_load,
}


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_a_planner_refused_before_its_goals_leaves_nothing_and_a_retry_enables(
        checkpoint, monkeypatch, refusal):  # noqa: F811
    """Refused by a parameter, by the device or by Ctrl-C while loading; then a good start.

    Should: the refused node leaves the graph and no thread of it runs; the planner started
    next on the same context enables (no twin of the refused one).
    """
    context = rclpy.Context()
    rclpy.init(context=context)
    before = set(threading.enumerate())
    launch = None
    try:
        with monkeypatch.context() as patch:
            parameters, error, said = REFUSALS[refusal](patch)
            with pytest.raises(error, match=said):
                Launch(mpc_nodes(checkpoint, camera_topic="cam/image",
                                 planner_parameters={**FAST, **parameters}), context=context)
        assert _wait(lambda: "vjepa_planner" not in _names(context)), _names(context)
        left = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]
        assert not [name for name in left if name.startswith("vjepa-")], left
        launch = Launch(mpc_nodes(checkpoint, camera_topic="cam/image", planner_parameters=FAST),
                        context=context).start()
        success, message = _enable(context)
        assert success, message
    finally:
        if launch is not None:
            launch.shutdown()
        context.try_shutdown()


def test_a_camera_refused_after_it_opened_is_stopped_and_the_node_destroyed(context):
    """The camera opened, then its intrinsics raised (a USB reset): closed, node gone."""
    from vjepa_ros.nodes.camera_node import CameraNode

    opened = []

    class Camera:
        def __init__(self, config):
            self.stopped = False
            opened.append(self)

        @property
        def info(self):
            raise RuntimeError("Frame didn't arrive within 5000")

        def stop(self):
            self.stopped = True

    with pytest.raises(RuntimeError, match="Frame didn't arrive"):
        CameraNode(camera_factory=Camera, context=context)
    assert len(opened) == 1 and opened[0].stopped, "the opened camera was left open"
    assert _wait(lambda: "camera" not in _names(context)), _names(context)


def test_a_simulator_refused_at_start_leaves_the_graph(context):
    """use_sim_time without publish_clock: refused, and no ``sim_node`` left in the graph."""
    from vjepa_ros.nodes.sim_node import SimNode

    with pytest.raises(ValueError, match="publish_clock is false"):
        SimNode(context=context, parameter_overrides=[
            Parameter("use_sim_time", value=True), Parameter("publish_clock", value=False)])
    assert _wait(lambda: "sim_node" not in _names(context)), _names(context)


def test_an_image_publisher_refused_at_start_leaves_the_graph(context, tmp_path):
    """A missing image file: refused, and no ``image_publisher`` left in the graph."""
    from vjepa_ros.nodes.image_publisher import ImagePublisher

    with pytest.raises(Exception, match="missing.png"):
        ImagePublisher(context=context, parameter_overrides=[
            Parameter("path", value=str(tmp_path / "missing.png"))])
    assert _wait(lambda: "image_publisher" not in _names(context)), _names(context)


def test_a_bag_player_refused_at_start_removes_its_copies_and_leaves_the_graph(
        context, tmp_path, monkeypatch):
    """A bag with a pending write-ahead log (merged into a temporary copy), a topic it lacks.

    Should: refused naming the topic, the temporary copy removed at once (not whenever the
    garbage collector finds the half-made node), the node gone from the graph.
    """
    from vjepa_ros.nodes.bag_player import BagPlayer

    bag, connection = wal_sqlite_bag(tmp_path)
    connection.execute("CREATE TABLE pending (x INTEGER)")  # a write held in x.db3-wal
    connection.commit()
    killed = tmp_path / "killed"  # as a recorder killed before a checkpoint leaves it
    shutil.copytree(bag, killed)
    connection.close()
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    with pytest.raises(Exception, match="/no_such_topic"):
        BagPlayer(context=context, parameter_overrides=[
            Parameter("bag", value=str(killed)), Parameter("topics", value="/no_such_topic")])
    assert list(temporary.iterdir()) == [], "the merged copy of the bag was left"
    assert _wait(lambda: "bag_player" not in _names(context)), _names(context)


def test_a_refusal_whose_clean_up_fails_is_still_the_error_raised():
    """``start_or_destroy``: the refusal goes on; the failed clean-up is one warning."""
    from vjepa_ros.nodes.refused_start import start_or_destroy

    said = []

    def destroy():
        raise RuntimeError("context gone")

    node = types.SimpleNamespace(
        destroy_node=destroy,
        get_logger=lambda: types.SimpleNamespace(warning=said.append))

    def start():
        raise ValueError("parameter 'x' must be > 0")

    with pytest.raises(ValueError, match="parameter 'x'"):
        start_or_destroy(node, start)
    assert len(said) == 1 and "context gone" in said[0] and "ValueError" in said[0]

"""review57r: findings on today's merged changes that a test can hold (strict xfails).

1. A shutdown that already settled (Ctrl-C through ``node_runner.run_node``, ``NodeSpinner`` /
   ``Launch.shutdown``) and gave up on a gripper goal whose acceptance never came (a stuck
   gripper driver) is followed by the planner's ``destroy_node``, whose ``settle_commands``
   waits ``SETTLE_S`` again with no executor spinning, then warns "shut the node down with
   Ctrl-C or Launch.shutdown, before rclpy.shutdown, to cancel it": the user did just that.
2. ``CameraNode._close_camera`` now calls ``pipeline.stop()`` first, on the belief that it ends
   a ``wait_for_frames`` blocked in the reader thread at once. librealsense's
   ``pipeline::wait_for_frames`` holds the pipeline's mutex for its whole wait and
   ``pipeline::stop`` takes the same mutex (``src/pipeline/pipeline.cpp``), so the stop waits
   out the read's ``timeout_s`` (up to 600 s) as before; breaker57f's fake camera, whose stop
   ends the read, models a library that does not exist.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from vjepa_ros.nodes.planner_commanding import PlannerCommanding
from vjepa_ros.nodes.spinning import settle

SERVER = "/fr3_gripper/gripper_action"


class _Said:
    """A logger that keeps the warning lines."""

    def __init__(self):
        self.warnings: list[str] = []

    def warning(self, line):
        self.warnings.append(line)

    def info(self, line):
        pass

    debug = error = info


class _StuckGoal(PlannerCommanding):
    """A planner whose canceled gripper goal's acceptance never arrives; counts the polls."""

    def __init__(self):
        self.said = _Said()
        self.polls = 0
        self.gripper_action = SimpleNamespace(name=SERVER, cancel_pending=self._pending)

    def _pending(self) -> bool:
        self.polls += 1
        return True  # the driver never answers

    def get_logger(self):
        return self.said


def test_destroy_after_a_settle_that_gave_up_neither_waits_again_nor_advises_ctrl_c():
    node = _StuckGoal()
    # run_node's Ctrl-C path (and NodeSpinner.shutdown's): spin on until settled or the bound
    assert settle([node], lambda: None, bound_s=0.0) is False
    before = node.polls
    node.settle_commands()  # destroy_node's _end_work, with no executor spinning any more
    advice = [line for line in node.said.warnings if "Ctrl-C or Launch.shutdown" in line]
    assert node.polls - before <= 1 and not advice, (
        f"{node.polls - before} more polls after the shutdown's settle gave up; said: "
        f"{node.said.warnings}")
    # the one line, said by the settle that gave up: the action server, what to do
    assert len(node.said.warnings) == 1 and SERVER in node.said.warnings[0], node.said.warnings
    assert "stop it at its driver" in node.said.warnings[0], node.said.warnings


def test_stopping_a_stalled_camera_node_does_not_sit_through_a_whole_timeout(context):
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from rclpy.parameter import Parameter
    from test_robot_camera import stalled_sdk

    from vjepa_ros.nodes.camera_node import CameraNode
    from vjepa_ros.robot.camera import RealSenseColor

    sdk, pipelines = stalled_sdk()  # the pipeline locked as librealsense's
    timeout_s = 3.0
    node = CameraNode(camera_factory=lambda config: RealSenseColor(config, rs=sdk),
                      context=context, parameter_overrides=[
                          Parameter("width", value=64), Parameter("height", value=48),
                          Parameter("timeout_s", value=timeout_s)])
    pipeline = pipelines[0]
    assert pipeline.waiting.wait(30.0), "the reader never read"
    node.destroy_node()  # Ctrl-C's clean-up (run_node)
    longest = max([pipeline.stop_behind_ms or 0, *pipeline.waits])
    assert longest < timeout_s * 1000, (
        f"the stop could wait behind a read of {longest} ms, the whole timeout_s")


@pytest.mark.parametrize("camera", [["--camera"], ["--node", "camera"]])
def test_a_simulator_and_a_camera_node_on_one_camera_topic_are_refused(monkeypatch, capsys,
                                                                        camera):
    """The simulator and a camera node, both on ``--camera-topic`` (fix57f1's wiring).

    The planner would plan on renders and real frames interleaved. Should: exit status 2 before
    any node, naming both and the topic.
    """
    from pathlib import Path

    from vjepa_ros.cli import main
    from vjepa_ros.nodes import launcher

    started = []

    def fake_launch(nodes, use_sim_time=False, **kwargs):
        started.append([node.name for node in nodes])
        raise ValueError("not started in this test")

    monkeypatch.setattr(launcher, "Launch", fake_launch)
    demo = Path(__file__).resolve().parent.parent / "vjepa_ros" / "data" / "demo_world_model.pt"
    status = main(["launch", "--checkpoint", str(demo), "--node", "sim", *camera,
                   "--camera-topic", "/cam/image"])
    said = capsys.readouterr().err
    assert (status, started) == (2, []), f"status {status}, started {started}: {said}"
    assert "sim" in said and "camera" in said and "/cam/image" in said, said


def test_a_destroy_alone_that_gives_up_says_the_line_once_with_how_to_cancel():
    """rclpy.shutdown's path (no spinner settled first): the wait, then one line with advice."""
    node = _StuckGoal()
    assert node.settle_commands() is False and node.polls > 1  # it waited (SETTLE_S)
    polls = node.polls
    assert node.settle_commands() is False and node.polls == polls  # a second destroy: at once
    assert len(node.said.warnings) == 1, node.said.warnings
    line = node.said.warnings[0]
    assert SERVER in line and "stop it at its driver" in line and "Ctrl-C" in line, line

"""The planner's shutdown by every path an embedding script or a launch takes (fix57a).

The family of breaker57a's defects 1-3 (test_breaker57a.py has its two planners under
``Launch.shutdown``, a callback's error under ``NodeSpinner`` and two live switch intervals):
``Launch.shutdown`` bounds the waits on several planners' plans by one ``timeout``; the
planner's own ``destroy_node`` (a script's, ``rclpy.shutdown()``'s) settles a gripper goal
canceled on its way while its executor spins, and says it where nothing can; a planner whose
``model.gil_switch_interval_s`` is not the process's (or now holds for another planner) says so.
"""

from __future__ import annotations

import sys
import time
import types

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from planner_harness import FAST, checkpoint  # noqa: E402, F401
from test_gripper_goals import Goal  # noqa: E402 - control_msgs' GripperCommand.Goal fields
from test_ros_node_cleanup import LateServer  # noqa: E402

from vjepa_ros.nodes.node_launch import NodeLaunch, mpc_nodes  # noqa: E402
from vjepa_ros.nodes.nodes_in_process import Launch  # noqa: E402
from vjepa_ros.nodes.planner_node import PlannerNode  # noqa: E402
from vjepa_ros.robot.gripper_goals import GripperGoals  # noqa: E402

SERVER = "/fr3_gripper/gripper_action"


class Said:
    """A logger that keeps the warning lines (the rest: nothing)."""

    def __init__(self):
        self.warnings = []

    def warning(self, line):
        self.warnings.append(line)

    def info(self, line):
        pass

    debug = error = info


def test_a_launch_shutdown_waits_on_every_planners_plan_within_one_timeout(
        checkpoint, context):  # noqa: F811
    """Two planners: each ``prepare_shutdown`` gets one deadline, ``timeout`` from the start.

    Before: each waited ``timeout`` of its own, one after the other (N stuck plans: N times).
    """
    arms = [NodeLaunch("planner", parameters={**FAST, "model.checkpoint": checkpoint},
                       remappings={"__ns": f"/{arm}", "image": f"/{arm}/cam/image"})
            for arm in ("arm1", "arm2")]
    launch = Launch(arms, context=context).start()
    asked = []
    for node in launch.nodes:
        def recorded(timeout=30.0, deadline=None, prepare=node.prepare_shutdown):
            asked.append((timeout, deadline, time.monotonic()))
            return prepare(timeout, deadline=deadline)

        node.prepare_shutdown = recorded
    began = time.monotonic()
    launch.shutdown(timeout=7.0)
    asked = asked[:2]  # (then destroy_node's, which waits no more)
    assert asked[0][1] is not None and asked[0][1] == asked[1][1], \
        f"the planners' waits are not bounded together: {asked}"
    assert began + 7.0 <= asked[0][1] <= asked[0][2] + 7.0  # from the shutdown's start


def _goal_on_its_way(planner) -> LateServer:
    """Give ``planner`` a close goal on its way, accepted 0.1 s after the (first) stop."""
    server = LateServer(planner)
    planner.gripper_action = GripperGoals(server, Goal, SERVER, 0.08, 20.0,
                                          lambda line: None, lambda line: None)
    assert planner.gripper_action.send(1.0)
    stop = planner.stop_commanding

    def stop_commanding():
        stop()
        if not server.futures[0].done and not getattr(server, "accepting", False):
            server.accepting = True
            server.accept_later()

    planner.stop_commanding = stop_commanding
    return server


@pytest.mark.parametrize("how", ["destroy_node", "rclpy.shutdown"])
def test_a_planner_ended_by_a_script_cancels_a_goal_on_its_way_or_says_it(
        how, checkpoint, context):  # noqa: F811
    """A script ends the planner of a running launch, a gripper goal on its way.

    ``destroy_node``: the script's ``planner.destroy_node()`` while the launch still spins.
    Should: its cancel reaches the server (the destroy waits for the acceptance, as a shutdown
    settles), nothing said. ``rclpy.shutdown``: ``context.try_shutdown()``; rclpy holds the
    context's lock while it destroys the nodes, so no executor takes the acceptance and no
    cancel can go out. Should: one warning line naming the action server, not silence (the
    hand may close to its end).
    """
    launch = Launch(mpc_nodes(checkpoint, camera_topic="cam/image", planner_parameters=FAST),
                    context=context).start()
    try:
        planner = launch.node("vjepa_planner")
        server = _goal_on_its_way(planner)
        said = Said()
        planner.get_logger = lambda: said
        if how == "destroy_node":
            planner.destroy_node()
        else:
            context.try_shutdown()
        lines = [line for line in said.warnings if "gripper goal" in line]
        if how == "destroy_node":
            assert (server.canceled, lines) == ([0], [])
            assert not planner.commands_pending()
        else:
            assert server.canceled or (len(lines) == 1 and SERVER in lines[0]), \
                f"canceled: {server.canceled}; said: {said.warnings}"
    finally:
        launch.shutdown()


def _asking_planner(name: str, seconds: float):
    """Return a half-made planner that asked ``seconds`` as its start does, its note, its lines."""
    from vjepa_ros.threads import FoundThreadSettings, switch_interval_words

    planner = PlannerNode.__new__(PlannerNode)
    said = Said()
    planner.found_threads = FoundThreadSettings(name)
    warning, note = switch_interval_words(planner.found_threads, seconds)
    if warning:  # as the start says it
        said.warning(warning)
    return planner, note, said


@pytest.mark.parametrize("second_s", [0.005, 0.00005])
def test_a_planner_says_where_its_switch_interval_is_not_its_own(second_s):
    """/arm1 asks 0.1 ms, then /arm2 asks ``second_s``: the later start says what holds.

    5 ms: /arm2's ask is not in force (its ready line's note, a warning naming the parameter
    and /arm1); 0.05 ms: /arm2's holds for /arm1 too (a warning naming /arm1).
    """
    process = sys.getswitchinterval()
    made = []
    try:
        made.append(_asking_planner("/arm1", 0.0001))
        made.append(_asking_planner("/arm2", second_s))
        (first, first_note, first_said), (second, note, said) = made
        assert (first_note, first_said.warnings) == ("", [])
        assert first.switch_interval_s == second.switch_interval_s == \
            pytest.approx(min(0.0001, second_s))
        assert len(said.warnings) == 1, said.warnings
        line = said.warnings[0]
        assert "model.gil_switch_interval_s" in line and "/arm1 (0.1 ms)" in line, line
        if second_s > 0.0001:
            assert "not in force" in line and "runs at 0.1 ms" in line, line
            assert note == " (model.gil_switch_interval_s 5 ms: another planner's is smaller)"
        else:
            assert "now runs at it too" in line, line
            assert note == ""
    finally:
        for planner, *_ in reversed(made):
            planner.found_threads.restore()
        sys.setswitchinterval(process)


def test_the_diagnostics_say_the_interval_in_force_after_the_smaller_asker_ended():
    """/arm1 0.1 ms and /arm2 5 ms; /arm1 ends: /arm2 runs at its own 5 ms and reports it."""
    process = sys.getswitchinterval()
    made = []
    try:
        made.append(_asking_planner("/arm1", 0.0001))
        made.append(_asking_planner("/arm2", 0.005))
        made[0][0].found_threads.restore()
        second = made[1][0]
        second.torch_threads, second.model = 1, types.SimpleNamespace(device="cpu", dtype="f32")
        assert second.runtime_values()["gil_switch_interval_ms"] == "5"
    finally:
        for planner, *_ in reversed(made):
            planner.found_threads.restore()
        sys.setswitchinterval(process)

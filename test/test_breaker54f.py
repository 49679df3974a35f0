"""breaker54f: the planner node's threads, shutdown and lifecycle, third round.

Attacked at 6761720e (main's HEAD): ``nodes/planner_node.py`` (``__init__``'s order,
``destroy_node``), ``nodes/planner_commanding.py`` (``prepare_shutdown``),
``robot/planning_worker.py``, ``nodes/camera_check_service.py`` and ``nodes/spinning.py`` (the
helper's own spinner), ``nodes/nodes_in_process.py`` (``Launch.shutdown``) and
``nodes/node_runner.py``. Not repeated: breaker52g (the camera check's search on close/disable,
three-thread stress), 49a (enable bursts, use_sim_time at run time, SIGINT/SIGTERM of a
streaming node process), 44s/44t/46n.

Defects (strict xfail at 6761720e; fixed by fix54f):

1. A planner refused at start-up by its goal files (``goal_steps`` / ``goal_gripper`` /
   ``goal_image_path`` refused: ``goal files not loaded: ...``) raises out of ``__init__`` after
   its publishers, services and the ``~/camera_check`` helper node with its spinner thread were
   made; nothing destroys them (the caller never gets the half-made node). On the context they
   were made on (an in-process ``Launch`` given a context, a script that retries with fixed
   parameters) the thread ``vjepa-spin-vjepa_planner_camera_check`` spins on, ``vjepa_planner``
   stays in the graph publishing ``target_pose``, and the planner started next with good
   parameters has its ``~/enable`` refused as a twin: "another node named /vjepa_planner
   publishes on /target_pose (2 of this name)". Should: a refused start destroys what it made.

2. ``PlannerNode.destroy_node`` calls ``prepare_shutdown()`` again with its default 30 s, after
   ``Launch.shutdown(timeout)`` (and ``run_node``) already called it: with a plan stuck in the
   model (a first plan under ``torch.compile``, a hung device; the encoder never polls
   ``should_stop``) ``Launch.shutdown(timeout=0.5)`` took 61 s (0.5 + 0.5 waits, then 30 s for
   ``wait_idle`` and 30 s for the worker again), and ``run_node`` after Ctrl-C / SIGTERM
   2 x 60 s with further stop signals ignored. Should: the second call does not wait again on a
   plan the first one gave up on, and the caller's bound holds.

Held up (pins here or read): an rclpy context shut down under a running launch (no
``prepare_shutdown`` called by the user) destroys the nodes, and with them the planning worker
and the helper's spinner end (rclpy's context destroys its nodes; ``destroy_node`` prepares the
shutdown); a prepared shutdown sends no zero twist twice (``SetpointOutput.closed``); the
worker's exceptions after ``closing`` are silent; ``_failed`` from the worker racing an
``~/enable`` true on the executor only ends one twist early (no gripper goal is sent between: the
worker is the sender).
"""

from __future__ import annotations

import threading

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from planner_harness import FAST, checkpoint, frame, harness  # noqa: E402, F401

# the bound of a wait, the wait and the ~/enable call: test_ros_refused_starts' (one copy)
from test_ros_refused_starts import WAIT_S, _enable, _wait  # noqa: E402

from vjepa_ros.images import save_image_file  # noqa: E402
from vjepa_ros.nodes.node_launch import mpc_nodes  # noqa: E402
from vjepa_ros.nodes.nodes_in_process import Launch  # noqa: E402

BAD_GOAL_FILES = {
    "goal_steps": lambda one, two: {"goal_image_paths": [one, two], "goal_steps": [1, 2, 3]},
    "goal_gripper": lambda one, two: {"goal_image_path": one, "goal_gripper": [2.0]},
    "missing file": lambda one, two: {"goal_image_path": one + ".missing.png"},
}


@pytest.mark.parametrize("bad", sorted(BAD_GOAL_FILES))
def test_a_start_refused_by_its_goal_files_leaves_nothing_behind(checkpoint, tmp_path,  # noqa: F811
                                                               bad):
    """A refused start, then the same planner with good parameters on the same context.

    Input: ``Launch`` on a given context (as the tests and an embedding script start nodes)
    with goal parameters refused at start (``goal files not loaded: ...``), then again with
    good ones, and ``~/enable`` true. Happened: the refused planner's ``~/camera_check`` helper
    kept spinning on its thread and the refused node stayed in the graph with its
    ``target_pose`` publisher; the new planner's ``~/enable`` answered "another node named
    /vjepa_planner publishes on /target_pose (2 of this name) ... ~/enable is refused".
    Should: nothing of the refused node is left, and the restarted planner enables.
    """
    one, two = (str(save_image_file(tmp_path / f"{i}.png", frame(i))) for i in range(2))
    context = rclpy.Context()
    rclpy.init(context=context)
    threads_before = set(threading.enumerate())
    launch = None
    try:
        with pytest.raises(ValueError, match="goal files not loaded"):
            Launch(mpc_nodes(checkpoint, camera_topic="cam/image",
                             planner_parameters={**FAST, **BAD_GOAL_FILES[bad](one, two)}),
                   context=context)

        def left():
            return [t.name for t in threading.enumerate()
                    if t not in threads_before and t.is_alive()]

        launch = Launch(mpc_nodes(checkpoint, camera_topic="cam/image", planner_parameters=FAST),
                        context=context).start()
        success, message = _enable(context)
        launch.shutdown()
        launch = None
        assert _wait(lambda: not left(), 10.0), f"threads left: {left()}"
        assert success, message
    finally:
        if launch is not None:
            launch.shutdown()
        context.try_shutdown()


def _stuck_plan(h):
    """Make the planner's next plan block inside ``model.encode``.

    Returns (entered, release, left): set when the plan enters the encoder, the event that lets
    it go on, set when it has left the encoder.
    """
    entered, release, left = threading.Event(), threading.Event(), threading.Event()
    model = h.planner.model
    encode = model.encode

    def stuck(frames):
        entered.set()
        release.wait()
        left.set()
        return encode(frames)

    model.encode = stuck
    return entered, release, left


def _recorded_waits(h) -> list[tuple[str, float | None]]:
    """Record every wait the shutdown asks on the plan: (``wait_idle`` or ``stop``, its limit)."""
    waits = []
    session, worker = h.session, h.planner.worker
    wait_idle, stop = session.wait_idle, worker.stop

    def recorded_wait_idle(timeout=None):
        waits.append(("wait_idle", timeout))
        return wait_idle(timeout)

    def recorded_stop(timeout=None):
        waits.append(("stop", timeout))
        return stop(timeout)

    session.wait_idle, worker.stop = recorded_wait_idle, recorded_stop
    return waits


def test_a_shutdown_keeps_its_bound_with_a_plan_stuck_in_the_model(harness):  # noqa: F811
    """``Launch.shutdown(timeout=0.5)`` while the worker's plan is stuck in ``model.encode``.

    Input: a goal captured, shadow mode planning; the next plan blocks in the encoder (which
    polls no ``should_stop``: a first plan compiling, a hung device); the launch is shut down
    with a 0.5 s bound. Happened: ``prepare_shutdown(0.5)`` gave up on the plan after 2 x 0.5 s,
    then ``destroy_node`` called ``prepare_shutdown()`` again and waited 30 s + 30 s on the same
    plan. Should: the shutdown returns with the model still stuck (the test lets it go only
    after), having asked no wait on the plan beyond its 0.5 s: an ordering and the limits asked,
    not a wall-clock race (mend54b; as ``test_planner_shutdown_wait``).
    """
    h = harness()
    assert h.pump(3.0, until=lambda: h.session.frame is not None)
    assert h.capture().success
    entered, release, left = _stuck_plan(h)
    assert h.pump(5.0, until=entered.is_set), "no plan began"
    waits = _recorded_waits(h)
    try:
        h.launch.shutdown(timeout=0.5)
        still_stuck = not left.is_set()
    finally:
        release.set()  # only now: the shutdown has returned
    assert still_stuck, "the plan left the model before the shutdown returned"
    # one wait on the plan, what Launch.shutdown's one deadline left of 0.5 s (fix57a)
    idle = [limit for what, limit in waits if what == "wait_idle"]
    assert len(idle) == 1 and 0.4 <= idle[0] <= 0.5, waits
    assert waits and all(limit is not None and limit <= 0.5 for _, limit in waits), \
        f"the shutdown waited on the stuck plan past its 0.5 s bound: {waits}"
    assert left.wait(WAIT_S), "the plan did not go on once released"


def test_a_context_shut_down_under_a_running_launch_ends_the_planners_threads(checkpoint):  # noqa: F811
    """Pin: ``context.try_shutdown()`` with no ``Launch.shutdown`` ends the worker and helper.

    rclpy's context destroys its nodes, and ``PlannerNode.destroy_node`` prepares the shutdown:
    the planning worker and the ``~/camera_check`` helper's spinner end.
    """
    context = rclpy.Context()
    rclpy.init(context=context)
    before = set(threading.enumerate())
    Launch(mpc_nodes(checkpoint, camera_topic="cam/image", planner_parameters=FAST),
           context=context).start()

    def ours():
        return [t.name for t in threading.enumerate() if t not in before and t.is_alive()]

    assert "vjepa-planning" in ours()
    context.try_shutdown()
    assert _wait(lambda: not ours()), f"threads left: {ours()}"

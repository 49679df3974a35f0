"""The simulator and a planner node in this process, wired as ``launch --node sim`` wires them.

On a context of their own, for tests of ROS clients: the sim's ``goal_image`` goes to
``/vjepa_planner/goal_image``, the planner hears the camera on
``/camera/camera/color/image_raw`` and both follow the sim's ``/clock`` (``--use-sim-time``).
Users: ``test_readme_ros_client.py`` (an oracle planner), ``test_planner_cli.py`` (a tiny
random model).

The rig starts on a clean graph: another test's publisher of ``/joint_states``, the camera or
``/clock`` still listed (a node of an earlier rig in this process, not yet gone from the graph)
would make the planner refuse its joint states as "from 2 publishers within 1 s"; the rig
waits for such publishers to leave (:func:`wait_for_graph_clear`) before its nodes start.
"""

import contextlib
import time

import rclpy

from vjepa_ros.nodes.node_launch import NodeLaunch, wire_sim
from vjepa_ros.nodes.sim_node import SimNode
from vjepa_ros.nodes.spinning import NodeSpinner

RIG_TOPICS = ("/joint_states", "/camera/camera/color/image_raw", "/clock")
CLEAR_S = 60.0  # [s] at most for an earlier test's publishers to leave the graph (loaded machine)


@contextlib.contextmanager
def sim_and_planner(planner_parameters: dict, sim_parameters: dict, planner_class,
                    probe_name: str):
    """Yield (sim node, planner node, probe node); shut all down after.

    ``planner_class(sim_node)``: returns the planner node class (the oracle's needs the sim).
    """
    context = rclpy.Context()
    rclpy.init(context=context)
    probe = rclpy.create_node(probe_name, context=context)
    try:
        wait_for_graph_clear(probe, RIG_TOPICS, CLEAR_S)
    except BaseException:
        probe.destroy_node()
        context.try_shutdown()
        raise
    planner = NodeLaunch("planner", parameters=planner_parameters,
                         remappings={"image": "/camera/camera/color/image_raw"})
    sim = NodeLaunch("sim", parameters=dict(sim_parameters))
    wire_sim(sim, True, planner)  # as vjepa-ros launch --node sim --use-sim-time
    sim_node = SimNode(context=context, **sim.node_kwargs(use_sim_time=True))
    planner_node = planner_class(sim_node)(context=context,
                                           **planner.node_kwargs(use_sim_time=True))
    with spinning(context, (sim_node, planner_node, probe)) as nodes:
        yield nodes


@contextlib.contextmanager
def spinning(context, nodes: tuple, timeout_s: float = 30.0):
    """Spin ``nodes`` (on their initialized ``context``) on a thread; yield them.

    After: the spinner stopped (``timeout_s``), each node destroyed, the context shut down.
    """
    spinner = NodeSpinner(context)
    for node in nodes:
        spinner.add_node(node)
    spinner.start()
    try:
        yield nodes
    finally:
        spinner.shutdown(timeout_sec=timeout_s)
        for node in nodes:
            node.destroy_node()
        context.try_shutdown()


def wait_for_graph_clear(node, topics, timeout_s: float, steady_s: float = 2.0) -> None:
    """Wait until no publisher of ``topics`` is in the graph; RuntimeError naming any that stay.

    ``node``: any node of the rig's context (graph queries need no spinning). Clear for
    ``steady_s`` on end: a node just created sees the graph fill over its first moments.
    """
    deadline = time.monotonic() + timeout_s
    clear_since = time.monotonic()
    while True:
        left = {topic: [f"{info.node_namespace.rstrip('/')}/{info.node_name}"
                        for info in node.get_publishers_info_by_topic(topic)]
                for topic in topics}
        left = {topic: names for topic, names in left.items() if names}
        now = time.monotonic()
        if left:
            clear_since = now
        elif now - clear_since >= steady_s:
            return
        if now > deadline:
            raise RuntimeError(f"publishers of an earlier test still on the graph after "
                               f"{timeout_s:g} s: {left} (a node left running?)")
        time.sleep(0.1)

"""The simulator and a planner node in this process, wired as ``launch --node sim`` wires them.

On a context of their own, for tests of ROS clients: the sim's ``goal_image`` goes to
``/vjepa_planner/goal_image``, the planner hears the camera on
``/camera/camera/color/image_raw`` and both follow the sim's ``/clock`` (``--use-sim-time``).
Users: ``test_readme_ros_client.py`` (an oracle planner), ``test_planner_cli.py`` (a tiny
random model).
"""

import contextlib

import rclpy

from vjepa_ros.nodes.node_launch import NodeLaunch, wire_sim
from vjepa_ros.nodes.sim_node import SimNode
from vjepa_ros.nodes.spinning import NodeSpinner


@contextlib.contextmanager
def sim_and_planner(planner_parameters: dict, sim_parameters: dict, planner_class,
                    probe_name: str):
    """Yield (sim node, planner node, probe node); shut all down after.

    ``planner_class(sim_node)``: returns the planner node class (the oracle's needs the sim).
    """
    context = rclpy.Context()
    rclpy.init(context=context)
    planner = NodeLaunch("planner", parameters=planner_parameters,
                         remappings={"image": "/camera/camera/color/image_raw"})
    sim = NodeLaunch("sim", parameters=dict(sim_parameters))
    wire_sim(sim, True, planner)  # as vjepa-ros launch --node sim --use-sim-time
    sim_node = SimNode(context=context, **sim.node_kwargs(use_sim_time=True))
    planner_node = planner_class(sim_node)(context=context,
                                           **planner.node_kwargs(use_sim_time=True))
    probe = rclpy.create_node(probe_name, context=context)
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

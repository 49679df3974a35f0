"""The busy-domain check for a script that starts a planner (or simulator) of its own (fix60x).

The benchmarks that start their own planner and talk to it by name on the ``ROS_DOMAIN_ID`` the
user exported (``bench_node_inputs``, ``bench_planner_soak``, ``bench_planner_safety``,
``bench_planner_node``, ``bench_ros_loop``) would enable, feed and command another launch's arm
beside it. Each refuses such a domain as ``vjepa-ros reach`` does (``busy_domain``): before
its nodes start (:func:`script_refuses_before`) and before its first call
(:func:`script_refuses_after`, its nodes known by the run's enclave: each is started with
``run_enclave.script_ros_args``). A refusal ends the script: one line ``NAME: ...`` (its file
name), exit status 1.
"""

from __future__ import annotations

import os
import sys

from vjepa_ros.nodes.busy_domain import PLANNER_STARTS, refuse_busy_domain
from vjepa_ros.run_enclave import script_enclave


def script_refuses_before(names: tuple[str, ...], published: tuple[str, ...],
                          subscribed: tuple[str, ...], starts: str = PLANNER_STARTS) -> None:
    """Exit 1 (SystemExit, one line) when the domain already runs what the script would reach.

    Call it before the script starts any node: a node on a private rclpy context of this
    process's ``ROS_DOMAIN_ID`` watches the graph for ``busy_domain.DISCOVERY_S`` and is gone
    before this returns. ``names``: the full names of the nodes the script starts;
    ``published`` / ``subscribed``: the topics only they may publish / subscribe to
    (``busy_domain.occupants``). A ``ROS_DOMAIN_ID`` rcl cannot use is refused the same way
    (``ros_environment.domain_id_problem``'s line). The line names ``python ARGV0`` as the
    command to run on another domain.
    """
    _ended(lambda command: _refuse_first(names, published, subscribed, command, starts))


def script_refuses_after(node, names: tuple[str, ...], published: tuple[str, ...],
                         subscribed: tuple[str, ...], starts: str = PLANNER_STARTS) -> None:
    """:func:`script_refuses_before` once its nodes run, the graph read from ``node``.

    The script's nodes run in ``run_enclave.script_enclave`` (each started with
    ``run_enclave.script_ros_args``); a node of any other enclave, of one of ``names`` or on the
    topics, came meanwhile and is refused. Call it before the first command.
    """
    _ended(lambda command: refuse_busy_domain(node, names, published, subscribed, command,
                                              script_enclave(), True, starts))


def _refuse_first(names, published, subscribed, command: str, starts: str) -> None:
    import rclpy
    from rclpy.signals import SignalHandlerOptions

    from vjepa_ros.ros_environment import domain_id_problem
    from vjepa_ros.terminate import stop_signals_held

    problem = domain_id_problem()
    if problem:  # else rcl's words and its C source path
        raise RuntimeError(problem)
    with stop_signals_held():  # made whole; a stop raised after, never inside rclpy
        context = rclpy.Context()
        rclpy.init(context=context, signal_handler_options=SignalHandlerOptions.NO)
    try:
        with stop_signals_held():
            node = rclpy.create_node("busy_domain_check", context=context)
        try:
            refuse_busy_domain(node, names, published, subscribed, command, None, False, starts)
        finally:
            node.destroy_node()
    finally:
        context.try_shutdown()


def _ended(check) -> None:
    """Run ``check(command)``; its RuntimeError ends the script: ``NAME: line``, status 1."""
    name = os.path.basename(sys.argv[0])
    try:
        check(f"python {sys.argv[0]}")  # how it is run again, on another domain
    except RuntimeError as exc:
        raise SystemExit(f"{name}: {exc}") from None

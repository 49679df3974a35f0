"""One warning when ``use_sim_time`` is switched at run time: what the node's clock now follows.

``ros2 param set /camera/camera use_sim_time true`` on a running node puts its clock on
``/clock`` at once; until a ``/clock`` message arrives that clock reads 0, so a node's ROS-clock
timer stops firing (image_publisher's republishing) and its stamps read 0 (camera_node). Nothing
else says so: the node looks hung, or a later warning blames something else. This logs one line
naming ``/clock`` when the value changes. A node that publishes ``/clock`` itself (sim_node with
``publish_clock``) stamps with its simulated time whatever ``use_sim_time`` says: its one line
(:func:`own_clock_message`, at info level) says the stamps do not change.
"""

from __future__ import annotations

from collections.abc import Callable

from rclpy.node import Node


def switch_message(on: bool, follows: str, until: str) -> str:
    """Return the warning for ``use_sim_time`` switched ``on`` (True) or off at run time.

    ``follows``: what the node clock drives (``"the frames' stamps"``); ``until``: what happens
    while no ``/clock`` has arrived (``"frames are stamped 0"``), said only when switched on.
    """
    if not on:
        return (f"use_sim_time switched off at run time: {follows} now follow the system clock, "
                "not /clock")
    return (f"use_sim_time switched on at run time: {follows} now follow /clock's simulated "
            f"time; until a /clock message arrives the node clock reads 0 and {until}")


def own_clock_message(on: bool) -> str:
    """Return the line for ``use_sim_time`` switched ``on`` (True) or off on a ``/clock`` source.

    The node publishes ``/clock`` itself and stamps with that simulated time either way; only
    its node clock changes.
    """
    clock = "/clock, which this node publishes" if on else "the system clock"
    return (f"use_sim_time switched {'on' if on else 'off'} at run time: the node clock now reads "
            f"{clock}; the stamps do not change: they stay the simulated time this node "
            "publishes on /clock (publish_clock), and it steps on the steady clock")


def log_on_sim_time_switch(node: Node, message: Callable[[bool], str],
                           then: Callable[[bool], None] | None = None,
                           warn: bool = True) -> None:
    """Log ``message(new value)`` once per change of ``use_sim_time`` on a running ``node``.

    A post-set callback (after every on-set check passed): a refused set says nothing. At
    warning level, else (``warn`` False) info, each from its own call line (rclpy's
    ``RcutilsLogger.log`` refuses a call line whose severity changes: ValueError "Logger
    severity cannot be changed between calls"), so hooks of both levels may share one node's
    logger. ``then`` is called with the new value after the line (e.g. to restart a stamp
    order).
    """
    state = {"on": bool(node.get_parameter("use_sim_time").value)}

    def after(params) -> None:
        for p in params:
            if p.name != "use_sim_time" or bool(p.value) == state["on"]:
                continue
            state["on"] = bool(p.value)
            # one call line per severity: rclpy keys a logger's severity by its call line and
            # raises ValueError when one line logs two (a node with hooks of both levels)
            if warn:
                node.get_logger().warning(message(state["on"]))
            else:
                node.get_logger().info(message(state["on"]))
            if then is not None:
                then(state["on"])

    node.add_post_set_parameters_callback(after)


def warn_on_sim_time_switch(node: Node, follows: str, until: str,
                            then: Callable[[bool], None] | None = None) -> None:
    """Warn with :func:`switch_message` once per change of ``use_sim_time`` on ``node``.

    ``then``: as :func:`log_on_sim_time_switch`'s.
    """
    log_on_sim_time_switch(node, lambda on: switch_message(on, follows, until), then)

"""One warning when ``use_sim_time`` is switched at run time: what the node's clock now follows.

``ros2 param set /camera/camera use_sim_time true`` on a running node puts its clock on
``/clock`` at once; until a ``/clock`` message arrives that clock reads 0, so a node's ROS-clock
timer stops firing (image_publisher's republishing) and its stamps read 0 (camera_node). Nothing
else says so: the node looks hung, or a later warning blames something else. This logs one line
naming ``/clock`` when the value changes.
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


def warn_on_sim_time_switch(node: Node, follows: str, until: str,
                            then: Callable[[bool], None] | None = None) -> None:
    """Log :func:`switch_message` once per change of ``use_sim_time`` on a running ``node``.

    A post-set callback (after every on-set check passed): a refused set says nothing. ``then``
    is called with the new value after the warning (e.g. to restart a stamp order).
    """
    state = {"on": bool(node.get_parameter("use_sim_time").value)}

    def after(params) -> None:
        for p in params:
            if p.name != "use_sim_time" or bool(p.value) == state["on"]:
                continue
            state["on"] = bool(p.value)
            node.get_logger().warning(switch_message(state["on"], follows, until))
            if then is not None:
                then(state["on"])

    node.add_post_set_parameters_callback(after)

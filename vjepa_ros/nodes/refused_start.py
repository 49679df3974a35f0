"""A node's refused start destroys what it made: :func:`start_or_destroy`.

Every node of this package makes its rclpy node first (``Node.__init__``), then checks its
parameters, loads what it needs (a world model, a bag, an image, a camera, a simulator) and
makes publishers, services, timers, helper nodes and threads. An exception raised after the
rclpy node exists (a parameter refused, a file missing, a device absent, Ctrl-C while the model
loads) reaches the caller without the half-made node, so nobody could destroy it: its
publishers stayed in the graph and the planner's ``~/camera_check`` helper spun on its thread;
on a context that goes on (``Launch`` given a context, a script that retries with fixed
parameters) the next planner of that name had its ``~/enable`` refused as a twin of the refused
one (breaker54f). Each node's ``__init__`` therefore runs the rest of its start through
:func:`start_or_destroy`. No rclpy import.
"""

from __future__ import annotations

from collections.abc import Callable

from vjepa_ros.terminate import stop_signals_held


def start_or_destroy(node, start: Callable[..., object], *args, **kwargs) -> None:
    """Call ``start(*args, **kwargs)``; if it raises, destroy ``node``, then raise the same.

    ``node``: an rclpy ``Node`` whose ``Node.__init__`` has returned; ``start``: the rest of its
    start-up. ``node.destroy_node()`` is the class's own: it ends the threads, helpers and files
    of the node, each only if it was made (an attribute not set yet is skipped), then rclpy's
    destroys the publishers, subscriptions, services and timers. A stop signal during that
    clean-up is raised after it (``terminate.stop_signals_held``); an error of the clean-up is
    logged as one warning and the refusal is raised, not that error.
    """
    try:
        start(*args, **kwargs)
    except BaseException as refusal:
        with stop_signals_held():  # the node destroyed whole, never cut inside rclpy
            try:
                node.destroy_node()
            except Exception as exc:  # noqa: BLE001 - the refusal is what the caller must see
                node.get_logger().warning(
                    f"start refused ({type(refusal).__name__}); destroying what it made "
                    f"failed: {type(exc).__name__}: {exc}")
        raise

"""A node's own clean-up, then rclpy's destroy whatever it did: :func:`destroy_after`.

Every node of this package ends something of its own before rclpy destroys its entities: the
camera its device (librealsense's ``pipeline.stop()``), the simulator its physics server, the
bag player its reader thread and copied folders, the planner its worker and camera-check
helper. Such a clean-up can raise (``failed to set power state`` from a camera gone after a USB
reset). Called before ``super().destroy_node()`` without a guard, the error skipped rclpy's
destroy: the node stayed in the graph with its publishers, the context kept it, and every later
``context.try_shutdown()`` called the same ``destroy_node`` and raised the same error again,
cutting short the context's destroy of the other nodes (breaker54h). Each node's
``destroy_node`` therefore runs its clean-up through :func:`destroy_after`. No rclpy import.
"""

from __future__ import annotations

from collections.abc import Callable


def destroy_after(node, cleanup: Callable[[], object], destroy: Callable[[], object],
                  what: str) -> None:
    """Call ``cleanup()``, then ``destroy()`` (rclpy's ``Node.destroy_node``) in any case.

    ``node``: the rclpy node (its logger says a failed clean-up); ``what``: the clean-up in a
    few words, for that line (``"stopping the camera"``). An exception of the clean-up is one
    warning line, ``shutdown: stopping the camera failed (RuntimeError: ...); the node is
    destroyed anyway``, and is not raised; a stop signal (KeyboardInterrupt) is raised after
    rclpy's destroy. An error of ``destroy()`` itself is raised.
    """
    try:
        cleanup()
    except Exception as exc:  # noqa: BLE001 - the node leaves the graph whatever its own end did
        node.get_logger().warning(f"shutdown: {what} failed ({type(exc).__name__}: {exc}); "
                                  "the node is destroyed anyway")
    finally:
        destroy()

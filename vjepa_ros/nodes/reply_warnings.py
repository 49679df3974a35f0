"""rclpy's "failed to send response (timeout)" warning as one log line.

When a service answers a client the middleware cannot find (rmw_fastrtps checks that the
client's response reader is matched first), rclpy warns with a Python ``RuntimeWarning``: two
lines on stderr, a path into rclpy and a source line, e.g. after a ``ros2 service call`` or
``ros2 param`` gave up before the answer, or a client not yet discovered. Nothing is wrong
with the node, which goes on; :func:`route_reply_warnings` makes that one line.
"""

from __future__ import annotations

import warnings

REPLY_WARNING = "failed to send response"  # rclpy's words (service.cpp, rcl_send_response)
REPLY_LINE = ("a service answer was not delivered: its client was gone or not yet discovered "
              "(a ros2 service call or ros2 param that gave up?); the node goes on")


def route_reply_warnings(log=None) -> None:
    """Show rclpy's reply-timeout ``RuntimeWarning`` as :data:`REPLY_LINE`, through ``log``.

    ``log``: called with the line (default: the ``vjepa_ros`` rclpy logger's ``warning``).
    Every other warning is shown as before. Python shows a warning of one source line once
    per process, so this is one line per process at most. Routed already: nothing changes (a
    second call does not wrap the first).
    """
    if getattr(warnings.showwarning, "routes_reply_warnings", False):
        return
    if log is None:
        import rclpy.logging

        log = rclpy.logging.get_logger("vjepa_ros").warning
    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, RuntimeWarning) and REPLY_WARNING in str(message):
            log(REPLY_LINE)
            return
        shown(message, category, filename, lineno, file, line)

    show.routes_reply_warnings = True
    warnings.showwarning = show

"""Which publisher sent a message, where rclpy says so (``MessageInfo['publisher_gid']``).

rclpy passes a ``MessageInfo`` to a subscription callback that takes two arguments (Iron and
newer: :func:`gives_message_info`), with the publish time (``source_timestamp``); its
``publisher_gid`` (where rclpy's ``MessageInfo`` names it: ros2/rclpy#1466, mid-2025, in Kilted's
9.x here; in a Jazzy release only if backported) names the publisher of each message, so a second
publisher on a finger topic or of the arm's state (a bag played onto the live topic) is seen on
its first message (:meth:`vjepa_ros.robot.finger_watch.FingerWatch.offer`,
:class:`vjepa_ros.robot.publisher_window.PublisherWindow`). On older rclpy the callback takes the
message alone and the planner node's graph check (publishers counted twice a second) remains.
"""

from __future__ import annotations

import functools
from collections.abc import Callable


@functools.cache  # the rclpy imported cannot change in a process
def gives_publisher_ids() -> bool:
    """Return True when this rclpy passes ``publisher_gid`` in a callback's ``MessageInfo``."""
    try:
        from rclpy.subscription import MessageInfo
    except ImportError:  # Humble: callbacks take the message alone
        return False
    return "publisher_gid" in getattr(MessageInfo, "__annotations__", {})


@functools.cache  # as gives_publisher_ids
def gives_message_info() -> bool:
    """Return True when this rclpy passes a ``MessageInfo`` to a two-argument callback (Iron+).

    Its ``Subscription`` then has ``CallbackType`` (``MessageOnly``, ``WithMessageInfo``), chosen
    by the callback's signature; Humble's has not and calls with the message alone.
    """
    try:
        from rclpy.subscription import Subscription
    except ImportError:
        return False
    return hasattr(Subscription, "CallbackType")


def publisher_id(info) -> object | None:
    """Return a hashable id of the publisher in ``info`` (a ``MessageInfo``), None if unknown."""
    gid = info.get("publisher_gid") if isinstance(info, dict) else None
    if not gid:
        return None
    if isinstance(gid, dict):
        return tuple(sorted((key, bytes(value) if isinstance(value, (list, bytes, bytearray))
                             else value) for key, value in gid.items()))
    return repr(gid)


def sent_seconds(info) -> float | None:
    """Return when the message in ``info`` (a ``MessageInfo``) was published [s], None if unknown.

    The middleware's ``source_timestamp`` (ns, the publisher's system clock), set at publish
    whatever the message's header stamp; 0 (an rmw that does not set it) or absent: None.
    """
    stamp = info.get("source_timestamp") if isinstance(info, dict) else None
    return stamp * 1e-9 if stamp else None


def callback_with_publisher(handler: Callable, topic: str, sent: bool = False) -> Callable:
    """Return a subscription callback calling ``handler(msg, topic, sender)`` (any message type).

    ``sender``: :func:`publisher_id` of the message where rclpy gives it
    (:func:`gives_publisher_ids`), else None. ``sent``: also pass the publish time,
    ``handler(msg, topic, sender, sent_s)`` (:func:`sent_seconds`; None where rclpy gives no
    ``MessageInfo``: Humble). A ``MessageInfo`` is taken wherever rclpy gives one
    (:func:`gives_message_info`: Iron and newer), for its publish time, also without ids.
    """
    ids = gives_publisher_ids()
    if sent and (ids or gives_message_info()):
        return lambda msg, info: handler(msg, topic, publisher_id(info) if ids else None,
                                         sent_seconds(info))
    if ids:
        return lambda msg, info: handler(msg, topic, publisher_id(info))
    if sent:
        return lambda msg: handler(msg, topic, None, None)
    return lambda msg: handler(msg, topic, None)


def sender_gid(sender: object) -> bytes | None:
    """Return the gid bytes of a :func:`publisher_id` (as the graph's ``endpoint_gid``)."""
    if isinstance(sender, tuple):
        for key, value in sender:
            if key == "data" and isinstance(value, bytes):
                return value
    return None

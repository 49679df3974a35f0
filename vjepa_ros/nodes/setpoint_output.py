"""The planner node's set-point outputs, ``target_pose`` and ``servo_twist``, as one stream.

:class:`SetpointOutput` publishes each stream tick (``MPCSession.stream_step``) and keeps two
promises across ticks that no single tick can:

- **One quaternion hemisphere.** Each ``target_pose`` orientation has the sign of the one
  published before it (q·q_prev ≥ 0; q and −q are one rotation). scipy's quaternions are
  canonical (w ≥ 0), so where the path crosses w = 0 (the roll through ±π, a Franka hand
  pointing down) two set-points 10 ms apart went out as q and about −q: one rotation, but a
  controller that filters or interpolates the target's coefficients without a hemisphere check
  sees a full turn. Never reset: the controller compares with the last target it received,
  however long ago (a disable, a hold).
- **A twist output ends at rest.** ``servo_twist`` gets one zero twist whenever the stream stops
  after a moving twist: a hold (the session's ``hold_started`` tick), ``~/enable`` false, a
  failure that disables commanding, and shutdown. A velocity consumer (MoveIt Servo until its
  command timeout, a Cartesian velocity controller without one) would otherwise go on at the
  last velocity.

Thread-safe: the stream timer publishes, ``~/enable`` and shutdown may end the twist from
other threads; after :meth:`SetpointOutput.end` with ``close`` nothing more is published.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
from builtin_interfaces.msg import Time
from geometry_msgs.msg import PoseStamped, TwistStamped

from vjepa_ros.nodes.pose_msgs import set_pose, set_stamp
from vjepa_ros.robot.plan_report import StreamOutput


class SetpointOutput:
    """Publish the set-point stream on ``target_pub`` (PoseStamped) and ``twist_pub``.

    ``twist_pub``: None when ``control.publish_twist`` is off. ``frame_id``: the base frame the
    set-points are in. ``clock()``: the session clock [s] (the node's), which stamps a zero twist
    that ends the stream outside a tick.
    """

    def __init__(self, target_pub, twist_pub, frame_id: str, clock: Callable[[], float]):
        self.target_pub, self.twist_pub = target_pub, twist_pub
        self.frame_id, self.clock = frame_id, clock
        self.quaternion: np.ndarray | None = None  # [4] x y z w of the last target_pose
        self.moving = False  # the last twist published was not zero
        self.closed = False  # shutting down: nothing more goes out
        self._lock = threading.Lock()

    def publish(self, out: StreamOutput | None) -> None:
        """Publish one stream tick's output; None (nothing to publish) ends a moving twist."""
        with self._lock:
            if self.closed:
                return
            if out is None:
                self._end_twist()
                return
            # stamped with the time the tick computed the set-point for (the session's clock is
            # the node's), not when it is published: the callback's delay would make the stamps
            # jitter and a speed read from them exceed safety.max_speed_m_s at full speed
            stamp = set_stamp(Time(), out.stamp)
            if out.setpoint is not None:
                msg = PoseStamped()
                msg.header.stamp, msg.header.frame_id = stamp, self.frame_id
                self.quaternion = set_pose(msg.pose, out.setpoint, near=self.quaternion)
                self.target_pub.publish(msg)
            if self.twist_pub is not None:
                self._publish_twist(stamp, out.twist)

    def end(self, close: bool = False) -> None:
        """End a moving twist with one zero twist now; ``close``: publish nothing after it."""
        with self._lock:
            if not self.closed:
                self._end_twist()
            self.closed = self.closed or close

    def _end_twist(self) -> None:
        if self.moving and self.twist_pub is not None:
            self._publish_twist(set_stamp(Time(), self.clock()), np.zeros(6))

    def _publish_twist(self, stamp, velocity) -> None:
        """Publish ``velocity`` [6] (linear [m/s], angular [rad/s], base frame) at ``stamp``."""
        twist = TwistStamped()
        twist.header.stamp, twist.header.frame_id = stamp, self.frame_id
        lin, ang = twist.twist.linear, twist.twist.angular
        lin.x, lin.y, lin.z, ang.x, ang.y, ang.z = (float(v) for v in velocity)
        self.twist_pub.publish(twist)
        self.moving = bool(np.any(np.asarray(velocity) != 0))

"""The QoS of the planner's measurement subscriptions: joint states, the pose, finger states.

Best effort (REP 2003: a sensor *subscription* is best effort, so that it hears reliable and
best-effort publishers alike; a reliable one never hears a sensor-data publisher, such as a
simulator bridge's or some arm drivers' joint states), volatile, keep-last :data:`STATE_DEPTH`.
Messages that cross the network are then not re-sent; on one machine (shared memory, or within
the process) nothing is lost that the depth keeps.

The depth: a franka ``joint_state_broadcaster`` publishes at 1 kHz, arm and finger messages on
one topic in franka_ros style; the jump rules (``robot.jump_watch``, ``robot.closedness_jumps``)
compare consecutive readings, and a reading dropped from a full queue while the executor stalls
(a garbage collection, a plan's start) hides the motion between the two it does see.
:data:`STATE_DEPTH` holds 0.2 s of them (10 held 10 ms). The camera keeps depth 1 (the newest
frame wins); latched goal topics stay reliable and transient local.
"""

from __future__ import annotations

from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

STATE_DEPTH = 200  # 0.2 s of 1 kHz joint states

STATE_QOS = QoSProfile(
    depth=STATE_DEPTH, history=HistoryPolicy.KEEP_LAST,
    reliability=ReliabilityPolicy.BEST_EFFORT, durability=DurabilityPolicy.VOLATILE,
)

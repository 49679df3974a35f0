"""Which ``header.frame_id`` a measured end-effector pose may carry: the planner node's rule.

States, the measured pose and targets are in the arm's base frame. No transform is looked up
anywhere: a pose stamped in another frame (a camera frame, ``world``) is refused, never silently
re-used as if it were in the base frame. An empty ``frame_id`` is taken as the base frame (the
caller says so once); a leading '/' (ROS 1 style) is ignored. The planner node compares with its
one configured base frame (``robot.base_frame``, default ``<prefix>link0``); a bag reader, which
knows no robot configuration, accepts the base frames Franka drivers stamp poses in (``base``,
``<prefix>link0``) unless it is given one (``data.topics.base_frame``, ``--base-frame``).
"""

from __future__ import annotations

import re

# Base frames Franka drivers stamp the end-effector pose in: franka_ros2's ``base``, and
# ``<prefix>link0`` (panda_link0, fr3_link0, left_fr3_link0, ...), the planner node's default.
DRIVER_BASE_FRAME = re.compile(r"base|.*link0")


def frame_matches(frame_id: str, base_frame: str = "") -> bool | None:
    """Whether a pose stamped ``frame_id`` is in the base frame; None when ``frame_id`` is empty.

    ``base_frame`` empty: any of :data:`DRIVER_BASE_FRAME` counts as the base frame.
    """
    if not frame_id:
        return None
    if not base_frame:
        return DRIVER_BASE_FRAME.fullmatch(frame_id.lstrip("/")) is not None
    return frame_id.lstrip("/") == base_frame.lstrip("/")

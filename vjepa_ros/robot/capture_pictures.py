"""The pictures the planner's captures took, to refuse a frozen camera's frame as a new goal.

A camera driver that hangs and re-publishes its last image with fresh stamps (a USB hiccup, a
slow camera behind a faster republisher) passes every stamp-based check: ``~/add_subgoal`` and
``~/capture_goal`` would take the picture of where the arm *was* with the state of where it *is*
(an image and a state that disagree, silently: breaker54a). The rule is the live camera check's
for the same kind (``eval.camera_check_unchanged``: :func:`same_picture`, an image first taken
with the arm at least ``min_motion_m`` away is stale): a capture whose frame is the same picture
as an earlier capture's while the arm stands at least :data:`MIN_SHIFT_M` from where that one
was taken is refused. The same picture with the arm elsewhere also means the camera does not
see the arm (it moved out of view, the camera looks elsewhere): the goal would not show the
pose either, so that is refused too, and the refusal names both causes.

:class:`CapturePictures` keeps the :func:`picture` sample (a 64-pixel-a-side int16 sample) and
the TCP position of the last :data:`KEPT_CAPTURES` captures, whatever became of their goals
(a ``~/clear_goals`` or a ``~/capture_goal`` between two captures leaves the camera as frozen
as it was). ROS-free.
"""

from __future__ import annotations

import collections

import numpy as np

from vjepa_ros.eval.camera_check_thresholds import CheckThresholds
from vjepa_ros.eval.camera_check_unchanged import CAUSES, camera_advice, picture, same_picture

KEPT_CAPTURES = 16  # captures remembered (each ~25 kB: the sample of a 640x480 frame)
# [m] the arm's way past which the same picture again is stale: the camera check's own
MIN_SHIFT_M = CheckThresholds().min_motion_m


class CapturePictures:
    """The last :data:`KEPT_CAPTURES` captures' pictures and TCP positions (module docstring).

    Not locked: the session calls it under its own lock.
    """

    def __init__(self, min_shift_m: float = MIN_SHIFT_M):
        self.min_shift_m = min_shift_m
        self._kept: collections.deque = collections.deque(maxlen=KEPT_CAPTURES)

    def offer(self, what: str, frame: np.ndarray, position) -> tuple[str, float] | None:
        """Remember a capture unless its picture repeats an earlier one's with the arm elsewhere.

        ``what``: the capture in words (named when a later one repeats it); ``frame``
        [H, W, 3] uint8; ``position`` [3+]: the TCP [m] at the frame (None: unknown, neither
        judged nor kept). Returns (the earlier capture's ``what``, metres away) for a repeat,
        which is not kept; None for a capture now kept.
        """
        if position is None:
            return None
        mine = picture(frame)
        where = np.asarray(position, dtype=np.float64)[:3].copy()
        for earlier, seen, at in reversed(self._kept):
            away = float(np.linalg.norm(at - where))
            if away >= self.min_shift_m and same_picture(seen, mine):
                return earlier, away
        self._kept.append((what, mine, where))
        return None


def stale_capture_refusal(service: str, camera_topic: str, earlier: str, away_m: float) -> str:
    """Return the one-line refusal of a capture whose frame repeats ``earlier``'s picture."""
    return (f"{service} refused: the newest frame on {camera_topic} is the same picture as "
            f"{earlier}, taken with the arm {away_m * 100:.1f} cm from where it is now: the "
            f"camera does not show the arm's pose ({CAUSES}); "
            f"{camera_advice(camera_topic, f'call {service} again')}")

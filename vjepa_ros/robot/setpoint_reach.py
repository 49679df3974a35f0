"""The set-point's reach around its anchor, and its orientations kept per target and anchor.

Split from ``targets`` (the set-point's ramp toward its target): :class:`SetpointReach` is a
mixin of :class:`~vjepa_ros.robot.targets.SetpointStreamer`, whose ``anchor`` (the measured
pose [7] a target was made safe against, or None), ``reach_m``, ``limits``, ``target``,
``angular_velocity`` and ``_kept_values`` it reads. It projects a position into the ball of
``reach_m`` and an orientation within ``max_rotation_step_rad`` of the anchor, gives the turn's
reach face for the tick's braking, and keeps the rotations that change only with the target or
the anchor (:meth:`SetpointReach._kept`). :func:`poses_apart` (importable from ``targets`` as
before) measures two poses' gap and turn.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from vjepa_ros.robot.face_braking import (
    FACE_ACCEL_SHARE,
    face_stopping_speed,
    norm3,
    reach_face,
)


def poses_apart(pose, other) -> tuple[float, float]:
    """Return the distance [m] and the rotation angle [rad] between two poses [7]."""
    offset = float(np.linalg.norm(pose[:3] - other[:3]))
    turn = (Rotation.from_euler("xyz", pose[3:6])
            * Rotation.from_euler("xyz", other[3:6]).inv()).magnitude()
    return offset, float(turn)


class SetpointReach:
    """Keep a ``targets.SetpointStreamer``'s set-point within the reach of its anchor."""

    def _turn_reach(self, orientation: Rotation, rotvec, dt: float, next_dt: float):
        """Return (the rotation reach's face (``face_braking.reach_face``), the offset) or Nones.

        The offset: the set-point's rotation from the anchor (``orientation`` times the
        anchor's inverse, a Rotation), for the tick's ``kept_stoppable``; (None, None) when far.

        ``orientation``: the set-point's; ``rotvec`` [3]: the turn left to the target [rad].
        The set-point turns at most ``|rotvec|`` plus the target's turn from the anchor (kept
        per target and anchor) from the anchor; where the room that leaves already lets the
        fastest turn stop (no clip can act), the exact offset (about 0.1 ms of rotations) is
        skipped: (None, None).
        """
        if self.anchor is None:
            return None, None
        target_turn = self._kept("target turn", lambda: poses_apart(self.target, self.anchor)[1],
                                 self.target[3:6], self.anchor[3:6])
        limits = self.limits
        room = limits.max_rotation_step_rad - target_turn - norm3(rotvec)
        fastest = max(limits.max_angular_speed_rad_s, norm3(self.angular_velocity))
        if room > 0.0 and face_stopping_speed(
                room, limits.max_angular_accel_rad_s2 * FACE_ACCEL_SHARE, dt, next_dt) >= fastest:
            return None, None
        offset = orientation * self._anchor_inverse()
        return reach_face(offset.as_rotvec(), limits.max_rotation_step_rad,
                          self.angular_velocity), offset

    def _within_reach(self, xyz: np.ndarray) -> np.ndarray:
        """Project ``xyz`` [3] onto the ball of radius :attr:`reach_m` around the anchor.

        The anchor lies in the box, so the box clamp after this keeps the point in the ball.
        """
        if self.anchor is None:
            return xyz
        offset = xyz - self.anchor[:3]
        distance = norm3(offset)
        radius = self.reach_m
        if distance <= radius:
            return xyz
        return self.anchor[:3] + offset * (radius / distance * (1 - 1e-12))

    def _turn_within_reach(self, orientation: Rotation) -> Rotation:
        """Return ``orientation``, or the nearest one within ``max_rotation_step_rad`` of anchor.

        The same object is returned when no limit applies (callers test identity).
        """
        if self.anchor is None:
            return orientation
        offset = (orientation * self._anchor_inverse()).as_rotvec()
        angle = norm3(offset)
        limit = self.limits.max_rotation_step_rad
        if angle <= limit:
            return orientation
        return Rotation.from_rotvec(offset * (limit / angle * (1 - 1e-12))) * \
            self._euler("anchor", self.anchor[3:6])

    def _kept(self, name: str, compute, *arrays):
        """Return ``compute()``, computed again only when ``arrays`` (float64) changed.

        One value per ``name``, kept with the bytes of the arrays it was computed from (a
        target's or an anchor's orientation stays for many ticks; the same bits come back).
        """
        key = b"".join(array.tobytes() for array in arrays)
        kept = self._kept_values.get(name)
        if kept is None or kept[0] != key:
            kept = (key, compute())
            self._kept_values[name] = kept
        return kept[1]

    def _euler(self, name: str, angles: np.ndarray) -> Rotation:
        """Return the rotation of the ``xyz`` Euler ``angles`` [3] [rad] (kept per ``name``)."""
        return self._kept(name, lambda: Rotation.from_euler("xyz", angles), angles)

    def _anchor_inverse(self) -> Rotation:
        """Return the inverse of the anchor's orientation (kept while the anchor is unchanged)."""
        return self._kept("anchor inverse",
                          lambda: self._euler("anchor", self.anchor[3:6]).inv(), self.anchor[3:6])

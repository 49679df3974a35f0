"""From a planned action to what the controller receives: absolute targets and a smooth set-point.

The planner returns a 7-D delta (V-JEPA 2-AC facts §4); :func:`target_from_action` turns it into
the absolute end-effector target state ⊕ action with the planning package's pose algebra. The
:class:`SetpointStreamer` then moves a set-point toward that target at the stream rate with
bounded speed and acceleration (linear and angular), so the arm never receives a jump: Franka's
controllers abort on acceleration/jerk discontinuities of the commanded motion. Each tick's
velocity and its landing rule are :mod:`vjepa_ros.robot.velocity_ramp`'s; the braking ahead of
the box's and the reach's faces is :mod:`vjepa_ros.robot.face_braking`'s.

A target given with the measured pose it was made safe against (``set_target(target, anchor=...)``)
also bounds every set-point on the way: never farther than ``max_step_m`` (translation) and
``max_rotation_step_rad`` (rotation) from that measured pose. The velocity carried over from an
earlier target would otherwise swing the set-point outside the limit the safety filter applied to
the target (up to v²/2a beyond it: 10 mm at the default limits).
"""

from __future__ import annotations

from collections import deque

import numpy as np
import torch
from scipy.spatial.transform import Rotation

from vjepa_ros.planning.pose import apply_action
from vjepa_ros.robot.anchor_lag import Trail, settles, trail_seconds, trails
from vjepa_ros.robot.face_braking import norm3, reach_face
from vjepa_ros.robot.reach_stop import kept_in_reach, kept_stoppable, turn_stops_inside
from vjepa_ros.robot.safety import SafetyLimits, step_reach, step_start
from vjepa_ros.robot.setpoint_reach import SetpointReach, poses_apart  # noqa: F401 (re-exported)
from vjepa_ros.robot.velocity_ramp import _lands_within, _passes, ramp_velocity

ACTION_LABELS = ("dx", "dy", "dz", "droll", "dpitch", "dyaw", "dgripper")
# A late stream tick advances the set-point by at most this many stream periods (MPCSession.
# stream_step): the longest step a set-point can make is max_speed_m_s times this period.
MAX_TICK_PERIODS = 5
# A landing's stop is judged over the shortest of this many last tick lengths (the next tick
# may be that short: a timer alternating 10 and 12 ms, a catch-up tick after a late one).
TICK_HISTORY = 5


def target_from_action(state, action) -> np.ndarray:
    """Return the target state ⊕ action (float64 [7]) of a state [7] and an action [7].

    Uses the planning package's pose algebra (``planning.pose.apply_action``).
    """
    state = torch.as_tensor(np.asarray(state, dtype=np.float64))
    action = torch.as_tensor(np.asarray(action, dtype=np.float64))
    return apply_action(state, action).numpy()


class SetpointStreamer(SetpointReach):
    """A set-point that follows the latest target with bounded speed and acceleration.

    ``reset(state)`` places it at the measured pose (zero velocity), ``set_target`` gives a new
    target (a safe one: see ``safety.filter_target``), ``step(dt)`` advances it one tick and
    returns the new set-point [7]; ``hold()`` freezes it where it is. Positions are clamped into
    the workspace box at every tick and, after ``set_target(..., anchor=measured_state)``, into
    the reach of that measured pose (``max_step_m``, ``max_rotation_step_rad``). Where a clamp
    acts, the velocity becomes the set-point's actual motion in that tick, so the twist stays
    consistent with the set-points (position limits win over the acceleration limit there).
    The velocity toward each face of the box is braked ahead of it, that braking first from the
    acceleration limit (:func:`ramp_velocity`'s ``room``), so a set-point turned toward a target
    on a face does not meet the face moving (breaker50d); a late tick moves no faster than the
    usual ticks after it can still stop from (``face_braking.stopping_speed``).
    The slowing-down lands on the target, exactly and at rest. A step that would pass the
    target (a target set closer ahead than the braking distance, about v²/2a: continuous
    control's next plan near the goal; a late or jittered tick; the stream's rate changed since
    the slowing-down began) lands on its position and orientation and stops there only when
    that is within the acceleration limits (:func:`_lands_within`, judged over the shortest of
    the last ``TICK_HISTORY`` ticks); otherwise it is the ramp's own step, within the limits:
    the set-point brakes, passes the target (inside the braking distance by up to v²/2a; at
    the end of a jittered braking ramp by a fraction of a millimetre) and comes back.
    """

    def __init__(self, limits: SafetyLimits):
        self.limits = limits
        self.setpoint: np.ndarray | None = None  # [7]
        self.target: np.ndarray | None = None  # [7]
        self.velocity = np.zeros(3)  # [m/s]
        self.angular_velocity = np.zeros(3)  # [rad/s], base frame
        self.anchor: np.ndarray | None = None  # [7] measured pose the reach limit is around
        # [m] the reach's radius around the anchor (clamped into the box): max_step_m less how
        # far the measured pose lay outside the box (safety.step_reach)
        self.reach_m = limits.max_step_m
        self.recent_dts: deque[float] = deque(maxlen=TICK_HISTORY)  # [s] the last ticks' lengths
        self._trail = Trail()  # the set-points [7] of the last anchor_lag.trail_seconds
        # a trailing arm's anchor not taken yet: (anchor [7], its reach [m], the target [7])
        self._pending: tuple | None = None
        # what depends only on the target's and the anchor's (and the set-point's) orientation,
        # kept while they are unchanged: name -> (their bytes, value) (:meth:`_kept`)
        self._kept_values: dict[str, tuple] = {}
        # what the target is for, as ``set_target`` was told ("goal": a plan's command; "camera
        # check": one of its moves); "" once anything else sets it (hold, reset, a restart at
        # the arm): the set-point then follows no one's command
        self.purpose = ""

    @property
    def active(self) -> bool:
        return self.setpoint is not None

    def reset(self, state) -> None:
        """Start at the measured pose ``state`` [7], its position clamped into the workspace box.

        A measured pose up to ``safety.workspace_tolerance_m`` outside the box is planned from;
        starting the set-point there would make the first tick's clamp a jump that the
        velocity then carries on (9 mm outside: 0.9 m/s). Clamped, the set-point starts at most
        that tolerance from the arm, at rest.
        """
        self.setpoint = self._boxed(state)
        self.target = self.setpoint.copy()
        self.velocity = np.zeros(3)
        self.angular_velocity = np.zeros(3)
        self.anchor = self._pending = None
        self.purpose = ""
        self._trail.clear()
        self._trail.append(self.setpoint, 0.0, trail_seconds(self.limits))

    def deactivate(self) -> None:
        self.setpoint = self.target = self.anchor = self._pending = None
        self.velocity = np.zeros(3)
        self.angular_velocity = np.zeros(3)
        self.purpose = ""

    def set_target(self, target, anchor=None, purpose: str = "") -> None:
        """Follow ``target`` [7] from now on, for ``purpose`` (kept in :attr:`purpose`).

        ``anchor`` [7]: the measured state the target was made safe against (``filter_target``'s
        ``current``). When given, every later set-point stays within ``limits.max_step_m`` and
        ``limits.max_rotation_step_rad`` of it (its position: within :attr:`reach_m` of it
        clamped into the box, as ``filter_target`` measures the step; the target must lie
        within them; the safety filter guarantees that). None: no reach limit (box only).
        A set-point that cannot keep within the new reach within the limits (outside it, or
        moving outward too fast to brake in the room left: ``anchor_lag.settles``) with an
        anchor on its recent path (``anchor_lag.trails``: the arm lags it) keeps the reach of
        before and heads for the target's nearest pose within it, braking within the limits;
        the new anchor and the target are taken once it can keep within them (breaker52j;
        meanwhile :attr:`anchor` and :attr:`reach_m` are those of before). A
        set-point outside the reach of an anchor off its path (the arm was moved or pushed
        away) restarts at the anchor, at rest, instead of being pulled into the reach.
        """
        if self.setpoint is None:
            raise RuntimeError("SetpointStreamer.reset(state) must come before set_target")
        self.target = np.asarray(target, dtype=np.float64).copy()
        self.purpose = purpose
        if anchor is None:
            self.anchor = self._pending = None
            return
        boxed = self._boxed(anchor)  # as filter_target measures the step
        self._pending = (boxed, step_reach(np.asarray(anchor, dtype=np.float64).reshape(7)[:3],
                                           self.limits), self.target)
        usual = min(self.recent_dts, default=1.0)  # no tick yet: at rest, any tick stops it
        if self._settle(usual, usual):
            return
        if trails(boxed, self._trail.points(), self.limits, max(self.recent_dts, default=0.0)):
            self.target = self._within_current_reach(self.target)
            return
        self._take_pending()
        if not self._reaches(self.setpoint):
            # The arm is elsewhere (moved while the set-point held, pushed away): clamping
            # the set-point into this reach would be a jump that the velocity then carries
            # on (15 cm away: about 6 m/s for four ticks). Restart at the measured pose.
            self._restart_at(self.anchor, self.target)

    def _settle(self, dt: float, next_dt: float) -> bool:
        """Take the pending anchor if the set-point can keep within its reach; whether taken."""
        anchor, reach_m, _ = self._pending
        if not settles(self.setpoint, self.velocity, self.angular_velocity, anchor, reach_m,
                       self.limits, dt, next_dt):
            return False
        self._take_pending()
        return True

    def _take_pending(self) -> None:
        self.anchor, self.reach_m, self.target = self._pending
        self._pending = None

    def _within_current_reach(self, target: np.ndarray) -> np.ndarray:
        """Return ``target`` [7] moved to its nearest pose within the current anchor's reach."""
        target = target.copy()
        target[:3] = self._within_reach(target[:3])  # on the segment anchor-target: in the box
        turn = Rotation.from_euler("xyz", target[3:6])
        kept = self._turn_within_reach(turn)
        if kept is not turn:
            target[3:6] = kept.as_euler("xyz")
        return target

    def restart_if_away(self, state, tolerance_m: float, tolerance_rad: float) -> float | None:
        """Restart at the measured pose ``state`` [7] if the set-point is not at it.

        For a stream that resumes after a hold on its inputs (states stale or invalid): the arm
        may have been moved meanwhile (a driver restarted, the arm guided by hand), and the
        set-point of before, streamed on, would pull it back in one tick (breaker32r). Farther
        than ``tolerance_m`` [m] or ``tolerance_rad`` [rad] from the pose (clamped into the
        box): the set-point restarts there at rest, the target the same pose (holding there
        until a new target; the gripper as it was). Returns the distance [m] the set-point was
        from the pose when it restarted, else None (also when inactive).
        """
        if self.setpoint is None:
            return None
        anchor = self._boxed(state)
        gap, turn = poses_apart(self.setpoint, anchor)
        if gap <= tolerance_m and turn <= tolerance_rad:
            return None
        self._restart_at(anchor)
        self.reach_m = step_reach(np.asarray(state, dtype=np.float64).reshape(7)[:3], self.limits)
        return gap

    def _boxed(self, state) -> np.ndarray:
        """Return a float64 copy of the pose ``state`` [7], its position clamped into the box.

        ``safety.step_start``: where ``filter_target`` measures a step from.
        """
        return step_start(state, self.limits)

    def _restart_at(self, anchor: np.ndarray, target: np.ndarray | None = None) -> None:
        """Restart the set-point at ``anchor`` [7], at rest, the gripper as it was.

        ``target``: what it follows from there (None: the new set-point itself, holding).
        """
        gripper, purpose = self.setpoint[6], self.purpose
        self.reset(anchor)
        self.setpoint[6] = gripper
        self.target = self.setpoint.copy() if target is None else target
        self.purpose = "" if target is None else purpose
        self.anchor = anchor

    def _reaches(self, setpoint: np.ndarray) -> bool:
        """Whether ``setpoint`` [7] lies within the anchor's reach (translation and rotation)."""
        offset, turn = poses_apart(setpoint, self.anchor)
        return offset <= self.reach_m + 1e-9 and \
            turn <= self.limits.max_rotation_step_rad + 1e-9

    def hold(self) -> None:
        """Stop where the set-point is now (target := set-point, velocities 0)."""
        if self.setpoint is not None:
            self.target = self.setpoint.copy()
        self.velocity = np.zeros(3)
        self.angular_velocity = np.zeros(3)
        self.purpose = ""
        self._pending = None

    def moving(self) -> bool:
        """Return True while the set-point has a linear or angular velocity."""
        return bool(self.velocity.any() or self.angular_velocity.any())

    def arrived(self, tolerance: float = 1e-4) -> bool:
        """Return True when the set-point has reached the target and stopped."""
        if self.setpoint is None:
            return True
        return bool(
            np.linalg.norm(self.target[:3] - self.setpoint[:3]) <= tolerance
            and self.rotation_left() <= 1e-4
            and not self.moving()
        )

    def rotation_left(self) -> float:
        """Angle [rad] between the set-point's and the target's orientation."""
        return float(self._remaining_rotation().magnitude())

    def _remaining_rotation(self) -> Rotation:
        return Rotation.from_euler("xyz", self.target[3:6]) * Rotation.from_euler(
            "xyz", self.setpoint[3:6]
        ).inv()

    def step(self, dt: float) -> np.ndarray:
        """Advance the set-point by ``dt`` seconds; return it [7] (a copy)."""
        if self.setpoint is None:
            raise RuntimeError("SetpointStreamer.reset(state) must come before step")
        if not dt > 0:
            return self.setpoint.copy()
        self.recent_dts.append(dt)
        next_dt = min(self.recent_dts)  # the next tick may be this short
        if self._pending is not None:
            self._settle(dt, next_dt)
        limits = self.limits
        remaining = self.target[:3] - self.setpoint[:3]
        before = self.velocity
        lower, upper = limits.box
        room = (self.setpoint[:3] - lower, upper - self.setpoint[:3])  # to the box's faces
        reach = None if self.anchor is None else reach_face(
            self.setpoint[:3] - self.anchor[:3], self.reach_m, self.velocity)
        self.velocity = ramp_velocity(self.velocity, remaining, limits.max_speed_m_s,
                                      limits.max_accel_m_s2, dt, next_dt, room, reach)
        if reach is not None:  # a straight stop kept within the curved reach (reach_stop)
            self.velocity = kept_in_reach(before, self.velocity, self.setpoint[:3] -
                                          self.anchor[:3], remaining, self.reach_m, limits, dt,
                                          next_dt)
        # A step that would pass the target (a target inside the braking distance, a late
        # callback's long tick, a jittered timer, the stream's rate changed: breaker42j) lands on
        # it where stopping there is within the acceleration limit (:func:`_lands_within`); else
        # it is the ramp's own step, a braking pass within the limits (at the end of a jittered
        # braking ramp by at most what is left of the step: breaker42m), and the ramp comes back.
        xyz = self.setpoint[:3] + self.velocity * dt
        passes = _passes(self.velocity * dt, remaining)
        if norm3(self.target[:3] - xyz) <= 1e-9:  # landed, up to float rounding
            xyz = self.target[:3].copy()
        elif passes and _lands_within(before, remaining, limits.max_accel_m_s2, dt, next_dt):
            # land on the target and stop there (the jump is shorter than the step it
            # replaces), within the limit
            xyz = self.target[:3].copy()
            self.velocity = np.zeros(3)
        clamped = np.clip(self._within_reach(xyz), lower, upper)
        if not np.array_equal(clamped, xyz):
            self.velocity = (clamped - self.setpoint[:3]) / dt
        self.setpoint[:3] = clamped

        orientation = self._euler("set-point", self.setpoint[3:6])
        rotvec = self._kept("turn left", lambda: (
            self._euler("target", self.target[3:6]) * orientation.inv()).as_rotvec(),
            self.target[3:6], self.setpoint[3:6])
        spin_before = self.angular_velocity
        turn_reach, offset = self._turn_reach(orientation, rotvec, dt, next_dt)
        self.angular_velocity = ramp_velocity(
            self.angular_velocity,
            rotvec,
            limits.max_angular_speed_rad_s,
            limits.max_angular_accel_rad_s2,
            dt,
            next_dt,
            None,  # no box for a turn
            turn_reach,
        )
        if turn_reach is not None:  # as for the translation above
            accel = limits.max_angular_accel_rad_s2
            self.angular_velocity = kept_stoppable(spin_before, self.angular_velocity, accel, dt,
                                                   lambda w: turn_stops_inside(
                offset, w, dt, limits.max_rotation_step_rad, accel))
        turn = self.angular_velocity * dt
        passes = _passes(turn, rotvec)
        if norm3(rotvec - turn) <= 1e-9:
            self.setpoint[3:6] = self.target[3:6]
        elif passes and _lands_within(spin_before, rotvec, limits.max_angular_accel_rad_s2, dt,
                                      next_dt):
            # a late tick would turn past the target (as for the translation above): land on
            # its orientation and stop turning there, within the limit
            self.setpoint[3:6] = self.target[3:6]
            self.angular_velocity = np.zeros(3)
        else:
            turned = Rotation.from_rotvec(self.angular_velocity * dt) * orientation
            kept = self._turn_within_reach(turned)
            if kept is not turned:
                self.angular_velocity = (kept * orientation.inv()).as_rotvec() / dt
            self.setpoint[3:6] = kept.as_euler("xyz")
        self.setpoint[6] = self.target[6]
        self._trail.append(self.setpoint, dt, trail_seconds(self.limits))
        if self._pending is not None and self.arrived() and not self._settle(dt, next_dt):
            self._pending = None  # at rest within the reach of before: it holds there
        return self.setpoint.copy()

    def twist(self) -> np.ndarray:
        """Return the set-point velocity [6]: linear [m/s] then angular [rad/s], base frame."""
        return np.concatenate([self.velocity, self.angular_velocity])

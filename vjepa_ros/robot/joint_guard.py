"""The joint-limit guard: a target whose step takes a joint near its limit is shortened.

The safety filter (:mod:`vjepa_ros.robot.safety`) bounds a target in Cartesian space only; a yaw
planned step after step turns joint 7 until it passes its ±2.8973 rad (a wrist flip) and the
real arm stops in a joint-limit reflex. With the joints measured (``robot.state_source:
joint_states``) :class:`JointLimitGuard` predicts the joints along the step (damped least-squares
steps through the numerical Jacobian of the forward kinematics, :data:`SUBSTEPS` of them from the
measured joints to the target) and keeps the step's part before the first joint that would come
within ``safety.joint_limit_margin_rad`` of its limit while turning toward it: the target
shortened (a clip naming the joint), or refused where no part of the step keeps the joints clear.
A prediction: the controller that follows ``target_pose`` resolves the arm's redundancy its own
way (its null space), so the margin is also room for the two to differ. Runs once per command.
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.robot.kinematics import FrankaKinematics, _rotation
from vjepa_ros.robot.safety import SafetyDecision, refuse
from vjepa_ros.robot.state_ranges import FR3_JOINT_LIMITS, PANDA_JOINT_LIMITS

JOINT_LIMITS = {"panda": PANDA_JOINT_LIMITS, "fr3": FR3_JOINT_LIMITS}  # by robot.model [rad]
SUBSTEPS = 8  # the step is followed in this many parts (each <= 12.5 mm, 0.044 rad by default)
DAMPING = 0.05  # [m, rad] the damped least-squares λ: steps stay bounded near a singularity
JACOBIAN_EPS = 1e-6  # [rad] the joint offset of the numerical Jacobian's differences


class JointLimitGuard:
    """Shorten a target [7] whose step would take a joint within ``margin`` [rad] of its limit.

    ``kinematics``: the arm's (its ``config.model`` picks Franka's published joint limits,
    :data:`JOINT_LIMITS`, and its tool frame the forward kinematics); ``margin`` [rad] > 0:
    ``safety.joint_limit_margin_rad``.
    """

    def __init__(self, kinematics: FrankaKinematics, margin: float):
        self.kinematics = kinematics
        self.margin = float(margin)
        self.lower, self.upper = JOINT_LIMITS[kinematics.config.model].T

    def _pose_and_jacobian(self, joints):
        """Return (position [3], rotation, Jacobian [6, 7]) of ``joints`` [7] (base frame)."""
        probes = joints + np.vstack([np.zeros(7), np.eye(7) * JACOBIAN_EPS])  # [8, 7]
        poses = self.kinematics.tool_pose(probes)
        rotations = _rotation().from_matrix(poses[:, :3, :3])
        jacobian = np.empty((6, 7))
        jacobian[:3] = ((poses[1:, :3, 3] - poses[0, :3, 3]) / JACOBIAN_EPS).T
        jacobian[3:] = ((rotations[1:] * rotations[0].inv()).as_rotvec() / JACOBIAN_EPS).T
        return poses[0, :3, 3], rotations[0], jacobian

    def predict(self, joints, target) -> np.ndarray:
        """Return the joints [SUBSTEPS + 1, 7] along the straight step to ``target`` [7].

        ``joints``: the measured arm joints [7] [rad]; ``target``: xyz [m] and extrinsic xyz
        Euler angles [rad] (and the gripper, ignored) of the end effector in the base frame.
        Row 0 is ``joints``; row k follows the k-th of :data:`SUBSTEPS` equal parts of the step
        (position along the line, orientation along the shortest turn) by one damped
        least-squares step from row k-1.
        """
        path = np.empty((SUBSTEPS + 1, 7))
        path[0] = joints = np.asarray(joints, dtype=np.float64)
        start_xyz, start_turn, jacobian = self._pose_and_jacobian(joints)
        target = np.asarray(target, dtype=np.float64)
        goal_turn = _rotation().from_euler("xyz", target[3:6])
        turn = (goal_turn * start_turn.inv()).as_rotvec()
        position, rotation = start_xyz, start_turn
        for k in range(1, SUBSTEPS + 1):
            share = k / SUBSTEPS
            wanted_xyz = start_xyz + share * (target[:3] - start_xyz)
            wanted_turn = _rotation().from_rotvec(share * turn) * start_turn
            error = np.concatenate([wanted_xyz - position,
                                    (wanted_turn * rotation.inv()).as_rotvec()])
            gram = jacobian @ jacobian.T + DAMPING ** 2 * np.eye(6)
            joints = joints + jacobian.T @ np.linalg.solve(gram, error)
            path[k] = joints
            position, rotation, jacobian = self._pose_and_jacobian(joints)
        return path

    def check(self, joints, current, decision: SafetyDecision) -> SafetyDecision:
        """Return ``decision`` (an accepted one of ``filter_target``), shortened or refused.

        ``joints``: the measured arm joints [7] [rad]; ``current``: the measured state [7] the
        step starts from. A joint counts when it ends a part of the step within ``margin`` of a
        limit and nearer to it than at the start (a joint already in the margin may turn away).
        The target then ends at the last part before (its share of the translation and the
        turn from ``current``, the gripper as planned), with a clip naming the joint; refused
        when that is the first part.
        """
        if not decision.accepted:
            return decision
        path = self.predict(joints, decision.target)
        room = np.minimum(path - self.lower, self.upper - path)  # [SUBSTEPS + 1, 7]
        # the room toward the limit the joint moved toward
        near = np.where(path > path[0], self.upper - path, path - self.lower)
        start_near = np.where(path > path[0], self.upper - path[0], path[0] - self.lower)
        bad = (near < self.margin) & (near < start_near)
        parts = np.flatnonzero(bad.any(axis=1))
        if parts.size == 0:
            return decision
        first = int(parts[0])
        joint = int(np.flatnonzero(bad[first])[0])
        limit = self.upper[joint] if path[first, joint] > path[0, joint] else self.lower[joint]
        words = (f"joint {joint + 1} would come within safety.joint_limit_margin_rad "
                 f"{self.margin:g} of its limit {limit:+.4f} rad (at {path[0, joint]:+.3f}, "
                 f"predicted {path[first, joint]:+.3f}, room {room[first, joint]:.3f})")
        if first == 1:
            return refuse(f"{words}: step refused; a plan turning it back is taken")
        share = (first - 1) / SUBSTEPS
        target = _along(np.asarray(current, dtype=np.float64), decision.target, share)
        clipped = decision.clipped + (f"{words}: step shortened to {share:.0%}",)
        return SafetyDecision(target=target, reason="clipped: " + ", ".join(clipped),
                              clipped=clipped)


def _along(current: np.ndarray, target: np.ndarray, share: float) -> np.ndarray:
    """Return the pose [7] ``share`` of the way from ``current`` to ``target`` (its gripper)."""
    Rotation = _rotation()
    start = Rotation.from_euler("xyz", current[3:6])
    turn = (Rotation.from_euler("xyz", target[3:6]) * start.inv()).as_rotvec()
    angles = (Rotation.from_rotvec(share * turn) * start).as_euler("xyz")
    return np.concatenate([current[:3] + share * (target[:3] - current[:3]), angles,
                           target[6:7]])

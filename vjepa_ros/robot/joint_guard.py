"""The joint-limit guard: a target whose step takes a joint near its limit is shortened.

The safety filter (:mod:`vjepa_ros.robot.safety`) bounds a target in Cartesian space only; a yaw
planned step after step turns joint 7 until it passes its ±2.8973 rad (a wrist flip) and the
real arm stops in a joint-limit reflex. With the joints measured (``robot.state_source:
joint_states``) :class:`JointLimitGuard` predicts the joints along the step (damped least-squares
steps through the numerical Jacobian of the forward kinematics, :data:`SUBSTEPS` of them from the
measured joints to the target) and keeps the step's part before the first joint that would come
within ``safety.joint_limit_margin_rad`` of its limit, or a joint already inside the margin
that would not turn away from its limit by more than :data:`MOTION_TOLERANCE_RAD` (float noise
of the prediction is never "toward"), or the first part whose prediction misses its share of the
step by more than :data:`REACH_TOLERANCE_M`/:data:`REACH_TOLERANCE_RAD` (damped least squares
stalled near a singularity: the controller then goes where the prediction did not look): the
target shortened (a clip naming the joint), or refused where no part of the step keeps the joints
clear. A step that does not move the end effector from where the step is measured (a
gripper-only command, below :data:`STILL_M`/:data:`STILL_RAD`; an arm just outside the box:
its arm part the clamp into the box, as every command's) is never judged. A prediction: the
controller that follows ``target_pose`` resolves the arm's redundancy its own way (its null
space), so the margin is also room for the two to differ; a joint inside it may not creep
further in by the prediction's error (breaker54k/live54: 2.836 -> 2.862 with the edge at
2.797). Runs once per command.
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.robot.accepted_joints import NO_JOINTS
from vjepa_ros.robot.arm_models import LIMITS_OF_MODEL, model_of_prefix
from vjepa_ros.robot.kinematics import FrankaKinematics, _rotation
from vjepa_ros.robot.safety import SafetyDecision, refuse
from vjepa_ros.robot.state_ranges import FR3_JOINT_LIMITS, PANDA_JOINT_LIMITS

# [rad] by robot.model, and by arm_models.LIMITS_OF_MODEL of the model a joint prefix names
JOINT_LIMITS = {"panda": PANDA_JOINT_LIMITS, "fr3": FR3_JOINT_LIMITS}
SUBSTEPS = 8  # the step is followed in this many parts (each <= 12.5 mm, 0.044 rad by default)
DAMPING = 0.05  # [m, rad] the damped least-squares λ: steps stay bounded near a singularity
JACOBIAN_EPS = 1e-6  # [rad] the joint offset of the numerical Jacobian's differences
# [rad] a joint's predicted motion smaller than this is no motion: the prediction's float noise is
# ~1e-12 rad (1e-16 at a step of nothing), while a planned step (>= 1 mm, 0.01 rad of the hand;
# each of SUBSTEPS parts 1/8 of it) turns some joint by >= 1e-4 rad per part (lever <= 1.2 m)
MOTION_TOLERANCE_RAD = 1e-6
# [m, rad] a step moving the end effector less than both is not judged (a gripper-only command)
STILL_M = 1e-6
STILL_RAD = 1e-6
# [m, rad] a part whose predicted pose misses its share of the step by more than this: the
# prediction stalled (the straight elbow: 6.7 mm short after the first of 8 parts, 44 mm at the
# end in breaker54k) and says nothing of the joints the controller will take there. Steps of
# ~5 cm, 0.17 rad from 300 postures around the ready pose: a part misses by 0.9 mm at the median,
# 3.8 mm at the 99th percentile (the damping's lag, caught up in the next part)
REACH_TOLERANCE_M = 0.005
REACH_TOLERANCE_RAD = 0.03


class JointLimitGuard:
    """Shorten a target [7] whose step would take a joint within ``margin`` [rad] of its limit.

    ``kinematics``: the arm's (its ``config.model`` picks Franka's published joint limits,
    :data:`JOINT_LIMITS`, and its tool frame the forward kinematics); ``margin`` [rad] > 0:
    ``safety.joint_limit_margin_rad``.
    """

    def __init__(self, kinematics: FrankaKinematics, margin: float):
        self.kinematics = kinematics
        self.margin = float(margin)
        self.model = kinematics.config.model
        self.bounds = JOINT_LIMITS[self.model].T  # [2, 7] lower, upper [rad]; one assignment

    @property
    def lower(self) -> np.ndarray:
        return self.bounds[0]

    @property
    def upper(self) -> np.ndarray:
        return self.bounds[1]

    def follow_prefix(self, prefix: str) -> str:
        """Take the limits of the arm the joint names' ``prefix`` names; return a note or ''.

        ``fr3_joint1..7`` are an FR3's whatever ``robot.model`` says (breaker54k: an FR3 under
        the default panda was guarded by the Panda's joint 6 lower limit 0.0175, the FR3's is
        0.5445); fer_ a Panda's, fp3_ an FR3's (:mod:`~vjepa_ros.robot.arm_models`); a prefix
        naming no model, or one whose limits are unknown (the joint reader refuses those), keeps
        ``robot.model``'s. The note (one line) says which
        limits are taken when they are not ``robot.model``'s.
        """
        model = LIMITS_OF_MODEL.get(model_of_prefix(prefix)) or self.kinematics.config.model
        if model == self.model:
            return ""
        self.model = model
        self.bounds = JOINT_LIMITS[model].T  # (a check under way keeps the bounds it read)
        if model == self.kinematics.config.model:
            return ""
        return (f"joint-limit guard: the arm's joints are {prefix}joint1..7, so the {model}'s "
                f"joint limits are kept clear of, not robot.model "
                f"{self.kinematics.config.model}'s")

    def _pose_and_jacobian(self, joints):
        """Return (position [3], rotation, Jacobian [6, 7]) of ``joints`` [7] (base frame)."""
        probes = joints + np.vstack([np.zeros(7), np.eye(7) * JACOBIAN_EPS])  # [8, 7]
        poses = self.kinematics.tool_pose(probes)
        rotations = _rotation().from_matrix(poses[:, :3, :3])
        jacobian = np.empty((6, 7))
        jacobian[:3] = ((poses[1:, :3, 3] - poses[0, :3, 3]) / JACOBIAN_EPS).T
        jacobian[3:] = ((rotations[1:] * rotations[0].inv()).as_rotvec() / JACOBIAN_EPS).T
        return poses[0, :3, 3], rotations[0], jacobian

    def predict(self, joints, target, start=None) -> np.ndarray:
        """Return the joints [SUBSTEPS + 1, 7] along the straight step to ``target`` [7].

        :meth:`predict_with_misses` without the misses.
        """
        return self.predict_with_misses(joints, target, start)[0]

    def predict_with_misses(self, joints, target, start=None) -> tuple[np.ndarray, np.ndarray]:
        """Return (joints [SUBSTEPS + 1, 7], misses [SUBSTEPS + 1, 2]) along the step.

        ``joints``: the measured arm joints [7] [rad]; ``target``: xyz [m] and extrinsic xyz
        Euler angles [rad] (and the gripper, ignored) of the end effector in the base frame;
        ``start``: the pose [7] the step is measured from (``SafetyDecision.start``: the
        measured pose clamped into the box, where the set-point starts; None: the pose of
        ``joints``). Row 0 is ``joints``; row k follows the k-th of :data:`SUBSTEPS` equal parts
        of the step from ``start`` (position along the line, orientation along the shortest
        turn) by one damped least-squares step from row k-1 (row 1 also closes the gap from
        ``joints``' pose to ``start``: at most ``safety.workspace_tolerance_m``). ``misses[k]``:
        how far row k's pose is from the k-th part's end, position [m] and turn [rad] (row 0:
        zeros).
        """
        path = np.empty((SUBSTEPS + 1, 7))
        misses = np.zeros((SUBSTEPS + 1, 2))
        path[0] = joints = np.asarray(joints, dtype=np.float64)
        position, rotation, jacobian = self._pose_and_jacobian(joints)
        if start is None:
            start_xyz, start_turn = position, rotation
        else:
            start = np.asarray(start, dtype=np.float64)
            start_xyz, start_turn = start[:3], _rotation().from_euler("xyz", start[3:6])
        target = np.asarray(target, dtype=np.float64)
        goal_turn = _rotation().from_euler("xyz", target[3:6])
        turn = (goal_turn * start_turn.inv()).as_rotvec()
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
            misses[k] = (np.linalg.norm(wanted_xyz - position),
                         np.linalg.norm((wanted_turn * rotation.inv()).as_rotvec()))
        return path, misses

    def check(self, joints, current, decision: SafetyDecision) -> SafetyDecision:
        """Return ``decision`` (an accepted one of ``filter_target``), shortened or refused.

        ``joints``: the measured arm joints [7] [rad] of ``current``, the measured state [7] the
        step starts from (None: none known for it, ``accepted_joints.AcceptedJoints``: a step
        that moves the end effector is refused, ``accepted_joints.NO_JOINTS``). A part counts
        when a joint ends it within ``margin`` of a limit having started outside the margin, or,
        started inside it, not farther from its nearer
        limit than at the start by more than :data:`MOTION_TOLERANCE_RAD`; or when its
        prediction misses the part's end (:data:`REACH_TOLERANCE_M`, :data:`REACH_TOLERANCE_RAD`).
        The parts are those of the step from ``decision.start`` (where ``filter_target``
        measured it from: ``current`` clamped into the box; ``current`` when None). The
        target then ends at the last part before (its share of the translation and the turn
        from that start, the gripper as planned: inside the box and within the step's reach
        like the filter's), with a clip naming the joint; refused when that is the first
        part. A step that does not move the end effector from that start (a gripper-only
        command) is returned as it is, its arm part clamped: ``decision.start``, the measured
        pose clamped into the box, where the set-point starts for every command and restarts
        after a hold (``targets.SetpointStreamer``), at most ``safety.workspace_tolerance_m``
        from the arm. Judged, the clamp's own turn of a joint in its margin toward its limit
        (~5 mrad for 5 mm) refused the step, and no gripper-only plan turns it back: the
        hand was never commanded (breaker56g).
        """
        if not decision.accepted:
            return decision
        start = np.asarray(current if decision.start is None else decision.start,
                           dtype=np.float64)
        if _still(start, decision.target):  # the arm part: the set-point's start (docstring)
            return decision
        if joints is None:
            return refuse(NO_JOINTS)
        lower, upper = self.bounds
        path, misses = self.predict_with_misses(joints, decision.target, start)
        room = np.minimum(path - lower, upper - path)  # [SUBSTEPS + 1, 7]
        inside = room[0] < self.margin
        # toward the limit nearer at the start: a joint inside the margin must turn away
        side = np.where(path[0] - lower <= upper - path[0], path - lower,
                        upper - path)
        bad = np.where(inside, side < side[0] + MOTION_TOLERANCE_RAD, room < self.margin)
        bad[0] = False
        missed = (misses[:, 0] > REACH_TOLERANCE_M) | (misses[:, 1] > REACH_TOLERANCE_RAD)
        parts = np.flatnonzero(bad.any(axis=1) | missed)
        if parts.size == 0:
            return decision
        first = int(parts[0])
        if bad[first].any():
            joint = int(np.flatnonzero(bad[first])[0])
            near_upper = path[first, joint] > path[0, joint] if not inside[joint] \
                else upper[joint] - path[0, joint] < path[0, joint] - lower[joint]
            limit = upper[joint] if near_upper else lower[joint]
            verb = "would stay within" if inside[joint] else "would come within"
            words = (f"joint {joint + 1} {verb} safety.joint_limit_margin_rad "
                     f"{self.margin:g} of its limit {limit:+.4f} rad (at {path[0, joint]:+.3f}, "
                     f"predicted {path[first, joint]:+.3f}, room {room[first, joint]:.3f})")
        else:
            words = (f"the joints' prediction misses the step by {misses[first, 0] * 1e3:.0f} mm, "
                     f"{misses[first, 1]:.3f} rad (near a singularity: joint "
                     f"{int(np.argmax(np.abs(path[first] - path[first - 1]))) + 1} turning "
                     "fastest), so where the controller takes the joints is not known")
        if first == 1:
            return refuse(f"{words}: step refused; a plan turning it back is taken")
        share = (first - 1) / SUBSTEPS
        target = _along(start, decision.target, share)
        clipped = decision.clipped + (f"{words}: step shortened to {share * 100:g}%",)
        return SafetyDecision(target=target, reason="clipped: " + ", ".join(clipped),
                              clipped=clipped, start=decision.start)


def _along(start: np.ndarray, target: np.ndarray, share: float) -> np.ndarray:
    """Return the pose [7] ``share`` of the way from ``start`` to ``target`` (its gripper).

    ``start``: the pose the step is measured from (``SafetyDecision.start``).
    """
    Rotation = _rotation()
    turned_from = Rotation.from_euler("xyz", start[3:6])
    turn = (Rotation.from_euler("xyz", target[3:6]) * turned_from.inv()).as_rotvec()
    angles = (Rotation.from_rotvec(share * turn) * turned_from).as_euler("xyz")
    return np.concatenate([start[:3] + share * (target[:3] - start[:3]), angles,
                           target[6:7]])


def _still(current: np.ndarray, target: np.ndarray) -> bool:
    """Whether the step from ``current`` to ``target`` [7] moves the end effector not at all.

    Less than :data:`STILL_M` of translation and :data:`STILL_RAD` of turn (a gripper-only
    command, the pose as measured).
    """
    Rotation = _rotation()
    turn = Rotation.from_euler("xyz", target[3:6]) * Rotation.from_euler("xyz", current[3:6]).inv()
    return bool(np.linalg.norm(np.asarray(target[:3]) - current[:3]) < STILL_M
                and turn.magnitude() < STILL_RAD)

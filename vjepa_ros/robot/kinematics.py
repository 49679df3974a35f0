"""Franka Panda / FR3 forward kinematics: joint states → the 7-D end-effector state of V-JEPA 2-AC.

The arm follows Franka's published Denavit–Hartenberg table (Craig's modified convention: each
row is ``a_{i-1}, d_i, alpha_{i-1}``; the link transform is RotX(alpha)·TransX(a)·RotZ(q)·
TransZ(d)).
The FR3 shares the Panda's table. After joint 7 come the flange (0.107 m along z) and a
configurable tool frame (default: the Franka Hand TCP, 0.1034 m along z and −45° about z), which
must match the end-effector frame of the controller the targets go to.

The state is position xyz [m] in the base frame, orientation as extrinsic "xyz" Euler angles [rad]
and gripper closedness in [0, 1] (0 open); joint states in any layout and the finger-width ↔
closedness mapping are read by :mod:`vjepa_ros.robot.joint_states`. Everything is numpy float64
and batched over leading dims.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from vjepa_ros.config import param
from vjepa_ros.robot.base_frame import arm_link0
from vjepa_ros.robot.franka_hand import FRANKA_HAND_MAX_WIDTH
from vjepa_ros.robot.rotvec import matrix_to_euler_xyz
from vjepa_ros.robot.state_ranges import (
    FINGER_MAX_M,
    QUATERNION_NORM_TOLERANCE,
    quaternion_norm_problem,
)
from vjepa_ros.state_limits import reach_problem

# Rows: a_{i-1} [m], d_i [m], alpha_{i-1} [rad] (Franka's published table, Panda and FR3 alike).
FRANKA_DH = np.array(
    [
        [0.0, 0.333, 0.0],
        [0.0, 0.0, -math.pi / 2],
        [0.0, 0.316, math.pi / 2],
        [0.0825, 0.0, math.pi / 2],
        [-0.0825, 0.384, -math.pi / 2],
        [0.0, 0.0, math.pi / 2],
        [0.088, 0.0, math.pi / 2],
    ]
)
FLANGE_OFFSET = 0.107  # joint 7 → flange, along z [m]
HAND_TCP_XYZ = [0.0, 0.0, 0.1034]  # flange → Franka Hand TCP (between the fingertips) [m]
HAND_TCP_RPY = [0.0, 0.0, -math.pi / 4]  # the hand is mounted −45° about the flange z axis
TCP_XYZ_BOUND = 1.0  # [m] per axis: a tool longer than that from the flange is a wrong value
MODELS = ("panda", "fr3")


class StateError(ValueError):
    """A robot state that cannot be used: missing joints, NaN/inf values, bad shapes."""


@dataclasses.dataclass
class RobotConfig:
    model: str = param("panda", "Arm model: panda (Franka Emika Panda) or fr3 (Franka Research "
                       "3): same kinematics, other joint names.")
    joint_prefix: str = param(
        "", "Joint name prefix of the arm (e.g. left_fr3_ for left_fr3_joint1..7); empty: found "
        "from the names (<any><model>_joint1..7: panda_, fer_, fr3_, fp3_, or unprefixed "
        "joint1..7 of franka_description's --no-prefix arm, all seven with no prefixed arm "
        "beside them, else another device's, ignored; the first arm seen; fr3v2_ refused: its "
        "joint limits are unknown here); franka_ros's "
        "numbered panda_1_joint1..7 are read only when given (panda_1_)."
    )
    base_frame: str = param(
        "", "Base frame of states, current_pose and target poses; empty: '<joint_prefix>link0' "
        "(without a prefix: the arm's link0 as its joint names give it, e.g. fr3_link0; "
        "current_pose: '<model>_link0'). Poses stamped in another frame are refused. With "
        "state_source joint_states (forward kinematics from link0) only the arm's link0 or "
        "franka_description's base (mount offset 0) are accepted.",
        frame_id=True
    )
    flange_offset: float = param(FLANGE_OFFSET, "Joint 7 to flange distance along z [m].",
        range=(0, 0.5))
    tcp_xyz: list[float] = param(
        HAND_TCP_XYZ,
        "Flange to end-effector (TCP) translation [m], each in [-1, 1]; default the Franka Hand "
        "TCP. Must match the end-effector frame of the controller that receives target_pose.",
    )
    tcp_rpy: list[float] = param(
        HAND_TCP_RPY, "Flange to TCP rotation as extrinsic xyz Euler angles [rad], each in "
        "[-2π, 2π]."
    )
    gripper_max_width: float = param(
        FRANKA_HAND_MAX_WIDTH, "Finger opening [m] that counts as fully open (closedness 0); "
        f"at most the Franka Hand's full opening, {FRANKA_HAND_MAX_WIDTH:g} ({FINGER_MAX_M:g} per "
        "finger).",
        range=(0, FRANKA_HAND_MAX_WIDTH), low_open=True
    )
    gripper_state_topic: str = param(
        "", "JointState topic with the gripper's finger joints (<prefix>finger_joint1/2), e.g. "
        "/fr3_gripper/joint_states; empty: a JointState topic named *gripper* in the arm's "
        "namespace or one above it, else the fingers on joint_states (the choice is logged and "
        "in diagnostics; two such topics with this hand are ambiguous until this is set)."
    )
    state_source: str = param(
        "joint_states",
        "Where the end-effector pose comes from: joint_states (forward kinematics) or pose "
        "(a geometry_msgs/PoseStamped topic 'current_pose' stamped in base_frame).",
    )

    def __post_init__(self):
        for name, unit, bound in (("tcp_xyz", "m", TCP_XYZ_BOUND),
                                  ("tcp_rpy", "rad", 2 * math.pi)):
            values = getattr(self, name)
            try:
                usable = len(values) == 3 and all(abs(float(v)) <= bound for v in values)
            except (TypeError, ValueError):
                usable = False
            # NaN or inf made every pose NaN, and every plan with it; 1e5 m put the end effector
            # 100 km away and the planner advised moving the arm back by hand
            if not usable:
                raise ValueError(f"robot.{name} must be 3 numbers in [-{bound:.4g}, {bound:.4g}] "
                                 f"[{unit}], got {values!r}")
        hand = FRANKA_HAND_MAX_WIDTH  # the only hand read (fingers)
        width = self.gripper_max_width
        if isinstance(width, (int, float)) and math.isfinite(width) and width > hand:
            # measured fingers beyond 0.04 m each are refused (state_ranges): a wider "fully
            # open" is never measured (never open), and GripperCommand goals would ask for more
            raise ValueError(f"robot.gripper_max_width must be at most {hand:g} m, the Franka "
                             f"Hand's full opening ({FINGER_MAX_M:g} m per finger), got "
                             f"{self.gripper_max_width!r}: give the opening in metres that "
                             "counts as fully open")


def modified_dh(a, d, alpha, q: np.ndarray) -> np.ndarray:
    """Link transforms [..., 4, 4] for joint angles q [...] (Craig: RotX·TransX·RotZ·TransZ).

    ``a``, ``d`` and ``alpha`` are scalars or arrays broadcasting with ``q`` (e.g. all seven rows
    of the DH table at once for q [..., 7]).
    """
    q = np.asarray(q, dtype=np.float64)
    cq, sq = np.cos(q), np.sin(q)
    ca, sa = np.cos(alpha), np.sin(alpha)
    link = np.zeros(np.broadcast_shapes(q.shape, np.shape(a), np.shape(alpha)) + (4, 4))
    link[..., 0, 0], link[..., 0, 1], link[..., 0, 3] = cq, -sq, a
    link[..., 1, 0], link[..., 1, 1], link[..., 1, 2], link[..., 1, 3] = (
        sq * ca, cq * ca, -sa, -sa * d)
    link[..., 2, 0], link[..., 2, 1], link[..., 2, 2], link[..., 2, 3] = (
        sq * sa, cq * sa, ca, ca * d)
    link[..., 3, 3] = 1.0
    return link


def _rotation():
    """Return scipy's ``Rotation``, imported on first use.

    ``RobotConfig`` (here) is part of every node and command configuration; importing scipy's
    spatial package with it (0.3 s) would delay each command's option check.
    """
    from scipy.spatial.transform import Rotation

    return Rotation


def transform(xyz, rpy) -> np.ndarray:
    """Homogeneous transform [4, 4] from a translation and extrinsic xyz Euler angles."""
    matrix = np.eye(4)
    matrix[:3, :3] = _rotation().from_euler("xyz", np.asarray(rpy, dtype=float)).as_matrix()
    matrix[:3, 3] = np.asarray(xyz, dtype=float)
    return matrix


def forward_kinematics(
    joints: np.ndarray, flange_offset: float = FLANGE_OFFSET, tool: np.ndarray | None = None
) -> np.ndarray:
    """Return base → tool transforms [..., 4, 4] of joint angles [..., 7] (default: Hand TCP)."""
    joints = np.asarray(joints, dtype=np.float64)
    if joints.ndim == 0 or joints.shape[-1] != 7:
        raise StateError(f"expected 7 arm joint angles [..., 7], got shape {list(joints.shape)}")
    links = modified_dh(*FRANKA_DH.T, joints)  # [..., 7, 4, 4], all seven built at once
    pose = links[..., 0, :, :]
    for index in range(1, 7):
        pose = pose @ links[..., index, :, :]
    flange = np.eye(4)
    flange[2, 3] = flange_offset
    tool = transform(HAND_TCP_XYZ, HAND_TCP_RPY) if tool is None else tool
    return pose @ flange @ tool


def pose_to_state(position, quat_xyzw, gripper) -> np.ndarray:
    """7-D state [..., 7] from positions [..., 3], quaternions [..., 4] (x, y, z, w), gripper.

    For measured poses: raises :class:`StateError` for NaN/inf, a zero quaternion, a quaternion
    whose norm is off 1 by more than ``state_ranges.QUATERNION_NORM_TOLERANCE`` (not normalised:
    never normalised silently; the simulator refuses such a target too) and a position beyond
    the arm's reach (``state_limits.MAX_REACH_M`` from the base: millimetres, another frame).
    """
    position = np.asarray(position, dtype=np.float64)
    quat = np.asarray(quat_xyzw, dtype=np.float64)
    gripper = np.asarray(gripper, dtype=np.float64)
    values = np.concatenate([position.ravel(), quat.ravel(), gripper.ravel()])
    if not np.isfinite(values).all():
        raise StateError("end-effector pose contains NaN or inf")
    norm = np.linalg.norm(quat, axis=-1)
    if np.any(norm < 1e-6):
        raise StateError("end-effector orientation is a zero quaternion")
    if not np.all(np.abs(norm - 1.0) <= QUATERNION_NORM_TOLERANCE):  # the norm it has: worded
        # only when off (the simulator's target_pose tolerance; never normalised silently)
        raise StateError(quaternion_norm_problem(
            quat, subject="end-effector orientation quaternion"))
    problem = reach_problem(position)
    if problem:
        raise StateError(problem)
    angles = _rotation().from_quat(quat.reshape(-1, 4)).as_euler("xyz").reshape(position.shape)
    return np.concatenate([position, angles, gripper[..., None]], axis=-1)


def state_to_pose(state) -> tuple[np.ndarray, np.ndarray]:
    """Position [..., 3] and quaternion [..., 4] (x, y, z, w) of 7-D states [..., 7]."""
    state = np.asarray(state, dtype=np.float64)
    quat = _rotation().from_euler("xyz", state[..., 3:6].reshape(-1, 3)).as_quat()
    return state[..., :3].copy(), quat.reshape(state.shape[:-1] + (4,))


class FrankaKinematics:
    """Joint names, base frame and forward kinematics of one configured arm."""

    def __init__(self, config: RobotConfig | None = None):
        config = config or RobotConfig()
        if config.model not in MODELS:
            raise ValueError(f"robot.model must be one of {MODELS}, got {config.model!r}")
        if config.state_source not in ("joint_states", "pose"):
            raise ValueError(
                f"robot.state_source must be joint_states or pose, got {config.state_source!r}"
            )
        if not config.gripper_max_width > 0:
            raise ValueError("robot.gripper_max_width must be > 0")
        self.config = config
        prefix = config.joint_prefix or f"{config.model}_"
        self.joint_names = [f"{prefix}joint{i}" for i in range(1, 8)]
        self.finger_names = [f"{prefix}finger_joint1", f"{prefix}finger_joint2"]
        self.base_frame = config.base_frame or arm_link0(config.joint_prefix, config.model)
        self.tool = transform(config.tcp_xyz, config.tcp_rpy)
        # the last single configuration's pose: (its joints' bytes, pose [6]); an arm holding
        # still publishes the same joint values at up to 1 kHz (perf58: forward kinematics and
        # scipy's from_matrix were ~45 % of a joint-state message's CPU)
        self._last_pose: tuple[bytes, np.ndarray] | None = None
        # _single_pose's constants: modified_dh's entries that do not depend on the joints
        a, d, alpha = FRANKA_DH.T
        self._cos_alpha, self._sin_alpha = np.cos(alpha), np.sin(alpha)
        self._links = modified_dh(a, d, alpha, np.zeros(7))  # [7, 4, 4]; q entries overwritten
        self._flange = np.eye(4)
        self._flange[2, 3] = config.flange_offset

    def tool_pose(self, joints) -> np.ndarray:
        """Return base → TCP transforms [..., 4, 4] of arm joint angles [..., 7]."""
        return forward_kinematics(joints, self.config.flange_offset, self.tool)

    def ee_pose(self, joints) -> np.ndarray:
        """End-effector xyz [m] + extrinsic xyz Euler angles [rad], [..., 6], of joints [..., 7].

        Raises :class:`StateError` for NaN/inf joint angles or a wrong shape. One configuration
        [7] with the same bits as the last one's gives that one's pose again (a new array, the
        same bits), without computing it.
        """
        joints = np.asarray(joints, dtype=np.float64)
        single = joints.shape == (7,)
        last = self._last_pose  # read once: another thread may replace it meanwhile
        if single and last is not None and last[0] == joints.tobytes():
            return last[1].copy()  # (only finite joints are kept)
        if not np.isfinite(joints).all():
            raise StateError("arm joint positions contain NaN or inf")
        if single:
            pose = self._single_pose(joints)
            self._last_pose = (joints.tobytes(), pose.copy())
            return pose
        pose = self.tool_pose(joints)
        angles = _rotation().from_matrix(pose[..., :3, :3].reshape(-1, 3, 3)).as_euler("xyz")
        return np.concatenate([pose[..., :3, 3], angles.reshape(pose.shape[:-2] + (3,))], axis=-1)

    def _single_pose(self, joints: np.ndarray) -> np.ndarray:
        """:meth:`ee_pose` of one finite configuration [7], the same bits, ~5x faster (perf59).

        A moving arm's joint states (1 kHz on franka_ros2) each need a new pose: the link
        transforms' constant entries are filled once (``_links``, copied per call: callbacks may
        run on several threads), the joint-dependent ones with :func:`modified_dh`'s arithmetic,
        the product taken in :func:`forward_kinematics`'s order; the Euler angles are
        ``rotvec.matrix_to_euler_xyz``'s (scipy's arithmetic on floats, without scipy's
        per-call checks, ~60 % of this pose's CPU before).
        """
        cq, sq = np.cos(joints), np.sin(joints)
        links = self._links.copy()
        links[:, 0, 0], links[:, 0, 1] = cq, -sq
        links[:, 1, 0], links[:, 1, 1] = sq * self._cos_alpha, cq * self._cos_alpha
        links[:, 2, 0], links[:, 2, 1] = sq * self._sin_alpha, cq * self._sin_alpha
        pose = links[0]
        for index in range(1, 7):
            pose = pose @ links[index]
        pose = pose @ self._flange @ self.tool
        return np.concatenate([pose[:3, 3], matrix_to_euler_xyz(pose[:3, :3])])

    def state(self, joints, gripper: float) -> np.ndarray:
        """7-D state [7] of arm joint angles [7] and a gripper closedness in [0, 1]."""
        return np.concatenate([self.ee_pose(joints), [float(gripper)]])

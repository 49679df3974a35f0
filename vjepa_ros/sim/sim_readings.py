"""The simulator's measurements: joint states, the end-effector's pose, the object's reading.

Split from ``sim`` (the world, its stepping and commands): :class:`SimReadings` is a mixin of
:class:`~vjepa_ros.sim.sim.Sim`, whose attributes (``_p``, ``client``, ``handles``, ``config``,
``target_position``, ``target_rotation``, ``gripper_command``, ``gripper_goal``, ``seed``) it
reads; it sets none.
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.planning.pose import quat_to_euler_floats
from vjepa_ros.robot.rotvec import matrix_to_quat
from vjepa_ros.sim.detectors import ObjectReading
from vjepa_ros.sim.gripper import GripperResult, gripper_result
from vjepa_ros.sim.panda import JOINT_NAMES, finger_positions_to_closedness


class SimReadings:
    """Measure a :class:`~vjepa_ros.sim.sim.Sim`'s robot and objects (no step, no command)."""

    def arm_joint_positions(self) -> np.ndarray:
        """Measured arm joint positions [7] (rad)."""
        states = self._p.getJointStates(self.handles.robot, self.handles.arm_joints,
                                        physicsClientId=self.client)
        return np.array([s[0] for s in states])

    def finger_positions(self) -> np.ndarray:
        """Measured finger joint positions [2] (m per finger)."""
        states = self._p.getJointStates(self.handles.robot, self.handles.finger_joints,
                                        physicsClientId=self.client)
        return np.array([s[0] for s in states])

    def joint_states(self) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray]:
        """Return names (``JOINT_NAMES``), positions, velocities and efforts [9] of all joints."""
        joints = self.handles.arm_joints + self.handles.finger_joints
        states = self._p.getJointStates(self.handles.robot, joints, physicsClientId=self.client)
        values = np.array([[s[0], s[1], s[3]] for s in states])  # [9, 3]
        return JOINT_NAMES, values[:, 0], values[:, 1], values[:, 2]

    def joint_velocities(self) -> np.ndarray:
        """Measured velocities [9] of the arm and finger joints."""
        return self.joint_states()[2]

    def _hand_frame(self):
        return self._p.getLinkState(self.handles.robot, self.handles.hand_link,
                                    computeForwardKinematics=True, physicsClientId=self.client)

    def ee_pose(self) -> tuple[np.ndarray, np.ndarray]:
        """End-effector (TCP) position [3] and rotation matrix [3, 3] in the base frame."""
        hand = self._hand_frame()
        rotation = np.array(self._p.getMatrixFromQuaternion(hand[5])).reshape(3, 3)
        position = np.array(hand[4]) + rotation[:, 2] * self.config.controller.tcp_offset
        return position, rotation

    def ee_quaternion(self) -> np.ndarray:
        """End-effector orientation as a quaternion (x, y, z, w) in the base frame."""
        return np.array(self._hand_frame()[5])

    def ee_state(self) -> np.ndarray:
        """Measured state [7] float64: TCP xyz, extrinsic xyz Euler angles, gripper closedness."""
        position, rotation = self.ee_pose()
        angles = matrix_to_euler(rotation)
        gripper = finger_positions_to_closedness(*self.finger_positions())
        return np.concatenate([position, angles, [gripper]])

    def target_state(self) -> np.ndarray:
        """Return the commanded state [7] (pose target and gripper command)."""
        angles = matrix_to_euler(self.target_rotation)
        return np.concatenate([self.target_position, angles, [self.gripper_command]])

    def gripper_result(self) -> GripperResult:
        """Return the GripperCommand result fields of the current goal, measured now."""
        _, positions, velocities, efforts = self.joint_states()
        return gripper_result(self.gripper_goal, positions[7:], velocities[7:], efforts[7:])

    def object_position(self) -> np.ndarray:
        """Return the graspable object's centre [3] m (base frame): one query, no contacts."""
        position, _ = self._p.getBasePositionAndOrientation(self.handles.graspable,
                                                            physicsClientId=self.client)
        return np.asarray(position)

    def object_reading(self, body: int | None = None) -> ObjectReading:
        """Measure ``body`` (default: the graspable object): pose, velocity, finger contacts.

        Finger forces are the summed normal forces [N] of pybullet's contact points between each
        finger link and the body; ``hand_contact`` is any other contact with the robot.
        """
        p, client, handles = self._p, self.client, self.handles
        body = handles.graspable if body is None else body
        if body is None:
            raise ValueError("no graspable object in this scene: set scene.graspable (cup, box)")
        position, quaternion = p.getBasePositionAndOrientation(body, physicsClientId=client)
        linear, angular = p.getBaseVelocity(body, physicsClientId=client)
        forces = [0.0, 0.0]
        other = False
        for contact in p.getContactPoints(bodyA=handles.robot, bodyB=body, physicsClientId=client):
            if contact[3] in handles.finger_joints:  # the finger link's index is its joint's
                forces[handles.finger_joints.index(contact[3])] += contact[9]
            else:
                other = True
        return ObjectReading(np.array(position), np.array(quaternion), np.array(linear),
                             np.array(angular), np.array(forces), other)

    def settings(self) -> dict:
        """Return the simulator's settings as an episode's metadata records them (flat names).

        ``SimConfig`` flattened (``config.flatten``), with ``seed`` the seed the scene was last
        built from (:meth:`reset`), not the config's: one Sim records many episodes.
        """
        from vjepa_ros.config import flatten

        return {**{name: value for name, value, _ in flatten(self.config)}, "seed": self.seed}

    def object_poses(self) -> np.ndarray:
        """Object poses [K, 7]: position xyz and quaternion (x, y, z, w), base frame."""
        poses = [
            np.concatenate(self._p.getBasePositionAndOrientation(body,
                                                                 physicsClientId=self.client))
            for body in self.handles.objects
        ]
        return np.array(poses).reshape(-1, 7)

    def _jacobian(self, tcp_position: np.ndarray) -> np.ndarray:
        """Jacobian [6, 7] of the TCP (linear rows, then angular) w.r.t. the arm joints."""
        p, handles = self._p, self.handles
        hand = self._hand_frame()
        com_rotation = np.array(p.getMatrixFromQuaternion(hand[1])).reshape(3, 3)
        local = com_rotation.T @ (tcp_position - np.array(hand[0]))  # TCP in the link's COM frame
        movable = p.getJointStates(handles.robot, handles.movable_joints,
                                   physicsClientId=self.client)
        positions = [s[0] for s in movable]
        zeros = [0.0] * len(positions)
        linear, angular = p.calculateJacobian(handles.robot, handles.hand_link, local.tolist(),
                                              positions, zeros, zeros,
                                              physicsClientId=self.client)
        columns = [handles.movable_joints.index(j) for j in handles.arm_joints]
        return np.vstack([np.asarray(linear)[:, columns], np.asarray(angular)[:, columns]])


def matrix_to_euler(rotation: np.ndarray) -> np.ndarray:
    """Extrinsic xyz Euler angles [3] of a rotation matrix [3, 3] (the planning convention)."""
    x, y, z, w = (float(v) for v in matrix_to_quat(rotation))  # scipy's as_quat(), bit for bit
    return np.array(quat_to_euler_floats(w, x, y, z))  # planning.pose.quat_to_euler's, bit for bit

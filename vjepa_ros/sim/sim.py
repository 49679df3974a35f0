"""The simulated Franka scene: a seeded pybullet world stepped with a Cartesian controller.

    with Sim(SimConfig(seed=3)) as sim:
        sim.set_target_state(goal_state)       # [7]: xyz, extrinsic xyz Euler, gripper closedness
        sim.command_gripper(0.02, 20.0)         # or a GripperCommand: m per finger, max effort N
        sim.advance(0.25)                       # physics + controller for 0.25 s of sim time
        frame = sim.render()                    # [H, W, 3] uint8 RGB from the exterior camera
        state = sim.ee_state()                  # [7] float64, the same convention

Each ``Sim`` owns a private pybullet client in DIRECT mode (no display, CPU rendering) and
disconnects it on :meth:`close`. A seed fixes the object placement; given the same seed and the
same calls, two runs produce identical states and images.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Iterator

import numpy as np
import torch
from scipy.spatial.transform import Rotation

from vjepa_ros.planning.pose import euler_to_matrix
from vjepa_ros.robot.state_ranges import quaternion_norm_problem
from vjepa_ros.sim.camera import Camera
from vjepa_ros.sim.config import SimConfig
from vjepa_ros.sim.controller import CartesianController, JointCommand, orientation_error
from vjepa_ros.sim.gripper import FRANKA_HAND_MAX_FORCE, SAME_WIDTH, GripperGoal
from vjepa_ros.sim.panda import (
    FINGER_MAX_OPENING,
    JOINT_MAX_TORQUE,
    closedness_to_finger_position,
)
from vjepa_ros.sim.pybullet_import import import_pybullet
from vjepa_ros.sim.scene import (
    SceneHandles,
    build_scene,
    graspable_placement,
    object_placements,
)
from vjepa_ros.sim.self_collision import SelfCollision, SelfCollisionGuard
from vjepa_ros.sim.sim_hand import SimHand
from vjepa_ros.sim.sim_readings import SimReadings

RenderHook = Callable[[np.ndarray, np.ndarray], None]

GEAR_ERP = 0.8  # how fast the finger gear corrects a difference between the joints
GEAR_MAX_FORCE = 1000.0  # N: the rack does not slip


def _finite(name: str, values, size: int) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if array.shape != (size,):
        raise ValueError(f"{name} must hold {size} numbers, got shape {np.shape(values)}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or inf: {array.tolist()}")
    return array


def quaternion_to_matrix(quat_xyzw) -> np.ndarray:
    """Return the rotation matrix [3, 3] float64 of a unit quaternion (x, y, z, w).

    Raises ValueError for NaN/inf, a zero norm, or a norm off 1 by more than
    :data:`QUATERNION_NORM_TOLERANCE` (a zeroed or half-filled message, a sender that forgot
    to normalise: tf2 refuses such a transform, and a controller that builds its quaternion
    from the message without normalising scales its orientation error by the norm).
    """
    quat = _finite("orientation quaternion", quat_xyzw, 4)
    if float(np.linalg.norm(quat)) < 1e-6:
        raise ValueError("orientation quaternion has zero norm")
    problem = quaternion_norm_problem(quat)  # the planner's current_pose has the same tolerance
    if problem:
        raise ValueError(problem)
    return Rotation.from_quat(quat).as_matrix()


class Sim(SimHand, SimReadings):
    """A Franka Panda, a table, coloured objects and a camera in a private pybullet client.

    Its measurements (joint states, the end-effector's pose, the object's reading) come from
    its mixin :class:`~vjepa_ros.sim.sim_readings.SimReadings`, the hand's commands (a
    closedness, a GripperCommand, a stop) from :class:`~vjepa_ros.sim.sim_hand.SimHand`.
    """

    def __init__(self, config: SimConfig | None = None):
        self.config = (config or SimConfig()).check()
        self._p, data = import_pybullet()  # without its build-time banner
        self._urdf = f"{data.getDataPath()}/franka_panda/panda.urdf"
        self.client = self._p.connect(self._p.DIRECT)
        self.dt = 1.0 / self.config.physics_hz
        self.camera = Camera(self.config.camera, self._p)
        self.controller = CartesianController(self.config.controller, self.config.home_joints)
        self._render_hooks: list[RenderHook] = []
        self._step_watchers: list[weakref.WeakMethod] = []  # watch_steps
        self.guard = SelfCollisionGuard(self._p, self._urdf)  # the arm's own links
        self._check_home_clear()
        self.reset(self.config.seed)

    def _check_home_clear(self) -> None:
        """Refuse a ``home_joints`` pose whose links are within the self-collision margin."""
        stop = self.guard.check(self.config.home_joints, [FINGER_MAX_OPENING] * 2)
        if stop is not None:
            self.close()
            raise ValueError(f"home_joints put the arm's {stop.links[1]} "
                             f"{100 * stop.distance:.1f} cm from its {stop.links[0]} (self-"
                             f"collision margin {100 * stop.margin:g} cm): give a home pose "
                             "with the arm clear of itself")

    # -- life cycle

    def reset(self, seed: int | None = None) -> None:
        """Rebuild the world: arm at the home pose, gripper open, objects placed from ``seed``."""
        p, client = self._p, self.client
        self.seed = self.config.seed if seed is None else int(seed)
        p.resetSimulation(physicsClientId=client)
        p.setGravity(0, 0, -9.81, physicsClientId=client)
        p.setTimeStep(self.dt, physicsClientId=client)
        self.handles: SceneHandles = build_scene(p, client, self.config.scene, self._urdf)
        rng = np.random.default_rng(self.seed)
        for body, (x, y, z, yaw) in zip(
            self.handles.objects, object_placements(self.config.scene, rng), strict=True
        ):
            orientation = p.getQuaternionFromEuler([0, 0, yaw])
            p.resetBasePositionAndOrientation(body, [x, y, z], orientation,
                                              physicsClientId=client)
        if self.handles.graspable is not None:
            x, y, z, yaw = graspable_placement(self.config.scene, rng, self.object_poses())
            p.resetBasePositionAndOrientation(self.handles.graspable, [x, y, z],
                                              p.getQuaternionFromEuler([0, 0, yaw]),
                                              physicsClientId=client)
        for joint, angle in zip(self.handles.arm_joints, self.config.home_joints, strict=True):
            p.resetJointState(self.handles.robot, joint, angle, 0.0, physicsClientId=client)
        for joint in self.handles.finger_joints:
            p.resetJointState(self.handles.robot, joint, closedness_to_finger_position(0.0), 0.0,
                              physicsClientId=client)
        self._couple_fingers()
        self.time = 0.0
        self.steps = 0
        self.last_command: JointCommand | None = None
        # the self-collision guard's state: the last joint command it let through, the refusal
        # in force (None: the last command went out) and one not yet reported
        self._safe_joints = np.array(self.config.home_joints, dtype=np.float64)
        self.self_collision: SelfCollision | None = None
        self._unreported: SelfCollision | None = None
        self._stopped_target: tuple | None = None  # (position, rotation) of the last stop's
        position, rotation = self.ee_pose()
        self.target_position, self.target_rotation = position, rotation
        self.gripper_goal = GripperGoal(FINGER_MAX_OPENING, self.config.controller.gripper_force)
        # a move goal whose width the fingers have not reached yet (_move_running)
        self._move_pending = False

    def _couple_fingers(self) -> None:
        """Gear the two finger joints together (ratio −1: joint1 = joint2), as the Franka Hand's.

        The hand's one motor drives both fingers through a rack: both finger joints read
        width / 2 always, and a grasp off-centre pushes the object toward the centre. pybullet's
        gear constraint between the finger links keeps the joints equal; each finger's motor
        still carries half of the grasp (its force limit is the goal's force).
        """
        p, robot = self._p, self.handles.robot
        first, second = self.handles.finger_joints
        gear = p.createConstraint(robot, first, robot, second, p.JOINT_GEAR, [1, 0, 0],
                                  [0, 0, 0], [0, 0, 0], physicsClientId=self.client)
        p.changeConstraint(gear, gearRatio=-1, erp=GEAR_ERP, maxForce=GEAR_MAX_FORCE,
                           physicsClientId=self.client)

    def close(self) -> None:
        """Disconnect the pybullet clients, the scene's and the guard's (idempotent)."""
        if getattr(self, "guard", None) is not None:
            self.guard.close()
        if getattr(self, "client", None) is not None:
            with contextlib.suppress(Exception):
                self._p.disconnect(physicsClientId=self.client)
            self.client = None

    def __enter__(self) -> Sim:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        self.close()

    # -- commands (what a Franka controller receives)

    def set_target(self, position, orientation) -> None:
        """Set the end-effector pose target in the base frame.

        ``orientation`` is extrinsic xyz Euler angles [3] (the state convention) or a quaternion
        [4] in (x, y, z, w) order (``geometry_msgs/Quaternion``).
        """
        position = _finite("target position", position, 3)
        orientation = np.asarray(orientation, dtype=np.float64).reshape(-1)
        if orientation.shape == (4,):
            rotation = quaternion_to_matrix(orientation)
        else:
            angles = _finite("target orientation (Euler xyz)", orientation, 3)
            rotation = euler_to_matrix(torch.from_numpy(angles)).numpy()
        self.target_position, self.target_rotation = position, rotation

    def set_target_state(self, state) -> None:
        """Set pose target and gripper from a state [7] (xyz, Euler xyz, closedness)."""
        state = _finite("target state", state, 7)
        self.set_target(state[:3], state[3:6])
        self.set_gripper(state[6])

    # -- stepping

    def step(self, count: int = 1) -> None:
        """Advance ``count`` physics steps, running the controller before each."""
        p, client, handles = self._p, self.client, self.handles
        finger = self.gripper_goal.finger_target
        # every finger motor at most the Franka Hand's continuous force, whatever the goal says:
        # kept over the config's range and gripper_goal's cap as the one place every goal passes
        # (one assigned to gripper_goal directly, a config changed after check())
        force = min(self.gripper_goal.max_effort, FRANKA_HAND_MAX_FORCE)
        cfg = self.config.controller
        for _ in range(int(count)):
            joints = self.arm_joint_positions()
            position, rotation = self.ee_pose()
            command = self.controller.command(
                joints, position, rotation, self._jacobian(position),
                self.target_position, self.target_rotation, self.dt,
            )
            command = self._guarded(command)
            p.setJointMotorControlArray(
                handles.robot, handles.arm_joints, p.POSITION_CONTROL,
                targetPositions=command.positions.tolist(),
                targetVelocities=command.velocities.tolist(),
                forces=JOINT_MAX_TORQUE.tolist(), physicsClientId=client,
            )
            for joint in handles.finger_joints:
                p.setJointMotorControl2(
                    handles.robot, joint, p.POSITION_CONTROL, targetPosition=finger,
                    force=force, maxVelocity=cfg.gripper_speed,
                    physicsClientId=client,
                )
            p.stepSimulation(physicsClientId=client)
            if self._move_pending and \
                    abs(2 * self.gripper_goal.position - self._finger_width()) < SAME_WIDTH:
                self._move_pending = False  # arrived: the move has ended
            self.last_command = command
            self.steps += 1
            self.time = self.steps * self.dt
            if self._step_watchers:
                self._call_watchers()

    def _guarded(self, command: JointCommand) -> JointCommand:
        """Return ``command``, or the last safe joints held when it would collide the arm.

        The guard (``self_collision.py``) measures the commanded joints with the fingers where
        they are: within the margin, the arm holds the last command that was clear (velocity
        0), as a real Franka's self-collision reflex stops it, until a command clear of itself.
        """
        stop = self.guard.check(command.positions, self.finger_positions())
        if stop is None:
            self._safe_joints, self.self_collision = command.positions, None
            return command
        target = (self.target_position, self.target_rotation)
        if self._stopped_target is None or not all(
                np.array_equal(a, b) for a, b in zip(target, self._stopped_target, strict=True)):
            # the first stop on the way to this target: reported once (pop_self_collision)
            self._unreported, self._stopped_target = stop, target
        self.self_collision = stop
        return JointCommand(self._safe_joints.copy(), np.zeros(7), command.position_error,
                            command.orientation_error)

    def pop_self_collision(self) -> SelfCollision | None:
        """Return the stop that began since the last call, one per target (then None)."""
        stop, self._unreported = self._unreported, None
        return stop

    def watch_steps(self, method: Callable[[], None]) -> None:
        """Call the bound ``method()`` after every physics step while its object lives.

        Held by a weak reference (a watcher its owner dropped is no longer called). The steps
        run inside :meth:`preserved` are not shown to the watchers added before it: that
        world is put back, so its motion is no part of their episode.
        """
        self._step_watchers.append(weakref.WeakMethod(method))

    def _call_watchers(self) -> None:
        watchers = [(ref, ref()) for ref in self._step_watchers]
        self._step_watchers = [ref for ref, method in watchers if method is not None]
        for _, method in watchers:
            if method is not None:
                method()

    def advance(self, seconds: float) -> None:
        """Advance by ``seconds`` of simulated time (rounded to whole physics steps)."""
        if not seconds >= 0:
            raise ValueError(f"cannot advance by {seconds} s")
        self.step(round(seconds * self.config.physics_hz))

    def move_to(
        self,
        state,
        timeout: float = 4.0,
        position_tolerance: float = 1e-3,
        orientation_tolerance: float = 5e-3,
    ) -> bool:
        """Command ``state`` [7] and step until the hand is there and at rest, or ``timeout``.

        At rest: the TCP moved less than 0.1 mm and the fingers less than 0.1 mm in the last
        20 ms. Returns whether the pose is within tolerance (and the hand at rest) before
        ``timeout`` seconds of sim time.
        """
        self.set_target_state(state)
        check_every = max(1, round(0.02 * self.config.physics_hz))
        previous = np.concatenate([self.ee_pose()[0], self.finger_positions()])
        for _ in range(0, max(1, round(timeout * self.config.physics_hz)), check_every):
            self.step(check_every)
            position, rotation = self.ee_pose()
            current = np.concatenate([position, self.finger_positions()])
            at_rest = float(np.abs(current - previous).max()) < 1e-4
            previous = current
            reached = (
                np.linalg.norm(self.target_position - position) <= position_tolerance
                and np.linalg.norm(orientation_error(self.target_rotation, rotation))
                <= orientation_tolerance
            )
            if reached and at_rest:
                return True
        return False

    @contextlib.contextmanager
    def preserved(self) -> Iterator[Sim]:
        """Run the ``with`` body, then put the world and the commands back as they were.

        How a goal image is made: move the arm to the goal, render, move back. The step
        watchers (:meth:`watch_steps`) are paused inside: those added inside it are dropped at
        its exit (the ones from before it are restored).
        """
        p, client = self._p, self.client
        saved_id = p.saveState(physicsClientId=client)
        saved = (self.target_position, self.target_rotation, self.gripper_goal, self.steps,
                 self.time, self.last_command, self._safe_joints, self.self_collision,
                 self._unreported, self._stopped_target, self._move_pending)
        watchers, self._step_watchers = self._step_watchers, []  # watch_steps
        try:
            yield self
        finally:
            self._step_watchers = watchers
            p.restoreState(stateId=saved_id, physicsClientId=client)
            p.removeState(saved_id, physicsClientId=client)
            (self.target_position, self.target_rotation, self.gripper_goal, self.steps,
             self.time, self.last_command, self._safe_joints, self.self_collision,
             self._unreported, self._stopped_target, self._move_pending) = saved

    # -- camera

    def add_render_hook(self, hook: RenderHook) -> None:
        """Call ``hook(frame, ee_state)`` with every frame :meth:`render` returns."""
        self._render_hooks.append(hook)

    def render(self) -> np.ndarray:
        """Render the camera image [H, W, 3] uint8 RGB of the scene as it is now."""
        frame = self.camera.render(self._p, self.client)
        if self._render_hooks:
            state = self.ee_state()
            for hook in self._render_hooks:
                hook(frame, state)
        return frame

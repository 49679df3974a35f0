"""One scenario run of ``bench_planner_safety.py``: its processes, the arm, what reached the arm.

:class:`Run` starts a fresh planner node with the sensor process (``bench_planner_soak``'s
helpers), moves the simulated arm (its joints found by :func:`joints_at`) and records each
phase (:class:`Phase`); :class:`Watch` is this process's view of the node: set-points, arm,
logs, diagnostics, gripper commands and plan reports.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from typing import TYPE_CHECKING

import numpy as np

from benchmarks.bench_planner_soak import (
    NODE_START_S,
    NODES,
    PUBLISHED,
    SUBSCRIBED,
    call,
    node_ready,
    spin_for,
    start_processes,
    trigger_until_done,
)
from benchmarks.soak_sensors import HOME
from vjepa_ros.nodes.busy_domain_scripts import script_refuses_after
from vjepa_ros.robot.planner_name import PLANNER_NODE as PLANNER
from vjepa_ros.robot.planner_name import is_diagnostics_of
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.scratch_folder import ScratchFolder
from vjepa_ros.terminate import call_held

if TYPE_CHECKING:
    from vjepa_ros.eval.setpoint_motion import SetpointMotion

OPEN, CLOSED = 0.04, 0.0  # finger joint positions [m] of the open and the closed Franka Hand
FOLLOW_S = 0.05  # [s] how often the newest set-point goes to the arm when it follows them
FIRST_SETPOINT_TOLERANCE_M = 1e-3  # the first set-point of a stream lies this close to the arm
ARM_WAIT_S = 30.0  # [s] longest a scenario waits to see its fresh sensor's arm at the start pose
AT_POSE_M = 1e-4  # [m] a joint state's TCP this close to where the arm was put is the arm there
# Franka Panda joint position limits [rad] (Franka's published robot specifications)
JOINT_LOWER = (-2.8973, -1.7628, -2.8973, -3.0718, -2.8973, -0.0175, -2.8973)
JOINT_UPPER = (2.8973, 1.7628, 2.8973, -0.0698, 2.8973, 3.7525, 2.8973)


def joints_at(xyz, seed=HOME) -> np.ndarray:
    """Panda joint angles [7] (rad) whose Hand TCP is at ``xyz`` [3] (m), gripper pointing down.

    Least squares on the package's forward kinematics (``robot.kinematics``) from ``seed``
    within the Panda's joint limits, orientation held at the home pose's. Raises ValueError
    when the TCP misses ``xyz`` by more than 0.01 mm (out of the arm's reach).
    """
    from scipy.optimize import least_squares

    from vjepa_ros.robot.kinematics import FrankaKinematics

    kinematics = FrankaKinematics()
    home = kinematics.tool_pose(HOME)[:3, :3]
    xyz = np.asarray(xyz, dtype=float)

    def residual(joints):
        pose = kinematics.tool_pose(joints)
        return np.concatenate([pose[:3, 3] - xyz, 0.1 * (pose[:3, :3] - home).ravel()])

    joints = least_squares(residual, np.asarray(seed, dtype=float), xtol=1e-15, ftol=1e-15,
                           gtol=1e-15, x_scale="jac", bounds=(JOINT_LOWER, JOINT_UPPER)).x
    miss = float(np.linalg.norm(kinematics.tool_pose(joints)[:3, 3] - xyz))
    if miss > 1e-5:
        raise ValueError(f"no joint angles put the TCP at {xyz.tolist()} (off by {miss:.4f} m)")
    return joints


@dataclasses.dataclass


class Phase:
    """One phase of a scenario and what reached the arm during it."""

    name: str
    arm_xyz: np.ndarray  # [3] the arm's TCP (m) during it
    setpoints: int
    rate: float  # set-points per second
    motion: SetpointMotion | None  # None: fewer than two set-points
    first_gap_m: float  # first set-point to the arm clamped into the box (nan: none, not asked)
    refusals: tuple[str, ...]  # distinct diagnostics refusals seen


class Watch:
    """This process's view of the node: set-points, arm, logs, diagnostics, gripper, plans."""

    def __init__(self, node, limits: SafetyLimits, period_s: float):
        from diagnostic_msgs.msg import DiagnosticArray
        from geometry_msgs.msg import PoseStamped
        from rcl_interfaces.msg import Log
        from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
        from sensor_msgs.msg import JointState
        from std_msgs.msg import Float64, String

        from vjepa_ros.robot.kinematics import FrankaKinematics

        self.node, self.limits, self.period_s = node, limits, period_s
        self.kinematics = FrankaKinematics()
        self.clear()
        node.create_subscription(PoseStamped, "soak/target_pose", self._on_setpoint, 200)
        node.create_subscription(JointState, "soak/joint_states", self._on_joints, 100)
        node.create_subscription(Float64, "soak/gripper_command",
                                 lambda msg: self.gripper.append(msg.data), 50)
        node.create_subscription(String, f"/{PLANNER}/plan_report",
                                 lambda msg: self.plans.append(json.loads(msg.data)), 100)
        node.create_subscription(DiagnosticArray, "/diagnostics", self._on_diagnostics, 10)
        rosout = QoSProfile(depth=1000, reliability=ReliabilityPolicy.RELIABLE,
                            durability=DurabilityPolicy.TRANSIENT_LOCAL)
        node.create_subscription(Log, "/rosout", self._on_log, rosout)

    def clear(self) -> None:
        """Forget what was seen; set-points and joint states stamped before now are ignored.

        A node stopped at the end of the last scenario may have published set-points this
        process has not taken yet: followed, they would move the next scenario's arm. The arm
        is forgotten too: the last scenario's sensor process is gone, and its last pose stood
        in for the fresh one's until this process got the fresh one's joint states (under
        load, seconds: a stream's first set-point measured 488 mm from "the arm", session 45).
        """
        self.since = self.now()
        self.arm: list[tuple[float, np.ndarray]] = []  # (stamp, TCP xyz) at each change
        self._joints: tuple | None = None
        self.setpoints: list[tuple[float, list[float], list[float]]] = []  # stamp, xyz, xyzw
        self.gripper: list[float] = []
        self.plans: list[dict] = []
        self.diagnostics: list[tuple[float, dict]] = []
        self.logs: list[str] = []

    def now(self) -> float:
        return self.node.get_clock().now().nanoseconds * 1e-9

    @staticmethod
    def _stamp(header) -> float:
        return header.stamp.sec + header.stamp.nanosec * 1e-9

    def _on_setpoint(self, msg) -> None:
        p, q, stamp = msg.pose.position, msg.pose.orientation, self._stamp(msg.header)
        if stamp >= self.since:
            self.setpoints.append((stamp, [p.x, p.y, p.z], [q.x, q.y, q.z, q.w]))

    def _on_joints(self, msg) -> None:
        joints, stamp = tuple(msg.position[:7]), self._stamp(msg.header)
        if stamp >= self.since and joints != self._joints:
            self._joints = joints
            self.arm.append((stamp, self.kinematics.ee_pose(joints)[:3]))

    def arm_is_at(self, xyz) -> bool:
        """Say whether the newest joint state seen puts the TCP within AT_POSE_M of ``xyz``."""
        return bool(self.arm) and \
            float(np.linalg.norm(self.arm[-1][1] - np.asarray(xyz))) <= AT_POSE_M

    def _on_diagnostics(self, msg) -> None:
        for status in msg.status:
            if is_diagnostics_of(status.name, PLANNER):
                values = {kv.key: kv.value for kv in status.values}
                self.diagnostics.append((self._stamp(msg.header), values))

    def _on_log(self, msg) -> None:
        if msg.name == PLANNER:
            self.logs.append(msg.msg)

    def arm_at(self, stamps) -> np.ndarray:
        """Return the arm's TCP [N, 3] when each stamp was taken (its latest change before it).

        A stamp before every state seen gets the first one: the nearest by stamp. Raises
        IndexError when no joint state was seen since :meth:`clear`.
        """
        times = np.array([t for t, _ in self.arm])
        index = np.clip(np.searchsorted(times, stamps, side="right") - 1, 0, len(times) - 1)
        return np.array([self.arm[i][1] for i in index])

    def arm_over(self, stamps, window_s: float) -> np.ndarray:
        """Return the arm's TCPs [N, K, 3] in the ``window_s`` [s] up to each stamp, newest last.

        Each row holds the pose at the stamp (:meth:`arm_at`) and those of the states stamped
        within ``window_s`` before it, the oldest repeated in front to K: the poses the node may
        have restarted its stream at (its newest state, ``safety.max_state_age_s`` old at most).
        """
        times = np.array([t for t, _ in self.arm])
        poses = np.array([xyz for _, xyz in self.arm])
        stamps = np.asarray(stamps, dtype=float)
        last = np.clip(np.searchsorted(times, stamps, side="right") - 1, 0, len(times) - 1)
        first = np.minimum(np.searchsorted(times, stamps - window_s, side="left"), last)
        width = int((last - first).max(initial=0)) + 1
        index = np.maximum(last[:, None] - np.arange(width)[::-1], first[:, None])
        return poses[index]

    def phase(self, name: str, start: float, end: float, starts_stream: bool) -> Phase:
        """Return what reached the arm between node-clock times ``start`` and ``end`` [s].

        ``starts_stream``: the stream starts in this phase (its first set-point is compared
        with the arm's pose).
        """
        from vjepa_ros.eval.setpoint_motion import measure_setpoints

        inside = [s for s in self.setpoints if start <= s[0] < end]
        stamps = np.array([s[0] for s in inside])
        arm = self.arm_at(np.array([end]))[0]
        motion, gap = None, float("nan")
        if inside:
            measured = self.arm_at(stamps)
        if inside and starts_stream:
            lower, upper = self.limits.box
            gap = float(np.linalg.norm(np.array(inside[0][1]) - np.clip(measured[0], lower,
                                                                         upper)))
        if len(inside) >= 2:
            motion = measure_setpoints(stamps, [s[1] for s in inside], [s[2] for s in inside],
                                       self.limits, self.period_s,
                                       self.arm_over(stamps, self.limits.max_state_age_s))
        seen = {}  # one per kind of refusal: a stale-input refusal carries its own age
        for t, v in self.diagnostics:
            if start <= t < end and v.get("refusal"):
                seen.setdefault(re.sub(r"\d+(\.\d+)?", "#", v["refusal"]), v["refusal"])
        refusals = tuple(seen.values())
        return Phase(name, arm, len(inside), len(inside) / max(end - start, 1e-9), motion, gap,
                     refusals)


class Run:
    """One scenario: a fresh node and sensor process, the watcher's services and marks."""

    def __init__(self, args, executor, watch: Watch, parameters: dict, start_xyz,
                 scratch: ScratchFolder):
        from std_srvs.srv import SetBool, Trigger

        self.executor, self.watch = executor, watch
        self.clients, self.enable_client = {}, None
        self.processes = start_processes(
            args, {"control.mode": "continuous", **parameters}, ("--joints-from-stdin",),
            parent=scratch)
        self.sensors = self.processes.sensors
        self.start_xyz = np.asarray(start_xyz, dtype=float)
        try:
            self.move(start_xyz)
            node = watch.node
            self.clients = {name: node.create_client(Trigger, f"/{PLANNER}/{name}")
                            for name in ("capture_goal", "add_subgoal")}
            self.enable_client = node.create_client(SetBool, f"/{PLANNER}/enable")
            ready = node_ready((*self.clients.values(), self.enable_client))
        except BaseException:  # Ctrl-C, SIGTERM while the node starts: stop the children
            self.close()
            raise
        if not ready:
            failure = self.processes.keep_log(
                f"the planner node did not start in {NODE_START_S:g} s")
            self.close()
            raise failure
        try:  # another launch's planner or arm come meanwhile: refused before any call
            script_refuses_after(watch.node, NODES, PUBLISHED, SUBSCRIBED)
        except SystemExit:
            self.close()
            raise
        self.phases: list[Phase] = []
        self.failures: list[str] = []

    def move(self, xyz, finger: float = OPEN, stamp: float | None = None) -> None:
        """Put the sensor process's arm where its TCP is at ``xyz`` (at once).

        ``stamp`` [s, node clock]: instead, the arm follows to there, reaching it
        ``arm_track.LAG_S`` after ``stamp`` (a pose of a track, ``arm_track.ArmTrack``).
        """
        self._joints = joints_at(xyz, getattr(self, "_joints", HOME))  # seeded: the next pose
        values = [*self._joints, finger] + ([] if stamp is None else [stamp])
        self.sensors.stdin.write(" ".join(f"{v:.17g}" for v in values) + "\n")
        self.sensors.stdin.flush()

    def await_arm(self, timeout_s: float = ARM_WAIT_S) -> bool:
        """Spin until this process sees the fresh sensor's arm at the start pose; False: not.

        The scenario's measurements (where the arm is, the first set-point against it) and its
        moves (from the arm's pose) read the arm this process has seen.
        """
        end = time.monotonic() + timeout_s
        while not self.watch.arm_is_at(self.start_xyz) and time.monotonic() < end:
            call_held(self.executor.spin_once, timeout_sec=0.05)
        return self.watch.arm_is_at(self.start_xyz)

    def spin_following(self, seconds: float, until) -> None:
        """Spin until ``until()`` or ``seconds``, the arm following the set-points.

        Every ``FOLLOW_S`` the newest set-point, with its stamp, goes to the sensor process,
        whose arm moves along them continuously in time (``arm_track``: ``LAG_S`` behind, a
        stall of this loop never a jump: session 46's false new world).
        """
        end, moved_to, next_move = time.monotonic() + seconds, None, 0.0
        while time.monotonic() < end and not until():
            call_held(self.executor.spin_once, timeout_sec=0.01)
            newest = self.watch.setpoints[-1] if self.watch.setpoints else None
            if newest is not None and newest[1] != moved_to and time.monotonic() >= next_move:
                self.move(newest[1], stamp=newest[0])
                moved_to, next_move = newest[1], time.monotonic() + FOLLOW_S

    def trigger(self, name: str) -> str:
        return trigger_until_done(self.executor, self.clients[name]).message

    def enable(self) -> None:
        from std_srvs.srv import SetBool

        response = call(self.executor, self.enable_client, SetBool.Request(data=True))
        if response is None or not response.success:
            self.failures.append(f"FAIL: ~/enable did not answer success: {response}")

    def record(self, name: str, seconds: float, starts_stream: bool = False,
               action=None, follow: bool = False) -> Phase:
        """Do ``action()`` (if given), spin ``seconds``: what reached the arm is phase ``name``.

        ``follow``: the arm follows the set-points meanwhile (:meth:`spin_following`), else it
        stays where it is.
        """
        from vjepa_ros.eval.setpoint_motion import limit_failures

        start = self.watch.now()
        if action is not None:
            action()
        if follow:
            self.spin_following(seconds, lambda: False)
        else:
            spin_for(self.executor, seconds)
        phase = self.watch.phase(name, start, self.watch.now(), starts_stream)
        self.phases.append(phase)
        if phase.motion is not None:
            self.failures += [f"{line} in {name}" for line in limit_failures(
                phase.motion, self.watch.limits, self.watch.period_s)]
        return phase

    def expect(self, ok: bool, failure: str) -> None:
        if not ok:
            self.failures.append(f"FAIL: {failure}")

    def expect_start_at_arm(self, phase: Phase) -> None:
        self.expect(phase.setpoints > 0, f"no set-point reached the arm in {phase.name}")
        self.expect(phase.setpoints == 0 or phase.first_gap_m <= FIRST_SETPOINT_TOLERANCE_M,
                    f"{phase.name}: first set-point {phase.first_gap_m * 1e3:.1f} mm from the "
                    "measured pose clamped into the box (a lurch)")

    def close(self) -> None:
        self.processes.stop()  # and its scratch folder (but with --keep)
        for client in (*self.clients.values(), self.enable_client):
            if client is not None:
                self.watch.node.destroy_client(client)

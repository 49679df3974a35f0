"""The planner node's safety behaviour measured from outside, as a lab runs it.

Three processes, as in ``bench_planner_soak.py`` (whose helpers start them): the planner node as
``ros2 run`` starts it (tiny random-weight model, continuous control, ``config/planner.yaml``),
a sensor process publishing camera frames (default 640×480 rgb8 at 30 Hz) and 100 Hz joint
states whose arm this script moves (the joint values are found on the package's forward
kinematics, ``joints_at``), and this process watching ``target_pose``, ``gripper_command``,
``~/plan_report``, ``/diagnostics`` and ``/rosout``. Each scenario starts a fresh node:

  inside     arm at the soak's home pose: capture a goal, enable; the arm is moved 28 cm at once
             (pushed); then twice the tolerance below the box floor (held) and back at home,
             28 cm from the held set-point (brought back by hand)
  tolerance  arm TCP half of safety.workspace_tolerance_m below the box floor: ~/add_subgoal
             there (its warning must reach /rosout), enable: the set-points start at the
             measured pose clamped into the box and stay in the box
  beyond     arm TCP twice the tolerance below the floor: capture a goal, enable: no set-point,
             a refusal in /diagnostics; then the arm back inside: the stream starts at it
  gripper    goals.gripper subgoal: three sub-goals captured with the hand open, closed, open;
             every command's gripper and gripper_command follow them
  camera_check  enable (no goal), call ~/camera_check with camera_check.trial.when always; the
             arm follows every set-point (at 20 Hz): the check's 14 motions and its correction
             trial stay inside the box and the trial's leash, answer with a trial verdict and
             end back at the start

What reached the arm (``vjepa_ros.eval.setpoint_motion``): the largest set-point step and
linear/angular speed against the node's ``safety.*`` limits, the farthest set-point outside the
box, restarts (the stream starting again at the arm). A ``FAIL:`` line per broken limit or
missed expectation; the exit status is 1 if there is one.

Run:  python benchmarks/bench_planner_safety.py [--seconds 12] [--fps 30] [--width 640
      --height 480] [--scenario inside tolerance beyond gripper camera_check]
      [--samples 16 --iterations 2] [--keep]
Loopback only: every process runs with ROS_LOCALHOST_ONLY=1 and discovery range LOCALHOST.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np  # noqa: E402

from benchmarks.bench_planner_soak import (  # noqa: E402 (after the path set-up)
    HOME,
    NODE_START_S,
    add_process_options,
    call,
    check_process_options,
    node_ready,
    spin_for,
    start_processes,
    trigger_until_done,
)
from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402
from vjepa_ros.nodes.planner_name import PLANNER_NODE as PLANNER  # noqa: E402
from vjepa_ros.robot.safety import SafetyLimits, distance_outside_box  # noqa: E402
from vjepa_ros.saved_outputs import saved_text, wrote  # noqa: E402
from vjepa_ros.scratch_folder import ScratchFolder  # noqa: E402
from vjepa_ros.terminate import EXIT_STATUS as TERMINATED_STATUS  # noqa: E402
from vjepa_ros.terminate import (  # noqa: E402
    call_held,
    stop_signals_held,
    stopped_by,
    stops_undisguised,
)

if TYPE_CHECKING:
    from vjepa_ros.eval.setpoint_motion import SetpointMotion

# The set-point measure (torch, scipy: seconds; a quarter minute under load) and rclpy are imported
# where they are first needed, after the options are checked: --help and a bad option answer at
# once.

os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
os.environ["ROS_LOCALHOST_ONLY"] = "1"
os.environ.setdefault("ROS_DOMAIN_ID", str(os.getpid() % 100 + 1))

SCENARIOS = ("inside", "tolerance", "beyond", "gripper", "camera_check")
CHECK_S = 300.0  # [s] longest the live camera check with its trial may take here (~1-2 min)
FOLLOW_S = 0.05  # [s] how often the arm is moved to the newest set-point when it follows them
OPEN, CLOSED = 0.04, 0.0  # finger joint positions [m] of the open and the closed Franka Hand
MOVED_XYZ = (0.5, 0.15, 0.35)  # [m] where "inside" moves the arm: 28 cm from the home TCP
BACK_XYZ = (0.45, 0.1, 0.25)  # [m] where "beyond" brings the arm back into the box
FIRST_SETPOINT_TOLERANCE_M = 1e-3  # the first set-point of a stream lies this close to the arm
# Franka Panda joint position limits [rad] (Franka's published robot specifications)
JOINT_LOWER = (-2.8973, -1.7628, -2.8973, -3.0718, -2.8973, -0.0175, -2.8973)
JOINT_UPPER = (2.8973, 1.7628, 2.8973, -0.0698, 2.8973, 3.7525, 2.8973)


def node_settings() -> tuple[SafetyLimits, float]:
    """Return the safety limits and stream period [s] that config/planner.yaml gives the node."""
    from vjepa_ros.config import config_path, from_dict, read_ros_params
    from vjepa_ros.robot.control_config import ControlConfig

    params = read_ros_params(config_path("planner.yaml"), PLANNER)
    control = from_dict(ControlConfig, params.get("control"), "control.")
    return from_dict(SafetyLimits, params.get("safety"), "safety."), 1.0 / control.stream_rate_hz


def below_floor_xyz(limits: SafetyLimits, depth_m: float) -> np.ndarray:
    """Return a TCP position [3] ``depth_m`` below the box floor, mid-box in x and y."""
    lower, upper = limits.box
    xy = (lower[:2] + upper[:2]) / 2
    return np.array([xy[0], xy[1], lower[2] - depth_m])


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
        self.arm: list[tuple[float, np.ndarray]] = []  # (stamp, TCP xyz) at each change
        self._joints: tuple | None = None
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
        """Forget what was seen; set-points stamped before now are ignored from here on.

        A node stopped at the end of the last scenario may have published set-points this
        process has not taken yet: followed, they would move the next scenario's arm.
        """
        self.since = self.now()
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
        joints = tuple(msg.position[:7])
        if joints != self._joints:
            self._joints = joints
            self.arm.append((self._stamp(msg.header), self.kinematics.ee_pose(joints)[:3]))

    def _on_diagnostics(self, msg) -> None:
        for status in msg.status:
            if status.name == f"{PLANNER}: mpc":
                values = {kv.key: kv.value for kv in status.values}
                self.diagnostics.append((self._stamp(msg.header), values))

    def _on_log(self, msg) -> None:
        if msg.name == PLANNER:
            self.logs.append(msg.msg)

    def arm_at(self, stamps) -> np.ndarray:
        """Return the arm's TCP [N, 3] when each stamp was taken (its latest change before it)."""
        times = np.array([t for t, _ in self.arm])
        index = np.clip(np.searchsorted(times, stamps, side="right") - 1, 0, len(times) - 1)
        return np.array([self.arm[i][1] for i in index])

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
                                       self.limits, self.period_s, measured)
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
        self.phases: list[Phase] = []
        self.failures: list[str] = []

    def move(self, xyz, finger: float = OPEN) -> None:
        """Put the sensor process's arm where its TCP is at ``xyz`` (at once)."""
        self._joints = joints_at(xyz, getattr(self, "_joints", HOME))  # seeded: the next pose
        self.sensors.stdin.write(" ".join(f"{v:.12g}" for v in [*self._joints, finger]) + "\n")
        self.sensors.stdin.flush()

    def spin_following(self, seconds: float, until) -> None:
        """Spin until ``until()`` or ``seconds``, the arm following the set-points.

        Every ``FOLLOW_S`` the arm moves to the newest set-point: an arm tracking its commands,
        about 50 ms behind.
        """
        end, moved_to, next_move = time.monotonic() + seconds, None, 0.0
        while time.monotonic() < end and not until():
            call_held(self.executor.spin_once, timeout_sec=0.01)
            newest = self.watch.setpoints[-1][1] if self.watch.setpoints else None
            if newest is not None and newest != moved_to and time.monotonic() >= next_move:
                self.move(newest)
                moved_to, next_move = newest, time.monotonic() + FOLLOW_S

    def trigger(self, name: str) -> str:
        return trigger_until_done(self.executor, self.clients[name]).message

    def enable(self) -> None:
        from std_srvs.srv import SetBool

        response = call(self.executor, self.enable_client, SetBool.Request(data=True))
        if response is None or not response.success:
            self.failures.append(f"FAIL: ~/enable did not answer success: {response}")

    def record(self, name: str, seconds: float, starts_stream: bool = False,
               action=None) -> Phase:
        """Do ``action()`` (if given), spin ``seconds``: what reached the arm is phase ``name``."""
        from vjepa_ros.eval.setpoint_motion import limit_failures

        start = self.watch.now()
        if action is not None:
            action()
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


def scenario_inside(run: Run, seconds: float) -> None:
    home = run.watch.arm[-1][1]
    run.trigger("capture_goal")
    run.expect_start_at_arm(run.record("commanding", seconds, True, run.enable))
    run.record("arm pushed 28 cm", seconds / 2, action=lambda: run.move(MOVED_XYZ))
    beyond = below_floor_xyz(run.watch.limits, 2 * run.watch.limits.workspace_tolerance_m)
    held = run.record("pushed beyond tolerance", seconds / 2, action=lambda: run.move(beyond))
    run.expect(any("outside the workspace box" in r for r in held.refusals),
               f"no outside-the-box refusal in /diagnostics (saw {held.refusals})")
    run.record("back at home, 28 cm away", seconds / 2, action=lambda: run.move(home))


def scenario_tolerance(run: Run, seconds: float) -> None:
    answer = run.trigger("add_subgoal")
    phase = run.record("within tolerance", seconds, True, run.enable)
    run.expect_start_at_arm(phase)
    run.expect("warning:" in answer, f"~/add_subgoal answered without a warning: {answer}")
    run.expect(any("outside the safety workspace box" in m for m in run.watch.logs),
               "no warning about the sub-goal outside the box reached /rosout")
    run.expect(not phase.refusals, f"held within the tolerance (any hold fails this phase: a "
               f"stale-input one means the machine was too loaded to judge): {phase.refusals}")


def scenario_beyond(run: Run, seconds: float) -> None:
    run.trigger("capture_goal")
    held = run.record("beyond tolerance", seconds / 2, action=run.enable)
    run.expect(held.setpoints == 0, f"{held.setpoints} set-points sent from beyond tolerance")
    run.expect(any("outside the workspace box" in r for r in held.refusals),
               f"no outside-the-box refusal in /diagnostics (saw {held.refusals})")
    run.expect(any("not commanding: end effector is outside the workspace box" in m
                   for m in run.watch.logs), "no outside-the-box refusal reached /rosout")
    run.expect_start_at_arm(run.record("back inside", seconds / 2, True,
                                       lambda: run.move(BACK_XYZ)))


def scenario_camera_check(run: Run, seconds: float) -> None:
    """Run the live camera check and its trial, the arm following every set-point.

    ``seconds`` is unused: the check takes as long as its moves.
    """
    from std_srvs.srv import Trigger

    from vjepa_ros.eval.setpoint_motion import limit_failures
    from vjepa_ros.robot.camera_check_trial import CheckTrialConfig

    start_xyz = np.array(run.watch.arm[-1][1])
    run.enable()
    client = run.watch.node.create_client(Trigger, f"/{PLANNER}/camera_check")
    run.expect(client.wait_for_service(timeout_sec=10), "no ~/camera_check service")
    begin = run.watch.now()
    future = call_held(client.call_async, Trigger.Request())
    run.spin_following(CHECK_S, future.done)
    phase = run.watch.phase("motions and correction trial", begin, run.watch.now(), True)
    run.phases.append(phase)
    if phase.motion is not None:
        run.failures += [f"{line} in {phase.name}" for line in limit_failures(
            phase.motion, run.watch.limits, run.watch.period_s)]
    run.expect_start_at_arm(phase)
    response = future.result() if future.done() else None
    run.expect(response is not None, f"~/camera_check did not answer in {CHECK_S:g} s")
    if response is None:
        return
    loaded = " (a stale-input hold: the machine was too loaded to judge; run it on a quieter " \
        "machine)" if "is stale" in response.message else ""
    run.expect(response.success and "in the trial the planner closed" in response.message,
               f"~/camera_check answered without a trial verdict: {response.message[:200]}"
               f"{loaded}")
    leash = CheckTrialConfig().max_distance_m
    setpoints = np.array([s[1] for s in run.watch.setpoints if s[0] >= begin])
    farthest = float(np.linalg.norm(setpoints - start_xyz, axis=1).max()) if len(setpoints) \
        else 0.0
    run.expect(farthest <= leash + 1e-6, f"a set-point {farthest * 100:.1f} cm from the check's "
               f"start, beyond the trial's leash ({leash * 100:g} cm)")
    back = float(np.linalg.norm(np.array(run.watch.arm[-1][1]) - start_xyz))
    run.expect(back <= 0.01, f"the arm ended {back * 100:.1f} cm from the check's start")
    run.check_summary = (f"camera check: {len(setpoints)} set-points, farthest "
                         f"{farthest * 100:.1f} cm from the start (leash {leash * 100:g} cm), "
                         f"ended {back * 1e3:.1f} mm from it; answer: "
                         f"{response.message.split(';')[0][:160]}")
    client.destroy()


def scenario_gripper(run: Run, seconds: float) -> None:
    expected = []
    for finger in (OPEN, CLOSED, OPEN):
        run.move(run.watch.arm[-1][1], finger)
        spin_for(run.executor, 0.6)  # frames and joint states with this hand
        run.trigger("add_subgoal")
        expected.append(0.0 if finger == OPEN else 1.0)
    run.move(run.watch.arm[-1][1], OPEN)
    run.expect_start_at_arm(run.record("sub-goals open, closed, open", seconds, True,
                                       run.enable))
    commanded = [p for p in run.watch.plans if p["commanded"]]
    wrong = [(p["subgoal_index"], p["command"][6]) for p in commanded
             if p["command"][6] != expected[p["subgoal_index"]]]
    reached = sorted({p["subgoal_index"] for p in commanded})
    changes = []  # what gripper_command should carry: each change of the reached sub-goals' hand
    for index in reached:
        if not changes or expected[index] != changes[-1]:
            changes.append(expected[index])
    run.expect(not wrong, f"commands whose gripper is not their sub-goal's (index, gripper): "
                          f"{wrong[:5]}")
    run.expect(reached == [0, 1, 2], f"commands went to sub-goals {reached}, not all three")
    run.expect(run.watch.gripper == changes,
               f"gripper_command sent {run.watch.gripper}, expected {changes}")
    run.gripper_summary = (f"gripper_command {run.watch.gripper} for sub-goals captured "
                           f"{expected}; {len(commanded)} commands, {len(wrong)} with another "
                           "gripper")


def table(phases: list[tuple[str, Phase]], limits: SafetyLimits) -> list[str]:
    """Return the printed table: one row per scenario phase."""
    rows = ["| scenario: phase | arm TCP outside box [mm] | set-points (/s) | max step [mm] | "
            "max speed [m/s] | max angular [rad/s] | farthest outside box [mm] | restarts "
            "[mm] | first set-point − arm in box [mm] | refusal |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for scenario, phase in phases:
        outside = 1e3 * float(distance_outside_box(phase.arm_xyz, limits))
        m = phase.motion
        cells = ["–"] * 5 if m is None else [
            f"{m.max_step_m * 1e3:.2f}", f"{m.max_speed_m_s:.3f}",
            f"{m.max_angular_speed_rad_s:.3f}", f"{m.outside_box_m * 1e3:.2f}",
            ", ".join(f"{r * 1e3:.0f}" for r in m.restarts) or "none"]
        gap = "–" if np.isnan(phase.first_gap_m) else f"{phase.first_gap_m * 1e3:.2f}"
        refusal = "; ".join(r[:70] for r in phase.refusals) or "none"
        rows.append(f"| {scenario}: {phase.name} | {outside:.1f} | {phase.setpoints} "
                    f"({phase.rate:.0f}) | {' | '.join(cells)} | {gap} | {refusal} |")
    return rows


def main() -> None:
    """Parse the options and run the check; Ctrl-C or SIGTERM: one line, status 130 or 143."""
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    add_process_options(parser, 12.0, "length of a scenario's main phase [s] (others: half)")
    parser.add_argument("--scenario", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    args = parser.parse_args()
    check_process_options(parser, args)
    # SIGTERM raises terminate.Terminated (run_script), also through rclpy.init's handler,
    # which calls the one in force before it
    try:
        # a stop inside an import (scipy's) fails it with another error: still the stop
        with stops_undisguised(), ScratchFolder("bench_planner_safety_",
                                                keep=args.keep) as scratch:
            if args.keep:
                wrote(scratch.path, "--keep")
            check(args, scratch)
    except KeyboardInterrupt as exc:  # each scenario stopped its processes on the way out
        word, status = stopped_by(exc)
        stopped = "terminated (SIGTERM)" if status == TERMINATED_STATUS else word
        print(f"\nbench_planner_safety.py: {stopped}; the planner node and sensor processes "
              f"it started are stopped; {saved_text()}", file=sys.stderr)
        sys.exit(status)  # 130 / 143: 128 + the signal, as a shell reports it


def check(args, scratch: ScratchFolder) -> None:
    """Run the scenarios and print the table; exit 1 if a limit or expectation failed.

    ``scratch``: a folder of this run for the camera check's files (removed after it).
    """
    import rclpy
    from rclpy.executors import SingleThreadedExecutor

    from vjepa_ros.eval.setpoint_motion import SPAN_S, SPEED_TOLERANCE, longest_step_m

    limits, period_s = node_settings()
    tolerance = limits.workspace_tolerance_m
    starts = {"inside": None, "tolerance": below_floor_xyz(limits, tolerance / 2),
              "beyond": below_floor_xyz(limits, 2 * tolerance), "gripper": None,
              "camera_check": None}
    parameters = {"gripper": {"goals.gripper": "subgoal"},
                  "camera_check": {"camera_check.trial.when": "always",
                                   "camera_check.output_dir": str(scratch.path / "camera_check")}}
    run_scenario = {"inside": scenario_inside, "tolerance": scenario_tolerance,
                    "beyond": scenario_beyond, "gripper": scenario_gripper,
                    "camera_check": scenario_camera_check}
    from vjepa_ros.robot.kinematics import FrankaKinematics

    home_xyz = FrankaKinematics().ee_pose(HOME)[:3]
    from vjepa_ros.nodes.dds_profile import use_camera_profile

    use_camera_profile()  # the profile its node processes get; "" (Fast DDS defaults): removed
    with stop_signals_held():  # made whole; a stop raised after, never inside rclpy (terminate)
        rclpy.init()
        node = rclpy.create_node("safety_watch")
        executor = SingleThreadedExecutor()
        executor.add_node(node)
    watch = Watch(node, limits, period_s)
    phases, failures, notes = [], [], []
    began = time.monotonic()
    try:
        for name in args.scenario:
            watch.clear()
            run = Run(args, executor, watch, parameters.get(name, {}),
                      home_xyz if starts[name] is None else starts[name], scratch)
            try:
                spin_for(executor, 1.0)  # the arm's first joint states
                run_scenario[name](run, args.seconds)
            finally:
                run.close()
            spin_for(executor, 0.5)  # take what the stopped node sent: not the next scenario's
            phases += [(name, phase) for phase in run.phases]
            failures += [f"{line} ({name})" for line in run.failures]
            if hasattr(run, "gripper_summary"):
                notes.append(f"gripper: {run.gripper_summary}")
            if hasattr(run, "check_summary"):
                notes.append(run.check_summary)
    finally:  # (each Run stops its processes in its own finally, before this). A stop that
        # rclpy's handler met first (ExternalShutdownException) is that stop: main's
        # stops_undisguised
        node.destroy_node()
        rclpy.try_shutdown()
    print(f"# planner node safety check: frames {args.width}x{args.height} {args.transport} at "
          f"{args.fps:g} Hz, joint states 100 Hz, tiny model, CEM S {args.samples} I "
          f"{args.iterations} H 1, continuous, {os.cpu_count()} CPUs, "
          f"{time.monotonic() - began:.0f} s")
    print(f"# limits (config/planner.yaml): box {limits.workspace_min}..{limits.workspace_max} m,"
          f" workspace_tolerance_m {tolerance:g}, max_speed_m_s {limits.max_speed_m_s:g}, "
          f"max_angular_speed_rad_s {limits.max_angular_speed_rad_s:g}, max_step_m "
          f"{limits.max_step_m:g}; stream {1 / period_s:g} Hz: longest step "
          f"{longest_step_m(limits, period_s) * 1e3:g} mm; speeds over ≥ {SPAN_S * 1e3:g} ms "
          f"spans, limit + {SPEED_TOLERANCE:.1%}")
    print("\n".join(table(phases, limits)))
    for note in notes:
        print(note)
    print("\n".join(failures) if failures else "PASS: every limit and expectation held")
    if args.keep:
        print(f"kept (--keep): {scratch.path} (per scenario: model.pt, planner.log)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))

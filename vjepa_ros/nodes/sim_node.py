"""Simulated Franka + camera on ROS 2: what the planner node talks to when there is no robot.

    ros2 run vjepa_ros sim_node --ros-args --params-file config/sim.yaml

Publishes ``joint_states`` (panda_joint1..7, panda_finger_joint1/2), ``current_pose`` (the TCP in
the base frame), ``camera/camera/color/image_raw`` + ``camera/camera/color/camera_info`` (the
topics of a RealSense driver) and, with ``publish_clock``, ``/clock``. Subscribes
``target_pose`` (PoseStamped: absolute TCP target in the base frame) and ``gripper_command``
(Float64: closedness 0..1) — what the planner node publishes for a real controller. A PoseStamped
on ``goal_pose`` renders the goal image of that pose (move there, capture, come back) and
publishes it, latched, on ``goal_image``. ``~/reset`` (std_srvs/Trigger) resets the scene;
``~/vjepa_ros_simulator`` (std_srvs/Trigger) marks the node as this package's simulator
(``sim.pace.SIMULATOR_SERVICE``: a planner fed its frames on the wall clock names simulated time).

All the simulation lives in :class:`vjepa_ros.sim.runner.SimRunner`; this node only converts
messages and keeps time. Commands, goal requests and resets are callbacks of their own group, so a
multi-threaded executor takes them while the stepping timer is busy (a lock keeps every pybullet
call in one thread at a time); with a single-threaded executor they simply alternate.

A second simulator on the same topics is refused by the newcomer, warned about by the running one
(:class:`vjepa_ros.nodes.sim_other_simulator.OtherSimulatorCheck`).

Without ``publish_clock`` its messages are stamped with the wall clock, so a simulation slower
than its ``real_time_factor`` (a busy CPU, a large camera) makes its inputs stale for a planner:
the node measures its pace every :data:`PACE_CHECK_S` and warns once per slow stretch with the
measured factor and the fix, simulated time (``sim.pace``).

``use_sim_time`` switched at run time (only with ``publish_clock``) logs one info line: the node
clock follows, the stamps do not (``nodes/sim_time_switch.py``).
"""

from __future__ import annotations

import threading
import time

from builtin_interfaces.msg import Time
from geometry_msgs.msg import PoseStamped
from rcl_interfaces.msg import SetParametersResult
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from rclpy.clock import Clock as RosClock
from rclpy.clock import ClockType
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import CameraInfo, Image, JointState
from std_msgs.msg import Float64
from std_srvs.srv import Trigger

from vjepa_ros.nodes.node_cleanup import destroy_after
from vjepa_ros.nodes.params import declare_config, on_set_parameters
from vjepa_ros.nodes.pose_msgs import set_stamp
from vjepa_ros.nodes.refused_start import start_or_destroy
from vjepa_ros.nodes.sim_messages import (
    camera_info_message,
    image_message,
    joint_state_message,
    tcp_pose_message,
)
from vjepa_ros.nodes.sim_other_simulator import (
    PUBLISHER_CHECK_S,
    REFUSED,
    OtherSimulatorCheck,
)
from vjepa_ros.nodes.sim_time_switch import log_on_sim_time_switch, own_clock_message
from vjepa_ros.nodes.topic_wiring import SIM_CAMERA_INFO, SIM_TOPICS
from vjepa_ros.sim.node_config import SimNodeConfig
from vjepa_ros.sim.pace import SIMULATOR_SERVICE, PaceMeter
from vjepa_ros.sim.runner import CommandError, SimRunner
from vjepa_ros.sim.tick_grid import TickGrid
from vjepa_ros.start_forms import start_forms

LATCHED = QoSProfile(
    depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL, reliability=ReliabilityPolicy.RELIABLE
)
PACE_CHECK_S = 1.0  # [s] between measurements of the simulation's pace (sim.pace.PaceMeter)
# (both ways of starting it: the node cannot tell vjepa-ros launch, whose -p takes sim.NAME)
NO_CLOCK = ("use_sim_time is true but publish_clock is false, so nothing publishes /clock and "
            "every message would be stamped 0; start it with publish_clock true, the simulator "
            f"being the clock ({start_forms('sim', 'publish_clock', 'true')}), or with "
            f"use_sim_time false ({start_forms('sim', 'use_sim_time', 'false')})")
class SimNode(OtherSimulatorCheck, Node):
    ROS_NAME = "sim_node"  # the one prefix of its start-up errors (node_runner.run_node)

    def __init__(self, **kwargs):
        super().__init__(self.ROS_NAME, **kwargs)
        start_or_destroy(self, self._start)  # refused: pybullet's simulator closed too

    def _start(self) -> None:
        """Check the parameters, make the simulator, its entities and timers; first state."""
        self.started = time.monotonic()
        self.config = declare_config(self, SimNodeConfig())
        # the simulator's settings, before pybullet and torch load: each number in its declared
        # range, named as -p names it ("max_target_distance must lie in [0, 10], got -1.0")
        self.config.check()  # real_time_factor too: finite, in REAL_TIME_FACTOR
        if self.get_parameter("use_sim_time").value and not self.config.publish_clock:
            raise ValueError(NO_CLOCK)
        on_set_parameters(self, self.on_set_parameters)  # use_sim_time at run time too
        # taken only with publish_clock: one line says the stamps stay the simulated time
        log_on_sim_time_switch(self, own_clock_message, warn=False)
        self.lock = threading.Lock()  # one thread at a time in pybullet
        try:
            self.runner = SimRunner(self.config, self.config)
        except ImportError as exc:  # no pybullet: a start-up error like a bad parameter
            raise RuntimeError(str(exc)) from exc
        self.own_topics = [self.resolve_topic_name(SIM_TOPICS["joint_states"])] + (
            ["/clock"] if self.config.publish_clock else [])
        problem = self._other_simulator(own=0)  # what discovery found already
        if problem:  # (destroy_node closes the runner)
            raise RuntimeError(f"{problem}; {REFUSED}")
        self.warned_others = ""  # the last warning about another publisher
        self.refused = ""  # why this simulator stopped itself (a second simulator)
        self.done = threading.Event()  # set when it refused: run_node ends, status 1
        inputs = MutuallyExclusiveCallbackGroup()
        # the topics the launch rewires onto the planner's (topic_wiring: one table of names)
        self.joint_pub = self.create_publisher(JointState, SIM_TOPICS["joint_states"], 10)
        self.pose_pub = self.create_publisher(PoseStamped, "current_pose", 10)
        self.image_pub = self.create_publisher(Image, SIM_TOPICS["image"], 2)
        self.info_pub = self.create_publisher(CameraInfo, SIM_CAMERA_INFO, 2)
        self.goal_pub = self.create_publisher(Image, "goal_image", LATCHED)
        self.clock_pub = (
            self.create_publisher(Clock, "/clock", 10) if self.config.publish_clock else None
        )
        self.create_subscription(PoseStamped, SIM_TOPICS["target_pose"], self.on_target_pose, 10,
                                 callback_group=inputs)
        self.create_subscription(Float64, SIM_TOPICS["gripper_command"], self.on_gripper_command,
                                 10, callback_group=inputs)
        self.create_subscription(PoseStamped, "goal_pose", self.on_goal_pose, 10,
                                 callback_group=inputs)
        self.create_service(Trigger, "~/reset", self.on_reset, callback_group=inputs)
        # marks this node as the package's simulator in the graph (a planner's sim-time advice)
        self.create_service(Trigger, f"~/{SIMULATOR_SERVICE}", self.on_identify,
                            callback_group=inputs)
        self.camera_info = camera_info_message(self.runner.sim.camera, self.config.camera_frame_id)
        rtf = self.config.real_time_factor
        # which ticks are due on the wall clock and their stamps (none when flat out); the
        # lambdas read sim_node's time and the node's clock at each call
        self.grid = TickGrid(self.runner.tick_seconds, rtf, lambda: time.monotonic(),
                             lambda: self.get_clock().now().nanoseconds) if rtf > 0 else None
        period = self.grid.period if self.grid is not None else 1e-3  # [s] the stepping timer's
        self._time_offset = 0.0
        # ~/reset's stamp [s]: a target_pose stamped no later was sent before it (in flight)
        self._reset_stamp, self._said_stale = 0.0, False
        # The simulator is a clock source: it steps on the steady clock whatever use_sim_time
        # says (a ROS-time timer with use_sim_time would wait for the /clock it publishes).
        self.step_timer = self.create_timer(period, self.on_timer,
                                            clock=RosClock(clock_type=ClockType.STEADY_TIME))
        self.create_timer(PUBLISHER_CHECK_S, self.check_other_simulator,
                          clock=RosClock(clock_type=ClockType.STEADY_TIME))
        # Slower than real time matters where stamps are wall-clock time (no publish_clock).
        self.pace = PaceMeter(rtf) if rtf > 0 and not self.config.publish_clock else None
        if self.pace is not None:
            self.create_timer(PACE_CHECK_S, self.check_pace,
                              clock=RosClock(clock_type=ClockType.STEADY_TIME))
        stamp = self.stamp()  # the start's messages share one stamp, as each tick's do
        self.publish_state(stamp)
        self.publish_frame(stamp)
        cam = self.config.camera
        self.get_logger().info(
            f"simulated Franka: physics {self.config.physics_hz:g} Hz, control "
            f"{1 / self.runner.tick_seconds:g} Hz, camera {cam.width}x{cam.height} at "
            f"{self.config.camera_rate_hz:g} Hz, real-time factor {rtf:g}"
        )

    # -- time

    def check_pace(self) -> None:
        """Warn once per slow stretch when the simulation falls behind real time (sim.pace)."""
        warning = self.pace.check(time.monotonic(), self.sim_time())
        if warning and not self.refused:
            self.get_logger().warning(warning)

    def sim_time(self) -> float:
        """Return the simulated seconds since the node started (resets do not turn it back)."""
        return self._time_offset + self.runner.sim.time

    def stamp(self, wall_ns: int | None = None) -> Time:
        """Return the stamp of what is published now: simulated time under ``publish_clock``.

        Else ``wall_ns`` [ns, the node clock's] when given (the grid time of the tick being
        published: ``TickGrid.advance``), or the node clock's now.
        """
        if self.config.publish_clock:
            return set_stamp(Time(), self.sim_time())
        if wall_ns is None:
            return self.get_clock().now().to_msg()
        seconds, nanoseconds = divmod(wall_ns, 1_000_000_000)
        return Time(sec=seconds, nanosec=nanoseconds)

    def on_timer(self) -> None:
        try:
            self._advance()
        except Exception:
            if self.context.ok():
                raise
            # Shutting down (Ctrl-C) while this tick published: nothing to report.

    def _advance(self) -> None:
        """Run the ticks that are due by now (``sim.tick_grid.TickGrid.advance``).

        On wall-clock stamps (no ``publish_clock``) each is stamped with its grid time; flat
        out (``real_time_factor`` 0) one tick per call.
        """
        if self.grid is None:
            with self.lock:
                self._tick()
            return
        self.grid.advance(lambda: self.runner.sim.time, self._tick, self.lock)

    def _tick(self, wall_ns: int | None = None) -> None:
        """Step one tick and publish its messages with one stamp (``wall_ns``: :meth:`stamp`)."""
        frame_due = self.runner.tick()
        warning = self.runner.self_collision_warning()  # a real Franka's reflex, as a warning
        if warning:
            self.get_logger().warning(f"target_pose: {warning}")
        if self.clock_pub is not None:
            self.clock_pub.publish(Clock(clock=set_stamp(Time(), self.sim_time())))
        stamp = self.stamp(wall_ns)
        self.publish_state(stamp)
        if frame_due:
            self.publish_frame(stamp)

    # -- outputs

    def publish_state(self, stamp: Time | None = None) -> None:
        """Publish joint_states and current_pose stamped ``stamp`` (None: :meth:`stamp`)."""
        if self.refused:  # its publishers are gone (check_other_simulator)
            return
        stamp = self.stamp() if stamp is None else stamp
        self.joint_pub.publish(joint_state_message(self.runner.sim, stamp))
        self.pose_pub.publish(tcp_pose_message(self.runner.sim, stamp, self.config.base_frame))

    def publish_frame(self, stamp: Time | None = None) -> None:
        """Publish the camera image and camera_info stamped ``stamp`` (None: :meth:`stamp`)."""
        if self.refused:
            return
        stamp = self.stamp() if stamp is None else stamp
        image = image_message(self.runner.sim.render(), stamp, self.config.camera_frame_id)
        self.camera_info.header.stamp = stamp
        self.image_pub.publish(image)
        self.info_pub.publish(self.camera_info)

    # -- inputs

    def on_target_pose(self, msg: PoseStamped) -> None:
        p, o = msg.pose.position, msg.pose.orientation
        stamp = msg.header.stamp.sec + msg.header.stamp.nanosec * 1e-9
        try:
            with self.lock:
                if 0 < stamp <= self._reset_stamp:  # sent before ~/reset, arriving after it
                    self._ignored_before_reset(stamp)
                    return
                self.runner.command_pose([p.x, p.y, p.z], [o.x, o.y, o.z, o.w],
                                         msg.header.frame_id)
        except CommandError as exc:  # the arm keeps its previous target
            self.get_logger().warning(f"target_pose: {exc}", throttle_duration_sec=1.0)

    def on_gripper_command(self, msg: Float64) -> None:
        try:
            with self.lock:
                self.runner.command_gripper(msg.data)
        except CommandError as exc:
            self.get_logger().warning(str(exc), throttle_duration_sec=1.0)

    def on_goal_pose(self, msg: PoseStamped) -> None:
        p, o = msg.pose.position, msg.pose.orientation
        try:
            with self.lock:
                goal = self.runner.goal_for_pose(
                    [p.x, p.y, p.z], [o.x, o.y, o.z, o.w], msg.header.frame_id
                )
        except CommandError as exc:
            self.get_logger().warning(f"goal {exc}")
            return
        self.goal_pub.publish(image_message(goal.frame, self.stamp(),
                                            self.config.camera_frame_id))
        where = " ".join(f"{v:+.3f}" for v in goal.state[:3])
        note = "" if goal.reached else " (the arm did not get within 1 mm: unreachable?)"
        self.get_logger().info(f"goal image published for TCP at [{where}]{note}")

    def on_set_parameters(self, params) -> SetParametersResult:
        """Refuse ``use_sim_time`` true without ``publish_clock`` at run time: :data:`NO_CLOCK`."""
        for p in params:
            if p.name == "use_sim_time" and p.value is True and not self.config.publish_clock:
                return SetParametersResult(successful=False, reason=NO_CLOCK)
        return SetParametersResult(successful=True)

    def on_identify(self, request, response):
        """Answer ``~/vjepa_ros_simulator``: this is vjepa_ros's simulator, and its clock."""
        del request
        response.success = True
        response.message = (f"vjepa_ros simulator (real_time_factor "
                             f"{self.config.real_time_factor:g}, publish_clock "
                             f"{str(self.config.publish_clock).lower()})")
        return response

    def on_reset(self, request, response):
        del request
        with self.lock:
            self._time_offset += self.runner.sim.time
            self.runner.reset()
            if self.grid is not None:
                self.grid.anchor()  # simulated time 0 now
            stamp = self.stamp()
            self._reset_stamp = stamp.sec + stamp.nanosec * 1e-9
            self._said_stale = False
            self.publish_state(stamp)
            self.publish_frame(stamp)
        response.success, response.message = True, f"scene reset (seed {self.runner.sim.seed})"
        return response

    def _ignored_before_reset(self, stamp: float) -> None:
        """Say once per reset that a target_pose sent before it was ignored (locked)."""
        if not self._said_stale:
            self._said_stale = True
            self.get_logger().info(
                f"ignored a target_pose stamped {stamp:.3f} s, at or before the scene reset "
                f"({self._reset_stamp:.3f} s): sent before it, it would take the arm back to "
                "where it was (commands stamped later are followed)")

    def destroy_node(self) -> None:
        destroy_after(self, self._close_runner, super().destroy_node, "closing the simulator")

    def _close_runner(self) -> None:
        runner = getattr(self, "runner", None)  # None when the start was refused before it
        if runner is not None:
            with self.lock:
                runner.close()


def main(args=None) -> int:
    from vjepa_ros.nodes.node_runner import run_node

    return run_node(SimNode, args)


if __name__ == "__main__":
    from vjepa_ros.entry_points import end_after, run_stoppable

    # at once, no module teardown; a stop while it exits: silent (entry_points)
    end_after(lambda: run_stoppable(SimNode.ROS_NAME, lambda: main))

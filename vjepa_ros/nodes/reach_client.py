"""The demo's ROS side: a plain client of the planner and the simulator, topics and services only.

:class:`ReachClient` is one node (``reach_demo``) in its own rclpy context, spun on a thread of
its own. It reads what any user's tooling can read:

- ``current_pose`` (geometry_msgs/PoseStamped): the simulator's true TCP, into an
  :class:`~vjepa_ros.robot.inputs.InputBuffer` (states at a stamp), with the camera frames
  (newest in the buffer, the last ``FRAME_HISTORY`` by stamp for the pictures);
- ``/<planner>/plan_report`` (std_msgs/String, JSON): one message per plan;
- ``/diagnostics``: the planner's status values (``other_command_publishers``, its ``device``,
  ``dtype``, ``torch_threads`` ...);
- the services ``/<planner>/enable``, ``/<planner>/capture_goal`` and the planner's parameters
  (``get_parameters``: the arrival rule the episode follows).

:class:`ReachDemo` is the person at the arm: it guides the arm to the goal (publishing on
``target_pose`` from a node of its own while the planner is disabled), captures the goal image
through the planner's service, guides the arm back, enables the planner and follows the episode
with :class:`~vjepa_ros.sim.reach_follower.ReachFollower`.
"""

from __future__ import annotations

import collections
import math
import queue
import threading
import time

import numpy as np

from vjepa_ros.counts import counted
from vjepa_ros.nodes.spinning import NodeSpinner
from vjepa_ros.nodes.topic_options import TOPIC_DEFAULTS
from vjepa_ros.robot.frame_rest import REST_SETTLE_S, REST_TOLERANCE_M
from vjepa_ros.robot.inputs import InputBuffer, Stamped, nearest
from vjepa_ros.robot.plan_record import PlanRecord
from vjepa_ros.robot.planner_name import PLANNER_NODE, is_diagnostics_of
from vjepa_ros.sim.reach import ReachEpisode, reach_target
from vjepa_ros.sim.reach_follower import (
    REACHED,
    STEP_LIMIT,
    Arrival,
    DemoError,
    ReachFollower,
)
from vjepa_ros.sim.reach_text import STEP_HEADER, format_step
from vjepa_ros.sim.tasks import reach_error
from vjepa_ros.terminate import stop_signals_held

CAMERA_TOPIC = TOPIC_DEFAULTS["camera_topic"]
POLL_S = 0.01
STATE_HISTORY = 6000  # true TCP states kept (60 simulated s at the simulator's 100 Hz)
FRAME_HISTORY = 64  # camera frames kept by stamp (16 simulated s at 4 Hz)
GUIDE_RESEND_S = 0.5  # wall seconds between repeats of the guide pose (lost before discovery)
SERVICE_TIMEOUT_S = 30.0
ARRIVAL_PARAMETERS = ("control.arrival_tolerance_m", "control.arrival_timeout_s",
                      "control.settle_s", "control.arrival_tolerance_rad")  # Arrival's order


class ReachClient:
    """The demo's node; see the module docstring. ``close()`` ends it (and its context)."""

    def __init__(self, planner: str = PLANNER_NODE, camera_topic: str = CAMERA_TOPIC):
        import rclpy
        from diagnostic_msgs.msg import DiagnosticArray
        from geometry_msgs.msg import PoseStamped
        from rcl_interfaces.srv import GetParameters
        from rclpy.qos import QoSProfile, ReliabilityPolicy, qos_profile_sensor_data
        from sensor_msgs.msg import Image
        from std_msgs.msg import String
        from std_srvs.srv import SetBool, Trigger

        self.planner = planner
        # made whole: a stop raised after, never inside rclpy (terminate.stop_signals_held)
        with stop_signals_held():
            self.context = rclpy.Context()
            rclpy.init(context=self.context)
            self.node = rclpy.create_node("reach_demo", context=self.context)
            self.inputs = InputBuffer(history=STATE_HISTORY)
            self.frames: collections.deque[Stamped] = collections.deque(maxlen=FRAME_HISTORY)
            self.reports: queue.SimpleQueue = queue.SimpleQueue()  # PlanRecord or ValueError
            self.diagnostics: dict[str, str] = {}  # the planner's newest /diagnostics values
            self.diagnostics_stamp = -math.inf  # [s] their header stamp (the planner's clock)
            self.base_frame = ""  # header.frame_id of current_pose
            self.hand = None  # the guiding hand's node (a publisher on target_pose)
            node = self.node
            # best effort, as the planner's state topics (state_qos), keeping 1 s at 100 Hz
            node.create_subscription(PoseStamped, "current_pose", self._on_pose,
                                     QoSProfile(depth=100,
                                                reliability=ReliabilityPolicy.BEST_EFFORT))
            node.create_subscription(Image, camera_topic, self._on_image, qos_profile_sensor_data)
            self.report_topic = f"/{planner}/plan_report"
            node.create_subscription(String, self.report_topic, self._on_report, 50)
            node.create_subscription(DiagnosticArray, "/diagnostics", self._on_diagnostics, 10)
            self.capture = node.create_client(Trigger, f"/{planner}/capture_goal")
            self.enable = node.create_client(SetBool, f"/{planner}/enable")
            self.get_parameters = node.create_client(GetParameters, f"/{planner}/get_parameters")
            self.types = {"Trigger": Trigger, "SetBool": SetBool, "GetParameters": GetParameters,
                          "PoseStamped": PoseStamped}
            # A thread of its own, stopped without rclpy's shutdown race (nodes/spinning.py).
            self.spinner = NodeSpinner(self.context)
            self.spinner.add_node(node)
            self.spinner.start()

    # -- subscriptions (executor thread) ------------------------------------------------------
    def _on_pose(self, msg) -> None:
        from vjepa_ros.nodes.pose_msgs import stamp_seconds, state_from_pose

        self.base_frame = msg.header.frame_id
        self.inputs.observe_state(state_from_pose(msg.pose, 0.0), stamp_seconds(msg.header.stamp))

    def _on_image(self, msg) -> None:
        from vjepa_ros.images import image_msg_to_rgb
        from vjepa_ros.nodes.pose_msgs import stamp_seconds

        stamp = stamp_seconds(msg.header.stamp)
        rgb = image_msg_to_rgb(msg)  # a camera frame, whatever its alpha
        self.inputs.observe_image(rgb, stamp)
        self.frames.append(Stamped(stamp, self.inputs.frame.value))

    def _on_report(self, msg) -> None:
        try:
            self.reports.put(PlanRecord.from_json(msg.data, self.report_topic))
        except ValueError as exc:
            self.reports.put(exc)

    def _on_diagnostics(self, msg) -> None:
        from vjepa_ros.nodes.pose_msgs import stamp_seconds

        for status in msg.status:
            if is_diagnostics_of(status.name, self.planner):
                self.diagnostics = {kv.key: kv.value for kv in status.values}
                self.diagnostics_stamp = stamp_seconds(msg.header.stamp)

    # -- reading ------------------------------------------------------------------------------
    def planner_frame_stamp(self) -> float:
        """Return the stamp [s] of the planner's newest camera frame; -inf before it has one.

        From its diagnostics: their stamp − ``frame_age_s`` (to the millisecond).
        """
        age = self.diagnostics.get("frame_age_s", "")
        return self.diagnostics_stamp - float(age) if age else -math.inf

    def frame_at(self, stamp: float) -> np.ndarray | None:
        """Return the kept camera frame stamped nearest to ``stamp`` (None before any)."""
        frame = nearest(list(self.frames), stamp)
        return None if frame is None else frame.value

    def drain_reports(self) -> None:
        """Forget the reports received so far (plans from before the episode)."""
        while True:
            try:
                self.reports.get_nowait()
            except queue.Empty:
                return

    def next_report(self, timeout: float) -> PlanRecord | None:
        """Return the next plan report within ``timeout`` [s], or None; ValueError if malformed."""
        try:
            item = self.reports.get(timeout=timeout)
        except queue.Empty:
            return None
        if isinstance(item, ValueError):
            raise DemoError(str(item))
        return item

    # -- services ---------------------------------------------------------------------------
    def call(self, client, request, what: str, timeout: float = SERVICE_TIMEOUT_S,
             check=lambda: None):
        """Call a service and wait for its answer; DemoError if it does not come in time."""
        end = time.monotonic() + timeout
        while not client.service_is_ready():
            check()
            if time.monotonic() > end:
                raise DemoError(f"{client.srv_name} ({what}) is not available")
            time.sleep(POLL_S)
        done = threading.Event()
        with stop_signals_held():  # a Ctrl-C not inside rclpy's Future (terminate)
            future = client.call_async(request)
            future.add_done_callback(lambda _: done.set())
        while not done.wait(POLL_S):
            check()
            if time.monotonic() > end:
                raise DemoError(f"{client.srv_name} ({what}) did not answer within {timeout} s")
        return future.result()

    def arrival(self, check=lambda: None) -> Arrival:
        """Read the planner's arrival rule from its parameters (``get_parameters``)."""
        request = self.types["GetParameters"].Request(names=list(ARRIVAL_PARAMETERS))
        from rcl_interfaces.msg import ParameterType

        values = self.call(self.get_parameters, request, "parameters", check=check).values
        numbers = [v.double_value if v.type == ParameterType.PARAMETER_DOUBLE else
                   float(v.integer_value) for v in values
                   if v.type in (ParameterType.PARAMETER_DOUBLE, ParameterType.PARAMETER_INTEGER)]
        if len(numbers) != len(ARRIVAL_PARAMETERS):
            raise DemoError(f"/{self.planner} did not return the numbers "
                            f"{', '.join(ARRIVAL_PARAMETERS)}")
        return Arrival(*numbers)

    def set_enabled(self, enabled: bool, check=lambda: None,
                    timeout: float = SERVICE_TIMEOUT_S) -> str:
        request = self.types["SetBool"].Request(data=enabled)
        response = self.call(self.enable, request, "enable", timeout, check)
        if not response.success:
            raise DemoError(f"{self.enable.srv_name} refused: {response.message}")
        return response.message

    def capture_goal(self, check=lambda: None) -> str:
        response = self.call(self.capture, self.types["Trigger"].Request(), "capture_goal",
                             check=check)
        if not response.success:
            raise DemoError(f"{self.capture.srv_name} failed: {response.message}")
        return response.message

    # -- the hand -----------------------------------------------------------------------------
    def guide(self):
        """Return the hand's ``target_pose`` publisher (a node of its own, never spun)."""
        import rclpy

        if self.hand is None:
            # Deaf to the process's global ROS arguments (a global -r __node:= would name it
            # as the demo's node): in that node's namespace, on the topic its remaps give.
            self.hand = rclpy.create_node("reach_demo_hand", context=self.context,
                                          namespace=self.node.get_namespace(),
                                          use_global_arguments=False)
            self.guide_pub = self.hand.create_publisher(
                self.types["PoseStamped"], self.node.resolve_topic_name("target_pose"), 10)
        return self.guide_pub

    def let_go(self) -> None:
        """Remove the hand's publisher, so only the planner commands on ``target_pose``."""
        if self.hand is not None:
            self.hand.destroy_node()
            self.hand = None

    def close(self) -> None:
        self.let_go()
        self.spinner.shutdown(timeout_sec=5.0)
        self.node.destroy_node()
        self.context.try_shutdown()


class ReachDemo:
    """One reach episode over ROS: the person at the arm and the one watching the planner.

    Args:
        client: the demo's :class:`ReachClient`.
        check: raises when a node's process has exited (called while waiting).
        config: ``ReachDemoConfig``.
        say: prints a line.
    """

    def __init__(self, client: ReachClient, check, config, say=print):
        self.client, self.check, self.config, self.say = client, check, config, say
        self.deadline = time.monotonic() + config.timeout_s
        self.enabled = False
        self.was_enabled = False  # ever asked to enable (the planner may have commanded the arm)

    def _wait(self, done, timeout: float, what: str) -> None:
        """Poll ``done()``; raise DemoError on a timeout or when a node's process has exited."""
        end = min(time.monotonic() + timeout, self.deadline)
        while not done():
            self.check()
            if time.monotonic() > end:
                raise DemoError(f"timed out waiting for {what}")
            time.sleep(POLL_S)

    def wait_for_nodes(self) -> dict[str, str]:
        """Wait for the simulator's first pose and frame and the planner's services.

        Returns the planner's newest ``/diagnostics`` values (its ``device``, ``dtype``,
        ``torch_threads`` ... among them).
        """
        inputs = self.client.inputs
        self._wait(lambda: inputs.latest_state() is not None and inputs.frame is not None,
                   120.0, "the simulator's first pose and camera frame")
        self._wait(lambda: math.isfinite(self.client.planner_frame_stamp()), 120.0,
                   "the planner's first camera frame (its /diagnostics)")
        self.arrival = self.client.arrival(self.check)  # answered once the planner spins
        return dict(self.client.diagnostics)

    # -- the person at the arm ----------------------------------------------------------------
    def guide_to(self, state: np.ndarray) -> None:
        """Guide the arm to ``state`` and wait for a camera frame of it at rest.

        The pose goes to the simulated controller's ``target_pose`` (planner disabled), repeated
        every ``GUIDE_RESEND_S`` until the arm is there: the first one may precede discovery.
        Goals are 8–25 cm away, well within the controller's ``max_target_distance`` (0.5 m).
        """
        from vjepa_ros.nodes.pose_msgs import set_pose

        if self.enabled:
            raise DemoError("guiding the arm while the planner commands it")
        client, inputs = self.client, self.client.inputs
        guide = client.guide()
        msg = client.types["PoseStamped"]()
        msg.header.frame_id = client.base_frame  # the frame the arm reports its pose in
        set_pose(msg.pose, state)
        next_send = -math.inf

        def there() -> bool:
            nonlocal next_send
            latest = inputs.latest_state()
            if latest is not None and reach_error(latest.value, state) <= REST_TOLERANCE_M:
                return True
            if time.monotonic() >= next_send and guide.get_subscription_count() > 0:
                guide.publish(msg)
                next_send = time.monotonic() + GUIDE_RESEND_S
            return False

        self._wait(there, 60.0, "the arm to reach the guided pose")
        # a frame of the arm at rest (frame_rest): REST_SETTLE_S [simulated s] after it got there
        settled = inputs.latest_state().stamp + REST_SETTLE_S - 1e-3  # diagnostics: ms
        self._wait(lambda: client.planner_frame_stamp() >= settled, 60.0,
                   "a camera frame at the guided pose in the planner (its /diagnostics)")

    def set_goal(self):
        """Guide the arm to the goal, capture it through the planner's service, guide back.

        The goal image returned is this client's frame with the stamp of the planner's newest
        frame before the call (its diagnostics): the planner captures that frame or a later one
        of the arm at rest at the same pose.
        """
        inputs = self.client.inputs
        start = inputs.latest_state().value
        self.guide_to(reach_target(start, self.config.goal_seed))
        goal_state = inputs.latest_state().value
        goal_image = self.client.frame_at(self.client.planner_frame_stamp())
        message = self.client.capture_goal(self.check)
        self.guide_to(start)
        self.client.let_go()
        return start, goal_state, goal_image, message

    # -- the run ------------------------------------------------------------------------------
    def set_enabled(self, enabled: bool) -> str:
        self.enabled = self.enabled or enabled  # interrupted mid-call: disable on close
        self.was_enabled = self.was_enabled or enabled
        message = self.client.set_enabled(enabled, self.check)
        self.enabled = enabled
        return message

    def run(self) -> ReachEpisode:
        """Set the goal, enable, follow the episode until it ends, disable; return it."""
        started = time.monotonic()
        cfg = self.config.episode
        start, goal_state, goal_image, message = self.set_goal()
        start_distance = reach_error(start, goal_state)
        self.say(f"goal         seed {self.config.goal_seed}: TCP {_xyz(start)} -> "
                 f"{_xyz(goal_state)} m, {start_distance * 100:.1f} cm away")
        self.say(f"             set through /{self.client.planner}/capture_goal ({message})")
        sim_started = self.client.inputs.latest_state().stamp
        self.client.drain_reports()  # shadow-mode plans: not part of the episode
        self.set_enabled(True)
        self.say(enabled_line(self.client.planner, cfg.success_radius, cfg.max_steps))
        self.say(STEP_HEADER)
        follower = ReachFollower(goal_state, cfg.success_radius, cfg.max_steps, self.arrival,
                                 self.client.inputs, self.client.frame_at, self.deadline)
        self.follow(follower)
        self.set_enabled(False)
        if follower.late_commands:
            late = counted(follower.late_commands, "more step")
            self.say(f"note         the planner commanded {late} before it was disabled at the "
                     "step limit (not counted; the final distance includes its motion)")
        final = self.client.inputs.latest_state()
        final_distance = reach_error(final.value, goal_state)
        success = final_distance <= cfg.success_radius
        self._wait(lambda: self.client.inputs.frame.stamp >= final.stamp, 30.0,
                   "the final camera frame")
        return ReachEpisode(
            goal_frame=goal_image, goal_state=goal_state, start_distance=start_distance,
            steps=follower.steps, final_distance=final_distance,
            final_frame=self.client.inputs.frame.value, success=success,
            stop_reason=REACHED if success else STEP_LIMIT, success_radius=cfg.success_radius,
            sim_seconds=final.stamp - sim_started, wall_seconds=time.monotonic() - started,
        )

    def follow(self, follower: ReachFollower) -> str:
        """Feed the planner's reports and status to ``follower`` until the episode is over.

        Raises :class:`DemoError` when the planner holds the arm for good (``on_status``).
        """
        while True:
            self.check()
            record = self.client.next_report(POLL_S)
            while record is not None:
                step = follower.on_report(record)
                if step is not None:
                    self.say(format_step(step))
                record = self.client.next_report(0.0)
            # a hold ends it at once; silence (a frozen node) after SILENT_S
            follower.on_status(self.client.diagnostics, self.client.diagnostics_stamp)
            stop = follower.update()
            if stop is not None:
                return stop

    def close(self) -> None:
        """Disable the planner if this demo enabled it (best effort: it may be gone)."""
        self.client.let_go()
        if self.enabled:
            try:
                self.client.set_enabled(False, timeout=5.0)
            except DemoError:
                pass
            self.enabled = False


def enabled_line(planner: str, success_radius: float, max_steps: int) -> str:
    """Return the ``enabled`` line: until within ``success_radius`` [m] or ``max_steps``."""
    return (f"enabled      /{planner}/enable: blocking MPC until within "
            f"{success_radius * 100:g} cm or {counted(max_steps, 'step')}")


def _xyz(state) -> str:
    return "[" + " ".join(f"{v:+.3f}" for v in np.asarray(state)[:3]) + "]"

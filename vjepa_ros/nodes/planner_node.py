"""The ``vjepa_planner`` node: camera + robot state → V-JEPA 2-AC CEM planning → Franka commands.

A thin shell around :class:`vjepa_ros.robot.mpc.MPCSession` (all logic, tested without ROS):

    ros2 run vjepa_ros planner_node --ros-args --params-file config/planner.yaml \
        -p model.checkpoint:=vjepa2-ac-vitg.pt -r image:=/camera/camera/color/image_raw \
        -r target_pose:=/cartesian_impedance_controller/target_pose

It starts disabled (shadow mode: plans and publishes ``~/action``, diagnostics and the debug
image, commands nothing). ``~/enable`` (SetBool) starts commanding. Planning runs on a thread of
its own (:class:`vjepa_ros.robot.planning_worker.PlanningWorker`), never as an executor callback:
callbacks store inputs and wake it, so subscriptions, services, parameters and the streaming
timer keep their rates while the GPU (or CPU) works. The input callbacks live in
:mod:`vjepa_ros.nodes.planner_inputs`, the 2 Hz diagnostics and graph checks in
:mod:`vjepa_ros.nodes.planner_diagnostics`, goal images in
:mod:`vjepa_ros.nodes.planner_goal_images`, goal files in :mod:`vjepa_ros.nodes.planner_goals`,
a plan's outputs and the gripper's in :mod:`vjepa_ros.nodes.planner_outputs`, the set-point
stream's ticks and watchdog in :mod:`vjepa_ros.nodes.planner_stream`, ``~/enable`` and the stops
of commanding (a failure, shutdown) in :mod:`vjepa_ros.nodes.planner_commanding` (mixins of
:class:`PlannerNode`); the set-point stream's ``target_pose`` and ``servo_twist`` go out through
:mod:`vjepa_ros.nodes.setpoint_output`.
"""

from __future__ import annotations

import sys
import threading
import time

from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import PoseStamped, TwistStamped
from rclpy.clock import Clock, ClockType
from rclpy.node import Node
from rclpy.qos import QoSProfile, qos_profile_sensor_data
from sensor_msgs.msg import CompressedImage, Image, JointState
from std_msgs.msg import Float64, Float64MultiArray, String
from std_srvs.srv import SetBool

from vjepa_ros.config import ValueTypeError
from vjepa_ros.counts import counted
from vjepa_ros.image_notes import SizeNotes
from vjepa_ros.nodes.camera_check_service import CameraCheckService
from vjepa_ros.nodes.goal_images import GoalImages
from vjepa_ros.nodes.goal_services import add_goal_list_services
from vjepa_ros.nodes.goal_topics import subscribe_goal_topic
from vjepa_ros.nodes.graph_publishers import published_topics
from vjepa_ros.nodes.input_sources import InputSources
from vjepa_ros.nodes.input_watch import InputProblem, InputWatch, InputWatches, camera_watch
from vjepa_ros.nodes.node_cleanup import destroy_after
from vjepa_ros.nodes.params import UnknownParameterError, declare_config, on_set_parameters
from vjepa_ros.nodes.planner_commanding import PlannerCommanding
from vjepa_ros.nodes.planner_cost import say_plan_cost
from vjepa_ros.nodes.planner_diagnostics import PlannerDiagnostics
from vjepa_ros.nodes.planner_goal_images import PlannerGoalImages
from vjepa_ros.nodes.planner_goals import PlannerGoals
from vjepa_ros.nodes.planner_inputs import PlannerInputs
from vjepa_ros.nodes.planner_outputs import PlannerOutputs
from vjepa_ros.nodes.planner_settings import check_planner_settings
from vjepa_ros.nodes.planner_stream import STREAM_WATCHDOG_S, PlannerStream
from vjepa_ros.nodes.publisher_ids import callback_with_publisher
from vjepa_ros.nodes.queue_drain import subscribe_draining
from vjepa_ros.nodes.refused_start import start_or_destroy
from vjepa_ros.nodes.setpoint_output import SetpointOutput
from vjepa_ros.nodes.state_qos import STATE_QOS
from vjepa_ros.robot import planner_topics as out
from vjepa_ros.robot.accepted_joints import AcceptedJoints
from vjepa_ros.robot.finger_watch import FingerWatch
from vjepa_ros.robot.goal_frame_ids import GoalFrameIds
from vjepa_ros.robot.idle_parameters import idle_parameter_warnings
from vjepa_ros.robot.input_errors import InputErrorLog
from vjepa_ros.robot.joint_guard import JointLimitGuard
from vjepa_ros.robot.joint_states import (
    JOINT_PREFIX_SETTING,
    JointStateReader,
    expected_arm_joints,
)
from vjepa_ros.robot.kinematics import FrankaKinematics
from vjepa_ros.robot.planner_config import GOAL_PARAMETERS, PlannerNodeConfig, parameter_message
from vjepa_ros.robot.planner_name import PLANNER_NODE
from vjepa_ros.robot.planning_worker import PlanningWorker
from vjepa_ros.threads import FoundThreadSettings, set_torch_threads, switch_interval_words

SENSOR_QOS = QoSProfile(
    depth=1, reliability=qos_profile_sensor_data.reliability,
    durability=qos_profile_sensor_data.durability, history=qos_profile_sensor_data.history,
)


class PlannerNode(PlannerInputs, PlannerDiagnostics, PlannerGoals, PlannerGoalImages,
                  PlannerOutputs, PlannerStream, PlannerCommanding, Node):
    ROS_NAME = PLANNER_NODE  # the one prefix of its start-up errors (node_runner.run_node)

    def __init__(self, **kwargs):
        super().__init__(PLANNER_NODE, **kwargs)
        # a mean momentum of 1: said once, a start-up warning (config.startup_warnings)
        start_or_destroy(self, self._start)  # refused: its threads, helper and entities too

    def _start(self) -> None:
        """Check the parameters, load the model, make the session, entities, helper, worker."""
        try:
            self.config = cfg = declare_config(self, PlannerNodeConfig(),
                                               run_time=GOAL_PARAMETERS,
                                               words=parameter_message, check=self._check_settings)
        except UnknownParameterError:  # already the node's own names ('mppi.x' stays 'mppi.x')
            raise
        except ValueTypeError as exc:  # which parameter it is stays known (-p: status 2)
            raise ValueTypeError(parameter_message(str(exc)), exc.name) from None
        except ValueError as exc:  # CEMConfig.samples, icem.noise_beta: as their parameters
            raise type(exc)(parameter_message(str(exc))) from None
        check_planner_settings(cfg, self.get_name())  # as run-time values (_check_settings)
        # torch (seconds) only once every parameter is checked: a bad -p fails fast
        from vjepa_ros.robot.mpc import MPCSession
        from vjepa_ros.robot.targets import ACTION_LABELS

        self.action_labels = " ".join(ACTION_LABELS)
        # the process's: restored at destroy_node
        self.found_threads = FoundThreadSettings(self.get_fully_qualified_name())
        self.torch_threads = set_torch_threads(cfg.model.threads)  # encoding here; plans: worker
        interval_warning, interval_note = switch_interval_words(  # the process's: shared
            self.found_threads, cfg.model.gil_switch_interval_s)
        if interval_warning:
            self.get_logger().warning(interval_warning)
        self.kinematics = FrankaKinematics(cfg.robot)
        self.model = self._load_model()
        from vjepa_ros.planning.memory import SamplesMemoryError

        try:  # make_planner refuses samples that do not fit, before the first plan
            self.session = MPCSession(
                self.model, cfg.planner.to_cem(), cfg.safety, cfg.control, clock=self.now,
                log=self._log, seed=cfg.planner.seed, wake=lambda: self.worker.wake(),
                goal_switching=cfg.goals, camera_topic=lambda: self.image_topic,
                state_topic=lambda: self.state_watch.topic,
                state_what="robot poses" if cfg.robot.state_source == "pose" else "joint states",
                clock_note=lambda: self.sources.clock.note_now(),
                gripper_topics=lambda: self.sources.gripper_topics(),
                camera_advice=lambda: self.sources.camera_advice, wall_clock=time.monotonic,
                stream_clock=self._stream_clock,
                on_sim_time=lambda: self.get_clock().ros_time_is_active,  # cheap: per input
                clock_published=lambda: self.sources.clock.published,
                clock_players=lambda: (self.sources.clock.players, self.sources.clock.published),
            )
        except SamplesMemoryError as exc:  # named planner.samples, a start-up refusal
            raise ValueError(parameter_message(str(exc))) from None
        self.joints = JointStateReader(cfg.robot.joint_prefix)
        self.accepted_joints = AcceptedJoints()  # the joints of the states the session took
        if cfg.robot.state_source == "joint_states":  # a pose source has no joints to check
            self.joint_limits = JointLimitGuard(self.kinematics, cfg.safety.joint_limit_margin_rad)
            self.session.joint_guard = self._guard_joints
            self.session.guard_joints = self.accepted_joints.joints_for  # what it judges from
        # the finger joints' topic once known, and whether the closedness is measured
        self.fingers = FingerWatch(
            cfg.robot.gripper_state_topic, cfg.safety.max_gripper_state_age_s,
            learn_arm_prefix=cfg.robot.state_source != "pose" or bool(cfg.robot.joint_prefix))
        self.hand_generation = self.fingers.generation  # the hand the session was told of
        # the inputs' publishers: bag players, second publishers, /clock, finger topics
        self.sources = InputSources(self)
        self.foreign_joint_states = 0  # messages about neither this arm nor its hand
        self.frame_refusals = 0  # poses refused for their frame_id
        self.frame_prefix: str | None = None  # the arm prefix target_pose's frame follows
        self.logged_once: set[str] = set()
        self.size_notes = SizeNotes(getattr(self.model, "img_size", None),
                                    getattr(self.model, "trained_frame_sizes", None))
        self.input_errors = InputErrorLog()  # when each bad-input problem was last logged
        self.closing = False
        self.other_publishers: list[str] = []
        self.warned_publishers: list[str] = []  # the other publishers warned about while enabled
        # held by ~/enable's switch (and _failed) and by the stream tick's publish: once ~/enable
        # false is answered, no set-point computed before it goes out. A plan's gripper command
        # is atomic with its target through the session lock (session.gripper_output)
        self.command_lock = threading.Lock()
        self.worker = PlanningWorker(self._plan_and_publish, self._planning_failed,
                                     setup=lambda: set_torch_threads(cfg.model.threads))

        self.action_pub = self.create_publisher(Float64MultiArray, out.ACTION, 10)
        self.target_pub = self.create_publisher(PoseStamped, out.TARGET_POSE, 10)
        self.twist_pub = None
        if cfg.control.publish_twist:
            self.twist_pub = self.create_publisher(TwistStamped, out.SERVO_TWIST, 10)
        # one quaternion hemisphere on target_pose; servo_twist ends with a zero twist
        self.setpoints = SetpointOutput(self.target_pub, self.twist_pub,
                                        self.kinematics.base_frame, self.now)
        self.gripper_pub = self.create_publisher(Float64, out.GRIPPER_COMMAND, 10)
        self.gripper_action = self._gripper_action_client()
        self.diagnostics_pub = self.create_publisher(DiagnosticArray, out.DIAGNOSTICS, 10)
        self.debug_pub = self.create_publisher(Image, out.DEBUG_IMAGE, 1)
        # One JSON message per plan (robot/plan_record.py); reliable, so a tool misses none.
        # From the session's listener: every plan step's report and each async prepared plan
        # dropped outside a plan step (a hold, a disable...), whichever thread ended it.
        self.plan_report_pub = self.create_publisher(String, out.PLAN_REPORT, 50)
        self.plan_report_failed = False  # a publish raised: warned once until one goes out
        self.session.add_report_listener(self._publish_plan_report)
        self.session.gripper_output = self._send_gripper  # under the session lock

        image_type = CompressedImage if cfg.image_transport == "compressed" else Image
        self.image_subscription = self.create_subscription(
            image_type, "image", callback_with_publisher(self._on_image, ""), SENSOR_QOS)
        self.joint_states_sub = subscribe_draining(  # every queued state in one turn
            self, JointState, "joint_states",
            callback_with_publisher(self._on_joint_state, "", sent=True),
            STATE_QOS)  # best effort: reliable and sensor-data publishers alike (state_qos)
        # the resolved names, read once: a subscription's cannot change, and topic_name is a
        # locked rcl call the callbacks (joint states up to 1 kHz) would make per message
        self.image_topic = self.image_subscription.topic_name
        self.joint_states_topic = self.joint_states_sub.topic_name
        self.fingers.arm_topic = self.joint_states_topic  # its namespace: this arm's
        if self.fingers.topic:
            self.sources.probe_gripper_topic(self.fingers.topic)
        if cfg.robot.state_source == "pose":
            self.pose_sub = subscribe_draining(
                self, PoseStamped, "current_pose", callback_with_publisher(self._on_pose, ""),
                STATE_QOS)
            self.pose_topic = self.pose_sub.topic_name  # (read once, as image_topic)
            self.fingers.anchor_topic = self.pose_topic  # the arm's namespace then
        # goal images, raw and compressed (goal_topics): each heard latched and volatile
        self.goal_subscription, self.volatile_goal_subscription = subscribe_goal_topic(
            self, Image, "~/goal_image", self._on_goal_image)
        self.goal_image_topic = self.goal_subscription.topic_name  # (read once, as image_topic)
        # image_transport's name: the resolved (remapped) goal topic + "/compressed", so
        # -r ~/goal_image:=/task/goal hears /task/goal/compressed (breaker58i)
        self.compressed_goal_subscriptions = subscribe_goal_topic(
            self, CompressedImage, f"{self.goal_image_topic}/compressed", self._on_goal_image)
        # its own resolved name (a remap of the compressed topic alone moves it elsewhere): the
        # two names read once here are what every line and check names
        # (PlannerGoalImages.goal_topic)
        self.compressed_goal_topic = self.compressed_goal_subscriptions[0].topic_name
        self._watch_inputs(image_type)  # (after the goal topics: never offered as the camera)
        self.goal_frame_ids = GoalFrameIds()  # another camera's goal image: warned
        self.goal_images = GoalImages(self, self._take_goal_image)  # bag players' ignored
        self.create_service(SetBool, "~/enable", self._enable)
        add_goal_list_services(self)  # ~/capture_goal, ~/add_subgoal, ~/clear_goals
        # ~/camera_check: the live camera placement check (its own helper node and thread)
        self.camera_check_service = CameraCheckService(self)

        self._start_goals(cfg)  # the goal parameters checked, their files loaded (planner_goals)
        on_set_parameters(self, self._on_set_parameters)  # after the type check
        self.create_timer(1.0 / cfg.control.stream_rate_hz, self._stream_tick)
        # on the steady clock: a stream timer on a stopped /clock (a simulator died) does not
        # fire, so its input checks would not end a running camera check (user32)
        self.stream_ticked = time.monotonic()
        self.stream_watchdog_s = max(STREAM_WATCHDOG_S, 3.0 / cfg.control.stream_rate_hz)
        self.create_timer(self.stream_watchdog_s, self._stream_watchdog,
                          clock=Clock(clock_type=ClockType.STEADY_TIME))
        # on the steady clock: diagnostics report even while sim time does not run (no /clock)
        self.create_timer(0.5, self._publish_diagnostics,
                          clock=Clock(clock_type=ClockType.STEADY_TIME))
        for warning in cfg.startup_warnings() + idle_parameter_warnings(cfg):
            self.get_logger().warning(warning)
        self.plan_progress = say_plan_cost(self)  # the model timed before the worker plans
        self.worker.start()
        compiled = ", predictor compiled by torch.compile at its first plan" if getattr(
            self.model, "compiled", False) else ""
        self.get_logger().info(
            f"ready in shadow mode: {cfg.control.mode} control, device {self.model.device}, "
            f"{self.model.dtype}{compiled}, {counted(self.torch_threads, 'CPU thread')}, GIL "
            f"switch interval {self.switch_interval_s * 1e3:g} ms{interval_note}; call "
            f"{self.get_fully_qualified_name()}/enable to command the arm"
        )

    # -- set-up ---------------------------------------------------------------------------------
    @property
    def switch_interval_s(self) -> float:
        """The process's GIL switch interval in force now [s] (``sys.getswitchinterval``).

        Live planners of one process share it: the smallest ``model.gil_switch_interval_s`` of
        them (``threads.FoundThreadSettings.ask_switch_interval``).
        """
        return sys.getswitchinterval()

    def _check_settings(self, cfg: PlannerNodeConfig) -> None:
        """Raise ValueError for settings with a run-time value the start-up would refuse.

        ``check_planner_settings``, and the checkpoint file (``_load_model`` at start-up).
        """
        check_planner_settings(cfg, self.get_name())
        self._checkpoint_file(cfg)

    def _checkpoint_file(self, cfg: PlannerNodeConfig):
        """Return ``model.checkpoint``'s file (a Path); CheckpointError naming the parameter.

        'demo': the packaged demo world model, as `vjepa-ros launch --checkpoint demo` takes it;
        a missing, unreadable or folder path: one line naming the parameter, a file problem
        (``input_paths.world_model_path``'s ``models.errors.CheckpointError``, a ValueError:
        exit status 1 also when typed as ``-p``, as under ``vjepa-ros launch``; not a usage
        error, ``param_sources.typed_refused``).
        """
        from vjepa_ros.input_paths import world_model_path

        return world_model_path(cfg.model.checkpoint, "parameter 'model.checkpoint'")

    def _load_model(self):
        from vjepa_ros.models import load_world_model
        from vjepa_ros.robot.model_startup import model_line, model_warnings

        model_cfg = self.config.model
        checkpoint = self._checkpoint_file(self.config)
        crop = model_cfg.aspect_ratio_range()  # None: the parameters' defaults, the file's crop
        model = load_world_model(
            checkpoint, device=model_cfg.device or None, dtype=model_cfg.dtype or None,
            encoder_key=model_cfg.encoder_key, aspect_ratio_range=crop,
            compile_predictor=model_cfg.compile_predictor, need_predictor=True,
            **model_cfg.hyper_parameters(),
        )
        self.get_logger().info(model_line(model, checkpoint))  # which file, what it records
        for note in model_warnings(model, checkpoint, self.config.robot, crop):
            self.get_logger().warning(note)
        return model

    def _watch_inputs(self, image_type) -> None:
        """Watch the camera and robot-state subscriptions for silence (``input_watch``)."""
        now = time.monotonic()
        self.image_watch = camera_watch(  # the goal topics: never the camera
            self.image_topic, "raw" if image_type.__name__ == "Image" else "compressed", now,
            self.get_namespace(), (self.goal_image_topic, self.compressed_goal_topic))
        if self.config.robot.state_source == "pose":
            self.state_watch = InputWatch(
                "robot pose", self.pose_topic, "geometry_msgs/msg/PoseStamped",
                "set it: ros2 run ... -r current_pose:={topic}", now,
                namespace=self.get_namespace())
        else:
            self.state_watch = InputWatch(
                "joint state", self.joint_states_topic, "sensor_msgs/msg/JointState",
                "set it: vjepa-ros launch --joint-states-topic {topic} (ros2 run: -r "
                "joint_states:={topic})", now, unlikely="gripper", namespace=self.get_namespace(),
                expected=expected_arm_joints(self.config.robot.joint_prefix),
                expected_setting=JOINT_PREFIX_SETTING)
        self.input_watches = InputWatches(self.image_watch, self.state_watch)

    def _input_problems(self) -> list[InputProblem]:
        """One problem per silent input, with where it might be; each logged once as it starts."""
        return self.input_watches.problems(time.monotonic(),
                                           lambda types: published_topics(self, types),
                                           self.get_logger().warning)

    def now(self) -> float:
        return self.get_clock().now().nanoseconds * 1e-9

    def _log(self, level: str, message: str) -> None:
        # One call site per severity: rclpy refuses a call site whose severity changes.
        if level == "error":
            self.get_logger().error(message)
        elif level == "warning":
            self.get_logger().warning(message)
        else:
            self.get_logger().info(message)

    def destroy_node(self) -> None:
        # a failing end of the worker or helper: said, and the node destroyed anyway
        destroy_after(self, self._end_work, super().destroy_node, "ending the planning work")

    def _end_work(self) -> None:
        """:meth:`prepare_shutdown`, :meth:`settle_commands`, then the thread settings found."""
        try:
            self.prepare_shutdown()
            self.settle_commands()
        finally:
            found = getattr(self, "found_threads", None)  # None: refused before it set them
            if found is not None:
                found.restore()


def main(args=None) -> int:
    from vjepa_ros.nodes.node_runner import run_node

    return run_node(PlannerNode, args)


if __name__ == "__main__":
    from vjepa_ros.entry_points import end_after, run_stoppable

    # at once, no module teardown; a stop while it exits: silent (entry_points)
    end_after(lambda: run_stoppable(PlannerNode.ROS_NAME, lambda: main))

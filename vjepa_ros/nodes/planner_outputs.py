"""What the planner node sends after a plan: action, debug image, ~/plan_report, gripper (a mixin).

:class:`PlannerOutputs` is mixed into :class:`vjepa_ros.nodes.planner_node.PlannerNode`: the
planning worker's step (``_plan_and_publish``: ``~/action`` and ``~/debug_image`` of each plan),
the session's report listener (``~/plan_report``, on whatever thread ended the plan) and its
gripper output (``gripper_command`` and GripperCommand goals, called by the session under its
lock as a command goes out, with the set-point's target). The set-point stream's own outputs
are :mod:`vjepa_ros.nodes.planner_stream`'s (``_stream``). The attributes used are set by the
node's ``__init__``.
"""

from __future__ import annotations

import time

from builtin_interfaces.msg import Time
from rclpy.clock import Clock, ClockType
from sensor_msgs.msg import Image
from std_msgs.msg import Float64, Float64MultiArray, MultiArrayDimension, String
from std_srvs.srv import Trigger

from vjepa_ros.images import rgb_to_image_fields
from vjepa_ros.nodes.planner_commanding import clear_failure
from vjepa_ros.nodes.pose_msgs import set_stamp
from vjepa_ros.robot.command_words import command_line
from vjepa_ros.robot.gripper_goals import GripperGoals
from vjepa_ros.robot.gripper_release import stop_service_name
from vjepa_ros.robot.gripper_stop import BesideActionStop
from vjepa_ros.robot.plan_record import PlanRecord
from vjepa_ros.timer_period import poll_period


class PlannerOutputs:
    """The planner node's outputs of a plan and of a command's gripper."""

    def _gripper_action_client(self):
        """Return the GripperCommand sender of ``control.gripper_action``, or None.

        None: the parameter is empty, or control_msgs is not installed (one warning). With
        ``control.gripper_result_timeout_s`` a steady-clock timer asks it for goals not accepted
        or never answered (``GripperGoals.overdue``).
        """
        name = self.config.control.gripper_action
        if not name:
            return None
        try:
            from control_msgs.action import GripperCommand
            from rclpy.action import ActionClient
        except ImportError:
            self.get_logger().warning(f"control_msgs is not installed: no GripperCommand goals to "
                                   f"{name} (gripper_command still publishes)")
            return None
        control = self.config.control
        stop_name = stop_service_name(name)  # "": no franka_gripper action, no stop
        stop = BesideActionStop(self, self.create_client(Trigger, stop_name), name,
                                stop_name) if stop_name else None
        goals = GripperGoals(ActionClient(self, GripperCommand, name), GripperCommand.Goal, name,
                             self.config.robot.gripper_max_width, control.gripper_max_effort,
                             self.get_logger().warning, self.get_logger().info,
                             control.gripper_result_timeout_s,
                             debug=self.get_logger().debug, measured_width=self._measured_width,
                             deadband=control.gripper_deadband,
                             stop=stop,
                             stop_request=Trigger.Request, error=self.get_logger().error,
                             user_epoch=lambda: self.session.user_epoch,
                             reached_tolerance=control.gripper_goal_tolerance_m)
        if control.gripper_result_timeout_s > 0:  # goals never answered: said
            self.create_timer(poll_period(control.gripper_result_timeout_s), goals.overdue,
                              clock=Clock(clock_type=ClockType.STEADY_TIME))
        return goals

    def _measured_width(self) -> float | None:
        """Return the fingers' raw width [m] between them now (None: not measured).

        Raw, not the clipped closedness: a hand homed wider than ``robot.gripper_max_width``
        reads closedness 0, and its opens must not go out narrower (``gripper_release``).
        """
        return self.fingers.measured_width(time.monotonic())

    def _plan_and_publish(self) -> bool:
        """Plan once if possible (worker thread) and publish; return True when a plan ran."""
        if self.closing:
            return False
        want_debug = self.debug_pub.get_subscription_count() > 0
        report = self.session.plan_step(want_debug=want_debug)
        if report is None:
            return False
        if self.closing:
            return True
        clear_failure(self, "planning step")  # a shadow mode's error behind: /diagnostics clears
        # ~/plan_report went out from the session's listener (_publish_plan_report)
        if report.action is not None:
            msg = Float64MultiArray(data=[float(v) for v in report.action])
            msg.layout.dim = [MultiArrayDimension(label=self.action_labels, size=7, stride=7)]
            self.action_pub.publish(msg)
        # its gripper command went out inside plan_step, with the set-point's target, under the
        # session lock (session.gripper_output = _send_gripper): a ~/clear_goals, new goal or
        # ~/enable answered after plan_step can no longer void the plan halfway (breaker44s)
        if report.debug_rgb is not None:
            image = Image(**rgb_to_image_fields(report.debug_rgb))
            # the planned camera frame's stamp (a derived image carries its source's), so a
            # viewer or a bag lines it up with the frame it shows; now only if there is none
            image.header.stamp = self.get_clock().now().to_msg() if report.frame_stamp is None \
                else set_stamp(Time(), report.frame_stamp)
            self.debug_pub.publish(image)
        return True

    def _publish_plan_report(self, report) -> None:
        """Publish one report on ``~/plan_report`` (the session's listener, under its lock).

        Called on the thread that ended the plan: the planning worker's, or for an async
        prepared plan dropped outside a plan step an executor callback's (a hold in the stream
        tick, ``~/enable``, a new goal). Never raises into the session (a drop happens mid-stop
        of the set-point): a failed publish (the context already shut down) is one warning.
        A commanded plan is also one INFO line (``command_words.command_line``): an enabled
        planner was silent in its terminal while it moved the arm (user57u).
        """
        if self.closing:
            return
        line = command_line(report)
        if line:
            self.get_logger().info(line)
        try:
            self.plan_report_pub.publish(String(data=PlanRecord.from_report(report).to_json()))
        except Exception as exc:  # noqa: BLE001 - a report lost must not stop a hold midway
            if not self.plan_report_failed:
                self.get_logger().warning(f"~/plan_report not published: "
                                          f"{type(exc).__name__}: {exc}")
            self.plan_report_failed = True
            return
        self.plan_report_failed = False

    def _send_gripper(self, closedness: float, resend: bool = False):
        """Send a gripper command (``session.gripper_output``: under the session lock).

        Returns the GripperCommand goal's ``Delivery``, False when it was not sent (the session
        sends the closedness again when it did not reach the hand), or None: no goal (no
        action, or closing). ``resend``: the session's resend of the same command to a hand the
        goal never reached: the goal alone goes out again; ``gripper_command`` carried the
        command once (a subscriber sees one message per command, not one per retry).
        """
        if self.closing:
            return None
        if not resend:
            self.gripper_pub.publish(Float64(data=closedness))
        if self.gripper_action is None:
            return None
        return self.gripper_action.send(closedness)

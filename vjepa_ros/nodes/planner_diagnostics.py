"""The planner node's 2 Hz diagnostics and graph checks (a mixin).

:class:`PlannerDiagnostics` is mixed into :class:`vjepa_ros.nodes.planner_node.PlannerNode`:
twice a second it looks at the ROS graph (other publishers of arm commands, a twin of this
node, bag players among the inputs' publishers, a goal image waiting for the graph) and
publishes ``/diagnostics`` (one ``DiagnosticStatus`` named by the node's fully qualified
name, ``/arm1/vjepa_planner: mpc``: the session's refusal, the inputs, the
gripper state topic and the process's device and threads as values). Every state in which the
node refuses or withholds commanding raises the level, with a key naming why, and back to OK
when it ends: the session's refusals (``refusal``), a twin planner and a ``robot.base_frame``
naming another arm's link0 (``~/enable`` refused: ERROR, in ``refusal``, both lines when both,
their kind in ``refusal_kind`` unless the session's own refusal is an ERROR too), silent inputs
(``inputs``), another command publisher while enabled (``other_command_publishers``), and, while
enabled, the hand's commands withheld (``withheld``: WARN): no recent finger joint state under
``goals.gripper`` planned, gripper goals that do not reach the hand (``GripperGoals.problem``);
enabled or not, franka_gripper's stop given up (in ``withheld`` too, ERROR:
``GripperGoals.stop_error``).
Executor callbacks only.
"""

from __future__ import annotations

import time

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue

from vjepa_ros.nodes.graph_publishers import other_publishers, package_planners
from vjepa_ros.nodes.input_watch import silent_inputs_message
from vjepa_ros.nodes.planner_commanding import failures
from vjepa_ros.robot.planner_name import diagnostics_name
from vjepa_ros.robot.refusal import RefusalKind


class PlannerDiagnostics:
    """Diagnostics and graph checks of the planner node (module docstring)."""

    twin_problem = ""  # another planner of this name or on its topic (_check_other_publishers)
    base_frame_problem = ""  # robot.base_frame is not the learned arm's link0 (planner_inputs)

    def _check_other_publishers(self) -> None:
        """Find the other publishers of arm commands, twins of this node's full name included.

        A node of the same name and namespace (another process: a second launch) is not this
        one: the graph lists a publisher per node on the command topic, so more than one of
        this name means a twin; so is another planner of this package under another name or
        namespace on the same command topic (``package_planners``: a second planner started
        with ``namespace:=arm2`` and an absolute ``target_topic``). Sets
        :attr:`other_publishers` and :attr:`twin_problem`. A twin is logged once as it appears
        (again only after it went away and came back, or when their number or names change);
        another publisher only while enabled (in shadow mode nothing fights:
        guiding the arm on the command topic is the ``~/capture_goal`` route), and
        ``~/enable`` names it in its reply.
        """
        topic = self.target_pub.topic_name
        others, twins = other_publishers(self, topic)
        planners = [] if twins or not others else sorted(package_planners(self, others))
        previous = self.twin_problem
        self.twin_problem = twin_line(self.get_fully_qualified_name(), topic, twins) if twins \
            else planners_line(planners, topic) if planners else ""
        self.other_publishers = others
        if self.twin_problem and self.twin_problem != previous:
            self.get_logger().warning(self.twin_problem)
        if not self.session.enabled:  # shadow mode commands nothing: nothing fights yet
            others = []  # (~/enable says it; a guiding node on target_pose is no fault now)
        elif others and others != self.warned_publishers and not self.twin_problem:
            self.get_logger().warning(self._publishers_warning())
        self.warned_publishers = others

    def _publishers_warning(self) -> str:
        return (f"another node publishes on {self.target_pub.topic_name}: "
                f"{', '.join(self.other_publishers)} — two sources of arm commands fight each "
                "other")

    def _check_recorded_inputs(self) -> None:
        """Tell the session which inputs a bag player publishes, now (``InputSources``)."""
        self.sources.check_recorded_inputs()

    def _publish_diagnostics(self) -> None:
        if self.closing:
            return
        self._check_other_publishers()
        self.sources.check_graph()  # /clock, camera source, finger topics, bag players
        self.goal_images.retry()  # a goal image waiting for the graph
        from vjepa_ros.robot.diagnostics import diagnostic_status, node_status  # (mpc: torch)

        inputs = self._input_problems()
        snapshot = self.session.snapshot()
        withheld = self._withheld() if self.session.enabled else []
        # the gripper's stop given up (ERROR until a new goal or ~/enable true), enabled or not
        goals = getattr(self, "gripper_action", None)  # (a node whose start was cut short)
        stop_error = "" if goals is None else goals.stop_error()
        withheld += [stop_error] if stop_error else []
        commanding_fights = bool(self.other_publishers) and self.session.enabled
        # node_status returns a new dict: the node's values go into it (the one copy)
        status = node_status(diagnostic_status(snapshot), self._node_refusals() + failures(self),
                             withheld=withheld, error=bool(stop_error),
                             silent=silent_inputs_message(inputs, snapshot.blocking),
                             warn=commanding_fights or bool(inputs))
        values = status["values"]
        values["inputs"] = "; ".join(str(p) for p in inputs) or "arriving"
        values["other_command_publishers"] = ", ".join(self.other_publishers)
        values["gripper_state_topic"] = self.fingers.topic or (
            "ambiguous" if self.fingers.conflict else "none yet")
        values["gripper_state_age_s"] = self.fingers.status(time.monotonic())
        values["foreign_joint_states"] = str(self.foreign_joint_states)
        values["frame_refusals"] = str(self.frame_refusals)
        waiting = self.goal_images.pending  # "no goal" meanwhile: say why
        values["goal_image_waiting_s"] = "" if waiting is None else \
            f"{time.monotonic() - waiting.since:.1f}"
        # goal parameters set at run time: still decoding, or not applied (goal_state reads)
        values["goal_decoding"] = self.session.goal_decoding
        values["goal_not_applied"] = self.goal_not_applied
        values["goal_idle"] = self.goal_idle  # goal parameters set last doing nothing
        values.update(self.runtime_values())
        values["withheld"] = "; ".join(withheld)
        msg = DiagnosticArray()
        msg.header.stamp = self.get_clock().now().to_msg()
        msg.status = [DiagnosticStatus(
            level=bytes([status["level"]]),
            name=diagnostics_name(self.get_fully_qualified_name()),
            message=status["message"], hardware_id=self.config.robot.model,
            values=[KeyValue(key=k, value=str(v)) for k, v in status["values"].items()],
        )]
        self.diagnostics_pub.publish(msg)

    def _node_refusals(self) -> list[tuple[RefusalKind, str]]:
        """Return this node's own reasons to refuse ``~/enable``, ``(kind, line)`` each, in order.

        A twin planner (:attr:`twin_problem`), then a ``robot.base_frame`` naming another arm's
        link0 (:attr:`base_frame_problem`); [] when neither. ``~/enable`` answers the first;
        ``/diagnostics`` shows them all (``robot.diagnostics.node_status``).
        """
        return [(kind, line) for kind, line in (
            (RefusalKind.TWIN_PLANNER, self.twin_problem),
            (RefusalKind.BASE_FRAME, self.base_frame_problem)) if line]

    def _withheld(self) -> list[str]:
        """Return what of the commands is withheld while enabled, one line each (none: []).

        The hand's: under ``goals.gripper`` planned, no planned gripper command goes out without
        a recent usable finger joint state (the session's ``gripper_guessed``); gripper goals
        that do not reach the hand (no GripperCommand server, unanswered, rejected, failing:
        ``GripperGoals.problem``). The arm is commanded meanwhile.
        """
        lines = []
        now = time.monotonic()
        if self.session.gripper_guessed(self.fingers.measured(now)):
            lines.append(f"gripper commands withheld: no recent finger joint state on "
                         f"{self.sources.gripper_topics()} (gripper_state_age_s "
                         f"{self.fingers.status(now)}, safety.max_gripper_state_age_s "
                         f"{self.fingers.max_age_s:g}); check the gripper driver")
        problem = "" if self.gripper_action is None else self.gripper_action.problem()
        if problem:
            lines.append(f"control.gripper_action: {problem}")
        return lines

    def runtime_values(self) -> dict[str, str]:
        """Return what the start-up line says of the process, as ``/diagnostics`` values.

        ``device`` (``cpu``, ``cuda:0``), ``dtype`` (``torch.float32`` ...), ``torch_threads``
        (CPU threads), ``gil_switch_interval_ms``: read by tools (``vjepa-ros reach``) instead
        of the log line's words.
        """
        return {"device": str(self.model.device), "dtype": str(self.model.dtype),
                "torch_threads": str(self.torch_threads),
                "gil_switch_interval_ms": f"{self.switch_interval_s * 1e3:g}"}


def twin_line(name: str, topic: str, twins: int) -> str:
    """Return the line for ``twins`` other nodes of this planner's full ``name`` on ``topic``.

    The fix for each way of starting it: ``vjepa-ros launch`` has no namespace option, so a
    second planner is started with ``ros2 run`` or the launch file, under another namespace
    and on a command topic of its own (an absolute one does not follow the namespace).
    """
    return (f"another node named {name} publishes on {topic} ({twins + 1} of this name): two "
            "planners would command the arm, so ~/enable is refused; stop the other one (a "
            "second vjepa-ros launch or ros2 launch of this planner), or start one of them "
            "under another namespace with a command topic of its own: ros2 run vjepa_ros "
            "planner_node --ros-args -r __ns:=/<namespace>, or ros2 launch vjepa_ros "
            "vjepa_mpc.launch.py namespace:=<namespace> (vjepa-ros launch has no namespace "
            "option; a relative target topic, the default target_pose, follows the namespace, "
            f"an absolute one must be changed too, else both still command {topic})")


def planners_line(planners: list[str], topic: str) -> str:
    """Return the line for other planners of this package (full names) on command ``topic``."""
    many = len(planners) > 1
    return (f"another vjepa_ros planner{'s' if many else ''} ({', '.join(planners)}) "
            f"publish{'' if many else 'es'} on {topic}: two planners would command the arm, so "
            "~/enable is refused; stop it, or give one of them a command topic of its own "
            "(ros2 launch ... target_topic:=, ros2 run ... -r target_pose:=, vjepa-ros launch "
            "--target-topic)")

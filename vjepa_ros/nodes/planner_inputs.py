"""The planner node's input callbacks: camera frames, joint states, poses (a mixin).

:class:`PlannerInputs` is mixed into :class:`vjepa_ros.nodes.planner_node.PlannerNode`: each
subscription callback decodes its message, asks the node's graph bookkeeping
(:class:`vjepa_ros.nodes.input_sources.InputSources`) whether to drop it (a stopped bag
player's, an unnamed publisher's, two publishers of one stream), and hands what is usable to the
session (:class:`vjepa_ros.robot.mpc.MPCSession`), which holds on what is not. Executor callbacks
only; the attributes used are set by the node's ``__init__``.
"""

from __future__ import annotations

import time

from geometry_msgs.msg import PoseStamped
from sensor_msgs.msg import JointState

from vjepa_ros.image_notes import subgoal_label
from vjepa_ros.images import ImageError, decode_image_message
from vjepa_ros.nodes.pose_msgs import frame_problem, stamp_seconds, state_from_pose
from vjepa_ros.robot.arm_models import unprefixed_arm_note
from vjepa_ros.robot.base_frame import learned_base_frame
from vjepa_ros.robot.finger_watch import note_level
from vjepa_ros.robot.gripper_release import wider_than_set
from vjepa_ros.robot.joint_states import ArmStateError, closedness_from_fingers, joint_names
from vjepa_ros.robot.kinematics import StateError
from vjepa_ros.robot.state_ranges import arm_unread

WIDER_SAID = "robot.gripper_max_width below the hand"  # logged_once's key: wider_than_set said

# a driver's all-zero message before its first reading (state_ranges.arm_unread; breaker41b)
UNREAD_ARM = ("all seven arm joints are exactly 0: a driver's placeholder before its first "
              "reading of the arm, not a pose (holding until its readings come)")


class PlannerInputs:
    """Camera, joint state and pose callbacks of the planner node (module docstring)."""

    # the goal list last labelled by _goal_images: (its GoalSequence, (label, image) pairs),
    # kept while session.goals is that sequence (a new list is a new one)
    _labelled: tuple = (None, ())

    def _log_input_error(self, message: str) -> None:
        """Log a bad input as an error: each problem at once, then at most every 5 s.

        The same problem with other values counts as the same (``input_errors.problem_shape``).
        """
        if self.input_errors.due(message, time.monotonic()):
            self.get_logger().error(message)

    def _reject_state(self, what: str, topic: str, problem: Exception | str) -> None:
        """Hold on an unusable robot state, in one line naming its topic and what to check.

        Several nodes may publish robot states (the driver, a joint_state_publisher, a
        simulator): the topic and ``ros2 topic info -v`` lead to the one that sent it.
        """
        message = (f"unusable {what} on {topic}: {problem} (check the nodes publishing there: "
                   f"ros2 topic info -v {topic})")
        self._log_input_error(message)
        self.session.reject_state(message)

    # -- inputs ---------------------------------------------------------------------------------
    def _on_image(self, msg, _topic: str = "", sender: object = None) -> None:
        """Take a camera frame; ``sender``: its publisher where rclpy gives it (publisher_ids).

        Frames from two publishers within 1 s (a bag played onto the live camera topic, a second
        camera driver) are refused as the session refuses a frame of an unusable size.
        """
        now = time.monotonic()
        self.image_watch.arrived(now)
        topic = self.image_topic
        if self.sources.from_stopped_player(sender, now, topic):
            return
        try:
            rgb = decode_image_message(msg)
        except ImageError as exc:
            self._log_input_error(f"dropping camera image on {topic}: {exc}")
            return
        warning = self.goal_frame_ids.camera(msg.header.frame_id, self.session.goal_version,
                                             self.goal_image_topic, topic)
        if warning:  # a goal image of another camera taken before the first frame
            self.get_logger().warning(warning)
        crowd = self.sources.camera_crowd_problem(sender, now, topic)
        problem = self.session.observe_image(rgb, stamp_seconds(msg.header.stamp), crowd)
        self.worker.wake()
        if problem:  # refused (logged by the session): no note on its size besides
            return
        goals = self._goal_images()
        for note in self.size_notes.check(rgb.shape, goals=goals):  # images: per picture
            self.get_logger().warning(note)  # each once: frames small, goal of another size
        for note in self.size_notes.colour(rgb, goals=goals):
            self.get_logger().warning(note)  # each once: grey frames, a grey goal (breaker42c)

    def _goal_images(self) -> tuple:
        """Return ``(label, image)`` of every goal image to judge (image ``[H, W, 3]`` uint8).

        Every sub-goal of the list, not only the active one (breaker52a: a later sub-goal of
        another size was said only once the arm had run the earlier ones' steps, in shadow
        mode never), so each note comes with the first frame after the list is set. Label:
        "" for a single goal, ``"sub-goal 2 of 3 (<file or source>)"`` in a list. The same
        tuple comes back while ``session.goals`` is the same sequence, so that ``SizeNotes``
        judges a list once, not with every frame (perf52: 10 sub-goals were +40 us a frame).
        """
        goals = self.session.goals
        if self._labelled[0] is not goals:
            listed = [] if goals is None else list(goals.goals)
            if len(listed) == 1:
                images = (("", listed[0].image),)
            else:
                images = tuple((subgoal_label(index, len(listed), g.source), g.image)
                               for index, g in enumerate(listed, 1))
            self._labelled = (goals, images)
        return self._labelled[1]

    def _log_once(self, message: str, level: str = "info") -> None:
        if message not in self.logged_once:
            self.logged_once.add(message)
            self._log(level, message)

    def _on_joint_state(self, msg: JointState, topic: str = "", sender: object = None,
                        sent: float | None = None) -> None:
        """Arm state from arm messages, gripper from the newest finger message (any layout).

        ``topic`` is set for messages of a gripper topic: only their finger joints are used.
        ``sender``: the message's publisher where rclpy gives it (:mod:`publisher_ids`); ``sent``
        [s]: when it was published (``publisher_ids.sent_seconds``; with the header stamp, the
        finger jump rule's gaps).
        Messages about neither this arm nor its hand are counted and ignored (never a hold).
        """
        arm_topic = self.joint_states_topic
        topic = topic or arm_topic
        now = time.monotonic()
        names = joint_names(msg.name)  # once for has_arm and read
        if topic == self.state_watch.topic:  # only the arm's joints count as its state
            if self.joints.has_arm(names):
                self.state_watch.arrived(now)
            else:  # gripper-only, another arm's or robot's: said after the silence rule
                self.state_watch.other(now, names)
        if self.sources.from_stopped_player(sender, now, topic):
            return
        try:
            reading = self.joints.read(names, msg.position)
        except StateError as exc:
            if topic != arm_topic or not isinstance(exc, ArmStateError):
                self.fingers.unusable(topic)  # bad fingers (or whole message): hand unknown
                self._tell_hand_change()
            if topic != arm_topic:
                self._log_input_error(f"ignoring finger joints on {topic}: {exc}")
                return
            self._reject_state("joint state", topic, exc)
            return
        if reading.arm is not None and arm_unread(reading.arm):  # no reading: its fingers too
            if topic == arm_topic and \
                    self.config.robot.state_source != "pose":  # (else no state of the arm's)
                self._reject_state("joint state", topic, UNREAD_ARM)
            return
        self._log_note(self.fingers.check_arm(self.joints.prefix))
        self._follow_arm_prefix()
        stamp = stamp_seconds(msg.header.stamp)  # 0: not stamped
        if reading.fingers is not None:
            width = float(reading.fingers.sum())
            self._log_note(self.fingers.offer(
                topic, reading.finger_prefix, float(closedness_from_fingers(
                    reading.fingers, self.config.robot.gripper_max_width)), now, sender, sent,
                stamp or None, width))
            self._say_wider_hand(self.fingers.measured_width(now))
        self._tell_hand_change()
        if reading.foreign:
            self.foreign_joint_states += 1
            if topic not in self.logged_once:  # once per topic, not once per message
                self.logged_once.add(topic)
                self.get_logger().info(
                    f"ignoring JointState messages on {topic} without this arm's joints (first: "
                    f"{', '.join(list(msg.name)[:4]) or 'no names'}); counted in diagnostics as "
                    "foreign_joint_states")
        # what kind of message this is, for the count of the topic's publishers (no ids)
        self.sources.stream_kind(topic, ("arm+fingers" if reading.fingers is not None else "arm")
                                 if reading.arm is not None else "fingers"
                                 if reading.fingers is not None else "other joints")
        if (reading.arm is None or self.config.robot.state_source == "pose"
                or topic != arm_topic):
            return  # finger-only or foreign message, or the pose comes from current_pose
        if self._state_crowded(sender, now, "joint state", topic, "arm joint states"):
            return
        state = self.kinematics.state(reading.arm, self.fingers.value())
        # its joints are kept before the state can be the newest (a guard between: breaker55j)
        self.accepted_joints.observe(self.session, state, reading.arm, stamp,
                                     self._gripper_measured(now))

    def _guard_joints(self, current, decision):
        """Check a safe target's step against the joint limits (``MPCSession.joint_guard``).

        ``current``: the measured state [7] the step starts from; ``decision``: the accepted
        ``SafetyDecision`` of ``filter_target``. The arm joints read with ``current`` (the
        session accepted it: ``accepted_joints.AcceptedJoints``; not the newest read, which may
        be a refused glitch's) predict the joints along the step
        (:class:`vjepa_ros.robot.joint_guard.JointLimitGuard`); the decision comes back as it
        was, shortened or refused (also when no joints are kept for ``current``).
        """
        return self.joint_limits.check(self.accepted_joints.joints_for(current), current,
                                       decision)

    def _follow_arm_prefix(self) -> None:
        """Stamp set-points in the learned arm's link0, or stop commanding (robot.base_frame).

        Once the arm's joint prefix is known (``robot.joint_prefix`` empty: learned from the
        names; unprefixed joint1..7 are one INFO line, ``arm_models.unprefixed_arm_note``),
        ``target_pose`` goes out in ``<prefix>link0`` (``base_frame.learned_base_frame``:
        the FR3's joints under ``robot.model`` panda are in fr3_link0, not panda_link0); a
        ``robot.base_frame`` naming another arm's link0 is logged once, commanding is disabled
        and ``~/enable`` refused with that line. The joint-limit guard takes that arm's limits.
        Joint states only (a pose source: its frame_id).
        """
        prefix = self.joints.prefix
        if (prefix is None or prefix == self.frame_prefix
                or self.config.robot.state_source == "pose"):
            return
        self.frame_prefix = prefix
        if not prefix and not self.config.robot.joint_prefix:  # no name says it is a Franka
            self.get_logger().info(unprefixed_arm_note(self.config.robot.model))
        frame, self.base_frame_problem = learned_base_frame(self.config.robot, prefix)
        guard = getattr(self, "joint_limits", None)  # the arm's own limits (joint_guard.py)
        note = "" if guard is None else guard.follow_prefix(prefix)
        if note:
            self.get_logger().info(note)
        self.setpoints.frame_id = frame
        if self.base_frame_problem:
            self.get_logger().error(self.base_frame_problem)
            with self.command_lock:
                self.session.set_enabled(False)
            self.setpoints.end()

    def _state_crowded(self, sender, now: float, what: str, topic: str, words: str) -> bool:
        """Refuse (hold) a robot state while two publishers send it: a bag on the live topic.

        ``sender``: the message's publisher id (None where rclpy gives none: the
        graph's count of ``topic``'s publishers decides).
        """
        problem = self.sources.state_crowd_problem(sender, now, words, topic)
        if problem:
            self._reject_state(what, topic, problem)
        return bool(problem)

    def _gripper_measured(self, now: float) -> bool:
        """Whether a state built at ``now`` [s, steady clock] has a measured closedness."""
        self._log_note(self.fingers.lapse(now), "warning")
        return self.fingers.measured(now)

    def _say_wider_hand(self, width: float | None) -> None:
        """Warn once when the hand's fingers measure wider than robot.gripper_max_width.

        ``width`` [m]: the chosen hand's raw width now (None: not measured);
        ``gripper_release.wider_than_set`` words it.
        """
        line = wider_than_set(width, self.config.robot.gripper_max_width)
        if line and WIDER_SAID not in self.logged_once:
            self.logged_once.add(WIDER_SAID)
            self._log("warning", line)

    def _log_note(self, note: str, level: str = "") -> None:
        """Log a finger watch note at ``level``, else at its own (``finger_watch.note_level``)."""
        if note:
            self._log(level or note_level(note), note)

    def _tell_hand_change(self) -> None:
        """Tell the session when the hand chosen changed: no plan of the old one's grips."""
        if self.fingers.generation != self.hand_generation:
            self.hand_generation = self.fingers.generation
            self.session.hand_changed(self.fingers.hand)
            self._check_recorded_inputs()  # the new hand's topic may be a bag player's

    def _frame_ok(self, topic: str, frame_id: str) -> bool:
        """Check a pose's header.frame_id against the base frame: refuse (hold) on a mismatch."""
        problem = frame_problem(topic, frame_id, self.kinematics.base_frame)
        if problem is None:
            self._log_once(f"{topic} has an empty header.frame_id: taken as the base frame "
                           f"{self.kinematics.base_frame}")
            return True
        if problem:
            self.frame_refusals += 1
            self._log_once(problem, "error")
            self.session.reject_state(problem)
            return False
        return True

    def _on_pose(self, msg: PoseStamped, _topic: str = "", sender: object = None) -> None:
        now = time.monotonic()
        self.state_watch.arrived(now)
        if self.sources.from_stopped_player(sender, now, self.pose_topic):
            return
        if not self._frame_ok(self.pose_topic, msg.header.frame_id):
            return
        if self._state_crowded(sender, now, "current_pose", self.pose_topic,
                               "robot poses"):
            return
        try:
            state = state_from_pose(msg.pose, self.fingers.value())
        except StateError as exc:
            self._reject_state("current_pose", self.pose_topic, exc)
            return
        self.session.observe_state(state, stamp_seconds(msg.header.stamp),
                                   gripper_measured=self._gripper_measured(time.monotonic()))

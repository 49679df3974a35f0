"""Where the planner node's inputs come from: bag players, unnamed and second publishers, clocks.

:class:`InputSources` holds a reference to the planner node (``nodes/planner_node.py``) and asks
the ROS graph about the publishers of its camera, robot state and finger topics: which are bag
players (the session refuses their inputs while enabled: ``robot/recorded_inputs.py``), which
messages to drop (a stopped player's queued ones, an unnamed publisher's), which nodes crowd a
topic, who publishes ``/clock`` (``nodes/clock_sources.py``), whether the camera is this
package's simulator on wall time, and which JointState topics may carry this arm's fingers (the
automatic search). The rules are ROS-free (``robot/recorded_inputs.py``,
``robot/publisher_window.py``); this is the rclpy side. Executor callbacks only (not thread-safe).
"""

from __future__ import annotations

import time

from sensor_msgs.msg import JointState

from vjepa_ros.nodes import publisher_ids
from vjepa_ros.nodes.clock_sources import ClockSources
from vjepa_ros.nodes.graph_publishers import (
    UNKNOWN,
    PlayerNodes,
    bag_players,
    other_publishers,
    package_simulators,
    publisher_named,
)
from vjepa_ros.nodes.publisher_ids import callback_with_publisher, sender_gid
from vjepa_ros.nodes.queue_drain import subscribe_draining
from vjepa_ros.nodes.state_qos import STATE_QOS
from vjepa_ros.robot.goal_image_rules import TAKE_UNNAMED
from vjepa_ros.robot.publisher_window import (
    STATE_PUBLISHER_WINDOW_S,
    PublisherWindow,
    StreamKinds,
    count_crowd_problem,
    crowd_problem,
)
from vjepa_ros.robot.recorded_inputs import (
    FingerPlayers,
    PlayerSenders,
    PublisherSets,
    input_topics,
    recorded_inputs_problem,
    recorded_kinds,
)
from vjepa_ros.robot.upstream_watch import UpstreamWatch

UNNAMED_WARN_S = 2.0  # [s] input messages dropped this long for an unnamed publisher: say so


class InputSources:
    """The planner node's graph bookkeeping about its inputs' publishers (module docstring).

    ``node``: the :class:`~vjepa_ros.nodes.planner_node.PlannerNode`; its session, finger watch,
    subscriptions and log are used. Set on it before its input subscriptions are created.
    """

    def __init__(self, node):
        self.node = node
        # the arm state's publishers (joint states or current_pose): a second one is refused
        # a publisher that sent counts while the graph lists it (check_input_publishers)
        self.state_publishers = PublisherWindow(STATE_PUBLISHER_WINDOW_S, sender_gid)
        self.image_publishers = PublisherWindow(STATE_PUBLISHER_WINDOW_S, sender_gid)  # 2 cameras
        self.camera_crowd = ""  # the nodes publishing the camera topic while two send frames
        self.player_senders = PlayerSenders(sender_gid)  # bag players among input publishers
        self.ids_given = publisher_ids.gives_publisher_ids()  # else (Humble/Iron/Jazzy): by topic
        self.publisher_sets = PublisherSets()  # input topics' publishers, without ids
        self.finger_players = FingerPlayers()  # players of the inputs carrying finger joints
        self.upstream = UpstreamWatch()  # the relays' upstream topics: a player behind one
        self.stream_kinds = StreamKinds()  # JointState kinds per topic (Humble/Iron's count)
        self.gripper_probes: dict[str, object] = {}  # topic → subscription (auto search)
        self.clock = ClockSources(node)  # /clock's publishers: two clocks, bag players
        self.camera_advice = ""  # the frames come from a simulator on wall time (check_camera_...)

    # -- per message ----------------------------------------------------------------------------
    def from_stopped_player(self, sender, now: float, topic: str) -> bool:
        """Whether to drop an input message: a bag player's, taken after the player stopped.

        Its last messages may wait in the queues when the graph check sees it go (a loaded
        executor: breaker28c); they are the recording's, on its frozen ``/clock``. A publisher
        new to the node asks the graph for bag players once the graph names its own node
        (discovery shows a publisher before its node's name; asked again at most every 50 ms
        meanwhile); its messages are dropped until then (a warning after ``UNNAMED_WARN_S``).
        Another publisher's missing name holds no one else (breaker28e). ``sender``: the
        publisher id (None: rclpy gives none, Humble/Iron; then a change of the topic's
        publishers asks the graph: :meth:`publishers_changed`); ``topic``: where it came;
        ``now``: [s, steady clock].
        """
        self.watch_upstream(now)
        if sender is None:
            return False if self.ids_given else self.publishers_changed(topic, now)
        if self.player_senders.due(sender, now):
            # once the graph names this publisher's own node: ask who the players are
            named = publisher_named(self.node, topic, sender_gid(sender))
            if named:
                self.check_recorded_inputs()
            self.player_senders.checked(sender, named, now)
        held = self.player_senders.unnamed(sender, now)
        if held is not None:  # not named yet: it could be a restarted player (breaker28d)
            self.warn_unnamed(topic, held)
            return not self.never_named(held)
        return self.player_senders.stopped_player(sender)

    def watch_upstream(self, now: float) -> None:
        """Ask the graph at once when a relay's upstream topic has other publishers.

        A bag player started behind a relay that already runs adds no publisher to the input
        itself (``robot.upstream_watch``); counted at most every 50 ms (~10 µs per topic).
        """
        watch = self.upstream
        if watch.due(now) and watch.changed(
                {topic: self.node.count_publishers(topic) for topic in watch.counts}, now):
            self.check_recorded_inputs()

    @property
    def take_unnamed(self) -> bool:
        """``safety.take_unnamed_publishers``: messages of unnamed publishers are not dropped."""
        return self.node.config.safety.take_unnamed_publishers

    def never_named(self, held: float) -> bool:
        """Whether to take a message of a publisher unnamed for ``held`` [s] as never named.

        With ``safety.take_unnamed_publishers``, once it stayed unnamed ``UNNAMED_WARN_S``: a
        restarted bag player is unnamed for a moment too (discovery), and is held meanwhile.
        """
        return self.take_unnamed and held > UNNAMED_WARN_S

    def warn_unnamed(self, topic: str, held: float) -> None:
        """Say (once) that ``topic`` had a publisher unnamed for ``held`` [s] (dropped, taken)."""
        if held <= UNNAMED_WARN_S:
            return
        if self.take_unnamed:
            self.node._log_once(
                f"messages on {topic} come from a publisher whose node the ROS graph has not "
                f"named for {UNNAMED_WARN_S:g} s (a DDS bridge, an app outside ROS?): taken "
                "unchecked for a bag player, as safety.take_unnamed_publishers is true",
                "warning")
            return
        self.node._log_once(
            f"messages on {topic} from a publisher whose node the ROS graph has not "
            f"named for {UNNAMED_WARN_S:g} s are dropped (it could be a bag player; a "
            f"publisher outside ROS?): check `ros2 topic info -v {topic}`; if it is a DDS "
            f"bridge you trust (zenoh-bridge-dds, a DDS router), {TAKE_UNNAMED}", "warning")

    def publishers_changed(self, topic: str, now: float) -> bool:
        """Whether to drop a message on ``topic`` where rclpy gives no publisher ids.

        A change of the topic's publishers asks the graph for bag players at once (not only
        at the 2 Hz check); while one of them is not named yet, the topic's messages are
        dropped (``robot.recorded_inputs.PublisherSets``), or, with
        ``safety.take_unnamed_publishers``, taken once one stayed unnamed ``UNNAMED_WARN_S``
        (a warning then).
        """
        sets, count = self.publisher_sets, self.node.count_publishers(topic)
        if not sets.due(topic, count, now):
            held = sets.held(topic, now)
            return held is not None and not self.never_named(held)
        infos = self.node.get_publishers_info_by_topic(topic)
        named = [info for info in infos if info.node_name != UNKNOWN]
        if len(named) < len(infos):
            held = sets.hold(topic, count, now)
            self.warn_unnamed(topic, held)
            if not self.never_named(held):
                return True
        if sets.seen(topic, count, frozenset(bytes(info.endpoint_gid) for info in named), now,
                     all_named=len(named) == len(infos)):
            self.check_recorded_inputs()
            if topic == self.node.fingers.topic:  # a second hand's publisher, at once
                self.check_finger_publishers()
        return False

    def camera_crowd_problem(self, sender, now: float, topic: str) -> str:
        """Why a camera frame of ``sender`` on ``topic`` is refused: two cameras ("" if not).

        The publishing nodes are named from the graph, once per crowd (not at the camera's rate).
        """
        crowd = self._crowd(self.image_publishers, sender, now, topic,
                            f"camera images on {topic}", "this camera's view")
        if not crowd:
            self.camera_crowd = ""
            return ""
        self.camera_crowd = self.camera_crowd or ", ".join(
            other_publishers(self.node, topic, own=0)[0])
        return crowd + (f"; publishing nodes: {self.camera_crowd}" if self.camera_crowd else "")

    def state_crowd_problem(self, sender, now: float, words: str, topic: str) -> str:
        """Why a robot state of ``sender`` (``words``: "arm joint states") is refused ("" if not).

        Two publishers of it on ``topic`` (a bag on the live topic); ``sender`` None is not
        counted where rclpy gives ids (:meth:`_crowd`).
        """
        return self._crowd(self.state_publishers, sender, now, topic, words, "the arm's")

    def stream_kind(self, topic: str, kind: str) -> None:
        """Note the kind of a JointState message on ``topic`` (``robot.publisher_window``).

        Only where rclpy gives no publisher ids (the graph's count needs it; per message).
        """
        if not self.ids_given:
            self.stream_kinds.note(topic, self.publisher_sets.count(topic), kind)

    def _crowd(self, window: PublisherWindow, sender, now: float, topic: str, words: str,
               whose: str) -> str:
        """Two publishers of one input: by publisher ids, else by the graph's count of ``topic``.

        Without ids (Humble, Iron) the count is the one :meth:`publishers_changed` took for this
        message, less one per kind of message without the arm seen on ``topic`` since that
        count last changed, and at least the arm layouts seen
        (``robot.publisher_window.StreamKinds``, ``count_crowd_problem``).
        """
        if sender is None and not self.ids_given:
            arms = self.stream_kinds.arm_publishers(topic, self.publisher_sets.count(topic))
            return count_crowd_problem(arms, words, whose)
        return crowd_problem(window, sender, now, words, whose)

    # -- the 2 Hz graph check -------------------------------------------------------------------
    def check_graph(self) -> None:
        """Look at the inputs' publishers, as the diagnostics timer does (each method below).

        One :class:`PlayerNodes` for the check: each node is asked for its services once, and
        judged a bag player or not alike for /clock and for the inputs.
        """
        ask = PlayerNodes(self.node, self.node.config.safety.not_relays)
        self.clock.check(ask)
        self.check_camera_source()
        self.find_gripper_topics()
        self.check_recorded_inputs(ask)
        self.check_input_publishers()  # after the players' check: it uses its answer

    def check_recorded_inputs(self, ask: PlayerNodes | None = None) -> None:
        """Tell the session which inputs a bag player publishes (``robot.recorded_inputs``).

        ``ask``: the graph check's :class:`PlayerNodes`; None: one of its own (a check out of
        the 2 Hz turn: enable, a new hand topic). Both told of ``safety.not_relays``.

        The players' publisher ids are kept (:meth:`from_stopped_player`). When a player of an
        input that carries finger joints (joint states, a finger topic) stops, the closedness
        it sent stops counting as measured; a camera or pose player's end leaves it measured.
        """
        node, fingers = self.node, self.node.fingers
        pose_mode = node.config.robot.state_source == "pose"
        inputs = input_topics(node.image_subscription.topic_name,
                              (node.pose_sub if pose_mode else node.joint_states_sub).topic_name,
                              pose_mode, [fingers.topic] + [
                                  topic for topic in self.gripper_probes
                                  if fingers.may_take(topic)])
        gids: set[bytes] = set()
        ask = ask or PlayerNodes(node, node.config.safety.not_relays)  # each node asked once
        players = {words: bag_players(node, topic, types, gids, ask)
                   for words, (topic, types) in inputs.items()}
        self.upstream.reset({topic: node.count_publishers(topic) for topic in ask.upstream},
                            ask.unnamed_upstream, time.monotonic())
        for topic, player in sorted(ask.static_players):  # each once (a warning, no hold)
            node._log_once(f"the bag player {player} publishes {topic}, which a node computing "
                           "the arm's pose subscribes to: its recorded static transforms (a "
                           "tool, a camera mount) may replace the live ones and shift the pose "
                           "commanded from; play the bag without it (ros2 bag play "
                           "--topics ...) unless they match this setup", "warning")
        senders = self.player_senders
        left = senders.add_players(gids)  # players seen at the last check, gone now
        if left:  # their last messages no longer make a second publisher of the input
            for window in (self.state_publishers, self.image_publishers):
                window.forget(lambda sender: senders.gid_of(sender) in left)
        stopped = self.finger_players.stopped(players, inputs)
        if stopped:  # its closedness is no measurement
            fingers.recording_ended()
        node.session.set_recorded_inputs(recorded_inputs_problem(players),
                                         recorded_kinds(players))
        gone = [topic for topic in stopped if not node.count_publishers(topic)]
        if gone:  # a topic only the player published: no candidate any more (breaker29d)
            for topic in gone:
                node._log_note(fingers.forget_topic(topic))
            node._tell_hand_change()

    def check_input_publishers(self) -> None:
        """Tell the camera's and the arm state's publisher windows who the graph lists now.

        A second publisher that sent stays counted while it is listed, however long DDS
        delivers none of its messages (``robot.publisher_window.PublisherWindow``): the hold
        ends once it is gone from the graph, not after a second of silence. Only where rclpy
        gives publisher ids (else the graph's count decides per message). While a bag player
        publishes the inputs the window alone decides, as before: the recorded inputs hold
        commanding then (``robot.recorded_inputs``), and shadow mode plans on the replay
        beside a live driver that is idle but still listed.
        """
        if not self.ids_given:
            return
        node = self.node
        state_sub = node.pose_sub if node.config.robot.state_source == "pose" else \
            node.joint_states_sub
        # a player on an input topic or behind a relay onto one: the session's recorded-inputs
        # hold names both (set by check_recorded_inputs, from the same graph check; breaker37)
        playing = bool(node.session.recorded_inputs)
        for window, topic in ((self.image_publishers, node.image_subscription.topic_name),
                              (self.state_publishers, state_sub.topic_name)):
            window.set_listed(() if playing else (
                bytes(info.endpoint_gid) for info in node.get_publishers_info_by_topic(topic)))

    def check_camera_source(self) -> None:
        """Note whether the camera's frames come from the simulator while on the wall clock.

        Then a camera slower than its age limit is a simulation slower than real time, and the
        slow-camera note names simulated time, not a looser limit (``sim.pace``).
        """
        from vjepa_ros.sim.pace import simulator_camera_advice

        node = self.node
        on_sim_time = node.get_parameter("use_sim_time").value
        publishers, _ = other_publishers(node, node.image_subscription.topic_name, own=0)
        # this package's simulator by what it advertises, not any node named sim_node
        simulators = set() if on_sim_time else package_simulators(node, publishers)
        self.camera_advice = simulator_camera_advice(publishers, simulators, on_sim_time)

    # -- the finger joints' topic ---------------------------------------------------------------
    def gripper_topics(self) -> str:
        """Where finger joint states are looked for, in words (for the session's warning)."""
        fingers = self.node.fingers
        if fingers.conflict or fingers.crowd:
            return (f"{fingers.topic or 'one topic'} alone (which hand is this arm's is "
                    "ambiguous: see the warning before)")
        return fingers.topic or (
            f"a JointState topic named *gripper* in this arm's namespace, or "
            f"{self.node.joint_states_sub.topic_name}")

    def probe_gripper_topic(self, topic: str) -> None:
        """Subscribe to the JointState ``topic`` for finger joints (once; not the arm's topic)."""
        node = self.node
        if topic not in self.gripper_probes and topic != node.joint_states_sub.topic_name:
            self.gripper_probes[topic] = subscribe_draining(  # as joint_states: queue drained
                node, JointState, topic,
                callback_with_publisher(node._on_joint_state, topic, sent=True), STATE_QOS)

    def check_finger_publishers(self) -> None:
        """Tell the finger watch the nodes publishing its chosen topic (a bag played onto it).

        At the 2 Hz check, and on Humble/Iron at once when the topic's publishers change
        (:meth:`publishers_changed`): there no publisher id tells a second one per message.
        """
        node, fingers = self.node, self.node.fingers
        if fingers.topic:
            nodes = [f"{info.node_namespace.rstrip('/')}/{info.node_name}"
                     for info in node.get_publishers_info_by_topic(fingers.topic)]
            node._log_note(fingers.publishers(fingers.topic, nodes, time.monotonic()))
            node._tell_hand_change()

    def find_gripper_topics(self) -> None:
        """Auto search: listen to each JointState topic named *gripper* that may be this arm's.

        :class:`~vjepa_ros.robot.finger_watch.FingerWatch` chooses among them and says when two
        tie; a second publisher of the chosen topic (a bag played onto it) is told to it.
        """
        node, fingers = self.node, self.node.fingers
        self.check_finger_publishers()
        if fingers.configured_topic:
            return
        for topic, types in node.get_topic_names_and_types():
            if "sensor_msgs/msg/JointState" in types and "gripper" in topic.lower():
                self.probe_gripper_topic(topic)

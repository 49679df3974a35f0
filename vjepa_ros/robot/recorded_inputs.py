"""Inputs played from a recording: a bag player publishes the planner's camera or robot state.

ROS-free words and rules; the planner node asks the ROS graph which nodes publish its input
topics (``nodes/graph_publishers.bag_players``, on :func:`input_topics`), tells the session
(``MPCSession.set_recorded_inputs``) and drops a stopped player's queued messages
(:class:`PlayerSenders`).

A replay through ROS in shadow mode is how a lab evaluates the planner on a recording (README,
*Replay through ROS*); commanding from one is not: the recorded camera and robot are another
time's, and a real arm listening to the commands would be moved from where the recording's arm
was. A bag played beside the live driver is caught per message where rclpy gives publisher ids
(``publisher_window``); a player that is a topic's only publisher (the driver stopped, or none
runs) is seen only in the graph: a node named ``rosbag2_player`` (``ros2 bag play``, Humble and
newer) or ``bag_player`` (this package's), or a node of any name that offers a service only a
rosbag2 player offers (:data:`PLAYER_SERVICE_TYPES`: ``ros2 bag play`` renamed with ``-r
__node:=...`` or started from a launch file under another name) or this package's player's
:data:`BAG_PLAYER_SERVICE`. A player is also seen up to :data:`MAX_RELAY_HOPS` relays away (a
node publishing the input that subscribes to a topic of the input's types a player or another
such relay publishes: ``image_transport republish``, ``topic_tools relay``, a resizer). A player
of a program that offers none of these services (a third-party player) is not recognised.

Not relays (:func:`may_relay`): a bridge to another graph (:data:`BRIDGE_NODES`: ros1_bridge,
rosbridge, a named zenoh bridge, domain_bridge) subscribes to a player's topic to carry it out
and publishes the input from the other side, whose graph is not seen; the nodes listed in
``safety.not_relays``; and a subscription to static transforms (:func:`static_transforms`: a
calibration bag's ``/tf_static`` cannot carry the arm's motion). A ``topic_tools mux`` stays a
relay: its ROS 2 node subscribes only to its selected input (``ToolBaseNode``, re-subscribed
within 100 ms of a ``~/select``), so the graph shows the selection.
"""

from __future__ import annotations

import re
from collections.abc import Callable

BAG_PLAYER_NODES = frozenset({"rosbag2_player", "bag_player"})
# services a rosbag2 player offers and a recorder does not (rosbag2_interfaces, Humble and newer;
# a Jazzy recorder offers Pause/Resume/IsPaused/TogglePaused/SplitBagfile/Snapshot too)
PLAYER_SERVICE_TYPES = frozenset(f"rosbag2_interfaces/srv/{name}" for name in (
    "PlayNext", "Burst", "Seek", "SetRate", "GetRate", "Play"))
BAG_PLAYER_SERVICE = "vjepa_ros_bag_player"  # this package's player offers ~/vjepa_ros_bag_player
MAX_RELAY_HOPS = 3  # relays between a player and an input that are still followed upstream
# the default ROS 2 node names of bridges to graphs this node cannot see, never relays: ros1_bridge
# (dynamic_bridge, parameter_bridge, static_bridge: "ros_bridge"; "ros1_bridge" as launch files
# name it), rosbridge_server, zenoh-bridge-ros2dds (ros2dds.nodename), domain_bridge. None offers
# a service of its own to know it by (the zenoh bridge not even parameter services): by name.
BRIDGE_NODES = frozenset({"ros_bridge", "ros1_bridge", "rosbridge_websocket",
                          "zenoh_bridge_ros2dds", "domain_bridge"})
TF_TYPE = "tf2_msgs/msg/TFMessage"
STATIC_TF = "tf_static"  # the latched static transforms' topic (last name part: /robot1/tf_static)
NOT_RELAYS = "safety.not_relays"  # the parameter naming the nodes never taken as relays
# a node name, or a full name /ns/.../name (ROS 2 naming: tokens [A-Za-z_][A-Za-z0-9_]*)
NODE_NAME = re.compile(r"(/[A-Za-z_][A-Za-z0-9_]*)+|[A-Za-z_][A-Za-z0-9_]*")
RELAYING = " (relaying "  # how bag_players names a relay: "/republish (relaying /t from /p)"
# the message types of each input, and of a topic a relay may republish it from
IMAGE_TYPES = frozenset({"sensor_msgs/msg/Image", "sensor_msgs/msg/CompressedImage"})
JOINT_STATE_TYPES = frozenset({"sensor_msgs/msg/JointState"})
POSE_TYPES = frozenset({"geometry_msgs/msg/PoseStamped"})
# a camera is also relayed from video-transport packets (image_transport republish ffmpeg/theora/
# foxglove/h264 raw), a pose computed from joint states or TF (robot_state_publisher, a TF-to-pose
# node): the types a relay of each input may take its messages from (breaker29a)
CAMERA_RELAY_TYPES = IMAGE_TYPES | frozenset({
    "ffmpeg_image_transport_msgs/msg/FFMPEGPacket", "theora_image_transport/msg/Packet",
    "foxglove_msgs/msg/CompressedVideo", "foxglove_msgs/msg/RawImage",
    "foxglove_msgs/msg/CompressedImage", "h264_msgs/msg/Packet"})
POSE_RELAY_TYPES = POSE_TYPES | JOINT_STATE_TYPES | frozenset({TF_TYPE})
# how input_topics names each input ("camera images on /cam"), and recorded_kinds reads it
CAMERA_WORDS, STATE_WORDS, FINGER_WORDS = ("camera images on ", "robot states on ",
                                           "finger joint states on ")
MAX_KEPT_SENDERS = 1000  # publisher ids kept; forgotten beyond (publishers re-created)
UNNAMED_RECHECK_S = 0.05  # [s] graph checks while an input publisher's node is not named yet
GOAL_SETTLE_S = 0.5  # [s] a goal image's publisher listed this long before its goal is taken


def is_bag_player(node_name: str, services: list[tuple[str, list[str]]] = ()) -> bool:
    """Whether a node is a bag player, by its name or by the services it offers.

    ``node_name``: without namespace; ``services``: the node's (service name, [types]) as the
    graph lists them (``get_service_names_and_types_by_node``): a rosbag2 player of any name
    offers a service of :data:`PLAYER_SERVICE_TYPES`, this package's player one named
    ``.../BAG_PLAYER_SERVICE``.
    """
    if node_name in BAG_PLAYER_NODES:
        return True
    return any(PLAYER_SERVICE_TYPES.intersection(types)
               or name.rsplit("/", 1)[-1] == BAG_PLAYER_SERVICE for name, types in services)


def may_relay(name: str, namespace: str, not_relays=()) -> bool:
    """Whether the node ``namespace``/``name`` may be taken for a relay of a bag player.

    Not a bridge of :data:`BRIDGE_NODES` (by node name, in any namespace), nor a node of
    ``not_relays`` (``safety.not_relays``: a full name "/lab/viewer" is that node, a bare name
    "viewer" a node of that name in any namespace). A bag player is a player all the same.
    """
    full = f"{namespace.rstrip('/')}/{name}"
    return name not in BRIDGE_NODES and name not in not_relays and full not in not_relays


def static_transforms(topic: str, types) -> bool:
    """Whether ``topic`` (of ``types``) holds static transforms: ``/tf_static``, ``/ns/tf_static``.

    A TF listener subscribes to it beside ``/tf``; a bag of it alone (a hand-eye calibration)
    makes no relay of the listener: a static transform cannot carry the arm's motion.
    """
    return TF_TYPE in types and topic.rsplit("/", 1)[-1] == STATIC_TF


def not_relays_problem(names: list[str]) -> str:
    """Why ``safety.not_relays`` ``names`` are no node names ("" when they are).

    Each entry is a node name ("viewer") or a full name ("/lab/viewer") by the ROS naming rules
    (tokens of letters, digits and underscores, not starting with a digit, joined by single
    "/"; a relative "lab/viewer", "/lab//viewer" or "viewer-1" names no node of the graph).
    """
    bad = [f"[{i}] {name!r}" for i, name in enumerate(names)
           if not isinstance(name, str) or not NODE_NAME.fullmatch(name)]
    if not bad:
        return ""
    return (f"{NOT_RELAYS} {', '.join(bad)}: give node names (\"viewer\") or full names "
            "(\"/lab/viewer\") of nodes never to be taken as relays of a bag player")


def recorded_inputs_problem(players: dict[str, list[str]]) -> str:
    """Why nothing may be commanded while bag players publish inputs ("" when none does).

    ``players``: each input in words ("camera images on /camera/image_raw") → the full names of
    the bag players publishing it ("/rosbag2_player"), or of relays ("/r (relaying /t from
    /rosbag2_player)": then the way out of a false hold, ``safety.not_relays``, is named too);
    inputs without a player may be left out.
    """
    found = {words: names for words, names in players.items() if names}
    if not found:
        return ""
    names = sorted({name for group in found.values() for name in group})
    relays = sorted({name.split(RELAYING)[0] for name in names if RELAYING in name})
    return (f"{' and '.join(found)} come from a bag player ({', '.join(names)}): a recording "
            "is not the arm now, so nothing is commanded while it publishes them; replay bags "
            "in shadow mode (~/enable false), or stop the player to command the arm" + (
                f"; if {', '.join(relays)} {'relay' if len(relays) > 1 else 'relays'} nothing "
                "of the recording (bridging another graph, or subscribing to the recorded topic "
                f"for its own use), list {'them' if len(relays) > 1 else 'it'} in {NOT_RELAYS} "
                "and restart the planner (read at start)"
                if relays else ""))


def recorded_kinds(players: dict[str, list[str]]) -> frozenset[str]:
    """Which kinds of input bag players publish: a subset of {"camera", "state", "fingers"}.

    ``players``: as :func:`recorded_inputs_problem` takes them, keyed by :func:`input_topics`'
    words. The session forgets, when the players stop, only what they published
    (``MPCSession.set_recorded_inputs``: a finger player's end keeps the live camera's frame).
    """
    kinds = {"camera" if words.startswith(CAMERA_WORDS) else
             "fingers" if words.startswith(FINGER_WORDS) else "state"
             for words, names in players.items() if names}
    return frozenset(kinds)


def recorded_goal_problem(topic: str, players: list[str]) -> str:
    """Why a goal image on ``topic`` published by bag ``players`` (full names) is not taken.

    A bag recorded with ``ros2 bag record -a`` beside a planner holds its goal topic: replayed
    later beside a live planner, the old run's goal would silently replace the goal set now.
    A recorded goal is taken deliberately: as a goal file, or captured from the replayed
    camera (``~/capture_goal``, ``~/add_subgoal``).
    """
    return (f"ignoring the goal image on {topic}: it comes from a bag player "
            f"({', '.join(players)}), another run's goal; save it as a file and set "
            f"goal_image_path to use it, or replay the bag without {topic} "
            "(ros2 bag play --topics ...)")


def input_topics(camera: str, state_topic: str, pose_mode: bool,
                 finger_topics: str | list[str] | None) -> dict[str, tuple[str, frozenset[str]]]:
    """Return the planner's inputs a bag player may publish: words → (topic, relay types).

    The relay types are those a relay of the input may take its messages from
    (:data:`CAMERA_RELAY_TYPES`, :data:`POSE_RELAY_TYPES`; joint states from joint states).

    ``camera``, ``state_topic``: the resolved camera and robot state topics (``current_pose`` in
    ``pose_mode``, else joint states); ``finger_topics``: the finger joints' topic once chosen
    and every topic the automatic search may still take for this arm's hand (a player there
    would be taken on its first message: breaker28d); None, "" and the state topic itself are
    not listed (again). The words name the input in :func:`recorded_inputs_problem` ("camera
    images on /cam").
    """
    inputs = {f"{CAMERA_WORDS}{camera}": (camera, CAMERA_RELAY_TYPES),
              f"{STATE_WORDS}{state_topic}": (
                  state_topic, POSE_RELAY_TYPES if pose_mode else JOINT_STATE_TYPES)}
    if isinstance(finger_topics, str) or finger_topics is None:
        finger_topics = [finger_topics]
    for topic in finger_topics:
        if topic and topic != state_topic:
            inputs[f"{FINGER_WORDS}{topic}"] = (topic, JOINT_STATE_TYPES)
    return inputs


class FingerPlayers:
    """The bag players of the inputs that carry finger joints, from one graph check to the next.

    The finger closedness comes in JointState inputs (the arm's joint states, the finger
    topics: :func:`input_topics`' ``JOINT_STATE_TYPES``), never in the camera or a pose. When a
    player of one of them stops, the closedness it sent must stop counting as measured
    (``FingerWatch.recording_ended``); a camera or pose player's end leaves the hand measured
    by its live messages alone. ROS-free.
    """

    def __init__(self):
        self.last: dict[str, str] = {}  # finger inputs (words) played at the last check → topic

    def stopped(self, players: dict[str, list[str]],
                inputs: dict[str, tuple[str, frozenset[str]]]) -> list[str]:
        """Note a graph check's players; return the topics of finger inputs whose player stopped.

        ``players``: each input in words → the bag players publishing it (as
        :func:`recorded_inputs_problem` takes them); ``inputs``: that check's
        :func:`input_topics`. A topic is returned when an input that carries finger joints had
        a player at the last check and has none now (or is no input any more); [] if none.
        """
        now = {words: inputs[words][0] for words, names in players.items()
               if names and inputs[words][1] == JOINT_STATE_TYPES}  # (a pose's types differ)
        ended = sorted({topic for words, topic in self.last.items() if words not in now})
        self.last = now
        return ended


class PlayerSenders:
    """Which input publishers are bag players', and when a message should ask the graph.

    The planner node's per-message rule (breaker28c): a publisher id new to the node asks the
    graph for bag players at once (:meth:`due`, then :meth:`checked`); while the graph lists an
    input publisher whose node is not named yet, it asks again at most every ``recheck_s``
    [s, steady clock]. The players' publisher gids the graph gave are kept (:meth:`add_players`)
    so a stopped player's queued messages are dropped (:meth:`is_player`). Each set is emptied
    when it grows past ``max_kept`` (publishers re-created at a high rate).

    ``gid_of``: a sender id → its gid bytes as the graph's ``endpoint_gid`` (None if unknown;
    ``nodes.publisher_ids.sender_gid``). ROS-free; not thread-safe (executor callbacks).
    """

    def __init__(self, gid_of: Callable[[object], bytes | None],
                 recheck_s: float = UNNAMED_RECHECK_S, max_kept: int = MAX_KEPT_SENDERS):
        self.gid_of, self.recheck_s, self.max_kept = gid_of, recheck_s, max_kept
        self.checked_senders: set = set()  # sender ids the graph was asked about
        self.player_gids: set[bytes] = set()  # bag players' publisher gids seen on the inputs
        self.playing: set[bytes] = set()  # those the newest graph check saw
        self.recheck_at = 0.0  # [s, steady] the next graph check while a publisher is unnamed
        self.unnamed_since: dict[object, float] = {}  # sender → [s, steady] first held unnamed

    def due(self, sender: object, now: float) -> bool:
        """Whether a message of ``sender`` at ``now`` [s, steady] should ask the graph."""
        return sender not in self.checked_senders and now >= self.recheck_at

    def checked(self, sender: object, complete: bool, now: float) -> None:
        """Note the graph check a message of ``sender`` made at ``now`` [s, steady].

        ``complete``: whether the graph named ``sender``'s own node; if not, ``sender`` stays
        unchecked and no message asks again before ``now + recheck_s``.
        """
        if not complete:
            self.recheck_at = now + self.recheck_s
            return
        if len(self.checked_senders) > self.max_kept:
            self.checked_senders.clear()
        self.checked_senders.add(sender)
        self.unnamed_since.pop(sender, None)

    def unnamed(self, sender: object, now: float) -> float | None:
        """How long [s] ``sender``'s messages have been held unchecked (None: it is checked).

        A publisher not checked yet (the graph had not named its node when its messages came)
        may be a restarted bag player: its messages are dropped until a check names it
        (breaker28d), however long (the caller says so after a while).
        """
        if sender in self.checked_senders:
            return None
        if len(self.unnamed_since) > self.max_kept:
            self.unnamed_since.clear()
        return now - self.unnamed_since.setdefault(sender, now)

    def add_players(self, gids: set[bytes]) -> set[bytes]:
        """Note one graph check's bag players' publishers of the inputs (``endpoint_gid`` bytes).

        They are kept (a player's queued messages after it stopped) and are the ones playing
        now (:meth:`stopped_player`). Returns those the last check saw playing and this one
        does not (stopped since).
        """
        if len(self.player_gids) > self.max_kept:
            self.player_gids.clear()
        self.player_gids |= gids
        left, self.playing = self.playing - gids, set(gids)
        return left

    def stopped_player(self, sender: object) -> bool:
        """Whether ``sender`` was a bag player's publisher that the last check no longer saw.

        Its messages still queued are the recording's: dropped, also while another player
        plays on (breaker29d). A player still playing is not one (the session holds).
        """
        if not self.player_gids:
            return False
        gid = self.gid_of(sender)
        return gid in self.player_gids and gid not in self.playing


class PublisherSets:
    """Without publisher ids (Humble, Iron rclpy): notice an input topic's publishers change.

    Per message the node counts the topic's publishers (cheap, ~12 µs); when the count changed
    or ``recheck_s`` [s, steady] passed since the last look (:meth:`due`), it lists their gids
    (~0.1 ms) and reports them (:meth:`seen`): a set that differs from the last one asks the
    graph for bag players at once, as a new publisher id does where rclpy gives ids. While the
    graph lists a publisher of the topic whose node is not named yet, the topic's messages are
    dropped (:meth:`hold`): any of them may be a restarted player's. Without ids a message
    cannot be told from another's, so a player's messages queued when it stopped are not
    dropped (the session forgets the inputs received while it played and waits for newer ones).
    ROS-free; not thread-safe (executor callbacks).
    """

    def __init__(self, recheck_s: float = UNNAMED_RECHECK_S):
        self.recheck_s = recheck_s
        self.known: dict[str, tuple[int, frozenset, float]] = {}  # topic → (count, gids, at)
        self.unnamed_since: dict[str, float] = {}  # topic → [s, steady] first held

    def due(self, topic: str, count: int, now: float) -> bool:
        """Whether a message on ``topic`` with ``count`` publishers should list their gids."""
        known = self.known.get(topic)
        return known is None or known[0] != count or now - known[2] >= self.recheck_s

    def count(self, topic: str) -> int:
        """How many publishers ``topic`` had at its last message (0 before its first)."""
        known = self.known.get(topic)
        return 0 if known is None else known[0]

    def held(self, topic: str, now: float) -> float | None:
        """How long [s] ``topic`` has had a publisher not named yet (None: all named)."""
        since = self.unnamed_since.get(topic)
        return None if since is None else now - since

    def hold(self, topic: str, count: int, now: float) -> float:
        """Drop ``topic``'s messages until its publishers are named; return for how long [s]."""
        gids = self.known.get(topic, (0, frozenset(), 0.0))[1]
        self.known[topic] = (count, gids, now)  # listed again after recheck_s
        return now - self.unnamed_since.setdefault(topic, now)

    def seen(self, topic: str, count: int, gids: frozenset, now: float,
             all_named: bool = True) -> bool:
        """Note ``topic``'s named publishers ``gids``; return whether the set changed.

        ``all_named``: False where an unnamed one is taken unchecked (held since :meth:`hold`
        still, so the caller can say how long).
        """
        if all_named:
            self.unnamed_since.pop(topic, None)
        known = self.known.get(topic)
        self.known[topic] = (count, gids, now)
        return known is None or known[1] != gids


class FirstListed:
    """When the graph first listed each publisher (gid) of a topic: discovery has settled.

    A node's name comes with its ros_discovery_info, its services with their own endpoints'
    discovery: a player under another name (known only by its services) was named with 7 of
    its 20 services listed in 2 of 8 runs (breaker29a). A latched goal image is decided once,
    so it waits until its publisher has been listed ``settle_s`` [s, steady] (the planner
    node's 2 Hz check asks again). ROS-free; the gid sets are bounded by ``max_kept``.
    """

    def __init__(self, settle_s: float = GOAL_SETTLE_S, max_kept: int = MAX_KEPT_SENDERS):
        self.settle_s, self.max_kept = settle_s, max_kept
        self.first: dict[bytes, float] = {}

    def note(self, gids, now: float) -> None:
        """Note the publishers ``gids`` listed at ``now`` [s, steady] (the first time counts)."""
        if len(self.first) > self.max_kept:
            self.first.clear()
        for gid in gids:
            self.first.setdefault(gid, now)

    def settled(self, gids, now: float) -> bool:
        """Whether every publisher in ``gids`` was first listed ``settle_s`` before ``now``."""
        self.note(gids, now)
        return all(now - self.first[gid] >= self.settle_s for gid in gids)

"""What the ROS graph says of publishers (rclpy calls; the logic that uses it is ROS-free).

Who else publishes on the planner's command topic or the simulator's topics, and which topics of
a type are published at all (the planner's silent-input hints, ``input_watch``).

A node of the same name and namespace in another process (a second launch) is not the node
asking: the graph lists a publisher per node, so more of that name than the node's own are twins.
"""

from __future__ import annotations

from vjepa_ros.robot.recorded_inputs import (
    MAX_RELAY_HOPS,
    RELAYING,
    is_bag_player,
    may_relay,
    static_transforms,
)


def other_publishers(node, topic: str, own: int = 1) -> tuple[list[str], int]:
    """Return (the other publishing nodes' full names, sorted; how many twins among them).

    ``topic``: a resolved name ("/joint_states"); ``own``: how many publishers of ``topic``
    ``node`` has itself (0 before it creates one). A twin is listed as
    "NAME (another process of this name)".
    """
    me = (node.get_name(), node.get_namespace())
    infos = node.get_publishers_info_by_topic(topic)
    others = sorted(full_name(info.node_name, info.node_namespace)
                    for info in infos if (info.node_name, info.node_namespace) != me)
    twins = max(0, sum((info.node_name, info.node_namespace) == me for info in infos) - own)
    if twins:
        others.append(f"{node.get_fully_qualified_name()} (another process of this name)")
    return others, twins


UNKNOWN = "_NODE_NAME_UNKNOWN_"  # the graph's name for a node whose name came not yet


def full_name(name: str, namespace: str) -> str:
    """Return "/ns/name" ("/name" in the root namespace), or says the name is not known yet.

    Discovery shows another process's publishers a moment before their nodes' names.
    """
    if name == UNKNOWN:
        return "a node of another process (name not discovered yet)"
    return f"{namespace.rstrip('/')}/{name}"


def published_topics(node, msg_types: set[str]) -> dict[str, list[str]]:
    """Topics of ``msg_types`` some node other than ``node`` publishes → their types (rclpy).

    Asked node by node: a query by topic name would pass the name through ``node``'s own
    remapping rules (``-r joint_states:=/franka/joint_states`` turns ``/joint_states`` into the
    topic ``node`` listens on) and miss the very topic to suggest. A node gone since the listing
    (``ros2 service call``'s, ``ros2 param set``'s) is passed over (:func:`by_node`).
    """
    me = (node.get_name(), node.get_namespace())
    out: dict[str, list[str]] = {}
    for name, namespace in node.get_node_names_and_namespaces():
        if (name, namespace) == me:
            continue
        for topic, types in by_node(node.get_publisher_names_and_types_by_node, name, namespace):
            if msg_types & set(types):
                out[topic] = list(types)
    return out


def by_node(query, name: str, namespace: str) -> list:
    """Return ``query(name, namespace)``, or [] for a node no longer in the graph.

    ``query``: one of rclpy's ``Node.get_*_names_and_types_by_node``, which raise
    ``NodeNameNonExistentError`` (a RuntimeError) for a node not in the graph: every lookup of
    a node listed a moment earlier (``get_node_names_and_namespaces``, a publisher's info) may
    find it gone (the transient node of every ``ros2`` command, a restarted driver), and must
    not raise out of the timer or service that asked (it would stop the node's executor).
    """
    try:
        return query(name, namespace)
    except RuntimeError:  # NodeNameNonExistentError: gone since it was listed
        return []


def package_simulators(node, names: list[str]) -> set[str]:
    """Return those of the full node ``names`` that are this package's simulator.

    A simulator advertises its private service ``sim.pace.SIMULATOR_SERVICE``
    (``/ns/sim_node/vjepa_ros_simulator``): a node of another package that is merely named
    ``sim_node`` does not. Names the graph cannot look up (not discovered yet, gone, a twin's
    note) are none.
    """
    from vjepa_ros.sim.pace import SIMULATOR_SERVICE

    return _offering(node, names, (SIMULATOR_SERVICE,))


# The private services every planner node of this package offers (planner_node, goal_services)
PLANNER_SERVICES = ("enable", "capture_goal", "add_subgoal", "clear_goals")


def package_planners(node, names: list[str]) -> set[str]:
    """Return those of the full node ``names`` that are this package's planner (any name).

    Known by its private services (:data:`PLANNER_SERVICES`, all of them), as
    :func:`package_simulators`; names the graph cannot look up are none.
    """
    return _offering(node, names, PLANNER_SERVICES)


def _offering(node, names: list[str], services: tuple[str, ...]) -> set[str]:
    """Return those of the full node ``names`` offering every one of its private ``services``."""
    found = set()
    for full in names:
        namespace, _, name = full.rpartition("/")
        if not full.startswith("/") or not name or " " in full:
            continue  # "a node of another process (name not discovered yet)", a twin's note
        offered = by_node(node.get_service_names_and_types_by_node, name, namespace or "/")
        if {f"{full}/{service}" for service in services} <= {s for s, _ in offered}:
            found.add(full)
    return found


def bag_players(node, topic: str, types: frozenset[str] = frozenset(),
                gids: set[bytes] | None = None, ask: PlayerNodes | None = None,
                infos: list | None = None) -> list[str]:
    """Full names of the bag players publishing ``topic``, directly or through relays.

    A player is known by its node's name or the services it offers
    (``robot.recorded_inputs.is_bag_player``). A relay is a publisher of ``topic`` that
    subscribes to a topic of one of ``types`` (what the input may be relayed from:
    ``recorded_inputs.CAMERA_RELAY_TYPES`` for a camera) published by a player, or
    by another relay, up to ``MAX_RELAY_HOPS`` hops (``image_transport republish``,
    ``topic_tools relay``); it is named "RELAY (relaying TOPIC from PLAYER)", with ", N relays
    between" when the chain is longer. ``gids``: gets the publisher gids (``endpoint_gid``
    bytes) of the players on ``topic`` (not of relays: a relay goes on relaying live messages
    once the player stops). Nodes not named yet by discovery are passed over. Never relays:
    bridges, the nodes ``ask`` was told of (``safety.not_relays``: ``recorded_inputs.may_relay``),
    and subscriptions to static transforms (``recorded_inputs.static_transforms``). ``ask``: one
    graph check's answers, shared by its calls (each node asked for its services once per
    check); a new one per call when None. ``infos``: the graph's publishers of ``topic`` when
    the caller has just asked (one answer for all its rules), else asked here.
    """
    players = ask or PlayerNodes(node)
    found = []
    for info in node.get_publishers_info_by_topic(topic) if infos is None else infos:
        if info.node_name == UNKNOWN:
            continue
        name = full_name(info.node_name, info.node_namespace)
        if players.check(info.node_name, info.node_namespace):
            found.append(name)
            if gids is not None:  # a player's own publisher (never a relay's: it lives on)
                gids.add(bytes(info.endpoint_gid))
        elif types and players.may_relay(info.node_name, info.node_namespace):
            found += [f"{name}{RELAYING}{source} from {player}"
                      + (f", {between} relay{'s' * (between > 1)} between)" if between else ")")
                      for source, player, between in _upstream_players(
                          node, info, types, players)]
    return sorted(set(found))


def goal_players(node, topic: str, gid: bytes | None,
                 infos: list | None = None) -> list[str] | None:
    """Return the bag players among a goal image's publishers ([]; None: not known yet).

    ``gid``: the message's publisher (``endpoint_gid`` bytes). With a gid the graph lists,
    only that publisher counts, and None means the graph has not named its node yet (ask
    again). A gid the graph does not list is a publisher that is gone (``ros2 topic pub
    --once``, a script that published and quit), and without ids (Humble/Iron rclpy) there is
    no telling: then the goal is a player's while any player publishes ``topic``, and not
    known while any publisher of it is unnamed. Players only, not relays (nothing republishes
    goal images). ``infos``: the graph's publishers of ``topic`` if just asked (else asked here).
    """
    infos = node.get_publishers_info_by_topic(topic) if infos is None else infos
    if any(info.node_name == UNKNOWN for info in goal_publishers(infos, gid)):
        return None
    gids: set[bytes] = set()
    players = bag_players(node, topic, gids=gids, infos=infos)
    mine = gid is not None and any(bytes(info.endpoint_gid) == gid for info in infos)
    return [] if mine and gid not in gids else players


def goal_publishers(infos: list, gid: bytes | None) -> list:
    """Return the publishers (of the graph's ``infos`` of a topic) a goal image came from.

    Its own (``gid``, ``endpoint_gid`` bytes) where ``infos`` lists it, else all of ``infos``.
    """
    mine = [info for info in infos if gid is not None and bytes(info.endpoint_gid) == gid]
    return mine or infos


def publisher_named(node, topic: str, gid: bytes | None) -> bool:
    """Whether the graph lists the publisher ``gid`` of ``topic`` under a node name.

    ``gid``: ``endpoint_gid`` bytes (``publisher_ids.sender_gid``). False while it is not
    listed yet or its node is not named yet (discovery); True for None (ids without a gid).
    """
    if gid is None:
        return True
    return any(bytes(getattr(info, "endpoint_gid", b"")) == gid and info.node_name != UNKNOWN
               for info in node.get_publishers_info_by_topic(topic))


class PlayerNodes:
    """Whether nodes are bag players, and their subscriptions: one graph check's answers.

    ``not_relays``: ``safety.not_relays``, the nodes never taken as relays (names or full names).
    """

    def __init__(self, node, not_relays=()):
        self.node, self.known, self.not_relays = node, {}, frozenset(not_relays)
        self.twins: set[tuple[str, str]] | None = None  # full names held by several nodes
        self.upstream: set[str] = set()  # topics the relays followed subscribe to
        self.unnamed_upstream: set[str] = set()  # of those, with a publisher not named yet
        # (static transforms' topic, player) a relay subscribes to: it may replace the live ones
        self.static_players: set[tuple[str, str]] = set()
        # the asking node computes its outputs from its inputs: never a relay (breaker29b)
        self.me = (node.get_name(), node.get_namespace()) if hasattr(node, "get_name") else None

    def check(self, name: str, namespace: str) -> bool:
        """Whether the node ``namespace``/``name`` is a bag player (False once it is gone)."""
        key = (name, namespace)
        if key not in self.known:
            if is_bag_player(name):
                self.known[key] = True
            else:
                services = by_node(self.node.get_service_names_and_types_by_node, name,
                                   namespace)
                self.known[key] = is_bag_player(name, services)
        return self.known[key]

    def may_relay(self, name: str, namespace: str) -> bool:
        """Whether the node may be a relay: no bridge, not in ``safety.not_relays``."""
        return may_relay(name, namespace, self.not_relays)

    def subscriptions(self, info) -> list:
        """(topic, [types]) the node of the endpoint ``info`` subscribes to; [] once it is gone.

        The graph answers a query by node name with one node's subscriptions, the same for two
        nodes of one full name (two ``image_republisher`` of ``republish``'s default name:
        breaker29a). For such a name the subscriptions are gathered topic by topic, those of
        the endpoint's own participant (the first 12 bytes of a DDS gid: the GUID prefix) where
        the gids tell, else those of every node of the name (a relay too many holds, never one
        too few).
        """
        key = (info.node_name, info.node_namespace)
        if self.twins is None:
            names = self.node.get_node_names_and_namespaces()
            self.twins = {each for each in names if names.count(each) > 1}
        if key not in self.twins:
            return by_node(self.node.get_subscriber_names_and_types_by_node, *key)
        mine, everyone = [], []
        prefix = bytes(info.endpoint_gid)[:12]
        for topic, types in self.node.get_topic_names_and_types():
            for sub in self.node.get_subscriptions_info_by_topic(topic):
                if (sub.node_name, sub.node_namespace) == key:
                    everyone.append((topic, types))
                    if bytes(sub.endpoint_gid)[:12] == prefix:
                        mine.append((topic, types))
        return mine or everyone


def _upstream_players(node, relay, types: frozenset[str],
                      players: PlayerNodes) -> list[tuple[str, str, int]]:
    """(topic ``relay`` subscribes to, player, relays between) for each player upstream.

    ``relay``: the graph's endpoint info of the relay's publisher. Follows subscriptions of
    ``types`` topics to their publishers, breadth first, through at most ``MAX_RELAY_HOPS``
    nodes (``relay``'s included); each node once (a loop ends), never the asking node (a
    controller publishing ``current_pose`` subscribes to the planner's ``target_pose``), nor
    through a bridge or a node of ``safety.not_relays`` (``PlayerNodes.may_relay``), nor from
    ``/tf_static`` (a TF listener's subscription beside ``/tf``).
    """
    def identity(info):  # a node: its full name and participant (twins of one name apart)
        return info.node_name, info.node_namespace, bytes(info.endpoint_gid)[:12]

    found, seen = [], {identity(relay)}
    frontier: list[tuple[object, str]] = [(relay, "")]
    for between in range(MAX_RELAY_HOPS):
        upstream = []
        for info, first_topic in frontier:
            for source, source_types in players.subscriptions(info):
                if not types & set(source_types):
                    continue
                if static_transforms(source, source_types):  # no relay: noted (a warning)
                    players.static_players.update(
                        (source, full_name(up.node_name, up.node_namespace))
                        for up in node.get_publishers_info_by_topic(source)
                        if up.node_name != UNKNOWN and players.check(up.node_name,
                                                                     up.node_namespace))
                    continue
                players.upstream.add(source)  # watched per message (robot.upstream_watch)
                for up in node.get_publishers_info_by_topic(source):
                    if up.node_name == UNKNOWN:
                        players.unnamed_upstream.add(source)
                    if (up.node_name == UNKNOWN or identity(up) in seen
                            or (up.node_name, up.node_namespace) == players.me):
                        continue
                    seen.add(identity(up))
                    if players.check(up.node_name, up.node_namespace):
                        found.append((first_topic or source,
                                      full_name(up.node_name, up.node_namespace), between))
                    elif players.may_relay(up.node_name, up.node_namespace):
                        upstream.append((up, first_topic or source))
        frontier = upstream
    return found

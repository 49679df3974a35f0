"""Bag players known by what they offer, and players several relays away (session 29).

Before, a player was known only by its node name (``rosbag2_player``, ``bag_player``) and one
relay away: ``ros2 bag play`` started from a launch file under another name, ``-r __node:=``,
or a bag resized and then republished onto the camera topic commanded the arm from the
recording. A fake graph stands in for rclpy's query methods, so each layout is exact.
"""

from types import SimpleNamespace

import pytest

from vjepa_ros.nodes.graph_publishers import UNKNOWN, PlayerNodes, bag_players
from vjepa_ros.robot.recorded_inputs import (
    BAG_PLAYER_SERVICE,
    IMAGE_TYPES,
    JOINT_STATE_TYPES,
    MAX_RELAY_HOPS,
    is_bag_player,
)

IMAGE = "sensor_msgs/msg/Image"
PARAMS = [("/x/get_parameters", ["rcl_interfaces/srv/GetParameters"])]


def rosbag2_services(node: str, recorder: bool = False) -> list:
    """Return the services a rosbag2 player (or a Jazzy recorder) offers, as the graph lists."""
    names = (["pause", "resume", "is_paused", "toggle_paused", "split_bagfile", "snapshot"]
             if recorder else ["pause", "resume", "is_paused", "toggle_paused", "get_rate",
                               "set_rate", "play_next", "burst", "seek"])
    kinds = {"is_paused": "IsPaused", "toggle_paused": "TogglePaused", "get_rate": "GetRate",
             "set_rate": "SetRate", "play_next": "PlayNext", "split_bagfile": "SplitBagfile"}
    return PARAMS + [(f"{node}/{name}",
                      [f"rosbag2_interfaces/srv/{kinds.get(name, name.capitalize())}"])
                     for name in names]


class Graph:
    """Topics → publishers (name, ns); nodes → subscriptions and services; counts the asks."""

    def __init__(self, publishers, subscriptions=None, services=None):
        self.publishers, self.subscriptions = publishers, subscriptions or {}
        self.services, self.asked = services or {}, []

    def get_publishers_info_by_topic(self, topic):
        return [SimpleNamespace(node_name=name, node_namespace=ns, endpoint_gid=[len(name)])
                for name, ns in self.publishers.get(topic, [])]

    def get_subscriber_names_and_types_by_node(self, name, namespace):
        if (name, namespace) not in self.subscriptions:
            raise RuntimeError("node gone")  # rclpy: NodeNameNonExistentError
        return self.subscriptions[(name, namespace)]

    def get_node_names_and_namespaces(self):
        return sorted({node for nodes in self.publishers.values() for node in nodes}
                      | set(self.subscriptions))

    def get_service_names_and_types_by_node(self, name, namespace):
        self.asked.append((name, namespace))
        return self.services.get((name, namespace), PARAMS)


def test_a_rosbag2_player_under_another_node_name_is_known_by_its_services():
    graph = Graph({"/cam": [("replay", "/lab")]},
                  services={("replay", "/lab"): rosbag2_services("/lab/replay")})
    assert bag_players(graph, "/cam", IMAGE_TYPES) == ["/lab/replay"]


def test_a_player_renamed_on_the_joint_states_gives_its_gids():
    graph = Graph({"/joint_states": [("driver", "/"), ("old_run", "/")]},
                  services={("old_run", "/"): rosbag2_services("/old_run")})
    gids = set()
    assert bag_players(graph, "/joint_states", JOINT_STATE_TYPES, gids) == ["/old_run"]
    assert gids == {bytes([len("old_run")])}, "the player's publisher id, not the driver's"


def test_this_packages_player_renamed_is_known_by_its_marker_service():
    graph = Graph({"/cam": [("replay", "/")]},
                  services={("replay", "/"): PARAMS + [(f"/replay/{BAG_PLAYER_SERVICE}",
                                                        ["std_srvs/srv/Trigger"])]})
    assert bag_players(graph, "/cam", IMAGE_TYPES) == ["/replay"]


@pytest.mark.parametrize("services", [
    PARAMS,  # any node: its parameter services only
    rosbag2_services("/rec", recorder=True),  # a Jazzy recorder: pause/resume/split, no playing
    PARAMS + [("/cam/set_rate", ["example_interfaces/srv/SetRate"])],  # another SetRate type
    PARAMS + [(f"/cam/{BAG_PLAYER_SERVICE}_x", ["std_srvs/srv/Trigger"])],  # not the marker
])
def test_nodes_offering_no_player_service_are_no_players(services):
    assert not is_bag_player("camera_driver", services)
    graph = Graph({"/cam": [("camera_driver", "/")]}, services={("camera_driver", "/"): services})
    assert bag_players(graph, "/cam", IMAGE_TYPES) == []


def test_a_player_two_relays_away_is_found_and_named_with_the_relays_between():
    # rosbag2 player → image_proc resize (/cam/raw → /cam/small) → republish → /cam/compressed
    graph = Graph({"/cam/raw": [("rosbag2_player", "/")],
                   "/cam/small": [("resize", "/")],
                   "/cam/compressed": [("republish", "/")]},
                  {("republish", "/"): [("/cam/small", [IMAGE])],
                   ("resize", "/"): [("/cam/raw", [IMAGE])]})
    assert bag_players(graph, "/cam/compressed", IMAGE_TYPES) == [
        "/republish (relaying /cam/small from /rosbag2_player, 1 relay between)"]


def test_a_chain_longer_than_the_hop_limit_is_not_followed_and_loops_end():
    chain = [f"r{i}" for i in range(MAX_RELAY_HOPS + 1)]  # r0 publishes /t0 (the input)
    publishers = {f"/t{i}": [(name, "/")] for i, name in enumerate(chain)}
    publishers[f"/t{len(chain)}"] = [("rosbag2_player", "/")]
    subscriptions = {(name, "/"): [(f"/t{i + 1}", [IMAGE])] for i, name in enumerate(chain)}
    graph = Graph(publishers, subscriptions)
    assert bag_players(graph, "/t0", IMAGE_TYPES) == [], "beyond MAX_RELAY_HOPS relays"
    publishers[f"/t{len(chain) - 1}"] = [("rosbag2_player", "/")]  # one relay fewer
    assert bag_players(graph, "/t0", IMAGE_TYPES) == [
        f"/r0 (relaying /t1 from /rosbag2_player, {MAX_RELAY_HOPS - 1} relays between)"]
    # two relays feeding each other (and a node of no name yet) end without a player
    loop = Graph({"/a": [("x", "/")], "/b": [("y", "/"), (UNKNOWN, "/")]},
                 {("x", "/"): [("/b", [IMAGE])], ("y", "/"): [("/a", [IMAGE])]})
    assert bag_players(loop, "/a", IMAGE_TYPES) == []


def test_each_node_is_asked_for_its_services_once_per_check():
    # a diamond: two relays of the same resizer; the resizer's services are asked once
    graph = Graph({"/cam": [("left", "/"), ("right", "/")], "/small": [("resize", "/")],
                   "/raw": [("replay", "/")]},
                  {("left", "/"): [("/small", [IMAGE])], ("right", "/"): [("/small", [IMAGE])],
                   ("resize", "/"): [("/raw", [IMAGE])]},
                  {("replay", "/"): rosbag2_services("/replay")})
    assert bag_players(graph, "/cam", IMAGE_TYPES) == [
        "/left (relaying /small from /replay, 1 relay between)",
        "/right (relaying /small from /replay, 1 relay between)"]
    assert sorted(graph.asked) == [("left", "/"), ("replay", "/"), ("resize", "/"),
                                   ("right", "/")]


def test_a_goal_images_publisher_decides_whether_it_is_a_recorded_goal():
    from vjepa_ros.nodes.graph_publishers import goal_players

    topic = "/vjepa_planner/goal_image"
    graph = Graph({topic: [("goal_sender", "/"), ("rosbag2_player", "/")]})
    live, player = bytes([len("goal_sender")]), bytes([len("rosbag2_player")])
    assert goal_players(graph, topic, live) == [], "a live publisher beside the player"
    assert goal_players(graph, topic, player) == ["/rosbag2_player"]
    assert goal_players(graph, topic, None) == ["/rosbag2_player"], "no ids: any player"
    # a publisher that is gone (ros2 topic pub --once): not held for a name it will never get
    gone = bytes([99])
    assert goal_players(Graph({topic: []}), topic, gone) == []
    assert goal_players(graph, topic, gone) == ["/rosbag2_player"], "a player publishes it"
    unnamed = Graph({topic: [(UNKNOWN, "/")]})
    assert goal_players(unnamed, topic, bytes([len(UNKNOWN)])) is None, "named later: ask again"


def test_one_graph_check_asks_each_node_once_for_all_inputs():
    # the 2 Hz check looks at the camera, the state and the finger topics: a driver publishing
    # two of them (or a player of all three) is asked for its services once, not per input
    from vjepa_ros.nodes.graph_publishers import PlayerNodes

    graph = Graph({"/cam": [("driver", "/")], "/joint_states": [("driver", "/")],
                   "/fingers": [("replay", "/")]},
                  services={("replay", "/"): rosbag2_services("/replay")})
    ask = PlayerNodes(graph)
    found = [bag_players(graph, topic, IMAGE_TYPES, ask=ask)
             for topic in ("/cam", "/joint_states", "/fingers")]
    assert found == [[], [], ["/replay"]]
    assert sorted(graph.asked) == [("driver", "/"), ("replay", "/")]


class _CountingGraph(Graph):
    """A planner node's graph for GoalImages: counts the goal topic's publisher listings."""

    def __init__(self, publishers):
        super().__init__(publishers)
        self.listings = 0
        self.goal_image_topic = "/vjepa_planner/goal_image"
        self.config = SimpleNamespace(safety=SimpleNamespace(take_unnamed_publishers=False))
        self.logged = []

    def get_publishers_info_by_topic(self, topic):
        self.listings += 1
        return super().get_publishers_info_by_topic(topic)

    def get_logger(self):
        return SimpleNamespace(info=self.logged.append, warning=self.logged.append)


def test_a_goal_image_is_decided_on_one_listing_of_its_topics_publishers():
    # Session 29's notes: GoalImages._decide listed the goal topic's publishers 4-5 times per
    # image (its own look, goal_players twice, bag_players, goal_publishers): several answers
    # of a graph that changes meanwhile, for one decision. Now one listing decides.
    from sensor_msgs.msg import Image

    from vjepa_ros.nodes.goal_images import GoalImages

    topic = "/vjepa_planner/goal_image"
    graph = _CountingGraph({topic: [("goal_sender", "/"), ("rosbag2_player", "/")]})
    taken = []
    goals = GoalImages(graph, lambda message, key: taken.append(message))
    goals.listed.settle_s = 0.0  # listed long enough: decided now
    live, player = Image(), Image()
    live.header.frame_id, player.header.frame_id = "live", "player"
    goals.arrived(live, topic, (("data", bytes([len("goal_sender")])),))
    assert taken == [live] and graph.listings == 1, graph.listings
    goals.arrived(player, topic, (("data", bytes([len("rosbag2_player")])),))
    assert taken == [live] and graph.listings == 2, "the player's image is ignored"
    assert "comes from a bag player (/rosbag2_player)" in graph.logged[-1]


def test_clock_players_are_kept_after_the_player_exits_and_cleared_by_a_simulator():
    """fix60u: a frozen /clock names the bag player that gave it, also once it has exited."""
    pytest.importorskip("rclpy", reason="the planner's graph side imports ROS messages")
    from vjepa_ros.nodes.clock_sources import ClockSources

    graph = Graph({"/clock": [("replay", "/lab")]},
                  services={("replay", "/lab"): rosbag2_services("/lab/replay")})
    graph.get_parameter = lambda name: SimpleNamespace(value=True)  # use_sim_time
    graph.config = SimpleNamespace(safety=SimpleNamespace(not_relays=[]))
    clock = ClockSources(graph)  # the graph side alone: no planner node
    assert clock.note_now() == "" and (clock.players, clock.published) == (["/lab/replay"], True)
    graph.publishers = {}  # the bag ended: the player exited
    clock.check(PlayerNodes(graph))
    assert (clock.players, clock.published) == (["/lab/replay"], False)
    graph.publishers = {"/clock": [("sim_node", "/")]}  # a simulator's clock now
    clock.check(PlayerNodes(graph))
    assert (clock.players, clock.published) == ([], True)


class _LateServices(Graph):
    """A graph where a renamed player's services are discovered between two asks of them."""

    def __init__(self, *args, late, **kwargs):
        super().__init__(*args, **kwargs)
        self.late = late  # node: its services, listed from its second ask on

    def get_service_names_and_types_by_node(self, name, namespace):
        first = (name, namespace) not in self.asked
        listed = super().get_service_names_and_types_by_node(name, namespace)
        return PARAMS if first and (name, namespace) == self.late[0] else (
            self.late[1] if (name, namespace) == self.late[0] else listed)


def _graph_check_planner(graph):
    """Dress ``graph`` as the planner node ``InputSources.check_graph`` reads (fingers set)."""
    graph.config = SimpleNamespace(safety=SimpleNamespace(not_relays=[]),
                                   robot=SimpleNamespace(state_source="joint_states"))
    graph.image_subscription = SimpleNamespace(topic_name="/cam")
    graph.joint_states_sub = SimpleNamespace(topic_name="/joint_states")
    graph.fingers = SimpleNamespace(topic="", configured_topic="/hand", may_take=lambda t: False)
    graph.session = SimpleNamespace(recorded_inputs="")
    graph.session.set_recorded_inputs = lambda problem, kinds: setattr(
        graph.session, "recorded_inputs", problem)
    graph.get_parameter = lambda name: SimpleNamespace(value=True)  # use_sim_time
    graph.count_publishers = lambda topic: len(graph.publishers.get(topic, []))
    graph.get_topic_names_and_types = lambda: []
    graph.get_name, graph.get_namespace = lambda: "vjepa_planner", lambda: "/"
    graph._log_once = lambda message, level="info": None
    return graph


def test_one_graph_check_judges_a_node_alike_for_clock_and_for_the_inputs():
    """mend61d: a player renamed ('replay') plays the camera and /clock; its services come late.

    Before, the /clock check asked the graph for the node's services apart from the inputs'
    check, so on one tick the camera could be a recording while /clock named no player (or the
    other way round). One check now asks each node once and judges it alike for both.
    """
    pytest.importorskip("rclpy", reason="the planner's graph side imports ROS messages")
    from vjepa_ros.nodes.input_sources import InputSources

    graph = _graph_check_planner(_LateServices(
        {"/clock": [("replay", "/")], "/cam": [("replay", "/")]},
        late=(("replay", "/"), rosbag2_services("/replay"))))
    sources = InputSources(graph)
    sources.ids_given = False  # no publisher windows to fill here
    for tick in range(2):
        sources.check_graph()
        recorded = "/replay" in graph.session.recorded_inputs
        assert recorded == ("/replay" in sources.clock.players), (tick, sources.clock.players,
                                                                  graph.session.recorded_inputs)
        assert graph.asked.count(("replay", "/")) == tick + 1, "one ask per node per check"
    assert recorded, "the second check knows the player by its services"

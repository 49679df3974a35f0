"""Who else publishes on a topic: other nodes, twins of the asking node's name, unnamed ones."""

from types import SimpleNamespace

from vjepa_ros.nodes.graph_publishers import other_publishers, package_planners


class FakeNode:
    def __init__(self, publishers):
        self.publishers = publishers  # (node name, namespace) per publisher on the topic

    def get_name(self):
        return "sim_node"

    def get_namespace(self):
        return "/"

    def get_fully_qualified_name(self):
        return "/sim_node"

    def get_publishers_info_by_topic(self, topic):
        return [SimpleNamespace(node_name=n, node_namespace=ns) for n, ns in self.publishers]


def test_other_nodes_twins_and_nodes_not_yet_named():
    node = FakeNode([("sim_node", "/"), ("sim_node", "/"), ("rival", "/lab"),
                     ("_NODE_NAME_UNKNOWN_", "_NODE_NAMESPACE_UNKNOWN_")])
    assert other_publishers(node, "/clock") == ([
        "/lab/rival", "a node of another process (name not discovered yet)",
        "/sim_node (another process of this name)"], 1)
    assert other_publishers(node, "/clock", own=0)[1] == 2, "before it made its own publisher"
    assert other_publishers(FakeNode([("sim_node", "/")]), "/clock") == ([], 0)


def test_a_planner_of_this_package_is_known_by_its_services_under_any_name():
    services = {("arm2", "/"): ["/arm2/enable", "/arm2/capture_goal", "/arm2/add_subgoal",
                                "/arm2/clear_goals"],
                ("teleop", "/"): ["/teleop/enable"]}  # another package's ~/enable alone

    def by_node(name, namespace):
        if (name, namespace) not in services:
            raise RuntimeError("gone")
        return [(service, ["std_srvs/srv/Trigger"]) for service in services[name, namespace]]

    node = SimpleNamespace(get_service_names_and_types_by_node=by_node)
    assert package_planners(node, ["/arm2", "/teleop", "/gone",
                                   "a node of another process (name not discovered yet)"]) == \
        {"/arm2"}


class LeavingGraph(FakeNode):
    """A graph listing ``/lab/cli`` (a ``ros2 param set``'s node) that is gone when asked.

    rclpy's lookups by node raise ``NodeNameNonExistentError`` (a RuntimeError) for a node no
    longer in the graph; the topic lookups still list ``/lab/cli``'s publisher a moment after.
    """

    GONE = ("cli", "/lab")
    STAYING = ("cam_driver", "/")

    def __init__(self):
        super().__init__([self.GONE, self.STAYING])
        self.asked = []

    def get_node_names_and_namespaces(self):
        return [("sim_node", "/"), self.GONE, self.STAYING]

    def get_publishers_info_by_topic(self, topic):
        return [SimpleNamespace(node_name=n, node_namespace=ns, endpoint_gid=[len(n)] * 16)
                for n, ns in self.publishers]

    def get_topic_names_and_types(self):
        return [("/cam", ["sensor_msgs/msg/Image"])]

    def get_subscriptions_info_by_topic(self, topic):
        return []

    def _by_node(self, what, name, namespace, answer):
        self.asked.append((what, name, namespace))
        if (name, namespace) == self.GONE:
            raise RuntimeError(f"Node name not found: ns='{namespace}', name='{name}'")
        return answer

    def get_publisher_names_and_types_by_node(self, name, namespace):
        return self._by_node("publishers", name, namespace, [("/cam", ["sensor_msgs/msg/Image"])])

    def get_service_names_and_types_by_node(self, name, namespace):
        return self._by_node("services", name, namespace, [(f"/{name}/enable", ["x"])])

    def get_subscriber_names_and_types_by_node(self, name, namespace):
        return self._by_node("subscriptions", name, namespace,
                             [("/raw", ["sensor_msgs/msg/Image"])])


def test_a_node_gone_between_the_listing_and_its_lookup_is_passed_over_by_every_lookup():
    """breaker57a: published_topics raised out of the planner's diagnostics timer.

    Each lookup by node of graph_publishers meets the node gone: the topics of the nodes still
    there are found, the gone one is none (not a player, not a planner, no subscriptions).
    """
    from vjepa_ros.nodes.graph_publishers import (
        PlayerNodes,
        bag_players,
        package_simulators,
        published_topics,
    )
    from vjepa_ros.robot.recorded_inputs import IMAGE_TYPES

    graph = LeavingGraph()
    assert published_topics(graph, {"sensor_msgs/msg/Image"}) == {
        "/cam": ["sensor_msgs/msg/Image"]}
    assert ("publishers", "cli", "/lab") in graph.asked, "the gone node was not even asked"
    assert package_planners(graph, ["/lab/cli"]) == set()
    assert package_simulators(graph, ["/lab/cli"]) == set()
    players = PlayerNodes(graph)
    assert players.check("cli", "/lab") is False
    gone = SimpleNamespace(node_name="cli", node_namespace="/lab", endpoint_gid=[1] * 16)
    assert players.subscriptions(gone) == []
    assert bag_players(graph, "/cam", IMAGE_TYPES) == []  # both publishers asked, none raised
    assert {what for what, *node in graph.asked if tuple(node) == LeavingGraph.GONE} == {
        "publishers", "services", "subscriptions"}

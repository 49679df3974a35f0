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

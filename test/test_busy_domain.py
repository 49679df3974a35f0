"""fix60u: a command that starts its own simulator and planner refuses a domain others run.

``vjepa-ros reach`` talks to its children by name only; user60 #1 (test_user60.py) ran it beside a
launched simulator and planner and it drove that arm. ``nodes.busy_domain`` finds, over the real
graph of this process's nodes: a node of a child's name, this package's simulator or planner of
any name (by their services), a publisher of the children's topics (``/clock``, the pose, the
camera), a subscriber of ``target_pose`` (an arm's controller of any package); once the
children run, a twin of a child's name. The refusal is one line naming the domain and
``ROS_DOMAIN_ID=<n>``.
"""

import contextlib
import time

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")

from vjepa_ros.nodes.busy_domain import (  # noqa: E402
    busy_domain_problem,
    occupants,
    refuse_busy_domain,
)
from vjepa_ros.nodes.spinning import NodeSpinner  # noqa: E402

WAIT_S = 60.0
NAMES = ("/sim_node", "/vjepa_planner")
PUBLISHED = ("/clock", "/current_pose", "/camera/camera/color/image_raw")
SUBSCRIBED = ("/target_pose",)


@contextlib.contextmanager
def graph():
    """Yield (make(name, namespace="/") → a spun node, the command's own client node)."""
    context = rclpy.Context()
    rclpy.init(context=context)
    spinner = NodeSpinner(context)
    made = []

    def make(name, namespace="/"):
        node = rclpy.create_node(name, namespace=namespace, context=context)
        spinner.add_node(node)
        made.append(node)
        return node

    me = make("reach_demo")
    spinner.start()
    try:
        yield make, me
    finally:
        spinner.shutdown(timeout_sec=5.0)
        for node in made:
            node.destroy_node()
        context.try_shutdown()


def found_within(me, want, own=False):
    """Read :func:`occupants` until ``want(found)`` holds (discovery), at most WAIT_S."""
    end = time.monotonic() + WAIT_S
    found = occupants(me, NAMES, PUBLISHED, SUBSCRIBED, own=own)
    while not want(found) and time.monotonic() < end:
        time.sleep(0.05)
        found = occupants(me, NAMES, PUBLISHED, SUBSCRIBED, own=own)
    return found


def test_a_planner_of_any_name_a_controller_and_a_clock_are_found():
    from geometry_msgs.msg import PoseStamped
    from rosgraph_msgs.msg import Clock
    from std_srvs.srv import SetBool, Trigger

    with graph() as (make, me):
        assert occupants(me, NAMES, PUBLISHED, SUBSCRIBED) == []  # the client alone: free
        # this package's planner renamed (-r __node:=lab_planner): known by its services
        planner = make("lab_planner", "/lab")
        for service, kind in (("enable", SetBool), ("capture_goal", Trigger),
                              ("add_subgoal", Trigger), ("clear_goals", Trigger)):
            planner.create_service(kind, f"~/{service}", lambda request, response: response)
        # another package's arm controller: an arm reach's target_pose would move
        make("impedance_controller").create_subscription(
            PoseStamped, "/target_pose", lambda msg: None, 10)
        make("other_clock").create_publisher(Clock, "/clock", 10)
        want = {"/lab/lab_planner (a planner)", "/impedance_controller subscribed to /target_pose",
                "/other_clock publishing /clock"}
        found = found_within(me, lambda found: want <= set(found))
        assert set(found) == want, found


def test_once_the_children_run_only_a_twin_of_their_names_is_refused():
    from rosgraph_msgs.msg import Clock

    with graph() as (make, me):
        make("sim_node").create_publisher(Clock, "/clock", 10)  # the command's own child
        make("vjepa_planner")
        children = found_within(me, lambda found: {"/sim_node", "/vjepa_planner"} <= set(found))
        assert set(children) == {"/sim_node", "/vjepa_planner"}  # before start: someone else's
        assert occupants(me, NAMES, PUBLISHED, SUBSCRIBED, own=True) == []  # theirs: free
        make("sim_node")  # another launch's simulator of the same name
        found = found_within(me, lambda found: found, own=True)
        assert found == ["/sim_node"], found
        with pytest.raises(RuntimeError) as refused:
            refuse_busy_domain(me, NAMES, PUBLISHED, SUBSCRIBED, "vjepa-ros reach", True)
        assert "came beside the nodes it started: /sim_node;" in str(refused.value)


def test_the_refusal_is_one_line_naming_the_domain_and_how_to_pick_another():
    line = busy_domain_problem(["/sim_node (a simulator)", "/vjepa_planner (a planner)"], 20,
                               "vjepa-ros reach", False)
    assert line.startswith("ROS_DOMAIN_ID=20 already runs: /sim_node (a simulator), "
                           "/vjepa_planner (a planner); vjepa-ros reach starts a second "
                           "simulator"), line
    assert "ROS_DOMAIN_ID=<n> vjepa-ros reach ..." in line and "other than 20" in line
    assert "\n" not in line


class _LaggingGraph:
    """A client node's graph where the children's topics come before their node names.

    The first ``lag`` readings list /clock's publisher and /target_pose's subscriber with
    rmw's unknown name (as discovery does under load: CI's test_reach_demo refused reach's own
    children so); then their names come. ``stranger``: a named node of another launch also
    publishes /clock.
    """

    def __init__(self, lag: int, stranger: bool = False):
        from vjepa_ros.nodes.graph_publishers import UNKNOWN

        self.unknown, self.lag, self.stranger, self.reads = UNKNOWN, lag, stranger, 0

    def get_fully_qualified_name(self):
        return "/reach_demo"

    def _named(self, name):
        return name if self.reads > self.lag else self.unknown

    def get_node_names_and_namespaces(self):
        self.reads += 1
        nodes = [("reach_demo", "/")] + [(self._named(name), "/")
                                         for name in ("sim_node", "vjepa_planner")]
        return nodes + ([("other_sim", "/")] if self.stranger else [])

    def _info(self, name):
        from types import SimpleNamespace

        return SimpleNamespace(node_name=self._named(name), node_namespace="/")

    def get_publishers_info_by_topic(self, topic):
        infos = [self._info("sim_node")] if topic == "/clock" else []
        if self.stranger and topic == "/clock":
            infos.append(SimpleNamespaceInfo("other_sim"))
        return infos

    def get_subscriptions_info_by_topic(self, topic):
        return [self._info("sim_node")] if topic == "/target_pose" else []

    def get_service_names_and_types_by_node(self, name, namespace):
        return []

    def get_publisher_names_and_types_by_node(self, name, namespace):
        return []


def SimpleNamespaceInfo(name):  # noqa: N802 - a named endpoint of another process
    from types import SimpleNamespace

    return SimpleNamespace(node_name=name, node_namespace="/")


@pytest.mark.parametrize("lag", [0, 5, 10**9])
def test_once_the_children_run_their_names_coming_late_are_no_stranger(lag):
    """Reach's second check (its children run) read the children's topics before their names.

    CI (2 loaded cores): "came beside the nodes it started: a node of another process (name
    not discovered yet) publishing /clock, ...": reach refused its own simulator. Their names
    are waited for (``NAMES_S``); an endpoint whose name never comes is the children's (the
    first check found the domain empty), while a named stranger is still refused.
    """
    from vjepa_ros.nodes import busy_domain

    graph_node = _LaggingGraph(lag)
    found = busy_domain.occupants_beside(graph_node, NAMES, PUBLISHED, SUBSCRIBED,
                                         window_s=0.5)
    assert found == [], found
    stranger = _LaggingGraph(lag, stranger=True)
    with pytest.raises(RuntimeError) as refused:
        busy_domain.refuse_busy_domain(stranger, NAMES, PUBLISHED, SUBSCRIBED,
                                       "vjepa-ros reach", True)
    assert "/other_sim publishing /clock" in str(refused.value)

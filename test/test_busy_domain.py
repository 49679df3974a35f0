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
from vjepa_ros.run_enclave import new_enclave  # noqa: E402

WAIT_S = 60.0
NAMES = ("/sim_node", "/vjepa_planner")
PUBLISHED = ("/clock", "/current_pose", "/camera/camera/color/image_raw")
SUBSCRIBED = ("/target_pose",)


OWN = new_enclave()  # the enclave of the command's children (rclpy.init takes it: graph())


@contextlib.contextmanager
def graph():
    """Yield (make(name, namespace="/", own=False) → a spun node, the command's client node).

    ``own``: the node is one of the command's children (its process in the enclave
    :data:`OWN`, as ``run_enclave.in_enclave`` starts them); else another process's (rcl's
    default enclave "/", as a launch starts it).
    """
    contexts = {False: rclpy.Context(), True: rclpy.Context()}
    rclpy.init(context=contexts[False])
    rclpy.init(context=contexts[True], args=["children", "--ros-args", "--enclave", OWN])
    spinners = {own: NodeSpinner(context) for own, context in contexts.items()}
    made = []

    def make(name, namespace="/", own=False):
        node = rclpy.create_node(name, namespace=namespace, context=contexts[own])
        spinners[own].add_node(node)
        made.append(node)
        return node

    me = make("reach_demo")
    for spinner in spinners.values():
        spinner.start()
    try:
        yield make, me
    finally:
        for spinner in spinners.values():
            spinner.shutdown(timeout_sec=5.0)
        for node in made:
            node.destroy_node()
        for context in contexts.values():
            context.try_shutdown()


def found_within(me, want, own=None):
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
        make("sim_node", own=True).create_publisher(Clock, "/clock", 10)  # the command's child
        make("vjepa_planner", own=True)
        children = found_within(me, lambda found: {"/sim_node", "/vjepa_planner"} <= set(found))
        assert set(children) == {"/sim_node", "/vjepa_planner"}  # before start: someone else's
        assert occupants(me, NAMES, PUBLISHED, SUBSCRIBED, own=OWN) == []  # theirs: free
        make("sim_node")  # another launch's simulator of the same name
        found = found_within(me, lambda found: found, own=OWN)
        assert found == ["/sim_node"], found
        with pytest.raises(RuntimeError) as refused:
            refuse_busy_domain(me, NAMES, PUBLISHED, SUBSCRIBED, "vjepa-ros reach", OWN, True)
        assert "came beside the nodes it started: /sim_node;" in str(refused.value)


def test_a_stranger_of_a_childs_name_discovered_before_the_child_is_refused():
    """fix61busy: the children are known by their enclave, not by one node of each name.

    What happened (fix60x's benchmark guards under CI load): another launch's planner was
    missed by the first check, and once the command's own planner ran, the second check counted
    one /vjepa_planner as the command's child, so the stranger, discovered before the child,
    was taken for it and enabled. Here the stranger publishing /clock is on the real graph and
    the child of that name not yet: it is refused, and still refused once the child comes.
    """
    from rosgraph_msgs.msg import Clock

    with graph() as (make, me):
        make("sim_node").create_publisher(Clock, "/clock", 10)  # another launch's simulator
        assert found_within(me, lambda found: found == ["/sim_node"], own=OWN) == ["/sim_node"]
        with pytest.raises(RuntimeError) as refused:
            refuse_busy_domain(me, NAMES, PUBLISHED, SUBSCRIBED, "vjepa-ros reach", OWN, True)
        assert "came beside the nodes it started: /sim_node;" in str(refused.value)
        make("sim_node", own=True).create_publisher(Clock, "/clock", 10)  # the child comes
        end = time.monotonic() + WAIT_S
        while time.monotonic() < end and sum(
                name == "sim_node" for name, _ in me.get_node_names_and_namespaces()) < 2:
            time.sleep(0.05)
        assert occupants(me, NAMES, PUBLISHED, SUBSCRIBED, own=OWN) == ["/sim_node"]


def test_the_refusal_is_one_line_naming_the_domain_and_how_to_pick_another():
    line = busy_domain_problem(["/sim_node (a simulator)", "/vjepa_planner (a planner)"], 20,
                               "vjepa-ros reach", False)
    assert line.startswith("ROS_DOMAIN_ID=20 already runs: /sim_node (a simulator), "
                           "/vjepa_planner (a planner); vjepa-ros reach starts a second "
                           "simulator"), line
    assert "ROS_DOMAIN_ID=<n> vjepa-ros reach ..." in line and "other than 20" in line
    assert "\n" not in line


class _Graph:
    """A client node's graph, driven step by step: what each reading lists is set by the test.

    ``nodes``: (name, enclave) of the listed nodes besides the client (``/reach_demo``);
    ``clock``: the nodes of /clock's publishers (name, enclave; a name alone: "/"),
    ``target``: /target_pose's subscribers. ``lag``: readings of the node
    listing before the nodes of :data:`OWN` are listed and their endpoints named (discovery
    gives a process's topics before its node's name: under load, seconds).
    """

    def __init__(self, nodes=(), clock=(), target=(), lag=0):
        from vjepa_ros.nodes.graph_publishers import UNKNOWN

        self.unknown, self.reads, self.lag = UNKNOWN, 0, lag
        self.nodes, self.clock, self.target = list(nodes), list(clock), list(target)

    def get_fully_qualified_name(self):
        return "/reach_demo"

    def _late(self, node):
        """Whether ``node`` (name, enclave; a name alone: "/") is the command's, not listed yet."""
        _, enclave = (node, "/") if isinstance(node, str) else node
        return enclave == OWN and self.reads <= self.lag

    def get_node_names_and_namespaces_with_enclaves(self):
        self.reads += 1
        return [("reach_demo", "/", "/")] + [(name, "/", enclave) for name, enclave in self.nodes
                                             if not self._late((name, enclave))]

    def _infos(self, nodes):
        from types import SimpleNamespace

        return [SimpleNamespace(node_name=self.unknown if self._late(node) else
                                node if isinstance(node, str) else node[0], node_namespace="/")
                for node in nodes]

    def get_publishers_info_by_topic(self, topic):
        return self._infos(self.clock) if topic == "/clock" else []

    def get_subscriptions_info_by_topic(self, topic):
        return self._infos(self.target) if topic == "/target_pose" else []

    def get_service_names_and_types_by_node(self, name, namespace):
        return []

    def get_publisher_names_and_types_by_node(self, name, namespace):
        return []


CHILDREN = [("sim_node", OWN), ("vjepa_planner", OWN)]


@pytest.mark.parametrize("lag", [0, 5, 10**9])
def test_once_the_children_run_their_names_coming_late_are_no_stranger(lag):
    """Reach's second check (its children run) read the children's topics before their names.

    CI (2 loaded cores): "came beside the nodes it started: a node of another process (name
    not discovered yet) publishing /clock, ...": reach refused its own simulator. Their names
    are waited for (``NAMES_S``); an endpoint whose name never comes is the children's (the
    first check found the domain empty), while a named stranger is still refused.
    """
    from vjepa_ros.nodes.busy_domain import wait_for_occupants

    children = _Graph(CHILDREN, clock=[CHILDREN[0]], target=[CHILDREN[0]], lag=lag)
    assert wait_for_occupants(children, NAMES, PUBLISHED, SUBSCRIBED, OWN, started=True,
                              window_s=0.5) == []
    if lag == 0:  # listed at once: decided on one reading of the node listing (mend62d: was 2)
        assert children.reads == 1
    stranger = _Graph([*CHILDREN, ("other_sim", "/")], clock=[CHILDREN[0], "other_sim"],
                      target=[CHILDREN[0]], lag=lag)
    with pytest.raises(RuntimeError) as refused:
        refuse_busy_domain(stranger, NAMES, PUBLISHED, SUBSCRIBED, "vjepa-ros reach", OWN, True)
    assert "/other_sim publishing /clock" in str(refused.value)


@pytest.mark.parametrize("lag", [0, 10**9])
def test_a_stranger_of_a_childs_name_listed_before_the_child_is_never_taken_for_it(lag):
    """fix61busy: the race that failed fix60x's benchmark guards, driven reading by reading.

    The command's second check runs while another launch's /sim_node (rcl's default enclave)
    is listed and publishing /clock, and the command's own /sim_node is not listed yet (its
    /clock endpoint unnamed; ``lag`` 10**9: never within the check). The old check counted one
    node of each child's name as the child and passed: the stranger was taken for it. Known by
    enclave, the stranger is refused, named, however late the child comes.
    """
    stranger = ("sim_node", "/")  # another launch's: rcl's default enclave
    graph_node = _Graph([stranger, *CHILDREN], clock=[stranger, CHILDREN[0]], lag=lag)
    with pytest.raises(RuntimeError) as refused:
        refuse_busy_domain(graph_node, NAMES, PUBLISHED, SUBSCRIBED, "vjepa-ros reach", OWN,
                           True)
    assert "came beside the nodes it started: /sim_node;" in str(refused.value)
    assert graph_node.reads == 1  # decided on the first reading: no wait for the child
    # the stranger alone, before any child runs, is found by name too
    assert occupants(_Graph([stranger], clock=["sim_node"]), NAMES, PUBLISHED,
                     SUBSCRIBED) == ["/sim_node"]


def test_an_endpoint_of_a_node_not_listed_yet_waits_for_the_listing():
    """An endpoint named before its node is listed (an rmw announcing them apart) is unknown.

    Its enclave is not known until the node is listed, so it is neither the command's child nor
    a stranger yet: :func:`occupants` says it is not discovered yet, and once the children run
    the wait ends when the listing comes (the command's own child: free).
    """
    from types import SimpleNamespace

    from vjepa_ros.nodes.busy_domain import NOT_DISCOVERED, wait_for_occupants

    class _Unlisted(_Graph):
        def get_publishers_info_by_topic(self, topic):
            named = [SimpleNamespace(node_name="sim_node", node_namespace="/")]
            return named if topic == "/clock" else []

    late = _Unlisted(CHILDREN, lag=3)
    assert occupants(late, NAMES, PUBLISHED, SUBSCRIBED, OWN) == [
        f"{NOT_DISCOVERED} publishing /clock"]
    assert wait_for_occupants(late, NAMES, PUBLISHED, SUBSCRIBED, OWN, started=True) == []
    assert late.reads > 3


def test_reachs_children_run_in_the_runs_enclave_with_the_keys_they_read_before():
    """``run_enclave``: each child gets ``--enclave`` in its ROS arguments, names unchanged.

    With SROS2 on, an enclave also picks the keystore folder: the child's
    ``ROS_SECURITY_ENCLAVE_OVERRIDE`` keeps the folder it read without one (the user's override,
    else "/"). A command whose ROS arguments are closed or absent is refused, not mis-built.
    """
    from vjepa_ros.nodes import reach_demo
    from vjepa_ros.run_enclave import OVERRIDE, enclave_environment, in_enclave
    from vjepa_ros.sim.reach_config import ReachDemoConfig

    assert new_enclave() != new_enclave()
    nodes = reach_demo.demo_nodes(ReachDemoConfig(), "m.pt")
    plain = reach_demo.demo_processes(nodes).processes
    processes = reach_demo.demo_processes(nodes, OWN).processes
    for before, child in zip(plain, processes, strict=True):
        assert child.command == [*before.command, "--enclave", OWN]
        assert child.command.index("--ros-args") < child.command.index("--enclave")
        child.output.close()
        before.output.close()
    assert enclave_environment({"A": "1"}) == {"A": "1", OVERRIDE: "/"}
    assert enclave_environment({OVERRIDE: ""})[OVERRIDE] == "/"
    assert enclave_environment({OVERRIDE: "/lab/arm"})[OVERRIDE] == "/lab/arm"
    for command in (["python", "x.py"], ["python", "-m", "m", "--ros-args", "-p", "a:=1", "--"]):
        with pytest.raises(ValueError, match="does not end inside a --ros-args section"):
            in_enclave(command, OWN)


def test_a_scripts_children_join_its_run_through_the_one_helper():
    """mend62d: every node of a benchmark takes its enclave from ``script_ros_args``.

    A script run is one run: its planner child and its sensor child (the script run again, which
    had its enclave passed by a private option) must be in the enclave its busy-domain check
    calls its own, else the check refuses the script's own sensors. The child inherits the run
    (``RUN_ENCLAVE_ENV``) and the keystore folder it read before; a script started apart, or
    with a value no run makes, gets a new one.
    """
    import os
    import subprocess
    import sys

    from vjepa_ros.run_enclave import OVERRIDE, RUN_ENCLAVE_ENV

    show = ("import os; from vjepa_ros.run_enclave import script_ros_args as a; "
            f"print(a()[2], a()[2], os.environ['{OVERRIDE}'], os.environ['{RUN_ENCLAVE_ENV}'])")
    parent = ("import os, subprocess, sys; from vjepa_ros.run_enclave import script_ros_args; "
              "print(script_ros_args()[2]); sys.stdout.flush(); "
              f"subprocess.run([sys.executable, '-c', {show!r}], check=True)")
    clean = {key: value for key, value in os.environ.items()
             if key not in (OVERRIDE, RUN_ENCLAVE_ENV)}
    lines = subprocess.run([sys.executable, "-c", parent], env=clean, capture_output=True,
                           text=True, check=True, timeout=120).stdout.split("\n")
    run = lines[0]
    assert run.startswith("/vjepa_ros/run_")
    assert lines[1].split() == [run, run, "/", run]  # the child: the parent's run, its keys
    for inherited in ({}, {RUN_ENCLAVE_ENV: "/elsewhere", OVERRIDE: "/lab/arm"}):
        alone = subprocess.run([sys.executable, "-c", show], env={**clean, **inherited},
                               capture_output=True, text=True, check=True,
                               timeout=120).stdout.split()
        assert alone[0] == alone[1] == alone[3] != run and alone[0].startswith("/vjepa_ros/run_")
        assert alone[2] == inherited.get(OVERRIDE, "/")  # the user's keystore folder kept


def test_before_the_children_start_a_launchs_nodes_discovered_one_by_one_are_all_named():
    """One refusal names every node found, not the first one discovered.

    Discovery gives another launch's nodes and endpoints one by one (CI, loaded: the planner's
    name first, its arm controller's topics a moment later), and the user, told of the planner
    alone, stopped it and was refused again for the controller. The first check reads on until
    what it found stayed the same for ``QUIET_S``.
    """
    from vjepa_ros.nodes.busy_domain import wait_for_occupants

    class _Arriving(_Graph):
        def get_node_names_and_namespaces_with_enclaves(self):
            listed = super().get_node_names_and_namespaces_with_enclaves()
            return listed if self.reads > 3 else listed[:2]  # the controller from the 4th

    graph_node = _Arriving([("vjepa_planner", "/"), ("arm_controller", "/")],
                           target=["arm_controller"])
    assert wait_for_occupants(graph_node, NAMES, PUBLISHED, SUBSCRIBED) == [
        "/arm_controller subscribed to /target_pose", "/vjepa_planner"]

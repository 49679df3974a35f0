"""Whether a ROS domain already runs an arm that a command starting its own nodes would drive.

``vjepa-ros reach`` starts a simulator (``sim_node``) and a planner (``vjepa_planner``) and then
talks to them by topic and service name only (``current_pose``, ``target_pose``,
``/vjepa_planner/enable`` ...). On a domain where another launch runs those (user60), the names
reach its nodes and the others alike: it guided the other simulator's arm, captured a goal on
the other planner and enabled it. A unique namespace for the children would not isolate them:
the simulator's ``/clock`` is global (two clocks interleave and stall the other launch too), so a
shared domain is refused instead, before any child starts and once more before anything is sent
(:func:`wait_for_occupants`).

The command's children are known by identity, not by name or count: each runs in the run's own
enclave (``run_enclave``: why an enclave and not a name token, a parameter or GIDs), and a node
the graph lists in any other enclave is another process's, whatever its name and whenever it was
discovered.

rclpy calls on a node the caller spins; the words are :func:`busy_domain_problem`'s.
"""

from __future__ import annotations

import os
import time

from vjepa_ros.nodes.graph_publishers import (
    UNKNOWN,
    full_name,
    package_planners,
    package_simulators,
)
from vjepa_ros.nodes.graph_viewers import only_watches

DISCOVERY_S = 3.0  # [s] the graph watched for nodes already running before the children start
POLL_S = 0.05  # [s] between graph readings meanwhile
NAMES_S = 10.0  # [s] once the children run: how long their node names may lag their topics
QUIET_S = 1.0  # [s] before they start: what was found unchanged this long is all (one line)
NOT_DISCOVERED = full_name(UNKNOWN, "")  # how a node whose name came not yet is listed


def occupants(node, names: tuple[str, ...], published: tuple[str, ...],
              subscribed: tuple[str, ...], own: str | None = None) -> list[str]:
    """Return the graph's nodes, other than the command's, that its names and topics would reach.

    ``names``: the full node names the command's children take ("/sim_node", "/vjepa_planner");
    ``published``: topics only its children may publish ("/clock", "/current_pose", the camera);
    ``subscribed``: topics only its children may subscribe to ("/target_pose": an arm's
    controller; a viewer or recorder of them, ``graph_viewers.only_watches``: rviz2, ``ros2 bag
    record``, rqt, ``ros2 topic echo`` that publish no arm state and offer no controller
    service, moves no arm and is passed over). ``own``: the enclave the command's children run
    in (``run_enclave.new_enclave``); a node the graph lists in another enclave is another
    process's, a node of a child's name included (None: no child runs). Returns sorted
    one-phrase descriptions ("/sim_node (a simulator)", "/x publishing /clock"; an endpoint
    whose node is not listed yet: "a node of another process (name not discovered yet) ...");
    [] when the domain is the command's alone. ``node`` (the command's own client node) is never
    counted.
    """
    return _reading(node, names, published, subscribed, own)[0]


def _reading(node, names: tuple[str, ...], published: tuple[str, ...],
             subscribed: tuple[str, ...], own: str | None) -> tuple[list[str], set[str]]:
    """Return (:func:`occupants`' list, the nodes listed in ``own``): one graph reading."""
    me = node.get_fully_qualified_name()
    ours, others = _by_enclave(node, own)
    others.discard(me)
    ours -= others
    candidates = sorted(others)
    sims, planners = package_simulators(node, candidates), package_planners(node, candidates)
    # a node of a child's name, or this package's of any name (-r __node:=...): by its services
    found = (others & set(names)) | sims | planners
    kinds = {**dict.fromkeys(sims, "a simulator"), **dict.fromkeys(planners, "a planner")}
    words = {f"{name} ({kinds[name]})" if name in kinds else name for name in found}
    for topics, infos_of, verb, listening in (
            (published, node.get_publishers_info_by_topic, "publishing", False),
            (subscribed, node.get_subscriptions_info_by_topic, "subscribed to", True)):
        for topic in topics:
            outside = {_endpoint_node(info, ours | others)
                       for info in infos_of(topic)} - ours - found - {me}
            if listening:  # a viewer or recorder of the commands moves no arm
                outside = {name for name in outside if not only_watches(node, name)}
            words |= {f"{name} {verb} {topic}" for name in outside}
    return sorted(words), ours


def _by_enclave(node, own: str | None) -> tuple[set[str], set[str]]:
    """Return the full names of the listed nodes (in ``own``, in any other enclave)."""
    listed = [(full_name(name, namespace), enclave) for name, namespace, enclave
              in node.get_node_names_and_namespaces_with_enclaves() if name != UNKNOWN]
    return ({name for name, enclave in listed if enclave == own},
            {name for name, enclave in listed if enclave != own})


def _endpoint_node(info, listed: set[str]) -> str:
    """Return an endpoint's node's full name, :data:`NOT_DISCOVERED` while it is not listed.

    Discovery may give an endpoint before its node (rmw's unknown name), or, with an rmw that
    announces them apart, a name before the node's listing with its enclave: either way whose
    it is is not known yet.
    """
    name = full_name(info.node_name, info.node_namespace)
    return name if name in listed else NOT_DISCOVERED


def wait_for_occupants(node, names: tuple[str, ...], published: tuple[str, ...],
                       subscribed: tuple[str, ...], own: str | None = None,
                       started: bool = False, window_s: float | None = None) -> list[str]:
    """:func:`occupants`, read until what was found is known by name, at most ``window_s`` [s].

    Discovery lists other processes' nodes a moment after ``node`` starts, and an endpoint a
    moment before its node: the graph is read every :data:`POLL_S` (``window_s`` default
    :data:`DISCOVERY_S` before the children start, :data:`NAMES_S` once they run,
    ``started``). Before they start, until something is found with every node named and
    nothing more came for :data:`QUIET_S` (an empty graph is read on: nodes already running may
    come; by its name an unnamed node may be a viewer, ``graph_viewers.only_watches``, no
    occupant; a launch's other nodes and endpoints are discovered one by one: the refusal names
    them all); at the window's end an unnamed one is returned too (it is no child: none runs).
    Once they run (``own``: their enclave), a node listed outside ``own`` is returned at once;
    an empty reading ends the wait when every one of ``names`` is listed in ``own`` (the graph
    has caught up with the children, so with what ran beside them: ``node`` may be a fresh
    participant); an endpoint whose node never came is taken as a child's (a child's endpoints
    may wait long for their node's listing on a loaded machine; the listed children and every
    stranger listed are known by enclave).
    """
    window = window_s if window_s is not None else NAMES_S if started else DISCOVERY_S
    end = time.monotonic() + window
    last, since = None, 0.0
    while True:
        found, ours = _reading(node, names, published, subscribed, own)
        named = [word for word in found if NOT_DISCOVERED not in word]
        if found != last:
            last, since = found, time.monotonic()
        if started:  # a stranger named is refused at once; else the children must be listed
            done = bool(named) or not found and set(names) <= ours
        else:  # the whole of it in one line: another node of that launch may come a moment later
            done = bool(found) and len(named) == len(found) and \
                time.monotonic() - since >= QUIET_S
        if done:
            return named
        if time.monotonic() >= end:
            return named if started else found
        time.sleep(POLL_S)


REACH_STARTS = "a second simulator and planner of its own and talks to them"  # reach's
PLANNER_STARTS = "a planner of its own and talks to it"  # a benchmark's (fix60x)


def busy_domain_problem(found: list[str], domain: int, command: str, started: bool,
                        starts: str = REACH_STARTS) -> str:
    """One line: the domain runs ``found`` (:func:`occupants`), ``command`` must not drive them.

    ``started``: the command's children had started (the other nodes came meanwhile).
    ``starts``: what ``command`` starts and how it reaches it (:data:`REACH_STARTS`,
    :data:`PLANNER_STARTS`), followed by "by name".
    """
    when = "came beside the nodes it started" if started else "already runs"
    return (f"ROS_DOMAIN_ID={domain} {when}: {', '.join(found)}; {command} starts {starts} "
            "by name, so it would command that arm: stop them (a viewer or recorder, rviz2, "
            "rqt, ros2 bag record, ros2 topic echo, may stay), or give "
            f"{command} a domain of its own (ROS_DOMAIN_ID=<n> {command} ..., n in 1..100 "
            f"other than {domain} and unused here)")


def refuse_busy_domain(node, names: tuple[str, ...], published: tuple[str, ...],
                       subscribed: tuple[str, ...], command: str, own: str,
                       started: bool, starts: str = REACH_STARTS) -> None:
    """Raise RuntimeError (:func:`busy_domain_problem`) when the domain is not ``command``'s alone.

    :func:`wait_for_occupants` before the children start (``started`` False) and once they
    run in the enclave ``own``. The arguments are :func:`occupants`' and
    :func:`busy_domain_problem`'s.
    """
    from vjepa_ros.ros_environment import rcl_domain_id

    found = wait_for_occupants(node, names, published, subscribed, own, started)
    if found:
        domain = rcl_domain_id(os.environ.get("ROS_DOMAIN_ID", ""))
        raise RuntimeError(busy_domain_problem(found, domain, command, started, starts))

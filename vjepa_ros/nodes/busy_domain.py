"""Whether a ROS domain already runs an arm that a command starting its own nodes would drive.

``vjepa-ros reach`` starts a simulator (``sim_node``) and a planner (``vjepa_planner``) and then
talks to them by topic and service name only (``current_pose``, ``target_pose``,
``/vjepa_planner/enable`` ...). On a domain where another launch runs those (user60), the names
reach its nodes and the others alike: it guided the other simulator's arm, captured a goal on
the other planner and enabled it. A unique namespace for the children would not isolate them:
the simulator's ``/clock`` is global (two clocks interleave and stall the other launch too), so a
shared domain is refused instead, before any child starts (:func:`wait_for_occupants`) and once
more before anything is sent (:func:`occupants` with the children counted as ``own``).

rclpy calls on a node the caller spins; the words are :func:`busy_domain_problem`'s.
"""

from __future__ import annotations

import os
import time
from collections import Counter

from vjepa_ros.nodes.graph_publishers import (
    UNKNOWN,
    full_name,
    package_planners,
    package_simulators,
)

DISCOVERY_S = 3.0  # [s] the graph watched for nodes already running before the children start
POLL_S = 0.05  # [s] between graph readings meanwhile


def occupants(node, names: tuple[str, ...], published: tuple[str, ...],
              subscribed: tuple[str, ...], own: bool = False) -> list[str]:
    """Return the graph's nodes, other than the command's, that its names and topics would reach.

    ``names``: the full node names the command's children take ("/sim_node", "/vjepa_planner");
    ``published``: topics only its children may publish ("/clock", "/current_pose", the camera);
    ``subscribed``: topics only its children may subscribe to ("/target_pose": an arm's
    controller). ``own``: the children run (one node of each of ``names`` is theirs; a twin of
    one, another process's node of that name, is not), else none may be there. Returns sorted
    one-phrase descriptions ("/sim_node (a simulator)", "/x publishing /clock"); [] when the
    domain is the command's alone. ``node`` (the command's own client node) is never counted.
    """
    me = node.get_fully_qualified_name()
    listed = Counter(full_name(name, namespace) if name != UNKNOWN else ""
                     for name, namespace in node.get_node_names_and_namespaces())
    listed.pop(me, None)
    listed.pop("", None)
    mine = set(names) if own else set()
    found = set()
    for name in names:  # a twin of a child's name: another process's node (a launch's)
        if listed.get(name, 0) > (1 if own else 0):
            found.add(name)
    candidates = sorted({name for name in listed if name not in mine} | found)
    sims, planners = package_simulators(node, candidates), package_planners(node, candidates)
    found |= sims | planners  # this package's, of any name (-r __node:=...): by their services
    kinds = {**dict.fromkeys(sims, "a simulator"), **dict.fromkeys(planners, "a planner")}
    words = {f"{name} ({kinds[name]})" if name in kinds else name for name in found}
    for topics, infos_of, verb in ((published, node.get_publishers_info_by_topic, "publishing"),
                                   (subscribed, node.get_subscriptions_info_by_topic,
                                    "subscribed to")):
        for topic in topics:
            outside = {full_name(info.node_name, info.node_namespace)
                       for info in infos_of(topic)} - mine - found - {me}
            words |= {f"{name} {verb} {topic}" for name in outside}
    return sorted(words)


def wait_for_occupants(node, names: tuple[str, ...], published: tuple[str, ...],
                       subscribed: tuple[str, ...], window_s: float = DISCOVERY_S) -> list[str]:
    """:func:`occupants` (none of the children run yet), once discovery had ``window_s`` [s].

    Discovery lists nodes already running a moment after ``node`` starts: the graph is read
    every :data:`POLL_S` until one is found or the window ends (then []).
    """
    end = time.monotonic() + window_s
    while True:
        found = occupants(node, names, published, subscribed)
        if found or time.monotonic() >= end:
            return found
        time.sleep(POLL_S)


def busy_domain_problem(found: list[str], domain: int, command: str, started: bool) -> str:
    """One line: the domain runs ``found`` (:func:`occupants`), ``command`` must not drive them.

    ``started``: the command's children had started (the other nodes came meanwhile).
    """
    when = "came beside the nodes it started" if started else "already runs"
    return (f"ROS_DOMAIN_ID={domain} {when}: {', '.join(found)}; {command} starts a second "
            "simulator and planner of its own and talks to them by name, so it would command "
            f"that arm: stop them, or give {command} a domain of its own (ROS_DOMAIN_ID=<n> "
            f"{command} ..., n in 1..100 other than {domain} and unused here)")


def refuse_busy_domain(node, names: tuple[str, ...], published: tuple[str, ...],
                       subscribed: tuple[str, ...], command: str, started: bool) -> None:
    """Raise RuntimeError (:func:`busy_domain_problem`) when the domain is not ``command``'s alone.

    Before its children start (``started`` False) the graph is watched for
    :data:`DISCOVERY_S` (:func:`wait_for_occupants`); once they run, read once with one node of
    each of ``names`` counted as theirs. The arguments are :func:`occupants`'.
    """
    from vjepa_ros.nodes.ros_environment import rcl_domain_id

    found = occupants(node, names, published, subscribed, own=True) if started else \
        wait_for_occupants(node, names, published, subscribed)
    if found:
        domain = rcl_domain_id(os.environ.get("ROS_DOMAIN_ID", ""))
        raise RuntimeError(busy_domain_problem(found, domain, command, started))

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
from vjepa_ros.nodes.graph_viewers import only_watches

DISCOVERY_S = 3.0  # [s] the graph watched for nodes already running before the children start
POLL_S = 0.05  # [s] between graph readings meanwhile
NAMES_S = 10.0  # [s] once the children run: how long their node names may lag their topics
NOT_DISCOVERED = full_name(UNKNOWN, "")  # how a node whose name came not yet is listed


def occupants(node, names: tuple[str, ...], published: tuple[str, ...],
              subscribed: tuple[str, ...], own: bool = False) -> list[str]:
    """Return the graph's nodes, other than the command's, that its names and topics would reach.

    ``names``: the full node names the command's children take ("/sim_node", "/vjepa_planner");
    ``published``: topics only its children may publish ("/clock", "/current_pose", the camera);
    ``subscribed``: topics only its children may subscribe to ("/target_pose": an arm's
    controller; a viewer or recorder of them, ``graph_viewers.only_watches``: rviz2, ``ros2 bag
    record``, rqt, ``ros2 topic echo`` that publish no arm state and offer no controller
    service, moves no arm and is passed over). ``own``: the children run (one node of each of
    ``names`` is theirs; a twin of one, another process's node of that name, is not), else none
    may be there. Returns sorted one-phrase descriptions ("/sim_node (a simulator)", "/x
    publishing /clock"); [] when the domain is the command's alone. ``node`` (the command's own
    client node) is never counted.
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
    for topics, infos_of, verb, listening in (
            (published, node.get_publishers_info_by_topic, "publishing", False),
            (subscribed, node.get_subscriptions_info_by_topic, "subscribed to", True)):
        for topic in topics:
            outside = {full_name(info.node_name, info.node_namespace)
                       for info in infos_of(topic)} - mine - found - {me}
            if listening:  # a viewer or recorder of the commands moves no arm
                outside = {name for name in outside if not only_watches(node, name)}
            words |= {f"{name} {verb} {topic}" for name in outside}
    return sorted(words)


def wait_for_occupants(node, names: tuple[str, ...], published: tuple[str, ...],
                       subscribed: tuple[str, ...], window_s: float = DISCOVERY_S) -> list[str]:
    """:func:`occupants` (none of the children run yet), once discovery had ``window_s`` [s].

    Discovery lists nodes already running a moment after ``node`` starts: the graph is read
    every :data:`POLL_S` until one is found or the window ends (then []). A node whose name is
    not discovered yet (its topics came first) is read again until its name comes or the window
    ends: by its name it may be a viewer (``graph_viewers.only_watches``), which is no occupant.
    """
    end = time.monotonic() + window_s
    while True:
        found = occupants(node, names, published, subscribed)
        named = found and not any(NOT_DISCOVERED in word for word in found)
        if named or time.monotonic() >= end:
            return found
        time.sleep(POLL_S)


def occupants_beside(node, names: tuple[str, ...], published: tuple[str, ...],
                     subscribed: tuple[str, ...], window_s: float = NAMES_S) -> list[str]:
    """:func:`occupants` once the children run (``own``), their names given time to come.

    Discovery may list a child's topics before its node name (under load, seconds later): an
    endpoint of a node not discovered yet is read again every :data:`POLL_S` until its name
    comes or ``window_s`` [s] ends (a node known by name that is no child's ends the wait: it
    is refused). One whose name never came is taken as a child's: the first
    check (:func:`wait_for_occupants`, before the children started) found the domain empty, and
    a node whose name is known, another launch's or a twin of a child, is still refused.
    """
    end = time.monotonic() + window_s
    while True:
        found = occupants(node, names, published, subscribed, own=True)
        named = [word for word in found if NOT_DISCOVERED not in word]
        if named or not found:  # a stranger known by name is refused at once
            return named
        if time.monotonic() >= end:
            return []
        time.sleep(POLL_S)


REACH_STARTS = "a second simulator and planner of its own and talks to them"  # reach's


def busy_domain_problem(found: list[str], domain: int, command: str, started: bool,
                        starts: str = REACH_STARTS) -> str:
    """One line: the domain runs ``found`` (:func:`occupants`), ``command`` must not drive them.

    ``started``: the command's children had started (the other nodes came meanwhile).
    ``starts``: what ``command`` starts and how it reaches it ("a planner of its own and talks
    to it"; :data:`REACH_STARTS`), followed by "by name".
    """
    when = "came beside the nodes it started" if started else "already runs"
    return (f"ROS_DOMAIN_ID={domain} {when}: {', '.join(found)}; {command} starts {starts} "
            "by name, so it would command that arm: stop them (a viewer or recorder, rviz2, "
            "rqt, ros2 bag record, ros2 topic echo, may stay), or give "
            f"{command} a domain of its own (ROS_DOMAIN_ID=<n> {command} ..., n in 1..100 "
            f"other than {domain} and unused here)")


def refuse_busy_domain(node, names: tuple[str, ...], published: tuple[str, ...],
                       subscribed: tuple[str, ...], command: str, started: bool,
                       starts: str = REACH_STARTS) -> None:
    """Raise RuntimeError (:func:`busy_domain_problem`) when the domain is not ``command``'s alone.

    Before its children start (``started`` False) the graph is watched for
    :data:`DISCOVERY_S` (:func:`wait_for_occupants`); once they run, read with one node of
    each of ``names`` counted as theirs, their names given :data:`NAMES_S` to come
    (:func:`occupants_beside`). The arguments are :func:`occupants`' and
    :func:`busy_domain_problem`'s.
    """
    from vjepa_ros.ros_environment import rcl_domain_id

    found = occupants_beside(node, names, published, subscribed) if started else \
        wait_for_occupants(node, names, published, subscribed)
    if found:
        domain = rcl_domain_id(os.environ.get("ROS_DOMAIN_ID", ""))
        raise RuntimeError(busy_domain_problem(found, domain, command, started, starts))

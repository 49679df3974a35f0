"""A short-lived rclpy client of a running planner node: its services, parameters and topics.

``vjepa-ros planner`` (:mod:`~vjepa_ros.nodes.planner_cli`) talks through it, so that the
pip route, which has no ``ros2`` command, can enable the planner, set its goal and parameters
and watch it. One private rclpy context and one node per command (``vjepa_ros_cli_<pid>``, no
parameter services of its own), always destroyed on the way out (:meth:`PlannerClient.close`):
nothing is left behind. Every wait is bounded; what did not come is said in one line
(:class:`ClientError`, exit status 1).
"""

from __future__ import annotations

import os
import time

from vjepa_ros.nodes.graph_publishers import full_name, package_planners
from vjepa_ros.robot.planner_name import PLANNER_NODE
from vjepa_ros.ros_environment import discovery_range, init_failure, rcl_domain_id

# A process on the domain that this command's participant missed in its first exchange is
# discovered at its next periodic announcement: Fast DDS's default period is 3 s (measured here:
# a second planner process seen 1.8 s after the first, both at 2.7-3.1 s on some starts)
DISCOVERY_S = 3.5  # since this command's node joined: every process announced itself once
TWIN_QUIET_S = 0.5  # and the graph unchanged this long (a late announcement on a loaded machine)
TWIN_SETTLE_S = 6.0  # at most this long from the first check (a graph that keeps changing)


class ClientError(RuntimeError):
    """What the planner did not do or answer, in one line (exit status 1)."""


class PlannerClient:
    """Talk to the planner ``node`` (fully qualified: ``/vjepa_planner``, ``/arm1/vjepa_planner``).

    ``timeout_s``: how long to wait for the planner's services to appear in the graph.
    Raises :class:`ClientError` when rclpy cannot start (one line, :func:`init_failure`).
    """

    def __init__(self, node: str, timeout_s: float):
        import rclpy
        from rclpy.executors import SingleThreadedExecutor

        self.target, self.timeout_s = node, timeout_s
        self.settled = False  # refuse_twins waited once for the graph to settle
        self.context = rclpy.Context()
        try:
            rclpy.init(args=[], context=self.context)
        except RuntimeError as exc:
            raise ClientError(init_failure(exc)) from None
        self.node = rclpy.create_node(f"vjepa_ros_cli_{os.getpid()}", context=self.context,
                                      start_parameter_services=False)
        self.joined = time.monotonic()  # refuse_twins: the graph complete DISCOVERY_S after
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)

    def close(self) -> None:
        """Destroy the node and shut the context down (also after an error or Ctrl-C)."""
        self.executor.shutdown(timeout_sec=1.0)
        self.node.destroy_node()
        self.context.try_shutdown()

    def __enter__(self) -> PlannerClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # services ----------------------------------------------------------------------------
    def call(self, srv_type, service: str, request, answer_s: float):
        """Call ``NODE/service`` with ``request`` once it appears; return the response.

        Waits ``timeout_s`` for the service (:meth:`missing` says what is missing), refuses
        twins (:meth:`refuse_twins`, nothing sent), then waits ``answer_s`` for the answer, or
        until the node leaves the graph (its process ended while answering: said at once).
        Raises :class:`ClientError`.
        """
        name = f"{self.target}/{service}"
        client = self.node.create_client(srv_type, name)
        try:
            self._ready(client, name)
            future = client.call_async(request)

            def gone() -> bool:  # no server left: neither the node's listing nor a match
                return not client.service_is_ready() and not self.offered(name)

            self.spin_until(lambda: future.done() or gone(), answer_s)
            if not future.done():
                if gone():
                    raise ClientError(
                        f"{self.target} left the ROS graph while answering {name}: its process "
                        "ended (a crash, the OOM killer?) or was stopped, and whether it did "
                        "the call is unknown; its log says why; start it again (vjepa-ros "
                        "launch ...)")
                raise ClientError(f"{name} gave no answer in {answer_s:g} s: the planner is "
                                  "busy or stuck (vjepa-ros planner status shows what it does)")
            if future.exception() is not None:
                raise ClientError(f"{name} failed: {future.exception()}")
            return future.result()
        finally:
            self.node.destroy_client(client)

    def call_ready(self, service: str) -> None:
        """Wait ``timeout_s`` for ``NODE/service``; ClientError if absent or twinned.

        :meth:`missing` says what is missing, :meth:`refuse_twins` who shares the name.
        """
        from std_srvs.srv import SetBool, Trigger

        kind = SetBool if service == "enable" else Trigger
        name = f"{self.target}/{service}"
        client = self.node.create_client(kind, name)
        try:
            self._ready(client, name)
        finally:
            self.node.destroy_client(client)

    def _ready(self, client, name: str) -> None:
        """Wait ``timeout_s`` for ``client``'s service ``name``, then refuse twins."""
        if not client.wait_for_service(timeout_sec=self.timeout_s):
            raise ClientError(self.missing(name))
        self.refuse_twins(name)

    def refuse_twins(self, service: str) -> None:
        """Raise :class:`ClientError` when more than one node in the graph is ``NODE``.

        Two nodes of one name (a second launch on the domain, a stale process) both serve its
        services: DDS hands a request to either (or both) and a parameter set reaches one, so
        neither is called. Counted twice: the nodes of that name (``get_node_names_and_
        namespaces`` lists each; their names come a moment after their services: up to 3 s
        more) and the servers of the fully qualified ``service`` (``count_services``, Jazzy).
        Each process is discovered on its own: one the command's participant missed in its
        first exchange comes at its next periodic announcement (Fast DDS: every 3 s), so the
        second planner of a name may show seconds after the first (review60a #2). The first
        check of a command therefore waits until :data:`DISCOVERY_S` after its node joined and
        the graph unchanged for :data:`TWIN_QUIET_S` (at most :data:`TWIN_SETTLE_S`; refused as
        soon as a second one shows); later checks count at once. A twin the graph discovers
        later still (a process stalled, a machine so loaded its announcements lag) is not seen.
        """
        self.spin_until(lambda: self.target in self.node_names(), min(self.timeout_s, 3.0))
        if not self.settled:
            quiet = _Quiet(lambda: self._graph_view(service), TWIN_QUIET_S)
            self.spin_until(lambda: self._twins(service) > 1 or (
                time.monotonic() - self.joined >= DISCOVERY_S and quiet()), TWIN_SETTLE_S)
            self.settled = True  # the graph filled once: later calls count at once
        twins = self._twins(service)
        if twins > 1:
            domain = rcl_domain_id(os.environ.get("ROS_DOMAIN_ID", ""))
            raise ClientError(
                f"{twins} nodes are named {self.target} on ROS domain {domain} (a second "
                "launch, a stale process?): a call would reach either one, so none was sent; "
                "stop all but one, or start each planner in a namespace of its own "
                f"(--node /arm1/{PLANNER_NODE})")

    def _twins(self, service: str) -> int:
        """Return how many nodes are ``NODE`` now: by name, or by servers of ``service``."""
        nodes, servers = self._graph_view(service)
        return max(sum(full_name(name, namespace) == self.target for name, namespace in nodes),
                   servers)

    def _graph_view(self, service: str) -> tuple[list[tuple[str, str]], int]:
        """Return what a newly discovered process changes: the nodes, ``service``'s servers.

        The nodes as (name, namespace), sorted; the servers 0 before rclpy's ``count_services``
        (Jazzy).
        """
        count_services = getattr(self.node, "count_services", None)  # rclpy >= Jazzy
        return (sorted(self.node.get_node_names_and_namespaces()),
                count_services(service) if count_services else 0)

    def missing(self, service: str) -> str:
        """Say in one line that ``service`` is not on this domain, and where planners are.

        ``service``: fully qualified. One offered in the graph (seen after a moment more) that
        the wait did not match in ``timeout_s`` is said to have not answered in time, with a
        longer ``--timeout`` to give, never "offers no" (a cold process on a loaded machine).
        """
        domain = rcl_domain_id(os.environ.get("ROS_DOMAIN_ID", ""))
        scope = discovery_range()
        # the graph may still be filling on a loaded machine: a moment more for other planners
        self.spin_until(lambda: self.offered(service) or self.planners_in_graph() - {self.target},
                        3.0)
        planners = sorted(self.planners_in_graph() - {self.target})
        seen = (f"; planners on this domain: {', '.join(planners)} (give --node "
                f"{planners[0]})") if planners else ""
        node_there = self.target in self.node_names()
        if self.offered(service):  # there, but slow to match: a cold process on a loaded machine
            return (f"{service} is offered but did not answer in {self.timeout_s:g} s (the ROS "
                    "graph filled slowly: a loaded machine?); run this again with a longer "
                    "--timeout")
        what = (f"the node {self.target} runs but offers no {service}" if node_there else
                f"no planner {self.target} on ROS domain {domain} (discovery {scope})")
        return (f"{what}: {service} did not appear in {self.timeout_s:g} s{seen}; start the "
                "planner (vjepa-ros launch ...) and run this with the ROS_DOMAIN_ID its first "
                "line names ('vjepa-ros launch: ROS domain N, ...')")

    def offered(self, service: str) -> bool:
        """Whether the planner node offers the fully qualified ``service`` in the graph now.

        Its servers only (``get_service_names_and_types_by_node``): the graph's plain service
        list also holds names only clients ask for (this command's own).
        """
        namespace, _, name = self.target.rpartition("/")
        try:
            served = self.node.get_service_names_and_types_by_node(name, namespace or "/")
        except Exception:  # not (or no longer) in the graph: rclpy's NodeNameNonExistentError
            return False
        return service in {served_name for served_name, _ in served}

    def node_names(self) -> set[str]:
        """Return the fully qualified names of the nodes in the graph now."""
        return {full_name(name, ns) for name, ns in self.node.get_node_names_and_namespaces()}

    def planners_in_graph(self) -> set[str]:
        """Return the nodes that are this package's planner (``package_planners``)."""
        return package_planners(self.node, sorted(self.node_names()))

    # topics ------------------------------------------------------------------------------
    def spin_until(self, done, timeout_s: float) -> bool:
        """Spin until ``done()`` is true or ``timeout_s`` passed; return ``done()``."""
        deadline = time.monotonic() + timeout_s
        while not done() and time.monotonic() < deadline:
            self.executor.spin_once(timeout_sec=min(0.1, max(0.0, deadline - time.monotonic())))
        return bool(done())

    def logger_names(self, topic: str) -> set[str]:
        """Return the logger names (``arm1.sim_node``) of the nodes subscribing to ``topic``."""
        return {f"{info.node_namespace.strip('/').replace('/', '.')}.{info.node_name}".lstrip(".")
                for info in self.node.get_subscriptions_info_by_topic(topic)}

    def node_logs(self, loggers: set[str]) -> list:
        """Return a list gathering ``(level, "LOGGER: message")`` of ``loggers`` from now on.

        As ``/rosout`` (``rcl_interfaces/msg/Log``) brings them; ``level``: Log's (20 INFO,
        30 WARN, 40 ERROR). A node's log is the only word some of its refusals get (the
        simulator's on a goal pose, the planner's on a goal image).
        """
        from rcl_interfaces.msg import Log
        from rclpy.qos import QoSProfile, ReliabilityPolicy

        since = self.node.get_clock().now().nanoseconds  # rosout stamps: the system clock
        said: list = []

        def on_log(msg) -> None:
            stamp = msg.stamp.sec * 1_000_000_000 + msg.stamp.nanosec
            if msg.name in loggers and msg.level >= Log.INFO and stamp >= since:
                said.append((msg.level, f"{msg.name}: {msg.msg}"))

        sub = self.node.create_subscription(Log, "/rosout", on_log, QoSProfile(
            depth=100, reliability=ReliabilityPolicy.RELIABLE))
        def matched() -> bool:  # the nodes' log publishers discovered, and matched
            infos = self.node.get_publishers_info_by_topic("/rosout")
            seen = {f"{i.node_namespace.strip('/').replace('/', '.')}.{i.node_name}".lstrip(".")
                    for i in infos}
            return loggers <= seen and sub.get_publisher_count() >= len(infos)

        self.spin_until(matched, self.timeout_s)  # before anything is sent (bounded)
        return said

    def wait_for_subscriber(self, publisher, topic: str, what: str) -> None:
        """Wait ``timeout_s`` for a subscriber of ``publisher``; else ClientError with ``what``."""
        if not self.spin_until(lambda: publisher.get_subscription_count() > 0, self.timeout_s):
            raise ClientError(f"no node subscribes to {topic} on ROS domain "
                              f"{rcl_domain_id(os.environ.get('ROS_DOMAIN_ID', ''))} after "
                              f"{self.timeout_s:g} s: {what}")


class _Quiet:
    """Callable: whether ``view()`` has not changed for ``quiet_s`` (monotonic clock)."""

    def __init__(self, view, quiet_s: float):
        self.view, self.quiet_s = view, quiet_s
        self.last, self.since = view(), time.monotonic()

    def __call__(self) -> bool:
        now, seen = time.monotonic(), self.view()
        if seen != self.last:
            self.last, self.since = seen, now
        return now - self.since >= self.quiet_s

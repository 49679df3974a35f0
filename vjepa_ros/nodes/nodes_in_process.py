"""Nodes in one process, each spun by an executor thread of its own: :class:`Launch`.

What ``vjepa-ros launch`` and the tests start: the nodes of a list of
:class:`~vjepa_ros.nodes.node_launch.NodeLaunch` on one rclpy context, a start-up error as one
line prefixed with the node (:func:`_prefixed`), a node that stops itself with a failure said
once. rclpy is imported inside the functions.
"""

from __future__ import annotations

import functools
import time

from vjepa_ros.config import UsageError
from vjepa_ros.nodes.node_launch import NodeLaunch
from vjepa_ros.nodes.node_registry import NODES
from vjepa_ros.nodes.node_runner import one_line
from vjepa_ros.nodes.reply_warnings import route_reply_warnings
from vjepa_ros.nodes.spinning import NodeSpinner, stop_node_commanding
from vjepa_ros.ros_environment import domain_id_problem, init_failure
from vjepa_ros.terminate import stop_signals_held


class Launch:
    """Nodes in one process, each spun by an executor thread of its own; a context manager.

    ``Launch(nodes)`` creates the nodes (its own rclpy context unless one is given), those
    that load the world model (``NodeEntry.slow_start``) last, so that a bad parameter of
    another node is refused before that wait; ``nodes`` keeps the order given. Those made
    held (``NodeEntry.held``: a bag player) are released once every node is made, so that a
    bag plays to a planner that has loaded its model. The context's global ROS arguments (what
    ``rclpy.init`` got: ``--ros-args -r __node:=NAME -r __ns:=/NS`` under launch_ros or ``ros2
    run``) apply to the first node of ``nodes`` alone, the process's own node as a node
    executable's; every other node takes only its own (``NodeLaunch``: its parameter file,
    overrides and remappings, ``__ns`` among them), so that a global ``__node`` remap cannot give
    two nodes of the process one name. Its
    ``executor`` (a ``spinning.NodeSpinner``) spins them: ``start()`` on background threads,
    ``spin()`` in the foreground; ``shutdown()`` destroys the nodes and the context (if it made
    it). ``ros_args``: the process's global ROS arguments for ``rclpy.init`` of its own context
    (``["--ros-args", "--log-level", "vjepa_planner:=warn"]``: ``launch --log-level``; logger
    levels hold for the whole process, every node's logger); None: none.
    """

    def __init__(self, nodes: list[NodeLaunch], context=None,
                 use_sim_time: bool | None = None, ros_args: list[str] | None = None):
        import rclpy
        from rclpy.exceptions import ParameterException

        from vjepa_ros.nodes.params import UnknownParameterError, rclpy_type_error

        route_reply_warnings()  # rclpy's reply-timeout warning: one line, not two
        self.own_context = context is None
        self.executor = None
        self.names: dict = {}  # started node -> its -p NODE. name (failure's prefix)
        # made whole: a stop raised after, never inside rclpy (terminate.stop_signals_held);
        # not around the nodes below (a stop while the planner loads its model: at once)
        problem = domain_id_problem() if self.own_context else ""
        if problem:  # else rcl's words and C source path, or DDS's two lines and exit 1
            raise RuntimeError(problem)
        with stop_signals_held():
            self.context = rclpy.Context() if context is None else context
            if self.own_context:
                try:
                    rclpy.init(context=self.context, args=ros_args or None)
                except RuntimeError as exc:  # the environment, a resource; or an argument
                    if ros_args and "Couldn't parse" in str(exc):
                        from vjepa_ros.nodes.ros_args import ros_args_error

                        raise UsageError(ros_args_error(exc)) from None
                    raise RuntimeError(init_failure(exc)) from None
        self.nodes = []
        try:
            for spec in nodes:
                spec.node_kwargs(use_sim_time)  # checks every name before any node starts
            started = {}  # index in nodes -> the node
            try:
                for index, spec in sorted(enumerate(nodes),
                                          key=lambda item: NODES[item[1].name].slow_start):
                    node_class = NODES[spec.name].load()
                    held = {"held": True} if NODES[spec.name].held else {}
                    # the first node is the process's own (global ROS arguments); the others
                    # are deaf to them: a global -r __node:= would give each its name
                    deaf = {"use_global_arguments": False} if index else {}
                    try:
                        node = node_class(context=self.context, **held, **deaf,
                                          **spec.node_kwargs(use_sim_time))
                    except UnknownParameterError as exc:  # the closest as -p NODE.name:=...
                        # or, for a name a --params-file gave, after that file, as its key
                        raise UsageError(f"{spec.name}: "
                                         f"{exc.message(spec.name, spec.sources(use_sim_time))}"
                                         ) from None
                    except (ParameterException, OSError, ValueError, RuntimeError) as exc:
                        # One prefix, the node as -p NODE.param names it; its messages carry
                        # none. A value error names the sources of the values it names.
                        raise _prefixed(rclpy_type_error(exc), spec.name,
                                        spec.sources(use_sim_time),
                                        spec.notes) from None
                    started[index] = node  # (an unknown parameter: refused by the node itself)
            finally:  # the order given; on an error, the nodes started so far (shut down)
                self.nodes = [started[i] for i in sorted(started)]
                self.names = {node: nodes[i].name for i, node in started.items()}
            # add_node, spin, shutdown like an executor
            self.executor = NodeSpinner(self.context)
            for node in self.nodes:
                self.executor.add_node(node)
            for index, spec in enumerate(nodes):  # every node made (the planner's model loaded)
                if NODES[spec.name].held:
                    self.nodes[index].release()
        except BaseException:  # a refusal, or a stop (Ctrl-C) anywhere before the launch runs
            self._refused_shutdown()
            raise

    def node(self, name: str):
        """Return the started node whose ROS name is ``name``."""
        for node in self.nodes:
            if node.get_name() == name:
                return node
        raise KeyError(f"no node named {name!r}; started: {[n.get_name() for n in self.nodes]}")

    def spin(self) -> str:
        """Spin the nodes in the foreground until they stop; Ctrl-C stops them and re-raises.

        Also until a node ends itself with a failure (:meth:`failure`: a simulator that refuses
        to run beside another one); returns the line the launch ends with
        (:meth:`failure_line`), else "".
        """
        from rclpy.executors import ExternalShutdownException

        try:
            self.executor.spin(until=self.failure)
        except ExternalShutdownException:
            pass
        return self.failure_line()

    def failure(self) -> str:
        """Return why a node stopped itself with a failure, ``-p NODE.`` name first ("" none).

        A node that ends its work by itself sets its ``done`` event (as for ``run_node``); a
        non-zero ``exit_status()`` is a failure, said by its ``refused`` line (``sim: another
        node publishes /clock by /sim_node ...``). A node done with status 0 (a bag played to
        its end) is no failure: the others go on.
        """
        node = self._failed_node()
        if node is None:
            return ""
        why = getattr(node, "refused", "") or f"stopped (status {node.exit_status()})"
        return f"{self.names.get(node, node.get_name())}: {why}"

    def failure_line(self) -> str:
        """Return :meth:`failure` as the launch's last line says it: the reason once ("" none).

        A node's ``refused`` line is one it logged at ERROR as it stopped (on the console, in
        ``/rosout`` and the ROS log file, as under ``ros2 run``): the last line names the node
        and points at that line (``sim: refused to run (the [ERROR] [sim_node] line above says
        why); every node stopped``) instead of repeating it. The whole :meth:`failure` where
        the node's logger shows no ERROR (``--log-level``) or it has no such line.
        """
        from rclpy.logging import LoggingSeverity

        node = self._failed_node()
        if node is None:
            return ""
        if not getattr(node, "refused", "") or \
                not node.get_logger().is_enabled_for(LoggingSeverity.ERROR):
            return self.failure()
        return (f"{self.names.get(node, node.get_name())}: refused to run (the [ERROR] "
                f"[{node.get_logger().name}] line above says why); every node stopped")

    def _failed_node(self):
        """Return the first node done with a non-zero ``exit_status()`` (None: none is)."""
        for node in self.nodes:
            done = getattr(node, "done", None)
            if done is not None and done.is_set() and node.exit_status():
                return node
        return None

    def start(self) -> Launch:
        self.executor.start()
        return self

    def shutdown(self, timeout: float = 30.0) -> None:
        """Stop every node's work, the executors, then destroy the nodes and the own context.

        Every node's ``stop_commanding`` runs first, as Ctrl-C's ``NodeSpinner.shutdown`` does:
        no planner commands its arm while the shutdown waits on another one's plan
        (breaker57a). Then each ``prepare_shutdown`` waits for its plan, all of them within one
        ``timeout`` [s] (N planners stuck in their model: ``timeout``, not N times it).
        Each step runs for every node and whatever an earlier one raised: a node whose
        ``prepare_shutdown`` or ``destroy_node`` raises (rclpy's destroy of a context gone) is
        one warning line and the next node is still destroyed; the context is shut down last.
        The first such error is raised at the end (a stop signal: at once, after the rest).
        """
        errors: list[BaseException] = []
        deadline = time.monotonic() + timeout
        for node in self.nodes:  # (its own failure: one warning line, spinning's)
            stop_node_commanding(node)
        for node in self.nodes:  # let long callbacks (a plan) end before the executor stops:
            prepare = getattr(node, "prepare_shutdown", None)  # rclpy's executor shutdown does
            if prepare is not None:  # not wait for a running callback before destroying its
                _each(errors, node, "prepare_shutdown",  # wake-up guard
                      functools.partial(prepare, timeout, deadline=deadline))
        if self.executor is not None:
            _each(errors, None, "the executors' shutdown", self.executor.shutdown, timeout)
        nodes, self.nodes = self.nodes, []
        for node in nodes:
            _each(errors, node, "destroy_node", node.destroy_node)
        if self.own_context:
            _each(errors, None, "the context's shutdown", self.context.try_shutdown)
        if errors:  # a stop signal first: the command ends as stopped
            stops = [exc for exc in errors if not isinstance(exc, Exception)]
            raise (stops or errors)[0]

    def _refused_shutdown(self) -> None:
        """:meth:`shutdown` after a refused or stopped start; its own error is only said.

        The refusal (or the Ctrl-C) is what the caller must see, never an error of the clean-up
        after it; a stop signal during the clean-up is raised after it (``stop_signals_held``).
        """
        from rclpy.logging import get_logger

        with stop_signals_held():  # every node destroyed and thread ended, never cut halfway
            try:
                self.shutdown()
            except Exception as exc:  # noqa: BLE001 - said; the refusal is raised, not this
                get_logger("vjepa_ros.launch").warning(
                    f"start refused; shutting down what it made failed: "
                    f"{type(exc).__name__}: {exc}")

    def __enter__(self) -> Launch:
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()


def _each(errors: list, node, step: str, call, *args) -> None:
    """Call ``call(*args)``; an exception is appended to ``errors`` and said in one warning line.

    ``node``: whose step it is (its logger says it), None for the launch's own steps. A stop
    signal (KeyboardInterrupt) is appended too, not said: :meth:`Launch.shutdown` goes on with
    the other nodes and raises it at the end.
    """
    try:
        call(*args)
    except BaseException as exc:  # noqa: BLE001 - the other nodes are still shut down
        errors.append(exc)
        if isinstance(exc, Exception):
            from rclpy.logging import get_logger

            logger = node.get_logger() if node is not None else get_logger("vjepa_ros.launch")
            logger.warning(f"shutdown: {step} failed ({type(exc).__name__}: {exc}); "
                           "the other nodes are shut down still")


def _prefixed(exc: BaseException, name: str, sources: dict | None = None,
              notes: dict | None = None) -> Exception:
    """Return ``exc`` as the same kind of error with ``name: `` before its one-line message.

    rclpy's ParameterException (e.g. a string for a float parameter) becomes a ValueError.
    With ``sources`` (``NodeLaunch.sources``) the sources of the parameters the message names
    come after ``name: `` (``planner: --params-file p.yaml: planner.samples must ...``). A value
    of the wrong type or out of its range typed as ``-p`` becomes a UsageError (exit status 2,
    as argparse's ``invalid int value`` and ``vjepa-ros`` options' ranges); from a file it stays
    a value error (status 1). ``notes``
    (``NodeLaunch.notes``) go after a message naming their parameters.
    """
    from vjepa_ros.nodes.param_sources import command_line_names, noted, sourced, typed_refused

    text = said = one_line(exc)  # said: the names as the node wrote them (sourced: once)
    text = noted(text, notes or {})
    if sources and not isinstance(exc, UsageError):
        text = sourced(text, sources)
    message = f"{name}: {text}"
    typed = command_line_names(sources or {})
    if typed_refused(exc, said, typed):
        return UsageError(message)  # a -p value refused: status 2, as argparse's
    if isinstance(exc, (OSError, ValueError, RuntimeError)):
        try:
            return type(exc)(message)
        except TypeError:  # an exception class with another signature
            pass
    return ValueError(message)

"""Run one node as an executable (the ``main()`` of ``planner_node``, ``sim_node``, ...).

:func:`run_node` checks the ROS arguments (:func:`init_node_args`), starts the node, spins it in
the main thread and stops it on Ctrl-C / SIGTERM with one line and status 130 / 143.
``vjepa-ros launch`` (several nodes in one process) is :mod:`vjepa_ros.nodes.launcher`.
rclpy is imported inside the functions.
"""

from __future__ import annotations

import sys
from pathlib import Path

from vjepa_ros.config import ConfigError
from vjepa_ros.nodes.dds_profile import use_camera_profile
from vjepa_ros.nodes.node_registry import NODES
from vjepa_ros.nodes.node_usage import HELP_FLAGS, stray_arguments, stray_problem, usage_text
from vjepa_ros.nodes.reply_warnings import route_reply_warnings
from vjepa_ros.ros_environment import ros_network_line


def one_line(exc: BaseException) -> str:
    """Return an exception's message on one line (rclpy's parameter errors span several).

    ``path_text.one_line``: spaces within a line (a path's) are kept.
    """
    from vjepa_ros.path_text import one_line as joined

    return joined(str(exc))


# How often run_node's executor wakes to see whether a signal came [s]
SIGNAL_CHECK_S = 0.1


def run_node(node_class, args=None) -> int:
    """Run one node until Ctrl-C or SIGTERM (``main()`` of an executable); return its status.

    Bad ROS arguments (``ros_args.check_ros_args``, then what ``rclpy.init`` refuses) and a
    start-up value for a parameter the node does not have (``params.UnknownParameterError``) →
    one line and exit code 2, as ``vjepa-ros launch``; a ``--params-file`` path's ``~`` and
    ``$VAR`` are expanded first (``ros_args.with_params_files_expanded``: rcl expands neither,
    and no shell did in a quoted word, a systemd unit, a Docker exec form); an environment ROS
    cannot start in (``ROS_DOMAIN_ID=abc``) and other start-up errors of the node → one line
    and exit code 1.

    Ctrl-C (SIGINT) and SIGTERM (``kill``, ``systemctl stop``, ``ros2 launch`` stopping it)
    stop the node as ``vjepa-ros launch`` stops its nodes, then one line ``NAME: interrupted``
    / ``NAME: terminated`` (NAME its ROS name; ``; NOTE`` after it when the node has a
    ``stopped_note()``) and exit status 130 / 143, so a script or a unit tells a stop from
    success. The order is fixed: the node's work, the executor, the node, then the context.
    rclpy's own signal handlers are not installed: they shut the context down at once from
    another thread, under the spinning executor (``RCLError: failed to initialize wait set: the
    given context is not valid``, a timer publishing on a dead context). While the node starts
    (the planner loads its model) a signal raises at once; while it spins, it is noted and the
    spin loop ends within :data:`SIGNAL_CHECK_S` (never cut into a callback); during the
    clean-up it is ignored. A node whose work ends by itself (bag_player: the bag played) sets its
    ``done`` event; its ``exit_status()`` is then the status (0 without one).
    """
    import rclpy
    from rclpy.executors import SingleThreadedExecutor

    from vjepa_ros.nodes.ros_args import started_name, with_params_files_expanded
    from vjepa_ros.nodes.spinning import settle, stop_node_commanding
    from vjepa_ros.terminate import (
        ignore_stop_signals,
        sigint_raises,
        sigterm_raises,
        stop_signals_held,
        stopped_by,
    )

    # rcl opens --params-file paths as written: ~ and $HOME expanded here (no shell did)
    argv = with_params_files_expanded(sys.argv if args is None else list(args))
    # the one prefix of its lines: its ROS name (-r __node:=cam2: cam2)
    name = started_name(getattr(node_class, "ROS_NAME", node_class.__name__), argv)
    if any(arg in HELP_FLAGS for arg in stray_arguments(argv)):  # before any ROS or device
        print(node_help(node_class, argv))
        return 0
    node = executor = stopped = None
    # SIGTERM raises terminate.Terminated, as Ctrl-C KeyboardInterrupt; Ctrl-C raises it even
    # where the shell started the node ignoring SIGINT (``node &`` in a script), as rclpy's
    # handler did
    with sigterm_raises(), sigint_raises():
        try:
            try:
                use_camera_profile()  # before rclpy.init: raw camera frames between processes
            except ConfigError as exc:  # the package's files missing: one line, not a traceback
                print(f"{name}: {exc}", file=sys.stderr)
                return 1
            route_reply_warnings()  # rclpy's reply-timeout warning: one line, not two
            status = init_node_args(node_class, argv)
            if status:
                return status
            # In this thread: no other thread is left in rclpy at exit. One thread: every
            # node's long work runs on threads of its own (the planner's planning worker), and
            # the pinned rclpy's MultiThreadedExecutor busy-loops (nodes/spinning.py). Made
            # before the node, so that a stop during the node's start cannot cut it in half.
            with stop_signals_held():  # not cut inside rclpy's constructor (terminate)
                executor = SingleThreadedExecutor()
            node, status = _start_node(node_class, name, argv)  # (a stop while loading: raised)
            if node is None:
                return status
            print(f"{name}: {ros_network_line()}", file=sys.stderr)  # as launch, reach say it
            executor.add_node(node)
            done = getattr(node, "done", None)
            # while spinning a signal is noted, not raised inside a callback or rclpy's code;
            # it is raised (KeyboardInterrupt, Terminated) as the loop ends, within this time
            with stop_signals_held() as signals:
                while not signals and (done is None or not done.is_set()):
                    executor.spin_once(timeout_sec=SIGNAL_CHECK_S)
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (Terminated)
            stopped = exc
        finally:  # the node's work, the executor, the node, then the context
            ignore_stop_signals()
            if node is not None and executor is not None and hasattr(node, "stop_commanding"):
                stop_node_commanding(node)  # then spin on for what it still needs (settle)
                settle([node], lambda: executor.spin_once(timeout_sec=0.01))
            if node is not None and hasattr(node, "prepare_shutdown"):
                node.prepare_shutdown()
            if executor is not None:
                executor.shutdown()
            if node is not None:
                node.destroy_node()
            rclpy.try_shutdown()
    if stopped is not None:
        word, status = stopped_by(stopped)
        note = node.stopped_note() if hasattr(node, "stopped_note") else ""
        print(f"{name}: {word}" + (f"; {note}" if note else ""), file=sys.stderr)
        return status
    return node.exit_status() if hasattr(node, "exit_status") else 0


def _start_node(node_class, name: str, argv: list[str]) -> tuple:
    """Return ``(node_class(), 0)``, or ``(None, status)`` after one line ``NAME: error``.

    ``name``: the node's ROS name (``ros_args.started_name``), the prefix of that line.

    ``status``: 2 for a usage error (``config.UsageError``: an unknown parameter; a ``-p`` value
    of the wrong type or out of its range, ``param_sources.typed_refused``, as under
    ``vjepa-ros launch``), else 1 (``config.exit_status``). A
    value error names the ``--params-file`` or ``-p`` of ``argv`` that gave the parameters it
    names (``param_sources.sourced``): ``vjepa_planner:
    --params-file p.yaml: planner.samples must lie in [1, 100000], got -5``; one typed as a ``-p``
    that rcl reads unlike its digits says why after it (``param_sources.noted``: ``08`` a float).
    """
    from rclpy.exceptions import ParameterException

    from vjepa_ros.config import UsageError, exit_status
    from vjepa_ros.nodes.param_sources import (
        command_line_names,
        noted,
        ros_arg_notes,
        ros_arg_sources,
        sourced,
        typed_refused,
    )
    from vjepa_ros.nodes.params import UnknownParameterError, rclpy_type_error

    try:
        return node_class(), 0
    except (OSError, ValueError, RuntimeError, ParameterException) as error:
        exc = rclpy_type_error(error)  # use_sim_time:=1: said as any parameter's type error
        # One prefix, the node's ROS name; the node's own messages carry none.
        default = getattr(node_class, "ROS_NAME", node_class.__name__)  # (as -r rules name it)
        said, sources = one_line(exc), ros_arg_sources(argv, default)
        message = said
        if isinstance(exc, UnknownParameterError):  # a file's names after that file
            message = exc.message(sources=sources)
        message = noted(message, ros_arg_notes(argv))  # 08: rcl's float 8.0, said why
        if not isinstance(exc, (UnknownParameterError, UsageError)):  # (a usage error names
            message = sourced(message, sources)  # its parameter itself)
        print(f"{name}: {message}", file=sys.stderr)
        if typed_refused(exc, said, command_line_names(sources)):
            return None, 2  # a -p value refused: a usage error, as argparse's
        return None, exit_status(exc)  # (run_node shuts the context down)


def node_help(node_class, argv: list[str]) -> str:
    """Return ``--help``'s text for ``node_class``'s executable (``node_usage.usage_text``)."""
    launch, entry = next(((key, entry) for key, entry in NODES.items()
                          if entry.target.endswith(f":{node_class.__name__}")),
                         (node_class.__name__, None))
    return usage_text(program_name(argv, launch), entry.params_file if entry else "", launch)


def _empty_refused(entries) -> dict[str, str]:
    """Return ``config.empty_refused`` of the registry ``entries``' parameters dataclasses."""
    from vjepa_ros.config import empty_refused

    needs: dict[str, str] = {}
    for entry in entries:
        settings = entry.settings()
        if settings is not None:
            needs.update(empty_refused(settings))
    return needs


def program_name(argv: list[str], default: str) -> str:
    """Return the executable's name as typed (``python -m``'s ``sim_node.py``: sim_node)."""
    return Path(argv[0]).name.removesuffix(".py") if argv and argv[0] else default


def init_node_args(node_class, args=None) -> int:
    """``rclpy.init(args=args)`` after checking its ROS arguments; return 0, or a status.

    After one line ``NAME: ...`` (NAME its ROS name, ``-r __node:=`` applied): 2 for bad ROS
    arguments (a usage error), 1 for an environment ROS cannot start in (``ros_environment``: a
    ``ROS_DOMAIN_ID`` that is no domain, checked before rclpy.init; another failure of
    rclpy.init that is no argument's, a resource error).

    ``args`` None: ``sys.argv``, as rclpy takes it. The ``--params-file`` files are checked for
    the node ``node_class.ROS_NAME`` (remapped as ``-r __ns:=``/``__node:=`` say), so a
    section that applies to it under no name is refused, not dropped. rclpy's signal handlers
    are not installed: :func:`run_node` stops the node on Ctrl-C and SIGTERM in its own order.
    """
    import rclpy
    import rclpy.logging
    from rclpy.signals import SignalHandlerOptions

    from vjepa_ros.nodes.ros_args import (
        check_ros_args,
        ros_args_error,
        ros_arguments,
        started_name,
    )
    from vjepa_ros.ros_environment import (
        domain_id_problem,
        init_failure,
        is_argument_error,
    )
    from vjepa_ros.terminate import call_held

    default = getattr(node_class, "ROS_NAME", node_class.__name__)
    registry = [key for key, entry in NODES.items()
                if entry.target.endswith(f":{node_class.__name__}")]
    entries = [NODES[key] for key in registry]
    files = [entry.params_file for entry in entries if entry.params_file]
    argv = sys.argv if args is None else list(args)
    name = started_name(default, argv)  # its lines' prefix: its ROS name
    try:
        check_ros_args(argv, default,
                       f"config/{files[0]}" if files else "config/planner.yaml",
                       _empty_refused(entries), registry[0] if len(registry) == 1 else None)
    except ValueError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 2
    stray = stray_arguments(argv)
    if stray:  # rclpy would hand them to a program that reads none (dropped without a word)
        print(f"{name}: {stray_problem(program_name(argv, name), stray)}",
              file=sys.stderr)
        return 2
    problem = domain_id_problem()  # else rcl's words, or DDS's two lines and exit 1
    if problem:
        print(f"{name}: {problem}", file=sys.stderr)
        return 1
    # rcl logs "Failed to parse global arguments" before raising: the one line below says it
    severity = rclpy.logging.LoggingSeverity
    rclpy.logging.set_logger_level("rcl", severity.FATAL)
    try:
        # a stop raised after rclpy.init returned, never inside it (terminate.call_held)
        call_held(rclpy.init, args=args, signal_handler_options=SignalHandlerOptions.NO)
    except RuntimeError as exc:  # RCLError, UnknownROSArgsError: an argument rcl refuses
        if not is_argument_error(exc):  # (the environment, a resource): not a usage error
            print(f"{name}: {init_failure(exc)}", file=sys.stderr)
            return 1
        print(f"{name}: {ros_args_error(exc)}", file=sys.stderr)
        return 2
    finally:  # unless --log-level rcl:=LEVEL set it
        if not any(flag == "--log-level" and (value or "").startswith("rcl:=")
                   for flag, value in ros_arguments(argv)):
            rclpy.logging.set_logger_level("rcl", severity.UNSET)
    return 0

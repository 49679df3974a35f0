"""The node process of ``bench_node_inputs.py`` (``--role-node``) and what it tells the bench.

:func:`run_timed_node` runs the planner node's own entry point with its input callbacks
(:data:`TIMED`) and their parts (:data:`PARTS`) timed; the bench asks it for the samples
(:func:`request_stats`), finds its planning worker thread (:func:`planning_thread`) and reads
the CPU time of the process and its threads (:func:`process_cpu`).
"""

from __future__ import annotations

import functools
import importlib
import json
import math
import os
import sys
import threading
import time
from pathlib import Path

TIMED = ("_on_image", "_on_joint_state", "_stream_tick", "_publish_diagnostics")
# parts of the input callbacks, timed too: (module, class or "" for a function, name)
PARTS = (("vjepa_ros.nodes.planner_inputs", "", "decode_image_message"),
         ("vjepa_ros.robot.input_episodes", "InputEpisodes", "observe_image"),
         ("vjepa_ros.robot.joint_states", "JointStateReader", "read"),
         ("vjepa_ros.robot.kinematics", "FrankaKinematics", "state"),
         ("vjepa_ros.nodes.planner_node", "PlannerNode", "_gripper_measured"),
         ("vjepa_ros.robot.input_episodes", "InputEpisodes", "observe_state"),
         ("vjepa_ros.robot.stream_session", "StreamSession", "stream_step"),
         ("vjepa_ros.nodes.setpoint_output", "", "set_pose"))
EXECUTOR_ENV = "BENCH_NODE_INPUTS_EXECUTOR"  # --executor events: for the node process


def run_timed_node(stats: str, node_args: list[str]) -> None:
    """Run the planner node's entry point with the callbacks in :data:`TIMED` timed.

    Each call appends (kind, topic, end [s, CLOCK_MONOTONIC], wall [s], thread CPU [s]);
    whenever ``stats + ".request"`` appears, the samples so far and the native ids of the threads
    that set torch's thread count (the main thread, then the planning worker) are written to
    ``stats`` (JSON ``{"samples": [...], "threads": [...]}``) and the request file is removed.
    """
    from vjepa_ros.entry_points import end_after, run_stoppable
    from vjepa_ros.nodes import planner_node

    samples: list[tuple] = []

    def timed(name, method, topic_arg=None):
        @functools.wraps(method)  # its signature: EventsExecutor passes TimerInfo by it
        def wrapper(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return method(*args, **kwargs)
            finally:
                end = time.perf_counter()
                topic = ""
                if topic_arg is not None:
                    topic = args[topic_arg] if len(args) > topic_arg else kwargs.get("topic", "")
                samples.append((name, topic, time.monotonic(), end - wall,
                                time.thread_time() - cpu))
        return wrapper

    node_class = planner_node.PlannerNode
    for name in TIMED:  # (self, msg, topic) for _on_joint_state
        setattr(node_class, name, timed(name, getattr(node_class, name), topic_arg=2))
    for module, owner, name in PARTS:
        target = importlib.import_module(module)
        target = getattr(target, owner) if owner else target
        label = part_label(module, owner, name)
        setattr(target, name, timed(label, getattr(target, name)))

    # the threads that set torch's thread count: the node's (main) and its planning worker's
    threads: list[int] = []
    set_threads = planner_node.set_torch_threads

    def noted_set_torch_threads(*args, **kwargs):
        threads.append(threading.get_native_id())
        return set_threads(*args, **kwargs)

    planner_node.set_torch_threads = noted_set_torch_threads

    def serve() -> None:
        request = Path(stats + ".request")
        while True:
            if request.exists():
                tmp = Path(stats + ".tmp")
                tmp.write_text(json.dumps({"samples": list(samples), "threads": threads}))
                tmp.replace(stats)
                request.unlink()
            time.sleep(0.2)

    threading.Thread(target=serve, daemon=True).start()
    if os.environ.get(EXECUTOR_ENV) == "events":  # run_node's executor, as an experiment
        import rclpy.executors
        from rclpy.experimental import EventsExecutor

        rclpy.executors.SingleThreadedExecutor = EventsExecutor
    sys.argv = [planner_node.__file__, *node_args]
    end_after(lambda: run_stoppable(planner_node.PlannerNode.ROS_NAME,
                                    lambda: planner_node.main))


def part_label(module: str, owner: str, name: str) -> str:
    """How a part of a callback (:data:`PARTS`) is named in the table: indented, its owner's."""
    return f"  {owner + '.' if owner else ''}{name}"


def request_stats(stats: Path, timeout_s: float = 10.0) -> dict:
    """Ask the node process for its samples and threads (:func:`run_timed_node`); {} on none."""
    stats.unlink(missing_ok=True)
    Path(f"{stats}.request").write_text("")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if stats.exists():
            return json.loads(stats.read_text())
        time.sleep(0.1)
    return {}


def planning_thread(stats: Path, pid: int, timeout_s: float = 10.0) -> int | None:
    """Return the native id of the node's planning worker thread (None if not known in time).

    The node's services answer before its worker thread has started: ask until it has.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        worker = next((t for t in request_stats(stats).get("threads", []) if t != pid), None)
        if worker is not None:
            return worker
        time.sleep(0.2)
    return None


def process_cpu(pid: int, worker: int | None) -> tuple[float, float, float]:
    """CPU seconds (user + system) of a process, its main thread and thread ``worker``, /proc.

    The worker's is NaN when it is None or gone.
    """
    def read(path):
        with open(path) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    try:
        planning = math.nan if worker is None else read(f"/proc/{pid}/task/{worker}/stat")
    except OSError:
        planning = math.nan
    return read(f"/proc/{pid}/stat"), read(f"/proc/{pid}/task/{pid}/stat"), planning

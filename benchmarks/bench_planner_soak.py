"""The planner node as its own process under camera and joint-state load, measured from outside.

Three processes, as on a lab machine: the planner node started the way ``ros2 run`` starts it
(``python -m vjepa_ros.nodes.planner_node --ros-args --params-file config/planner.yaml ...``,
a tiny random-weight model, continuous control, enabled, goal captured), a sensor process
publishing camera frames (default 640×480 rgb8 at 30 Hz) and joint states (100 Hz), and this
process watching ``target_pose`` and ``/diagnostics``. Printed per run:

  target_pose/s    median, p10 and minimum over 10 s windows (the node streams at 100/s)
  windows ≥ 95 %   10 s windows whose set-point rate is at least 95 % of the stream rate
  stale holds      10 s windows in which diagnostics showed a stale-input refusal
  frames/s         frames the node absorbed (diagnostics ``frames_received``), median over windows
  frame age        node clock − the planned frame's stamp (diagnostics, median) [ms]
  node CPU         CPU seconds per wall second of the node process, and its RSS first → last [MiB]

Run:  python benchmarks/bench_planner_soak.py [--seconds 600] [--fps 30] [--width 640 --height 480]
      [--samples 16 --iterations 2] [--transport raw|compressed] [--keep]
The model file and the node's log go to a temporary folder, removed at the end (also on Ctrl-C or
SIGTERM) unless ``--keep``. The node and sensor processes run in sessions of their own, stopped
by this one: a stop ends in this script's one line.
Loopback only: every process runs with ROS_LOCALHOST_ONLY=1 and discovery range LOCALHOST. The
sensor process uses the package's Fast DDS profile (``config/fastdds_camera.xml``) as a camera
driver must; set FASTDDS_DEFAULT_PROFILES_FILE="" to measure the Fast DDS defaults.
``bench_planner_safety.py`` starts, calls and stops the same processes with the helpers here.
The sensor process (this script with ``--role sensors``) runs ``soak_sensors.publish_sensors``.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import vjepa_ros  # noqa: F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np

from vjepa_ros import saved_outputs
from vjepa_ros.cli_parser import ArgumentParser
from vjepa_ros.nodes.node_processes import stop_child
from vjepa_ros.robot.planner_name import PLANNER_NODE
from vjepa_ros.run_enclave import script_ros_args
from vjepa_ros.scratch_folder import ScratchFolder
from vjepa_ros.script_children import start_child
from vjepa_ros.terminate import call_held, stop_signals_held

os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
os.environ["ROS_LOCALHOST_ONLY"] = "1"
os.environ.setdefault("ROS_DOMAIN_ID", str(os.getpid() % 100 + 1))

TINY = (dict(img_size=64, embed_dim=64, depth=1, num_heads=2),
        dict(img_size=64, embed_dim=64, predictor_embed_dim=64, depth=1, num_heads=2))
WINDOW_S = 10.0
SENSORS_STOP_S = 10.0  # [s] after SIGTERM, then SIGKILL (Processes.stop)
# what a run starts and the topics only it may use: another arm's there is refused (fix60x,
# busy_domain): the planner is /vjepa_planner, its services reach any node of that name
NODES = (f"/{PLANNER_NODE}", "/soak_sensors")
PUBLISHED = ("/soak/image", "/soak/image/compressed", "/soak/joint_states")  # the sensors'
SUBSCRIBED = ("/soak/target_pose", "/soak/gripper_command")  # the planner's commands
NODE_START_S = 180.0  # [s] the node's start (torch, the model) on a loaded machine


def proc_cpu_rss(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) and resident memory [MiB] of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024
    return cpu, rss


class Processes:
    """The planner node and sensor processes of one run, and their scratch folder.

    The folder (``ScratchFolder``) holds the node's model file and its log, ``log``; it is
    removed when they are stopped (:meth:`stop`) unless ``--keep`` asked to keep it, or
    :meth:`keep_log` kept the log a failure message names.
    """

    def __init__(self, node: subprocess.Popen, sensors: subprocess.Popen,
                 folder: ScratchFolder):
        self.node, self.sensors, self.folder = node, sensors, folder
        self.log = folder.path / "planner.log"

    def keep_log(self, message: str) -> SystemExit:
        """Keep the node's log past :meth:`stop`; return SystemExit saying ``message`` and it."""
        self.folder.keep(self.log)
        return SystemExit(f"{message}; its log is kept: {self.log}")

    def stop(self) -> None:
        """Stop the sensor process (SIGTERM: it ends silently) and the node (SIGINT, as Ctrl-C).

        Each gets SIGKILL after :data:`SENSORS_STOP_S` / 30 s. Then remove the folder (but what
        is kept); safe to call twice. The sensors were SIGKILLed once: their node then stayed on
        the ROS graph for DDS's lease (20 s), and the next safety scenario's domain check took
        it for another launch's (fix60x); stopped so, it leaves the graph at once.
        """
        try:
            stop_child(self.sensors, SENSORS_STOP_S, signal.SIGTERM)
            stop_child(self.node, 30.0)
        finally:
            self.folder.remove()


def start_processes(args, parameters: dict, sensor_options: tuple[str, ...] = (),
                    parent: ScratchFolder | None = None) -> Processes:
    """Start the planner node (tiny random-weight model) and the sensor process.

    ``parameters``: the node's ``-p`` values beyond the CEM size (``args.samples``,
    ``args.iterations``); ``sensor_options``: more options of the sensor process (its stdin is a
    pipe with ``--joints-from-stdin``). Both run in sessions of their own (a Ctrl-C at the
    terminal reaches this process only, which stops them: one stop line, not one per process)
    and get SIGTERM if this process dies without stopping them (``script_children``). Their
    files go to a new scratch folder (in ``parent``, else the system's temporary folder), kept
    with ``args.keep`` (noted for the stop line, ``saved --keep DIR``, when not in ``parent``).
    """
    import torch

    from vjepa_ros.models import build_encoder, build_predictor, save_world_model
    from vjepa_ros.nodes.node_launch import mpc_nodes

    torch.manual_seed(0)
    folder = ScratchFolder(f"{Path(sys.argv[0]).stem}_", keep=args.keep, parent=parent)
    if args.keep and parent is None:
        saved_outputs.wrote(folder.path, "--keep")
    try:
        checkpoint = save_world_model(folder.path / "model.pt", build_encoder(**TINY[0]),
                                      build_predictor(**TINY[1]))
        camera = "soak/image/compressed" if args.transport == "compressed" else "soak/image"
        planner = mpc_nodes(str(checkpoint), camera_topic=camera,
                            joint_states_topic="soak/joint_states",
                            target_topic="soak/target_pose", gripper_topic="soak/gripper_command",
                            image_transport=args.transport,
                            planner_parameters={"planner.samples": args.samples,
                                                "planner.topk": min(10, args.samples - 1),
                                                "planner.iterations": args.iterations,
                                                **parameters})[0]
        with open(folder.path / "planner.log", "w") as log:
            node_proc = start_child([*planner.command(), *script_ros_args()],  # the run's
                                    stdout=subprocess.DEVNULL, stderr=log)
    except BaseException:
        folder.remove()
        raise
    try:
        sensors = start_child(
            [sys.executable, __file__, "--role", "sensors", "--fps", str(args.fps), "--width",
             str(args.width), "--height", str(args.height), "--transport", args.transport,
             *sensor_options],  # the run's enclave: inherited (run_enclave.RUN_ENCLAVE_ENV)
            stdin=subprocess.PIPE if "--joints-from-stdin" in sensor_options else None,
            text=True)
    except BaseException:
        stop_child(node_proc, 30.0)
        folder.remove()
        raise
    return Processes(node_proc, sensors, folder)


def node_ready(clients, timeout_s: float = NODE_START_S) -> bool:
    """Wait until every service client's node answers; False after ``timeout_s`` in all."""
    deadline = time.monotonic() + timeout_s
    return all(c.wait_for_service(timeout_sec=max(0.1, deadline - time.monotonic()))
               for c in clients)


def call(executor, client, request, timeout_s: float = 5.0):
    """Call a service and spin until it answers; its response, or None after ``timeout_s``."""
    future = call_held(client.call_async, request)
    deadline = time.monotonic() + timeout_s
    while not future.done() and time.monotonic() < deadline:  # short spins: Ctrl-C in time
        call_held(executor.spin_once, timeout_sec=0.05)
    return future.result()


def trigger_until_done(executor, client, timeout_s: float = 30.0):
    """Call a Trigger service until it succeeds (the node has a fresh frame); its response.

    Raises SystemExit with the node's last answer when it has not succeeded in ``timeout_s``.
    """
    from std_srvs.srv import Trigger

    deadline = time.monotonic() + timeout_s
    while True:
        response = call(executor, client, Trigger.Request())
        if response is not None and response.success:
            return response
        if time.monotonic() > deadline:
            raise SystemExit(f"{client.srv_name} did not succeed in {timeout_s:g} s: "
                             f"{response and response.message}")
        time.sleep(0.5)


def spin_for(executor, seconds: float) -> None:
    """Spin ``executor`` for ``seconds`` (callbacks run in this thread)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        call_held(executor.spin_once, timeout_sec=0.05)


def add_process_options(parser, seconds: float, seconds_help: str = "run length [s]") -> None:
    """Add the options of the node and sensor processes (frames, transport, CEM size)."""
    parser.add_argument("--seconds", type=float, default=seconds, help=seconds_help)
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--transport", choices=("raw", "compressed"), default="raw")
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--iterations", type=int, default=2)
    parser.add_argument("--keep", action="store_true",
                        help="keep the run's temporary folder (the model file, the planner "
                             "node's log; else removed at the end) and say where")


def check_process_options(parser, args) -> None:
    """Exit (2) in one line when an option of :func:`add_process_options` is not above 0.

    Before any process starts: a node given ``--samples -1`` refused it only in its log, after
    the watcher had waited ``NODE_START_S`` for it.
    """
    for name in ("seconds", "fps", "width", "height", "samples", "iterations"):
        if not getattr(args, name) > 0:
            parser.error(f"--{name} must be > 0, got {getattr(args, name)}")


def main() -> int | None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    add_process_options(parser, 600.0)
    parser.add_argument("--role", choices=("watch", "sensors"), default="watch",
                        help=argparse.SUPPRESS)
    parser.add_argument("--joints-from-stdin", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    check_process_options(parser, args)
    if args.role == "watch" and args.seconds < WINDOW_S:  # rates are per whole window
        parser.error(f"--seconds must be >= {WINDOW_S:g} (the soak measures {WINDOW_S:g} s "
                     f"windows), got {args.seconds:g}")
    if args.role == "sensors":  # stopped by this script's watcher, which says the one line
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script
        from benchmarks.soak_sensors import publish_sensors

        return publish_sensors(args)

    import rclpy
    from diagnostic_msgs.msg import DiagnosticArray
    from geometry_msgs.msg import PoseStamped
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.signals import SignalHandlerOptions
    from std_srvs.srv import SetBool, Trigger

    poses: list[float] = []
    diagnostics: list[tuple[float, dict]] = []

    def on_diagnostics(msg):
        for status in msg.status:
            if status.name.endswith(": mpc"):
                diagnostics.append((time.monotonic(), {kv.key: kv.value for kv in status.values}))

    from vjepa_ros.nodes.busy_domain_scripts import script_refuses_after, script_refuses_before

    script_refuses_before(NODES, PUBLISHED, SUBSCRIBED)  # never another launch's planner or arm
    processes = start_processes(args, {"control.mode": "continuous"})
    # rclpy's setup made whole: a stop (KeyboardInterrupt) raised after it, never inside a
    # call that calls back into Python (thrown through C++: std::terminate, rc 134; terminate)
    try:
        with stop_signals_held():
            rclpy.init(signal_handler_options=SignalHandlerOptions.NO)
            watcher = rclpy.create_node("soak_watch")
            executor = SingleThreadedExecutor()
            executor.add_node(watcher)
            watcher.create_subscription(PoseStamped, "soak/target_pose",
                                        lambda msg: poses.append(time.monotonic()), 200)
            watcher.create_subscription(DiagnosticArray, "/diagnostics", on_diagnostics, 10)
            capture = watcher.create_client(Trigger, f"/{PLANNER_NODE}/capture_goal")
            enable = watcher.create_client(SetBool, f"/{PLANNER_NODE}/enable")
    except BaseException:
        processes.stop()
        rclpy.try_shutdown()
        raise
    try:
        if not node_ready((capture, enable)):
            raise processes.keep_log(f"planner node did not start in {NODE_START_S:g} s")
        script_refuses_after(watcher, NODES, PUBLISHED, SUBSCRIBED)  # came meanwhile
        trigger_until_done(executor, capture)
        call(executor, enable, SetBool.Request(data=True))
        spin_for(executor, 3.0)
        poses.clear()
        diagnostics.clear()
        start = time.monotonic()
        cpu0, rss0 = proc_cpu_rss(processes.node.pid)
        while time.monotonic() - start < args.seconds:
            call_held(executor.spin_once, timeout_sec=0.05)
        cpu1, rss1 = proc_cpu_rss(processes.node.pid)
        elapsed = time.monotonic() - start
    finally:
        processes.stop()
        watcher.destroy_node()
        rclpy.try_shutdown()

    windows = int(elapsed // WINDOW_S)
    rates, stale, frames = [], 0, []
    for w in range(windows):
        lo, hi = start + w * WINDOW_S, start + (w + 1) * WINDOW_S
        rates.append(sum(lo <= t < hi for t in poses) / WINDOW_S)
        inside = [(t, values) for t, values in diagnostics if lo <= t < hi]
        stale += any("stale" in values.get("refusal", "") for _, values in inside)
        counts = [(t, int(values["frames_received"])) for t, values in inside
                  if values.get("frames_received", "").isdigit()]  # absent before this was added
        if len(counts) >= 2 and counts[-1][0] > counts[0][0]:
            frames.append((counts[-1][1] - counts[0][1]) / (counts[-1][0] - counts[0][0]))
    ages = [float(v["planned_frame_age_s"]) for _, v in diagnostics
            if v.get("planned_frame_age_s")]
    good = sum(rate >= 95.0 for rate in rates)
    nan = float("nan")
    p10 = float(np.percentile(rates, 10)) if rates else nan
    frames_median = statistics.median(frames) if frames else nan
    age_ms = 1e3 * statistics.median(ages) if ages else nan
    print(f"# planner node soak: {elapsed:.0f} s, frames {args.width}x{args.height} "
          f"{args.transport} at {args.fps:g} Hz, joint states 100 Hz, tiny model, "
          f"CEM S {args.samples} I {args.iterations} H 1, continuous, {os.cpu_count()} CPUs")
    print("| target_pose/s median | p10 | min | windows ≥ 95/s | stale-hold windows | frames/s "
          "median | planned frame age median [ms] | node CPU [s/s] | node RSS first → last "
          "[MiB] |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {statistics.median(rates):.1f} | {p10:.1f} | {min(rates):.1f} | "
          f"{good}/{windows} | {stale}/{windows} | {frames_median:.1f} | {age_ms:.0f} | "
          f"{(cpu1 - cpu0) / elapsed:.2f} | {rss0:.0f} → {rss1:.0f} |")
    if args.keep:
        print(f"kept (--keep): {processes.folder.path} (model.pt, planner.log)")

if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))

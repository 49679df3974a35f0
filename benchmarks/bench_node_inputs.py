"""The planner node's input path as a lab runs it: its own process, camera, arm and finger topics.

The planner node is started the way ``ros2 run`` starts it (``python -m
vjepa_ros.nodes.planner_node --ros-args --params-file config/planner.yaml -p
model.checkpoint:=demo`` and the launch file's remappings), the package's parameters otherwise
(blocking control, CEM S 800 I 10 H 1 unless ``-p`` says else). A feeder in this process
publishes what a Franka lab publishes:

  /camera/camera/color/image_raw   sensor_msgs/Image, 640×480 rgb8, 30 Hz (best effort)
  /joint_states                    panda_joint1..7 only, ~100 Hz (the arm holds still)
  /franka_gripper/joint_states     panda_finger_joint1/2 only, ~30 Hz (hand open)

and a goal image on ``/vjepa_planner/goal_image`` (latched). The node runs in shadow mode for
``--shadow-seconds``, then ``~/enable`` is called and it is watched for ``--seconds``:
``target_pose``, ``gripper_command``, ``~/plan_report``, ``/diagnostics`` and the node's log.

Printed: the settings; per callback (``_on_image``, ``_on_joint_state`` per topic, the stream
tick and diagnostics) its count and wall / CPU time per message, measured *inside* the node
process: this script's ``--role-node`` runs the node's own entry point with those methods wrapped
by ``time.perf_counter`` / ``time.thread_time`` timers (nothing else changed; a message's
deserialization by the executor is outside the callback and is counted in the executor thread's
CPU instead); the node's CPU (whole process, its executor thread, its planning worker thread, the
rest: DDS) per wall second in shadow mode and enabled; plans per minute and their outcomes; gripper
commands and target poses before and after ``~/enable``; what ``/diagnostics`` says of the
gripper (``gripper_state_topic``, ``gripper_state_age_s``); every warning and error line the
node logged, counted per kind (numbers masked), and the info kinds logged more than once.
``FAIL:`` lines (exit status 1) for a command before ``~/enable``, a finger topic not found or a
closedness not measured, and a log kind repeated more than ``--flood`` times (a log flood).

Also printed: what the feeder sent per second and its longest gap per stream (a stall of this
process, not of the node, on a loaded machine). ``--executor events`` runs the node on
``rclpy.experimental.EventsExecutor`` instead of ``run_node``'s ``SingleThreadedExecutor`` (an
experiment: what rclpy's executor costs).

Run:  python benchmarks/bench_node_inputs.py [--seconds 60] [--shadow-seconds 10] [--fps 30]
      [--arm-hz 100] [--finger-hz 30] [--checkpoint demo] [-p NAME:=VALUE ...]
      [--executor single|events] [--keep]
About 75 s on 2 shared cores (the node starts in 2–7 s). The node's log and stats go to a
temporary folder, removed at the end unless ``--keep``. Loopback only (ROS_LOCALHOST_ONLY=1,
discovery range LOCALHOST); every process uses the package's Fast DDS camera profile.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # node_inputs_process, lab_feeder
import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np  # noqa: E402
from lab_feeder import ARM_TOPIC, CAMERA_TOPIC, FINGER_TOPIC, Feeder  # noqa: E402
from node_inputs_process import (  # noqa: E402
    EXECUTOR_ENV,
    planning_thread,
    process_cpu,
    request_stats,
    run_timed_node,
)
from node_inputs_report import read_log, report  # noqa: E402

from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402
from vjepa_ros.input_paths import checked_world_model  # noqa: E402
from vjepa_ros.nodes.busy_domain_scripts import (  # noqa: E402
    script_refuses_after,
    script_refuses_before,
)
from vjepa_ros.nodes.node_processes import stop_child  # noqa: E402
from vjepa_ros.robot.planner_name import PLANNER_NODE  # noqa: E402
from vjepa_ros.run_enclave import script_ros_args  # noqa: E402
from vjepa_ros.scratch_folder import ScratchFolder  # noqa: E402
from vjepa_ros.script_children import start_child  # noqa: E402
from vjepa_ros.terminate import call_held, stop_signals_held  # noqa: E402

os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
os.environ["ROS_LOCALHOST_ONLY"] = "1"
os.environ.setdefault("ROS_DOMAIN_ID", str(os.getpid() % 100 + 1))

TARGET_TOPIC = "/target_pose"
GRIPPER_TOPIC = "/gripper_command"
NODE_START_S = 180.0  # [s] the node's start (torch, the model) on a loaded machine
# what the run starts and the topics only it may use: another arm's there is refused (fix60x)
NODES = (f"/{PLANNER_NODE}",)
PUBLISHED = (CAMERA_TOPIC, ARM_TOPIC, FINGER_TOPIC)  # the feeder's: a lab's sensors
SUBSCRIBED = (TARGET_TOPIC, GRIPPER_TOPIC)  # the planner's commands: an arm's controller



# -- the run ----------------------------------------------------------------------------------
def main() -> int | None:
    if len(sys.argv) > 3 and sys.argv[1] == "--role-node":  # the node process
        return run_timed_node(sys.argv[2], sys.argv[3:])
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="how long the enabled node is watched [s]")
    parser.add_argument("--shadow-seconds", type=float, default=10.0,
                        help="shadow mode (fed, goal set, not enabled) before ~/enable [s]")
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--arm-hz", type=float, default=100.0)
    parser.add_argument("--finger-hz", type=float, default=30.0)
    parser.add_argument("--checkpoint", default="demo", help="model.checkpoint of the node")
    parser.add_argument("-p", dest="params", action="append", default=[], metavar="NAME:=VALUE",
                        help="a planner node parameter (repeatable), e.g. "
                             "control.mode:=continuous")
    parser.add_argument("--executor", choices=("single", "events"), default="single",
                        help="the node's executor: single = as ros2 run (SingleThreadedExecutor);"
                             " events = rclpy.experimental.EventsExecutor instead (an experiment)")
    parser.add_argument("--flood", type=int, default=20,
                        help="a log kind repeated more than this often is a FAIL (a flood)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (node log, callback samples)")
    args = parser.parse_args()
    for name in ("seconds", "shadow_seconds", "fps", "width", "height", "arm_hz", "finger_hz"):
        if not getattr(args, name) > 0:
            parser.error(f"--{name.replace('_', '-')} must be > 0, got {getattr(args, name)}")
    if args.flood < 0:  # every log kind would be a flood
        parser.error(f"--flood must be >= 0, got {args.flood}")
    for item in args.params:
        if ":=" not in item:
            parser.error(f"-p {item}: write NAME:=VALUE (e.g. control.mode:=continuous)")

    try:  # a missing, damaged or predictor-less file: one line before any node starts
        checked_world_model(args.checkpoint, "--checkpoint")
    except ValueError as exc:
        parser.error(str(exc))
    from vjepa_ros.nodes.dds_profile import use_camera_profile
    from vjepa_ros.nodes.node_launch import mpc_nodes

    use_camera_profile()
    script_refuses_before(NODES, PUBLISHED, SUBSCRIBED)  # never another launch's planner or arm
    folder = ScratchFolder("bench_node_inputs_", keep=args.keep)
    log_path, stats_path = folder.path / "planner.log", folder.path / "callbacks.json"
    planner = mpc_nodes(args.checkpoint, camera_topic=CAMERA_TOPIC, target_topic=TARGET_TOPIC,
                        joint_states_topic=ARM_TOPIC, gripper_topic=GRIPPER_TOPIC)[0]
    command = planner.command()
    assert command[1:3] == ["-m", "vjepa_ros.nodes.planner_node"], command
    command = [sys.executable, __file__, "--role-node", str(stats_path), *command[3:]]
    for item in args.params:
        command += ["-p", item]
    # in this run's enclave: the check before enabling knows the node as the script's
    command = [*command, *script_ros_args()]
    environment = {**os.environ, EXECUTOR_ENV: args.executor}  # after: the run's keys in it
    started = time.monotonic()
    try:
        with open(log_path, "w") as log:
            node_proc = start_child(command, stdout=log, stderr=subprocess.STDOUT,
                                    env=environment)
        result = watch(args, node_proc, stats_path, started)
    finally:
        try:
            if "node_proc" in locals():
                stop_child(node_proc, 30.0)
        finally:
            log_lines = read_log(log_path) if log_path.exists() else []
            folder.remove()
    return report(args, result, log_lines, folder)


def watch(args, node_proc, stats_path: Path, started: float) -> dict:
    """Feed the node, set its goal, watch shadow mode, enable it, watch; return what was seen."""
    import rclpy
    from diagnostic_msgs.msg import DiagnosticArray
    from geometry_msgs.msg import PoseStamped
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
    from rclpy.signals import SignalHandlerOptions
    from sensor_msgs.msg import Image
    from std_msgs.msg import Float64, String
    from std_srvs.srv import SetBool

    from vjepa_ros.images import rgb_to_image_fields

    seen: dict[str, list] = collections.defaultdict(list)  # kind -> [(t, value)]

    def on_diagnostics(msg):
        for status in msg.status:
            if status.name.endswith(": mpc"):
                values = {kv.key: kv.value for kv in status.values}
                values["_level"] = status.level[0] if isinstance(status.level, bytes) \
                    else int(status.level)
                values["_message"] = status.message
                seen["diagnostics"].append((time.monotonic(), values))

    with stop_signals_held():
        rclpy.init(signal_handler_options=SignalHandlerOptions.NO)
        node = rclpy.create_node("bench_node_inputs")
        executor = SingleThreadedExecutor()
        executor.add_node(node)
        node.create_subscription(PoseStamped, TARGET_TOPIC,
                                 lambda m: seen["target_pose"].append((time.monotonic(), 0)), 200)
        node.create_subscription(Float64, GRIPPER_TOPIC,
                                 lambda m: seen["gripper"].append((time.monotonic(), m.data)), 50)
        node.create_subscription(
            String, f"/{PLANNER_NODE}/plan_report",
            lambda m: seen["plan"].append((time.monotonic(), json.loads(m.data))), 50)
        node.create_subscription(DiagnosticArray, "/diagnostics", on_diagnostics, 20)
        latched = QoSProfile(depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL,
                             reliability=ReliabilityPolicy.RELIABLE)
        goal_pub = node.create_publisher(Image, f"/{PLANNER_NODE}/goal_image", latched)
        enable = node.create_client(SetBool, f"/{PLANNER_NODE}/enable")
        feeder = Feeder(node, args)
    try:
        goal = np.random.default_rng(1).integers(0, 256, (args.height, args.width, 3),
                                                 dtype=np.uint8)
        goal_pub.publish(Image(**rgb_to_image_fields(goal)))  # latched: the node gets it later
        feeder.start()  # the lab's sensors run before the planner starts
        deadline = time.monotonic() + NODE_START_S
        while not enable.service_is_ready():
            if node_proc.poll() is not None:
                raise SystemExit(f"planner node exited (status {node_proc.returncode}) before "
                                 "it was ready")
            if time.monotonic() > deadline:
                raise SystemExit(f"planner node not ready in {NODE_START_S:g} s")
            call_held(executor.spin_once, timeout_sec=0.1)
        script_refuses_after(node, NODES, PUBLISHED, SUBSCRIBED)  # came meanwhile: not enabled
        ready = time.monotonic()
        worker = planning_thread(stats_path, node_proc.pid)
        cpu_ready = process_cpu(node_proc.pid, worker)
        spin_until(executor, ready + args.shadow_seconds)
        cpu_shadow = process_cpu(node_proc.pid, worker)
        t_shadow = time.monotonic()
        future = call_held(enable.call_async, SetBool.Request(data=True))
        t_enable = time.monotonic()
        while not future.done() and time.monotonic() < t_enable + 10.0:
            call_held(executor.spin_once, timeout_sec=0.05)
        reply = future.result()
        cpu0 = process_cpu(node_proc.pid, worker)
        t0 = time.monotonic()
        spin_until(executor, t0 + args.seconds)
        cpu1 = process_cpu(node_proc.pid, worker)
        t1 = time.monotonic()
        samples = request_stats(stats_path).get("samples", [])
    finally:
        feeder.stop()
        node.destroy_node()
        rclpy.try_shutdown()
    return dict(seen=seen, started=started, ready=ready, t_enable=t_enable, t0=t0, t1=t1,
                cpu=(cpu_ready, cpu_shadow, cpu0, cpu1), t_shadow=t_shadow, reply=reply,
                samples=samples, sent=dict(feeder.sent), gap=dict(feeder.gap))


def spin_until(executor, end: float) -> None:
    while time.monotonic() < end:
        call_held(executor.spin_once, timeout_sec=0.05)


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))

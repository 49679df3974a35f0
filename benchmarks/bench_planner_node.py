"""The vjepa_planner node over ROS (loopback): planning latency, command stream, services.

A tester node plays a 640x480 camera (30 Hz) and joint states (100 Hz); the planner node runs
in-process (``nodes_in_process.Launch``, config/planner.yaml) with a random-weight model,
continuous control, enabled, goal captured from the camera. Measured:

  plan latency   encode + CEM per replanning step inside the node (median, p90)
  plans / s      replanning steps per second
  frame age      node clock − the planned frame's stamp when the command was made (median)
  stream         target_pose messages per second and the largest gap between two [ms]
  service        round trip of ~/capture_goal and ~/enable while a plan is running (median, max)
                 [ms]; the run then holds each plan 0.5 s longer (a slow GPU) to prove it

Run:  python benchmarks/bench_planner_node.py [--size tiny|small] [--seconds 10] [--device cpu]
      [--samples 16] [--iterations 2] [--horizon 1] [--switch-interval 1e-4]
Sizes: tiny = 64 px, width 64, depth 1 (the tests' model); small = the demo's 256 px, width 192,
depth 4 encoder and predictor. Weights are random: the numbers are about the node, not the model.
"""

import math
import os
import statistics
import time

import vjepa_ros  # noqa: F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np

from vjepa_ros.cli_parser import ArgumentParser
from vjepa_ros.nodes.busy_domain_scripts import script_refuses_after, script_refuses_before
from vjepa_ros.robot.planner_name import PLANNER_NODE
from vjepa_ros.run_enclave import script_ros_args
from vjepa_ros.scratch_folder import ScratchFolder
from vjepa_ros.terminate import call_held, stop_signals_held

# torch and rclpy (seconds; a quarter minute under load) are imported after the options are
# checked: --help and a bad option answer at once.

os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
os.environ.setdefault("ROS_LOCALHOST_ONLY", "1")

SIZES = {
    "tiny": (dict(img_size=64, embed_dim=64, depth=1, num_heads=2),
             dict(img_size=64, embed_dim=64, predictor_embed_dim=64, depth=1, num_heads=2)),
    "small": (dict(img_size=256, embed_dim=192, depth=4, num_heads=3),
              dict(img_size=256, embed_dim=192, predictor_embed_dim=192, depth=4, num_heads=3)),
}
# what a run starts and the topics only it may use: another arm's there is refused (fix60x)
NODES = (f"/{PLANNER_NODE}",)
PUBLISHED = ("/bench/image", "/joint_states")  # this process's: a lab's sensors
SUBSCRIBED = ("/target_pose", "/gripper_command")  # the planner's commands: an arm's controller
HOME = [0.0, -math.pi / 4, 0.0, -3 * math.pi / 4, 0.0, math.pi / 2, math.pi / 4]
JOINTS = [f"panda_joint{i}" for i in range(1, 8)] + ["panda_finger_joint1", "panda_finger_joint2"]


def main():
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--iterations", type=int, default=2)
    parser.add_argument("--horizon", type=int, default=1)
    parser.add_argument("--switch-interval", type=float, default=1e-4,
                        help="model.gil_switch_interval_s [s]; 0.005 is Python's default")
    args = parser.parse_args()
    from vjepa_ros.cli_options import check_option_ranges
    from vjepa_ros.models.device_names import check_device_and_dtype

    if not args.seconds > 0:
        parser.error(f"--seconds {args.seconds}: must be > 0")
    check_option_ranges({"samples": args.samples, "iterations": args.iterations,
                         "horizon": args.horizon})  # worded as vjepa-ros's options
    from vjepa_ros.command_errors import usage_errors

    with usage_errors():  # a name typed that is no device: exit status 2, as vjepa-ros's
        check_device_and_dtype(args.device, None, ("--device", "--dtype"))

    import torch

    torch.manual_seed(0)
    encoder_kw, predictor_kw = SIZES[args.size]
    with ScratchFolder("bench_planner_node_") as folder:  # the model file: removed at the end
        measured = _run(args, folder.path, encoder_kw, predictor_kw)
    latencies, ages, poses, plans, gaps, calls = measured

    def ms(values, fn):
        return f"{1e3 * fn(values):.1f}" if values else "n/a"

    print(f"# planner node over ROS: size {args.size}, device {args.device}, "
          f"CEM S {args.samples} I {args.iterations} H {args.horizon}, "
          f"{args.seconds:.0f} s, {os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}")
    print("| plan latency median [ms] | p90 [ms] | plans/s | frame age median [ms] | "
          "target_pose/s | largest gap [ms] | capture_goal during plan median/max [ms] | "
          "enable during plan median/max [ms] |")
    print("|---|---|---|---|---|---|---|---|")
    p90 = float(np.percentile(latencies, 90)) if latencies else float("nan")
    print(f"| {ms(latencies, statistics.median)} | {1e3 * p90:.1f} | "
          f"{plans / args.seconds:.1f} | {ms(ages, statistics.median)} | "
          f"{poses / args.seconds:.1f} | {1e3 * float(np.max(gaps)):.1f} | "
          f"{ms(calls['capture'], statistics.median)} / {ms(calls['capture'], max)} | "
          f"{ms(calls['enable'], statistics.median)} / {ms(calls['enable'], max)} |")
    print(f"service calls answered while a plan ran: {len(calls['capture'])} capture_goal, "
          f"{len(calls['enable'])} enable")


def _run(args, folder, encoder_kw: dict, predictor_kw: dict):
    """Save the random-weight model in ``folder``, run the node on it: what ``_measure`` says."""
    import rclpy
    from rclpy.executors import SingleThreadedExecutor

    from vjepa_ros.models import build_encoder, build_predictor, save_world_model
    from vjepa_ros.nodes.node_launch import mpc_nodes
    from vjepa_ros.nodes.nodes_in_process import Launch

    script_refuses_before(NODES, PUBLISHED, SUBSCRIBED)  # never another launch's planner or arm
    checkpoint = save_world_model(folder / "model.pt", build_encoder(**encoder_kw),
                                  build_predictor(**predictor_kw))
    params = {"planner.samples": args.samples, "planner.topk": min(10, args.samples - 1),
              "planner.iterations": args.iterations, "planner.horizon": args.horizon,
              "model.device": args.device, "control.mode": "continuous",
              "model.gil_switch_interval_s": args.switch_interval}
    # Stopped anywhere (Ctrl-C, SIGTERM, an error), the nodes, their threads and the context
    # are shut down before the process exits: left running (spin threads inside rclpy's wait,
    # the planning worker), the interpreter's exit ended in "terminate called without an active
    # exception", status 134 (SIGABRT) instead of 130 / 143.
    with Launch(mpc_nodes(str(checkpoint), camera_topic="bench/image",
                          planner_parameters=params),
                ros_args=script_ros_args()) as launch:  # the run's enclave (busy_domain)
        launch.start()
        session = launch.node(PLANNER_NODE).session
        with stop_signals_held():  # made whole; a stop raised after, never inside rclpy
            node = rclpy.create_node("bench", context=launch.context)
            executor = SingleThreadedExecutor(context=launch.context)
            executor.add_node(node)
        try:
            measured = _measure(args, session, node, executor)
        finally:  # before the launch shuts the context down
            executor.shutdown()
            node.destroy_node()
    return measured


def _measure(args, session, node, executor):
    """Drive the running planner node; return its latencies, ages, counts, gaps and calls."""
    from geometry_msgs.msg import PoseStamped
    from rclpy.qos import qos_profile_sensor_data
    from sensor_msgs.msg import Image, JointState
    from std_msgs.msg import Header
    from std_srvs.srv import SetBool, Trigger

    from vjepa_ros.images import rgb_to_image_fields

    pose_times = []
    with stop_signals_held():  # made whole; a stop raised after, never inside rclpy (terminate)
        image_pub = node.create_publisher(Image, "bench/image", qos_profile_sensor_data)
        joint_pub = node.create_publisher(JointState, "/joint_states", 10)
        node.create_subscription(PoseStamped, "target_pose",
                                 lambda msg: pose_times.append(time.monotonic()), 100)
    frames = np.random.default_rng(0).integers(0, 256, (8, 480, 640, 3), dtype=np.uint8)
    images = [Image(**rgb_to_image_fields(f)) for f in frames]
    reports, calls = [], {"capture": [], "enable": []}
    session.add_report_listener(
        lambda report: reports.append(report) if report.action is not None else None)
    clients = {"capture": (call_held(node.create_client, Trigger,
                                     f"/{PLANNER_NODE}/capture_goal"), Trigger.Request()),
               "enable": (call_held(node.create_client, SetBool, f"/{PLANNER_NODE}/enable"),
                          SetBool.Request(data=True))}

    def run(seconds, measure_services):
        start = next_image = next_joint = next_call = time.monotonic()
        index = 0
        while time.monotonic() - start < seconds:
            now = time.monotonic()
            stamp = node.get_clock().now().to_msg()
            if now >= next_image:
                index += 1
                msg = images[index % len(images)]
                msg.header.stamp = stamp
                image_pub.publish(msg)
                next_image += 1 / 30
            if now >= next_joint:
                joint_pub.publish(JointState(header=Header(stamp=stamp), name=JOINTS,
                                             position=HOME + [0.04, 0.04]))
                next_joint += 1 / 100
            if measure_services and now >= next_call and session.planning:
                for name, (client, request) in clients.items():
                    sent = time.monotonic()
                    future = call_held(client.call_async, request)
                    while not future.done():
                        call_held(executor.spin_once, timeout_sec=0.001)
                    if session.planning:  # answered while the plan was still running
                        calls[name].append(time.monotonic() - sent)
                next_call = time.monotonic() + 0.2
            call_held(executor.spin_once, timeout_sec=0.001)

    for client, _ in clients.values():
        client.wait_for_service(timeout_sec=10)
    script_refuses_after(node, NODES, PUBLISHED, SUBSCRIBED)  # one come meanwhile: before a call
    run(1.0, False)
    call_held(clients["capture"][0].call_async, Trigger.Request())
    call_held(clients["enable"][0].call_async, SetBool.Request(data=True))
    run(1.0, False)
    reports.clear()
    pose_times.clear()
    run(args.seconds, False)
    latencies = [r.latency_s for r in reports]
    ages = [r.frame_age_s for r in reports]
    poses, plans = len(pose_times), len(reports)
    gaps = np.diff(pose_times) if poses > 1 else np.array([float("nan")])
    planner = session.planner
    slow_plan = planner.plan

    def slower_plan(*a, **kw):
        time.sleep(0.5)
        return slow_plan(*a, **kw)

    planner.plan = slower_plan
    run(max(3.0, args.seconds / 2), True)
    planner.plan = slow_plan
    return latencies, ages, poses, plans, gaps, calls


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))

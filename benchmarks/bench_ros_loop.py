"""The in-process ROS closed loop (sim node + planner node + listener) under two ways of spinning.

The set-up of ``test/test_ros_sim_closed_loop.py``: the simulator node (64x64 camera at 10 Hz,
/clock), the planner node with the oracle world model (blocking control, CEM horizon 1, 100
samples, 5 iterations) and a listener node, in one process. Compared:

  launch          one SingleThreadedExecutor and thread per node (``nodes/spinning.NodeSpinner``,
                  what ``vjepa-ros launch`` uses)
  multithreaded   one rclpy MultiThreadedExecutor with 4 threads for all nodes (before)

Printed per goal: wall seconds to reach it (TCP within 1 cm), commands, seconds per command;
per run: simulated seconds per wall second (the simulator's real-time factor), simulated seconds
per command (far below ``control.arrival_timeout_s``: arrivals are detected), camera frames per
wall second at the listener, process CPU seconds per simulated second, and executor passes
(``wait_for_ready_callbacks`` calls) per simulated second — for single-threaded executors that is
the number of callbacks run, for the multi-threaded one it includes its re-dispatches.

Run:  python benchmarks/bench_ros_loop.py [--spin launch multithreaded] [--goals 3]
      [--timeout 60] [--cpus 0 --hogs 1]
``--cpus`` pins the process to those CPUs and ``--hogs N`` starts N busy-loop processes pinned to
the same CPUs for the run (a busy machine, reproducibly). Numbers depend on machine load: compare
settings within one invocation (they alternate ``--repeat`` times).
"""

import argparse
import os
import resource
import sys
import threading
import time

import vjepa_ros  # noqa: F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np

from vjepa_ros.cli_parser import ArgumentParser
from vjepa_ros.nodes.busy_domain_scripts import script_refuses_after, script_refuses_before
from vjepa_ros.robot.planner_name import PLANNER_NODE
from vjepa_ros.run_enclave import script_ros_args
from vjepa_ros.script_children import finish_child, start_child
from vjepa_ros.terminate import call_held, stop_signals_held

os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
os.environ.setdefault("ROS_LOCALHOST_ONLY", "1")

PLANNER = {"model.checkpoint": "oracle", "planner.horizon": 1, "planner.samples": 100,
           "planner.iterations": 5, "planner.maxnorm": 0.075}
# what a run starts and the topics only it may use: another arm's there is refused (fix60x)
NODES = ("/sim_node", f"/{PLANNER_NODE}")
PUBLISHED = ("/clock", "/current_pose", "/camera/camera/color/image_raw")  # the simulator's
SUBSCRIBED = ("/target_pose",)  # the planner's commands: an arm's controller
STARTS = "a simulator and planner of its own and talks to them"
SIM = {"seed": 1, "publish_clock": True, "camera.width": 64, "camera.height": 64,
       "camera.shadows": False}


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Spinning:
    """The nodes' executors (launch or multithreaded), counting wait_for_ready_callbacks calls."""

    def __init__(self, kind: str, context, nodes):
        from rclpy.executors import MultiThreadedExecutor

        self.passes = 0
        if kind == "launch":
            from vjepa_ros.nodes.spinning import NodeSpinner

            self.spinner = NodeSpinner(context)
            for node in nodes:
                self.spinner.add_node(node)
            executors = self.spinner.executors
        else:
            self.spinner = MultiThreadedExecutor(num_threads=4, context=context)
            for node in nodes:
                self.spinner.add_node(node)
            executors = [self.spinner]
        for executor in executors:
            self._count(executor)
        if kind == "launch":
            self.spinner.start()
        else:
            threading.Thread(target=self.spinner.spin, daemon=True).start()

    def _count(self, executor) -> None:
        inner = executor.wait_for_ready_callbacks

        def counted(*args, **kwargs):
            self.passes += 1
            return inner(*args, **kwargs)

        executor.wait_for_ready_callbacks = counted


def run(kind: str, goals: int, timeout: float) -> dict:
    import rclpy
    from geometry_msgs.msg import PoseStamped
    from rclpy.parameter import Parameter
    from rclpy.qos import DurabilityPolicy, QoSProfile
    from rclpy.signals import SignalHandlerOptions
    from sensor_msgs.msg import Image
    from std_srvs.srv import SetBool

    from vjepa_ros.nodes.dds_profile import use_camera_profile
    from vjepa_ros.nodes.node_launch import NodeLaunch
    from vjepa_ros.nodes.planner_node import PlannerNode
    from vjepa_ros.nodes.sim_node import SimNode
    from vjepa_ros.sim.oracle import OracleWorldModel
    from vjepa_ros.sim.tasks import reach_error, sample_reach_target

    use_camera_profile()  # as vjepa-ros launch; "" (the Fast DDS defaults): removed
    context = call_held(rclpy.Context)
    # a stop is a KeyboardInterrupt alone (rclpy's handler would shut the context down under
    # the spinning threads)
    call_held(rclpy.init, context=context, signal_handler_options=SignalHandlerOptions.NO,
              args=script_ros_args())  # the nodes in the run's enclave (busy_domain)
    nodes, spinning = [], None
    try:
        with stop_signals_held():  # nodes and their threads made whole; a stop raised after
            sim = SimNode(context=context,
                          parameter_overrides=[Parameter(k, value=v) for k, v in SIM.items()])
            nodes.append(sim)
            oracle = OracleWorldModel().attach(sim.runner.sim)

            class OraclePlanner(PlannerNode):
                def _load_model(self):
                    return oracle

            spec = NodeLaunch("planner", parameters=PLANNER, remappings={
                "image": "/camera/camera/color/image_raw",
                f"/{PLANNER_NODE}/goal_image": "/goal_image"})
            planner = OraclePlanner(context=context, **spec.node_kwargs(use_sim_time=True))
            nodes.append(planner)
            listener = rclpy.create_node("bench_listener", context=context)
            nodes.append(listener)
            poses, goal_images, frames = [], [], [0]
            listener.create_subscription(PoseStamped, "current_pose", poses.append, 10)
            listener.create_subscription(Image, "/camera/camera/color/image_raw",
                                         lambda msg: frames.__setitem__(0, frames[0] + 1), 10)
            listener.create_subscription(Image, "goal_image", goal_images.append, QoSProfile(
                depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL))
            goal_pub = listener.create_publisher(PoseStamped, "goal_pose", 10)
            spinning = Spinning(kind, context, nodes)

        def wait(done, seconds):
            deadline = time.monotonic() + seconds
            while not done() and time.monotonic() < deadline:
                time.sleep(0.02)
            return done()

        def tcp():
            p = poses[-1].pose.position
            return np.array([p.x, p.y, p.z])

        result = {"goals": []}
        if not wait(lambda: bool(poses), 30.0):
            raise RuntimeError("no current_pose from the sim node within 30 s")
        script_refuses_after(listener, NODES, PUBLISHED, SUBSCRIBED, STARTS)  # came meanwhile
        client = call_held(listener.create_client, SetBool, f"/{PLANNER_NODE}/enable")
        future = call_held(client.call_async, SetBool.Request(data=True))
        if not wait(future.done, 30.0):
            raise RuntimeError("~/enable did not answer within 30 s")
        rng = np.random.default_rng(0)
        wall0, sim0, cpu0 = time.monotonic(), sim.sim_time(), cpu_seconds()
        frames0, passes0 = frames[0], spinning.passes
        for _ in range(goals):
            start = tcp()
            goal = sample_reach_target(np.r_[start, np.zeros(4)], rng)[:3]
            msg = PoseStamped()
            msg.header.frame_id = "panda_link0"
            msg.pose.position.x, msg.pose.position.y, msg.pose.position.z = map(float, goal)
            msg.pose.orientation = poses[-1].pose.orientation
            count = len(goal_images)
            goal_pub.publish(msg)
            wait(lambda count=count: len(goal_images) > count, 30.0)
            began, commands = time.monotonic(), planner.session.commands_sent
            reached = wait(lambda goal=goal: reach_error(tcp(), goal) < 0.01, timeout)
            result["goals"].append((time.monotonic() - began,
                                    planner.session.commands_sent - commands,
                                    reach_error(tcp(), goal), reached))
        wall, simulated = time.monotonic() - wall0, sim.sim_time() - sim0
        result.update(wall=wall, sim=simulated, cpu=cpu_seconds() - cpu0,
                      frames=frames[0] - frames0, passes=spinning.passes - passes0)
    finally:
        if spinning is not None:
            spinning.spinner.shutdown(timeout_sec=10.0)
        for node in nodes:
            node.destroy_node()
        context.try_shutdown()
    return result


def report(kind: str, result: dict) -> None:
    for index, (seconds, commands, error, reached) in enumerate(result["goals"]):
        print(f"  {kind:13s} goal {index}: {seconds:5.1f} s, {commands} commands, "
              f"{seconds / max(commands, 1):4.2f} s/command, final error {error * 1000:4.1f} mm"
              f"{'' if reached else ' (timeout)'}")
    wall, simulated = result["wall"], result["sim"]
    commands = sum(goal[1] for goal in result["goals"])
    print(f"  {kind:13s} total {wall:5.1f} s: sim real-time factor {simulated / wall:.2f}, "
          f"{simulated / max(commands, 1):.2f} sim s per command, "
          f"{result['frames'] / wall:4.1f} camera frames/s, {result['cpu'] / simulated:.2f} CPU s "
          f"per sim s, {result['passes'] / simulated:.0f} executor passes per sim s", flush=True)


def main(argv=None) -> int:
    parser = ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spin", nargs="+", default=["launch", "multithreaded"],
                        choices=("launch", "multithreaded"))
    parser.add_argument("--goals", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per goal")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--cpus", type=int, nargs="*", default=[],
                        help="pin this process (and the hogs) to these CPUs")
    parser.add_argument("--hogs", type=int, default=0, help="busy-loop processes during runs")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    # goals and repeats to run, hogs and CPUs that exist: a count below it ran nothing or failed
    parser.check_at_least(args, {"--goals": 1, "--repeat": 1, "--hogs": 0, "--cpus": 0})
    if not (args.timeout > 0 and args.timeout < float("inf")):
        parser.error(f"--timeout {args.timeout:g}: must be a time > 0 [s] per goal")
    if args.child:  # one run per process: rclpy and pybullet state never carry over
        # stopped by the parent, which says the one stop line (terminate.QUIET_STOP_ENV)
        return report(args.child, run(args.child, args.goals, args.timeout))
    print(f"settings: goals {args.goals}, timeout {args.timeout:g} s, CPUs "
          f"{args.cpus or 'all'} of {os.cpu_count()}, {args.hogs} busy-loop processes, load "
          f"average {os.getloadavg()[0]:.1f}; {PLANNER}", flush=True)
    script_refuses_before(NODES, PUBLISHED, SUBSCRIBED, STARTS)  # never another launch's arm
    pin = ["taskset", "-c", ",".join(map(str, args.cpus))] if args.cpus else []
    hogs = []
    try:
        for _ in range(args.hogs):
            hogs.append(start_child([*pin, sys.executable, "-c", "while True: pass"]))
        for _ in range(args.repeat):
            for kind in args.spin:  # its own session: a Ctrl-C reaches this process alone
                finish_child(start_child([*pin, sys.executable, __file__, "--child", kind,
                                          "--goals", str(args.goals), "--timeout",
                                          str(args.timeout)]), f"the {kind} run")
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    return 0


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))

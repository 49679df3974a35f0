"""Per-message cost of the planner node's joint-state and camera callbacks, old code beside new.

A real ``vjepa_planner`` node (``model.checkpoint`` demo, ``model.device`` cpu, the package's
defaults otherwise; never spun, in shadow mode) gets messages handed to its callbacks
(``_on_joint_state``, ``_on_image``) in a loop, as its subscriptions' callbacks hand them (the
``publisher_ids`` wrapper and the executor's take and deserialization are outside the timing).
Cases:

  joint state, arm+fingers   /joint_states: panda_joint1..7 and panda_finger_joint1/2 (merged)
  joint state, arm only      /joint_states: panda_joint1..7
  joint state, arm moving    /joint_states: panda_joint1..7, each message's joints 1e-6 rad
                             from the last one's, to and fro (the pose computed every time; the
                             cases above hold the arm still: perf58's pose cache answers them)
  joint state, arm+fingers moving  the same with panda_finger_joint1/2 open beside the arm
  joint state, fingers only  /joint_states: panda_finger_joint1/2 (a gripper-only stream: the
                             input watch's "other" path)
  camera image               640x480 rgb8 sensor_msgs/Image, one pixel changed per frame

Each message is stamped with the wall clock just before its callback (a fresh input, never a
stale refusal; the stamping is inside the timing, the same for both codes). Per case: the median
over ``--batches`` batches of the mean per-message CPU time of the calling thread [us]
(``time.thread_time``: on a machine shared with other work, wall time mostly measures the wait
for a core), and the same of wall time (``time.perf_counter``) beside it.

``--old REF`` measures the package as git ``REF`` has it (``git archive REF vjepa_ros`` into a
temporary folder, first on ``PYTHONPATH``) beside this checkout's, in separate processes, rounds
alternating (``--rounds``); per case the lower of the rounds' medians is printed (the one less
disturbed by other load on the machine) with the change in percent.

Run:  python benchmarks/bench_callbacks.py [--old REF] [--messages 5000] [--frames 200]
      [--batches 5] [--rounds 3]
About two minutes on 2 shared cores (each process builds the demo model: seconds). Loopback only.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vjepa_ros.cli_parser import ArgumentParser  # (a child: the package its PYTHONPATH names)

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
os.environ.setdefault("ROS_LOCALHOST_ONLY", "1")
ARM = [f"panda_joint{i}" for i in range(1, 8)]
FINGERS = ["panda_finger_joint1", "panda_finger_joint2"]
HOME = [0.0, -0.7853981633974483, 0.0, -2.356194490192345, 0.0, 1.5707963267948966,
        0.7853981633974483]
OPEN = [0.04, 0.04]
CASES = ("joint state, arm+fingers", "joint state, arm only", "joint state, arm moving",
         "joint state, arm+fingers moving", "joint state, fingers only", "camera image 640x480")


def _measure(messages: int, frames: int, batches: int) -> dict[str, float]:
    """Start a planner node from the package on ``sys.path``; return case -> us per message."""
    import numpy as np
    import rclpy
    from sensor_msgs.msg import Image, JointState

    from vjepa_ros.images import rgb_to_image_fields
    from vjepa_ros.nodes.planner_node import PlannerNode

    context = rclpy.Context()
    rclpy.init(context=context)
    node = PlannerNode(context=context, cli_args=[
        "--ros-args", "-p", "model.checkpoint:=demo", "-p", "model.device:=cpu"])
    try:
        def joint_state(names, positions):
            msg = JointState()
            msg.name, msg.position = list(names), [float(p) for p in positions]
            return msg

        def stamp(msg):
            now = time.time()
            msg.header.stamp.sec, msg.header.stamp.nanosec = int(now), int(now % 1 * 1e9)

        image = Image()
        rgb = np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8)
        for key, value in rgb_to_image_fields(rgb).items():
            setattr(image, key, value)

        def states(msg):
            def one(i):
                stamp(msg)
                node._on_joint_state(msg, "", None, None)
            return one

        def moving(msg, tail):
            def one(i):
                msg.position = [p + 1e-6 * abs(i % 2000 - 1000) for p in HOME] + tail  # no jump
                stamp(msg)
                node._on_joint_state(msg, "", None, None)
            return one

        def frame(i):
            image.data[i % 64] = (image.data[i % 64] + 1) % 256  # no frozen-camera refusal
            stamp(image)
            node._on_image(image, "", None)

        runs = {
            CASES[0]: (states(joint_state(ARM + FINGERS, HOME + OPEN)), messages),
            CASES[1]: (states(joint_state(ARM, HOME)), messages),
            CASES[2]: (moving(joint_state(ARM, HOME), []), messages),
            CASES[3]: (moving(joint_state(ARM + FINGERS, HOME + OPEN), OPEN), messages),
            CASES[4]: (states(joint_state(FINGERS, OPEN)), messages),
            CASES[5]: (frame, frames),
        }
        results = {}
        for case, (call, count) in runs.items():
            for i in range(min(count, 200)):  # warm: caches, the first message's notes
                call(i)
            cpu, wall = [], []
            for _ in range(batches):
                start, start_cpu = time.perf_counter(), time.thread_time()
                for i in range(count):
                    call(i)
                cpu.append((time.thread_time() - start_cpu) / count * 1e6)
                wall.append((time.perf_counter() - start) / count * 1e6)
            results[case] = statistics.median(cpu)
            results[f"{case} (wall)"] = statistics.median(wall)
        return results
    finally:
        node.destroy_node()
        context.try_shutdown()


def _run_one(package_root: Path, args) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(package_root)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
                               if p])}
    done = subprocess.run(
        [sys.executable, __file__, "--measure", "--messages", str(args.messages), "--frames",
         str(args.frames), "--batches", str(args.batches)],
        env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"bench_callbacks: the run with the package of {package_root} failed "
                 f"(status {done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    import argparse

    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", metavar="REF",
                        help="git ref of the code to compare with (default: this checkout only)")
    parser.add_argument("--messages", type=int, default=5000, help="joint states per batch")
    parser.add_argument("--frames", type=int, default=200, help="camera frames per batch")
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    for name in ("messages", "frames", "batches", "rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} {getattr(args, name)}: must be at least 1")
    if args.measure:  # a child: the package on sys.path
        import vjepa_ros

        results = _measure(args.messages, args.frames, args.batches)
        print(f"package: {Path(vjepa_ros.__file__).parent}", file=sys.stderr)
        print(json.dumps(results))
        return
    print(f"settings: {args.messages} joint states / {args.frames} frames per batch, "
          f"{args.batches} batches (median), {args.rounds} rounds (lowest); planner defaults, "
          "model.checkpoint demo, model.device cpu; python "
          f"{sys.version.split()[0]}, ROS_DOMAIN_ID {os.environ.get('ROS_DOMAIN_ID', '0')}")
    with tempfile.TemporaryDirectory(prefix="bench_callbacks_") as folder:
        codes = {"now": ROOT}
        if args.old:
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.old, "vjepa_ros"],
                                     capture_output=True, check=False)
            if archive.returncode:
                sys.exit(f"bench_callbacks: --old {args.old}: "
                         f"{archive.stderr.decode().strip()}")
            subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
            codes = {f"old ({args.old})": Path(folder), **codes}
        rounds: dict[str, list[dict[str, float]]] = {label: [] for label in codes}
        for _ in range(args.rounds):
            for label, package_root in codes.items():
                rounds[label].append(_run_one(package_root, args))
    rows = [name for case in CASES for name in (case, f"{case} (wall)")]
    best = {label: {row: min(r[row] for r in runs) for row in rows}
            for label, runs in rounds.items()}
    labels = list(best)
    print(f"{'us per message (CPU)':<40}" + "".join(f"{label:>22}" for label in labels)
          + ("   change" if len(labels) == 2 else ""))
    for case in rows:
        values = [best[label][case] for label in labels]
        line = f"{case:<40}" + "".join(f"{value:>22.1f}" for value in values)
        if len(values) == 2:
            line += f"   {(values[1] - values[0]) / values[0] * 100:+6.1f} %"
        print(line)


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))

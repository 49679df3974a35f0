"""Offline-evaluation speed: bag indexing, encoding, planning latency percentiles, steps/s.

    python benchmarks/bench_eval.py                       # CPU: tiny and small random models
    python benchmarks/bench_eval.py --models small --device cuda --samples 400 --iterations 10
    python benchmarks/bench_eval.py --lab-seconds 10 --models tiny   # + indexing a lab-rate bag

Writes a synthetic MCAP bag (256x256 frames at 4 Hz with end-effector poses and gripper states),
then runs ``evaluate_bag`` with each model (random weights: the speed is the real architecture's,
the decisions are not a trained model's). With ``--lab-seconds`` it also times reading a bag at a
real lab's rates: 640x480 camera at 30 fps, pose at 100 Hz, joint states at 1 kHz. Timings on
shared CPUs are noisy.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import vjepa_ros  # noqa: F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np

from vjepa_ros.cli_options import check_option_ranges
from vjepa_ros.cli_parser import ArgumentParser
from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.planning.config import preset
from vjepa_ros.planning.memory import check_samples_fit
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bag_writing import write_bag
from vjepa_ros.recordings.bags import read_recording

if TYPE_CHECKING:
    from vjepa_ros.models import WorldModel

# torch, the models and the evaluation (seconds; a quarter minute under load) are imported where
# they are first needed, after the options are checked: --help and a bad option answer at once.

MODELS = {
    # name: (encoder hyper-parameters, predictor width and depth)
    "tiny": (dict(img_size=64, embed_dim=32, depth=1, num_heads=2), 32, 1),
    "small": (dict(img_size=256, embed_dim=192, depth=4, num_heads=3), 192, 4),
    "vitl": (dict(img_size=256, embed_dim=1024, depth=24, num_heads=16), 1024, 24),
    "vitg_ac": ("vit_giant", None, None),
}


def build(name: str, device, dtype) -> WorldModel:
    import torch

    from vjepa_ros.models import WorldModel, build_encoder, build_predictor

    torch.manual_seed(0)
    encoder_args, width, depth = MODELS[name]
    if name == "vitg_ac":
        return WorldModel(build_encoder("vit_giant"), build_predictor("vit_ac_giant"), device,
                          dtype)
    heads = encoder_args["num_heads"]
    predictor = build_predictor(img_size=encoder_args["img_size"],
                                embed_dim=encoder_args["embed_dim"], predictor_embed_dim=width,
                                depth=depth, num_heads=heads)
    return WorldModel(build_encoder(**encoder_args), predictor, device, dtype)


def write_lab_bag(path: Path, seconds: float) -> None:
    """Write a bag at a lab's rates: 30 fps 640x480 raw camera, 100 Hz pose, 1 kHz joints."""
    from rosbags.rosbag2 import StoragePlugin, Writer

    store = m.typestore()
    start = 1_700_000_000 * 10**9
    frame = np.random.default_rng(0).integers(0, 255, (480, 640, 3), dtype=np.uint8)
    names = [f"panda_joint{i}" for i in range(1, 8)] + ["panda_finger_joint1",
                                                        "panda_finger_joint2"]
    ready = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785, 0.02, 0.02])
    entries = []  # (time ns, topic, message)
    for t in np.arange(0, seconds, 1 / 30):
        entries.append((start + round(t * 1e9), "image", m.image_message(frame, 0, "cam")))
    for t in np.arange(0, seconds, 1 / 100):
        state = np.array([0.4 + 0.05 * t, 0.0, 0.3, np.pi, 0.0, 0.0, 0.0])
        entries.append((start + round(t * 1e9), "pose", m.pose_message(state, 0, "base")))
    for t in np.arange(0, seconds, 1 / 1000):
        entries.append((start + round(t * 1e9), "joints",
                        m.joint_state_message(names, ready + 0.01 * t, 0)))
    entries.sort(key=lambda e: e[0])
    topics = {"image": ("/camera/camera/color/image_raw", m.IMAGE),
              "pose": ("/franka_robot_state_broadcaster/current_pose", m.POSE_STAMPED),
              "joints": ("/joint_states", m.JOINT_STATE)}
    with Writer(path, version=8, storage_plugin=StoragePlugin.MCAP) as writer:
        connections = {key: writer.add_connection(topic, msgtype, typestore=store)
                       for key, (topic, msgtype) in topics.items()}
        for time_ns, key, message in entries:
            message.header.stamp.sec, message.header.stamp.nanosec = divmod(time_ns, 10**9)
            writer.write(connections[key], time_ns,
                         store.serialize_cdr(message, topics[key][1]))


def bench_lab_bag(seconds: float) -> None:
    from vjepa_ros.recordings.resample import resample

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lab"
        write_lab_bag(path, seconds)
        size_mb = sum(f.stat().st_size for f in path.iterdir()) / 1e6
        print(f"lab-rate bag: {seconds:g} s, {size_mb:.0f} MB (30 fps 640x480 raw, pose 100 Hz, "
              "joint states 1 kHz)")
        for source in ("pose", "joint_states"):
            began = time.perf_counter()
            try:
                recording = read_recording(path, BagTopics(state_source=source))
            except ValueError as exc:
                print(f"  index ({source}): skipped, {exc}")
                continue
            index_s = time.perf_counter() - began
            print(f"  index ({source}): {index_s:.2f} s for {len(recording.image_times)} frame "
                  f"stamps and {len(recording.states)} states")
        steps = resample(recording.image_times, recording.state_times, recording.states, 4.0,
                         jumps_ns=recording.state_jumps_ns,  # the steps eval would take
                         unknown_ns=recording.gripper_unknown_ns)
        began = time.perf_counter()
        count = sum(1 for _ in recording.iter_frames(steps.frame_indices[steps.valid]))
        decode_s = time.perf_counter() - began
        print(f"  decode the {count} frames of the 4 Hz steps in one pass: {decode_s:.2f} s")
        bench_truncated(path, tmp)


def bench_truncated(path: Path, tmp: str) -> None:
    """Index the same bag killed at 90 % (no metadata.yaml): the salvage reader's scan."""
    cut = Path(tmp) / "killed"
    cut.mkdir()
    data = next(path.glob("*.mcap")).read_bytes()
    (cut / "killed_0.mcap").write_bytes(data[: int(len(data) * 0.9)])
    del data
    began = time.perf_counter()
    recording = read_recording(cut)
    index_s = time.perf_counter() - began
    damage = next(note for note in recording.notes if "is damaged" in note)
    print(f"  index the same bag cut at 90 %, no metadata.yaml (pose): {index_s:.2f} s for "
          f"{len(recording.image_times)} frame stamps ({damage.split(': ', 1)[1]})")


def main() -> None:
    parser = ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=16, help="steps in the bag")
    parser.add_argument("--models", default="tiny,small", help=f"of {sorted(MODELS)}")
    parser.add_argument("--device", default=None)
    parser.add_argument("--dtype", default=None)
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--horizon", type=int, default=1)
    parser.add_argument("--landscape", type=int, default=0, help="landscape grid points")
    parser.add_argument("--lab-seconds", type=float, default=0.0,
                        help="also time reading a lab-rate bag of this length")
    args = parser.parse_args()
    # the planner settings first, worded as vjepa-ros's options (--samples must lie in ...)
    check_option_ranges({"samples": args.samples, "iterations": args.iterations,
                         "horizon": args.horizon})
    cem = preset("paper", samples=args.samples, iterations=args.iterations, horizon=args.horizon)
    if args.steps < args.horizon + 1:  # a step and its goal the horizon later
        parser.error(f"--steps {args.steps}: must be >= {args.horizon + 1} (--horizon + 1: a "
                     "step and its goal frame)")
    from vjepa_ros.eval.eval_config import EvalConfig

    try:  # its range: 0 (none) or 2..101, as vjepa-ros eval --landscape-points
        EvalConfig(landscape_points=args.landscape).check()
    except ValueError as exc:
        parser.error(str(exc).replace("landscape_points", "--landscape"))
    if not (args.lab_seconds >= 0 and args.lab_seconds < float("inf")):
        parser.error(f"--lab-seconds {args.lab_seconds:g}: must be a time >= 0 [s] (0: off)")
    names = args.models.split(",")
    unknown = [name for name in names if name not in MODELS]
    if unknown:
        parser.error(f"--models {args.models}: unknown {', '.join(unknown)}; give some of "
                     f"{', '.join(sorted(MODELS))}, comma-separated")
    import torch

    from vjepa_ros.eval.evaluate import EvalConfig, evaluate_recording
    from vjepa_ros.models.world_model import resolve_device

    check_samples_fit(cem, resolve_device(args.device))
    if args.lab_seconds > 0:
        bench_lab_bag(args.lab_seconds)

    frames, states, times = synthetic_episode(args.steps, size=256)
    with tempfile.TemporaryDirectory() as tmp:
        bag = write_bag(Path(tmp) / "bench", frames, states, times)
        began = time.perf_counter()
        recording = read_recording(bag)
        index_s = time.perf_counter() - began
        config = EvalConfig(landscape_points=args.landscape)
        rows = []
        for name in names:
            model = build(name, args.device, args.dtype)
            evaluate_recording(recording, model, cem, EvalConfig(max_steps=1,
                                                                 landscape_points=0))  # warm-up
            report = evaluate_recording(recording, model, cem, config)
            rows.append((name, report))

    print(f"bag: {args.steps + 1} frames 256x256 at 4 Hz, MCAP; indexed in {index_s * 1e3:.0f} ms"
          f"; CEM S {args.samples}, I {args.iterations}, H {args.horizon}; "
          f"threads {torch.get_num_threads()}")
    header = (f"{'model':<8} {'device':<7} {'dtype':<9} {'steps':>5} {'enc ms/f':>9} "
              f"{'plan p50':>9} {'p90':>8} {'p99':>8} {'max':>8} {'steps/s':>8}")
    print(header)
    print("-" * len(header))
    for name, report in rows:
        summary, model = report["summary"], report["model"]
        plan = summary["latency_s"]["plan"]
        encode = summary["latency_s"]["encode_per_frame"]
        print(f"{name:<8} {model['device']:<7} {model['dtype']:<9} "
              f"{summary['steps_evaluated']:>5} {encode['mean'] * 1e3:>9.1f} "
              f"{plan['p50']:>9.3f} {plan['p90']:>8.3f} {plan['p99']:>8.3f} {plan['max']:>8.3f} "
              f"{summary['steps_per_s']:>8.2f}")


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))

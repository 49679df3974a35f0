"""Simulator costs and accuracy: render and step times, IK tracking error, closed-loop reaching.

Sections
  render    seconds per camera frame (TinyRenderer, CPU), 256x256 and 640x480, shadows on/off
  step      seconds per physics step with the Cartesian controller (240 Hz physics), and the
            real-time factor that gives at 240 Hz; seconds for a 4 Hz episode frame (60 steps +
            one 256x256 render)
  ik        final TCP position/orientation error after ``move_to`` for random targets in the box
            x 0.35..0.65, y -0.25..0.25, z 0.1..0.5 m, hand tilted up to 0.2 rad and turned up to
            0.5 rad about the ready orientation, measured 1 s after ``move_to`` reports the
            target reached; settle time (until ``move_to`` returns) in simulated seconds
  loop      ROS-free closed loop: sim + CEM planner ("paper" preset, S 100, I 5 unless changed)
            + the oracle world model; random reach goals 8..25 cm away given as goal images; the
            planner's action is commanded as state ⊕ action and tracked for 0.5 s per step;
            success = within 3 cm after ``--loop-steps`` steps

Run:  python benchmarks/bench_sim.py [--repeats 10] [--targets 30] [--goals 10] [--quick]

The numbers are wall-clock times of this process; other processes on the machine slow them.
"""

import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np  # noqa: E402

from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402
from vjepa_ros.planning.config import CEMConfig, preset  # noqa: E402

# torch and the simulator (seconds; a quarter minute under load) are imported where they are
# first needed, after the options are checked: --help and a bad option answer at once.


def timed(function, repeats: int) -> tuple[float, float]:
    """Return (median, min) seconds of ``function()`` over ``repeats`` calls after a warm-up."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def bench_render(repeats: int) -> None:
    from vjepa_ros.sim import CameraConfig, Sim, SimConfig

    print("\nrender (seconds per frame, median [min])")
    print(f"{'size':>10} {'shadows':>8} {'median':>9} {'min':>9}")
    for width, height in ((256, 256), (640, 480)):
        for shadows in (True, False):
            config = SimConfig(camera=CameraConfig(width=width, height=height, shadows=shadows))
            with Sim(config) as sim:
                median, fastest = timed(sim.render, repeats)
            print(f"{width:>4}x{height:<5} {str(shadows):>8} {median:>9.4f} {fastest:>9.4f}")


def bench_step(repeats: int) -> None:
    from vjepa_ros.sim import Sim, SimConfig

    with Sim(SimConfig()) as sim:
        target = sim.ee_state()
        target[:3] += [0.15, 0.1, -0.2]
        sim.set_target_state(target)
        median, fastest = timed(lambda: sim.step(240), max(1, repeats // 3))
        per_step = median / 240
        frame, _ = timed(lambda: (sim.advance(0.25), sim.render()), max(1, repeats // 3))
    print("\nstep (physics 240 Hz + Cartesian controller)")
    print(f"  {per_step * 1e3:.3f} ms per step (min {fastest / 240 * 1e3:.3f}) -> "
          f"{1 / (per_step * 240):.1f}x real time without rendering")
    print(f"  {frame:.3f} s per 4 Hz episode frame (60 steps + one 256x256 render)")


def bench_ik(targets: int) -> None:
    import torch

    from vjepa_ros.planning import apply_action
    from vjepa_ros.sim import Sim, SimConfig
    from vjepa_ros.sim.controller import orientation_error

    position_errors, orientation_errors, settle, failed = [], [], [], 0
    rng = np.random.default_rng(0)
    with Sim(SimConfig()) as sim:
        home = sim.ee_state()
        for _ in range(targets):
            target = home.copy()
            target[:3] = rng.uniform([0.35, -0.25, 0.1], [0.65, 0.25, 0.5])
            turn = np.r_[0, 0, 0, rng.uniform(-0.2, 0.2, 2), rng.uniform(-0.5, 0.5), 0]
            target = apply_action(torch.from_numpy(target), torch.from_numpy(turn)).numpy()
            started = sim.time
            failed += not sim.move_to(target, timeout=5.0)
            settle.append(sim.time - started)
            sim.advance(1.0)  # steady state, not just "within move_to's 1 mm tolerance"
            position, rotation = sim.ee_pose()
            position_errors.append(np.linalg.norm(position - target[:3]))
            orientation_errors.append(
                np.linalg.norm(orientation_error(sim.target_rotation, rotation))
            )
    pe, oe = np.array(position_errors) * 1e3, np.array(orientation_errors)
    print(f"\nik tracking ({targets} random reachable targets, each from the previous one)")
    print("  errors 1 s after move_to reported the target reached (tolerance 1 mm, 5 mrad)")
    print(f"  position error  median {np.median(pe):.3f} mm, max {pe.max():.3f} mm")
    print(f"  orientation err median {np.median(oe):.5f} rad, max {oe.max():.5f} rad")
    print(f"  settle time     median {np.median(settle):.2f} s, max {max(settle):.2f} s "
          f"(simulated); not settled within 5 s: {failed}")


def bench_loop(goals: int, steps: int, config: CEMConfig, cem_preset: str) -> None:
    """Reach ``goals`` random targets, ``steps`` plans each, with ``config`` (``cem_preset``)."""
    import torch

    from vjepa_ros.planning import CEMPlanner, apply_action
    from vjepa_ros.sim import Sim, SimConfig, capture_goal, reach_error, sample_reach_target
    from vjepa_ros.sim.oracle import OracleWorldModel

    rng = np.random.default_rng(0)
    errors, plan_times, wall = [], [], []
    with Sim(SimConfig(seed=1)) as sim:
        oracle = OracleWorldModel().attach(sim)
        planner = CEMPlanner(oracle, config, seed=0)
        for _ in range(goals):
            started = time.perf_counter()
            goal = capture_goal(sim, sample_reach_target(sim.ee_state(), rng))
            goal_reps = oracle.encode(goal.frame)
            planner.reset()
            for _ in range(steps):
                frame, state = sim.render(), sim.ee_state()
                result = planner.plan(oracle.encode(frame), torch.from_numpy(state).float(),
                                      goal_reps)
                plan_times.append(result.timings["total"])
                target = apply_action(torch.from_numpy(state), result.first_action.double())
                sim.set_target_state(target.numpy())
                sim.advance(0.5)
            errors.append(reach_error(sim.ee_state(), goal.state))
            wall.append(time.perf_counter() - started)
    errors = np.array(errors) * 100
    print(f"\nclosed loop, ROS-free ({goals} goals, {steps} steps each, CEM '{cem_preset}' "
          f"S {config.samples} I {config.iterations} H {config.horizon}, oracle world model)")
    print(f"  success (< 3 cm): {int((errors < 3).sum())}/{goals}; final error median "
          f"{np.median(errors):.2f} cm, max {errors.max():.2f} cm")
    print(f"  plan {statistics.median(plan_times) * 1e3:.1f} ms per step (median); "
          f"{statistics.median(wall):.1f} s wall per goal")


def main() -> None:
    parser = ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--targets", type=int, default=30)
    parser.add_argument("--goals", type=int, default=10)
    parser.add_argument("--loop-steps", type=int, default=5)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--preset", default="paper")
    parser.add_argument("--quick", action="store_true", help="few repeats, targets and goals")
    args = parser.parse_args()
    # a count of none measures nothing (no median, no maximum: it failed at work with 1)
    parser.check_at_least(args, {"--repeats": 1, "--targets": 1, "--goals": 1,
                                 "--loop-steps": 1})
    if args.quick:
        args.repeats, args.targets, args.goals = 3, 5, 2
    # the loop's planner first: a bad --preset, --samples or --iterations in one line at once
    from vjepa_ros.command_errors import usage_errors

    with usage_errors():  # typed values out of range: exit status 2, as vjepa-ros's
        config = preset(args.preset, samples=args.samples, iterations=args.iterations)
    import pybullet
    import torch

    print(f"python {platform.python_version()}, pybullet API {pybullet.getAPIVersion()}, "
          f"numpy {np.__version__}, torch {torch.__version__}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}")
    bench_render(args.repeats)
    bench_step(args.repeats)
    bench_ik(args.targets)
    bench_loop(args.goals, args.loop_steps, config, args.preset)


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))

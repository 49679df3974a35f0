"""The scripted manipulation expert: success per task, and do the detectors agree with physics.

For each object (cup, box), task (grasp, reach-with-object, pick-and-place) and held-out seed
s = seed_start .. seed_start + seeds − 1 (default 900000..900019): reset the scene to seed s, make
the task's sub-goal images with the clean expert (``setup_task``; a seed where the clean expert
cannot reach every sub-goal counts as "no sub-goals"), run the noisy expert (misses, re-grasps,
detours, mis-placements: ``ExpertConfig`` defaults) and score it with the detectors
(``vjepa_ros.sim.detectors``). Then a *probe* tests what happened without the detectors:

- held (grasp, reach-with-object): the hand rises 5 cm more; the object is held when it rose with
  it (≥ 4 cm) and its centre is ≥ 5 cm above its resting height.
- placed (pick-and-place): the open hand rises 10 cm more and 1 s passes; the object is placed
  when it stayed put (< 5 mm), stands at its resting height (± 1 cm) and its centre is within the
  place radius of the spot.

"agree" is the share of episodes where the detector's verdict equals the probe's. Probes run
inside ``Sim.preserved`` (the episode's end state is unchanged).

Run:  python benchmarks/bench_manipulation_expert.py [--seeds 20] [--seed-start 900000]
          [--objects cup box] [--tasks grasp reach-with-object pick-and-place] [--size 128]
          [--json out.json]

Wall-clock numbers are this process's (rendering a frame per 0.25 s of simulated time plus the
physics at 240 Hz); other processes on the machine slow them down.
"""

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vjepa_ros.sim import Sim  # noqa: E402
from vjepa_ros.sim.detectors import SuccessMonitor  # noqa: E402
from vjepa_ros.sim.manipulation import (  # noqa: E402
    TASKS,
    manipulation_sim_config,
    record_expert_episode,
    setup_task,
)
from vjepa_ros.sim.reach_config import HELD_OUT_SEED_START  # noqa: E402


def probe_held(sim: Sim, monitor: SuccessMonitor) -> bool:
    """Raise the hand 5 cm more (gripper unchanged): is the object lifted and coming along."""
    with sim.preserved():
        before = sim.object_reading().position[2]
        target = sim.target_state()
        sim.set_target(target[:3] + [0.0, 0.0, 0.05], target[3:6])
        sim.advance(1.0)
        after = sim.object_reading().position[2]
    return after - before >= 0.04 and before - monitor.rest_height >= 0.05


def probe_placed(sim: Sim, monitor: SuccessMonitor, place_xy) -> bool:
    """Raise the hand 10 cm more, wait 1 s: is the object still, upright and on the spot."""
    with sim.preserved():
        before = sim.object_reading().position
        target = sim.target_state()
        sim.set_target(target[:3] + [0.0, 0.0, 0.1], target[3:6])
        sim.advance(1.0)
        after = sim.object_reading().position
    return bool(
        np.linalg.norm(after - before) < 0.005
        and abs(after[2] - monitor.rest_height) <= 0.01
        and np.linalg.norm(after[:2] - place_xy) <= monitor.config.place_radius
    )


def run_episode(sim: Sim, task: str, seed: int) -> dict:
    started = time.perf_counter()
    try:
        setup = setup_task(sim, seed, task)
    except RuntimeError:
        return {"seed": seed, "subgoals": False}
    setup_s = time.perf_counter() - started
    started = time.perf_counter()
    episode, outcome = record_expert_episode(sim, setup)
    wall_s = time.perf_counter() - started
    monitor = SuccessMonitor(sim)
    if task == "pick-and-place":
        detector, truth = bool(outcome.placed), probe_placed(sim, monitor, setup.place_xy)
    else:
        detector, truth = outcome.grasped, probe_held(sim, monitor)
    events = [what for _, what in outcome.events]
    return {
        "seed": seed, "subgoals": True, "success": outcome.success, "detector": detector,
        "probe": truth, "frames": len(episode), "wall_s": wall_s, "setup_s": setup_s,
        "sim_s": float(episode.timestamps[-1]), "ran_out": outcome.ran_out, "events": events,
        "misses": events.count("missed grasp") + events.count("missed placement"),
        "recovered": events.count("re-grasp succeeded") + events.count("re-placement succeeded"),
    }


def summarize(rows: list[dict]) -> dict:
    done = [r for r in rows if r["subgoals"]]
    with_miss = [r for r in done if r["misses"]]
    return {
        "episodes": len(rows),
        "subgoal_images": len(done),
        "success": sum(r["success"] for r in done) / max(len(done), 1),
        "agree": sum(r["detector"] == r["probe"] for r in done) / max(len(done), 1),
        "episodes_with_a_miss": len(with_miss),
        "recovered": sum(r["recovered"] > 0 for r in with_miss),
        "frames_median": statistics.median(r["frames"] for r in done) if done else None,
        "wall_s_median": statistics.median(r["wall_s"] for r in done) if done else None,
        "sim_s_median": statistics.median(r["sim_s"] for r in done) if done else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--seed-start", type=int, default=HELD_OUT_SEED_START)
    parser.add_argument("--objects", nargs="+", default=["cup", "box"], choices=["cup", "box"])
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    parser.add_argument("--size", type=int, default=128, help="camera image size [px]")
    parser.add_argument("--json", help="write every episode's numbers here")
    args = parser.parse_args()
    print(f"# expert benchmark: seeds {args.seed_start}..{args.seed_start + args.seeds - 1}, "
          f"camera {args.size}x{args.size}, {platform.processor() or platform.machine()}")
    print(f"{'object':6}  {'task':18}  {'success':>7}  {'agree':>6}  {'miss→recovered':>14}  "
          f"{'frames':>6}  {'sim s':>6}  {'wall s':>6}  sub-goal images")
    results = {}
    for kind in args.objects:
        with Sim(manipulation_sim_config(args.seed_start, kind, args.size, args.size)) as sim:
            for task in args.tasks:
                rows = [run_episode(sim, task, seed)
                        for seed in range(args.seed_start, args.seed_start + args.seeds)]
                summary = summarize(rows)
                results[f"{kind}/{task}"] = {"summary": summary, "episodes": rows}
                s = summary
                print(f"{kind:6}  {task:18}  {s['success']:>7.0%}  {s['agree']:>6.0%}  "
                      f"{s['episodes_with_a_miss']:>6} → {s['recovered']:<5}  "
                      f"{s['frames_median']:>6}  {s['sim_s_median']:>6.1f}  "
                      f"{s['wall_s_median']:>6.1f}  {s['subgoal_images']}/{s['episodes']}",
                      flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=lambda o: o.item()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

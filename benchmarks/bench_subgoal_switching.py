"""Sub-goal switching in the simulator: fixed step counts (the paper's 4, 10, 4) vs energy rules.

What the planner side can measure before the manipulation tasks exist: a three-waypoint sequence
(reach A, then B, then C, each drawn as a reach target 8-25 cm from the one before), one sub-goal
image per waypoint, planned toward with the oracle world model (exact, so what differs between
the rows is the switching rule, not the model) by the planner node's ``MPCSession`` in blocking
mode on the simulator's frames and TCP. Per rule and seed: success (the true TCP came within
``--radius`` of every waypoint while it was the active sub-goal, and stopped there for the last),
executed steps, steps per sub-goal and the switch reasons. A switch happens when a command goes
out (the next plan aims at the next sub-goal), so a waypoint counts as reached when the TCP came
within the radius while a command planned toward it was executed.

    python benchmarks/bench_subgoal_switching.py --seeds 10
"""

from __future__ import annotations

import statistics
import time
from typing import TYPE_CHECKING

import vjepa_ros  # noqa: F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np

from vjepa_ros.cli_options import check_option_ranges
from vjepa_ros.cli_parser import ArgumentParser
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.memory import check_samples_fit
from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig
from vjepa_ros.robot.phase import Phase
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.subgoal import SubGoal

if TYPE_CHECKING:
    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.oracle import OracleWorldModel

# torch and the simulator (seconds; a quarter minute under load) are imported where they are
# first needed, after the options are checked: --help and a bad option answer at once.

STREAM_HZ, CAMERA_HZ = 100.0, 10.0


def oracle_energy_of_offset(state: np.ndarray, offset_m: float) -> float:
    """Return the oracle's L1 energy between a state and itself moved ``offset_m`` along x."""
    import torch

    from vjepa_ros.planning.energy import energy
    from vjepa_ros.sim.oracle import encode_states

    moved = state.copy()
    moved[0] += offset_m
    reps = encode_states(torch.as_tensor(np.stack([state, moved])))
    return float(energy(reps[1:], reps[:1])[0])


class Episode:
    """One waypoint sequence under one switching rule (blocking control, the oracle)."""

    def __init__(self, sim: Sim, oracle: OracleWorldModel, goals, switching: GoalSwitchConfig,
                 cem: CEMConfig, radius: float, max_steps: int):
        from vjepa_ros.robot.control_config import ControlConfig
        from vjepa_ros.robot.mpc import MPCSession
        from vjepa_ros.sim.reach import _SimDriver
        from vjepa_ros.sim.tasks import reach_error

        self.reach_error = reach_error  # [m] between two states' positions
        self.sim, self.goals, self.radius, self.max_steps = sim, goals, radius, max_steps
        self.session = MPCSession(oracle, cem, SafetyLimits(), ControlConfig(),
                                  clock=lambda: sim.time, goal_switching=switching, seed=0)
        # the reach episode's driver: frames at CAMERA_HZ, states and set-points at STREAM_HZ
        last = goals[-1].state
        self.driver = _SimDriver(sim, STREAM_HZ, CAMERA_HZ,
                                 done=lambda state: reach_error(state, last) <= radius)
        self.driver.session = self.session
        self.closest = [np.inf] * len(goals)  # per waypoint, while a command toward it ran
        self.executing = 0  # the sub-goal the command being executed was planned toward

    def tick(self) -> None:
        self.driver.tick()
        error = self.reach_error(self.sim.ee_state(), self.goals[self.executing].state)
        self.closest[self.executing] = min(self.closest[self.executing], error)

    def last_reached(self) -> bool:
        sequence = self.session.goals
        return (sequence.index == len(self.goals) - 1 and self.session.streamer.arrived()
                and self.session.phase is not Phase.MOVING
                and self.reach_error(self.sim.ee_state(), self.goals[-1].state) <= self.radius)

    def run(self) -> dict:
        session, started = self.session, time.perf_counter()
        self.driver.observe(force_frame=True)
        session.set_goals([SubGoal(g.frame, None, f"waypoint {i + 1}")
                           for i, g in enumerate(self.goals)])
        session.set_enabled(True)
        steps, start_time = 0, self.sim.time
        while steps < self.max_steps and not session.goals.finished and not self.last_reached():
            report = session.plan_step()
            if report is None:
                self.tick()
            elif report.command is None:
                raise RuntimeError(f"nothing commanded: {report.reason}")
            else:
                steps += 1
                self.executing = report.subgoal.index
        while session.phase is Phase.MOVING:  # let the last command finish
            self.tick()
        switches = session.goals.switches
        reached = [c <= self.radius for c in self.closest]
        reached[-1] = self.reach_error(self.sim.ee_state(), self.goals[-1].state) <= self.radius
        return {"success": all(reached), "reached": reached, "steps": steps,
                "per_goal": [s.step for s in switches], "reasons": [s.reason for s in switches],
                "sim_s": self.sim.time - start_time, "wall_s": time.perf_counter() - started}


def make_waypoints(sim: Sim, seed: int, count: int):
    """Return ``count`` goals drawn one after another from ``sim``'s hand pose.

    From episode ``seed``'s goal stream (``reach.reach_goal_stream``), not
    ``default_rng(seed)``: that stream placed the coloured objects, and the first waypoint
    copied an object's pose on 7 of the 10 default seeds (breaker50a).
    """
    from vjepa_ros.sim import capture_goal, sample_reach_target
    from vjepa_ros.sim.reach import reach_goal_stream

    rng = reach_goal_stream(seed)
    goals, state = [], sim.ee_state()
    for _ in range(count):
        state = sample_reach_target(state, rng)
        goals.append(capture_goal(sim, state))
    return goals


def main() -> None:
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=900000)
    parser.add_argument("--radius", type=float, default=0.03, help="success radius [m]")
    parser.add_argument("--threshold-cm", type=float, default=1.5,
                        help="energy rule threshold: the oracle energy of this offset [cm]")
    parser.add_argument("--patience", type=int, default=2)
    parser.add_argument("--cap", type=int, default=15, help="energy rule: steps per sub-goal cap")
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    # no seed, a negative one, a cap of no step: nothing to measure, or a failure at work
    # --patience 0: the "plateau only" energy rule would have no energy test (GoalSwitchConfig)
    parser.check_at_least(args, {"--seeds": 1, "--first-seed": 0, "--cap": 1, "--patience": 1})
    if not (args.radius > 0 and args.radius < float("inf")):
        parser.error(f"--radius {args.radius:g}: must be a distance > 0 [m]")
    check_option_ranges({"samples": args.samples})  # worded as vjepa-ros's --samples
    from vjepa_ros.sim.choices import evaluation_seeds_note

    try:  # a seed past 2**32: refused as vjepa-ros run refuses it, before the simulator
        seeds_note = evaluation_seeds_note(args.first_seed, args.seeds, "--first-seed", "--seeds")
    except ValueError as exc:
        parser.error(str(exc))
    cem = CEMConfig(horizon=1, samples=args.samples, topk=10, iterations=5, maxnorm=0.075)
    check_samples_fit(cem, "cpu")  # the oracle plans on the CPU
    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.oracle import OracleWorldModel
    from vjepa_ros.sim.reach import reach_sim_config

    if seeds_note:
        print(f"note: {seeds_note}")
    rules = {}
    results: dict[str, list[dict]] = {}
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        with Sim(reach_sim_config(seed)) as sim:
            oracle = OracleWorldModel().attach(sim)  # before the goal images are rendered
            goals = make_waypoints(sim, seed, 3)
            threshold = oracle_energy_of_offset(goals[0].state, args.threshold_cm / 100)
            rules = {
                "steps (4, 10, 4)": GoalSwitchConfig(),
                "energy": GoalSwitchConfig(rule="energy", energy_threshold=threshold,
                                           patience=args.patience, min_delta=threshold / 10,
                                           default_steps=[args.cap]),
                "energy, plateau only": GoalSwitchConfig(rule="energy", patience=args.patience,
                                                         min_delta=threshold / 10,
                                                         default_steps=[args.cap]),
            }
            for name, switching in rules.items():
                with sim.preserved():  # every rule starts from the same scene
                    result = Episode(sim, oracle, goals, switching, cem, args.radius,
                                     max_steps=3 * args.cap).run()
                results.setdefault(name, []).append(result)
                print(f"seed {seed} {name:20s} success {result['success']!s:5s} "
                      f"reached {result['reached']} steps {result['steps']:2d} per sub-goal "
                      f"{result['per_goal']} {result['reasons']} {result['sim_s']:.1f} s sim",
                      flush=True)
    print(f"\n{args.seeds} seeds from {args.first_seed}, three waypoints 8-25 cm apart, oracle, "
          f"blocking, CEM S {args.samples} I 5 H 1; success radius {args.radius * 100:.0f} cm; "
          f"energy rule: threshold = oracle energy of {args.threshold_cm} cm, patience "
          f"{args.patience}, min_delta threshold/10, cap {args.cap} steps per sub-goal")
    print("| rule | success | steps (median) | steps per sub-goal (median) | sim s (median) |")
    print("|---|---|---|---|---|")
    for name, rows in results.items():
        per_goal = [statistics.median(r["per_goal"][i] for r in rows if len(r["per_goal"]) > i)
                    if any(len(r["per_goal"]) > i for r in rows) else float("nan")
                    for i in range(2)]
        print(f"| {name} | {sum(r['success'] for r in rows)}/{len(rows)} | "
              f"{statistics.median(r['steps'] for r in rows):.0f} | "
              f"{per_goal[0]:.0f}, {per_goal[1]:.0f}, (last) | "
              f"{statistics.median(r['sim_s'] for r in rows):.1f} |")


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))

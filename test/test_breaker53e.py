"""breaker53e: pick-and-place's put-down rule, ``vjepa-ros run --task`` episodes and seeds.

Attacked at commit 9434ff76 (branch breaker53e = main): ``vjepa_ros/sim/detectors.py``
(``is_grasped``, ``is_placed``, ``SuccessMonitor`` with its ``carried_xy`` latch and
``put_down``), ``vjepa_ros/sim/manipulation.py`` (``task_outcome``), ``sim/manipulation_loop.py``
and ``sim/reach.py`` (the loop's ``done``), ``sim/task_run.py`` (``format_totals``),
``sim/run_command.py`` (``run_episodes``, ``_settings``' planner seed),
``benchmarks/bench_manipulation.py`` (``run_loop``), ``sim/gripper.py`` and ``nodes/sim_node.py``
(read against franka_gripper's GripperCommand server). Not repeated: breaker42e's and 50a's pushes,
50a's upside-down object, skipped-seed denominator, place radius, tossed objects; 43e, 51e, 51j
(the sim node's stamps, quaternions, speeds, forces).

Defects (strict xfails):

1. A cup held in the fingers the whole way but lowered *diagonally* onto the spot (from 11 cm
   up, 12 cm before the spot, in a straight line to 0.8 cm above the spot, as an MPC step toward
   the place sub-goal moves down and across at once) is placed 0.5 mm from the spot and not a
   success: ``SuccessMonitor`` latches ``carried_xy`` only while the object is >=
   ``lift_height`` (5 cm) above its rest, so the in-hand travel below 5 cm (5.0 cm here) counts
   as a push (``put_down``'s 3 cm ``max_put_down_shift``).
2. ``vjepa-ros run --episodes 3``: an exception in episode 2 (a RuntimeError from the model, e.g.
   a CUDA error) ends the command (status 1, ``vjepa-ros run: CUDA error ...``): seed 3 never
   runs and no totals line is printed, so episode 1's result is lost rather than the crashed
   episode counting as a failure (``run_episodes`` catches only KeyboardInterrupt per episode;
   ``bench_manipulation.run_loop`` likewise: one crash loses the whole benchmark table and JSON).
3. The same seed is not the same episode in ``vjepa-ros run`` and the benchmark: ``run`` plans
   every episode with the planner config's seed (0, ``_settings``' ``cem_seed``), the benchmark
   with the episode's seed (``run_loop(..., seed=seed)``): seed 900003, grasp, oracle, 2 steps:
   step 1's energy 0.04088 in ``run``, 0.04119 in the benchmark's row. A user rerunning a
   benchmark seed with ``run --seed`` to see what happened watches another episode.

Held up (pins): the same cup carried straight down onto the spot (the expert's way) is a success;
the benchmark's loop row for one seed is bit-identical when run twice in one Sim (same seed =
same episode within one tool); a cup or box dropped 2-10 cm over the spot, tilted and spinning,
that ``placed`` once says yes to is still placed 2 s later (``placed`` does say yes at a
rocking turning point, 0.1 s before the cup settles, but none of 128 drops then fell over or slid
off). Also checked, no test: the coloured objects are 4.5 cm, so an object knocked onto one is
neither 5 cm "lifted" nor placed (1 cm height tolerance). Read, no test: ``gripper_goal``
follows franka_gripper's GripperCommand server (width = 2 x position, the 1e-4 m same-width
rule, a move when wider, a grasp when narrower); only the result's ``position`` differs (the
ROS 1 franka_gripper server returns the full width, ``gripper_result`` the per-finger half),
and the sim node serves no GripperCommand action, so no caller sees it. The sim node's
``joint_states`` (panda_joint1..7, panda_finger_joint1/2 at width / 2 each, rad and m) match
franka_ros2's merged ``/joint_states``; its stamps were 51e's and 51j's.

Not done: the effort signs against a real Franka's tau_J (no reference values to hand), TF
(the sim node publishes none; a franka_ros2 robot_state_publisher does), a live ROS run.

CPU, pybullet DIRECT, 32 px images; seconds each.
"""

import contextlib
import io
import re

import numpy as np
import pytest

pytest.importorskip("pybullet", reason="the simulator needs pybullet (pip install pybullet)")

from conftest import load_benchmark  # noqa: E402
from vjepa_ros.sim import Sim  # noqa: E402
from vjepa_ros.sim.detectors import SuccessMonitor  # noqa: E402
from vjepa_ros.sim.manipulation import (  # noqa: E402
    manipulation_sim_config,
    setup_task,
    task_outcome,
)

SEED = 900000


def _carry_cup_onto_spot(back: float, kind: str = "cup"):
    """Grasp the cup (``kind``: or the box), lift it 12 cm, lower it onto the spot in hand; open.

    ``back`` [m]: the lowering starts 11 cm up and this far before the spot (0: straight down).
    The hand then rises.
    Returns (outcome, the smallest finger force while lowering [N], carried_xy's
    distance to the spot [m]).
    """
    with Sim(manipulation_sim_config(SEED, kind, 32, 32)) as sim:
        setup = setup_task(sim, SEED, "pick-and-place", subgoal_images=False)
        monitor = SuccessMonitor(sim)
        cup, spot = sim.object_reading().position.copy(), setup.place_xy
        state = sim.ee_state()
        state[6] = 0.0
        for height in (0.09, 0.01):  # the expert's grasp: the TCP 3.5 cm below the cup's top
            state[:3] = cup + [0.0, 0.0, height]
            sim.move_to(state)
        state[6] = 1.0
        sim.set_target_state(state)
        sim.advance(1.0)
        state[:3] = cup + [0.0, 0.0, 0.12]
        sim.move_to(state)
        assert monitor.grasped()
        direction = (spot - cup[:2]) / np.linalg.norm(spot - cup[:2])
        start = np.r_[spot - direction * back, cup[2] + 0.12]
        state[:3] = start
        sim.move_to(state)
        end = np.r_[spot, cup[2] + 0.018]  # the cup 0.8 cm above the table
        forces = []
        for k in range(1, 41):  # the hand's straight line, 0.1 s a tick
            state[:3] = start + (end - start) * k / 40
            sim.set_target_state(state)
            sim.advance(0.1)
            forces.append(float(sim.object_reading().finger_forces.min()))
        sim.move_to(state)
        state[6] = 0.0
        sim.set_target_state(state)
        sim.advance(1.0)
        state[2] += 0.15
        sim.move_to(state)
        sim.advance(0.5)
        outcome = task_outcome(sim, setup, monitor=monitor)
        return outcome, min(forces), float(np.linalg.norm(monitor.carried_xy - spot))


def test_a_cup_held_all_the_way_and_lowered_diagonally_onto_the_spot_is_put_down():
    """A cup carried in the fingers and lowered diagonally onto the spot is not a success.

    Input (seed 900000, cup, pybullet): the hand grasps the cup as the expert does (TCP 3.5 cm
    below its top), lifts it 11 cm, goes to a point 12 cm before the place spot at that height,
    then moves in a straight line to the cup 0.8 cm above the spot (4 s), opens and rises 15 cm.
    Both fingers press on the cup with more than 5 N at every tick of the descent: it is in the
    hand all the way; it ends 0.5 mm from the spot. What happened: ``task_outcome``: placed yes,
    success no: ``carried_xy`` (where it was last "grasped", i.e. >= 5 cm above its rest with
    both fingers) lies 5.0 cm from where it was set down, over
    ``max_put_down_shift`` 3 cm: read as pushed. What should happen: success: the object was
    carried there in the hand (an MPC step toward the place sub-goal moves down and across at
    once; a push never has both fingers pressing). The carried position should follow the
    object while both fingers hold it, not only while it is 5 cm up.
    """
    outcome, min_force, carried_to_spot = _carry_cup_onto_spot(back=0.12)
    assert min_force > 5.0  # held in the fingers at every tick of the descent
    # carried_xy followed the cup down (it stayed 5.0 cm back, where it passed 5 cm up, before)
    assert carried_to_spot < 0.01
    assert outcome.placed
    assert outcome.success, "a cup carried in the hand onto the spot counted as pushed there"


def test_a_box_held_all_the_way_and_lowered_diagonally_onto_the_spot_is_put_down():
    """The box, carried and lowered diagonally onto the spot as the cup above, is put down."""
    outcome, min_force, carried_to_spot = _carry_cup_onto_spot(back=0.12, kind="box")
    assert min_force > 5.0
    assert carried_to_spot < 0.01
    assert outcome.placed and outcome.success


def test_a_cup_carried_and_lowered_straight_down_onto_the_spot_is_put_down():
    """Pin: the same cup lowered straight down from 11 cm above the spot is a success."""
    outcome, min_force, carried_to_spot = _carry_cup_onto_spot(back=0.0)
    assert min_force > 5.0
    assert carried_to_spot < 0.03
    assert outcome.placed and outcome.success


def test_a_crashed_episode_counts_as_a_failure_in_the_run_totals(tmp_path, monkeypatch, capsys):
    """``vjepa-ros run --episodes 3``: episode 2 raises; the totals line is never printed.

    Input: ``vjepa-ros run --task grasp --world-model oracle --size 32 --episodes 3 --seed
    900000 --max-steps 1``, with episode 2's ``run_task`` raising ``RuntimeError("CUDA error:
    an illegal memory access was encountered")`` (what torch raises mid-plan). What happened:
    status 1, the last line ``vjepa-ros run: CUDA error: ...``; seed 900002 never ran and no
    ``total: success ...`` line: episode 1's result is in no rate. What should happen: the
    episode is reported as a failure (its reason on its line) and counted in the denominator,
    the run goes on to seed 900002 and prints ``total: success 0/3 ...`` (or, stopping, still
    prints the totals over the 3 seeds asked for with the crashed ones as failures).
    """
    import vjepa_ros.sim.task_run as task_run
    from vjepa_ros.cli import main

    real, calls = task_run.run_task, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("CUDA error: an illegal memory access was encountered")
        return real(*args, **kwargs)

    monkeypatch.setattr(task_run, "run_task", flaky)
    main(["run", "--task", "grasp", "--world-model", "oracle", "--size", "32", "--episodes",
          "3", "--seed", str(SEED), "--max-steps", "1", "--out", str(tmp_path)])
    printed = capsys.readouterr()
    text = printed.out + printed.err
    assert len(calls) == 3, "the episode after the crashed one never ran"
    assert re.search(r"total: success \d+/3", text), text[-400:]
    assert f"seed {SEED + 1}: crashed (RuntimeError: CUDA error: an illegal memory" in text
    assert "1 episode(s) crashed (counted as failures)" in text


def _bench_rows(bench, seed: int, count: int) -> list[dict]:
    """Run the benchmark's oracle loop ``count`` times (grasp at ``seed``, 2 steps, 32 px)."""
    from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig
    from vjepa_ros.sim.choices import task_cem
    from vjepa_ros.sim.manipulation_loop import TaskLoopConfig
    from vjepa_ros.sim.oracle import OracleWorldModel
    from vjepa_ros.sim.reach_config import load_reach_config

    with Sim(manipulation_sim_config(seed, "cup", 32, 32)) as sim:
        oracle = OracleWorldModel().attach(sim)
        cem = task_cem("grasp", load_reach_config().planner.to_cem(), False)
        rows = [bench.run_loop(sim, oracle, cem, "grasp", seed, False, False,
                               TaskLoopConfig(step_limit=2), GoalSwitchConfig(), "cup", "oracle")
                for _ in range(count)]
    return rows


def test_run_replays_the_benchmarks_episode_of_the_same_seed(tmp_path):
    """``vjepa-ros run --seed S`` and the benchmark's row for seed S are different episodes.

    Input: seed 900003, grasp, cup, the oracle, 32 px, 2 planning steps, default planner,
    through ``bench_manipulation.run_loop`` and through ``vjepa-ros run --task grasp --seed
    900003 --max-steps 2 --world-model oracle --size 32``. What happened: step 1's energy is
    0.04119 in the benchmark and 0.04088 in ``run`` (step 2: 0.02852 vs 0.02802): ``run`` seeds
    every episode's planner with ``planner.seed`` (0), the benchmark with the episode's seed.
    What should happen: the same seed and settings give the same episode in both tools (one
    planner-seed rule), so a benchmark failure can be watched step by step with ``run``.
    """
    from vjepa_ros.cli import main

    seed = 900003
    bench = load_benchmark("bench_manipulation", "b53e")
    bench.import_simulator()
    row = _bench_rows(bench, seed, 1)[0]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["run", "--task", "grasp", "--world-model", "oracle", "--size", "32",
                     "--seed", str(seed), "--max-steps", "2", "--out", str(tmp_path)]) == 0
    energies = [line.split()[3] for line in out.getvalue().splitlines()
                if re.match(r"\s+\d+\s+1/1 grasp", line)]
    assert len(energies) == len(row["energies"]) == 2
    # the same digits run prints (format_task_step's 5 decimals): the same plans
    assert energies == [f"{energy:.5f}" for energy in row["energies"]]


def test_the_benchmarks_row_is_the_same_episode_when_run_again():
    """Pin: the benchmark's oracle row for one seed, run twice in one Sim, is bit-identical."""
    bench = load_benchmark("bench_manipulation", "b53e_pin")
    bench.import_simulator()
    first, second = _bench_rows(bench, 900003, 2)
    for key in ("energies", "gripper_commands", "hand_object_m", "success", "steps"):
        assert first[key] == second[key], key


@pytest.mark.parametrize("kind", ["cup", "box"])
def test_a_dropped_rocking_object_once_placed_ends_placed(kind):
    """Pin: dropped tilted and spinning over the spot, a placed yes is still a yes 2 s later.

    The loop's ``done`` asks ``placed`` at every tick once the arm has arrived. ``placed`` reads
    instantaneous speeds, so it does say yes at a turning point of the rocking (the cup dropped
    2 cm, tilted 0.2 rad, turning 3 rad/s: yes at 0.23 s, no at 0.24 s, yes for good from 0.32
    s), which ends an episode a little early; what matters is that the object does not then
    fall over or slide off: dropped 2-10 cm, tilted 0.2-0.6 rad, turning 3 rad/s, sliding
    0.3 m/s (a wider scan, 64 drops per object, found no yes that ended no).
    """
    import pybullet as p

    with Sim(manipulation_sim_config(SEED, kind, 32, 32)) as sim:
        setup = setup_task(sim, SEED, "pick-and-place", subgoal_images=False)
        monitor, spot = SuccessMonitor(sim), setup.place_xy
        state = sim.ee_state()
        state[:3] = [0.3, -0.3, 0.5]  # the hand out of the way
        sim.move_to(state)
        settled = 0
        for drop, tilt, slide, turn in ((0.1, 0.6, 0.3, 3.0), (0.02, 0.2, 0.0, 3.0),
                                        (0.05, 0.4, 0.3, 0.0)):
            z = monitor.rest_height + drop + 0.03 * np.sin(tilt)
            p.resetBasePositionAndOrientation(sim.handles.graspable, [*spot, z],
                                              p.getQuaternionFromEuler([tilt, 0.0, 0.0]),
                                              physicsClientId=sim.client)
            p.resetBaseVelocity(sim.handles.graspable, [slide, 0.0, 0.0], [turn, 0.0, 0.0],
                                physicsClientId=sim.client)
            verdicts = []
            for _ in range(480):
                sim.step(1)
                verdicts.append(monitor.placed(spot))
            if True in verdicts:  # placed at some step: still placed at the end
                settled += 1
                assert verdicts[-1], (drop, tilt, slide, turn)
        assert settled  # the pin is not empty: some drop does end placed

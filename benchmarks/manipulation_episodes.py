"""bench_manipulation.py's episodes: one row per seed for the expert and for a loop agent.

:func:`run_expert` (the scripted expert, its detectors checked against physical probes:
:func:`probe_held`, :func:`probe_placed`) and :func:`run_loop` (a world model planning toward
the sub-goal images) each return the episode's row; a seed without sub-goal images is
:func:`skipped_row`, an episode that raised is :func:`crashed_row` (one ``# crashed:`` line),
and every episode after a crash that lost the simulator is :func:`lost_row`. The simulator's
modules load when the first episode runs (``--help`` and a bad option answer at once).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from vjepa_ros.sim.detectors import SuccessMonitor
from vjepa_ros.sim.run_loop import LOST, crash_text, planner_seed, simulator_lost

if TYPE_CHECKING:
    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.manipulation_loop import TaskLoopConfig


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
    """Raise the hand 10 cm more, wait 1 s: is the object still, upright and on the spot.

    Upright, measured here apart from the detector's ``tilt_deg``: the object's own z axis
    (pybullet's rotation matrix of its pose) within 10 degrees of vertical, either way up (the
    cup and the box are symmetric under that flip); a box lying on a side rests only 0.5 cm
    below its standing height, so the height alone does not tell.
    """
    from vjepa_ros.sim.sim import quaternion_to_matrix  # loaded with the simulator

    with sim.preserved():
        before = sim.object_reading().position
        target = sim.target_state()
        sim.set_target(target[:3] + [0.0, 0.0, 0.1], target[3:6])
        sim.advance(1.0)
        after = sim.object_reading()
    axis_z = quaternion_to_matrix(after.quaternion)[2, 2]
    return bool(
        np.linalg.norm(after.position - before) < 0.005
        and abs(after.position[2] - monitor.rest_height) <= 0.01
        and abs(axis_z) >= np.cos(np.radians(10.0))
        and np.linalg.norm(after.position[:2] - place_xy) <= monitor.config.place_radius
    )


def run_expert(sim: Sim, task: str, seed: int, kind: str) -> dict:
    """Run one expert episode; return its row, as :func:`run_loop` does for a loop agent.

    A seed whose set-up raises RuntimeError is skipped; any other exception is a crashed row
    and one ``# crashed:`` line; on a lost simulator a row ``not_run`` (:data:`LOST_ROW`).
    """
    if simulator_lost(sim):
        return lost_row(seed)
    try:
        return _expert_row(sim, task, seed)
    except Exception as exc:  # noqa: BLE001 (one episode's crash: a failure; not Ctrl-C)
        return crashed_row(sim, exc, seed, f"expert {kind} {task}")


def _expert_row(sim: Sim, task: str, seed: int) -> dict:
    from vjepa_ros.sim.manipulation import record_expert_episode, setup_task

    started = time.perf_counter()
    try:
        setup = setup_task(sim, seed, task)
    except RuntimeError:
        return skipped_row(seed)
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


def skipped_row(seed: int) -> dict:
    """Return the row of a seed without sub-goal images (the clean expert missed one)."""
    return {"seed": seed, "subgoals": False, "success": False}


# A row's ``crashed`` for an episode left not run: a crash before it disconnected the simulator
LOST_ROW = f"not run: {LOST} in an earlier crash"


def lost_row(seed: int) -> dict:
    """Return the row of an episode not run: a crash before it lost the simulator."""
    return {"seed": seed, "subgoals": True, "success": False, "crashed": LOST_ROW,
            "not_run": True}


def run_loop(sim: Sim, model, cem, task: str, seed: int, random_actions: bool, dense: bool,
             loop: TaskLoopConfig, switching, kind: str, agent: str) -> dict:
    """Run one loop episode of ``agent``; return its row (``crashed``: the error, one line).

    A seed whose set-up raises RuntimeError (no sub-goal images) is skipped; any other
    exception in its set-up or run is a crashed row and one ``# crashed:`` line naming the
    agent; once a crash has disconnected ``sim`` (:func:`simulator_lost`) every later episode
    on it is a row ``not_run``, ``crashed``: :data:`LOST_ROW` (said once, after that crash).
    """
    from vjepa_ros.sim.manipulation import setup_task
    from vjepa_ros.sim.task_run import run_task

    if simulator_lost(sim):
        return lost_row(seed)
    try:
        setup = setup_task(sim, seed, task, dense=dense)
    except RuntimeError:
        return skipped_row(seed)
    except Exception as exc:  # noqa: BLE001 (a scene not set up: a crash)
        return crashed_row(sim, exc, seed, f"{agent} {kind} {task}")
    try:
        run = run_task(sim, model, setup, cem, kind, loop, switching, random_actions,
                       seed=planner_seed(seed))
    except Exception as exc:  # noqa: BLE001 (one episode's crash: a failure; not Ctrl-C)
        return crashed_row(sim, exc, seed, f"{agent} {kind} {task}")
    return {"subgoals": True, **run.row()}


def crashed_row(sim: Sim, exc: Exception, seed: int, episode: str) -> dict:
    """Print ``# crashed: AGENT OBJECT TASK seed S: ERROR``; return the episode's crashed row.

    A crash that disconnected ``sim`` adds one line: the object's episodes after it are not run.
    """
    print(f"# crashed: {episode} seed {seed}: {crash_text(exc)}", flush=True)
    if simulator_lost(sim):
        print(f"# simulator lost ({LOST} in that crash, pybullet disconnected): the episodes "
              "after it on this object are not run (failures)", flush=True)
    return {"seed": seed, "subgoals": True, "success": False, "crashed": crash_text(exc)}

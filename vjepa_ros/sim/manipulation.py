"""Manipulation tasks of the paper in the simulator: grasp, reach-with-object, pick-and-place.

Per episode seed the scene (object kind, its placement, the coloured objects) and the task's draws
(the place spot, the goal pose of reach-with-object) are fixed. A task's *sub-goal images* are made
as a person makes them on a real arm, by bringing the arm (and the object) to each sub-goal and
taking a picture: here the clean scripted expert runs from the episode's start to each milestone
inside :meth:`Sim.preserved`, so the scene is exactly as before afterwards.

============================ ===================================== ================================
task                         start                                 sub-goal images (in order)
============================ ===================================== ================================
``grasp``                    hand at the ready pose, open          object held and lifted
``reach-with-object``        object held and lifted (the clean     hand with the object at a goal
                             expert's grasp, not recorded)         pose 10–25 cm away
``pick-and-place``           hand at the ready pose, open          grasp (held, lifted); carry
                                                                   (held above the spot); place
                                                                   (on the spot, hand open, above)
============================ ===================================== ================================

Success (``detectors.py``): grasp — grasped at the end; reach-with-object — grasped and the TCP
within ``reach_radius`` of the goal pose; pick-and-place — put down at the spot: placed there
within ``max_put_down_shift`` of where the grasp detector last held (a cup pushed along the
table onto the spot, never lifted or after a grasp elsewhere, is not picked and placed).

    with Sim(manipulation_sim_config(seed, "cup")) as sim:
        setup = setup_task(sim, seed, "pick-and-place")      # reset, start state, sub-goal images
        episode, outcome = record_expert_episode(sim, setup)  # noisy expert, 4 Hz Episode
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vjepa_ros.config import check_values, flatten, param
from vjepa_ros.recordings.episode import Episode
from vjepa_ros.sim.choices import DENSE_MILESTONES, MILESTONES, TASKS
from vjepa_ros.sim.config import (
    SUCCESS_RADIUS,
    CameraConfig,
    SceneConfig,
    SimConfig,
    check_box,
)
from vjepa_ros.sim.detectors import SuccessMonitor
from vjepa_ros.sim.expert import Expert, ExpertConfig, OutOfFrames
from vjepa_ros.sim.sim import Sim
from vjepa_ros.sim.tasks import Goal, ReachTaskConfig, reach_error, sample_reach_target


@dataclasses.dataclass
class ManipulationTaskConfig:
    place_region: list[float] = param(
        [0.42, 0.62, -0.18, 0.18], "Region [x_min, x_max, y_min, y_max] (m) of place spots."
    )
    place_min_distance: float = param(
        0.12, "A place spot is at least this far [m] from the object's start."
    )
    place_spacing: float = param(
        0.1, "A place spot is at least this far [m] from every coloured object."
    )
    goal_workspace: list[float] = param(
        [0.38, 0.62, -0.2, 0.2, 0.18, 0.38],
        "Box [x_min, x_max, y_min, y_max, z_min, z_max] (m) of reach-with-object goal poses.",
    )
    reach_radius: float = param(
        0.05, "Reach-with-object succeeds with the TCP this close [m] to the goal pose.",
        **SUCCESS_RADIUS
    )
    workspace_floor: float = param(
        0.015, "The closed loop's safety box floor (safety.workspace_min z) this high [m] above "
        "the table top: below the expert's lowest grasp (ExpertConfig.min_grasp_height, 2.5 cm: "
        "a 6 cm box), as a lab sets safety.workspace_min for its table; the planner node's "
        "default floor (0.05 m) would keep the hand above a box's grasp height."
    )

    def __post_init__(self):
        check_box("ManipulationTaskConfig.goal_workspace", self.goal_workspace)
        if len(self.place_region) != 4 or not (
                self.place_region[0] < self.place_region[1]
                and self.place_region[2] < self.place_region[3]):
            raise ValueError("ManipulationTaskConfig.place_region must be "
                             "[x_min, x_max, y_min, y_max]")
        check_values(self, "ManipulationTaskConfig.")  # reach_radius: (0, 0.2] m
        if not 0 <= self.workspace_floor < 0.7:
            raise ValueError(f"ManipulationTaskConfig.workspace_floor must be in [0, 0.7) m above "
                             f"the table, got {self.workspace_floor!r}")


@dataclasses.dataclass
class TaskSetup:
    """A task episode ready to start: the scene is at its start state."""

    task: str
    seed: int
    goals: list[Goal]  # sub-goal images in order, named by ``names``
    names: tuple[str, ...]  # MILESTONES[task] or DENSE_MILESTONES[task]
    place_xy: np.ndarray | None  # [2] m, pick-and-place
    goal_state: np.ndarray | None  # [7], reach-with-object: the goal pose
    config: ManipulationTaskConfig
    expert: ExpertConfig


@dataclasses.dataclass
class ExpertOutcome:
    success: bool  # the task's success test at the end
    grasped: bool  # detector at the end
    placed: bool | None  # detector at the end (pick-and-place), None otherwise
    reach_error: float | None  # [m] TCP to goal pose at the end (reach-with-object)
    frames: int
    events: list[tuple[int, str]]  # (frame, what): misses, re-grasps, detours, ...
    ran_out: bool  # stopped at max_frames
    grasped_during: bool = False  # the grasp detector held at some check of the episode


def check_task(task: str) -> str:
    """Return ``task`` if it is one of :data:`TASKS`; ValueError naming the choices otherwise."""
    if task not in TASKS:
        raise ValueError(f"unknown manipulation task {task!r}: choose one of {', '.join(TASKS)}")
    return task


def manipulation_sim_config(seed: int, kind: str = "cup", width: int = 128, height: int = 128,
                            num_objects: int = 2, camera: CameraConfig | None = None) -> SimConfig:
    """Return the scene of episode ``seed``: a cup or box, coloured objects, the camera.

    ``camera``: its pose, field of view and lighting (default :class:`CameraConfig`'s, the
    DROID-like exterior view); the image is always ``width`` x ``height`` [px]. Raises ValueError
    naming the field for an impossible camera (``SimConfig.check``).
    """
    camera = dataclasses.replace(camera or CameraConfig(), width=width, height=height)
    return SimConfig(
        seed=seed, scene=SceneConfig(graspable=kind, num_objects=num_objects), camera=camera,
    ).check()


def _place_spot(sim: Sim, rng: np.random.Generator, config: ManipulationTaskConfig) -> np.ndarray:
    start = sim.object_reading().position[:2]
    others = sim.object_poses()[:, :2]
    x0, x1, y0, y1 = config.place_region
    for _ in range(1000):
        xy = np.array([rng.uniform(x0, x1), rng.uniform(y0, y1)])
        if np.linalg.norm(xy - start) >= config.place_min_distance and all(
                np.linalg.norm(xy - other) >= config.place_spacing for other in others):
            return xy
    raise ValueError(f"no place spot in place_region {config.place_region} is "
                     f"{config.place_min_distance} m from the object and {config.place_spacing} m "
                     "from the other objects: widen the region")


def setup_task(sim: Sim, seed: int, task: str, config: ManipulationTaskConfig | None = None,
               expert: ExpertConfig | None = None, subgoal_images: bool = True,
               dense: bool = False) -> TaskSetup:
    """Reset ``sim`` to episode ``seed``'s start state and make the task's sub-goal images.

    The paper's sub-goals (:data:`MILESTONES`), or with ``dense`` one at every turn of the
    expert's motion (:data:`DENSE_MILESTONES`). ``subgoal_images=False`` skips the images
    (``goals`` is then empty): a quicker start when only the expert's own episode matters.
    RuntimeError (one line naming the seed) when the clean expert cannot do the task on this
    seed: it misses a sub-goal, or runs out of ``expert.max_frames`` before the last one (the
    clean run is bounded by the episode's ``max_frames``; with ``subgoal_images=False`` only
    reach-with-object's grasp runs).
    """
    check_task(task)
    config, expert = config or ManipulationTaskConfig(), expert or ExpertConfig()
    sim.reset(seed)
    sim.step(round(0.2 * sim.config.physics_hz))  # let the object settle on the table
    draws = np.random.default_rng([seed, 1])  # the task's own draws, apart from the noise
    place_xy = _place_spot(sim, draws, config) if task == "pick-and-place" else None
    goal_state = None
    clean = expert.clean()
    if task == "reach-with-object":
        holder = Expert(sim, clean, draws, record=False)
        if not _clean_run(seed, task, holder.grasp):
            raise RuntimeError(f"seed {seed}: the clean expert cannot grasp the "
                               f"{sim.config.scene.graspable} to start reach-with-object")
        goal_state = sample_reach_target(
            sim.ee_state(), draws, ReachTaskConfig(workspace=config.goal_workspace,
                                                   min_distance=0.1, max_distance=0.25))
        goal_state[3:6] = sim.target_state()[3:6]
    goals: list[Goal] = []
    wanted = (DENSE_MILESTONES if dense else MILESTONES)[task]
    if not subgoal_images:
        return TaskSetup(task, seed, goals, wanted, place_xy, goal_state, config, expert)

    def capture(name: str) -> None:
        if name in wanted:
            goals.append(Goal(frame=sim.render(), state=sim.ee_state(),
                              target=sim.target_state(), reached=True))

    with sim.preserved():
        runner = Expert(sim, clean, np.random.default_rng([seed, 3]), record=False,
                        on_milestone=capture)
        _clean_run(seed, task, lambda: _run(runner, task, place_xy, goal_state))
        if task == "reach-with-object":
            capture("goal")
    if len(goals) != len(wanted):
        raise RuntimeError(f"seed {seed}: the clean expert reached {len(goals)} of the "
                           f"{len(wanted)} sub-goals of {task} ({', '.join(wanted)})")
    return TaskSetup(task, seed, goals, wanted, place_xy, goal_state, config, expert)


def _clean_run(seed: int, task: str, run):
    """Return ``run()``; its OutOfFrames as a RuntimeError naming the seed and ``max_frames``."""
    try:
        return run()
    except OutOfFrames as exc:
        raise RuntimeError(f"seed {seed}: the clean expert could not make the {task} sub-goal "
                           f"images: {exc}; raise ExpertConfig.max_frames") from None


def _run(expert: Expert, task: str, place_xy, goal_state) -> None:
    """Run the expert's behaviour for ``task`` (OutOfFrames when the frames run out)."""
    if task == "grasp":
        if expert.grasp():
            expert.hold(2, "hold")
    elif task == "reach-with-object":
        if expert.carry(goal_state, "carry"):
            expert.hold(2, "hold")
    else:
        if expert.grasp():
            expert.place(place_xy)


def task_outcome(sim: Sim, setup: TaskSetup, expert: Expert | None = None,
                 monitor: SuccessMonitor | None = None) -> ExpertOutcome:
    """Return the task's success test on the scene as it is now (module docstring).

    Pick-and-place also needs the object carried to the spot: put down
    (:meth:`SuccessMonitor.put_down`: placed within ``max_put_down_shift`` of where it was last
    grasped) by the monitor that watched the episode (``expert``'s, else ``monitor``). A fresh
    monitor (neither given) has seen no grasp, so an object standing on the spot is then not a
    success: it may have been pushed there; so is one grasped, set down elsewhere and pushed.
    """
    if expert is not None:
        monitor = expert.monitor
    monitor = monitor or SuccessMonitor(sim)
    grasped = monitor.grasped()  # latches carried_xy (grasped_seen)
    grasped_during = monitor.grasped_seen
    placed = monitor.placed(setup.place_xy) if setup.task == "pick-and-place" else None
    error = reach_error(sim.ee_state(), setup.goal_state) \
        if setup.task == "reach-with-object" else None
    if setup.task == "grasp":
        success = grasped
    elif setup.task == "reach-with-object":
        success = grasped and error <= setup.config.reach_radius
    else:
        success = monitor.put_down(setup.place_xy, placed)  # picked, carried there, set down
    events = expert.recording.events if expert is not None else []
    frames = expert.count if expert is not None else 0
    return ExpertOutcome(success, grasped, placed, error, frames, list(events), False,
                         grasped_during=grasped_during)


def record_expert_episode(sim: Sim, setup: TaskSetup, noise_seed: int | None = None
                          ) -> tuple[Episode, ExpertOutcome]:
    """Run the noisy expert from ``setup``'s start state and record a 4 Hz :class:`Episode`.

    The episode's states hold the measured gripper closedness; its metadata the task, the object,
    the sub-goal states, per-frame phases and gripper commands, events and the outcome.
    """
    seed = setup.seed if noise_seed is None else noise_seed
    expert = Expert(sim, setup.expert, np.random.default_rng([seed, 2]))
    ran_out = False
    try:
        _run(expert, setup.task, setup.place_xy, setup.goal_state)
    except OutOfFrames:
        ran_out = True
    else:
        # The final frame shows the outcome; short episodes fill up to min_frames.
        end = max(expert.count + 1, setup.expert.min_frames)
        expert.hold(min(end, setup.expert.max_frames) - expert.count, "end")
    outcome = dataclasses.replace(task_outcome(sim, setup, expert), ran_out=ran_out)
    rec = expert.recording
    times = np.array(rec.times) - rec.times[0]
    metadata = {
        "source": "vjepa_ros.sim.manipulation",
        "task": setup.task,
        "object": sim.config.scene.graspable,
        "seed": setup.seed,
        "noise_seed": seed,
        "rate_hz": setup.expert.rate_hz,
        "success": outcome.success,
        "grasped": outcome.grasped,
        "grasped_during": outcome.grasped_during,
        "placed": outcome.placed,
        "reach_error": outcome.reach_error,
        "ran_out": ran_out,
        "events": [list(e) for e in rec.events],
        "phases": rec.phases,
        "gripper_commands": np.round(rec.gripper_commands, 4).tolist(),
        "gripper_effort": setup.expert.gripper_effort,
        "place_xy": None if setup.place_xy is None else setup.place_xy.round(4).tolist(),
        "subgoal_states": [g.state.round(5).tolist() for g in setup.goals],
        "expert": {name: value for name, value, _ in flatten(setup.expert)},
        "task_config": {name: value for name, value, _ in flatten(setup.config)},
        "sim": sim.settings(),
    }
    episode = Episode.from_states(np.stack(rec.frames), np.stack(rec.states), times, metadata)
    return episode, outcome


def collect_manipulation(out_dir, task: str, kind: str, episodes: int, seed: int = 0,
                         width: int = 128, height: int = 128, expert: ExpertConfig | None = None,
                         log=print, camera: CameraConfig | None = None) -> list:
    """Record ``episodes`` expert episodes of ``task`` with a ``kind`` object into ``out_dir``.

    Seeds ``seed``, ``seed + 1``, ...; files ``<task>_<kind>_<seed>.npz`` (the episode, read by
    ``vjepa-ros train``) and ``<task>_<kind>_<seed>_subgoal<i>_<name>.png`` (its sub-goal images).
    ``camera``: pose and field of view (:func:`manipulation_sim_config`); the expert's motions,
    states and outcomes do not depend on it or on the image size. ``log`` gets one line per
    episode (``success`` / ``FAILURE``) and :func:`collect_summary`.

    A seed whose sub-goal images the clean expert cannot make (:func:`setup_task`'s
    RuntimeError: a missed sub-goal, or ``expert.max_frames`` too few for its run) is skipped,
    one line ``seed N: SKIPPED ...`` saying why, and counted in the summary: an overnight
    collection goes on with the next seed. RuntimeError (one line, the first seed's reason)
    when every seed was skipped: nothing was written.
    """
    from pathlib import Path

    from vjepa_ros.images import save_image_file

    check_task(task)
    if episodes < 1:
        raise ValueError(f"episodes must be >= 1, got {episodes}")
    out_dir = Path(out_dir).expanduser()
    paths, failed, skipped = [], [], []
    with Sim(manipulation_sim_config(seed, kind, width, height, camera=camera)) as sim:
        for index in range(episodes):
            episode_seed = seed + index
            try:
                setup = setup_task(sim, episode_seed, task, expert=expert)
            except RuntimeError as exc:  # no sub-goal images on this seed: the next one
                why = str(exc).removeprefix(f"seed {episode_seed}: ")
                skipped.append((episode_seed, why))
                log(f"seed {episode_seed}: SKIPPED, no episode written ({why})")
                continue
            episode, outcome = record_expert_episode(sim, setup)
            stem = f"{task}_{kind}_{episode_seed:06d}"
            paths.append(episode.save(out_dir / f"{stem}.npz"))
            for number, (goal, name) in enumerate(zip(setup.goals, setup.names, strict=True), 1):
                save_image_file(out_dir / f"{stem}_subgoal{number}_{name}.png", goal.frame)
            events = ", ".join(what for _, what in outcome.events) or "no perturbation"
            log(f"{paths[-1]}  {len(episode)} frames, "
                f"{'success' if outcome.success else 'FAILURE'} ({events})")
            if not outcome.success:
                failed.append(episode_seed)
    if not paths:
        first, why = skipped[0]
        which = f"all {len(skipped)} seeds skipped, seed {first}" if len(skipped) > 1 else \
            f"seed {first} skipped"
        raise RuntimeError(f"no episode written: {which}: {why}")
    log(collect_summary(len(paths), failed, [s for s, _ in skipped]))
    return paths


def collect_summary(episodes: int, failed: list[int], skipped: list[int] = ()) -> str:
    """Return the line after the episodes: how many the expert finished, which seeds it failed.

    ``episodes``: those written. A failed episode stays in the folder, its metadata ``success``
    false: ``vjepa-ros train`` uses it (and says how many), as the paper trains on all its
    teleoperated data. ``skipped``: seeds without an episode (no sub-goal images), named last.
    """
    from vjepa_ros.counts import counted

    if not failed:
        line = f"{counted(episodes, 'episode')}: " + ("a success" if episodes == 1 else
                                                      "all successes")
    else:
        seeds = ", ".join(map(str, failed))
        line = (f"{counted(episodes, 'episode')}: "
                f"{counted(episodes - len(failed), 'success', 'successes')}, {len(failed)} "
                f"FAILURE{'' if len(failed) == 1 else 'S'} (seed{'' if len(failed) == 1 else 's'} "
                f"{seeds}: the expert did not finish; kept, metadata success false; vjepa-ros "
                "train uses them unless you remove them)")
    if skipped:
        many, seeds = len(skipped) > 1, ", ".join(map(str, skipped))
        line += (f"; {len(skipped)} seed{'s' if many else ''} SKIPPED "
                 f"(seed{'s' if many else ''} {seeds}: the clean expert could not make "
                 f"{'their' if many else 'its'} sub-goal images; no episode written, see "
                 f"{'their lines' if many else 'its line'} above)")
    return line

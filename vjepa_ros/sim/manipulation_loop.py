"""Manipulation tasks in closed loop without ROS: the reach loop with sub-goals and task success.

``run_task_episode`` runs :func:`vjepa_ros.sim.reach.run_reach_episode` (the planner node's
MPCSession, blocking control by default) on a :class:`~vjepa_ros.sim.manipulation.TaskSetup`:

- goals: the task's sub-goal images; pick-and-place switches them after a fixed number of executed
  steps, as published (4, 10, 4; the last one stays active until the step limit, the sum); dense
  sub-goals (``setup_task(dense=True)``) likewise after ``dense_steps``;
- success: the task's detector test (``manipulation.task_outcome``) once a move has finished;
  one ``SuccessMonitor`` watches the episode, so pick-and-place counts only after a grasp;
- gripper: each planned gripper command goes to the hand as the ``control_msgs/GripperCommand``
  the planner node sends (``finger_position(closedness)``, ``control.gripper_max_effort``),
  executed with franka_gripper's semantics (``sim/gripper.py``).

    with Sim(manipulation_sim_config(seed, "cup")) as sim:
        oracle = OracleWorldModel().attach(sim)        # before the sub-goal images are rendered
        setup = setup_task(sim, seed, "grasp")
        episode, outcome = run_task_episode(sim, oracle, setup, cem)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from vjepa_ros.config import param
from vjepa_ros.option_warnings import said_already
from vjepa_ros.planning.config import CEMConfig, say_frozen_mean
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig
from vjepa_ros.robot.gripper_release import ReleaseStop
from vjepa_ros.robot.joint_states import FRANKA_HAND_MAX_WIDTH, finger_position
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.subgoal import SubGoal
from vjepa_ros.sim.choices import DENSE_STEPS_DEFAULT, check_dense_steps
from vjepa_ros.sim.detectors import SuccessMonitor
from vjepa_ros.sim.manipulation import (
    DENSE_MILESTONES,
    MILESTONES,
    ExpertOutcome,
    TaskSetup,
    task_outcome,
)
from vjepa_ros.sim.reach import ReachEpisode, ReachStep, run_reach_episode
from vjepa_ros.sim.reach_config import ReachConfig
from vjepa_ros.sim.sim import Sim


@dataclasses.dataclass
class TaskLoopConfig:
    subgoal_steps: list[int] = param(
        [4, 10, 4], "pick-and-place: executed steps per sub-goal (grasp, carry, place) before "
        "switching to the next, as published; the last one holds until the step limit (the sum)."
    )
    max_steps: int = param(20, "grasp and reach-with-object: planning steps before giving up.")
    dense_steps: list[int] = param(
        list(DENSE_STEPS_DEFAULT), "Dense sub-goals (setup_task(dense=True)): executed steps per "
        "sub-goal, in the order approach, pre-grasp, descend, closed, grasp, carry, lower, "
        "release, place (grasp uses the first five); the last one holds until the step limit "
        "(the sum). Enough for a learned model to reach the pre-grasp pose from the start (~40 cm "
        "at <= 5 cm per axis and step, halfway at the approach sub-goal; the oracle needs 3, 3, "
        "3, 2, 4, 5, 3, 2, 3)."
    )
    camera_rate_hz: float = param(4.0, "Camera frames per simulated second (as for reach).")
    step_limit: int = param(
        0, "Every task: this many planning steps at most, in place of the task's own limit "
        "(max_steps for one goal, the sum of the sub-goal steps for several: below it the later "
        "sub-goals are cut short, above it the last one holds longer); 0: the task's own."
    )

    def __post_init__(self):
        if len(self.subgoal_steps) != 3 or not all(
                isinstance(n, int) and n >= 1 for n in self.subgoal_steps):
            raise ValueError(f"TaskLoopConfig.subgoal_steps must be 3 integers >= 1 (grasp, "
                             f"carry, place), got {self.subgoal_steps!r}")
        if len(self.dense_steps) != len(DENSE_MILESTONES["pick-and-place"]) or not all(
                isinstance(n, int) and n >= 1 for n in self.dense_steps):
            raise ValueError(f"TaskLoopConfig.dense_steps must be "
                             f"{len(DENSE_MILESTONES['pick-and-place'])} integers >= 1 (one per "
                             f"sub-goal: {', '.join(DENSE_MILESTONES['pick-and-place'])}), got "
                             f"{self.dense_steps!r}")
        if not (isinstance(self.max_steps, int) and self.max_steps >= 1):
            raise ValueError(f"TaskLoopConfig.max_steps must be an integer >= 1, got "
                             f"{self.max_steps!r}")
        if not (isinstance(self.step_limit, int) and self.step_limit >= 0):
            raise ValueError(f"TaskLoopConfig.step_limit must be an integer >= 0, got "
                             f"{self.step_limit!r}")


def task_loop_config(max_steps: int | None, dense_steps: list[int] | None,
                     dense: bool) -> TaskLoopConfig:
    """Return the loop settings of the ``--max-steps`` and ``--dense-steps`` options.

    Raises ValueError naming the option: ``--dense-steps`` without dense sub-goals (it would be
    ignored) or with a count below 1.
    """
    check_dense_steps(dense_steps, dense)
    values = {"step_limit": max_steps or 0}
    if dense_steps is not None:
        values["dense_steps"] = list(dense_steps)
    return TaskLoopConfig(**values)


def task_subgoals(setup: TaskSetup, config: TaskLoopConfig) -> tuple[list[SubGoal], int]:
    """Return the session's sub-goals of ``setup`` and the episode's step limit.

    One goal: held until ``max_steps``. Several: each switched after its fixed number of executed
    steps (paper pick-and-place: ``subgoal_steps``; dense: ``dense_steps``), the last held until
    the sum. ``step_limit`` (when > 0, ``--max-steps``) replaces that limit, above it too. Each
    sub-goal keeps the state measured when its image was taken (as ``~/add_subgoal`` does), so
    ``goals.gripper`` subgoal can use it.
    """
    subgoals, limit = _task_subgoals(setup, config)
    return subgoals, config.step_limit or limit


def _task_subgoals(setup: TaskSetup, config: TaskLoopConfig) -> tuple[list[SubGoal], int]:
    names = setup.names
    if len(setup.goals) != len(names):
        raise ValueError(f"{setup.task} needs {len(names)} sub-goal images ({', '.join(names)}), "
                         f"the setup has {len(setup.goals)}: make it with subgoal_images=True")
    if len(names) == 1:
        return [SubGoal(setup.goals[0].frame, 0, source=names[0],
                        state=setup.goals[0].state)], config.max_steps
    if names == MILESTONES[setup.task]:
        steps = list(config.subgoal_steps)
    else:
        steps = list(config.dense_steps[:len(names)])
    last = len(names) - 1
    subgoals = [SubGoal(goal.frame, count if index < last else 0, source=name, state=goal.state)
                for index, (goal, name, count) in enumerate(zip(setup.goals, names, steps,
                                                                strict=True))]
    return subgoals, sum(steps)


def gripper_command_path(sim: Sim, control: ControlConfig) -> Callable[[float], None]:
    """Return how a planned closedness reaches the hand: the planner node's GripperCommand.

    As the node's ``GripperGoals``: franka_gripper's stop first when an open to the full width
    would be done at once under a grasp that may stand (``robot.gripper_release``).
    """
    release = ReleaseStop()

    def send(closedness: float) -> None:
        if release.due(closedness, float(sim.finger_positions().sum()), FRANKA_HAND_MAX_WIDTH):
            sim.stop_gripper()
            release.stopped()
        sim.command_gripper(finger_position(closedness), control.gripper_max_effort)
        release.sent(closedness)
    return send


def run_task_episode(
    sim: Sim,
    model,
    setup: TaskSetup,
    cem: CEMConfig,
    config: TaskLoopConfig | None = None,
    limits: SafetyLimits | None = None,
    control: ControlConfig | None = None,
    random_actions: bool = False,
    seed: int | None = 0,
    on_step: Callable[[ReachStep], None] | None = None,
    switching: GoalSwitchConfig | None = None,
    monitor: SuccessMonitor | None = None,
) -> tuple[ReachEpisode, ExpertOutcome]:
    """Run ``setup``'s task from the scene's current (start) state with MPC toward its sub-goals.

    ``switching``: the sub-goal switching rule (``goals.py``; default: the fixed step counts, as
    published); with the ``energy`` rule the step counts stay upper bounds. ``limits``: default
    the node's, with the box floor ``setup.config.workspace_floor`` above the table (the
    node's 0.05 m is above a box's grasp). Returns the loop's episode (steps, energies, frames,
    each step's sub-goal and switch; ``success``: the task's test held once a move had
    finished; an arm the safety filter holds, e.g. pushed out of the box by a contact, ends it
    with ``stop_reason`` ``"held: <why>"``) and the task's test on the final scene. ``monitor``:
    the detectors that watch the episode (default a new one, made before its first step): they
    read every physics step (``Sim.watch_steps``), so the outcome's ``grasped_during``
    (pick-and-place succeeds only after a grasp) covers the whole episode; a caller that also
    reads the scene (``task_run.run_task``) passes its own.
    Raises ValueError as :func:`~vjepa_ros.sim.reach.run_reach_episode` does, and says a mean
    momentum of 1 in ``cem`` once as it does (at the caller's line; it runs that one quiet).
    """
    if not random_actions:
        say_frozen_mean(cem, stacklevel=2)
    config = config or TaskLoopConfig()
    monitor = monitor or SuccessMonitor(sim)
    control = control or ControlConfig()
    limits = limits or task_limits(sim, setup)
    subgoals, max_steps = task_subgoals(setup, config)
    reach = ReachConfig(success_radius=setup.config.reach_radius, max_steps=max_steps,
                        camera_rate_hz=config.camera_rate_hz)

    def done(_state) -> bool:
        return task_outcome(sim, setup, monitor=monitor).success

    with said_already():  # (said above, at the caller's line)
        episode = run_reach_episode(
            sim, model, setup.goals[-1], cem, reach, limits, control, random_actions, seed,
            on_step, subgoals=subgoals, done=done, gripper=gripper_command_path(sim, control),
            switching=switching, stop_on_hold=True,
        )
    return episode, task_outcome(sim, setup, monitor=monitor)


def task_limits(sim: Sim, setup: TaskSetup) -> SafetyLimits:
    """Return the node's default safety limits with the box floor at ``workspace_floor``.

    The floor is ``setup.config.workspace_floor`` [m] above the scene's table top, so every
    sub-goal the expert made (grasp heights down to ``min_grasp_height``) lies inside the box.
    """
    limits = SafetyLimits()
    floor = sim.config.scene.table_height + setup.config.workspace_floor
    return dataclasses.replace(limits, workspace_min=[*limits.workspace_min[:2], floor])

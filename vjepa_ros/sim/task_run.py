"""A manipulation task episode, closed loop, measured step by step: what ``vjepa-ros run`` prints.

:func:`run_task` runs :func:`~vjepa_ros.sim.manipulation_loop.run_task_episode` (the planner
node's MPCSession on the simulator) and, at every planning step, measures the scene the plan was
made on (:class:`SceneReading`: measured gripper closedness, hand-to-object distance, object height
above its rest, object-to-place-spot distance, whether the grasp detector holds). The result
(:class:`TaskRun`) formats as the command's lines and as a JSON row (``benchmarks/
bench_manipulation.py``).

    with Sim(manipulation_sim_config(seed, "cup")) as sim:
        setup = setup_task(sim, seed, "pick-and-place")
        run = run_task(sim, model, setup, cem, switching=GoalSwitchConfig(rule="energy"),
                       say=print)                      # prints TASK_STEP_HEADER-aligned lines
        print(run.summary())
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable

import numpy as np

from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig
from vjepa_ros.robot.goals import GoalProgress
from vjepa_ros.sim.detectors import MAX_PUT_DOWN_SHIFT, SuccessMonitor
from vjepa_ros.sim.manipulation import MILESTONES, ExpertOutcome, TaskSetup
from vjepa_ros.sim.manipulation_loop import TaskLoopConfig, run_task_episode, task_subgoals
from vjepa_ros.sim.reach import ReachEpisode, ReachStep
from vjepa_ros.sim.sim import Sim


@dataclasses.dataclass(frozen=True)
class SceneReading:
    """The scene at one moment, measured by the simulator (base frame, metres)."""

    closedness: float  # measured gripper closedness, 0 open .. 1 closed (finger joints)
    hand_object_m: float  # TCP to the object's centre
    object_height_m: float  # object centre above its resting height (0: standing on the table)
    object_spot_m: float | None  # object centre to the place spot in x-y (pick-and-place)
    grasped: bool  # the grasp detector (lifted >= 5 cm, both fingers pressing)
    tcp: np.ndarray | None = None  # [7] the measured end-effector state
    # object centre (x-y) to where it was last held clear of the table after a grasp
    # (SuccessMonitor.carried_xy; None: never grasped): put down's shift
    carried_shift_m: float | None = None


def read_scene(sim: Sim, setup: TaskSetup, monitor: SuccessMonitor) -> SceneReading:
    """Measure ``sim`` now for ``setup``'s task (see :class:`SceneReading`)."""
    tcp = sim.ee_state()
    reading = monitor.reading()
    position = np.asarray(reading.position, dtype=np.float64)
    spot = None if setup.place_xy is None else \
        float(np.linalg.norm(position[:2] - setup.place_xy))
    grasped = monitor.grasped()  # latches carried_xy
    carried = monitor.carried_xy
    return SceneReading(
        closedness=float(tcp[6]),
        hand_object_m=float(np.linalg.norm(tcp[:3] - position)),
        object_height_m=float(position[2] - monitor.rest_height),
        object_spot_m=spot,
        grasped=grasped,
        tcp=np.array(tcp, dtype=np.float64),
        carried_shift_m=None if carried is None else
        float(np.linalg.norm(position[:2] - carried)),
    )


# why an episode ended (TaskRun.end_kind), in the words of its summary line
SUCCESS_END = "success detected"  # the task's test held once a move had finished
BUDGET_END = "step budget spent"  # max_steps commands executed, the test never held
HELD_END = "the safety filter held the arm"  # nothing could be commanded


@dataclasses.dataclass
class TaskRun:
    """One episode of a task: the loop's episode, a reading per step, the task's final test."""

    setup: TaskSetup
    kind: str  # graspable object: cup | box
    switching: GoalSwitchConfig
    episode: ReachEpisode
    outcome: ExpertOutcome  # the task's detectors on the final scene
    readings: list[SceneReading]  # one per step, measured when the step was planned
    final: SceneReading  # after the last move
    wall_s: float  # the whole episode (planning, simulation, rendering)
    max_steps: int | None = None  # the episode's step budget (None: not known)
    max_put_down_shift: float = MAX_PUT_DOWN_SHIFT  # [m] the monitor's put-down rule

    @property
    def steps(self) -> list[ReachStep]:
        return self.episode.steps

    @property
    def grasped_during(self) -> bool:
        """Whether the grasp detector held at some planning step, success test or at the end.

        The success tests' (``outcome.grasped_during``, what pick-and-place's success needs)
        and this one's agree: one monitor watched both.
        """
        return self.outcome.grasped_during or self.final.grasped or any(
            r.grasped for r in self.readings)

    @property
    def switches(self) -> list[tuple[int, str]]:
        """(step, reason) of every sub-goal switch, in order."""
        return [(s.step, s.subgoal.switch.reason) for s in self.steps
                if s.subgoal is not None and s.subgoal.switch is not None]

    @property
    def end_reason(self) -> str:
        """Why the episode ended, in words (after ``ended:`` in :meth:`summary`).

        ``success detected after step 39 of 40`` (the task's test held once a move had finished,
        so no further step was planned), ``step budget spent (40 of 40 steps)``, or ``the safety
        filter held the arm (WHY)`` (nothing could be commanded). ``of N``: with ``max_steps``.
        """
        count, budget = len(self.steps), "" if self.max_steps is None else f" of {self.max_steps}"
        kind = self.end_kind
        if kind == HELD_END:
            return f"{kind} ({self.episode.held})"
        if kind == SUCCESS_END:
            return f"{kind} after step {count}{budget}"
        return f"{kind} ({count}{budget} step{'s' if count != 1 else ''})"

    @property
    def end_kind(self) -> str:
        """:data:`SUCCESS_END`, :data:`BUDGET_END` or :data:`HELD_END`: why the episode ended."""
        if self.episode.held:
            return HELD_END
        return SUCCESS_END if self.episode.success else BUDGET_END

    def summary(self) -> str:
        """One line: success, grasped / placed, steps, seconds, why the episode ended."""
        outcome, count = self.outcome, len(self.steps)
        placed = "" if outcome.placed is None else f", placed {_yes(outcome.placed)}"
        if outcome.placed and not outcome.success:
            placed += f", not put down ({self.put_down_miss})"
        reach = "" if outcome.reach_error is None else \
            f", hand {outcome.reach_error * 100:.1f} cm from the goal pose"
        return (f"seed {self.setup.seed} ({self.kind}, {self.setup.task}): "
                f"{'SUCCESS' if outcome.success else 'failure'}; grasped during the episode "
                f"{_yes(self.grasped_during)}, at the end {_yes(outcome.grasped)}{placed}{reach}; "
                f"{count} step{'s' if count != 1 else ''}, {self.episode.sim_seconds:.1f} s "
                f"simulated, {self.wall_s:.1f} s wall; ended: {self.end_reason}")

    @property
    def put_down_miss(self) -> str:
        """Why a placed object is not put down (pick-and-place's success), in words.

        ``4.2 cm from where it was last held, over max_put_down_shift 3 cm: pushed there?``, or
        ``never held: pushed there?`` (measured on the final scene).
        """
        shift = self.final.carried_shift_m
        if shift is None:
            return "never held: pushed there?"
        limit = f"max_put_down_shift {self.max_put_down_shift * 100:g} cm"
        if shift <= self.max_put_down_shift:
            return f"{_cm(shift):g} cm from where it was last held, within {limit}"
        return f"{_cm(shift):g} cm from where it was last held, over {limit}: pushed there?"

    def row(self) -> dict:
        """Return the episode's numbers as JSON types (``bench_manipulation.py --json`` rows)."""
        return {
            "seed": self.setup.seed,
            "object": self.kind,
            "task": self.setup.task,
            "subgoal_names": list(self.setup.names),
            "rule": self.switching.rule,
            "gripper": self.switching.gripper,  # planned | subgoal (goals.gripper)
            "axes": self.switching.axes,  # searched | subgoal (goals.axes)
            "dense": tuple(self.setup.names) != MILESTONES[self.setup.task],
            "success": bool(self.outcome.success),
            "grasped": bool(self.outcome.grasped),
            "grasped_during": bool(self.grasped_during),
            "placed": self.outcome.placed,
            "reach_error_m": self.outcome.reach_error,
            "steps": len(self.steps),
            "stop_reason": self.episode.stop_reason,  # reached | step limit | held: <why>
            "max_steps": self.max_steps,
            "end_reason": self.end_reason,  # the same, in the summary line's words
            "sim_s": self.episode.sim_seconds,
            "wall_s": self.wall_s,
            # the closedness each step sent to the hand; None: none went out (the last stands)
            "gripper_commands": [None if s.gripper_command is None else
                                 round(float(s.gripper_command), 4) for s in self.steps],
            "energies": [None if math.isnan(s.energy) else s.energy for s in self.steps],
            "active_subgoal": [None if s.subgoal is None else s.subgoal.index
                               for s in self.steps],
            "switches": [list(switch) for switch in self.switches],
            "hand_object_m": [round(r.hand_object_m, 4) for r in self.readings],
            "object_height_m": [round(r.object_height_m, 4) for r in self.readings],
            "subgoal_error_m": self.subgoal_errors(),
        }

    def subgoal_errors(self) -> list[float | None]:
        """TCP to the active sub-goal's TCP [m] when each step was planned (None: not known).

        The sub-goal's TCP is the one measured when its image was captured: how far the arm was
        from where the sub-goal wants it, e.g. when the gripper closed.
        """
        errors = []
        for step, reading in zip(self.steps, self.readings, strict=True):
            index = None if step.subgoal is None else step.subgoal.index
            if step.subgoal is not None and step.subgoal.switch is not None:
                index = step.subgoal.switch.index  # planned toward the one it switched from
            goal = None if index is None or index >= len(self.setup.goals) else \
                self.setup.goals[index]
            errors.append(None if goal is None or reading.tcp is None else
                          round(float(np.linalg.norm(reading.tcp[:3] - goal.state[:3])), 4))
        return errors


def run_task(sim: Sim, model, setup: TaskSetup, cem: CEMConfig, kind: str,
             config: TaskLoopConfig | None = None, switching: GoalSwitchConfig | None = None,
             random_actions: bool = False, seed: int | None = 0,
             say: Callable[[str], None] | None = None,
             steps: list[ReachStep] | None = None) -> TaskRun:
    """Run ``setup``'s task with MPC from its start state; ``say`` gets one line per step.

    ``kind``: the scene's graspable object (for the report). ``steps``: a list that gets each
    step as it is done (what an interrupted run did). Raises as
    :func:`~vjepa_ros.sim.manipulation_loop.run_task_episode` does.
    """
    switching = switching or GoalSwitchConfig()
    monitor = SuccessMonitor(sim)
    readings: list[SceneReading] = []
    _, max_steps = task_subgoals(setup, config or TaskLoopConfig())  # the loop's budget

    def on_step(step: ReachStep) -> None:
        if steps is not None:
            steps.append(step)
        readings.append(read_scene(sim, setup, monitor))
        if say is not None:
            say(format_task_step(step, readings[-1], setup.names, max_steps))

    if say is not None:
        say(TASK_STEP_HEADER)
    started = time.perf_counter()
    episode, outcome = run_task_episode(sim, model, setup, cem, config,
                                        random_actions=random_actions, seed=seed,
                                        on_step=on_step, switching=switching, monitor=monitor)
    return TaskRun(setup, kind, switching, episode, outcome, readings,
                   read_scene(sim, setup, monitor), time.perf_counter() - started, max_steps,
                   monitor.config.max_put_down_shift)


# -- the lines ---------------------------------------------------------------------------------

TASK_STEP_HEADER = (f"{'step':>4}  {'sub-goal':<14} {'energy':>9}  {'grip cmd':>8}  "
                    f"{'grip':>5}  {'hand-obj':>8}  {'obj up':>7}  {'obj-spot':>8}  "
                    f"{'held':>4}  switch")


def subgoal_label(progress: GoalProgress | None, names) -> str:
    """``2/3 carry``: the sub-goal planned toward (1-based) and its name."""
    if progress is None or progress.index >= len(names):
        return "-"
    return f"{progress.index + 1}/{progress.count} {names[progress.index]}"


def switch_label(progress: GoalProgress | None, names, budget_ended: bool = False) -> str:
    """``-> 2/3 carry (threshold)``: the switch this step's command made, or ``""``.

    The end of the last sub-goal reads ``-> done (steps)``: no index past the count (it read
    ``-> 4/3 done``, a sub-goal 4 of 3 that does not exist). ``budget_ended``: this was the
    episode's last step (its step budget spent), so no step plans toward the sub-goal the switch
    was due to: ``due 3/3 place, no step left (steps)`` (it read ``-> 3/3 place``, as if the
    next steps planned toward it).
    """
    switch = None if progress is None else progress.switch
    if switch is None:
        return ""
    following = switch.index + 1
    if following >= switch.count:
        return f"-> done ({switch.reason})"
    where = f" {names[following]}" if following < len(names) else ""
    if budget_ended:
        return f"due {following + 1}/{switch.count}{where}, no step left ({switch.reason})"
    return f"-> {following + 1}/{switch.count}{where} ({switch.reason})"


def format_task_step(step: ReachStep, reading: SceneReading, names,
                     max_steps: int | None = None) -> str:
    """One line per planning step, aligned with :data:`TASK_STEP_HEADER`.

    step; sub-goal planned toward; elite energy to it; the gripper command the step sent
    (closedness, 0 open .. 1 closed; ``-`` when none went out and the last one sent stands:
    the plan's closedness within ``control.gripper_deadband`` of it, or of the measured hand it
    started from: breaker57e, a release planned while a grasp stood read as sent) and the
    measured closedness; hand-to-object [cm]; object height above
    its rest [cm]; object-to-place-spot [cm] (pick-and-place, else ``-``); ``yes`` when the grasp
    detector holds; the sub-goal switch the command made and its rule's reason (``steps``,
    ``threshold``, ``plateau``; on step ``max_steps``, the budget's last, a switch to a further
    sub-goal reads as due with no step left: :func:`switch_label`). Distances are measured when
    the step was planned.
    """
    budget_ended = max_steps is not None and step.step >= max_steps
    energy = "-" if math.isnan(step.energy) else f"{step.energy:.5f}"
    spot = "-" if reading.object_spot_m is None else f"{_cm(reading.object_spot_m):.1f} cm"
    return (f"{step.step:>4}  {subgoal_label(step.subgoal, names):<14} {energy:>9}  "
            f"{_sent(step.gripper_command):>8}  {reading.closedness:>5.2f}  "
            f"{_cm(reading.hand_object_m):>5.1f} cm  {_cm(reading.object_height_m):>4.1f} cm  "
            f"{spot:>8}  {'yes' if reading.grasped else '-':>4}  "
            f"{switch_label(step.subgoal, names, budget_ended)}").rstrip()


def _sent(gripper_command: float | None) -> str:
    """Format a step's gripper command for its line: ``0.36``, or ``-`` when none went out."""
    return "-" if gripper_command is None else f"{gripper_command:.2f}"


def format_totals(runs: list[TaskRun], skipped: int = 0, crashed: int = 0,
                  not_run: int = 0) -> str:
    """One line over several episodes: successes, grasped, placed, median steps and seconds.

    Then how many episodes ended for each reason (:attr:`TaskRun.end_kind`). The success rate is
    over every seed asked for: a ``skipped`` seed (no sub-goal images) counts as a failure, as
    the benchmark (``bench_manipulation.py``) counts it, and so does a ``crashed`` episode (one
    that raised) and a seed ``not_run`` (the simulator lost in a crash before it); grasped and
    placed are over the episodes that ran to their end. A count of 0 has no clause.
    """
    count = len(runs)
    clauses = [f"{skipped} seed{'s' if skipped != 1 else ''} skipped: no sub-goal images"
               if not count else f"{skipped} seed(s) skipped (no sub-goal images: counted as "
               "failures)"] if skipped else []
    if crashed:
        clauses.append(f"{crashed} episode(s) crashed (counted as failures)")
    if not_run:
        clauses.append(f"{not_run} seed(s) not run (the simulator was lost: counted as "
                       "failures)")
    asked = count + skipped + crashed + not_run
    if not count:
        return f"total: success 0/{asked} (0%): no episode ran ({'; '.join(clauses)})"
    placed = [r.outcome.placed for r in runs if r.outcome.placed is not None]
    pushed = sum(bool(r.outcome.placed and not r.outcome.success) for r in runs)
    placed_text = f", placed {sum(placed)}/{len(placed)}" if placed else ""
    if pushed:
        placed_text += f" ({pushed} not put down: not carried there)"
    ends = [r.end_kind for r in runs]
    ended = ", ".join(f"{kind} {ends.count(kind)}" for kind in (SUCCESS_END, BUDGET_END, HELD_END)
                      if kind in ends)
    wins = sum(bool(r.outcome.success) for r in runs)
    return (f"total: success {wins}/{asked} ({wins / asked:.0%}), grasped during "
            f"{sum(r.grasped_during for r in runs)}/{count}{placed_text}; median "
            f"{_median([len(r.steps) for r in runs]):g} steps, "
            f"{_median([r.episode.sim_seconds for r in runs]):.1f} s simulated, "
            f"{_median([r.wall_s for r in runs]):.1f} s wall per episode; ended: {ended}"
            f"{''.join('; ' + clause for clause in clauses)}")


def _cm(metres: float) -> float:
    """Centimetres rounded to 0.1, without a negative zero (-0.0 + 0.0 is 0.0)."""
    return round(metres * 100, 1) + 0.0


def _median(values) -> float:
    return float(np.median(values))


def _yes(value: bool) -> str:
    return "yes" if value else "no"

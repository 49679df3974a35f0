"""Goal images for the MPC loop: one goal, or a list of sub-goals and the rule that switches them.

The paper's pick-and-place switched between three sub-goal images after 4, 10 and 4 executed
steps (V-JEPA 2 paper, §planning; facts file §5); ``GoalSequence`` with the ``steps`` rule does
that. A step count of 0 means "until the goal is changed" and is allowed on the last sub-goal
only; a count of None takes ``GoalSwitchConfig.default_steps`` (a single goal: no limit).

Beyond the paper, the ``energy`` rule also switches from a sub-goal that is not the last one as
soon as the energy of the commanded plan to it (the planner's elite energy, the imagined distance
to the sub-goal after the step) falls below ``energy_threshold``, or has not improved by more
than ``min_delta`` for ``patience`` steps; its step counts stay as an upper bound. The last
sub-goal never switches on energy. Every switch is recorded (:class:`SubGoalSwitch`) and the
sequence's progress (:class:`GoalProgress`) goes into each plan report and the diagnostics.

Also beyond the paper, ``gripper`` ``subgoal`` takes the gripper from the sub-goals instead of the
planner: each sub-goal knows the hand's closedness when it was captured (``~/add_subgoal``: the
measured state; goal files: the ``goal_gripper`` parameter), and every command toward it opens
(closedness ≤ :data:`GRIPPER_CLOSED_ABOVE`) or closes the hand (closedness 1: franka_gripper
grasps until the fingers are blocked). The planner then searches the arm's motion only (gripper
delta fixed at 0, :func:`planner_settings`). Why: a world model that barely sees the fingers
plans the published gripper dimension as noise (docs/manipulation.md).

``gripper`` ``hold`` leaves the hand alone: the planner searches the arm's motion only (gripper
delta fixed at 0, as for ``subgoal``) and no gripper command is sent (``mpc.MPCSession``), so a
plain reach neither drops nor squeezes what the hand holds.

The parameters live in ``robot/goal_switch_config.py``, one goal image in ``robot/subgoal.py``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vjepa_ros.images import check_rgb
from vjepa_ros.robot.goal_axes import describe_still, still_axes, subgoal_moves
from vjepa_ros.robot.goal_switch_config import (
    AXES_SOURCES,
    GRIPPER_CLOSED_ABOVE,
    GRIPPER_INDEX,
    GRIPPER_SEARCH_OPTIONS,
    GRIPPER_SOURCES,
    SWITCH_RULES,
    GoalSwitchConfig,
    default_step_counts,
    planner_settings,
)
from vjepa_ros.robot.subgoal import SubGoal, capture_refusal, check_subgoal_gripper

# The names above keep their old home here (``from vjepa_ros.robot.goals import SubGoal``).
__all__ = ["AXES_SOURCES", "GRIPPER_CLOSED_ABOVE", "GRIPPER_INDEX", "GRIPPER_SEARCH_OPTIONS",
           "GRIPPER_SOURCES", "SWITCH_RULES", "GoalProgress", "GoalSequence", "GoalSwitchConfig",
           "SubGoal", "SubGoalSwitch", "capture_refusal", "default_step_counts",
           "planner_settings"]

@dataclasses.dataclass(frozen=True)
class SubGoalSwitch:
    """One switch: from sub-goal ``index`` (0-based) after ``step`` executed steps toward it."""

    index: int
    reason: str  # "steps" (its count used up), "threshold" or "plateau" (energy rule)
    step: int
    energy: float | None  # the energy of the step that switched (None when not known)
    count: int  # sub-goals in the sequence; index + 1 == count: the last one ended

    def describe(self) -> str:
        to = "done" if self.index + 1 >= self.count else f"sub-goal {self.index + 2}/{self.count}"
        energy = "" if self.energy is None else f", energy {self.energy:.4f}"
        return (f"sub-goal {self.index + 1}/{self.count} → {to} ({self.reason} after "
                f"{self.step} steps{energy})")


@dataclasses.dataclass(frozen=True)
class GoalProgress:
    """Where a goal sequence stands; in every plan report (``PlanReport.subgoal``)."""

    index: int  # active sub-goal, 0-based; == count when all are done
    count: int
    steps_done: int  # executed steps toward the active sub-goal
    rule: str  # GoalSwitchConfig.rule
    switch: SubGoalSwitch | None = None  # the switch this plan's command made, if any


class GoalSequence:
    """The active sub-goal, the steps executed toward it, and the switches so far."""

    def __init__(self, goals: list[SubGoal], switching: GoalSwitchConfig | None = None):
        if not goals:
            raise ValueError("a goal sequence needs at least one goal image")
        self.switching = switching or GoalSwitchConfig()
        defaults = default_step_counts(len(goals), self.switching)
        self.steps: list[int] = []  # resolved step counts, one per sub-goal
        for index, goal in enumerate(goals):
            goal.image = np.array(check_rgb(goal.image))  # own, writable copy
            steps = defaults[index] if goal.steps is None else goal.steps
            if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
                raise ValueError(f"sub-goal {index}: steps must be an integer >= 0, got "
                                 f"{goal.steps!r}")
            if steps == 0 and index < len(goals) - 1:
                raise ValueError(
                    f"sub-goal {index} has steps 0 (no limit) but is not the last one: the "
                    "goals after it would never be reached"
                )
            self.steps.append(steps)
            if self.switching.gripper == "subgoal":
                check_subgoal_gripper(index, goal)
        self.goals = goals
        # goals.axes subgoal: each sub-goal's captured move from the previous one [3] m or None
        self.moves = subgoal_moves(goals) if self.switching.axes == "subgoal" else \
            [None] * len(goals)
        self.index = 0
        self.steps_done = 0
        self.switches: list[SubGoalSwitch] = []
        self._best = float("inf")  # lowest energy toward the active sub-goal
        self._stale = 0  # steps in a row without an improvement > min_delta
        # the newest count's switch with what it replaced (steps_done, _best, _stale), while its
        # command has not arrived (:meth:`reopen`); None: no count since, or it switched nothing
        self._switched: tuple[SubGoalSwitch, int, float, int] | None = None

    @property
    def current(self) -> SubGoal | None:
        """The active sub-goal, or None when every sub-goal has used up its steps."""
        return self.goals[self.index] if self.index < len(self.goals) else None

    def fixed_axes(self, index: int | None = None, model_frame=None) -> tuple:
        """Return the axes held still toward sub-goal ``index`` (default: the active one).

        ((action index, 0.0), ...) for ``planner.plan(fixed_axes=...)``; empty unless
        ``goals.axes`` is subgoal and the captured move is clear (``goal_axes.still_axes``).
        ``model_frame`` (``robot.model_frame.ModelFrame``, not the identity): the move is
        rotated into the model's frame first, where the planner plans.
        """
        index = self.index if index is None else index
        move = self.moves[index] if index < len(self.moves) else None
        if move is None:
            return ()
        if model_frame is not None and not model_frame.identity:
            move = model_frame.action_to_model(np.r_[move, np.zeros(4)]).numpy()[:3]
        axes = still_axes(move, self.switching.axes_tolerance_m, self.switching.axes_min_move_m)
        return tuple((axis, 0.0) for axis in axes)

    def describe_axes(self, model_frame=None) -> str:
        """Return ``held axes: 3 (descend): z only; ...`` for the new-goal line ("": not subgoal).

        The axes are those the plans hold: in ``model_frame``'s axes when it is not the identity
        (said so); a sub-goal whose clear base-frame move holds an axis there but none in the
        model's frame is named (the rotation turns its move off the model's axes).
        """
        if self.switching.axes != "subgoal":
            return ""
        rotated = model_frame is not None and not model_frame.identity
        held, lost = [], []
        for i, goal in enumerate(self.goals):
            axes = tuple(a for a, _ in self.fixed_axes(i, model_frame))
            if axes:
                held.append(describe_still(i + 1, goal.source, axes))
            elif rotated and self.fixed_axes(i):
                lost.append(f"{i + 1} ({goal.source or 'image'})")
        text = ("held axes: " + "; ".join(held) if held else
                "held axes: none (no captured move holds an axis: all searched)")
        if rotated:
            text += " (the model's frame, control.model_frame_rpy_deg)"
        if lost:
            text += (f"; sub-goal{'s' if len(lost) > 1 else ''} {', '.join(lost)}: searched in "
                     "every axis, as the model frame's rotation turns the captured move off "
                     "the model's axes")
        return text

    @property
    def finished(self) -> bool:
        return self.index >= len(self.goals)

    def other_hand(self, hand: str | None) -> list[int]:
        """0-based indices of the sub-goals still ahead captured on a hand other than ``hand``.

        Only under ``gripper`` subgoal (otherwise a sub-goal's closedness commands nothing);
        see :meth:`SubGoal.other_hand`.
        """
        if self.switching.gripper != "subgoal":
            return []
        return [index for index in range(self.index, len(self.goals))
                if self.goals[index].other_hand(hand)]

    def count_step(self, energy: float | None = None) -> SubGoalSwitch | None:
        """Count one executed command and its plan's ``energy``; return the switch it made.

        None when the active sub-goal stays (or none is left).
        """
        self._switched = None  # a newer command: the one before is no longer reopened
        if self.finished:
            return None
        before = (self.steps_done, self._best, self._stale)
        self.steps_done += 1
        reason = self._energy_reason(energy)
        limit = self.steps[self.index]
        if not reason and limit and self.steps_done >= limit:
            reason = "steps"
        if not reason:
            return None
        switch = SubGoalSwitch(self.index, reason, self.steps_done, energy, len(self.goals))
        self._switched = (switch, *before)
        self.switches.append(switch)
        self.index += 1
        self.steps_done, self._best, self._stale = 0, float("inf"), 0
        return switch

    def _energy_reason(self, energy: float | None) -> str:
        """Return the energy rule's reason: "threshold", "plateau" or "" (never on the last)."""
        config = self.switching
        if config.rule != "energy" or energy is None or not np.isfinite(energy) or \
                self.index == len(self.goals) - 1:
            return ""
        if energy < config.energy_threshold:
            return "threshold"
        if energy < self._best - config.min_delta:  # improvement on the best (as Keras'
            self._best, self._stale = energy, 0  # EarlyStopping: slow, steady progress counts)
        else:
            self._stale += 1
        return "plateau" if config.patience and self._stale >= config.patience else ""

    def keep_switch(self) -> None:
        """Keep the newest count's switch: its command arrived (or stopped for good)."""
        self._switched = None

    @property
    def unarrived_switch(self) -> SubGoalSwitch | None:
        """The switch made by the newest counted command while it has not arrived, or None."""
        return None if self._switched is None else self._switched[0]

    def reopen(self) -> SubGoalSwitch | None:
        """Undo the switch of the newest counted command, stopped before it arrived.

        A command that ended a sub-goal (its last step, or the energy rule's) switched as it went
        out; stopped short of its target (a hold: stale or invalid inputs, a planner error ...),
        that sub-goal was not reached: it is active again with the steps it had before that
        command, and the next plan (once the inputs pass) is toward it. Returns the switch undone,
        None when that command switched nothing (its step stays counted: the sub-goal is still
        active and replanned from where the arm stopped) or has already arrived.
        """
        if self._switched is None:
            return None
        switch, self.steps_done, self._best, self._stale = self._switched
        self._switched = None
        self.switches.pop()
        self.index = switch.index
        return switch

    def restart(self) -> bool:
        """Go back to the first sub-goal with no step counted and no switch made.

        For a new world (the clock went back: a simulator restarted, a bag looped), in which
        the scene is at its start again. Returns True when there was progress to forget.
        """
        had = self.index > 0 or self.steps_done > 0
        self.index, self.steps_done, self._best, self._stale = 0, 0, float("inf"), 0
        self.switches.clear()
        self._switched = None
        return had

    def progress(self, switch: SubGoalSwitch | None = None) -> GoalProgress:
        return GoalProgress(self.index, len(self.goals), self.steps_done, self.switching.rule,
                            switch)

    def describe(self) -> str:
        goal = self.current
        if goal is None:
            return f"all {len(self.goals)} sub-goals done"
        limit = self.steps[self.index] or "∞"
        return (f"goal {self.index + 1}/{len(self.goals)} ({goal.source or 'image'}), "
                f"step {self.steps_done}/{limit}")

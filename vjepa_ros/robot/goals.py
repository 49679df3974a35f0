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
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from vjepa_ros.config import check_values, param
from vjepa_ros.images import check_rgb
from vjepa_ros.robot.goal_axes import describe_still, still_axes, subgoal_moves
from vjepa_ros.robot.refusal import Blocker

SWITCH_RULES = ("steps", "energy")
GRIPPER_SOURCES = ("planned", "subgoal", "hold")
AXES_SOURCES = ("searched", "subgoal")  # goals.axes (robot/goal_axes.py)
GRIPPER_INDEX = 6  # the gripper entry of the 7-dim state and action (planning.cem.GRIPPER)
# The planner settings of its gripper search (CEMConfig fields), which goals.gripper subgoal
# and hold turn off: the CLI refuses them, the node warns about them (nodes/idle_parameters.py).
GRIPPER_SEARCH_OPTIONS = ("close_gripper", "gripper_round_threshold", "gripper_clip",
                          "gripper_init_std", "momentum_mean_gripper", "momentum_std_gripper")
GRIPPER_CLOSED_ABOVE = 0.1  # a sub-goal captured with the hand closed more than this: close it
# (0.1 = 8 mm of an 80 mm Franka Hand; a held 6 cm cup reads 0.25, an empty closed hand 1)


@dataclasses.dataclass
class GoalSwitchConfig:
    """How sub-goals are switched and kept (the planner node's ``goals.*`` parameters)."""

    rule: str = param(
        "steps", "Sub-goal switching: steps = after each sub-goal's executed-step count (the "
        "paper's pick-and-place); energy = also early, when the energy to a sub-goal (not the "
        "last) falls below energy_threshold or stops improving for patience steps."
    )
    default_steps: list[int] = param(
        [4, 10, 4], "Executed steps per sub-goal when none are given (goal_steps empty, "
        "~/add_subgoal): sub-goal i takes entry i, later ones the last entry; a single goal has "
        "no limit. Default: the paper's pick-and-place (4, 10, 4)."
    )
    energy_threshold: float = param(
        0.0, "energy rule: switch when the commanded plan's energy to the sub-goal is below "
        "this (the scale is the model's: read 'energy' in /diagnostics at a sub-goal); 0: off.",
        range=(0, math.inf), high_open=True  # the model's scale: no upper bound
    )
    patience: int = param(
        3, "energy rule: switch after this many steps in a row whose energy did not improve on "
        "the sub-goal's best by more than min_delta; 0: off.", range=(0, 1000)
    )
    min_delta: float = param(
        0.001, "energy rule: an energy drop of at most this counts as no improvement.",
        range=(0, math.inf), high_open=True  # the model's scale: no upper bound
    )
    max_subgoals: int = param(
        10, "Most sub-goals ~/add_subgoal keeps; a further one is refused (clear the list with "
        "~/clear_goals).", range=(1, 1000)
    )
    gripper: str = param(
        "planned", "Who decides the gripper: planned = the planner's gripper dimension (as "
        "published; a plain reach may open or close the hand); subgoal = each command toward a "
        "sub-goal opens or closes the hand as it was when the sub-goal was captured "
        "(~/add_subgoal, or goal_gripper for files); hold = the gripper is never commanded. With "
        "subgoal and hold the planner searches the arm's motion only."
    )
    gripper_closed_above: float = param(
        GRIPPER_CLOSED_ABOVE, "gripper subgoal: a sub-goal captured with the hand closed more "
        "than this (0 open .. 1 closed) closes the hand, else opens it. 0.1 = 8 mm of an 80 mm "
        "Franka Hand: an object wider than ~7.2 cm reads as open; lower it for such objects.",
        range=(0, 1), high_open=True
    )

    axes: str = param(
        "searched", "Which axes the planner searches toward a sub-goal: searched = x, y and z "
        "(as published); subgoal = only those along which the captured end effector moved "
        "from the previous sub-goal (~/add_subgoal keeps the pose): an axis it moved less "
        "than axes_tolerance_m along, in a move of at least axes_min_move_m, is held still "
        "(a straight descent is searched in z alone)."
    )
    axes_tolerance_m: float = param(
        0.01, "axes subgoal: a captured move smaller than this along an axis [m] holds that "
        "axis still.", range=(0, 0.1)
    )
    axes_min_move_m: float = param(
        0.03, "axes subgoal: a captured move whose largest component is below this [m] holds "
        "nothing (a sub-goal that only opens or closes the hand is searched in full); must be "
        "above axes_tolerance_m.", range=(0, 1)
    )

    def __post_init__(self):
        if self.rule not in SWITCH_RULES:
            raise ValueError(f"goals.rule must be one of {SWITCH_RULES}, got {self.rule!r}")
        if self.gripper not in GRIPPER_SOURCES:
            raise ValueError(f"goals.gripper must be one of {GRIPPER_SOURCES}, got "
                             f"{self.gripper!r}")
        if self.axes not in AXES_SOURCES:
            raise ValueError(f"goals.axes must be one of {AXES_SOURCES}, got {self.axes!r}")
        if not 0.0 <= self.gripper_closed_above < 1.0:
            raise ValueError(f"goals.gripper_closed_above must be in [0, 1), got "
                             f"{self.gripper_closed_above!r}")
        if any(not isinstance(n, int) or n < 1 for n in self.default_steps):
            raise ValueError(f"goals.default_steps must be integers >= 1, got "
                             f"{list(self.default_steps)}")
        for name in ("energy_threshold", "min_delta"):
            if not 0 <= getattr(self, name) < float("inf"):
                raise ValueError(f"goals.{name} must be a finite number >= 0, got "
                                 f"{getattr(self, name)!r}")
        if self.patience < 0:
            raise ValueError(f"goals.patience must be >= 0, got {self.patience}")
        if self.max_subgoals < 1:
            raise ValueError(f"goals.max_subgoals must be >= 1, got {self.max_subgoals}")
        check_values(self, "goals.")  # the declared ranges (param's range=)
        if not self.axes_min_move_m > self.axes_tolerance_m:
            raise ValueError(f"goals.axes_min_move_m ({self.axes_min_move_m!r} m) must be above "
                             f"goals.axes_tolerance_m ({self.axes_tolerance_m!r} m), or every "
                             "axis of a small move would be held still")

    def describe(self) -> str:
        """Return the rule (and a gripper taken from the sub-goals) in words, as logged."""
        gripper = {"subgoal": "; gripper from the sub-goals",
                   "hold": "; gripper held (never commanded)"}.get(self.gripper, "")
        if self.axes == "subgoal":
            gripper += "; axes from the sub-goals"
        if self.rule == "steps":
            return f"steps (fixed step counts, as published){gripper}"
        parts = [f"energy < {self.energy_threshold:g}"] if self.energy_threshold > 0 else []
        if self.patience:
            parts.append(f"no improvement > {self.min_delta:g} for {self.patience} steps")
        return (f"energy ({' or '.join(parts) or 'no energy test set'}; step counts as "
                f"limits){gripper}")


@dataclasses.dataclass
class SubGoal:
    image: np.ndarray  # [H, W, 3] uint8 RGB
    steps: int | None = None  # executed commands toward it before the next; 0 = no limit;
    # None = GoalSwitchConfig.default_steps
    source: str = ""  # where it came from (file path, "captured", topic), for diagnostics
    reps: object = None  # [1, N, D] torch.Tensor once encoded (by the planning thread)
    state: np.ndarray | None = None  # [7] robot state when it was captured, if known
    gripper: float | None = None  # closedness 0..1 at the sub-goal, when given without a state
    gripper_measured: bool = True  # False: captured without a measured hand (no finger joints
    # received, or no state at the frame's time): state[6], if any, is a placeholder
    hand: str | None = None  # the hand whose measured closedness state[6] is (FingerWatch.hand:
    # "<topic> (<prefix>finger_joint1/2)"); None: not captured from a known hand

    def other_hand(self, hand: str | None) -> bool:
        """Whether this sub-goal's closedness was measured on a hand other than ``hand``.

        ``hand``: the hand measured now (``FingerWatch.hand``); None (none known) never differs.
        Such a closedness is another gripper's (chosen before this arm's own driver published,
        or from a namespace above), so ``goals.gripper`` subgoal must not command it.
        """
        return (hand is not None and self.hand is not None and self.gripper is None
                and self.gripper_measured and self.hand != hand)

    def closedness(self) -> float | None:
        """Return the hand's closedness 0..1 here: ``gripper``, else ``state[6]``, else None."""
        if self.gripper is not None:
            return float(self.gripper)
        if self.state is None or not self.gripper_measured:
            return None
        return float(self.state[6])

    def gripper_command(self, closed_above: float = GRIPPER_CLOSED_ABOVE) -> float:
        """Return the closedness commanded toward this sub-goal under ``goals.gripper`` subgoal.

        1.0 (close: a GripperCommand grasp until the fingers are blocked) when the sub-goal was
        captured with the hand closed more than ``closed_above`` (``goals.gripper_closed_above``),
        else 0.0 (open). Raises ValueError when the sub-goal's gripper is not known.
        """
        closedness = self.closedness()
        if closedness is None:
            raise ValueError(f"sub-goal {self.source or 'image'} has no gripper state")
        return 1.0 if closedness > closed_above else 0.0


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


def default_step_counts(count: int, config: GoalSwitchConfig) -> list[int]:
    """Step counts of ``count`` sub-goals given none: [0] for one, else ``default_steps``."""
    if count == 1:
        return [0]
    defaults = list(config.default_steps)
    if not defaults:
        raise ValueError(f"{count} sub-goals without step counts and goals.default_steps is "
                         "empty: set goal_steps or goals.default_steps")
    return [defaults[min(i, len(defaults) - 1)] for i in range(count)]


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
                _check_gripper(index, goal)
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


def _check_gripper(index: int, goal: SubGoal) -> None:
    """Raise ValueError unless ``goal`` has a closedness in [0, 1] (goals.gripper subgoal)."""
    closedness = goal.closedness()
    name = f"sub-goal {index + 1} ({goal.source or 'image'})"
    if closedness is None:
        if goal.source == "~/goal_image":  # a message carries no hand state
            why = ("came on ~/goal_image, which carries no gripper state: capture the goal with "
                   "~/capture_goal or ~/add_subgoal instead (they record the hand)")
        elif goal.gripper_measured:  # a goal file: no hand state comes along
            why = "has no gripper state: give goal_gripper (one closedness per goal file)"
        elif goal.state is not None:  # captured, but no finger joints had arrived
            why = ("was captured while the gripper's closedness was not measured (no recent, "
                   "usable finger joint state of this arm's hand: none arrived, they stopped, "
                   "or two hands were ambiguous; the node's log says which): publish the "
                   "finger joints (robot.gripper_state_topic) and capture it again")
        else:
            why = ("was captured with no robot state near its frame's time (joint states "
                   "missing or late): check the joint states and capture it again")
        raise ValueError(f"goals.gripper is 'subgoal' but {name} {why}, or restart the node with "
                         "goals.gripper planned")
    if not 0.0 <= closedness <= 1.0:
        raise ValueError(f"{name}: gripper closedness must be in [0, 1], got {closedness!r}")


def planner_settings(cem, switching: GoalSwitchConfig | None):
    """Return ``cem`` (a CEMConfig) as the planner runs it under ``switching``.

    ``gripper`` subgoal or hold: the gripper delta is fixed at 0 in every sample (``fixed_axes``)
    and ``close_gripper`` is off (it would set the delta to 1: the model imagining a hand closing
    that is never closed), so the search is over the arm's motion and the hand is left to the
    sub-goals (subgoal) or alone (hold). Otherwise unchanged.
    """
    if switching is None or switching.gripper == "planned":
        return cem
    fixed = tuple((i, v) for i, v in cem.fixed_axes if i != GRIPPER_INDEX) + ((GRIPPER_INDEX,
                                                                                0.0),)
    return dataclasses.replace(cem, fixed_axes=fixed, close_gripper=None)


def capture_refusal(service: str, camera: Blocker, camera_topic: str = "image") -> str:
    """Why the newest frame cannot become a goal through ``service`` ("" when it can).

    ``camera``: why the session would not plan on the newest frame now (an empty ``detail``: it
    would); the same test as the planning loop's hold (``safety.age_problem``), so a frame the
    loop refuses (too old, stamped in the future) is never captured either. Its
    ``missing_topic`` (set when no frame has come yet), not the wording of its detail, decides
    the "no camera frame received yet" answer.
    """
    if not camera.detail:
        return ""
    if camera.missing_topic:
        return (f"{service} refused: no camera frame received yet; check the camera topic "
                f"({camera_topic}), then call it again")
    return (f"{service} refused: {camera.detail}; check the camera ({camera_topic}), then call "
            "it again")

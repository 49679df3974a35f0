"""How sub-goals are switched and kept: the planner node's ``goals.*`` parameters.

``GoalSwitchConfig`` holds them (rules: ``robot/goals.py``'s module docstring);
``default_step_counts`` resolves sub-goals given without step counts; ``planner_settings`` is the
planner's configuration under ``goals.gripper`` subgoal or hold (its gripper search turned off).
"""

from __future__ import annotations

import dataclasses
import math

from vjepa_ros.config import check_values, param

SWITCH_RULES = ("steps", "energy")
GRIPPER_SOURCES = ("planned", "subgoal", "hold")
AXES_SOURCES = ("searched", "subgoal")  # goals.axes (robot/goal_axes.py)
GRIPPER_INDEX = 6  # the gripper entry of the 7-dim state and action (planning.cem.GRIPPER)
# The planner settings of its gripper search (CEMConfig fields), which goals.gripper subgoal
# and hold turn off: the CLI refuses them, the node warns about them (robot/idle_parameters.py).
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
        "~/clear_goals). A list of goal files (goal_image_paths) is not bounded by it.",
        range=(1, 1000)
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
        if any(not isinstance(n, int) or n < 1 for n in self.default_steps):
            raise ValueError(f"goals.default_steps must be integers >= 1, got "
                             f"{list(self.default_steps)}")
        # the declared ranges (param's range=): patience -1 as 1001, energy_threshold -1 as
        # inf, in one wording (user54u)
        check_values(self, "goals.")
        if self.rule == "energy" and self.energy_threshold == 0 and self.patience == 0:
            # both tests off: every switch would be the steps rule's, announced as energy's
            raise ValueError("goals.rule energy needs an energy test, but goals.energy_threshold "
                             "and goals.patience are both 0 (off): set one of them above 0, or "
                             "use goals.rule steps")
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
        return f"energy ({' or '.join(parts)}; step counts as limits){gripper}"


def default_step_counts(count: int, config: GoalSwitchConfig) -> list[int]:
    """Step counts of ``count`` sub-goals given none: [0] for one, else ``default_steps``."""
    if count == 1:
        return [0]
    defaults = list(config.default_steps)
    if not defaults:
        raise ValueError(f"{count} sub-goals without step counts and goals.default_steps is "
                         "empty: set goal_steps or goals.default_steps")
    return [defaults[min(i, len(defaults) - 1)] for i in range(count)]



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
    return cem.with_(fixed_axes=fixed, close_gripper=None)

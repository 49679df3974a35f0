"""The ``--subgoal-*`` options of the simulator commands: the planner node's ``goals.*`` settings.

``vjepa-ros run`` and ``benchmarks/bench_manipulation.py`` switch sub-goals as the planner node
does (``robot.goals.GoalSwitchConfig``): :func:`add_goal_switch_arguments` adds the options,
generated from its fields, :func:`goal_switch_configs` reads them back and
:func:`check_subgoal_gripper` refuses options ``--subgoal-gripper subgoal`` would defeat.
"""

from __future__ import annotations

import argparse

from vjepa_ros.cli_option_message import goal_option, option_message

GOAL_SWITCH_OPTIONS = ("rule", "energy_threshold", "patience", "min_delta")

# Help of the --subgoal-* options in a simulator user's words, where the node's description
# (GoalSwitchConfig, kept for the ROS parameters) speaks of the node's services, topics and
# parameters (~/add_subgoal, goal_gripper, /diagnostics, energy_threshold) that the simulator
# commands (``vjepa-ros run``, bench_manipulation.py) do not have.
SIM_GOAL_HELP = {
    "rule": "steps = switch after each sub-goal's executed-step count (the paper's "
    "pick-and-place); energy = also early, when the energy to a sub-goal (not the last) falls "
    "below --subgoal-energy-threshold or stops improving for --subgoal-patience steps",
    "energy_threshold": "energy rule: switch when the energy to the sub-goal is below this (the "
    "scale is the model's: read the 'energy' column of `vjepa-ros run` at a sub-goal); 0: off",
    "patience": "energy rule: switch after this many steps in a row whose energy did not "
    "improve on the sub-goal's best by more than --subgoal-min-delta; 0: off",
    "axes": "which axes the planner searches toward a sub-goal: searched = x, y and z (as "
    "published); subgoal = only those along which the expert's hand moved from the previous "
    "sub-goal image to this one (a straight descent is searched in z alone)",
    "gripper": "who decides the gripper: planned = the planner's gripper dimension (as "
    "published); subgoal = each command toward a sub-goal opens or closes the hand as the "
    "expert's hand was when that sub-goal image was made, and the planner searches the arm's "
    "motion only",
}
# The --subgoal-gripper values of the simulator's tasks: the node's goals.gripper ``hold`` (never
# command the gripper) is left out, as every task must open or close the hand.
SIM_GRIPPER_LEFT_OUT = ("hold",)


def add_goal_switch_arguments(parser: argparse.ArgumentParser, several: bool = False) -> None:
    """Add ``--subgoal-rule``, the energy rule's, ``--subgoal-gripper`` and ``--subgoal-axes``.

    Generated from ``robot.goals.GoalSwitchConfig`` (the node's ``goals.*`` parameters): same
    names and defaults; the help is the field's description, or :data:`SIM_GOAL_HELP` where that
    speaks of the node. ``several``: ``--subgoal-rule`` takes one or more rules (a
    benchmark comparing them). Read them back with :func:`goal_switch_configs`.
    """
    import dataclasses

    from vjepa_ros.robot.goal_switch_config import (
        AXES_SOURCES,
        GRIPPER_SOURCES,
        SWITCH_RULES,
        GoalSwitchConfig,
    )

    group = parser.add_argument_group("sub-goal switching (the planner node's goals.*)")
    fields = {f.name: f for f in dataclasses.fields(GoalSwitchConfig)}
    for name in GOAL_SWITCH_OPTIONS:
        field = fields[name]
        kind = {"rule": {"choices": SWITCH_RULES, "nargs": "+" if several else None},
                "patience": {"type": int, "metavar": "N"}}.get(
            name, {"type": float, "metavar": "VALUE"})
        group.add_argument(goal_option(name), dest=f"goals__{name}", default=None,
                           help=_goal_help(field), **kind)
    group.add_argument(goal_option("gripper"), dest="goals__gripper", default=None,
                       choices=[s for s in GRIPPER_SOURCES if s not in SIM_GRIPPER_LEFT_OUT],
                       help=_goal_help(fields["gripper"]))
    group.add_argument(goal_option("axes"), dest="goals__axes", default=None,
                       choices=AXES_SOURCES, help=_goal_help(fields["axes"]))


def _goal_help(field) -> str:
    text = SIM_GOAL_HELP.get(field.name, field.metadata["description"]).rstrip(".")
    return f"{text} (default {field.default})"


def goal_switch_configs(args: argparse.Namespace) -> list:
    """Return one ``GoalSwitchConfig`` per ``--subgoal-rule`` given (default: the steps rule).

    Raises ValueError naming the option for a bad value, and for an energy option given without
    the energy rule (it would be ignored).
    """
    from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig

    rules = getattr(args, "goals__rule", None) or ["steps"]
    rules = [rules] if isinstance(rules, str) else list(dict.fromkeys(rules))
    given = {name: getattr(args, f"goals__{name}", None) for name in GOAL_SWITCH_OPTIONS[1:]}
    given = {name: value for name, value in given.items() if value is not None}
    if "energy" not in rules and given:
        raise ValueError(f"{goal_option(next(iter(given)))} is for --subgoal-rule energy (the "
                         "steps rule switches on step counts only): add --subgoal-rule energy "
                         "or leave it out")
    for name in ("gripper", "axes"):
        if getattr(args, f"goals__{name}", None) is not None:
            given[name] = getattr(args, f"goals__{name}")
    try:
        return [GoalSwitchConfig(rule=rule, **given) for rule in rules]
    except ValueError as exc:
        raise ValueError(option_message(str(exc))) from None


def check_subgoal_gripper(args: argparse.Namespace, switchings: list, tasks, dense: bool,
                          dense_option: str = "--subgoals dense") -> None:
    """Refuse options that ``--subgoal-gripper subgoal`` would silently ignore or defeat.

    With the gripper from the sub-goals the planner's gripper search is off, so its options
    (``robot.goals.GRIPPER_SEARCH_OPTIONS``) do nothing; and the paper's grasp / pick-and-place
    sub-goals start with a closed one (held, lifted), so the hand would close before it descends.
    (``hold`` is not among the option's choices: :data:`SIM_GRIPPER_LEFT_OUT`.) Raises
    ValueError naming the option.
    """
    if not any(s.gripper == "subgoal" for s in switchings):
        return
    from vjepa_ros.robot.goal_switch_config import GRIPPER_SEARCH_OPTIONS

    given = [name for name in GRIPPER_SEARCH_OPTIONS if getattr(args, name, None) is not None]
    if given:
        option = f"--{given[0].replace('_', '-')}"
        raise ValueError(f"{option} sets the planner's gripper search, which --subgoal-gripper "
                         "subgoal turns off (the gripper follows the sub-goals): leave one out")
    sparse = [task for task in tasks if task != "reach-with-object"]
    if sparse and not dense:
        raise ValueError(f"--subgoal-gripper subgoal with the paper's {sparse[0]} sub-goals: "
                         "the first one (the object held and lifted) is closed, so the hand "
                         f"would close before it descends; add {dense_option}")


def check_subgoal_axes(switchings: list, tasks, dense: bool,
                       dense_option: str = "--subgoals dense") -> None:
    """Refuse ``--subgoal-axes subgoal`` where no chosen task has a sub-goal to hold axes toward.

    The rule holds axes toward a sub-goal by the captured move from the one before it
    (``robot.goal_axes``); a task with a single sub-goal image (the paper's grasp,
    reach-with-object) has none, so the option would be announced and do nothing. Raises
    ValueError naming the option and what to add.
    """
    if any(s.axes == "subgoal" for s in switchings):
        _refuse_single_goal("--subgoal-axes subgoal", "holds nothing (axes are held by the move "
                            "from the sub-goal before)", tasks, dense, dense_option)


def check_subgoal_rule(switchings: list, tasks, dense: bool,
                       dense_option: str = "--subgoals dense") -> None:
    """Refuse ``--subgoal-rule energy`` where no chosen task has a sub-goal to switch from.

    The energy rule switches early from a sub-goal to the next one and never leaves the last;
    with a single sub-goal image (the paper's grasp, reach-with-object) that one is the last,
    so the rule and its settings would be announced and do nothing (breaker40). Raises
    ValueError naming the option and what to add.
    """
    if any(s.rule == "energy" for s in switchings):
        _refuse_single_goal("--subgoal-rule energy", "switches nothing (the rule never leaves "
                            "the last sub-goal)", tasks, dense, dense_option)


def _refuse_single_goal(option: str, why: str, tasks, dense: bool, dense_option: str) -> None:
    """Raise ValueError when every one of ``tasks`` has a single sub-goal image."""
    from vjepa_ros.sim.choices import DENSE_MILESTONES, MILESTONES

    names = DENSE_MILESTONES if dense else MILESTONES
    if all(len(names[task]) < 2 for task in tasks):
        task = tasks[0]
        fix = (f"add {dense_option}" if len(DENSE_MILESTONES[task]) > 1 else
               "leave it out (this task has one goal)")
        raise ValueError(f"{option} with {task}'s single sub-goal image {why}: {fix}")

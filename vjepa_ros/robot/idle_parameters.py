"""Planner node parameters that do nothing under the node's other settings: a warning each.

A parameter set away from its default while another parameter turns its feature off
(``goal_gripper`` while ``goals.gripper`` is ``planned``, ``planner.icem.*`` while
``planner.method`` is ``cem``) is
accepted, as ROS accepts it, but silently it would look as if it worked. The node logs one
warning line per feature at start-up (and for ``goal_gripper``, the one such parameter settable at
run time, on each change), naming the idle parameters, the setting that idles them, and what to
do. A warning, not a refusal: a shared parameter file may well set both, and nothing moves
differently because of it. The command-line tools refuse the same combinations
(``goal_switch_options.goal_switch_configs``, ``check_subgoal_gripper``,
``planning.methods.check_given_settings_used``).

Not listed, because they are used whatever the other settings: ``goals.default_steps`` and
``goals.max_subgoals`` (both switching rules, ``~/add_subgoal``), ``camera_check.*`` (read when
``~/camera_check`` is called), ``model.encoder_args`` / ``predictor_args`` (whether a file needs
them is known only once it is read, and a wrong one is refused there),
``control.arrival_tolerance_m``, ``_rad`` and ``arrival_timeout_s`` (every mode asks
``_arm_arrived``: continuous for a finished run's last move and its gripper waits; breaker57d:
continuous was told they do nothing). The ``control.*`` rules follow what each mode reads, not
its name: ``async_tolerance_m`` / ``_rad`` also bound where any mode's hand change goes out,
``settle_s`` every mode's hand-motion window above ``hand_motion.HAND_WINDOW_S``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from vjepa_ros.config import flatten
from vjepa_ros.planning.method_reads import (
    CLOSED_GRIPPER_IDLE_FIELDS,
    METHOD_GROUPS,
    PLANNED_GRIPPER_FIELDS,
    closed_gripper_idle_fields,
    closed_gripper_plan_words,
    does_instead,
    either,
    idle_fields,
    settings_read_by,
)
from vjepa_ros.planning.methods import CLOSE_LATER, CLOSED_FROM_START
from vjepa_ros.robot.goal_switch_config import GRIPPER_SEARCH_OPTIONS
from vjepa_ros.robot.hand_motion import HAND_WINDOW_S
from vjepa_ros.robot.planner_config import PlannerNodeConfig
from vjepa_ros.start_forms import restart_planner_with


@dataclasses.dataclass(frozen=True)
class IdleRule:
    """Parameters that do nothing while ``idle(config)``.

    ``names``: dotted parameter names (one ending in ``.`` stands for its whole group);
    ``which(config)``: those of ``names`` idle under ``config`` where not all are (None: all);
    ``because(config)`` says why they do nothing, ``fix`` what to do instead of dropping them.
    ``restart``: (parameter, value) to set, for a rule naming a parameter settable at run time
    (``goal_gripper``): ``fix`` is then ``set PARAMETER to VALUE`` unless given; the setting is
    read at start only, so a run-time change is told to restart the planner with it
    (``start_forms.restart_planner_with``).
    """

    names: tuple[str, ...]
    idle: Callable[[PlannerNodeConfig], bool]
    because: Callable[[PlannerNodeConfig], str]
    fix: str = ""
    restart: tuple[str, str] | None = None
    which: Callable[[PlannerNodeConfig], tuple[str, ...]] | None = None

    def __post_init__(self):
        if not self.fix and self.restart is not None:
            object.__setattr__(self, "fix", "set {} to {}".format(*self.restart))


# goals.gripper in words: who decides the gripper under each value
GRIPPER_RULE = {
    "planned": "goals.gripper is 'planned' (the planner's gripper dimension decides the gripper)",
    "subgoal": "goals.gripper is 'subgoal' (the gripper follows the sub-goals; the planner "
               "searches the arm's motion only)",
    "hold": "goals.gripper is 'hold' (the gripper is never commanded; the planner searches the "
            "arm's motion only)",
}


def _settle_idle(config: PlannerNodeConfig) -> bool:
    """Whether ``control.settle_s`` does nothing: continuous, and no hand window it widens.

    Blocking and async plan only on frames stamped ``settle_s`` after arrival; every mode
    judges a hand still moving over ``max(settle_s, HAND_WINDOW_S)`` of states
    (``planning_session._hand_moving``; none under ``goals.gripper`` hold, which sends no
    gripper command).
    """
    control = config.control
    return control.mode == "continuous" and (control.settle_s <= HAND_WINDOW_S or
                                             config.goals.gripper == "hold")


def _settle_because(config: PlannerNodeConfig) -> str:
    """Why ``control.settle_s`` does nothing under ``config`` (:func:`_settle_idle`)."""
    if config.goals.gripper == "hold":
        return (f"control.mode is 'continuous' (it never waits for arrival) and "
                f"{GRIPPER_RULE['hold']}")
    return (f"control.mode is 'continuous' (it never waits for arrival, and the hand's motion "
            f"is judged over hand_motion.HAND_WINDOW_S, {HAND_WINDOW_S:g} s, for a settle_s up "
            "to that)")


def _method_rule(methods: tuple[str, ...]) -> IdleRule:
    """Return the rule for the parameters exactly ``methods`` read (``method_reads.READ_BY``).

    Idle under any other ``planner.method``; for plain fields (CEM's own ``planner.warm_start``,
    ``planner.early_stop_*``; the refit's ``planner.momentum_*``, CEM's and iCEM's) the warning
    also says what that method does instead (``method_reads.does_instead``); another method's
    group needs no such words.
    """
    settings = settings_read_by(methods)
    names = tuple(f"planner.{name}." if name in METHOD_GROUPS else f"planner.{name}"
                  for name in settings)
    plain = not set(settings) & set(METHOD_GROUPS)

    def because(c: PlannerNodeConfig) -> str:
        why = f" (it {does_instead(c.planner.method, 'planner.')})" if plain else ""
        return f"planner.method is {c.planner.method!r}{why}"

    return IdleRule(names, lambda c: c.planner.method not in methods, because,
                    f"set planner.method to {either(methods)}")


RULES = (
    IdleRule(("goals.axes_tolerance_m", "goals.axes_min_move_m"),
             lambda c: c.goals.axes != "subgoal",
             lambda c: "goals.axes is 'searched' (every axis is searched)",
             "set goals.axes to subgoal"),
    IdleRule(("goal_gripper", "goals.gripper_closed_above"),
             lambda c: c.goals.gripper != "subgoal",
             lambda c: GRIPPER_RULE[c.goals.gripper], restart=("goals.gripper", "subgoal")),
    IdleRule(tuple(f"planner.{name}" for name in GRIPPER_SEARCH_OPTIONS),
             lambda c: c.goals.gripper != "planned",
             lambda c: GRIPPER_RULE[c.goals.gripper], "set goals.gripper to planned"),
    # (under goals.gripper subgoal/hold the rule above names them, with close_gripper)
    # (the mean momentum and round threshold too where the plan is a boxed sequence: mppi,
    # icem's execute_best; method_reads.closed_gripper_idle_fields, the API's and commands' rule)
    IdleRule(tuple(f"planner.{name}" for name in
                   CLOSED_GRIPPER_IDLE_FIELDS + PLANNED_GRIPPER_FIELDS),
             lambda c: c.goals.gripper == "planned" and c.planner.close_gripper == 0,
             lambda c: CLOSED_FROM_START[:-1] + closed_gripper_plan_words(c.planner, "planner.")
             + ")", CLOSE_LATER,
             which=lambda c: tuple(f"planner.{name}"
                                   for name in closed_gripper_idle_fields(c.planner))),
    IdleRule(("control.gripper_deadband", "control.gripper_action"),
             lambda c: c.goals.gripper == "hold",
             lambda c: GRIPPER_RULE["hold"], "set goals.gripper to planned or subgoal"),
    IdleRule(("goals.energy_threshold", "goals.patience", "goals.min_delta"),
             lambda c: c.goals.rule == "steps",
             lambda c: "goals.rule is 'steps' (switching on step counts only)",
             "set goals.rule to energy"),
    _method_rule(("icem",)),
    _method_rule(("mppi",)),
    IdleRule(("planner.refine.lr",), lambda c: c.planner.refine.steps == 0,
             lambda c: "planner.refine.steps is 0 (gradient refinement off)",
             "set planner.refine.steps > 0"),
    IdleRule(("planner.rotation_maxnorm",), lambda c: not c.planner.search_rotation,
             lambda c: "planner.search_rotation is false", "set planner.search_rotation true"),
    _method_rule(("cem",)),
    _method_rule(("cem", "icem")),
    IdleRule(("planner.early_stop_rel_tol",),  # (under icem/mppi: the rule above's one line)
             lambda c: c.planner.early_stop_patience == 0
             and "early_stop_rel_tol" not in idle_fields(c.planner.method),
             lambda c: "planner.early_stop_patience is 0 (every iteration runs)",
             "set planner.early_stop_patience > 0"),
    IdleRule(("control.async_blend_m",), lambda c: c.control.mode != "async",
             lambda c: f"control.mode is {c.control.mode!r}", "set control.mode to async"),
    # async_tolerance_m/_rad: async's prepared plans; in every mode where a hand change or
    # its resend may go out (gripper_commands._away_from: _away_from_start, _resend_in_place)
    IdleRule(("control.async_tolerance_m", "control.async_tolerance_rad"),
             lambda c: c.control.mode != "async" and c.goals.gripper == "hold",
             lambda c: f"control.mode is {c.control.mode!r} (no prepared plans) and "
             "goals.gripper is 'hold' (the gripper is never commanded: no hand change to keep "
             "near where it was planned)",
             "set control.mode to async (or goals.gripper to planned or subgoal)"),
    # (arrival_tolerance_m/_rad and arrival_timeout_s: no rule. Every mode asks _arm_arrived: a
    # finished run's last move (_last_move_runs), continuous's gripper waits.)
    IdleRule(("control.settle_s",), _settle_idle, _settle_because,
             "set control.mode to blocking or async"),
    IdleRule(("control.gripper_max_effort", "control.gripper_result_timeout_s",
              "control.gripper_goal_tolerance_m"),
             lambda c: not c.control.gripper_action,
             lambda c: "control.gripper_action is empty (no GripperCommand goals)",
             "set control.gripper_action"),
)


def idle_parameter_warnings(config: PlannerNodeConfig, only=None) -> list[str]:
    """Return one warning line per :data:`RULES` entry whose parameters ``config`` sets in vain.

    A parameter counts when its value differs from the node's default (``PlannerNodeConfig()``)
    while its rule's setting idles it; ``only``: consider these parameter names alone (a run-time
    change: the fix is a restart with the setting, which is read at start only). Each line:
    ``A, B do nothing while X is 'v' (why): set X to w, or drop A, B``.
    """
    values = {name: value for name, value, _ in flatten(config)}
    defaults = {name: value for name, value, _ in flatten(PlannerNodeConfig())}
    lines = []
    for rule in RULES:
        named = rule.names if rule.which is None else rule.which(config)
        names = [name for name in values
                 if any(name == n or (n.endswith(".") and name.startswith(n)) for n in named)]
        given = [name for name in names if values[name] != defaults[name]
                 and (only is None or name in only)]
        if given and rule.idle(config):
            listed = ", ".join(given)
            verb = "does" if len(given) == 1 else "do"
            fix = rule.fix if only is None or rule.restart is None else \
                restart_planner_with(*rule.restart)
            lines.append(f"{listed} {verb} nothing while {rule.because(config)}: {fix}, or "
                         f"drop {listed}")
    return lines

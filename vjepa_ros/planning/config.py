"""Typed settings of the CEM planner, with the published settings as named presets.

Published semantics (V-JEPA 2-AC facts §5, official ``notebooks/utils/mpc_utils.py``): the searched
part of a 7-D action is xyz and the gripper; each rollout step's samples are drawn from N(mean,
std) with mean 0 and std ``maxnorm`` (xyz) / 1 (gripper) at the start, clipped per axis to ±maxnorm
(xyz) and ±0.75 (gripper); rotation deltas are 0. The k lowest-energy samples update mean and std
(unbiased) with momentum: new = (1 − m)·elite + m·old, with separate momenta for the gripper. The
returned plan is the final mean with rotation 0 and gripper values |g| < 0.25 set to 0.

Fields marked *beyond published* are off by default, so a preset reproduces the published planner.
"""

import contextvars
import math
import numbers
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from typing import Literal

from vjepa_ros.planning.method_reads import (
    METHOD_GROUPS,
    closed_gripper_idle_fields,
    closed_gripper_plan_words,
    does_instead,
    either,
    idle_fields,
    readers,
)
from vjepa_ros.planning.methods import ICEMSettings, MPPISettings, RefineSettings
from vjepa_ros.planning.setting_ranges import setting
from vjepa_ros.planning.settings_check import check_fields

ENERGIES = ("l1", "l2")
GRIPPER_AXIS = 6  # action index of the gripper delta
FIXABLE_AXES = (0, 1, 2, GRIPPER_AXIS)  # the searched action indices: xyz and the gripper


def check_fixed_axes(spec, name: str, maxnorm: float, gripper_clip: float,
                     round_threshold: float = 0.0) -> tuple[tuple[int, float], ...]:
    """Return a fixed-axes spec as a tuple of ``(index, value)`` tuples (int, float).

    ``spec``: a tuple or list of (index, value) pairs (each a tuple or list, as YAML gives them).
    ``index``: an integer 0, 1, 2 (x, y, z delta) or 6 (gripper delta), each at most once; a bool
    or a float is refused (True == 1 would index every entry of an action, 2.0 fails indexing).
    ``value``: a finite number within the box every sample is clipped to: |value| <= ``maxnorm``
    [m] for xyz, <= ``gripper_clip`` for the gripper; a gripper value is 0 or at least
    ``round_threshold`` (``CEMConfig.gripper_round_threshold``) in size: the plan rule
    (``plan_from_mean``) turns |g| below it into 0, so a smaller one would be imagined in every
    sample and then commanded as 0 (refused rather than rounded: the user asked for that value).
    ``name``: what the messages call the spec (``CEMConfig.fixed_axes``, or a plan's
    ``fixed_axes``). Raises ValueError ``"<name> ..., got ..."`` naming the allowed values.
    """
    if not isinstance(spec, (tuple, list)):
        raise ValueError(f"{name} must be a tuple of (index, value) pairs, got {spec!r}")
    pairs: dict[int, float] = {}
    for pair in spec:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(f"{name} must be (index, value) pairs, got {pair!r} in {spec!r}")
        index, value = pair
        if (not isinstance(index, numbers.Integral) or isinstance(index, bool)
                or index not in FIXABLE_AXES):
            raise ValueError(f"{name} index must be the integer 0, 1, 2 (xyz) or 6 (gripper), "
                             f"got {index!r}")
        if int(index) in pairs:
            raise ValueError(f"{name} fixes axis {index} twice, got {spec!r}: give each index "
                             "once")
        bound, bound_name = ((gripper_clip, "gripper_clip") if index == GRIPPER_AXIS
                             else (maxnorm, "maxnorm"))
        if (not isinstance(value, numbers.Real) or isinstance(value, bool)
                or not math.isfinite(value) or abs(value) > bound):
            raise ValueError(f"{name} value of axis {index} must be a finite number within "
                             f"±{bound:g} (CEMConfig.{bound_name}), got {value!r}")
        if index == GRIPPER_AXIS and 0 < abs(value) < round_threshold:
            raise ValueError(
                f"{name} value of axis 6 (gripper) must be 0 or at least "
                f"CEMConfig.gripper_round_threshold ({round_threshold:g}) in size, got "
                f"{value!r}: every sample would be imagined with it and the plan would round it "
                "to 0; give 0, a larger value, or a lower gripper_round_threshold")
        pairs[int(index)] = float(value)
    return tuple(pairs.items())


@dataclass(frozen=True)
class CEMConfig:
    """All settings of one CEM replanning step.

    Fields are checked by their annotation (numbers also by their range: the one table the
    node's ``planner.*`` parameters read too, ``setting_ranges.SETTING_RANGES``: ``maxnorm`` (0,
    0.2] m, ``rotation_maxnorm`` (0, 1] rad, ``horizon`` [1, 16], ...) in one rule for every
    planner settings dataclass (``settings_check.check_fields``): an int for a
    float field is taken and stored as a float, a bool or NaN for a number is refused, a bool
    field takes True/False only (not ``"false"``), ``energy``/``method`` one of their values, and
    ``icem``/``mppi``/``refine`` their dataclass or a mapping of its fields (as
    ``dataclasses.asdict`` gives them back: ``CEMConfig(**asdict(config))`` equals ``config``);
    ValueError naming the field. The cross-field rules follow (top-k below samples, round
    threshold below the clip, close step below the horizon, fixed axes in the box).
    """

    horizon: int = setting(2, "horizon")  # H: rollout steps (actions) per plan
    samples: int = setting(400, "samples")  # S: action sequences per iteration
    topk: int = setting(10, "topk")  # k: elites per iteration
    iterations: int = setting(10, "iterations")  # I: CEM iterations per replanning step
    maxnorm: float = setting(0.05, "maxnorm")  # xyz: initial std and per-axis clip [m]
    gripper_clip: float = setting(0.75, "gripper_clip")  # gripper delta samples: clipped to ±this
    gripper_init_std: float = setting(1.0, "gripper_init_std")  # initial std of the gripper delta
    momentum_mean: float = setting(0.15, "momentum_mean")  # xyz (and rotation, when searched)
    momentum_std: float = setting(0.15, "momentum_std")
    momentum_mean_gripper: float = setting(0.15, "momentum_mean_gripper")
    momentum_std_gripper: float = setting(0.15, "momentum_std_gripper")
    # plan gripper values with |g| below this become 0; below gripper_clip (checked)
    gripper_round_threshold: float = setting(0.25, "gripper_round_threshold")
    # From this rollout step on, sampled gripper deltas are 1; below horizon (checked), None: never
    close_gripper: int | None = setting(None, "close_gripper")
    # Published `axis` option: (action index, value) pairs held fixed in mean and samples. Action
    # indices are 0..2 for xyz and 6 for the gripper (the official code indexes its 4-vector, where
    # the gripper is 3); values within the clip box; stored as tuples (check_fixed_axes).
    fixed_axes: tuple[tuple[int, float], ...] = ()
    # -- beyond published --
    search_rotation: bool = False  # also sample rotation deltas (std and clip `rotation_maxnorm`)
    rotation_maxnorm: float = setting(0.1, "rotation_maxnorm")  # [rad]
    energy: Literal["l1", "l2"] = "l1"  # l1: mean |z − g| (published); l2: mean (z − g)²
    warm_start: bool = False  # CEMPlanner starts from its previous mean shifted by one step
    # Stop after this many iterations in a row whose elite energy does not fall by more than
    # early_stop_rel_tol (relative); None = always run all iterations.
    early_stop_patience: int | None = setting(None, "early_stop_patience")
    early_stop_rel_tol: float = setting(1e-3, "early_stop_rel_tol")
    # Samples per predictor call (bounds memory; CEM and iCEM plan the same for any chunk, MPPI
    # within the energies' float rounding: README, Planner). None = automatic:
    # ~2048 tokens per call on CPU, 70 % of the free memory on CUDA (see cost.auto_chunk_size).
    chunk_size: int | None = setting(None, "chunk_size")
    # -- search method (beyond published): cem = the published CEM; icem, mppi: methods.py --
    method: Literal["cem", "icem", "mppi"] = "cem"
    icem: ICEMSettings = ICEMSettings()  # used when method == "icem"
    mppi: MPPISettings = MPPISettings()  # used when method == "mppi"
    refine: RefineSettings = RefineSettings()  # gradient refinement after any method; 0 steps: off

    def __post_init__(self):
        said = _SAID.get()  # the idle settings of the config this one derives from (with_)
        check_fields(self, "CEMConfig.")  # types, values and the fields' declared ranges
        if self.topk >= self.samples:  # all samples elites: the refit would ignore the energies
            raise ValueError(
                f"CEMConfig.topk ({self.topk}) must be less than CEMConfig.samples "
                f"({self.samples})"
            )
        if self.gripper_round_threshold >= self.gripper_clip:
            raise ValueError(
                f"CEMConfig.gripper_round_threshold ({self.gripper_round_threshold}) must be "
                f"below CEMConfig.gripper_clip ({self.gripper_clip}): every planned gripper "
                "value lies within the clip, so all would round to 0 and the gripper could never "
                "move; lower the round threshold (published 0.25 with clip 0.75)"
            )
        if self.close_gripper is not None and self.close_gripper >= self.horizon:
            raise ValueError(
                f"CEMConfig.close_gripper ({self.close_gripper}) must be below "
                f"CEMConfig.horizon ({self.horizon}): a rollout has steps 0..horizon-1, so the "
                "gripper would never be closed; give a step below the horizon, or -1 (never)"
            )
        object.__setattr__(self, "fixed_axes", check_fixed_axes(
            self.fixed_axes, "CEMConfig.fixed_axes", self.maxnorm, self.gripper_clip,
            self.gripper_round_threshold))
        idle = idle_settings(self)
        # a note, not a refusal: code written for every method may set them all
        if idle and idle != said:
            closed = _closed_settings(self)
            unread = [name for name in idle if name not in closed]
            if unread:
                warnings.warn(IdleSettingsWarning(
                    f"{_listed(unread)} not read by method {self.method!r}, which this config "
                    f"plans with (it {does_instead(self.method)}): {_ignored(unread)}; set "
                    f"method to {either(readers(unread[0]), quote=True)} or leave "
                    f"{'it' if len(unread) == 1 else 'them'} at the default"), stacklevel=3)
            if closed:  # the commands' refusal and the node's warning alike (mend62f)
                warnings.warn(IdleSettingsWarning(
                    f"{_listed(closed)} void while close_gripper is 0 (every sampled gripper "
                    "delta is 1 from the first step, whatever its clip and spread"
                    f"{closed_gripper_plan_words(self)}): {_ignored(closed)}; set close_gripper "
                    f"to None (never) or a later step, or leave "
                    f"{'it' if len(closed) == 1 else 'them'} at the default"), stacklevel=3)
        # a mean momentum of 1 is no note of the config's: each entry point says it once
        # (say_frozen_mean), never each copy built while planning

    def describe_method(self) -> str:
        """Return the search method and its own settings, for the commands' planner lines.

        ``"CEM"`` (the published method has no settings of its own beyond the shared ones);
        ``"ICEM (noise_beta 2.0, keep_elites_fraction 0.3, ...)"``, ``"MPPI (temperature 0.1,
        ...)"``: every field of ``icem`` / ``mppi`` (``planning/methods.py``), as the
        ``planner.icem.*`` / ``planner.mppi.*`` parameters name them.
        """
        if self.method == "cem":
            return "CEM"
        settings = getattr(self, self.method)
        own = ", ".join(f"{name} {value}" for name, value in asdict(settings).items())
        return f"{self.method.upper()} ({own})"

    def with_(self, **changes) -> "CEMConfig":
        """Return a copy with some fields changed (validated again).

        The copy's note this config gave already (the same idle settings:
        ``IdleSettingsWarning``) is not given again: a copy made while planning (one plan's
        held axes, the camera check's horizon 1, a cheaper search) is the same choice of the
        user's, noted once where the config was made, never again on another thread. A changed
        note is given. Raises ValueError as the constructor.
        """
        token = _SAID.set(idle_settings(self))
        try:
            return replace(self, **changes)
        finally:
            _SAID.reset(token)

    def with_held_axes(self, held) -> "CEMConfig":
        """Return the settings of one plan: ``fixed_axes`` plus ``held`` ((index, value), ...).

        ``held``: axes held in this plan only (``robot.goal_axes``, ``goals.axes`` subgoal); an
        axis this config already fixes keeps this config's value. Returns self when ``held`` is
        empty. Raises ValueError naming ``fixed_axes`` for a spec :func:`check_fixed_axes`
        refuses (an index other than the integer 0, 1, 2 or 6, one given twice, a value that is
        not finite or lies outside the clip box), checked before it is merged.
        """
        held = check_fixed_axes(held, "the plan's fixed_axes (axes held in this plan)",
                                self.maxnorm, self.gripper_clip, self.gripper_round_threshold)
        if not held:
            return self
        have = {index for index, _ in self.fixed_axes}
        extra = tuple((i, v) for i, v in held if i not in have)
        return self.with_(fixed_axes=self.fixed_axes + extra)


# The idle settings of the config a copy derives from (CEMConfig.with_): a context variable, so
# each thread's copies see their own (the planner's worker, the executor).
_SAID: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "cem_config_idle_said", default=None)


def idle_settings(config: CEMConfig) -> list[str]:
    """Return the settings of ``config`` off their default that change none of its plans.

    Dotted as ``CEMConfig`` names them (``early_stop_patience``, ``icem.noise_beta``): those its
    method does not read (:func:`idle_fields`), then the gripper's under ``close_gripper`` 0
    (:func:`_closed_settings`); empty when every setting given is used.
    """
    defaults = {field.name: field.default for field in fields(CEMConfig)}
    found = []
    for name in idle_fields(config.method):
        value, default = getattr(config, name), defaults[name]
        if name in METHOD_GROUPS:
            found += [f"{name}.{key}" for key, item in asdict(value).items()
                      if item != getattr(default, key)]
        elif value != default:
            found.append(name)
    return found + _closed_settings(config)


def _closed_settings(config: CEMConfig) -> list[str]:
    """Return the gripper settings off their default that ``close_gripper`` 0 makes void.

    ``method_reads.closed_gripper_idle_fields``: the samples' clip and spread, and the mean
    momentum and round threshold where the plan is a sequence in the samples' box (mppi, icem's
    ``execute_best``); empty unless ``close_gripper`` is 0.
    """
    if config.close_gripper != 0:
        return []
    return [name for name in closed_gripper_idle_fields(config)
            if getattr(config, name) != CEMConfig.__dataclass_fields__[name].default]


def _listed(names: list[str]) -> str:
    """``CEMConfig.a is`` / ``CEMConfig.a, CEMConfig.b are``: the settings a note names."""
    return f"{', '.join(f'CEMConfig.{name}' for name in names)} " + \
        ("is" if len(names) == 1 else "are")


def _ignored(names: list[str]) -> str:
    return "it is ignored" if len(names) == 1 else "they are ignored"


class IdleSettingsWarning(UserWarning):
    """A ``CEMConfig`` setting off its default that its method does not read (one line)."""


class FrozenMeanWarning(UserWarning):
    """A mean momentum of 1 under a method that refits: that part of the mean never moves.

    Its line is :func:`frozen_mean_warning`'s; said once by each entry point
    (:func:`say_frozen_mean`): the API's ``make_planner`` (and ``sim.reach.run_reach_episode``,
    ``sim.manipulation_loop.run_task_episode``) as this Python warning, a
    ``vjepa-ros`` command or a benchmark as one ``warning:`` line naming its option
    (``option_warnings``), the planner node as a start-up warning naming its parameter
    (``PlannerNodeConfig.startup_warnings``). Building a ``CEMConfig`` warns of nothing.
    """


def frozen_mean_warning(config: CEMConfig, fixed_axes: bool = True) -> FrozenMeanWarning | None:
    """Return the warning naming the mean momenta at 1 that ``config``'s method reads, else None.

    The refit (``cem.refit_distribution``) is new = (1 − m)·elite + m·old: with m 1 the xyz
    (``momentum_mean``) or gripper (``momentum_mean_gripper``) mean stays at its start (0, or the
    warm start) through every iteration whatever the energies, so CEM plans that start (breaker60c:
    all-zero plans, whatever the goal) and iCEM samples around it only. A warning, not a refusal
    (the range is [0, 1]): holding one part on purpose is legitimate, ``fixed_axes`` says so
    better. None under MPPI, which reads no momenta (``method_reads.REFIT_FIELDS``). The
    settings are named as ``CEMConfig`` names them (``CEMConfig.momentum_mean``), for each entry
    point to name its way; ``fixed_axes``: advise holding an axis with it too (the API's line;
    no command option, node parameter or benchmark option holds it, so theirs advise a
    momentum below 1 only).
    """
    xyz = "xyz and rotation" if config.search_rotation else "xyz"  # momentum_mean moves both
    frozen = [(name, part) for name, part in (("momentum_mean", xyz),
                                              ("momentum_mean_gripper", "gripper"))
              if getattr(config, name) == 1 and config.method in readers(name)]
    if not frozen:
        return None
    names = " and ".join(f"CEMConfig.{name}" for name, _ in frozen)
    parts = " and ".join(part for _, part in frozen)
    plans = ", and plans it" if config.method == "cem" else ""
    hold = ", or hold an axis with fixed_axes" if fixed_axes else ""
    return FrozenMeanWarning(
        f"{names} 1.0: the refit new = (1 - m)*elite + m*old never moves the search mean's "
        f"{parts} from its start (0, or the warm start), whatever the energies (method "
        f"{config.method!r} samples around it only{plans}); give a momentum below 1 "
        f"(published 0.15){hold}")


# How the entry point running now says a frozen mean (:func:`say_frozen_mean`): a command's or a
# benchmark's printer (option_warnings), None for the API (a Python warning)
FROZEN_MEAN_SAY: contextvars.ContextVar[Callable[[str], None] | None] = contextvars.ContextVar(
    "frozen_mean_say", default=None)


def say_frozen_mean(config: CEMConfig, stacklevel: int = 1) -> None:
    """Say ``config``'s frozen mean (:func:`frozen_mean_warning`) as the entry point running does.

    Inside a command or a benchmark script (``option_warnings.option_warnings``, which sets
    :data:`FROZEN_MEAN_SAY`): the line without the ``fixed_axes`` advice, handed to its printer
    (``PROG: warning: --momentum-mean 1.0: ...``, once however often it is said). Else (the
    Python API: ``make_planner``, ``run_reach_episode``, ``run_task_episode``) a
    :class:`FrozenMeanWarning` at the line ``stacklevel`` frames up from here (1: the caller's).
    Nothing for a mean that moves. Called by the entry points only: the planner node words its
    own (``PlannerNodeConfig.startup_warnings``), the code they run never (an entry that runs
    another quiets it: ``option_warnings.said_already``).
    """
    say = FROZEN_MEAN_SAY.get()
    warning = frozen_mean_warning(config, fixed_axes=say is None)
    if warning is None:
        return
    if say is None:
        warnings.warn(warning, stacklevel=stacklevel + 1)
    else:
        say(str(warning))


PRESETS: dict[str, CEMConfig] = {
    # Paper (arXiv 2506.09985): S 800, I 10, k 10, H 1, displacement bound 0.075 m (an L1 ball
    # in the paper, clipped per axis as in the code). No momenta in the paper: the notebook's.
    "paper": CEMConfig(horizon=1, samples=800, topk=10, iterations=10, maxnorm=0.075),
    # Official notebook wrapper defaults (notebooks/utils/world_model_wrapper.py, mpc_args).
    "notebook": CEMConfig(horizon=2, samples=400, topk=10, iterations=10, maxnorm=0.05),
    # The official energy-landscape notebook's small CPU run (25 samples, 2 iterations).
    "notebook_cpu_demo": CEMConfig(
        horizon=2, samples=25, topk=10, iterations=2, maxnorm=0.075, momentum_std=0.75
    ),
}


def horizon_warning(config: CEMConfig) -> str | None:
    """Return a warning for settings that stop short of the goal, else None.

    Every energy here scores only the final imagined frame, so with H >= 2 any plan whose steps
    sum to the goal displacement is optimal and the executed first step is unconstrained: in a
    closed loop with an exact world model H 2 ends 1-5 cm from the goal, H 1 within 1 mm
    (test/test_planning_horizon.py). The paper's robot runs use H 1.
    """
    if config.horizon < 2:
        return None
    return (f"planner horizon {config.horizon} with the final-frame energy ({config.energy}): "
            "only the end of the plan is scored, so the arm tends to stop 1-5 cm short of the "
            "goal; horizon 1 (the paper's robot runs) converges")


def preset(name: str, **changes) -> CEMConfig:
    """Return the named preset (``PRESETS`` keys), optionally with some fields changed."""
    if name not in PRESETS:
        raise ValueError(f"unknown CEM preset {name!r}; known: {sorted(PRESETS)}")
    return PRESETS[name].with_(**changes)


def close_gripper_step(value: int, name: str) -> int | None:
    """Return ``CEMConfig.close_gripper`` from the integer convention of options and parameters.

    ``-1``: never (None); ``>= 0``: from this rollout step on the gripper delta is forced to 1.
    Raises ValueError naming ``name`` (``--close-gripper``, ``planner.close_gripper``) below -1.
    """
    if value < -1:
        raise ValueError(f"{name} must be -1 (never) or a rollout step >= 0, got {value}")
    return None if value == -1 else value

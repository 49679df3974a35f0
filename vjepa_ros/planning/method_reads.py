"""Which ``CEMConfig`` settings each search method reads: the one table every route tells from.

:data:`READ_BY` lists every setting that not all three methods read, with the methods that do:

- ``cem`` (the published CEM) alone reads ``warm_start`` and the early stop
  (:data:`CEM_ONLY_FIELDS`): iCEM and MPPI warm-start by their own ``shift_warm_start`` and run
  every iteration;
- ``cem`` and ``icem`` read the four momenta of the elite refit (:data:`REFIT_FIELDS`,
  ``cem.refit_distribution``); MPPI refits nothing: its mean is the weighted mean of every
  sample (``mppi.temperature``), its std shrinks by ``mppi.noise_decay``;
- ``icem`` / ``mppi`` alone read their settings group (``CEMConfig.icem`` / ``CEMConfig.mppi``,
  :data:`METHOD_GROUPS`).

Every other setting is read by all three. ``topk`` too under MPPI, which weighs all samples:
there it is the k of the reported energy (``PlanResult.elite_energies``, the mean of the k lowest
energies, which the node's energy sub-goal rule compares with ``goals.energy_threshold``) and of
the note on too few finite energies (``PlanResult.elites_note``).

Three routes tell of a setting the method ignores, each in its own words and names but from
this table: ``CEMConfig`` warns (``IdleSettingsWarning``, fields ``CEMConfig.warm_start``), the
commands refuse (``methods.check_given_settings_used``, parameters ``planner.warm_start`` or
options ``--icem-noise-beta``) and the planner node warns at start-up
(``robot/idle_parameters.py``, parameters).
"""

from __future__ import annotations

METHODS = ("cem", "icem", "mppi")
# CEMConfig fields only method "cem" reads
CEM_ONLY_FIELDS = ("warm_start", "early_stop_patience", "early_stop_rel_tol")
# the momenta of the elite refit: CEM's and iCEM's (MPPI weighs every sample instead)
REFIT_FIELDS = ("momentum_mean", "momentum_std", "momentum_mean_gripper", "momentum_std_gripper")
# the gripper's sample settings, void while the gripper is closed from the first step
# (close_gripper 0: every gripper sample is 1, cem.clip_to_box, whatever their clip and spread):
# the commands refuse them then (methods.check_given_settings_used), the node warns
# (robot/idle_parameters.py). Not momentum_mean_gripper nor gripper_round_threshold under cem
# (and icem planning its mean): the plan's gripper is the search's mean, which moves from 0
# toward those 1s at the mean momentum's pace and is then rounded (0.27 after 3 iterations at
# momentum 0.9, rounded to 0 below 0.3). All of them: closed_gripper_idle_fields.
CLOSED_GRIPPER_IDLE_FIELDS = ("gripper_clip", "gripper_init_std", "momentum_std_gripper")
# ... and these two as well where the plan is not the search's mean but a sequence in the samples'
# box, whose gripper is 1 too (no threshold below gripper_clip <= 1 rounds it; mend62f): MPPI's
# weighted mean put in that box (mppi.mppi_search: cem.clip_to_box), iCEM's lowest-energy sample
# under icem.execute_best (the scored mean is a sample as well)
PLANNED_GRIPPER_FIELDS = ("momentum_mean_gripper", "gripper_round_threshold")
# the settings group of each method of its own: read only while that method plans
METHOD_GROUPS = ("icem", "mppi")
# every CEMConfig field (or settings group) that not all methods read -> the methods that read it
READ_BY: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(CEM_ONLY_FIELDS, ("cem",)),
    **dict.fromkeys(REFIT_FIELDS, ("cem", "icem")),
    **{group: (group,) for group in METHOD_GROUPS},
}
# what each method does instead of the settings it does not read (after "it" or "which"):
# cem; then iCEM and MPPI, by their own group ({prefix}: how the route names settings, "" for
# CEMConfig fields, "planner." for parameters)
_INSTEAD = {
    "cem": "is the published CEM: no iCEM or MPPI settings",
    "icem": "warm-starts by {prefix}icem.shift_warm_start and runs every iteration",
    "mppi": "warm-starts by {prefix}mppi.shift_warm_start, runs every iteration and weighs "
            "every sample by {prefix}mppi.temperature instead of refitting elites with momenta",
}


def readers(setting: str) -> tuple[str, ...]:
    """Return the methods (in :data:`METHODS` order) that read ``setting``.

    ``setting``: a ``CEMConfig`` field dotted as the config names it (``warm_start``,
    ``icem.noise_beta``, ``refine.lr``), with or without the node's ``planner.`` prefix
    (``planner.mppi.temperature``). ``warm_start`` -> ``("cem",)``, ``momentum_mean`` ->
    ``("cem", "icem")``, ``icem.noise_beta`` -> ``("icem",)``, ``samples`` / ``refine.lr`` /
    an unknown name -> :data:`METHODS` (every method).
    """
    name = setting.removeprefix("planner.")
    return READ_BY.get(name, READ_BY.get(name.partition(".")[0], METHODS))


def settings_read_by(methods: tuple[str, ...]) -> tuple[str, ...]:
    """Return the :data:`READ_BY` settings that exactly ``methods`` read, in its order.

    ``("cem",)`` -> :data:`CEM_ONLY_FIELDS`; ``("cem", "icem")`` -> :data:`REFIT_FIELDS`;
    ``("mppi",)`` -> ``("mppi",)`` (the whole group).
    """
    return tuple(name for name, read in READ_BY.items() if read == methods)


def idle_fields(method: str) -> tuple[str, ...]:
    """Return the ``CEMConfig`` fields search method ``method`` does not read, in READ_BY order.

    ``cem`` -> ``("icem", "mppi")``; ``icem`` -> ``(*CEM_ONLY_FIELDS, "mppi")``; ``mppi`` ->
    ``(*CEM_ONLY_FIELDS, *REFIT_FIELDS, "icem")``; a name not in :data:`METHODS`: all of them
    (the node drops them all before ``CEMConfig`` refuses the method, naming it).
    """
    return tuple(name for name, read in READ_BY.items() if method not in read)


def either(methods: tuple[str, ...], quote: bool = False) -> str:
    """Return ``methods`` in words: ``"cem"``, ``"cem or icem"``; quoted: ``"'cem' or 'icem'"``."""
    return " or ".join(repr(m) if quote else m for m in methods)


def does_instead(method: str, prefix: str = "") -> str:
    """Return what ``method`` does instead of the settings it does not read, after "it"/"which".

    ``"warm-starts by planner.icem.shift_warm_start and runs every iteration"`` (``icem`` with
    ``prefix`` ``"planner."``); ``"is the published CEM: no iCEM or MPPI settings"`` (``cem``);
    MPPI's also says it weighs every sample instead of the momenta's refit. Raises KeyError for
    an unknown method.
    """
    return _INSTEAD[method].format(prefix=prefix)


def plans_a_boxed_sequence(config) -> bool:
    """Whether ``config``'s plan is a sequence in the samples' box rather than the search's mean.

    ``config``: a ``CEMConfig`` or the node's ``CEMParams`` (``method``, ``icem.execute_best``).
    True under ``mppi`` (its mean is put in the box each iteration) and ``icem`` with
    ``execute_best`` (the lowest-energy sample); False under ``cem`` and ``icem`` planning its
    mean, whose gripper moves toward the samples' at the mean momentum's pace.
    """
    return config.method == "mppi" or (config.method == "icem" and config.icem.execute_best)


def closed_gripper_idle_fields(config) -> tuple[str, ...]:
    """Return the gripper settings void while ``config`` closes the gripper from the first step.

    ``config``: a ``CEMConfig`` or the node's ``CEMParams`` whose ``close_gripper`` is 0 (every
    gripper sample is 1; the caller checks that). :data:`CLOSED_GRIPPER_IDLE_FIELDS`, and
    :data:`PLANNED_GRIPPER_FIELDS` when :func:`plans_a_boxed_sequence`; less those the method
    does not read at all (:func:`readers`: ``momentum_*_gripper`` under mppi), said as the
    method's. The one rule of the API's ``IdleSettingsWarning``, the commands' refusal and the
    node's warning (``robot/idle_parameters.py``).
    """
    extra = PLANNED_GRIPPER_FIELDS if plans_a_boxed_sequence(config) else ()
    return tuple(name for name in CLOSED_GRIPPER_IDLE_FIELDS + extra
                 if config.method in readers(name))


def closed_gripper_plan_words(config, prefix: str = "") -> str:
    """Return why :data:`PLANNED_GRIPPER_FIELDS` are void too under ``config``, "" if they are not.

    ``prefix``: how the route names settings (``""`` for ``CEMConfig`` fields, ``"planner."``
    for parameters): ``"; the plan is mppi's mean put in the samples' box, 1 too"``.
    """
    if not plans_a_boxed_sequence(config):
        return ""
    what = (f"{prefix}method mppi plans its weighted mean put in the samples' box"
            if config.method == "mppi" else
            f"{prefix}icem.execute_best plans the lowest-energy sample")
    return f"; {what}, whose gripper is 1 too"

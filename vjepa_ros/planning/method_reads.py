"""Which ``CEMConfig`` settings each search method reads: the one table every route tells from.

``cem`` (the published CEM) alone reads ``warm_start`` and the early stop
(:data:`CEM_ONLY_FIELDS`): iCEM and MPPI warm-start by their own ``shift_warm_start`` and run
every iteration. ``icem`` / ``mppi`` alone read their settings group (``CEMConfig.icem`` /
``CEMConfig.mppi``, :data:`METHOD_GROUPS`). Every other setting is read by all three.

Three routes tell of a setting the method ignores, each in its own words and names but from
this table: ``CEMConfig`` warns (``IdleSettingsWarning``, fields ``CEMConfig.warm_start``), the
commands refuse (``methods.check_given_settings_used``, parameters ``planner.warm_start`` or
options ``--icem-noise-beta``) and the planner node warns at start-up
(``nodes/idle_parameters.py``, parameters).
"""

from __future__ import annotations

METHODS = ("cem", "icem", "mppi")
# CEMConfig fields only method "cem" reads
CEM_ONLY_FIELDS = ("warm_start", "early_stop_patience", "early_stop_rel_tol")
# the settings group of each method of its own: read only while that method plans
METHOD_GROUPS = ("icem", "mppi")
# what each method does instead of the settings the others alone read (after "it" or "which"):
# cem; then iCEM and MPPI alike, by their own group ({prefix}: how the route names settings,
# "" for CEMConfig fields, "planner." for parameters)
_CEM_INSTEAD = "is the published CEM: no iCEM or MPPI settings"
_GROUP_INSTEAD = "warm-starts by {prefix}{method}.shift_warm_start and runs every iteration"


def own_settings(method: str) -> tuple[str, ...]:
    """Return the ``CEMConfig`` fields only ``method`` (one of :data:`METHODS`) reads.

    ``cem``: :data:`CEM_ONLY_FIELDS`; ``icem`` / ``mppi``: the name of its settings group (all
    of ``CEMConfig.icem`` / ``.mppi``); another name: none (``CEMConfig`` refuses it by name).
    """
    return {"cem": CEM_ONLY_FIELDS, "icem": ("icem",), "mppi": ("mppi",)}.get(method, ())


def idle_fields(method: str) -> tuple[str, ...]:
    """Return the ``CEMConfig`` fields search method ``method`` does not read.

    The other methods' :func:`own_settings`, in :data:`METHODS` order: ``cem`` -> ``("icem",
    "mppi")``; ``icem`` -> ``(*CEM_ONLY_FIELDS, "mppi")``; a name not in :data:`METHODS`: all
    of them (the node drops them all before ``CEMConfig`` refuses the method, naming it).
    """
    return tuple(name for other in METHODS if other != method for name in own_settings(other))


def method_of(setting: str) -> str | None:
    """Return the one method that reads ``setting``, or None when every method reads it.

    ``setting``: a ``CEMConfig`` field dotted as the config names it (``warm_start``,
    ``icem.noise_beta``, ``refine.lr``), with or without the node's ``planner.`` prefix
    (``planner.mppi.temperature``). ``warm_start`` -> ``"cem"``, ``icem.noise_beta`` ->
    ``"icem"``, ``samples`` / ``refine.lr`` -> None.
    """
    name = setting.removeprefix("planner.")
    for method in METHODS:
        if name in own_settings(method) or name.partition(".")[0] in own_settings(method):
            return method
    return None


def does_instead(method: str, prefix: str = "") -> str:
    """Return what ``method`` does instead of the settings it does not read, after "it"/"which".

    ``"warm-starts by planner.icem.shift_warm_start and runs every iteration"`` (``icem`` with
    ``prefix`` ``"planner."``); ``"is the published CEM: no iCEM or MPPI settings"`` (``cem``).
    Raises KeyError for an unknown method.
    """
    if method == "cem":
        return _CEM_INSTEAD
    if method not in METHOD_GROUPS:
        raise KeyError(method)
    return _GROUP_INSTEAD.format(prefix=prefix, method=method)

"""One table says which settings each search method ignores; every route tells from it.

review57r: the rule was written four times (``CEMConfig``'s ``IdleSettingsWarning``, the commands'
two refusals, the planner node's start-up warnings), and the words "warm-starts by
...shift_warm_start and runs every iteration" three times. ``planning/method_reads.py`` is now the
one source; here every method × every setting goes through each route, which must agree with the
table and with each other (a route that kept its own list, or lost one, fails here).
"""

import dataclasses
import itertools
import warnings

import pytest

from vjepa_ros.config import UsageError, flatten, from_dict
from vjepa_ros.planning.config import CEMConfig, IdleSettingsWarning
from vjepa_ros.planning.method_reads import (
    CEM_ONLY_FIELDS,
    METHODS,
    READ_BY,
    REFIT_FIELDS,
    does_instead,
    either,
    idle_fields,
    readers,
)
from vjepa_ros.planning.methods import check_given_settings_used
from vjepa_ros.robot.cem_params import CEMParams
from vjepa_ros.robot.idle_parameters import idle_parameter_warnings
from vjepa_ros.robot.planner_config import PlannerNodeConfig


def _changed(value):
    """Return a value off ``value`` (a setting's default) that its setting takes."""
    if isinstance(value, bool):
        return not value
    if value is None:
        return 1
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value * 0.9
    return {"l1": "l2"}[value]


def _dotted(instance) -> dict:
    """Field name (``icem.noise_beta``) -> default, nested settings groups flattened."""
    out = {}
    for field in dataclasses.fields(instance):
        value = getattr(instance, field.name)
        if dataclasses.is_dataclass(value):
            out.update({f"{field.name}.{k}": v for k, v in _dotted(value).items()})
        else:
            out[field.name] = value
    return out


API_DEFAULTS = _dotted(CEMConfig())
NODE_DEFAULTS = {name.removeprefix("planner."): value
                 for name, value, _ in flatten(PlannerNodeConfig()) if name.startswith("planner.")}
# the settings both the API and the node have (not the method itself)
SETTINGS = sorted((set(API_DEFAULTS) & set(NODE_DEFAULTS)) - {"method"})


def test_the_settings_cover_every_method_group_and_cems_own():
    assert set(CEM_ONLY_FIELDS) <= set(SETTINGS)
    for group in ("icem", "mppi", "refine"):
        assert any(name.startswith(f"{group}.") for name in SETTINGS), group
    assert len(SETTINGS) > 30


@pytest.mark.parametrize("name, owners", [
    ("warm_start", ("cem",)), ("early_stop_patience", ("cem",)),
    ("planner.early_stop_rel_tol", ("cem",)), ("icem.noise_beta", ("icem",)),
    ("planner.icem.execute_best", ("icem",)), ("mppi.shift_warm_start", ("mppi",)),
    ("momentum_mean", ("cem", "icem")), ("planner.momentum_std_gripper", ("cem", "icem")),
    ("samples", METHODS), ("topk", METHODS), ("refine.lr", METHODS),
    ("planner.refine.steps", METHODS), ("search_rotation", METHODS), ("icem_like", METHODS),
])
def test_readers_name_the_methods_reading_a_setting(name, owners):
    assert readers(name) == owners


def test_idle_fields_are_the_settings_the_method_is_not_among_the_readers_of():
    for method in METHODS:
        assert set(idle_fields(method)) == {n for n, read in READ_BY.items() if method not in read}
        assert not set(idle_fields(method)) & {n for n, read in READ_BY.items() if method in read}
    assert set(idle_fields("mppi")) >= set(REFIT_FIELDS)  # MPPI refits nothing (breaker60c #1)
    assert not set(idle_fields("icem")) & set(REFIT_FIELDS)
    # a method not in METHODS reads none of them: CEMConfig refuses it by name, not a KeyError
    assert set(idle_fields("adam")) == {*CEM_ONLY_FIELDS, *REFIT_FIELDS, "icem", "mppi"}
    with pytest.raises(ValueError, match="method must be one of"):
        CEMParams(method="adam").to_cem()


def _api_idle(method: str, name: str) -> list[str]:
    group, _, field = name.rpartition(".")
    value = _changed(API_DEFAULTS[name])
    changes = {group: {field: value}} if group else {name: value}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        CEMConfig(method=method, **changes)
    return [str(w.message) for w in caught if issubclass(w.category, IdleSettingsWarning)]


def _command_idle(method: str, name: str) -> str | None:
    try:
        check_given_settings_used(CEMConfig(method=method), [f"planner.{name}"])
    except UsageError as exc:
        return str(exc) if str(exc).startswith(f"planner.{name} is for planner.method ") else None
    return None


def _node_idle(method: str, name: str) -> list[str]:
    config = from_dict(PlannerNodeConfig, {"planner.method": method,
                                           f"planner.{name}": _changed(NODE_DEFAULTS[name])})
    return [line for line in idle_parameter_warnings(config)
            if line.startswith(f"planner.{name} do") and "while planner.method is" in line]


def _handed_over_at_default(method: str, name: str) -> bool:
    group, _, field = name.rpartition(".")
    params = CEMParams(method=method)
    changed = _changed(NODE_DEFAULTS[name])
    if group:
        params = dataclasses.replace(params, **{group: dataclasses.replace(
            getattr(params, group), **{field: changed})})
    else:
        params = dataclasses.replace(params, **{name: changed})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the node hands idle settings over at their defaults
        cem = params.to_cem()
    return _dotted(cem)[name] == _dotted(CEMConfig(method=method))[name]


@pytest.mark.parametrize("method, name", list(itertools.product(METHODS, SETTINGS)))
def test_every_route_agrees_which_settings_the_method_ignores(method, name):
    owners = readers(name)
    idle = method not in owners
    api, command, node = _api_idle(method, name), _command_idle(method, name), \
        _node_idle(method, name)
    said = {"CEMConfig warning": bool(api), "commands' refusal": command is not None,
            "node's warning": bool(node)}
    assert said == dict.fromkeys(said, idle), said
    if owners != METHODS:  # settings every method reads go over as given
        assert _handed_over_at_default(method, name) == idle
    if not idle:
        return
    (api,), (node,) = api, node
    assert api.startswith(f"CEMConfig.{name} is not read by method {method!r}"), api
    assert f"set method to {either(owners, quote=True)} " in api, api
    assert f"use planner.method {either(owners)}" in command, command
    assert node.endswith(f"set planner.method to {either(owners)}, or drop planner.{name}"), node
    # the words for what the method does instead: from the table, in each route's names
    assert f"(it {does_instead(method)})" in api, api
    if name.partition(".")[0] not in ("icem", "mppi"):  # a plain field: said what it does instead
        assert f"(which {does_instead(method, 'planner.')})" in command, command
        assert f"(it {does_instead(method, 'planner.')})" in node, node
        assert f"planner.{method}.shift_warm_start" in command

"""The planner settings' non-number fields: bools, Literal choices and the settings groups.

One rule by annotation (``planning/settings_check.check_fields``) for CEMConfig, ICEMSettings,
MPPISettings and RefineSettings: a bool field takes True/False only, a Literal field one of its
values, a settings group its dataclass or a mapping of its fields (a saved ``asdict`` read back).
The fields are found from the annotations here too, so a field added later is covered.
"""

import dataclasses
import json
import typing

import numpy as np
import pytest

from vjepa_ros.planning.config import ENERGIES, PRESETS, CEMConfig
from vjepa_ros.planning.method_reads import METHODS
from vjepa_ros.planning.methods import ICEMSettings, MPPISettings, RefineSettings

SETTINGS = (CEMConfig, ICEMSettings, MPPISettings, RefineSettings)


def _fields(wanted):
    found = []
    for settings in SETTINGS:
        hints = typing.get_type_hints(settings)
        found += [(settings, field.name, hints[field.name])
                  for field in dataclasses.fields(settings) if wanted(hints[field.name])]
    return found


BOOLS = _fields(lambda hint: hint is bool)
LITERALS = _fields(lambda hint: typing.get_origin(hint) is typing.Literal)
GROUPS = _fields(dataclasses.is_dataclass)


OFF_DEFAULT = {
    "icem": {"noise_beta": 3.0, "keep_elites_fraction": 0.5, "population_decay": 1.5,
             "shift_warm_start": False, "add_mean": False, "execute_best": False},
    "mppi": {"temperature": 0.3, "normalize_costs": False, "noise_sigma": 0.5, "noise_decay": 0.9,
             "shift_warm_start": False},
    "refine": {"steps": 3, "lr": 0.05},
}


def _ids(found):
    return [f"{settings.__name__}.{name}" for settings, name, _ in found]


def test_the_fields_are_found():
    assert set(_ids(BOOLS)) >= {
        "CEMConfig.search_rotation", "CEMConfig.warm_start", "ICEMSettings.shift_warm_start",
        "ICEMSettings.add_mean", "ICEMSettings.execute_best", "MPPISettings.normalize_costs",
        "MPPISettings.shift_warm_start"}
    assert {name for _, name, _ in LITERALS} == {"energy", "method"}
    assert {name for _, name, _ in GROUPS} == {"icem", "mppi", "refine"}


def test_the_literal_annotations_are_the_named_choices():
    hints = typing.get_type_hints(CEMConfig)
    assert typing.get_args(hints["energy"]) == ENERGIES
    assert typing.get_args(hints["method"]) == METHODS


@pytest.mark.parametrize(("settings", "name", "hint"), BOOLS, ids=_ids(BOOLS))
@pytest.mark.parametrize("value", ["false", "True", "", 0, 1, 1.0, None, [False]])
def test_a_bool_field_refuses_anything_but_a_bool(settings, name, hint, value):
    with pytest.raises(ValueError, match=rf"{name} must be True or False \(a bool\), got "):
        settings(**{name: value})


@pytest.mark.parametrize(("settings", "name", "hint"), BOOLS, ids=_ids(BOOLS))
@pytest.mark.parametrize("value", [True, False, np.True_, np.False_])
def test_a_bool_field_takes_python_and_numpy_bools_as_python_bools(settings, name, hint, value):
    got = getattr(settings(**{name: value}), name)
    assert type(got) is bool and got == bool(value)


@pytest.mark.parametrize(("settings", "name", "hint"), LITERALS, ids=_ids(LITERALS))
def test_a_literal_field_takes_its_choices_and_refuses_others(settings, name, hint):
    for choice in typing.get_args(hint):
        got = getattr(settings(**{name: np.str_(choice)}), name)  # numpy strings: the choice
        assert type(got) is str and got == choice
    for bad in (typing.get_args(hint)[0].upper(), "", None, 1, True):
        with pytest.raises(ValueError, match=f"CEMConfig.{name} must be one of"):
            settings(**{name: bad})


@pytest.mark.parametrize(("settings", "name", "group"), GROUPS, ids=_ids(GROUPS))
def test_a_group_is_built_from_a_mapping_of_its_fields(settings, name, group):
    changed = OFF_DEFAULT[name]  # every field off its default
    assert set(changed) == {field.name for field in dataclasses.fields(group)}
    assert all(getattr(group(), key) != value for key, value in changed.items())
    built = getattr(settings(**{name: changed}), name)
    assert type(built) is group and dataclasses.asdict(built) == changed
    assert getattr(settings(**{name: {}}), name) == group()  # an empty mapping: the defaults


@pytest.mark.parametrize(("settings", "name", "group"), GROUPS, ids=_ids(GROUPS))
def test_a_group_refuses_unknown_keys_other_types_and_bad_values(settings, name, group):
    known = dataclasses.fields(group)[0].name
    with pytest.raises(ValueError, match=f"CEMConfig.{name} has no setting 'bogus', 'x2'"):
        settings(**{name: {known: getattr(group(), known), "bogus": 1, "x2": 2}})
    other = next(g for g in (ICEMSettings, MPPISettings, RefineSettings) if g is not group)
    for bad in ("steps: 2", None, [(known, 1)], other()):
        with pytest.raises(ValueError, match=rf"CEMConfig.{name} must be {group.__name__} or a "
                                             "mapping of its settings, got"):
            settings(**{name: bad})
    with pytest.raises(ValueError, match=f"{name}.{known} must be"):  # checked in the group
        settings(**{name: {known: "2"}})


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_a_config_read_back_from_its_saved_json_equals_it(preset, method):
    # The eval report's "planner" section (dataclasses.asdict through JSON).
    config = PRESETS[preset].with_(
        method=method, warm_start=True, fixed_axes=((2, 0.01), (6, 0.0)), early_stop_patience=2,
        icem=ICEMSettings(noise_beta=3.0, execute_best=False), mppi=MPPISettings(temperature=0.2),
        refine=RefineSettings(steps=2, lr=0.05))
    saved = json.loads(json.dumps(dataclasses.asdict(config)))
    assert CEMConfig(**saved) == config
    assert config.with_(icem=saved["icem"]) == config  # with_ too (replace runs the checks)


@pytest.mark.parametrize("method", METHODS)
def test_the_node_settings_read_back_from_json_equal_them_and_refuse_by_the_same_rule(method):
    """``CEMParams`` (the node's ``planner.*``) runs the one rule too, naming ``planner.*``.

    The camera check's written ``planner`` section (``asdict(CEMParams.from_cem(...))``) read
    back as ``CEMParams(**saved)`` builds the groups (breaker54i); a bool or a float for an int,
    a string for a bool, an unknown group key: refused in one line naming the parameter.
    """
    from vjepa_ros.robot.cem_params import CEMParams

    params = CEMParams(method=method, seed=7, icem=ICEMSettings(noise_beta=3.0),
                       mppi={"temperature": 0.2}, refine=RefineSettings(steps=2, lr=0.05))
    assert type(params.mppi) is MPPISettings and params.mppi.temperature == 0.2
    saved = json.loads(json.dumps(dataclasses.asdict(params)))
    again = CEMParams(**saved)
    assert again == params and again.to_cem() == params.to_cem()
    assert again.refine.describe() == params.refine.describe() != ""
    assert CEMParams(horizon=np.int64(2)).horizon == 2 and type(CEMParams(horizon=np.int64(
        2)).horizon) is int
    for bad, words in ((dict(horizon=True), r"planner.horizon must be an integer in \[1, 16\], "
                                            "got True"),
                       (dict(iterations=5.0), "planner.iterations must be an integer"),
                       (dict(search_rotation="false"), "planner.search_rotation must be True or "
                                                       "False"),
                       (dict(icem={"beta": 2.0}), "planner.icem has no setting 'beta'"),
                       (dict(refine="steps: 2"), "planner.refine must be RefineSettings or a "
                                                 "mapping")):
        with pytest.raises(ValueError, match=words):
            CEMParams(**bad)

"""mend57a: a CEMConfig setting the chosen search method ignores is noted, naming both.

``CEMConfig(method="icem", early_stop_patience=3)`` planned with every iteration and said nothing
(iCEM and MPPI run all iterations and warm-start by their own ``shift_warm_start``); so did
``CEMConfig(method="cem", icem=ICEMSettings(noise_beta=3))``. The API now warns (one line,
``IdleSettingsWarning``) of a setting off its default that the method does not read
(``planning.method_reads.idle_fields``): a note, as code written for every method
(``warm_start=True`` whatever the method) may well set them; the planner node, which warns of
the same parameters in its log (``robot/idle_parameters.py``), hands the planning package their
defaults, and the commands keep refusing them in their own words.
"""

import warnings

import pytest

from vjepa_ros.planning.config import CEMConfig, IdleSettingsWarning, idle_fields
from vjepa_ros.planning.methods import ICEMSettings, MPPISettings


@pytest.mark.parametrize("method, changes, named", [
    ("icem", {"early_stop_patience": 3}, "CEMConfig.early_stop_patience"),
    ("mppi", {"warm_start": True}, "CEMConfig.warm_start"),
    ("icem", {"early_stop_rel_tol": 0.01}, "CEMConfig.early_stop_rel_tol"),
    ("cem", {"icem": ICEMSettings(noise_beta=3.0)}, "CEMConfig.icem.noise_beta"),
    ("mppi", {"icem": {"keep_elites_fraction": 0.5}}, "CEMConfig.icem.keep_elites_fraction"),
    ("icem", {"mppi": MPPISettings(temperature=0.5)}, "CEMConfig.mppi.temperature"),
])
def test_a_setting_the_method_ignores_is_noted_naming_it_and_the_method(method, changes, named):
    with pytest.warns(IdleSettingsWarning) as caught:
        CEMConfig(method=method, **changes)
    assert len(caught) == 1 and caught[0].filename == __file__  # the caller's line
    message = str(caught[0].message)
    assert message.startswith(f"{named} "), message
    assert "ignored" in message
    assert f"method {method!r}" in message and "\n" not in message, message


@pytest.mark.parametrize("method, changes", [
    ("icem", {"early_stop_patience": None, "warm_start": False}),  # the defaults, given
    ("cem", {"early_stop_patience": 3, "warm_start": True, "early_stop_rel_tol": 0.01}),
    ("icem", {"icem": ICEMSettings(noise_beta=3.0)}),
    ("mppi", {"mppi": {"temperature": 0.5}}),
])
def test_a_setting_the_method_reads_is_taken_without_a_note(method, changes):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config = CEMConfig(method=method, **changes)
    assert config.method == method


def test_idle_fields_name_what_each_method_does_not_read():
    assert set(idle_fields("cem")) == {"icem", "mppi"}
    assert set(idle_fields("icem")) == {"warm_start", "early_stop_patience",
                                        "early_stop_rel_tol", "mppi"}
    assert set(idle_fields("mppi")) == {"warm_start", "early_stop_patience",
                                        "early_stop_rel_tol", "icem", "momentum_mean",
                                        "momentum_std", "momentum_mean_gripper",
                                        "momentum_std_gripper"}  # breaker60c #1: no refit


def test_the_planner_node_settings_hand_the_idle_values_over_as_defaults():
    """The node warns of them (idle_parameters) and plans as before: no refusal at start."""
    from vjepa_ros.robot.cem_params import CEMParams

    params = CEMParams(method="icem", warm_start=True, early_stop_patience=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cem = params.to_cem()
    assert cem.method == "icem" and cem.warm_start is False and cem.early_stop_patience is None
    assert params.warm_start is True  # the node's own value, for its warning


def test_a_preset_switched_to_another_method_keeps_working():
    from vjepa_ros.planning.config import preset

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert preset("paper", method="icem").method == "icem"
        assert preset("notebook").with_(method="mppi").method == "mppi"

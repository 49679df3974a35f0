"""Planner parameters that do nothing under the other settings: which ones, and the words.

ROS-free (``robot/idle_parameters.py``); the node logs these lines at start-up and on a run-time
``goal_gripper`` change (``test_ros_planner_goals.py``).
"""

import pytest

from vjepa_ros.config import flatten, from_dict
from vjepa_ros.package_files import config_path
from vjepa_ros.robot.idle_parameters import RULES, idle_parameter_warnings
from vjepa_ros.robot.planner_config import PlannerNodeConfig
from vjepa_ros.yaml_files import read_ros_params


def config(**values):
    return from_dict(PlannerNodeConfig, values)


@pytest.mark.parametrize("values, idle, fix", [
    ({"goal_gripper": [1.0, 0.0]}, "goal_gripper does", "set goals.gripper to subgoal"),
    ({"goals.gripper_closed_above": 0.3}, "goals.gripper_closed_above does",
     "set goals.gripper to subgoal"),
    ({"goals.gripper": "subgoal", "planner.close_gripper": 0,
      "planner.gripper_round_threshold": 0.1}, "planner.gripper_round_threshold, "
     "planner.close_gripper do", "set goals.gripper to planned"),
    ({"planner.close_gripper": 0, "planner.gripper_round_threshold": 0.1,  # fix61c #1 (the
      "planner.momentum_std_gripper": 0.5}, "planner.momentum_std_gripper does nothing while "
     "planner.close_gripper is 0", "set planner.close_gripper to -1 (never) or a later step"),
    ({"planner.close_gripper": 0, "planner.gripper_clip": 0.5, "planner.gripper_init_std": 2.0},
     "planner.gripper_clip, planner.gripper_init_std do nothing while planner.close_gripper is 0",
     "set planner.close_gripper to -1 (never) or a later step"),  # threshold shapes the mean)
    ({"goals.energy_threshold": 0.2}, "goals.energy_threshold does", "set goals.rule to energy"),
    ({"goals.axes_tolerance_m": 0.02}, "goals.axes_tolerance_m does", "set goals.axes to subgoal"),
    ({"planner.icem.noise_beta": 1.0}, "planner.icem.noise_beta does",
     "set planner.method to icem"),
    ({"planner.method": "icem", "planner.mppi.temperature": 0.5},
     "planner.mppi.temperature does nothing while planner.method is 'icem'",
     "set planner.method to mppi"),
    ({"planner.refine.lr": 0.05}, "planner.refine.lr does", "set planner.refine.steps > 0"),
    ({"planner.rotation_maxnorm": 0.3}, "planner.rotation_maxnorm does",
     "set planner.search_rotation true"),
    ({"planner.early_stop_rel_tol": 0.01}, "planner.early_stop_rel_tol does",
     "set planner.early_stop_patience > 0"),
    ({"planner.method": "mppi", "planner.warm_start": True}, "planner.warm_start does nothing "
     "while planner.method is 'mppi' (it warm-starts by planner.mppi.shift_warm_start",
     "set planner.method to cem"),
    ({"planner.method": "icem", "planner.early_stop_rel_tol": 0.01},  # one line, not two
     "planner.early_stop_rel_tol does nothing while planner.method is 'icem'",
     "set planner.method to cem"),
    ({"control.async_blend_m": 0.03}, "control.async_blend_m does nothing while control.mode is "
     "'blocking'", "set control.mode to async"),
    ({"control.mode": "continuous", "control.settle_s": 0.5}, "control.settle_s does",
     "set control.mode to blocking or async"),
    ({"control.gripper_max_effort": 40.0}, "control.gripper_max_effort does",
     "set control.gripper_action"),
])
def test_a_parameter_idled_by_another_gets_one_line_naming_both(values, idle, fix):
    (line,) = idle_parameter_warnings(config(**values))
    assert line.startswith(idle) and f": {fix}, or drop " in line and "\n" not in line, line


@pytest.mark.parametrize("values", [
    {"goals.gripper": "subgoal", "goal_gripper": [1.0]},  # used
    {"goals.gripper": "subgoal", "goals.gripper_closed_above": 0.3},
    {"goals.axes": "subgoal", "goals.axes_tolerance_m": 0.02, "goals.axes_min_move_m": 0.05},
    {"planner.close_gripper": 0},  # the planned gripper: the search uses it
    {"planner.horizon": 2, "planner.close_gripper": 1,  # step 0 searched
     "planner.gripper_round_threshold": 0.1,
     "planner.momentum_std_gripper": 0.5},
    {"planner.close_gripper": 0, "planner.gripper_round_threshold": 0.1,  # they shape the
     "planner.momentum_mean_gripper": 0.5},  # planned gripper, the search's mean
    {"goals.rule": "energy", "goals.energy_threshold": 0.2, "goals.patience": 1},
    {"planner.method": "icem", "planner.icem.noise_beta": 1.0},
    {"planner.method": "mppi", "planner.mppi.temperature": 0.5},
    {"planner.refine.steps": 2, "planner.refine.lr": 0.05},
    {"planner.search_rotation": True, "planner.rotation_maxnorm": 0.3},
    {"planner.early_stop_patience": 2, "planner.early_stop_rel_tol": 0.01},
    {"planner.warm_start": True},  # method cem reads it
    {"control.mode": "async", "control.async_blend_m": 0.03},
    {"control.settle_s": 0.5},  # blocking waits for arrival
    {"control.gripper_action": "/franka_gripper/gripper_action",
     "control.gripper_max_effort": 40.0},
    {"goals.gripper": "planned", "goal_gripper": []},  # the defaults, spelled out
    {"control.mode": "continuous", "planner.method": "mppi"},  # switches alone: nothing idle
])
def test_used_parameters_and_defaults_get_no_warning(values):
    assert idle_parameter_warnings(config(**values)) == []


@pytest.mark.parametrize("name", ["planner.yaml", "planner_notebook.yaml"])
def test_the_packaged_parameter_files_set_nothing_in_vain(name):
    params = read_ros_params(config_path(name), "vjepa_planner")
    assert idle_parameter_warnings(from_dict(PlannerNodeConfig, params)) == []


def test_only_limits_the_lines_to_the_changed_parameters():
    both = config(**{"goal_gripper": [1.0], "planner.icem.noise_beta": 1.0})
    assert len(idle_parameter_warnings(both)) == 2
    (line,) = idle_parameter_warnings(both, only={"goal_gripper"})
    assert line.startswith("goal_gripper does nothing")


def test_every_rule_names_parameters_the_node_has():
    names = {name for name, _, _ in flatten(PlannerNodeConfig())}
    for rule in RULES:
        for name in rule.names:
            assert name in names or (name.endswith(".") and any(n.startswith(name)
                                                                  for n in names)), name


@pytest.mark.parametrize("method", ["icem", "mppi"])
@pytest.mark.parametrize("name, value", [("early_stop_patience", 3), ("warm_start", True),
                                         ("early_stop_rel_tol", 0.01)])
def test_cem_only_settings_with_another_method_are_not_silently_ignored(method, name, value):
    # breaker32p: iCEM and MPPI read neither (their own shift_warm_start, every iteration run),
    # yet reach/run took them and the node said nothing
    from vjepa_ros.config import UsageError
    from vjepa_ros.sim.reach_config import load_reach_config

    warnings = idle_parameter_warnings(config(**{"planner.method": method,
                                                 f"planner.{name}": value}))
    assert [line.split(" does nothing")[0] for line in warnings] == [f"planner.{name}"]
    with pytest.raises(UsageError, match=f"^planner.{name} is for planner.method cem, and this "
                       f"run plans with planner.method {method} "):
        load_reach_config(overrides={"planner.method": method, f"planner.{name}": value})
    assert getattr(load_reach_config(overrides={f"planner.{name}": value}).planner,
                   name) == value, "method cem: taken"

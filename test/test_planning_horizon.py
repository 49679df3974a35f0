"""Why the planner node defaults to horizon 1: with H 2 the closed loop stops short of the goal.

The world model here is exact (test_planning_cem.PositionWorldModel: the representation of the
reached position, an injective function of it), so every miss is the planner's. Each step plans
from the current position, executes the first action and replans, as the node does. Only the
final imagined frame is scored, so with H 2 every plan whose two steps sum to the remaining
displacement is optimal and the executed first step drifts: the loop settles centimetres away.
"""

import pytest
import torch
from test_planning_cem import START, PositionWorldModel

from conftest import REPO_ROOT
from vjepa_ros.config import from_dict
from vjepa_ros.planning.cem import plan
from vjepa_ros.planning.config import PRESETS, horizon_warning
from vjepa_ros.robot.cem_params import CEMParams
from vjepa_ros.robot.planner_config import PlannerNodeConfig
from vjepa_ros.yaml_files import read_ros_params

DISPLACEMENTS = [(0.12, -0.08, 0.05), (-0.10, 0.02, 0.08)]  # several steps away


def closed_loop_miss(config, displacement, seed: int, steps: int = 10) -> float:
    """Return the distance [m] to the goal after ``steps`` plan-execute-replan steps."""
    model = PositionWorldModel(seed=seed)
    target = START[:3] + torch.tensor(displacement)
    goal = model.reps_at(target[None])
    state = START.clone()
    for step in range(steps):
        result = plan(model, model.reps_at(state[None, :3]), state, goal, config,
                      generator=1000 * seed + step)
        state = state.clone()
        state[:3] += result.first_action[:3]
    return float((state[:3] - target).norm())


@pytest.fixture(scope="module")
def configs():
    notebook = read_ros_params(REPO_ROOT / "config" / "planner_notebook.yaml", "vjepa_planner")
    return {"node default": PlannerNodeConfig().planner.to_cem(),
            "notebook": from_dict(CEMParams, notebook["planner"], prefix="planner.").to_cem()}


def test_node_default_is_the_papers_horizon_1_and_the_notebook_file_its_preset(configs):
    assert configs["node default"] == PRESETS["paper"]
    assert configs["notebook"] == PRESETS["notebook"]
    yaml_default = read_ros_params(REPO_ROOT / "config" / "planner.yaml", "vjepa_planner")
    assert yaml_default["planner"]["horizon"] == 1


@pytest.mark.usefixtures("one_thread")
def test_horizon_2_stops_short_where_horizon_1_converges(configs):
    cases = [(displacement, seed) for displacement in DISPLACEMENTS for seed in range(2)]
    runs = {"node default": configs["node default"], "notebook": configs["notebook"],
            # the notebook's budget at H 1: the horizon, not the other settings, decides
            "notebook at H 1": configs["notebook"].with_(horizon=1)}
    misses = {name: torch.tensor([closed_loop_miss(config, *case) for case in cases])
              for name, config in runs.items()}
    assert misses["node default"].mean() < 0.003, misses  # millimetres (most runs < 1 mm)
    assert misses["notebook at H 1"].mean() < 0.003, misses
    assert (misses["notebook"] > 0.015).all(), misses  # centimetres short, every run
    assert misses["notebook"].mean() > 10 * misses["node default"].mean(), misses


def test_horizon_2_warns_once_at_start_up():
    assert PlannerNodeConfig().startup_warnings() == []
    warnings = PlannerNodeConfig(planner=CEMParams(horizon=2)).startup_warnings()
    assert len(warnings) == 1 and "horizon 2" in warnings[0] and "horizon 1" in warnings[0]
    assert horizon_warning(PRESETS["paper"]) is None
    for horizon in (2, 3, 5):
        text = horizon_warning(PRESETS["notebook"].with_(horizon=horizon, energy="l2"))
        assert f"horizon {horizon} with the final-frame energy (l2)" in text

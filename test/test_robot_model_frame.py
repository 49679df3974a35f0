"""The model-frame correction (control.model_frame_rpy_deg): algebra, its one place in the MPC."""

import math

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from vjepa_ros.planning.cem import PlanResult
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.pose import apply_action
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goals import SubGoal
from vjepa_ros.robot.model_frame import ModelFrame
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.targets import target_from_action
from vjepa_ros.sim.oracle import OracleWorldModel, encode_states

ROTATIONS = [(0, 0, 0), (0, 0, 90), (0, 0, 180), (0, 0, -135), (20, 0, 30), (-15, 25, 160)]


def _states(count, seed=0):
    rng = np.random.default_rng(seed)
    return torch.from_numpy(np.concatenate([
        rng.uniform([0.3, -0.3, 0.05], [0.7, 0.3, 0.6], (count, 3)),
        rng.uniform([-math.pi, -1.2, -math.pi], [math.pi, 1.2, math.pi], (count, 3)),
        rng.uniform(0, 1, (count, 1)),
    ], axis=1))


def _actions(count, seed=1):
    rng = np.random.default_rng(seed)
    return torch.from_numpy(np.concatenate([rng.normal(0, 0.05, (count, 3)),
                                            rng.normal(0, 0.2, (count, 3)),
                                            rng.uniform(-1, 1, (count, 1))], axis=1))


@pytest.mark.parametrize("rpy", ROTATIONS)
def test_round_trip_base_model_base(rpy):
    frame = ModelFrame(rpy)
    states, actions = _states(16), _actions(16)
    torch.testing.assert_close(frame.state_to_base(frame.state_to_model(states)), states,
                               atol=1e-12, rtol=0)
    torch.testing.assert_close(frame.action_to_base(frame.action_to_model(actions)), actions,
                               atol=1e-12, rtol=0)
    # state ⊕ action is the same motion whichever frame it is computed in
    torch.testing.assert_close(
        frame.state_to_model(apply_action(states, actions)),
        apply_action(frame.state_to_model(states), frame.action_to_model(actions)),
        atol=1e-12, rtol=0)
    # and against scipy: Δxyz_model = R·Δxyz_base, R_Δ,model = R·R_Δ·Rᵀ
    rotation = Rotation.from_euler("xyz", rpy, degrees=True)
    model_actions = frame.action_to_model(actions).numpy()
    np.testing.assert_allclose(model_actions[:, :3], rotation.apply(actions[:, :3].numpy()),
                               atol=1e-12)
    delta = Rotation.from_euler("xyz", actions[:, 3:6].numpy())
    expected = (rotation * delta * rotation.inv()).as_matrix()
    np.testing.assert_allclose(Rotation.from_euler("xyz", model_actions[:, 3:6]).as_matrix(),
                               expected, atol=1e-12)
    np.testing.assert_array_equal(model_actions[:, 6], actions[:, 6].numpy())  # gripper as is


def test_yaw_90_turns_base_x_into_model_y_and_keeps_dtype():
    frame = ModelFrame((0, 0, 90))
    action = torch.tensor([0.05, 0.0, 0.01, 0, 0, 0, 0.3], dtype=torch.float32)
    model = frame.action_to_model(action)
    assert model.dtype == torch.float32
    torch.testing.assert_close(model, torch.tensor([0.0, 0.05, 0.01, 0, 0, 0, 0.3]),
                               atol=1e-7, rtol=0)
    assert ModelFrame().identity and not frame.identity
    assert frame.angle_deg == pytest.approx(90)


@pytest.mark.parametrize("bad", [(0, 0), (0, 0, math.nan), "yaw", (1, 2, 3, 4)])
def test_bad_rotation_names_the_parameter(bad):
    with pytest.raises(ValueError, match="control.model_frame_rpy_deg"):
        ControlConfig(model_frame_rpy_deg=bad)


def test_plan_to_base_rotates_actions_not_energies():
    frame = ModelFrame((0, 0, -90))
    actions = torch.tensor([[0.0, 0.04, 0.0, 0, 0, 0, 0]])
    plan = PlanResult(first_action=actions[0], actions=actions, elite_energies=torch.ones(2),
                      best_energies=torch.ones(2), mean=actions, std=torch.ones(1, 7),
                      iterations_run=2, stopped_early=False)
    base = frame.plan_to_base(plan)  # model +y is base -x when R = Rz(-90°)
    torch.testing.assert_close(base.first_action[:3], torch.tensor([-0.04, 0.0, 0.0]),
                               atol=1e-7, rtol=0)
    torch.testing.assert_close(base.mean, base.actions)
    assert base.elite_energies is plan.elite_energies
    assert ModelFrame().plan_to_base(plan) is plan


class RecordingPlanner:
    """Returns one fixed model-frame action and records the state it was given."""

    def __init__(self, action):
        self.action, self.states = torch.tensor(action, dtype=torch.float32), []

    def reset(self):
        pass

    def plan(self, context_reps, context_state, goal_reps, **kwargs):
        self.states.append(context_state.clone())
        return PlanResult(first_action=self.action.clone(), actions=self.action[None].clone(),
                          elite_energies=torch.zeros(1), best_energies=torch.zeros(1),
                          mean=self.action[None].clone(), std=torch.zeros(1, 7),
                          iterations_run=1, stopped_early=False)


@pytest.mark.parametrize("rpy", [(0, 0, 90), (10, -20, 135)])
def test_session_plans_in_the_model_frame_and_commands_in_the_base_frame(rpy):
    """The state reaches the planner rotated base → model; the command is state ⊕ Rᵀ·a."""
    start = np.array([0.5, 0.0, 0.3, math.pi, 0.0, 0.3, 0.0])
    frame_image = np.full((32, 32, 3), 7, np.uint8)
    oracle = OracleWorldModel()
    oracle.remember(frame_image, start)
    planner = RecordingPlanner([0.03, -0.02, 0.01, 0, 0, 0, 0])
    now = [10.0]
    session = MPCSession(oracle, CEMConfig(horizon=1, samples=8, topk=2, iterations=1),
                         SafetyLimits(), ControlConfig(model_frame_rpy_deg=list(rpy)),
                         clock=lambda: now[0], planner=planner)
    session.observe_image(frame_image, now[0])
    session.observe_state(start, now[0])
    session.set_goals([SubGoal(frame_image, 0, source="test", reps=encode_states(
        torch.from_numpy(start[None])))])
    session.set_enabled(True)
    report = session.plan_step()
    model_frame = ModelFrame(rpy)
    np.testing.assert_allclose(planner.states[0].double().numpy(),
                               model_frame.state_to_model(start).numpy(), atol=1e-6)
    base_action = model_frame.action_to_base(planner.action.double()).numpy()
    np.testing.assert_allclose(report.action, base_action, atol=1e-6)
    np.testing.assert_allclose(report.command, target_from_action(start, base_action), atol=1e-6)
    assert not np.allclose(report.action[:3], planner.action[:3].numpy(), atol=1e-3)


@pytest.mark.parametrize("rpy", [(0, 0, 90), (20, -10, 60)])
def test_rotated_oracle_executes_the_model_frame_action_in_the_base_frame(rpy):
    from vjepa_ros.sim.oracle import OraclePredictor, decode_poses

    states, actions = _states(8), _actions(8) * torch.tensor([1, 1, 1, 0.2, 0.2, 0.2, 0.0])
    predicted = OraclePredictor(model_frame_rpy_deg=rpy).step(encode_states(states),
                                                            actions.float())
    frame = ModelFrame(rpy)
    expected = apply_action(states, frame.action_to_base(actions))
    xyz, rotation, _ = decode_poses(predicted)
    torch.testing.assert_close(xyz, expected[:, :3], atol=1e-5, rtol=0)
    assert rotation.shape == (8, 3, 3)
    torch.testing.assert_close(encode_states(expected), predicted, atol=1e-5, rtol=0)


def test_oracle_blind_along_an_axis_ignores_that_component():
    from vjepa_ros.sim.oracle import OraclePredictor, decode_poses

    states = _states(4)
    action = torch.tensor([[0.02, -0.01, 0.05, 0, 0, 0, 0]] * 4)
    predicted = OraclePredictor(axis_gain=(1, 1, 0)).step(encode_states(states), action)
    xyz, _, _ = decode_poses(predicted)
    torch.testing.assert_close(xyz - states[:, :3], torch.tensor([[0.02, -0.01, 0.0]] * 4,
                                                                dtype=torch.float64),
                               atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match="axis_gain"):
        OraclePredictor(axis_gain=(1, 1))

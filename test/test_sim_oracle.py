"""The oracle world model (a test stand-in) and the ROS-free closed loop: sim + CEM + oracle."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from vjepa_ros.planning import CEMPlanner, apply_action, preset
from vjepa_ros.planning.rollout import ImaginedRollout
from vjepa_ros.sim.oracle import (
    EMBED_DIM,
    OraclePredictor,
    OracleWorldModel,
    decode_poses,
    encode_poses,
    encode_states,
)
from vjepa_ros.sim.tasks import reach_error, sample_reach_target

pytestmark = pytest.mark.usefixtures("one_thread")  # small torch work: 1 thread is fastest


def _random_states(count: int, seed: int = 0) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    states = np.concatenate(
        [
            rng.uniform([0.3, -0.3, 0.05], [0.7, 0.3, 0.6], size=(count, 3)),
            rng.uniform(-np.pi, np.pi, size=(count, 1)),  # roll across the ±π wrap
            rng.uniform(-1.2, 1.2, size=(count, 1)),
            rng.uniform(-np.pi, np.pi, size=(count, 1)),
            rng.uniform(0, 1, size=(count, 1)),
        ],
        axis=1,
    )
    return torch.from_numpy(states)


def test_representation_is_layer_normed_and_decodes_to_the_state():
    states = _random_states(64)
    reps = encode_states(states)
    assert reps.shape == (64, 1, EMBED_DIM) and reps.dtype == torch.float32
    torch.testing.assert_close(F.layer_norm(reps, (EMBED_DIM,)), reps, atol=1e-4, rtol=0)
    xyz, rotation, gripper = decode_poses(reps)
    torch.testing.assert_close(xyz, states[:, :3], atol=1e-5, rtol=0)
    torch.testing.assert_close(gripper, states[:, 6], atol=1e-5, rtol=0)
    torch.testing.assert_close(encode_poses(xyz, rotation, gripper), reps)


def test_predictor_step_is_state_plus_action():
    states = _random_states(32, seed=1)
    rng = np.random.default_rng(2)
    actions = torch.from_numpy(rng.normal(0, 0.05, size=(32, 7)))
    predictor = OraclePredictor()
    cache = predictor.new_cache()
    predicted = predictor.step(encode_states(states), actions.float(), states.float(), cache)
    expected = encode_states(apply_action(states, actions))
    torch.testing.assert_close(predicted, expected, atol=1e-5, rtol=0)
    assert cache.num_frames == 1
    # The state input is ignored on purpose: the pose comes from the representation.
    wrong_states = states.float() + 0.3
    torch.testing.assert_close(
        predictor.step(encode_states(states), actions.float(), wrong_states, None), predicted
    )


def test_planner_energy_is_zero_exactly_at_the_goal():
    state = _random_states(1, seed=3)[0]
    move = torch.tensor([0.05, -0.04, 0.03, 0, 0, 0, 0], dtype=torch.float64)
    goal = apply_action(state, move)
    rollout = ImaginedRollout(OraclePredictor(), encode_states(state[None]), state.float(),
                              encode_states(goal[None]))
    fractions = torch.tensor([0.0, 0.5, 0.9, 1.0, 1.1, 1.5])
    actions = (fractions[:, None] * move.float()[None])[:, None]  # [6, 1, 7]
    energies = rollout.energies(actions)
    assert energies[3] < 1e-6
    assert torch.all(energies[:3].diff() < 0) and torch.all(energies[3:].diff() > 0)


def test_unknown_frames_are_an_error_not_a_guess():
    oracle = OracleWorldModel()
    frame = np.zeros((8, 8, 3), np.uint8)
    oracle.remember(frame, np.arange(7.0))
    torch.testing.assert_close(oracle.encode(frame), encode_states(torch.arange(7.0)[None]))
    changed = frame.copy()
    changed[0, 0, 0] = 1
    with pytest.raises(ValueError, match="not rendered by an attached Sim"):
        oracle.encode(changed)


@pytest.fixture(scope="module")
def sim():
    pytest.importorskip("pybullet", reason="the simulator needs pybullet")
    from vjepa_ros.sim import CameraConfig, Sim, SimConfig

    with Sim(SimConfig(seed=1, camera=CameraConfig(width=64, height=64))) as sim:
        yield sim


def _reach(sim, oracle, planner, goal, steps: int, state_error=None) -> float:
    """Plan from rendered frames, command state ⊕ action, let the controller track it for 0.5 s."""
    goal_reps = oracle.encode(goal.frame)
    planner.reset()
    for _ in range(steps):
        frame = sim.render()
        state = sim.ee_state()  # stands in for the planner's forward kinematics
        if state_error is not None:
            state = state + state_error
        result = planner.plan(oracle.encode(frame), torch.from_numpy(state).float(), goal_reps)
        target = apply_action(torch.from_numpy(state), result.first_action.double()).numpy()
        sim.set_target_state(target)
        sim.advance(0.5)
    return reach_error(sim.ee_state(), goal.state)


def test_closed_loop_reaches_random_goals_from_goal_images(sim):
    from vjepa_ros.sim import capture_goal

    sim.reset(1)
    oracle = OracleWorldModel().attach(sim)
    planner = CEMPlanner(oracle, preset("paper", samples=100, iterations=5), seed=0)
    rng = np.random.default_rng(0)
    errors = []
    for _ in range(3):
        goal = capture_goal(sim, sample_reach_target(sim.ee_state(), rng))
        start_error = reach_error(sim.ee_state(), goal.state)
        errors.append(_reach(sim, oracle, planner, goal, steps=5))
        assert start_error > 0.08
    assert max(errors) < 0.01, errors  # the issue asks for 3 cm; the loop does much better


def test_closed_loop_misses_when_the_planner_kinematics_disagree(sim):
    """A 3 cm error in the planner's state (e.g. a wrong TCP offset) shows up as a 3 cm miss."""
    from vjepa_ros.sim import capture_goal

    sim.reset(1)
    oracle = OracleWorldModel().attach(sim)
    planner = CEMPlanner(oracle, preset("paper", samples=100, iterations=5), seed=0)
    goal = capture_goal(sim, sample_reach_target(sim.ee_state(), np.random.default_rng(0)))
    offset = np.array([0.0, 0.0, 0.03, 0.0, 0.0, 0.0, 0.0])
    error = _reach(sim, oracle, planner, goal, steps=5, state_error=offset)
    assert error == pytest.approx(0.03, abs=0.005)

"""The ROS-free reach episode: MPCSession closed loop in the simulator; oracle, random baseline."""

import math

import numpy as np
import pytest
import torch

pytest.importorskip("pybullet", reason="the simulator needs pybullet")

from vjepa_ros.config import ConfigError  # noqa: E402
from vjepa_ros.models import WorldModel, build_encoder  # noqa: E402
from vjepa_ros.planning.config import CEMConfig  # noqa: E402
from vjepa_ros.robot.control_config import ControlConfig  # noqa: E402
from vjepa_ros.robot.safety import SafetyLimits  # noqa: E402
from vjepa_ros.sim import Sim  # noqa: E402
from vjepa_ros.sim.oracle import OracleWorldModel  # noqa: E402
from vjepa_ros.sim.reach import (  # noqa: E402
    ReachError,
    make_reach_goal,
    reach_sim_config,
    run_reach_episode,
)
from vjepa_ros.sim.reach_config import (  # noqa: E402
    HELD_OUT_SEED_START,
    ReachConfig,
    ReachSimSettings,
    load_reach_config,
    resolve_checkpoint,
)
from vjepa_ros.sim.reach_media import save_episode_pictures  # noqa: E402
from vjepa_ros.sim.reach_text import format_step, format_summary  # noqa: E402
from vjepa_ros.sim.tasks import Goal, reach_error  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_thread")  # small torch work: 1 thread is fastest

SEED = HELD_OUT_SEED_START
CEM = CEMConfig(horizon=1, samples=64, iterations=4, topk=8, maxnorm=0.075)
SMALL = ReachSimSettings(width=64, height=64, shadows=False)
LIMITS = SafetyLimits()


@pytest.fixture(scope="module")
def sim():
    with Sim(reach_sim_config(SEED, SMALL)) as sim:
        yield sim


@pytest.fixture(scope="module")
def oracle(sim):
    return OracleWorldModel().attach(sim)


def test_oracle_reaches_the_goal_image_with_true_distances_recorded(sim, oracle, tmp_path):
    goal = make_reach_goal(sim, SEED)
    assert goal.reached and 0.08 <= reach_error(sim.ee_state(), goal.state) <= 0.25
    true_distances = []
    episode = run_reach_episode(
        sim, oracle, goal, CEM, ReachConfig(max_steps=8),
        on_step=lambda step: true_distances.append(reach_error(sim.ee_state(), goal.state)))
    assert episode.success and episode.stop_reason == "reached"
    assert episode.final_distance == pytest.approx(reach_error(sim.ee_state(), goal.state))
    assert episode.final_distance < 0.01, "an exact model converges to millimetres"
    # The safety filter shortens steps to 10 cm: a 17 cm goal takes at least two.
    assert 2 <= len(episode.steps) <= 8
    np.testing.assert_allclose([s.distance for s in episode.steps], true_distances)
    assert episode.steps[0].distance == pytest.approx(episode.start_distance)
    for step in episode.steps:
        assert step.frame.shape == (64, 64, 3) and step.planning_s > 0
        assert math.isfinite(step.energy) and step.energy >= 0
    assert episode.steps[-1].energy < episode.steps[0].energy
    line = format_step(episode.steps[0])
    assert f"{episode.steps[0].distance * 100:.1f} cm" in line and line.split()[0] == "1"
    assert "reached" in format_summary(episode)

    strip, gif = save_episode_pictures(tmp_path, episode)
    from PIL import Image

    with Image.open(gif) as animation:
        assert animation.n_frames == len(episode.steps) + 1
    with Image.open(strip) as picture:
        assert picture.width == min(8, len(episode.steps) + 2) * 64


def test_random_baseline_moves_within_the_search_box_and_records_true_distances(sim, oracle):
    goal = make_reach_goal(sim, SEED + 1)
    starts, true_distances = [], []

    def remember(step):
        starts.append(sim.ee_state())
        true_distances.append(reach_error(sim.ee_state(), goal.state))

    episode = run_reach_episode(sim, oracle, goal, CEM, ReachConfig(max_steps=4),
                                random_actions=True, seed=3, on_step=remember)
    assert len(episode.steps) == 4 or episode.success
    np.testing.assert_allclose([s.distance for s in episode.steps], true_distances)
    assert episode.final_distance == pytest.approx(reach_error(sim.ee_state(), goal.state))
    for step, start in zip(episode.steps, starts, strict=True):
        assert math.isnan(step.energy)
        assert np.abs(step.action[:3]).max() <= CEM.maxnorm and not step.action[3:].any()
        wanted = start[:3] + step.action[:3]
        if np.all((wanted >= LIMITS.box[0]) & (wanted <= LIMITS.box[1])) and \
                np.linalg.norm(step.action[:3]) <= LIMITS.max_step_m:
            np.testing.assert_allclose(step.command[:3], wanted, atol=1e-9)
        else:  # the safety filter clamped it into the box / shortened it
            assert np.all(step.command[:3] >= LIMITS.box[0] - 1e-9)
            assert np.all(step.command[:3] <= LIMITS.box[1] + 1e-9)
            assert np.linalg.norm(step.command[:3] - start[:3]) <= LIMITS.max_step_m + 1e-9
    moved = [np.linalg.norm(b[:3] - a[:3]) for a, b in zip(starts[:-1], starts[1:], strict=True)]
    assert min(moved) > 0.005, "the arm executes the random actions"


def test_async_reaches_sooner_and_stands_still_less_when_planning_takes_time(sim, oracle):
    episodes = {}
    for mode in ("blocking", "continuous", "async"):
        goal = make_reach_goal(sim, SEED + 1)
        episodes[mode] = run_reach_episode(sim, oracle, goal, CEM, ReachConfig(max_steps=12),
                                           control=ControlConfig(mode=mode), planning_s=0.5)
        assert episodes[mode].success and episodes[mode].final_distance < 0.05, mode
    blocking, continuous, run = episodes["blocking"], episodes["continuous"], episodes["async"]
    assert run.sim_seconds < 0.9 * blocking.sim_seconds
    assert run.still_fraction < blocking.still_fraction
    assert blocking.still_fraction > 0.3, "0.5 s plans with the arm standing still"
    predicted = [s.from_prediction for s in run.steps]
    assert not predicted[0] and all(predicted[1:]), "later steps came from predicted starts"
    assert not any("discarded" in m for _, m in run.log), "the oracle predicts exactly"
    assert not any(s.from_prediction for s in blocking.steps + continuous.steps)
    for episode in episodes.values():  # the time split accounts for the whole episode
        assert sum(episode.time_split.values()) == pytest.approx(episode.sim_seconds, abs=0.02)
        assert episode.time_split["first plan"] == pytest.approx(0.5, abs=0.02)
    waited = {mode: e.time_split["arrived, planning"] + e.time_split["arrived, waiting"]
              for mode, e in episodes.items()}
    assert waited["blocking"] >= 0.5 * (len(blocking.steps) - 1), "a plan after every arrival"
    assert waited["async"] < 0.5 * waited["blocking"], "async plans while the arm moves"
    with pytest.raises(ValueError, match="planning_s"):
        run_reach_episode(sim, oracle, make_reach_goal(sim, SEED), CEM, planning_s=-1.0)


def test_async_closed_loop_with_measured_planning_time(sim, oracle):
    goal = make_reach_goal(sim, SEED + 2)
    episode = run_reach_episode(sim, oracle, goal, CEM, ReachConfig(max_steps=12),
                                control=ControlConfig(mode="async"), real_time=True)
    assert episode.success and 0.0 <= episode.still_fraction < 1.0
    assert sum(s.from_prediction for s in episode.steps) >= len(episode.steps) - 1


def test_step_limit_stops_the_loop(sim, oracle):
    goal = make_reach_goal(sim, SEED)  # 17 cm away: one step of at most 10 cm cannot reach it
    episode = run_reach_episode(sim, oracle, goal, CEM, ReachConfig(max_steps=1))
    assert len(episode.steps) == 1 and not episode.success
    assert episode.stop_reason == "step limit" and episode.final_distance > 0.05
    assert "not reached" in format_summary(episode)


def test_bad_goal_or_model_is_a_clear_error_and_commands_nothing(sim, oracle):
    goal = make_reach_goal(sim, SEED)
    before = sim.target_state()
    nan_goal = Goal(goal.frame, np.full(7, np.nan), goal.target, True)
    with pytest.raises(ValueError, match="goal state must be 7 finite numbers"):
        run_reach_episode(sim, oracle, nan_goal, CEM)
    with pytest.raises(ValueError, match=r"goal image must be \[H, W, 3\] uint8"):
        run_reach_episode(sim, oracle, Goal(goal.frame[..., 0], goal.state, goal.target, True),
                          CEM)
    encoder_only = WorldModel(build_encoder(img_size=32, embed_dim=32, depth=1, num_heads=2),
                              None, device="cpu", dtype=torch.float32)
    with pytest.raises(ValueError, match="no action-conditioned predictor"):
        run_reach_episode(sim, encoder_only, goal, CEM)
    # A goal image the model cannot encode (the oracle knows only the sim's frames): the planner
    # fails on the first step, the session holds, and nothing reaches the arm.
    foreign = Goal(np.zeros_like(goal.frame), goal.state, goal.target, True)
    with pytest.raises(ReachError, match="step 1: nothing commanded: planner error.*not rendered"):
        run_reach_episode(sim, oracle, foreign, CEM)
    np.testing.assert_allclose(sim.target_state(), before)


def test_settings_file_overrides_and_errors(tmp_path):
    config = load_reach_config(overrides={"planner.samples": 12, "episode.max_steps": 3,
                                          "goal_seed": None})
    assert config.planner.samples == 12 and config.episode.max_steps == 3
    assert config.planner.horizon == 1 and config.goal_seed == HELD_OUT_SEED_START
    partial = tmp_path / "partial.yaml"
    partial.write_text("planner: {samples: 20}\n")
    assert load_reach_config(partial).planner.horizon == 1, "demo search, not notebook defaults"
    with pytest.raises(ConfigError, match="episode.max_stepz"):
        load_reach_config(overrides={"episode.max_stepz": 3})
    with pytest.raises(ValueError, match="max_steps must be an integer >= 1"):
        load_reach_config(overrides={"episode.max_steps": 0})
    with pytest.raises(ValueError, match="topk"):
        load_reach_config(overrides={"planner.samples": 4})
    with pytest.raises(FileNotFoundError, match="world model file not found"):
        resolve_checkpoint(str(tmp_path / "missing.pt"))


@pytest.mark.parametrize("method", ["icem", "mppi"])
def test_the_episode_plans_with_the_method_asked_for(sim, oracle, method, monkeypatch):
    """The episode's planner is the method's (it once built a CEMPlanner whatever the method).

    planner.method icem/mppi ran the published CEM in the simulator: bench_search's closed loop,
    vjepa-ros run, bench_manipulation.
    """
    from vjepa_ros.planning.planners import PLANNERS

    searched = []
    original = PLANNERS[method]._search

    def spy(self, *args, **kwargs):
        searched.append(type(self).__name__)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PLANNERS[method], "_search", spy)
    run_reach_episode(sim, oracle, make_reach_goal(sim, SEED), CEM.with_(method=method),
                      ReachConfig(max_steps=1))
    assert searched and set(searched) == {PLANNERS[method].__name__}


def test_too_many_samples_are_refused_before_the_episode_allocates(sim, oracle):
    from vjepa_ros.planning.memory import SamplesMemoryError

    with pytest.raises(SamplesMemoryError, match=r"^CEMConfig\.samples 10000000000 "):
        run_reach_episode(sim, oracle, make_reach_goal(sim, SEED),
                          CEM.with_(samples=10**10), ReachConfig(max_steps=1))

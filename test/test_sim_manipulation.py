"""Manipulation in the simulator: objects, GripperCommand semantics, detectors, the expert."""

import dataclasses
import math

import numpy as np
import pytest

pytest.importorskip("pybullet", reason="the simulator needs pybullet (pip install pybullet)")

from vjepa_ros.recordings.episode import Episode  # noqa: E402
from vjepa_ros.robot.control_config import ControlConfig  # noqa: E402
from vjepa_ros.robot.joint_states import finger_position  # noqa: E402
from vjepa_ros.sim import Sim, SimConfig  # noqa: E402
from vjepa_ros.sim.config import CameraConfig, SceneConfig  # noqa: E402
from vjepa_ros.sim.detectors import (  # noqa: E402
    DetectorConfig,
    ObjectReading,
    is_grasped,
    is_placed,
)
from vjepa_ros.sim.expert import Expert, ExpertConfig  # noqa: E402
from vjepa_ros.sim.gripper import (  # noqa: E402
    FRANKA_HAND_MAX_FORCE,
    goal_for_closedness,
    gripper_goal,
)
from vjepa_ros.sim.manipulation import (  # noqa: E402
    ManipulationTaskConfig,
    manipulation_sim_config,
    record_expert_episode,
    setup_task,
)
from vjepa_ros.sim.manipulation_loop import TaskLoopConfig, run_task_episode  # noqa: E402
from vjepa_ros.sim.oracle import OracleWorldModel  # noqa: E402
from vjepa_ros.sim.reach_config import load_reach_config  # noqa: E402
from vjepa_ros.sim.runner import CommandError, SimRunner  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_thread")  # small torch work: 1 thread is fastest

REST = 0.045  # m: the cup's centre standing on the table


def _reading(z=REST + 0.06, forces=(10.0, 10.0), xy=(0.5, 0.0), speed=0.0, spin=0.0,
             hand=False) -> ObjectReading:
    return ObjectReading(np.array([*xy, z]), np.array([0.0, 0.0, 0.0, 1.0]),
                         np.array([speed, 0.0, 0.0]), np.array([0.0, 0.0, spin]),
                         np.array(forces, dtype=float), hand)


@pytest.fixture(scope="module")
def cup_sim():
    with Sim(manipulation_sim_config(1, "cup", width=64, height=64)) as sim:
        yield sim


def test_gripper_commands_are_moves_grasps_or_nothing_as_on_franka_gripper():
    open_width, force = 0.08, 40.0
    for closedness in (0.0, 0.25, 0.5, 1.0):  # the planner's goal: position = width / 2
        goal = goal_for_closedness(closedness, 20.0, 0.0, force)  # opening from closed: a move
        if closedness == 1.0:
            assert goal is None  # already there: nothing changes
            continue
        assert goal.position == pytest.approx(finger_position(closedness)) and not goal.grasp
        assert goal.closedness() == pytest.approx(closedness)
        assert goal.finger_target == goal.position
        assert goal.max_effort == force  # a move uses the hand's own force
    for closedness in (0.1, 0.6, 1.0):  # closing from open: a grasp with the goal's effort
        goal = goal_for_closedness(closedness, 20.0, open_width, force)
        assert goal.grasp and goal.max_effort == 20.0 and goal.finger_target == 0.0
    assert gripper_goal(0.03, 20.0, 0.06 + 5e-5, force) is None  # within 0.1 mm: nothing
    assert gripper_goal(0.03, 20.0, 0.0602, force).grasp
    assert gripper_goal(0.02, 500.0, open_width, force).max_effort == FRANKA_HAND_MAX_FORCE
    assert goal_for_closedness(-2.0, 20.0, 0.03, force).position == 0.04  # clipped closedness
    for position, effort in ((math.nan, 10.0), (math.inf, 10.0), (0.041, 10.0), (-0.001, 10.0),
                             (0.02, -3.0), (0.02, math.nan), (0.02, math.inf), (0.02, 0.0)):
        with pytest.raises(ValueError, match="GripperCommand"):
            gripper_goal(position, effort, open_width, force)
    assert gripper_goal(0.04, 0.0, 0.02, force).max_effort == force  # a move needs no effort
    with pytest.raises(ValueError, match="closedness"):
        goal_for_closedness(math.nan, 10.0, open_width, force)


def test_runner_refuses_bad_gripper_goals_and_keeps_the_previous_one():
    runner = SimRunner(SimConfig(scene=SceneConfig(num_objects=0)))
    try:
        before = runner.sim.gripper_goal
        with pytest.raises(CommandError, match="max_effort"):
            runner.command_gripper_goal(0.005, 0.0)  # a grasp without force
        with pytest.raises(CommandError, match="position"):
            runner.command_gripper_goal(0.05, 10.0)
        assert runner.sim.gripper_goal == before
        applied = runner.command_gripper_goal(0.01, 15.0)
        assert (applied.position, applied.max_effort, applied.grasp) == (0.01, 15.0, True)
        runner.sim.advance(0.8)
        assert runner.sim.ee_state()[6] > 0.98  # nothing to hold: a grasp closes fully
        assert not runner.sim.gripper_result().reached_goal  # 0 m, not 0.02 m: a failed grasp
        runner.command_gripper(0.5)  # the Float64 path: opening to 0.5 is a move
        runner.sim.advance(0.8)
        assert runner.sim.ee_state()[6] == pytest.approx(0.5, abs=0.02)
        assert runner.sim.gripper_result().reached_goal
    finally:
        runner.close()


def _close_on_the_cup(sim, effort: float):
    """Bring the open hand around the cup (clean expert), close with ``effort``, settle."""
    sim.reset(1)
    expert = Expert(sim, ExpertConfig().clean(), np.random.default_rng(0), record=False)
    reading = expert.monitor.reading()
    aim = reading.position.copy()
    aim[2] += expert.spec.height / 2 - 0.035
    expert.move(expert.pose(aim + [0, 0, 0.1]), "approach")
    expert.move(expert.pose(aim), "descend")
    sim.command_gripper(0.0, effort)
    sim.advance(1.0)
    return expert, aim


CUP_TABLE_FRICTION = 0.15 * 9.81 * 1.0  # N: the most the table's friction holds the cup sideways


def _assert_grasp_forces(forces, effort):
    """Both fingers press with ``effort`` on average, differing by no more than the table holds.

    The geared fingers (sim.py) centre the cup; it stops where the table's friction balances what
    is left of the difference.
    """
    assert forces.mean() == pytest.approx(effort, rel=0.05)
    assert np.abs(forces - effort).max() <= CUP_TABLE_FRICTION / 2 + 0.05 * effort, forces


@pytest.mark.parametrize("effort", [5.0, 30.0])
def test_a_closed_gripper_squeezes_with_at_most_max_effort(cup_sim, effort):
    expert, _ = _close_on_the_cup(cup_sim, effort)
    reading = expert.monitor.reading()
    _assert_grasp_forces(reading.finger_forces, effort)
    result = cup_sim.gripper_result()
    assert result.stalled and not result.reached_goal
    assert result.effort == pytest.approx(effort, rel=0.05)
    assert 2 * result.position == pytest.approx(0.06, abs=0.003)  # the cup's diameter
    # The planner re-sending the measured closedness (Float64 or GripperCommand) keeps the grasp.
    cup_sim.set_gripper(cup_sim.ee_state()[6])
    cup_sim.command_gripper(cup_sim.finger_positions().mean(), 1.0)
    cup_sim.advance(0.5)
    _assert_grasp_forces(expert.monitor.reading().finger_forces, effort)
    cup_sim.set_gripper(0.0)  # opening releases it
    cup_sim.advance(0.5)
    assert expert.monitor.reading().finger_forces.max() == 0.0


def test_too_little_effort_lets_the_cup_slip_enough_holds_it(cup_sim):
    outcomes = {}
    for effort in (0.4, 20.0):  # the cup weighs 1.5 N; friction 1.0 on two fingers
        expert, aim = _close_on_the_cup(cup_sim, effort)
        expert.move(expert.pose(aim + [0, 0, 0.12]), "lift")
        cup_sim.advance(0.5)
        outcomes[effort] = expert.monitor.grasped()
    assert outcomes == {0.4: False, 20.0: True}


def test_grasp_detector_needs_the_lift_and_both_fingers():
    config = DetectorConfig()
    assert is_grasped(_reading(), REST, config)
    assert not is_grasped(_reading(z=REST + 0.049), REST, config)  # not lifted enough
    assert is_grasped(_reading(z=REST + 0.05), REST, config)
    assert not is_grasped(_reading(forces=(10.0, 0.0)), REST, config)  # one finger
    assert not is_grasped(_reading(forces=(0.0, 0.0)), REST, config)  # lying on something
    assert not is_grasped(_reading(forces=(0.2, 0.2)), REST, config)  # grazing


def test_place_detector_needs_rest_upright_in_radius_out_of_hand():
    config = DetectorConfig(place_radius=0.05)
    target = (0.5, 0.0)
    placed = dict(z=REST, forces=(0.0, 0.0), xy=(0.53, 0.02))
    assert is_placed(_reading(**placed), target, REST, config)
    for change in (dict(xy=(0.56, 0.0)), dict(speed=0.05), dict(spin=1.0), dict(z=REST + 0.03),
                   dict(z=0.03), dict(forces=(2.0, 0.0)), dict(hand=True)):
        assert not is_placed(_reading(**{**placed, **change}), target, REST, config), change
    with pytest.raises(ValueError, match="place target"):
        is_placed(_reading(**placed), (0.5, math.nan), REST, config)


def test_the_graspable_object_is_placed_per_seed_without_moving_the_others():
    plain, with_box = SimConfig(seed=4), SimConfig(seed=4, scene=SceneConfig(graspable="box"))
    with Sim(plain) as a, Sim(with_box) as b:
        np.testing.assert_array_equal(a.object_poses(), b.object_poses())
        region = b.config.scene.graspable_region
        positions = []
        for seed in (4, 5, 4):
            b.reset(seed)
            xyz = b.object_reading().position
            positions.append(xyz)
            assert region[0] <= xyz[0] <= region[1] and region[2] <= xyz[1] <= region[3]
            assert xyz[2] == pytest.approx(0.03, abs=1e-3)  # standing on the table
            gaps = np.linalg.norm(b.object_poses()[:, :2] - xyz[:2], axis=1)
            assert gaps.min() >= b.config.scene.graspable_spacing
        np.testing.assert_array_equal(positions[0], positions[2])
        assert np.linalg.norm(positions[0] - positions[1]) > 0.01
    with pytest.raises(ValueError, match="scene.graspable"):
        SimConfig(scene=SceneConfig(graspable="mug")).check()
    with pytest.raises(ValueError, match="no graspable object"):
        with Sim(plain) as a:
            a.object_reading()


def test_grasp_episodes_success_and_miss_are_detected(cup_sim, tmp_path):
    setup = setup_task(cup_sim, 1, "grasp")
    start = np.concatenate([cup_sim.ee_state(), cup_sim.object_reading().position])
    assert len(setup.goals) == 1
    goal = setup.goals[0]
    assert goal.state[2] == pytest.approx(0.09 - 0.035 + 0.12, abs=0.01)  # lifted 12 cm
    assert goal.state[6] > 0.2  # the fingers stopped on the cup
    # making the goal image left the scene at the start
    np.testing.assert_allclose(
        np.concatenate([cup_sim.ee_state(), cup_sim.object_reading().position]), start, atol=1e-9)
    episode, outcome = record_expert_episode(cup_sim, setup)
    assert outcome.success and outcome.grasped and episode.metadata["success"]
    assert episode.states[-1, 6] > 0.2 and episode.states[0, 6] < 0.01  # closed on it
    assert cup_sim.object_reading().position[2] > REST + 0.05
    loaded = Episode.load(episode.save(tmp_path / "grasp.npz"))
    np.testing.assert_array_equal(loaded.states, episode.states)
    assert loaded.metadata["phases"][-1] == "end" and "close" in loaded.metadata["phases"]

    always_miss = dataclasses.replace(ExpertConfig(), miss_probability=1.0, max_regrasps=0)
    setup = setup_task(cup_sim, 1, "grasp", expert=always_miss, subgoal_images=False)
    episode, outcome = record_expert_episode(cup_sim, setup)
    assert not outcome.success and not outcome.grasped and not episode.metadata["success"]
    assert [what for _, what in outcome.events] == ["mis-aimed descent", "missed grasp"]
    assert cup_sim.object_reading().position[2] < REST + 0.01  # still on the table


def test_pick_and_place_episodes_success_and_misplacement_are_detected(cup_sim):
    config, clean = ManipulationTaskConfig(), ExpertConfig().clean()
    setup = setup_task(cup_sim, 2, "pick-and-place", config, clean, subgoal_images=False)
    start_xy = cup_sim.object_reading().position[:2]
    assert np.linalg.norm(setup.place_xy - start_xy) >= config.place_min_distance
    _, outcome = record_expert_episode(cup_sim, setup)
    assert outcome.success and outcome.placed and not outcome.grasped
    assert np.linalg.norm(cup_sim.object_reading().position[:2] - setup.place_xy) < 0.02

    misplace = dataclasses.replace(clean, place_miss_probability=1.0, max_regrasps=0)
    setup = setup_task(cup_sim, 2, "pick-and-place", config, misplace, subgoal_images=False)
    _, outcome = record_expert_episode(cup_sim, setup)
    off = np.linalg.norm(cup_sim.object_reading().position[:2] - setup.place_xy)
    assert not outcome.success and outcome.placed is False and off > config.reach_radius


def test_noisy_expert_reaches_with_the_object():  # the box: in the closed-loop test
    with Sim(manipulation_sim_config(3, "cup", width=64, height=64)) as sim:
        setup = setup_task(sim, 3, "reach-with-object")
        assert sim.object_reading().finger_forces.min() > 1.0  # the object is in hand already
        assert setup.goals[0].state[6] > 0.2
        episode, outcome = record_expert_episode(sim, setup)
        assert outcome.success and outcome.grasped and outcome.reach_error < 0.01
        assert np.linalg.norm(episode.states[-1, :3] - setup.goal_state[:3]) < 0.01


def test_expert_drops_mid_carry_and_fidgets_with_an_empty_hand(cup_sim):
    """A drop opens the full hand in the air (the cup falls), then the expert grasps it again.

    A fidget twitches the empty hand shut for a frame above the cup before the descent.
    """
    dropper = dataclasses.replace(ExpertConfig().clean(), drop_probability=1.0)
    setup = setup_task(cup_sim, 1, "pick-and-place", expert=dropper, subgoal_images=False)
    episode, outcome = record_expert_episode(cup_sim, setup)
    events = [what for _, what in outcome.events]
    assert events[:2] == ["dropped", "picked up again"] and outcome.success
    phases, closedness = episode.metadata["phases"], episode.states[:, 6]
    drop = phases.index("drop")
    assert closedness[drop - 1] > 0.2  # the cup was held when the hand opened in the air
    assert episode.states[drop, 2] > REST + 0.08  # high above the table
    after = [i for i, phase in enumerate(phases) if phase == "drop"][-1] + 1
    assert closedness[after] < 0.05  # open: the cup fell out
    assert phases[after:].count("descend") >= 1  # and was grasped again

    fidgeter = dataclasses.replace(ExpertConfig().clean(), fidget_probability=1.0)
    setup = setup_task(cup_sim, 1, "grasp", expert=fidgeter, subgoal_images=False)
    episode, outcome = record_expert_episode(cup_sim, setup)
    phases, closedness = episode.metadata["phases"], episode.states[:, 6]
    fidget = [i for i, phase in enumerate(phases) if phase == "fidget"]
    assert outcome.success and fidget and fidget[-1] < phases.index("descend")
    assert closedness[fidget].max() > 0.5  # closing on nothing (one frame: most of the way)
    assert closedness[fidget[-1] + 1] < 0.05  # open again before the descent
    clean = ExpertConfig().clean()
    assert clean.drop_probability == clean.fidget_probability == 0


def test_closed_loop_with_the_oracle_carries_and_picks_and_places_with_dense_sub_goals():
    cem = load_reach_config().planner.to_cem()
    with Sim(manipulation_sim_config(900000, "box", width=64, height=64,
                                     camera=CameraConfig(shadows=False))) as sim:
        oracle = OracleWorldModel().attach(sim)  # before the sub-goal images are rendered
        setup = setup_task(sim, 900000, "reach-with-object")
        episode, outcome = run_task_episode(sim, oracle, setup, cem)
        assert episode.success and outcome.success and outcome.reach_error < 0.05
        assert len(episode.steps) <= 8

        setup = setup_task(sim, 900000, "pick-and-place")  # the paper's three sub-goals
        assert setup.names == ("grasp", "carry", "place")
        frames = np.stack([goal.frame for goal in setup.goals]).astype(int)
        assert all(np.abs(frames[i] - frames[j]).mean() > 1 for i, j in ((0, 1), (1, 2)))
        assert setup.goals[0].state[6] > 0.3 and setup.goals[2].state[6] < 0.05  # held, open

        # The oracle sees only the hand: it needs a sub-goal at every turn of the motion.
        setup = setup_task(sim, 900000, "pick-and-place", dense=True)
        assert len(setup.goals) == 9
        # "approach": halfway on the hand's way to the pre-grasp pose (per-axis capped steps
        # bend the path), open
        start, approach, pre = sim.ee_state()[:3], setup.goals[0].state, setup.goals[1].state
        whole = np.linalg.norm(pre[:3] - start)
        assert whole > 0.2 and approach[6] < 0.05
        assert 0.3 * whole <= np.linalg.norm(pre[:3] - approach[:3]) <= 0.5 * whole + 1e-9
        assert np.linalg.norm(approach[:3] - start) >= 0.35 * whole
        goals = []
        # The oracle's step counts (TaskLoopConfig.dense_steps): it reaches each sub-goal within
        # them; the learned model's larger defaults only add steps at rest, nothing this checks.
        oracle_steps = TaskLoopConfig(dense_steps=[3, 3, 3, 2, 4, 5, 3, 2, 3])
        episode, outcome = run_task_episode(sim, oracle, setup, cem, oracle_steps,
                                            on_step=lambda step: goals.append(sim.gripper_goal))
        assert outcome.success and outcome.placed and episode.success
        switches = [message for _, message in episode.log if "next sub-goal" in message]
        # placed (released, at rest) once the release sub-goal is reached, maybe before "place"
        assert len(switches) >= 7 and "pre-grasp" in switches[0] and "descend" in switches[1]
        assert "release" in switches[6]
        # The planner closed the gripper on the box (closedness 0.375 in the "closed" image),
        # sent as the node's GripperCommand: a grasp with control.gripper_max_effort.
        grasps = [goal for goal in goals if goal.grasp]
        assert grasps and grasps[0].max_effort == ControlConfig().gripper_max_effort


def test_collect_command_records_expert_episodes_that_training_reads(tmp_path, capsys):
    from vjepa_ros.cli import main
    from vjepa_ros.train.config import DataConfig
    from vjepa_ros.train.episodes import find_sources, load_segments

    args = ["collect", "--task", "reach-with-object", "--object", "box", "--episodes", "1",
            "--seed", "7", "--width", "48", "--height", "48", "--out", str(tmp_path)]
    assert main(args) == 0
    assert "success" in capsys.readouterr().out
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["reach-with-object_box_000007.npz",
                     "reach-with-object_box_000007_subgoal1_goal.png"]
    sources = find_sources([tmp_path])
    segments, notes = load_segments(sources[0], DataConfig())
    assert len(segments[0]) >= DataConfig().frames_per_clip and not notes
    assert segments[0].frames.shape[1:] == (48, 48, 3)
    assert segments[0].states[:, 6].min() > 0.3  # the box is held throughout: closedness 0.375
    with pytest.raises(SystemExit):  # argparse names the choices
        main(args[:2] + ["grasp", "--object", "mug", "--out", str(tmp_path)])
    assert "invalid choice: 'mug'" in capsys.readouterr().err

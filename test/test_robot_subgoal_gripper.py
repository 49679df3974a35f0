"""goals.gripper subgoal: the hand opens or closes as each sub-goal was captured (not published).

Session level with the oracle (``sim/oracle.py``), the options and file parameters that feed it,
and one closed-loop grasp in the simulator where the published gripper search cannot close on
the cup (docs/manipulation.md: held, it reads closedness 0.24, below the rounding 0.25).
"""

import argparse
import dataclasses
import re
import zlib

import numpy as np
import pytest
import torch

from vjepa_ros.goal_switch_options import add_goal_switch_arguments, goal_switch_configs
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goal_files import check_goal_gripper, goal_files_problem, goals_from_files
from vjepa_ros.robot.goals import (
    GRIPPER_CLOSED_ABOVE,
    GoalSequence,
    GoalSwitchConfig,
    SubGoal,
    planner_settings,
)
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.sim.oracle import OracleWorldModel

pytestmark = pytest.mark.usefixtures("one_thread")  # small torch work: 1 thread is fastest

START = np.array([0.5, 0.0, 0.3, np.pi, 0.0, 0.0, 0.0])
CEM = CEMConfig(horizon=1, samples=64, topk=8, iterations=3, maxnorm=0.05)
SUBGOAL = GoalSwitchConfig(gripper="subgoal")
# The oracle's dense step counts (TaskLoopConfig.dense_steps: it needs 3, 3, 3, 2, 4, ...).
ORACLE_STEPS = (3, 3, 3, 2, 4, 5, 3, 2, 3)


class Clock:
    now = 100.0

    def __call__(self):
        return self.now


def image(seed):
    return np.random.default_rng(seed).integers(0, 256, (48, 64, 3), dtype=np.uint8)


def pose(dx=0.0, gripper=0.0):
    return START + np.array([dx, 0, 0, 0, 0, 0, gripper])


@pytest.mark.parametrize("goal, expected", [
    (SubGoal(image(0), state=pose(gripper=0.0)), 0.0),
    (SubGoal(image(0), state=pose(gripper=GRIPPER_CLOSED_ABOVE)), 0.0),  # at the bound: open
    (SubGoal(image(0), state=pose(gripper=0.24)), 1.0),  # a held cup: close (grasp)
    (SubGoal(image(0), state=pose(gripper=1.0)), 1.0),
    (SubGoal(image(0), gripper=0.375), 1.0),  # a file's goal_gripper entry
    (SubGoal(image(0), state=pose(gripper=1.0), gripper=0.0), 0.0),  # given beats measured
])
def test_a_sub_goal_commands_open_or_closed_from_its_captured_closedness(goal, expected):
    assert goal.gripper_command() == expected


@pytest.mark.parametrize("goal, message", [
    (SubGoal(image(0), source="b.png"), "sub-goal 2 (b.png) has no gripper state"),
    (SubGoal(image(0), source="b.png", gripper=1.5), "must be in [0, 1], got 1.5"),
    (SubGoal(image(0), source="b.png", state=pose(gripper=np.nan)), "must be in [0, 1], got nan"),
    (SubGoal(image(0), source="b.png", gripper=-0.1), "must be in [0, 1]"),
])
def test_subgoal_gripper_refuses_a_sequence_with_an_unknown_or_bad_closedness(goal, message):
    first = SubGoal(image(1), source="a.png", state=pose())
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")
                       .replace("(", r"\(").replace(")", r"\)")):
        GoalSequence([first, goal], SUBGOAL)
    GoalSequence([first, goal])  # the published gripper search needs no gripper state


def test_unknown_gripper_source_and_bad_numbers_are_refused_with_the_parameter_name():
    with pytest.raises(ValueError, match="goals.gripper must be one of"):
        GoalSwitchConfig(gripper="auto")
    for bad in (1.0, -0.1, float("nan")):
        with pytest.raises(ValueError,
                           match=r"^goals.gripper_closed_above must lie in \[0, 1\), got "):
            GoalSwitchConfig(gripper_closed_above=bad)
    for bad in (float("nan"), float("inf"), -1.0):
        with pytest.raises(ValueError,
                           match=r"^goals.energy_threshold must lie in \[0, inf\), got "):
            GoalSwitchConfig(rule="energy", energy_threshold=bad)
    for bad in (True, 1.5, "1", None):
        with pytest.raises(ValueError, match="goal_gripper entries must be closedness"):
            check_goal_gripper([0.0, bad])


def test_goal_file_lists_of_different_lengths_wait_and_bad_values_are_refused_at_once():
    paths = ["a.png", "b.png"]
    assert goal_files_problem(paths, [], [], GoalSwitchConfig()) == ""  # nothing needed
    assert goal_files_problem(paths, [], [], SUBGOAL) == (
        "2 goal images but 0 goal_gripper entries; set goal_gripper with one closedness (0 open "
        ".. 1 closed) per image (goals.gripper is subgoal)")
    assert goal_files_problem(paths[:1], [], [0.0, 1.0], GoalSwitchConfig()).startswith(
        "1 goal image but 2 goal_gripper entries")
    assert goal_files_problem(paths, [4], [0.0, 1.0], SUBGOAL).startswith(
        "2 goal images but 1 goal_steps")
    assert goal_files_problem(paths, [4, 0], [0.0, 1.0], SUBGOAL) == ""
    with pytest.raises(ValueError, match="goal_gripper entries must be closedness"):
        goal_files_problem(paths, [], [0.0, 2.0, 1.0], SUBGOAL)  # whatever the counts


def test_the_refusal_says_why_the_gripper_is_not_known():
    first = SubGoal(image(1), source="a.png", state=pose())
    cases = [
        (SubGoal(image(0), source="b.png"), "has no gripper state: give goal_gripper"),
        (SubGoal(image(0), source="~/goal_image"), "came on ~/goal_image, which carries no "
         "gripper state: capture the goal with ~/capture_goal or ~/add_subgoal instead"),
        (SubGoal(image(0), source="added sub-goal 2", gripper_measured=False),
         "was captured with no robot state near its frame's time"),
        (SubGoal(image(0), source="added sub-goal 2", state=pose(), gripper_measured=False),
         "was captured while the gripper's closedness was not measured"),
    ]
    for goal, message in cases:
        with pytest.raises(ValueError, match=message):
            GoalSequence([first, goal], SUBGOAL)


def test_the_closed_cutoff_is_a_parameter_for_wide_objects():
    wide = SubGoal(image(0), gripper=0.05)  # a 7.6 cm object held in an 8 cm hand
    assert wide.gripper_command() == 0.0, "read as open at the default cutoff 0.1"
    assert wide.gripper_command(closed_above=0.03) == 1.0
    switching = GoalSwitchConfig(gripper="subgoal", gripper_closed_above=0.03)
    session, clock = session_with([pose(0.02, 0.05)], switching)
    assert step(session, clock, pose()).command[6] == 1.0


def test_a_sub_goal_captured_without_finger_joints_has_no_gripper_and_is_refused():
    measured = [False]
    oracle, clock = OracleWorldModel(), Clock()
    oracle.remember(image(1), pose())

    def session_for(switching):
        session = MPCSession(oracle, CEM, SafetyLimits(), ControlConfig(mode="continuous"),
                             clock=clock, seed=0, goal_switching=switching)
        clock.now += 0.05
        session.observe_image(image(1), clock.now)
        # gripper 0.0: a placeholder until measured
        session.observe_state(pose(), clock.now, gripper_measured=measured[0])
        return session

    answer = session_for(GoalSwitchConfig()).add_subgoal()  # the published search needs none
    assert "gripper unknown (no recent finger joints)" in answer
    session = session_for(SUBGOAL)
    with pytest.raises(ValueError, match="sub-goal 1 \\(added sub-goal 1\\) was captured while "
                                         "the gripper's closedness was not measured .*: publish "
                                         "the finger joints \\(robot.gripper_state_topic\\)"):
        session.add_subgoal()
    assert session.goals is None, "nothing set"
    measured[0] = True
    assert "gripper 0.00" in session_for(SUBGOAL).add_subgoal()
    session = session_for(SUBGOAL)
    clock.now += 1.0  # a newer frame while the joint states stopped: the loop's refusal
    session.observe_image(image(1), clock.now)
    with pytest.raises(RuntimeError, match=r"^~/add_subgoal refused: robot state is stale"):
        session.add_subgoal()
    assert session.goals is None, "nothing set"
    # the states resumed, but none came near the frame's time (0.45 s old: fresh as a frame,
    # 0.45 s from the nearest state > safety.max_state_age_s)
    session.observe_image(image(1), clock.now - 0.45)
    session.observe_state(pose(), clock.now, gripper_measured=True)
    with pytest.raises(ValueError, match="was captured with no robot state near its frame's"):
        session.add_subgoal()


def test_planner_settings_fix_the_gripper_delta_only_for_subgoal_gripper():
    assert planner_settings(CEM, GoalSwitchConfig()) is CEM
    assert planner_settings(CEM, None) is CEM
    fixed = planner_settings(dataclasses.replace(CEM, fixed_axes=((2, 0.0), (6, 0.5))), SUBGOAL)
    assert fixed.fixed_axes == ((2, 0.0), (6, 0.0)), "z kept, the gripper replaced by 0"


@pytest.mark.parametrize("source", ["hold", "subgoal"])
def test_a_held_gripper_is_imagined_held_whatever_close_gripper(source):
    # breaker32p: close_gripper (said to do nothing here) still set the samples' gripper delta to
    # 1 from its step on: the model imagined a hand closing that is never closed
    from vjepa_ros.planning.cem import initial_distribution, make_generator, sample_actions

    given = dataclasses.replace(CEM, horizon=2, close_gripper=1)
    config = planner_settings(given, GoalSwitchConfig(gripper=source))
    assert config.close_gripper is None
    mean, std = initial_distribution(config, torch.device("cpu"))
    noise = torch.randn(20, 2, 7, generator=make_generator(0))
    samples = sample_actions(mean, std, noise, config)
    assert (samples[..., 6] == 0).all(), samples[0, :, 6]
    assert planner_settings(given, GoalSwitchConfig()).close_gripper == 1, "planned: kept"


def test_goal_files_take_one_gripper_closedness_each(tmp_path):
    from PIL import Image

    paths = []
    for i in range(3):
        paths.append(str(tmp_path / f"g{i}.png"))
        Image.fromarray(image(i)).save(paths[-1])
    goals = goals_from_files(paths, [2, 2, 0], [0.0, 1.0, 0.0])
    assert [g.gripper_command() for g in goals] == [0.0, 1.0, 0.0]
    assert [g.closedness() for g in goals_from_files(paths)] == [None] * 3
    with pytest.raises(ValueError, match="goal_gripper has 2 entries for 3 goal images"):
        goals_from_files(paths, None, [0.0, 1.0])
    for bad in (2.0, -1.0, "closed"):
        with pytest.raises(ValueError, match="goal_gripper entries must be closedness"):
            goals_from_files(paths, None, [0.0, bad, 0.0])


def session_with(goal_states, switching):
    """Return a session over the oracle whose sub-goal images show ``goal_states`` [7] each."""
    oracle, clock = OracleWorldModel(), Clock()
    oracle.remember(image(1), pose())
    goals = []
    for i, state in enumerate(goal_states):
        oracle.remember(image(10 + i), state)
        goals.append(SubGoal(image(10 + i), 1 if i < len(goal_states) - 1 else 0,
                             source=f"g{i}", state=state))
    session = MPCSession(oracle, CEM, SafetyLimits(), ControlConfig(mode="continuous"),
                         clock=clock, seed=0, goal_switching=switching)
    session.set_goals(goals)
    session.set_enabled(True)
    return session, clock


def shown(session, state):
    """Return the oracle's picture of the arm at ``state`` [7] (a live camera: it follows the arm).

    One picture per pose, remembered by the session's oracle; a picture that stood still while
    the arm moved would be a frozen camera, held on (``frozen_camera``).
    """
    pose_key = np.round(np.asarray(state, dtype=np.float64) * 1e4).astype(np.int64).tobytes()
    picture = image(zlib.crc32(pose_key) + 10**6)
    session.model.remember(picture, state)
    return picture


def step(session, clock, state):
    clock.now += 0.05
    session.observe_image(shown(session, state), clock.now)
    session.observe_state(state, clock.now)
    return session.plan_step()


def arrive(session, clock, state):
    """Run the set-point to its target, the arm with it (``state``'s hand); return the arm [7].

    The stream registers the arrival: the measured TCP at the target, as a gripper change for
    the next sub-goal needs (breaker43o: the set-point's arrival alone is not the arm's).
    """
    arm = np.array(state, dtype=np.float64)
    for _ in range(1000):
        clock.now += 0.01
        session.observe_image(shown(session, arm), clock.now)  # fresh inputs for the stream
        out = session.stream_step()
        if out is not None and out.setpoint is not None:
            arm = np.r_[out.setpoint[:6], state[6]]
        session.observe_state(arm, clock.now)
        if session.streamer.arrived():
            return arm
    raise AssertionError("the set-point never arrived")


def test_each_command_carries_the_active_sub_goals_gripper_and_the_search_leaves_it():
    # open at 1 and 2, closed at 3 (a grasp), open at 4 (release); one step each
    states = [pose(0.02), pose(0.04), pose(0.04, 0.3), pose(0.06)]
    session, clock = session_with(states, SUBGOAL)
    assert session.cem.fixed_axes == ((6, 0.0),)
    reports, waits = [], 0
    arm = pose()
    for g in (0.0, 0.0, 0.0, 0.3):
        arm = np.r_[arm[:6], g]
        report = step(session, clock, arm)
        if report.command is None:  # continuous: a gripper change waits for the arrival
            # the gripper change waits for the move before it; after a hand change that
            # stopped short of its command (the measured hand here never follows), the next
            # sub-goal's first command waits for the arm and hand too (fix53g)
            assert "waits until the command that ended sub-goal" in report.reason or \
                "waits until the arm has arrived where the last one ended" in report.reason, \
                report.reason
            waits += 1
            arm = arrive(session, clock, arm)
            report = step(session, clock, arm)
            for _ in range(40):  # the hand measured still for control.settle_s (fix53g)
                if report.command is not None:
                    break
                report = step(session, clock, arm)
        reports.append(report)
    assert waits == 2, "the close (sub-goal 3) and the open (4) wait for the move before them"
    assert [r.command[6] for r in reports] == [0.0, 0.0, 1.0, 0.0]
    assert [r.gripper_command for r in reports] == [0.0, None, 1.0, 0.0], "only on a change"
    assert all(r.actions[0, 6] == 0.0 for r in reports), "the planned gripper delta is fixed"
    assert reports[3].action[6] == pytest.approx(-0.3), "the action names the change commanded"
    assert all(r.command[0] > START[0] for r in reports), "the arm still moves toward the goals"


def test_the_published_search_plans_the_gripper_itself():
    # the same goals: the oracle sees the hand open everywhere but at sub-goal 3 (0.3)
    states = [pose(0.02), pose(0.04), pose(0.04, 0.3), pose(0.06)]
    session, clock = session_with(states, GoalSwitchConfig())
    assert session.cem.fixed_axes == ()
    reports = [step(session, clock, pose(gripper=0.0)) for _ in range(3)]
    assert [r.command[6] for r in reports[:2]] == [0.0, 0.0]
    assert reports[2].command[6] == pytest.approx(0.3, abs=0.05), "planned, not forced to 1"


def test_shadow_mode_reports_the_sub_goals_gripper_and_commands_nothing():
    session, clock = session_with([pose(0.02, 1.0)], SUBGOAL)
    session.set_enabled(False)
    report = step(session, clock, pose())
    assert report.target[6] == 1.0 and report.command is None and report.gripper_command is None


def test_subgoal_gripper_option_reaches_every_rule():
    parser = argparse.ArgumentParser()
    add_goal_switch_arguments(parser, several=True)
    configs = goal_switch_configs(parser.parse_args(
        ["--subgoal-rule", "steps", "energy", "--subgoal-gripper", "subgoal"]))
    assert [(c.rule, c.gripper) for c in configs] == [("steps", "subgoal"), ("energy", "subgoal")]
    assert goal_switch_configs(parser.parse_args([]))[0].gripper == "planned"
    with pytest.raises(SystemExit):
        parser.parse_args(["--subgoal-gripper", "auto"])


def switching_help(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Return the help of each --subgoal-* option of ``parser``, by option."""
    return {action.option_strings[0]: action.help % {"default": action.default}
            for action in parser._actions if action.option_strings
            and action.option_strings[0].startswith("--subgoal-")
            and action.option_strings[0] != "--subgoals"}


def test_subgoal_options_help_speaks_of_the_simulator_not_of_the_node():
    """The help of `run` and bench_manipulation says what an option means in the simulator.

    They have no ~/add_subgoal service, goal_gripper parameter or /diagnostics topic.
    """
    from vjepa_ros.cli import build_parser

    bench = argparse.ArgumentParser()
    add_goal_switch_arguments(bench, several=True)
    run = build_parser()._subparsers._group_actions[0].choices["run"]
    for parser in (bench, run):
        helps = switching_help(parser)
        assert set(helps) == {"--subgoal-rule", "--subgoal-energy-threshold", "--subgoal-patience",
                              "--subgoal-min-delta", "--subgoal-gripper", "--subgoal-axes"}
        for option, text in helps.items():
            node_words = re.findall(r"~/\w+|goal_gripper|/diagnostics|\b[a-z]+_[a-z_]+\b", text)
            assert not node_words, f"{option} help names the node's {node_words}: {text}"
        assert "expert's hand was when that sub-goal image was made" in helps["--subgoal-gripper"]
        assert "--subgoal-energy-threshold" in helps["--subgoal-rule"]
    # The node's parameter keeps its own words.
    gripper = {f.name: f for f in dataclasses.fields(GoalSwitchConfig)}["gripper"]
    assert "~/add_subgoal, or goal_gripper for files" in gripper.metadata["description"]


def test_closed_loop_cup_grasp_with_the_gripper_from_dense_sub_goals():
    """Grasp the cup with the oracle and dense sub-goals, the gripper from the sub-goals.

    The published search never closes on the cup (its held closedness 0.24 is below the rounding
    0.25); the sub-goals' gripper grasps and lifts it. With the oracle's step counts (ORACLE_STEPS:
    it reaches each sub-goal within them; the learned model's defaults only add steps at rest),
    which bound the episode as the defaults do: the claim is the gripper's, not the count's.
    """
    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.config import CameraConfig
    from vjepa_ros.sim.manipulation import manipulation_sim_config, setup_task
    from vjepa_ros.sim.manipulation_loop import TaskLoopConfig, run_task_episode
    from vjepa_ros.sim.reach_config import load_reach_config

    cem = load_reach_config().planner.to_cem()
    assert cem.gripper_round_threshold == 0.25
    with Sim(manipulation_sim_config(900000, "cup", width=64, height=64,
                                     camera=CameraConfig(shadows=False))) as sim:
        oracle = OracleWorldModel().attach(sim)
        setup = setup_task(sim, 900000, "grasp", dense=True)
        closed = [goal.state[6] > GRIPPER_CLOSED_ABOVE for goal in setup.goals]
        # approach, pre-grasp, descend | closed, grasp
        assert closed == [False, False, False, True, True]
        sent = []
        episode, outcome = run_task_episode(
            sim, oracle, setup, cem, TaskLoopConfig(dense_steps=list(ORACLE_STEPS)),
            switching=SUBGOAL,
            on_step=lambda s: sent.append((s.subgoal.index, s.gripper_command)))
    assert outcome.success and outcome.grasped and episode.success
    commands = [g for _, g in sent if g is not None]
    assert commands[0] == 0.0 and 1.0 in commands, "opened first, then closed once"
    assert commands[commands.index(1.0):] == [1.0], "never opened again while holding"

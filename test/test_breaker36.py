"""breaker36: defects found in model.compile_predictor, held_axes and profile_planner.py.

Each test reproduced a reported defect (it failed on the code before the fix that follows it).
"""

from pathlib import Path

import numpy as np
import pytest
import torch
from test_goal_axes import grasp_goals
from test_profile_planner import profiler  # noqa: F401 - the fixture
from test_robot_async import LIMITS, follow
from test_robot_mpc import CEM, START, Clock, frame, tiny_world_model

from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.diagnostics import diagnostic_status
from vjepa_ros.robot.goals import GoalSwitchConfig
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.plan_report import PlanOutcome
from vjepa_ros.robot.safety import SafetyLimits

ROOT = Path(__file__).resolve().parent.parent


def test_a_prepared_plan_commanded_on_arrival_reports_the_axes_it_held():
    clock = Clock()
    session = MPCSession(tiny_world_model(), CEM, LIMITS,
                         ControlConfig(mode="async", async_blend_m=0.0), clock=clock,
                         goal_switching=GoalSwitchConfig(axes="subgoal"))
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    goals = grasp_goals()[:2]  # pre-grasp (all searched), then the descent: x and y held
    goals[0].steps, goals[1].steps = 1, 10
    session.set_goals(goals)
    session.set_enabled(True)
    first = session.plan_step()
    assert first.outcome is PlanOutcome.COMMANDED
    # the hand reaches the closedness step 1 sent (else nothing is prepared: breaker51c)
    session.observe_state(np.append(START[:6], first.command[6]), clock.now)
    prepared = session.plan_step()
    assert prepared.outcome is PlanOutcome.PREPARED and prepared.held_axes == (0, 1)
    follow(session, clock)
    commanded = session.plan_step()  # the prepared plan (toward the descent) goes out now
    assert commanded.outcome is PlanOutcome.COMMANDED and commanded.predicted_start
    assert commanded.subgoal.index == 1
    assert commanded.held_axes == (0, 1)
    assert diagnostic_status(session.snapshot())["values"]["held_axes"] == "x, y"


def test_a_compile_failure_is_one_line_naming_the_parameter():
    from torch._inductor import config as inductor_config

    from vjepa_ros.models import WorldModel

    patched = inductor_config.patch({"cpp.cxx": (None, "/nonexistent/g++")})  # torch's own undo
    patched.__enter__()
    torch._dynamo.reset()
    tiny = tiny_world_model()
    model = WorldModel(tiny.encoder, tiny.predictor, device="cpu", dtype=torch.float32,
                       compile_predictor=True)
    clock = Clock()
    session = MPCSession(model, CEM, SafetyLimits(), ControlConfig(mode="blocking"),
                         clock=clock)
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    session.capture_goal()
    session.set_enabled(True)
    try:
        report = session.plan_step()
    finally:
        patched.__exit__(None, None, None)
        torch._dynamo.reset()
    assert report.outcome is PlanOutcome.REFUSED and report.command is None
    assert "model.compile_predictor" in report.reason, report.reason
    assert len(report.reason.splitlines()) == 1, report.reason


def test_profile_planner_refuses_an_out_that_is_a_file_in_one_line(
        profiler, tmp_path, capsys):  # noqa: F811
    taken = tmp_path / "a_file"
    taken.write_text("")
    with pytest.raises(SystemExit) as exit_info:
        profiler.main(["--tiny", "--out", str(taken)])
    assert exit_info.value.code == 2
    assert "--out" in capsys.readouterr().err


def test_profile_planner_parts_given_twice_runs_both_or_is_refused(
        profiler, tmp_path):  # noqa: F811
    try:
        code = profiler.main(["--tiny", "--rows", "2", "--out", str(tmp_path),
                              "--parts", "profile", "--parts", "sdpa"])
    except SystemExit as exit_info:  # refused as a usage error: also right
        assert exit_info.code == 2
        return
    assert code == 0
    report = (tmp_path / "profile_planner.txt").read_text()
    assert "sdpa default:" in report and "operators by" in report


def test_profile_planner_refusal_without_cuda_keeps_the_previous_report(
        profiler, tmp_path):  # noqa: F811
    if torch.cuda.is_available():
        pytest.skip("needs a machine without CUDA")
    report = tmp_path / "profile_planner.txt"
    report.write_text("a GPU run's results\n")
    assert profiler.main(["--out", str(tmp_path)]) == 1
    assert report.read_text() == "a GPU run's results\n"


def test_profile_planner_says_why_a_part_asked_for_did_not_run(profiler, tmp_path):  # noqa: F811
    assert profiler.main(["--tiny", "--out", str(tmp_path), "--parts", "cap"]) == 0
    assert "cap" in (tmp_path / "profile_planner.txt").read_text()


def test_diagnostics_claim_no_searched_axes_before_any_plan():
    session = MPCSession(tiny_world_model(), CEM, SafetyLimits(), ControlConfig(), clock=Clock(),
                         goal_switching=GoalSwitchConfig(axes="subgoal"))
    goals = grasp_goals()[1:2]  # the descent alone: its plans will hold x and y
    session.set_goals(goals)
    assert session.last_report.outcome is None  # no plan yet
    assert diagnostic_status(session.snapshot())["values"]["held_axes"] != "none"

"""Plans that go stale while they are computed: discarded, or cancelled mid-search (ROS-free).

A goal changed, commanding enabled or the node closed while a plan runs, and a plan from a frame
older than ``safety.max_plan_age_s``: no command rests on it. The tiny model, clock and hooked
planner of ``test_robot_mpc.py``.
"""

import pytest
from test_robot_mpc import (
    CEM,
    HookedPlanner,
    enabled_session,
    frame,
    make_session,
    observe,
    tiny_world_model,
)

from vjepa_ros.robot.goals import SubGoal
from vjepa_ros.robot.input_ages import plan_age_problem
from vjepa_ros.robot.safety import SafetyLimits


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def test_goal_changed_while_planning_discards_the_plan(model):
    planner = HookedPlanner(model)
    session, clock, _ = enabled_session(model, planner=planner)
    planner.after = lambda: session.set_goals([SubGoal(frame(9), 0, "new")])
    report = session.plan_step()
    assert report.command is None and "goal changed" in report.reason


def test_plan_started_in_shadow_mode_is_not_commanded_after_enable(model):
    planner = HookedPlanner(model)
    session, clock, _ = make_session(model, planner=planner)
    observe(session, clock)
    session.capture_goal()
    planner.after = lambda: session.set_enabled(True)  # ~/enable arrives while a shadow plan runs
    report = session.plan_step()
    assert report.command is None and "discarded" in report.reason
    assert session.stream_step() is None and session.commands_sent == 0
    clock.now += 0.05
    observe(session, clock, seed=1)
    assert session.plan_step().command is not None, "the next plan, made enabled, commands"


@pytest.mark.parametrize("mode", ["continuous", "blocking", "async"])
def test_plan_from_a_frame_older_than_max_plan_age_is_discarded(model, mode):
    """A process stalled mid-plan (SIGSTOP, swap, a debugger) must not fire the ancient plan.

    The inputs are fresh again when the plan ends, so only the plan's own frame age can tell.
    """
    planner = HookedPlanner(model)
    session, clock, logs = enabled_session(model, mode=mode, planner=planner)

    def stall():
        clock.now += 120.0
        observe(session, clock, seed=4)  # camera and robot state arrive again after the stall

    planner.after = stall
    report = session.plan_step()
    assert report.command is None and report.gripper_command is None
    assert "plan too old" in report.reason and "safety.max_plan_age_s = 30 s" in report.reason
    assert "120.0 s old" in report.reason
    assert session.commands_sent == 0 and session.stream_step() is None
    assert any(level == "warning" and "plan too old" in m for level, m in logs)
    assert str(report.refusal) == "stale_plan"
    status = session.status()
    assert status["values"]["refusal_kind"] == "stale_plan" and status["level"] == 1
    assert session.phase.value != "holding", "not a hold: the next fresh frame is planned on"
    planner.after = stall  # a second stall: the same refusal, not logged again
    clock.now += 0.05
    observe(session, clock, seed=5)
    assert "plan too old" in session.plan_step().reason
    assert sum("plan too old" in m for _, m in logs) == 1
    assert session.plan_step().command is not None, "the plan on the fresh frame commands"
    assert session.refusal == "" and "was: plan too old" in logs[-1][1]


def test_max_plan_age_is_the_limit_and_nonfinite_ages_are_refused():
    limits = SafetyLimits(max_plan_age_s=2.0)
    assert plan_age_problem(2.0, limits) == ""
    assert plan_age_problem(-0.01, limits) == ""  # a frame stamped a hair ahead of the clock
    for age in (2.01, float("nan"), float("inf")):
        assert "safety.max_plan_age_s = 2 s" in plan_age_problem(age, limits)
    with pytest.raises(ValueError, match="max_plan_age_s"):
        SafetyLimits(max_plan_age_s=0.0)


def _calling_at_first_rollout_step(monkeypatch, predictor, action):
    """Patch ``predictor.step`` to run ``action()`` once, at its first call; return the counter."""
    calls, step = [], predictor.step

    def step_and_act(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            action()
        return step(*args, **kwargs)

    monkeypatch.setattr(predictor, "step", step_and_act)
    return calls


def test_enable_during_a_shadow_plan_cancels_it_at_the_next_iteration(model, monkeypatch):
    session, clock, logs = make_session(model)
    observe(session, clock)
    session.capture_goal()
    calls = _calling_at_first_rollout_step(monkeypatch, model.predictor,
                                           lambda: session.set_enabled(True))
    report = session.plan_step()
    assert report.command is None and report.reason.startswith("enabled while planning: plan "
                                                               "cancelled before iteration 2")
    assert len(calls) == 1, "CEM.iterations=2 at H 1: the second iteration never ran"
    assert session.refusal == "" and session.phase != "holding", "a cancel is not a fault"
    assert session.stream_step() is None and session.commands_sent == 0
    status = session.status()
    assert status["level"] == 0
    assert status["values"]["last_plan"].startswith("enabled while planning: plan cancelled")
    assert any("plan cancelled before iteration 2" in line for _, line in logs), logs
    clock.now += 0.05
    observe(session, clock, seed=1)
    assert session.plan_step().command is not None, "the next plan, made enabled, commands"
    assert len(calls) == 1 + CEM.iterations


def test_close_during_a_plan_cancels_it_and_plans_no_more(model, monkeypatch):
    session, clock, _ = enabled_session(model)
    _calling_at_first_rollout_step(monkeypatch, model.predictor, session.close)
    report = session.plan_step()
    assert report.command is None and report.reason.startswith("shutting down: plan cancelled")
    assert not session.enabled and session.commands_sent == 0 and session.wait_idle(0)
    clock.now += 0.05
    observe(session, clock, seed=1)
    assert session.plan_step() is None, "closed: no further plans"

"""The ``~/plan_report`` message built from real plan steps of a session, without ROS."""

import json
import math

import numpy as np
import pytest
from test_robot_mpc import CEM, START, Clock, HookedPlanner, frame, tiny_world_model

from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.diagnostics import diagnostic_status
from vjepa_ros.robot.goals import SubGoal
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.plan_record import SCHEMA, PlanRecord
from vjepa_ros.robot.plan_report import PlanOutcome, PlanReport
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.targets import target_from_action

STATE_AT_FRAME = START + [0.02, 0, 0, 0, 0, 0, 0]


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def session_with_inputs(model, mode="blocking", planner=None, goals=None):
    """Return a session with a frame stamped 100.0 s, states around it, a goal; not enabled."""
    clock = Clock()
    session = MPCSession(model, CEM, SafetyLimits(), ControlConfig(mode=mode), clock=clock,
                         planner=planner)
    session.observe_state(START, 99.7)  # the arm came to the frame's pose before it
    session.observe_state(STATE_AT_FRAME, 100.0)  # the state at the frame's stamp
    session.observe_image(frame(0), 100.0)
    clock.now = 100.02
    if goals is None:  # captured before the arm moves on (a frame it left is refused, fix52a)
        session.capture_goal()
    else:
        session.set_goals(goals)
    session.observe_state(START, 100.04)  # newer than the frame: not the start state
    clock.now = 100.05
    return session, clock


def wire(report: PlanReport) -> dict:
    """Return the message as a tool receives it, parsed by the tool's own reader."""
    text = PlanRecord.from_report(report).to_json()
    data = json.loads(text)
    assert data["schema"] == SCHEMA
    assert PlanRecord.from_json(text) == PlanRecord(**data)
    return data


def test_a_shadow_plan_then_a_commanded_one_carry_stamp_start_action_and_context(model):
    session, clock = session_with_inputs(model)
    shadow = wire(session.plan_step())
    assert shadow["stamp"] == 100.0
    np.testing.assert_allclose(shadow["start_state"], STATE_AT_FRAME)
    assert shadow["outcome"] == "shadow" and not shadow["commanded"]
    assert shadow["refusal"] is None and shadow["command"] is None
    assert "shadow mode" in shadow["detail"]
    assert (shadow["mode"], shadow["phase"]) == ("blocking", "shadow")
    assert (shadow["subgoal_index"], shadow["subgoal_count"]) == (0, 1)
    assert shadow["latency_s"] > 0 and shadow["energy"] > 0
    assert shadow["frame_age_s"] == pytest.approx(0.05)

    session.set_enabled(True)
    clock.now = 100.3
    session.observe_state(STATE_AT_FRAME, 100.25)
    session.observe_image(frame(1), 100.25)
    report = session.plan_step()
    sent = wire(report)
    assert sent["outcome"] == "commanded" and sent["commanded"]
    assert sent["stamp"] == 100.25 and sent["phase"] == "moving"
    np.testing.assert_allclose(sent["first_action"], report.action)
    np.testing.assert_allclose(sent["command"], report.command)
    np.testing.assert_allclose(report.target, target_from_action(STATE_AT_FRAME, report.action))
    assert sent["enable_epoch"] == shadow["enable_epoch"] + 1, "~/enable starts a new epoch"
    assert sent["goal_version"] == shadow["goal_version"]
    assert sent["commands_sent"] == 1
    assert sent["detail"] == diagnostic_status(session.snapshot())["values"]["last_plan"]


def test_refusals_discards_and_cancellations_name_their_kind(model):
    planner = HookedPlanner(model)
    session, clock = session_with_inputs(model, planner=planner)
    session.set_enabled(True)
    planner.error = RuntimeError("CUDA out of memory")
    failed = wire(session.plan_step())
    assert (failed["outcome"], failed["refusal"]) == ("refused", "planner_error")
    assert PlanRecord(**failed).is_error and "out of memory" in failed["detail"]
    assert failed["stamp"] == 100.0, "a failed plan still names the frame it was given"
    assert failed["phase"] == "holding" and failed["first_action"] is None

    planner.error = None
    clock.now = 100.3
    session.observe_state(START, 100.25)
    session.observe_image(frame(2), 100.25)
    planner.after = lambda: session.set_goals([SubGoal(frame(9), 0, "new")])
    discarded = wire(session.plan_step())
    assert discarded["outcome"] == "discarded" and discarded["refusal"] is None
    assert discarded["goal_version"] == failed["goal_version"], "made for the old goal"
    assert not PlanRecord(**discarded).is_error

    session.limits = SafetyLimits(workspace_min=[0.6, -0.45, 0.05])  # the arm is outside it
    clock.now = 100.6
    session.observe_state(START, 100.55)
    session.observe_image(frame(3), 100.55)
    refused = wire(session.plan_step())
    assert (refused["outcome"], refused["refusal"]) == ("refused", "safety")
    values = diagnostic_status(session.snapshot())["values"]  # what vjepa-ros reach reads
    assert values["refusal_kind"] == "safety" and "outside the workspace box" in values["refusal"]
    session.clear_goals()  # while enabled: the arm holds without a goal
    values = diagnostic_status(session.snapshot())["values"]
    assert (values["refusal_kind"], values["refusal"][:8]) == ("no_goal", "no goal:")


def test_sub_goal_index_is_the_one_planned_toward(model):
    goals = [SubGoal(frame(20), 1, "a"), SubGoal(frame(21), 0, "b")]
    session, clock = session_with_inputs(model, mode="continuous", goals=goals)
    session.set_enabled(True)
    indices, switches = [], []
    for step in range(3):
        clock.now += 0.05
        session.observe_state(START, clock.now)
        session.observe_image(frame(30 + step), clock.now)
        record = wire(session.plan_step())
        assert record["commanded"]
        assert record["subgoal_rule"] == "steps"
        indices.append((record["subgoal_index"], record["subgoal_count"]))
        switches.append(record["subgoal_switch"])
    assert indices == [(0, 2), (1, 2), (1, 2)]
    # The first command used up sub-goal 1's single step: that command records the switch.
    assert switches[0] is not None and (switches[0]["index"], switches[0]["reason"],
                                        switches[0]["step"]) == (0, "steps", 1)
    assert switches[1:] == [None, None]


def test_non_finite_energy_is_null_and_the_first_report_is_empty():
    report = PlanReport(energy=math.nan, outcome=PlanOutcome.SHADOW, frame_stamp=1.5,
                        action=np.zeros(7), start=np.ones(7))
    data = wire(report)
    assert data["energy"] is None and data["first_action"] == [0.0] * 7
    assert "NaN" not in PlanRecord.from_report(report).to_json()


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(schema="vjepa_ros/plan_report/0"), "schema"),
    (lambda d: d.pop("stamp"), "missing stamp"),
    (lambda d: d.update(first_action=[0.0] * 6), "first_action must be 7 numbers"),
    (lambda d: d.update(command=["a"] * 7), "command must be 7 numbers"),
    (lambda d: d.update(start_state=[True] * 7), "start_state must be 7 numbers"),
    (lambda d: d.update(outcome="exploded"), "outcome 'exploded'"),
    (lambda d: d.update(refusal="tired"), "unknown refusal kind 'tired'"),
    (lambda d: d.update(energy="abc"), "energy must be int or float or null"),
    (lambda d: d.update(commanded="yes"), "commanded must be bool"),
    (lambda d: d.update(latency_s=None), "latency_s must be int or float, got None"),
    (lambda d: d.update(goal_version=True), "goal_version must be int"),
    (lambda d: d.update(goal_version=1.5), "goal_version must be int"),
    (lambda d: d.update(subgoal_switch=[1]), "subgoal_switch must be dict or null"),
])
def test_a_tool_refuses_malformed_messages_with_one_line(change, message):
    report = PlanReport(outcome=PlanOutcome.COMMANDED, frame_stamp=2.0, action=np.zeros(7),
                        start=np.zeros(7), command=np.zeros(7), energy=0.5)
    data = json.loads(PlanRecord.from_report(report).to_json())
    change(data)
    with pytest.raises(ValueError, match=message):
        PlanRecord.from_json(json.dumps(data), topic="/vjepa_planner/plan_report")
    for text in ("not json", "[1, 2]"):
        with pytest.raises(ValueError, match="/vjepa_planner/plan_report"):
            PlanRecord.from_json(text, topic="/vjepa_planner/plan_report")
    data = json.loads(PlanRecord.from_report(report).to_json())
    data["added_later"] = 1  # a newer planner's extra field is ignored
    assert PlanRecord.from_json(json.dumps(data)).commanded
    for name in ("subgoal_rule", "subgoal_steps_done", "subgoal_switch"):
        del data[name]  # an older planner of the same schema lacks the fields added later
    older = PlanRecord.from_json(json.dumps(data))
    assert (older.subgoal_rule, older.subgoal_steps_done, older.subgoal_switch) == ("", 0, None)


def test_the_report_names_the_axes_each_plan_held(model):
    """goals.axes subgoal: pre-grasp all searched, the descent x and y held, the close none."""
    from test_goal_axes import grasp_goals

    from vjepa_ros.robot.goals import GoalSwitchConfig

    clock = Clock()
    session = MPCSession(model, CEM, SafetyLimits(), ControlConfig(mode="continuous"),
                         clock=clock, goal_switching=GoalSwitchConfig(axes="subgoal"))
    goals = grasp_goals()
    for goal in goals:
        goal.steps = 1
    session.set_goals(goals)
    session.set_enabled(True)
    held = []
    for step in range(3):
        clock.now += 0.3
        session.observe_state(START, clock.now)
        session.observe_image(frame(40 + step), clock.now)
        record = wire(session.plan_step())
        assert record["commanded"], record["detail"]
        held.append((record["subgoal_index"], record["held_axes"]))
        shown = diagnostic_status(session.snapshot())["values"]["held_axes"]
        assert shown == (", ".join(record["held_axes"]) or "none")
    assert held == [(0, []), (1, ["x", "y"]), (2, [])]
    report = PlanReport(outcome=PlanOutcome.COMMANDED, frame_stamp=2.0, held_axes=(2,))
    assert wire(report)["held_axes"] == ["z"]
    data = json.loads(PlanRecord.from_report(report).to_json())
    for bad in (["w"], "z", [2]):
        data["held_axes"] = bad
        with pytest.raises(ValueError, match="held_axes"):
            PlanRecord.from_json(json.dumps(data))
    del data["held_axes"]  # an older planner of the same schema
    assert PlanRecord.from_json(json.dumps(data)).held_axes == []

"""fix51f: the rules behind breaker51f's fixes, pinned beyond its cases.

One number rule for ``~/plan_report`` and ``/diagnostics`` (non-finite: ``null`` / empty, a
vector holding one too); a frame's age is never negative (``plan_report.frame_age``); a plan
that ends without a result (planner error, cancelled) keeps the sub-goal of the goal it was
made for; every refusal ``/diagnostics`` shows has a kind, README lists every kind; a live
camera check reads as such. ROS-free but the node's diagnostics test (rclpy, graph stubbed).
"""

import dataclasses
import math
import re
from pathlib import Path

import numpy as np
import pytest
from diagnostics_rig import node_diagnostics
from plan_reports import end_without_result, recorded, sequence, strict_json
from session_rig import Rig
from test_robot_mpc import START, frame, make_session, tiny_world_model

from vjepa_ros.robot.diagnostics import OK, diagnostic_status
from vjepa_ros.robot.phase import Phase
from vjepa_ros.robot.plan_record import PlanRecord
from vjepa_ros.robot.plan_report import PlanOutcome, PlanReport, SessionStatus, frame_age
from vjepa_ros.robot.refusal import Refusal, RefusalKind

ROOT = Path(__file__).parents[1]
NUMBER_KEYS = ("energy", "planning_latency_s", "frame_age_s", "state_age_s",
               "planned_frame_age_s", "last_action")


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def status_of(report, **changes):
    """Return ``/diagnostics`` values of a shadow session whose newest report is ``report``."""
    status = SessionStatus(phase=Phase.SHADOW, enabled=False, mode="blocking", goal="",
                           refusal=None, last_report=report, image_age_s=0.1, state_age_s=0.1,
                           commands_sent=0, frames_received=1)
    return diagnostic_status(dataclasses.replace(status, **changes))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_every_number_follows_one_rule(bad):
    """A non-finite number: null in the report (strict JSON), empty in ``/diagnostics``."""
    vector = np.array([0.01, 0, 0, 0, 0, 0, bad])
    report = PlanReport(action=vector, command=vector, start=vector, energy=bad,
                        latency_s=0.2, frame_age_s=bad, frame_stamp=5.0,
                        outcome=PlanOutcome.REFUSED, refusal=RefusalKind.SAFETY, reason="x")
    data = strict_json(PlanRecord.from_report(report).to_json())
    assert [data[k] for k in ("energy", "frame_age_s", "first_action", "command",
                              "start_state")] == [None] * 5
    assert PlanRecord.from_json(PlanRecord.from_report(report).to_json()).frame_age_s is None
    values = status_of(dataclasses.replace(report, latency_s=bad), image_age_s=bad,
                       state_age_s=bad)["values"]
    assert {k: values[k] for k in NUMBER_KEYS} == dict.fromkeys(NUMBER_KEYS, "")
    fine = status_of(dataclasses.replace(report, energy=1.5, frame_age_s=0.25,
                                         action=np.full(7, 0.01)))["values"]
    assert (fine["energy"], fine["planned_frame_age_s"]) == ("1.500000", "0.250")
    assert fine["last_action"] == " ".join(["+0.0100"] * 7)


def test_a_frame_age_is_never_negative():
    """``frame_age``: the age on one clock, None without a frame or when the clock went back."""
    assert frame_age(10.5, 10.0) == pytest.approx(0.5) and frame_age(10.0, 10.0) == 0.0
    assert frame_age(9.0, 10.0) is None and frame_age(10.0, None) is None
    assert frame_age(math.nan, 10.0) is None
    assert status_of(PlanReport())["values"]["planned_frame_age_s"] == ""  # before any plan


@pytest.mark.parametrize("ending", ["planner_error", "cancelled"])
def test_a_plan_without_a_result_keeps_its_goal(model, ending):
    """A failed or voided plan of sub-goal 1/3 reports that goal's fields and its frame's age."""
    rig = Rig(model, "blocking", goals=sequence())
    log = recorded(rig)

    end_without_result(rig, ending, 0.2)
    rig.session.plan_step()
    (data, record, status), = log
    assert (record.goal_version, record.subgoal_index, record.subgoal_count) == (1, 0, 3), data
    assert record.subgoal_rule == "steps" and data["frame_age_s"] == pytest.approx(0.2)
    assert status["values"]["planned_frame_age_s"] == "0.200"


def test_a_camera_check_is_shown_as_running(model):
    """While the check moves the arm: OK, ``camera check running: motion k of n: ...``."""
    rig = Rig(model, "blocking")
    rig.session.clear_goals()
    rig.session.start_camera_check()
    for _ in range(30):
        rig.tick()
        rig.session.plan_step()
    status = rig.session.status()
    assert status["level"] == OK and status["values"]["refusal_kind"] == "", status
    assert re.fullmatch(r"camera check running: motion \d+ of \d+: .+", status["message"])
    assert status["message"].endswith(status["values"]["camera_check"])
    rig.session.set_enabled(False)  # the check stops; shadow mode without a goal
    status = rig.session.status()
    assert (status["level"], status["message"]) == (OK, "shadow mode (not enabled)"), status


def test_every_refusal_kind_is_shown_and_documented():
    """Each kind gives ``refusal_kind`` with its ``refusal``; README's row lists every kind."""
    for kind in RefusalKind:
        values = status_of(PlanReport(), refusal=Refusal(kind, "why"))["values"]
        assert (values["refusal"], values["refusal_kind"]) == ("why", str(kind))
    row = next(line for line in (ROOT / "README.md").read_text().splitlines()
               if line.startswith("| `refusal_kind` |"))
    listed = set(re.findall(r"`([a-z_]+)`", row.split("|")[2]))
    assert listed == {str(kind) for kind in RefusalKind}, listed


def test_every_place_that_writes_a_refusal_writes_its_kind():
    """Each source line setting ``/diagnostics`` ``refusal`` sets ``refusal_kind`` nearby."""
    places = []
    for path in (ROOT / "vjepa_ros").rglob("*.py"):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if re.search(r'"refusal"\s*(\]\s*=|:)', line):
                places.append(path.name)
                assert any('"refusal_kind"' in near for near in lines[number:number + 4]), \
                    f"{path}:{number + 1} sets refusal without refusal_kind"
    assert sorted(places) == ["diagnostics.py", "diagnostics.py"], places  # session's, node's


@pytest.mark.parametrize("problem, session_kind, kind", [
    ("twin", None, "twin_planner"), ("planners", None, "twin_planner"),
    ("twin", RefusalKind.SAFETY, "twin_planner"), ("twin", RefusalKind.PLANNER_ERROR,
                                                   "planner_error")])
def test_the_nodes_refusals_have_a_kind(model, problem, session_kind, kind):
    """A twin or another planner of the package: a kind; the cause of the ERROR first.

    fix55g: the session's own kind stays first only when it is an ERROR too (planner_error);
    over its WARN one (safety) the twin's ERROR is the kind, its line first, the session's after.
    """
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from vjepa_ros.nodes.planner_diagnostics import planners_line, twin_line

    session, clock, _ = make_session(model, "blocking")
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    if session_kind is not None:
        session._refusal = Refusal(session_kind, "outside the box")
    line = twin_line("/p", "/target_pose", 1) if problem == "twin" else \
        planners_line(["/arm2/p"], "/target_pose")
    _, values = node_diagnostics(session, model, line)
    session_first = session_kind == RefusalKind.PLANNER_ERROR
    assert values["refusal_kind"] == kind, values
    assert values["refusal"].startswith("outside the box" if session_first else line), values
    assert ("outside the box" in values["refusal"]) == (session_kind is not None), values

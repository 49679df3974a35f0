"""fix59h: the session's "goal decoding" hold while a goal file set by parameter decodes.

``GoalSession.goal_decoding_began`` / ``goal_decoding_ended`` (ROS-free, the session rig's
hand-driven clock): enabled, nothing is commanded toward the goal being replaced (breaker59h
#2: a plan begun before is discarded, the set-point stops, no plan is started), said as a
``no_goal`` hold; ended with no new goal, planning resumes toward the old goal; a new goal ends
it too. In shadow mode plans go on, labelled as toward the goal being replaced.
"""

import numpy as np
import pytest
from session_rig import Rig
from test_robot_mpc import frame, tiny_world_model

from vjepa_ros.robot.goals import SubGoal
from vjepa_ros.robot.phase import Phase
from vjepa_ros.robot.plan_report import PlanOutcome
from vjepa_ros.robot.refusal import RefusalKind

WHAT = "goal_image_path new.png"


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def _moving(model, mode="continuous"):
    rig = Rig(model, mode)
    first = rig.session.plan_step()
    assert first is not None and first.command is not None
    return rig


def _settle(rig, ticks=30):
    """Tick with fresh frames; return every plan step's report (None dropped)."""
    reports = []
    for _ in range(ticks):
        rig.tick()
        report = rig.session.plan_step()
        if report is not None:
            reports.append(report)
    return reports


@pytest.mark.parametrize("mode", ["continuous", "blocking"])
def test_a_goal_file_decoding_holds_and_a_refused_one_resumes_the_old_goal(model, mode):
    rig = _moving(model, mode)
    rig.session.goal_decoding_began(WHAT)
    session = rig.session
    assert session.phase is Phase.HOLDING
    assert session._refusal.kind is RefusalKind.NO_GOAL
    assert session.refusal.startswith(f"goal decoding: {WHAT} is decoding"), session.refusal
    assert any(b.detail.startswith("goal decoding:") for b in session.blocking_problems(
        rig.clock.now))
    held_at = session.streamer.setpoint.copy()
    reports = _settle(rig)
    assert not any(r.command is not None for r in reports), "commanded while a goal decodes"
    assert np.allclose(session.streamer.setpoint, held_at)  # the set-point stopped there
    assert session.snapshot().refusal.detail.startswith("goal decoding:")
    session.goal_decoding_ended()  # the file refused: the old goal goes on
    assert session.goal_decoding == "" and session._refusal is None
    reports = _settle(rig)
    assert any(r.command is not None for r in reports), "the old goal never resumed"


def test_a_plan_begun_before_the_decode_began_is_discarded(model):
    rig = Rig(model, "continuous")
    rig.planner.after = lambda: rig.session.goal_decoding_began(WHAT)  # mid-plan
    report = rig.session.plan_step()
    assert report.command is None and report.outcome in (PlanOutcome.DISCARDED,
                                                          PlanOutcome.CANCELLED), report.reason
    assert WHAT in report.reason, report.reason


def test_a_new_goal_ends_the_hold_and_is_planned_toward(model):
    rig = _moving(model)
    rig.session.goal_decoding_began(WHAT)
    version = rig.session.goal_version
    rig.session.set_goals([SubGoal(frame(9), 0, "goal_image_path")])  # the decoded file
    assert rig.session.goal_decoding == ""
    reports = _settle(rig)
    assert any(r.command is not None and r.goal_version > version for r in reports)


def test_shadow_mode_plans_on_labelled_toward_the_goal_being_replaced(model):
    rig = Rig(model, "continuous")
    rig.session.set_enabled(False)
    rig.session.goal_decoding_began(WHAT)
    report = rig.session.plan_step()
    assert report.outcome is PlanOutcome.SHADOW
    assert f"planned toward the goal being replaced ({WHAT} decoding)" in report.reason
    assert any(b.detail.startswith("goal decoding:") for b in rig.session.blocking_problems(
        rig.clock.now))  # what would hold, said in shadow mode too
    rig.session.goal_decoding_ended()
    assert "goal being replaced" not in _settle(rig, 12)[-1].reason

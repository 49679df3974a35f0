"""One frame age for a plan: every report of it counts from when its frame was taken (fix59t).

A plan's age (``safety.max_plan_age_s``) counts from ``inputs.Stamped.taken``, the earlier of
the frame's stamp and its receipt (fix59f). Every other place a plan's frame age is given counts
from it too (review59s #1): ``/diagnostics`` ``running_plan_frame_age_s`` and its "will be
discarded" warning while the plan runs, a plan that ended in a planner error, an async prepared
plan's report and the report of its drop. The camera here stamps 0.24 s ahead of the states'
clock (accepted: ``safety.max_image_age_s`` 0.5): from the stamp, every age would read 0.24 s
younger, or null (README: "the clock went back").
"""

import pytest
from script_rig import ScriptRig
from test_robot_mpc import frame

from vjepa_ros.robot.diagnostics import running_plan_problem
from vjepa_ros.robot.plan_report import PlanOutcome

AHEAD = 0.24  # [s] the camera's stamps ahead of the states' clock


def _ahead_rig(model, mode):
    """Return a rig whose camera stamps ``AHEAD`` ahead of its receipt, from its first frame."""
    rig = ScriptRig(model, mode, [[0.01, 0, 0, 0, 0, 0, 0]])
    observe = rig.session.observe_image

    def ahead(rgb, stamp, *args, **kwargs):
        return observe(rgb, stamp + AHEAD, *args, **kwargs)

    rig.session.observe_image = ahead
    ahead(frame(1), rig.clock.now)
    return rig


def _planner_doing(rig, seconds, then):
    """Make the next plan take ``seconds`` of the session clock, then call ``then()``."""
    plan = rig.planner.plan

    def slow(*args, **kwargs):
        rig.clock.now += seconds
        rig.session.observe_state(rig.arm.copy(), rig.clock.now)
        then()
        return plan(*args, **kwargs)

    rig.planner.plan = slow


def test_diagnostics_running_plan_age_counts_from_when_its_frame_was_taken(model):
    """A plan running 0.6 s on a frame received at 0: 0.6 s old, over a 0.5 s limit: warned."""
    rig = _ahead_rig(model, "continuous")
    rig.session.limits.max_plan_age_s = 0.5  # from the stamp: 0.36 s, not warned
    seen = []
    _planner_doing(rig, 0.6, lambda: seen.append(rig.session.snapshot()))
    rig.session.plan_step()
    status = seen[0]
    assert status.running_frame_age_s == pytest.approx(0.6, abs=1e-6), status
    warning = running_plan_problem(status)
    assert "it will be discarded" in warning and "safety.max_plan_age_s = 0.5" in warning


def test_a_failed_plan_reports_the_age_from_when_its_frame_was_taken(model):
    """A planner error 0.1 s into a plan: the report's frame age is 0.1 s, not null."""
    rig = _ahead_rig(model, "continuous")

    def fail():
        raise RuntimeError("device lost")

    _planner_doing(rig, 0.1, fail)
    report = rig.session.plan_step()
    assert report.outcome is PlanOutcome.REFUSED and "device lost" in report.reason
    assert report.frame_age_s == pytest.approx(0.1, abs=1e-6), report.frame_age_s


def test_an_async_prepared_plan_and_its_drop_report_the_age_from_when_taken(model):
    """async: the prepared report and its drop give the age from the frame's receipt."""
    rig = _ahead_rig(model, "async")
    rig.session.plan_step()
    for _ in range(100):
        rig.tick()
        before = rig.clock.now
        report = rig.session.plan_step()
        if rig.session._prepared is not None:
            break
    prepared = rig.session._prepared
    assert prepared is not None and report.outcome is PlanOutcome.PREPARED, "a prepared plan"
    expected = before - prepared.frame.taken  # the clock did not move while it was planned
    assert prepared.frame.taken == pytest.approx(prepared.frame.stamp - AHEAD)
    assert report.frame_age_s == pytest.approx(expected, abs=1e-9), report.frame_age_s
    rig.session.set_enabled(False)
    dropped = rig.reports[-1]
    assert dropped.reason.endswith("prepared plan dropped"), dropped.reason
    assert dropped.frame_age_s == pytest.approx(expected, abs=1e-9), dropped.frame_age_s

"""fix53j, ROS-free: ``/diagnostics`` of a running plan (keys, the WARN past max_plan_age_s)."""

import pytest

from vjepa_ros.robot.diagnostics import OK, WARN, diagnostic_status
from vjepa_ros.robot.phase import Phase
from vjepa_ros.robot.plan_report import PlanReport, SessionStatus
from vjepa_ros.robot.refusal import Refusal, RefusalKind


def status(enabled=True, run=None, age=None, refusal=None) -> SessionStatus:
    return SessionStatus(
        phase=Phase.PLANNING if enabled else Phase.SHADOW, enabled=enabled, mode="continuous",
        goal="", refusal=refusal, last_report=PlanReport(), image_age_s=0.01, state_age_s=0.01,
        commands_sent=3, frames_received=9, running_plan_s=run, running_frame_age_s=age,
        max_plan_age_s=1.0)


def test_no_running_plan_empty_keys_and_ok():
    shown = diagnostic_status(status())
    assert shown["level"] == OK and shown["message"] == "commanding"
    assert shown["values"]["running_plan_s"] == shown["values"]["running_plan_frame_age_s"] == ""


def test_a_young_running_plan_is_shown_and_ok():
    shown = diagnostic_status(status(run=0.4, age=0.45))
    assert shown["level"] == OK and shown["message"] == "commanding"
    assert shown["values"]["running_plan_s"] == "0.400"
    assert shown["values"]["running_plan_frame_age_s"] == "0.450"


@pytest.mark.parametrize("refusal", [None, Refusal(RefusalKind.STALE_INPUTS, "camera stale")])
def test_a_running_plan_past_max_plan_age_warns_naming_it(refusal):
    shown = diagnostic_status(status(run=2.5, age=2.6, refusal=refusal))
    assert shown["level"] == WARN and "safety.max_plan_age_s = 1 s" in shown["message"]
    assert "2.5 s" in shown["message"] and "2.6 s old" in shown["message"]
    if refusal is not None:  # the refusal's words stay first, the running plan's added
        assert shown["message"].startswith("camera stale; ")
        assert shown["values"]["refusal_kind"] == "stale_inputs"


def test_shadow_mode_or_an_unknown_age_does_not_warn():
    assert diagnostic_status(status(enabled=False, run=5.0, age=5.0))["level"] == OK
    assert diagnostic_status(status(run=5.0, age=None))["level"] == OK  # the clock went back

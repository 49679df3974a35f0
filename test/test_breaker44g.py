"""breaker44g: do ``/diagnostics`` and ``~/plan_report`` tell the truth after each event.

Attacked at main's HEAD 42f01f7: ``vjepa_ros/robot/diagnostics.py`` (``diagnostic_status``, the
keys), ``robot/mpc.py`` (``MPCSession.snapshot``), ``robot/plan_record.py``
(``PlanRecord.from_report``), ``robot/plan_report.py``, ``robot/async_session.py``
(``_drop_prepared``), ``robot/planning_session.py`` (``_finish``) and
``nodes/planner_diagnostics.py``, against README's ``/diagnostics`` row and ``~/plan_report``
table. ROS-free, CPU, a hand-driven clock and the tiny random world model of ``test_robot_mpc``
with ``test_breaker43h``'s rig (an arm that tracks the set-point). Each test asserts what SHOULD
happen (strict xfails until fix44g); its docstring says why a lab would meet it.
"""

import pathlib
import re

import pytest
from session_rig import Rig
from test_robot_mpc import frame, tiny_world_model

from vjepa_ros.robot.goals import SubGoal
from vjepa_ros.robot.phase import Phase
from vjepa_ros.robot.plan_record import PlanRecord

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
# the keys the node adds to the session's (nodes/planner_diagnostics.py, runtime_values)
NODE_KEYS = ("inputs", "other_command_publishers", "gripper_state_topic", "gripper_state_age_s",
             "foreign_joint_states", "frame_refusals", "goal_image_waiting_s", "goal_decoding",
             "goal_not_applied", "goal_idle", "device", "dtype", "torch_threads",
             "gil_switch_interval_ms")


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def test_every_diagnostics_key_is_named_in_readme(model):
    """Every key ``/diagnostics`` publishes is named (in backticks) somewhere in README.

    A lab's dashboard or script reads the values by key (``vjepa-ros reach`` does), and README's
    ``/diagnostics`` row is where a user looks them up. The session publishes
    ``frames_received``, ``planned_frame_age_s`` (age of the planned frame, vs ``frame_age_s``
    of the newest one: two different ages a user must tell apart), ``planning_latency_s``,
    ``last_action``, ``enabled``, ``goal`` and ``state_age_s``, and README names none of them
    (the row says "energy, planning latency, frame and state age, goal and step" in prose: no
    "step" key exists, the step is inside ``goal``'s text). Worse, ``frame_age_s`` is named
    only in the ``~/plan_report`` table, where it is the PLANNED frame's age (``/diagnostics``
    calls that ``planned_frame_age_s``; its ``frame_age_s`` is the newest frame's): a user
    reads the wrong one. (``state`` is described in prose with its values: left out here.)
    What should happen: each key is named with its meaning and unit.
    """
    rig = Rig(model, "blocking")
    rig.session.plan_step()
    keys = [k for k in rig.session.status()["values"] if k != "state"] + list(NODE_KEYS)
    named = set(re.findall(r"`([a-z_]+)`", README.read_text()))
    missing = [k for k in keys if k not in named]
    assert not missing, f"/diagnostics keys README never names: {missing}"


def _prepared_then_held(model):
    """async: a plan prepared while the arm moves, then the camera stalls (a USB blip)."""
    rig = Rig(model, "async", goals=[SubGoal(frame(7), 5, "a")])
    reports = []
    rig.session.add_report_listener(reports.append)
    rig.session.plan_step()  # commanded from the measured start
    for _ in range(40):  # prepared from the predicted start while the step executes
        rig.tick()
        rig.session.plan_step()
        if rig.session.prepared is not None:
            break
    assert rig.session.prepared is not None, [str(r.outcome) for r in reports]
    prepared = reports[-1]
    assert str(prepared.outcome) == "prepared"
    for _ in range(70):  # 0.7 s without a frame: the stream holds on the stale camera
        rig.tick(camera=False)
        rig.session.plan_step()
    assert rig.session.phase is Phase.HOLDING and rig.session.prepared is None
    return rig, reports, prepared


def test_a_dropped_prepared_plan_is_reported(model):
    """A prepared plan dropped by a hold ends with a ``discarded`` report on ``~/plan_report``.

    README: ``~/plan_report`` is one message per plan attempt saying "what became of it", and
    its ``detail`` equals ``/diagnostics`` ``last_plan``. In async mode the next plan is
    prepared while the arm moves (``outcome`` ``prepared``); a camera blip (0.7 s, a USB
    camera re-enumerating) holds, and ``_drop_prepared`` only replaces ``last_report``: no
    report is returned by ``plan_step``, so the node publishes nothing. A lab following the
    reports (``vjepa-ros reach``, a logger recording the topic) sees that plan ``prepared``
    forever, and the newest report's ``detail`` ("commanded on arrival") contradicts
    ``last_plan`` ("held: ...: prepared plan dropped"). What should happen: the drop is
    published as a report with outcome ``discarded`` (the plan's energy, stamp, start), or the
    newest report and ``last_plan`` agree.
    """
    rig, reports, prepared = _prepared_then_held(model)
    last_plan = rig.session.status()["values"]["last_plan"]
    assert "dropped" in last_plan, last_plan
    assert str(reports[-1].outcome) == "discarded", (
        f"newest ~/plan_report is still {reports[-1].outcome!r} ({reports[-1].reason!r}) while "
        f"/diagnostics last_plan says {last_plan!r}")
    assert PlanRecord.from_report(reports[-1]).detail == last_plan


def test_a_dropped_prepared_plan_keeps_its_energy_and_latency(model):
    """After a hold drops a prepared plan, ``energy`` and ``planning_latency_s`` stay the plan's.

    ``_drop_prepared`` replaces ``last_report`` with a blank ``PlanReport`` (reason only), so
    ``/diagnostics`` reads ``energy`` "" and ``planning_latency_s`` "0.000",
    ``planned_frame_age_s`` "0.000", ``last_action`` "" at every hold or disable in async mode:
    a lab reading energy to pick ``goals.energy_threshold`` (README tells them to) or watching
    the latency sees it vanish, and 0.000 s is a planning time no plan had. What should happen:
    the dropped plan's energy and latency (what was computed) stay shown with its fate.
    """
    rig, _, prepared = _prepared_then_held(model)
    values = rig.session.status()["values"]
    assert values["energy"] == f"{prepared.energy:.6f}", values["energy"]
    assert values["planning_latency_s"] == f"{prepared.latency_s:.3f}", \
        values["planning_latency_s"]


def prepared_rig(model):
    """async: one step commanded, the next prepared from the predicted start while it runs."""
    rig = Rig(model, "async", goals=[SubGoal(frame(7), 5, "a")])
    reports = []
    rig.session.add_report_listener(reports.append)
    rig.session.plan_step()
    for _ in range(40):
        rig.tick()
        rig.session.plan_step()
        if rig.session.prepared is not None:
            break
    assert rig.session.prepared is not None, [str(r.outcome) for r in reports]
    assert str(reports[-1].outcome) == "prepared"
    return rig, reports


def test_a_prepared_plan_dropped_by_a_disable_is_reported_once(model):
    """Every cause of a drop goes the same way: a disable too, one ``discarded`` report only."""
    rig, reports = prepared_rig(model)
    prepared = reports[-1]
    before = len(reports)
    rig.session.set_enabled(False)
    rig.session.set_enabled(False)  # nothing left to drop: no second report
    assert len(reports) == before + 1, [str(r.outcome) for r in reports[before:]]
    dropped = PlanRecord.from_report(reports[-1])
    assert dropped.outcome == "discarded" and dropped.detail == "disabled: prepared plan dropped"
    assert dropped.detail == rig.session.status()["values"]["last_plan"]
    assert dropped.energy == pytest.approx(prepared.energy)
    assert dropped.stamp == prepared.frame_stamp and dropped.predicted_start
    assert not dropped.commanded and dropped.command is None


def test_the_node_publishes_every_report_from_its_listener_and_never_raises():
    """The node's ``~/plan_report`` listener publishes each report; a failed one warns once."""
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from types import SimpleNamespace

    from vjepa_ros.nodes.planner_node import PlannerNode
    from vjepa_ros.robot.plan_report import PlanOutcome, PlanReport

    sent, warnings, fail = [], [], []

    def publish(message):
        if fail:
            raise RuntimeError("context is not valid")
        sent.append(message)

    node = SimpleNamespace(closing=False, plan_report_failed=False,
                           plan_report_pub=SimpleNamespace(publish=publish),
                           get_logger=lambda: SimpleNamespace(warning=warnings.append))
    report = PlanReport(reason="held: x: prepared plan dropped", outcome=PlanOutcome.DISCARDED)
    PlannerNode._publish_plan_report(node, report)
    assert PlanRecord.from_json(sent[0].data).outcome == "discarded"
    fail.append(True)
    PlannerNode._publish_plan_report(node, report)
    PlannerNode._publish_plan_report(node, report)
    assert len(warnings) == 1 and "~/plan_report not published" in warnings[0], warnings
    node.closing = True
    fail.clear()
    PlannerNode._publish_plan_report(node, report)
    assert len(sent) == 1  # nothing while closing

"""breaker51f: do ``/diagnostics`` and ``~/plan_report`` tell the truth (second round).

Attacked at 80a8488f: ``vjepa_ros/robot/diagnostics.py`` (``diagnostic_status``),
``robot/plan_record.py`` (``PlanRecord.from_report``, ``to_json``), ``robot/plan_report.py``,
``robot/planning_session.py`` (``_finish``: the reports of a plan that ended without a result),
``robot/command_session.py`` (``_report``), ``robot/async_session.py`` (``_prepare``,
``_take_prepared``), ``robot/mpc.py`` (``snapshot``), ``robot/camera_check_session.py`` and
``nodes/planner_diagnostics.py`` (``_publish_diagnostics``, graph stubbed), against README's
``~/plan_report`` fields table and ``/diagnostics`` keys table. ROS-free (but one test), CPU, a
hand-driven clock, the tiny random world model of ``test_robot_mpc`` and ``test_breaker43h``'s
rig (an arm that tracks the set-point). Earlier rounds (44g, 44k, 44p, 45j) are not repeated.
For each event the test keeps its own log (what was planned on, for which goal, when) and
compares the published fields.

Defects (strict xfails at 80a8488f, fixed by fix51f; the async one by a decision: the second
``commanded`` report stays, README says so, and its test pins that instead):
- a plan that ends without a result (a planner error, a cancelled plan) reports ``frame_age_s``
  0.0 and ``/diagnostics`` ``planned_frame_age_s`` ``0.000``, though its frame was planned on
  and is older (its ``stamp`` is in the same report);
- a plan voided by a new goal (discarded or cancelled) reports the NEW goal's ``subgoal_index``
  / ``subgoal_count`` / ``subgoal_rule`` beside the OLD goal's ``goal_version``;
- a non-finite energy (the random baseline's NaN) is ``null`` in ``~/plan_report`` but ``nan`` in
  ``/diagnostics`` ``energy`` (README: a float with 6 decimals, or empty when there is none);
- an async prepared plan that goes out on arrival is reported twice under one ``stamp``,
  ``prepared`` then ``commanded``, where README says the only second report is ``discarded``;
- a plan voided by a clock step back reports a negative ``frame_age_s`` (-20.0, ``-20.000``);
- shadow mode without a goal is OK before an enable but WARN ``no_goal`` after an enable and a
  disable (the enabled hold's refusal kept), in the same state;
- the node's ``/diagnostics`` with a twin planner: ERROR, ``refusal`` the twin's line,
  ``refusal_kind`` empty;
- during a live camera check, whose motions move the arm, ``/diagnostics`` says WARN
  ``no_goal`` "no goal: ..." on every tick (nothing commanded, it claims).

Held up (pins): the energy rule's switches (threshold, plateau) and the steps rule's, against a
log of each commanded plan's energy and step; ``commands_sent`` / ``subgoal_steps_done`` /
``subgoal`` / ``goal`` counted per command; a plan too old (``stale_plan``), inputs gone stale
while planning (``stale_inputs``) and a disable mid-plan: one report each, the right outcome,
level and kind, ``detail`` = ``last_plan``; every report strict JSON; the ages with 3 decimals.
"""

import math
import re
from pathlib import Path

import numpy as np
import pytest
from diagnostics_rig import node_diagnostics
from plan_reports import end_without_result, recorded, sequence
from session_rig import LIMITS, Rig
from test_robot_mpc import CEM, START, Clock, HookedPlanner, frame, make_session, tiny_world_model

from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.diagnostics import ERROR, OK, WARN
from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig
from vjepa_ros.robot.goals import SubGoal
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.sim.reach import RandomActionPlanner


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


class SwitchRig(Rig):
    """``Rig`` with a sub-goal switching rule (``goals.*``)."""

    def __init__(self, model, mode, goals, switching):  # noqa: D107 - Rig's, one argument more
        self.clock, self.logs = Clock(), []
        self.planner = HookedPlanner(model)
        self.session = MPCSession(
            model, CEM, LIMITS, ControlConfig(mode=mode), clock=self.clock,
            log=lambda level, message: self.logs.append((level, message)),
            planner=self.planner, clock_offset=self.clock.system_offset,
            stream_clock=self.clock.steady, goal_switching=switching)
        self.frames, self.next_frame, self.push = 0, self.clock.now, np.zeros(7)
        self.session.observe_image(frame(0), self.clock.now)
        self.session.observe_state(START, self.clock.now)
        self.session.set_goals(goals)
        self.session.set_enabled(True)


def run(rig, ticks):
    rig.session.plan_step()
    for _ in range(ticks):
        rig.tick()
        rig.session.plan_step()


# --- defects -----------------------------------------------------------------------------------

@pytest.mark.parametrize("ending", ["planner_error", "cancelled"])
def test_a_plan_without_a_result_reports_its_frames_age(model, ending):
    """Report the planned frame's age also for a plan that failed or was cancelled.

    Input: blocking; the frame is stamped 100.0 s; the clock is at 100.3 s when the plan ends, by
    (a) a planner error (``RuntimeError: CUDA out of memory``) or (b) a new goal set while the
    planner works (the plan is cancelled before its first iteration).
    Happened: the report has ``stamp`` 100.0 and ``frame_age_s`` 0.0; ``/diagnostics``
    ``planned_frame_age_s`` reads ``0.000`` (``_finish`` keeps ``PlanReport``'s default 0.0).
    A lab that reads a stalled camera or a slow planner from ``planned_frame_age_s`` sees a
    perfectly fresh frame exactly when the plan failed.
    Should: ``frame_age_s`` = 0.3 (README: "age of the planned frame when the plan finished"), or
    null / empty when not measured; never an age of 0 that no frame had.
    """
    rig = Rig(model, "blocking")
    log = recorded(rig)

    end_without_result(rig, ending, 0.3)
    rig.session.plan_step()
    (data, record, status), = log
    assert record.outcome == ("refused" if ending == "planner_error" else "cancelled")
    assert data["stamp"] == pytest.approx(100.0)
    assert data["frame_age_s"] == pytest.approx(0.3), data
    assert status["values"]["planned_frame_age_s"] == "0.300", status["values"]


def test_a_plan_voided_by_a_new_goal_reports_the_goal_it_was_made_for(model):
    """Report the sub-goal a plan was made for, not the one set while it was computed.

    Input: a three-sub-goal sequence (steps rule), the first plan toward sub-goal 1/3; while the
    planner works a new one-sub-goal goal comes (``~/goal_image``, ``~/capture_goal``).
    Happened: the ``discarded`` report says ``goal_version`` 1 (the old goal, right) but
    ``subgoal_count`` 1, ``subgoal_index`` 0 of the NEW goal (``_report`` reads
    ``self.goals.progress()`` when the plan ends). A tool that groups reports by sub-goal files
    this plan under a goal it was never made for, and the report contradicts itself.
    Should: ``subgoal_count`` 3, ``subgoal_index`` 0: the goal of its ``goal_version``.
    """
    rig = Rig(model, "blocking", goals=sequence())
    log = recorded(rig)
    rig.planner.after = lambda: rig.session.set_goals([SubGoal(frame(5), 0, "new")])
    rig.session.plan_step()
    (data, record, _), = log
    assert record.outcome == "discarded" and record.goal_version == 1, data
    assert (record.subgoal_index, record.subgoal_count) == (0, 3), data


def test_a_non_finite_energy_is_shown_as_none_in_diagnostics(model):
    """Show a plan without a finite energy as "no energy" in ``/diagnostics`` too.

    Input: the random-action baseline (``sim.reach.RandomActionPlanner``, ``vjepa-ros reach``'s
    ``--random-actions``) as the session's planner: its energy is NaN.
    Happened: ``~/plan_report`` ``energy`` is null (README: non-finite numbers are null), but
    ``/diagnostics`` ``energy`` is the string ``nan``: a dashboard that parses it as a float
    plots NaN; one that tests for "" (README: "empty when the newest report has none") sees an
    energy, and the two outputs of the same plan disagree.
    Should: ``energy`` "" (as the report's null).
    """
    rig = Rig(model, "blocking")
    rig.planner.inner = RandomActionPlanner(CEM, 0)
    log = recorded(rig)
    rig.session.plan_step()
    (data, record, status), = log
    assert record.outcome == "commanded" and data["energy"] is None
    assert status["values"]["energy"] == "", status["values"]["energy"]


def test_an_async_plan_is_reported_once_and_again_at_its_fate(model):
    """Report each async plan once, a ``prepared`` one again at its fate, as README says.

    Input: async control, one sub-goal of 5 steps; the arm tracks each set-point and the next
    plan is prepared from the predicted start while the step executes, then goes out on arrival.
    Happened: each such plan has two reports with the same ``stamp``: ``prepared`` ("commanded
    on arrival") and then ``commanded``, where README (the ``~/plan_report`` row, and
    ``vjepa-ros reach``'s text) said the only second report was ``discarded``.
    Decided (fix51f): the second ``commanded`` report stays and README says so: a plan's
    ``command``, ``commands_sent`` and ``subgoal_switch`` exist only once it goes out, so a lab
    counting commands by outcome needs that report; a lab counting plans counts them by
    ``stamp``. Pinned: every stamp's reports are one outcome, or ``prepared`` then exactly one
    of ``commanded`` / ``discarded``, or a plan then its drop; the second report of a prepared
    plan keeps its numbers (energy, latency, start, first action, goal; ``frame_age_s`` the
    same frame's age when it went out, never less); one ``commanded``
    report per command; README's row and field table say it.
    """
    rig = Rig(model, "async", goals=[SubGoal(frame(7), 5, "a")])
    log = recorded(rig)
    run(rig, 400)
    by_stamp = {}
    for data, _, _ in log:
        by_stamp.setdefault(data["stamp"], []).append(data)
    assert any(reports[0]["outcome"] == "prepared" and len(reports) == 2
               for reports in by_stamp.values()), by_stamp
    for stamp, reports in by_stamp.items():
        outcomes = [data["outcome"] for data in reports]
        allowed = len(outcomes) == 1 or outcomes[1:] == ["discarded"] or \
            outcomes == ["prepared", "commanded"]
        assert allowed and outcomes.count("commanded") <= 1, (stamp, outcomes)
        first, *later = reports
        for again in later:  # the same plan told again: its numbers kept
            same = ("energy", "latency_s", "start_state", "first_action", "predicted_start",
                    "goal_version", "enable_epoch", "subgoal_index")
            assert {k: again[k] for k in same} == {k: first[k] for k in same}, (stamp, again)
            assert again["frame_age_s"] >= first["frame_age_s"] >= 0  # the same frame, later
    commanded = [data for data, _, _ in log if data["outcome"] == "commanded"]
    assert [data["commands_sent"] for data in commanded] == list(range(1, len(commanded) + 1))
    assert len(commanded) == rig.session.commands_sent == 5
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    # the topic's full row moved to docs/planner_node.md (docs61); README keeps the field table
    full = (Path(__file__).parents[1] / "docs" / "planner_node.md").read_text()
    row = next(line for line in full.splitlines() if line.startswith("| pub | `~/plan_report`"))
    field = next(line for line in readme.splitlines() if line.startswith("| `outcome` |"))
    assert "`commanded` when it goes out on arrival" in row and "`discarded`" in row, row
    assert "a second report with the same `stamp` follows, `commanded` or `discarded`" in field


def test_a_plan_voided_by_a_clock_step_back_has_no_negative_age(model):
    """Never report a negative age for the planned frame.

    Input: blocking; a plan on the frame stamped 100.0 s; while it is computed the clock goes
    back 20 s (the simulator restarted, a looping bag: a new world), and a frame and a state
    come on the new clock.
    Happened: the ``discarded`` report ("the clock went back while planning") has
    ``frame_age_s`` -20.0 and ``/diagnostics`` ``planned_frame_age_s`` reads ``-20.000``
    (the new clock minus the old clock's stamp): a number that is no age, in a field README
    gives as "age of the planned frame when the plan finished" [s]; a dashboard's "frame older
    than X" alarm never fires on it, a plot of ages dips below zero.
    Should: a non-negative age (the frame's age on its own clock when the clock stepped), or
    the field empty / null when it cannot be told.
    """
    rig = Rig(model, "blocking")
    log = recorded(rig)

    def back():
        rig.clock.now -= 20.0
        rig.session.observe_image(frame(4), rig.clock.now)
        rig.session.observe_state(START, rig.clock.now)

    rig.planner.after = back
    rig.session.plan_step()
    (data, record, status), = log
    assert record.outcome == "discarded" and "clock went back" in record.detail, data
    assert data["frame_age_s"] is None or data["frame_age_s"] >= 0, data["frame_age_s"]
    assert not status["values"]["planned_frame_age_s"].startswith("-"), status["values"]


def test_shadow_mode_without_a_goal_reads_the_same_before_and_after_an_enable(model):
    """Show shadow mode without a goal alike, whether or not it was enabled before.

    Input: a node in shadow mode without a goal, fresh inputs: ``/diagnostics`` is OK,
    ``shadow mode (not enabled)``, ``refusal_kind`` "" (a goal is not asked for while nothing
    is commanded: ``snapshot`` adds "no goal" only while enabled). Then ``~/enable`` true (the
    session holds: no goal, WARN) and ``~/enable`` false, inputs still fresh.
    Happened: after the disable ``/diagnostics`` stays WARN with ``refusal_kind`` ``no_goal``
    and the message "no goal: call ~/capture_goal ...", for as long as no goal comes, though the
    node is in exactly the state it started in. A monitor (rqt_robot_monitor, ``vjepa-ros
    reach``'s end on a hold it cannot leave) reads a hold of a node that commands nothing.
    Should: the same as before the enable: OK, ``shadow mode (not enabled)``, no refusal.
    """
    session, clock, _ = make_session(model, "blocking")

    def shown():
        clock.now += 0.05
        session.observe_image(frame(1), clock.now)
        session.observe_state(START, clock.now)
        session.stream_step()
        session.plan_step()
        status = session.status()
        return status["level"], status["message"], status["values"]["refusal_kind"]

    before = shown()
    assert before == (OK, "shadow mode (not enabled)", ""), before
    session.set_enabled(True)
    assert shown()[2] == "no_goal"
    session.set_enabled(False)
    assert shown() == before


def test_a_twin_refusal_has_a_kind(model):
    """Give every refusal ``/diagnostics`` shows a ``refusal_kind``, the twin node's too.

    Input: the node's 2 Hz ``_publish_diagnostics`` (``nodes/planner_diagnostics.py``) while a
    second planner of the same full name publishes on the command topic (a second
    ``vjepa-ros launch``); the session itself in shadow mode with fresh inputs.
    Happened: level ERROR, ``refusal`` is the twin's line ("another node named /vjepa_planner
    publishes on /target_pose ..."), but ``refusal_kind`` is "" — README: the kind is "empty
    when nothing is refused", and tools read the hold from ``refusal_kind`` (``vjepa-ros
    reach`` ends on a hold it cannot leave by it): an ERROR with a refusal and no kind.
    Should: a non-empty kind whenever ``refusal`` is non-empty (a documented one for a twin).
    """
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from vjepa_ros.nodes.planner_diagnostics import twin_line

    session, clock, _ = make_session(model, "blocking")
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    status, values = node_diagnostics(session, model, twin_line("/vjepa_planner", "/target_pose",
                                                                 1))
    assert status.level == bytes([ERROR]) and values["refusal"].startswith("another node named")
    assert values["refusal_kind"] != "", values["refusal"][:80]


def test_a_camera_check_moving_the_arm_is_not_shown_as_a_no_goal_hold(model):
    """Do not say "nothing is commanded: no goal" while the camera check moves the arm.

    Input: blocking, enabled, goals cleared (``~/camera_check`` asks for that: "call
    ~/clear_goals and wait until it stands still"), then ``start_camera_check``; 2 s of its
    4 cm motions, the arm tracking the set-point.
    Happened: on every tick, while ``state`` is ``moving`` and the arm moves, ``/diagnostics``
    is WARN, ``refusal_kind`` ``no_goal``, message "no goal: call ~/capture_goal ..." (README:
    ``refusal`` is "why nothing is commanded"), and ``blocking`` says the same. An operator at
    rqt_robot_monitor reads a held arm while it moves; the check's progress is only in
    ``camera_check``.
    Should: while the check commands the arm, no ``no_goal`` refusal (the check is what is
    commanded; the message may say so).
    """
    rig = Rig(model, "blocking")
    rig.session.clear_goals()
    rig.session.start_camera_check()
    shown = set()
    for _ in range(200):
        before = rig.session.latest_state().value.copy()
        rig.tick()
        rig.session.plan_step()
        moved = np.linalg.norm(rig.session.latest_state().value[:3] - before[:3]) > 1e-6
        status = rig.session.status()
        if moved:
            shown.add((status["level"], status["values"]["refusal_kind"], status["message"][:8]))
    assert rig.session.status()["values"]["camera_check"].startswith("motion ")
    assert shown and all(kind != "no_goal" for _, kind, _ in shown), shown


# --- pins --------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["blocking", "async"])
def test_steps_rule_counters_follow_each_command(model, mode):
    """Count commands, steps and switches of a (2, 2, 1)-step sequence from our own log."""
    rig = Rig(model, mode, goals=sequence())
    log = recorded(rig)
    run(rig, 800)
    commanded = [(d, s) for d, _, s in log if d["outcome"] == "commanded"]
    assert len(commanded) == 5, [d["outcome"] for d, _, _ in log]
    steps = {0: 2, 1: 2, 2: 1}
    for n, (data, status) in enumerate(commanded, start=1):
        values = status["values"]
        assert data["commands_sent"] == n and values["commands_sent"] == str(n)
        assert data["commanded"] and data["command"] is not None
        index, done = data["subgoal_index"], data["subgoal_steps_done"]
        assert data["subgoal_count"] == 3 and data["subgoal_rule"] == "steps"
        switch = data["subgoal_switch"]
        if done + 1 == steps[index]:  # this command ends the sub-goal
            assert switch == {"index": index, "reason": "steps", "step": steps[index],
                              "energy": pytest.approx(data["energy"])}
            shown = f"{index + 2}/3" if index < 2 else "done (3)"
        else:
            assert switch is None
            shown = f"{index + 1}/3"
        assert values["subgoal"] == shown, (n, values["subgoal"])
        assert data["detail"] == values["last_plan"] == "commanded"
        assert values["energy"] == f"{data['energy']:.6f}"
    assert commanded[-1][1]["values"]["goal"] == "all 3 sub-goals done"
    switches = commanded[-1][1]["values"]["subgoal_switches"].split("; ")
    assert len(switches) == 3 and switches[-1].startswith("sub-goal 3/3 → done (steps after 1")


@pytest.mark.parametrize("threshold, patience, min_delta", [(1.12, 2, 0.5), (0.0, 2, 0.001)])
def test_energy_rule_switches_follow_our_log(model, threshold, patience, min_delta):
    """Recompute every threshold / plateau switch from the commanded energies and compare."""
    switching = GoalSwitchConfig(rule="energy", energy_threshold=threshold, patience=patience,
                                 min_delta=min_delta)
    rig = SwitchRig(model, "blocking", sequence((6, 6, 6)), switching)
    log = recorded(rig)
    run(rig, 900)
    index, best, flat, step = 0, math.inf, 0, 0
    for data, _, status in log:
        if data["outcome"] != "commanded":
            continue
        assert data["subgoal_index"] == index and data["subgoal_steps_done"] == step
        energy, step = data["energy"], step + 1
        expected = None
        if index < 2:  # the last sub-goal ends by its step count only
            if threshold and energy < threshold:
                expected = "threshold"
            else:
                flat = 0 if energy < best - min_delta else flat + 1
                best = min(best, energy)
                expected = "plateau" if flat >= patience else None
        if expected is None and step == 6:
            expected = "steps"
        switch = data["subgoal_switch"]
        assert (switch or {}).get("reason") == expected, (index, step, energy, switch)
        if expected:
            assert switch["index"] == index and switch["step"] == step
            assert switch["energy"] == pytest.approx(energy)
            assert f"({expected} after {step} steps, energy {energy:.4f})" in \
                status["values"]["subgoal_switches"]
            index, best, flat, step = index + 1, math.inf, 0, 0
    assert index >= 2, "the sequence never reached its last sub-goal"


def test_plan_ends_with_a_refusal_or_a_void_are_told_once_each(model):
    """A plan too old, inputs stale while planning, a disable mid-plan: one report each."""
    cases = []

    def too_old(rig):
        rig.clock.now += 40.0
        rig.session.observe_state(START, rig.clock.now)
        rig.session.observe_image(frame(3), rig.clock.now)

    def stale(rig):
        rig.clock.now += 1.0
        rig.session.observe_state(START, rig.clock.now)

    def disable(rig):
        rig.session.set_enabled(False)

    expected = {too_old: ("discarded", "stale_plan", WARN, "stale_plan", "40.000"),
                stale: ("refused", "stale_inputs", WARN, "stale_inputs", "1.000"),
                disable: ("discarded", None, OK, "", "0.000")}
    for event, (outcome, refusal, level, kind, age) in expected.items():
        rig = Rig(model, "blocking")
        log = recorded(rig)
        rig.planner.after = lambda event=event, rig=rig: event(rig)
        rig.session.plan_step()
        (data, record, status), = log
        values = status["values"]
        cases.append(event.__name__)
        assert (record.outcome, record.refusal) == (outcome, refusal), (event.__name__, data)
        assert status["level"] == level and values["refusal_kind"] == kind, (event, status)
        assert record.detail == values["last_plan"] and values["commands_sent"] == "0"
        assert values["planned_frame_age_s"] == age and data["commands_sent"] == 0
        assert values["energy"] == f"{record.energy:.6f}"
        assert all(re.fullmatch(r"-?\d+\.\d{3}", values[k]) for k in
                   ("planning_latency_s", "frame_age_s", "state_age_s", "planned_frame_age_s"))
    assert status["message"] == "shadow mode (not enabled)" and record.phase == "shadow"
    assert ERROR > WARN and cases == ["too_old", "stale", "disable"]

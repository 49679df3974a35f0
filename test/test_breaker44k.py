"""breaker44k: attack on fix44g (commit 9bfb237): dropped async prepared plans re-reported.

Attacked: ``robot/async_session.py`` (``_drop_prepared`` re-sends the plan's prepared report as
``discarded`` through ``_publish_report``), ``robot/planning_session.py`` (``_publish_report``:
``last_report`` + listeners), ``robot/mpc.py`` (``set_enabled``, ``_stop_motion``,
``add_report_listener``), ``nodes/planner_node.py`` (``_publish_plan_report``), README's
``~/plan_report`` table. ROS-free, CPU, the tiny random world model of ``test_robot_mpc`` with
``test_breaker43h``'s rig. Each test asserts what SHOULD happen and fails now (strict xfail); its
docstring says why a lab would meet it.
"""

import pathlib
import re

import pytest
from test_breaker44g import prepared_rig
from test_robot_mpc import tiny_world_model

from vjepa_ros.robot.phase import Phase

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
# the topics' full rows (docs61 moved them out of the README, which keeps a short table)
FULL_INTERFACE = README.parent / "docs" / "planner_node.md"


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def test_a_failing_report_listener_does_not_keep_the_arm_enabled(model):
    """``set_enabled(False)`` disables even when a report listener raises on the drop report.

    ``add_report_listener`` is "the supported way to record plans": a lab's recorder appends
    each report to a JSON-lines file, and a full disk (``OSError: No space left on device``) or
    a closed file makes it raise. Before fix44g a listener ran only inside ``plan_step`` (an
    exception there stops commanding). Now it also runs inside ``_drop_prepared``, midway
    through ``set_enabled(False)`` (``_stop_commanding`` -> ``_stop_motion``): the exception
    leaves before ``_transition(Event.DISABLE)``, so after the operator's disable the session
    is still enabled, in phase moving, and its next plan goes to the arm. A hold in the stream
    tick is cut off the same way (arrival time, sub-goal reopen, keep_switch skipped).
    What should happen: a disable always disables (the listener's failure is logged or
    raised only after the session is in shadow mode), and no command follows it.
    """
    rig, _ = prepared_rig(model)
    before = rig.session.commands_sent

    def recorder(report):
        raise OSError(28, "No space left on device")

    rig.session.add_report_listener(recorder)
    try:
        rig.session.set_enabled(False)
    except OSError:
        pass  # raising is acceptable; staying enabled is not
    assert not rig.session.enabled, rig.session.phase
    assert rig.session.phase is Phase.SHADOW, rig.session.phase
    for _ in range(60):  # the arm settles; the worker plans on
        rig.tick()
        try:
            rig.session.plan_step()
        except OSError:
            pass
    assert rig.session.commands_sent == before, "a command went out after ~/enable false"


def test_readme_plan_report_row_says_a_plan_may_have_two_messages(model):
    """The ``~/plan_report`` topic row says a dropped prepared plan is a second message.

    A lab counting plans from a recorded bag or a live subscription (as
    ``benchmarks/bench_node_inputs.py`` does: "plans per minute", "plan latency median" over
    every message) reads the topic row "one message per plan attempt" and counts an async plan
    that was prepared and then dropped by a hold twice, its latency twice. fix44g's outcome row
    says "a second report for the same plan", the topic row and ``eval/plan_reports.py``'s note
    ("one JSON object per plan") still say one. What should happen: the topic row (and the
    note) say that a prepared plan dropped later gets a second, ``discarded``, message, so a
    counter keys plans by ``stamp``/``outcome``.
    """
    rig, reports = prepared_rig(model)
    rig.session.set_enabled(False)
    stamps = [r.frame_stamp for r in reports]
    assert stamps.count(reports[-1].frame_stamp) == 2  # one plan, two messages (by design)
    row = next(line for line in FULL_INTERFACE.read_text().splitlines()
               if line.startswith("| pub | `~/plan_report`"))
    assert not re.search(r"one message per plan attempt", row), row
    short = next(line for line in README.read_text().splitlines()
                 if line.startswith("| `~/plan_report` |"))
    assert "a second message with the same `stamp`" in short, short
    from vjepa_ros.eval.plan_reports import plan_report_note
    note = plan_report_note({"/vjepa_planner/plan_report": "std_msgs/msg/String"})
    assert "one JSON object per plan)" not in note, note

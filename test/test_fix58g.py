"""fix58g: the families around breaker58g's gripper results, cancels and failures.

- Results no hand of ``robot.gripper_max_width`` can give (wider than its full opening even as
  the width between the fingers): no convention learned, no hold, no open reached; a hand homed a
  little wider than set is still read as a full-width server.
- Results that claim the goal (SUCCEEDED, ``reached_goal``) far from it: beyond
  ``REACHED_TOLERANCE_M`` (ros2_controllers' default ``goal_tolerance``) a failure, within it a
  success; also for a result without the flags and a full-width server's.
- Results with no terminal status (STATUS_UNKNOWN, ACCEPTED, EXECUTING, none): warned once until a
  terminal one comes, ``problem()`` meanwhile, nothing when superseded.
- A cancel's answer, each code of ``action_msgs/CancelGoal``, now or later; goals gone with their
  server are canceled quietly (a passing glitch) and not counted.
- The node's ``/diagnostics`` after a failure goes back to OK once ``~/enable`` commands again.
"""

from __future__ import annotations

import types

import pytest
from hand_rigs import Future as LaterFuture
from test_breaker58g import MAX_WIDTH, NAME, SUCCEEDED, ScriptedServer, scripted
from test_gripper_goals import Future, Goal

from vjepa_ros.robot.gripper_goals import STATUS_ABORTED, GripperGoals
from vjepa_ros.robot.gripper_results import (
    REACHED_TOLERANCE_M,
    judge_result,
)


def answer(position, stalled=False, reached=True):
    return types.SimpleNamespace(position=position, effort=0.0, stalled=stalled,
                                 reached_goal=reached)


# -- positions wider than the hand -----------------------------------------------------------
@pytest.mark.parametrize("status", [SUCCEEDED, STATUS_ABORTED])
@pytest.mark.parametrize("goal", [0.0, 0.02, MAX_WIDTH / 2], ids=["close", "half", "open"])
@pytest.mark.parametrize("full_width", [False, True])
@pytest.mark.parametrize("finger", [None, 0.0, 0.02, MAX_WIDTH / 2])
@pytest.mark.parametrize("position", [0.091, 0.2, 40.0, 80.0])
def test_a_position_wider_than_the_hand_reads_as_nothing_of_it(status, goal, full_width,
                                                                finger, position):
    judged = judge_result(status, goal, answer(position), MAX_WIDTH, full_width,
                          start=MAX_WIDTH / 2, finger=finger)
    assert judged.full_width == full_width, "no convention told (nor one forgotten)"
    assert judged.held is None and not judged.reached and judged.advice == ""
    assert "wider than this hand opens" in judged.stopped and "robot.gripper_max_width" in \
        judged.stopped, judged.stopped


@pytest.mark.parametrize("position", [0.081, 0.085, 0.089])
def test_a_hand_homed_a_little_wider_than_set_is_still_a_full_width_server(position):
    """A ROS 1-style server of a hand opening up to 9 mm wider than set: told, read so."""
    judged = judge_result(SUCCEEDED, MAX_WIDTH / 2, answer(position), MAX_WIDTH)
    assert judged.full_width and judged.reached and judged.stopped == "", judged


def test_an_open_answered_wider_than_the_hand_is_sent_again_and_warned():
    goals, server, logs = scripted([(SUCCEEDED, 0.2, False, True)])
    opened = goals.send(0.0)
    assert opened.state == "failed" and opened.needs_resend(), (opened.state, logs)
    assert any(level == "warning" and "200 mm is wider" in line for level, line in logs), logs
    assert not goals.full_width


# -- a goal claimed far from it --------------------------------------------------------------
@pytest.mark.parametrize("goal", [0.0, 0.02, MAX_WIDTH / 2], ids=["close", "half", "open"])
@pytest.mark.parametrize("off, fails", [(0.0, False), (0.009, False), (0.011, True),
                                        (0.02, True)])
def test_a_claimed_goal_is_believed_within_the_tolerance_only(goal, off, fails):
    """A middle width or an open claimed far from it fails; a close there is a hold (fix58s)."""
    position = goal - off if goal > 0.03 else goal + off
    judged = judge_result(SUCCEEDED, goal, answer(position), MAX_WIDTH)
    assert bool(judged.stopped) == fails, (position, judged)
    if goal == 0.0 and off:  # fingers stopped on something: franka_gripper's wide epsilons
        assert judged.held == pytest.approx(2 * position), judged
        assert "reached the goal" not in judged.stopped, judged.stopped
        return
    assert judged.held is None, "a claimed middle width or open is no hold"
    if fails:
        assert "its result says it reached the goal" in judged.stopped, judged.stopped


def test_the_tolerance_is_ros2_controllers_default_goal_tolerance():
    assert REACHED_TOLERANCE_M == 0.01  # gripper_action_controller goal_tolerance [joint m]


@pytest.mark.parametrize("full_width", [False, True])
def test_a_result_without_flags_far_from_its_goal_fails(full_width):
    bare = types.SimpleNamespace(position=0.05 if full_width else 0.025)  # 50 mm apart
    judged = judge_result(SUCCEEDED, 0.0, bare, MAX_WIDTH, full_width)
    assert judged.stopped.startswith("the fingers stopped at 50 mm, 0 mm asked"), judged


def test_a_stalled_close_on_an_object_is_still_a_hold():
    """ros2_controllers' allow_stalling: SUCCEEDED stalled at 30 mm is a grasp, not a claim."""
    judged = judge_result(SUCCEEDED, 0.0, answer(0.015, stalled=True, reached=False), MAX_WIDTH)
    assert judged.held == pytest.approx(0.03)


def test_a_claimed_goal_far_from_it_is_warned_once_then_counted():
    """A middle width (closedness 0.5, 40 mm) claimed at 70 mm, the hand unmeasured."""
    goals, server, logs = scripted([(SUCCEEDED, 0.035, False, True)] * 3 +
                                   [(SUCCEEDED, 0.02, False, True)])
    for _ in range(3):
        assert goals.send(0.5).state == "failed"
    warned = [line for level, line in logs if level == "warning"]
    assert len(warned) == 1 and "away from its goal" in warned[0], logs
    assert "failed 3 time(s)" in goals.problem()
    assert goals.send(0.5).state == "ended" and goals.problem() == ""


# -- results with no terminal status ---------------------------------------------------------
@pytest.mark.parametrize("status", [0, 1, 2, None], ids=["unknown", "accepted", "executing",
                                                         "none"])
def test_a_result_without_a_terminal_status_reads_nothing(status):
    judged = judge_result(status, 0.0, answer(0.03, reached=False), MAX_WIDTH, start=0.04)
    assert (judged.held, judged.stopped, judged.reached, judged.advice, judged.full_width) == (
        None, "", False, "", False)


def test_unknown_results_are_warned_once_until_a_terminal_one_comes():
    goals, server, logs = scripted([(0, 0.0, False, False), (0, 0.0, False, False),
                                    (0, 0.0, False, False), (SUCCEEDED, 0.0, False, True)])
    first, second = goals.send(1.0), goals.send(0.0)  # another closedness: still said once
    assert first.state == second.state == "failed", logs
    warned = [line for level, line in logs if level == "warning"]
    assert len(warned) == 1 and "UNKNOWN" in warned[0] and NAME in warned[0], logs
    assert "UNKNOWN" in goals.problem()
    goals.send(1.0)
    assert "UNKNOWN" in goals.problem()
    assert goals.send(1.0).state == "ended"
    assert goals.problem() == "", goals.problem()


def test_an_unknown_result_of_a_superseded_goal_is_no_failure():
    """An older goal's UNKNOWN answer after a newer goal went out: no resend, nothing said.

    (The driver preempted the older goal and forgot it.)
    """
    results = []

    class Held(ScriptedServer):
        def send_goal_async(self, goal):
            self.goals.append(goal)
            late = LaterFuture()
            results.append(late)
            handle = types.SimpleNamespace(accepted=True, get_result_async=lambda: late,
                                           cancel_goal_async=lambda: Future())
            return Future(handle)

    server, logs = Held([]), []
    goals = GripperGoals(server, Goal, NAME, MAX_WIDTH, 20.0,
                         lambda line: logs.append(("warning", line)),
                         lambda line: logs.append(("info", line)))
    old, new = goals.send(1.0), goals.send(0.0)
    results[0].finish(types.SimpleNamespace(status=0, result=answer(0.0, reached=False)))
    assert old.state == "ended" and new.state == "accepted" and logs == [], logs
    assert goals.problem() == ""


# -- a cancel's answer -----------------------------------------------------------------------
class CancelServer:
    """Every goal accepted and running; each cancel answered with ``code``.

    ``code`` None: the request failed. At once, or when the test calls :meth:`answer_cancels`.
    """

    def __init__(self, code, at_once=True):
        self.code, self.at_once, self.pending, self.cancels = code, at_once, [], 0
        self.ready = True

    def server_is_ready(self):
        return self.ready

    def send_goal_async(self, goal):
        running = types.SimpleNamespace(add_done_callback=lambda callback: None)
        return Future(types.SimpleNamespace(accepted=True, get_result_async=lambda: running,
                                            cancel_goal_async=self._cancel))

    def _cancel(self):
        self.cancels += 1
        future = LaterFuture()
        self.pending.append(future)
        if self.at_once:
            self.answer_cancels()
        return future

    def answer_cancels(self):
        while self.pending:
            future = self.pending.pop(0)
            if self.code is None:  # an answer that carries nothing (the request failed)
                future.finish(None)
            else:
                future.finish(types.SimpleNamespace(return_code=self.code, goals_canceling=[]))


def cancel_goals(server):
    logs = []
    goals = GripperGoals(server, Goal, NAME, MAX_WIDTH, 20.0,
                         lambda line: logs.append(("warning", line)),
                         lambda line: logs.append(("info", line)))
    return goals, logs


@pytest.mark.parametrize("at_once", [True, False], ids=["answered_now", "answered_later"])
def test_a_taken_cancel_says_the_hand_stops_once_per_cancel(at_once):
    server = CancelServer(0, at_once)
    goals, logs = cancel_goals(server)
    goals.send(1.0)
    goals.send(0.0)  # two goals running: one line
    logs.clear()
    assert goals.cancel() == 2 and server.cancels == 2
    if not at_once:
        assert logs == [], "nothing said before the answer"
        server.answer_cancels()
    said = [line for _, line in logs if "stops where it is" in line]
    assert len(said) == 1 and NAME in said[0], logs


@pytest.mark.parametrize("code, warned", [(1, True), (2, False), (3, False), (None, True)],
                         ids=["rejected", "unknown_goal", "terminated", "no_answer"])
def test_each_cancel_answer_is_read(code, warned):
    server = CancelServer(code)
    goals, logs = cancel_goals(server)
    goals.send(1.0)
    logs.clear()
    goals.cancel()
    assert not any("stops where it is" in line for _, line in logs), logs
    warnings = [line for level, line in logs if level == "warning"]
    assert bool(warnings) == warned, logs
    if warned:
        assert NAME in warnings[0] and "may still move" in warnings[0], warnings


def test_a_goal_gone_with_its_server_is_still_canceled_quietly_in_case_it_runs():
    """A glitch of discovery, not a crash: the goal still runs; the cancel goes, uncounted."""
    server = CancelServer(0)
    goals, logs = cancel_goals(server)
    delivery = goals.send(1.0)
    server.ready = False
    assert not delivery.needs_resend() and delivery.state == "lost"
    server.ready = True
    logs.clear()
    assert goals.cancel() == 0 and server.cancels == 1
    assert any("stops where it is" in line for _, line in logs), "taken: it was running"


def test_a_goal_gone_with_its_server_whose_cancel_gets_no_answer_says_nothing():
    server = CancelServer(None)
    goals, logs = cancel_goals(server)
    goals.send(1.0)
    server.ready = False
    goals.problem()  # the diagnostics timer finds the server gone
    server.ready = True
    logs.clear()
    assert goals.cancel() == 0 and logs == [], logs


# -- the node's /diagnostics back to OK ------------------------------------------------------
pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from diagnostics_rig import OK, commanding  # noqa: E402
from planner_harness import checkpoint, harness  # noqa: E402, F401

ERROR = b"\x02"  # diagnostic_msgs/DiagnosticStatus.ERROR


def test_diagnostics_after_a_failure_stay_error_until_enable_commands_again(harness):  # noqa: F811
    h = harness()
    commanding(h)
    step = h.session.stream_step

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    h.session.stream_step = broken
    assert h.pump(3.0, until=lambda: not h.session.enabled), "setup: still enabled"
    h.session.stream_step = step
    h.got["diag"].clear()
    assert h.pump(3.0, until=lambda: h.got["diag"] and h.diagnostics()[0].level == ERROR)
    h.enable(False)  # a disable mends nothing
    h.got["diag"].clear()
    h.pump(1.5)
    status, values = h.diagnostics()
    assert status.level == ERROR and values["refusal_kind"] == "internal_error", status.message
    assert h.enable().success
    h.got["diag"].clear()
    assert h.pump(3.0, until=lambda: h.got["diag"] and h.diagnostics()[0].level == OK), (
        h.diagnostics()[0].message)
    assert h.diagnostics()[1]["refusal_kind"] == ""


def test_goals_log_at_every_severity_through_one_rclpy_logger():
    """The node passes its rclpy logger's methods: a warning, then info, then debug lines.

    rclpy keys each log call by its caller's line and raises ValueError ("Logger severity
    cannot be changed between calls") when one line logs at a second severity: the "no server"
    warning then the "answers" info line failed the planning step that sent the goal
    (commanding disabled). Each line must reach the logger.
    """
    from rclpy.logging import get_logger
    from test_gripper_goals import Client

    logger = get_logger("fix58g_gripper_goals")
    client = Client(ready=False)
    goals = GripperGoals(client, Goal, NAME, MAX_WIDTH, 20.0, logger.warning, logger.info,
                         debug=logger.debug)
    assert not goals.send(1.0)  # the "no server" warning
    client.ready = True
    assert goals.send(1.0)  # the "answers" info line
    goals._say("debug", "a debug line")
    goals._say("warning", "a second warning")

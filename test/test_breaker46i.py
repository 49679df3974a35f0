"""breaker46i: fix46c's refactors (robot/input_flaps.py, robot/awaited_goals.py) under attack.

A differential harness (kept in /tmp, not committed) drove the parent's RefusalLog and
GripperGoals (1e220ff1) and the new ones (698bdced, 7b2e6165) with the same seeded random and
adversarial event sequences: a clock that goes back, equal timestamps, jumps of 1e6 s, two inputs
judged in antiphase, forget() mid-episode, holds moving between inputs; for the gripper, answers
after a timeout, duplicate answers, answers for goals never sent, sends that raise, a server
that goes and comes back. It compared every return value, every logged line and the whole
state after each event: 1000 refusal-log runs (400 events each) and 500 gripper runs (300
events each) agree, except one difference:

- defect (new only): ``RefusalLog.refused`` hands an input's judgement to
  ``InputFlaps.judge(now, topic, detail or cause)``; with an empty cause and detail that
  judgement reads "fine", no episode begins, and ``InputFlaps.says`` raises KeyError under
  the session's lock. The parent began the episode and logged the line.

Read as a maintainer, two documented rules are not the ones enforced (the parent behaves the
same: not regressions of the refactor, but its rule lists now state them explicitly), and one
claim is false:

- defect: a goal dropped as overdue and later *rejected* still counts as "a newer goal that
  went out and was not rejected", so an older goal's abort is silenced (awaited_goals rule 4).
- defect: ``RefusalLog.forget(kind)`` ("log the next refusal of kind at once ... the causes
  they said are due again") misses a cause ``kind`` said in an input's episode when another
  hold spoke about that input afterwards (``Episode.holder`` keeps only the latest holder).
- defect (low): input_flaps says "Every set is bounded (MAX_CAUSES)"; ``ongoing`` (and
  ``flaps`` once every input flaps) grows with each distinct topic.

Fixed by fix46j (the strict xfails removed): an empty reason is ``refusal.NO_REASON``, never
"fine"; only a goal accepted or not yet judged (overdue or not) supersedes; each cause keeps every
hold that spoke of it; ``ongoing`` and ``flaps`` are bounded (the input idle longest goes).

Held up (pins): the clock going back restarts the steady and summary clocks; equal timestamps
count as flaps; two inputs in antiphase keep their own episodes; 100 000 flaps of one input
keep a few entries; AwaitedGoals' lock is never held while calling out (no deadlock with the
session lock that wraps send) and a send racing the answers and the overdue timer on other
threads leaves nothing awaited; an answer after a timeout ends the outage in one line;
duplicate answers and answers for unknown goals raise nothing.
"""

from __future__ import annotations

import threading
import types

from hand_rigs import Future  # rclpy's: callbacks run on the setter

from vjepa_ros.robot.awaited_goals import STATUS_ABORTED, AwaitedGoals
from vjepa_ros.robot.gripper_goals import GripperGoals
from vjepa_ros.robot.input_flaps import FLAP_STARTS, MAX_CAUSES, STEADY_S, SUMMARY_S, InputFlaps
from vjepa_ros.robot.refusal import RefusalKind
from vjepa_ros.robot.refusal_log import RefusalLog

NAME = "/fr3_gripper/gripper_action"
SUCCEEDED = 4


def _log():
    now = [100.0]
    return RefusalLog(lambda: now[0]), now


def _flap(flaps: InputFlaps, topic: str, start: float, times: int, step: float = 1.0) -> float:
    """Judge ``topic`` refused then fine ``times`` times from ``start``; return the last time."""
    t = start
    for _ in range(times):
        flaps.judge(t, topic, "stale 1")
        flaps.judge(t, topic, "")
        t += step
    return t


# --- defects ------------------------------------------------------------------------------

def test_a_refusal_with_an_empty_cause_naming_an_input_is_logged_not_a_keyerror():
    """Input: about("", "/camera", "") then refused(STALE_INPUTS, "").

    What happened: refused() judges the input with ``detail or cause`` == "", which InputFlaps
    reads as "fine": no episode begins, then ``InputFlaps.says`` looks the episode up and
    raises KeyError('/camera') (inside the session lock: ``MPCSession.reject_state("")`` goes
    this way). Should: as in 1e220ff1, begin the input's episode and return True (the line
    is logged).
    """
    log, _ = _log()
    log.about("", "/camera", "")
    assert log.refused(RefusalKind.STALE_INPUTS, "") is True
    assert "/camera" in log.inputs.ongoing


def test_a_rejected_late_goal_does_not_silence_an_older_goals_abort():
    """Input: goal 1 accepted; goal 2 sent, overdue unaccepted, then rejected; goal 1 aborted.

    What happened: overdue() keeps goal 2 as ``newest_forgotten``; its rejection later takes it
    out of ``unjudged`` but not out of ``newest_forgotten``, so finished(1, ABORTED) reads goal
    1 as superseded and says nothing (failed stays at the one rejection). Should: rule 4 of
    awaited_goals ("a failure unless a newer goal went out and was not rejected") and its rule 3
    ("a rejection preempts nothing"): goal 2 was rejected, so goal 1's abort is a warning
    (the hand did not do goal 1 and nothing newer replaced it). The parent behaves the same.
    """
    goals = AwaitedGoals(NAME, 2.0)
    one = goals.sending()
    goals.went_out(one, 1.0, 0.0)
    goals.accepted(one, 1.0, 0.1)
    two = goals.sending()
    goals.went_out(two, 0.0, 1.0)
    numbers, warning = goals.overdue(3.5)  # goal 2 unaccepted 2.5 s on (goal 1 is too: late)
    assert two in numbers and warning
    goals.rejected(two, 0.0, 1.0, 4.0)
    said = goals.finished(one, 1.0, 0.0, 4.5, STATUS_ABORTED).said
    assert said is not None and said[0] == "warning" and "aborted" in said[1], said


def test_forget_makes_every_cause_its_kind_said_due_again():
    """Input: one /state episode said by two holds, forget() the first, its refusal again.

    /state stale said by STALE_INPUTS, then NaN said by INVALID_STATE in the same episode of
    /state; forget(STALE_INPUTS) (enabling after a shadow-mode refusal); the stale refusal again.

    What happened: the episode's ``holder`` is INVALID_STATE (the latest to speak), so
    ``InputFlaps.forget(STALE_INPUTS)`` clears nothing and refused(STALE_INPUTS, "stale #")
    returns False: after enabling, the arm holds on a stale state with no line. Should: per
    ``RefusalLog.forget``'s docstring ("log the next refusal of kind at once ... the causes
    they said are due again") return True. The parent behaves the same.
    """
    log, now = _log()
    log.judged(now[0], {"/state": "stale 3"})
    log.about("stale #", "/state", "stale 3")
    assert log.refused(RefusalKind.STALE_INPUTS, "stale #")
    log.about("nan", "/state", "nan")
    assert log.refused(RefusalKind.INVALID_STATE, "nan")
    now[0] += 20.0  # past the relapse rule
    log.forget(RefusalKind.STALE_INPUTS)
    assert log.refused(RefusalKind.STALE_INPUTS, "stale #") is True


def test_every_set_of_input_flaps_is_bounded_as_documented():
    """Input: 4 * MAX_CAUSES distinct topics judged refused.

    What happened: ``InputFlaps.ongoing`` keeps one episode per topic, 1024 entries (``flaps``
    is pruned only to the flapping ones, which are never dropped either). Should: the module
    docstring says "Every set is bounded (MAX_CAUSES)": either bound it or say that ``ongoing``
    and the flapping inputs are bounded by the inputs there are (low severity: the node has two).
    """
    flaps = InputFlaps()
    for index in range(4 * MAX_CAUSES):
        flaps.judge(float(index), f"/topic_{index}", "stale 1")
    assert len(flaps.ongoing) <= MAX_CAUSES and len(flaps.flaps) <= MAX_CAUSES


# --- pins: what held up --------------------------------------------------------------------

def test_equal_timestamps_count_as_flaps():
    """FLAP_STARTS + 1 episodes at one instant: the last is a flap (counted, summary due)."""
    flaps = InputFlaps()
    for _ in range(FLAP_STARTS + 1):
        flaps.judge(5.0, "/camera", "stale 1")
        flaps.judge(5.0, "/camera", "")
    assert flaps.flaps["/camera"].flapping
    lines, left = flaps.due(5.0)
    assert len(lines) == 1 and "refused 4 times, recovered 4 times" in lines[0][1] and not left


def test_a_clock_going_back_restarts_the_steady_and_summary_clocks():
    """A flapping input, then the clock 1000 s back: no "steady" at once, summary clock reset."""
    flaps = InputFlaps()
    t = _flap(flaps, "/camera", 1000.0, FLAP_STARTS + 1)
    assert flaps.due(t)[0]  # the first summary
    assert flaps.due(0.0) == ([], [])  # back: neither steady nor a summary
    flaps.judge(1.0, "/camera", "stale 2")
    assert flaps.due(SUMMARY_S - 0.5)[0] == []  # at most one per SUMMARY_S from the reset (0)
    lines, _ = flaps.due(SUMMARY_S)
    assert len(lines) == 1 and "last reason: stale 2" in lines[0][1]


def test_two_inputs_in_antiphase_keep_their_own_episodes():
    """Camera refused while state fine and the reverse, 200 times: each flaps on its own."""
    log, now = _log()
    for index in range(200):
        now[0] += 1.0
        log.judged(now[0], {"/camera": "stale 1" if index % 2 else "",
                            "/state": "" if index % 2 else "x"})
    assert set(log.inputs.flaps) == {"/camera", "/state"}
    assert all(f.flapping for f in log.inputs.flaps.values()) and len(log.inputs.ongoing) == 1
    lines = log.notes()
    assert sorted(line.split(":")[0] for _, line in lines) == ["/camera", "/state"]


def test_a_hundred_thousand_flaps_keep_a_few_entries():
    """One input flapping 100 000 times with ever new causes: every record stays small."""
    log, now = _log()
    for index in range(100_000):
        now[0] += 0.5
        cause = f"cause {index % 5000}"
        log.about(cause, "/camera", cause)
        log.refused(RefusalKind.STALE_INPUTS, cause)
        log.judged(now[0], {"/camera": ""})
        log.all_clear()
        if index % 100 == 0:
            log.notes()
    flap = log.inputs.flaps["/camera"]
    assert len(flap.starts) <= FLAP_STARTS and len(flap.causes) <= MAX_CAUSES
    assert len(log.logged_at) <= MAX_CAUSES and len(log.names) <= MAX_CAUSES


def test_a_long_hold_after_flapping_leaves_its_holder_to_say_the_end():
    """A flapping input refused without a break STEADY_S: warning, and its hold's end is due."""
    log, now = _log()
    for _ in range(FLAP_STARTS + 1):
        now[0] += 1.0
        log.judged(now[0], {"/camera": "stale 1"})
        log.judged(now[0], {"/camera": ""})
    log.judged(now[0], {"/camera": "stale 1"})
    log.about("stale #", "/camera", "stale 1")
    log.refused(RefusalKind.STALE_INPUTS, "stale #")  # a flapping input's said-before cause
    log.notes()
    now[0] += STEADY_S
    lines = log.notes()
    assert [level for level, _ in lines] == ["warning"] and "without a break" in lines[0][1]
    assert log.cleared(RefusalKind.STALE_INPUTS) is True


class _Client:
    def __init__(self):
        self.futures = []

    def server_is_ready(self):
        return True

    def send_goal_async(self, goal):
        self.futures.append(Future())
        return self.futures[-1]


class _Goal:
    def __init__(self):
        self.command = types.SimpleNamespace(position=None, max_effort=None)


def _gripper(timeout: float = 2.0):
    lines, now = [], [0.0]
    client = _Client()
    goals = GripperGoals(client, _Goal, NAME, 0.08, 20.0, lambda s: lines.append(("w", s)),
                         lambda s: lines.append(("i", s)), timeout, lambda: now[0])
    return goals, client, lines, now


def _accept(future, status=SUCCEEDED):
    result = Future()
    future.finish(types.SimpleNamespace(accepted=True, get_result_async=lambda: result))
    result.finish(types.SimpleNamespace(status=status))


def test_an_answer_after_the_timeout_ends_the_outage_in_one_line():
    """A goal unanswered past the timeout: one warning; its late result: one line, counted."""
    goals, client, lines, now = _gripper()
    goals.send(1.0)
    now[0] = 3.0
    assert goals.overdue() == [1] and [level for level, _ in lines] == ["w"]
    now[0] = 7.5
    _accept(client.futures[0])
    assert lines[-1][0] == "i" and "7.5 s after that goal was sent (1 goal went" in lines[-1][1]
    assert goals.answers.unanswered_now == 0 and goals.answers.awaiting == {}


def test_duplicate_answers_and_answers_for_unknown_goals_raise_nothing():
    """A future's callbacks called twice, and answers numbered past any goal sent: no raise."""
    goals, client, lines, _ = _gripper()
    goals.send(1.0)
    _accept(client.futures[0])
    for callback in client.futures[0].callbacks:
        callback(client.futures[0])
    goals.answers.rejected(999, 0.0, 0.0, 1.0)
    goals.answers.finished(998, 0.0, 0.0, 1.0, STATUS_ABORTED)
    assert goals.answers.awaiting == {} and goals.answers.late == set()


def test_sends_racing_the_answers_and_the_timer_leave_nothing_awaited():
    """Sends on one thread (under an outer lock, as the session's), answers and overdue on two.

    AwaitedGoals never calls out under its lock, so the outer lock cannot deadlock with it;
    every goal answered with a result leaves nothing awaited or unjudged.
    """
    goals, client, _, _ = _gripper(timeout=1e9)
    session_lock, sent, stop = threading.Lock(), [], threading.Event()

    def sender():
        for index in range(2000):
            with session_lock:
                goals.send(index % 2)
                sent.append(client.futures[-1])
        stop.set()

    def answerer():
        answered = 0
        while not (stop.is_set() and answered == len(sent)):
            if answered < len(sent):
                _accept(sent[answered])
                answered += 1

    def timer():
        while not stop.is_set():
            goals.overdue()

    threads = [threading.Thread(target=job, daemon=True) for job in (sender, answerer, timer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "deadlocked"
    answers = goals.answers
    assert answers.awaiting == {} and answers.unjudged == set() and answers.newest_accepted == 2000
    assert goals.answers.failed == 0

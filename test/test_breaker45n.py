"""Breaker45n: flap rules round 2 and the gripper outage rule (fix45m).

Commits: 1c1ee8e6 (GripperGoals: one warning per outage) and d3a33325 (RefusalLog: new reasons
said at once, summaries after a clock jump back, ``RefusalLog.moved``), 02ce5aba (yaml comment).

Attacked: ``robot/refusal_log.py`` through the session (``_session`` of test_refusal_flaps: 10 Hz
ticks, camera at 1 Hz under a 0.5 s age limit), ``input_episodes._note_input_hold`` and the
stream's held branch (``_held_reason_moved``); ``GripperGoals`` with stand-in clients
(control_msgs is not installed here).

Defects (strict xfails until fix45p, now plain tests): a dead state publisher beside a flapping
camera is summarised as "/joint_states: refused 60 times, recovered 60 times" each minute for
as long as it is dead
(the hold moving camera -> state -> camera counts a recovery of the state that never came),
never "refused without a break"; a camera that goes stale and comes back with frames of an
unusable size is never said to send them (the hold's reason changes on the same input while
its kind is active: the log's last word is "camera image is stale" while frames arrive at
10 Hz); a gripper server that disappears with a goal pending gives two warnings for the one
outage ("no GripperCommand action server" and, 10 s later, "no result ... the driver may have
hung or died").

Held up (pins): reasons whose values change every tick (an age) are one cause, never a flood; a
flapping camera alternating stale / undersized frames says each reason once, then counts them;
a hold moving camera <-> state every tick stays a few lines;
"inputs and plan fine again" is said once per episode when the hold moved between state and
camera; an outage ended by a rejection, an abort or a cancel is one line; a late result of a goal
already dropped as superseded says nothing; timeout 0 keeps nothing and says nothing; a goal
accepted 9 s after its send and answered at 12 s (timeout 10 s) is not warned: the documented
rule times the result from the acceptance.
"""

import types

import numpy as np
import pytest
from deferred_server import Deferred, _finish
from test_gripper_goals import SUCCEEDED, Future, HungClient, make_timed
from test_refusal_flaps import TOPIC, _run, _session
from test_robot_mpc import START, frame, tiny_world_model

from vjepa_ros.robot.gripper_goals import STATUS_ABORTED, STATUS_CANCELED

SMALL = np.zeros((8, 8, 3), np.uint8)  # a frame of an unusable size


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def _said(lines):
    """Return the lines of the log, less the slow-camera note."""
    return [m for _, _, m in lines if "arrive every" not in m]


def _small(session, clock, ticks):
    """Tick ``ticks`` times at 10 Hz, each with an 8x8 px frame and a fresh state."""
    for _ in range(ticks):
        clock.now += 0.1
        session.observe_image(SMALL, clock.now)
        session.observe_state(START, clock.now)
        session.plan_step()
        session.stream_step()


# --- flap rules -------------------------------------------------------------------------------

def test_a_dead_state_beside_a_flapping_camera_is_not_said_to_recover(model):
    """Say a state publisher that died as refused without a break, not as flapping.

    Input: the state publisher stops for good; the camera comes at 1 Hz under a 0.5 s limit
    (stale, fine, stale ...), 10 Hz ticks for 250 s. The checks name the camera first, so the
    hold moves camera -> state -> camera every second.
    Happened: each minute "/joint_states: refused 60 times, recovered 60 times in the last 60 s;
    last reason: robot state is stale: 183.00 s old" (``moved`` counts an end of the state's
    episode each time the camera takes the hold); no line ever says the state never came back.
    Should: the state is not said to recover while no state came (no "recovered N" > 0 for it),
    or a "refused without a break" warning once it has been dead STEADY_S.
    """
    session, clock, lines = _session(model)
    session.state_topic = lambda: "/joint_states"
    for tick in range(1, 2501):
        clock.now += 0.1
        if tick % 10 == 0:
            session.observe_image(frame(tick), clock.now)
        session.plan_step()
        session.stream_step()
    state = [m for m in _said(lines) if m.startswith("/joint_states: ")]
    assert any("without a break" in m for m in state) or not any(
        "recovered" in m and "recovered 0 " not in m for m in state), state


def test_a_stale_camera_back_with_undersized_frames_is_said(model):
    """Say it when a stale camera comes back with frames of an unusable size.

    Input: camera at 10 Hz, stops 2 s (logged: "not commanding: camera image is stale"), then
    sends 8x8 px frames at 10 Hz for 30 s, states fine all along (not a flapping input).
    Happened: no line for 30 s; the log's last word is "camera image is stale" while frames
    arrive at 10 Hz and /diagnostics says "8x8 px, smaller than 32 px"; the only mention is the
    "fine again (was: ... 8x8 px ...)" line once good frames come.
    Should: the new reason on the same input is logged when it takes the hold, as a new reason
    on a flapping input is since fix45m (a user must see why the arm holds now).
    """
    session, clock, lines = _session(model)
    _run(session, clock, 2, camera_every=1)
    _run(session, clock, 2, camera_every=0)
    assert _said(lines)[0].startswith("not commanding: camera image is stale")
    _small(session, clock, 300)
    assert "smaller than 32 px" in session.status()["values"]["refusal"]
    assert any("smaller than 32 px" in m for m in _said(lines)), _said(lines)


def test_an_age_in_the_reason_is_one_cause_not_a_flood(model):
    """A camera stale for 30 s (its age grows each tick) is one line, then one when it ends."""
    session, clock, lines = _session(model)
    _run(session, clock, 30, camera_every=0)
    _run(session, clock, 5, camera_every=1)
    said = _said(lines)
    assert len(said) == 2, said
    assert said[0].startswith("not commanding: camera image is stale")
    assert said[1].startswith("inputs and plan fine again")


def test_a_flapping_camera_alternating_two_reasons_says_each_once(model):
    """Stale, then undersized, then stale ... on a flapping camera: each reason once, then counted.

    Every 2 s the camera is stale for ~1 s, then sends one 8x8 frame (alternately), then good
    frames; 120 s. Each reason is logged once at most, the rest counted in <= 3 summaries.
    """
    session, clock, lines = _session(model)
    for second in range(60):
        _run(session, clock, 1, camera_every=0)  # stale
        if second % 2:
            _small(session, clock, 1)
        _run(session, clock, 1, camera_every=1)
    said = _said(lines)
    stale = [m for m in said if m.startswith("not commanding: camera image is stale")]
    small = [m for m in said if m.startswith("camera frame refused") and "8x8" in m]
    summaries = [m for m in said if m.startswith(f"{TOPIC}: refused ")]
    assert len(stale) == 1 and len(small) <= 1, said
    assert 1 <= len(summaries) <= 3 and len(said) <= 10, said


def test_the_fine_again_line_is_said_once_when_the_hold_moved_between_inputs(model):
    """State stale, then the camera too, then both fine: one "fine again" line, /diagnostics ""."""
    session, clock, lines = _session(model)
    session.state_topic = lambda: "/joint_states"
    for tick in range(1, 31):  # states stop, camera fine for 1 s, then stops too for 2 s
        clock.now += 0.1
        if tick <= 10:
            session.observe_image(frame(tick), clock.now)
        session.plan_step()
        session.stream_step()
    _run(session, clock, 5, camera_every=1)
    said = _said(lines)
    assert sum(m.startswith("inputs and plan fine again") for m in said) == 1, said
    assert any("robot state is stale" in m for m in said), said
    assert any("camera image is stale" in m for m in said), said
    assert session.status()["values"]["refusal"] == ""


def test_a_hold_moving_between_two_inputs_every_tick_is_no_flood(model):
    """The hold moves camera <-> state at each 10 Hz tick for 130 s: a few lines, not ~1300.

    The state publisher is dead; camera frames come at 10 Hz stamped 0.45 s and 0.55 s old in
    turn (limit 0.5 s), so the checks name the camera, then the state, then the camera ...
    """
    session, clock, lines = _session(model)
    session.state_topic = lambda: "/joint_states"
    for tick in range(1, 1301):
        clock.now += 0.1
        session.observe_image(frame(tick), clock.now - (0.55 if tick % 2 else 0.45))
        session.plan_step()
        session.stream_step()
    said = _said(lines)
    assert any("robot state is stale" in m for m in said), said
    assert any("camera image is stale" in m or m.startswith(TOPIC) for m in said), said
    assert len(said) <= 10, said


# --- gripper outages --------------------------------------------------------------------------


def test_a_server_gone_with_a_goal_pending_is_one_warning():
    """Say a gripper server that disappeared in one warning, its pending goal with it.

    Input: a goal accepted at t=100 (no result yet), the driver dies at t=101 (its action
    server is no longer discovered); a goal a second is sent, the timer asks each second, 30 s.
    Happened: "no GripperCommand action server at ..." at t=101, then at t=110 "no result from
    ... for the gripper goal ... the driver may have hung or died; ...; later goals without an
    answer are counted until it answers": two warnings (and later two "answers" lines) for the
    one problem, the second "check the hand and its driver" while the first already said it is
    not running.
    Should: one warning per outage (the pending goal counted into the server's outage).
    """
    client = HungClient()
    goals, lines, clock = make_timed(client)
    assert goals.send(1.0)
    client.ready = False  # from t=101 on
    for second in range(30):
        clock.now += 1.0
        goals.send(float(second % 2))
        goals.overdue()
    assert [kind for kind, _ in lines].count("warn") == 1, lines


@pytest.mark.parametrize("end", ["rejected", STATUS_ABORTED, STATUS_CANCELED, SUCCEEDED])
def test_an_outage_ends_in_one_line_however_the_driver_answers(end):
    """Goals 1-4 overdue (one warning), goal 6 rejected / aborted / canceled / done: 1 line."""
    client = Deferred()
    goals, lines, clock = make_timed(client)
    for _ in range(6):
        assert goals.send(1.0)
        clock.now += 4.0
        goals.overdue()
    assert len(lines) == 1 and "has not accepted" in lines[0][1], lines
    if end == "rejected":
        client.accept(5, accepted=False)
    else:
        _finish(client.accept(5), end)
    assert len(lines) == 2, lines
    assert "answers again" in lines[1][1] and "4 goals went unanswered" in lines[1][1], lines
    assert lines[1][0] == ("info" if end == SUCCEEDED else "warn"), lines
    clock.now += 60.0
    assert goals.overdue() == [] and len(lines) == 2


def test_a_late_result_of_a_superseded_goal_says_nothing():
    """Goal 1 pending when goal 2 is done: dropped; its result 30 s later says nothing."""
    client = Deferred()
    goals, lines, clock = make_timed(client)
    goals.send(1.0)
    first = client.accept(0)
    goals.send(0.0)
    clock.now += 1.0
    _finish(client.accept(1))
    clock.now += 30.0
    assert goals.overdue() == []
    _finish(first, STATUS_CANCELED)
    assert lines == []


def test_a_goal_accepted_late_is_timed_again_from_its_acceptance():
    """Sent at 100, accepted at 109, done at 112 with a 10 s timeout: not warned (the rule)."""
    client = Deferred()
    goals, lines, clock = make_timed(client)
    goals.send(1.0)
    clock.now += 9.0
    goals.overdue()
    result = client.accept(0)
    clock.now += 1.0
    assert goals.overdue() == []
    clock.now += 2.0
    _finish(result)
    assert lines == []


def test_timeout_zero_keeps_nothing_and_says_nothing():
    client = HungClient()
    goals, lines, clock = make_timed(client, timeout_s=0.0)
    for _ in range(50):
        goals.send(1.0)
        clock.now += 100.0
        assert goals.overdue() == []
    client.answer(0, STATUS_ABORTED)  # superseded: no line
    assert goals.answers.awaiting == {} and lines == []


def test_a_rejection_alone_is_one_warning_and_no_outage():
    goals, lines, clock = make_timed(types.SimpleNamespace(
        server_is_ready=lambda: True,
        send_goal_async=lambda goal: Future(types.SimpleNamespace(accepted=False))))
    goals.send(1.0)
    clock.now += 60.0
    assert goals.overdue() == [] and len(lines) == 1 and "rejected" in lines[0][1]
    assert "answers again" not in lines[0][1]

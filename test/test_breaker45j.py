"""Breaker45j: flap summaries, gripper result timeout, capture order (today's fixes).

Commits: a9267fb8 and e979d160, c39682ca, 931278dc.

Attacked: ``robot/refusal_log.py``'s per-input flap summaries, ``GripperGoals.overdue`` with
``control.gripper_result_timeout_s`` (stand-in clients: control_msgs is not installed here), and
``InputChecks._first_input_blocker`` shared by the planning loop and the capture services.

Defects (strict xfails): a flapping camera that starts sending another kind of bad frame has its
new reason counted into the next summary, not logged (nothing in the log for up to a minute while
the arm holds for a new reason); after the session clock jumps back (a bag replayed in a loop
with use_sim_time) a flapping input is never summarised again until the clock passes the old
time; a gripper driver that hangs while goals keep coming gives one warning per goal (a flood, one
a plan with continuous control); a result that comes after the "no result" warning is not said,
so the warning "the driver may have hung or died" stands for a driver that answered; a goal the
server never even accepts (its executor hung) is never said; two inputs refused in turn in
one episode (the state, then the camera, every second) are logged as the first one only.

Held up (pins): the capture services name the same input as the loop for every pair of bad inputs
(NaN / stale / future state, stale / undersized camera frame, a bag player while enabled); a state
that goes stale after a camera flap is logged at once and the camera's later lines do not claim it
is refused; a late abort after the warning is still said; a result just before the timeout is not
warned; each overdue warning names its own server.
"""

import itertools
import types

import numpy as np
import pytest
from test_gripper_goals import SUCCEEDED, Client, Goal, HungClient
from test_refusal_flaps import TOPIC, _run, _session
from test_robot_mpc import START, frame, make_session, tiny_world_model

from vjepa_ros.robot.goals import SubGoal
from vjepa_ros.robot.gripper_goals import STATUS_ABORTED, GripperGoals
from vjepa_ros.robot.refusal import RefusalKind
from vjepa_ros.robot.refusal_log import SUMMARY_S, RefusalLog

SMALL = np.zeros((8, 8, 3), np.uint8)  # a frame of an unusable size
NAN_STATE = "unusable joint state: arm joint positions contain NaN or inf"
BAG = "inputs from a bag player (/rosbag2_player) while commanding is enabled"


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


# --- flap summaries ---------------------------------------------------------------------------

def test_a_new_reason_on_a_flapping_camera_is_logged_at_once(model):
    """Log a new reason on a flapping camera at once.

    Input: a 1 Hz camera flaps on "stale" for 10 s, then sends 8x8 px frames at 10 Hz for 3 s.

    Happened: nothing logged in those 3 s (the new refusal is counted into the next minute's
    summary of /camera/image_raw) while /diagnostics names the small frame and the arm holds.
    Should: the first refusal of a new reason is logged at once, as the first refusal is.
    """
    session, clock, lines = _session(model)
    _run(session, clock, 10)
    assert any(m.startswith(f"{TOPIC}: refused ") for _, _, m in lines), "it flaps"
    lines.clear()
    for _ in range(30):
        clock.now += 0.1
        session.observe_image(SMALL, clock.now)
        session.observe_state(START, clock.now)
        session.plan_step()
        session.stream_step()
    assert "smaller than 32 px" in session.status()["values"]["refusal"]
    assert any("smaller than 32 px" in m for _, _, m in lines), lines


def _flap(log, clock, seconds):
    """One 1 s refusal of the camera every 2 s for ``seconds``; return the notes said."""
    said = []
    for _ in range(int(seconds / 2)):
        log.refused(RefusalKind.STALE_INPUTS, "camera image is stale")
        clock.now += 1.0
        said += log.notes()
        log.all_clear()
        clock.now += 1.0
        said += log.notes()
    return said


def test_a_flapping_input_is_still_summarised_after_the_clock_jumps_back():
    """Say a flapping input again after the session clock jumps back.

    Input: a camera flapping (1 s refused every 2 s), the clock then jumps back 300 s (a bag
    replayed with --loop under use_sim_time) and the flapping goes on for 200 s.

    Happened: no line at all in those 200 s (``summarised`` lies in the future, so
    ``now - summarised >= SUMMARY_S`` waits for the clock to pass the old time + 60 s).
    Should: a summary at least each SUMMARY_S of the new clock (as ``notes`` already restarts
    its steady count on a jump back).
    """
    clock = types.SimpleNamespace(now=1000.0)
    log = RefusalLog(lambda: clock.now)
    log.about("camera image is stale", TOPIC, "camera image is stale: 0.6 s old")
    assert len(_flap(log, clock, 120)) == 2
    clock.now = 700.0
    said = _flap(log, clock, 200)
    assert len(said) >= int(200 / SUMMARY_S) - 1, said


def test_two_inputs_flapping_in_turn_are_both_in_the_log(model):
    """Name each input of a flap that two inputs share.

    Input: 130 s at 10 Hz ticks; states miss ticks 1-4 of each second (stale at 3-4), the
    camera comes at 1 Hz (stale from tick 5 on): every second the state is refused, then the
    camera, in one refusal episode of the kind STALE_INPUTS; /diagnostics shows both.
    Happened: the log names /joint_states only (its first refusal, then its summaries, "last
    reason: robot state is stale"); the camera, refused half of the time, is in no line, so a
    user fixes the state publisher and only then learns of the camera.
    Should: the camera is named in the log too (its first refusal, or in the summary).
    """
    session, clock, lines = _session(model)
    session.state_topic = lambda: "/joint_states"
    statuses = set()
    for tick in range(1, 1301):
        clock.now += 0.1
        if tick % 10 == 0:
            session.observe_image(frame(tick), clock.now)
        if tick % 10 not in (1, 2, 3, 4):
            session.observe_state(START, clock.now)
        session.plan_step()
        session.stream_step()
        statuses.add(session.status()["values"]["refusal"].split(":")[0])
    assert {"camera image is stale", "robot state is stale"} <= statuses, statuses
    said = [m for _, _, m in lines if "arrive every" not in m]
    assert any(m.startswith("/joint_states: refused ") for m in said), said
    assert any("camera image is stale" in m or m.startswith(TOPIC) for m in said), said


def test_a_state_stale_after_a_camera_flap_is_logged_and_the_camera_not_blamed(model):
    """Log a state gone stale after a camera flap at once, without blaming the camera.

    The camera flaps, goes stale, then comes at 10 Hz while the state stops: no line says
    the camera is refused without a break.
    """
    session, clock, lines = _session(model)
    session.state_topic = lambda: "/joint_states"
    _run(session, clock, 10)
    for _ in range(8):  # the camera stale, states flowing
        clock.now += 0.1
        session.observe_state(START, clock.now)
        session.plan_step()
        session.stream_step()
    lines.clear()
    for tick in range(1, 700):  # camera fine, no state
        clock.now += 0.1
        session.observe_image(frame(tick), clock.now)
        session.plan_step()
        session.stream_step()
    said = [m for _, _, m in lines]
    assert said[0].startswith("not commanding: robot state is stale"), said
    assert not any("without a break" in m for m in said), said
    assert said[-1].startswith(f"{TOPIC}: steady again"), said


# --- gripper result timeout -------------------------------------------------------------------

def _timed(client, name="/fr3_gripper/gripper_action", timeout_s=10.0):
    lines, clock = [], types.SimpleNamespace(now=100.0)
    goals = GripperGoals(client, Goal, name, 0.08, 20.0,
                         lambda text: lines.append(("warn", text)),
                         lambda text: lines.append(("info", text)), timeout_s,
                         clock=lambda: clock.now)
    return goals, lines, clock


def test_a_hung_driver_with_goals_still_coming_is_not_a_flood():
    """Say a hung driver in a few lines while goals keep coming.

    Input: the driver accepts goals then hangs; continuous control sends a goal every second
    (closedness alternating, as re-plans do) for 2 min; the node's timer asks each second.

    Happened: one warning per goal, ~110 lines (each "the driver may have hung or died").
    Should: a few lines per outage (as "no server" is said once per outage), with a count.
    """
    goals, lines, clock = _timed(HungClient())
    for second in range(120):
        goals.send(float(second % 2))
        clock.now += 1.0
        goals.overdue()
    assert len(lines) <= 3, len(lines)


def test_a_result_after_the_no_result_warning_is_said():
    """Say a result that comes after the no-result warning.

    Input: a goal accepted, its result (succeeded) comes 10.5 s later with a 10 s timeout.

    Happened: the warning "no result ... the driver may have hung or died; check the hand" at
    10 s, then nothing: the log says the driver hung when it answered.
    Should: one line when the late result comes, naming the server (the hand did move).
    """
    client = HungClient()
    goals, lines, clock = _timed(client)
    goals.send(1.0)
    clock.now += 10.0
    assert goals.overdue() == [1] and len(lines) == 1
    clock.now += 0.5
    client.answer(0, SUCCEEDED)
    assert len(lines) == 2 and "/fr3_gripper/gripper_action" in lines[1][1], lines


class NeverAccepts(Client):
    """A server that is ready but never answers the goal request (its executor hung)."""

    def send_goal_async(self, goal):
        self.goals.append(goal)
        return types.SimpleNamespace(add_done_callback=lambda callback: None)


def test_a_goal_the_server_never_accepts_is_said():
    """Say a goal the server never accepts.

    Input: server_is_ready True, the goal request never answered (a driver whose executor
    hung: its action server stays discovered). 60 s pass, the timer asking each second.

    Happened: nothing said, ever (the timeout counts from acceptance only).
    Should: one warning naming the server, as for an accepted goal without a result.
    """
    goals, lines, clock = _timed(NeverAccepts())
    assert goals.send(1.0)
    for _ in range(60):
        clock.now += 1.0
        goals.overdue()
    assert len(lines) == 1 and "/fr3_gripper/gripper_action" in lines[0][1], lines


def test_a_late_abort_after_the_warning_is_still_said_and_an_early_result_never_warned():
    client = HungClient()
    goals, lines, clock = _timed(client)
    goals.send(1.0)
    clock.now += 10.0
    assert goals.overdue() == [1]
    client.answer(0, STATUS_ABORTED)
    assert len(lines) == 2 and "aborted" in lines[1][1]
    goals.send(0.0)
    clock.now += 9.99
    client.answer(1, SUCCEEDED)
    clock.now += 60.0
    assert goals.overdue() == [] and len(lines) == 2


def test_each_overdue_warning_names_its_own_server():
    said = {}
    for name in ("/fr3_gripper/gripper_action", "/left/gripper_cmd"):
        goals, lines, clock = _timed(HungClient(), name, timeout_s=0.5)
        goals.send(0.0)
        clock.now += 0.5
        assert goals.overdue() == [1]
        said[name] = lines[0][1]
    assert "/left/gripper_cmd" in said["/left/gripper_cmd"]
    assert "/left" not in said["/fr3_gripper/gripper_action"]


# --- capture order ----------------------------------------------------------------------------

BAD = {"state_nan": "state", "state_stale": "state", "state_future": "state",
       "camera_stale": "camera", "camera_bad": "camera", "bag": "bag"}
PAIRS = [pair for pair in itertools.combinations(BAD, 2) if BAD[pair[0]] != BAD[pair[1]]]


def _bad_session(model, bad):
    session, clock, _ = make_session(model)
    session.camera_topic, session.state_topic = lambda: "/cam", lambda: "/js"
    state = next((b for b in bad if b.startswith("state")), "")
    session.observe_image(frame(0), clock.now - (10.0 if "camera_stale" in bad else 0.0))
    if "camera_bad" in bad:
        session.observe_image(SMALL, clock.now)
    session.observe_state(START, clock.now + {"state_stale": -10.0,
                                              "state_future": 10.0}.get(state, 0.0))
    if state == "state_nan":
        session.reject_state(NAN_STATE)
    session.set_goals([SubGoal(frame(1), 0)])
    if "bag" in bad:
        session.set_enabled(True)
        session.set_recorded_inputs(BAG)
    return session


@pytest.mark.parametrize("bad", PAIRS, ids=["+".join(pair) for pair in PAIRS])
def test_every_pair_of_bad_inputs_is_named_alike_by_the_loop_and_the_captures(model, bad):
    loop = _bad_session(model, bad)
    assert loop.plan_step() is None
    refusal = loop.refusal
    calls = ["capture_goal"] + ([] if "bag" in bad else ["add_subgoal"])
    for call in calls:
        with pytest.raises(RuntimeError) as refused:
            getattr(_bad_session(model, bad), call)()
        assert refusal and refusal in str(refused.value), (refusal, str(refused.value))

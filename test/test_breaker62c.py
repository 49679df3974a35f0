"""breaker62c: the planner under real timing — rates, latencies, clocks, frozen and live cameras.

Attacked at fe7add56 (branch int62): session 62 pairs a camera frame with the arm's state at its
moment (``robot/frame_pairing.py``, wired in ``robot/input_episodes.py``) for the frozen-camera
hold and the captures. An ``MPCSession`` (as ``test_frame_pose_pairing`` drives it: the node's
own session, no ROS) is fed what labs send: camera and state streams at their rates, each with
its clock's offset from the planner's and its delivery delay, the arm moving at 0.3 m/s (the
published planner's 7.5 cm per 4 Hz step) then standing. A live camera's frame shows the pose
of its true moment (each millimetre its own picture); a frozen one repeats one picture. Each
defect is a strict xfail until fixed.

Defects (ranked by what a user loses):

1. A camera that freezes while the arm moves is planned on for 3x the way it was before
   session 62: 15 Hz camera, 10 Hz states delivered 140 ms late (their age stays under
   ``safety.max_state_age_s`` 0.25 s: accepted), the hold starts 14-15 cm past where the picture
   froze (4-5 cm at 008bd146^); 100 Hz states 200 ms late (or stamped on a clock 0.2 s behind):
   16-17 cm (within the bound below at 008bd146^); a 4 Hz pose stream: 20-21 cm (13-14 cm
   before). While a frame waits for the state of its moment, ``PendingFrame.offer`` drops every
   newer frame, so the frozen picture is judged only once per wait (each a state period plus
   the delivery delay), and a verdict needs two judged frames. Every plan step in between is
   commanded on a frozen picture (docs/planner_behaviour.md: "the hold starts within ~2 cm of
   where the camera froze plus at most one plan step under way").
2. A live camera is held as frozen at every stop, and ``~/capture_goal`` is refused as "the same
   picture ... while the hand moved", when its clock runs 20 ms ahead of the planner's (an
   NTP-synced camera PC, or a camera stamping on its own clock with 5 ms latency) beside arm
   states from a robot PC 0.15-0.24 s ahead (no PTP: breaker59i's setup, whose pairing works with
   the camera 5 ms ahead). ``stream_leads.frame_leads`` takes any camera more than
   ``NODE_CLOCK_S`` (10 ms) ahead of the node clock as sharing the states' clock, and the frame is
   paired on raw stamps with the state 0.13-0.22 s older than its moment (4-7 cm back). The hold
   never ends while the arm stands (its picture does not change): the planner stops for good.
   Also at the streamed set-point's default 0.1 m/s (``safety.max_speed_m_s``): every stop held.
3. The same false hold with a camera whose clock runs 50 ms behind the planner's and the arm's
   (a second PC, no PTP; its frames look 50 ms late, which no lead measures): the frame is paired
   with the state 50 ms before its moment (1.4-1.5 cm at 0.3 m/s), for some stops. The frozen
   rule's 1 cm against one paired state has no room for the pairing's uncertainty (any clock
   offset or restamping that timing cannot reveal, above 33 ms at 0.3 m/s).
"""

import numpy as np
import pytest
from test_robot_goals import START, make_session
from test_robot_mpc import frame, tiny_world_model

pytestmark = pytest.mark.usefixtures("one_thread")

FROZEN = "sends the same picture"

SPEED = 0.3  # [m/s] the published planner's 7.5 cm per 4 Hz step


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def _x(t: float, move_s: float) -> float:
    """Return the TCP's x offset [m] at ``t`` [s]: moving at SPEED for ``move_s``, then still."""
    return SPEED * min(max(t, 0.0), move_s)


def _deliver(session, clock, camera_hz, state_hz, move_s, end_s, picture_s=None,
             camera=(0.0, 0.0), states=(0.0, 0.0), on_frame=None):
    """Deliver both streams in arrival order from the true time 100 s; return the last time.

    ``camera``/``states``: (the source clock's offset from the planner's [s], delivery delay
    [s]): a message of true moment t is stamped t + offset and arrives at t + delay. A frame
    shows the pose at ``min(t, picture_s)`` (None: at t, a live camera; else frozen from there),
    one picture per millimetre. ``on_frame(true_time)``: called after each frame (and, for a
    frozen camera, each state: the verdict on a waiting frame comes with its state); a true
    value ends the delivery and is returned.
    """
    t0 = clock.now = 100.0
    events = [(t0 + k / camera_hz + camera[1], 1, t0 + k / camera_hz)
              for k in range(int(end_s * camera_hz) + 1)]
    events += [(t0 + k / state_hz + states[1], 0, t0 + k / state_hz)
               for k in range(int(end_s * state_hz) + 1)]
    for arrival, is_frame, true in sorted(events):
        clock.now = max(clock.now, arrival)
        t = true - t0
        if not is_frame:
            session.observe_state(START + np.r_[_x(t, move_s), 0, 0, 0, 0, 0, 0], true + states[0])
            if on_frame is not None and picture_s is not None and on_frame(arrival - t0):
                return arrival - t0  # a verdict given at a state's arrival (frame_pairing)
            continue
        shown = t if picture_s is None else min(t, picture_s)
        session.observe_image(frame(int(round(_x(shown, move_s) * 1000))), true + camera[0])
        if on_frame is not None and on_frame(t):
            return t
    return None


def _frozen(session, clock) -> str:
    refusal = session._input_refusal(clock.now)
    return refusal.detail if refusal is not None and FROZEN in refusal.detail else ""


# (camera Hz, state Hz, the states' delivery delay [s]) accepted by the age limits
SLOW_VERDICT = {
    "15 Hz camera, 10 Hz states 140 ms late": (15.0, 10.0, 0.14),
    "30 Hz camera, 100 Hz states 200 ms late": (30.0, 100.0, 0.2),
    "30 Hz camera, 4 Hz poses": (30.0, 4.0, 0.0),
}


@pytest.mark.parametrize("streams", SLOW_VERDICT.values(), ids=SLOW_VERDICT.keys())
def test_a_camera_freezing_while_the_arm_moves_is_held_within_the_documented_way(model, streams):
    """The user's camera driver hangs and re-sends its last image while the arm moves.

    What the user does: runs the planner with a 15 Hz camera beside 10 Hz joint states relayed
    140 ms late (or 100 Hz states 200 ms late, or a 4 Hz pose topic), all within the age limits;
    the camera freezes while the arm moves at 0.3 m/s. What happens: the hold starts 14-15 cm
    (16-17 cm, 20-21 cm) past where the picture froze; every plan on the way is made on the
    frozen picture. What should happen: the hold within the documented ~2 cm of where it froze,
    plus the way the arm covers while a frame's state of its moment is delivered (a state period
    and the delay) and one frame period: 11.2 cm (9.3 cm, 10.5 cm) here.
    """
    camera_hz, state_hz, delay = streams
    bound = 0.02 + SPEED * (1 / camera_hz + 1 / state_hz + delay)
    for freeze in (0.3, 0.31, 0.32, 0.33):  # where the picture freezes between messages
        session, clock, _ = make_session(model)
        held_at = _deliver(session, clock, camera_hz, state_hz, move_s=2.0, end_s=2.0,
                           picture_s=freeze, states=(0.0, delay),
                           on_frame=lambda t, s=session, c=clock: bool(_frozen(s, c)))
        assert held_at is not None, "a frozen camera never held"
        way = SPEED * (held_at - freeze)
        assert way <= bound, (f"froze at {freeze} s: held {way * 100:.1f} cm later, bound "
                              f"{bound * 100:.1f} cm")


# (the camera's clock offset, its delay), (the states' clock offset, their delay) [s]
FALSE_HOLD = {
    "camera 20 ms ahead, states 0.24 s ahead": ((0.02, 0.0), (0.24, 0.001)),
    "camera 20 ms ahead with 5 ms latency, states 0.15 s ahead": ((0.02, 0.005), (0.15, 0.001)),
}


def _live_stops(model, camera, states):
    """Return the stops (by move time [s]) where a live camera is held or its capture refused."""
    wrong = []
    for move_s in (0.49, 0.51, 0.53, 0.55):  # where the arm stops between the streams' messages
        session, clock, _ = make_session(model)
        _deliver(session, clock, 30.0, 100.0, move_s=move_s, end_s=move_s + 1.5,
                 camera=camera, states=states)
        held = _frozen(session, clock)
        try:
            session.capture_goal()
            refused = ""
        except RuntimeError as error:
            refused = str(error)
        if held or refused:
            wrong.append((move_s, held[:90], refused[:90]))
    return wrong


@pytest.mark.xfail(strict=True, reason="breaker62c #2: a camera over 10 ms ahead is taken as on "
                   "the states' clock: paired 0.13-0.22 s back, a live camera held for good")
@pytest.mark.parametrize("clocks", FALSE_HOLD.values(), ids=FALSE_HOLD.keys())
def test_a_live_camera_a_little_ahead_beside_states_far_ahead_is_never_held(model, clocks):
    """The camera's PC runs 20 ms ahead of the planner's, the robot PC 0.15-0.24 s ahead.

    What the user does: runs the planner with a 30 Hz camera stamped on a clock 20 ms ahead
    (NTP on the camera PC) and 100 Hz joint states from a robot PC 0.15-0.24 s ahead (no PTP),
    then calls ``~/capture_goal`` after the arm stopped. What happens: at every stop the live
    camera is held as frozen ("sends the same picture ... with the arm 2.4-6.5 cm from where it is
    now") for as long as the arm stands, and the capture is refused. What should happen: as with
    the camera 5 ms ahead (checked first): never held, the capture taken.
    """
    camera, states = clocks
    assert _live_stops(model, (0.005, camera[1]), states) == [], "the 5 ms case regressed"
    assert _live_stops(model, camera, states) == []


@pytest.mark.xfail(strict=True, reason="breaker62c #3: a camera clock 50 ms behind pairs frames "
                   "with states 1.5 cm back: a live camera held as frozen at some stops")
def test_a_live_camera_on_a_clock_50_ms_behind_is_never_held(model):
    """The camera's PC runs 50 ms behind the planner's and the arm's (a second PC, no PTP).

    What the user does: runs the planner with a 30 Hz camera stamped on a clock 50 ms behind
    and 100 Hz joint states on the planner's clock, the arm stopping after each step. What
    happens: for a stop 0.53 s into the motion, the live camera is held as frozen ("the arm
    1.4 cm from where it is now") as long as the arm stands, and ``~/capture_goal`` is refused.
    What should happen: a live camera never held; an offset the timing cannot reveal (its frames
    look 50 ms late) within the pairing's tolerance.
    """
    assert _live_stops(model, (-0.05, 0.0), (0.0, 0.0)) == []

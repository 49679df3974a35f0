"""fix53i: a clock step back taken only once confirmed; late states kept in place; the hand's way.

The jump watch takes a step back of the stamps when the states after it stay on the stepped
clock (``jump_clocks.STEP_STATES``, ``STEP_S``), by the step as first seen; two clocks that
alternate take none. The session keeps a state the watch judged at its stamp in its place in
the history (a relay's state wiped it). A hand measured past its command the commanded way is
no new world; against it, one, with a line naming the command and the hand it came to.
"""

import pytest
from test_breaker53i import _session
from test_robot_mpc import START, tiny_world_model

from vjepa_ros.robot.jump_clocks import STEP_S
from vjepa_ros.robot.jump_watch import JumpWatch


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def _pose(x):
    pose = START.copy()
    pose[0] += x
    return pose


def test_a_confirmed_step_back_moves_the_stamps_by_the_step_once():
    watch, refused = JumpWatch(), 0
    for i in range(2000):
        t = i / 1000
        stamp = t - (0.3 if t >= 0.5 else 0.0) - (0.2 if t >= 1.2 else 0.0)
        refused += bool(watch.problem(_pose(0.1 * t), stamp, t))
    assert (refused, watch.landed()) == (0, None)
    assert watch._shift == pytest.approx(0.5, abs=2e-3)  # two steps, each as seen, no more


def test_a_relay_in_bursts_shorter_than_the_confirmation_takes_no_step():
    """100 Hz arm at rest; its states relayed 0.2 s late, 3 at a time every 30 ms."""
    watch = JumpWatch()
    relayed = []
    for i in range(200):
        t = i / 100
        watch.problem(START.copy(), t, t)
        relayed.append(t - 0.2)
        if i % 3 == 2 and t >= 0.2:
            for k, stamp in enumerate(relayed[-3:]):
                watch.problem(START.copy(), stamp, t + 0.001 + 1e-5 * k)
    assert STEP_S > 0.03 and watch._shift == 0.0
    assert watch.problem(_pose(0.5), 2.0, 2.0), "a 0.5 m jump passed"


def _arm(session, clock, seconds, x=lambda t: 0.0, back=0.0, relay=None):
    for _ in range(int(seconds * 100)):
        clock.now += 0.01
        session.observe_state(_pose(x(clock.now)), clock.now - back)
        if relay is not None and clock.now - relay > 100.0:
            session.observe_state(_pose(x(clock.now - relay)), clock.now - relay)


def test_a_relayed_state_is_kept_in_its_place_not_a_new_history(model):
    """100 Hz arm at 0.05 m/s and its states relayed 50 ms late: the history keeps both."""
    session, clock, _ = _session(model)
    _arm(session, clock, 1.0, x=lambda t: 0.05 * (t - 100.0), relay=0.05)
    stamps = [state.stamp for state in session.states]
    assert len(stamps) > 150 and stamps == sorted(stamps)  # before: 1 or 2 (each relay wiped)
    paired = session.state_at(clock.now - 0.5)
    assert paired.stamp == pytest.approx(clock.now - 0.5)
    assert paired.value[0] == pytest.approx(START[0] + 0.05 * (clock.now - 0.5 - 100.0))


def test_a_clock_stepped_back_still_starts_a_new_history(model):
    """100 Hz arm at 0.1 m/s; its clock steps back 0.3 s: once taken, no old-clock state kept."""
    session, clock, _ = _session(model)
    moving = lambda t: 0.1 * (t - 100.0)  # noqa: E731
    _arm(session, clock, 1.0, x=moving)
    step_at = clock.now
    _arm(session, clock, 0.5, x=moving, back=0.3)
    stamps = [state.stamp for state in session.states]
    assert stamps == sorted(stamps) and stamps[0] > step_at - 0.3  # the new clock's alone
    assert session.latest_state().value[0] == pytest.approx(START[0] + moving(clock.now))
    assert session._jumps._shift == pytest.approx(0.3, abs=0.02)


def _hand(model, command, hands):
    """Measure the hand at ``hands`` (closedness; None: a 1.2 s lapse); ``command`` after one."""
    session, clock, logs = _session(model)
    for index, hand in enumerate(hands):
        if index == 1:
            session.last_gripper = command  # sent with the hand at hands[0]
        for _ in range(120 if hand is None else 3):
            clock.now += 0.01
            arm = START.copy()
            arm[6] = 0.0 if hand is None else hand
            session.observe_state(arm, clock.now, gripper_measured=hand is not None)
    return [m for _, m in logs if "measured closedness went from" in m]


def test_a_hand_opened_past_a_partial_open_is_no_new_world(model):
    assert _hand(model, 0.3, [1.0, 0.8, 0.35, None, 0.1]) == []


def test_a_hand_closed_against_a_partial_open_is_a_new_world_named_so(model):
    lines = _hand(model, 0.3, [1.0, 0.8, 0.35, None, 0.9])
    assert len(lines) == 1 and "from 0.35 to 0.90 at once (closed)" in lines[0], lines
    assert "against the last gripper command (0.30, from 1.00, opening" in lines[0], lines

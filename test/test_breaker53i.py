"""breaker53i: fix53a's restamp of a clock stepped back, and its hand-only new world, attacked.

Attacked: main's 430e1c94 (fix53a; with 5d2c0830, 4ac9eb26: docstrings) --
``jump_clocks.JumpClocks._restamp`` (a state stamped behind the newest that continues it over
a usual arrival gap moves the watch's stamps on by the step, ``_shift``) as
``JumpWatch.problem`` calls it, and ``new_worlds.hand_jumped`` / ``NewWorlds._hand_moved``
(the first measured hand after unmeasured ones, changed 0.1 or more, farther from the last
gripper command: a new world), called by ``input_episodes.observe_state``. Not repeated:
breaker53a's cases (now passing), breaker41*/47*/48* causes (other clocks, lone states, held
glitches, put-backs).

A. A second source of the arm's own states 0.2 s behind hides a real teleport and admits a
   glitch (a regression of fix53a: its parent 430e1c94^ refuses both). A relay that delivers
   the arm's states 0.2 s late with their true stamps (a ``topic_tools`` relay
   or a second ``joint_state_publisher`` behind a busy link), interleaved at 100 Hz with the
   arm's own, under an arm at rest or slow (0.05 m/s): each relayed state is stamped 0.2 s
   behind the newest but continues it over a ~5 ms arrival gap, so ``_restamp`` takes it as a
   clock stepped back and adds 0.2 s to ``_shift``; the arm's next own state is then 0.2 s
   ahead (under ``LEAP_S`` = 0.25 s, so ``_elsewhere`` does not look at it) and is judged over
   a 0.2 s interval: 0.6 m + slack allowed. The shift grows 0.2 s per switch (33 s after 2 s).
   A ``~/reset`` that moves the arm 0.5 m is no jump and no new world; one state glitched
   0.5 m is kept as the arm's (planned from). With the same source on a clock 0.2 s behind
   republishing the current pose: the same. At 0.1 s behind the teleport is still refused
   (by the acceleration rule), but the interval is widened all the same.
B. The restamp needs the state's arrival gap from the newest within ``STALL_FACTOR`` x the
   median; a stream that arrives in bursts (a 1 kHz arm delivered 10 states per 10 ms: median
   gap 10 us) or that stalls right at the step fails it at the first state of the new clock,
   and every later one measures its gap from the same old newest (refused states change
   nothing), so none is ever restamped: breaker53a's false new world returns (0.3 s step under
   0.1 m/s: "3 cm", 84 states refused). At fault: ``_restamp``'s gap from ``last[2]``.
C. A grasp that closes past its commanded closedness is a "hand put elsewhere": a grasp goal
   (a narrower width: ``sim.gripper``, franka_gripper) closes the fingers until something
   blocks them, fully with nothing between, not to the commanded closedness. Under
   ``goals.gripper: planned`` the plan commanded 0.41 from an open hand; measured closing to
   0.36, the finger topic lapsed 1.2 s, then measured at 0.56 (on an object thinner than
   planned): |0.56 - 0.41| > |0.36 - 0.41|, so ``_hand_moved`` calls it a new world: the goal
   sequence restarts at sub-goal 1 ("grasp") with the object in hand, and the line (fixed
   text) guesses "a simulator's ~/reset, a hand opened by hand?" of a hand that closed as
   commanded. At fault: ``new_worlds._hand_moved`` (distance to the command, not the direction
   the command moved the hand). Under ``goals.gripper: subgoal`` commands are 0 or 1, so a
   hand cannot pass them.

Held up (pins): a 1 kHz step back mid-burst, and one state of the step delivered late at
100 Hz (the next one restamps); a relay 0.1 s behind still has a 0.5 m teleport refused and
landed; a hand closing toward its command across a lapse, and a finger topic that lapses one
state every second under a hand at rest: no new world; a hand opened against its command
across a lapse is still one (fix53a B); ``forget()`` clears the shift.
Not got to: the camera's clock-step rule against a shifted watch (frame/state pairing), a
restamp during a hold, a step back then forward, ``max_image_age`` judgments.
"""

import numpy as np
import pytest
from test_robot_mpc import CEM, START, Clock, frame, tiny_world_model

from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goals import GoalSwitchConfig, SubGoal
from vjepa_ros.robot.jump_watch import JumpWatch
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.safety import SafetyLimits


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def _pose(t, speed=0.0, teleport_at=np.inf, off=0.0):
    pose = START.copy()
    pose[0] += speed * t + (off if t >= teleport_at else 0.0)
    return pose


def _with_relay(lag, speed=0.0, off=0.5, rate=100.0, seconds=2.0, teleport_at=1.5):
    """Feed a watch an arm at ``rate`` Hz and a relay of its states ``lag`` [s] late.

    The arm (and so the relay, ``lag`` later) is moved ``off`` [m] at once at ``teleport_at``.
    Returns (the arm's own refused states, ``landed()``, the watch).
    """
    watch, refused, dt = JumpWatch(), [], 1.0 / rate
    for i in range(int(seconds * rate)):
        t = i * dt
        if watch.problem(_pose(t, speed, teleport_at, off), t, t):
            refused.append(i)
        if t >= lag:
            watch.problem(_pose(t - lag, speed, teleport_at, off), t - lag, t + dt / 2)
    return refused, watch.landed(), watch


@pytest.mark.parametrize("speed", [0.0, 0.05])
def test_a_relay_0_2_s_late_hides_a_real_teleport(speed):
    """100 Hz arm (at rest or 0.05 m/s) + its states relayed 0.2 s late; a reset moves it 0.5 m.

    What happens: no state refused, ``landed()`` None (``_shift`` grows 0.2 s per relayed
    state, each own state is judged over 0.2 s). What should: the reset is a jump and a new
    world, as without the relay, or with it before fix53a.
    """
    refused, landing, _ = _with_relay(0.2, speed)
    assert refused and landing is not None and landing.moved_m > 0.4, (refused, landing)


def test_a_second_source_0_2_s_behind_lets_a_0_5_m_glitch_through():
    """100 Hz arm at rest; a second publisher of its pose on a clock 0.2 s behind, interleaved.

    State 80 of the arm glitches 0.5 m. What happens: it passes (kept as the arm's state, the
    planner's start); only the way back is refused. What should: the glitch is refused.
    """
    watch, said = JumpWatch(), {}
    for i in range(100):
        t = i / 100
        glitch = _pose(t, teleport_at=0.0, off=0.5 if i == 80 else 0.0)
        said[i] = watch.problem(glitch, t, t)
        if i >= 5:
            watch.problem(START.copy(), t + 0.005 - 0.2, t + 0.005)
    assert said[80], "a 0.5 m glitch passed the jump check"


def test_a_relay_0_1_s_late_still_has_the_teleport_refused():
    # pin: at 0.1 s the teleport is refused and landed (fix53a: the acceleration rule alone did)
    refused, landing, watch = _with_relay(0.1)
    assert refused and landing is not None and landing.moved_m == pytest.approx(0.5)
    assert watch._shift == 0.0  # fix53i: alternating clocks take no step (fix53a's grew)
    watch.forget()
    assert watch._shift == 0.0 and watch._stepped is None


def _bursts(at, step=0.3, speed=0.1, burst=10):
    """Feed a 1 kHz arm at ``speed`` m/s, ``burst`` states a burst; its clock back at ``at``."""
    watch, refused = JumpWatch(), 0
    for i in range(3000):
        t = i / 1000
        arrival = (i // burst) * burst / 1000 + (i % burst) * 1e-5
        refused += bool(watch.problem(_pose(t, speed), t - (step if t >= at else 0.0), arrival))
    return refused, watch.landed()


def test_a_step_back_between_bursts_is_no_new_world():
    """1 kHz, 10 states per 10 ms burst, arm at 0.1 m/s; the clock steps back 0.3 s between bursts.

    What happens: 84 states refused, ``landed()`` 3 cm (the burst's first gap, 10 ms, is over
    twice the median 10 us; later states measure from the same old newest). What should: none
    refused, no new world (as for a step inside a burst).
    """
    assert _bursts(at=0.5) == (0, None)


def test_a_step_back_inside_a_burst_is_taken():
    assert _bursts(at=0.505) == (0, None)


def test_a_step_back_with_a_stall_at_it_is_no_new_world():
    """100 Hz arm at 0.1 m/s; clock back 0.6 s; the three states after the step come 25 ms late.

    (A loaded machine: the executor stalls, then delivers in a burst.) What should: no new world.
    """
    watch, refused = JumpWatch(), 0
    for i in range(300):
        t = i / 100
        arrival = t + (0.025 - 0.01 * (i - 100) if 100 <= i <= 102 else 0.0)
        refused += bool(watch.problem(_pose(t, 0.1), t - (0.6 if i >= 100 else 0.0), arrival))
    assert (refused, watch.landed()) == (0, None)


def test_one_late_delivery_at_the_step_is_taken():
    watch, refused = JumpWatch(), 0
    for i in range(300):
        t = i / 100
        arrival = t + (0.015 if i == 100 else 0.0)
        refused += bool(watch.problem(_pose(t, 0.1), t - (0.6 if i >= 100 else 0.0), arrival))
    assert (refused, watch.landed()) == (0, None)


def _session(model, gripper="planned"):
    clock, logs = Clock(), []
    session = MPCSession(model, CEM, SafetyLimits(), ControlConfig(mode="continuous"),
                         clock=clock, log=lambda level, message: logs.append((level, message)),
                         clock_offset=clock.system_offset, stream_clock=clock.steady,
                         wall_clock=clock.steady,
                         goal_switching=GoalSwitchConfig(gripper=gripper))
    return session, clock, logs


def _lapsed(model, hands, gripper="planned", lapse_ticks=120):
    """Plan once (sub-goal 1 of 2, one step) from an open hand; then the hand per ``hands``.

    ``hands(command)`` gives (closedness before the lapse, after it) from the gripper command
    the plan sent; the finger topic lapses ``lapse_ticks`` states of 100 Hz between. Returns
    (the command, the goal index after, the logged hand new-world lines).
    """
    session, clock, logs = _session(model, gripper)
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    session.set_goals([SubGoal(frame(7), 1, "grasp", gripper=1.0),
                       SubGoal(frame(8), 60, "lift", gripper=1.0)])
    session.set_enabled(True)
    command = session.plan_step().gripper_command
    assert command is not None and session.goals.index == 1
    before, after = hands(command)

    def feed(hand, ticks, measured=True):
        for tick in range(ticks):
            clock.now += 0.01
            arm = session.latest_state().value.copy()
            arm[6] = hand
            session.observe_state(arm, clock.now, gripper_measured=measured)
            if tick % 3 == 0:
                session.observe_image(frame(100 + tick), clock.now)

    for step in np.linspace(0.0, before, 6)[1:]:
        feed(step, 2)  # closing toward the command, measured
    feed(before, lapse_ticks, measured=False)  # the finger topic lapsed (the state keeps it)
    feed(after, 30)
    lines = [m for _, m in logs if "measured closedness went from" in m]
    return command, session.goals.index, lines


def test_a_grasp_that_closed_past_its_command_is_no_new_world(model):
    """``goals.gripper`` planned: the plan's closedness c commanded from an open hand.

    The hand is measured closing to c - 0.05, the finger topic lapses 1.2 s, then the hand is
    measured at c + 0.15 (a grasp goal closes until blocked, ``sim.gripper``: a thinner object
    than planned). What happens: "went from ... at once, away from the last gripper command
    (...; a hand opened by hand?): a new world", sub-goal "lift" back to "grasp". What should:
    progress kept (the hand moved as commanded: closing).
    """
    command, index, lines = _lapsed(model, lambda c: (c - 0.05, c + 0.15))
    assert (index, lines) == (1, []), command


def test_a_hand_closing_toward_its_command_across_a_lapse_is_no_new_world(model):
    _, index, lines = _lapsed(model, lambda c: (0.2, 0.8), gripper="subgoal")  # c = 1.0
    assert (index, lines) == (1, [])


def test_a_hand_opened_against_its_command_across_a_lapse_is_still_a_new_world(model):
    _, index, lines = _lapsed(model, lambda c: (1.0, 0.0), gripper="subgoal")  # c = 1.0
    assert index == 0 and len(lines) == 1 and "from 1.00 to 0.00" in lines[0], lines


def test_a_finger_topic_lapsing_one_state_a_second_is_no_new_world(model):
    session, clock, logs = _session(model)
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    session.set_goals([SubGoal(frame(7), 60, "grasp", gripper=1.0)])
    session.set_enabled(True)
    session.plan_step()
    for tick in range(400):
        clock.now += 0.01
        arm = START.copy()
        arm[6] = 0.6  # the hand holds an object, still
        session.observe_state(arm, clock.now, gripper_measured=tick % 100 != 0)
    assert not [m for _, m in logs if "measured closedness went from" in m]

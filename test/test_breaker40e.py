"""breaker40e: the live orientation-jump refusal (6b25dde) and the third stray rule (78c62cc).

The session helpers of ``test_robot_mpc.py`` / ``test_robot_mpc_teleport.py``.
"""

import numpy as np
import pytest
from test_robot_mpc import START, enabled_session, frame, tiny_world_model
from test_robot_mpc_teleport import new_world_lines

from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.stray_states import check_sources
from vjepa_ros.robot.goals import SubGoal


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def _session_at_subgoal_1(model):
    """Return an enabled blocking session that commanded once (sub-goal 1 of 2, 1 step)."""
    session, clock, logs = enabled_session(model, mode="blocking")
    session.set_goals([SubGoal(frame(20), 2, "grasp"), SubGoal(frame(21), 3, "place")])
    report = session.plan_step()
    assert report.command is not None and session.goals.steps_done == 1
    assert session.last_gripper is not None
    return session, clock, logs


def test_two_wrist_glitches_while_the_arm_slows_down_are_no_new_world(model):
    session, clock, logs = _session_at_subgoal_1(model)
    pose, speed = session.latest_state().value.copy(), 0.2  # [m/s] along x, 1 kHz states

    def feed(glitch=False):
        clock.now += 0.001
        state = pose.copy()
        if glitch:  # a wrist joint read 1.5 rad off: the TCP's position stays right
            state[5] += 1.5
        session.observe_state(state, clock.now)

    for _ in range(50):
        pose[0] += speed * 0.001
        feed()
    feed(glitch=True)
    for _ in range(200):  # slowing down at 1 m/s^2 under the hold: 2 cm, then at rest
        speed = max(0.0, speed - 0.001)
        pose[0] += speed * 0.001
        feed()
    feed(glitch=True)  # the same wrist glitch again, the arm at rest
    for _ in range(1100):  # at rest: the states agree for 1 s
        feed()
    assert not session.state_problem, "the hold never ended"
    assert not new_world_lines(logs), new_world_lines(logs)
    assert session.goals.steps_done == 1, "two wrist glitches restarted the goal sequence"
    assert session.last_gripper is not None


def test_a_reset_that_only_turns_the_hand_is_a_new_world(model):
    session, clock, logs = _session_at_subgoal_1(model)
    turned = START.copy()
    turned[5] += 1.0  # the ~/reset's home orientation, the TCP where it was
    stamp = session.latest_state().stamp
    session.observe_state(turned, stamp)  # the reset: at the same stamp
    for tick in range(75):  # then 1.5 s of states (and frames) that agree
        clock.now += 0.02
        session.observe_image(frame(60 + tick), clock.now)
        session.observe_state(turned, clock.now)
        session.stream_step()
    assert "turns 1.00 rad" in " ".join(m for _, m in logs), "the reset was not refused"
    assert not session.state_problem, "a turn-only reset held for good"
    assert new_world_lines(logs), "a reset that turned the hand was not a new world"
    assert (session.goals.index, session.goals.steps_done) == (0, 0)
    assert session.last_gripper is None, "the old world's gripper command would hold the new one"


def _slow_bag(rate_hz=100, seconds=60):
    """Return a real arm's states (times, states): slow motions, wrist turns."""
    count = rate_hz * seconds
    times = (np.arange(count) * (1e9 / rate_hz)).astype(np.int64)
    t = times / 1e9
    states = np.zeros((count, 7))
    states[:, 0] = 0.5 + 0.1 * np.sin(0.5 * t)
    states[:, 1] = 0.1 * np.cos(0.3 * t)
    states[:, 2] = 0.3
    states[:, 3] = np.pi
    states[:, 5] = 0.3 * np.sin(0.2 * t)
    return times, states


DEFAULT_POSE = np.array([0.088, 0.0, 0.926, np.pi, 0.0, 0.0, 0.0])  # a driver's zero-joint pose


def test_a_drivers_default_pose_three_times_in_a_long_bag_is_left_out_not_refused():
    times, states = _slow_bag()
    glitches = [500, 3000, 5500]
    states[glitches] = DEFAULT_POSE
    stray = check_sources("lab.bag", "/joint_states", times, states)
    assert np.flatnonzero(stray).tolist() == glitches


def test_a_default_pose_published_every_second_is_still_refused():
    """Held (and a fix of the above must keep it): a second publisher at 1 Hz is a stream."""
    times, states = _slow_bag()
    states[50::100] = DEFAULT_POSE
    with pytest.raises(BagError, match="a second stream"):
        check_sources("lab.bag", "/joint_states", times, states)


def test_three_unrelated_glitches_seconds_apart_are_left_out_not_refused():
    times, states = _slow_bag(rate_hz=100, seconds=10)
    glitches = [170, 500, 830]
    states[glitches[0], 2] += 0.15
    states[glitches[1], 5] += 1.5
    states[glitches[2], 6] = 1.0
    stray = check_sources("lab.bag", "/joint_states", times, states)
    assert np.flatnonzero(stray).tolist() == glitches

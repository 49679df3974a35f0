"""The set-point stream's resume after a hold on its inputs (stream_session.py). ROS-free."""

import numpy as np
import pytest
from test_robot_mpc import enabled_session, frame, stream, tiny_world_model


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def test_a_hold_begun_on_the_camera_waits_for_states_that_stopped_during_it(model):
    # the camera stops first (the hold is the camera's), then the robot states stop too (a
    # driver restart); one glitched pose 25 cm off comes first: it must not be streamed to
    # before the next state (a jump back) refuses it, as for a hold begun on the states
    session, clock, _ = enabled_session(model)
    assert session.plan_step().command is not None
    held = stream(session, clock, ticks=5)[-1].setpoint
    for _ in range(40):  # no frames for 0.8 s, states still coming
        clock.now += 0.02
        session.observe_state(held, clock.now)
        out = session.stream_step()
        held = held if out is None or out.setpoint is None else out.setpoint
    for _ in range(60):  # then no states either for 1.2 s
        clock.now += 0.02
        session.stream_step()
    setpoints = glitch_then_the_real_pose(session, clock, held)
    assert setpoints, "the stream never resumed on the arm's real pose"
    far = max(float(np.linalg.norm(p[:3] - held[:3])) for p in setpoints)
    assert far <= 0.01, f"set-points {far:.3f} m from the arm, which never moved"


def glitch_then_the_real_pose(session, clock, held) -> list:
    """Send one pose 25 cm off ``held`` [7], then ``held`` 200 times; the set-points streamed."""
    bad = held.copy()
    bad[1] += 0.25
    clock.now += 0.02
    session.observe_state(bad, clock.now)  # the one bad pose
    session.observe_image(frame(4), clock.now)
    published = [session.stream_step()]
    for _ in range(200):  # the arm's real pose again, until the stream resumes
        clock.now += 0.01
        session.observe_state(held, clock.now)
        session.observe_image(frame(6), clock.now)
        published.append(session.stream_step())
    return [out.setpoint for out in published if out is not None and out.setpoint is not None]

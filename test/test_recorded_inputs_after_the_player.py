"""Inputs a bag player published must not command the arm once the player is gone (breaker 28a).

``ros2 bag play --clock`` (or this package's ``bag_player``, which exits when the bag ends) with
``use_sim_time``: when the player leaves the graph, ``/clock`` stops with it, so the last
recorded frame and robot state stay "fresh" on the frozen clock. The node's 2 Hz graph check
then clears the recorded-inputs refusal (``MPCSession.set_recorded_inputs("")``) and, with no
new input at all, an enabled session plans on the recording's last frame from the recorded arm's
pose and commands it (a set-point, a gripper command, or the live camera check's first move).
Expected: inputs received while a bag player published them stay refused until inputs received
after it stopped replace them (as a frame of an unusable size is held until usable ones come).
"""

import pytest
from test_recorded_inputs import BAG
from test_robot_mpc import make_session, observe, tiny_world_model

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def _enabled_during_a_replay(model, mode):
    """Return a session enabled while a bag player published its inputs, the player gone."""
    session, clock, _ = make_session(model, mode)
    session.set_recorded_inputs(BAG)
    observe(session, clock)  # the bag's frame and state, stamped on the bag's /clock
    session.capture_goal()
    ok, message = session.set_enabled(True)
    assert ok and f"not commanding yet: {BAG}" in message
    assert session.plan_step() is None and session.commands_sent == 0, "held while it plays"
    session.set_recorded_inputs("")  # the player exited; /clock froze with it: no new input
    return session, clock


@pytest.mark.parametrize("mode", ["continuous", "blocking", "async"])
def test_the_recordings_last_frame_is_not_commanded_after_the_player_exits(model, mode):
    session, _ = _enabled_during_a_replay(model, mode)
    report = session.plan_step()
    assert report is None or report.command is None, "commanded from the recording"
    assert session.commands_sent == 0


def test_the_camera_check_does_not_start_from_the_recording_after_the_player_exits(model):
    session, clock = _enabled_during_a_replay(model, "continuous")
    with pytest.raises(RuntimeError, match="~/camera_check refused"):
        session.start_camera_check()
    clock.now += 0.01
    output = session.stream_step()
    assert output is None or output.setpoint is None


def test_a_capture_after_the_player_exits_says_the_frames_were_the_recordings(model):
    # Shadow mode, a bag player the camera's only publisher; it exits and the session drops
    # the frames it received (InputBuffer.forget). Happened: ~/capture_goal and ~/add_subgoal
    # refused with "no camera frame received yet; check the camera topic", though frames came
    # (the recording's), and ~/enable's reply said "no camera image received yet" (and robot
    # state). Expected: the refusal says the frames came from a bag player that stopped and a
    # live one is awaited; ~/enable's reply says it once.
    session, clock, _ = make_session(model)
    session.set_recorded_inputs(BAG)
    observe(session, clock)  # the bag's frame and state
    session.set_recorded_inputs("")  # the player exited
    for service, call in (("~/capture_goal", session.capture_goal),
                          ("~/add_subgoal", session.add_subgoal)):
        with pytest.raises(RuntimeError) as refused:
            call()
        message = str(refused.value)
        assert message.startswith(f"{service} refused: the newest camera frame on "), message
        assert "came from a bag player that stopped" in message, message
        assert "waiting for live ones" in message and "received yet" not in message, message
    blocking = [b.detail for b in session.blocking_problems(clock.now)]
    assert not any("received yet" in b for b in blocking), blocking  # camera, state: both came
    assert sum("came from a bag player that stopped" in b for b in blocking) == 1, blocking
    clock.now += 0.05
    observe(session, clock, seed=1)  # a live frame
    assert session.capture_goal(), "a live frame is captured"

"""A stopped bag player's robot state still starts a plan once live inputs come (breaker 28c).

``ros2 bag play --clock`` with ``use_sim_time``: the player exits and ``/clock`` freezes at its
last time T. The leftover rule (``InputChecks._recorded_leftover``) waits until a frame and a
state received after the clear have come, then plans. But the plan's start is the kept state
nearest the frame's stamp (``InputBuffer.state_at``), and the history still holds the
recording's states: live drivers on sim time stamp with the frozen clock (T), the recorded state
at T ties with the live one and the earlier (the recording's) is taken. Expected: no plan starts
from a state received while a bag player published the inputs. Likewise a plan begun on a
player's first inputs, before the player was recognised, is commanded once it stopped.
"""

import numpy as np
import pytest
from test_recorded_inputs import BAG
from test_robot_mpc import START, frame, make_session, tiny_world_model

pytestmark = pytest.mark.usefixtures("one_thread")
RECORDED = START + np.array([0.1, 0.05, 0.0, 0.0, 0.0, 0.0, 0.5])  # the recording's arm, hand


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


@pytest.mark.parametrize("mode", ["continuous", "blocking"])
def test_no_plan_starts_from_the_recordings_state_once_live_inputs_come(model, mode):
    session, clock, _ = make_session(model, mode)
    session.set_recorded_inputs(BAG)
    session.observe_image(frame(0), clock.now)
    session.observe_state(RECORDED, clock.now)
    session.capture_goal()
    assert session.set_enabled(True)[0]
    assert session.plan_step() is None, "held while the player publishes"
    session.set_recorded_inputs("")  # the player exited: /clock froze at clock.now
    session.observe_image(frame(1), clock.now)  # the live camera and driver, on the frozen clock
    session.observe_state(START, clock.now)
    report = session.plan_step()
    assert report is not None and report.command is not None, "live inputs: commanded"
    np.testing.assert_allclose(report.start, START, err_msg="planned from the recorded arm")


@pytest.mark.parametrize("mode", ["continuous", "blocking", "async"])
def test_a_plan_begun_on_inputs_then_found_recorded_is_not_commanded(model, mode):
    # A player's first messages are taken before its publishers are known as a player's
    # (Humble: no publisher ids, until the 2 Hz check; Jazzy: its node not named yet). A plan
    # begun on them (16 s for the published ViT-g planner) ends after the check saw the player,
    # the bag ended and live inputs came: the command check then passes.
    session, clock, _ = make_session(model, mode)
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    session.capture_goal()
    assert session.set_enabled(True)[0]
    clock.now += 0.1
    session.observe_image(frame(1), clock.now)  # the player's first frame and state
    session.observe_state(RECORDED, clock.now)
    compute = session._plan

    def plan(job, want_debug, should_stop):
        out = compute(job, want_debug, should_stop)
        session.set_recorded_inputs(BAG)  # the graph check names the player
        clock.now += 2.0  # the bag ends while the plan is computed
        session.set_recorded_inputs("")
        session.observe_image(frame(2), clock.now)  # live inputs again
        session.observe_state(START, clock.now)
        return out

    session._plan = plan
    report = session.plan_step()
    assert report.command is None, f"commanded a plan from the recorded arm {report.start}"

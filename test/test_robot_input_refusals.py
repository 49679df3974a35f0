"""The session refuses a camera frame the same way everywhere: planning, goal captures, logs."""

import pytest
from test_robot_mpc import START, frame, make_session, tiny_world_model

from vjepa_ros.robot.goals import SubGoal


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


@pytest.mark.parametrize("ahead_s", [10.0, 1.8e9])
def test_captures_refuse_a_frame_stamped_in_the_future_as_the_loop_does(model, ahead_s):
    session, clock, _ = make_session(model)
    session.observe_image(frame(0), clock.now + ahead_s)
    session.observe_state(START, clock.now)
    for call, service in ((session.capture_goal, "~/capture_goal"),
                          (session.add_subgoal, "~/add_subgoal")):
        with pytest.raises(RuntimeError, match=f"{service} refused: .*in the future"):
            call()
    assert session.goals is None
    session.set_goals([SubGoal(frame(1), 0)])
    assert session.plan_step() is None, "the loop holds on the same frame"
    assert "in the future" in session.refusal

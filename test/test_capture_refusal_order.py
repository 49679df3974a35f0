"""~/capture_goal and ~/add_subgoal name the same bad input as the planning loop (fix45c).

Session 44 found the captures naming the camera before the robot state where the loop names an
unusable state first: with both bad, a user was told to check the camera by the service and the
state by ``/diagnostics``. Both now take the loop's first reason
(``InputChecks._first_input_blocker``).
"""

import re

import numpy as np
import pytest
from test_robot_mpc import START, frame, make_session, tiny_world_model

from vjepa_ros.robot.goals import SubGoal
from vjepa_ros.robot.refusal import RefusalKind

NAN_STATE = "unusable joint state: arm joint positions contain NaN or inf"
SMALL = np.zeros((8, 8, 3), np.uint8)  # a frame of an unusable size: refused like a stale one


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def _loop_refusal(session):
    """Return what the planning loop says as it refuses (plan_step None) and the kind."""
    session.set_goals([SubGoal(frame(1), 0)])
    assert session.plan_step() is None
    return session.refusal, session.status()["values"]["refusal_kind"]


def _capture_answers(session):
    """Return the refusal line of each capture service (each must refuse)."""
    answers = []
    for call in (session.capture_goal, session.add_subgoal):
        with pytest.raises(RuntimeError) as refused:
            call()
        answers.append(str(refused.value))
    return answers


def test_both_bad_the_captures_name_the_invalid_state_as_the_loop_does(model):
    session, clock, _ = make_session(model)
    session.camera_topic, session.state_topic = lambda: "/cam", lambda: "/js"
    session.observe_state(START, clock.now)
    session.observe_image(SMALL, clock.now)  # the camera is bad ...
    session.reject_state(NAN_STATE)  # ... and so is the robot state
    answers = _capture_answers(session)
    refusal, kind = _loop_refusal(session)
    assert kind == RefusalKind.INVALID_STATE.value and refusal == NAN_STATE
    for answer, service in zip(answers, ("~/capture_goal", "~/add_subgoal"), strict=True):
        assert answer == (f"{service} refused: {NAN_STATE}; check the joint states (/js), "
                          "then call it again"), "the loop's first reason, not the camera's"
        assert "camera" not in answer


def test_a_bad_camera_and_a_stale_state_are_named_in_the_loops_order_too(model):
    """The loop asks the camera before the state's age: so do the captures (unchanged)."""
    session, clock, _ = make_session(model)
    session.camera_topic = lambda: "/cam"
    session.observe_state(START, clock.now - 10.0)  # stale
    session.observe_image(SMALL, clock.now)
    answers = _capture_answers(session)
    refusal, kind = _loop_refusal(session)
    assert kind == RefusalKind.STALE_INPUTS.value and "camera frame on /cam" in refusal
    for answer in answers:
        assert refusal in answer and "check the camera (/cam)" in answer


def test_a_valid_state_and_a_bad_camera_still_name_the_camera(model):
    session, clock, _ = make_session(model)
    session.observe_state(START, clock.now)
    session.observe_image(SMALL, clock.now)
    answers = _capture_answers(session)
    refusal, _ = _loop_refusal(session)
    assert all(re.search(r"refused: .*camera frame", a) and refusal in a for a in answers)
    assert session.goals is not None and session.goals.goals[0].source != "captured frame"

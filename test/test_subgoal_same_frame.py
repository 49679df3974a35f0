"""``~/add_subgoal`` on the very frame a sub-goal of the list was captured from (live54).

A retried service call (twice 0.1 s apart with the arm still, before the camera's next frame)
added that frame again: "sub-goal 3 added at TCP (...)" identical to sub-goal 2, its steps spent
where the arm already is. The same stamp and the same pixels as a listed sub-goal's frame are
refused in one line; a newer frame (the same pose again), another picture under a repeated
stamp, ``~/capture_goal`` (it replaces the list) and a list emptied by ``~/clear_goals`` are
taken. ROS-free, on the tiny random world model and hand-driven clock of ``test_robot_goals``.
"""

import re

import numpy as np
import pytest
from test_robot_goals import START, make_session, observe
from test_robot_mpc import frame, tiny_world_model

from vjepa_ros.robot.subgoal import SubGoal

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def ready(model, count=3):
    session, clock, logs = make_session(model)
    for _ in range(count):
        observe(session, clock, seed=1)
    return session, clock, logs


def refused_line(session):
    with pytest.raises(RuntimeError) as refused:
        session.add_subgoal()
    return str(refused.value)


def test_a_retried_add_subgoal_on_the_same_frame_is_refused_naming_the_sub_goal(model):
    session, clock, _ = ready(model)
    stamp = session.inputs.frame.stamp
    assert session.add_subgoal().startswith("sub-goal 1 added at TCP")
    version = session.goal_version
    clock.now += 0.1  # the retry, before the camera's next frame
    line = refused_line(session)
    assert "\n" not in line
    assert line.startswith("~/add_subgoal refused: the newest frame on image "), line
    assert f"(stamp {stamp:.3f} s) is already sub-goal 1;" in line, line
    assert "move the arm or wait for a newer frame" in line
    assert len(session.goals.goals) == 1 and session.goal_version == version, "nothing changed"


def test_the_refusal_names_the_sub_goal_the_frame_became_in_a_longer_list(model):
    session, clock, _ = ready(model)
    session.add_subgoal()
    observe(session, clock, seed=2, state=START)
    session.add_subgoal()
    assert re.search(r"is already sub-goal 2;", refused_line(session))
    observe(session, clock, seed=3, state=START)  # a newer frame: the call goes through
    assert session.add_subgoal().startswith("sub-goal 3 added")
    assert [g.source for g in session.goals.goals] == [
        "added sub-goal 1", "added sub-goal 2", "added sub-goal 3"]


def test_the_same_message_delivered_again_is_the_same_frame(model):
    """A republisher re-sending its last message (same stamp, same pixels) adds nothing."""
    session, clock, _ = ready(model)
    session.add_subgoal()
    newest = session.inputs.frame
    clock.now += 0.05
    session.observe_image(newest.value.copy(), newest.stamp)
    session.observe_state(START, clock.now)
    assert "is already sub-goal 1;" in refused_line(session)


def test_a_newer_frame_of_the_arm_still_is_taken_as_the_same_pose_again(model):
    session, clock, _ = ready(model)
    session.add_subgoal()
    observe(session, clock, seed=1)  # same picture, a newer stamp: the camera's next frame
    assert session.add_subgoal().startswith("sub-goal 2 added")
    goals = session.goals.goals
    assert goals[0].frame_stamp < goals[1].frame_stamp
    assert np.array_equal(goals[0].image, goals[1].image)


def test_another_picture_under_a_repeated_stamp_is_another_frame(model):
    session, clock, _ = ready(model)
    session.add_subgoal()
    stamp = session.inputs.frame.stamp
    session.observe_image(frame(7), stamp)  # a driver stamping two pictures alike
    assert session.add_subgoal().startswith("sub-goal 2 added")
    assert np.array_equal(session.goals.goals[1].image, frame(7))


def test_capture_goal_then_add_subgoal_on_its_frame_is_refused(model):
    """The captured goal is sub-goal 1 of the list ~/add_subgoal appends to."""
    session, clock, _ = ready(model)
    session.capture_goal()
    assert "is already sub-goal 1;" in refused_line(session)
    assert len(session.goals.goals) == 1


def test_capture_goal_again_and_add_subgoal_after_clear_goals_are_taken(model):
    """~/capture_goal replaces the list, ~/clear_goals empties it: nothing is duplicated."""
    session, clock, _ = ready(model)
    session.capture_goal()
    assert session.capture_goal().startswith("new goal")
    assert len(session.goals.goals) == 1
    session.clear_goals()
    assert session.add_subgoal().startswith("sub-goal 1 added")


def test_captured_from_needs_the_same_stamp_and_pixels():
    picture = frame(4)
    captured = SubGoal(picture.copy(), None, source="added sub-goal 1", frame_stamp=12.5)
    assert captured.captured_from(12.5, picture)
    assert not captured.captured_from(12.55, picture), "a newer frame"
    assert not captured.captured_from(12.5, frame(5)), "another picture, the same stamp"
    from_file = SubGoal(picture.copy(), None, source="a.png")  # not captured: no stamp
    assert not from_file.captured_from(12.5, picture)
    assert not from_file.captured_from(0.0, picture)

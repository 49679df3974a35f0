"""A capture on a frozen camera, and the sub-goal list's limit: the family of breaker54a's.

ROS-free, on the tiny random world model and hand-driven clock of ``test_robot_goals``.
``robot/capture_pictures`` refuses a capture whose frame is the same picture (the camera
check's rule, ``eval.camera_check_unchanged.same_picture``) as an earlier capture's while the
arm stands 1 cm or more from where that one was taken; ``~/add_subgoal`` names the list's
length and ``goals.max_subgoals`` as they are.
"""

import numpy as np
import pytest
from test_robot_goals import START, make_session, observe
from test_robot_mpc import frame, tiny_world_model

from vjepa_ros.robot.capture_pictures import CapturePictures
from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig
from vjepa_ros.robot.subgoal import SubGoal

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def at(dy):
    """START moved ``dy`` [m] along +y."""
    return START + np.array([0.0, dy, 0.0, 0.0, 0.0, 0.0, 0.0])


def guide(session, clock, seed, to, steps=20, picture=None):
    """Walk the arm from its y to ``to``'s in ``steps`` states, then hold it there 5 states.

    Each frame is ``frame(seed)`` (a frozen camera re-sending it with fresh stamps), or
    ``picture(i)`` when given (i: the state's index, the held ones ``steps``).
    """
    start_y = session.inputs.latest_state().value[1]
    for i in list(range(1, steps + 1)) + [steps] * 5:
        state = to.copy()
        state[1] = start_y + (to[1] - start_y) * i / steps
        clock.now += 0.05
        session.observe_image(frame(seed) if picture is None else picture(i), clock.now)
        session.observe_state(state, clock.now)


def settle(session, clock, seed, state, count=3):
    for _ in range(count):
        observe(session, clock, seed=seed, state=state)


def test_capture_goal_after_add_subgoal_on_a_frozen_camera_is_refused_naming_the_topic(model):
    session, clock, _ = make_session(model)
    settle(session, clock, 1, START)
    session.add_subgoal()
    guide(session, clock, 1, at(0.05))
    with pytest.raises(RuntimeError) as refused:
        session.capture_goal()
    line = str(refused.value)
    assert line.startswith("~/capture_goal refused: the newest frame on image is the same picture")
    assert "\n" not in line and "5.0 cm" in line
    assert "does not see the arm" in line, "an arm out of view is named as a cause too"
    assert "~/add_subgoal" in line, "names the earlier capture"
    assert len(session.goals.goals) == 1


def test_a_camera_frozen_across_clear_goals_is_still_refused(model):
    """Capture, ~/clear_goals, the camera freezes on the first capture's picture, capture."""
    session, clock, _ = make_session(model)
    settle(session, clock, 1, START)
    session.capture_goal()
    session.clear_goals()
    guide(session, clock, 1, at(-0.03))
    with pytest.raises(RuntimeError, match="~/add_subgoal refused: .* same picture"):
        session.add_subgoal()
    assert session.goals is None


def test_a_frozen_picture_re_encoded_with_dither_is_the_same_picture(model):
    """A republisher re-encoding the frozen image (a few grey levels of noise) changes nothing."""
    session, clock, _ = make_session(model)
    settle(session, clock, 1, START)
    session.add_subgoal()
    noise = np.random.default_rng(5)

    def dithered(_):
        return np.clip(frame(1).astype(int) + noise.integers(-3, 4, frame(1).shape), 0,
                       255).astype(np.uint8)

    guide(session, clock, 1, at(0.10), picture=dithered)
    with pytest.raises(RuntimeError, match="~/add_subgoal refused: .* same picture"):
        session.add_subgoal()


def test_a_camera_that_shows_the_motion_and_a_capture_again_in_place_are_taken(model):
    """New pictures at a new pose are taken; the same picture at the same pose is no repeat."""
    session, clock, _ = make_session(model)
    settle(session, clock, 1, START)
    session.add_subgoal()
    # the camera shows the arm at each pose on the way (one picture for the whole way would be
    # a camera frozen on it while the arm moved: refused, test_capture_seen_frames)
    guide(session, clock, 2, at(0.10), picture=lambda i: frame(200 + i))
    assert session.add_subgoal().startswith("sub-goal 2 added")
    settle(session, clock, 220, at(0.10))
    assert "new goal" in session.capture_goal(), "the same pose again: not a frozen camera"
    assert len(session.goals.goals) == 1


def test_a_camera_frozen_between_two_captures_within_a_centimetre_is_no_repeat(model):
    """The arm moved less than the camera check's 1 cm: its picture may well be the same."""
    session, clock, _ = make_session(model)
    settle(session, clock, 1, START)
    session.add_subgoal()
    guide(session, clock, 1, at(0.005))
    assert session.add_subgoal().startswith("sub-goal 2 added")


def test_capture_pictures_judges_nothing_without_a_position_and_keeps_the_newest():
    pictures = CapturePictures()
    assert pictures.offer("a", frame(1), None) is None, "no position: not judged"
    assert pictures.offer("a", frame(1), [0.5, 0.0, 0.3]) is None
    repeat = pictures.offer("b", frame(1), [0.5, 0.2, 0.3])
    assert (repeat.earlier, repeat.moved_m) == ("a", pytest.approx(0.2))
    assert pictures.offer("c", frame(2), [0.5, 0.2, 0.3]) is None
    for i in range(40):  # bounded: the oldest are forgotten
        pictures.offer(f"d{i}", frame(100 + i), [0.0, 0.0, i * 0.1])
    assert pictures.offer("e", frame(1), [0.5, 0.3, 0.3]) is None


@pytest.mark.parametrize("count, words", [
    (3, "the list is full (3 sub-goals = goals.max_subgoals)"),
    (5, "the list holds 5 sub-goals (goal files are not bounded by goals.max_subgoals), more "
        "than goals.max_subgoals 3"),
])
def test_the_full_list_refusal_names_the_length_and_the_setting(model, count, words):
    session, clock, _ = make_session(model, switching=GoalSwitchConfig(max_subgoals=3))
    session.set_goals([SubGoal(frame(i), None, f"{i}.png") for i in range(count)])
    settle(session, clock, 9, START, count=2)
    with pytest.raises(RuntimeError, match="~/add_subgoal refused") as refused:
        session.add_subgoal()
    assert words in str(refused.value)

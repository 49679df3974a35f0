"""A new single goal is said as such: the list it replaces, its size against the frames.

``GoalSession.set_goals`` leads its line with ``replaced_list``'s words (a warning) when one goal
replaces a list of several, whatever set it (breaker56a: ``~/goal_image`` and
``goal_image_path`` said only "new goal: goal 1/1"); ``SizeNotes.check`` judges each single goal's
size per picture (a second picture of the same wrong size was never noted).
"""

import numpy as np
import pytest
from test_robot_goals import make_session
from test_robot_mpc import frame, tiny_world_model

from vjepa_ros.image_notes import SizeNotes
from vjepa_ros.robot.goal_session import replaced_list
from vjepa_ros.robot.subgoal import SubGoal

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def _goals(count, source="goal.png"):
    return [SubGoal(frame(30 + i), None, source) for i in range(count)]


@pytest.mark.parametrize("before, after, said", [(3, 1, True), (2, 1, True), (1, 1, False),
                                                 (0, 1, False), (3, 2, False), (3, 4, False)])
def test_one_goal_replacing_a_list_says_so_as_a_warning(model, before, after, said):
    session, _, logs = make_session(model)
    if before:
        session.set_goals(_goals(before, "added sub-goal"))
    logs.clear()
    message = session.set_goals(_goals(after, "~/goal_image"))
    ((level, line),) = logs
    assert line == message
    if said:
        assert message.startswith(f"replaced the list of {before} sub-goals with this one goal "
                                  "(to change one sub-goal: ~/clear_goals, then ~/add_subgoal "
                                  "at each pose); new goal: goal 1/1 (~/goal_image)"), message
        assert level == "warning"
    else:
        assert message.startswith("new goal: ") and level == "info", message
    assert replaced_list(before, after) == (message[:message.index("new goal")] if said else "")


def test_each_new_single_goal_of_a_wrong_size_is_noted_once_per_picture():
    """The node passes the images: a single goal's size note is per picture (by content)."""
    notes = SizeNotes(None)
    rng = np.random.default_rng(0)
    frames = (48, 64, 3)
    first = rng.integers(0, 256, (96, 128, 3), dtype=np.uint8)
    goals = (("", first),)
    (said,) = notes.check(frames, goals=goals)
    assert "128x96" in said
    assert notes.check(frames, goals=goals) == [], "the same goal, frame after frame: once"
    assert notes.check(frames, goals=(("", first.copy()),)) == [], "the same picture re-sent"
    second = (("", rng.integers(0, 256, (96, 128, 3), dtype=np.uint8)),)
    assert [n for n in notes.check(frames, goals=second) if "128x96" in n], "another picture"
    assert notes.check(frames, goals=(("", first),)) == [], "back to the first: said before"
    right = (("", np.zeros(frames, np.uint8)),)  # a goal of the frames' size: nothing to say
    assert notes.check(frames, goals=right) == []
    shapes = SizeNotes(None)  # shapes alone (a caller without images): once per text
    assert shapes.check(frames, goals=(("", first.shape),))
    assert shapes.check(frames, goals=(("", first.shape),)) == []


def test_a_list_grown_says_no_file_again_and_a_goal_after_it_is_noted():
    """breaker52k's rule stays for lists: a grown list is no new note for its files."""
    notes = SizeNotes(None)
    frames = (48, 64, 3)
    big = (96, 128, 3)
    listed = tuple((f"sub-goal {i} of 2 (a.png)", big) for i in (1, 2))
    assert len(notes.check(frames, goals=listed)) == 2
    grown = tuple((f"sub-goal {i} of 3 (a.png)", big) for i in (1, 2)) + (
        ("sub-goal 3 of 3 (added sub-goal 3)", frames),)
    assert notes.check(frames, goals=grown) == []
    assert [n for n in notes.check(frames, goals=(("", big),)) if "128x96" in n]

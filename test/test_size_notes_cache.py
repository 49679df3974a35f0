"""The planner's per-frame size and grey notes judge a sub-goal list once (perf52, differential).

``PlannerInputs._goal_images`` hands ``SizeNotes.check`` / ``colour`` the same tuples while the
session's goal sequence is the same; ``SizeNotes`` then skips looking through them. The notes
must be exactly those of looking through a fresh list with every frame (fix52a's behaviour), on
random streams of frames and goal lists: sizes, grey, black and colour frames and goals, lists
replaced, set to None, a grey goal waiting for colour frames.
"""

import types

import numpy as np
import pytest

from vjepa_ros.image_notes import SizeNotes

PlannerInputs = pytest.importorskip("vjepa_ros.nodes.planner_inputs").PlannerInputs


def _image(rng, kind, shape):
    if kind == "grey":
        return np.repeat(rng.integers(0, 256, shape[:2] + (1,), dtype=np.uint8), 3, axis=2)
    if kind == "black":
        return np.zeros(shape, np.uint8)
    return rng.integers(0, 256, shape, dtype=np.uint8)


def _sequence(rng, sizes):
    count = int(rng.integers(1, 6))
    goals = [types.SimpleNamespace(image=_image(rng, rng.choice(["grey", "colour", "colour"]),
                                                sizes[rng.integers(len(sizes))]),
                                   source=str(rng.choice(["", "goal.png"])))
             for _ in range(count)]
    return types.SimpleNamespace(goals=goals)


def _fresh(sequence):
    """Return what fix52a's _goal_images gave: new lists with every frame."""
    listed = [] if sequence is None else list(sequence.goals)
    if len(listed) == 1:
        return [("", listed[0].image)]
    return [(f"sub-goal {index} of {len(listed)}" + (f" ({g.source})" if g.source else ""),
             g.image) for index, g in enumerate(listed, 1)]


@pytest.mark.parametrize("seed", range(12))
def test_cached_goal_tuples_give_the_notes_of_fresh_lists(seed):
    rng = np.random.default_rng(seed)
    sizes = [(24, 32, 3), (32, 32, 3), (24, 40, 3)]
    inputs = PlannerInputs.__new__(PlannerInputs)
    inputs.session = types.SimpleNamespace(goals=None)
    cached, fresh = SizeNotes(32), SizeNotes(32)
    said = 0
    for _ in range(60):
        if rng.random() < 0.15:  # a new list, or none
            inputs.session.goals = None if rng.random() < 0.2 else _sequence(rng, sizes)
        frame = _image(rng, rng.choice(["grey", "colour", "colour", "black"]),
                       sizes[rng.integers(len(sizes))] if rng.random() < 0.2 else sizes[0])
        goals = inputs._goal_images()
        assert list(goals) == _fresh(inputs.session.goals)
        assert inputs._goal_images() is goals  # the same tuple while the same list
        expected_goals = _fresh(inputs.session.goals)
        expected = (fresh.check(frame.shape, goals=list(expected_goals))  # images, as the node
                    + fresh.colour(frame, goals=expected_goals))
        got = cached.check(frame.shape, goals=goals) + cached.colour(frame, goals=goals)
        assert got == expected
        said += len(got)
    assert said  # the streams do say notes (sizes, grey goals or frames)


def test_a_grey_goal_of_an_unchanged_list_is_noted_once_colour_frames_come():
    rng = np.random.default_rng(3)
    grey = _image(rng, "grey", (24, 32, 3))
    goals = (("sub-goal 1 of 2", _image(rng, "colour", (24, 32, 3))), ("sub-goal 2 of 2", grey))
    notes = SizeNotes(None)
    assert notes.colour(np.zeros((24, 32, 3), np.uint8), goals=goals) == []  # frames untold
    assert notes.goal_notes_pending
    (said,) = notes.colour(_image(rng, "colour", (24, 32, 3)), goals=goals)
    assert said.startswith("sub-goal 2 of 2: ") and not notes.goal_notes_pending
    assert notes.colour(_image(rng, "colour", (24, 32, 3)), goals=goals) == []

"""fix47b: each planner node keeps the goal images its parameter checks decoded in its own object.

The images were module state (``robot/goal_files._CHECKED``): two planner nodes in one process
(tests, a composed container) shared them, and one node's goal or emptied parameter released
the images the other had checked and was waiting to make its goal from.
"""

import numpy as np
from goal_image_files import PIXELS, _save

from vjepa_ros.nodes.goal_parameters import EMPTY, updated_goal_values
from vjepa_ros.robot import goal_files
from vjepa_ros.robot.checked_goal_images import CheckedGoalImages

NONE = {name: value for name, (value, _) in EMPTY.items()}


def test_two_nodes_images_are_neither_shared_nor_released_by_the_other(tmp_path, monkeypatch):
    """Node A checks two files, waits for goal_steps; node B sets, takes and empties its goal."""
    names = [_save(tmp_path / "a.png", PIXELS), _save(tmp_path / "b.png", 255 - PIXELS)]
    other = _save(tmp_path / "c.png", PIXELS[::-1].copy())
    first, second = CheckedGoalImages(), CheckedGoalImages()  # node A's, node B's
    waiting = updated_goal_values(NONE, {"goal_image_paths": names, "goal_steps": [5, 5, 5]},
                                  checked=first)  # the lists disagree: no goal yet
    given = updated_goal_values(NONE, {"goal_image_paths": [other]}, checked=second)
    assert len(first) == 2 and first.filled_by == "goal_image_paths" and len(second) == 1
    assert second.image(names[0]) is None and first.image(other) is None  # not shared
    (goal,) = goal_files.goals_from_files([other], checked=second)  # B's goal made: B's released
    assert np.array_equal(goal.image, PIXELS[::-1]) and len(second) == 0
    updated_goal_values(given, {"goal_image_paths": []}, checked=second)  # B's emptied
    updated_goal_values(NONE, {"goal_image_path": other}, checked=second)  # B checks anew
    assert len(first) == 2 and np.array_equal(first.image(names[1]), 255 - PIXELS)
    reads = []
    monkeypatch.setattr(goal_files, "load_image_file", lambda path: reads.append(path))
    waiting = updated_goal_values(waiting, {"goal_steps": [5, 5]}, checked=first)
    goals = goal_files.goals_from_files(names, waiting["goal_steps"], checked=first)
    assert not reads, "node A's checked images were released by node B: read again"
    assert np.array_equal(goals[0].image, PIXELS) and np.array_equal(goals[1].image, 255 - PIXELS)
    assert len(first) == 0 and len(second) == 1  # A's goal took A's images only

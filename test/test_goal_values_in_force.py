"""Goal parameters set to the values they hold change no goal, unless their files changed.

``nodes/goal_values_in_force.changed_goal_values`` (breaker58a): ``ros2 param load`` of the
planner's own dump must not restart the sub-goal list; a goal file rewritten on disk is read
again when its parameter is set again, and the line names it.
"""

import array
import os

import numpy as np
import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")

from vjepa_ros.images import save_image_file  # noqa: E402
from vjepa_ros.nodes.goal_values_in_force import changed_goal_values, file_keys  # noqa: E402

EMPTY = {"goal_image_path": "", "goal_image_paths": [], "goal_steps": [], "goal_gripper": []}


def _files(tmp_path, names="abc"):
    return [str(save_image_file(tmp_path / f"{name}.png", np.full((8, 8, 3), seed, np.uint8)))
            for seed, name in enumerate(names)]


def test_values_in_force_of_every_kind_are_no_change_and_real_changes_stay(tmp_path):
    paths = _files(tmp_path)
    current = {**EMPTY, "goal_image_paths": paths, "goal_steps": [4, 10, 4],
               "goal_gripper": [0.0, 1.0, 1.0]}
    read = {"goal_image_paths": file_keys("goal_image_paths", paths)}
    # rclpy hands arrays over as array('q') / array('d') and lists of str: the same values
    same = {"goal_image_path": "", "goal_image_paths": list(paths),
            "goal_steps": array.array("q", [4, 10, 4]),
            "goal_gripper": array.array("d", [0, 1, 1])}
    kept, lines = changed_goal_values(current, same, read)
    assert kept == {}
    assert len(lines) == 3 and all("no goal change" in line for line in lines), lines
    assert any(line.startswith("goal_steps set to its value in force [4, 10, 4]")
               for line in lines)
    kept, _ = changed_goal_values(current, {"goal_steps": [4, 12, 4], "goal_image_path": ""},
                                  read)
    assert kept == {"goal_steps": [4, 12, 4]}
    kept, _ = changed_goal_values(current, {"goal_image_paths": paths[::-1]}, read)
    assert kept == {"goal_image_paths": paths[::-1]}, "the same files in another order"


@pytest.mark.parametrize("how", ["rewritten", "copied over", "deleted"])
def test_a_goal_file_changed_on_disk_is_read_again_and_named(tmp_path, how):
    paths = _files(tmp_path)
    current = {**EMPTY, "goal_image_paths": paths}
    read = {"goal_image_paths": file_keys("goal_image_paths", paths)}
    if how == "rewritten":
        save_image_file(paths[1], np.full((8, 8, 3), 200, np.uint8))
    elif how == "copied over":
        os.replace(_files(tmp_path, "x")[0], paths[1])
    else:
        os.remove(paths[1])
    kept, lines = changed_goal_values(current, {"goal_image_paths": paths}, read)
    assert kept == {"goal_image_paths": paths}
    assert len(lines) == 1 and "1 of its files changed" in lines[0] and paths[1] in lines[0]
    assert paths[0] not in lines[0] and "read again" in lines[0]


def test_a_single_goal_file_and_a_parameter_never_read_are_judged_by_their_files(tmp_path):
    path = _files(tmp_path, "g")[0]
    current = {**EMPTY, "goal_image_path": path}
    kept, lines = changed_goal_values(current, {"goal_image_path": path},
                                      {"goal_image_path": file_keys("goal_image_path", path)})
    assert kept == {} and "its files unchanged" in lines[0]
    kept, lines = changed_goal_values(current, {"goal_image_path": path}, {})
    assert kept == {"goal_image_path": path} and "read again" in lines[0], "no keys: read it"


def test_an_empty_file_parameter_reaches_the_goal_rules_only_while_no_file_goal_is_set(tmp_path):
    """Emptied beside a captured goal: kept (goal_updates says the goal stays); beside files: not.

    Beside a file list, ``goal_image_path ''`` applied would load the list's files again.
    """
    kept, lines = changed_goal_values(EMPTY, dict(EMPTY), {})
    assert kept == {"goal_image_path": "", "goal_image_paths": []} and lines == []
    paths = _files(tmp_path)
    current = {**EMPTY, "goal_image_paths": paths}
    kept, _ = changed_goal_values(current, {"goal_image_path": "", "goal_steps": []},
                                  {"goal_image_paths": file_keys("goal_image_paths", paths)})
    assert kept == {}


def test_stored_values_are_judged_by_the_goal_in_force(tmp_path):
    """breaker62a #2, #3: a stored value the active goal does not run is no value in force.

    Waiting (or decoding) goal files set again are a change (they become the goal), not "no
    goal change"; ``[]`` beside sub-goals that kept given counts or closedness (``~/add_subgoal``
    keeps them, empties the parameter) applies the defaults. A goal held until changed (steps 0,
    a capture) is what ``[]`` describes, so a dump loaded beside it changes nothing.
    """
    from vjepa_ros.nodes.goal_values_in_force import stored_not_in_force
    from vjepa_ros.robot.subgoal import SubGoal

    paths = _files(tmp_path, "ab")
    image = np.zeros((8, 8, 3), np.uint8)
    waiting = {**EMPTY, "goal_image_paths": paths}
    assert stored_not_in_force(waiting, "", [], None) == {"goal_image_paths"}
    kept, lines = changed_goal_values(waiting, {"goal_image_paths": paths},
                                      {"goal_image_paths": file_keys("goal_image_paths", paths)},
                                      stored_not_in_force(waiting, "", [], None))
    assert kept == {"goal_image_paths": paths} and lines == []
    loaded = [SubGoal(image, None), SubGoal(image, None)]
    assert stored_not_in_force(waiting, "goal_image_paths", paths, loaded) == set()
    assert stored_not_in_force(waiting, "goal_image_paths", paths[:1], loaded) == {
        "goal_image_paths"}, "other files loaded: these still wait"
    kept_counts = [SubGoal(image, 2, gripper=1.0), SubGoal(image, 3, gripper=0.0),
                   SubGoal(image, None)]
    assert stored_not_in_force(EMPTY, "", [], kept_counts) == {"goal_steps", "goal_gripper"}
    kept, lines = changed_goal_values(EMPTY, {"goal_steps": [], "goal_gripper": []}, {},
                                      stored_not_in_force(EMPTY, "", [], kept_counts))
    assert kept == {"goal_steps": [], "goal_gripper": []} and lines == []
    given = {**EMPTY, "goal_steps": [2, 3, 4], "goal_gripper": [1.0, 0.0, 0.0]}
    retuned = [SubGoal(image, 2, gripper=1.0), SubGoal(image, 3, gripper=0.0),
               SubGoal(image, 4, gripper=0.0)]
    assert stored_not_in_force(given, "", [], retuned) == set()
    assert stored_not_in_force(EMPTY, "", [], [SubGoal(image, 0)]) == set(), "held until changed"
    assert stored_not_in_force(given, "", [], None) == set(), "no goal: they wait for files"

"""The planner node's goal parameters checked one value at a time (``nodes/goal_parameters.py``).

Each value on its own, whatever the other lists hold (a bad value once slipped through while the
lists disagreed in length, and a later change was refused naming the earlier parameter);
``goal_image_path`` and ``goal_image_paths`` never both hold files. Over ROS:
``test_ros_planner_goals.test_goal_parameters_are_checked_alone_and_emptied_with_the_goal``.
"""

import math

import numpy as np
import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from rclpy.parameter import Parameter  # noqa: E402

from vjepa_ros.images import ImageError, save_image_file  # noqa: E402
from vjepa_ros.nodes.goal_parameters import (  # noqa: E402
    EMPTY,
    emptied,
    goal_files,
    updated_goal_values,
)
from vjepa_ros.robot.goal_files import check_goal_steps, goal_files_problem  # noqa: E402
from vjepa_ros.robot.goals import GoalSwitchConfig  # noqa: E402

NONE = {name: value for name, (value, _) in EMPTY.items()}


@pytest.fixture
def files(tmp_path):
    """Two good goal files, one 20x20 px, one 500x100 px (too elongated)."""
    def save(name, height, width):
        pixels = np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)
        return str(save_image_file(tmp_path / name, pixels))

    return {"good": [save("g0.png", 64, 64), save("g1.png", 64, 64)],
            "tiny": save("tiny.png", 20, 20), "wide": save("wide.png", 100, 500)}


def test_each_value_is_checked_alone_while_the_lists_disagree(files):
    two = updated_goal_values(NONE, {"goal_image_paths": files["good"]})
    for name, bad, reason in [
        ("goal_steps", [-3], "goal_steps entry 1 of 1 is -3: give executed-step counts >= 0"),
        ("goal_steps", [0, 2], "goal_steps entry 1 of 2 is 0 (no limit) but not the last"),
        ("goal_gripper", [math.nan], "goal_gripper entries must be closedness values in [0, 1]"),
        ("goal_gripper", [2.0], "goal_gripper entries must be closedness values in [0, 1]"),
        ("goal_image_paths", [""], "goal_image_paths entry 1 of 1 is empty"),
        ("goal_image_paths", [files["good"][0], files["tiny"]],
         f"goal_image_paths entry 2 of 2: {files['tiny']} is 20x20 px"),
    ]:
        with pytest.raises(ValueError) as refused:
            updated_goal_values(two, {name: bad})
        assert str(refused.value).startswith(reason), (name, bad, str(refused.value))
    for name in ("tiny", "wide"):  # alone, before the rule that goal_image_paths is set
        with pytest.raises(ImageError, match=f"^goal_image_path: {files[name]} "):
            updated_goal_values(two, {"goal_image_path": files[name]})
    # Lengths alone wait: accepted here, the node logs "goal not changed yet"
    values = updated_goal_values(two, {"goal_steps": [3]})
    assert goal_files_problem(*goal_files(values), GoalSwitchConfig()) == (
        "2 goal images but 1 goal_steps; set goal_steps with one count per image (or none)")
    check_goal_steps([4, 10, 0])  # 0 on the last entry: held until changed


def test_a_single_goal_file_with_several_step_counts_waits():
    assert goal_files_problem(["g.png"], [3, 3], [], GoalSwitchConfig()).startswith(
        "1 goal image but 2 goal_steps")


def test_goal_image_path_and_goal_image_paths_are_one_or_the_other(files):
    one, other = files["good"]
    listed = updated_goal_values(NONE, {"goal_image_paths": files["good"]})
    with pytest.raises(ValueError, match=r"^goal_image_path cannot be set while goal_image_paths "
                                         r"holds 2 sub-goal file\(s\): set goal_image_paths to "
                                         r"\[\] first \(or call ~/clear_goals\)"):
        updated_goal_values(listed, {"goal_image_path": other})
    single = updated_goal_values(NONE, {"goal_image_path": one})
    with pytest.raises(ValueError, match=f"^goal_image_paths cannot be set while goal_image_path "
                                         f"holds {one}: set goal_image_path to '' first"):
        updated_goal_values(single, {"goal_image_paths": files["good"]})
    with pytest.raises(ValueError, match="^goal_image_path and goal_image_paths are both set"):
        updated_goal_values(NONE, {"goal_image_path": one, "goal_image_paths": [other]})
    # emptying the one and setting the other in one request, or one after the other, is fine
    both = updated_goal_values(single, {"goal_image_path": "", "goal_image_paths": [other]})
    assert goal_files(both)[0] == [other]
    assert goal_files(updated_goal_values(listed, {"goal_image_path": ""}))[0] == files["good"]


def test_emptied_sets_back_only_what_is_set_with_its_ros_type(files):
    values = {**NONE, "goal_image_paths": files["good"], "goal_steps": [3, 3]}
    params = emptied(values)
    assert [(p.name, p.type_, p.value) for p in params] == [
        ("goal_image_paths", Parameter.Type.STRING_ARRAY, []),
        ("goal_steps", Parameter.Type.INTEGER_ARRAY, [])]
    assert emptied(NONE) == []

"""README's ``ros2 topic pub`` goal poses: unit quaternions once the message's defaults fill in.

``ros2 topic pub`` starts from the message class's defaults and sets the fields the YAML names;
geometry_msgs/Quaternion's ``w`` defaults to 1, so ``orientation: {x: 1.0}`` is (1, 0, 0, 1),
norm 1.414, and the simulator refuses that goal (``goal target pose refused: orientation
quaternion has norm 1.41421``, live52): the README's planner-against-the-simulator steps then
never give the planner a goal image.
"""

import math
import re
from pathlib import Path

import pytest
import yaml

README = Path(__file__).resolve().parents[1] / "README.md"
PUB = re.compile(r"ros2 topic pub[^\n]*geometry_msgs/msg/PoseStamped\s*\\?\s*\n?\s*\"([^\"]+)\"")


def readme_goal_poses() -> list[str]:
    """Return the YAML of every ``ros2 topic pub ... PoseStamped`` in the README."""
    return PUB.findall(README.read_text(encoding="utf-8"))


def test_readme_has_goal_pose_commands():
    assert readme_goal_poses(), "no `ros2 topic pub ... PoseStamped` found in README.md"


@pytest.mark.parametrize("text", readme_goal_poses())
def test_readme_goal_pose_quaternion_is_unit_with_message_defaults(text):
    msgs = pytest.importorskip("geometry_msgs.msg")
    default = msgs.Quaternion()
    given = yaml.safe_load(text)["pose"].get("orientation", {})
    q = [float(given.get(axis, getattr(default, axis))) for axis in "xyzw"]
    assert math.isclose(math.hypot(*q), 1.0, abs_tol=1e-3), (
        f"README goal pose {text!r}: orientation {q} (message defaults filled in) has norm "
        f"{math.hypot(*q):.5f}; the simulator refuses it")

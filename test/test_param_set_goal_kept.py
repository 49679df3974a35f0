"""``vjepa-ros planner param set`` of a goal parameter says when the planner kept its goal.

user61 #3, fixed by fix61u.

The planner stores goal values whose lists disagree (``goal_steps`` [2, 2, 0] beside two goal
files) but changes no goal until they agree, saying so in one warning only (rclpy answers the
set without its reason): the command printed ``set ...`` and status 0. Now it prints that line
too and exits 1, as ``goal-image`` does; a value that takes effect is still 0. Against a real
planner node (tiny random model, in this process; the command in a process of its own).
"""

import pytest

from conftest import REPO_ROOT

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")

from test_breaker59k import planner, planner_cli, planner_goal, said  # noqa: E402,F401


class _Logged:
    """The client as ``goal_kept`` uses it: the planner's /rosout lines already in."""

    target = "/vjepa_planner"

    def spin_until(self, done, timeout_s):
        return bool(done())


@pytest.mark.parametrize("logs, status", [
    ([(30, "p: goal not changed yet: goal_steps has 3 entries, goal_image_paths 2")], 1),
    ([(20, "p: goal not changed yet: an info line is no warning")], 0),
    ([(30, "p: the gripper topic's fingers are ignored: goal not changed yet: no")], 0),
    ([(20, "p: goal_steps [3, 0] applied to the active goal's 2 sub-goal(s)")], 0),
])
def test_only_the_planners_not_changed_warning_decides(capsys, logs, status):
    from vjepa_ros.nodes.planner_verbs import goal_kept

    assert goal_kept("vjepa-ros planner param set", _Logged(), logs) == status
    out, err = capsys.readouterr()
    assert out == (f"{logs[0][1]}\n" if status else "")
    assert ("kept its goal" in err) == bool(status), err


@pytest.mark.usefixtures("planner")  # (the fixture imported above)
def test_goal_steps_that_do_not_fit_the_files_are_status_1_with_the_planners_line(tmp_path):
    import cv2
    import numpy as np

    goal = tmp_path / "goal.png"
    cv2.imwrite(str(goal), np.full((64, 64, 3), 90, np.uint8))
    done = planner_cli("goal-image", str(goal), str(goal), "--steps", "2", "0",
                       "--gripper", "1", "0.25", cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr
    before = planner_goal()
    done = planner_cli("param", "set", "goal_steps", "[2, 2, 0]")
    assert done.returncode == 1, done
    assert "set goal_steps = [2, 2, 0]" in done.stdout, done.stdout
    assert "goal not changed yet: " in done.stdout, done.stdout
    (line,) = said(done)
    assert line.startswith("vjepa-ros planner param set: ") and "kept its goal" in line, line
    assert planner_goal() == before
    done = planner_cli("param", "set", "goal_steps", "[3, 0]")  # fits: taken, 0
    assert done.returncode == 0, done
    assert "goal not changed yet" not in done.stdout, done.stdout

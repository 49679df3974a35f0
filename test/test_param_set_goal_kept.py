"""``vjepa-ros planner param set`` of goal parameters: the node's published state decides.

user61 #3 (fix61u), then mend62b (session 61's final read #3). A goal parameter set is answered
before the planner applies it (goal files decode after the answer; rclpy drops a successful
set's reason). fix61u read the planner's /rosout ``goal not changed yet`` line: at another log
level it was missed, a file the decode refused (its parameter set back) was status 0, and
every good set waited 2 s for a line that never came. Now the planner publishes
``goal_decoding`` and ``goal_not_applied`` on ``/diagnostics`` and the command reads them
(``nodes/goal_state.py``): at the node's WARN and INFO levels alike a good file is 0 naming
the goal, a file the decode refuses is 1 with the node's line, a missing file is the set's
refusal (1), goal lists that disagree are 1 with ``goal not changed yet: ...``. Against a real
planner node (tiny random model, in this process; the command in a process of its own).
"""

import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")

from test_breaker59k import planner, planner_cli, planner_goal, said  # noqa: E402,F401

LEVELS = ["WARN", "INFO"]


@pytest.fixture(params=LEVELS)
def level(planner, request):  # noqa: F811
    """Run the in-process planner's logger at ``request.param``; INFO again afterwards."""
    from rclpy.logging import LoggingSeverity

    planner.get_logger().set_level(getattr(LoggingSeverity, request.param))
    yield request.param
    planner.get_logger().set_level(LoggingSeverity.INFO)


def _png(path, value: int):
    import cv2
    import numpy as np

    cv2.imwrite(str(path), np.full((64, 64, 3), value, np.uint8))
    return path


def _set_file(path) -> "subprocess.CompletedProcess":  # noqa: F821
    """``param set`` one goal file (goals.gripper subgoal: its closedness with it)."""
    return planner_cli("param", "set", "goal_image_paths", "[]", "goal_steps", "[]",
                       "goal_gripper", "[0.5]", "goal_image_path", str(path))


def test_goal_steps_that_do_not_fit_the_files_are_status_1_with_the_planners_line(
        planner, level, tmp_path):  # noqa: F811
    goal = _png(tmp_path / "goal.png", 90)
    done = planner_cli("goal-image", str(goal), str(goal), "--steps", "2", "0",
                       "--gripper", "1", "0.25")
    assert done.returncode == 0, (done.stdout, done.stderr)
    before = planner_goal()
    done = planner_cli("param", "set", "goal_steps", "[2, 2, 0]")
    assert done.returncode == 1, done
    assert "set goal_steps = [2, 2, 0]" in done.stdout, done.stdout
    assert "goal not changed yet: " in done.stdout, done.stdout  # the node's own words
    (line,) = said(done)
    assert line.startswith("vjepa-ros planner param set: /vjepa_planner did not take the goal "
                           "values: its line above"), line
    assert planner_goal() == before
    assert planner.get_parameter("goal_steps").value.tolist() == [2, 2, 0]  # stored
    done = planner_cli("param", "set", "goal_steps", "[3, 0]")  # fits: applied, 0
    assert done.returncode == 0, done
    assert "goal not changed yet" not in done.stdout, done.stdout
    assert f"goal: goal 1/2 ({goal})" in done.stdout, done.stdout
    assert planner.session.status()["values"]["goal"].startswith(f"goal 1/2 ({goal})")


def test_a_good_goal_file_is_0_naming_the_goal(planner, level, tmp_path):  # noqa: F811
    goal = _png(tmp_path / f"good_{level}.png", 120)
    done = _set_file(goal)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert f"set goal_image_paths = [], goal_steps = [], goal_gripper = [0.5], goal_image_path " \
           f'= "{goal}"' in done.stdout, done.stdout
    assert f"goal: goal 1/1 ({goal})" in done.stdout, done.stdout
    assert said(done) == [], done.stderr
    assert planner.session.status()["values"]["goal"].startswith(f"goal 1/1 ({goal})")


def test_a_file_the_decode_refuses_is_1_with_the_nodes_line(planner, level,  # noqa: F811
                                                             tmp_path):
    """A PNG cut short: its header passes the set's check, its decode refuses it.

    Before: ``set ...`` and status 0 (the planner set ``goal_image_path`` back after the
    answer, saying so in a line the command did not read).
    """
    good = _png(tmp_path / f"kept_{level}.png", 60)
    assert _set_file(good).returncode == 0
    data = _png(tmp_path / "whole.png", 30).read_bytes()
    cut = tmp_path / f"cut_{level}.png"
    cut.write_bytes(data[:len(data) // 2])
    done = _set_file(cut)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "goal_image_path not applied: " in done.stdout, done.stdout
    assert f"goal_image_path is set back to '{good}'" in done.stdout, done.stdout
    (line,) = said(done)
    assert "did not take the goal values: its line above" in line, line
    assert planner.get_parameter("goal_image_path").value == str(good)
    assert planner.session.status()["values"]["goal"].startswith(f"goal 1/1 ({good})")


def test_a_missing_goal_file_is_the_sets_refusal(planner, level, tmp_path):  # noqa: F811
    missing = tmp_path / "missing.png"
    before = planner.get_parameter("goal_image_path").value
    done = _set_file(missing)
    assert done.returncode == 1, (done.stdout, done.stderr)
    (line,) = said(done)
    assert line.startswith("vjepa-ros planner param set: /vjepa_planner refused: "), line
    assert str(missing) in line, line
    assert planner.get_parameter("goal_image_path").value == before

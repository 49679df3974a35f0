"""fix61misc #3: ``vjepa-ros planner goal-image`` learns the outcome whatever the log level.

goal-image read the planner's answer from its ``/rosout`` lines: with ``vjepa-ros launch
--log-level planner:=warn`` the ``new goal: ...`` line (INFO) never comes, so it waited 60 s
and fell back to one ``/diagnostics`` status; at a level above ERROR a file the decode refuses
was said only as "said nothing of the goal files in 60 s". And the node's error ``applying a
decoded goal failed, commanding disabled: ...`` was not read as a refusal. Now the node's
published state decides as soon as it tells (``nodes/goal_state.py``: its ``/diagnostics`` goal
names the files; the planner set the file parameter back), and the failed apply is a refusal.
The planner node (tiny model) and the simulator run in this process (``test_planner_cli``'s
rig); the command runs as the console script, in a process of its own.
"""

import pytest
from test_planner_cli import planner_cli, ros  # noqa: F401 (the planner and simulator rig)

from vjepa_ros.nodes.goal_decodes import APPLYING
from vjepa_ros.robot.goal_words import APPLY_FAILED, REFUSED, file_word, image_word

FAILED = (f"vjepa_planner: {APPLYING} failed, commanding disabled: RuntimeError: boom (see the "
          "log; ~/enable true commands again)")


def test_the_failed_apply_line_is_a_refusal_of_files_and_images():
    assert APPLY_FAILED == f"{APPLYING} failed, commanding disabled: "  # the node's own head
    assert file_word(40, FAILED, "goal_image_path", "/g.png") == REFUSED
    assert image_word(40, FAILED, "/vjepa_planner/goal_image") == REFUSED
    # the same words at a lower level, or quoted inside another line, decide nothing
    assert file_word(20, FAILED, "goal_image_path", "/g.png") is None
    quoted = f"vjepa_planner: note: {FAILED.partition(': ')[2]}"
    assert file_word(40, quoted, "goal_image_path", "/g.png") is None


@pytest.fixture
def quiet(ros):  # noqa: F811
    """Set the in-process planner's logger to a severity; restored after the test."""
    from rclpy.logging import LoggingSeverity

    planner, _ = ros
    logger = planner.get_logger()
    yield logger.set_level
    logger.set_level(LoggingSeverity.INFO)


def test_a_planner_at_warn_is_answered_from_its_diagnostics_goal(ros, quiet,  # noqa: F811
                                                                 franka_example, tmp_path):
    """``launch --log-level planner:=warn``, then ``vjepa-ros planner goal-image goal.png``.

    Before: no ``new goal`` line came; the command waited its 60 s, then read one status.
    Now: the status that names the file answers, said so, status 0.
    """
    import cv2
    from rclpy.logging import LoggingSeverity

    planner, _ = ros
    goal = tmp_path / "warn_goal.png"
    cv2.imwrite(str(goal), franka_example["frames"][1][:, :, ::-1])
    quiet(LoggingSeverity.WARN)
    done = planner_cli("goal-image", str(goal))
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert f"new goal: goal 1/1 ({goal})" in done.stdout, done.stdout
    assert "the planner's /diagnostics goal: its log level publishes no INFO line" \
        in done.stdout, done.stdout
    assert "said nothing" not in done.stderr, done.stderr
    assert planner.session.status()["values"]["goal"].startswith(f"goal 1/1 ({goal})")


def test_a_file_refused_by_a_silent_planner_is_said_from_its_parameter(ros, quiet,  # noqa: F811
                                                                      tmp_path):
    """A planner at ``--log-level planner:=fatal``; goal-image of a PNG with transparent pixels.

    Its header passes the set's check, the decode refuses it and the planner sets
    ``goal_image_path`` back, saying so in an ERROR line that level does not publish.
    Before: "said nothing of the goal files in 60 s". Now: status 1 with the node's line, read
    from its ``/diagnostics`` ``goal_not_applied`` (mend62b; fix61misc named the value the
    parameter holds again, which is said when no such line stands: ``not_taken``).
    """
    import cv2
    import numpy as np
    from rclpy.logging import LoggingSeverity

    planner, _ = ros
    pixels = np.full((64, 64, 4), 200, np.uint8)
    pixels[:8, :8, 3] = 0  # transparent corner: refused when decoded
    goal = tmp_path / "transparent.png"
    cv2.imwrite(str(goal), pixels)
    before = planner.get_parameter("goal_image_path").value
    quiet(LoggingSeverity.FATAL)
    done = planner_cli("goal-image", str(goal))
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "did not take the goal files: its line above" in done.stderr, done.stderr
    assert f"goal_image_path is set back to {before!r}" in done.stdout, done.stdout
    assert "said nothing" not in done.stderr, done.stderr
    assert planner.get_parameter("goal_image_path").value == before


def test_files_in_force_past_subgoal_1_are_answered_at_warn(ros, quiet, franka_example,  # noqa: F811
                                                             tmp_path):
    """A planner at WARN on sub-goal 2 of two files; ``goal-image`` of the same files again.

    The values are those in force: no goal change, said in an INFO line that level drops, and
    the status goal names the second file. Before (mend62b): the 60 s wait, then status 1
    ("its status names another goal"). Now: the node's state (no goal decoding, nothing not
    applied, the files still set) answers: status 0, the goal in force named.
    """
    import cv2
    from rclpy.logging import LoggingSeverity

    planner, _ = ros
    files = [tmp_path / "first.png", tmp_path / "second.png"]
    for path, frame in zip(files, franka_example["frames"][:2], strict=True):
        cv2.imwrite(str(path), frame[:, :, ::-1])
    argv = ["goal-image", *map(str, files), "--steps", "1", "0"]
    assert planner_cli(*argv).returncode == 0
    with planner.session._lock:  # the arm reached sub-goal 1: its one step counted
        assert planner.session.goals.count_step() is not None
    assert planner.session.status()["values"]["goal"].startswith(f"goal 2/2 ({files[1]})")
    quiet(LoggingSeverity.WARN)
    done = planner_cli(*argv)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert f"the goal in force: goal 2/2 ({files[1]})" in done.stdout, done.stdout
    assert "said nothing" not in done.stderr, done.stderr

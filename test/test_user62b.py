"""user62b: a lab roboticist on session 62's features, following the README and its docs.

Each test is a strict xfail for a defect found by using the commands as documented: the
damaged-frame handling of ``eval``/``inspect`` (fix62b, fix62c) and the goal files of
``vjepa-ros planner goal-image`` in a namespace (mend62f, fix61misc). Bags are written
in-process (``recordings.bag_writing``); the planner is a real node (tiny random model) in
this process, the command in a process of its own.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from sim_planner_rig import spinning
from test_breaker59k import planner, planner_cli  # noqa: F401
from test_breaker62b import CAMERA, FINGERS, FRAMES, GRIPPER, POSE, _frame, _time
from test_fix62b import _bag, _short_raw

from vjepa_ros.cli import main
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_writing import write_messages

LOST = 12  # the frame whose raw data is cut short (message 13 of 20)


def test_eval_says_on_the_terminal_which_frame_did_not_decode(tmp_path, capsys):
    """The user runs ``vjepa-ros eval`` on a bag one of whose frames is cut short.

    What happens: eval plans 17 of 19 steps and prints ``steps 17 evaluated of 20 at 4 Hz (20
    valid)`` with no note; the damage note (docs/evaluation.md: "one note naming the bag, the
    topic, the message, its stamp and what to do") is only in report.json's notes, so the user
    never learns why two steps are missing. What should happen: the note printed with eval's
    other notes, as ``inspect`` prints it.
    """
    bag = _bag(tmp_path / "bag", _short_raw({LOST}), False)
    status = main(["eval", str(bag), "--samples", "8", "--iterations", "1", "--topk", "2",
                   "--no-plots", "--quiet", "--out", str(tmp_path / "ev")])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "did not decode" in (tmp_path / "ev" / "report.json").read_text()  # made ...
    assert f"message {LOST + 1} (counting from 1)" in out and "did not decode" in out, out


def _still_bag(path):
    """Write a 4 Hz bag whose arm stands still from step 3 to 4; frame LOST's data cut short."""
    entries = []
    for k in range(FRAMES):
        t = _time(k)
        x = 0.40 + 0.005 * (k if k <= 3 else k - 1)  # step 3 -> 4: no motion
        state = np.array([x, 0.0, 0.40, np.pi, 0.0, 0.0, 0.0])
        entries.append((POSE, m.POSE_STAMPED, t, m.pose_message(state, t, "base")))
        entries.append((GRIPPER, m.JOINT_STATE, t,
                        m.joint_state_message(FINGERS, [0.04, 0.04], t)))
        image = m.image_message(_frame(k), t, "cam")
        if k == LOST:
            image.data = image.data[:-100]
        entries.append((CAMERA, m.IMAGE, t + 1000, image))
    return write_messages(path, sorted(entries, key=lambda entry: entry[2]))


def test_the_still_steps_note_counts_the_steps_eval_plans(tmp_path, capsys):
    """The user runs ``vjepa-ros inspect`` (or eval) on a bag: a damaged frame, a still step.

    What happens: ``eval 17 steps to plan of 20`` then ``note 1 of 19 evaluated steps moved
    less than 2 mm ...; signs are scored x on 18 ...``: the note counts the two steps the lost
    frame drops (eval's own summary says ``steps 17 evaluated`` beside the same note). What
    should happen: the note's count of evaluated steps (and the axes' counts) is eval's, 17.
    """
    bag = _still_bag(tmp_path / "bag")
    assert main(["inspect", str(bag)]) == 0
    out = capsys.readouterr().out
    planned = re.search(r"^eval +(\d+) steps to plan of", out, re.M)
    still = re.search(r"(\d+) of (\d+) evaluated steps moved less than", out)
    assert planned and still and "did not decode" in out, out
    assert int(still.group(2)) == int(planned.group(1)), out


def _png(path, value: int):
    import cv2

    cv2.imwrite(str(path), np.full((64, 64, 3), value, np.uint8))
    return path


def test_a_refused_goal_list_sets_goal_image_path_back(planner, tmp_path):  # noqa: F811
    """The user sets ``goal-image good.png``, then ``goal-image good.png cut.png --steps 2 3``.

    What happens: the second is refused (status 1: cut.png is truncated, "the previous goal
    stays (goal 1/1 (good.png) ...)"), but the command's atomic set had emptied
    ``goal_image_path`` and the node puts back only ``goal_image_paths`` and ``goal_steps``
    (giving the wrong reason, "the goal's files are gone or changed since they were loaded"):
    ``param get goal_image_path`` says "" while good.png's goal is the one planned toward,
    unlike a refused single file, whose ``goal_image_path is set back to '...' (the files of
    the goal in force)``. What should happen: ``goal_image_path`` set back to good.png too.
    """
    good = _png(tmp_path / "good.png", 90)
    data = _png(tmp_path / "whole.png", 30).read_bytes()
    cut = tmp_path / "cut.png"
    cut.write_bytes(data[:len(data) // 2])
    done = planner_cli("goal-image", str(good), "--gripper", "0.5")
    assert done.returncode == 0, (done.stdout, done.stderr)
    done = planner_cli("goal-image", str(good), str(cut), "--steps", "2", "3",
                       "--gripper", "0.5", "0.5")
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert planner.session.status()["values"]["goal"].startswith(f"goal 1/1 ({good})")
    assert planner.get_parameter("goal_image_path").value == str(good)
    assert planner.get_parameter("goal_image_paths").value == []
    said = done.stdout + done.stderr  # the true reason: cut.png, GOOD the goal in force
    assert str(cut) in said and f"goal_image_path is set back to '{good}' (the files of the " \
        "goal in force)" in said and "gone or changed" not in said, said


@pytest.fixture(scope="module")
def arm1_planner(tiny_world_model):
    """Run a planner node as /arm1/vjepa_planner (tiny model, goals.gripper: the default)."""
    import rclpy

    from vjepa_ros.nodes.node_launch import NodeLaunch
    from vjepa_ros.nodes.planner_node import PlannerNode

    context = rclpy.Context()
    rclpy.init(context=context)
    launch = NodeLaunch("planner", namespace="/arm1", parameters={
        "model.checkpoint": str(tiny_world_model), "model.device": "cpu",
        "planner.horizon": 1, "planner.samples": 16, "planner.topk": 4,
        "planner.iterations": 1})
    with spinning(context, (PlannerNode(context=context, **launch.node_kwargs()),)) as (node,):
        yield node


def test_param_set_goal_gripper_that_does_nothing_is_said(arm1_planner, tmp_path):
    """The user sets ``param set goal_gripper '[1, 0]'`` beside two goal files, gripper planned.

    What happens: ``set goal_gripper = [1.0, 0.0]``, ``goal: goal 1/2 (...)``, status 0; the
    planner's warning ``goal_gripper does nothing while goals.gripper is 'planned' ...: restart
    the planner with goals.gripper subgoal ...`` goes to its log only, though ``goal-image
    --gripper 0 1`` prints that same line to the user. What should happen: the command prints
    the node's warning (as goal-image does), so an option that does nothing is not taken as
    applied.
    """
    node = "--node", "/arm1/vjepa_planner"
    one, two = _png(tmp_path / "one.png", 60), _png(tmp_path / "two.png", 120)
    done = planner_cli("goal-image", str(one), str(two), *node)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert "does nothing" not in done.stdout + done.stderr  # no goal_gripper: nothing to say
    done = planner_cli("goal-image", str(one), str(two), "--gripper", "0", "1", *node)
    assert done.returncode == 0 and "goal_gripper does nothing" in done.stdout, done.stdout
    done = planner_cli("param", "set", "goal_gripper", "[1, 0]", *node)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert arm1_planner.get_parameter("goal_gripper").value.tolist() == [1.0, 0.0]
    assert "goal_gripper does nothing" in done.stdout + done.stderr, done.stdout
    assert done.stdout.count("goal_gripper does nothing") == 1, done.stdout
    # fix62g: the family. The value in force set again does nothing either: said again; back
    # to [] (the default) is nothing to say; goal-image's line from /diagnostics said once
    done = planner_cli("param", "set", "goal_gripper", "[1, 0]", *node)
    assert done.returncode == 0 and "goal_gripper does nothing" in done.stdout, done.stdout
    done = planner_cli("param", "set", "goal_gripper", "[]", *node)
    assert done.returncode == 0 and "does nothing" not in done.stdout, done.stdout
    done = planner_cli("goal-image", str(one), str(two), "--gripper", "1", "0", *node)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert done.stdout.count("goal_gripper does nothing") == 1, done.stdout

"""fix58s: a close its server claims reached (SUCCEEDED, ``reached_goal``) is still a hold.

franka_gripper with grasp epsilons wide enough to accept the object (what
docs/subgoals_gripper.md tells a lab without ``control_msgs`` to use) ends a close stopped on an
object SUCCEEDED with ``reached_goal`` there. A goal that closes (to the fully closed hand, or
below the finger measured when it was sent: ``gripper_results._closing``) and stopped above its
goal is a hold whatever the claim; an open stopped short and a middle width not known to close
keep "the position wins over the claim".
"""

from __future__ import annotations

import types

import pytest
from test_breaker58g import MAX_WIDTH, SUCCEEDED, scripted

from vjepa_ros.robot.gripper_results import judge_result


def claimed(position):
    return types.SimpleNamespace(position=position, effort=0.0, stalled=False, reached_goal=True)


@pytest.mark.parametrize("goal", [0.0, 0.002, 0.01, 0.02], ids=["closed", "0.95", "0.75", "half"])
@pytest.mark.parametrize("full_width", [False, True])
def test_a_close_from_a_wider_finger_claimed_above_its_goal_is_a_hold(goal, full_width):
    """Fingers 40 mm (each) when sent, stopped at 31 mm (each) on an object: 62 mm held."""
    position = 0.031
    judged = judge_result(SUCCEEDED, goal, claimed(2 * position if full_width else position),
                          MAX_WIDTH, full_width, start=0.04, finger=position)
    assert judged.held == pytest.approx(2 * position), judged
    assert "reached the goal" not in judged.stopped, judged.stopped


def test_a_full_close_unmeasured_claimed_above_its_goal_is_a_hold():
    judged = judge_result(SUCCEEDED, 0.0, claimed(0.015), MAX_WIDTH)
    assert judged.held == pytest.approx(0.03), judged


@pytest.mark.parametrize("start", [None, 0.02], ids=["unmeasured", "from_the_goal"])
def test_a_middle_width_not_known_to_close_claimed_far_above_it_fails(start):
    """Closedness 0.5 (20 mm a finger) claimed at 35 mm: the position wins."""
    judged = judge_result(SUCCEEDED, 0.02, claimed(0.035), MAX_WIDTH, start=start)
    assert judged.held is None and "its result says it reached the goal" in judged.stopped, judged


@pytest.mark.parametrize("goal", [0.03, MAX_WIDTH / 2 - 0.002])
def test_an_open_claimed_short_of_its_goal_fails(goal):
    """From 10 mm a finger out to ``goal``, claimed reached at 12 mm: no hold, a failure."""
    judged = judge_result(SUCCEEDED, goal, claimed(0.012), MAX_WIDTH, start=0.01)
    assert judged.held is None and "its result says it reached the goal" in judged.stopped, judged


def test_a_close_claimed_at_the_full_opening_unmoved_never_closed():
    """The claim does not make fingers left at the hand's full opening a hold."""
    judged = judge_result(SUCCEEDED, 0.0, claimed(MAX_WIDTH / 2), MAX_WIDTH,
                          start=MAX_WIDTH / 2)
    assert judged.held is None and "they never closed" in judged.stopped, judged


@pytest.mark.parametrize("closedness", [1.0, 0.9])
def test_a_claimed_grasp_is_said_once_and_not_sent_again(closedness):
    """Through GripperGoals: the hand measured open, each close claimed reached at 30 mm."""
    goals, server, logs = scripted([(SUCCEEDED, 0.015, False, True)] * 2,
                                   measured=lambda: MAX_WIDTH)
    for _ in range(2):
        delivery = goals.send(closedness)
        assert delivery.state == "ended" and not delivery.needs_resend(), (delivery.state, logs)
    assert not [line for level, line in logs if level == "warning"], logs
    assert [line for level, line in logs if "holding an object 30 mm wide" in line], logs
    assert goals.problem() == ""


@pytest.mark.parametrize(("init", "run", "reads"), [
    (0.08, 0.07, "35 mm open reads closedness 0.5 here, 0.5625 to the init"),
    (0.07, 0.08, "35 mm open reads closedness 0.5625 here, 0.5 to the init")])
def test_train_says_what_a_hand_reads_under_an_init_of_another_width(init, run, reads):
    """review58s: init_hand_notes shares the planner's example, in [0, 1] either way."""
    from vjepa_ros.train.config import make_config
    from vjepa_ros.train.predictor_init import init_hand_notes

    config = make_config({"out": "run", "data.topics.gripper_max_width": run})
    notes = init_hand_notes(config, None, init, "init.pt")
    assert len(notes) == 1 and reads in notes[0] and "differ by up to 0.125" in notes[0], notes
    assert init_hand_notes(config, None, run, "init.pt") == []

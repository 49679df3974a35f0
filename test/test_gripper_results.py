"""One GripperCommand result judged once (``robot.gripper_results.judge_result``), without ROS.

The node reads each result with ``judge_result``: the object held, where the fingers stopped, an
open at the hand's full opening, the out-of-range advice, and whether the server reports the
width between the fingers (a ROS 1-style server, told from one result and read so from then on).
"""

from __future__ import annotations

import itertools
import types

import pytest

from vjepa_ros.robot.gripper_results import (
    STATUS_ABORTED,
    STATUS_CANCELED,
    STATUS_SUCCEEDED,
    _held,
    _out_of_range,
    _reached,
    _stopped,
    judge_result,
)

MAX = 0.08  # [m] the hand's full opening (a Franka hand)


def result(position, stalled: bool = False, reached: bool = False):
    """Return a GripperCommand result as control_msgs carries it (position [m], flags)."""
    return types.SimpleNamespace(position=position, effort=0.0, stalled=stalled,
                                 reached_goal=reached)


def test_a_close_stopped_on_an_object_is_a_hold_in_franka_ros2_units():
    judged = judge_result(STATUS_ABORTED, 0.0, result(0.02), MAX, start=0.04, finger=0.02)
    assert judged.held == pytest.approx(0.04) and not judged.full_width
    assert judged.stopped == "the fingers stopped at 40 mm, 0 mm asked"
    assert not judged.reached and judged.advice == ""


def test_a_full_width_server_is_told_from_a_result_above_half_the_hand():
    """80 mm reported for a failed close: the whole width, fingers never closed, nothing held."""
    judged = judge_result(STATUS_ABORTED, 0.0, result(0.08), MAX, start=0.04)
    assert judged.full_width and judged.held is None
    assert judged.stopped == ("the fingers stayed at the hand's full opening, 80 mm: they never "
                              "closed, nothing is held")


def test_a_full_width_hold_is_told_by_twice_the_measured_finger():
    """32 mm between the fingers, each finger read at 16 mm: a 32 mm object, not a 64 mm one."""
    judged = judge_result(STATUS_ABORTED, 0.0, result(0.032), MAX, finger=0.016)
    assert judged.full_width and judged.held == pytest.approx(0.032)
    assert judged.stopped == "the fingers stopped at 32 mm, 0 mm asked"
    unread = judge_result(STATUS_ABORTED, 0.0, result(0.032), MAX)  # no reading: one finger's
    assert not unread.full_width and unread.held == pytest.approx(0.064)


def test_a_server_known_as_full_width_stays_so():
    judged = judge_result(STATUS_ABORTED, 0.0, result(0.032), MAX, full_width=True)
    assert judged.full_width and judged.held == pytest.approx(0.032)


def test_an_open_aborted_with_the_fingers_unmoved_is_out_of_range():
    judged = judge_result(STATUS_ABORTED, MAX / 2, result(0.025), MAX, start=0.025, finger=0.025)
    assert "robot.gripper_max_width" in judged.advice and judged.held is None
    assert not judged.reached and not judged.full_width
    homed = judge_result(STATUS_ABORTED, MAX / 2, result(0.0395), MAX, start=0.0395)
    assert homed.reached and homed.advice == "" and homed.stopped == ""


@pytest.mark.parametrize("max_width", [0.08, 0.1])
def test_the_out_of_range_advice_is_the_projects_restart_advice(max_width):
    """robot.gripper_max_width is read at start only: the advice is a restart, as every other.

    Before: "set robot.gripper_max_width to it", a run-time set the node refuses
    (nodes/start_only.py), in words of its own; now the restart words and the command lines to
    paste (``start_forms.restart_planner_with``), the value left to the user (the homed
    opening is not measured).
    """
    advice = judge_result(STATUS_ABORTED, max_width / 2, result(0.025), max_width,
                          start=0.025).advice
    assert "restart the planner with robot.gripper_max_width this hand's width fully open" \
        in advice, advice
    assert "vjepa-ros launch -p planner.robot.gripper_max_width:=..., or ros2 run: " \
        "--ros-args -p robot.gripper_max_width:=..." in advice, advice
    assert "set robot.gripper_max_width" not in advice and f"{max_width:g} m" in advice
    assert advice.startswith("the fingers stayed at 50 mm") and "check the hand" in advice


def test_a_result_without_a_position_tells_nothing():
    for answer in (None, result(float("nan")), result(True), result("wide")):
        judged = judge_result(STATUS_ABORTED, 0.0, answer, MAX, finger=0.01)
        assert (judged.held, judged.stopped, judged.reached, judged.advice, judged.full_width) \
            == (None, "", False, "", False), answer


@pytest.mark.parametrize("full_width", [False, True])
def test_the_one_judgement_agrees_with_each_reader(full_width):
    """Each field is what its own reader says of the result, read as the judgement reads it.

    Terminal statuses only: a result with none (None, STATUS_UNKNOWN) reads nothing
    (``test_fix58g``).
    """
    statuses = (STATUS_ABORTED, STATUS_SUCCEEDED, STATUS_CANCELED)
    goals = (0.0, 0.01, 0.0395, MAX / 2)
    positions = (0.0, 0.0001, 0.015, 0.03, 0.0395, 0.04, 0.06)
    flags = ((False, False), (True, False), (False, True))
    starts = (None, 0.015, 0.04)
    for status, goal, position, (stalled, reached), start in itertools.product(
            statuses, goals, positions, flags, starts):
        answer = result(position, stalled, reached)
        judged = judge_result(status, goal, answer, MAX, full_width, start)
        wide = judged.full_width  # as given, or told full-width from this result: read so
        assert wide == (full_width or position > MAX / 2 + 0.001), (status, goal, position)
        case = (status, goal, position, stalled, reached, start)
        read = position / 2 if wide else position  # one finger's [m]
        assert judged.held == _held(status, goal, read, answer, MAX, start), case
        assert judged.stopped == _stopped(status, goal, read, answer, MAX, start), case
        assert judged.reached == _reached(goal, read, MAX), case
        assert judged.advice == _out_of_range(status, goal, read, MAX, start), case

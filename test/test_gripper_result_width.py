"""A GripperCommand server that reports the width between the fingers, not one finger's.

franka_ros2's ``gripper_action`` reads and reports ``position`` as one finger's joint position
(half the width); a ROS 1-style server (franka_ros' ``franka_gripper``) reports the whole width.
Read in franka_ros2's units such a result is twice as wide: a close that failed, its fingers where
the goal sent them, read as "holding an object" (``awaited_goals.held_width``). Now a result above
the hand's half width, or twice the measured finger and not the finger itself, is said once,
naming the server and what to set, and read as a full width from then on; franka_ros2's results
(the same as the finger) never are, also where twice the goal is a width an object may have.
"""

import types

import pytest
from hand_rigs import NAME as SERVER
from hand_rigs import FrankaHand, goals_for, warnings

from vjepa_ros.robot.gripper_results import (
    READING_MIN_M,
    STATUS_ABORTED,
    full_width_result,
    judge_result,
)

MAX_WIDTH = 0.08


def test_full_widths_are_told_from_one_finger_s_positions():
    # one finger's position (franka_ros2): the reading itself, whatever the width
    for finger in (0.0, 0.001, 0.008, 0.016, 0.02, 0.04):
        assert not full_width_result(finger, finger, MAX_WIDTH), finger
        assert not full_width_result(finger + 0.0004, finger, MAX_WIDTH), finger  # noise
    # the width between the fingers: twice the reading, once the reading tells them apart
    for finger in (READING_MIN_M, 0.008, 0.016, 0.02):
        assert full_width_result(2 * finger, finger, MAX_WIDTH), finger
    assert not full_width_result(0.002, 0.001, MAX_WIDTH)  # a closed hand: no telling
    # wider than one finger can open: full whatever the reading (or with none)
    assert full_width_result(0.07, None, MAX_WIDTH) and full_width_result(0.07, 0.035, MAX_WIDTH)
    assert not full_width_result(0.0405, None, MAX_WIDTH)  # a hand a hair wider than set
    assert not full_width_result(0.03, None, MAX_WIDTH)  # no reading: one finger's, as before


def test_a_full_width_result_is_halved_before_it_is_judged():
    result = types.SimpleNamespace(position=0.032, stalled=False, reached_goal=False)
    def held(full_width=False):
        return judge_result(STATUS_ABORTED, 0.016, result, MAX_WIDTH, full_width).held

    assert held() == pytest.approx(0.064)  # half: a hold
    assert held(full_width=True) is None  # at the goal
    result.position = 0.05  # fingers on a 50 mm object, goal 32 mm
    assert held(full_width=True) == pytest.approx(0.05)


class Ros1Hand(FrankaHand):
    """A server that takes goals as franka_ros2's but reports the width between the fingers.

    Its close ends ABORTED even where the fingers reached the width asked with nothing between
    them (``fails_at_target``: a grasp that found no object).
    """

    def __init__(self, *args, fails_at_target=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fails_at_target = fails_at_target

    def _end(self, entry, status, reached):
        if reached and self.fails_at_target and entry["target"] < self.max_width:
            status, reached = STATUS_ABORTED, False
        if entry in self.running:
            self.running.remove(entry)
        result = types.SimpleNamespace(position=self.width, effort=0.0, stalled=False,
                                       reached_goal=reached)
        entry["result"].finish(types.SimpleNamespace(status=status, result=result))


def _goals(hand, logs):
    goals = goals_for(hand, logs)
    goals.measured_width = lambda: hand.width  # the finger joints, read now
    return goals


def _infos(logs):
    return [m for level, m in logs if level == "info"]


def test_a_failed_close_reported_as_a_full_width_is_no_hold():
    """Closedness 0.6 (32 mm asked), nothing between the fingers, the server ABORTED at 32 mm.

    Read as one finger, 32 mm is 64 mm between the fingers: "holding an object 64 mm wide".
    Should: one warning naming the server and what to set; the abort warned as a failure.
    """
    hand, logs = Ros1Hand(), []
    goals = _goals(hand, logs)
    goals.send(0.6)
    hand.advance(1.0)
    assert hand.width == pytest.approx(0.032), "setup: the fingers reached the width asked"
    lines = warnings(logs)
    assert not any("holding" in line for _, line in logs), logs
    assert len(lines) == 2, lines
    assert SERVER in lines[0] and "width between the fingers" in lines[0]
    assert "control.gripper_action" in lines[0] and "franka_ros2" in lines[0]
    assert "aborted" in lines[1]
    # said once; a later grasp onto an object is read in the server's units
    hand.object_width = 0.05
    goals.send(0.0)  # open
    hand.advance(1.0)
    goals.send(1.0)
    hand.advance(1.0)
    assert hand.width == pytest.approx(0.05)
    assert sum("width between the fingers" in line for line in warnings(logs)) == 1
    assert any("holding an object 50 mm wide" in line for line in _infos(logs)), logs


def test_a_wide_open_full_width_result_is_told_without_a_reading():
    """An opening reported as 80 mm (wider than a finger opens) is told without the joints."""
    hand, logs = Ros1Hand(width=0.0, fails_at_target=False), []
    goals = goals_for(hand, logs)  # no finger reading
    goals.send(0.0)
    hand.advance(1.0)
    assert goals.full_width and sum("width between the fingers" in m for m in warnings(logs)) == 1


@pytest.mark.parametrize("object_width", [None, 0.064, 0.03])
def test_franka_ros2_s_results_are_never_taken_for_full_widths(object_width):
    """franka_ros2's server (one finger): no warning, a hold read as before, nothing halved.

    With a 64 mm object and 32 mm asked, its result (32 mm, one finger) is twice the goal's
    16 mm: the width a full-width server would report for the goal reached; the measured finger
    (32 mm) tells them apart.
    """
    hand, logs = FrankaHand(object_width=object_width), []
    goals = _goals(hand, logs)
    goals.send(0.6)
    hand.advance(1.0)
    assert not goals.full_width and not any("between the fingers" in m for _, m in logs), logs
    if object_width is not None and object_width > 0.032:
        assert any(f"holding an object {object_width * 1000:.0f} mm wide" in m
                   for m in _infos(logs)), logs
    goals.send(0.0)
    hand.advance(1.0)
    assert hand.width == pytest.approx(MAX_WIDTH) and not goals.full_width  # opened: 40 mm
    assert not warnings(logs), warnings(logs)

"""A continuous plan's view of the hand across a wall clock stepped back (ROS-free, CPU).

``GripperCommands._hand_seen_before`` tells a plan that saw a hand still moving to the last
gripper command (its command would cut the move back: breaker55c). It looks up the robot state
at the frame's stamp; a frame in flight across a fall of the node's system clock (stamped on the
old clock, the states since on the new one) must be looked up as the plan's start is
(``PlanningSession._state_near``: the stamp less the fall, ``_clock_shift``), else it finds the
newest state, the hand already at its command, and the plan's stale closedness goes out.
"""

import pytest
from script_rig import ScriptRig
from test_robot_mpc import START, frame

# plan 1 closes the hand (0 + 1.0); plan 2, from a view of the hand mid-close, opens it by 0.4
CLOSE_THEN_OPEN = [[0.0, 0, 0, 0, 0, 0, 1.0], [0.0, 0, 0, 0, 0, 0, -0.4]]
# plan 1 opens a closed hand (1 - 1.0); plan 2, from a view of it mid-open, closes it by 0.4
OPEN_THEN_CLOSE = [[0.0, 0, 0, 0, 0, 0, -1.0], [0.0, 0, 0, 0, 0, 0, 0.4]]


def _frame_in_flight(model, fall: float, seen: float, after: list[float], opening=False):
    """Send a close (``opening``: an open), then a frame of the hand at ``seen``, then a fall.

    The frame is stamped just before the system clock falls ``fall`` [s]; the states after the
    fall (10 ms apart, on the new clock) carry closednesses ``after``; the frame arrives after
    them. Returns the rig and the plan report on that frame.
    """
    first = 1.0 if opening else 0.0
    rig = ScriptRig(model, "continuous", OPEN_THEN_CLOSE if opening else CLOSE_THEN_OPEN,
                    start=[*START[:6], first])
    rig.session.stream_clock = rig.clock.steady
    assert rig.session.plan_step().gripper_command == 1.0 - first
    for step in range(1, 31):  # 0.3 s of the move, below HAND_WINDOW_S: the hand at `seen`
        rig.clock.now += 0.01
        rig.arm[6] = first + (seen - first) * step / 30
        rig.session.observe_state(rig.arm.copy(), rig.clock.now)
    taken = rig.clock.now  # the frame of the hand at `seen`, on the old clock
    rig.clock.now += 0.005
    rig.clock.step_wall_back(fall)
    for closedness in after:
        rig.clock.now += 0.01
        rig.arm[6] = closedness
        rig.session.observe_state(rig.arm.copy(), rig.clock.now)
    rig.clock.now += 0.005
    rig.session.observe_image(frame(500), taken)
    return rig, rig.session.plan_step()


@pytest.mark.parametrize("fall", [0.6, 1.0, 3.0])
@pytest.mark.parametrize(("opening", "seen", "after"), [
    (False, 0.6, [0.7, 0.8, 0.9, 1.0, 1.0, 1.0]),  # a close, now closed
    (True, 0.4, [0.3, 0.2, 0.1, 0.0, 0.0, 0.0]),  # an open, now open
])
def test_a_frame_in_flight_across_a_fall_of_a_hand_mid_move_sends_no_hand_change(
        model, fall, opening, seen, after):
    """The frame saw the hand mid-move to its command; it is there now: the plan keeps the hand.

    Before: ``state_at(frame stamp)`` found the newest state (the hand at its command): "a
    view of the hand it went to", and the plan's start (the first state after the fall, 0.7)
    less 0.4 opened the closed hand (0.3 closed the open one).
    """
    rig, report = _frame_in_flight(model, fall, seen, after, opening)
    assert report is not None and report.command is not None, [r.reason for r in rig.reports]
    assert rig.planner.starts[-1][0][6] == pytest.approx(after[0])  # the start: mid-move
    assert report.gripper_command is None, (
        f"gripper {report.gripper_command} sent from a view of the hand mid-close")


def test_a_frame_in_flight_of_a_hand_at_its_command_still_changes_it(model):
    """Pin: the frame saw the hand at its command (closed): the plan's open goes out."""
    rig, report = _frame_in_flight(model, 1.0, 1.0, [1.0, 1.0, 1.0])
    assert report is not None and report.command is not None, [r.reason for r in rig.reports]
    assert report.gripper_command == pytest.approx(0.6)
    rig, report = _frame_in_flight(model, 1.0, 0.0, [0.0, 0.0, 0.0], opening=True)
    assert report.gripper_command == pytest.approx(0.4)

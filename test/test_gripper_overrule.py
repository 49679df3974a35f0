"""A plan that overrules the gripper command in force on a hand at an end of its range (fix57e).

``GripperCommands._hand_changes`` under ``goals.gripper`` planned keeps the hand when the plan's
closedness lies within ``control.gripper_deadband`` of the measured start (fix53l: a carry's 0
on fingers stopped on an object sends nothing). The clip to 0..1 made an explicit opening on
fingers pried open (or stopped near open) under a standing close read as such a keep, and the
close stood for good (breaker57e); so did a closing plan on fingers read closed under a
standing open. The plan's own change (before the clip) decides now; the rest of the family
keeps its rule. ROS-free, CPU: ``script_rig``'s scripted session, every control mode.
"""

import pytest
from script_rig import ScriptRig

MODES = ["blocking", "async", "continuous"]
OPEN, KEEP, CLOSE = ([0.03, 0, 0, 0, 0, 0, g] for g in (-1.0, 0.0, 1.0))


def _sent(rig) -> list[float]:
    return [r.gripper_command for _, r in rig.sent if r.gripper_command is not None]


def _first_then(model, mode, first, held_at, then, **control) -> ScriptRig:
    """``first`` sent, the fingers read ``held_at``, kept a while, then plans of ``then``."""
    rig = ScriptRig(model, mode, [first, KEEP], async_blend_m=0.0, **control)
    assert rig.session.plan_step().gripper_command is not None, "setup: the first command"
    rig.arm[6] = held_at
    rig.run(60)
    assert len(_sent(rig)) == 1, f"setup: the keep sent {_sent(rig)}"
    before = len(rig.sent)
    rig.planner.actions[1:] = [then]
    rig.run(200)
    assert len(rig.sent) > before, [r.reason for r in rig.reports[-3:]]
    return rig


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("held_at", [1.0, 0.95])
def test_a_closing_plan_closes_a_hand_read_closed_under_a_standing_open(model, mode, held_at):
    """An open in force (0.0), the fingers read closed (shut by a person, a jammed hand)."""
    rig = _first_then(model, mode, OPEN, held_at, CLOSE)
    assert _sent(rig) == [0.0, 1.0]


@pytest.mark.parametrize("mode", MODES)
def test_an_opening_plan_after_a_reenable_releases_a_close_from_before_it(model, mode):
    """The close went out before a pause; pried open at 0.02, the first opening plan opens."""
    rig = ScriptRig(model, mode, [CLOSE, KEEP], async_blend_m=0.0)
    assert rig.session.plan_step().gripper_command == 1.0
    rig.arm[6] = 0.02
    rig.run(60)
    assert rig.session.set_enabled(False)[0]
    rig.run(30)
    assert rig.session.set_enabled(True)[0]
    rig.run(60)
    before = len(rig.sent)
    assert _sent(rig) == [1.0], "fix55l: the carry after the enable keeps the hand"
    rig.planner.actions[1:] = [OPEN]
    rig.run(200)
    assert len(rig.sent) > before and _sent(rig) == [1.0, 0.0]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("first, held_at, then", [
    (OPEN, 0.0, OPEN),  # open in force, the hand open: more opening changes nothing
    (CLOSE, 1.0, CLOSE),  # close in force, the hand shut: more closing changes nothing
    (CLOSE, 0.0, [0.03, 0, 0, 0, 0, 0, -0.05]),  # pried open; the plan's own change is
    (OPEN, 1.0, [0.03, 0, 0, 0, 0, 0, 0.05]),  # within the deadband (0.1): it keeps the hand
])
def test_a_plan_agreeing_with_the_command_in_force_or_within_the_deadband_sends_nothing(
        model, mode, first, held_at, then):
    rig = _first_then(model, mode, first, held_at, then)
    assert _sent(rig) == [max(first[6], 0.0)]


@pytest.mark.parametrize("mode", MODES)
def test_a_deadband_of_zero_still_sends_one_release(model, mode):
    """``control.gripper_deadband`` 0: the open goes out once, not with every plan after."""
    rig = _first_then(model, mode, CLOSE, 0.0, OPEN, gripper_deadband=0.0)
    assert _sent(rig) == [1.0, 0.0]


@pytest.mark.parametrize("mode", MODES)
def test_an_open_that_did_not_take_is_sent_again_once_the_fingers_close(model, mode):
    """The open went to fingers pried fully open (franka_gripper: a goal at their width is done).

    The close in force then shuts them on the object again (0.30) as the arm rises: the
    opening plans send the open again (breaker57e's box, step 39). A close stopped short on an
    object (0.45 under 1.0) is not sent again by closing plans: that is an object held.
    """
    rig = _first_then(model, mode, CLOSE, 0.0, OPEN)
    assert _sent(rig) == [1.0, 0.0]
    rig.arm[6] = 0.30  # the standing grasp closed the fingers again
    rig.run(200)
    assert _sent(rig) == [1.0, 0.0, 0.0]
    rig.arm[6] = 0.0  # opened at last: the plans keep opening, nothing more goes out
    rig.run(200)
    assert _sent(rig) == [1.0, 0.0, 0.0]


@pytest.mark.parametrize("mode", MODES)
def test_closing_plans_send_no_second_close_to_fingers_stopped_on_an_object(model, mode):
    rig = _first_then(model, mode, CLOSE, 0.45, CLOSE)
    assert _sent(rig) == [1.0]

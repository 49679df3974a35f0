"""review58r: defects found reading today's merges (strict xfails until fixed).

1. mend58a took bare ``joint1..7`` as a Franka arm, but any ``joint<1-7>`` name now counts,
   even one or two: a pan-tilt unit, a linear axis or a turntable whose joint_state_broadcaster
   names its joints ``joint1``/``joint2`` (and an xArm's ``joint1..6``) on the arm's
   ``/joint_states`` is "more than one Franka arm", an ``ArmStateError`` the planner node takes as
   an unusable robot state and holds on (``planner_inputs._reject_state``). Before mend58a
   such messages were another robot's, counted and ignored; with a prefixed Franka beside
   them in one message every state of the arm is refused.
2. mend58a's stop before an open (``robot.gripper_release``) releases a grasp on fingers pried
   open, but the open that follows is a goal to ``robot.gripper_max_width``: on a hand homed a
   little wider (franka_gripper compares with its homed ``max_width``), fingers pried to the
   homed width are stopped, then given a goal narrower than they are, which franka_gripper
   makes a grasp: the hand presses on the object again, the breaker57e symptom the stop was to
   end.
"""

import pytest
from test_gripper_release import PressingHand, _goals

from vjepa_ros.robot.joint_states import JointStateReader

FR3 = [f"fr3_joint{i}" for i in range(1, 8)] + ["fr3_finger_joint1", "fr3_finger_joint2"]
FR3_POSITIONS = [0.0, -0.7, 0.0, -2.3, 0.0, 1.6, 0.8, 0.04, 0.04]
MAX = 0.08  # m: robot.gripper_max_width (the default)


@pytest.mark.parametrize("other", [["joint1", "joint2"], ["joint1"],
                                   [f"joint{i}" for i in range(1, 7)]])
def test_another_device_s_unprefixed_joints_are_not_a_second_arm(other):
    reader = JointStateReader()
    assert reader.read(FR3, FR3_POSITIONS).arm is not None
    # its own message on the same topic: another robot's, ignored as before mend58a
    assert not reader.has_arm(other)
    assert reader.read(other, [0.1] * len(other)).arm is None
    # or merged into the arm's message by one joint_state_broadcaster: the arm is read
    together = JointStateReader().read(FR3 + other, FR3_POSITIONS + [0.1] * len(other))
    assert together.arm is not None


@pytest.mark.parametrize("homed", [0.0803, 0.0810])
def test_an_open_after_the_stop_is_no_grasp_on_a_hand_homed_wider(homed):
    hand = PressingHand(width=homed, max_width=homed, object_width=0.03)
    measured, lines = [homed], []  # the width between the fingers [m] (mend58c)
    goals = _goals(hand, lambda: measured[0], lines)
    goals.send(1.0)
    hand.advance(1.0)
    assert hand.pressing and hand.width == pytest.approx(0.03)
    hand.width = homed  # a box turned between the fingers pries them to the full opening
    measured[0] = homed  # (wider than robot.gripper_max_width)
    goals.send(0.0)
    hand.advance(1.0)
    assert hand.stops == 1
    assert not hand.pressing, "the open after the stop was a grasp"

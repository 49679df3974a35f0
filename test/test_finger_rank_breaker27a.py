"""breaker27a: where FingerWatch's namespace rank picks the wrong hand, or none (ROS-free).

Each documents a finding against main 88af816 (strict xfails there); fixed by the ranking on the
last *gripper* name part and the distinctive-prefix rank. The planner-node runs that found them
are in the breaker27a report.
"""

from vjepa_ros.robot.finger_watch import FingerWatch, topic_rank

CELL_ARM = "/gripper_cell/robot1/joint_states"
CELL_OWN = "/gripper_cell/robot1/franka_gripper/joint_states"
CELL_OTHER = "/gripper_cell/robot2/franka_gripper/joint_states"


def test_a_lab_namespace_named_gripper_does_not_make_another_robots_hand_a_candidate():
    # Arm states on /gripper_cell/robot1/joint_states: robot2's hand is another robot's (never
    # taken), this arm's own is in its namespace (rank 0). Both ranked 2 on 88af816: robot2's
    # hand alone was taken (gripper commands rested on it), both together were "ambiguous".
    assert topic_rank(CELL_OTHER, CELL_ARM) is None
    assert topic_rank(CELL_OWN, CELL_ARM) == 0


def test_another_robots_hand_in_a_gripper_named_lab_namespace_is_not_measured():
    watch = FingerWatch(max_age_s=1.0, arm_topic=CELL_ARM)
    watch.offer(CELL_OTHER, "panda_", 1.0, now=10.0)
    assert not watch.measured(10.1)


COMBINED_ARM = "/combined_panda/panda_1_state_controller/joint_states"  # franka_ros dual panda
COMBINED_HAND = "/combined_panda/panda_1/franka_gripper/joint_states"


def test_franka_ros_combined_control_hand_in_a_sibling_namespace_is_named_with_the_fix():
    # franka_combined_control.launch: arm panda_1_joint1..7 on
    # /combined_panda/panda_1_state_controller/joint_states, its hand panda_1_finger_joint1/2 on
    # /combined_panda/panda_1/franka_gripper/joint_states. Measured before 73cd6a0 (prefix check).
    # A sibling namespace may as well be another cell's with the same prefix (breaker27c A4,
    # breaker27d 2: 45 gripper commands from cell2's hand), so it is not taken on its own; the
    # line says which parameter takes it.
    watch = FingerWatch(max_age_s=1.0, arm_topic=COMBINED_ARM)
    watch.check_arm("panda_1_")
    note = watch.offer(COMBINED_HAND, "panda_1_", 0.5, now=10.0)
    assert not watch.measured(10.1)
    assert f"robot.gripper_state_topic:={COMBINED_HAND}" in note
    configured = FingerWatch(COMBINED_HAND, max_age_s=1.0, arm_topic=COMBINED_ARM)
    configured.check_arm("panda_1_")
    configured.offer(COMBINED_HAND, "panda_1_", 0.5, now=10.0)
    assert configured.measured(10.1) and configured.value() == 0.5

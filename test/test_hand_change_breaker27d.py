"""breaker27d: holes left in the gripper hand choice after hands27b (ROS-free).

1. The planner node's graph check (twice a second, ``FingerWatch.publishers``) ends a crowd that
   publisher ids saw (``offer``'s ``sender``): it sets ``crowd_sent`` to "" whenever the graph
   shows one node on the finger topic, and the ids seen so far are forgotten. The graph counts
   *nodes*: two publishers of one node, two nodes of one name (a second ``/franka_gripper``), or a
   node not in the graph yet look like one. The next message, from either publisher, then counts
   as measured until the other's next one. In the node (rclpy 9.1.2, rmw_fastrtps_cpp, whose
   ``publisher_gid`` differs per publisher object) a second publisher of one node sending a closed
   hand at 33 Hz beside the live open one at 5 Hz: 92 of 573 states measured with the second's
   closedness and 41 gripper commands from it in 20 s (continuous); /tmp/breaker27d/n2*.py.
2. ``PREFIX_RANK`` stays "in the arm's top namespace" (``FingerWatch._rank``) by comparing the
   first name part only: with cells under one root (``/lab/cell1/joint_states``,
   ``/lab/cell2/left/franka_gripper/joint_states``) another cell's hand of this arm's distinctive
   prefix is taken over this arm's merged fingers (measured, cell2's closedness), or ties with
   this arm's own hand in its sub-namespace (ambiguous for good), against README's "never another
   cell's"; breaker27c's two-cell case with one more namespace level above. In the node: 45 of
   45 gripper commands in 8 s rested on cell2's open hand (0.0; cmd 0.0 = open) while cell1's
   merged fingers said closed (1.0), one warning; /tmp/breaker27d/n6_lab_root_cells.py.

Strict xfails against main e33bd70, fixed since; the node runs are in the breaker27d report.
"""

import pytest

from vjepa_ros.robot.finger_watch import FingerWatch

TOPIC = "/franka_gripper/joint_states"


@pytest.mark.parametrize("graph", [
    ["/franka_gripper", "/franka_gripper"],  # two publishers of one node (or two of one name)
    ["/franka_gripper"],  # the second publisher's node not in the graph yet
])
def test_a_graph_of_one_node_does_not_end_a_crowd_seen_by_publisher_ids(graph):
    watch = FingerWatch(max_age_s=1.0)
    watch.offer(TOPIC, "panda_", 0.0, now=1.0, sender="driver")  # the live hand, open
    watch.offer(TOPIC, "panda_", 1.0, now=1.01, sender="second")  # another publisher: closed
    assert not watch.measured(1.01)
    watch.publishers(TOPIC, graph, now=1.02)  # the node's graph check, twice a second
    watch.offer(TOPIC, "panda_", 1.0, now=1.03, sender="second")
    # e33bd70: measured, closedness 1.0 (the second publisher's), until the driver's next message
    assert not watch.measured(1.03) and watch.value() == 0.0, (watch.value(), watch.crowd)


LAB_CELL1_ARM = "/lab/cell1/joint_states"  # two identical cells under one root namespace
LAB_CELL1_LEFT_HAND = "/lab/cell1/left/franka_gripper/joint_states"
LAB_CELL2_LEFT_HAND = "/lab/cell2/left/franka_gripper/joint_states"


@pytest.mark.parametrize("own", [LAB_CELL1_ARM, LAB_CELL1_LEFT_HAND])
def test_another_cells_hand_under_one_root_namespace_is_not_taken(own):
    watch = FingerWatch(max_age_s=1.0, arm_topic=LAB_CELL1_ARM)
    watch.check_arm("left_fr3_")
    watch.offer(own, "left_fr3_", 1.0, now=1.0)
    watch.offer(LAB_CELL2_LEFT_HAND, "left_fr3_", 0.0, now=1.1)
    watch.offer(own, "left_fr3_", 1.0, now=1.2)
    # e33bd70: cell2's hand chosen (measured 0.0), or a tie with cell1's own (ambiguous)
    assert watch.topic == own and watch.measured(1.2) and watch.value() == 1.0, watch.topic

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

Strict xfails against main e33bd70; the node runs are in the breaker27d report.
"""

import pytest

from vjepa_ros.robot.finger_watch import FingerWatch

TOPIC = "/franka_gripper/joint_states"


@pytest.mark.xfail(strict=True, reason="breaker27d 1: the graph check ends a crowd seen by ids")
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

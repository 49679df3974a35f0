"""The safety check's view of the arm (``benchmarks/safety_run.Watch``) across scenarios.

Session 45's loaded run failed "within tolerance: first set-point 488.3 mm from the measured pose
clamped into the box": 488.3 mm is the home TCP to the tolerance scenario's start (5 mm below
the box floor) clamped into the box. The node streamed from the arm; the watcher compared its
first set-point with the *previous* scenario's arm (home), because its list of arm poses spanned
scenarios and the fresh sensor process's states had not reached it by the stream's start. Fed
here message by message through a stand-in node (no ROS graph).
"""

from types import SimpleNamespace

import numpy as np
import pytest

from benchmarks.bench_planner_safety import below_floor_xyz
from benchmarks.safety_run import FIRST_SETPOINT_TOLERANCE_M, Watch, joints_at
from benchmarks.soak_sensors import HOME
from vjepa_ros.robot.kinematics import FrankaKinematics
from vjepa_ros.robot.safety import SafetyLimits

LIMITS = SafetyLimits()
DOWN = [1.0, 0.0, 0.0, 0.0]  # x y z w: the hand pointing down


class StandInNode:
    """What Watch uses of an rclpy node: subscriptions (kept by topic) and a settable clock."""

    def __init__(self, now: float):
        self.time, self.callbacks = now, {}

    def create_subscription(self, _type, topic, callback, _qos):
        self.callbacks[topic] = callback

    def get_clock(self):
        return SimpleNamespace(now=lambda: SimpleNamespace(nanoseconds=int(self.time * 1e9)))


def header(stamp: float):
    sec = int(stamp)
    return SimpleNamespace(stamp=SimpleNamespace(sec=sec, nanosec=int(round((stamp - sec) * 1e9))))


def joint_state(node, stamp: float, joints) -> None:
    node.callbacks["soak/joint_states"](SimpleNamespace(header=header(stamp),
                                                        position=[*joints, 0.04, 0.04]))


def setpoint(node, stamp: float, xyz) -> None:
    position = SimpleNamespace(x=xyz[0], y=xyz[1], z=xyz[2])
    orientation = SimpleNamespace(x=DOWN[0], y=DOWN[1], z=DOWN[2], w=DOWN[3])
    node.callbacks["soak/target_pose"](SimpleNamespace(
        header=header(stamp), pose=SimpleNamespace(position=position, orientation=orientation)))


@pytest.fixture(scope="module")
def tolerance_start():
    """Return the tolerance scenario's arm (half the tolerance below the floor): joints, TCP."""
    xyz = below_floor_xyz(LIMITS, LIMITS.workspace_tolerance_m / 2)
    return joints_at(xyz), xyz


def test_a_fresh_sensors_late_states_do_not_leave_the_last_scenarios_arm_in_their_place(
        tolerance_start):
    """Session 45's 488 mm: the stream started at the arm; the watcher had the old arm only."""
    joints, xyz = tolerance_start
    node = StandInNode(100.0)
    watch = Watch(node, LIMITS, 0.01)
    for t in np.arange(100.0, 101.0, 0.01):  # the last scenario ("inside") ends at home
        joint_state(node, t, HOME)
    node.time = 105.0
    watch.clear()  # the next scenario: a fresh node and sensor process
    joint_state(node, 104.9, HOME)  # the old sensor's last state, taken after the clear
    first = np.clip(xyz, *LIMITS.box)  # the node's stream starts at the arm clamped into the box
    for k in range(100):  # the stream, from 111 s; the fresh sensor's states reach the watcher
        if k >= 50:  # only from 111.5 s on (its publisher matched late under load: the states
            joint_state(node, 111.0 + 0.01 * k, joints)  # published before never came)
        setpoint(node, 111.0 + 0.01 * k, first + [0.0005 * k, 0.0, 0.0])
    phase = watch.phase("within tolerance", 110.0, 112.0, True)
    home = FrankaKinematics().ee_pose(HOME)[:3]
    assert np.linalg.norm(np.clip(home, *LIMITS.box) - first) == pytest.approx(0.4883, abs=1e-4)
    assert phase.first_gap_m <= FIRST_SETPOINT_TOLERANCE_M  # was 488.3 mm: home, not the arm
    assert np.allclose(phase.arm_xyz, xyz, atol=1e-5)
    assert watch.arm_is_at(xyz) and not watch.arm_is_at(home)


def test_the_first_set_point_is_compared_with_the_arm_when_it_was_taken(tolerance_start):
    """The arm moved during the phase: the first set-point's arm is the one before the move."""
    joints, xyz = tolerance_start
    node = StandInNode(200.0)
    watch = Watch(node, LIMITS, 0.01)
    home = FrankaKinematics().ee_pose(HOME)[:3]
    joint_state(node, 200.5, HOME)
    for k in range(50):
        setpoint(node, 201.0 + 0.01 * k, home)
    joint_state(node, 201.7, joints)  # moved after the stream started
    phase = watch.phase("commanding", 200.0, 202.0, True)
    assert phase.first_gap_m == pytest.approx(0.0, abs=1e-6)
    assert np.allclose(phase.arm_xyz, xyz, atol=1e-5)
    assert watch.arm_at([200.0])[0] == pytest.approx(home)  # before any state: the first one
    assert watch.arm_is_at(xyz) and not watch.arm_is_at(home)

"""fix58i: breaker58i's family beyond its pins (test_breaker58i.py).

1. The pose topic's point rule finds the lag between the pose and joint streams: ahead as well
   as behind, up to 100 ms, said in the note when large; an arm at rest reads lag 0.
2. Humble (no publisher ids): a goal taken frees no copy seen re-sent (another publisher's may
   be the one re-sending), the old picture with a new stamp is taken.
3. Shadow mode: an error clears once the same path succeeds; one that disabled commanding, or
   another path's success, leaves it standing.
4. ``~/goal_image`` remapped: the compressed topic and its wrong-type check follow the remap.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from test_breaker58e import _kinematics
from test_breaker58i import FLANGE, REMAPPED, _lagging_pose_bag, _swaying, remap_goal_topic
from train_bags import POSE

# -- 1. the lag between a pose topic and its joints


@pytest.mark.parametrize("lag_s", [-0.03, 0.08], ids=["30 ms ahead", "80 ms behind"])
def test_a_flange_pose_topic_off_its_joints_by_a_lag_is_another_point_and_the_lag_said(
        lag_s, tmp_path):
    from vjepa_ros.recordings.bags import read_recording

    recording = read_recording(_lagging_pose_bag(tmp_path / "bag", FLANGE, lag_s))
    assert recording.state_source == "joint_states", recording.notes
    said = [note for note in recording.notes if POSE in note]
    way = "ahead of" if lag_s < 0 else "behind"
    assert said and f"its stamps {abs(lag_s) * 1000:.0f} ms {way} the joints'" in said[0], said


@pytest.mark.parametrize("lag_s", [-0.05, 0.1], ids=["50 ms ahead", "100 ms behind"])
def test_a_pose_topic_at_the_tcp_off_its_joints_by_a_lag_is_the_tcp(lag_s, tmp_path):
    from vjepa_ros.recordings.bags import read_recording
    from vjepa_ros.robot.kinematics import HAND_TCP_RPY, HAND_TCP_XYZ

    path = _lagging_pose_bag(tmp_path / "bag", (HAND_TCP_XYZ, HAND_TCP_RPY), lag_s)
    recording = read_recording(path)
    assert recording.state_source == "pose" and recording.at_tcp, recording.notes
    assert not recording.notes, recording.notes


def _pose_of(ee):
    from scipy.spatial.transform import Rotation

    return Rotation.from_euler("xyz", ee[:, 3:6]).as_quat(), ee[:, :3]


def test_the_lag_found_is_the_streams_and_an_arm_at_rest_reads_none():
    from vjepa_ros.recordings.pose_point import point_offset
    from vjepa_ros.robot.kinematics import HAND_TCP_RPY, HAND_TCP_XYZ

    seconds = np.arange(0, 3, 0.01)
    ns = (seconds * 1e9).astype(np.int64)
    tcp = _kinematics(HAND_TCP_XYZ, HAND_TCP_RPY)
    joints = tcp.ee_pose(_swaying(seconds))
    seen = tcp.ee_pose(_swaying(seconds - 0.042))  # poses 42 ms behind
    offset = point_offset(ns, *_pose_of(seen), ns, joints)
    assert offset[4] == pytest.approx(0.042, abs=0.0011) and offset[0] < 1e-3, offset
    still = tcp.ee_pose(_swaying(seconds, scale=0.0))  # at rest: every lag fits, 0 is said
    offset = point_offset(ns, *_pose_of(still), ns, still)
    assert offset[4] == 0.0 and offset[0] < 1e-9, offset


def test_a_pose_that_moves_apart_from_the_joints_at_every_lag_is_no_other_point():
    """Another arm's motion (another sway) fits no lag: not a point on this arm's flange."""
    from vjepa_ros.recordings.pose_point import another_point, point_offset

    seconds = np.arange(0, 3, 0.01)
    ns = (seconds * 1e9).astype(np.int64)
    kinematics = _kinematics(*FLANGE)
    joints = kinematics.ee_pose(_swaying(seconds))
    other = kinematics.ee_pose(_swaying(1.7 * seconds + 0.4, scale=0.8))
    offset = point_offset(ns, *_pose_of(other), ns, joints)
    assert not another_point(offset) and offset[2] > 0.005, offset


# -- 3. shadow mode: an error cleared by the same path's success


class _Session:
    def __init__(self, enabled):
        self.enabled = enabled

    def set_enabled(self, on):
        self.enabled = on
        return True, ""


class _Logger:
    def __init__(self):
        self.lines = []

    def error(self, line):
        self.lines.append(("error", line))

    def info(self, line):
        self.lines.append(("info", line))


def _commanding(enabled):
    from vjepa_ros.nodes.planner_commanding import PlannerCommanding

    node = PlannerCommanding()
    node.session, node.command_lock = _Session(enabled), threading.Lock()
    node.gripper_action = None
    node.setpoints = type("Setpoints", (), {"end": lambda self: None})()
    logger = _Logger()
    node.get_logger = lambda: logger
    return node, logger


def test_a_shadow_error_clears_at_the_same_paths_success_only():
    from vjepa_ros.nodes.planner_commanding import clear_failure, failures

    node, logger = _commanding(enabled=False)
    node._failed("planning step", RuntimeError("boom"))
    assert failures(node) and "cleared once the planning step succeeds again" in node.failure_line
    clear_failure(node, "set-point stream")  # another path's success says nothing of the planner
    assert failures(node)
    clear_failure(node, "planning step")
    assert failures(node) == [] and "planning step succeeded again" in logger.lines[-1][1]
    node._failed("set-point stream", RuntimeError("tick"))  # the stream's, in shadow mode
    clear_failure(node, "planning step")
    assert failures(node), "a plan's success cleared the stream's error"
    clear_failure(node, "set-point stream")
    assert failures(node) == []


def test_an_error_that_disabled_commanding_stays_until_enable():
    from vjepa_ros.nodes.planner_commanding import clear_failure, failures

    node, _ = _commanding(enabled=True)
    node._failed("planning step", RuntimeError("boom"))
    assert not node.session.enabled and "~/enable true commands again" in node.failure_line
    clear_failure(node, "planning step")
    assert failures(node), "a shadow plan cleared the error that stopped the arm"
    node._failed("planning step", RuntimeError("again"))  # raised again, now in shadow mode
    clear_failure(node, "planning step")
    assert failures(node), "a later shadow error freed the one that disabled commanding"


# -- 4. the goal topic remapped: the wrong-type check on its /compressed


rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from planner_harness import checkpoint, harness  # noqa: E402, F401


@pytest.mark.usefixtures("one_thread")
def test_a_remapped_goal_topics_compressed_is_the_one_checked_for_other_types(
        harness, monkeypatch):  # noqa: F811
    """The 2 Hz wrong-type check asks the graph of /task/goal/compressed (goal_topics)."""
    remap_goal_topic(monkeypatch)
    h = harness()
    topics = {s.topic_name for s in h.planner.compressed_goal_subscriptions}
    assert topics == {f"{REMAPPED}/compressed"}, topics
    asked, ask = set(), h.planner.get_publishers_info_by_topic

    def recorded(topic, *args, **kwargs):
        asked.add(topic)
        return ask(topic, *args, **kwargs)

    monkeypatch.setattr(h.planner, "get_publishers_info_by_topic", recorded)
    assert h.pump(3.0, until=lambda: f"{REMAPPED}/compressed" in asked), asked
    assert "/vjepa_planner/goal_image/compressed" not in asked, asked

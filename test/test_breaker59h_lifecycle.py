"""breaker59h: the planner node's lifecycle, part 2: what held (the defects: test_breaker59h.py).

Tried at 63f97164 (base59h) as a lab would and held: ``~/enable false`` mid-motion (nothing
streamed, commanded or sent to the gripper after its answer), a camera or joint-state driver
restarting with a new publisher (after a gap: a hold, then commanding again), an arm guided out of
the workspace box (said at ``~/enable`` and in ``/diagnostics``; commanding resumes once it is
back), a state jump (a re-homed driver: an ``invalid_state`` hold said in the log and
``/diagnostics``, a new world once the states agree, commanding again), a stream tick's unexpected
error (commanding disabled, ``/diagnostics`` ERROR until ``~/enable true``).
"""

from __future__ import annotations

import pytest
from planner_harness import checkpoint, harness  # noqa: F401
from test_breaker59h import _reports, _topic_goal

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from sensor_msgs.msg import Image  # noqa: E402


def test_disable_while_enabled_stops_the_stream_and_a_plan_after_it_commands_nothing(
        harness):  # noqa: F811
    """~/enable false mid-motion: no set-point, action's command or gripper after the answer."""
    h = harness()
    _topic_goal(h)
    assert h.enable().success
    assert h.pump(3.0, until=lambda: len(h.got["pose"]) > 10), "no set-points"
    assert h.enable(False).success
    poses, grippers = len(h.got["pose"]), len(h.got["gripper"])
    commanded = sum(r["commanded"] for r in _reports(h))
    h.pump(2.0)
    assert len(h.got["pose"]) == poses
    assert len(h.got["gripper"]) == grippers
    assert sum(r["commanded"] for r in _reports(h)) == commanded
    assert any(not r["commanded"] for r in _reports(h)[-3:]), "no shadow plan after disable"


# -- the camera or joint-state driver restarting ------------------------------------------------

def test_a_camera_driver_restart_with_a_new_publisher_resumes_commanding(harness):  # noqa: F811
    """The camera node restarts (new publisher id, a 0.3 s gap): commanding goes on after it."""
    from rclpy.qos import qos_profile_sensor_data

    h = harness()
    _topic_goal(h)
    assert h.enable().success
    assert h.pump(3.0, until=lambda: len(h.got["pose"]) > 10), "no set-points"
    h.node.destroy_publisher(h.image_pub)
    h.pump(0.3, image=None)
    h.image_pub = h.node.create_publisher(Image, "cam/image", qos_profile_sensor_data)
    count = len(h.got["pose"])
    assert h.pump(6.0, until=lambda: len(h.got["pose"]) > count + 50), h.diagnostics()[1]
    assert h.pump(3.0, until=lambda: h.diagnostics()[1]["refusal"] == ""), h.diagnostics()[1]


def test_a_joint_state_driver_restart_after_a_gap_holds_then_resumes(harness):  # noqa: F811
    """The arm's driver restarts: states stop 2 s (stale: a hold), come back from a new one."""
    from planner_harness import TIGHT_AGE
    from sensor_msgs.msg import JointState

    h = harness(**TIGHT_AGE)
    _topic_goal(h)
    assert h.enable().success
    assert h.pump(3.0, until=lambda: len(h.got["pose"]) > 10), "no set-points"
    h.node.destroy_publisher(h.joint_pub)
    h.pump(2.0, joints=None)
    assert h.pump(2.0, until=lambda: h.diagnostics()[1]["refusal_kind"] == "stale_inputs",
                  joints=None), h.diagnostics()[1]
    held = len(h.got["pose"])
    h.joint_pub = h.node.create_publisher(JointState, "/joint_states", 10)
    assert h.pump(6.0, until=lambda: len(h.got["pose"]) > held + 50), h.diagnostics()[1]
    assert h.pump(3.0, until=lambda: h.diagnostics()[1]["refusal"] == ""), h.diagnostics()[1]


# -- a safety hold and its release --------------------------------------------------------------

def _ramp(h, start: float, end: float, seconds: float = 1.5) -> list[float]:
    """Turn joint 1 from ``start`` to ``end`` [rad] over ``seconds`` (an arm moved by hand)."""
    from planner_harness import HOME

    steps = max(2, int(seconds / 0.03))
    for i in range(steps + 1):
        joints = [start + (end - start) * i / steps] + HOME[1:]
        h.pump(0.03, joints=joints)
    return joints


def test_an_arm_outside_the_box_is_said_at_enable_and_commanding_resumes_once_back(
        harness):  # noqa: F811
    """The arm guided out of the workspace box (joint 1 at 90 deg: x 0), enable, then back in."""
    h = harness()
    _topic_goal(h)
    outside = _ramp(h, 0.0, 1.5708)
    h.pump(0.5, joints=outside)
    answer = h.enable()
    assert answer.success and "outside the workspace box" in answer.message, answer.message
    h.pump(1.5, joints=outside)
    _, values = h.diagnostics()
    assert "outside the workspace box" in values["blocking"] + values["refusal"], values
    poses_out = list(h.got["pose"])
    inside = _ramp(h, 1.5708, 0.0)
    count = len(h.got["pose"])
    assert h.pump(6.0, until=lambda: len(h.got["pose"]) > count + 20, joints=inside), \
        h.diagnostics()[1]
    assert h.pump(3.0, until=lambda: "outside" not in h.diagnostics()[1]["blocking"],
                  joints=inside), h.diagnostics()[1]
    for pose in poses_out:  # nothing commanded out there lies outside the box (+ tolerance)
        p = pose.pose.position
        assert 0.25 - 0.03 <= p.x <= 0.80 + 0.03, p


def test_a_state_jump_holds_said_in_diagnostics_and_ends_once_states_agree(harness):  # noqa: F811
    """A driver re-homed (joint 2 by 0.5 rad, 0.17 m of TCP, in one 30 ms state) and there since.

    The jump is refused (an ``invalid_state`` hold, said in the log and ``/diagnostics``);
    once the states agree for 1 s the arm is where the jump went (a new world) and commanding
    resumes with nothing for the user to do but keep the states coming.
    """
    import rclpy.duration
    from planner_harness import HOME, JOINTS
    from sensor_msgs.msg import JointState

    h = harness()
    _topic_goal(h)
    assert h.enable().success
    assert h.pump(3.0, until=lambda: len(h.got["pose"]) > 10), "no set-points"
    jumped = [HOME[0], HOME[1] + 0.5] + HOME[2:]  # inside the workspace box
    # the last state at home and the first jumped one 10 ms apart by their stamps (the
    # harness's own cadence stretches to 60 ms and more on a loaded machine: 3 m/s then)
    stamp = h.node.get_clock().now()
    for joints, at in ((HOME, stamp), (jumped, stamp + rclpy.duration.Duration(seconds=0.01))):
        msg = JointState(name=JOINTS, position=list(joints) + [0.04, 0.04])
        msg.header.stamp = at.to_msg()
        h.joint_pub.publish(msg)
    kinds = set()

    def seen(kind):
        kinds.add(h.diagnostics()[1]["refusal_kind"])
        return kind in kinds

    assert h.pump(2.0, until=lambda: seen("invalid_state"), joints=jumped), kinds
    assert h.logs("faster than an arm moves"), [m.msg for m in h.got["log"]][-5:]
    assert h.pump(4.0, until=lambda: h.diagnostics()[1]["refusal_kind"] == "",
                  joints=jumped), h.diagnostics()[1]
    count = len(h.got["pose"])
    assert h.pump(6.0, until=lambda: len(h.got["pose"]) > count + 20, joints=jumped), \
        h.diagnostics()[1]


# -- an unexpected error in a callback: commanding off, and how it is cleared -------------------

def test_a_stream_tick_error_disables_says_it_and_enable_clears_it(harness, monkeypatch):  # noqa: F811
    """The stream tick raises once while enabled: disabled, ERROR shown, ~/enable clears it."""
    h = harness()
    _topic_goal(h)
    assert h.enable().success
    assert h.pump(3.0, until=lambda: len(h.got["pose"]) > 10), "no set-points"
    real, raised = h.session.stream_step, []

    def once():
        if not raised:
            raised.append(True)
            raise RuntimeError("a bug in the stream")
        return real()

    monkeypatch.setattr(h.session, "stream_step", once)
    assert h.pump(2.0, until=lambda: not h.session.enabled)
    assert h.pump(2.0, until=lambda: "set-point stream failed" in h.diagnostics()[1]["refusal"]
                  and h.diagnostics()[0].level == b"\x02"), h.diagnostics()[1]
    poses = len(h.got["pose"])
    h.pump(1.0)
    assert len(h.got["pose"]) == poses, "set-points went out after the error disabled commanding"
    assert "set-point stream failed" in h.diagnostics()[1]["refusal"], "cleared by itself"
    assert h.enable().success
    assert h.pump(3.0, until=lambda: "failed" not in h.diagnostics()[1]["refusal"])
    assert h.pump(3.0, until=lambda: len(h.got["pose"]) > poses + 10)

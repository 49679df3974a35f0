"""breaker32r: motions the robot safety/command layer must not command.

Each test was a strict xfail (fixed in session 32: fix32r, hold32) and asserts what a lab needs
from the set-points, the safety limits or the gripper output; its comment says what happened.
ROS-free but two: the gripper one drives the planner node's publishing method on stand-ins for
its publishers, the servo_twist one runs the node (``planner_harness``).
"""

import math
import threading
from types import SimpleNamespace

import numpy as np
import pytest
from test_robot_mpc import (
    START,
    enabled_session,
    frame,
    make_session,
    observe,
    stream,
    tiny_world_model,
)

from vjepa_ros.robot.plan_report import StreamOutput
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.targets import SetpointStreamer

try:  # the node test's fixtures; the ROS-free tests run without rclpy
    from planner_harness import checkpoint, harness  # noqa: F401
except pytest.skip.Exception:
    checkpoint = harness = None

LIMITS = SafetyLimits()


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def commanded_and_moving(model, mode):
    """Return an enabled session whose first plan went out and whose set-point moved 50 ms."""
    session, clock, logs = enabled_session(model, mode=mode)
    assert session.plan_step().command is not None
    outputs = stream(session, clock, ticks=5)
    assert outputs[-1].setpoint is not None
    return session, clock, logs


@pytest.mark.parametrize("mode", ["continuous", "blocking", "async"])
@pytest.mark.parametrize("trouble", ["stale_state", "nan_state"])
def test_a_set_point_resumed_after_an_input_hold_lies_within_reach_of_the_arm(
        model, mode, trouble):
    # the robot state stops (a driver restart) or turns NaN, the arm is moved by hand meanwhile
    # (its controller restarted at the new pose); when states come back the first set-point
    # must not pull it back 25 cm in one tick: at most max_step_m from the measured pose
    session, clock, _ = commanded_and_moving(model, mode)
    for _ in range(60):  # 1.2 s: past max_state_age_s, and past RECOVERY_S of the NaN episode
        clock.now += 0.02
        session.observe_image(frame(3), clock.now)
        if trouble == "nan_state":
            session.observe_state(np.full(7, np.nan), clock.now)
        session.stream_step()
    moved = START.copy()
    moved[0] += 0.25  # still inside the workspace box
    resumed = None
    for _ in range(70):  # valid states at the new pose until the stream publishes again
        clock.now += 0.02
        session.observe_state(moved, clock.now)
        session.observe_image(frame(4), clock.now)
        out = session.stream_step()
        if out is not None and out.setpoint is not None:
            resumed = out.setpoint
            break
    assert resumed is not None, "the stream never resumed"
    gap = float(np.linalg.norm(resumed[:3] - moved[:3]))
    assert gap <= LIMITS.max_step_m + 1e-9, (
        f"first set-point after the hold is {gap:.3f} m from the measured pose")


def test_a_measured_pose_that_jumps_faster_than_an_arm_moves_does_not_jump_the_set_point(model):
    # one robot state 15 cm off (a glitch: 15 m/s) is planned from and anchored on; the stream
    # restarts at it: the controller receives a 14 cm step (0.14 m in 10 ms)
    step, logs = step_after_a_glitched_pose(model, stamped=0.01)
    assert step <= LIMITS.max_speed_m_s * 0.01 * (1 + 1e-6), (
        f"set-point jumped {step:.3f} m in one 10 ms tick after one jumping pose; logs {logs}")


def step_after_a_glitched_pose(model, stamped: float) -> tuple[float, list]:
    """Return the set-point's step [m] in the 10 ms tick after one pose 15 cm off, and the logs.

    ``stamped`` [s]: the glitch's stamp relative to the last state (0.01: 10 ms after it;
    -0.001: 1 ms before it, delivered out of order); a frame and a plan follow 10 ms after.
    """
    session, clock, logs = commanded_and_moving(model, "continuous")
    before = stream(session, clock, ticks=15)[-1].setpoint
    glitch = START.copy()
    glitch[2] += 0.15
    session.observe_state(glitch, clock.now + stamped)
    clock.now += 0.01
    session.observe_image(frame(5), clock.now)
    session.plan_step()
    out = session.stream_step()
    step = 0.0 if out is None or out.setpoint is None else \
        float(np.linalg.norm(out.setpoint[:3] - before[:3]))
    return step, logs


def test_no_gripper_command_goes_out_after_a_disable_that_came_after_the_plan(model):
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from vjepa_ros.nodes.planner_node import PlannerNode

    session, clock, _ = enabled_session(model, mode="continuous")
    sent, published = [], []

    def disable_meanwhile(message):
        # the executor thread answers ~/enable false while the worker thread publishes
        published.append(message)
        session.set_enabled(False)

    node = SimpleNamespace(
        closing=False, session=session, action_labels="dx dy dz droll dpitch dyaw dgripper",
        command_lock=threading.Lock(),
        debug_pub=SimpleNamespace(get_subscription_count=lambda: 0),
        action_pub=SimpleNamespace(publish=disable_meanwhile),
        gripper_pub=SimpleNamespace(publish=sent.append), gripper_action=None,
        config=SimpleNamespace(robot=SimpleNamespace(gripper_max_width=0.08),
                               control=SimpleNamespace(gripper_max_effort=20.0)))
    node._send_gripper = lambda closedness: PlannerNode._send_gripper(node, closedness)
    assert PlannerNode._plan_and_publish(node)
    assert published and not session.enabled
    assert session.last_report.gripper_command is not None, "the plan commanded the gripper"
    assert sent == [], f"gripper command {sent[0].data} sent after the disable"




def test_a_frame_within_max_image_age_finds_its_state_among_1_khz_joint_states(model):
    # franka_ros2's joint_state_broadcaster publishes at the controller rate (1 kHz); a camera
    # with 0.8 s of latency is allowed by safety.max_image_age_s 1.0. The state at the frame's
    # stamp came, but was dropped from the history (inputs.STATE_HISTORY): "no robot state near
    # the frame: nearest is +0.40 s from the frame's stamp", on every plan, naming nothing to do
    session, clock, _ = make_session(model, max_image_age_s=1.0)
    for _ in range(1000):
        clock.now += 0.001
        session.observe_state(START, clock.now)
    session.observe_image(frame(0), clock.now - 0.8)
    assert session.capture_goal()
    assert session.set_enabled(True)[0]
    report = session.plan_step()
    assert report is not None and report.command is not None, session.refusal



def test_consecutive_target_poses_keep_one_quaternion_hemisphere():
    # a Franka hand pointing down has roll ±π; turning through it by 0.1 rad, two set-points
    # 10 ms apart go out as q and about -q (dot -1): one rotation, but a controller that
    # filters or interpolates the target's coefficients (no hemisphere check) sees a full turn
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from vjepa_ros.nodes.planner_node import PlannerNode
    from vjepa_ros.nodes.setpoint_output import SetpointOutput

    start = np.array([0.5, 0.0, 0.3, math.pi - 0.05, 0.0, 0.0, 0.0])
    target = start.copy()
    target[3] = -math.pi + 0.05
    streamer = SetpointStreamer(LIMITS)
    streamer.reset(start)
    streamer.set_target(target, anchor=start)
    ticks = iter(range(100))
    sent = []
    node = SimpleNamespace(
        session=SimpleNamespace(stream_step=lambda: StreamOutput(
            streamer.step(0.01), streamer.twist(), 100.0 + 0.01 * next(ticks), commanding_epoch=1),
            enabled=True,
            commanding_epoch=1),
        command_lock=threading.Lock(),
        setpoints=SetpointOutput(SimpleNamespace(publish=sent.append), None, "panda_link0",
                                 clock=lambda: 0.0))
    for _ in range(100):
        PlannerNode._stream(node)
    quats = np.array([[m.pose.orientation.x, m.pose.orientation.y, m.pose.orientation.z,
                       m.pose.orientation.w] for m in sent])
    dots = np.sum(quats[1:] * quats[:-1], axis=1)
    assert dots.min() >= 0.0, f"consecutive target_pose quaternions with dot {dots.min():.4f}"



def test_enable_says_the_arm_is_outside_the_workspace_box(model):
    # README: ~/enable "replies with every blocking reason"; the measured pose outside the box
    # (beyond safety.workspace_tolerance_m) refuses every plan once enabled, and nothing before
    # the first plan says so (shadow mode runs no safety filter)
    session, clock, _ = make_session(model)
    low = START.copy()
    low[2] = 0.02  # safety.workspace_min z is 0.05
    observe(session, clock, state=low)
    session.capture_goal()
    assert session.plan_step().outcome == "shadow"
    ok, reply = session.set_enabled(True)
    assert ok and "outside the workspace box" in reply, reply


def speed(twist) -> float:
    """Norm of a TwistStamped's linear and angular parts."""
    lin, ang = twist.twist.linear, twist.twist.angular
    return math.hypot(lin.x, lin.y, lin.z, ang.x, ang.y, ang.z)


@pytest.mark.skipif(harness is None, reason="rclpy is installed by scripts/bootstrap.sh")
def test_a_disable_while_moving_ends_servo_twist_with_a_zero_twist(harness):  # noqa: F811
    # README: servo_twist sends "one zero twist on hold"; a disable stops the stream with no
    # zero twist, so a velocity consumer (MoveIt Servo until its command timeout, a Cartesian
    # velocity controller without one) goes on at the last set-point velocity
    h = harness(**{"control.publish_twist": True})
    assert h.pump(3.0, until=lambda: h.session.frame is not None)
    assert h.capture().success and h.enable().success
    assert h.pump(10.0, until=lambda: h.got["twist"] and speed(h.got["twist"][-1]) > 1e-3)
    assert h.enable(False).success
    h.pump(0.5)
    assert speed(h.got["twist"][-1]) == 0.0, (
        f"the last servo_twist after ~/enable false moves at {speed(h.got['twist'][-1]):.3f}")

"""breaker55j: the joint-limit guard's inputs (the accepted state's joints) and restart advice.

Each asserted the right behaviour as a strict xfail (fixed by fix55j):

1. The state a joint state gives becomes the session's newest (``session.observe_state``) before
   its joints are kept (``accepted_joints.note``, after it, outside any lock the planning worker
   takes): a plan's step guarded in between (the worker's ``_guard_ahead``, out of the lock; a
   camera check's move at a stream tick) finds no joints for the newest state and is refused
   NO_JOINTS, which holds the arm (robot/command_session.py ``_command``). Measured with the
   harness's planner and a second thread asking for the newest state's joints while ~130 joint
   states/s of a moving arm came: 6% of the asks found none (0.7% at 33 states/s).
2. The guard's verdict computed before the lock (``_guard_ahead``) is reused when the TCP moved
   less than 0.1 mm / 1 mrad since (``_guarded``): a null-space motion of the 7-DoF arm (same
   TCP, elbow moved 0.23 rad, joint 2 now inside the margin) keeps the verdict of the joints
   before it, so a step the guard refuses from the arm's present joints is commanded.
3. The restart advice for a pose's frame_id (``pose_msgs.frame_problem`` →
   ``start_forms.restart_planner_with``) quotes the value for the shell only (``shlex.quote``):
   a frame named ``0``, ``true``, ``y``, ``off`` or ``1e3`` is typed by rcl as an int, bool or
   float, so neither pasted command starts a planner with that frame.
"""

import math
import shlex

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from planner_harness import HOME, checkpoint, harness  # noqa: E402, F401

from vjepa_ros.nodes.launch_arguments import parse_overrides  # noqa: E402
from vjepa_ros.nodes.pose_msgs import frame_problem  # noqa: E402
from vjepa_ros.nodes.ros_args import check_param_item  # noqa: E402
from vjepa_ros.robot.accepted_joints import NO_JOINTS  # noqa: E402
from vjepa_ros.robot.safety import filter_target  # noqa: E402
from vjepa_ros.ros_values import yaml_value  # noqa: E402

# Two Panda joint vectors along one null-space path from HOME (the TCP within 1e-15 of each
# other: computed by Newton projection onto HOME's pose): joint 2 0.30 rad from its limit -1.7628
# in the first, 0.15 rad (inside a margin of 0.2) in the second; elbow and wrist moved 0.03-0.23
ELBOW_OUT = [-1.6717846328063675, -1.46421748773053, 0.6301966691904056, -2.241174988729671,
             0.7884028228987864, 0.9723176937724097, -0.29331213884195495]
ELBOW_IN = [-1.9017284231470557, -1.6134164374205444, 0.5678317479540553, -2.2077411444101114,
            0.8556162041826468, 0.7919173914327986, -0.4634350824409161]


def test_a_step_guarded_between_a_state_and_its_joints_is_not_refused(harness):  # noqa: F811
    """A step guarded after a state became the newest, before its joints were kept, is refused.

    The worker's guard (``_guard_ahead``: out of the session lock) can run right after the
    joint-state callback made its state the newest and before ``accepted_joints.note`` kept its
    joints: that interleaving, played here deterministically, refuses a 5 mm step with NO_JOINTS
    (a hold: RefusalKind.JOINT_LIMIT) though the state came with its joints. Each new pose of a
    moving arm at 1 kHz opens that window again; the old guard (newest joints read) had none.
    """
    h = harness()
    assert h.pump(1.0, until=lambda: h.session.latest_state() is not None)
    limits = h.planner.config.safety
    observe, verdicts = h.session.observe_state, []

    def observe_then_guard(state, stamp, **kwargs):  # the worker's turn comes right after
        observe(state, stamp, **kwargs)
        latest = h.session.latest_state().value.copy()
        target = latest.copy()
        target[0] += 0.005
        verdicts.append(h.session.joint_guard(latest, filter_target(latest, target, limits)))

    h.session.observe_state = observe_then_guard
    for index in range(1, 6):  # a moving arm: a new pose with each joint state
        joints = list(HOME)
        joints[0] += 0.001 * index
        before = len(verdicts)
        assert h.pump(1.0, until=lambda before=before: len(verdicts) > before, joints=joints)
    assert verdicts
    refused = [v.reason for v in verdicts if v.reason == NO_JOINTS]
    assert not refused, f"{len(refused)} of {len(verdicts)} steps refused: {refused[0]}"


def test_a_verdict_before_a_null_space_motion_is_not_reused(harness):  # noqa: F811
    """``_guarded`` takes ``_guard_ahead``'s verdict when the TCP moved < 0.1 mm / 1 mrad.

    A 7-DoF arm moves its elbow without moving its TCP (a compliant null space: a person's hand
    on the elbow, an impedance controller's drift): joint 2 went from 0.30 to 0.15 rad from its
    limit (margin 0.2) while the plan was computed. The step (y +1 cm) drives joint 2 further
    in: refused from the present joints, but the verdict of the joints before is reused.
    """
    h = harness(**{"safety.joint_limit_margin_rad": 0.2})
    kinematics, limits = h.planner.kinematics, h.planner.config.safety
    out = kinematics.state(np.array(ELBOW_OUT), 0.0)
    inside = kinematics.state(np.array(ELBOW_IN), 0.0)
    assert np.abs(out[:6] - inside[:6]).max() < 1e-9, "setup: the same TCP"
    assert h.pump(1.0, until=lambda: h.planner.accepted_joints.joints_for(out) is not None,
                  joints=ELBOW_OUT)
    was = h.session.latest_state().value.copy()
    target = was.copy()
    target[1] += 0.01
    decision = filter_target(was, target, limits)
    assert decision.accepted, decision.reason
    ahead = (was, decision, h.session.joint_guard(was, decision),  # as _guard_ahead returns it
             h.planner.accepted_joints.joints_for(was))
    assert ahead[2].accepted, "setup: from the elbow out, the step keeps joint 2 clear"
    assert h.pump(1.0, until=lambda: h.planner.accepted_joints.joints_for(inside) is not None,
                  joints=ELBOW_IN)
    now = h.session.latest_state().value.copy()
    present = filter_target(now, target, limits)
    direct = h.session.joint_guard(now, present)
    assert not direct.accepted and "joint 2" in direct.reason, "setup: refused from the present"
    with h.session._lock:
        verdict = h.session._guarded(now, present, ahead)
    assert not verdict.accepted and "joint 2" in verdict.reason, verdict


def _advice_commands(problem: str) -> tuple[list[str], list[str]]:
    """Split the advice's two command lines as a shell would (launch's, ros2 run's)."""
    forms = problem[problem.index("(vjepa-ros launch"):].strip("()")
    launch, _, ros_run = forms.partition(", or ros2 run: ")
    return shlex.split(launch), shlex.split(ros_run)


@pytest.mark.parametrize("frame", ["0", "true", "y", "off", "1e3"])
def test_restart_advice_for_a_frame_sets_that_frame(frame):
    problem = frame_problem("/current_pose", frame, "panda_link0")
    launch, ros_run = _advice_commands(problem)
    assert launch[:2] == ["vjepa-ros", "launch"] and launch[2] == "-p", launch
    assert ros_run[:2] == ["--ros-args", "-p"], ros_run
    check_param_item(ros_run[2])  # both forms pass the package's own checks
    taken = parse_overrides([launch[3]])["planner"]["robot.base_frame"]
    by_rcl = yaml_value("robot.base_frame", ros_run[2].partition(":=")[2], "name")
    assert (taken, by_rcl) == (frame, frame), problem


@pytest.mark.parametrize("frame", ["world", "base link", "odom_0"])
def test_restart_advice_for_a_plain_frame_sets_it(frame):
    """What held: frames rcl reads as strings, one with a space (shell-quoted), come back."""
    launch, ros_run = _advice_commands(frame_problem("/current_pose", frame, "panda_link0"))
    assert parse_overrides([launch[3]])["planner"]["robot.base_frame"] == frame
    assert yaml_value("robot.base_frame", ros_run[2].partition(":=")[2], "name") == frame


def test_null_space_pair_is_one_tcp():
    """The fixture of test 2: the two joint vectors give one TCP (checked here without ROS)."""
    from vjepa_ros.robot.kinematics import FrankaKinematics

    kinematics = FrankaKinematics()
    out, inside = kinematics.tool_pose(ELBOW_OUT), kinematics.tool_pose(ELBOW_IN)
    np.testing.assert_allclose(out, inside, atol=1e-12)
    assert abs(ELBOW_OUT[1] - ELBOW_IN[1]) > 0.1 and math.isclose(
        -1.7628 - ELBOW_IN[1], -0.1494, abs_tol=0.01)

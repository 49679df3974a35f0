"""breaker45g: motions the command layer must never command, at main's HEAD 9c996cc.

Attacked the combinations sessions 43-44 made possible: the model-frame correction
(``control.model_frame_rpy_deg``) with plans at the workspace box's corner and with large
rotation deltas, the camera check's motions at the box corner, and an arm measured just outside
the box (within ``safety.workspace_tolerance_m``, which an arm tracking a set-point on a face
overshoots by) under the step limit. Safety parameters cannot be set at run time (the planner
node's type check, ``nodes/params.py``, refuses every start-only parameter, ``safety.*`` among
them, with the restart line), so "a plan prepared before a safety change" has no way in.

Found (strict xfails, fixed: the reach is ``max_step_m`` less the arm's distance outside the box,
``safety.step_reach``; the tolerance is that Euclidean distance): the step limit was measured
from the measured pose clamped into the box, not from the measured pose: an arm 9 mm outside a
corner was sent 0.116 m in one command (``max_step_m`` 0.10), by ``safety.filter_target`` and
through ``MPCSession``'s set-point; and the tolerance was per axis, so the set-point started
15.6 mm from such an arm (tolerance 10 mm): ``SetpointStreamer.reset``. The first two tests now
use an arm 5.5 mm out on each axis (9.5 mm: within the tolerance; 0.1095 m before the fix).
Held up (pins): base-frame box and step clamps after a 90° model-frame rotation, the rotation
limit on a rotated model frame's large roll delta, the camera check refused at the box corner.
ROS-free, CPU, a second or two in all.
"""

import math

import numpy as np
import pytest
from fixed_planners import FixedPlanner
from test_robot_mpc import CEM, Clock, frame, tiny_world_model

from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goals import SubGoal
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.safety import SafetyLimits, filter_target
from vjepa_ros.robot.targets import poses_apart
from vjepa_ros.robot.workspace_box import in_box

LIMITS = SafetyLimits()
# 5.5 mm outside the box's upper corner on every axis (9.5 mm away): within
# workspace_tolerance_m (10 mm); 9 mm on each axis (15.6 mm) is outside it
OVERSHOT_CORNER = np.array([0.8055, 0.4555, 0.7055, math.pi, 0.0, 0.0, 0.0])
FAR_CORNER = np.array([0.809, 0.459, 0.709, math.pi, 0.0, 0.0, 0.0])
CENTRE = np.array([0.5, 0.0, 0.3, math.pi, 0.0, 0.0, 0.0])


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def commanding_session(model, state, action, rpy=(0.0, 0.0, 0.0), mode="blocking"):
    """Return (session, clock): enabled, a goal, the arm measured at ``state`` [7]."""
    clock = Clock()
    session = MPCSession(model, CEM, SafetyLimits(),
                         ControlConfig(mode=mode, model_frame_rpy_deg=list(rpy)), clock=clock,
                         planner=FixedPlanner(action), clock_offset=clock.system_offset,
                         stream_clock=clock.steady)
    session.observe_image(frame(0), clock.now)
    session.observe_state(state, clock.now)
    session.set_goals([SubGoal(frame(7), 0, "test")])
    session.set_enabled(True)
    return session, clock


def stream_still_arm(session, clock, state, ticks):
    """Stream ``ticks`` ticks of 10 ms with the arm reported still at ``state``; set-points."""
    points = []
    for _ in range(ticks):
        clock.now += 0.01
        session.observe_state(state, clock.now)
        session.observe_image(frame(0), clock.now)
        out = session.stream_step()
        if out is not None and out.setpoint is not None:
            points.append(out.setpoint)
    return np.array(points)


def test_a_target_for_an_arm_just_outside_the_box_is_within_one_step_of_the_arm():
    """An arm 9.5 mm outside the box's corner (within tolerance) is sent at most max_step_m.

    Input: measured pose [0.809, 0.459, 0.709] (the box's upper corner is [0.80, 0.45, 0.70],
    ``workspace_tolerance_m`` 0.01: planned from, as an arm overshooting a set-point on a face),
    a plan 0.2 m back into the box along the diagonal. Happened: the target lies 0.1156 m from
    the measured pose: the step was shortened to 0.10 m from the pose clamped into the box,
    [0.80, 0.45, 0.70], 15.6 mm from the arm. Should: no target farther than
    ``safety.max_step_m`` from the measured pose (the module's own promise: "at most max_step_m
    ... away from the measured pose").
    """
    proposed = OVERSHOT_CORNER.copy()
    proposed[:3] -= 0.2 / math.sqrt(3)
    decision = filter_target(OVERSHOT_CORNER, proposed, LIMITS)
    assert decision.accepted and in_box(decision.target[:3], LIMITS)
    gap = np.linalg.norm(decision.target[:3] - OVERSHOT_CORNER[:3])
    assert gap <= LIMITS.max_step_m + 1e-9, f"{gap:.4f} m from the arm in one step"


def test_the_set_point_from_an_arm_just_outside_the_box_stays_within_one_step_of_it(model):
    """The stream never takes an arm measured 9.5 mm outside the corner farther than one step.

    Input: a blocking session, the arm measured still at [0.809, 0.459, 0.709], a planner
    whose action is 0.2 m back along the box's diagonal; 2 s of stream ticks. Happened: the
    set-point (in the box at every tick) ends 0.1156 m from the arm: the reach ball
    (``SetpointStreamer``'s anchor) is centred on the clamped pose, like the filter's step.
    Should: every set-point within ``max_step_m`` of the measured pose the command was made
    safe against.
    """
    action = np.r_[-np.full(3, 0.2 / math.sqrt(3)), np.zeros(4)]
    session, clock = commanding_session(model, OVERSHOT_CORNER, action)
    report = session.plan_step()
    assert report.command is not None, report.reason
    points = stream_still_arm(session, clock, OVERSHOT_CORNER, 200)
    assert len(points) and all(in_box(p[:3], LIMITS) for p in points)
    gaps = np.linalg.norm(points[:, :3] - OVERSHOT_CORNER[:3], axis=1)
    assert gaps.max() <= LIMITS.max_step_m + 1e-9, f"{gaps.max():.4f} m from the arm"


@pytest.mark.parametrize("rpy", [(0.0, 0.0, 90.0), (30.0, -45.0, 120.0)])
def test_a_rotated_model_frame_plan_at_the_box_corner_is_clamped_in_the_base_frame(model, rpy):
    """Pin: a model-frame plan converted to the base frame still meets the box and step.

    Input: ``control.model_frame_rpy_deg`` rotated, the arm 2 cm inside the box's upper
    corner, a model-frame action of 0.3 m along every model axis. Held: the command and every
    set-point lie in the box (base frame) and within ``max_step_m`` of the arm.
    """
    state = CENTRE.copy()
    state[:3] = np.array(LIMITS.workspace_max) - 0.02
    session, clock = commanding_session(model, state, [0.3, 0.3, 0.3, 0.0, 0.0, 0.0, 0.0], rpy)
    report = session.plan_step()
    assert report.command is not None, report.reason
    assert in_box(report.command[:3], LIMITS)
    assert np.linalg.norm(report.command[:3] - state[:3]) <= LIMITS.max_step_m + 1e-9
    points = stream_still_arm(session, clock, state, 150)
    assert all(in_box(p[:3], LIMITS) for p in points)
    assert np.linalg.norm(points[:, :3] - state[:3], axis=1).max() <= LIMITS.max_step_m + 1e-9


def test_a_rotated_model_frame_roll_delta_is_limited_to_one_rotation_step(model):
    """Pin: a 1.2 rad rotation delta planned in a rotated model frame is shortened in base.

    Input: model frame rotated (20°, 70°, -35°), a planned action of 1.2 rad roll and 0.5 rad
    yaw. Held: the command and every set-point turn at most ``max_rotation_step_rad`` from the
    measured orientation.
    """
    session, clock = commanding_session(model, CENTRE, [0.0, 0.0, 0.0, 1.2, 0.0, 0.5, 0.0],
                                        (20.0, 70.0, -35.0))
    report = session.plan_step()
    assert report.command is not None, report.reason
    assert poses_apart(report.command, CENTRE)[1] <= LIMITS.max_rotation_step_rad + 1e-9
    points = stream_still_arm(session, clock, CENTRE, 150)
    turns = [poses_apart(p, CENTRE)[1] for p in points]
    assert max(turns) <= LIMITS.max_rotation_step_rad + 1e-9


def test_the_camera_check_at_the_box_corner_is_refused_and_moves_nothing(model):
    """Pin: a camera check from 1 cm inside the box's corner refuses; no set-point goes out.

    Input: rotated model frame, the arm 1 cm inside the upper corner, ``start_camera_check``
    (4 cm motions). Held: ValueError naming ``~/camera_check`` and the edge; no check runs.
    """
    state = CENTRE.copy()
    state[:3] = np.array(LIMITS.workspace_max) - 0.01
    session, clock = commanding_session(model, state, np.zeros(7), (0.0, 0.0, 90.0))
    session.clear_goals()  # a goal run is refused before the edge is looked at
    with pytest.raises(ValueError, match="camera_check refused.*edge"):
        session.start_camera_check()
    assert session.camera_check is None
    assert len(stream_still_arm(session, clock, state, 20)) == 0


def test_a_set_point_started_at_an_arm_outside_a_corner_starts_within_the_tolerance():
    """The first set-point lies at most ``workspace_tolerance_m`` from an arm it starts at.

    Fixed by measuring the tolerance as the distance to the box: the arm 9 mm out on each axis
    is refused (15.6 mm out), one 5.5 mm out on each (9.5 mm) starts 9.5 mm from its set-point.


    Input: ``SetpointStreamer(SafetyLimits()).reset(pose)`` with the arm measured 9 mm outside
    the box's upper corner on x, y and z (each within the 10 mm tolerance). Happened: the
    set-point starts at the corner, 15.6 mm from the arm (9 mm·√3): its first tick asks the
    controller for a 15.6 mm jump. Should: as ``reset``'s docstring says, "the set-point starts
    at most that tolerance from the arm" (or the tolerance be measured as that distance).
    """
    from vjepa_ros.robot.targets import SetpointStreamer
    from vjepa_ros.robot.workspace_box import outside_box_problem

    assert "outside the workspace box" in filter_target(FAR_CORNER, FAR_CORNER, LIMITS).reason
    assert outside_box_problem(FAR_CORNER, LIMITS)
    assert not outside_box_problem(OVERSHOT_CORNER, LIMITS)
    streamer = SetpointStreamer(LIMITS)
    streamer.reset(OVERSHOT_CORNER)
    gap = np.linalg.norm(streamer.setpoint[:3] - OVERSHOT_CORNER[:3])
    assert gap <= LIMITS.workspace_tolerance_m + 1e-9, f"{gap * 1000:.1f} mm from the arm"

"""breaker59f: planning while the arm moves, at the session level (after breaker57d, 59d).

Attacked at base59: the settle wait (``planning_session._next_job``), the async preparation
(``async_session._preparation_job``) and arrival (``stream_session._arm_arrived``) with a
camera whose clock runs ahead of or behind the robot states', ROS-free on breaker51c's rig
(``script_rig``: hand-driven clock, tiny world model, scripted planner, an arm following the
set-point).
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from script_rig import ScriptRig, late_rig
from session_rig import DT
from test_robot_mpc import frame

from vjepa_ros.robot.safety import SafetyLimits

STEP_X = 0.05  # [m] each scripted step along x


class OffsetCameraRig(ScriptRig):
    """breaker51c's rig with a camera of ``period`` s whose stamps run ``ahead`` s of the states.

    ``ahead`` < 0: the camera's clock is behind. ``taken``: {stamp: clock time the frame was
    taken and received} (no transport latency: what the node could know at best). ``arrivals``:
    ``session.arrival_time`` as each command went out. ``states_ahead``: how far [s] the states'
    stamps run ahead of the node clock (0: on it).
    """

    states_ahead = 0.0

    def __init__(self, model, mode, actions, ahead, period=1 / 30, **control):
        self.ahead, self.period, self.taken, self.arrivals = ahead, period, {}, []
        super().__init__(model, mode, actions, **control)
        self.session.add_report_listener(
            lambda report: report.command is not None and self.arrivals.append(
                self.session.arrival_time))

    def tick(self):
        self.clock.now += DT
        out = self.session.stream_step()
        if out is not None and out.setpoint is not None:
            self.arm[:6] += self.lag * (out.setpoint[:6] - self.arm[:6])
        self.session.observe_state(self.arm.copy(), self.clock.now + self.states_ahead)
        if self.clock.now >= self.next_frame - 1e-9:
            self.frames += 1
            stamp = self.clock.now + self.ahead
            self.taken[stamp] = self.clock.now
            self.session.observe_image(frame(100 + self.frames), stamp)
            self.next_frame = self.clock.now + self.period


def settle_violations(rig, settle_s):
    """Return how much too soon [s] the frames of the commands after the first were taken.

    Capture time − (arrival + ``settle_s``) of each command planned on a frame taken sooner
    than ``settle_s`` after the arrival before it (-0.2: taken at the arrival).
    """
    out = []
    for (_, report), arrival in zip(rig.sent[1:], rig.arrivals[1:], strict=True):
        taken = rig.taken.get(report.frame_stamp)
        if taken is not None and taken < arrival + settle_s - 1e-9:
            out.append(round(taken - arrival - settle_s, 3))
    return out


@pytest.mark.parametrize("ahead", [0.22, 0.24])
def test_blocking_settle_wait_never_takes_a_frame_received_before_the_arrival(model, ahead):
    """#1: blocking's settle wait takes a frame received before the arm arrived.

    A camera whose header stamps run 0.22-0.24 s ahead of the robot states' clock (a
    camera's own hardware clock, no PTP; the node accepts frames up to ``max_image_age_s`` =
    0.5 s in the future and ``_state_near`` pairs them with the newest state up to
    ``max_state_age_s`` = 0.25 s away). Blocking mode promises every plan after the first is
    made on a frame taken ``control.settle_s`` (0.2 s) after the arm arrived. The wait
    (``planning_session._next_job``) compares only ``frame.stamp`` with ``arrival_time +
    settle_s``: the frame received 0-0.04 s BEFORE the arrival (the arm still braking, at 30 Hz
    there is always one) is stamped past it, and the next plan is made on it at once, paired
    with the state of the arm at rest. The node knows the frame came before the arrival (its
    receipt time, ``frame_came_at``): a frame cannot be taken after it was received, so the
    wait should take min(stamp, receipt) as the frame's time (or refuse stamps this far ahead
    of their receipt as another clock).
    """
    rig = OffsetCameraRig(model, "blocking", [[STEP_X, 0, 0, 0, 0, 0, 0]] * 3 + [[0.0] * 7],
                          ahead)
    assert rig.session.plan_step().command is not None
    rig.run(600)
    assert len(rig.sent) >= 3, [r.reason for r in rig.reports][-5:]
    # each: how much sooner than arrival + settle_s the frame was taken [s] (-0.2: at arrival)
    assert settle_violations(rig, rig.session.control.settle_s)[:3] == []


@pytest.mark.parametrize("ahead", [0.0, -0.2])
def test_blocking_settle_wait_with_a_camera_on_time_or_behind(model, ahead):
    """Held: a camera on the states' clock or stamping 0.2 s behind: the settle wait holds.

    (Late stamps, within ``max_image_age_s``): every plan after the first is on a frame taken
    ``settle_s`` or more after the arrival.
    """
    rig = OffsetCameraRig(model, "blocking", [[STEP_X, 0, 0, 0, 0, 0, 0]] * 3 + [[0.0] * 7],
                          ahead)
    assert rig.session.plan_step().command is not None
    rig.run(600)
    assert len(rig.sent) >= 3, [r.reason for r in rig.reports][-5:]
    assert settle_violations(rig, rig.session.control.settle_s) == []


class SaggingWristRig(OffsetCameraRig):
    """An arm following the set-point's position exactly, its yaw ``sag`` rad off.

    A soft rotational impedance holding a gripper's offset load: 10 Nm/rad,
    franka_example_controllers' default rotational stiffness, against 0.3 Nm.
    """

    sag = 0.03

    def tick(self):
        super().tick()
        self.arm[5] = self.session.streamer.setpoint[5] + self.sag
        self.session.observe_state(self.arm.copy(), self.clock.now)


def test_a_tight_position_tolerance_does_not_make_every_step_wait_the_timeout(model):
    """#2: a tight arrival_tolerance_m asks a hidden, tighter turn of the wrist.

    A user placing precisely sets ``control.arrival_tolerance_m`` 0.002 (2 mm; the
    position of a stiff translational impedance gets there). Arrival also asks the orientation
    within arrival_tolerance_m / 0.11 m (``arrival.arm_arrived``): 0.018 rad, with no parameter
    of its own. A compliant wrist that settles 0.03 rad off the set-point's yaw (well within
    ``control.async_tolerance_rad`` 0.1, the tolerance the same session allows a plan's start)
    never "arrives": every blocking step waits the whole ``arrival_timeout_s`` (10 s) after the
    set-point came to rest and logs "arm did not reach the target ... turned 0.030 rad". A 5 cm
    step then takes ~11 s instead of ~1 s. The orientation tolerance should be its own
    parameter (``control.arrival_tolerance_rad``, default 0.091 as now), not a hidden function
    of the position's (``stream_session._arm_arrived``, ``arrival.arm_arrived``).
    """
    rig = SaggingWristRig(model, "blocking", [[STEP_X, 0, 0, 0, 0, 0, 0]] * 3 + [[0.0] * 7],
                          0.0, arrival_tolerance_m=0.002)
    assert rig.session.plan_step().command is not None
    rig.run(500)  # 5 s: each 5 cm step's set-point travels ~0.7 s
    warnings = [m for level, m in rig.logs if "did not reach the target" in m]
    assert warnings == [] and len(rig.sent) >= 3, (len(rig.sent), warnings[:1])


def test_the_sagging_wrist_arrives_under_the_default_tolerance(model):
    """Held: the same 0.03 rad wrist with the default 1 cm (0.091 rad) arrives every step."""
    rig = SaggingWristRig(model, "blocking", [[STEP_X, 0, 0, 0, 0, 0, 0]] * 3 + [[0.0] * 7], 0.0)
    assert rig.session.plan_step().command is not None
    rig.run(500)
    assert [m for level, m in rig.logs if "did not reach the target" in m] == []
    assert len(rig.sent) >= 3


_offsets = st.lists(st.floats(-0.05, 0.05), min_size=3, max_size=3)
_turns = st.lists(st.floats(-0.15, 0.15), min_size=3, max_size=3)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(st.tuples(_offsets, _turns), min_size=2, max_size=5),
       latency=st.lists(st.integers(0, 60), min_size=1, max_size=4),
       lag=st.sampled_from([1.0, 0.5, 0.2]), mode=st.sampled_from(["async", "blocking",
                                                                 "continuous"]))
def test_session_set_points_keep_speed_accel_and_box_under_any_plan_sequence(
        model, steps, latency, lag, mode):
    """Held: streamed set-points keep speed, acceleration and box under any plan sequence.

    25 examples while attacking, 8 kept: any plan sequence (steps up to 5 cm and 0.15 rad per
    axis), planners of 0-60 stream ticks, an arm lagging the set-point, every mode (async
    blending): the set-points' speed <= ``max_speed_m_s``, their change of velocity <=
    ``max_accel_m_s2`` (finite differences over 10 ms ticks) and inside the box.
    """
    limits = SafetyLimits()
    rig = late_rig(model, mode, [p + r + [0.0] for p, r in steps], latency=latency, lag=lag)
    points = []
    stream_step = rig.session.stream_step

    def recorded():
        out = stream_step()
        points.append(None if out is None or out.setpoint is None else out.setpoint[:3].copy())
        return out

    rig.session.stream_step = recorded
    rig.run(300)
    before = velocity = None
    for point in points:
        if point is None or before is None:
            before, velocity = point, None
            continue
        new = (point - before) / DT
        assert np.linalg.norm(new) <= limits.max_speed_m_s * (1 + 1e-6)
        if velocity is not None:
            assert np.linalg.norm(new - velocity) / DT <= limits.max_accel_m_s2 * (1 + 1e-6)
        assert (point >= np.array(limits.workspace_min) - 1e-9).all()
        assert (point <= np.array(limits.workspace_max) + 1e-9).all()
        before, velocity = point, new

"""The MPC tests' session rig: a hand-driven clock, a hooked planner, an arm on the set-point.

ROS-free, CPU (the tiny random world model of ``test_robot_mpc``). :class:`Rig` streams at
:data:`DT` with a 10 Hz camera (:data:`FRAME_EVERY`) under :data:`LIMITS`; its arm is where the
set-point was plus ``push`` (a hand). :func:`pushed_during_camera_dropout` stalls the camera
while a hand pushes the held arm. :class:`GripperRig` (``goals.gripper`` subgoal; the arm ``lag``
behind the set-point) and :class:`PoseRig` (an impedance controller converging on the last
target through a hold) with :func:`place_release`; :func:`_rig`, :func:`_step` and
:func:`_said` start, step and read one. First written for breaker43h, 43o, 43p and 46a;
shared by the tests that drive a session this way.
"""

import numpy as np
from test_robot_mpc import CEM, START, Clock, HookedPlanner, frame

from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goals import GoalSwitchConfig, SubGoal
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.phase import Phase
from vjepa_ros.robot.safety import SafetyLimits

LIMITS = SafetyLimits()  # defaults: frames stale after 0.5 s, states after 0.25 s
DT = 0.01  # the stream period (control.stream_rate_hz 100)
FRAME_EVERY = 0.1  # a 10 Hz camera


def _hooked_session(rig, model, mode, control: dict, **session) -> None:
    """Give ``rig`` a fake clock, its log list, a hooked planner and a session in ``mode``."""
    rig.clock, rig.logs = Clock(), []
    rig.planner = HookedPlanner(model)
    rig.session = MPCSession(
        model, CEM, LIMITS, ControlConfig(mode=mode, **control), clock=rig.clock,
        log=lambda level, message: rig.logs.append((level, message)),
        planner=rig.planner, clock_offset=rig.clock.system_offset,
        stream_clock=rig.clock.steady, **session)


class Rig:
    """A session, a hooked planner, and an arm that tracks the set-point exactly (+ ``push``)."""

    def __init__(self, model, mode, goals=None, **control):
        _hooked_session(self, model, mode, control)
        self.frames = 0
        self.next_frame = self.clock.now
        self.push = np.zeros(7)  # where a hand has pushed the arm from the set-point
        self.session.observe_image(frame(0), self.clock.now)
        self.session.observe_state(START, self.clock.now)
        self.session.set_goals(goals or [SubGoal(frame(7), 0, "test")])
        self.session.set_enabled(True)

    def tick(self, camera=True):
        """One stream period: the arm is where the set-point was (plus ``push``); 10 Hz camera."""
        self.clock.now += DT
        out = self.session.stream_step()
        if out is None or out.setpoint is None:  # held: the arm stays (or is pushed)
            state = self.session.latest_state().value.copy()
        else:
            state = out.setpoint + self.push
        self.session.observe_state(state, self.clock.now)
        if camera and self.clock.now >= self.next_frame:
            self.frames += 1
            self.session.observe_image(frame(100 + self.frames), self.clock.now)
            self.next_frame = self.clock.now + FRAME_EVERY
        return out


def pushed_during_camera_dropout(rig, push_m=0.04):
    """Stall the camera 0.8 s while a hand pushes the held arm ``push_m`` along +y."""
    held = False
    for i in range(80):
        rig.push[1] = min(push_m, push_m * (i + 1) / 40)  # 0.1 m/s, as a hand guides an arm
        rig.clock.now += DT
        out = rig.session.stream_step()
        held = held or (out is not None and out.hold_started)
        rig.session.observe_state(rig.base + rig.push, rig.clock.now)
    assert held and rig.session.phase is Phase.HOLDING
    rig.next_frame = rig.clock.now
    rig.push[:] = 0  # the set-point restarts at the pushed arm, which then tracks it again
    for _ in range(10):  # frames again: the stream resumes, the set-point restarts at the arm
        rig.tick()


class GripperRig:
    """A session under ``goals.gripper`` subgoal; the arm follows the set-point (``lag`` behind).

    ``lag`` [0, 1): each tick the arm covers only (1 - lag) of its gap to the set-point (a
    compliant impedance controller trailing its set-point); ``push`` [7] is added on top.
    """

    def __init__(self, model, mode, goals, lag=0.0, switching=None, **control):
        _hooked_session(self, model, mode, control,
                        goal_switching=switching or GoalSwitchConfig(gripper="subgoal"))
        self.lag, self.push = lag, np.zeros(7)
        self.frames, self.next_frame = 0, self.clock.now
        self.arm = np.array(START, dtype=np.float64)
        self.session.observe_image(frame(0), self.clock.now)
        self.session.observe_state(self.arm, self.clock.now)
        self.session.set_goals(goals)
        self.session.set_enabled(True)

    def arm_goal(self, out):
        """Return where the arm converges this tick: the newest set-point (None: it stays)."""
        return None if out is None else out.setpoint

    def tick(self, camera=True):
        self.clock.now += DT
        out = self.session.stream_step()
        goal = self.arm_goal(out)
        if goal is not None:
            self.arm = self.arm + (1 - self.lag) * (goal - self.arm)
            self.arm[6] = goal[6]
        self.session.observe_state(self.arm + self.push, self.clock.now)
        if camera and self.clock.now >= self.next_frame:
            self.frames += 1
            self.session.observe_image(frame(100 + self.frames), self.clock.now)
            self.next_frame = self.clock.now + FRAME_EVERY
        return out


def place_release():
    return [SubGoal(frame(7), 1, "place", gripper=1.0),
            SubGoal(frame(8), 1, "release", gripper=0.0)]


class PoseRig(GripperRig):
    """``GripperRig`` with a pose-tracking (impedance) controller.

    The arm goes on converging on the last ``target_pose`` published (``lag`` per tick) while
    the stream publishes none (a hold), as a Franka cartesian impedance controller does.
    """

    last = None

    def arm_goal(self, out):
        """Return the last set-point published: the arm converges on it through a hold too."""
        if out is not None and out.setpoint is not None:
            self.last = out.setpoint
        return self.last


def _rig(model, mode, rig_class=GripperRig, lag=0.0, goals=None, **control):
    """Return a session with one 1-step sub-goal (unless ``goals``), its first command out."""
    rig = rig_class(model, mode, goals or [SubGoal(frame(7), 1, "only", gripper=0.0)], lag=lag,
                    **control)
    first = rig.session.plan_step()
    assert first is not None and first.command is not None
    rig.commands, rig.first = 1, first
    return rig


def _step(rig, camera=True):
    """One tick and one plan step; return the (t, message) lines they logged and the report."""
    said = len(rig.logs)
    rig.tick(camera=camera)
    report = rig.session.plan_step()
    if report is not None and report.command is not None:
        rig.commands += 1
    return [m for _, m in rig.logs[said:]], report


def _said(rig, text):
    return [m for _, m in rig.logs if text in m]

"""A session planned by a scripted planner, on a hand-driven clock: the rig of the async tests.

:class:`ScriptRig` (first written for breaker51c): an ``MPCSession`` on ``test_robot_mpc``'s
fake clock and tiny random world model (the ``model`` fixture of conftest.py), whose planner
(:class:`ScriptPlanner`) returns the test's actions and records the start it was given, and an
arm that follows the streamed set-point exactly or with a first-order lag.
:class:`LatePlanner` / :func:`late_rig` (breaker53d): a planner taking stream ticks to plan,
with hooks mid-plan. :func:`hand_rig` / :func:`wrist_rig` / :func:`subgoal_at` (breaker55c): a
hand following the gripper command, a wrist slower than the arm, a sub-goal's closedness.
"""

import numpy as np
import torch
from session_rig import DT
from test_robot_mpc import CEM, START, Clock, frame

from vjepa_ros.planning.search_log import PlanResult
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goals import GoalSwitchConfig, SubGoal
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.safety import SafetyLimits


class ScriptPlanner:
    """A planner whose n-th plan's first action is ``actions[n]`` (the last one repeats)."""

    def __init__(self, actions):
        self.actions = [list(a) for a in actions]
        self.starts = []  # (start state [7] given to the planner, planned from a predicted start)

    def reset(self):
        pass

    def plan(self, reps, state, goal_reps, token_weights=None, should_stop=None, **context):
        index = min(len(self.starts), len(self.actions) - 1)
        self.starts.append((state.double().numpy().copy(), "context_cache" in context))
        action = torch.tensor(self.actions[index], dtype=torch.float32)
        return PlanResult(first_action=action, actions=action[None].clone(),
                          elite_energies=torch.tensor([1.0]), best_energies=torch.tensor([1.0]),
                          mean=action[None].clone(), std=torch.zeros(1, 7), iterations_run=1,
                          stopped_early=False)


class ScriptRig:
    """A session with a scripted planner; the arm moves ``lag`` of the way to each set-point."""

    def __init__(self, model, mode, actions, start=START, lag=1.0, **control):
        self.clock, self.logs, self.reports = Clock(), [], []
        self.planner = ScriptPlanner(actions)
        self.session = MPCSession(
            model, CEM, SafetyLimits(), ControlConfig(mode=mode, **control), clock=self.clock,
            log=lambda level, message: self.logs.append((level, message)),
            planner=self.planner, clock_offset=self.clock.system_offset)
        self.arm = np.array(start, dtype=np.float64)
        self.lag, self.stuck_at = lag, None
        self.sent = []  # (arm [7] when the command went out, its report)
        self.session.add_report_listener(self._heard)
        self.frames, self.next_frame = 0, self.clock.now
        self.session.observe_image(frame(0), self.clock.now)
        self.session.observe_state(self.arm.copy(), self.clock.now)
        self.session.set_goals([SubGoal(frame(7), 0, "test")])
        self.session.set_enabled(True)

    def _heard(self, report):
        self.reports.append(report)
        if report.command is not None:
            self.sent.append((self.arm.copy(), report))

    def tick(self):
        """One stream period, then the arm's state; a 10 Hz camera."""
        self.clock.now += DT
        out = self.session.stream_step()
        if out is not None and out.setpoint is not None:
            self.arm[:6] += self.lag * (out.setpoint[:6] - self.arm[:6])
            if self.stuck_at is not None:  # blocked: it goes no farther along x
                self.arm[0] = min(self.arm[0], self.stuck_at)
        self.session.observe_state(self.arm.copy(), self.clock.now)
        if self.clock.now >= self.next_frame - 1e-9:
            self.frames += 1
            self.session.observe_image(frame(100 + self.frames), self.clock.now)
            self.next_frame = self.clock.now + 0.1

    def run(self, ticks):
        """Tick ``ticks`` periods, the planning worker after each."""
        for _ in range(ticks):
            self.tick()
            self.session.plan_step()


class LatePlanner(ScriptPlanner):
    """breaker51c's scripted planner taking ``latency`` stream ticks, and hooks mid-plan.

    ``latency``: ticks of the rig (stream, states, camera) that pass while each plan is made
    (a fraction: the clock moves that share of a tick, nothing else; a list: plan n takes
    entry n modulo its length). ``hooks``: {plan index:
    callable(rig)} run once, mid-plan.
    """

    rig = None
    latency = 0.0
    hooks: dict = {}

    def plan(self, *args, **kwargs):
        index = len(self.starts)
        latency = self.latency[index % len(self.latency)] if isinstance(self.latency, list) \
            else self.latency
        whole = int(latency)
        for _ in range(whole):
            self.rig.tick()
        self.rig.clock.now += (latency - whole) * DT
        hook = self.hooks.pop(index, None)
        if hook is not None:
            hook(self.rig)
        return super().plan(*args, **kwargs)


def late_rig(model, mode, actions, latency=0.0, hooks=None, **control):
    """Return breaker51c's rig whose planner takes ``latency`` ticks; the first plan made."""
    rig = ScriptRig(model, mode, actions, **control)
    rig.planner.__class__ = LatePlanner
    rig.planner.rig, rig.planner.latency = rig, latency
    rig.planner.hooks = dict(hooks or {})
    first = rig.session.plan_step()
    assert first is not None and first.command is not None, first
    return rig


def sent_predicted(rig):
    """Return (arm [7] when it went out, report) of each command from a predicted start."""
    return [(arm, report) for arm, report in rig.sent if report.predicted_start]


def hand_rig(model, mode, actions, latency=0, speed=0.02, **control):
    """breaker51c's rig, a planner of ``latency`` ticks, a hand moving ``speed`` a tick.

    The fingers (the state's closedness) move toward the last gripper command sent by at most
    ``speed`` (closedness) each stream tick: 0.02 is a full close in 0.5 s, about the Franka
    Hand's 0.1 m/s fingers over its 8 cm.
    """
    rig = ScriptRig(model, mode, actions, **control)
    rig.planner.__class__ = LatePlanner
    rig.planner.rig, rig.planner.latency, rig.planner.hooks = rig, latency, {}
    tick = rig.tick

    def hand_tick():
        tick()
        commanded = rig.session.last_gripper
        if commanded is not None:
            rig.arm[6] += float(np.clip(commanded - rig.arm[6], -speed, speed))

    rig.tick = hand_tick
    return rig


def wrist_rig(model, mode, actions, goals, wrist):
    """``hand_rig`` under ``goals.gripper`` subgoal (``goals``), a wrist slower than the arm.

    The position follows the set-point at once, the orientation ``wrist`` of the way a tick
    (a soft rotational impedance; 0: a caught wrist).
    """
    rig = hand_rig(model, mode, actions)
    rig.lag = np.array([1.0, 1.0, 1.0, wrist, wrist, wrist])
    session = rig.session
    session.set_enabled(False)
    session.goal_switching = GoalSwitchConfig(gripper="subgoal")
    session.set_goals(goals)
    session.set_enabled(True)
    return rig


def subgoal_at(closedness, steps):
    state = START.copy()
    state[6] = closedness
    return SubGoal(frame(7), steps, f"closedness {closedness:g}", state=state)

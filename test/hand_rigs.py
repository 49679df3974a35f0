"""A Franka Hand behind its ``gripper_action`` server, and the session that commands it.

:class:`FrankaHand` (first written for breaker53g): franka_gripper's ``gripper_action`` server
and its fingers, time moved by ``advance``; :func:`goals_for` the planner's ``GripperGoals`` on
it; :class:`HandRig` a ``session_rig.GripperRig`` commanding it. The hands that answer otherwise
(breaker55f): :class:`StuckHand` (every goal ABORTED at once), :class:`StallingController`
(ros2_controllers' gripper_action_controller with ``allow_stalling``), :class:`LateHand`
(acceptances when the test says). :class:`Future` (breaker46i): rclpy's future, callbacks run
on the setter. ROS-free.
"""

from __future__ import annotations

import threading
import types

import numpy as np
from session_rig import DT, FRAME_EVERY, GripperRig
from test_gripper_goals import Goal  # control_msgs' GripperCommand.Goal fields
from test_robot_mpc import frame

from vjepa_ros.robot.goals import SubGoal
from vjepa_ros.robot.gripper_goals import STATUS_ABORTED, STATUS_CANCELED, GripperGoals

SUCCEEDED = 4  # action_msgs/GoalStatus.STATUS_SUCCEEDED
NAME = "/franka_gripper/gripper_action"


class Future:
    """rclpy's ``Future`` as the gripper goals use it: callbacks run on the thread that sets it."""

    def __init__(self):
        self.callbacks, self.done, self.value = [], False, None

    def result(self):
        return self.value

    def add_done_callback(self, callback):
        if self.done:
            callback(self)
        else:
            self.callbacks.append(callback)

    def finish(self, value):
        self.value, self.done = value, True
        for callback in self.callbacks:
            callback(self)


class FrankaHand:
    """franka_gripper's ``gripper_action`` server and its hand (see the module docstring).

    ``width`` [m]: the fingers' opening now; ``object_width`` [m]: an object between the fingers
    (None: empty hand); ``up``: the driver answers. Time moves by :meth:`advance` [s].
    """

    SPEED, EPSILON, SAME = 0.1, 0.005, 1e-4

    def __init__(self, width=0.08, max_width=0.08, object_width=None, up=True, reject=False):
        self.width, self.max_width, self.object_width = width, max_width, object_width
        self.up, self.reject = up, reject
        self.running = []  # [goal dict]
        self.received = []  # (position, max_effort) of each goal the server got
        self.lock = threading.Lock()

    # -- the client side (rclpy.action.ActionClient) ------------------------------------------
    def server_is_ready(self):
        return self.up

    def send_goal_async(self, goal):
        accept = Future()
        if not self.up:  # the request is lost with the driver
            return accept
        self.received.append((goal.command.position, goal.command.max_effort))
        if self.reject:
            accept.finish(types.SimpleNamespace(accepted=False))
            return accept
        entry = {"result": Future(), "target": 2 * goal.command.position,
                 "effort": goal.command.max_effort}
        handle = types.SimpleNamespace(accepted=True, get_result_async=lambda: entry["result"],
                                       cancel_goal_async=lambda: self._cancel(entry))
        accept.finish(handle)
        self._start(entry)
        return accept

    # -- the server side (gripper_action_server.cpp) ------------------------------------------
    def _start(self, entry):
        target = entry["target"]
        if target > self.max_width or target < 0:
            return self._end(entry, STATUS_ABORTED, False)
        if abs(target - self.width) < self.SAME:
            return self._end(entry, SUCCEEDED, True)
        stop = target
        if target < self.width and self.object_width is not None and \
                target < self.object_width <= self.width:
            stop = self.object_width  # the fingers close on the object
        entry["stop"] = stop
        self.running.append(entry)

    def advance(self, seconds):
        """Move the hand ``seconds`` on; the goals whose motion ended are answered."""
        if not self.up or not self.running:
            return
        entry = self.running[-1]  # the hand follows the newest command
        step = self.SPEED * seconds
        gap = entry["stop"] - self.width
        self.width = entry["stop"] if abs(gap) <= step else self.width + np.sign(gap) * step
        if self.width == entry["stop"]:
            for done in list(self.running):
                reached = abs(self.width - done["target"]) <= self.EPSILON
                self._end(done, SUCCEEDED if reached else STATUS_ABORTED, reached)

    def crash(self):
        self.up = False

    def restart(self):  # a new driver process: the old goals are gone
        self.up, self.running = True, []

    def _cancel(self, entry):
        """Cancel a goal; the answer as rclpy's server gives it (action_msgs/CancelGoal)."""
        answer = Future()
        running = entry in self.running
        if running:
            self._end(entry, STATUS_CANCELED, False)
        # ERROR_NONE for a goal it stops; ERROR_GOAL_TERMINATED for one ended (or gone with
        # an earlier driver process: the new one answers ERROR_UNKNOWN_GOAL_ID, as quiet)
        answer.finish(types.SimpleNamespace(return_code=0 if running else 3,
                                            goals_canceling=[]))
        return answer

    def _end(self, entry, status, reached):
        if entry in self.running:
            self.running.remove(entry)
        result = types.SimpleNamespace(position=self.width / 2, effort=0.0, stalled=False,
                                       reached_goal=reached)
        entry["result"].finish(types.SimpleNamespace(status=status, result=result))


def goals_for(hand, logs, timeout_s=10.0, clock=None):
    clock = clock or (lambda: 0.0)
    return GripperGoals(hand, Goal, NAME, 0.08, 20.0, lambda m: logs.append(("warning", m)),
                        lambda m: logs.append(("info", m)), timeout_s, clock=clock)


def warnings(logs):
    return [m for level, m in logs if level == "warning"]


class HandRig(GripperRig):
    """The session commanding the hand through GripperGoals; the fingers measured from ``hand``."""

    def __init__(self, model, hand, mode="continuous", switching=None, deadband=0.1,
                 goals=None):
        self.hand, self.logs_goals = hand, []
        super().__init__(model, mode, goals or [SubGoal(frame(7), 200, "grasp", gripper=1.0)],
                         switching=switching, gripper_deadband=deadband)
        self.goals = goals_for(hand, self.logs_goals)
        # the node's output without its topic (resend: the goal alone, as the node sends it)
        self.session.gripper_output = lambda closedness, resend=False: self.goals.send(closedness)

    def tick(self, camera=True):
        self.hand.advance(DT)
        self.clock.now += DT
        out = self.session.stream_step()
        if out is not None:
            self.arm = self.arm + (out.setpoint - self.arm)
        # the measured hand is the fingers' width, not the set-point's closedness
        self.arm[6] = 1.0 - self.hand.width / 0.08
        self.session.observe_state(self.arm, self.clock.now)
        if camera and self.clock.now >= self.next_frame:
            self.frames += 1
            self.session.observe_image(frame(100 + self.frames), self.clock.now)
            self.next_frame = self.clock.now + FRAME_EVERY
        return out

    def run(self, seconds):
        for _ in range(int(round(seconds / DT))):
            self.tick()
            self.session.plan_step()  # the planning worker (continuous: each new frame)


class StuckHand(FrankaHand):
    """franka_gripper whose grasp / move fails at once: ABORTED at the width the fingers have."""

    def _start(self, entry):
        return self._end(entry, STATUS_ABORTED, False)


class StallingController(FrankaHand):
    """ros2_controllers' gripper_action_controller with ``allow_stalling``: a stall SUCCEEDS.

    ``blocked_at`` [m]: a width the fingers cannot pass (None: free). Each goal ends at once
    (time is not simulated): reached within the epsilon, else stalled.
    """

    def __init__(self, *args, blocked_at=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.blocked_at = blocked_at

    def _start(self, entry):
        stop = entry["target"]
        low, high = sorted((self.width, stop))
        if self.blocked_at is not None and low <= self.blocked_at <= high:
            stop = self.blocked_at
        self.width = stop
        reached = abs(stop - entry["target"]) <= self.EPSILON
        result = types.SimpleNamespace(position=self.width / 2, effort=0.0,
                                       stalled=not reached, reached_goal=reached)
        entry["result"].finish(types.SimpleNamespace(status=SUCCEEDED, result=result))


class LateHand(FrankaHand):
    """franka_gripper whose acceptances come only when :meth:`accept` is called (a loaded box)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.waiting = []  # (acceptance future, goal)

    def send_goal_async(self, goal):
        acceptance = Future()
        self.waiting.append((acceptance, goal))
        return acceptance

    def accept(self):
        acceptance, goal = self.waiting.pop(0)
        acceptance.finish(FrankaHand.send_goal_async(self, goal).value)

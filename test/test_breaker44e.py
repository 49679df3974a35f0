"""Breaker44e: GripperGoals against rclpy's real ActionClient; e5e7c55's purpose held up.

Attacked: e5e7c55 (``MPCSession._stop_motion`` asks ``SetpointStreamer.purpose``;
robot/goals.py split into goal_switch_config.py and subgoal.py) and robot/gripper_goals.py
(``GripperGoals``, planner_node._send_gripper) against what rclpy's ActionClient really does.

rclpy 9.1 (``rclpy/action/client.py``, ``rclpy/task.py``), read for this: ``send_goal_async``
raises synchronously (``send_goal_request``: an ``RCLError`` once the context is shut down, a
``TypeError`` for a wrong goal type), it never hands the error to the future; ``server_is_ready``
raises too on an invalid node (``with self._node.handle``, ``rcl node is invalid`` after Ctrl-C
shut the context down). Its futures have no executor: done callbacks run at once, on the
thread that sets the result (the executor running the action client's waitable) or on the
caller's thread when already done; a rejected goal is a ``ClientGoalHandle`` with
``accepted`` False; ``get_result_async`` gives a ``GetResult.Response`` with ``.status``.
ros2_controllers' ``gripper_action_controller`` cancels its active goal when a new one comes
(``preempt_active_goal``: ``setCanceled``).

Defects (strict xfails): a send that raises escapes ``GripperGoals.send`` (the planning worker's
``_planning_failed`` then disables commanding: the arm stops for a gripper message); a goal
superseded by our own next goal (the controller cancels it) is warned as a failed goal ("check
the hand") once per goal.
"""

import types

import pytest

from vjepa_ros.robot.gripper_goals import STATUS_CANCELED, GripperGoals

SUCCEEDED = 4


class RclpyFuture:
    """rclpy.task.Future without an executor: pending until set; callbacks run at once."""

    def __init__(self):
        self.done_, self.value, self.callbacks = False, None, []

    def result(self):
        return self.value

    def set_result(self, value):
        self.done_, self.value = True, value
        callbacks, self.callbacks = self.callbacks, []
        for callback in callbacks:
            callback(self)

    def add_done_callback(self, callback):
        if self.done_:
            callback(self)
        else:
            self.callbacks.append(callback)


class Goal:
    def __init__(self):
        self.command = types.SimpleNamespace(position=None, max_effort=None)


def make(client):
    lines = []
    goals = GripperGoals(client, Goal, "/gripper_action_controller/gripper_cmd", 0.08, 20.0,
                         lambda text: lines.append(("warn", text)),
                         lambda text: lines.append(("info", text)))
    return goals, lines


class ShutDownClient:
    """An ActionClient whose context Ctrl-C shut down while the planning worker was mid-plan."""

    def __init__(self, where):
        self.where = where

    def server_is_ready(self):
        if self.where == "ready":
            raise RuntimeError("failed to check if action server is available: rcl node is "
                               "invalid")
        return True

    def send_goal_async(self, goal):
        raise RuntimeError("failed to send goal request: context is shutdown")


@pytest.mark.parametrize("where", ["ready", "send"])
def test_a_send_that_raises_does_not_escape(where):
    """The rclpy client raises from ``server_is_ready`` / ``send_goal_async`` itself (an RCLError).

    A lab sees it at Ctrl-C (the context shut down while a plan finished: the node's ``closing``
    not yet set) or on any rmw send failure: the exception leaves ``send`` into
    ``_plan_and_publish``, and ``_planning_failed`` disables commanding with "planning step
    failed" (the module says "nothing here blocks the arm"). The test in test_gripper_goals
    (``a_send_that_raised``) puts the error in the future, which rclpy never does. It should
    return False with one warning naming control.gripper_action.
    """
    goals, lines = make(ShutDownClient(where))
    assert goals.send(1.0) is False
    assert len(lines) == 1 and lines[0][0] == "warn" and "control.gripper_action" in lines[0][1]


class PreemptingController:
    """ros2_controllers' gripper_action_controller: a new goal cancels the active one."""

    def __init__(self):
        self.active = None  # the active goal's result future

    def server_is_ready(self):
        return True

    def send_goal_async(self, goal):
        if self.active is not None:  # preempt_active_goal: setCanceled
            self.active.set_result(types.SimpleNamespace(status=STATUS_CANCELED, result=None))
        result = RclpyFuture()
        self.active = result
        sent = RclpyFuture()
        sent.set_result(types.SimpleNamespace(accepted=True, get_result_async=lambda: result))
        return sent

    def finish(self):
        self.active.set_result(types.SimpleNamespace(status=SUCCEEDED, result=None))
        self.active = None


def test_a_goal_superseded_by_the_next_is_no_failure():
    """Close, then open 0.3 s later while the hand still closes (a Franka hand takes ~1 s).

    Continuous control plans every frame: closedness 1.0 then 0.0 (a re-plan, beyond the 0.1
    deadband; with deadband 0 every plan) goes out while the first goal runs. The controller
    cancels the first (``preempt_active_goal``) as it takes the second; that is our own
    doing, not the driver failing. Now each such goal is a warning "was canceled ... the
    driver did not complete it; check the hand" and counts in ``failed``: with deadband 0 a
    warning per plan, and a real failure drowns among them. It should say nothing for a goal
    replaced by a newer one (and the last goal's success says nothing either).
    """
    client = PreemptingController()
    goals, lines = make(client)
    for closedness in (1.0, 0.0, 1.0, 0.9):
        assert goals.send(closedness)
    client.finish()
    assert lines == [] and goals.answers.failed == 0


def test_a_controller_that_hangs_on_its_active_goal_is_said_once():
    """fix45c: the controller takes goals and preempts as rclpy's does, then stops answering.

    The preempted goals are answered (canceled: our own doing, no line); the active one's result
    never comes (the controller hung or died after accepting it): one warning naming the server
    and control.gripper_result_timeout_s once that long passed, at no later check again.
    """
    client = PreemptingController()
    clock = types.SimpleNamespace(now=0.0)
    lines = []
    goals = GripperGoals(client, Goal, "/gripper_action_controller/gripper_cmd", 0.08, 20.0,
                         lambda text: lines.append(("warn", text)),
                         lambda text: lines.append(("info", text)), 5.0,
                         clock=lambda: clock.now)
    for closedness in (1.0, 0.0, 1.0):
        assert goals.send(closedness)
        clock.now += 1.0
    assert sorted(goals.answers.awaiting) == [3], "the preempted goals were answered (canceled)"
    clock.now += 1.5  # the active goal, accepted at 2 s: 2.5 s ago
    assert goals.overdue() == [] and lines == []
    clock.now += 2.5
    assert goals.overdue() == [3] and len(lines) == 1
    assert "/gripper_action_controller/gripper_cmd" in lines[0][1]
    assert "control.gripper_result_timeout_s" in lines[0][1] and goals.answers.failed == 0
    clock.now += 30.0
    assert goals.overdue() == [] and len(lines) == 1

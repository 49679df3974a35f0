"""breaker44t: the gripper command inside the session's commit (commit 20d34fa).

Attacked at 20d34fa: ``MPCSession.gripper_output`` (``vjepa_ros/robot/mpc.py``), called in
``robot/command_session.py`` ``_command`` as a command changes the gripper, under the session
lock, on the thread that commits (the planning worker: ``planning_session.plan_step`` and the
async ``_prepare`` / ``_take_prepared`` of ``robot/async_session.py``); the planner node's
``_send_gripper`` as that output (``nodes/planner_node.py``, ``robot/gripper_goals.py``); and
``PlannerNode._stream``'s enable-epoch check (with the watchdog's tick path).

What did not hold: the output is called in the middle of ``plan_step``'s last locked block,
before ``_finish``. A send that raises (``gripper_pub.publish`` raises an rclpy ``RCLError``
once the context is shut down or the publisher destroyed; ``GripperGoals.send`` guards its own
send against exactly that, the Float64 publish is not guarded) leaves the session half
committed: the set-point moving toward the new target, ``commands_sent`` counted,
``last_gripper`` set, but ``planning`` stays True and ``_idle`` cleared for good (the node's
``prepare_shutdown`` then waits its full ``wait_idle`` timeout, 30 s; ``~/camera_check`` is
refused as "the planning worker is still busy" forever) and the commanded plan's report never
reaches ``last_report`` / ``~/plan_report``. Before 20d34fa the send was after ``plan_step``
returned, so a raising publish could not leave the session mid-step.

What held (tried, see the report): the gripper line is the last of ``_command``, so no discard
follows a send (void, shadow, too old, inputs, left start, safety filter, the continuous
gripper wait all return before it); async prepared plans are committed on the worker thread
only (the stream tick only wakes it), and their gripper goes out; ``goals.gripper`` hold and a
guessed hand (planned) send nothing; the simulator loops (``gripper_output`` None) still read
``report.gripper_command`` once; the stream tick's epoch check cannot drop a fresh enable's
first set-point on the node's single-threaded executor (the enable service and the tick are
serialized, the streamer is inactive until the first command).
"""

from __future__ import annotations

import pytest
from test_robot_mpc import enabled_session, model  # noqa: F401 - fixture


class _ContextShutDown(RuntimeError):
    """What rclpy's publish raises once its context is invalid (an RCLError)."""


@pytest.mark.parametrize("mode", ["continuous", "blocking"])
def test_a_raising_gripper_send_still_ends_the_plan_step(model, mode):  # noqa: F811
    """A gripper publish that raises must not leave the session in the middle of a plan step.

    A lab sees it as: the node's ``gripper_command`` publish raises (rclpy's ``RCLError`` once
    the process's context was shut down by another owner of it, or the publisher destroyed;
    ``robot/gripper_goals.py`` guards the GripperCommand send against the same error) while the
    worker commits a plan that changes the hand. The exception leaves ``plan_step`` before
    ``_finish``: the worker's failure handler disables commanding, but the session stays
    "planning" for good, so shutdown hangs for ``prepare_shutdown``'s 30 s ``wait_idle`` and
    ``~/camera_check`` is refused forever; ``commands_sent`` counts a command whose report never
    went out. Whatever the send does, the step must end: idle, not planning, its report kept.
    """
    session, _, _ = enabled_session(model, mode)

    def send(closedness):
        raise _ContextShutDown("Failed to publish: publisher's context is invalid")

    session.gripper_output = send
    try:
        report = session.plan_step()
    except _ContextShutDown:
        report = None
    assert session.commands_sent == 1 and session.last_gripper is not None, \
        "setup: the plan was committed and changed the gripper"
    assert session.wait_idle(0.5), "the session never becomes idle again after the raising send"
    assert not session.planning, "the session still says a plan is running"
    assert session.last_report.commands_sent == session.commands_sent, (
        f"the committed command's report never went out (last_report: "
        f"{session.last_report.outcome}, {session.commands_sent} commands sent)")
    if report is not None:
        assert str(report.outcome) == "commanded"
    session.set_enabled(False)  # what the node's worker failure handler does next
    assert session.wait_idle(0.5) and not session.planning

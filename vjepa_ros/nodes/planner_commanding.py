"""The planner node's commanding switch and stops: ~/enable, a failure, shutdown (a mixin).

:class:`PlannerCommanding` is mixed into :class:`vjepa_ros.nodes.planner_node.PlannerNode`: the
``~/enable`` (SetBool) service callback (``_enable``: the input and twin checks before an enable,
the switch under ``command_lock``, a disable's end of ``servo_twist`` and cancel of a running
GripperCommand goal), the stop after an unexpected exception (``_failed``; the planning worker's
``_planning_failed``, an out-of-memory named after ``planner.samples``; ``/diagnostics`` ERROR,
``refusal_kind`` internal_error, until ``~/enable`` starts commanding again or, when commanding
was not on (shadow mode), until the same path succeeds again: :func:`clear_failure`,
:func:`failures`) and the node's shutdown (``prepare_shutdown``). The set-point stream itself
is :mod:`vjepa_ros.nodes.planner_stream`'s (``_stream``). The attributes used are set by the
node's ``__init__``.
"""

from __future__ import annotations

import os
import time

from vjepa_ros.robot.planner_config import parameter_message
from vjepa_ros.robot.refusal import RefusalKind


class PlannerCommanding:
    """The planner node's ~/enable switch and the paths that stop its commanding."""

    settle_given_up = False  # a shutdown's settle gave up on a gripper goal (said once)
    # the unexpected error that disabled commanding (_failed), until ~/enable starts it again
    failure_line = ""
    # where it failed ("planning step", "set-point stream") and whether commanding was on then
    failure_where, failure_disabled = "", False

    def _enable(self, request, response):
        if request.data:
            self._check_recorded_inputs()  # before the first plan may go out
            self._check_other_publishers()
            # a twin (this name, or a planner on its topic): enabled too? link0 coordinates
            # that would go out stamped in another frame (robot.base_frame)?
            refusals = self._node_refusals()
            if refusals:
                refusal = refusals[0][1]
                response.success, response.message = False, refusal
                self.get_logger().warning(f"~/enable refused: {refusal}")
                return response
        with self.command_lock:  # a stream tick's publish under way ends first (_stream)
            response.success, response.message = self.session.set_enabled(bool(request.data))
            if request.data and response.success:  # commanding again: the failure is behind
                self.failure_line = ""
        if not request.data:
            self.setpoints.end()  # a moving servo_twist stops now, as a hold's does
            if self.gripper_action is not None:  # and a closing or opening hand where it is
                self.gripper_action.cancel()
        if request.data and response.success:  # what the session cannot know: where, who else
            notes = [p.note for p in self._input_problems() if p.note]
            if self.other_publishers:
                notes.append(self._publishers_warning())  # logged by the next diagnostics
            if notes:
                response.message += "; " + "; ".join(notes)
        self.worker.wake()
        return response

    def _failed(self, where: str, exc: BaseException) -> None:
        """Stop commanding after an unexpected exception; the node goes on."""
        with self.command_lock:
            # an earlier error that disabled commanding still stands: this one does not free it
            standing = bool(self.failure_line and self.failure_disabled)
            was_on = bool(self.session.enabled) or standing
            self.session.set_enabled(False)
            line = f"{where} failed, commanding disabled: {type(exc).__name__}: {exc}"
            until = ("~/enable true commands again" if was_on else  # else: shadow mode's
                     f"cleared once the {where} succeeds again, or by ~/enable true")
            self.failure_line = f"{line} (see the log; {until})"
            self.failure_where, self.failure_disabled = where, was_on
        self.setpoints.end()
        if self.gripper_action is not None:  # the hand too stops where it is
            self.gripper_action.cancel()
        self.get_logger().error(line)


    def _planning_failed(self, exc: BaseException) -> None:
        from vjepa_ros.planning.memory import (
            SamplesMemoryError,
            is_out_of_memory,
            out_of_memory_message,
        )

        if is_out_of_memory(exc):  # named after the parameter, not torch's allocator text
            message = (str(exc) if isinstance(exc, SamplesMemoryError)  # chunk_size named
                       else out_of_memory_message(self.session.cem))
            exc = MemoryError(parameter_message(message))
        if not self.closing:
            self._failed("planning step", exc)

    def stop_commanding(self) -> None:
        """Stop commanding and planning now, without waiting; the first step of a shutdown.

        ``closing`` set (the stream, ``~/enable`` and the worker's failures go quiet), the
        session closed (a running plan stops at its next sample chunk, a camera check ends, a
        plan that ends anyway commands nothing), a moving ``servo_twist`` ended at rest and
        nothing more sent on it, a running GripperCommand goal cancelled. Again: nothing more.
        ``spinning.NodeSpinner`` calls it before it stops the executors (Ctrl-C, a callback's
        error), so that nothing is commanded once a shutdown began.
        """
        self.closing = True
        session = getattr(self, "session", None)  # None when the start was refused before it
        if session is not None:
            session.close()
        setpoints = getattr(self, "setpoints", None)
        if setpoints is not None:
            try:  # a moving servo_twist ends at rest; then nothing more goes out
                setpoints.end(close=True)
            except Exception as exc:  # noqa: BLE001 - the context may be gone: go on closing
                self.get_logger().warning(f"no zero servo_twist at shutdown: {exc}")
        goals = getattr(self, "gripper_action", None)
        if goals is not None:  # a hand still closing or opening stops where it is
            goals.cancel()

    def commands_pending(self) -> bool:
        """Tell whether what :meth:`stop_commanding` stopped still needs the node's executor.

        True while a GripperCommand goal canceled on its way awaits its acceptance: its cancel
        is sent as the executor takes that acceptance (``GripperGoals.cancel_pending``). The
        spinners (``spinning.NodeSpinner``, ``node_runner.run_node``) spin on until it is False,
        for at most ``spinning.SETTLE_S``, before they stop the executor.
        """
        goals = getattr(self, "gripper_action", None)
        return goals is not None and goals.cancel_pending()

    def settle_commands(self) -> bool:
        """Wait (at most ``spinning.SETTLE_S``) until nothing stopped needs the executor any more.

        The last step of the node's own clean-up (``destroy_node``): reached without a spinner
        that settled (an embedding script's ``node.destroy_node()`` while its executor spins,
        ``rclpy.shutdown()``), a gripper goal canceled on its way is canceled once the executor
        takes its acceptance. Under ``rclpy.shutdown()``/``Context.shutdown`` no executor takes
        anything (rclpy holds the context's lock while it destroys the nodes): a goal still on
        its way then is said in one warning line naming the action server, never left silent.
        After a shutdown's settle that gave up already (Ctrl-C through ``run_node``,
        ``NodeSpinner.shutdown``, ``Launch.shutdown``: its line said): no second wait, no second
        line. Returns whether nothing was left pending.
        """
        from vjepa_ros.nodes.spinning import settle

        if self.settle_given_up:
            return False
        return settle([self], lambda: time.sleep(0.01), note=(
            " (its executor no longer spins: shut the node down with Ctrl-C or Launch.shutdown, "
            "before rclpy.shutdown, to cancel it)"))

    def settle_gave_up(self, note: str = "") -> None:
        """Say once that a gripper goal canceled on its way was left uncanceled (``settle``).

        The warning names the action server and says to stop the hand at its driver; ``note``
        is added (``settle_commands``: how a shutdown could have canceled it). Marks the node:
        a later ``settle_commands`` neither waits again nor repeats the line.
        """
        if self.settle_given_up:
            return
        self.settle_given_up = True
        goals = getattr(self, "gripper_action", None)
        server = getattr(goals, "name", "the gripper action server")
        self.get_logger().warning(
            f"shutdown: a gripper goal to {server} was canceled on its way but its acceptance "
            "never reached this node, so its cancel did not go out: the hand may close or open "
            f"to that goal's end; stop it at its driver{note}")

    def prepare_shutdown(self, timeout: float = 30.0, deadline: float | None = None) -> bool:
        """:meth:`stop_commanding`, then wait up to ``timeout`` [s] in all for the worker's end.

        ``deadline``: a ``time.monotonic()`` [s] to wait until instead, the bound of a shutdown
        of several planners together (``Launch.shutdown``: every node stopped first, then one
        ``timeout`` for all the waits); ``timeout`` is then the whole bound, as the warning says.
        Waits once: a later call (``destroy_node`` after ``Launch.shutdown`` or ``run_node``)
        does not wait again on a plan the first call gave up on, so the first caller's limit is
        the shutdown's. A worker still inside a step after it (a plan stuck in the model: a
        first plan under ``torch.compile``, a hung device; the encoder polls no stop) is said in
        one warning line, and left running (a daemon thread). Then the ``~/camera_check``
        helper node is closed. Returns whether the planning worker has ended.
        """
        self.stop_commanding()
        decoder = getattr(self, "goal_decoder", None)
        if decoder is not None:  # a goal decoding now is dropped: none is taken any more
            decoder.close()
        waited = getattr(self, "shutdown_waited", False)  # an earlier call waited its limit
        self.shutdown_waited = True
        now = time.monotonic()
        first = timeout if deadline is None else max(0.0, deadline - now)  # the first wait's
        deadline = now if waited else now + first
        session = getattr(self, "session", None)
        if session is not None and not waited:
            session.wait_idle(first)
        worker = getattr(self, "worker", None)
        ended = worker is None or worker.stop(max(0.0, deadline - time.monotonic()))
        if not ended and not waited:
            self.get_logger().warning(self._stuck_worker_line(timeout))
        service = getattr(self, "camera_check_service", None)
        if service is not None:
            self.camera_check_service = None
            service.close()
        return bool(ended)

    def _stuck_worker_line(self, timeout: float) -> str:
        """One line: the planning worker still runs ``timeout`` s into the shutdown, and where."""
        session = getattr(self, "session", None)
        running = getattr(session, "running_plan", None)  # (frame taken, session clock) [s]
        began = getattr(session, "running_plan_began", None)  # time.monotonic() [s]
        if running is not None and began is not None:  # wall time: sim time may stand still
            doing = (f"a plan begun {time.monotonic() - began:.1f} s ago (frame taken at "
                     f"{running[0]:.3f} s) is still in the world model")
        else:
            doing = "the planning worker is still in its step"
        return (f"shutdown: {doing} after {timeout:g} s (a first plan compiling under "
                "model.compile_predictor, a hung device); the node shuts down without it; "
                f"if the process does not exit, kill it: kill -9 {os.getpid()}")


def failures(node) -> list[tuple[RefusalKind, str]]:
    """Return the error that disabled ``node``'s commanding (``_failed``) as a refusal; [] if none.

    ``(RefusalKind.INTERNAL_ERROR, line)``: ``/diagnostics`` shows it at ERROR (with the node's
    refusals, ``robot.diagnostics.node_status``) until an ``~/enable`` starts commanding again,
    or, raised in shadow mode, until the same path succeeds (:func:`clear_failure`); it does not
    refuse that ``~/enable``. A node without the mixin has none.
    """
    line = getattr(node, "failure_line", "")
    return [(RefusalKind.INTERNAL_ERROR, line)] if line else []


def clear_failure(node, where: str) -> None:
    """Clear ``node``'s failure of ``where`` now that it succeeded, if it disabled no commanding.

    ``where``: ``_failed``'s ("planning step" after a plan step that returned a report,
    "set-point stream" after a tick that did not raise). In shadow mode (commanding off when it
    failed) a transient error (another process's CUDA out-of-memory) left ``/diagnostics``
    ERROR for good, and only ``~/enable true``, which commands the arm, cleared it
    (breaker58i); an error that disabled commanding stays until ``~/enable``. Said in one INFO
    line. A node without the mixin (no ``failure_line``) has nothing to clear.
    """
    if not getattr(node, "failure_line", "") or node.failure_disabled or \
            node.failure_where != where:
        return  # the stream's check per tick: attribute reads only
    with node.command_lock:
        if node.failure_line and not node.failure_disabled and node.failure_where == where:
            line, node.failure_line = node.failure_line, ""
            node.get_logger().info(f"{where} succeeded again (shadow mode, nothing was "
                                   f"commanded): the error is cleared: {line}")

"""The MPC session's refusals: the current one, its log line, its end, and the hold it causes.

:class:`RefusalSession` is a mixin of :class:`~vjepa_ros.robot.mpc.MPCSession` (its lock,
refusal log and phase are the session's). Every refusal is logged once per kind until it clears
(``refusal_log``); a hold (``_hold``) stops the set-point where it is (``_stop_motion``) and
makes the refusal the current one.
"""

from __future__ import annotations

from vjepa_ros.robot.input_errors import problem_shape
from vjepa_ros.robot.phase import Event
from vjepa_ros.robot.refusal import Refusal, RefusalKind


class RefusalSession:
    """The refusal methods of ``MPCSession`` (see the module docstring)."""

    def _refuse(self, refusal: Refusal) -> None:
        """Make ``refusal`` the current one; logged once per kind until it clears (refusal_log).

        No goal, or an input not received yet, in shadow mode is an info line: nothing is to be
        commanded yet, and a latched goal or a replay's first robot state often arrives a few ms
        after the first frame (a warning at every such start).
        """
        said = bool(self._recorded_said) and refusal.detail == self._recorded_said  # logged
        if self._refusal_log.refused(refusal.kind, problem_shape(refusal.detail)) and not said:
            quiet = not self.enabled and (refusal.kind is RefusalKind.NO_GOAL or refusal.not_yet)
            self.log("info" if quiet else "warning", f"not commanding: {refusal.detail}")
        self._refusal = refusal
        if refusal.kind is RefusalKind.STALE_INPUTS:
            self._note_slow_camera()

    def _clear_refusal(self) -> None:
        if self._refusal_log.all_clear() and self._refusal is not None:
            if self.recorded_inputs and not self.enabled:  # not fine: a replay, in shadow mode
                self.log("info", "shadow mode: planning on the recording, nothing is commanded "
                         f"(was: {self._refusal.detail})")
            else:
                self.log("info", f"inputs and plan fine again (was: {self._refusal.detail})")
        self._refusal = None

    def _hold(self, refusal: Refusal) -> None:
        """Make ``refusal`` the current one, then stop what it holds (locked).

        Its "not commanding" line comes before the stop's own (a prepared plan dropped, a
        sub-goal reopened, a camera check stopped): the cause, then what it did (breaker55c).
        A running camera check rides out a hold on stale inputs as a goal run does: it pauses
        (nothing is commanded while the inputs are stale) and goes on once they are fresh again,
        unless the hold outlasts its ``timeout_s`` (``camera_check_session._check_held``).
        """
        self._refuse(refusal)
        run = self.camera_check
        if run is not None and run.active and refusal.kind is RefusalKind.STALE_INPUTS:
            now = self.clock()
            run.hold(now, self._check_wall(now), refusal.detail)
        else:
            self._stop_camera_check(f"held: {refusal.detail}")
        if self.enabled:
            self._stop_motion(f"held: {refusal.detail}")
            self._transition(Event.HOLD)

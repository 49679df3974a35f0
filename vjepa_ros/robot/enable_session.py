"""The MPC session's enable, disable and close, and every stop of the set-point.

:class:`EnableSession` is a mixin of :class:`~vjepa_ros.robot.mpc.MPCSession` (its lock, phase,
streamer, goals and refusals are the session's). ``set_enabled`` starts or stops commanding the
arm (shadow mode: plans, actions and diagnostics only), ``close`` stops it for good, and
``_stop_motion`` is the one place every stop of the set-point goes through (a hold, a camera
check stopped, disable, shutdown, a new world): it drops a prepared plan and reopens the
sub-goal of a goal command it cut (``_reopen_subgoal``).
"""

from __future__ import annotations

from vjepa_ros.robot.goals import SubGoalSwitch
from vjepa_ros.robot.phase import Event, Phase
from vjepa_ros.robot.refusal import COMMAND_KINDS, RefusalKind, blocking_text


class EnableSession:
    """The enable, close and stop methods of ``MPCSession`` (see the module docstring)."""

    def set_enabled(self, enabled: bool) -> tuple[bool, str]:
        """Start (True) or stop (False) commanding the arm; returns (success, message)."""
        with self._lock:
            if self.closed:
                return (not enabled), "closed: the planner is shutting down"
            if not enabled:
                was = self.enabled
                self._stop_commanding("disabled", disable=True)
                self._transition(Event.DISABLE)
                if self._refusal is not None and self._refusal.kind in COMMAND_KINDS:
                    self._refusal = None  # about a command; none is sent in shadow mode
                for kind in COMMAND_KINDS:
                    self._refusal_log.cleared(kind)
                if was:  # as enabling is logged: the log tells when commanding stopped
                    self.log("info", "disabled: shadow mode (planning, no commands)")
                return True, "disabled: shadow mode (planning, no commands)" if was else (
                    "already disabled")
            if self.enabled:
                return True, "already enabled"
            self._transition(Event.ENABLE)
            self.enable_epoch += 1
            self.commanding_epoch += 1
            self.user_epoch += 1  # (GoalSession.user_epoch)
            self.last_planned_stamp = -float("inf")
            # the last command of before the pause, kept for _hand_changes (not a new world's)
            self._gripper_before_enable = self.last_gripper
            self.last_gripper = None
            self.log("info", "enabled: commands go to the arm")
            if self._refusal is not None and self._refusal.kind in (
                    RefusalKind.NO_GOAL, RefusalKind.STALE_INPUTS, RefusalKind.INVALID_STATE):
                # said in shadow mode (no goal as info; inputs since fix45y): said again now that
                # it holds commands back (breaker45z: the last line was "enabled: commands go
                # to the arm" while a stopped camera held them)
                self._refusal_log.forget(self._refusal.kind)
            problems = blocking_text(self.blocking_problems(self.clock()))
            suffix = f" (not commanding yet: {problems})" if problems else ""
            return True, "enabled: commanding the arm" + suffix

    def close(self) -> None:
        """Stop commanding and planning for good; a running plan stops within one sample chunk."""
        with self._lock:
            self._stop_commanding("shutting down")
            self._transition(Event.CLOSE)

    def _stop_commanding(self, why: str, disable: bool = False) -> None:
        self._stop_camera_check(why, commanding=False)  # no restart, no hold: commanding stops
        if self.enabled:
            self.enable_epoch += 1
        self._stop_motion(why, deactivate=True, disable=disable)
        self._stream_held = False

    def _stop_motion(self, why: str, deactivate: bool = False, settle: bool = True,
                     disable: bool = False) -> None:
        """Stop the set-point where it is (``deactivate``: drop it); locked.

        The one place every stop of the set-point goes through (a hold of any kind: stale or
        invalid inputs, no goal, a planner error, a safety refusal, an internal error; a camera
        check stopped; disable, shutdown; a new world). A prepared plan is dropped (``why`` says
        why in ``last_plan``) and a preparation still running is void (``stop_epoch``): both
        predicted the end of a motion that now ends elsewhere. A stop mid-motion (a command
        executing, or the set-point not yet at rest) counts as an arrival now: the next plan
        needs a frame stamped ``control.settle_s`` after it, as after any arrival (a frame
        taken while the arm moved shows it where it no longer is). ``settle`` False: not so
        (a new world, whose clock the old arrival times are not on: ``input_episodes``).

        A hold that cut the running command (not arrived by the one notion of arrival,
        ``_arm_arrived``: the MEASURED arm within ``control.arrival_tolerance_m`` of the target
        and turned from it by at most ``control.arrival_tolerance_rad``
        (``arrival.arm_arrived``) with the set-point at rest on it, or
        ``control.arrival_timeout_s`` after that set-point came to rest)
        also reopens the sub-goal that command ended (:meth:`_reopen_subgoal`). A set-point at
        rest is not enough: an arm trailing or sagging short of it (a compliant impedance
        controller) is not at the place, and keeping the switch let the next sub-goal's gripper
        change open the hand there (breaker43p: 15.3 mm short after a camera blip; this
        replaces breaker43m's "a set-point at rest cut nothing"). A hold after the arm arrived
        (or after the timeout) cuts nothing. A ``disable`` that cut it reopens it too, at once:
        shadow mode then plans toward, and diagnostics show, the sub-goal the enable will
        command (breaker43o: it showed the next one while the enable reopened the cut one). A
        shutdown or new world
        (``deactivate``, ``settle`` False) does not: commanding stops, or the sequence starts
        again anyway.
        """
        # the arm had not reached the running GOAL command's target (a camera check's own moves
        # are no goal command: their stop cuts no sub-goal and they were timed from no goal
        # command: breaker43q; a set-point held or restarted since follows no command)
        goal_motion = self.streamer.active and self.streamer.purpose == "goal"
        cut = goal_motion and not self._arm_arrived()
        moving = self._phase is Phase.MOVING or cut
        if deactivate:
            self.streamer.deactivate()
            self.commanding_epoch += 1  # a tick computed before is not published after this
        else:
            self.streamer.hold()
        self.stop_epoch += 1
        self._drop_prepared(why)
        if moving and settle:
            self.arrival_time = max(self.arrival_time, self.clock())
        if self.goals is not None:
            if cut and settle and (disable or not deactivate):
                self._reopen_subgoal(why, self.goals.reopen(), "planned toward in shadow mode, "
                                     "commanded once enabled" if disable else
                                     "planned toward when the hold ends")
            self.goals.keep_switch()

    def _reopen_subgoal(self, why: str, switch: SubGoalSwitch | None, when: str) -> None:
        """Undo the sub-goal switch of a command stopped short by a hold (locked).

        A command counts its step as it goes out (``GoalSequence.count_step``); the one that
        ends a sub-goal switches to the next (the last one: the sequence is finished). Held
        before it arrived (stale or invalid inputs, a planner or safety refusal), its sub-goal was
        not reached: it is active again (``GoalSequence.reopen``) and planned toward when the hold
        ends, instead of the next one planned from short of it, or "all N sub-goals done" with
        the last move cut short (breaker43j). A cut step that switched nothing stays counted:
        its sub-goal is still active and planned again from where the arm stopped. Plans begun
        toward the next sub-goal are void (``goal_version``). ``switch``: the switch undone
        (``GoalSequence.reopen``; None: nothing to say); ``when``: the log line's end (when it
        is planned toward).
        """
        if switch is None:
            return
        self.goal_version += 1
        self.planner.reset()  # its warm start was toward the sub-goal switched to
        self.log("info", f"{why}: the command that ended sub-goal {switch.index + 1}/"
                 f"{switch.count} stopped short of its target, so it is active again "
                 f"({self.goals.describe()}), {when}")

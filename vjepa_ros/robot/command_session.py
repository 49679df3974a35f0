"""A plan's way to the arm in the MPC session: its report, then a safe command or a refusal.

:class:`CommandSession` is a mixin of :class:`~vjepa_ros.robot.mpc.MPCSession` (its lock, inputs,
streamer, goals and refusals are the session's). A plan is discarded when it is void (goal or
enable changed meanwhile) or too old, reported only in shadow mode, refused on stale or invalid
inputs (``input_checks``) or by ``safety.filter_target``; otherwise its target goes to the
set-point streamer, the sub-goal's step is counted and the gripper command (outside its
deadband, unless ``goals.gripper`` hold, or planned from a state recorded before any finger
joint state) goes into the report. A gripper command whose GripperCommand goal did not reach the
hand (its ``Delivery``: not sent, rejected, lost with its driver, failed) is sent again with a
later command, spaced out (:meth:`CommandSession._gripper_resend_due`). Continuous control's next
sub-goal, after one ended with a hand change still running, waits for the hand's stop (and, for
a hand stopped short on an object, the arm's arrival), as blocking and async plan only then
(:meth:`CommandSession._hand_settling`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vjepa_ros.robot.goal_switch_config import GRIPPER_INDEX
from vjepa_ros.robot.hand_motion import HAND_WINDOW_S
from vjepa_ros.robot.input_ages import plan_age_problem
from vjepa_ros.robot.interfaces import CommandFollowingPlanner
from vjepa_ros.robot.phase import Event
from vjepa_ros.robot.plan_report import PlanOutcome, PlanReport, frame_age
from vjepa_ros.robot.refusal import Refusal, RefusalKind
from vjepa_ros.robot.safety import filter_target
from vjepa_ros.robot.stream_session import RESUME_TOLERANCE_M, RESUME_TOLERANCE_RAD
from vjepa_ros.robot.targets import poses_apart, target_from_action

# [s] the first resend of a gripper goal that did not reach the hand comes this long after the
# last send at the earliest; each further one twice as long after, at most
# control.gripper_result_timeout_s (RESEND_CAP_S when that is 0): a server that keeps rejecting
# gets a few goals in its first seconds, then one per timeout
RESEND_FIRST_S = 0.05
RESEND_CAP_S = 10.0
# [s] a gripper command not sent at all (no server: gripper_output returned False) is tried again
# at least this often (the goal alone: the gripper_command topic carried the command once)
UNSENT_RETRY_S = 1.0
# [m, rad] the joint-limit guard's verdict computed before the lock (_guard_ahead) stands when the
# arm has moved less than this since (a joint state at 1 kHz: ~1e-5 m of noise at rest); the
# guard's prediction is itself good to millimetres
AHEAD_TOLERANCE_M = 1e-4
AHEAD_TOLERANCE_RAD = 1e-3
# [rad] ... and when no arm joint it judged from moved more than this (a 7-DoF arm moves its elbow
# with the TCP still: a null-space motion turns a joint into its margin: breaker55j); the TCP's
# 1e-4 m at rest over a ~0.5 m lever
AHEAD_TOLERANCE_JOINT_RAD = 1e-4


class CommandSession:
    """The plan-to-command methods of ``MPCSession`` (see the module docstring)."""

    _gripper_wait_noted = None  # the switch whose gripper wait was logged (_gripper_waits)
    _gripper_delivery = None  # the last gripper_output's answer (a Delivery, or None)
    _gripper_sent_at = -float("inf")  # [s] when the last gripper command went out
    _gripper_resends = 0  # resends of the same gripper command since one reached the hand
    _hand_change_pending = False  # the last gripper command went to a measured hand not there
    _gripper_sent_pose = None  # [7] the arm where the last gripper change first went out
    _resend_held_noted = False  # the held resend of that change was logged (_resend_in_place)
    # continuous: (goal version, sub-goal index) whose first command waits for that change
    _settle_next: tuple[int, int] | None = None
    _waits_noted = None  # {wait name: the command time whose wait was logged} (_note_wait)
    # (state [7], accepted SafetyDecision) -> SafetyDecision: the node's joint-limit guard
    # (robot/joint_guard.py) with joint states; None: targets are checked in Cartesian space only
    joint_guard = None
    # state [7] -> arm joints [7] [rad] or None: the joints joint_guard judges a state from (the
    # node's accepted_joints.AcceptedJoints.joints_for); None: a verdict is never reused
    guard_joints = None

    def _report(self, plan, frame_stamp: float, start: np.ndarray) -> PlanReport:
        action = plan.first_action.double().numpy()
        goal = None if self.goals is None else self.goals.current
        if self.goal_switching.gripper == "subgoal" and goal is not None:
            action = action.copy()  # the hand as at the sub-goal (goals.py), not as planned
            action[GRIPPER_INDEX] = goal.gripper_command(
                self.goal_switching.gripper_closed_above) - float(start[GRIPPER_INDEX])
        return PlanReport(
            action=action,
            actions=plan.actions.double().numpy(),
            target=target_from_action(start, action),
            energy=float(plan.elite_energies[-1]),
            frame_age_s=frame_age(self.clock(), frame_stamp),
            frame_stamp=frame_stamp,
            start=np.array(start, dtype=np.float64),
            subgoal=None if self.goals is None else self.goals.progress(),
        )

    def _guard_ahead(self, plan, frame_stamp: float, start: np.ndarray):
        """Compute the joint-limit guard's verdict on a plan's step outside the lock.

        Worker thread, before :meth:`_command` takes the lock: the guard's prediction (~11 ms)
        under the session lock stalled every stream tick meanwhile (~12 at 1 kHz). Returns
        (the state [7] it started from, the accepted ``filter_target`` decision, the guard's,
        the joints [7] it was judged from: ``guard_joints``, None when unknown) or None (no
        guard, not enabled, no state, the filter refuses); :meth:`_command` takes it when the
        arm is where it was, in the same joints, and the filter's target the same, else runs
        the guard.
        """
        guard = self.joint_guard
        if guard is None:
            return None
        with self._lock:
            latest = self.inputs.latest_state()
            if not self.enabled or latest is None:
                return None
            decision = filter_target(latest.value, self._report(plan, frame_stamp, start).target,
                                     self.limits, *self._input_ages(self.clock()),
                                     outside_box_advice=self.outside_box_advice)
        if not decision.accepted:
            return None
        joints_of = self.guard_joints
        judged = None if joints_of is None else joints_of(latest.value)
        return latest.value, decision, guard(latest.value, decision), judged

    def _guarded(self, state: np.ndarray, decision, ahead):
        """Return the joint-limit guard's verdict on ``decision`` from ``state`` [7] (locked).

        ``ahead``: :meth:`_guard_ahead`'s, taken when its step is this one (the same target,
        the same clips, the arm within ``AHEAD_TOLERANCE_M``/``_RAD`` of its state and each of
        its joints (``guard_joints``) within ``AHEAD_TOLERANCE_JOINT_RAD``: the TCP alone misses
        a null-space motion).
        """
        if ahead is not None:
            was, asked, verdict, *judged = ahead
            offset, turn = poses_apart(was, state)
            if (np.array_equal(asked.target, decision.target) and asked.clipped == decision.clipped
                    and offset < AHEAD_TOLERANCE_M and turn < AHEAD_TOLERANCE_RAD
                    and self._same_joints(judged, was, state)):
                return verdict
        return self.joint_guard(state, decision)

    def _same_joints(self, judged: list, was: np.ndarray, state: np.ndarray) -> bool:
        """Tell whether the guard judges ``state`` [7] from the joints it judged ``was`` from.

        ``judged``: [those joints [7] [rad], or None: none were known] as :meth:`_guard_ahead`
        gives them; [] for ``guard_joints`` of ``was`` now. True when ``guard_joints`` gives
        joints for ``state``, none apart from them by ``AHEAD_TOLERANCE_JOINT_RAD`` or more;
        False without either (the guard runs again: a NO_JOINTS verdict is never reused).
        """
        joints_of = self.guard_joints
        if joints_of is None:
            return False
        before = judged[0] if judged else joints_of(was)
        now = joints_of(state)
        return before is not None and now is not None and \
            bool(np.all(np.abs(np.asarray(now) - before) < AHEAD_TOLERANCE_JOINT_RAD))

    def _command(self, plan, frame_stamp: float, start: np.ndarray, version: int,
                 epoch: int, gripper_measured: bool = True,
                 start_check: bool = False, ahead=None) -> PlanReport:
        """Turn a plan made from ``start`` [7] into a safe command (when enabled); locked.

        ``gripper_measured``: whether ``start``'s closedness was measured (False: a placeholder
        recorded before any finger joint state; then no planned gripper command goes out, even
        if fingers have arrived while the plan was computed).
        ``start_check``: ``start`` is a measured state the arm must still be at
        (:meth:`_left_start`); a plan whose start the arm has left is discarded.
        ``ahead``: the guard's verdict computed before the lock (:meth:`_guard_ahead`) or None.
        """
        now = self.clock()
        report = self._report(plan, frame_stamp, start)
        void = self._void_reason(version, epoch)
        if void:
            report.reason, report.outcome = f"{void}: plan discarded", PlanOutcome.DISCARDED
            return report
        if not self.enabled:
            report.reason = "shadow mode: enable with ~/enable to command the arm"
            report.outcome = PlanOutcome.SHADOW
            return report
        # inputs gone stale or invalid while planning first (README's refusal: they hold the
        # arm; a stale_plan waits for a fresh frame that a dead camera never sends: breaker53j)
        inputs = self._input_refusal(now)
        if inputs is not None:  # the same kind and words as the hold of the stream and the loop
            self._hold_on_inputs(inputs)
            report.reason, report.outcome, report.refusal = \
                inputs.detail, PlanOutcome.REFUSED, inputs.kind
            return report
        too_old = plan_age_problem(now - frame_stamp, self.limits)
        if too_old:  # a stalled process or a slow planner: the view it planned on is history
            report.reason, report.outcome = too_old, PlanOutcome.DISCARDED
            report.refusal = RefusalKind.STALE_PLAN
            self._refuse(Refusal(RefusalKind.STALE_PLAN, too_old))  # logged once, until a plan
            return report  # goes out; no hold: the next fresh frame is planned on
        latest = self.inputs.latest_state()
        left = self._left_start(latest.value, start) if start_check else ""
        if left:
            report.reason, report.outcome = left, PlanOutcome.DISCARDED
            self.log("info", left)
            # the next plan starts from a frame taken settle_s after now, the arm where it is
            self.arrival_time = max(self.arrival_time, now)
            return report
        decision = filter_target(
            latest.value,
            report.target,
            self.limits,
            *self._input_ages(now),
            outside_box_advice=self.outside_box_advice,
        )
        kind = RefusalKind.SAFETY
        if decision.accepted and self.joint_guard is not None:  # the joints along the step
            decision = self._guarded(latest.value, decision, ahead)
            kind = RefusalKind.JOINT_LIMIT
        if not decision.accepted:
            report.reason = decision.reason
            self._hold(Refusal(kind, decision.reason))
            report.outcome, report.refusal = PlanOutcome.REFUSED, kind
            return report
        resuming = self._stream_held and self.streamer.active  # a plan before the resume tick
        if resuming and self._states_unconfirmed():
            report.reason, report.outcome = (
                "one robot state came after the hold on the states: the stream resumes on the "
                "next (RESUME_STATES): plan discarded"), PlanOutcome.DISCARDED
            return report
        old_view = self._hand_seen_before(frame_stamp)
        wait = self._gripper_waits(float(decision.target[6]), start, gripper_measured, old_view)
        if wait:
            report.reason, report.outcome = wait, PlanOutcome.DISCARDED
            return report
        if resuming:  # (an arm outside the box: filter_target refused the plan above)
            self._resume_stream(now)  # out before the stream's first tick after its hold
        self._clear_refusal()
        report.command, report.reason = decision.target, decision.reason
        report.outcome = PlanOutcome.COMMANDED
        if not self.streamer.active:
            self.streamer.reset(latest.value)
            self.last_stream_time = None
        self.streamer.set_target(decision.target, anchor=latest.value, purpose="goal")
        self._stream_held = False
        self._transition(Event.COMMANDED)
        self.command_time = now
        self._arm_arrival_seen = False
        self.command_target = np.array(decision.target, dtype=np.float64)
        self.commands_sent += 1
        if isinstance(self.planner, CommandFollowingPlanner):
            self.planner.commanded()  # its warm start drops this step (before a sub-goal reset)
        switch = self.goals.count_step(report.energy)
        if switch is not None:
            report.subgoal = dataclasses.replace(report.subgoal, switch=switch)
            self.planner.reset()
            self.log("info", f"{switch.describe()}; next sub-goal: {self.goals.describe()}")
        gripper = float(decision.target[6])
        self.command_moved_hand = False
        held = self.goal_switching.gripper == "hold"  # the hand is never commanded (goals.py)
        if held or self._gripper_guessed(gripper_measured):
            return report  # (hold and an unmeasured hand change nothing: no settling either)
        changed = not old_view and self._hand_changes(
            gripper, float(start[GRIPPER_INDEX]), gripper_measured)
        resend = not changed and self.last_gripper is not None and \
            self._gripper_resend_due(now) and self._resend_in_place(self.last_gripper, latest)
        if changed or resend:
            if changed:
                self._gripper_sent_pose, self._resend_held_noted = latest.value.copy(), False
            else:  # the command that did not reach the hand, not this plan's closedness
                gripper = self.last_gripper  # (a close resent as the next plan's 0.0: breaker55c)
            report.gripper_command = self.last_gripper = gripper
            self.command_moved_hand = True
            self._gripper_resends = 0 if changed else self._gripper_resends + 1
            self._hand_change_pending = latest.gripper_measured and abs(  # (unmeasured: unknown)
                float(latest.value[GRIPPER_INDEX]) - gripper) > self.control.hand_tolerance
            self._send_gripper_command(gripper, now, resend=not changed)
        if switch is not None and self._hand_change_pending and (  # the next sub-goal waits
                self.command_moved_hand or self._hand_moving(now, self.inputs.latest_state())):
            self._settle_next = (self.goal_version, self.goals.index)
        return report

    def _send_gripper_command(self, gripper: float, now: float, resend: bool = False) -> None:
        """Hand ``gripper`` to ``gripper_output`` with the set-point's target (locked).

        Its answer is kept: a ``Delivery`` (``nodes.gripper_goals``) tells later whether the
        goal reached the hand, False says it was not sent; anything else (None) is taken as
        delivered. ``resend``: the same command again, for a hand it never reached
        (:meth:`_gripper_resend_due`): called ``gripper_output(gripper, resend=True)``, so the
        node sends the goal again but publishes no second ``gripper_command`` message.
        """
        self._gripper_sent_at, self._gripper_delivery = now, None
        if self.gripper_output is None:
            return
        try:
            answer = self.gripper_output(gripper, resend=True) if resend else \
                self.gripper_output(gripper)
        except Exception as exc:  # noqa: BLE001 - raised once the step has ended
            self._gripper_error = exc  # (plan_step: breaker44t)
            return
        if answer is False or callable(getattr(answer, "needs_resend", None)):
            self._gripper_delivery = answer

    def _gripper_resend_due(self, now: float) -> bool:
        """Tell whether the last gripper command, which never reached the hand, goes out again.

        ``gripper_output`` said it was not sent (False: no server), or its ``Delivery`` says it
        was rejected, or lost (its server went, or it went unanswered past
        ``control.gripper_result_timeout_s``) or failed (aborted, stalled short, a close that
        left the fingers open) and the server answers now: that command (the resend carries
        it, ``last_gripper``, whatever the plan's closedness) would otherwise never reach the
        hand, the deadband keeping the plans' from going out (breaker53g).
        Spaced out: :data:`RESEND_FIRST_S` after the last send, doubling with each resend up
        to the timeout (a send not made: up to :data:`UNSENT_RETRY_S`); reset once a goal ended
        well (not on its acceptance: a goal that fails after it, a hand in error, is sent again
        once per timeout at most, not with every command).
        """
        delivery = self._gripper_delivery
        if delivery is None:
            return False
        if delivery is not False and delivery.state == "ended":  # (a failed one stays spaced)
            self._gripper_resends = 0
        cap = UNSENT_RETRY_S if delivery is False else \
            self.control.gripper_result_timeout_s or RESEND_CAP_S
        wait = min(RESEND_FIRST_S * 2 ** self._gripper_resends, max(cap, RESEND_FIRST_S))
        if now - self._gripper_sent_at < wait:
            return False
        return delivery is False or delivery.needs_resend()

    def _resend_in_place(self, gripper: float, latest) -> bool:
        """Tell whether a resend of closedness ``gripper`` may go out with the arm at ``latest``.

        A resend that opens the measured hand (beyond ``control.hand_tolerance``: a release that
        failed, the object still held) goes out only with the arm within
        ``control.async_tolerance_m`` / ``_rad`` of where the change first went out, as the
        first send waited for the arm there: a hand that recovers mid-retreat would drop the
        object wherever the arm is. Held back otherwise (one info line; the arm goes on). A
        close, or an unmeasured hand, is sent again anywhere.
        """
        pose = self._gripper_sent_pose
        if pose is None or not latest.gripper_measured or \
                float(latest.value[GRIPPER_INDEX]) - gripper <= self.control.hand_tolerance:
            return True
        gap, turn = poses_apart(latest.value, pose)
        if gap <= self.control.async_tolerance_m and turn <= self.control.async_tolerance_rad:
            return True
        if not self._resend_held_noted:
            self._resend_held_noted = True
            self.log("info", f"the gripper change to {gripper:.2f}, which never reached the "
                     f"hand, is not sent again here: the arm is {gap * 1000:.1f} mm and "
                     f"{turn:.3f} rad from where it went out (control.async_tolerance_m, "
                     "_rad); an open elsewhere would drop what the hand holds; it is sent again "
                     "if the arm comes back, or with the plan's next gripper change")
        return False

    def _hand_settling(self) -> str:
        """Why a continuous command waits for the last hand change to settle; "" when not.

        A command that ended a sub-goal while a hand change still ran (``_settle_next``: it
        sent the hand to a closedness its measured one was beyond ``control.hand_tolerance``
        of, or the hand still moved toward an earlier one; a hand not measured: no wait, its
        change unknown) is followed by the next sub-goal's first command (unless a hold
        reopened the sub-goal, or goals changed) only once the hand no longer moves
        (``_hand_moving``) and, unless it reached its command within the tolerance (nothing in
        it), the arm has arrived at that command's target (``_arm_arrived``), each bounded by
        ``control.arrival_timeout_s``: discarded frame after frame meanwhile, as blocking and
        async plan only then (fix51m). Without it the lift went out 10 ms after the grasp, the
        fingers at 79 mm and the arm 81 mm short (breaker53g). Commands within a sub-goal go
        on while the hand moves (the hand closes on the way to the grasp pose, as before).
        """
        if self._settle_next is None:
            return ""
        if self._settle_next != (self.goal_version, self.goals.index):  # a hold reopened the
            self._settle_next = None  # sub-goal (or new goals): its command is no next one
            return ""
        now = self.clock()
        latest = self.inputs.latest_state()
        there = latest.gripper_measured and abs(float(latest.value[GRIPPER_INDEX]) - float(
            self.last_gripper)) <= self.control.hand_tolerance  # the change done: no object
        if (there or self._arm_arrived(now)) and not self._hand_moving(now, latest):
            self._settle_next, self._hand_change_pending = None, False
            return ""
        reason = (f"the next sub-goal's first command waits until the arm has arrived where the "
                  f"last one ended and the hand has stopped (gripper change to "
                  f"{self.last_gripper:.2f}; continuous control, as blocking and async): plan "
                  "discarded")
        return self._note_wait("settle", reason)

    def _gripper_waits(self, gripper: float, start: np.ndarray, measured: bool,
                       old_view: bool = False) -> str:
        """Why a continuous command changing the gripper to ``gripper`` waits; "" when it doesn't.

        ``start``: the plan's start state [7], ``measured``: whether its closedness was
        measured (both: :meth:`_hand_changes`); ``old_view``: the plan saw the hand before the
        last gripper command took effect (:meth:`_hand_seen_before`): it changes no hand.
        Continuous control plans on every frame and never waits for arrival, and a command
        counts its step as it goes out: the command that ends sub-goal k (``place``, hand
        closed) switches to k+1 at once, and under ``goals.gripper`` subgoal the next frame's
        command toward k+1 (``release``, hand open) would open the hand before the place move
        ran (breaker43m: 8 cm short). So a command for the next sub-goal that changes the hand
        (:meth:`_hand_changes`) waits, discarded frame after frame, until the command that ended
        the sub-goal before it has arrived (``GoalSequence.unarrived_switch``, undone by a hold
        that cuts it): the arm, not its set-point, at the target (``_arm_arrived``, as blocking
        waits; breaker43o: a trailing arm 16 mm short), or ``control.arrival_timeout_s`` with
        its warning. A command that keeps the hand goes out, unless a hand change still runs
        at a sub-goal's end (:meth:`_hand_settling`). An arm that arrived and
        was then moved off the place (a push during a camera hold) is not brought back first:
        the hand changes where it is (README; breaker46l, breaker46p: waiting for it stalled
        the hand until the timeout, as nothing commands the arm back).
        Under every ``goals.gripper`` but hold, a hand change also goes out only with the arm
        within ``control.async_tolerance_m`` / ``_rad`` of the start it was planned from
        (:meth:`_away_from_start`; discarded, the next frame is planned on), as async blends:
        a planned close went out 31.5 mm from its start, the arm still moving (breaker53l).
        """
        if self.control.mode != "continuous":
            return ""
        settling = self._hand_settling()
        if settling or self.goals is None or old_view or \
                not self._hand_changes(gripper, float(start[GRIPPER_INDEX]), measured):
            return settling
        switch = self.goals.unarrived_switch
        if self.goal_switching.gripper != "subgoal" or switch is None:
            return self._away_from_start(start)
        if self._arm_arrived(self.clock()):
            self.goals.keep_switch()  # arrived: the sub-goal it ended stays ended
            return self._away_from_start(start)
        reason = (f"the gripper change for sub-goal {switch.index + 2}/{switch.count} waits until "
                  f"the command that ended sub-goal {switch.index + 1}/{switch.count} has "
                  "arrived (continuous control, goals.gripper subgoal): plan discarded")
        if self._gripper_wait_noted is not switch:
            self._gripper_wait_noted = switch
            self.log("info", reason)
        return reason

    def _hand_seen_before(self, frame_stamp: float) -> bool:
        """Whether a continuous plan from the frame stamped ``frame_stamp`` [s] saw an old hand.

        ``goals.gripper`` planned (the command is the start's closedness plus the plan's delta)
        in continuous control: the frame was taken no later than the last gripper command went
        out (``_gripper_sent_at``), or with the hand, at the state nearest the frame, not yet
        within ``control.hand_tolerance`` of it and the frame taken within
        ``hand_motion.HAND_WINDOW_S`` of it (a hand that has not started yet is not told from
        one stopped on an object) or the hand still moving toward it (``_hand_moving``): the
        closedness it starts from is one the hand is leaving, and its command cut a running
        close back (1.0, then 0.75 from the next plan, 0.95 from the one after: breaker55c).
        Such a plan commands the arm, never the hand (a resend of the last command aside), as
        blocking and async plan only once the hand stops.
        """
        if self.control.mode != "continuous" or self.last_gripper is None or \
                self.goal_switching.gripper != "planned":
            return False
        if frame_stamp <= self._gripper_sent_at:
            return True
        state = self.inputs.state_at(frame_stamp)
        if state is None or not state.gripper_measured or abs(float(
                state.value[GRIPPER_INDEX]) - self.last_gripper) <= self.control.hand_tolerance:
            return False  # (at its command: a view of the hand it went to)
        # within HAND_WINDOW_S of the command a hand not yet started (a gripper's latency) is
        # not told from one stopped on an object (hand_motion.hand_moving); later, still moving
        return frame_stamp - self._gripper_sent_at < HAND_WINDOW_S or \
            self._hand_moving(self.clock(), state)

    def _away_from_start(self, start: np.ndarray) -> str:
        """Why a continuous hand change planned from ``start`` [7] may not go out now; "" if not.

        The measured arm farther than ``control.async_tolerance_m`` or turned more than
        ``control.async_tolerance_rad`` from ``start``: the change would land away from the
        pose the plan imagined it at. Logged once per running command.
        """
        gap, turn = poses_apart(self.inputs.latest_state().value, start)
        tolerance, tolerance_rad = self.control.async_tolerance_m, self.control.async_tolerance_rad
        if gap <= tolerance and turn <= tolerance_rad:
            return ""
        reason = (f"the gripper change waits for the arm at the start it was planned from: "
                  f"{gap * 1000:.1f} mm and {turn:.3f} rad away (tolerance "
                  f"{tolerance * 1000:.1f} mm, {tolerance_rad:.3f} rad; continuous control): "
                  "plan discarded, planning on the next frame")
        return self._note_wait("away", reason)

    def _note_wait(self, name: str, reason: str) -> str:
        """Log ``reason`` (a wait called ``name``) once per running command; return it."""
        if self._waits_noted is None:
            self._waits_noted = {}
        if self._waits_noted.get(name) != self.command_time:
            self._waits_noted[name] = self.command_time
            self.log("info", reason)
        return reason

    def _hand_changes(self, gripper: float, start: float, measured: bool) -> bool:
        """Tell whether a command carrying closedness ``gripper`` (0..1) changes the hand.

        ``start``: the closedness (0..1) of the state the plan started from, ``measured``:
        whether it was measured. The one rule :meth:`_command` sends a gripper command by:
        ``goals.gripper`` not hold (``gripper`` is the sub-goal's closedness under subgoal, the
        plan's under planned), no guessed hand (:meth:`_gripper_guessed`: planned from an
        unmeasured closedness, nothing is sent, so async blends such a plan; breaker53l), and no
        command sent yet (since ``~/enable`` or a new world) or beyond
        ``control.gripper_deadband`` from the last one; and, under planned, beyond it from
        ``start`` too: a plan whose own change is within the deadband keeps the hand and the
        last command stands (its ``start`` + 0 on fingers stopped on an object at 0.45 after a
        close to 1.0 was an opening command, no grasp force; breaker53l), none sent yet
        included (the first plan after ``~/enable`` sent that 0.45: breaker55c) but for a hand
        measured open and kept open (within ``control.hand_tolerance`` of 0: nothing in it to
        drop; the command the run starts from) whose last command before the ``~/enable`` was
        no close (fingers stopped near open on a wide object after a close: breaker55l). Such
        a command waits: async, for the arm's arrival at the target of the one running (not
        blended in, ``_blending``: blended, a release opened the hand ~1 cm short of the place,
        breaker43o, a planned close 1 cm short of the grasp pose, breaker53d); continuous, for
        the arm near its start and, under subgoal, the switch's arrival (:meth:`_gripper_waits`).
        """
        if self.goal_switching.gripper == "hold" or self._gripper_guessed(measured):
            return False
        deadband = self.control.gripper_deadband
        if self.last_gripper is None:  # none sent since ~/enable or a new world: an open hand
            # kept open is told so (it holds nothing to drop); one holding or closed is not, nor
            # one whose last command before the pause closed it: fingers stopped near open on a
            # wide object (0.06 of a close to 1.0) were sent their width, no force (breaker55l)
            before = self._gripper_before_enable
            return self.goal_switching.gripper != "planned" or abs(gripper - start) > deadband \
                or max(gripper, start) <= self.control.hand_tolerance and (
                    before is None or before <= self.control.hand_tolerance)
        if self.goal_switching.gripper == "planned" and abs(gripper - start) <= deadband:
            return False
        return abs(gripper - self.last_gripper) > deadband

    def _left_start(self, measured: np.ndarray, start: np.ndarray) -> str:
        """Why a plan from the measured ``start`` [7] may not go out with the arm at ``measured``.

        "" when the arm is still within the stream's resume tolerance of it
        (``RESUME_TOLERANCE_M`` / ``_RAD``, its "moved meanwhile" rule). Farther, the arm was
        moved while the plan was computed (pushed during a hold on the inputs, guided by hand):
        ``start ⊕ action`` is a target chosen for a scene the arm is no longer in, and the
        safety filter passes it when within ``max_step_m`` of the arm (breaker43h: 4 cm).
        """
        gap, turn = poses_apart(measured, start)
        if gap <= RESUME_TOLERANCE_M and turn <= RESUME_TOLERANCE_RAD:
            return ""
        return (f"the arm moved {gap * 1000:.1f} mm and {turn:.3f} rad from the plan's start "
                f"while it was computed (tolerance {RESUME_TOLERANCE_M * 1000:.1f} mm, "
                f"{RESUME_TOLERANCE_RAD:.3f} rad): plan discarded, planning on a frame taken "
                "after the move")

    def _gripper_guessed(self, measured: bool) -> bool:
        """Return True (logged once) when a planned gripper command would rest on a guessed hand.

        With ``goals.gripper`` planned the command is the start state's closedness plus the
        planned delta; in a state without a measured closedness (``measured`` False: no finger
        joint state yet, or a stale, unusable or other hand's one, :mod:`robot.finger_watch`)
        the closedness is a guess, and a hand holding an object could be opened by it.
        The start's flag decides, not whether fingers have come since: a plan begun on a guess
        and finished after the first finger state still adds its delta to the guess. The arm is
        commanded all the same.
        """
        if self.goal_switching.gripper != "planned" or measured:
            return False
        if not self._gripper_guess_noted:
            self._gripper_guess_noted = True
            self.log("warning", (
                "not commanding the gripper: no recent finger joint state (<prefix>finger_joint1/2"
                f") on {self.gripper_topics()}, so its closedness is unknown and a planned "
                "gripper command would rest on a guess (it could open a hand holding an object); "
                "publish the hand's "
                "joint states (robot.gripper_state_topic names their topic), or start with "
                "goals.gripper:=hold for an arm without a hand; the arm is commanded as planned"))
        return True

"""A plan's way to the arm in the MPC session: its report, then a safe command or a refusal.

:class:`CommandSession` is a mixin of :class:`~vjepa_ros.robot.mpc.MPCSession` (its lock, inputs,
streamer, goals and refusals are the session's). A plan is discarded when it is void (goal or
enable changed meanwhile) or too old, reported only in shadow mode, refused on stale or invalid
inputs (``input_checks``) or by ``safety.filter_target``; otherwise its target goes to the
set-point streamer, the sub-goal's step is counted and the gripper command (outside its
deadband, unless ``goals.gripper`` hold, or planned from a state recorded before any finger
joint state) goes into the report; when it goes out, is sent again and what a continuous
command waits for before it changes the hand are :mod:`vjepa_ros.robot.gripper_commands`'
(:class:`~vjepa_ros.robot.gripper_commands.GripperCommands`, another mixin of the session).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vjepa_ros.robot.goal_switch_config import GRIPPER_INDEX
from vjepa_ros.robot.input_ages import plan_age_problem
from vjepa_ros.robot.inputs import Stamped
from vjepa_ros.robot.interfaces import CommandFollowingPlanner
from vjepa_ros.robot.phase import Event
from vjepa_ros.robot.plan_report import PlanOutcome, PlanReport, frame_age
from vjepa_ros.robot.refusal import Refusal, RefusalKind
from vjepa_ros.robot.safety import filter_target
from vjepa_ros.robot.stream_session import RESUME_TOLERANCE_M, RESUME_TOLERANCE_RAD
from vjepa_ros.robot.targets import poses_apart, target_from_action

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

    # (state [7], accepted SafetyDecision) -> SafetyDecision: the node's joint-limit guard
    # (robot/joint_guard.py) with joint states; None: targets are checked in Cartesian space only
    joint_guard = None
    # state [7] -> arm joints [7] [rad] or None: the joints joint_guard judges a state from (the
    # node's accepted_joints.AcceptedJoints.joints_for); None: a verdict is never reused
    guard_joints = None

    def _report(self, plan, frame_stamp: float, start: np.ndarray,
                taken: float | None = None) -> PlanReport:
        """Return the report of ``plan`` made from ``start`` [7] on the frame ``frame_stamp`` [s].

        ``frame_age_s`` counts from ``taken``, when the frame was taken (``inputs.Stamped.taken``,
        the earlier of its stamp and its receipt; None: ``frame_stamp``), as the plan-age check
        does (``input_ages.plan_age_problem``): one age for a camera stamping ahead (review59s).
        """
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
            frame_age_s=frame_age(self.clock(), frame_stamp if taken is None else taken),
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
            was, asked, verdict, judged = ahead
            offset, turn = poses_apart(was, state)
            if (np.array_equal(asked.target, decision.target) and asked.clipped == decision.clipped
                    and offset < AHEAD_TOLERANCE_M and turn < AHEAD_TOLERANCE_RAD
                    and self._same_joints(judged, state)):
                return verdict
        return self.joint_guard(state, decision)

    def _same_joints(self, judged, state: np.ndarray) -> bool:
        """Tell whether the guard judges ``state`` [7] from the joints it judged before.

        ``judged``: those joints [7] [rad] as :meth:`_guard_ahead` gives them (None: none were
        known). True when ``guard_joints`` gives joints for ``state``, none apart from them by
        ``AHEAD_TOLERANCE_JOINT_RAD`` or more; False without either (the guard runs again: a
        NO_JOINTS verdict is never reused).
        """
        joints_of = self.guard_joints
        if joints_of is None or judged is None:
            return False
        now = joints_of(state)
        return now is not None and \
            bool(np.all(np.abs(np.asarray(now) - judged) < AHEAD_TOLERANCE_JOINT_RAD))

    def _command(self, plan, frame: Stamped, start: np.ndarray, version: int,
                 epoch: int, gripper_measured: bool = True,
                 start_check: bool = False, ahead=None) -> PlanReport:
        """Turn a plan made from ``start`` [7] into a safe command (when enabled); locked.

        ``gripper_measured``: whether ``start``'s closedness was measured (False: a placeholder
        recorded before any finger joint state; then no planned gripper command goes out, even
        if fingers have arrived while the plan was computed).
        ``start_check``: ``start`` is a measured state the arm must still be at
        (:meth:`_left_start`); a plan whose start the arm has left is discarded.
        ``ahead``: the guard's verdict computed before the lock (:meth:`_guard_ahead`) or None.
        ``frame``: the frame planned on; the plan's age and the hand's last command are measured
        against when it was taken (``inputs.Stamped.taken``, never after its receipt), and
        continuous control looks up the hand it showed (:meth:`_hand_seen_before`).
        """
        now = self.clock()
        taken = frame.taken
        report = self._report(plan, frame.stamp, start, taken)
        void = self._void_reason(version, epoch)
        if void:
            report.reason, report.outcome = f"{void}: plan discarded", PlanOutcome.DISCARDED
            return report
        if not self.enabled:
            report.reason = "shadow mode: enable with ~/enable to command the arm"
            if self.goal_decoding:  # (GoalSession.goal_decoding_began)
                report.reason += (f"; planned toward the goal being replaced ("
                                  f"{self.goal_decoding} decoding)")
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
        too_old = plan_age_problem(now - taken, self.limits)
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
        old_view = self._hand_seen_before(frame)
        # the plan's closedness before the clip to 0..1 (the command carries it clipped): its own
        # change tells an opening plan on a hand pried open from one keeping it (breaker57e)
        asked = float(start[GRIPPER_INDEX]) + float(report.action[GRIPPER_INDEX])
        wait = self._gripper_waits(asked, start, gripper_measured, old_view)
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
        self._setpoint_rest_s = 0.0  # its timeout counts from its set-point's rest
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
            asked, float(start[GRIPPER_INDEX]), gripper_measured)
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
            self._hand_change_pending = latest.gripper_measured and not self._hand_at(
                latest, gripper)  # (unmeasured: unknown)
            if changed:  # (_hand_changes: an open to fingers at it may be taken as done)
                self._sent_to_hand_there = self._hand_at(latest, gripper)
            self._send_gripper_command(gripper, now, resend=not changed)
        if switch is not None and self._hand_change_pending and (  # the next sub-goal waits
                self.command_moved_hand or self._hand_moving(now, self.inputs.latest_state())):
            self._settle_next = (self.goal_version, self.goals.index)
        return report

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

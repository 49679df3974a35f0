"""Asynchronous control's part of the MPC session: the next step planned while the arm moves.

:class:`AsyncSession` is a mixin of :class:`~vjepa_ros.robot.mpc.MPCSession` (its lock, inputs,
streamer and phase are the session's). With ``control.mode`` async the planning worker plans the
next step from the predicted end of the command executing (``predicted_start``) once per
command and goal; the plan waits as ``prepared`` and goes out when the arm arrives there (or,
unless it changes the hand, once the set-point is within ``control.async_blend_m`` of it and the
arm within ``control.async_tolerance_m`` and ``_rad``: ``blend_ready``), or is discarded
when the arm arrived too far from the predicted start (position or orientation), the hand is not
at its closedness, the goal changed, or commanding was held or disabled meanwhile. The predicted
start's closedness is the measured hand's (:meth:`AsyncSession._predicted_closedness`).
"""

from __future__ import annotations

import dataclasses

from vjepa_ros.robot.control_config import HAND_TOLERANCE_FLOOR
from vjepa_ros.robot.goal_switch_config import GRIPPER_INDEX
from vjepa_ros.robot.phase import Phase
from vjepa_ros.robot.plan_job import PlanJob
from vjepa_ros.robot.plan_report import PlanOutcome, PlanReport
from vjepa_ros.robot.predicted_start import PreparedPlan, blend_ready
from vjepa_ros.robot.targets import poses_apart


class AsyncSession:
    """The asynchronous-control methods of ``MPCSession`` (see the module docstring)."""

    def _preparation_job(self, now: float) -> PlanJob | None:
        """async: plan the next step from the predicted end of the one executing.

        Once per command and goal (``_prepared_for``: commands_sent, ``goal_version``): a goal
        changed while the step runs (its preparation dropped or voided) gets its own, from the
        same predicted start, so the step toward it goes out on arrival, not after blocking's
        stop, settle and plan (breaker53d); a plan for an older goal is still never commanded
        (``_job_void``, ``_void_reason``). Its frame is never older than the last one planned
        on (``last_planned_stamp``: a late frame, a driver's stamp jitter, is no newer view;
        breaker51c). Its closedness is the
        hand's (:meth:`_predicted_closedness`); while the hand still moves to a closedness the
        executing command sent, nothing is prepared (asked again at the next call).
        """
        frame = self.inputs.frame
        generation = (self.commands_sent, self.goal_version)
        if self._prepared is not None or self._prepared_for == generation or \
                self.goals is None or frame is None or frame.stamp < self.last_planned_stamp:
            return None
        state = self._start_state(frame) if self._inputs_usable(now) else None
        if state is None:
            return None
        closedness = self._predicted_closedness(state)
        if closedness is None:
            return None
        self._prepared_for = generation
        predicted = self.command_target.copy()
        predicted[GRIPPER_INDEX], measured = closedness
        return PlanJob(frame, state, self.goals.current, self.goal_version, self.enable_epoch,
                       fixed_axes=self.goals.fixed_axes(model_frame=self.model_frame),
                       predicted_start=predicted, command_index=self.commands_sent,
                       predicted_gripper_measured=measured, hand_epoch=self.hand_epoch,
                       stop_epoch=self.stop_epoch)

    def _predicted_closedness(self, state) -> tuple[float, bool] | None:
        """Return (closedness, measured) the executing step ends with; None: not known yet.

        ``state``: the measured state nearest the preparation's frame (``Stamped``). The hand as
        measured (the newest state's closedness, else ``state``'s), as blocking plans from it:
        the command's closedness is where the hand was sent, not where it is (fingers stopped on
        an object at 0.45 after a close to 1.0, or a hand that did not open; breaker51c). While
        the executing command sent the hand to a closedness (``command_moved_hand``) it has not
        reached within ``control.hand_tolerance`` (``control.gripper_deadband``, at least
        ``HAND_TOLERANCE_FLOOR``: a sensor's noise is no motion; breaker51k), the hand still
        moves or stopped short: None, and the next plan comes after arrival, once the hand no
        longer moves (``_hand_moving``), as in blocking mode. A hand not measured now (finger
        states stale, unusable or another hand's): ``state``'s closedness, unmeasured (no
        gripper command rests on it), as blocking's start: the command's target would add up
        planned changes no gripper command sent (breaker51k: 0.3, 0.6, 0.9 with the hand at 0.3).
        """
        if not state.gripper_measured:
            return float(state.value[GRIPPER_INDEX]), False
        latest = self.inputs.latest_state()
        hand = float((latest if latest.gripper_measured else state).value[GRIPPER_INDEX])
        commanded = float(self.command_target[GRIPPER_INDEX])
        if self.command_moved_hand and abs(hand - commanded) > self.control.hand_tolerance:
            return None
        return hand, True

    def _prepare(self, plan, job: PlanJob, latency_s: float) -> PlanReport:
        """async: keep a plan made from the predicted start; command it if the arm is there."""
        report = self._report(plan, job.frame.stamp, job.predicted_start, job.frame.taken)
        report.predicted_start, report.latency_s = True, latency_s
        void = self._job_void(job)
        if not void and job.command_index != self.commands_sent:
            void = "another command went out while planning"
        if void:
            report.reason, report.outcome = f"{void}: plan discarded", PlanOutcome.DISCARDED
            return report
        self._prepared = PreparedPlan(plan, job.predicted_start, job.frame,
                                      job.command_index, job.version, job.epoch, latency_s,
                                      gripper_measured=self._same_hand(job),
                                      held_axes=job.held_axes, report=report)
        self._blend_woken = False
        taken = self._take_prepared(self.clock())
        if taken is not None:
            return taken  # the arm arrived while this plan was computed: commanded now
        report.reason = "async: planned from the predicted start, commanded on arrival"
        report.outcome = PlanOutcome.PREPARED
        return report

    def _take_prepared(self, now: float) -> PlanReport | None:
        """async, under the lock: arrived (or blending): command the prepared plan or drop it.

        Blending (moving, within ``control.async_blend_m``): the arm already tracks the set-point
        within the tolerance (``_blending``), so the plan goes out; the start check is arrival's.
        """
        prepared = self._prepared
        if prepared is None or not (self._phase is Phase.IDLE or self._blending()):
            return None
        self._prepared = None
        measured = self.inputs.latest_state()
        missed = self._start_missed(prepared, measured)
        if missed:
            report = self._report(prepared.plan, prepared.frame.stamp, prepared.start,
                                  prepared.frame.taken)
            report.predicted_start, report.latency_s = True, prepared.latency_s
            report.reason = (f"async: {missed}: prepared plan discarded, planning on a fresh "
                             "frame")
            report.outcome = PlanOutcome.DISCARDED
            self.log("info", report.reason)
        else:
            # the hand must still be measured when the plan goes out (finger states can lapse)
            report = self._command(prepared.plan, prepared.frame, prepared.start,
                                   prepared.version, prepared.epoch,
                                   prepared.gripper_measured and measured.gripper_measured)
            report.predicted_start, report.latency_s = True, prepared.latency_s
        report.goal_version, report.enable_epoch = prepared.version, prepared.epoch
        report.held_axes = prepared.held_axes
        return report

    def _start_missed(self, prepared: PreparedPlan, measured) -> str:
        """Why ``prepared`` may not go out from the ``measured`` state (``Stamped``); "" if it may.

        On arrival (idle): the arm farther than ``control.async_tolerance_m`` or turned more
        than ``control.async_tolerance_rad`` from the predicted start (while blending the arm
        tracks the set-point, ``blend_ready``). On arrival or blending: a measured hand whose
        closedness is more than ``control.hand_tolerance`` from the start's measured one (the
        plan was made for a hand that is not there: breaker51c).
        """
        mismatch, turn = poses_apart(measured.value, prepared.start)
        tolerance, tolerance_rad = self.control.async_tolerance_m, self.control.async_tolerance_rad
        if (mismatch > tolerance or turn > tolerance_rad) and self._phase is Phase.IDLE:
            return (f"arrived {mismatch * 1000:.1f} mm and {turn:.3f} rad from the predicted "
                    f"start (tolerance {tolerance * 1000:.1f} mm, {tolerance_rad:.3f} rad)")
        hand, start = float(measured.value[GRIPPER_INDEX]), float(prepared.start[GRIPPER_INDEX])
        tolerance = self.control.hand_tolerance
        if prepared.gripper_measured and measured.gripper_measured and \
                abs(hand - start) > tolerance:
            return (f"the hand is at closedness {hand:.2f}, the predicted start's is {start:.2f} "
                    f"(hand tolerance {tolerance:.2f}: control.gripper_deadband, at least "
                    f"{HAND_TOLERANCE_FLOOR:.2f})")
        return ""

    def _blending(self) -> bool:
        """async: the running step is within the blend radius (``predicted_start.blend_ready``).

        Never for a prepared plan that changes the hand (``_hand_changes``, any
        ``goals.gripper`` but hold: the next sub-goal's closedness under subgoal, the plan's
        first action under planned): blended in, it opened the hand with the set-point ~1 cm
        short of the place (breaker43o), or closed it 1 cm short of the grasp pose the plan
        was made at (breaker53d). It goes out on arrival, at rest, as in blocking mode.
        """
        if self._phase is not Phase.MOVING or self.control.mode != "async" or \
                not self.streamer.active:
            return False
        prepared = self._prepared
        if prepared is not None and self._hand_changes(
                self._prepared_gripper(), float(prepared.start[GRIPPER_INDEX]),
                prepared.gripper_measured):
            return False
        return blend_ready(self.streamer.setpoint, self.streamer.target,
                           self.inputs.latest_state().value, self.control.async_blend_m,
                           self.control.async_tolerance_m, self.control.async_tolerance_rad)

    def _prepared_gripper(self) -> float:
        """Return the closedness the prepared plan asks (``command_session._report``).

        Under ``goals.gripper`` subgoal the sub-goal's, else the predicted start's plus the
        plan's first action, before the clip to 0..1 that ``safety.filter_target`` applies
        (``_hand_changes`` tells an opening plan on a hand pried open by its own change).
        """
        goal = self.goals.current if self.goals is not None else None
        if self.goal_switching.gripper == "subgoal" and goal is not None:
            return goal.gripper_command(self.goal_switching.gripper_closed_above)
        action = self._prepared.plan.first_action
        return float(self._prepared.start[GRIPPER_INDEX]) + float(action[GRIPPER_INDEX])

    def _drop_prepared(self, why: str) -> None:
        """async: forget the prepared plan and report its fate (locked; every cause of a drop).

        The one place a prepared plan is dropped (a hold or any other stop of the set-point,
        disable, shutdown, a new goal or world, a camera check, the arm moved during a hold,
        sub-goals of another hand): its ``prepared`` report goes out again as ``discarded``
        through the same path as every plan step's (:meth:`_publish_report`: ``last_report``,
        the listeners, the node's ``~/plan_report``), with the numbers it was computed with
        (energy, latency, frame age, start, first action) and ``reason`` "<why>: prepared
        plan dropped" (= ``/diagnostics`` ``last_plan``). ``phase`` and ``commands_sent`` are
        the session's when dropped.
        """
        prepared, self._prepared = self._prepared, None
        if prepared is None:
            return
        report = dataclasses.replace(
            prepared.report if prepared.report is not None else PlanReport(),
            reason=f"{why}: prepared plan dropped", outcome=PlanOutcome.DISCARDED,
            predicted_start=True, held_axes=prepared.held_axes, debug_rgb=None,
            gripper_command=None, command=None, refusal=None, phase=self._phase,
            commands_sent=self.commands_sent)
        self.log("info", report.reason)
        self._publish_report(report)

"""The MPC session's planning step, run by the planning worker thread, and its bookkeeping.

:class:`PlanningSession` is a mixin of :class:`~vjepa_ros.robot.mpc.MPCSession` (its lock,
inputs, goals, phase and planner are the session's). :meth:`~PlanningSession.plan_step` takes
what to plan on now (``_next_job``: a goal, fresh inputs, the state nearest the frame; else a
hold with its refusal), runs the GPU work outside the lock (``plan_compute.compute_plan``), and
commands or prepares the plan unless it became void meanwhile (``_void_reason``: goal changed,
enabled/disabled, closing); ``hand_changed`` keeps a plan begun on another hand's closedness from
commanding the gripper.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from vjepa_ros.planning.cancel import PlanCancelled
from vjepa_ros.robot.hand_motion import HAND_WINDOW_S, hand_moving
from vjepa_ros.robot.inputs import Stamped
from vjepa_ros.robot.phase import Event, Phase
from vjepa_ros.robot.plan_compute import compute_plan, error_line
from vjepa_ros.robot.plan_job import PlanJob
from vjepa_ros.robot.plan_report import PlanOutcome, PlanReport, frame_age
from vjepa_ros.robot.refusal import Refusal, RefusalKind


class PlanningSession:
    """The planning methods of ``MPCSession`` (see the module docstring)."""

    _few_elites_said = False  # the last plan's search had fewer finite energies than topk

    def _next_job(self, now: float) -> PlanJob | None:
        """Return what to plan on now, or None (setting the refusal when something is wrong)."""
        if self.closed or self.camera_check is not None:
            return None  # the live camera check moves the arm: no goal plans meanwhile
        if self.control.mode == "async" and self._phase is Phase.MOVING:
            return self._preparation_job(now)
        frame = self.inputs.frame
        if frame is None or frame.stamp <= self.last_planned_stamp:
            return None
        if not self._inputs_usable(now):
            return None
        # blocking/async: wait for arrival before the state-at-frame check, which would otherwise
        # hold the arm mid-motion on a frame whose nearest state is stale (as before the refactor);
        # a frame taken (the earlier of stamp and receipt: Stamped.taken) settle_s after arrival
        if self.enabled and self.control.mode != "continuous":
            if self._phase is Phase.MOVING or self._prepared is not None or \
                    frame.taken < self.arrival_time + self.control.settle_s:
                return None
        state = self._start_state(frame)
        if state is None or self.enabled and self.control.mode != "continuous" and \
                self._hand_moving(now, state):
            return None
        if not self.enabled:
            self._clear_refusal()  # shadow mode: nothing to command, the inputs are fine again
        return PlanJob(frame, state, self.goals.current, self.goal_version, self.enable_epoch,
                       fixed_axes=self.goals.fixed_axes(model_frame=self.model_frame),
                       hand_epoch=self.hand_epoch, stop_epoch=self.stop_epoch)

    def _hand_moving(self, now: float, state: Stamped) -> bool:
        """Whether the hand still moved to the last gripper command sent at ``state``'s stamp.

        blocking, and async after arrival: no plan on a frame (``state`` the robot state nearest
        it) taken while the hand still closed or opened toward its command: the plan would
        start from a closedness mid-motion and its gripper command stop the hand there
        (breaker51k). ``hand_motion.hand_moving`` over the states of the ``control.settle_s``
        (at least ``HAND_WINDOW_S``) up to ``state``, with ``control.hand_tolerance``. False
        when no gripper command was sent, and once ``control.arrival_timeout_s`` of streamed
        ticks (``_hand_sent_s``) have passed since the last gripper command (or its resend)
        went out: then the plan starts from where the hand is. The hand is commanded at once (no
        set-point travels to it), so its wait counts from the command, in the ticks fix57d's
        arrival counts: a stalled node or a wall clock stepped forward by 12 s mid-close is no
        time the hand had, and counted on the node clock the plan came from the hand at 0.3 of a
        close to 1.0, and its gripper command stopped the close there (mend57v).
        """
        if self.last_gripper is None or self._hand_sent_s > self.control.arrival_timeout_s:
            return False
        window = max(self.control.settle_s, HAND_WINDOW_S)
        states = [s for s in self.inputs.states_after(state.stamp - window)
                  if s.stamp <= state.stamp]
        return hand_moving(states, self.last_gripper, self.control.hand_tolerance)

    def _inputs_usable(self, now: float) -> bool:
        """Return True when there is a goal and the inputs are fresh; otherwise hold.

        No goal at all (or sub-goals of another hand): that refusal first, as the user must
        act on it. A finished goal sequence (nothing more to do, the run's normal end): the
        inputs first, so stale or invalid inputs hold under their own refusal (in the finished
        run's place the stream's resume on fresh inputs cleared it: "fine again" as the log's
        last word, breaker43j). A finished sequence whose last command still runs
        (``_last_move_runs``) is no hold yet: nothing more is planned, and the hold ("no goal:
        all N sub-goals done") comes once that move has arrived and settled.
        """
        goal_problem = self._goal_problem()
        if goal_problem and not self._goals_finished:
            self._hold(Refusal(RefusalKind.NO_GOAL, goal_problem))
            return False
        refusal = self._input_refusal(now)
        if refusal is not None:
            self._hold_on_inputs(refusal)
            return False
        if goal_problem and not self._last_move_runs(now):
            self._hold(Refusal(RefusalKind.NO_GOAL, goal_problem))
        return not goal_problem

    @property
    def _goals_finished(self) -> bool:
        """Whether a goal sequence is set and every sub-goal of it is done."""
        return self.goals is not None and self.goals.finished

    def _last_move_runs(self, now: float) -> bool:
        """Whether a finished goal sequence's last command still runs or settles (locked).

        The last command counts its step as it goes out (``GoalSequence.count_step``), so the
        sequence is finished while that step executes; "all N sub-goals done" means nothing
        more to plan, not "stop": the move runs to its target and (blocking, async) through
        ``control.settle_s`` after its arrival, as any commanded step, and then the session holds
        (continuous control settles no step: it holds on the first frame after the arrival).
        Real stops
        (stale or invalid inputs, disable, a planner error, a safety refusal) are not this
        check's: they stop the set-point at once as before. Goals cleared by the user
        (``~/clear_goals``: a stop is what a person clearing them mid-move wants) are no
        finished sequence: that stops at once too. The move has arrived by the one notion of
        arrival (``_arm_arrived``: the measured arm, or the timeout), in every mode: continuous
        control's phase ends when the SET-POINT rests, and a hold while a trailing arm had not
        yet followed cut the last command and re-commanded it, again and again (breaker45zz).
        """
        if not self.enabled or self.goals is None or not self.goals.finished:
            return False
        return self._phase is Phase.MOVING or not self._arm_arrived() or \
            now < self.arrival_time + self.control.settle_s

    def _state_near(self, frame: Stamped) -> Stamped | None:
        """Return the state recorded nearest when ``frame`` was taken (None before any state).

        When: ``Stamped.state_time``, its time on the states' clock: its stamp less the
        camera's lead over the states' (a camera stamping 0.24 s ahead paired its frame with
        the state 0.24 s later: breaker59f), never after its receipt; camera and states on one
        clock ahead of the node's, its stamp (breaker59i #1; ``stream_leads``). The newest frame
        stamped before a wall clock stepped back and the states stamped after it (a frame in
        flight across the step: breaker55l) are put on one clock: that time less the system
        clock's fall between the two (``_clock_shift``; 0 for any frame but the newest).

        The one lookup of the state a frame shows: a plan's start (:meth:`_start_state`) and
        continuous control's view of the hand that plan saw (``_hand_seen_before``: the nearest
        state however far, no refusal, as a check made when the plan's command goes out has no
        hold of its own to set).
        """
        return self.inputs.state_at(self._state_time(frame))

    def _state_time(self, frame: Stamped) -> float:
        """When ``frame`` was taken on the states' clock [s] (:meth:`_state_near`'s time)."""
        return frame.state_time - self._clock_shift(frame)

    def _start_state(self, frame: Stamped) -> Stamped | None:
        """Return the state a plan on ``frame`` starts from (:meth:`_state_near`), or hold.

        A state farther than ``safety.max_state_age_s`` from the frame's time is a hold
        (STALE_INPUTS) and None, as a plan must not start from it; None too before any state.
        """
        at = self._state_time(frame)  # once: the lookup's time is the age check's
        state = self.inputs.state_at(at)  # _state_near's lookup
        if state is None:
            return None
        if abs(state.stamp - at) > self.limits.max_state_age_s:
            self._hold(Refusal(RefusalKind.STALE_INPUTS, (
                f"no robot state near the frame: nearest is {state.stamp - at:+.2f}"
                " s from the frame's stamp")))
            return None
        return state

    def plan_step(self, want_debug: bool = False) -> PlanReport | None:
        """Plan (or command a prepared plan) if there is something to do; None when not.

        An exception ``gripper_output`` raised while a command went out (a publish after the
        context shut down) is raised here once the step has ended (idle, its report kept and
        handed to the listeners), not in the middle of it (breaker44t: the session stayed
        "planning" for good); the node's worker then disables commanding.
        """
        try:
            report = self._plan_step(want_debug)
        finally:  # (another exception of the step: an old send's error is not kept for later)
            error, self._gripper_error = self._gripper_error, None
        if error is not None:
            raise error
        return report

    def _plan_step(self, want_debug: bool = False) -> PlanReport | None:
        """Plan (or command a prepared plan) if there is something to do; None when not.

        While the live camera check runs, the worker's turn estimates the model's frame once the
        check's moves are made, or computes a correction trial's plan
        (``_camera_check_worker_turn``), and no goal is planned.
        """
        self._camera_check_worker_turn()
        with self._lock:
            started = time.perf_counter()
            report = self._take_prepared(self.clock())
            if report is not None:
                return self._finish(report, started)
            now = self.clock()
            job = self._next_job(now)
            if job is None:
                return None
            # (async: a preparation's frame too, so the next never starts from an older one)
            self.last_planned_stamp = job.frame.stamp
            job.subgoal = None if self.goals is None else self.goals.progress()
            self.planning = True
            # /diagnostics: its frame's age as it runs, from when the frame was taken (the plan's)
            self.running_plan = (job.frame.taken, now)
            self.running_plan_began = time.monotonic()  # the shutdown line's age
            self._idle.clear()
            self._transition(Event.PLAN_STARTED)
        started = time.perf_counter()
        try:
            plan, debug_rgb = self._plan(job, want_debug, lambda: bool(self._job_void(job)))
        except PlanCancelled as exc:  # its result was void anyway: no hold, nothing commanded
            with self._lock:
                reason = f"{self._job_void(job) or 'stopped'}: {exc}"
                self.log("info", reason)
                return self._finish(PlanReport(reason=reason, outcome=PlanOutcome.CANCELLED),
                                    started, job)
        except Exception as exc:  # noqa: BLE001 - any planner failure means: hold, report
            with self._lock:
                reason = f"planner error: {error_line(exc)}"
                self._hold(Refusal(RefusalKind.PLANNER_ERROR, reason))
                return self._finish(PlanReport(reason=reason, outcome=PlanOutcome.REFUSED,
                                               refusal=RefusalKind.PLANNER_ERROR), started, job)
        # read before _command reads the clock for the frame's age: frame_age_s >= latency_s
        latency_s = time.perf_counter() - started
        # the joint-limit guard's prediction before the lock, which every stream tick takes
        ahead = self._guard_ahead(plan, job.frame.stamp, job.state.value) \
            if job.predicted_start is None else None
        with self._lock:
            self._note_few_elites(getattr(plan, "elites_note", ""))
            if job.predicted_start is None:
                # the hand must also still be measured when the plan goes out: finger states
                # can lapse while a plan is computed (16 s for the published ViT-g planner)
                latest = self.inputs.latest_state()
                report = self._command(plan, job.frame, job.state.value, job.version,
                                       job.epoch, self._same_hand(job) and latest is not None
                                       and latest.gripper_measured,
                                       start_check=self._checks_start(job), ahead=ahead)
            else:
                report = self._prepare(plan, job, latency_s)
            report.debug_rgb = debug_rgb
            report.latency_s = report.latency_s or latency_s
            return self._finish(report, started, job)

    def _note_few_elites(self, note: str) -> None:
        """Warn once per run of plans whose search refit to fewer elites than topk (locked).

        ``note``: ``PlanResult.elites_note`` ("" when every iteration had its topk finite
        energies); said again only after a plan without one.
        """
        if note and not self._few_elites_said:
            self.log("warning", f"planner: {note}; planning goes on with them")
        self._few_elites_said = bool(note)

    def hand_changed(self, hand: str | None = None) -> None:
        """Note that the closedness now comes from another hand, or none (node's FingerWatch).

        ``hand``: the hand measured now (``FingerWatch.hand``); None while none is chosen or the
        choice is ambiguous (the last one known stays). Sub-goals captured on another hand are
        not commanded under ``goals.gripper`` subgoal (their closedness is that hand's): the
        session holds with a line saying to capture them again, and plans toward them are void.

        Nothing computed from the old hand's closedness may command the gripper: plans begun
        before lose their gripper command (:meth:`_same_hand`), a prepared plan too, the states
        kept so far are flagged unmeasured (a plan from a frame stamped before the change starts
        from one of them), and the executing target's closedness is no measurement of the new
        hand (async's next start takes the measured one). Thread-safe.
        """
        with self._lock:
            self.hand_epoch += 1
            self.inputs.unmeasure_gripper()  # a frame stamped before the change: its state too
            if self._prepared is not None:
                self._prepared.gripper_measured = False
            if hand is None or hand == self.hand:
                return
            self.hand = hand
            problem = "" if self.goals is None else self._other_hand_problem()
            if problem:  # plans toward them, begun or prepared, command nothing
                self.goal_version += 1
                self._drop_prepared("sub-goals of another hand")
                self.log("warning", f"the gripper is now {hand}: {problem}")

    def _same_hand(self, job: PlanJob) -> bool:
        """Whether ``job`` began from a measured closedness of the hand measured now."""
        return job.gripper_measured and job.hand_epoch == self.hand_epoch

    def _finish(self, report: PlanReport, started: float,
                job: PlanJob | None = None) -> PlanReport:
        """End a plan_step (under the lock): idle again, latency set, report kept and returned.

        Completes the report's context (``job``: what the plan started from; None for a
        prepared plan, whose report already has it): mode, phase, goal and enable epoch. A plan
        that ended without a result (a planner error, cancelled) gets its frame's stamp and age
        now (``frame_age`` from ``Stamped.taken``, as the plan's age: None when the clock went
        back past it); a plan whose goal changed
        meanwhile keeps the sub-goal fields of the goal it was made for (``job.subgoal``,
        beside its ``goal_version``), not the new goal's.
        """
        self.planning, self.running_plan, self.running_plan_began = False, None, None
        self._idle.set()
        self._transition(Event.PLAN_ENDED)  # planning → idle; any other phase stays
        if not report.latency_s:
            report.latency_s = time.perf_counter() - started
        if job is not None:
            report.goal_version, report.enable_epoch = job.version, job.epoch
            report.held_axes = job.held_axes
            if report.frame_stamp is None:
                report.frame_stamp = job.frame.stamp
                report.frame_age_s = frame_age(self.clock(), job.frame.taken)
                report.start = job.state.value if job.predicted_start is None else \
                    job.predicted_start
            if job.version != self.goal_version or report.subgoal is None:
                report.subgoal = job.subgoal
        if report.subgoal is None and self.goals is not None:  # refusals: where the goals stand
            report.subgoal = self.goals.progress()
        report.mode, report.phase, report.commands_sent = \
            self.control.mode, self._phase, self.commands_sent
        self._publish_report(report)
        return report

    def _publish_report(self, report: PlanReport) -> None:
        """Make ``report`` the newest (``last_report``) and hand it to the listeners (locked).

        The one way a report goes out: every plan step's (:meth:`_finish`) and a prepared
        plan's drop (``async_session._drop_prepared``, outside any plan step); the node
        publishes ``~/plan_report`` from its listener.
        """
        self.last_report = report
        for listener in self._listeners:
            try:
                listener(report)
            except Exception as exc:  # noqa: BLE001 - a recorder's disk full must not stop a stop
                if id(listener) not in self._listeners_failing:
                    self._listeners_failing.add(id(listener))
                    self.log("warning", f"a plan report listener failed ({exc!r}); the session "
                             "goes on, its reports may be missing until it works again")
            else:
                self._listeners_failing.discard(id(listener))

    def _void_reason(self, version: int, epoch: int) -> str:
        """Why a plan begun at goal ``version``, enable ``epoch`` is void now ("" if it is not)."""
        if self.closed:
            return "shutting down"
        if version != self.goal_version:
            return "goal changed while planning"
        if self.goal_decoding and self.enabled:  # (GoalSession.goal_decoding_began)
            return f"{self.goal_decoding} decoding to replace the goal planned toward"
        if epoch != self.enable_epoch:
            voided = self._voided_by  # what made the next epoch, if not ~/enable
            if voided is not None and voided[0] == epoch + 1:
                return f"{voided[1]} while planning"
            return "enabled while planning" if self.enabled else "disabled while planning"
        return ""

    def _checks_start(self, job: PlanJob) -> bool:
        """Whether ``job``'s measured start must still be the arm's when its plan goes out.

        blocking and async: the arm stands still while such a plan is computed, so an arm that
        left its start meanwhile was moved (pushed during a hold, guided by hand): the plan is
        for a scene it is no longer in (``CommandSession._command``). continuous: the arm moves
        on while every plan is computed, so only after a stop of the set-point meanwhile (a hold
        of any kind, ``stop_epoch``).
        """
        return self.control.mode != "continuous" or job.stop_epoch != self.stop_epoch

    def _job_void(self, job: PlanJob) -> str:
        """Why ``job``'s plan is void now ("" if it is not): as :meth:`_void_reason`, and more.

        More: (async) a preparation begun before the set-point stopped (a hold of any kind,
        ``_stop_motion``). A preparation predicts where the running motion ends; stopped short,
        the arm is not there, and within ``control.async_tolerance_m`` of it the start check
        would pass: the plan from the frame of before the stop would go out at once when the
        stream resumes.
        """
        void = self._void_reason(job.version, job.epoch)
        if not void and job.predicted_start is not None and job.stop_epoch != self.stop_epoch:
            void = "the set-point stopped (held) while planning from its predicted end"
        return void

    def _plan(self, job: PlanJob, want_debug: bool, should_stop: Callable[[], bool]):
        """Encode, (async) imagine, plan: the GPU work, outside the lock (``plan_compute``)."""
        return compute_plan(self.model, self.planner, job.frame.value, job.state.value,
                            job.goal, want_debug, should_stop, job.predicted_start,
                            self.model_frame, job.fixed_axes)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no plan is being computed; return False on timeout."""
        return self._idle.wait(timeout)

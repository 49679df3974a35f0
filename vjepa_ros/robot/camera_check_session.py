"""The live camera check's part of the MPC session: start, advance, estimate, trial, end.

:class:`CameraCheckSession` is a mixin of :class:`~vjepa_ros.robot.mpc.MPCSession` (its lock,
inputs, streamer, phase and planner settings are the session's): the check's moves go through the
session's safety filter and set-point stream (``camera_check_run.CameraCheckRun``), the planning
worker estimates the model's frame from them (``eval.camera_check``), and the correction trial
(``camera_check_trial``; begun, planned and concluded by ``camera_check_trial_session``) plans
toward the start's frame to decide the verdict (``eval.camera_check_trial``). While a check runs
no goal is planned.
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.eval.camera_check_in_force import in_force_words
from vjepa_ros.robot.camera_check_limits import settings_problem
from vjepa_ros.robot.camera_check_motions import CheckMotionConfig, check_motions
from vjepa_ros.robot.camera_check_run import CameraCheckRun
from vjepa_ros.robot.camera_check_trial import CheckTrialConfig
from vjepa_ros.robot.camera_check_trial_session import CameraCheckTrialSession
from vjepa_ros.robot.phase import Event, Phase
from vjepa_ros.robot.plan_compute import error_line
from vjepa_ros.robot.safety import filter_target
from vjepa_ros.robot.stream_session import RESUME_TOLERANCE_M, RESUME_TOLERANCE_RAD


class CameraCheckSession(CameraCheckTrialSession):
    """The live camera check's methods of ``MPCSession`` (see the module docstring).

    The correction trial's (start, plans, verdict) are ``camera_check_trial_session``'s.
    """

    def start_camera_check(self, config: CheckMotionConfig | None = None,
                           thresholds=None, trial: CheckTrialConfig | None = None
                           ) -> CameraCheckRun:
        """Start the live camera check from the set-point in force; return its run.

        Moves ±x, ±y, ±z and the corners and diagonals ``config`` turns on (``config.distance_m``)
        and back, each target through the safety filter
        and the set-point stream; then the planning worker estimates the model's frame
        (``run.result``, an ``eval.camera_check_result.CameraCheckResult``; ``run.done`` is set at
        the end, ``run.error`` says why it stopped early). Then, as ``trial`` says (default
        ``CheckTrialConfig()``: when the motions' verdict is not "placement fine"), the
        correction trial (``camera_check_trial``) plans toward the start's frame uncorrected and
        corrected, and its progress decides the verdict (``eval.camera_check_trial``).
        Raises RuntimeError (one line naming ``~/camera_check``) unless commanding is enabled,
        no goal run is in progress (:meth:`_goal_run_words`: between two steps too) and the
        inputs are fresh; ValueError (one line
        naming it too) unless every motion of ``config.distance_m`` passes the safety filter
        unchanged from this start (``camera_check_motions.check_motions``) and the settings fit
        the safety limits (``camera_check_limits.settings_problem``: a motion plus
        ``control.arrival_tolerance_m`` within ``safety.max_step_m``, each move arriving within
        ``timeout_s`` at ``safety.max_speed_m_s``). The start, where the check ends: the last
        commanded pose (the measured one when nothing was commanded yet).

        The inputs' refusal is worded only (``_inputs_refused``), not recorded in the refusal
        log (``_judge_inputs``, ``refusal_log.about``; since mend62d), and nothing a user sees
        depends on it: every stream tick judges each input's episodes, enabled or not
        (``stream_session``, ``control.stream_rate_hz``), so the refusal log's episode and flap
        lines are the same with or without a judgement here (one between two ticks could only
        count a flap that is none); ``about`` names the input of a cause for the holds' lines,
        which this refusal (an error answer) never says; ``/diagnostics`` reads the inputs
        afresh (``blocking_problems``, the node's input watches).
        """
        with self._lock:
            refuse = "~/camera_check refused: "
            if not self.enabled:
                raise RuntimeError(refuse + "commanding is disabled; call ~/enable true first "
                                   "(the check moves the arm a few cm along each axis)")
            if self.camera_check is not None:
                raise RuntimeError(refuse + "a check is already running")
            run = self._goal_run_words()
            if run:  # between two steps too: the run would go on by itself after the check
                raise RuntimeError(refuse + f"{run}; call ~/clear_goals (or ~/enable false) "
                                   "and wait until it stands still")
            if self._phase is Phase.PLANNING or self.planning:
                raise RuntimeError(refuse + "the planning worker is still busy (a plan or an "
                                   "estimate in progress); call ~/camera_check again in a moment")
            now = self.clock()
            inputs = self._inputs_refused("~/camera_check", now, frozen=True)[0]
            if inputs:  # the loop's first reason, worded as the captures' (breaker61b)
                raise RuntimeError(inputs)
            trial = trial or CheckTrialConfig()
            problem = settings_problem(config, self.limits, self.control.arrival_tolerance_m,
                                       trial, self.control.arrival_tolerance_rad)
            if problem:  # settings its moves cannot keep: refused before anything moves
                raise ValueError(refuse + problem)
            try:  # a value (the distance, from this start) refused: ValueError, a user's error
                motions = check_motions(self._check_start(), self.limits, config)
            except ValueError as exc:
                raise ValueError(refuse + str(exc).removeprefix("camera check refused: ")
                                 ) from None
            self._drop_prepared("camera check")
            self.camera_check = CameraCheckRun(
                motions, config or CheckMotionConfig(), self.control.arrival_tolerance_m, now,
                thresholds, arrival_tolerance_rad=self.control.arrival_tolerance_rad)
            self.camera_check.trial_config = trial
            self.camera_check.image_topic = self.camera_topic()
            self.last_camera_check = self.camera_check
            if not self.streamer.active:
                self.streamer.reset(self.inputs.latest_state().value)
                self.last_stream_time = None
            self.log("info", f"camera check started: {len(motions)} motions of "
                     f"{self.camera_check.config.distance_m * 100:g} cm")
            return self.camera_check

    def _goal_run_words(self) -> str:
        """Say how a goal run is in progress ("" none): a check now would interrupt it (locked).

        A run is in progress while commanding is enabled toward goals not all done, whatever the
        phase of its step: moving, planning, settling between two steps (idle), held on its way
        (its inputs back, it goes on by itself), or not set off yet (the next plan sets off). A
        goal motion of a run just ended (the arm still moving) counts as well (breaker55b: a
        check accepted between two steps moved the arm from mid-way, and the run set off toward
        the goal again once it had ended).
        """
        running = self.goals is not None and not self.goals.finished
        if self._phase is Phase.MOVING:
            return "the arm is moving toward a goal"
        if not running:
            return ""
        if self._phase is Phase.PLANNING or self.planning:
            return "the arm is planning its next step toward a goal"
        if self._phase is Phase.HOLDING:
            return "the arm is held on its way toward a goal"
        if self.goals.index == 0 and self.goals.steps_done == 0:
            return "commanding is enabled toward a goal: the next plan sets the arm off toward it"
        return "the arm is between two steps toward a goal"

    def _check_start(self):
        """Return where the check starts and ends [7]: the set-point in force (locked).

        The last commanded pose (the stream's target), not the measured one: an arm held below
        its set-point (a compliant controller's sag) would end each check that much lower
        (breaker49g). The measured pose only when nothing is streamed yet.
        """
        if self.streamer.active:
            return self.streamer.target.copy()
        return self.inputs.latest_state().value

    def _advance_camera_check(self, now: float) -> None:
        """Stream tick (locked): the check's next move through the safety filter, or nothing.

        A move (the check's or its trial's) goes through the joint-limit guard too
        (``joint_guard``, as a plan's step): a check's move it shortens or refuses ends the
        check with its words (the joint named).
        """
        run = self.camera_check
        latest = self.inputs.latest_state()
        target = run.advance(now, latest.value, self.streamer.arrived(), self.inputs.frame,
                             self.inputs.state_at, self.limits.max_state_age_s,
                             self.streamer.moving())
        if run.error:
            self._end_camera_check(run.error)
            return
        if target is None:
            trial = run.trial
            arrived = run.arrived_at if trial is None else trial.arrived_at
            if arrived is not None and self._phase is Phase.MOVING:
                self._transition(Event.ARRIVED)
            if trial is not None and trial.finished:
                self._conclude_trial(run)
            elif run.needs_worker:
                self._wake()  # the worker estimates the model's frame, or plans a trial's step
            return
        decision = filter_target(latest.value, target, self.limits, *self._input_ages(now),
                                 outside_box_advice=self.outside_box_advice)
        changed_by = "the safety filter"
        if decision.accepted and self.joint_guard is not None:  # the joints, as a plan's are
            guarded = self.joint_guard(latest.value, decision)
            if guarded is not decision:
                decision, changed_by = guarded, "the joint-limit guard"
        # the check's own motions must go as asked (checked at the start); the trial's plans and
        # its longer moves may be shortened like any plan
        if not decision.accepted or (decision.clipped and run.trial is None):
            self._end_camera_check(f"camera check stopped: {changed_by} changed a move "
                                   f"({decision.reason})")
            return
        if run.trial_running:  # a trial's move arrives where it is streamed (its hops)
            run.trial.commanded(decision.target, bool(decision.clipped)
                                or changed_by != "the safety filter")
        self.streamer.set_target(decision.target, anchor=latest.value, purpose="camera check")
        run.commands.append(decision.target.copy())
        self._transition(Event.COMMANDED)

    def _check_wall(self, now: float) -> float:
        """Return the steady time [s] a check's pause is also timed by: ``wall_clock``, else now.

        On sim time a simulator killed or paused leaves its ``/clock`` (and ``now``) standing;
        the stream is still ticked by a steady-clock watchdog, and this clock still runs.
        """
        return now if self.wall_clock is None else self.wall_clock()

    def _check_held(self, now: float) -> None:
        """Stream tick in a hold on the inputs (locked): end a check paused too long.

        ``now``: the node clock [s]; longer by it or by :meth:`_check_wall` ends it.

        A check rides out a hold on stale inputs (``refusal_session._hold``) up to its
        ``timeout_s``; longer, it stops as a move that does not arrive does, saying where it
        left the arm. Nothing is commanded meanwhile, nor to stop it (the inputs are stale).
        """
        run = self.camera_check
        if run is None:
            return
        why = run.held_too_long(now, self._check_wall(now))
        if why:
            self._end_camera_check(why)

    def _stop_camera_check(self, why: str, commanding: bool = True) -> None:
        """End a running check for a reason of the session (``disabled``, ``held: ...``).

        Its error: ``camera check stopped: WHY`` (:meth:`_end_camera_check`); ``commanding``
        False: commanding stops with it (disable, shutdown), nothing is restarted or held.
        """
        self._end_camera_check(f"camera check stopped: {why}", commanding)

    def _end_camera_check(self, error: str, commanding: bool = True) -> None:
        """Stop a running check at once with ``error``, its whole line (``camera check ...``).

        The set-point holds still, at the measured pose when it is farther than
        ``RESUME_TOLERANCE_M`` / ``_RAD`` from it (and the robot states are fresh): a move that
        did not arrive (a controller that ignored the commands) left the set-point at its target,
        4 cm from the arm, streamed on; a controller following again would jump there
        (breaker43b). Only while commanding goes on (``commanding`` and enabled): after a disable
        nothing is streamed, so nothing restarts and no line claims a hold (breaker43f). The
        check's own failures come worded; the session's reasons through
        :meth:`_stop_camera_check` (never told apart by their words).
        """
        run = self.camera_check
        if run is None:
            return
        self.camera_check = None
        if run.active or run.error:
            self._stop_motion(error)
            latest = self.inputs.latest_state()
            if commanding and self.enabled and latest is not None \
                    and not self._states_failed(self.clock()):
                gap = self.streamer.restart_if_away(latest.value, RESUME_TOLERANCE_M,
                                                    RESUME_TOLERANCE_RAD)
                if gap is not None:
                    self.log("warning", f"the arm is {gap:.3f} m from the set-point as the "
                             "camera check stops: the set-point restarts at the measured pose "
                             "and holds there")
            if self._phase is Phase.MOVING:
                self._transition(Event.ARRIVED)
        left = self._where_left(run)
        if commanding:  # before ``done``: a waiting caller reads it (a disable: the log only)
            run.left = left
        run.fail(error, self.clock())
        self.log("warning", f"{run.error}; {left}" if left else run.error)

    def _where_left(self, run: CameraCheckRun) -> str:
        """Say where a check stopped mid-way left the arm, from its start, and how to get back.

        The arm is not returned: a stop (a move that did not arrive, stale inputs, a disable)
        means the session cannot drive it safely now (README, Camera placement check: the
        set-point holds). "" without a measured pose. In the answer (``run.left``) for a stop
        while commanding goes on; after a disable or a shutdown (the person or launch took
        over) in the log line only.
        """
        latest = self.inputs.latest_state()
        if latest is None:
            return ""
        offset = latest.value[:3] - run.start[:3]
        away = float(np.linalg.norm(offset))
        start = ", ".join(f"{v:.3f}" for v in run.start[:3])
        if away <= run.arrival_tolerance_m:
            return f"the arm was left at the check's start [{start}] m"
        along = ", ".join(f"{v:+.3f}" for v in offset)
        return (f"the arm was left {away * 100:.1f} cm from the check's start [{start}] m "
                f"(offset [{along}] m along x, y, z): bring it back before checking again "
                "(~/enable false and guide it, or a goal captured there), or check from where "
                "it stands")

    def _camera_check_worker_turn(self) -> None:
        """Worker thread: search the recorded motions; once all moves are made, estimate.

        Every motion whose frames are in is searched twice (``eval.camera_check_search``), while
        the arm makes the next ones; the estimate (``eval.camera_check.check_motions`` with
        both searches: the offline check's gate, widening and words) follows the last move.
        During the correction trial: compute the trial's pending plan instead.
        """
        with self._lock:
            run = self.camera_check
            if run is not None and run.trial is not None and run.trial.awaiting_plan and \
                    not self.planning:
                job = run.trial.pending
                self.planning = True
                self._idle.clear()
            elif run is None or run.trial is not None or not run.needs_worker:
                return
            else:
                job = None
                first = len(run.inferred)
                pairs = (run.befores[first:len(run.afters)],
                         run.before_states[first:len(run.afters)], run.afters[first:])
                estimate_now = run.moving_done  # else more motions come: search these only
                run.inferring = True
                self.planning = True
                self._idle.clear()
        if job is not None:
            self._plan_trial_step(run, job)
            return
        result, error = None, ""
        try:
            if pairs[0]:
                searched = self._search_motions(run, *pairs)
                with self._lock:
                    run.inferred.extend(searched[0])
                    run.inferred_repeat.extend(searched[1])
                    run.explained.extend(searched[2])
            if estimate_now:
                result = self._estimate(run)
        except Exception as exc:  # noqa: BLE001 - any failure ends the check with its reason
            error = f"camera check failed: {error_line(exc)}"
        with self._lock:
            self.planning = False
            run.inferring = False
            self._idle.set()
            if self.camera_check is not run:
                return  # disabled or closed meanwhile: already ended
            if error and not run.moving_done:
                self._end_camera_check(error)  # the arm still moves: hold it
            elif error or estimate_now:
                if not error and self._start_trial(run, result):
                    return
                self._complete_camera_check(run, result, error)
            elif run.needs_worker:
                self._wake()  # more motions came in meanwhile, or the moves are done

    def _search_motions(self, run: CameraCheckRun, befores, states, afters) -> tuple:
        """Worker, unlocked: search these recorded motions twice.

        Returns (first search's motions [N, 7], second's [N, 7], explained shares [N]). Each
        search polls the check's end (``~/enable`` false, ``close()``) between its chunks, as
        the correction trial's plans do: ``PlanCancelled`` once the check has ended.
        """
        from vjepa_ros.eval.camera_check_inference import infer_motions
        from vjepa_ros.eval.camera_check_search import search_planners

        if run.searches is None:
            run.searches = search_planners(self.model, self.cem)
        ended = self._check_ended(run)
        inferred, explained = infer_motions(self.model, self.cem, befores, states, afters,
                                            run.searches[0], ended)
        repeat, _ = infer_motions(self.model, self.cem, befores, states, afters,
                                  run.searches[1], ended)
        return list(inferred), list(repeat), explained.tolist()

    def _check_ended(self, run: CameraCheckRun):
        """Return the ``should_stop`` of ``run``'s plans: true once it is no longer the check.

        ``~/enable`` false, ``close()`` and a failure end it (``camera_check`` no longer
        ``run``); its searches and trial plans then stop within one sample chunk.
        """
        return lambda: self.camera_check is not run

    def _estimate(self, run: CameraCheckRun):
        """Worker, unlocked: the model's frame and the verdict from every motion's two searches."""
        import numpy as np

        from vjepa_ros.eval.camera_check import check_motions as estimate
        from vjepa_ros.eval.camera_check_result import with_labels

        return with_labels(estimate(run.executed, np.stack(run.inferred), run.thresholds,
                                    np.array(run.explained), np.stack(run.inferred_repeat),
                                    (self.cem.samples, self.cem.iterations), live=True,
                                    unchanged=run.stale, image_topic=self.camera_topic()),
                           run.labels)  # each row's own label (breaker59j #6)

    def _complete_camera_check(self, run: CameraCheckRun, result, error: str) -> None:
        """End the check (locked) with its result, or its error: the session plans goals again."""
        self.camera_check = None
        self.last_planned_stamp = -float("inf")
        self.arrival_time = self.clock()  # blocking: plan on a frame taken after settling
        if error:
            run.fail(error, self.clock())
            self.log("error", error)
        else:
            held = in_force_words(  # a planner started with an earlier correction (breaker55b)
                self.model_frame.rpy_deg, result, "this planner runs with",
                "it plans with the rotation in force until restarted: restart it with the "
                "written planner_camera_check.yaml (camera_check.output_dir)",
                self.control.model_frame_check_rpy_deg)
            if held:
                result.explanation += f"; {held}"
            run.finish(result, self.clock())
            self.log("info", result.explanation)

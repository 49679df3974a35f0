"""The live camera check's correction trial, part of the MPC session: begin, plan, conclude.

:class:`CameraCheckTrialSession` is a mixin of :class:`~vjepa_ros.robot.mpc.MPCSession`, through
``camera_check_session.CameraCheckSession`` (whose ``_complete_camera_check``,
``_end_camera_check`` and ``_check_ended`` it calls; the lock, planner settings and planning
worker are the session's). After the motions' estimate, the trial (``camera_check_trial``) plans
toward the start's frame uncorrected and corrected from poses around the start; its progress
decides the verdict (``eval.camera_check_trial``).
"""

from __future__ import annotations

from vjepa_ros.eval.camera_check_result import Verdict, mirror_seen
from vjepa_ros.eval.camera_check_trial import trial_verdict
from vjepa_ros.planning.cancel import PlanCancelled
from vjepa_ros.planning.planners import build_planner
from vjepa_ros.robot.camera_check_run import CameraCheckRun
from vjepa_ros.robot.camera_check_trial import CorrectionTrial, trial_starts
from vjepa_ros.robot.model_frame import ModelFrame
from vjepa_ros.robot.plan_compute import compute_plan, error_line
from vjepa_ros.robot.subgoal import SubGoal


class CameraCheckTrialSession:
    """The correction trial's methods of ``MPCSession`` (see the module docstring)."""

    def _start_trial(self, run: CameraCheckRun, result) -> bool:
        """Locked: begin the correction trial when its settings ask for one; True if begun.

        ``when`` auto: only after a verdict other than "placement fine", "undecided" because
        the estimate is too uncertain (``result.too_uncertain``) included: the trial measures
        the fitted rotation directly and its table decides the verdict. Never after the other
        "undecided": the search is too weak to trust the rotation it would try (nor its plans),
        or the motions cannot tell a mirror from a half turn;
        nor after a mirrored view (``result.mirror``): no rotation corrects it, and a trial
        could pick one that helps on some poses. The verdict stays, its ``trial`` says so.
        Without room for a trial's starting pose the result keeps the motions' verdict and says
        why in ``trial``.
        """
        config = run.trial_config
        if result.verdict == Verdict.UNDECIDED and not result.too_uncertain or result.mirror:
            why = ("the verdict is undecided: no rotation to trust" if not result.mirror else
                   f"{mirror_seen(result.mirror)}: no rotation corrects it")
            if config is not None and config.when != "never":
                result.trial = {"skipped": f"no trial: {why}"}
            return False
        wanted = config is not None and (
            config.when == "always" or (config.when == "auto" and result.verdict != Verdict.FINE))
        if not wanted:
            return False
        starts = trial_starts(run.start, self.limits, config)
        if not starts:
            why = (f"no starting pose {config.offset_m:g} m from the start toward a cube corner "
                   "passes the safety filter: start the check nearer the workspace centre or "
                   "lower camera_check.trial.offset_m")
            result.trial = {"skipped": f"no trial: {why}"}
            result.explanation += f" (the correction trial did not run: {why})"
            self.log("warning", f"camera check: the correction trial did not run: {why}")
            return False
        run.trial = CorrectionTrial(
            run.start, SubGoal(run.befores[0], 0, "camera check start"), starts, result,
            build_planner(self.model, self.cem, seed=0), config, run.config.settle_s,
            run.config.timeout_s, run.arrival_tolerance_m, run.image_topic,
            arrival_tolerance_rad=run.arrival_tolerance_rad)
        self.log("info", f"camera check: the motions say '{result.verdict}' (estimated "
                 f"{result.candidate} rotation {result.rotation_angle_deg:.1f}°); trying the "
                 f"planner uncorrected and corrected from {len(starts)} poses "
                 f"{config.offset_m * 100:g} cm away")
        return True

    def _plan_trial_step(self, run: CameraCheckRun, job) -> None:
        """Worker thread: one plan of the correction trial (outside the lock), then deliver it."""
        trial = run.trial
        if job.first:
            trial.planner.reset()  # each trial starts without the last one's momentum
        error, action = "", None
        try:
            plan, _ = compute_plan(self.model, trial.planner, job.frame, job.state,
                                   trial.plan_goal, False, self._check_ended(run),
                                   None, ModelFrame(job.rotation_rpy_deg))
            action = plan.first_action.double().numpy()
        except PlanCancelled:
            pass  # disabled or closed meanwhile: the check has ended already
        except Exception as exc:  # noqa: BLE001 - any failure ends the check with its reason
            error = f"camera check failed: the trial's plan: {error_line(exc)}"
        with self._lock:
            self.planning = False
            self._idle.set()
            if self.camera_check is not run:
                return
            if error:
                trial.fail(error)
                self._end_camera_check(error)
            elif action is not None:
                trial.deliver(action, job.state)

    def _conclude_trial(self, run: CameraCheckRun) -> None:
        """Locked, stream tick: the trial is back at the start; its progress decides."""
        config = run.trial_config
        if run.trial.blocked:
            self.log("warning", f"camera check: {run.trial.blocked} trial move(s) did not "
                     f"arrive within {run.config.timeout_s:g} s (blocked); the trials went on "
                     "from where the arm stood")
        if run.trial.clipped:
            self.log("info", f"camera check: {run.trial.clipped} planned trial step(s) were "
                     "shortened by the safety filter (the workspace box or safety.max_step_m)")
        try:
            result = trial_verdict(run.trial.motions_result,
                                   [leg.to_dict() for leg in run.trial.legs],
                                   config.min_progress, config.margin)
            error = ""
        except ValueError as exc:
            result, error = None, f"camera check failed: {exc}"
        self._complete_camera_check(run, result, error)

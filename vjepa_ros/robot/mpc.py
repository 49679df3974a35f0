"""The MPC loop without ROS: inputs, goals, enable/shadow, blocking/continuous/async control.

The planner node is a thin shell around :class:`MPCSession`: its subscriptions call
``observe_image`` / ``observe_state``, its services ``capture_goal`` / ``set_enabled``, a worker
thread (``planning_worker.PlanningWorker``) calls ``plan_step`` whenever it is woken and a timer
calls ``stream_step`` at the stream rate. Every public method is thread-safe; the GPU work in
``plan_step`` runs outside the lock, so inputs, services and the watchdog stay responsive while a
plan is computed.

The session is a state machine: one :class:`~vjepa_ros.robot.phase.Phase`, changed only by
``phase.next_phase`` (``_transition``). Its parts live in files of their own: the inputs
(``inputs.InputBuffer``), refusals (``refusal.Refusal``), the world model and planner interfaces
(``interfaces``), the settings (``control_config.ControlConfig``) and the predicted start of
asynchronous control (``predicted_start``). Diagnostics text is the node's
(``nodes/planner_diagnostics.py``); :meth:`MPCSession.snapshot` returns typed values.

What reaches the arm (``stream_step``'s set-points and ``PlanReport.gripper_command``):
- nothing before ``set_enabled(True)`` (shadow mode: plans, actions and diagnostics only),
- no new target without a goal, with stale or invalid inputs, after a planner error, or once
  closed: the set-point stops where it is. On stale or invalid inputs (``_input_refusal``) one
  zero twist goes out and then no set-point at all until the inputs pass again (an unusable
  state or frame size: until that input stayed usable for ``inputs.RECOVERY_S``); on the other
  refusals the inputs are fine and the hold set-point keeps streaming,
- with ``goals.gripper`` subgoal the gripper part of each command is the active sub-goal's (open
  or closed as captured) and the planner searches the arm's motion only (``goals.py``); with
  ``goals.gripper`` hold no gripper command goes out at all.
- only targets that passed ``safety.filter_target`` (workspace box, step length, NaN/inf, anchored
  on the pose measured at command time), reached through a speed- and acceleration-limited
  set-point (``targets.SetpointStreamer``).
- with ``control.model_frame_rpy_deg`` (the camera check's correction) plans are searched in the
  world model's frame and turned into base-frame actions before ``state ⊕ action`` and the
  filter (``model_frame.ModelFrame``, applied in ``plan_compute.compute_plan`` only).
- the live camera check (:meth:`MPCSession.start_camera_check`, ``camera_check_session.py``)
  commands its own moves through the same filter and stream, and no goal is planned meanwhile.
Every refusal goes to ``log`` once per kind until it clears, without flapping (``refusal_log``),
and so does its end (once per episode, after a logged refusal); it stays visible in the status.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable

import numpy as np

from vjepa_ros.image_limits import image_size_problem
from vjepa_ros.planning.cancel import PlanCancelled
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.planners import make_planner
from vjepa_ros.robot.camera_check_run import CameraCheckRun
from vjepa_ros.robot.camera_check_session import CameraCheckSession
from vjepa_ros.robot.control_config import MODES, ControlConfig  # noqa: F401 (re-exported)
from vjepa_ros.robot.goals import (
    GRIPPER_INDEX,
    GoalSequence,
    GoalSwitchConfig,
    SubGoal,
    capture_refusal,
    planner_settings,
)
from vjepa_ros.robot.inputs import (  # noqa: F401
    RECOVERY_S,
    STATE_HISTORY,
    InputBuffer,
    Stamped,
)
from vjepa_ros.robot.interfaces import Planner, WorldModel
from vjepa_ros.robot.model_frame import ModelFrame
from vjepa_ros.robot.phase import Event, Phase, next_phase
from vjepa_ros.robot.plan_compute import compute_plan
from vjepa_ros.robot.plan_report import PlanOutcome, PlanReport, SessionStatus, StreamOutput
from vjepa_ros.robot.predicted_start import PreparedPlan, blend_ready, start_mismatch
from vjepa_ros.robot.refusal import Blocker, Refusal, RefusalKind, blocking_text
from vjepa_ros.robot.refusal_log import RefusalLog
from vjepa_ros.robot.safety import (
    OUTSIDE_BOX_ADVICE,
    SafetyLimits,
    age_problem,
    filter_target,
    is_safe_setpoint,
    plan_age_problem,
    unreachable_goal_note,
)
from vjepa_ros.robot.targets import MAX_TICK_PERIODS, SetpointStreamer, target_from_action


@dataclasses.dataclass
class _Job:
    """What a plan starts from: a measured frame and state, or (async) a predicted start."""

    frame: Stamped
    state: Stamped  # measured state at the frame's stamp
    goal: SubGoal
    version: int
    epoch: int
    predicted_start: np.ndarray | None = None  # [7] async: the command being executed
    command_index: int = 0  # async: commands_sent when the preparation began


class MPCSession(CameraCheckSession):
    """The state of one image-goal MPC run; see the module docstring.

    Args:
        model: the world model (encoder + ``.predictor``; ``interfaces.WorldModel``).
        cem: planner settings (used to build the default planner).
        limits, control: safety limits and control settings.
        clock: returns now [s] on the clock the inputs are stamped with.
        log: receives (level, message), level one of "info", "warning", "error".
        seed: planner noise seed (None: random).
        planner: the planner (``interfaces.Planner``); default ``make_planner(model, cem, seed)``
            (``cem.method``: cem, icem or mppi).
            Tests and benchmarks that need a slower, failing or recording planner pass one here.
            A model or planner without the interface's methods raises TypeError.
        wake: called (under the session lock, so it must be cheap) when a plan can go out without
            a new input: async control, the arm arrived where a prepared plan starts.
        goal_switching: how sub-goals switch and how many ``add_subgoal`` keeps (``goals.py``).
        camera_topic: the camera topic's resolved name, for refusals (the node's subscription).
        state_topic: the robot state topic's resolved name, for :meth:`blocking_problems`.
        clock_note: why stamps may disagree with the clock ("" when nothing is known, e.g.
            "/clock has 2 publishers: /sim_node, /sim_node"), added to stale-input refusals;
            called on every input check, so it must be cheap (the node returns a cached line).
        camera_advice: what to do about a camera slower than ``safety.max_image_age_s`` when
            the node knows why ("" when not: raise the limit or the frame rate); called when
            the slow-camera note is given (the node returns a cached line,
            ``sim_pace.simulator_camera_advice``).
        outside_box_advice: what the hold of an arm outside the workspace box tells the user to
            do (``safety.filter_target``; default a real arm's, the simulator passes its own).
    """

    def __init__(
        self,
        model: WorldModel,
        cem: CEMConfig,
        limits: SafetyLimits,
        control: ControlConfig,
        clock: Callable[[], float],
        log: Callable[[str, str], None] = lambda level, message: None,
        seed: int | None = 0,
        planner: Planner | None = None,
        wake: Callable[[], None] = lambda: None,
        goal_switching: GoalSwitchConfig | None = None,
        camera_topic: Callable[[], str] = lambda: "image",
        state_topic: Callable[[], str] = lambda: "joint_states",
        clock_note: Callable[[], str] = lambda: "",
        gripper_measured: Callable[[], bool] = lambda: True,
        camera_advice: Callable[[], str] = lambda: "",
        outside_box_advice: str = OUTSIDE_BOX_ADVICE,
    ):
        if not isinstance(model, WorldModel):
            raise TypeError(f"{type(model).__name__} is not a world model: it needs encode(frames)"
                            " and an action-conditioned .predictor (step, new_cache)")
        self.model = model
        cem = planner_settings(cem, goal_switching)  # goals.gripper subgoal: gripper fixed at 0
        self._planner = planner if planner is not None else make_planner(model, cem, seed=seed)
        self.cem = cem
        if not isinstance(self._planner, Planner):
            raise TypeError(f"{type(self._planner).__name__} is not a planner: it needs plan() "
                            "and reset()")
        self.limits, self.control = limits, control
        self.outside_box_advice = outside_box_advice
        self.model_frame = ModelFrame(control.model_frame_rpy_deg)  # the camera check's correction
        self.clock, self.log, self._wake = clock, log, wake
        self.streamer = SetpointStreamer(limits)
        self.inputs = InputBuffer()
        self._lock = threading.RLock()
        self._phase = Phase.SHADOW
        self.goals: GoalSequence | None = None
        self.goal_switching = goal_switching or GoalSwitchConfig()
        self.camera_topic, self.state_topic = camera_topic, state_topic
        self.clock_note = clock_note
        self.camera_advice = camera_advice
        self.gripper_measured = gripper_measured  # whether states carry a measured gripper
        self.goal_version = 0
        self.enable_epoch = 0  # bumped by every enable/disable: a plan made before is void
        self.command_time = self.arrival_time = -float("inf")
        self.command_target: np.ndarray | None = None  # [7] the safe target being executed
        self.last_planned_stamp = -float("inf")
        self.last_stream_time: float | None = None
        self._stream_held = False  # the stream entered a hold on bad inputs (one zero twist)
        self._refusal: Refusal | None = None
        self._input_held: Refusal | None = None  # the refusal when it came from the input checks
        self._refusal_log = RefusalLog(clock)  # which refusals were logged, until they clear
        self._slow_camera_noted = False  # the camera-rate note was given (until the rate is fine)
        self.last_gripper: float | None = None
        self.last_report = PlanReport()
        self.commands_sent = 0
        self.planning = False
        self._prepared: PreparedPlan | None = None  # async: the next step, ready for arrival
        self._prepared_for = -1  # async: commands_sent a preparation was begun for
        self._blend_woken = False  # async: the worker was woken for the prepared plan's blend
        self._listeners: list[Callable[[PlanReport], None]] = []
        self._idle = threading.Event()
        self._idle.set()
        self.camera_check: CameraCheckRun | None = None  # the live check, while it runs
        self.last_camera_check: CameraCheckRun | None = None  # the latest one, running or ended

    # -- state ----------------------------------------------------------------------------------
    @property
    def planner(self) -> Planner:
        return self._planner

    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def enabled(self) -> bool:
        return self._phase not in (Phase.SHADOW, Phase.CLOSED)

    @property
    def closed(self) -> bool:
        return self._phase is Phase.CLOSED

    @property
    def moving(self) -> bool:
        """blocking/async: a command executes and the next measured plan waits for its end."""
        return self._phase is Phase.MOVING and self.control.mode != "continuous"

    @property
    def refusal(self) -> str:
        """The current refusal's message ("" when nothing is refused)."""
        return "" if self._refusal is None else self._refusal.detail

    @property
    def prepared(self) -> PreparedPlan | None:
        """async: the plan waiting for the arm to arrive at its predicted start."""
        return self._prepared

    def _transition(self, event: Event) -> None:
        self._phase = next_phase(self._phase, event)

    def add_report_listener(self, listener: Callable[[PlanReport], None]) -> None:
        """Call ``listener(report)`` after every plan_step that returns a report.

        It runs under the session lock: keep it short. The supported way to record plans.
        """
        with self._lock:
            self._listeners.append(listener)

    # -- inputs ---------------------------------------------------------------------------------
    @property
    def frame(self) -> Stamped | None:
        return self.inputs.frame

    @property
    def frames_received(self) -> int:
        return self.inputs.frames_received

    @property
    def states(self):
        return self.inputs.states

    @property
    def state_problem(self) -> str:
        return self.inputs.state_problem

    def observe_image(self, rgb: np.ndarray, stamp: float) -> str:
        """Keep a camera frame ``rgb`` [H, W, 3] uint8 stamped ``stamp`` [s] as the newest.

        A frame of a size no goal image may have (``image_limits.image_size_problem``: under 32
        px a side, sides more than 4:1) is kept but refused like a stale one: nothing is planned
        or captured until frames of a usable size have come for ``inputs.RECOVERY_S`` with no
        unusable one between (bad frames mixed with good ones are one episode). One warning as an
        episode starts, one line as it ends, by the rule of :meth:`_input_episode_ended`;
        returns this frame's problem ("" when usable).
        """
        size = image_size_problem(rgb.shape[1], rgb.shape[0])
        problem = f"the newest camera frame on {self.camera_topic()} {size}" if size else ""
        with self._lock:
            now = self.clock()
            started, ended = self.inputs.observe_image(rgb, stamp, problem, timed=not age_problem(
                "camera image", now - stamp, self.limits.max_image_age_s), now=now)
            self._camera_rate_recovered()
            if started and self._refusal_log.refused(RefusalKind.STALE_INPUTS):
                self.log("warning", f"camera frame refused, holding until frames of a usable "
                         f"size come for {RECOVERY_S:g} s: {problem}")
            elif ended:
                self._input_episode_ended(RefusalKind.STALE_INPUTS, (
                    f"camera frames on {self.camera_topic()} usable again ({rgb.shape[1]}x"
                    f"{rgb.shape[0]} px for {RECOVERY_S:g} s; was: {ended})"))
        return problem

    def observe_state(self, state, stamp: float) -> None:
        """Keep a robot state [7] stamped ``stamp`` [s]; an invalid one is refused (NaN ...).

        An unusable state holds until valid ones have come for ``inputs.RECOVERY_S`` with none
        unusable between; the start ("not commanding") and end lines of an episode follow the
        rule of :meth:`_input_episode_ended`.
        """
        cleared = self.inputs.observe_state(state, stamp, now=self.clock())
        if cleared == "":
            return  # the common case (1 kHz from a Franka): without the session's lock
        with self._lock:
            if cleared is None:
                self._hold_on_inputs(Refusal(RefusalKind.INVALID_STATE,
                                             self.inputs.state_problem))
            else:
                self._input_episode_ended(RefusalKind.INVALID_STATE, (
                    f"robot state valid again for {RECOVERY_S:g} s (was: {cleared})"))

    def _input_episode_ended(self, kind: RefusalKind, line: str) -> None:
        """Log ``line`` (an episode of unusable input ``kind`` ended) if its start was logged.

        The one rule of both inputs (robot state, camera frame size; locked): the start of an
        episode is logged when ``refusal_log`` logs a refusal of its kind (not while that kind is
        already logged, nor back within ``refusal_log.RELAPSE_S`` of its last line), its end
        only after a logged start.
        """
        if self._refusal_log.cleared(kind):
            self.log("info", line)

    def reject_state(self, reason: str) -> None:
        """Report an unusable robot state (NaN joints ...): hold until valid ones come.

        Valid states must come for ``inputs.RECOVERY_S`` with no unusable one between.
        """
        with self._lock:
            self.inputs.reject_state(reason, self.clock())
            self._hold_on_inputs(Refusal(RefusalKind.INVALID_STATE, reason))

    def _hold_on_inputs(self, refusal: Refusal) -> None:
        """Hold on a refusal of the input checks (:meth:`_input_refusal`; locked).

        Marked as the input checks' own (``_input_held``): diagnostics show the checks' current
        value in its place, not the value it had when it tripped.
        """
        self._input_held = refusal
        self._hold(refusal)

    def latest_state(self) -> Stamped | None:
        return self.inputs.latest_state()

    def state_at(self, stamp: float) -> Stamped | None:
        """Return the stored robot state nearest in time to ``stamp``."""
        return self.inputs.state_at(stamp)

    def ages(self, now: float) -> tuple[float | None, float | None]:
        return self.inputs.ages(now)

    def _camera_problem(self, now: float) -> str:
        """Why the newest camera frame may not be planned on or captured ("" when it may)."""
        return self._camera_blocker(now).detail

    def _camera_blocker(self, now: float) -> Blocker:
        """:meth:`_camera_problem` as a :class:`Blocker` (detail "" when the frame is usable).

        ``missing_topic``: the camera topic when no frame has come yet; the detail then does not
        name it (:meth:`blocking_problems` adds it).
        """
        if self.inputs.image_problem:
            return Blocker(self.inputs.image_problem)
        age = self.inputs.ages(now)[0]
        return self._age_blocker("camera image", age, self.limits.max_image_age_s, now,
                                 self.camera_topic)

    def _input_refusal(self, now: float) -> Refusal | None:
        if self.inputs.state_problem:
            return Refusal(RefusalKind.INVALID_STATE, self.inputs.state_problem)
        problem = self._camera_problem(now) or self._state_age_problem(now)
        return Refusal(RefusalKind.STALE_INPUTS, problem) if problem else None

    def _state_age_problem(self, now: float) -> str:
        """Why the newest robot state is too old or missing ("" when it is fine)."""
        return self._state_age_blocker(now).detail

    def _state_age_blocker(self, now: float) -> Blocker:
        """:meth:`_state_age_problem` as a :class:`Blocker`, as :meth:`_camera_blocker`."""
        age = self.inputs.ages(now)[1]
        return self._age_blocker("robot state", age, self.limits.max_state_age_s, now,
                                 self.state_topic)

    def _age_blocker(self, what: str, age: float | None, limit: float, now: float,
                     topic: Callable[[], str]) -> Blocker:
        """``age_problem`` of ``what`` noted (:meth:`_noted`); ``topic()`` missing at age None."""
        problem = age_problem(what, age, limit, now)
        return Blocker(problem, topic()) if age is None else Blocker(self._noted(problem, age))

    def _noted(self, problem: str, age: float | None) -> str:
        """``problem`` with the clock note (``clock_note``) after it, when there is one.

        ``age`` [s]: the input's age (None: none received yet, a problem no clock explains).
        """
        note = self.clock_note() if problem and age is not None else ""
        return f"{problem} ({note})" if note else problem

    def blocking_problems(self, now: float) -> list[Blocker]:
        """Every reason nothing would be commanded at ``now``, not only the first; [] if none.

        In order: a refusal of the plan or the safety filter, an unusable robot state, the
        camera image, the robot state's age, the goal. A missing input names its topic
        (``camera_topic``, ``state_topic``): "no camera image received yet on /camera/...",
        with that topic as the :class:`~vjepa_ros.robot.refusal.Blocker`'s ``missing_topic``.
        """
        with self._lock:
            stored = self._refusal
            found = [
                Blocker(stored.detail if stored is not None and stored is not self._input_held
                        and stored.kind is not RefusalKind.NO_GOAL else ""),
                Blocker(self.inputs.state_problem), self._camera_blocker(now),
                self._state_age_blocker(now), Blocker(self._goal_problem()),
            ]
        blockers = (Blocker(f"{b.detail} on {b.missing_topic}", b.missing_topic)
                    if b.missing_topic else b for b in found if b.detail)
        return list({b.detail: b for b in blockers}.values())

    # -- goals and enable -----------------------------------------------------------------------
    def set_goals(self, goals: list[SubGoal]) -> str:
        """Replace the goal (sequence); the planning thread encodes it before the next plan."""
        sequence = GoalSequence(goals, self.goal_switching)
        with self._lock:
            self.goals = sequence
            self.goal_version += 1
            self.planner.reset()
            self.last_planned_stamp = -float("inf")  # plan again on the current frame
            self._drop_prepared("new goal")
            if self._refusal is not None and self._refusal.kind is RefusalKind.NO_GOAL:
                self._refusal = None
            self._refusal_log.cleared(RefusalKind.NO_GOAL)
            message = f"new goal: {sequence.describe()}"
            if len(goals) > 1:
                message += f"; switching: {self.goal_switching.describe()}"
            self.log("info", message)
            return message

    def capture_goal(self) -> str:
        """Make the newest camera frame the only goal; RuntimeError without a fresh frame."""
        with self._lock:
            goal = self._captured_subgoal("~/capture_goal", "captured frame")
            return self.set_goals([goal]) + self._unreachable("the goal", goal)

    def add_subgoal(self) -> str:
        """Append the newest frame (and the state at it) to the sub-goal list; start over at 1.

        Raises RuntimeError (a one-line refusal naming ``~/add_subgoal``) without a fresh frame,
        while commanding is enabled (the person guides the arm) or with a full list.
        """
        with self._lock:
            if self.enabled:
                raise RuntimeError("~/add_subgoal refused: commanding is enabled; call ~/enable "
                                   "false, guide the arm to the sub-goal, then add it")
            # a goal held "until changed" (steps 0: captured, ~/goal_image) is one step count now
            goals = [dataclasses.replace(g, steps=None) if g.steps == 0 else g
                     for g in (self.goals.goals if self.goals is not None else [])]
            if len(goals) >= self.goal_switching.max_subgoals:
                raise RuntimeError(f"~/add_subgoal refused: the list is full ({len(goals)} = "
                                   "goals.max_subgoals); call ~/clear_goals to start a new one")
            goal = self._captured_subgoal("~/add_subgoal", f"added sub-goal {len(goals) + 1}")
            gripper = "unknown (no finger joints yet)" if goal.closedness() is None else \
                f"{goal.closedness():.2f}"
            where = "" if goal.state is None else (
                f" at TCP ({', '.join(f'{v:.3f}' for v in goal.state[:3])}) m, gripper {gripper}")
            message = f"sub-goal {len(goals) + 1} added{where}; {self.set_goals(goals + [goal])}"
            return message + self._unreachable(f"sub-goal {len(goals) + 1}", goal)

    def _unreachable(self, what: str, goal: SubGoal) -> str:
        """``"; warning: <what>: <why>"`` (also logged) when ``goal``'s TCP is outside the box."""
        note = unreachable_goal_note(None if goal.state is None else goal.state[:3], self.limits)
        if not note:
            return ""
        self.log("warning", f"{what}: {note}")
        return f"; warning: {what}: {note}"

    def clear_goals(self) -> str:
        """Forget every goal: nothing is planned or commanded until a new one (arm holds)."""
        with self._lock:
            count = 0 if self.goals is None else len(self.goals.goals)
            self.goals = None
            self.goal_version += 1
            self.planner.reset()
            self._drop_prepared("goals cleared")
            message = f"goals cleared ({count} removed)"
            self.log("info", message)
            refusal = Refusal(RefusalKind.NO_GOAL, self._goal_problem())
            if self.enabled:
                self._hold(refusal)
            else:  # shadow mode: the status says at once why nothing is planned
                self._refuse(refusal)
            return message

    def _captured_subgoal(self, service: str, source: str) -> SubGoal:
        """Return the newest frame as a sub-goal (with the state nearest to it); locked."""
        frame = self.inputs.frame
        problem = capture_refusal(service, self._camera_blocker(self.clock()),
                                  self.camera_topic())
        if problem:
            raise RuntimeError(problem)
        state = self.inputs.state_at(frame.stamp)
        near = state is not None and abs(state.stamp - frame.stamp) <= self.limits.max_state_age_s
        return SubGoal(frame.value.copy(), None, source=source,
                       state=np.array(state.value, dtype=np.float64) if near else None,
                       gripper_measured=near and self.gripper_measured())

    def set_enabled(self, enabled: bool) -> tuple[bool, str]:
        """Start (True) or stop (False) commanding the arm; returns (success, message)."""
        with self._lock:
            if self.closed:
                return (not enabled), "closed: the planner is shutting down"
            if not enabled:
                was = self.enabled
                self._stop_commanding("disabled")
                self._transition(Event.DISABLE)
                if self._refusal is not None and self._refusal.kind is RefusalKind.SAFETY:
                    self._refusal = None  # about a command; none is sent in shadow mode
                self._refusal_log.cleared(RefusalKind.SAFETY)
                return True, "disabled: shadow mode (planning, no commands)" if was else (
                    "already disabled")
            if self.enabled:
                return True, "already enabled"
            self._transition(Event.ENABLE)
            self.enable_epoch += 1
            self.last_planned_stamp = -float("inf")
            self.last_gripper = None
            self.log("info", "enabled: commands go to the arm")
            problems = blocking_text(self.blocking_problems(self.clock()))
            suffix = f" (not commanding yet: {problems})" if problems else ""
            return True, "enabled: commanding the arm" + suffix

    def close(self) -> None:
        """Stop commanding and planning for good; a running plan stops within one sample chunk."""
        with self._lock:
            self._stop_commanding("shutting down")
            self._transition(Event.CLOSE)

    def _stop_commanding(self, why: str) -> None:
        self._stop_camera_check(why)
        if self.enabled:
            self.enable_epoch += 1
        self.streamer.deactivate()
        self._stream_held = False
        self._drop_prepared(why)

    def _goal_problem(self) -> str:
        if self.goals is None:
            return ("no goal: call ~/capture_goal or ~/add_subgoal, publish on ~/goal_image or "
                    "set goal_image_path")
        if self.goals.finished:
            return f"no goal: {self.goals.describe()}"
        return ""

    # -- refusals -------------------------------------------------------------------------------
    def _refuse(self, refusal: Refusal) -> None:
        """Make ``refusal`` the current one; logged once per kind until it clears (refusal_log)."""
        if self._refusal_log.refused(refusal.kind):
            self.log("warning", f"not commanding: {refusal.detail}")
        self._refusal = refusal
        if refusal.kind is RefusalKind.STALE_INPUTS:
            self._note_slow_camera()

    def _clear_refusal(self) -> None:
        if self._refusal_log.all_clear() and self._refusal is not None:
            self.log("info", f"inputs and plan fine again (was: {self._refusal.detail})")
        self._refusal = None

    def _note_slow_camera(self) -> None:
        """Say once per episode of slowness that the camera is slower than its age limit.

        That is when the measured frame period (of accepted, sanely stamped frames only:
        ``InputBuffer.frame_period``) exceeds safety.max_image_age_s.
        """
        period, limit = self.inputs.frame_period(), self.limits.max_image_age_s
        slow = period is not None and period > limit
        if slow and not self._slow_camera_noted:
            self.log("warning", (
                f"camera frames on {self.camera_topic()} arrive every {period:.2f} s "
                f"({1.0 / period:.2g} Hz), longer than safety.max_image_age_s = {limit:g} s: the "
                "planner holds between frames; " + (self.camera_advice() or (
                    f"raise safety.max_image_age_s above {period:.2f} s or the camera's frame "
                    "rate"))))
            self._slow_camera_noted = True

    def _camera_rate_recovered(self) -> None:
        """Let the slow-camera note be given again once the measured period is fine again."""
        if not self._slow_camera_noted:
            return  # no note to re-arm: the period is measured only once one was given
        period = self.inputs.frame_period()
        if period is not None and period <= self.limits.max_image_age_s:
            self._slow_camera_noted = False

    def _hold(self, refusal: Refusal) -> None:
        self._stop_camera_check(f"held: {refusal.detail}")
        if self.enabled:
            self.streamer.hold()
            self._transition(Event.HOLD)
            self._drop_prepared(f"held: {refusal.detail}")
        self._refuse(refusal)

    def _drop_prepared(self, why: str) -> None:
        """async: forget the prepared plan; the report (diagnostics ``last_plan``) says why."""
        if self._prepared is not None:
            self._prepared = None
            self.last_report = PlanReport(reason=f"{why}: prepared plan dropped",
                                          predicted_start=True, outcome=PlanOutcome.DISCARDED)
            self.log("info", self.last_report.reason)

    # -- planning (worker thread) ---------------------------------------------------------------
    def _next_job(self, now: float) -> _Job | None:
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
        # hold the arm mid-motion on a frame whose nearest state is stale (as before the refactor)
        if self.enabled and self.control.mode != "continuous":
            if self._phase is Phase.MOVING or self._prepared is not None or \
                    frame.stamp < self.arrival_time + self.control.settle_s:
                return None
        state = self._state_near(frame)
        if state is None:
            return None
        if not self.enabled:
            self._clear_refusal()  # shadow mode: nothing to command, the inputs are fine again
        return _Job(frame, state, self.goals.current, self.goal_version, self.enable_epoch)

    def _inputs_usable(self, now: float) -> bool:
        """Return True when there is a goal and the inputs are fresh; otherwise hold."""
        goal_problem = self._goal_problem()
        if goal_problem:
            self._hold(Refusal(RefusalKind.NO_GOAL, goal_problem))
            return False
        refusal = self._input_refusal(now)
        if refusal is not None:
            self._hold_on_inputs(refusal)
            return False
        return True

    def _state_near(self, frame: Stamped) -> Stamped | None:
        """Return the state recorded nearest to ``frame``'s stamp, or hold and None if too far."""
        state = self.inputs.state_at(frame.stamp)
        if abs(state.stamp - frame.stamp) > self.limits.max_state_age_s:
            self._hold(Refusal(RefusalKind.STALE_INPUTS, (
                f"no robot state near the frame: nearest is {state.stamp - frame.stamp:+.2f}"
                " s from the frame's stamp")))
            return None
        return state

    def _preparation_job(self, now: float) -> _Job | None:
        """async: plan the next step from the predicted end of the one executing (once each)."""
        frame = self.inputs.frame
        if self._prepared is not None or self._prepared_for == self.commands_sent or \
                frame is None:
            return None
        state = self._state_near(frame) if self._inputs_usable(now) else None
        if state is None:
            return None
        self._prepared_for = self.commands_sent
        return _Job(frame, state, self.goals.current, self.goal_version, self.enable_epoch,
                    predicted_start=self.command_target.copy(), command_index=self.commands_sent)

    def plan_step(self, want_debug: bool = False) -> PlanReport | None:
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
            job = self._next_job(self.clock())
            if job is None:
                return None
            if job.predicted_start is None:
                self.last_planned_stamp = job.frame.stamp
            self.planning = True
            self._idle.clear()
            self._transition(Event.PLAN_STARTED)
        started = time.perf_counter()
        try:
            plan, debug_rgb = self._plan(job, want_debug,
                                         lambda: bool(self._void_reason(job.version, job.epoch)))
        except PlanCancelled as exc:  # its result was void anyway: no hold, nothing commanded
            with self._lock:
                reason = f"{self._void_reason(job.version, job.epoch) or 'stopped'}: {exc}"
                self.log("info", reason)
                return self._finish(PlanReport(reason=reason, outcome=PlanOutcome.CANCELLED),
                                    started, job)
        except Exception as exc:  # noqa: BLE001 - any planner failure means: hold, report
            with self._lock:
                reason = f"planner error: {type(exc).__name__}: {exc}"
                self._hold(Refusal(RefusalKind.PLANNER_ERROR, reason))
                return self._finish(PlanReport(reason=reason, outcome=PlanOutcome.REFUSED,
                                               refusal=RefusalKind.PLANNER_ERROR), started, job)
        with self._lock:
            if job.predicted_start is None:
                report = self._command(plan, job.frame.stamp, job.state.value, job.version,
                                       job.epoch)
            else:
                report = self._prepare(plan, job, time.perf_counter() - started)
            report.debug_rgb = debug_rgb
            return self._finish(report, started, job)

    def _finish(self, report: PlanReport, started: float, job: _Job | None = None) -> PlanReport:
        """End a plan_step (under the lock): idle again, latency set, report kept and returned.

        Completes the report's context (``job``: what the plan started from; None for a
        prepared plan, whose report already has it): mode, phase, goal and enable epoch.
        """
        self.planning = False
        self._idle.set()
        self._transition(Event.PLAN_ENDED)  # planning → idle; any other phase stays
        if not report.latency_s:
            report.latency_s = time.perf_counter() - started
        if job is not None:
            report.goal_version, report.enable_epoch = job.version, job.epoch
            if report.frame_stamp is None:
                report.frame_stamp = job.frame.stamp
                report.start = job.state.value if job.predicted_start is None else \
                    job.predicted_start
        if report.subgoal is None and self.goals is not None:  # refusals: where the goals stand
            report.subgoal = self.goals.progress()
        report.mode, report.phase, report.commands_sent = \
            self.control.mode, self._phase, self.commands_sent
        self.last_report = report
        for listener in self._listeners:
            listener(report)
        return report

    def _void_reason(self, version: int, epoch: int) -> str:
        """Why a plan begun at goal ``version``, enable ``epoch`` is void now ("" if it is not)."""
        if self.closed:
            return "shutting down"
        if version != self.goal_version:
            return "goal changed while planning"
        if epoch != self.enable_epoch:
            return "enabled while planning" if self.enabled else "disabled while planning"
        return ""

    def _plan(self, job: _Job, want_debug: bool, should_stop: Callable[[], bool]):
        """Encode, (async) imagine, plan: the GPU work, outside the lock (``plan_compute``)."""
        return compute_plan(self.model, self.planner, job.frame.value, job.state.value,
                            job.goal, want_debug, should_stop, job.predicted_start,
                            self.model_frame)

    def _prepare(self, plan, job: _Job, latency_s: float) -> PlanReport:
        """async: keep a plan made from the predicted start; command it if the arm is there."""
        report = self._report(plan, job.frame.stamp, job.predicted_start)
        report.predicted_start, report.latency_s = True, latency_s
        void = self._void_reason(job.version, job.epoch)
        if not void and job.command_index != self.commands_sent:
            void = "another command went out while planning"
        if void:
            report.reason, report.outcome = f"{void}: plan discarded", PlanOutcome.DISCARDED
            return report
        self._prepared = PreparedPlan(plan, job.predicted_start, job.frame.stamp,
                                      job.command_index, job.version, job.epoch, latency_s)
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
        mismatch = start_mismatch(measured.value, prepared.start)
        tolerance = self.control.async_tolerance_m
        if mismatch > tolerance and self._phase is Phase.IDLE:
            report = self._report(prepared.plan, prepared.frame_stamp, prepared.start)
            report.predicted_start, report.latency_s = True, prepared.latency_s
            report.reason = (f"async: arrived {mismatch * 1000:.1f} mm from the predicted start "
                             f"(tolerance {tolerance * 1000:.1f} mm): prepared plan discarded, "
                             "planning on a fresh frame")
            report.outcome = PlanOutcome.DISCARDED
            self.log("info", report.reason)
        else:
            report = self._command(prepared.plan, prepared.frame_stamp, prepared.start,
                                   prepared.version, prepared.epoch)
            report.predicted_start, report.latency_s = True, prepared.latency_s
        report.goal_version, report.enable_epoch = prepared.version, prepared.epoch
        return report

    def _blending(self) -> bool:
        """async: the running step is within the blend radius (``predicted_start.blend_ready``)."""
        if self._phase is not Phase.MOVING or self.control.mode != "async" or \
                not self.streamer.active:
            return False
        return blend_ready(self.streamer.setpoint, self.streamer.target,
                           self.inputs.latest_state().value, self.control.async_blend_m,
                           self.control.async_tolerance_m)

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
            frame_age_s=self.clock() - frame_stamp,
            frame_stamp=frame_stamp,
            start=np.array(start, dtype=np.float64),
            subgoal=None if self.goals is None else self.goals.progress(),
        )

    def _command(self, plan, frame_stamp: float, start: np.ndarray, version: int,
                 epoch: int) -> PlanReport:
        """Turn a plan made from ``start`` [7] into a safe command (when enabled); locked."""
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
        too_old = plan_age_problem(now - frame_stamp, self.limits)
        if too_old:  # a stalled process or a slow planner: the view it planned on is history
            report.reason, report.outcome = too_old, PlanOutcome.DISCARDED
            report.refusal = RefusalKind.STALE_PLAN
            self._refuse(Refusal(RefusalKind.STALE_PLAN, too_old))  # logged once, until a plan
            return report  # goes out; no hold: the next fresh frame is planned on
        inputs = self._input_refusal(now)  # gone stale or invalid while planning
        if inputs is not None:  # the same kind and words as the hold of the stream and the loop
            self._hold_on_inputs(inputs)
            report.reason, report.outcome, report.refusal = \
                inputs.detail, PlanOutcome.REFUSED, inputs.kind
            return report
        latest = self.inputs.latest_state()
        decision = filter_target(
            latest.value,
            report.target,
            self.limits,
            *self.inputs.ages(now),
            outside_box_advice=self.outside_box_advice,
        )
        if not decision.accepted:
            report.reason = decision.reason
            self._hold(Refusal(RefusalKind.SAFETY, decision.reason))
            report.outcome, report.refusal = PlanOutcome.REFUSED, RefusalKind.SAFETY
            return report
        self._clear_refusal()
        report.command, report.reason = decision.target, decision.reason
        report.outcome = PlanOutcome.COMMANDED
        if not self.streamer.active:
            self.streamer.reset(latest.value)
            self.last_stream_time = None
        self.streamer.set_target(decision.target, anchor=latest.value)
        self._stream_held = False
        self._transition(Event.COMMANDED)
        self.command_time = now
        self.command_target = np.array(decision.target, dtype=np.float64)
        self.commands_sent += 1
        switch = self.goals.count_step(report.energy)
        if switch is not None:
            report.subgoal = dataclasses.replace(report.subgoal, switch=switch)
            self.planner.reset()
            self.log("info", f"{switch.describe()}; next sub-goal: {self.goals.describe()}")
        gripper = float(decision.target[6])
        held = self.goal_switching.gripper == "hold"  # the hand is never commanded (goals.py)
        if not held and (self.last_gripper is None or abs(gripper - self.last_gripper) >
                         self.control.gripper_deadband):
            report.gripper_command = self.last_gripper = gripper
        return report

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no plan is being computed; return False on timeout."""
        return self._idle.wait(timeout)

    # -- streaming (timer) ----------------------------------------------------------------------
    def stream_step(self) -> StreamOutput | None:
        """Advance the set-point one tick; None when nothing may be published."""
        with self._lock:
            if not self.enabled or not self.streamer.active:
                return None
            now = self.clock()
            refusal = self._input_refusal(now)
            if refusal is not None:
                self.last_stream_time = now
                if self._stream_held:
                    return None
                self._stream_held = True
                self._hold_on_inputs(refusal)
                return StreamOutput(None, np.zeros(6), now, hold_started=True)
            if self._stream_held:
                self._stream_held = False
                self._transition(Event.RESUME)
                self.arrival_time = now  # held still: the next blocking plan needs a fresh frame
                self._clear_refusal()
            period = 1.0 / self.control.stream_rate_hz
            dt = period if self.last_stream_time is None else now - self.last_stream_time
            self.last_stream_time = now
            if self.camera_check is not None:
                self._advance_camera_check(now)
            setpoint = self.streamer.step(min(max(dt, 0.0), MAX_TICK_PERIODS * period))
            if not is_safe_setpoint(setpoint, self.limits):  # never expected: belt and braces
                self.streamer.deactivate()
                self._hold(Refusal(RefusalKind.INTERNAL_ERROR,
                                   f"internal error: unsafe set-point {setpoint.tolist()} "
                                   "suppressed"))
                return None
            if self.camera_check is None:
                self._check_arrival(now)
            return StreamOutput(setpoint, self.streamer.twist(), now)

    def _check_arrival(self, now: float) -> None:
        if self._phase is not Phase.MOVING:
            return
        if self._prepared is not None and not self._blend_woken and self._blending():
            self._blend_woken = True
            self._wake()  # async: the prepared plan can go out now, before the arm stops
        if self.control.mode == "continuous":
            if self.streamer.arrived():
                self._transition(Event.ARRIVED)
            return
        latest = self.inputs.latest_state().value
        close = np.linalg.norm(latest[:3] - self.streamer.target[:3])
        if not (self.streamer.arrived() and close <= self.control.arrival_tolerance_m):
            if now - self.command_time <= self.control.arrival_timeout_s:
                return
            self.log("warning", f"arm did not reach the target within "
                     f"{self.control.arrival_timeout_s} s ({close:.3f} m away): observing again")
        self._transition(Event.ARRIVED)
        self.arrival_time = now
        if self._prepared is not None:
            self._wake()  # async: the prepared plan can go out now

    # -- diagnostics ----------------------------------------------------------------------------
    def snapshot(self) -> SessionStatus:
        """Everything diagnostics shows, typed; ``status()`` is its text form."""
        with self._lock:
            now = self.clock()
            image_age, state_age = self.inputs.ages(now)
            refusal = self._status_refusal(now)
            goal_problem = self._goal_problem() if self.enabled else ""
            if refusal is None and goal_problem:
                refusal = Refusal(RefusalKind.NO_GOAL, goal_problem)
            return SessionStatus(
                phase=self._phase, enabled=self.enabled, mode=self.control.mode,
                goal=self.goals.describe() if self.goals else "", refusal=refusal,
                blocking=tuple(self.blocking_problems(now)),
                last_report=self.last_report, image_age_s=image_age, state_age_s=state_age,
                commands_sent=self.commands_sent, frames_received=self.inputs.frames_received,
                goal_switching=self.goal_switching,
                subgoal=None if self.goals is None else self.goals.progress(),
                subgoal_switches=tuple(self.goals.switches) if self.goals else (),
                camera_check="idle" if self.last_camera_check is None else
                self.last_camera_check.state(),
            )

    def _status_refusal(self, now: float) -> Refusal | None:
        """Return the refusal diagnostics show at ``now`` (caller holds the lock).

        The input checks (size, freshness, clock) of the latest inputs, not those of the last
        plan, while nothing else is refused: a blocking plan takes seconds, and a frame is held for
        its size as it arrives; the refusal the planning thread set is out of date meanwhile.
        """
        stored = self._refusal
        if self.inputs.frame is None or (stored is not None and stored is not self._input_held):
            return stored
        return self._input_refusal(now)

    def status(self) -> dict:
        """Return the node's diagnostics: level (0 ok, 1 warn, 2 error), message, text values.

        Formatted by ``vjepa_ros.nodes.planner_diagnostics`` (ROS-free) from :meth:`snapshot`.
        """
        from vjepa_ros.nodes.planner_diagnostics import diagnostic_status

        return diagnostic_status(self.snapshot())

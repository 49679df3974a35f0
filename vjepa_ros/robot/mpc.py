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
(``interfaces``), the settings (``control_config.ControlConfig``), what a plan starts from
(``plan_job.PlanJob``) and the predicted start of asynchronous control (``predicted_start``). Its
methods are grouped in mixins, one file a job: inputs as they come and their episodes of trouble
(``input_episodes``), whether they may be used now (``input_checks``), goals (``goal_session``), a
plan's way to a safe command (``command_session``) and its gripper command's
(``gripper_commands``), asynchronous preparation (``async_session``),
the set-point stream (``stream_session``) and the live camera check (``camera_check_session``), the
planning step run by the worker thread (``planning_session``), enable, disable, close and every
stop of the set-point (``enable_session``), refusals and holds (``refusal_session``); this file
holds the state and the snapshot. Diagnostics text is formatted in ``robot/diagnostics.py``;
:meth:`MPCSession.snapshot` returns typed values.

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

import threading
from collections.abc import Callable

import numpy as np

from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.planners import build_planner
from vjepa_ros.robot.arrival_lags import ArrivalLags
from vjepa_ros.robot.async_session import AsyncSession
from vjepa_ros.robot.camera_check_run import CameraCheckRun
from vjepa_ros.robot.camera_check_session import CameraCheckSession
from vjepa_ros.robot.capture_pictures import CapturePictures
from vjepa_ros.robot.clock_steps import SystemClockFalls, system_clock_offset
from vjepa_ros.robot.command_session import CommandSession
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.enable_session import EnableSession
from vjepa_ros.robot.frame_pairing import PendingFrame
from vjepa_ros.robot.frozen_camera import FrozenCamera
from vjepa_ros.robot.goal_session import GoalSession
from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig, planner_settings
from vjepa_ros.robot.goals import GoalSequence
from vjepa_ros.robot.gripper_commands import GripperCommands
from vjepa_ros.robot.input_checks import InputChecks
from vjepa_ros.robot.input_episodes import InputEpisodes
from vjepa_ros.robot.inputs import InputBuffer
from vjepa_ros.robot.interfaces import CommandFollowingPlanner, Planner, WorldModel
from vjepa_ros.robot.jump_watch import JumpWatch
from vjepa_ros.robot.model_frame import ModelFrame
from vjepa_ros.robot.phase import Event, Phase, next_phase, shown_phase
from vjepa_ros.robot.plan_report import PlanReport, SessionStatus, frame_age
from vjepa_ros.robot.planning_session import PlanningSession
from vjepa_ros.robot.predicted_start import PreparedPlan
from vjepa_ros.robot.refusal import Refusal, RefusalKind
from vjepa_ros.robot.refusal_log import RefusalLog
from vjepa_ros.robot.refusal_session import RefusalSession
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.stream_leads import StreamLeads
from vjepa_ros.robot.stream_session import StreamSession
from vjepa_ros.robot.targets import SetpointStreamer
from vjepa_ros.robot.trained_model import gripper_rule
from vjepa_ros.robot.workspace_box import OUTSIDE_BOX_ADVICE


class MPCSession(PlanningSession, InputEpisodes, InputChecks, GoalSession, CommandSession,
                 GripperCommands, AsyncSession, StreamSession, CameraCheckSession, EnableSession,
                 RefusalSession):
    """The state of one image-goal MPC run; see the module docstring.

    Args:
        model: the world model (encoder + ``.predictor``; ``interfaces.WorldModel``).
        cem: planner settings (used to build the default planner).
        limits, control: safety limits and control settings.
        clock: returns now [s] on the clock the inputs are stamped with.
        log: receives (level, message), level one of "info", "warning", "error".
        seed: planner noise seed (None or -1: random, as planner.seed).
        planner: the planner (``interfaces.Planner``); default ``build_planner(model, cem, seed)``
            (``cem.method``: cem, icem or mppi).
            Tests and benchmarks that need a slower, failing or recording planner pass one here.
            A model or planner without the interface's methods raises TypeError.
        wake: called (under the session lock, so it must be cheap) when a plan can go out without
            a new input: async control, the arm arrived where a prepared plan starts.
        goal_switching: how sub-goals switch and how many ``add_subgoal`` keeps (``goals.py``).
        camera_topic: the camera topic's resolved name, for refusals (the node's subscription).
        state_topic: the robot state topic's resolved name, for :meth:`blocking_problems`.
        state_what: what that topic brings, in words, for refusals ("joint states"; the node
            with ``robot.state_source: pose``: "robot poses").
        clock_note: why stamps may disagree with the clock ("" when nothing is known, e.g.
            "/clock has 2 publishers: /sim_node, /sim_node"), added to stale-input refusals;
            called on every input check, so it must be cheap (the node returns a cached line).
        gripper_topics: where finger joint states are looked for, for the warning given when a
            planned gripper command is withheld because the plan's start state came before any
            finger joint state (``observe_state(..., gripper_measured=False)``).
        camera_advice: what to do about a camera slower than ``safety.max_image_age_s`` when
            the node knows why ("" when not: raise the limit or the frame rate); called when
            the slow-camera note is given (the node returns a cached line,
            ``sim.pace.simulator_camera_advice``).
        outside_box_advice: what the hold of an arm outside the workspace box tells the user to
            do (``safety.filter_target``; default a real arm's, the simulator passes its own).
        wall_clock: a steady clock [s] (the node: ``time.monotonic``) the arrivals are timed by
            too: a frame or state that arrived ``input_checks.FROZEN_CLOCK_S`` ago by it, with
            ``clock`` standing still that long, is stale however fresh ``clock`` says it is
            (a stopped simulator's frozen /clock, user31); None: no such check (tests driving
            ``clock`` by hand).
        clock_offset: the node's system clock minus a monotonic clock [s] (default
            ``clock_steps.system_clock_offset``: time.time() - time.monotonic()), read as each
            camera frame or robot state arrives (its falls kept a few seconds:
            ``clock_steps.SystemClockFalls``): frames' stamps that go back with a recent fall
            are a wall clock stepped under the node (chrony/ntpd/PTP), stamps that go back alone
            a new world (a simulator restarted, a bag looped). Tests pass a hand-driven one to
            simulate a stepped system clock.
        stream_clock: a steady clock [s] the set-point's ticks are timed by where ``clock``
            stepped against it (``clock_steps.CLOCK_STEP_S``; stamps stay ``clock``'s), so a
            wall clock stepped under the node neither stalls the set-point a tick nor jumps it
            (breaker50d: 10 m/s² at a 0.15 s step back). The node: ``time.monotonic``, or the
            simulator's ``clock`` on sim time. None: ``clock`` itself (a simulator's, a test's
            that never steps it). Off sim time this is the node's ``wall_clock`` (one steady
            clock); on sim time the two part: the ticks follow the simulator, the arrivals'
            frozen-clock check still needs real time.
        on_sim_time: whether ``clock`` is simulated time (the node's ``use_sim_time``): off it,
            inputs that turn stale after arriving steadily late (``arrival_lags``), or from the
            simulator (``camera_advice``), get the simulated-time fix in their stale line.
        clock_published: whether /clock has a publisher (a simulator, a bag played with
            ``--clock``): off simulated time, steadily late inputs then get the simulated-time
            fix, else the clock-sync one (``arrival_lags.lag_note``); cheap (the node's cached
            graph answer).
        clock_players: (the bag players among /clock's publishers when it last had some,
            whether it has one now): a frozen clock then names the player, not a simulator
            (``input_checks.clock_players_cause``); cheap (the node's cached graph answer).
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
        state_what: str = "joint states",
        clock_note: Callable[[], str] = lambda: "",
        gripper_topics: Callable[[], str] = lambda: "joint_states",
        camera_advice: Callable[[], str] = lambda: "",
        outside_box_advice: str = OUTSIDE_BOX_ADVICE,
        wall_clock: Callable[[], float] | None = None,
        clock_offset: Callable[[], float] = system_clock_offset,
        stream_clock: Callable[[], float] | None = None,
        on_sim_time: Callable[[], bool] = lambda: False,
        clock_published: Callable[[], bool] = lambda: False,
        clock_players: Callable[[], tuple[list[str], bool]] = lambda: ([], False),
    ):
        if not isinstance(model, WorldModel):
            raise TypeError(f"{type(model).__name__} is not a world model: it needs encode(frames)"
                            " and an action-conditioned .predictor (step, new_cache)")
        self.model = model
        # a model trained without the gripper: goals.gripper planned held (robot/trained_model)
        goal_switching, gripper_note = gripper_rule(model, goal_switching)
        if gripper_note:
            log("warning", gripper_note)
        cem = planner_settings(cem, goal_switching)  # goals.gripper subgoal: gripper fixed at 0
        self._planner = planner if planner is not None else build_planner(model, cem, seed=seed)
        self.cem = cem
        if not isinstance(self._planner, Planner):
            raise TypeError(f"{type(self._planner).__name__} is not a planner: it needs plan() "
                            "and reset()")
        if isinstance(self._planner, CommandFollowingPlanner):
            self._planner.follow_commands()  # a plan not commanded does not shift its start
        self.limits, self.control = limits, control
        self.outside_box_advice = outside_box_advice
        self.model_frame = ModelFrame(control.model_frame_rpy_deg)  # the camera check's correction
        self.clock, self.log, self._wake = clock, log, wake
        self.wall_clock = wall_clock  # steady [s] of arrivals: a frozen clock's check
        # system minus monotonic clock [s]: a wall clock step
        self.clock_offset = clock_offset
        # steady [s] off sim time: the stream's ticks at a clock step (None: clock itself)
        self.stream_clock = clock if stream_clock is None else stream_clock
        self._clock_falls = SystemClockFalls()  # its recent falls, seen at any arrival
        self.arrived_at: list[float | None] = [None, None]  # wall_clock of the newest frame, state
        self._clock_mark: tuple[float, float] | None = None  # (clock, wall_clock when first read)
        self.streamer = SetpointStreamer(limits)
        # a frame up to max_image_age_s old must find its state (max_state_age_s from its stamp)
        self.inputs = InputBuffer(history_s=limits.max_image_age_s + limits.max_state_age_s + 0.5)
        self._jumps = JumpWatch()
        self._lock = threading.RLock()
        self._phase = Phase.SHADOW
        self.goals: GoalSequence | None = None
        self.captures = CapturePictures()  # the captures' pictures: a frozen camera refused
        self.frozen_camera = FrozenCamera()  # the loop's: a picture still under a moving arm
        # the newest frame until a state of its moment came (both above pair it so)
        self.pending_frame = PendingFrame(limits.max_state_age_s)
        self.goal_switching = goal_switching or GoalSwitchConfig()
        self.camera_topic, self.state_topic = camera_topic, state_topic
        self.state_what = state_what
        self.clock_note = clock_note
        self.on_sim_time, self.clock_published = on_sim_time, clock_published
        self.clock_players = clock_players
        # each input's recent lags behind the clock at arrival, and its stale note per episode
        self._lags = ArrivalLags()
        self._leads = StreamLeads()  # each input's clock ahead of the node's (Stamped.taken)
        self.camera_advice = camera_advice
        self.gripper_topics = gripper_topics  # where finger joint states are looked for
        self._gripper_guess_noted = False  # the unmeasured-gripper warning was logged
        self.goal_version = 0
        self.enable_epoch = 0  # bumped by every enable/disable: a plan made before is void
        # bumped by every enable and every stop of the stream (disable, shutdown, a new world,
        # an arm outside the box: _stop_motion's deactivate), not by the voids of plans that
        # bump enable_epoch while the stream goes on: a stream tick's output is published only
        # in the commanding epoch it was computed in (StreamOutput.commanding_epoch)
        self.commanding_epoch = 0
        # (epoch, what bumped it) of the newest bump not made by ~/enable; None: none yet
        self._voided_by: tuple[int, str] | None = None
        self.command_time = self.arrival_time = -float("inf")
        # bumped by every stop of the set-point (_stop_motion): a preparation begun before it
        # predicted the end of a motion that no longer ends there (void, async_session)
        self.stop_epoch = 0
        self.command_target: np.ndarray | None = None  # [7] the safe target being executed
        self.command_moved_hand = False  # that command sent a gripper command (async_session)
        self.hand_epoch = 0  # bumped when the closedness starts coming from another hand
        self.recorded_inputs = ""  # bag players publish inputs, in words (set_recorded_inputs)
        self._recorded_said = ""  # that problem, once logged as "not commanding" (while enabled)
        # (frames, states) received when the bag player stopped (None: that input was not the
        # player's): the newest are the recording's until these counts grow
        self._recorded_counts: tuple[int | None, int | None] | None = None
        self._recorded_kinds: frozenset[str] = frozenset()  # what the players published
        self.hand: str | None = None  # the hand measured (FingerWatch.hand), the last one known
        self.last_planned_stamp = -float("inf")
        self.last_stream_time: float | None = None
        self._stream_held = False  # the stream entered a hold on bad inputs (one zero twist)
        self._refusal: Refusal | None = None
        self._input_held: Refusal | None = None  # the refusal when it came from the input checks
        self._refusal_log = RefusalLog(clock)  # which refusals were logged, until they clear
        self._slow_camera_noted = False  # the camera-rate note was given (until the rate is fine)
        self.last_gripper: float | None = None
        # the last gripper command before the latest ~/enable (None: none, or a new world since)
        self._gripper_before_enable: float | None = None
        # called with each gripper command under the session lock, as it is commanded (the
        # planner node's gripper_command and GripperCommand goal): a service answered after the
        # plan step can no longer void it halfway (breaker44s); None: read
        # PlanReport.gripper_command after plan_step (the simulator loops). A resend of the same
        # command to a hand it never reached is called with resend=True (the node's topic
        # carries each command once: GripperCommands._send_gripper_command)
        self.gripper_output: Callable[..., object] | None = None
        self._gripper_error: Exception | None = None  # gripper_output raised in this step
        self.last_report = PlanReport()
        self.commands_sent = 0
        self.planning = False
        # (when its frame was taken: Stamped.taken, start) [s, session clock] of the goal plan
        # the worker runs (/diagnostics running_plan_frame_age_s counts from it); None: none
        self.running_plan: tuple[float, float] | None = None
        # time.monotonic() as that plan began: its wall age (sim time can stand still)
        self.running_plan_began: float | None = None
        self._prepared: PreparedPlan | None = None  # async: the next step, ready for arrival
        self._prepared_for = None  # async: (commands_sent, goal_version) last prepared for
        self._blend_woken = False  # async: the worker was woken for the prepared plan's blend
        self._listeners: list[Callable[[PlanReport], None]] = []
        self._listeners_failing: set[int] = set()  # ids of listeners whose last call raised
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
        """The phase shown: ``planning`` (not ``idle``) exactly while the worker plans.

        ``phase.shown_phase`` of the transition table's phase and :attr:`planning`, the one
        source of truth for a running plan (a plan begun while moving runs on after the arrival).
        """
        return shown_phase(self._phase, self.planning)

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
    def _asks_goal(self) -> bool:
        """Whether a missing goal holds anything back: enabled, no live camera check running.

        Shadow mode commands nothing and the camera check commands its own moves, so neither
        shows a ``no_goal`` refusal (``snapshot``), whatever refusal came before.
        """
        return self.enabled and self.camera_check is None

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
        """Call ``listener(report)`` for every report the session makes, once each.

        Each plan_step's that returns one, and each async prepared plan dropped outside a plan
        step (a hold, a disable, a new goal...: ``discarded``, reported once).
        It runs under the session lock, on the thread that ended the plan (the planning
        worker's, or a stream tick's, an input's or a service's for a drop): keep it short, and
        do not call into the session from another thread while in it. The supported way to
        record plans (the node publishes ``~/plan_report`` from one). A listener that raises is
        logged (one warning until it works again) and never stops what the session was doing:
        a drop reported on the way to shadow mode must still reach it (breaker44k).
        """
        with self._lock:
            self._listeners.append(listener)

    # -- diagnostics ----------------------------------------------------------------------------
    def snapshot(self) -> SessionStatus:
        """Everything diagnostics shows, typed; ``status()`` is its text form."""
        with self._lock:
            now = self.clock()
            image_age, state_age = self.inputs.ages(now)
            refusal, running = self._status_refusal(now), self.running_plan
            goal_problem = self._goal_problem() if self._asks_goal else ""
            if refusal is None and goal_problem:
                refusal = Refusal(RefusalKind.NO_GOAL, goal_problem)
            return SessionStatus(
                phase=self.phase, enabled=self.enabled, mode=self.control.mode,
                goal=self.goals.describe() if self.goals else "", refusal=refusal,
                blocking=tuple(self.blocking_problems(now)),
                last_report=self.last_report, image_age_s=image_age, state_age_s=state_age,
                commands_sent=self.commands_sent, frames_received=self.inputs.frames_received,
                goal_switching=self.goal_switching,
                subgoal=None if self.goals is None else self.goals.progress(),
                subgoal_switches=tuple(self.goals.switches) if self.goals else (),
                camera_check="idle" if self.last_camera_check is None else
                self.last_camera_check.state(),
                camera_check_running=self.camera_check is not None,
                running_plan_s=None if running is None else now - running[1],
                running_frame_age_s=None if running is None else frame_age(now, running[0]),
                max_plan_age_s=self.limits.max_plan_age_s,
            )

    def status(self) -> dict:
        """Return the node's diagnostics: level (0 ok, 1 warn, 2 error), message, text values.

        Formatted by ``vjepa_ros.robot.diagnostics`` (ROS-free) from :meth:`snapshot`.
        """
        from vjepa_ros.robot.diagnostics import diagnostic_status

        return diagnostic_status(self.snapshot())

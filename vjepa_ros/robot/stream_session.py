"""The MPC session's set-point stream: one tick per timer call, holds, and arrival.

:class:`StreamSession` is a mixin of :class:`~vjepa_ros.robot.mpc.MPCSession` (its lock, inputs,
streamer and phase are the session's). Each tick advances the speed- and acceleration-limited
set-point (``targets.SetpointStreamer``) unless the inputs are stale or invalid: then one zero
twist goes out and nothing more until they pass again. It also decides when a command has
arrived (``_arm_arrived``: the set-point at the target and the measured TCP within
``control.arrival_tolerance_m``, turned within ``control.arrival_tolerance_rad``
(``arrival.arm_arrived``'s test), or ``control.arrival_timeout_s`` of streamed ticks after the
set-point came to rest; continuous's phase: when the stream reached it) and wakes the planning
worker for an asynchronous prepared plan.
"""

from __future__ import annotations

import math

import numpy as np

from vjepa_ros.robot.arrival import arrival_gaps, arrival_miss, within
from vjepa_ros.robot.clock_steps import read_stream_clocks, stream_clock_stepped
from vjepa_ros.robot.input_errors import problem_shape
from vjepa_ros.robot.phase import Event, Phase
from vjepa_ros.robot.plan_report import StreamOutput
from vjepa_ros.robot.refusal import Blocker, Refusal, RefusalKind
from vjepa_ros.robot.safety import is_safe_setpoint
from vjepa_ros.robot.targets import MAX_TICK_PERIODS, poses_apart

# A stream held on its robot states resumes once this many states came after the hold: the
# first state after a gap may be anywhere (the arm moved meanwhile), so one glitched pose there
# passes the jump check; the state after it confirms it (or, jumping back, is refused).
RESUME_STATES = 2
# the refusals of the input checks (``_input_refusal``): the ones a stream's resume ends
INPUT_KINDS = (RefusalKind.STALE_INPUTS, RefusalKind.INVALID_STATE)
# [m], [rad] a set-point farther from the measured pose when the stream resumes restarts there
RESUME_TOLERANCE_M = 0.01
RESUME_TOLERANCE_RAD = 0.05


class StreamSession:
    """The set-point stream methods of ``MPCSession`` (see the module docstring)."""

    # states_received when the stream was held on the robot states (None: held on the camera)
    _held_states: int | None = None
    # the arm's pose [7] when the inputs were last seen fine before the stream was held (the
    # state nearest the newest frame; None: no state yet): _restart_if_moved
    _held_pose: np.ndarray | None = None
    # the running command has arrived (the arm seen at its target, or the timeout): _arm_arrived
    _arm_arrival_seen: bool = False
    # [s] streamed time the set-point has been at rest since the running command went out
    # (the ticks' lengths as the set-point streamed them, each at most MAX_TICK_PERIODS
    # periods: a stalled node adds no arm time); 0 while it moves, inf with no command
    # running (a new world, none yet: its timeout long passed): _count_rest, _arm_arrived
    _setpoint_rest_s: float = math.inf
    # stream_clock at the last tick and its read's spread [s] (set with last_stream_time, the
    # node clock's): clock_steps.read_stream_clocks
    _last_paced: tuple[float, float] = (0.0, 0.0)

    def stream_step(self) -> StreamOutput | None:
        """Advance the set-point one tick; None when nothing may be published.

        The output carries the ``commanding_epoch`` it was computed in, read under the same lock
        as the set-point: whoever publishes it can tell whether an enable or a stop of the stream
        (disable, shutdown, new world) came since; a void of plans that keeps the stream going
        (a clock step back) is none (breaker46n, breaker46p).
        Each tick also logs the flapping inputs' lines due (``refusal_log.RefusalLog.notes``).
        """
        with self._lock:
            for level, line in self._refusal_log.notes():
                self.log(level, line)
            now, paced = read_stream_clocks(self.clock, self.stream_clock)
            if not self.enabled or not self.streamer.active:
                self._idle_inputs(now)
                return None
            refusal = self._input_refusal(now)
            if refusal is not None:
                self.last_stream_time, self._last_paced = now, paced
                # held on the robot states, at its start or later in the hold (the camera
                # first, then the states): resume on states that came after (RESUME_STATES)
                states_failed = self._states_failed(now)
                if self._stream_held:
                    if states_failed and self._held_states is None:
                        self._held_states = self.inputs.states_received
                    self._held_reason_moved(refusal)
                    self._check_held(now)
                    return None
                self._stream_held = True
                self._held_states = self.inputs.states_received if states_failed else None
                self._held_pose = self._last_seen_pose()
                self._hold_on_inputs(refusal)
                return StreamOutput(None, np.zeros(6), now, hold_started=True,
                                    commanding_epoch=self.commanding_epoch)
            if self._stream_held:
                if self._states_unconfirmed():
                    return None  # one state after the hold is no pose to restart at yet
                if not self._resume_stream(now):
                    return None
            period = 1.0 / self.control.stream_rate_hz
            dt = period if self.last_stream_time is None else self._tick_length(now, paced)
            self.last_stream_time, self._last_paced = now, paced
            if self.camera_check is not None:
                if self.camera_check.held_at is not None:
                    self.camera_check.resume()
                self._advance_camera_check(now)
            dt = min(max(dt, 0.0), MAX_TICK_PERIODS * period)
            setpoint = self.streamer.step(dt)
            self._count_rest(dt)
            self._hand_sent_s += dt  # the hand's wait (_hand_moving): inf stays inf
            if not is_safe_setpoint(setpoint, self.limits):  # never expected: belt and braces
                self._stop_motion("internal error: unsafe set-point", deactivate=True)
                self._hold(Refusal(RefusalKind.INTERNAL_ERROR,
                                   f"internal error: unsafe set-point {setpoint.tolist()} "
                                   "suppressed"))
                return None
            if self.camera_check is None:
                self._check_arrival(now)
            return StreamOutput(setpoint, self.streamer.twist(), now,
                                commanding_epoch=self.commanding_epoch)

    def _tick_length(self, now: float, paced: tuple[float, float]) -> float:
        """Return this tick's length [s] from the node clock ``now`` and the steady ``paced``.

        ``paced``: (steady time, its read's spread) [s]. The node clock's, unless it stepped
        against the steady clock (``clock_steps.stream_clock_stepped``, ``CLOCK_STEP_S``): a wall
        clock stepped 0.15 s back under the node was a tick of 0 s then a usual one, 10 m/s²
        (breaker50d); the steady clock's length then (stamps step with the clock anyway).
        """
        length, steady = now - self.last_stream_time, paced[0] - self._last_paced[0]
        stepped = stream_clock_stepped(length, steady, paced[1] + self._last_paced[1])
        return steady if stepped else length

    def _idle_inputs(self, now: float) -> None:
        """Judge the inputs at a tick that streams nothing, ``now`` [s] (locked).

        Each input's episodes follow its own check run every tick (``_judge_inputs``), enabled
        or not: a camera that flaps in shadow mode is summarised alike whether or not the state
        flaps beside it (breaker45w). In shadow mode (disabled) an input's refusal is also said
        as while enabled ("not commanding: camera image is stale ...", its end "inputs and plan
        fine again"), nothing commanded: both inputs alike, not only the one a plan step meets.
        An input not received yet is only judged (its topic is named by ``input_watch``), and
        so is any input while another refusal stands (no goal: said first, it stays the hold).
        Enabled with no stream (no plan yet, goals cleared) the plan step's holds say the lines.
        """
        stored = self._refusal
        if self.enabled or (stored is not None and stored is not self._input_held):
            self._judge_inputs("", Blocker(""), now)
            return
        refusal = self._input_refusal(now)
        if refusal is not None and not refusal.not_yet:
            if stored is None:
                self._hold_on_inputs(refusal)  # shadow mode: its line only, no stop, no phase
            else:
                self._held_reason_moved(refusal)  # as a held stream: said on another reason
        elif refusal is None and stored is not None:
            self._clear_refusal()

    def _states_unconfirmed(self) -> bool:
        """Whether a hold on the robot states has fewer than ``RESUME_STATES`` after it (locked).

        The first state after a gap may be a glitch that passes the jump check (the gap is long):
        no pose to restart the set-point at, nor to command from, until the next confirms it
        (breaker46s: a plan out on that one state restarted the set-point at a 5 cm glitch).
        """
        return self._held_states is not None and \
            self.inputs.states_received - self._held_states < RESUME_STATES

    def _resume_stream(self, now: float) -> bool:
        """End the stream's hold on its inputs at ``now`` [s] (locked); False: nothing streams.

        The stream's next tick after the inputs pass again does it, or a plan that goes out
        before that tick (``command_session._command``): skipping it there streamed the old
        set-point 4 cm from an arm pushed during a camera stall (breaker46l). Resets the
        arrival time (held still: the next blocking plan needs a fresh frame), says the inputs'
        end (:meth:`_inputs_resumed`) and restarts the set-point at an arm moved meanwhile
        (:meth:`_restart_if_moved`, False for an arm outside the box).
        """
        self._stream_held = False
        self._transition(Event.RESUME)
        self.arrival_time = now
        self._inputs_resumed()
        return self._restart_if_moved()

    def _inputs_resumed(self) -> None:
        """End the hold on the inputs as the stream resumes; say what still holds (locked).

        Fresh inputs clear only the inputs' refusal. A refusal the planning worker set since
        (a planner error on the first fresh frame), or a goal problem that stands ("no goal:
        all N sub-goals done", goals cleared, sub-goals of another hand) stays the refusal and
        the hold: the line is "inputs fine again (was: ...); still not commanding: ...", never
        "inputs and plan fine again" with nothing to do (breaker43j: the finished sequence's
        hold, said before the dropout, was not said again, so the log's last word was "fine").
        """
        stored, held = self._refusal, self._input_held
        standing = stored if stored is not None and stored is not held else None
        problem = "" if standing is not None else self._goal_problem()
        if problem:
            standing = Refusal(RefusalKind.NO_GOAL, problem)
        if standing is None:
            self._clear_refusal()
            return
        ended = [kind for kind in INPUT_KINDS if self._refusal_log.cleared(kind)]
        if ended:
            was = held if held is not None else stored
            self.log("info", f"inputs fine again (was: {was.detail}); still not commanding: "
                     f"{standing.detail}")
            self._refusal_log.refused(standing.kind, problem_shape(standing.detail))  # said
            self._refusal = standing
        else:
            self._refuse(standing)
        self._transition(Event.HOLD)  # held on it, as the planning worker's hold would be

    def _held_reason_moved(self, refusal: Refusal) -> None:
        """Refuse anew when the stream's hold now has another reason (locked).

        The state stale, then the camera, in one hold: the log names the camera too
        (``_note_input_hold``: the hold of ``refusal_log`` starts anew on the other input,
        breaker45j). The same reason with new values (an age grown) changes nothing.
        """
        held = self._input_held
        if held is not None and problem_shape(held.detail) != problem_shape(refusal.detail):
            self._note_input_hold(refusal)
            self._refuse(refusal)

    def _states_failed(self, now: float) -> bool:
        """Tell whether the robot states are unusable or stale at ``now`` [s] (locked)."""
        state_age = self._input_ages(now)[1]
        return bool(self.inputs.state_problem) or state_age is None or \
            state_age > self.limits.max_state_age_s

    def _last_seen_pose(self) -> np.ndarray | None:
        """Return the arm's pose [7] when the newest frame was taken (locked); None: no state.

        The last moment the camera saw the arm: the state nearest ``Stamped.state_time``, that
        frame's time on the states' clock, never after its arrival (a camera stamping 0.4 s
        ahead, within ``safety.max_image_age_s``, put it after a push: breaker46g). A hold starts
        ``safety.max_image_age_s`` after a camera stalls, and an arm pushed meanwhile moved
        before the hold (breaker43h).
        """
        frame = self.inputs.frame
        if frame is None:
            state = self.inputs.latest_state()
        else:
            state = self.inputs.state_at(frame.state_time)
        return None if state is None else np.array(state.value, dtype=np.float64)

    def _restart_if_moved(self) -> bool:
        """Restart the set-point at the measured pose if the arm moved off it (locked).

        Called as the stream resumes after a hold on its inputs: states that stopped or turned
        NaN (a driver restarted, its controller now at the arm's pose) may come back from an arm
        moved meanwhile; the set-point of before would pull it back in one tick (breaker32r:
        25 cm; breaker32x: 9 cm or 0.3 rad, within the step limits). The hold stopped the
        motion (target := set-point), so nothing is lost: when the set-point is farther than
        ``RESUME_TOLERANCE_M`` / ``_RAD`` from the arm it restarts there, at rest, until the
        next plan, and a prepared plan (from where the arm was to arrive) is dropped. After a
        hold on the camera alone (the states kept coming: no driver restarted, its controller
        ran on), only if the arm also moved that far since the camera last saw it
        (:meth:`_last_seen_pose`): an arm that did not move keeps the set-point it rests off (a
        compliant arm sagging 15 mm under its set-point was lowered 15 mm at every camera
        dropout: breaker46a). A hold on the states (also one the states joined) restarts on the
        distance alone: a restarted driver's controller holds the arm where it is, so a
        set-point off it is a step, however it got there (breaker46g: pushed 4 cm before). An
        arm outside the workspace box (beyond its tolerance) gets no set-point at all until a
        plan commands from inside (breaker32x: the pose clamped into the box was 15 cm from the
        arm): returns False.
        """
        latest = self.inputs.latest_state()
        if latest is None:
            return True
        outside = self._outside_box()
        if outside:
            self._stop_motion("the arm is outside the workspace box", deactivate=True)
            self.log("warning", f"the stream resumes with no set-point: {outside}")
            return False
        if self._held_states is None and self._held_pose is not None:
            moved, turned = poses_apart(latest.value, self._held_pose)
            if moved <= RESUME_TOLERANCE_M and turned <= RESUME_TOLERANCE_RAD:
                return True  # where it was when the hold began: the set-point streams on
        gap = self.streamer.restart_if_away(latest.value, RESUME_TOLERANCE_M,
                                            RESUME_TOLERANCE_RAD)
        if gap is not None:
            self._drop_prepared("the arm moved during the hold")
            self.log("warning", f"the arm is {gap:.3f} m from the set-point after the hold on "
                     "its inputs (moved meanwhile): the set-point restarts at the measured pose "
                     "and holds there until the next plan")
        return True

    def _count_rest(self, dt: float) -> None:
        """Count the tick of ``dt`` [s] just streamed into ``_setpoint_rest_s`` (locked).

        A set-point still moving (linear or angular velocity) restarts it at 0; at rest (on the
        target, or stopped short of it on a face: then the timeout says so) the tick adds its
        length. The time the set-point travels (a 10 cm step at ``safety.max_speed_m_s`` 0.005
        takes 20 s) is not the arm's to arrive in (breaker57d).
        """
        if math.isinf(self._setpoint_rest_s):
            return  # no command runs
        self._setpoint_rest_s = 0.0 if self.streamer.moving() else self._setpoint_rest_s + dt

    def _check_arrival(self, now: float) -> None:
        if self._phase is not Phase.MOVING:
            return
        if self._prepared is not None and not self._blend_woken and self._blending():
            self._blend_woken = True
            self._wake()  # async: the prepared plan can go out now, before the arm stops
        if self.control.mode == "continuous":
            # the next plan goes out on the next frame anyway; the switch the command made stays
            # pending until a command replaces it, or a gripper wait sees the arm arrive
            # (command_session._gripper_waits, _arm_arrived)
            if self.streamer.arrived():
                self._transition(Event.ARRIVED)
            return
        if not self._arm_arrived():
            return
        self._transition(Event.ARRIVED)
        self.arrival_time = now
        if self.goals is not None:
            self.goals.keep_switch()  # arrived: the sub-goal it ended stays ended
        if self._prepared is not None:
            self._wake()  # async: the prepared plan can go out now

    def _arm_arrived(self) -> bool:
        """Tell whether the running command has arrived (locked): the one notion of "arrived".

        Its set-point at rest on the target and the MEASURED TCP within
        ``control.arrival_tolerance_m`` of it and turned from it by at most
        ``control.arrival_tolerance_rad`` (``arrival.arm_arrived``, the test the demo
        and the camera check use too; a wrist lagging 0.15 rad behind a 0.3 rad turn "arrived"
        on its position alone, and the next sub-goal's close went out there: breaker55c); or
        ``control.arrival_timeout_s`` of streamed ticks after its set-point came to rest
        (``_setpoint_rest_s``; then a warning: the arm did not get there). The timeout bounds
        the ARM's wait, not the set-point's travel nor a stalled node: counted from the
        command, a 10 cm step at ``safety.max_speed_m_s`` 0.005 (20 s) or a 12 s stall of the
        process "arrived" mid-way, and the next sub-goal's release went out 2.6-5.9 cm short
        of the place (breaker57d). Blocking and async wait on
        it for the next plan (async: for a prepared plan that is not blended in, such as one
        that changes the hand for the next sub-goal); continuous control's gripper change for
        the next sub-goal waits on it (``command_session._gripper_waits``). A set-point at its
        target is not enough: a compliant arm trails it (breaker43o: a softened impedance
        controller 16 mm above the place, descending, when its set-point stopped). A hold or
        disable asks it too: one before this arrival cut the command and reopens the sub-goal it
        ended (``MPCSession._stop_motion``, breaker43p). Once arrived, a command stays arrived
        until the next one (a compliant arm sagging out of the tolerance after it got there did
        not un-arrive: breaker46a, a false timeout warning and a finished run's hold delayed to
        the timeout); so the timeout's warning is said once per command, however many ask.
        """
        if not self.streamer.active or self._arm_arrival_seen:
            return True  # stopped for good (disabled, outside the box): nothing runs
        latest = self.inputs.latest_state()
        tolerance = self.control.arrival_tolerance_m
        close, turn = arrival_gaps(None if latest is None else latest.value,
                                   self.streamer.target, tolerance)
        # the arm's gaps first: ~2 µs beyond the tolerance, ~9 µs within it; the set-point's
        # arrived() costs ~60 µs at rest (scipy), every tick while a compliant arm trails it
        if within(close, turn, tolerance, self.control.arrival_tolerance_rad) and \
                self.streamer.arrived():
            self._arm_arrival_seen = True
            return True
        if self._setpoint_rest_s <= self.control.arrival_timeout_s:
            return False
        self._arm_arrival_seen = True
        self.log("warning", f"arm did not reach the target within "
                 f"{self.control.arrival_timeout_s} s of its set-point's arrival ("
                 f"{arrival_miss(close, turn, tolerance, self.control.arrival_tolerance_rad)}"
                 "): observing again")
        return True

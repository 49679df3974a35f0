"""The MPC session's inputs: camera frames and robot states as they come, and their episodes.

:class:`InputEpisodes` is a mixin of :class:`~vjepa_ros.robot.mpc.MPCSession` (its lock, clock,
log, limits and refusal log are the session's). It feeds the session's ``inputs.InputBuffer`` and
keeps what follows from an unusable input: a robot state that is invalid or a camera frame of an
unusable size starts an episode of trouble (``inputs.Trouble``) that holds the arm until the input
has been usable for ``inputs.RECOVERY_S``; an episode's start and end are logged once each, by
the one relapse rule of both inputs (:meth:`InputEpisodes._input_episode_ended`,
``refusal_log.RELAPSE_S``). It also notes once per slow stretch a camera slower than
``safety.max_image_age_s``. What makes the inputs unusable at a given time is
``input_checks.InputChecks``'s.
"""

from __future__ import annotations

import time

import numpy as np

from vjepa_ros.image_limits import image_size_problem
from vjepa_ros.robot.clock_steps import (
    CLOCK_STEP_HAND,
    CLOCK_STEP_MOVED_M,
    CLOCK_STEP_TURNED_RAD,
    SystemClockFalls,
    wall_clock_stepped,
)
from vjepa_ros.robot.input_ages import age_problem
from vjepa_ros.robot.input_errors import problem_shape
from vjepa_ros.robot.inputs import RECOVERY_S, Stamped
from vjepa_ros.robot.phase import Event
from vjepa_ros.robot.refusal import Blocker, Refusal, RefusalKind, worded
from vjepa_ros.robot.safety import outside_box_problem
from vjepa_ros.robot.targets import poses_apart


class InputEpisodes:
    """The input methods of ``MPCSession`` (see the module docstring)."""

    _camera_episode_said = False  # the current camera episode's start line was logged
    # the newest robot state of before the states' stamps last went back by more than
    # safety.max_image_age_s (the old clock's last pose), until a clock step of the frames uses it
    _state_before_step: Stamped | None = None
    # a frames' clock step waiting for the arm's first state on the new clock: (newest frame
    # stamp, the frame's stamp, how far the system clock went back with it, the old clock's last
    # state)
    _clock_step_pending: tuple[float, float, float | None, Stamped] | None = None
    # the newest frame's arrival: (clock_offset(), wall_clock() or None), for a clock step
    _frame_clock: tuple[float, float | None] | None = None
    # the session clock [s] when the newest frame came (None: none yet): stream_session's
    # _last_seen_pose takes the arm at the earlier of this and the frame's stamp
    frame_came_at: float | None = None
    _clock_falls: SystemClockFalls  # the system clock's recent falls (MPCSession.__init__)

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

    def observe_image(self, rgb: np.ndarray, stamp: float, refused: str = "") -> str:
        """Keep a camera frame ``rgb`` [H, W, 3] uint8 stamped ``stamp`` [s] as the newest.

        ``refused``: why the caller refuses this frame ("" when it does not: the node's
        two-publisher check), held on like a frame of an unusable size.

        A frame of a size no goal image may have (``image_limits.image_size_problem``: under 32
        px a side, sides more than 4:1) is kept but refused like a stale one: nothing is planned
        or captured until frames of a usable size have come for ``inputs.RECOVERY_S`` with no
        unusable one between (bad frames mixed with good ones are one episode). One warning as an
        episode starts, one line as it ends, by the rule of :meth:`_input_episode_ended`;
        returns this frame's problem ("" when usable).
        """
        size = image_size_problem(rgb.shape[1], rgb.shape[0])
        problem = refused or (f"the newest camera frame on {self.camera_topic()} {size}"
                              if size else "")
        with self._lock:
            now = self.clock()
            offset = self.clock_offset()
            if self.wall_clock is not None:
                self.arrived_at[0] = self.wall_clock()
                self._mark_clock(now, self.arrived_at[0])
            arrival = self.arrived_at[0] if self.wall_clock is not None else None
            self._clock_falls.observe(offset, time.monotonic() if arrival is None else arrival)
            if self.inputs.frame is not None and stamp < self.inputs.frame.stamp:
                self.last_planned_stamp = -float("inf")  # plan on the new pass (breaker28d)
                back = self.inputs.frame.stamp - stamp
                if back > self.limits.max_image_age_s:
                    self._time_went_back(self.inputs.frame.stamp, stamp,
                                         self._system_went_back(offset, arrival, back))
            self._frame_clock = (offset, arrival)
            self.frame_came_at = now
            started, ended = self.inputs.observe_image(rgb, stamp, problem, timed=not age_problem(
                "camera image", now - stamp, self.limits.max_image_age_s), now=now)
            self._camera_rate_recovered()
            if started:  # its end is said only if its start was (breaker30)
                self._refusal_log.about(problem_shape(problem), self.camera_topic(), problem)
                self._camera_episode_said = self._refusal_log.refused(
                    RefusalKind.STALE_INPUTS, problem_shape(problem))
                if self._camera_episode_said:
                    what = "usable frames" if refused else "frames of a usable size"
                    self.log("warning", f"camera frame refused, holding until {what} come "
                             f"for {RECOVERY_S:g} s: {problem}")
            elif ended:
                said, self._camera_episode_said = self._camera_episode_said, False
                self._input_episode_ended(RefusalKind.STALE_INPUTS, (
                    f"camera frames on {self.camera_topic()} usable again ({rgb.shape[1]}x"
                    f"{rgb.shape[0]} px for {RECOVERY_S:g} s; was: {ended})"), said)
        return problem

    def _system_went_back(self, offset: float, arrival: float | None,
                          back: float) -> float | None:
        """How far the node's system clock went back [s] with frames' stamps; locked.

        ``offset``: ``clock_steps.system_clock_offset`` now (the session's ``clock_offset``);
        ``arrival``: ``wall_clock`` now (None without one); ``back``: how far the stamps went
        back [s]. A recent fall of the offset that matches ``back`` (:class:`SystemClockFalls`:
        seen at any arrival of the last ``clock_steps.CLOCK_FALL_KEEP_S``, frames and states, so a
        frame in flight across the step, whose arrival saw the fall while its stamp was of before,
        does not split the two: breaker42m), consumed; else the fall since the newest frame
        arrived. Either less the steady time between the two frames' arrivals: what the stamps
        went back by if the wall clock under the node was stepped (0 or less: it was not).
        None before any frame.
        """
        if self._frame_clock is None:
            return None
        before, arrived = self._frame_clock
        elapsed = arrival - arrived if arrival is not None and arrived is not None else 0.0
        matched = self._clock_falls.match(
            back, elapsed, time.monotonic() if arrival is None else arrival)
        return before - offset - elapsed if matched is None else matched

    def _time_went_back(self, newest: float, stamp: float, system_back: float | None) -> None:
        """Judge a clock that went back from ``newest`` to ``stamp`` [s] (frames); locked.

        ``system_back``: :meth:`_system_went_back` across the step.

        Called for a step back of more than ``safety.max_image_age_s`` (a frame that much older
        than the newest is another time, not a driver's stamp jitter, which only resets
        ``last_planned_stamp``). What was timed on the old clock is forgotten either way. A
        new world (a simulator restarted, its ``/clock`` from 0 again: user31; a looping bag; a
        source stamping on another clock) when the node's own system clock did not go back
        with the stamps (:func:`wall_clock_stepped`: decided at once, whatever the arm and the
        picture: breaker42g, breaker42j), or when it did and the arm's first measured state on
        the new clock moved or turned from its last one on the old clock, or the hand changed
        (``CLOCK_STEP_*``); see :meth:`_clock_step_judged`. A wall clock stepped back
        (chrony/ntpd ``makestep``, PTP) under a continuing arm and hand is no new world
        (breaker42a). Robot states stamped on the old clock are dropped (nothing is planned
        from them); with no state on the new clock yet, the judgement waits for the first one.
        """
        self.last_planned_stamp = -float("inf")
        before, self._state_before_step = self._state_before_step, None
        latest = self.inputs.latest_state()
        if before is None and latest is not None and latest.stamp > stamp + \
                self.limits.max_image_age_s:  # the states are on the old clock still
            before = latest
            self.inputs.forget(frames=False, states=True)
            latest = None
        if before is None or not wall_clock_stepped(newest - stamp, system_back):
            self._clock_step_judged(newest, stamp, system_back, None, None)  # a new world
        elif latest is None:
            self._clock_step_pending = (newest, stamp, system_back, before)
        else:
            self._clock_step_judged(newest, stamp, system_back, before, latest)

    def _clock_step_judged(self, newest: float, stamp: float, system_back: float | None,
                           before: Stamped | None, after: Stamped | None) -> None:
        """Act on a clock step of the frames from ``newest`` to ``stamp`` [s]; locked.

        ``system_back``: how far the node's system clock went back with it
        (:meth:`_system_went_back`). ``before``/``after``: the arm's last state on the old clock
        and first on the new (None: unknown; a new world). The system clock stepped with the
        stamps (:func:`wall_clock_stepped`) and the same arm and hand: timing re-based on the new
        clock, a plan begun on the old clock void (it moves nothing), a camera check stopped;
        the goal sequence's progress, the gripper command, the warm start and the command
        streaming stay, with one warning. Else (the stamps alone went back, or the arm or the
        hand changed) a new world: forget what was timed on the old clock (blocking control
        waited for a frame stamped after the old run's arrival, so nothing was planned for as
        long as the old run had lasted, while the old world's set-point went on streaming and
        pulled the new arm to it). Enabled, the command of before is dropped (no set-point until
        the next plan, which starts from the measured pose); the rest is :meth:`_new_world`'s.
        """
        self._clock_step_pending = None
        back = newest - stamp
        stepped = wall_clock_stepped(back, system_back)
        if stepped and before is not None and after is not None:
            moved, turned = poses_apart(before.value, after.value)
            hand = abs(float(after.value[6]) - float(before.value[6]))
            back = max(back, before.stamp - after.stamp)
            if moved < CLOCK_STEP_MOVED_M and turned < CLOCK_STEP_TURNED_RAD and \
                    hand < CLOCK_STEP_HAND:
                self.arrival_time -= back  # -inf stays -inf
                self.command_time -= back
                why = f"the clock went back {back:.2f} s"
                self._stop_camera_check(why)  # its motions were timed on the old clock
                if self.enabled:
                    self.enable_epoch += 1  # a plan from a frame of the old clock: void
                    self._voided_by = (self.enable_epoch, why)
                    self._drop_prepared(why)
                self.log("warning", (
                    f"{why} (camera frames from {newest:.3f} s to {stamp:.3f} s, the node's "
                    f"system clock back {system_back:.2f} s with them: a wall clock stepped by "
                    f"chrony/ntpd/PTP); the arm and hand continue (moved {moved:.3f} m, turned "
                    f"{turned:.2f} rad, hand {hand:.2f}): goal progress kept, and the "
                    "gripper command and the set-point; robot states of the old clock dropped"))
                return
        self.arrival_time = self.command_time = -float("inf")
        self._arm_arrival_seen = False
        goals = self._new_world("the clock went back")
        if goals:
            if not stepped:
                seen = "the stamps went back, the node's system clock did not"
            elif before is None or after is None:  # nothing to compare: as before session 42
                seen = "no robot state on both clocks to tell a continuing arm and hand"
            else:
                seen = "the arm or hand changed"
            self.log("info", f"the clock went back (a new world: {seen}): {goals}")
        if self.enabled and self.streamer.active:
            # arrival times of the old clock are forgotten above: none is set on this one
            self._stop_motion("the clock went back", deactivate=True, settle=False)
            self._stream_held = False
            self._transition(Event.ARRIVED)  # moving: the command is over (elsewhere: no change)
            self.log("warning", f"camera frames' stamps went back from {newest:.3f} s to "
                     f"{stamp:.3f} s (a simulator restarted, a bag looped?): the command of "
                     "before is dropped; the next plan starts from the arm's measured pose")

    def _new_world(self, why: str) -> str:
        """Forget the old world's progress (``why``: what showed a new one); locked.

        The new world's scene is at its start: the planner's warm start and the last gripper
        command (whose deadband would keep the new hand's first command back) are forgotten, a
        sub-goal sequence starts again at its first sub-goal (its step counts were the old
        world's), a camera check stops; enabled, a plan begun in the old world is void when it
        ends. Returns "the goal sequence starts again at ..." when a sequence had progress to
        forget, else "".
        """
        self._stop_camera_check(why)  # its motions were timed in the old world
        self.last_gripper = None
        self.planner.reset()
        restarted = self.goals is not None and self.goals.restart()
        if self.enabled:
            self.enable_epoch += 1  # a plan of the old world: void when it ends
            self._voided_by = (self.enable_epoch, why)
            self._drop_prepared(why)
        return f"the goal sequence starts again at {self.goals.describe()}" if restarted else ""

    def _arm_teleported(self, landing, pose: np.ndarray) -> None:
        """Start afresh after jumps put the arm elsewhere (``jump_watch.Landing``); locked.

        A hold on a jumping pose (``jump_watch.JumpWatch``) ended, and its jumps, not undone by a
        way back, moved or turned the arm (``JumpWatch.landed``): the arm was put there at
        once (a simulator's ``~/reset`` at the same stamp, a bag looping, a driver re-homing), a
        new world as for a clock that went back (:meth:`_new_world`). Enabled, the set-point
        restarts at the measured pose ``pose`` [7] (clamped into the workspace box), at rest
        (the stream's resume finds it there); an arm outside the box (beyond
        ``safety.workspace_tolerance_m``) gets none: the stream resumes without one until a
        plan commands from inside. One line says which.
        """
        goals = self._new_world("the arm's measured pose jumped")
        outside = outside_box_problem(pose, self.limits) if self.enabled else ""
        restart = self.enabled and not outside and \
            self.streamer.restart_if_away(pose, 0.0, 0.0) is not None
        if outside and self.streamer.active:
            streamed = ", no set-point while the arm is outside the workspace box (the stream " \
                "resumes without one until a plan commands from inside)"
        elif restart:
            clamped = not np.array_equal(self.streamer.setpoint[:3], pose[:3])
            streamed = ", the set-point restarts at the measured pose" + (
                " clamped into the workspace box" if clamped else "")
        else:
            streamed = ""
        self.log("warning" if self.enabled else "info", (
            f"robot state on {self.state_topic()} settled {landing.moved_m:.3f} m "
            + (f"and {landing.turned_rad:.2f} rad " if landing.turned_rad > 0.05 else "")
            + "from where it was before it jumped (the arm was moved at once: a simulator's "
            "~/reset, a bag that loops, a driver re-homing): a new world: the planner's warm "
            "start and last gripper command are forgotten"
            + (f", {goals}" if goals else "") + streamed))

    def observe_state(self, state, stamp: float, gripper_measured: bool = True) -> None:
        """Keep a robot state [7] stamped ``stamp`` [s]; an invalid one is refused (NaN ...).

        ``gripper_measured``: False when the closedness (index 6) is a placeholder because no
        finger joint state has arrived; no planned gripper command rests on such a state.

        An unusable state holds until valid ones have come for ``inputs.RECOVERY_S`` with none
        unusable between; the start ("not commanding") and end lines of an episode follow the
        rule of :meth:`_input_episode_ended`. A state whose TCP moved faster than an arm can
        since the last one (``jump_watch.JumpWatch``: over the stamps' interval; with
        ``wall_clock``, a repeated stamp of a stream that repeats stamps without jumping is
        timed by its arrival, at most twice the usual arrival gap) is unusable; a hold on such
        jumps that ends with the states where the latest one went, and there since, is a new
        world (:meth:`_arm_teleported`).
        """
        now = self.clock()
        if self.wall_clock is not None:
            self.arrived_at[1] = self.wall_clock()
            self._mark_clock(now, self.arrived_at[1])
        state = np.asarray(state, dtype=np.float64)
        arrival = None if self.wall_clock is None else self.arrived_at[1]  # coarse stamps
        # a wall clock step may show first at a state's arrival (a frame in flight: breaker42m)
        self._clock_falls.observe(self.clock_offset(),
                                  time.monotonic() if arrival is None else arrival)
        jump = self._jumps.problem(state, stamp, arrival) if state.shape == (7,) and \
            np.isfinite(state).all() else ""
        if jump:  # a TCP faster than an arm moves: a glitch (jump_watch.JumpWatch)
            self.reject_state(
                f"robot state on {self.state_topic()} {jump}: a glitch in its joint states or "
                "pose, or two sources of them interleaved (check its publishers; a simulator's "
                f"~/reset moves the arm so: expected then); holding until states agree for "
                f"{RECOVERY_S:g} s")
            return
        latest = self.inputs.latest_state()
        if latest is not None and latest.stamp - stamp > self.limits.max_image_age_s:
            self._state_before_step = latest  # the old clock's last pose (_time_went_back)
        cleared = self.inputs.observe_state(state, stamp, now=now,
                                            gripper_measured=gripper_measured)
        if self._clock_step_pending is not None and cleared is not None:
            with self._lock:
                pending = self._clock_step_pending
                after = self.inputs.latest_state()
                if pending is not None and after is not None:
                    self._clock_step_judged(*pending, after)
        if cleared == "":
            return  # the common case (1 kHz from a Franka): without the session's lock
        with self._lock:
            if cleared is None:
                self._hold_on_inputs(Refusal(RefusalKind.INVALID_STATE,
                                             self.inputs.state_problem))
            else:
                self._input_episode_ended(RefusalKind.INVALID_STATE, (
                    f"robot state valid again for {RECOVERY_S:g} s (was: {cleared})"))
                landing = self._jumps.landed()
                if landing is not None:  # settled where a jump went: a teleport
                    self._arm_teleported(landing, state)

    def _input_episode_ended(self, kind: RefusalKind, line: str, said: bool = True) -> None:
        """Log ``line`` (an episode of unusable input ``kind`` ended) if its start was logged.

        The one rule of both inputs (robot state, camera frame size; locked): the start of an
        episode is logged when ``refusal_log`` logs a refusal of its kind (not while that kind is
        already logged, nor back within ``refusal_log.RELAPSE_S`` of its last line), its end
        only after a logged start. ``said``: False when this episode's own start was not logged
        though its kind was (a camera episode beside a bag player's hold or a stale state, all
        stale inputs: breaker30, breaker30b): no line, and the logged refusal keeps its mark.
        The inputs are judged again first (``_judge_inputs``): the input's own episode in
        ``refusal_log`` ends by its judgement (fine now), not by its kind's end.
        """
        self._judge_inputs("", Blocker(""), self.clock())
        if not said:  # its start was not logged: another refusal's mark stays (breaker30b)
            self._refusal_log.release(kind)
        elif self._refusal_log.cleared(kind):
            self.log("info", line)

    def reject_state(self, reason: str) -> None:
        """Report an unusable robot state (NaN joints ...): hold until valid ones come.

        Valid states must come for ``inputs.RECOVERY_S`` with no unusable one between. An
        empty ``reason`` is a refusal too, in ``refusal.NO_REASON``'s words.
        """
        reason = worded(reason)
        with self._lock:
            self.inputs.reject_state(reason, self.clock())
            self._refusal_log.about(problem_shape(reason), self.state_topic(), reason)
            self._hold_on_inputs(Refusal(RefusalKind.INVALID_STATE, reason))

    def _hold_on_inputs(self, refusal: Refusal) -> None:
        """Hold on a refusal of the input checks (:meth:`_input_refusal`; locked).

        Marked as the input checks' own (``_input_held``): diagnostics show the checks' current
        value in its place, not the value it had when it tripped.
        """
        self._note_input_hold(refusal)
        self._hold(refusal)

    def _note_input_hold(self, refusal: Refusal) -> None:
        """Mark ``refusal`` the input checks' hold (locked); another reason is a new episode.

        A hold that moves to another input (the state stale, then the camera) is told to
        ``refusal_log`` (``RefusalLog.moved``), so the next refusal names the other input (a
        line about the hold: each input's episode follows its own judgement alone).
        """
        held, shape = self._input_held, problem_shape(refusal.detail)
        if held is not None and held.kind is refusal.kind and problem_shape(held.detail) != shape:
            self._refusal_log.moved(refusal.kind, shape)
        self._input_held = refusal

    def latest_state(self) -> Stamped | None:
        return self.inputs.latest_state()

    def state_at(self, stamp: float) -> Stamped | None:
        """Return the stored robot state nearest in time to ``stamp``."""
        return self.inputs.state_at(stamp)

    def ages(self, now: float) -> tuple[float | None, float | None]:
        return self.inputs.ages(now)

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

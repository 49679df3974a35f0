"""The MPC session's inputs: camera frames and robot states as they come, and their episodes.

:class:`InputEpisodes` is a mixin of :class:`~vjepa_ros.robot.mpc.MPCSession` (its lock, clock,
log, limits and refusal log are the session's). It feeds the session's ``inputs.InputBuffer`` and
keeps what follows from an unusable input: a robot state that is invalid or a camera frame of an
unusable size starts an episode of trouble (``inputs.Trouble``) that holds the arm until the input
has been usable for ``inputs.RECOVERY_S``; an episode's start and end are logged once each, by
the one relapse rule of both inputs (:meth:`InputEpisodes._input_episode_ended`,
``refusal_log.RELAPSE_S``). It also notes once per slow stretch a camera slower than
``safety.max_image_age_s``. What makes the inputs unusable at a given time is
``input_checks.InputChecks``'s; what a clock that went back or an arm put elsewhere at once
starts (a new world, or a stepped wall clock) is :class:`~vjepa_ros.robot.new_worlds.NewWorlds`'.
"""

from __future__ import annotations

import functools

import numpy as np

from vjepa_ros.image_limits import image_size_problem
from vjepa_ros.picture_repeats import picture
from vjepa_ros.robot.arrival_lags import rather_than_raising
from vjepa_ros.robot.capture_pictures import CAPTURE
from vjepa_ros.robot.clock_steps import age_across_fall
from vjepa_ros.robot.frame_pairing import state_between
from vjepa_ros.robot.input_ages import age_problem
from vjepa_ros.robot.input_errors import problem_shape
from vjepa_ros.robot.inputs import RECOVERY_S, Stamped
from vjepa_ros.robot.new_worlds import NewWorlds
from vjepa_ros.robot.refusal import Blocker, Refusal, RefusalKind, worded
from vjepa_ros.robot.stream_leads import frame_leads


class InputEpisodes(NewWorlds):
    """The input methods of ``MPCSession`` (see the module docstring)."""

    _camera_episode_said = False  # the current camera episode's start line was logged
    # the session clock [s] when the newest frame came (None: none yet); the earlier of it and
    # the frame's stamp, where the frame meets the arm, is the frame's ``Stamped.taken``
    frame_came_at: float | None = None

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
            offset = self._offset_now()
            if self.wall_clock is not None:
                self.arrived_at[0] = self.wall_clock()
                self._mark_clock(now, self.arrived_at[0])
            arrival = self.arrived_at[0] if self.wall_clock is not None else None
            steady = self._observe_offset(offset, now, arrival)
            if self.inputs.frame is not None and stamp < self.inputs.frame.stamp:
                # with the node clock gone back too: a new pass (a short looping bag under
                # use_sim_time), planned on (breaker28d); else a late frame, a driver's stamp
                # jitter: nothing changes, and no frame older than the last one planned on is
                # planned on (breaker51c); a step back beyond max_image_age_s is another time
                if self.frame_came_at is not None and now < self.frame_came_at:
                    self.last_planned_stamp = -float("inf")
                back = self.inputs.frame.stamp - stamp
                if back > self.limits.max_image_age_s:
                    self._time_went_back(self.inputs.frame.stamp, stamp,
                                         self._system_went_back(offset, arrival, back))
            self._frame_clock = (offset, arrival)
            self.frame_came_at = now
            self._lags.add(0, now - stamp)
            stamped = self._stamped_offset(offset, now - stamp, steady)
            age = age_across_fall(now - stamp, stamped - offset)  # on the stamp's clock
            self._leads.add(0, now, -age)  # the camera's clock against the node's and states'
            clock_lead, states_lead = frame_leads(self._leads.lead(0), self._leads.lead(1),
                                                  self.on_sim_time())
            started, ended = self.inputs.observe_image(
                rgb, stamp, problem, timed=not age_problem(
                    "camera image", age, self.limits.max_image_age_s), now=now,
                lead=max(-age, clock_lead), states_lead=states_lead)
            if self.inputs.frame is not None and self.inputs.frame.stamp == stamp:
                self._frame_stamped_offset = stamped
                self._frame_seen(self.inputs.frame)
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

    def _frame_seen(self, frame: Stamped) -> None:
        """Show the captures a frame as it came, once the arm's pose at it is known (locked).

        When: ``Stamped.state_time``, the frame's time on the states' clock; paired once a state
        stamped at or after it came (``frame_pairing.PendingFrame``: the state of its moment
        may come after the frame), by :meth:`_pair_frame`.
        """
        latest = self.inputs.latest_state()
        for ready in self.pending_frame.offer(frame, None if latest is None else latest.stamp,
                                              self.clock()):
            self._pair_frame(ready)

    def _pair_frame(self, frame: Stamped) -> None:
        """Show the captures and the frozen-camera hold a frame, with the arm's state at it.

        That state: ``frame_pairing.state_between``, interpolated between the states around it.
        Locked.

        ``capture_pictures.CapturePictures.seen``: a camera frozen while the arm was guided is
        refused at the first capture (breaker56a); ``frozen_camera.FrozenCamera.seen``: the
        planning loop holds on a picture that stands still while the arm moves (breaker61b); no
        state within ``max_state_age_s``: neither; while the states are held as unusable (a
        glitch), not the latter, which forgets its picture when they are usable again (the
        glitch's pose may be the one it kept). The frame's picture is sampled at most once,
        for both (``picture_repeats.picture``: ~13 ms a 640x480 frame), and only when one of
        them keeps or compares it (the hand 1 cm / 1 degree from what they kept).
        """
        state = state_between(*self.inputs.states_around(frame.state_time), frame.state_time,
                              self.limits.max_state_age_s)
        if state is None:
            return
        sample = functools.cache(lambda: picture(frame.value, CAPTURE))
        self.captures.seen(frame.value, frame.stamp, state.value, state.gripper_measured,
                           sample=sample)
        if not self.inputs.state_problem:  # a glitch's pose is not where the arm is
            self.frozen_camera.seen(frame.value, frame.stamp, state.value, sample=sample)

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
        world (:meth:`_arm_teleported`); so is a measured hand put elsewhere at once, away from
        its last command (:meth:`_hand_moved`).
        """
        now = self.clock()
        if self.wall_clock is not None:
            self.arrived_at[1] = self.wall_clock()
            self._mark_clock(now, self.arrived_at[1])
        self._lags.add(1, now - stamp)
        state = np.asarray(state, dtype=np.float64)
        arrival = None if self.wall_clock is None else self.arrived_at[1]  # coarse stamps
        # a wall clock step may show first at a state's arrival (a frame in flight: breaker42m)
        offset = self._offset_now()
        steady = self._observe_offset(offset, now, arrival)
        stamped = self._stamped_offset(offset, now - stamp, steady)  # once: 1 kHz (mend60c)
        valid = state.shape == (7,) and bool(np.isfinite(state).all())
        jump, behind = "", False
        if valid:  # the system clock's fall since the last state judged: a wall clock step
            previous, self._judged_offset = self._judged_offset, offset
            jump, behind = self._jumps.judge(state, stamp, arrival, 0.0 if previous is None
                                             else previous - offset)
        if valid and not jump:  # the states' clock against the node's (stream_leads)
            self._leads.add(1, now, -age_across_fall(now - stamp, stamped - offset))
        if jump:  # a TCP faster than an arm moves: a glitch (jump_watch.JumpWatch)
            self.reject_state(
                f"robot state on {self.state_topic()} {jump}: a glitch in its joint states or "
                "pose, or two sources of them interleaved (check its publishers; a simulator's "
                f"~/reset moves the arm so: expected then); holding until states agree for "
                f"{RECOVERY_S:g} s")
            return
        latest = self.inputs.latest_state()
        late = behind and self._same_time(latest, stamp, now)
        stepped = not late and latest is not None and \
            latest.stamp - stamp > self.limits.max_image_age_s
        if stepped:
            self._state_before_step = latest  # the old clock's last pose (_time_went_back)
        cleared = self.inputs.observe_state(state, stamp, now=now,
                                            gripper_measured=gripper_measured, late=late)
        latest = self.inputs.latest_state()
        if stepped:  # and the new clock's first: the two a continuing arm is judged by
            self._state_after_step = latest if latest is not None and latest.stamp == stamp \
                else None
        if latest is not None and latest.stamp == stamp:
            self._state_stamped_offset = stamped
        if self._clock_step_pending is not None and cleared is not None:
            with self._lock:
                pending = self._clock_step_pending
                after = self.inputs.latest_state()
                if pending is not None and after is not None:
                    self._clock_step_judged(*pending, after)
        if cleared is not None:
            self._hand_moved(state, gripper_measured)  # locks only for a hand put elsewhere
        if self.pending_frame.waiting():  # a frame waits for the state of its moment
            with self._lock:
                for ready in self.pending_frame.state_came(stamp, now):
                    self._pair_frame(ready)
        if cleared == "":
            return  # the common case (1 kHz from a Franka): without the session's lock
        with self._lock:
            if cleared is None:
                self._hold_on_inputs(Refusal(RefusalKind.INVALID_STATE,
                                             self.inputs.state_problem))
            else:
                self.frozen_camera.forget()  # its kept pose may be the glitch's (breaker61b)
                self._input_episode_ended(RefusalKind.INVALID_STATE, (
                    f"robot state valid again for {RECOVERY_S:g} s (was: {cleared})"))
                landing = self._jumps.landed()
                if landing is not None:  # settled where a jump went: a teleport
                    self._arm_teleported(landing, state)

    def _same_time(self, latest: Stamped | None, stamp: float, now: float) -> bool:
        """Tell whether a state judged at its stamp (``jump_watch.Verdict``'s behind) is now.

        Such a state (a late delivery, a relay, a clock step not yet confirmed) is put in its
        place by stamp, not made a new history (each relayed state wiped it: breaker53i) — unless
        it is another time: ``safety.max_image_age_s`` or more behind the newest ``latest`` (a
        step beyond a frame's, which ``_time_went_back`` then forgets the old clock's states
        for: none would be left), or the newest is ahead of the node clock ``now`` [s] by more
        than ``safety.max_state_age_s`` (the node clock went back with the stamps: a looping
        bag, whose newest kept would refuse every plan). Then it starts a new history (fix53z).
        """
        return latest is None or (latest.stamp - stamp <= self.limits.max_image_age_s
                                  and latest.stamp - now <= self.limits.max_state_age_s)

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
        """(newest frame's age, newest state's age) [s] at ``now``: ``_input_ages``."""
        return self._input_ages(now)

    def _note_slow_camera(self) -> None:
        """Say once per episode of slowness that the camera is slower than its age limit.

        That is when the measured frame period (of accepted, sanely stamped frames only:
        ``InputBuffer.frame_period``) exceeds safety.max_image_age_s.
        """
        period, limit = self.inputs.frame_period(), self.limits.max_image_age_s
        slow = period is not None and period > limit
        if slow and not self._slow_camera_noted:
            advice = rather_than_raising(self.camera_advice(), 0)
            self.log("warning", (
                f"camera frames on {self.camera_topic()} arrive every {period:.2f} s "
                f"({1.0 / period:.2g} Hz), longer than safety.max_image_age_s = {limit:g} s: the "
                "planner holds between frames; " + (advice or (
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

"""Whether the MPC session's inputs may be planned on and commanded from at a given time.

:class:`InputChecks` is a mixin of :class:`~vjepa_ros.robot.mpc.MPCSession` (its lock, inputs,
limits, topics and clock note are the session's): an unusable robot state or camera frame
(``input_episodes``), a frame or state older than ``safety``'s age limits or none yet. These
checks give the stale- and invalid-input refusals (:meth:`InputChecks._input_refusal`, one kind
and wording for the plan, the stream and the planning loop), every reason nothing would be
commanded (:meth:`InputChecks.blocking_problems`) and the refusal diagnostics show.
"""

from __future__ import annotations

from collections.abc import Callable

from vjepa_ros.robot.input_ages import OTHER_CLOCK_S, age_problem
from vjepa_ros.robot.input_errors import problem_shape
from vjepa_ros.robot.refusal import Blocker, Refusal, RefusalKind
from vjepa_ros.robot.workspace_box import outside_box_problem

# [s] wall time without a frame or state, the node clock standing still: a frozen clock
FROZEN_CLOCK_S = 5.0


class InputChecks:
    """The input checks of ``MPCSession`` (see the module docstring)."""

    def _camera_problem(self, now: float) -> str:
        """Why the newest camera frame may not be planned on or captured ("" when it may)."""
        return self._camera_blocker(now).detail

    def _camera_blocker(self, now: float) -> Blocker:
        """:meth:`_camera_problem` as a :class:`Blocker` (detail "" when the frame is usable).

        ``missing_topic``: the camera topic when no frame has come yet; the detail then does not
        name it (:meth:`blocking_problems` adds it). Frames that came from a bag player that
        stopped were dropped (:meth:`set_recorded_inputs`): then the detail says so and that a
        live frame is awaited (:meth:`_recorded_leftover`), not "no camera image received yet".
        """
        if self.inputs.image_problem:
            return Blocker(self.inputs.image_problem)
        age = self._input_ages(now)[0]
        return self._age_blocker("camera image", age, self.limits.max_image_age_s, now,
                                 self.camera_topic, self.inputs.frames_received, 0)

    def _frozen_blocker(self) -> Blocker:
        """Return why a fresh frame repeating the camera's last picture, the arm moved, holds.

        ``frozen_camera.FrozenCamera`` (breaker61b: planned on, the arm is driven blind); detail
        "" when the camera's pictures follow the arm. The captures judge a frozen camera by
        their own rule and words (``capture_pictures``), not by this; so does a live camera
        check while it runs (its motions whose frames did not change are skipped, all of them:
        it stops naming the camera, ``eval.camera_check_unchanged``), not held by this.
        """
        if self.camera_check is not None:
            return Blocker("")
        return Blocker(self.frozen_camera.problem(self.camera_topic()))

    def _live_camera_blocker(self, now: float) -> Blocker:
        """Return the camera's own reason not to plan: :meth:`_camera_blocker`, else frozen."""
        blocker = self._camera_blocker(now)
        return blocker if blocker.detail else self._frozen_blocker()

    def _input_refusal(self, now: float) -> Refusal | None:
        """Why the inputs refuse a plan or a command at ``now`` [s, session clock]; None if not.

        An unusable robot state (``INVALID_STATE``), else inputs from a bag player while
        enabled, a stale or missing camera frame or robot state (``STALE_INPUTS``): the first
        of :meth:`_first_input_blocker`.
        """
        source, blocker = self._first_input_blocker(now, frozen=True)
        self._judge_inputs(source, blocker, now)
        if not blocker.detail:
            return None
        topic = {"camera": self.camera_topic, "frozen": self.camera_topic,
                 "state": self.state_topic, "invalid_state": self.state_topic}.get(source)
        self._refusal_log.about(problem_shape(blocker.detail), topic() if topic else "",
                                blocker.detail)  # its flaps are counted per input
        if source == "invalid_state":
            return Refusal(RefusalKind.INVALID_STATE, blocker.detail)
        return Refusal(RefusalKind.STALE_INPUTS, blocker.detail, bool(blocker.missing_topic))

    def _judge_inputs(self, source: str, first: Blocker, now: float) -> None:
        """Tell ``refusal_log`` each input's own problem at ``now``, not only the first's.

        ``source``, ``first``: :meth:`_first_input_blocker`'s answer (not asked again; ``""``:
        both asked here). The log keeps an episode per input, begun and ended by this
        judgement alone: a dead state beside a flapping camera goes on while the hold names
        the camera, and is never said to recover (breaker45n); a state fresh while a bag
        player holds is not refused (breaker45s).
        """
        camera = first if source in ("camera", "frozen") else self._live_camera_blocker(now)
        state = first if source in ("state", "invalid_state") else self._state_blocker(now)
        self._refusal_log.judged(now, {self.camera_topic(): camera.detail,
                                       self.state_topic(): state.detail})

    def _first_input_blocker(self, now: float, frozen: bool = False) -> tuple[str, Blocker]:
        """Return the planning loop's first input reason not to plan at ``now`` [s], and whose.

        The one order of the loop (:meth:`_input_refusal`) and the goal captures
        (``goal_session._captured_subgoal``), so that both name the same input when several
        are bad: ``("invalid_state", ...)`` an unusable robot state, ``("recorded", ...)``
        inputs from a bag player while enabled, ``("camera", ...)`` the camera frame, ``("state",
        ...)`` the robot state's age; with ``frozen`` (the loop's), last, ``("frozen", ...)`` a
        fresh frame that repeats the picture the camera last changed to while the arm moved
        (:meth:`_frozen_blocker`: the captures judge that by their own rule, last too);
        ``("", Blocker(""))`` when the inputs are fine.
        """
        if self.inputs.state_problem:
            return "invalid_state", Blocker(self.inputs.state_problem)
        recorded = self._recorded_refusal()
        if recorded:
            return "recorded", Blocker(recorded)
        camera = self._camera_blocker(now)
        if camera.detail:
            return "camera", camera
        state = self._state_age_blocker(now)  # (its validity was asked first)
        if state.detail:
            return "state", state
        still = self._frozen_blocker() if frozen else Blocker("")
        return ("frozen" if still.detail else ""), still

    def set_recorded_inputs(self, problem: str,
                            kinds: frozenset[str] = frozenset({"camera", "state"})) -> None:
        """Note that bag players publish inputs (``recorded_inputs.recorded_inputs_problem``).

        While ``problem`` is set and commanding is enabled, the inputs are refused as stale
        (the plan, the set-point stream and the camera check hold); shadow mode plans on. When
        the players of an input kind stop (``kinds``, ``recorded_inputs.recorded_kinds``: what
        plays now), what they published is dropped: the camera frame and the robot states
        received meanwhile stay refused until newer ones come (a player that exits stops its
        ``/clock`` too, so its last frame and state stay "fresh" on the frozen clock:
        breaker28a); a finger-only player's closedness in the kept states stops counting as
        measured, and the live camera's frame is kept (breaker29b); a camera player that stops
        while a finger player plays on is forgotten then (breaker29d). Logged once when it
        begins (an info line in shadow mode; while enabled the hold's warning, "not commanding:
        ...", not said again by the refusal; at ``~/enable`` the reply and the hold's warning
        say it) and when it ends. Thread-safe.
        """
        with self._lock:
            if problem == self.recorded_inputs:
                return
            began, self.recorded_inputs = not self.recorded_inputs, problem
            current = kinds if problem else frozenset()
            stopped, self._recorded_kinds = self._recorded_kinds - current, current
            if began:
                self._recorded_counts = None
            forgot = self._forget_recorded(stopped)  # each kind when its own players stop
            if problem:
                if began:  # a plan begun on its first inputs, before it was seen: void
                    self.enable_epoch += 1
                    # the newest bump alone is kept (bounded): an older plan's void reason is
                    # then said in ~/enable's words, it is void all the same
                    self._voided_by = (self.enable_epoch, "inputs from a bag player")
                    self._drop_prepared("inputs from a bag player")
                if self.enabled:  # the hold's own line: the plan's refusal does not say it again
                    self._recorded_said = problem
                    self.log("warning", f"not commanding: {problem}")
                else:
                    self.log("info", problem)
                return
            self._recorded_said = ""
            leftover = self._recorded_leftover()
            if self.enabled and leftover:  # the status names why, not the player's line
                self._hold_on_inputs(Refusal(RefusalKind.STALE_INPUTS, leftover))
            self.log("info", "no bag player publishes the inputs any more" + (
                f": commanding waits for {' and '.join(forgot)} received since" if forgot
                else ""))

    def _forget_recorded(self, kinds: frozenset[str]) -> list[str]:
        """Drop what stopped players of ``kinds`` sent; return what commanding waits for.

        The camera frame and robot states ("camera", "state") are forgotten and counted
        (:meth:`_recorded_leftover`); a finger-only player's closedness in the kept states
        stops counting as measured. Locked.
        """
        frames, states = "camera" in kinds, "state" in kinds
        if frames or states:
            old = self._recorded_counts or (None, None)
            self._recorded_counts = (self.inputs.frames_received if frames else old[0],
                                     self.inputs.states_received if states else old[1])
            # no plan starts from them (state_at's tie: breaker28c)
            self.inputs.forget(frames=frames, states=states)
            if frames:  # the picture the camera last changed to was the player's
                self.frozen_camera.forget()
                self.pending_frame.forget()
            if states:
                self._jumps.forget()  # the live arm's next state is no jump from a recording's
        if "fingers" in kinds and not states:
            self.inputs.unmeasure_gripper()
        return [what for what, gone in (("a camera frame", frames), ("a robot state", states))
                if gone]

    def _recorded_refusal(self) -> str:
        """Why inputs from a bag player refuse commanding now ("": none, or shadow mode).

        While enabled only (shadow mode plans on a replay); the planning loop's test and the
        goal captures' (a recording's frame must not become the goal the arm is driven to).
        """
        return (self.recorded_inputs or self._recorded_leftover()) if self.enabled else ""

    def _recorded_leftover(self) -> str:
        """Why the newest frame or state is still a stopped bag player's ("" when neither is)."""
        if self._recorded_counts is None:
            return ""
        frames, states = self._recorded_counts
        old = [what for what, now, then in (
            (f"camera frame on {self.camera_topic()}", self.inputs.frames_received, frames),
            (f"robot state on {self.state_topic()}", self.inputs.states_received, states))
            if now == then]
        if not old:
            self._recorded_counts = None  # live inputs replaced the recording's
            return ""
        return (f"the newest {' and '.join(old)} came from a bag player that stopped: nothing "
                "is commanded from a recording; waiting for live ones")

    def _state_age_problem(self, now: float) -> str:
        """Why the newest robot state is too old or missing ("" when it is fine)."""
        return self._state_age_blocker(now).detail

    def _state_age_blocker(self, now: float) -> Blocker:
        """:meth:`_state_age_problem` as a :class:`Blocker`, as :meth:`_camera_blocker`."""
        age = self._input_ages(now)[1]
        return self._age_blocker("robot state", age, self.limits.max_state_age_s, now,
                                 self.state_topic, self.inputs.states_received, 1)

    def _state_blocker(self, now: float) -> Blocker:
        """Why the planning loop would not plan from the newest robot state at ``now``.

        Detail "" when it would. Exactly the loop's robot-state refusals
        (:meth:`_input_refusal`): an unusable state (``inputs.state_problem``: NaN, inf, a
        glitch; INVALID_STATE), else :meth:`_state_age_blocker` (none yet, stale, stamped in the
        future, a frozen clock, a stopped bag player's). The goal captures ask it
        (``capture_refusal``) as they ask :meth:`_camera_blocker`.
        """
        if self.inputs.state_problem:
            return Blocker(self.inputs.state_problem)
        return self._state_age_blocker(now)

    def _age_blocker(self, what: str, age: float | None, limit: float, now: float,
                     topic: Callable[[], str], received: int = 0,
                     arrival: int | None = None) -> Blocker:
        """``age_problem`` of ``what`` noted (:meth:`_noted`); ``topic()`` missing at age None.

        ``received``: how many of ``what`` came; some with none kept (age None) were a stopped
        bag player's, dropped: then :meth:`_recorded_leftover` says so, not "none received".
        ``arrival``: index of ``what`` in ``arrived_at`` (:meth:`_frozen_problem`).
        """
        leftover = self._recorded_leftover() if age is None and received else ""
        if leftover:
            return Blocker(leftover)
        problem = age_problem(what, age, limit, now)
        if age is None:
            return Blocker(problem, topic())
        if not problem and arrival is not None:
            problem = self._frozen_problem(what, age, now, topic(), self.arrived_at[arrival])
        return Blocker(self._noted(problem, age, arrival, limit))

    def _frozen_problem(self, what: str, age: float, now: float, topic: str,
                        arrived: float | None) -> str:
        """Why a ``what`` fresh by the session clock is stale by the wall clock ("" if not).

        A simulator killed or paused leaves its ``/clock`` standing: its last frame and state
        stay ``age`` [s] old by the node clock (``now`` [s], the caller's reading) for ever, and
        ``~/enable`` answered "commanding", ``~/capture_goal`` took the dead camera's frame
        (user31). ``arrived``: ``wall_clock``
        [s] when the newest came (None: not timed). Stale when nothing came for
        ``FROZEN_CLOCK_S`` of wall time and the session clock has stood still as long (read at
        every check; the node checks at 2 Hz for its diagnostics): a clock that runs, however
        slowly (a simulator below real time, a slow camera with a raised
        ``safety.max_image_age_s``: breaker31b), leaves it to the age limit.
        """
        if self.wall_clock is None or arrived is None:
            return ""
        wall = self.wall_clock()
        self._mark_clock(now, wall)  # the caller's clock reading: not read again per check
        silence = wall - arrived
        if min(silence, wall - self._clock_mark[1]) <= FROZEN_CLOCK_S:
            return ""
        cause = clock_players_cause(*self.clock_players())  # a bag player's /clock: named
        return (f"no {what} has arrived on {topic} for {silence:.0f} s (wall time), yet the node "
                f"clock makes the newest {age:.2f} s old: the clock stands still ("
                f"{cause or 'a simulator stopped or paused, its /clock frozen?'}); waiting for "
                "new ones")

    def _mark_clock(self, now: float, wall: float) -> None:
        """Note the session clock ``now`` read at ``wall_clock`` ``wall`` [s] (frozen-clock check).

        The mark keeps the wall time a clock value was first read at: it moves when the clock
        does. Read at every arrival and every check.
        """
        if self._clock_mark is None or self._clock_mark[0] != now:
            self._clock_mark = (now, wall)

    def _noted(self, problem: str, age: float | None, index: int | None = None,
               limit: float = 0.0) -> str:
        """``problem`` with the clock note (``clock_note``) after it, when there is one.

        ``age`` [s]: the input's age (None: none received yet, a problem no clock explains).
        ``index``: the input (0 frames, 1 states; None: no such note), ``limit`` [s] its age
        limit: without a clock note, the simulated-time or clock-sync note of the input's
        steady lag (``arrival_lags.ArrivalLags.note``), unless the input is stamped on another
        clock (more than ``OTHER_CLOCK_S`` off: ``input_ages.clock_sources`` names the clocks,
        not a slow simulator).
        """
        note = self.clock_note() if problem and age is not None else ""
        if index is not None:  # (stamps on another clock: the problem names the clocks)
            lagging = problem and age is not None and abs(age) <= OTHER_CLOCK_S
            note = note or self._lags.note(index, limit, bool(lagging), self.camera_advice,
                                           self.on_sim_time, self.clock_published)
        return f"{problem} ({note})" if note else problem

    def blocking_problems(self, now: float) -> list[Blocker]:
        """Every reason nothing would be commanded at ``now``, not only the first; [] if none.

        In order: a refusal of the plan or the safety filter, an unusable robot state, the
        newest measured pose outside the workspace box (every plan from it would be refused:
        said at ``~/enable`` and in shadow mode, which runs no safety filter), inputs
        from a bag player (``set_recorded_inputs``), the camera image, the robot state's age,
        the goal, a goal set by parameter still decoding (``GoalSession.goal_decoding_began``:
        shadow mode too). A missing input names its topic (``camera_topic``, ``state_topic``): "no
        camera image received yet on /camera/...", with that topic as the
        :class:`~vjepa_ros.robot.refusal.Blocker`'s ``missing_topic``.
        """
        with self._lock:
            stored = self._refusal
            found = [
                Blocker(stored.detail if stored is not None and stored is not self._input_held
                        and stored.kind is not RefusalKind.NO_GOAL else ""),
                Blocker(self.inputs.state_problem), Blocker(self._outside_box()),
                Blocker(self.recorded_inputs or self._recorded_leftover()),
                self._live_camera_blocker(now),
                self._state_age_blocker(now), Blocker(self._goal_problem()),
                Blocker(self._decoding_problem()),  # shadow mode too: it would hold
            ]
        blockers = (Blocker(f"{b.detail} on {b.missing_topic}", b.missing_topic)
                    if b.missing_topic else b for b in found if b.detail)
        return list({b.detail: b for b in blockers}.values())

    def _outside_box(self) -> str:
        """Why the newest measured pose lies outside the workspace box ("" when not; locked)."""
        latest = self.inputs.latest_state()
        if latest is None or self.inputs.state_problem:
            return ""
        return outside_box_problem(latest.value, self.limits, self.outside_box_advice)

    def _status_refusal(self, now: float) -> Refusal | None:
        """Return the refusal diagnostics show at ``now`` (caller holds the lock).

        The input checks (size, freshness, clock) of the latest inputs, not those of the last
        plan, while nothing else is refused: a blocking plan takes seconds, and a frame is held for
        its size as it arrives; the refusal the planning thread set is out of date meanwhile.
        A ``no_goal`` refusal only while a goal is asked for (``_asks_goal``): shadow mode after
        an enabled hold reads as before it, and a live camera check is no hold (breaker51f).
        The inputs' own refusal now (a silent camera with its current age) wins over a stored
        one of another kind (a ``stale_plan``, a ``safety`` refusal, ``no_goal``), which is
        shown only while the inputs are fine: it is no longer the cause while they refuse
        (breaker53j: ``stale_plan`` frozen while the camera stayed dead). A fault (``is_error``)
        stays shown whatever the inputs.
        """
        stored = self._refusal
        if stored is not None and stored.kind is RefusalKind.NO_GOAL and not self._asks_goal:
            stored = None
        if stored is not None and stored.is_error:
            return stored
        if self.inputs.frame is None and not self.enabled:  # starting up in shadow mode
            return stored
        # enabled without a frame (use_sim_time without /clock, a silent camera): diagnostics
        # said "commanding" with no refusal while nothing could be (user31)
        current = self._input_refusal(now)
        return current if current is not None or stored is self._input_held else stored


def clock_players_cause(players: list[str], publishing: bool) -> str:
    """Why ``/clock`` stands still when bag players gave it, in words ("" when none did).

    ``players``: the full names of the bag players among ``/clock``'s publishers when it last
    had some (``[]``: a simulator's, or no publisher seen); ``publishing``: whether it has one
    now. A player that exited ended its bag (``ros2 bag play`` and ``bag_player`` exit at the
    end unless looping); one still listed is paused (or waits between a loop's passes).
    """
    if not players:
        return ""
    names = ", ".join(players)
    if publishing:
        return (f"/clock comes from the bag player {names}, paused or waiting: the replay "
                "stands still, resume it")
    return (f"the bag player {names} that gave /clock has exited: its bag ended; play it "
            "again for more, or start the live camera and arm (and their clock)")

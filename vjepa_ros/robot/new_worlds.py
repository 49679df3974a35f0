"""A new world under the MPC session: a clock that went back, an arm put elsewhere at once.

:class:`NewWorlds` is a mixin of :class:`~vjepa_ros.robot.mpc.MPCSession` by way of
``input_episodes.InputEpisodes`` (which calls it as frames and states come; its lock, clock,
log, limits, planner and streamer are the session's). Camera frames whose stamps went back by
more than ``safety.max_image_age_s``: a wall clock stepped under a continuing arm and hand
(timing re-based, progress kept) or a new world (a simulator restarted, a bag looped: the old
world's progress forgotten), judged by the node's system clock and the arm's states on both
clocks (``clock_steps``). Jumps that put the arm elsewhere (``jump_watch.Landing``): a new
world too.
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.robot.clock_steps import (
    CLOCK_FALL_MIN_S,
    CLOCK_STEP_HAND,
    CLOCK_STEP_MOVED_M,
    CLOCK_STEP_TURNED_RAD,
    SystemClockFalls,
    age_across_fall,
    stamped_offset,
    wall_clock_stepped,
)
from vjepa_ros.robot.inputs import Stamped
from vjepa_ros.robot.phase import Event
from vjepa_ros.robot.targets import poses_apart
from vjepa_ros.robot.workspace_box import outside_box_problem


def hand_jumped(before: float, after: float) -> bool:
    """Whether the hand's closedness (0 open .. 1 closed) jumped from ``before`` to ``after``.

    By ``clock_steps.CLOCK_STEP_HAND`` (0.1) or more: the clock-step / jump threshold, for a
    wall clock step (:meth:`NewWorlds._clock_step_judged`) and a hand put elsewhere at once
    (:meth:`NewWorlds._hand_moved`). Not the only hand threshold: a commanded hand change
    counts beyond ``control.gripper_deadband`` and a pending one beyond
    ``control.hand_tolerance`` (max(deadband, 0.05)); at the defaults all three are 0.1, but a
    lab's smaller deadband makes those two smaller than this one.
    """
    return abs(after - before) >= CLOCK_STEP_HAND


class NewWorlds:
    """The clock-step and new-world methods of ``MPCSession`` (see the module docstring)."""

    # the newest robot state of before the states' stamps last went back by more than
    # safety.max_image_age_s (the old clock's last pose), until a clock step of the frames uses it
    _state_before_step: Stamped | None = None
    _state_after_step: Stamped | None = None  # the first state on the new clock, with it
    # a frames' clock step waiting for the arm's first state on the new clock: (newest frame
    # stamp, the frame's stamp, how far the system clock went back with it, the old clock's last
    # state)
    _clock_step_pending: tuple[float, float, float | None, Stamped] | None = None
    # the newest frame's arrival: (clock_offset(), wall_clock() or None), for a clock step
    _frame_clock: tuple[float, float | None] | None = None
    _clock_falls: SystemClockFalls  # the system clock's recent falls (MPCSession.__init__)
    _judged_offset: float | None = None  # that as the newest state the jump watch judged came
    # the system clock offsets the newest frame and the newest state were stamped under
    # (clock_steps.stamped_offset; None before one): their ages add the falls since (_input_ages)
    _frame_stamped_offset: float | None = None
    _state_stamped_offset: float | None = None
    _sim_offset: float | None = None  # the system clock offset held on sim time (_offset_now)
    _hand_seen: float | None = None  # the hand's latest measured closedness (_hand_moved)
    _hand_lapsed = False  # states with the hand unmeasured came since (_hand_moved)
    # the last gripper command and the hand's measured closedness as it came (None: none yet)
    _hand_command: tuple[float, float | None] | None = None

    def _input_ages(self, now: float) -> tuple[float | None, float | None]:
        """(newest frame's age, newest state's age) [s] at ``now``, each on its own clock.

        ``inputs.ages`` plus the node's system clock's falls between each input's stamp and now
        (``clock_steps.age_across_fall``: the offset it was stamped under, ``_*_stamped_offset``,
        less the offset now), so that an input stamped before a wall clock stepped back is as
        old as it is: one that arrived before the fall is not fresher by the fall (breaker55l:
        the arm moved on a dead camera's frame 0.82 s old), one in flight across it or "in the
        future" on the new clock is not refused (breaker55c, breaker55l). The checks of the
        stream's tick, the plan, the safety filter and the camera check all read it.
        """
        image, state = self.inputs.ages(now)
        frame_offset, state_offset = self._frame_stamped_offset, self._state_stamped_offset
        if image is None and state is None or frame_offset is None and state_offset is None:
            return image, state
        offset = self._offset_now()
        if image is not None and frame_offset is not None:
            image = age_across_fall(image, frame_offset - offset)
        if state is not None and state_offset is not None:
            state = age_across_fall(state, state_offset - offset)
        return image, state

    def _offset_now(self) -> float:
        """Return ``clock_offset()`` [s]; on simulated time, the one first read on it.

        On sim time (``on_sim_time``: a simulator's or ``ros2 bag play --clock``'s /clock) the
        stamps and the node clock are the simulation's: a step of the system clock (chrony
        ``makestep``, a VM's or WSL's resync) changes none of their times, so none is seen
        (breaker59i #4: a 1 s fall made a fresh frame 1.03 s old), as the set-point's ticks
        follow sim time there (the node's ``_stream_clock``).
        """
        if not self.on_sim_time():
            self._sim_offset = None
            return self.clock_offset()
        if self._sim_offset is None:
            self._sim_offset = self.clock_offset()
        return self._sim_offset

    def _clock_shift(self, frame: Stamped) -> float:
        """How far [s] the system clock fell between ``frame``'s stamp and the newest state's.

        0 but for the newest frame stamped before a fall the newest state was stamped after
        (the offsets they were stamped under differ by more than ``CLOCK_FALL_MIN_S``).
        """
        newest, state = self._frame_stamped_offset, self._state_stamped_offset
        if newest is None or state is None or self.inputs.frame is None or \
                self.inputs.frame.stamp != frame.stamp:
            return 0.0
        return age_across_fall(0.0, newest - state)

    def _observe_offset(self, offset: float, now: float, arrival: float | None) -> float:
        """Note the system clock ``offset`` [s] at an input's arrival; return that arrival [s].

        The arrival on the steady clock: ``arrival`` (``wall_clock``'s), or without one (a
        test's clock alone) ``now`` [s] less ``offset``. ``_clock_falls`` keeps the offset's
        falls (``clock_steps.SystemClockFalls.observe``).
        """
        steady = arrival if arrival is not None else now - offset
        self._clock_falls.observe(offset, steady)
        return steady

    def _stamped_offset(self, offset: float, age: float, steady: float) -> float:
        """Return the system clock offset [s] an input ``age`` [s] old on arrival was stamped at.

        ``offset``: the offset at its arrival; ``steady``: the arrival's steady time [s]
        (``clock_steps.stamped_offset``; the recent falls read only for a stamp in the future).
        """
        if age >= -CLOCK_FALL_MIN_S:  # the common case, without the falls' lock
            return offset
        return stamped_offset(offset, age, self._clock_falls.recent(), steady)

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
            back, elapsed, self.clock() - offset if arrival is None else arrival)
        return before - offset - elapsed if matched is None else matched

    def _time_went_back(self, newest: float, stamp: float, system_back: float | None) -> None:
        """Judge a clock that went back from ``newest`` to ``stamp`` [s] (frames); locked.

        ``system_back``: :meth:`_system_went_back` across the step.

        Called for a step back of more than ``safety.max_image_age_s`` (a frame that much older
        than the newest is another time, not a driver's stamp jitter, which changes nothing:
        its frame is not planned on, being older than the last one planned on, unless the node
        clock went back with it). What was timed on the old clock, ``last_planned_stamp``
        included, is forgotten either way. A
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
        first, self._state_after_step = self._state_after_step, None
        # the new clock's first state, not its newest: an arm moving on through the frames'
        # step is judged across one state interval (breaker55l: 0.1 m/s for 130 ms, 1.3 cm, was
        # "a new world" that dropped the command)
        latest = first if before is not None and first is not None else \
            self.inputs.latest_state()
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
                    not hand_jumped(float(before.value[6]), float(after.value[6])):
                self.arrival_time -= back  # -inf stays -inf
                self.command_time -= back
                self._gripper_sent_at -= back  # (resends' spacing, continuous's hand view)
                why = f"the clock went back {back:.2f} s"
                self._stop_camera_check(why)  # its motions were timed on the old clock
                if self.enabled:
                    self.enable_epoch += 1  # a plan from a frame of the old clock: void
                    self._voided_by = (self.enable_epoch, why)
                    self._drop_prepared(why)
                    self._prepared_for = None  # the running step prepared anew (new clock)
                self.log("warning", (
                    f"{why} (camera frames from {newest:.3f} s to {stamp:.3f} s, the node's "
                    f"system clock back {system_back:.2f} s with them: a wall clock stepped by "
                    f"chrony/ntpd/PTP); the arm and hand continue (moved {moved:.3f} m, turned "
                    f"{turned:.2f} rad, hand {hand:.2f}): goal progress kept, and the "
                    "gripper command and the set-point; robot states of the old clock dropped"))
                return
        self.arrival_time = self.command_time = -float("inf")
        self._arm_arrival_seen = False
        self._setpoint_rest_s = float("inf")
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
        self.last_gripper, self._gripper_sent_at = None, -float("inf")
        self._hand_sent_s = float("inf")  # (_hand_moving: no gripper command in this world)
        self._gripper_before_enable = None  # the old world's hand
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

    def _hand_moved(self, state: np.ndarray, gripper_measured: bool) -> None:
        """Start afresh when the measured hand was put elsewhere at once (a state kept, [7]).

        The first measured closedness (``state[6]``; ``gripper_measured`` False: a placeholder)
        after unmeasured ones (the finger watch refuses jumped readings for a second, a finger
        topic lapsed) that jumped (:func:`hand_jumped`) from the latest measured one against
        the way the last gripper command moved the hand (closing when it opened the hand,
        opening when it closed it: from the hand measured as the command came): the hand was
        opened or closed at once against its command (a simulator's ``~/reset`` with the arm
        already home; the jump watch judges the TCP alone) -- a new world (:meth:`_new_world`),
        so the command goes out again even when the sub-goal's equals it (breaker53a: the hand
        stayed open through the rest of "grasp"). A hand moved further the commanded way is
        none: a grasp goal closes until something blocks it, past a planned closedness on a
        thinner object (breaker53i C). A command that moved nothing (no hand measured before
        it, or the hand at it already): a hand farther from it than before. A hand never
        commanded, or a change between measured readings (an async plan's hand check discards
        its prepared plan: breaker51c), is not judged here.
        """
        command = self.last_gripper
        if command is None:
            self._hand_command = None
        elif self._hand_command is None or self._hand_command[0] != command:
            self._hand_command = (command, self._hand_seen)  # the hand as the command came
        if not gripper_measured:
            self._hand_lapsed = True
            return
        before, after, lapsed = self._hand_seen, float(state[6]), self._hand_lapsed
        self._hand_seen, self._hand_lapsed = after, False
        if not lapsed or before is None or command is None or not hand_jumped(before, after):
            return
        origin = self._hand_command[1]
        way = 0.0 if origin is None or abs(command - origin) < 1e-9 else command - origin
        if (after - before) * way > 0.0 or \
                not way and abs(after - command) <= abs(before - command):
            return
        moved = "closed" if after > before else "opened"
        what = ("nothing measured before it" if origin is None else
                f"from {origin:.2f}, {'closing' if way > 0 else 'opening' if way else 'holding'}")
        with self._lock:
            goals = self._new_world("the hand's measured closedness changed at once")
            self.log("warning" if self.enabled else "info", (
                f"the hand's measured closedness went from {before:.2f} to {after:.2f} at once "
                f"({moved}), against the last gripper command ({command:.2f}, {what}; the hand "
                "was moved other than commanded: a simulator's ~/reset?): a new world: the "
                "planner's warm start and last gripper command are forgotten (the next plan "
                "commands the hand again)" + (f", {goals}" if goals else "")))

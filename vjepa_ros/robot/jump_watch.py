"""Measured TCP poses that moved or turned faster than an arm can: glitches and teleports, live.

The planner session (:mod:`vjepa_ros.robot.input_episodes`) asks :class:`JumpWatch` about every
robot state before keeping it: a jump is refused (a hold), and when the hold ends
:meth:`JumpWatch.landed` says whether its jumps, added up, moved the arm (a new world: a
simulator's ``~/reset``, a re-homed driver) or came back (glitches, a burst of another
publisher's pose). ROS-free; numpy only (no scipy or torch on the state callback).

The parts live in files of their own: quaternions in ``tcp_quaternions``, a hold's open jumps in
``jump_excursions``, the arm's own motion in ``jump_motion``, the stamps' clocks in
``jump_clocks``, the hold's bookkeeping and landing in ``jump_hold`` (mixins of
:class:`JumpWatch`) and its answers (:class:`Verdict`, :class:`Landing`, a jump's words) in
``jump_verdicts``; every name keeps its home here.
"""

from __future__ import annotations

import collections

import numpy as np

from vjepa_ros.robot.accel_rule import grace_after_jump, refreshing
from vjepa_ros.robot.jump_clocks import ADOPT_S, LEAP_S, JumpClocks, _Step
from vjepa_ros.robot.jump_course import LONE_SPAN_S, _Course
from vjepa_ros.robot.jump_excursions import (
    LAND_ACCEL_M_S2,
    LAND_ANGULAR_ACCEL_RAD_S2,
    LAND_SPEED_SPREAD,
    _Excursion,
)
from vjepa_ros.robot.jump_hold import JumpHold
from vjepa_ros.robot.jump_motion import SAMPLE_S, SAMPLES, JumpMotion, _Sample
from vjepa_ros.robot.jump_verdicts import Landing, Verdict, jump_words
from vjepa_ros.robot.state_ranges import (
    ORIENTATION_JUMP_SLACK_RAD,
    TCP_JUMP_SLACK_M,
    moved_faster_than_an_arm,
    turned_faster_than_an_arm,
)
from vjepa_ros.robot.tcp_quaternions import (
    _angle,
    _exp,
    _inverse,
    _product,
    _quaternion,
    _rotation_vector,
)

__all__ = ["ADOPT_S", "JumpWatch", "LAND_ACCEL_M_S2", "LAND_ANGULAR_ACCEL_RAD_S2",
           "LAND_SPEED_SPREAD", "LEAP_S", "Landing", "SAMPLES", "SAMPLE_S", "Verdict",
           "_Excursion", "_Sample", "_angle", "_exp", "_inverse", "_product", "_quaternion",
           "_rotation_vector"]


class JumpWatch(JumpClocks, JumpMotion, JumpHold):
    """Tell a measured TCP that moved or turned faster than an arm can since the last state.

    Compared with the last finite state seen (kept or refused), so one glitch refuses itself
    and the state after it (jumping back). Allowed: ``state_ranges.MAX_TCP_SPEED_M_S`` over the
    interval plus ``TCP_JUMP_SLACK_M`` (breaker32r: one pose 15 cm off, 10 ms after the last,
    was planned from and the set-point jumped 14 cm in one tick); its orientation likewise,
    ``MAX_TCP_ANGULAR_SPEED_RAD_S`` plus ``ORIENTATION_JUMP_SLACK_RAD`` (breaker40b: a wrist
    joint read 1.5 rad off keeps the TCP's position; planned from, its rotation-free plan
    would command that orientation). A state after the arm's own (no jump) that left its
    motion faster than ``MAX_TCP_ACCEL_M_S2`` (``MAX_TCP_ANGULAR_ACCEL_RAD_S2``) allow is a
    jump too (:meth:`_kicked`, the rule ``robot.accel_rule.outran`` the recordings share: a
    wall-stamped simulator at 0.3x real time, 55 ms between states, put its arm 11.5 cm away
    from rest, under the speed limit: breaker41f; 3 cm at 60 Hz from rest, 41g; 4 cm back
    against a 0.5 m/s motion, 41i); a slower source's refresh after a held pose, as far as its
    refreshes' own velocity carries the arm, is not judged (``accel_rule.refreshing``, 42d; the
    pose after a jump counts as the stream's first).

    **Time.** The interval is the stamps', except at a repeated stamp (two states less than
    :data:`REPEAT_S` apart) of a stream that stamps coarsely: one with another repeated stamp
    among its last :data:`HISTORY` intervals that was no jump and arrived at a usual gap
    (within :data:`STALL_FACTOR` of the median arrival gap). Such a repeat is timed by its
    arrival (``arrival`` [s], the caller's steady receive time), capped at
    :data:`STALL_FACTOR` times the median gap, so a driver stamping several states 10 ms apart
    with one stamp is not refused for a fast motion its stamps hide; the arm's velocity and a
    glitch's way back are timed so too (breaker41a). One earlier repeat is evidence enough
    because what a repeated stamp must still refuse leaves none: a glitch, a second source's
    pose or a teleport at a repeated stamp is a jump, a duplicate delivery arrives in a burst,
    and a stream whose stamps always advance (a simulator at its own pace, whose ``~/reset``
    puts the arm elsewhere at the same stamp) has no repeat at all; a state delayed in a
    stalled executor counts at most the cap.

    **Out of order.** With arrivals timed, a state stamped before the newest that continues
    it over its arrival gap may be the arm's own on stamps that stepped back (``jump_clocks``
    ``_restamp``: a clock stepped back under a moving arm, breaker53a): when the states after
    it stay on that clock (``jump_clocks.STEP_STATES`` and ``STEP_S``, none of the old clock
    between) the stamps move on by the step, beyond :data:`NEW_WORLD_S` it starts afresh;
    meanwhile they pass, changing nothing (refused beyond :data:`NEW_WORLD_S`). Two clocks
    alternating (a relay 0.2 s late) take no step (breaker53i). Any other state stamped before the
    newest (by up to :data:`NEW_WORLD_S`) is compared with the arm's own states remembered at
    and around its stamp, over their interval (a second publisher on a clock 0.3 s behind,
    15 cm off, was compared with the newest over 0.3 s and passed: breaker41a); it changes
    nothing else. With arrivals timed, another state stamped further back, or one whose stamp
    ran :data:`LEAP_S` further ahead than its arrival and that jumped over its arrival gap (a
    second publisher on a clock 0.5 s ahead became the newest, and the arm's own states were
    refused against it: breaker41d), is on another clock: refused, changing nothing, until
    the stream's states have come on that clock alone for :data:`ADOPT_S` (a looping bag, a
    restarted simulator, a clock stepped: then a new world, compared with nothing). Without
    arrivals a state stamped further back than :data:`NEW_WORLD_S` is a new world at once.

    **New worlds** (:meth:`landed`): a hold on jumps ends in a new world when the hold's jumps
    added up (their position changes summed, their rotations composed: the arm's own motion
    between them not counted) moved the arm more than ``TCP_JUMP_SLACK_M`` or turned it more
    than ``ORIENTATION_JUMP_SLACK_RAD``. Each jump is undone by a later state that lands back
    where the arm would be had the jump been a glitch (:meth:`_undone`, :class:`_Excursion`:
    a jump, or the state right after one; within reach of where the arm's own velocity before
    the jump, measured over :data:`VELOCITY_BASELINE_S`, carries it; closer than half the
    jump): a glitch, or a burst of another publisher's pose under which the arm moved on,
    adds nothing (breaker40e, 40f, 41a). A teleport (a simulator's ``~/reset``, also one that
    only turns the hand, a looping bag at one stamp, a driver re-homing), also one in the hold
    of an earlier glitch, is not undone, wherever the arm's own motion takes it after.

    **Lone states** (``jump_course``): a state that is no jump but leaves the course the arm was
    on (within ``jump_course.LONE_SPAN_S`` of the pose before it) is lone; a jump at the very
    next state back onto that course is its way back and adds nothing (one glitched state after
    a gap in the states passes the jump check: breaker46s). That jump stays open, so states
    coming back to the lone state's pose (it was the arm, the jump a stale copy) undo it. Copies
    of the lone state's pose keep its course for up to ``jump_course.LONE_RUN`` states in all,
    or ``jump_course.HELD_S`` (a glitch of a few states after a gap).

    **Held glitches and undos put back** (session 48): a jump's pose repeated by the next
    states (up to ``LONE_RUN`` in all, or ``HELD_S``) is undone by the first state that moves
    after them, as by the state right after a jump (which may itself be a copy); a later copy
    never is (the arm's course may reach a reset ahead of it: breaker48c B). An undo made by a
    state that passed the jump check is put back when a later state, moving (the undoing
    state's copies in between, up to ``jump_course.LONE_SPAN_S``), is its way back
    (:meth:`_toggle`, ``_Course.takes_back`` without the stamp jitter), also a lone state's way
    back, which is refused but adds nothing; again and again while two sources alternate.

    :meth:`judge` (:meth:`problem`) is called by the state callback alone, without a lock;
    :meth:`forget` may come from another thread (a bag player stopped): one lost in a race
    leaves a recorded pose to compare the next state with, at worst a 1 s hold (safe side).
    """

    NEW_WORLD_S = 1.0  # [s] a step back in the stamps this long starts afresh
    OPEN_JUMPS = 16  # a hold's jumps remembered until a state lands back from them
    REPEAT_S = 5e-4  # [s] two stamps closer than this: a repeated (coarse) stamp
    HISTORY = 16  # intervals remembered to tell a coarse stream
    STALL_FACTOR = 2.0  # an arrival gap counts up to this times the usual (median) one

    def __init__(self):
        # the newest in order: (stamp [s], xyz [m], arrival [s] or None, quaternion [4], time [s])
        self._last: tuple[float, np.ndarray, float | None, np.ndarray, float] | None = None
        # the last intervals: (a repeated stamp that was no jump, arrival gap [s] or None)
        self._intervals: collections.deque[tuple[bool, float | None]] = collections.deque(
            maxlen=self.HISTORY)
        # the hold's jumps added up: (position change [3] m, rotation quaternion [4])
        self._net: tuple[np.ndarray, np.ndarray] | None = None
        # the hold's jumps not yet undone, newest last (:class:`_Excursion`)
        self._open: list[_Excursion] = []
        # the latest state was a jump (1), or this many states in a row held its pose (0: none)
        self._jump_held = 0
        self._jump_time = 0.0  # [s] the latest jump's time
        # the pose a held run repeats: the latest jump's, or the lone state's (xyz [3], quat [4])
        self._held_pose: tuple[np.ndarray, np.ndarray] | None = None
        self._samples: collections.deque[_Sample] = collections.deque(maxlen=SAMPLES)
        self._newest: _Sample | None = None  # the arm's newest own state (no jump)
        self._run = 0  # bumped by every jump: the arm's velocity is measured within one run
        self._elsewhere_since: float | None = None  # arrival of the first state on another clock
        self._shift = 0.0  # [s] added to the stamps: the steps back of a continuing arm's clock
        self._stepped: _Step | None = None  # a step back awaiting its confirmation (_restamp)
        self._arrived: float | None = None  # [s] the latest state's arrival (_restamp)
        self._run_start: float | None = None  # [s] time of the current run's first own state
        # the newest state's pose's first state: (time [s], xyz [m], quaternion [4])
        self._began: tuple[float, np.ndarray, np.ndarray] | None = None
        # that pose's own change from the pose before it, when that one was held (a slower
        # source's refresh velocity, accel_rule.refreshing): (xyz [3] m, turn [3] rad, span [s])
        self._refresh: tuple[np.ndarray, np.ndarray, float] | None = None
        self._first_pose = True  # no change of the pose since the stream (re)started
        # whether the latest change of pose that was no jump came after a held pose (None: none
        # since the stream (re)started): accel_rule.grace_after_jump
        self._change_held: bool | None = None
        # the course the arm was on before the latest state, when that state is lone (no jump,
        # off that course): a jump right back onto it is the lone state's way back
        self._lone: _Course | None = None
        # where the latest state, a refused jump back (a glitch's way back), put the arm, at the
        # velocity it had before the glitch: the course a lone state right after it leaves
        self._back: _Course | None = None
        # what the latest state that passed the jump check undid (or put back): (net, open jumps)
        # before it and the course it left, at the arm's motion before the hold, it the lone
        # state: put back by a later state, moving, that is its way back (``_toggle``); copies
        # of its pose keep it waiting up to LONE_SPAN_S
        self._undid: tuple[tuple | None, list, _Course, _Course] | None = None
        # the arm's own (velocity [3] m/s, angular velocity [3] rad/s) before the hold's first jump
        self._hold_motion: tuple[np.ndarray, np.ndarray] = (np.zeros(3), np.zeros(3))

    def problem(self, state: np.ndarray, stamp: float, arrival: float | None = None) -> str:
        """Return why finite ``state`` [7] at ``stamp`` [s] is a jump ("" when it is not).

        :meth:`judge`'s ``problem`` alone (for a caller that keeps no state out of order).
        """
        return self.judge(state, stamp, arrival).problem

    def judge(self, state: np.ndarray, stamp: float, arrival: float | None = None,
              fall: float = 0.0) -> Verdict:
        """Judge finite ``state`` [7] at ``stamp`` [s]: whether it is a jump, and in order.

        ``arrival`` [s]: when it arrived on the caller's steady clock (None: not timed; the
        stamps alone then). ``fall`` [s]: how far the node's system clock went back since the
        previous state arrived (``clock_steps.system_clock_offset``'s fall): stamps that went
        back with it (``clock_steps.wall_clock_stepped``) are a wall clock stepped under the arm,
        taken at once (``JumpClocks._take_fall``), so the arm is judged over the real time
        between its states, not against the old clock's state at the new stamp (breaker55l: an
        arm moving 0.1 m/s for over a second held as "jumps 0.097 m in 10 ms").
        :class:`Verdict`: the problem's text (``jumps 0.150 m in 10 ms, faster than an arm moves
        (3 m/s)``; "" when it is none) and whether the state is behind (not taken in order: the
        class docstring's **Out of order**).
        """
        xyz, turn = state[:3].copy(), _quaternion(state[3:6])
        last = self._last
        self._take_fall(stamp, fall, last)
        stamp, late, adopted, behind = self._restamp(xyz, turn, stamp + self._shift, arrival,
                                                     last)
        if late is None and not adopted and last is not None and arrival is not None and \
                last[2] is not None:
            elsewhere = self._elsewhere(xyz, turn, stamp, arrival, last)
            if elsewhere:
                return Verdict(elsewhere, behind)
            adopted = elsewhere == ""
        if not adopted and late is not None:
            return Verdict(late, behind)
        if adopted or last is None or stamp < last[0] - self.NEW_WORLD_S:
            stamp, self._shift = stamp - self._shift, 0.0
            self._last = (stamp, xyz, arrival, turn, stamp)
            self._intervals.clear()
            self._samples.clear()
            self._newest, self._run = None, self._run + 1
            self._began, self._refresh = (stamp, xyz, turn), None
            self._first_pose, self._change_held, self._lone, self._back = True, None, None, None
            # the hold's jumps were the old clock's (its new world is the clock rule's to say: a
            # hold across it said a second one at its end; session 47's review)
            self._net, self._open, self._jump_held, self._undid = None, [], 0, None
            self._held_pose = None
            return Verdict("", behind)
        after_jump, jump_held = self._jump_held == 1, self._jump_held
        gap = None if arrival is None or last[2] is None else abs(arrival - last[2])
        interval = abs(stamp - last[0])
        repeated = interval < self.REPEAT_S
        if repeated and gap is not None:
            usual = self._coarse_gap()
            if usual is not None:
                interval = max(interval, min(gap, self.STALL_FACTOR * usual))
        time = last[4] + interval if repeated else max(stamp, last[4])
        self._last = (stamp, xyz, arrival, turn, time)
        moved = float(np.linalg.norm(xyz - last[1]))
        turned = _angle(last[3], turn)
        # changed beyond the slack (a jump always is: its limits are the slack and more)
        changed = moved > TCP_JUMP_SLACK_M or turned > ORIENTATION_JUMP_SLACK_RAD
        hold, elapsed, previous, first = self._note_change(xyz, turn, last, time)
        jumped = moved_faster_than_an_arm(moved, interval)
        flipped = turned_faster_than_an_arm(turned, interval)
        kick = ""
        if not (after_jump or jumped or flipped) and changed:
            step_turn = _rotation_vector(_product(turn, _inverse(last[3])))
            kick = "" if refreshing(xyz - last[1], step_turn, hold, elapsed, previous, first) \
                else self._kicked(xyz, turn, interval, last)
            jumped, flipped = kick.startswith("jumps"), kick.startswith("turns")
        (lone, self._lone), (way_back, self._back) = (self._lone, None), (self._back, None)
        # a lone state's way back: a jump right after it (or its copies), back onto its course
        returned = lone is not None and (jumped or flipped) and not after_jump and \
            lone.takes_back(xyz, turn, time, (moved, turned))
        undid, self._undid = self._undid, None
        if undid is not None and not changed:
            if time - undid[2].time <= LONE_SPAN_S:
                self._undid = undid  # the undoing state's pose held (stale copies): still open
        elif undid is not None and (returned or not (jumped or flipped)) and \
                undid[2].takes_back(xyz, turn, time, (moved, turned), 0.0) and \
                undid[3].off(xyz, turn, time) is not None:
            # back where the undoing state left: no jump, or a lone state's way back (adding
            # nothing; a jump that undoes does so itself: breaker48d H)
            self._toggle(undid, last, xyz, turn, time)
        if changed and not (jumped or flipped):
            self._lone = self._left_course(xyz, turn, time, last, after_jump, way_back)
            if self._lone is not None:
                self._held_pose = (xyz, turn)
        elif not changed and lone is not None and time - lone.time <= LONE_SPAN_S and \
                self._held_on(lone.states, lone.time + lone.lone_s, xyz, turn, time) and \
                lone.off(xyz, turn, time) is not None:
            self._lone = lone._replace(states=lone.states + 1)  # held: a glitch of a few states
        net = self._net  # a local: forget() may come from elsewhere; the net before any undo
        opened_before = self._open
        # a glitch's way back is a jump, the state right after one, or the first state that moves
        # after copies of its pose (a gap, no jump; held up to LONE_RUN states or HELD_S, session
        # 48; a copy itself is none: the arm's course may reach a reset ahead of it, 48c B):
        # never a continuing motion, which can pass half-way back from a reset (breaker40g), nor
        # a lone state further on, which passed the jump check (checking those undid real resets,
        # by the reach or even right on the reset's course: an arm pulled back to its old pose, a
        # stale copy of it at 30 Hz: breaker47h, breaker47j)
        closed = None if returned or not (
            after_jump or jumped or flipped or jump_held and changed) else \
            self._undone(xyz, turn, time)
        back = returned or closed is not None
        if back and (jumped or flipped):  # refused, yet where the arm is: the next state's course
            motion = (lone.velocity, lone.spin) if returned else (closed.velocity, closed.spin)
            self._back = _Course(xyz, turn, time, *motion)
        self._intervals.append((repeated and not (jumped or flipped), gap))
        if jumped or flipped:
            self._jump_held, self._jump_time, self._held_pose = 1, time, (xyz, turn)
        else:
            self._jump_held = jump_held + 1 if jump_held and not changed and \
                self._held_on(jump_held, self._jump_time, xyz, turn, time) else 0
        if jumped or flipped:  # the arm's motion after a jump is not known: as at the start, for
            self._first_pose = grace_after_jump(self._change_held)  # a slower source's stream
        elif not (np.array_equal(xyz, last[1]) and np.array_equal(turn, last[3])):
            self._change_held = bool(hold > 0.0)  # the pose changed (no jump): after a held pose?
        if not (jumped or flipped):
            if closed is not None:  # back from a held glitch: its states were not the arm's
                self._run += 1
                self._await_put_back(net, opened_before, last, xyz, turn, time)
            self._remember(_Sample(time, stamp, xyz, turn, self._run))
            return Verdict("", behind)
        # a jump away: added up, and open until a state lands back; a way back (a glitch's, a
        # lone state's) adds nothing but is open all the same, to be undone by a state back where
        # it left: that restores the net before it (a stale copy of the old pose between a
        # ~/reset and the states at the new one, also across a gap: breaker47g)
        motion = self._velocity()  # the arm's own, up to the state before this jump
        if net is None:  # the hold's first jump: the arm's motion before the hold
            self._hold_motion = motion
        net = net or (np.zeros(3), np.array([1.0, 0.0, 0.0, 0.0]))
        opened = self._open  # the oldest kept: the pose before the hold, the usual way back
        kept = opened if len(opened) < self.OPEN_JUMPS else \
            [opened[0], *opened[-(self.OPEN_JUMPS - 2):]]
        self._open = [*kept, _Excursion(last[1], last[3], last[4], moved, turned, net, *motion)]
        if not back:
            self._net = (net[0] + (xyz - last[1]),
                         _product(net[1], _product(_inverse(last[3]), turn)))
        self._run += 1  # the states after a jump are another run (another pose, or the arm's)
        return Verdict(kick or jump_words(moved, turned, interval, jumped), behind)

    def forget(self) -> None:
        self._last = self._net = self._newest = self._elsewhere_since = self._run_start = None
        self._began = self._refresh = self._change_held = None
        self._first_pose = True
        self._open, self._jump_held, self._lone, self._back = [], 0, None, None
        self._undid = self._held_pose = None
        self._shift, self._stepped, self._arrived = 0.0, None, None
        self._intervals.clear()
        self._samples.clear()

"""The gripper's part of a plan's way to the hand in the MPC session: when a command goes out.

:class:`GripperCommands` is a mixin of :class:`~vjepa_ros.robot.mpc.MPCSession`, asked by
:meth:`~vjepa_ros.robot.command_session.CommandSession._command` (its lock, inputs, goals and
settings are the session's). A gripper command goes out when it changes the hand
(:meth:`GripperCommands._hand_changes`: outside the deadband, unless ``goals.gripper`` hold, or
planned from a state recorded before any finger joint state,
:meth:`~GripperCommands._gripper_guessed`).
A gripper command whose GripperCommand goal did not reach the hand (its ``Delivery``: not sent,
rejected, lost with its driver, failed) is sent again with a later command, spaced out
(:meth:`GripperCommands._gripper_resend_due`). Continuous control's next sub-goal, after one
ended with a hand change still running, waits for the hand's stop (and, for a hand stopped short
on an object, the arm's arrival), as blocking and async plan only then
(:meth:`GripperCommands._hand_settling`); a hand change waits for the arm near the start it was
planned from and, under ``goals.gripper`` subgoal, for the arrival of the command that ended the
sub-goal before (:meth:`GripperCommands._gripper_waits`).
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.robot.goal_switch_config import GRIPPER_INDEX
from vjepa_ros.robot.hand_motion import HAND_WINDOW_S
from vjepa_ros.robot.inputs import Stamped
from vjepa_ros.robot.targets import poses_apart

# [s] the first resend of a gripper goal that did not reach the hand comes this long after the
# last send at the earliest; each further one twice as long after, at most
# control.gripper_result_timeout_s (RESEND_CAP_S when that is 0): a server that keeps rejecting
# gets a few goals in its first seconds, then one per timeout
RESEND_FIRST_S = 0.05
RESEND_CAP_S = 10.0
# [s] a gripper command not sent at all (no server: gripper_output returned False) is tried again
# at least this often (the goal alone: the gripper_command topic carried the command once)
UNSENT_RETRY_S = 1.0


class GripperCommands:
    """The gripper-command methods of ``MPCSession`` (see the module docstring)."""

    _gripper_wait_noted = None  # the switch whose gripper wait was logged (_gripper_waits)
    _gripper_delivery = None  # the last gripper_output's answer (a Delivery, or None)
    _gripper_sent_at = -float("inf")  # [s] when the last gripper command went out
    # [s] streamed ticks since the last gripper command (or resend) went out, each at most
    # MAX_TICK_PERIODS periods (inf: none yet, or a new world): planning_session._hand_moving
    _hand_sent_s = float("inf")
    _gripper_resends = 0  # resends of the same gripper command since one reached the hand
    _hand_change_pending = False  # the last gripper command went to a measured hand not there
    # the last gripper change went to a hand measured at it already: franka_gripper takes a goal
    # within 0.1 mm of the fingers' width as done, a grasp from before stands (_hand_changes)
    _sent_to_hand_there = False
    _gripper_sent_pose = None  # [7] the arm where the last gripper change first went out
    _resend_held_noted = False  # the held resend of that change was logged (_resend_in_place)
    # continuous: (goal version, sub-goal index) whose first command waits for that change
    _settle_next: tuple[int, int] | None = None
    _waits_noted = None  # {wait name: the command time whose wait was logged} (_note_wait)

    def _hand_at(self, stamped, closedness: float) -> bool:
        """Tell whether ``stamped``'s hand was measured within ``control.hand_tolerance`` of it.

        ``stamped``: a robot state (``inputs.Stamped``: ``value`` [7], ``gripper_measured``);
        ``closedness`` 0..1. False for a hand not measured (its closedness a placeholder).
        """
        return stamped.gripper_measured and abs(float(stamped.value[GRIPPER_INDEX]) - float(
            closedness)) <= self.control.hand_tolerance

    def _send_gripper_command(self, gripper: float, now: float, resend: bool = False) -> None:
        """Hand ``gripper`` to ``gripper_output`` with the set-point's target (locked).

        Its answer is kept: a ``Delivery`` (``robot.gripper_goals``) tells later whether the
        goal reached the hand, False says it was not sent; anything else (None) is taken as
        delivered. ``resend``: the same command again, for a hand it never reached
        (:meth:`_gripper_resend_due`): called ``gripper_output(gripper, resend=True)``, so the
        node sends the goal again but publishes no second ``gripper_command`` message.
        """
        self._gripper_sent_at, self._gripper_delivery = now, None
        self._hand_sent_s = 0.0
        if self.gripper_output is None:
            return
        try:
            answer = self.gripper_output(gripper, resend=True) if resend else \
                self.gripper_output(gripper)
        except Exception as exc:  # noqa: BLE001 - raised once the step has ended
            self._gripper_error = exc  # (plan_step: breaker44t)
            return
        if answer is False or callable(getattr(answer, "needs_resend", None)):
            self._gripper_delivery = answer

    def _gripper_resend_due(self, now: float) -> bool:
        """Tell whether the last gripper command, which never reached the hand, goes out again.

        ``gripper_output`` said it was not sent (False: no server), or its ``Delivery`` says it
        was rejected, or lost (its server went, or it went unanswered past
        ``control.gripper_result_timeout_s``) or failed (aborted, stalled short, a close that
        left the fingers open) and the server answers now: that command (the resend carries
        it, ``last_gripper``, whatever the plan's closedness) would otherwise never reach the
        hand, the deadband keeping the plans' from going out (breaker53g).
        Spaced out: :data:`RESEND_FIRST_S` after the last send, doubling with each resend up
        to the timeout (a send not made: up to :data:`UNSENT_RETRY_S`); reset once a goal ended
        well (not on its acceptance: a goal that fails after it, a hand in error, is sent again
        once per timeout at most, not with every command).
        """
        delivery = self._gripper_delivery
        if delivery is None:
            return False
        if delivery is not False and delivery.state == "ended":  # (a failed one stays spaced)
            self._gripper_resends = 0
        cap = UNSENT_RETRY_S if delivery is False else \
            self.control.gripper_result_timeout_s or RESEND_CAP_S
        wait = min(RESEND_FIRST_S * 2 ** self._gripper_resends, max(cap, RESEND_FIRST_S))
        if now - self._gripper_sent_at < wait:
            return False
        return delivery is False or delivery.needs_resend()

    def _resend_in_place(self, gripper: float, latest) -> bool:
        """Tell whether a resend of closedness ``gripper`` may go out with the arm at ``latest``.

        A resend that opens the measured hand (beyond ``control.hand_tolerance``: a release that
        failed, the object still held) goes out only with the arm within
        ``control.async_tolerance_m`` / ``_rad`` of where the change first went out, as the
        first send waited for the arm there: a hand that recovers mid-retreat would drop the
        object wherever the arm is. Held back otherwise (one info line; the arm goes on). A
        close, or an unmeasured hand, is sent again anywhere.
        """
        pose = self._gripper_sent_pose
        if pose is None or not latest.gripper_measured or \
                float(latest.value[GRIPPER_INDEX]) - gripper <= self.control.hand_tolerance:
            return True
        away = self._away_from(latest.value, pose)
        if away is None:
            return True
        gap, turn = away
        if not self._resend_held_noted:
            self._resend_held_noted = True
            self.log("info", f"the gripper change to {gripper:.2f}, which never reached the "
                     f"hand, is not sent again here: the arm is {gap * 1000:.1f} mm and "
                     f"{turn:.3f} rad from where it went out (control.async_tolerance_m, "
                     "_rad); an open elsewhere would drop what the hand holds; it is sent again "
                     "if the arm comes back, or with the plan's next gripper change")
        return False

    def _hand_settling(self) -> str:
        """Why a continuous command waits for the last hand change to settle; "" when not.

        A command that ended a sub-goal while a hand change still ran (``_settle_next``: it
        sent the hand to a closedness its measured one was beyond ``control.hand_tolerance``
        of, or the hand still moved toward an earlier one; a hand not measured: no wait, its
        change unknown) is followed by the next sub-goal's first command (unless a hold
        reopened the sub-goal, or goals changed) only once the hand no longer moves
        (``_hand_moving``) and, unless it reached its command within the tolerance (nothing in
        it), the arm has arrived at that command's target (``_arm_arrived``), each bounded by
        ``control.arrival_timeout_s``: discarded frame after frame meanwhile, as blocking and
        async plan only then (fix51m). Without it the lift went out 10 ms after the grasp, the
        fingers at 79 mm and the arm 81 mm short (breaker53g). Commands within a sub-goal go
        on while the hand moves (the hand closes on the way to the grasp pose, as before).
        """
        if self._settle_next is None:
            return ""
        if self._settle_next != (self.goal_version, self.goals.index):  # a hold reopened the
            self._settle_next = None  # sub-goal (or new goals): its command is no next one
            return ""
        now = self.clock()
        latest = self.inputs.latest_state()
        there = self._hand_at(latest, self.last_gripper)  # the change done: no object
        if (there or self._arm_arrived()) and not self._hand_moving(now, latest):
            self._settle_next, self._hand_change_pending = None, False
            return ""
        reason = (f"the next sub-goal's first command waits until the arm has arrived where the "
                  f"last one ended and the hand has stopped (gripper change to "
                  f"{self.last_gripper:.2f}; continuous control, as blocking and async): plan "
                  "discarded")
        return self._note_wait("settle", reason)

    def _gripper_waits(self, asked: float, start: np.ndarray, measured: bool,
                       old_view: bool = False) -> str:
        """Why a continuous command asking the gripper closedness ``asked`` waits; "" if not.

        ``asked``: the plan's closedness before the clip, ``start``: the plan's start state [7],
        ``measured``: whether its closedness was measured (all: :meth:`_hand_changes`);
        ``old_view``: the plan saw the hand before the last gripper command took effect
        (:meth:`_hand_seen_before`): it changes no hand.
        Continuous control plans on every frame and never waits for arrival, and a command
        counts its step as it goes out: the command that ends sub-goal k (``place``, hand
        closed) switches to k+1 at once, and under ``goals.gripper`` subgoal the next frame's
        command toward k+1 (``release``, hand open) would open the hand before the place move
        ran (breaker43m: 8 cm short). So a command for the next sub-goal that changes the hand
        (:meth:`_hand_changes`) waits, discarded frame after frame, until the command that ended
        the sub-goal before it has arrived (``GoalSequence.unarrived_switch``, undone by a hold
        that cuts it): the arm, not its set-point, at the target (``_arm_arrived``, as blocking
        waits; breaker43o: a trailing arm 16 mm short), or ``control.arrival_timeout_s`` with
        its warning. A command that keeps the hand goes out, unless a hand change still runs
        at a sub-goal's end (:meth:`_hand_settling`). An arm that arrived and
        was then moved off the place (a push during a camera hold) is not brought back first:
        the hand changes where it is (README; breaker46l, breaker46p: waiting for it stalled
        the hand until the timeout, as nothing commands the arm back).
        Under every ``goals.gripper`` but hold, a hand change also goes out only with the arm
        within ``control.async_tolerance_m`` / ``_rad`` of the start it was planned from
        (:meth:`_away_from_start`; discarded, the next frame is planned on), as async blends:
        a planned close went out 31.5 mm from its start, the arm still moving (breaker53l).
        """
        if self.control.mode != "continuous":
            return ""
        settling = self._hand_settling()
        if settling or self.goals is None or old_view or \
                not self._hand_changes(asked, float(start[GRIPPER_INDEX]), measured):
            return settling
        switch = self.goals.unarrived_switch
        if self.goal_switching.gripper != "subgoal" or switch is None:
            return self._away_from_start(start)
        if self._arm_arrived():
            self.goals.keep_switch()  # arrived: the sub-goal it ended stays ended
            return self._away_from_start(start)
        reason = (f"the gripper change for sub-goal {switch.index + 2}/{switch.count} waits until "
                  f"the command that ended sub-goal {switch.index + 1}/{switch.count} has "
                  "arrived (continuous control, goals.gripper subgoal): plan discarded")
        if self._gripper_wait_noted is not switch:
            self._gripper_wait_noted = switch
            self.log("info", reason)
        return reason

    def _hand_seen_before(self, frame: Stamped) -> bool:
        """Whether a continuous plan from ``frame`` (the frame it planned on) saw an old hand.

        The frame's time below: when it was taken (``inputs.Stamped.taken``: its stamp less its
        lead, never after its receipt) on the node clock.

        ``goals.gripper`` planned (the command is the start's closedness plus the plan's delta)
        in continuous control: the frame was taken no later than the last gripper command went
        out (``_gripper_sent_at``), or with the hand, at the state nearest the frame, not yet
        within ``control.hand_tolerance`` of it and the frame taken within
        ``hand_motion.HAND_WINDOW_S`` of it (a hand that has not started yet is not told from
        one stopped on an object) or the hand still moving toward it (``_hand_moving``): the
        closedness it starts from is one the hand is leaving, and its command cut a running
        close back (1.0, then 0.75 from the next plan, 0.95 from the one after: breaker55c).
        Such a plan commands the arm, never the hand (a resend of the last command aside), as
        blocking and async plan only once the hand stops. The state nearest the frame is looked
        up as the plan's start was (``_state_near``, ``_start_state`` less its hold: on the
        states' clock, ``Stamped.state_time``, less a system clock fall for a frame in flight
        across it, ``_clock_shift``); unshifted, a frame in flight across a fall found the
        newest state, a hand already at its command, and the plan's stale closedness went out. The
        frame's own lead of the states' clock counts whether or not newer frames came while it was
        planned (mend60c: a superseded frame was looked up on the node clock, 0.24 s before the arm
        it showed with states 0.24 s ahead, and its hand change held back as an old view).
        """
        if self.control.mode != "continuous" or self.last_gripper is None or \
                self.goal_switching.gripper != "planned":
            return False
        taken = frame.taken
        if taken <= self._gripper_sent_at:
            return True
        state = self._state_near(frame)
        if state is None or not state.gripper_measured or self._hand_at(state, self.last_gripper):
            return False  # (at its command: a view of the hand it went to)
        # within HAND_WINDOW_S of the command a hand not yet started (a gripper's latency) is
        # not told from one stopped on an object (hand_motion.hand_moving); later, still moving
        return taken - self._gripper_sent_at < HAND_WINDOW_S or \
            self._hand_moving(self.clock(), state)

    def _away_from_start(self, start: np.ndarray) -> str:
        """Why a continuous hand change planned from ``start`` [7] may not go out now; "" if not.

        The measured arm farther than ``control.async_tolerance_m`` or turned more than
        ``control.async_tolerance_rad`` from ``start``: the change would land away from the
        pose the plan imagined it at. Logged once per running command.
        """
        away = self._away_from(self.inputs.latest_state().value, start)
        if away is None:
            return ""
        gap, turn = away
        tolerance, tolerance_rad = self.control.async_tolerance_m, self.control.async_tolerance_rad
        reason = (f"the gripper change waits for the arm at the start it was planned from: "
                  f"{gap * 1000:.1f} mm and {turn:.3f} rad away (tolerance "
                  f"{tolerance * 1000:.1f} mm, {tolerance_rad:.3f} rad; continuous control): "
                  "plan discarded, planning on the next frame")
        return self._note_wait("away", reason)

    def _away_from(self, arm: np.ndarray, pose: np.ndarray) -> tuple[float, float] | None:
        """How far the ``arm`` [7] is from ``pose`` [7] past the async tolerance; None: within.

        The one rule a hand change (and a resend that opens the hand) goes out by: the arm
        within ``control.async_tolerance_m`` of ``pose`` and turned at most
        ``control.async_tolerance_rad`` from it (``targets.poses_apart``). Returns (gap [m],
        turn [rad]) when it is not.
        """
        gap, turn = poses_apart(arm, pose)
        if gap <= self.control.async_tolerance_m and turn <= self.control.async_tolerance_rad:
            return None
        return gap, turn

    def _note_wait(self, name: str, reason: str) -> str:
        """Log ``reason`` (a wait called ``name``) once per running command; return it."""
        if self._waits_noted is None:
            self._waits_noted = {}
        if self._waits_noted.get(name) != self.command_time:
            self._waits_noted[name] = self.command_time
            self.log("info", reason)
        return reason

    def _hand_changes(self, asked: float, start: float, measured: bool) -> bool:
        """Tell whether a command asking closedness ``asked`` changes the hand.

        ``asked``: under ``goals.gripper`` planned the plan's closedness before the clip to 0..1
        (``start`` + its gripper delta; the command carries it clipped), under subgoal the
        sub-goal's; ``start``: the closedness (0..1) of the state the plan started from,
        ``measured``: whether it was measured. The one rule ``CommandSession._command`` sends a
        gripper command by: ``goals.gripper`` not hold, no guessed hand (:meth:`_gripper_guessed`:
        planned from an unmeasured closedness, nothing is sent, so async blends such a plan;
        breaker53l), and no command sent yet (since ``~/enable`` or a new world) or the clipped
        closedness beyond ``control.gripper_deadband`` from the last one; and, under planned, the
        plan's own change (``asked`` - ``start``) beyond it too: a plan whose change is within the
        deadband keeps the hand and the last command stands (its ``start`` + 0 on fingers stopped
        on an object at 0.45 after a close to 1.0 was an opening command, no grasp force;
        breaker53l), none sent yet included (the first plan after ``~/enable`` sent that 0.45:
        breaker55c) but for a hand measured open and kept open (within ``control.hand_tolerance``
        of 0: nothing in it to drop; the command the run starts from) whose last command before the
        ``~/enable`` was no close (fingers stopped near open on a wide object after a close:
        breaker55l), nor for a hand at an end of its range asked past it, none sent yet and none
        before the pause standing against the plan (a closed hand kept closed: breaker55c). The
        change before the clip, not after it: fingers pried open (0.30 -> 0.00) under a standing
        close by a box turned between them, the release plans (-0.33 .. -0.59) clipped to 0.00 =
        the measured start read as keeping the hand, nothing went out and the close lifted the box
        again (breaker57e); so for a close on fingers read shut under a standing open. Such a
        command waits: async, for the arm's arrival at the target of the one running (not blended
        in, ``_blending``: blended, a release opened the hand ~1 cm short of the place, breaker43o,
        a planned close 1 cm short of the grasp pose, breaker53d); continuous, for the arm near its
        start and, under subgoal, the switch's arrival (:meth:`_gripper_waits`). An opening plan
        also sends its open again, once, to a hand measured closed beyond
        ``control.hand_tolerance`` of the open in force when that open went to fingers already at
        it (``_sent_to_hand_there``): a driver took it as done (franka_gripper, within 0.1 mm of
        their width), and the standing grasp closed them.
        """
        if self.goal_switching.gripper == "hold" or self._gripper_guessed(measured):
            return False
        deadband = self.control.gripper_deadband
        gripper = min(max(asked, 0.0), 1.0)  # what the command carries (safety.filter_target)
        if self.last_gripper is None:  # none sent since ~/enable or a new world: an open hand
            # kept open is told so (it holds nothing to drop); one holding or closed is not, nor
            # one whose last command before the pause closed it: fingers stopped near open on a
            # wide object (0.06 of a close to 1.0) were sent their width, no force (breaker55l)
            # a hand at an end of its range that the plan's own change would take past it is
            # sent nothing (a closed hand kept closed: breaker55c) unless the last command before
            # the pause stands against it (a close on fingers pried open: breaker57e)
            before = self._gripper_before_enable
            return self.goal_switching.gripper != "planned" or abs(gripper - start) > deadband \
                or abs(asked - start) > deadband and before is not None and \
                abs(gripper - before) > deadband \
                or max(gripper, start) <= self.control.hand_tolerance and (
                    before is None or before <= self.control.hand_tolerance)
        if self.goal_switching.gripper != "planned":
            return abs(gripper - self.last_gripper) > deadband
        if abs(asked - start) <= deadband:
            return False
        # an opening plan for a hand measured closed beyond the open in force, which went to the
        # fingers already at it: that open did not take (franka_gripper takes a goal within 0.1
        # mm of the width the fingers hold as done: the open sent to fingers pried fully open
        # left the grasp standing, which closed them on the box again as the arm rose:
        # breaker57e); sent again once (a close stopped short is an object held: never)
        return abs(gripper - self.last_gripper) > deadband or asked < start and \
            self._sent_to_hand_there and start - self.last_gripper > self.control.hand_tolerance

    def gripper_guessed(self, measured: bool) -> bool:
        """Tell whether a planned gripper command from a closedness ``measured`` or not is a guess.

        True under ``goals.gripper`` planned without a measured closedness: no gripper command
        goes out (:meth:`_gripper_guessed`, which also warns once); the node's ``/diagnostics``
        says it withheld. Nothing is logged.
        """
        return self.goal_switching.gripper == "planned" and not measured

    def _gripper_guessed(self, measured: bool) -> bool:
        """Return True (logged once) when a planned gripper command would rest on a guessed hand.

        With ``goals.gripper`` planned the command is the start state's closedness plus the
        planned delta; in a state without a measured closedness (``measured`` False: no finger
        joint state yet, or a stale, unusable or other hand's one, :mod:`robot.finger_watch`)
        the closedness is a guess, and a hand holding an object could be opened by it.
        The start's flag decides, not whether fingers have come since: a plan begun on a guess
        and finished after the first finger state still adds its delta to the guess. The arm is
        commanded all the same.
        """
        if not self.gripper_guessed(measured):
            return False
        if not self._gripper_guess_noted:
            self._gripper_guess_noted = True
            self.log("warning", (
                "not commanding the gripper: no recent finger joint state (<prefix>finger_joint1/2"
                f") on {self.gripper_topics()}, so its closedness is unknown and a planned "
                "gripper command would rest on a guess (it could open a hand holding an object); "
                "publish the hand's "
                "joint states (robot.gripper_state_topic names their topic), or start with "
                "goals.gripper:=hold for an arm without a hand; the arm is commanded as planned"))
        return True

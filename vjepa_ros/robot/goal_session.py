"""The MPC session's goals: set, captured from the camera, added as sub-goals, cleared.

:class:`GoalSession` is a mixin of :class:`~vjepa_ros.robot.mpc.MPCSession` (its lock, inputs,
planner and refusals are the session's). A new goal voids a plan in progress (``goal_version``)
and the planner's warm start; the services' refusals are one line naming the service
(``~/capture_goal``, ``~/add_subgoal``). How sub-goals switch is ``goals.py``'s.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from vjepa_ros.robot.capture_pictures import stale_capture_refusal
from vjepa_ros.robot.frame_rest import frame_motion, moved_refusal
from vjepa_ros.robot.goals import GoalSequence
from vjepa_ros.robot.phase import Phase
from vjepa_ros.robot.refusal import Blocker, CaptureRefused, Refusal, RefusalKind
from vjepa_ros.robot.subgoal import SubGoal, capture_refusal
from vjepa_ros.robot.workspace_box import unreachable_goal_note


class GoalSession:
    """The goal methods of ``MPCSession`` (see the module docstring)."""

    # the user's acts that start over: a new goal, ~/clear_goals (here), ~/enable true
    # (enable_session): the gripper stop's give-up ends with one (robot.gripper_stop)
    user_epoch = 0
    # what decodes now to replace the goal in force ("" none; ``goal_decoding_began``)
    goal_decoding = ""

    def goal_decoding_began(self, what: str) -> None:
        """Hold while a goal set by parameter decodes to replace the goal in force.

        ``what``: the parameter and its files ("goal_image_path new.png"). A parameter set is
        answered before its files are decoded (``nodes/planner_goals.py``: 0.5-3.5 s off the
        executor thread); the goal it replaces is no goal to command toward meanwhile
        (breaker59h #2). Enabled, the session holds (a ``no_goal`` refusal whose line starts
        "goal decoding:", said by ``~/enable``'s answer, ``/diagnostics`` and the log as every
        hold), and a plan begun before it is void; in shadow mode plans go on, each report
        labelled as planned toward the goal being replaced. Ended by a new goal
        (:meth:`set_goals`, :meth:`clear_goals`) or :meth:`goal_decoding_ended`.
        """
        with self._lock:
            if what == self.goal_decoding:
                return
            self.goal_decoding = what
            if self._asks_goal and not self.closed:  # (a live camera check: its own moves)
                self._hold(Refusal(RefusalKind.NO_GOAL, self._goal_problem()))

    def goal_decoding_ended(self) -> None:
        """End :meth:`goal_decoding_began`'s hold with no new goal: the goal in force goes on.

        The node has said why in one line (the file refused, the previous goal kept); planning
        resumes on the current frame. Nothing to do when no decode held.
        """
        with self._lock:
            if not self.goal_decoding:
                return
            self.goal_decoding = ""
            if self._goal_problem():  # no goal at all, or finished: that hold stands
                return
            if self._refusal is not None and self._refusal.kind is RefusalKind.NO_GOAL:
                self._refusal = None
            self._refusal_log.cleared(RefusalKind.NO_GOAL)
            self.last_planned_stamp = -float("inf")  # plan again on the current frame

    def _decoding_problem(self) -> str:
        """Return the "goal decoding" hold's line ("" when no goal decodes; locked)."""
        if not self.goal_decoding:
            return ""
        return (f"goal decoding: {self.goal_decoding} is decoding to replace the goal in "
                "force; nothing is commanded toward the goal it replaces until it is applied "
                "or refused")

    def set_goals(self, goals: list[SubGoal]) -> str:
        """Replace the goal (sequence); the planning thread encodes it before the next plan.

        Returns the line logged: ``"new goal: ..."``, led by :func:`replaced_list` (and logged
        as a warning) when one goal replaces a list of several sub-goals, whatever sets it
        (``~/capture_goal``, ``~/goal_image``, ``goal_image_path``: user52u, breaker56a).
        """
        sequence = GoalSequence(goals, self.goal_switching)
        with self._lock:
            replaced = replaced_list(0 if self.goals is None else len(self.goals.goals),
                                     len(goals))
            self.goals, self.goal_decoding = sequence, ""  # (a decode's hold ends with it)
            self.goal_version += 1
            self.user_epoch += 1
            self.planner.reset()
            self.last_planned_stamp = -float("inf")  # plan again on the current frame
            self._drop_prepared("new goal")
            if self._refusal is not None and self._refusal.kind is RefusalKind.NO_GOAL:
                self._refusal = None
            self._refusal_log.cleared(RefusalKind.NO_GOAL)
            message = f"{replaced}new goal: {sequence.describe()}"
            if len(goals) > 1:
                message += f"; switching: {self.goal_switching.describe()}"
            axes = sequence.describe_axes(self.model_frame)
            if axes:
                message += f"; {axes}"
            self.log("warning" if replaced else "info", message)
            return message

    def capture_goal(self) -> str:
        """Make the newest camera frame the only goal; return the answer (one line).

        The answer starts by saying so when it replaces a list of several sub-goals.
        RuntimeError (one line naming ``~/capture_goal``) without a fresh frame, on a robot
        state the planning loop refuses, on a frame the arm has moved away from since, or while
        a live camera check runs (``_captured_subgoal``).
        """
        with self._lock:
            goal = self._captured_subgoal("~/capture_goal", "captured frame")
            return self.set_goals([goal]) + self._unreachable("the goal", goal)

    def add_subgoal(self) -> str:
        """Append the newest frame (and the state at it) to the sub-goal list; start over at 1.

        Raises RuntimeError (a one-line refusal naming ``~/add_subgoal``) without a fresh frame,
        on a robot state the planning loop refuses (none yet, stale, stamped in the future,
        invalid: NaN, inf, a glitch), while a live camera check runs (as ``~/capture_goal``,
        adding that commanding must be off), while commanding is enabled (the person guides
        the arm), on a frame the arm has moved away from since
        (``_captured_subgoal``), on the very frame a sub-goal of the list was captured from (a
        retried call: that sub-goal again, its steps spent where the arm already is) or
        with a full list.
        """
        with self._lock:
            if self.camera_check is not None:  # the capture's words, and why enable matters
                raise RuntimeError(self._check_refusal(
                    "~/add_subgoal", "; sub-goals are added with commanding off (~/enable false)"))
            if self.enabled:
                raise RuntimeError("~/add_subgoal refused: commanding is enabled; call ~/enable "
                                   "false, guide the arm to the sub-goal, then add it")
            # a goal held "until changed" (steps 0: captured, ~/goal_image) is one step count now
            goals = [dataclasses.replace(g, steps=None) if g.steps == 0 else g
                     for g in (self.goals.goals if self.goals is not None else [])]
            most = self.goal_switching.max_subgoals
            if len(goals) >= most:  # a list of goal files may be longer (not bounded by it)
                held = (f"the list is full ({len(goals)} sub-goals = goals.max_subgoals)"
                        if len(goals) == most else
                        f"the list holds {len(goals)} sub-goals (goal files are not bounded by "
                        f"goals.max_subgoals), more than goals.max_subgoals {most} lets "
                        "~/add_subgoal make")
                raise RuntimeError(f"~/add_subgoal refused: {held}; call ~/clear_goals to start "
                                   "a new one")
            stale = [str(index + 1) for index, g in enumerate(goals) if g.other_hand(self.hand)]
            if stale and self.goal_switching.gripper == "subgoal":  # the list restarts at 1
                raise RuntimeError(
                    f"~/add_subgoal refused: sub-goal(s) {', '.join(stale)} of the list were "
                    f"captured on another hand than this arm's ({self.hand}); call ~/clear_goals "
                    "and capture the list again")
            goal = self._captured_subgoal("~/add_subgoal", f"added sub-goal {len(goals) + 1}",
                                          goals)
            gripper = "unknown (no recent finger joints)" if goal.closedness() is None else \
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
        """Forget every goal: nothing is planned or commanded until a new one (arm holds).

        A running camera check goes on (it needs no goal, as a goal set meanwhile waits for
        its end, breaker49g); the session holds on "no goal" once it has ended.
        """
        with self._lock:
            count = 0 if self.goals is None else len(self.goals.goals)
            self.goals, self.goal_decoding = None, ""
            self.goal_version += 1
            self.user_epoch += 1
            self.planner.reset()
            self._drop_prepared("goals cleared")
            message = f"goals cleared ({count} removed)"
            checking = self.camera_check is not None
            if checking:
                message += "; the camera check goes on (it needs no goal; ~/enable false stops it)"
            self.log("info", message)
            if checking:
                return message
            refusal = Refusal(RefusalKind.NO_GOAL, self._goal_problem())
            if self.enabled:
                self._hold(refusal)
            else:  # shadow mode: the status says at once why nothing is planned
                self._refuse(refusal)
            return message

    def _captured_subgoal(self, service: str, source: str,
                          listed: Sequence[SubGoal] = ()) -> SubGoal:
        """Return the newest frame as a sub-goal (with the state nearest to it); locked.

        RuntimeError (one line naming ``service``; ``refusal.CaptureRefused`` with the camera
        topic as ``missing_topic`` when no frame came yet) when the planning loop would refuse the
        frame or the robot state (``capture_refusal`` of the loop's own first reason,
        ``_first_input_blocker``: invalid, none yet, stale, stamped in the future; when both
        inputs are bad, the one the loop names): an invalid state is never stored and a stale
        one lies far from the frame, so without this test the sub-goal would be kept with no
        state (held axes, gripper), silently. While enabled, a
        frame from a bag player is refused too, as the loop refuses it (breaker44n): the arm
        would be driven toward the recording's picture. Refused as well: any capture while a
        live camera check runs (its frames show the arm on a test motion, breaker52a; a goal
        file or ``~/goal_image`` set meanwhile waits for the check's end, breaker49g), and a
        newest frame not at rest (``frame_rest.frame_motion``: the TCP moved, the hand turned
        or the gripper changed beyond their tolerances in the robot states after it, or, none
        after it yet, in the ``REST_SETTLE_S`` before it): the arm guided on since a slow
        camera's frame, the sub-goal would be a state the arm left, or a duplicate of the
        previous one (breaker52a, breaker52k). While commanding drives the arm toward a goal,
        the refusal names ``~/clear_goals`` and ``~/enable false``, not holding the arm still.
        Refused last: a frame that repeats an earlier capture's image while the hand's state
        changed since that one (``capture_pictures``: the TCP 1 cm away, the hand turned 1
        degree, its closedness 0.025): a frozen camera re-publishing with fresh stamps, or an
        arm out of view (breaker54a, breaker54i). Before that, with ``listed`` (the list
        ``~/add_subgoal`` appends to): the very frame one of them was captured from
        (``SubGoal.captured_from``: same stamp and pixels), a call repeated before a newer frame
        came (live54); a newer frame of the arm still is taken (the same pose again).
        """
        if self.camera_check is not None:  # its frames show the arm on a test motion
            raise RuntimeError(self._check_refusal(service))
        frame = self.inputs.frame
        now = self.clock()
        problem, silent = self._inputs_refused(service, now)  # the loop's order (fix45c)
        if problem:  # no frame yet: typed, so the node adds where frames may be (user59)
            raise CaptureRefused(problem, silent)
        # the arm when the frame was taken: its time on the states' clock (Stamped.state_time)
        motion = frame_motion(self.inputs, frame.state_time, self.limits.max_state_age_s)
        if not motion.at_rest:  # the frame shows a state the arm has left (frame_rest)
            planner_moving = (self.enabled and self.phase is not Phase.HOLDING
                              and self.goals is not None and not self.goals.finished)
            raise RuntimeError(moved_refusal(service, motion, planner_moving))
        for index, earlier in enumerate(listed):  # a retried call: that sub-goal again
            if earlier.captured_from(frame.stamp, frame.value):
                raise RuntimeError(
                    f"{service} refused: the newest frame on {self.camera_topic()} (stamp "
                    f"{frame.stamp:.3f} s) is already sub-goal {index + 1}; move the arm or "
                    f"wait for a newer frame, then call {service} again")
        state = self.inputs.state_at(frame.state_time)
        near = state is not None and \
            abs(state.stamp - frame.state_time) <= self.limits.max_state_age_s
        measured = near and state.gripper_measured
        repeat = self.captures.offer(f"an earlier capture ({source}, {service})", frame.value,
                                     state.value if near else None,
                                     measured)  # a frozen camera (capture_pictures)
        if repeat is not None:
            raise RuntimeError(stale_capture_refusal(service, self.camera_topic(), repeat))
        return SubGoal(frame.value.copy(), None, source=source,
                       state=np.array(state.value, dtype=np.float64) if near else None,
                       gripper_measured=measured, hand=self.hand if measured else None,
                       frame_stamp=frame.stamp)

    def _inputs_refused(self, service: str, now: float, frozen: bool = False) -> tuple[str, str]:
        """Return why ``service`` refuses the inputs at ``now`` [s], in one line ("" if not).

        The one wording of the captures and ``~/camera_check`` (breaker61b): the loop's first
        reason (``_first_input_blocker``; ``frozen``: with the loop's frozen-camera hold, which
        the captures judge by their own rule) naming its topic and what to do
        (``subgoal.capture_refusal``), the robot state's as the node reads it (joint states or
        robot poses: ``state_what``). Also returns the camera topic when no frame came yet
        ("": otherwise), for the node to add where frames may be (user59). Locked.
        """
        whose, blocker = self._first_input_blocker(now, frozen)
        if whose in ("recorded", "frozen"):  # the loop's own line: it says what to do
            return f"{service} refused: {blocker.detail}", ""
        problem = capture_refusal(
            service, blocker if whose == "camera" else Blocker(""), self.camera_topic(),
            blocker if whose in ("state", "invalid_state") else None, self.state_topic(),
            self.state_what)
        return problem, (blocker.missing_topic if whose == "camera" else "")

    @staticmethod
    def _check_refusal(service: str, then: str = "") -> str:
        """Return a capture's refusal while a live camera check runs, the same for both services.

        ``then``: words after the advice (``~/add_subgoal``: commanding must be off).
        """
        return (f"{service} refused: a live camera check (~/camera_check) is running: the arm is "
                "on its test motions and the frames show poses it leaves; wait for its answer "
                f"(or stop it with ~/enable false), then call {service} again{then}")

    def _goal_problem(self) -> str:
        if self.goal_decoding and self.enabled:  # shadow mode plans on (labelled)
            return self._decoding_problem()
        if self.goals is None:
            return ("no goal: call ~/capture_goal or ~/add_subgoal, publish on ~/goal_image or "
                    "set goal_image_path")
        if self.goals.finished:
            return f"no goal: {self.goals.describe()}"
        return self._other_hand_problem()

    def _other_hand_problem(self) -> str:
        """Why the sub-goals ahead cannot be commanded: captured on another hand ("" if not)."""
        stale = self.goals.other_hand(self.hand)
        if not stale:
            return ""
        numbers = ", ".join(str(index + 1) for index in stale)
        was = self.goals.goals[stale[0]].hand
        return (f"sub-goal{'s' if len(stale) > 1 else ''} {numbers} "
                f"{'were' if len(stale) > 1 else 'was'} captured while the gripper's closedness "
                f"came from {was}, not this arm's hand {self.hand}, and goals.gripper subgoal "
                "would command that closedness: call ~/clear_goals and capture the sub-goals "
                "again (~/add_subgoal)")


def replaced_list(count: int, new: int) -> str:
    """Return what a goal of ``new`` sub-goals says when it replaces a list of ``count``.

    ``"replaced the list of 3 sub-goals with this one goal (...); "`` when one goal replaces
    several (a list captured by hand is minutes of guiding: dropped without a word, user52u,
    breaker56a), else "".
    """
    if count <= 1 or new != 1:
        return ""
    return (f"replaced the list of {count} sub-goals with this one goal (to change one sub-goal: "
            "~/clear_goals, then ~/add_subgoal at each pose); ")

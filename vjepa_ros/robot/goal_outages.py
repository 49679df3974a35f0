"""A gripper action server's outages, as ``awaited_goals.AwaitedGoals`` keeps them (ROS-free).

No server (a goal not sent) or goals unanswered past ``control.gripper_result_timeout_s``
(overdue) begin an outage, said once; a goal going out again, or an answer, ends it in one line
(the rules: ``awaited_goals``' module docstring).
"""

from __future__ import annotations

PREFIX = "control.gripper_action: "


class GoalOutages:
    """AwaitedGoals' outages: goals not sent, sent again, answered, overdue.

    A mixin of :class:`~vjepa_ros.robot.awaited_goals.AwaitedGoals`, whose ``__init__`` sets the
    state these methods read and write (``name``, ``result_timeout_s``, ``awaiting``, ``late``,
    ``lost``, ``missing``, ``sent``, ``unsent``, ``unsent_now``, ``unjudged``, ``forgotten``,
    ``unanswered``, ``_lock``).
    """

    def not_sent(self, number: int, why: str) -> str:
        """Note goal ``number`` did not go out (``why``); return the outage's warning or ""."""
        with self._lock:
            self.sent -= 1
            self.unjudged.discard(number)
            said, self.missing = self.missing, True
            self.unsent += 1
            self.unsent_now = self.unsent_now + 1 if said else 1
            if said:
                return ""
            # the goals awaited go with the server: one outage, untimed
            self.lost = {n: accepted for n, (_, _, accepted) in self.awaiting.items()}
            self.lost.update((n, True) for n in self.late)
            self.awaiting.clear()
            self.late.clear()
            lost = len(self.lost)
        pending = f" ({lost} sent before had no answer yet)" if lost else ""
        return (f"{PREFIX}{why}; gripper goals are not sent until it answers (gripper_command is "
                f"still published){pending}")

    def went_out(self, number: int, closedness: float, sent_at: float) -> str:
        """Note goal ``number`` was sent at ``sent_at``; return the outage's end line or ""."""
        with self._lock:
            said, self.missing = self.missing, False
            lost = len(self.lost) if said else 0  # those no answer came for meanwhile
            if said:
                self.lost.clear()
            if self.result_timeout_s > 0:
                self.awaiting[number] = (sent_at, closedness, False)
        if not said:
            return ""
        lost_words = f", {lost} sent before it went never answered" if lost else ""
        return (f"{PREFIX}the GripperCommand server at {self.name} answers; gripper goals are "
                f"sent again ({self.unsent_now} not sent{lost_words})")

    def _back(self, number: int, sent_at: float, now: float, superseding: bool = True) -> str:
        """Note goal ``number`` (sent at ``sent_at``) answered at ``now``; locked.

        The goals it answers are no longer awaited (nor lost with the server). Returns "" or,
        when this answer ends an outage, the words saying so ("; ...").
        """
        self.awaiting = {n: entry for n, entry in self.awaiting.items()
                         if not _answered_by(n, entry[2], number, superseding)}
        self.lost = {n: accepted for n, accepted in self.lost.items()
                     if not _answered_by(n, accepted, number, superseding)}
        if not self.late:
            return ""
        count = len(self.late)
        self.late.clear()
        return (f"; {self.name} answers again, {now - sent_at:.1f} s after that goal was sent "
                f"({count} goal{'s' if count != 1 else ''} went unanswered past "
                "control.gripper_result_timeout_s)")

    def overdue(self, now: float) -> tuple[list[int], str]:
        """Forget the goals without an answer ``result_timeout_s`` before ``now``.

        Returns their numbers (ascending) and the warning, "" unless they begin an outage.
        """
        if self.result_timeout_s <= 0:
            return [], ""
        with self._lock:
            late = sorted((number, closedness, accepted) for number, (since, closedness, accepted)
                          in self.awaiting.items() if now - since >= self.result_timeout_s)
            for number, _, accepted in late:
                del self.awaiting[number]
                if not accepted and number in self.unjudged:  # forgotten: no longer awaited,
                    self.unjudged.discard(number)  # still sent and not rejected (until it is)
                    self.forgotten.add(number)
            self.unanswered += len(late)
            first = not self.late
            self.late.update(number for number, _, _ in late)
        numbers = [number for number, _, _ in late]
        if not (late and first):
            return numbers, ""
        _, closedness, accepted = late[0]
        what = (f"no result from {self.name} for the gripper goal (closedness {closedness:.2f}) "
                f"{self.result_timeout_s:g} s after the server accepted it" if accepted else
                f"{self.name} has not accepted the gripper goal (closedness {closedness:.2f}) "
                f"{self.result_timeout_s:g} s after it was sent")
        return numbers, (f"{PREFIX}{what} (control.gripper_result_timeout_s): the driver may "
                         f"have hung or died; check the hand and its driver (ros2 action info "
                         f"{self.name}); later goals without an answer are counted until it "
                         "answers")


def _answered_by(older: int, accepted: bool, number: int, superseding: bool) -> bool:
    """Tell whether goal ``older`` (``accepted`` by then) is answered by ``number``'s answer.

    Its own answer; a result (``superseding``) answers every older goal (the driver preempts
    them); a rejection answers only the older goals not yet accepted.
    """
    return older == number or (older < number and (superseding or not accepted))

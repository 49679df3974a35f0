"""What became of goal parameters a ``vjepa-ros planner`` verb set: read from the node's state.

The planner's ``/rosout`` lines say it first (``goal_words.file_word``), but only at the log
level it runs at: with ``--log-level planner:=warn`` its ``new goal: ...`` line (INFO) never
comes, and at ``error`` or above neither do its warnings; and a set it answered successful
carries no reason (rclpy drops it). What the node publishes whatever its log level decides
(:class:`GoalState`), read from a ``/diagnostics`` status published after the set was answered
(the first one heard after the answer is passed over: it may have been built before the set):

- waiting: its ``goal_decoding`` names files still decoding (the next status is read);
- not applied: its ``goal_not_applied`` holds the node's line (goal lists that disagree,
  ``goal not changed yet: ...``; a file the decode refused, set back; applying it failed);
- refused: a goal file parameter set no longer holds the value set (``~/get_parameters``,
  asked once per status): the node set it back when the decode refused a file, or another goal
  replaced the files since;
- applied: none of these: the values are in force (the files became the goal, or the goal
  already stood on them; counts applied; a goal cleared), its ``goal`` the goal now.

Either way its ``goal_idle`` holds the node's warnings on the values set that do nothing under
its settings (``goal_gripper`` while ``goals.gripper`` is planned), kept as :attr:`GoalState.idle`
for the command to print (user62b #4: they reached the node's log only).

rclpy is imported inside the methods (the CLI parser builds without ROS).
"""

from __future__ import annotations

from vjepa_ros.robot.goal_words import REFUSED, TAKEN


def status_values(status) -> dict[str, str]:
    """Return the key → value pairs of one ``diagnostic_msgs/DiagnosticStatus``."""
    return {kv.key: kv.value for kv in status.values}


def status_goal(status) -> str:
    """Return the ``goal`` value of one ``diagnostic_msgs/DiagnosticStatus`` ('' none)."""
    return status_values(status).get("goal", "")


class GoalState:
    """Watch the planner's goal state after a goal parameter set (see the module docstring).

    ``client``: the ``PlannerClient``; ``files``: each goal file parameter set to goal files
    (``goal_image_path`` / ``goal_image_paths``) → the value set (str / list of str); {} when
    the set names no file. Made before the set (its subscription hears every status after
    it); :meth:`set_answered` once the set is answered successful.
    """

    def __init__(self, client, files: dict):
        from rcl_interfaces.srv import GetParameters

        from vjepa_ros.nodes.planner_watch import watch_statuses

        self.client, self.files = client, dict(files)
        self.statuses: list = []
        watch_statuses(client, self.statuses)
        self.getter = client.node.create_client(GetParameters,
                                                f"{client.target}/get_parameters")
        self.after: int | None = None  # statuses heard before the set was answered
        self.asked = 0  # statuses heard when the parameters were last asked for
        self.future = None
        self.goal = ""  # the status goal when the values were applied
        self.line = ""  # the node's goal_not_applied line that decided (refused)
        self.held: dict = {}  # file parameter → the value it holds again (refused)
        self.idle = ""  # the node's goal_idle: its warnings on values set that do nothing
        self.told: str | None = None

    def set_answered(self) -> None:
        """Mark the set as answered: statuses heard from here on may tell its outcome."""
        self.after = len(self.statuses)

    def word(self) -> str | None:
        """Return :data:`TAKEN` (applied), :data:`REFUSED` or None (not known yet); never blocks.

        Once told, the same word from then on.
        """
        self.told = self.told or self._word()
        return self.told

    def _word(self) -> str | None:
        if self.after is None or len(self.statuses) < self.after + 2:
            return None
        values = status_values(self.statuses[-1])  # (the first after the answer may predate it)
        self.idle = values.get("goal_idle", "")
        if values.get("goal_decoding"):
            return None
        if values.get("goal_not_applied"):
            self.line = values["goal_not_applied"]
            return REFUSED
        if not self.files:
            self.goal = values.get("goal", "")
            return TAKEN
        if self.future is not None and self.future.done():
            answer, self.future = self.future.result(), None
            held = dict(zip(self.files, _python_values(answer), strict=False))
            if len(held) == len(self.files):
                self.held = {name: value for name, value in held.items()
                             if value != self.files[name]}
                if self.held:
                    return REFUSED
                self.goal = values.get("goal", "")
                return TAKEN
        if self.future is None and len(self.statuses) > self.asked \
                and self.getter.service_is_ready():
            from rcl_interfaces.srv import GetParameters

            self.asked = len(self.statuses)
            self.future = self.getter.call_async(GetParameters.Request(names=list(self.files)))
        return None

    def idle_lines(self, printed: list[str]) -> list[str]:
        """Return the node's warnings on the values set that do nothing, less ``printed``.

        From its ``goal_idle`` once the state told (``goal_gripper does nothing while
        goals.gripper is 'planned' ...``), one a line; [] before.
        """
        idle = self.idle if self.word() is not None else ""
        return [line for line in idle.splitlines() if line not in printed]

    def close(self) -> None:
        """Destroy the parameter client (the status subscription ends with the node)."""
        self.client.node.destroy_client(self.getter)


def _python_values(answer) -> list:
    """Return a ``GetParameters`` answer's values as Python values (arrays as lists)."""
    from rclpy.parameter import parameter_value_to_python

    values = [parameter_value_to_python(v) for v in getattr(answer, "values", None) or []]
    return [list(v) if isinstance(v, (list, tuple)) else v for v in values]

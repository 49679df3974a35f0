"""What became of goal files a ``vjepa-ros planner goal-image`` set: read from the node's state.

The planner's ``/rosout`` lines say it first (``goal_words.file_word``), but only at the log
level it runs at: with ``--log-level planner:=warn`` its ``new goal: ...`` line (INFO) never
comes, and at ``error`` or above neither do its warnings. What the node publishes whatever its
log level decides then (:class:`GoalState`):

- taken: its ``/diagnostics`` ``goal`` (``GoalSequence.describe``, 2 Hz) starts ``goal 1/N
  (FIRST)``, N the files set, FIRST the first one as set. The first status heard after the set
  was answered is passed over: it may have been published before the set;
- refused: the file parameter no longer holds the value set (``~/get_parameters``, asked once
  per status): the node sets it back when the decode refuses a file
  (``goal_decodes._files_refused``), or another goal replaced the files since.

rclpy is imported inside the methods (the CLI parser builds without ROS).
"""

from __future__ import annotations

from vjepa_ros.robot.goal_words import REFUSED, TAKEN


def status_goal(status) -> str:
    """Return the ``goal`` value of one ``diagnostic_msgs/DiagnosticStatus`` ('' none)."""
    return next((kv.value for kv in status.values if kv.key == "goal"), "")


class GoalState:
    """Watch the planner's goal state after a goal file set (see the module docstring).

    ``client``: the ``PlannerClient``; ``parameter``: ``goal_image_path`` or
    ``goal_image_paths``; ``value``: what it was set to (str / list of str); ``count``: the
    files set; ``first``: the first one as set (absolute). Made before the set (its
    subscription hears every status after it); :meth:`set_answered` once the set is answered.
    """

    def __init__(self, client, parameter: str, value, count: int, first: str):
        from rcl_interfaces.srv import GetParameters

        from vjepa_ros.nodes.planner_watch import watch_statuses

        self.client, self.parameter, self.value = client, parameter, value
        self.head = f"goal 1/{count} ({first})"
        self.statuses: list = []
        watch_statuses(client, self.statuses)
        self.getter = client.node.create_client(GetParameters,
                                                f"{client.target}/get_parameters")
        self.after: int | None = None  # statuses heard before the set was answered
        self.asked = 0  # statuses heard when the parameter was last asked for
        self.future = None
        self.goal = ""  # the status goal that decided (taken)
        self.held = None  # the file parameter's value that decided (refused)

    def set_answered(self) -> None:
        """Mark the set as answered: statuses heard from here on may tell its outcome."""
        self.after = len(self.statuses)

    def word(self) -> str | None:
        """Return :data:`TAKEN`, :data:`REFUSED` or None (not known yet); never blocks."""
        if self.after is None:
            return None
        fresh = self.statuses[self.after + 1:]  # (the first may predate the set)
        for status in fresh:
            if status_goal(status).startswith(self.head):
                self.goal = status_goal(status)
                return TAKEN
        if self.future is not None and self.future.done():
            values = getattr(self.future.result(), "values", None) or []
            self.future = None
            if values:
                from rclpy.parameter import parameter_value_to_python

                held = parameter_value_to_python(values[0])
                held = list(held) if isinstance(held, (list, tuple)) else held
                if held != self.value:
                    self.held = held
                    return REFUSED
        if fresh and self.future is None and len(self.statuses) > self.asked \
                and self.getter.service_is_ready():
            from rcl_interfaces.srv import GetParameters

            self.asked = len(self.statuses)
            self.future = self.getter.call_async(GetParameters.Request(names=[self.parameter]))
        return None

    def close(self) -> None:
        """Destroy the parameter client (the status subscription ends with the node)."""
        self.client.node.destroy_client(self.getter)

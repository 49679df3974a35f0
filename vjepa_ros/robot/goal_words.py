"""What the planner's ``/rosout`` lines say of a goal a ``vjepa-ros planner`` verb set.

Each line is told by its form: the head the planner starts it with and the file, parameter or
topic it names where the planner puts them, never by words found anywhere in it, so a warning
about another input (the gripper topic's fingers ignored, a camera frame held) or a file whose
name holds "refused" decides nothing (review60a #1). ``line``: ``"LOGGER: message"``, as
:meth:`~vjepa_ros.nodes.planner_client.PlannerClient.node_logs` gathers it; ``level``:
``rcl_interfaces/msg/Log``'s (30 WARN). Each function returns :data:`TAKEN`, :data:`KEPT`,
:data:`REFUSED` or None (the line is about something else).

Goal files (``goal_image_path`` / ``goal_image_paths`` set at run time):

- taken: ``new goal: goal 1/N (FILE), ...`` (``GoalSession.set_goals``; a warning when led by
  ``goal_session.replaced_list``'s ``replaced the list of K sub-goals with this one goal
  (...); ``);
- kept: ``PARAMETER set to its value in force, its files unchanged ...``
  (``goal_values_in_force``);
- refused: ``goal not changed yet: ...`` (goal lists that disagree: ``planner_goals`` and
  ``goal_updates``), ``P[ and Q ...] not applied: ...`` whose head names goal parameters only
  (a file the decode refused: ``goal_decodes._files_refused``), and the error ``applying a
  decoded goal failed, commanding disabled: ...`` (:data:`APPLY_FAILED`: applying raised; it
  names no goal, so one said while the verb's goal decodes is taken as its refusal, with the
  node's words: commanding is off either way). A planner whose log level publishes none of
  these lines is read from its state instead (``goal_state``).

Goal images on TOPIC (``goal-pose``): taken ``new goal: goal 1/1 (~/goal_image...)``; kept ``the
goal image on TOPIC came again with the same pixels: ...`` (info); refused ``ignoring [the] goal
image on TOPIC: ...`` (``planner_goal_images._apply_goal_image``, ``goal_image_rules``,
``recorded_inputs.recorded_goal_problem``), the warnings ``the goal image on TOPIC
came again ...: not taken, ...`` (``resent_goals``) and the error of a failed apply.
"""

from __future__ import annotations

import re

TAKEN, KEPT, REFUSED = "taken", "kept", "refused"
# the head of the planner's warning that goal parameters set at run time left its goal as it
# was: goal lists that disagree (``planner_goals.load_goal_files``, ``goal_updates``)
NOT_CHANGED = "goal not changed yet: "
WARN = 30  # rcl_interfaces/msg/Log.WARN
ERROR = 40  # rcl_interfaces/msg/Log.ERROR
# ``PlannerCommanding._failed``'s ``where`` for an error while applying a decoded goal, and
# the head of its error line then (``{where} failed, commanding disabled: ``): not taken
APPLYING = "applying a decoded goal"
APPLY_FAILED = f"{APPLYING} failed, commanding disabled: "
# goal_session.replaced_list's head (its parenthesis holds no ")"), before "new goal: "
_REPLACED = r"(?:replaced the list of \d+ sub-goals with this one goal \([^)]*\); )?"


def message_of(line: str) -> str:
    """Return the message of ``"LOGGER: message"`` (a logger name holds no ": ")."""
    return line.partition(": ")[2]


def goal_lines(logs: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Return the (level, "LOGGER: message") lines of ``logs`` that speak of goals, in order.

    Leaves out the planner's hold lines ("not commanding: no goal: ..." of a planner just
    started): a state it is in, not an answer to the goal just sent (docs60q).
    """
    return [(level, line) for level, line in logs
            if "goal" in line and not message_of(line).startswith("not commanding")]


def _new_goal(message: str, source: str) -> bool:
    """Whether ``message`` is the planner's ``new goal`` line whose first sub-goal is ``source``.

    ``source``: a regular expression for what the line puts in the first goal's parentheses.
    """
    return re.match(rf"{_REPLACED}new goal: goal 1/\d+ \({source}\)", message) is not None


def _apply_failed(level: int, message: str) -> bool:
    """Whether ``message`` is the node's error that applying a decoded goal raised.

    It names no file or topic (the exception's words follow): said while a goal the verb set
    decodes, it is read as that goal's refusal; commanding is off until ``~/enable true``.
    """
    return level >= ERROR and message.startswith(APPLY_FAILED)


def file_word(level: int, line: str, parameter: str, first: str) -> str | None:
    """Return what ``line`` says of goal files set through ``parameter`` (first file ``first``).

    ``parameter``: ``goal_image_path`` or ``goal_image_paths``; ``first``: the first file's
    absolute path as set (the ``new goal`` line names it).
    """
    from vjepa_ros.robot.planner_config import GOAL_PARAMETERS

    message = message_of(line)
    if _new_goal(message, re.escape(first)):
        return TAKEN
    if message.startswith(f"{parameter} set to its value in force, its files unchanged"):
        return KEPT
    if level < WARN:
        return None
    if message.startswith(NOT_CHANGED) or _apply_failed(level, message):
        return REFUSED
    head, found, _ = message.partition(" not applied: ")
    if found and set(head.split(" and ")) <= set(GOAL_PARAMETERS):
        return REFUSED
    return None


def image_word(level: int, line: str, topic: str) -> str | None:
    """Return what ``line`` says of a goal image sent on ``topic`` (fully qualified).

    The planner names the topic it subscribed (``~/goal_image``, resolved) or its
    ``/compressed``; a topic name holds no space or colon, so what follows it is the planner's.
    """
    message = message_of(line)
    if _new_goal(message, r"~/goal_image(?:/compressed)?"):
        return TAKEN
    on = rf"{re.escape(topic)}(?:/compressed)?"
    if re.match(rf"the goal image on {on} came again with the same pixels: ", message):
        return KEPT
    if level < WARN:
        return None
    if re.match(rf"ignoring (?:the )?goal image on {on}: ", message) or \
            _apply_failed(level, message):
        return REFUSED
    if re.match(rf"the goal image on {on} came again .*?: not taken, ", message):
        return REFUSED
    return None

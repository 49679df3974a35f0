"""Whether a goal image from a topic is taken, ignored or waits: the publisher rules, ROS-free.

The planner node (:class:`vjepa_ros.nodes.goal_images.GoalImages`) asks the ROS graph who
published a goal image on ``~/goal_image``, then :func:`goal_image_verdict` decides from the
answer: a bag player's image is ignored (a replayed bag's old goal would replace the goal set
now); one whose publisher's node the graph has not named for ``unnamed_limit_s`` is ignored,
or taken unchecked with ``safety.take_unnamed_publishers``; otherwise it is taken once the
graph's view of its publishers settled, and waits before. The decoded image itself is checked
by :func:`vjepa_ros.image_limits.goal_image_problem` (size, shape) once it is taken.
"""

from __future__ import annotations

import dataclasses

from vjepa_ros.robot.recorded_inputs import recorded_goal_problem
from vjepa_ros.start_forms import restart_planner_with

# start-only: a restart with it, in both ways of starting the planner (launch: planner.NAME)
TAKE_UNNAMED = restart_planner_with("safety.take_unnamed_publishers", True, "true")

TAKE, WAIT, IGNORE = "take", "wait", "ignore"


@dataclasses.dataclass(frozen=True)
class GoalVerdict:
    """What becomes of a goal image: ``action`` (take, wait or ignore) and a line to log.

    ``warning``: a line for the node to log as a warning ("" when there is none to say).
    """

    action: str
    warning: str = ""


def goal_image_verdict(topic: str, players: list[str] | None, waited_s: float,
                       unnamed_limit_s: float, take_unnamed: bool,
                       settled: bool) -> GoalVerdict:
    """Decide a goal image on ``topic`` from what the ROS graph says of its publisher.

    ``players``: the bag players among its publishers ([] none; None: the graph has not named
    its publisher's node yet); ``waited_s`` [s]: since the image came; ``unnamed_limit_s`` [s]:
    how long an unnamed publisher is waited for (``input_sources.UNNAMED_WARN_S``);
    ``take_unnamed``: ``safety.take_unnamed_publishers``; ``settled``: whether the graph has
    listed its publishers long enough to be believed (``FirstListed.settled``). An ignored
    image replaces nothing; one that waits is decided again at the node's 2 Hz check.
    """
    if players:
        return GoalVerdict(IGNORE, recorded_goal_problem(topic, players))
    if players is None and waited_s > unnamed_limit_s:
        if not take_unnamed:
            return GoalVerdict(IGNORE, (
                f"ignoring the goal image on {topic}: the ROS graph has not named its "
                f"publisher's node for {unnamed_limit_s:g} s (a bag player? a DDS bridge?); "
                f"check `ros2 topic info -v {topic}`; if it is a DDS bridge you trust, "
                f"{TAKE_UNNAMED}"))
        return GoalVerdict(TAKE, (
            f"the goal image on {topic} is taken unchecked for a bag player: its "
            f"publisher's node was not named for {unnamed_limit_s:g} s and "
            "safety.take_unnamed_publishers is true"))
    return GoalVerdict(TAKE if settled else WAIT)

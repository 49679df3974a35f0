"""The planner node's sub-goal list services: goals set as a person does (std_srvs/Trigger).

Guide the arm (commanding disabled) to each sub-goal pose and call ``~/add_subgoal``: the newest
camera frame, with the robot state measured at it, is appended to the sub-goal list and the
sequence starts over at its first sub-goal. ``~/clear_goals`` empties the list (an enabled arm
holds). ``~/capture_goal`` keeps its meaning: the list becomes the newest frame alone. All three
are created here; the logic, refusals included, is :class:`vjepa_ros.robot.mpc.MPCSession`'s
(``capture_goal``, ``add_subgoal``, ``clear_goals``): a refusal answers success false with its
one-line reason, is logged as a warning and moves nothing; one before any camera frame came adds,
in that line, the image topics with a publisher in the ROS graph (:func:`camera_hint`). A call
that changes the goal sets the goal parameters back to empty (``PlannerNode.forget_goal_files``;
the answer names those that held a value), so ``ros2 param get`` tells the truth and a later
``goal_steps`` alone does not bring the old goal files back (it applies to the new goal's
sub-goals instead: ``nodes/goal_updates.py``).
"""

from __future__ import annotations

from std_srvs.srv import Trigger

from vjepa_ros.nodes.graph_publishers import published_topics


def add_goal_list_services(node) -> None:
    """Create ``~/capture_goal``, ``~/add_subgoal``, ``~/clear_goals`` on a planner node."""

    def answer(call):
        def callback(request, response):
            try:
                response.message = call()
                response.success = True
                # the goal parameters no longer describe the goal: emptied, and said (user52u)
                response.message += node.forget_goal_files()
            except (RuntimeError, ValueError) as exc:
                # joint states that arrive without the arm's joints: "no robot state received
                # yet" alone would send the user to a topic that does bring messages (user57u)
                notes = [p.note for p in node._input_problems() if p.arriving]
                if getattr(exc, "missing_topic", ""):  # no frame yet: where frames may be
                    notes.append(camera_hint(node))
                response.success, response.message = False, "; ".join([str(exc), *notes])
                node.get_logger().warning(response.message)
            node.worker.wake()
            return response

        return callback

    node.create_service(Trigger, "~/capture_goal", answer(node.session.capture_goal))
    node.create_service(Trigger, "~/add_subgoal", answer(node.session.add_subgoal))
    node.create_service(Trigger, "~/clear_goals", answer(node.session.clear_goals))


def camera_hint(node) -> str:
    """Where the camera's frames may be, for a capture refused before any came (one clause).

    The image topics with a publisher in the ROS graph, the likely one first, as the silent
    camera's diagnostics line says them (``input_watch.InputWatch.none_yet_hint``); the refusal
    itself names the topic listened on, after remaps (``node.image_topic``).
    """
    watch = node.image_watch
    return watch.none_yet_hint(published_topics(node, watch.types)) or ""

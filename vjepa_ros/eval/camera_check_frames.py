"""Is the recording's arm the arm of the planner file the offline camera check writes into.

``vjepa-ros camera-check BAG --params-file FILE`` writes the correction it finds into a copy of
FILE. A bag reader accepts the states of any arm's base (``base``, ``<prefix>link0``: it knows no
robot configuration), so a bag of a bimanual cell's left arm (poses stamped ``left_fr3_link0``)
checked against the right arm's file (``robot.base_frame: right_fr3_link0``) went on and wrote
the left arm's correction into the right arm's file: the two arms' bases differ by their mounts,
so that correction is off by the rotation between them (breaker55b). :func:`base_frame_problem`
compares the frame the bag's states are in (``Recording.state_frame``) with the file's
(``robot.base_frame``, empty: ``<robot.joint_prefix>link0``), before the model loads.
"""

from __future__ import annotations

from vjepa_ros.robot.base_frame import same_base_frame


def _planner_frame(robot) -> str:
    """Return the base frame the planner file's arm works in ("" when learned at run time)."""
    frame = robot.base_frame.lstrip("/")
    return frame or (f"{robot.joint_prefix}link0" if robot.joint_prefix else "")


def base_frame_problem(robot, state_frame: str, bag: str, state_topic: str,
                       params_file: str | None) -> str:
    """Return why the bag's arm is not the planner file's ("" when it is, or is not known).

    ``robot``: the written file's ``RobotConfig``; ``state_frame``: the frame the bag's states
    are in (``Recording.state_frame``: the poses' ``header.frame_id``, or ``<prefix>link0`` of
    the joint states read); ``params_file``: the ``--params-file`` as given (None: the
    package's ``config/planner.yaml``). One line naming ``robot.base_frame``, both frames and
    what to do.
    """
    wanted, have = _planner_frame(robot), state_frame.lstrip("/")
    if not wanted or not have or same_base_frame(wanted, have):
        return ""
    name = params_file or "config/planner.yaml"
    said = (f"robot.base_frame {robot.base_frame!r}" if robot.base_frame else
            f"robot.joint_prefix {robot.joint_prefix!r} (base frame {wanted!r})")
    return (f"--params-file {name}: {said}, but the states of {bag} ({state_topic}) are in "
            f"{have!r}: the correction found there would be written into another arm's planner "
            "file, off by the rotation between the two bases; give the --params-file of the arm "
            f"the bag recorded (robot.base_frame {have}), or a bag of this arm")

"""Whether a goal image's ``header.frame_id`` names another camera than the frames' (a warning).

A goal image relayed from the wrong topic (a DROID-like cell: two exterior cameras and a wrist
camera of one model and resolution) passes every size and colour rule, yet shows a view no
motion of the planner's camera reaches (breaker56a). ``header.frame_id`` is the ROS way of naming
the camera a picture comes from, so a goal naming another camera than the frames is said, naming
both ids. Warned, not refused: a frame id is a label any publisher sets (a script's default
``camera_color_optical_frame`` for a renamed driver's picture of the very camera), so a mismatch
is evidence, not proof. An empty id on either side (``ros2 topic pub``, a goal file) is none,
and so is a goal stamped :data:`PUBLISHER_FRAME_ID`, the ``image_publisher``'s default: the
README's route for a goal file publishes it so, and every camera named otherwise (a ZED, a
Kinect, a wrist camera, a prefixed RealSense) would be warned of each goal (review56r). Kept
rather than made empty: the publisher is a stand-in camera too, whose frames and camera_info
need an id. The cost: a goal relayed from a second camera left at that name goes unsaid.
One camera's frames compare equal (:func:`camera_of`): with or without a leading ``/`` (tf2
strips it), its optical or body frame (``camera_color_optical_frame``, ``camera_color_frame``,
``camera_link``).
"""

from __future__ import annotations

import re

# a camera's frame names end so (REP 103 optical frames, the RealSense/ZED driver names)
_FRAME_SUFFIX = re.compile(r"(_optical)?(_frame|_link)$")
# the image_publisher's default frame_id (nodes/image_publisher_config.py): no evidence on a goal
PUBLISHER_FRAME_ID = "camera_color_optical_frame"


def camera_of(frame_id: str) -> str:
    """Return a frame id's camera part: ``"/wrist_color_optical_frame"`` -> ``"wrist_color"``."""
    return _FRAME_SUFFIX.sub("", frame_id.strip().lstrip("/"))


def same_camera(first: str, second: str) -> bool:
    """Whether two non-empty frame ids may name one camera.

    Equal camera parts (:func:`camera_of`), or one the other's at an ``_`` boundary
    (``camera_link`` and ``camera_color_optical_frame``: the body and the colour sensor).
    """
    first, second = sorted((camera_of(first), camera_of(second)), key=len)
    return first == second or second.startswith(first + "_")


def other_camera_warning(goal_id: str, camera_id: str, topic: str, camera_topic: str) -> str:
    """Return the warning for a goal image of frame ``goal_id`` and frames of ``camera_id``.

    "" when either is empty, ``goal_id`` is the image_publisher's default
    (:data:`PUBLISHER_FRAME_ID`, with or without a leading ``/``), or both may name one camera
    (:func:`same_camera`). ``topic``: the goal topic, ``camera_topic``: the frames' (both as the
    node expands them).
    """
    if (not goal_id.strip() or not camera_id.strip() or same_camera(goal_id, camera_id)
            or goal_id.strip().lstrip("/") == PUBLISHER_FRAME_ID):
        return ""
    return (f"the goal image on {topic} has header.frame_id '{goal_id}', the camera frames on "
            f"{camera_topic} '{camera_id}': a picture of another camera? Taken, but the planner "
            "compares this camera's view with it, and a view no motion reaches may drive the arm "
            "anywhere: send a picture of this camera (or ~/capture_goal); if it is this camera's, "
            f"publish it with frame_id '{camera_id}'")


class GoalFrameIds:
    """The goal image's and the camera frames' frame ids, to warn once per goal image.

    ``goal(version, frame_id)`` when a goal image is taken (``version``: the session's
    ``goal_version`` after it); ``camera(frame_id)`` with each camera frame. Each returns the
    warning due now ("" else): at the goal when frames came before, else at the first frame
    after it, while that goal is still the session's (``current_version``).
    """

    def __init__(self):
        self.camera_id = ""
        self.waiting: tuple[int, str] | None = None  # (goal version, frame id) not judged yet

    def goal(self, version: int, frame_id: str, topic: str, camera_topic: str) -> str:
        """Note a goal image taken; return its warning if the frames' id is known."""
        self.waiting = None
        if not self.camera_id:
            self.waiting = (version, frame_id)
            return ""
        return other_camera_warning(frame_id, self.camera_id, topic, camera_topic)

    def camera(self, frame_id: str, current_version: int, topic: str, camera_topic: str) -> str:
        """Note a camera frame's id; return the waiting goal's warning when due."""
        if not frame_id:
            return ""
        self.camera_id = frame_id  # the newest frames' (a camera reconfigured: its new id)
        if self.waiting is None:
            return ""
        waiting, self.waiting = self.waiting, None
        if waiting[0] != current_version:
            return ""  # (that goal replaced since)
        return other_camera_warning(waiting[1], frame_id, topic, camera_topic)

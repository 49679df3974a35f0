"""Check topic names given as options before rcl sees them as remap rules.

rcl answers a bad name in ``-r image:=NAME`` with its raw "Couldn't parse remap rule" and no
option; :func:`check_topic_options` names the option and what is wrong first. rclpy is imported
inside, for the commands that start nodes anyway (``vjepa-ros launch``).
"""

from __future__ import annotations

from vjepa_ros.config import UsageError


def topic_problem(name: str, node: str = "node") -> str | None:
    """Return why ``name`` is no valid ROS 2 topic name (rclpy's first line), or None.

    Relative and private names (``target_pose``, ``~/x``) are expanded for ``node`` in ``/``
    first, so repeated or trailing slashes are caught as rcl would.
    """
    from rclpy.exceptions import InvalidTopicNameException
    from rclpy.expand_topic_name import expand_topic_name
    from rclpy.validate_full_topic_name import validate_full_topic_name
    from rclpy.validate_topic_name import validate_topic_name

    try:
        validate_topic_name(name)
        validate_full_topic_name(expand_topic_name(name, node, "/"))
    except InvalidTopicNameException as exc:
        return str(exc).splitlines()[0].removeprefix("Invalid topic name: ").rstrip(":")
    return None


def check_topic_options(options: dict[str, str], node: str = "node") -> None:
    """Raise UsageError (exit status 2) for the first option whose topic name is invalid.

    ``options``: option → the topic name it gave, e.g. ``{"--camera-topic": "bad topic"}``.
    """
    for option, name in options.items():
        problem = topic_problem(name, node)
        if problem:
            raise UsageError(f"{option} {name!r} is not a valid ROS topic name ({problem}); give "
                             "a name like /ns/topic (letters, digits, '_', single '/')")

"""Check topic names given as options before rcl sees them as remap rules.

rcl answers a bad name in ``-r image:=NAME`` with its raw "Couldn't parse remap rule" and no
option; :func:`check_topic_options` names the option and what is wrong first. A substitution
(``{node}``, ``{ns}``), which a node's own topic name may hold, is no part of a remap target:
rcl refuses the rule (:func:`substitution_problem`, no ROS needed). rclpy is imported inside,
for the commands that start nodes anyway (``vjepa-ros launch``).
"""

from __future__ import annotations

from vjepa_ros.config import UsageError

# The planner's topic options (``--camera-topic``; the launch file's ``camera_topic``) -> their
# default topics, the same in ``vjepa-ros launch`` and ``vjepa_mpc.launch.py``
TOPIC_DEFAULTS = {"camera_topic": "/camera/camera/color/image_raw", "target_topic": "target_pose",
                  "joint_states_topic": "/joint_states", "gripper_topic": "gripper_command"}


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


def substitution_problem(name: str, option: str = "") -> str:
    """Return why rcl refuses ``name`` as a remap target for its ``{...}`` ('' none).

    rcl expands ``{node}`` and ``{ns}`` in the names a node creates, but a remap rule's
    replacement is a plain name (``~/``, '/' and name tokens; rcl's remap lexer): ``-r
    target_pose:={node}/target`` is "Couldn't parse remap rule" and the node does not start.
    ``option``: the option that gave ``name`` (``--camera-topic``, ``camera_topic``); the
    example is its default topic under a namespace written out (``/arm1/camera/camera/color/
    image_raw``), else ``/arm1/target_pose``.
    """
    if "{" not in name and "}" not in name:
        return ""
    default = TOPIC_DEFAULTS.get(option.lstrip("-").replace("-", "_"), "target_pose")
    return ("a remapped topic takes no substitution ({node}, {ns}): rcl refuses it in a remap "
            f"rule; give the name itself, e.g. /arm1/{default.lstrip('/')}")


def check_remap_options(options: dict[str, str], given: str = "{option} {name!r}") -> None:
    """Raise UsageError (one line, exit status 2) for an option whose topic holds ``{...}``.

    ``options``: option → its topic (:func:`substitution_problem`); ``given``: how the
    message names them (``launch argument {option}:={name}``). No ROS needed.
    """
    for option, name in options.items():
        problem = substitution_problem(name, option)
        if problem:
            raise UsageError(f"{given.format(option=option, name=name)}: {problem}")


def check_topic_options(options: dict[str, str], node: str = "node") -> None:
    """Raise UsageError (exit status 2) for the first option whose topic name is invalid.

    ``options``: option → the topic name it gave, e.g. ``{"--camera-topic": "bad topic"}``,
    each already through :func:`check_remap_options` (no rclpy: the caller runs it first, a
    substitution named before the rest; rclpy's validators would call ``{node}`` valid).
    """
    for option, name in options.items():
        problem = topic_problem(name, node)
        if problem:
            raise UsageError(f"{option} {name!r} is not a valid ROS topic name ({problem}); give "
                             "a name like /ns/topic (letters, digits, '_', single '/')")

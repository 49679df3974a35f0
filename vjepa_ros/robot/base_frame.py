"""Which ``header.frame_id`` a measured end-effector pose may carry: the planner node's rule.

States, the measured pose and targets are in the arm's base frame. No transform is looked up
anywhere: a pose stamped in another frame (a camera frame, ``world``) is refused, never silently
re-used as if it were in the base frame. An empty ``frame_id`` is taken as the base frame (the
caller says so once); a leading '/' (ROS 1 style) is ignored. One rule (:func:`frame_matches`,
by :func:`same_base_frame`) for the planner node, the simulator and every bag reader (eval,
train, camera-check): the planner node compares with its one configured base frame
(``robot.base_frame``, default ``<prefix>link0``); a bag reader with the arm's ``<prefix>link0``
the bag's joint names give, or the one given (``data.topics.base_frame``, ``--base-frame``).
Franka_description's ``base`` is an arm's link0 only for a single arm's prefix: each arm of a
multi-arm setup is joined to it at its own mount offset, and another arm's link0 is never this
arm's base. A bag without joint states accepts the frames Franka drivers stamp poses in
(:data:`DRIVER_BASE_FRAME`).

With ``robot.state_source: joint_states`` the states are forward kinematics from the arm's
``<prefix>link0``, whatever ``robot.base_frame`` says, and ``target_pose``/``servo_twist`` go out
stamped in it: a base frame other than link0 (``world``, a table) would send link0 coordinates
stamped in it, and a TF-aware consumer (MoveIt Servo, a controller that transforms by the
frame_id) would move the arm by the mount's offset. :func:`joint_states_frame_problem` refuses
it at start; :func:`learned_base_frame` gives the frame to stamp once the arm's prefix is learned
from the joint names (``robot.joint_prefix`` empty).
"""

from __future__ import annotations

import re

from vjepa_ros.robot.arm_models import ARM_LINK0, NUMBERED_ARM_LINK0, PLAIN_PREFIXES
from vjepa_ros.start_forms import restart_planner_with

# Base frames Franka drivers stamp the end-effector pose in: franka_ros2's ``base``, and an arm's
# ``<prefix>link0`` as its joint names give the prefix (``<prefix><model>_`` of joint_states'
# names, arm_models: panda_link0, fer_link0, left_fr3_link0, robot1/fp3_link0, panda_1_link0
# of franka_ros's multi-panda ``panda_1_``), the planner node's default; not any ``*link0``
# (``camera_link0``, a sensor's own frame)
DRIVER_BASE_FRAME = re.compile(rf"base|{NUMBERED_ARM_LINK0.pattern}")
# franka_description's franka_arm macro joins a link named ``base`` (its ``connected_to``, not
# prefixed) to ``<prefix>link0`` at the mount's xyz/rpy, 0 0 0 by default: then the same frame
FRANKA_DESCRIPTION_BASE = "base"
# the joint prefixes of a single arm (each model's of arm_models, or none), the one
# franka_description joins to ``base`` at 0 0 0 by default; a multi-arm setup's arms (left_fr3_,
# panda_1_, robot1/panda_) are each joined to the shared ``base`` at their own mount offset
# (Franka's multi-arm tutorial: xyz 0 ±0.5 1)
SINGLE_ARM_PREFIXES = PLAIN_PREFIXES


def frame_matches(frame_id: str, base_frame: str = "", prefixes=()) -> bool | None:
    """Whether a pose stamped ``frame_id`` is in the base frame; None when ``frame_id`` is empty.

    ``base_frame`` given (``robot.base_frame``, ``--base-frame``): :func:`same_base_frame`.
    Else ``prefixes``, the joint prefixes of the arms whose joint states were seen (``fr3_``,
    ``right_fr3_``): one of their ``<prefix>link0`` by :func:`same_base_frame`
    (franka_description's ``base`` only for a single arm's prefix; another arm's link0 never).
    Neither: any of
    :data:`DRIVER_BASE_FRAME` counts as the base frame.
    """
    if not frame_id:
        return None
    if base_frame:
        return same_base_frame(frame_id, base_frame)
    if prefixes:
        return any(same_base_frame(frame_id, f"{prefix}link0") for prefix in prefixes)
    return DRIVER_BASE_FRAME.fullmatch(frame_id.lstrip("/")) is not None


def same_base_frame(a: str, b: str) -> bool:
    """Whether frames ``a`` and ``b`` are one base frame (a leading '/' ignored).

    Equal, or :data:`FRANKA_DESCRIPTION_BASE` and a single arm's ``<prefix>link0`` (a prefix
    of :data:`SINGLE_ARM_PREFIXES`: franka_description joins them at 0 0 0); ``base`` and a
    multi-arm setup's ``left_fr3_link0`` are not (each arm at its own mount offset).
    """
    a, b = a.lstrip("/"), b.lstrip("/")
    if a == b:
        return True
    return any(base == FRANKA_DESCRIPTION_BASE and other.endswith("link0")
               and other.removesuffix("link0") in SINGLE_ARM_PREFIXES
               for base, other in ((a, b), (b, a)))


def arm_link0(joint_prefix: str, model: str) -> str:
    """Return the frame an empty ``robot.base_frame`` means before any joint names are read.

    ``<joint_prefix>link0``; without a prefix ``<model>_link0`` (``panda_link0``): the planner
    node's default (``FrankaKinematics.base_frame``), the frame ``current_pose`` is expected in
    with ``state_source`` pose. Once the arm's prefix is read from the joint names
    (``state_source`` joint_states), :func:`learned_base_frame` gives ``<prefix>link0``.
    """
    return f"{joint_prefix or model + '_'}link0"


def _fix(link0: str, prefix: str = "") -> str:
    """Return what to do: restart with another ``robot.base_frame`` (start only), or a pose."""
    base = (f" or {FRANKA_DESCRIPTION_BASE} (franka_description's, where its mount offset is 0)"
            if prefix in SINGLE_ARM_PREFIXES else "")
    return (f"{restart_planner_with('robot.base_frame', link0)}{base} or empty, or with "
            "robot.state_source pose and the pose in that frame on current_pose")


def _base_problem(robot, prefix: str) -> str:
    """Return why ``base`` is not this arm's link0 ('' for a single arm's prefix)."""
    if same_base_frame(FRANKA_DESCRIPTION_BASE, f"{prefix}link0"):
        return ""
    return (f"robot.base_frame {robot.base_frame!r} with the arm's joints {prefix}joint1..7: "
            f"franka_description joins each arm of a multi-arm setup to the shared "
            f"{FRANKA_DESCRIPTION_BASE} at its own mount offset, so target_pose would carry "
            f"{prefix}link0 coordinates stamped {robot.base_frame!r} (off by that offset); "
            f"{_fix(prefix + 'link0', prefix)}")


def joint_states_frame_problem(robot) -> str:
    """Return why ``robot`` (a ``RobotConfig``) stamps link0 coordinates in another frame ('' ok).

    Only with ``state_source`` joint_states and a ``base_frame`` given: it must be
    ``<joint_prefix>link0`` (a leading '/' ignored) or :data:`FRANKA_DESCRIPTION_BASE` (only for a
    single arm's prefix, :data:`SINGLE_ARM_PREFIXES`: a multi-arm setup's arm is offset); with an
    empty ``joint_prefix`` any ``<prefix><model>_link0`` (:data:`ARM_LINK0`; the prefix learned
    at run time is checked then: :func:`learned_base_frame`). One line naming the parameter.
    """
    frame = robot.base_frame.lstrip("/")
    if robot.state_source != "joint_states" or not frame:
        return ""
    if frame == FRANKA_DESCRIPTION_BASE:  # (an empty joint_prefix: the one learned decides)
        return _base_problem(robot, robot.joint_prefix)
    link0 = arm_link0(robot.joint_prefix, robot.model)
    if frame == link0 or not robot.joint_prefix and ARM_LINK0.fullmatch(frame):
        return ""
    return (f"robot.base_frame {robot.base_frame!r} with robot.state_source joint_states: the "
            f"states are forward kinematics from the arm's {link0}, so target_pose would carry "
            f"{link0} coordinates stamped {robot.base_frame!r} (a consumer that transforms by "
            f"the frame would move the arm by the mount's offset); "
            f"{_fix(link0, robot.joint_prefix)}")


def learned_base_frame(robot, prefix: str) -> tuple[str, str]:
    """Return (the frame to stamp set-points in, a problem or '') for the arm's joint ``prefix``.

    ``robot``: the ``RobotConfig``; ``prefix``: the arm's joint name prefix as read from the joint
    states (``fr3_`` of fr3_joint1..7). ``robot.base_frame`` empty: ``<prefix>link0``, the frame
    forward kinematics is in (not ``<model>_link0``: the FR3's joints under robot.model panda).
    Given: itself where it is that frame or :data:`FRANKA_DESCRIPTION_BASE` (a single arm's
    prefix only), else a problem in one line naming ``robot.base_frame`` (commanding is
    refused).
    """
    link0 = f"{prefix}link0"
    frame = robot.base_frame.lstrip("/")
    if not frame:
        return link0, ""
    if frame == link0:
        return robot.base_frame, ""
    if frame == FRANKA_DESCRIPTION_BASE:
        problem = _base_problem(robot, prefix)
        return robot.base_frame, problem and f"{problem}; commanding refused"
    return robot.base_frame, (
        f"robot.base_frame {robot.base_frame!r} but the arm's joints are {prefix}joint1..7: the "
        f"states are forward kinematics from {link0}, and target_pose would carry them stamped "
        f"{robot.base_frame!r}; commanding refused: {_fix(link0, prefix)}")

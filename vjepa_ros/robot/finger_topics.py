"""Which finger joint state topics may bring this arm's hand, and how near to the arm they are.

The planner node's automatic search (:class:`vjepa_ros.robot.finger_watch.FingerWatch`, with no
``robot.gripper_state_topic`` set) takes this arm's gripper topic by rank (:func:`topic_rank`):
first ``*gripper*`` JointState topics in the arm's namespace (for arm states on
``/robot1/joint_states``: ``/robot1/franka_gripper/joint_states``), then one namespace above
(``/franka_gripper/joint_states`` for ``/franka/joint_states``), then, once the arm's prefix
is a distinctive one (``panda_1_``, ``left_fr3_``; not plain ``panda_``/``fr3_``), a topic
with that prefix deeper in the arm's namespace (``/cell1/left/franka_gripper/joint_states``
for ``/cell1/joint_states``; never a sibling namespace, which may be another cell's), and
last the fingers merged into the arm's own joint state topic (a ``joint_state_publisher``
republishes a dead gripper driver's last values, and a bag played onto ``/joint_states``
would bring another hand). A ``*gripper*`` topic in another robot's
namespace (``/robot2/gripper/joint_states`` for arm states on ``/joint_states``) is not
taken, said once with the parameter to set. The namespace is the one of the arm's state
topic (``current_pose`` with ``robot.state_source: pose``). :class:`FingerSource` is one topic
and hand seen, with its rank; ``FingerWatch`` ranks one outside the namespaces by this arm's
distinctive prefix (``PREFIX_RANK``).

ROS-free: fully resolved topic names in, ranks out.
"""

from __future__ import annotations

import dataclasses

PREFIX_RANK = 50  # outside the arm's namespaces, but the arm's distinctive prefix
MERGED_RANK = 90  # fingers merged into the arm's own joint state topic: the last resort
CONFIGURED_RANK = 0  # robot.gripper_state_topic: the only topic


def topic_parts(topic: str) -> list[str]:
    return [part for part in topic.split("/") if part]


def _space_rank(owner: list[str], space: list[str]) -> int | None:
    """How many namespaces above ``space`` the namespace ``owner`` is (None: not above it)."""
    return len(space) - len(owner) if owner == space[:len(owner)] else None


def topic_rank(topic: str, arm_topic: str, anchor_topic: str = "") -> int | None:
    """Rank a finger topic for the automatic search: lower is nearer to the arm (None: never).

    ``topic``, ``arm_topic`` (the arm's joint state topic), ``anchor_topic`` (the topic whose
    namespace is the arm's; default ``arm_topic``; ``current_pose`` in pose mode): fully
    resolved ROS topic names. A topic whose last ``*gripper*`` name part lies in the anchor's
    namespace ranks 0, one namespace above 1, and so on; the arm's own topic ranks
    ``MERGED_RANK`` when it lies in that namespace or above; any other topic is None (a
    distinctive arm prefix may still rank it, :class:`FingerWatch`).
    """
    space = topic_parts(anchor_topic or arm_topic)[:-1]
    if topic == arm_topic:
        rank = _space_rank(topic_parts(arm_topic)[:-1], space)
        return None if rank is None else MERGED_RANK
    parts = topic_parts(topic)
    index = max((i for i, part in enumerate(parts) if "gripper" in part.lower()), default=None)
    return None if index is None else _space_rank(parts[:index], space)


@dataclasses.dataclass
class FingerSource:
    """One (topic, prefix) that brought finger joint states; its automatic-search rank."""

    topic: str
    prefix: str | None  # None: only unusable messages so far (the prefix is not known)
    rank: int | None  # by namespace (topic_rank); None: outside the arm's namespaces

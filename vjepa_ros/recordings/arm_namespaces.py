"""Which arms a bag's state topics belong to: one namespace per arm (``/fr3_1``, ``/fr3_2``).

A bag of two arms recorded with each arm's driver in its own namespace holds each state topic
once per arm, under the same name: ``/fr3_1/joint_states`` and ``/fr3_2/joint_states``,
``/left/franka_robot_state_broadcaster/current_pose`` and ``/right/...``. Topics of one kind
(pose, or arm joint states) whose names agree after their first parts are taken for one topic
of several arms; each arm's namespace is what is left before the shared part
(:func:`arm_namespaces`). Topics that agree but whose namespaces nest (``/fr3/joint_states``
and ``/fr3/franka_state_controller/joint_states``: one arm's two publishers) are no arms.

ROS-free: topic names in, namespaces out (``topic_choice`` words the advice to choose one).
"""

from __future__ import annotations

from vjepa_ros.robot.finger_topics import topic_parts


def arm_namespaces(groups) -> list[str]:
    """Return the arms' namespaces that ``groups`` of topics reveal, sorted; [] for one arm.

    ``groups``: lists of topics, each of one kind (the bag's pose topics; its arm JointState
    topics). Within a group, topics with the same last part whose namespaces (each topic without
    the parts all of them end in) are distinct and none inside another are one topic per arm:
    ``["/fr3_1/joint_states", "/fr3_2/joint_states"]`` -> ``["/fr3_1", "/fr3_2"]``. The
    namespaces of every group are joined; fewer than two is no bag of several arms.
    """
    found: set[str] = set()
    for topics in groups:
        by_leaf: dict[str, list[list[str]]] = {}
        for topic in topics:
            parts = topic_parts(topic)
            if len(parts) > 1:  # a topic at the root has no namespace to tell arms by
                by_leaf.setdefault(parts[-1], []).append(parts)
        for same in by_leaf.values():
            found.update(_sibling_spaces(same))
    return sorted(found) if len(found) > 1 else []


def _sibling_spaces(same: list[list[str]]) -> list[str]:
    """Return the namespaces of topics ``same`` (parts) that end alike, when none nest; else []."""
    if len(same) < 2:
        return []
    shared = 1
    while all(len(parts) > shared for parts in same) and \
            len({tuple(parts[-shared - 1:]) for parts in same}) == 1:
        shared += 1
    spaces = [parts[:-shared] for parts in same]
    for space in spaces:
        if any(other != space and other[:len(space)] == space for other in spaces):
            return []  # one namespace inside another: one arm's publishers, not two arms
    return ["/" + "/".join(space) for space in spaces]


def in_namespace(topic: str, namespace: str) -> bool:
    """Whether ``topic`` lies in ``namespace`` (``/fr3_1/joint_states`` in ``/fr3_1``)."""
    space = topic_parts(namespace)
    return topic_parts(topic)[:len(space)] == space

"""End-effector states from a bag's arm messages: poses in the base frame, joints through FK.

Poses must be in the arm's base frame (:func:`check_pose_frames`, the planner node's rule:
``base_frame.frame_matches``, its link0 given by the bag's joint names); joint states in any layout
(split/merged, prefixed, reordered, extra joints) go through :mod:`vjepa_ros.robot.joint_states`
(:func:`joint_series`) and forward kinematics (:func:`joints_to_ee`). Every problem is a
:class:`BagError` naming the bag and the topic. Which joint prefix to read:
:mod:`~vjepa_ros.recordings.bag_joint_prefixes`; the gripper:
:mod:`~vjepa_ros.recordings.bag_gripper`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vjepa_ros.name_lists import first_names
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError, message_words
from vjepa_ros.recordings.bag_joint_prefixes import other_arm_names_fix, prefix_advice
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.state_source_fixes import NO_OTHER_ARM_STATE, arm_topic_fix
from vjepa_ros.robot.base_frame import (
    DRIVER_BASE_FRAME,
    FRANKA_DESCRIPTION_BASE,
    frame_matches,
    same_base_frame,
)
from vjepa_ros.robot.joint_states import JointSeries, JointStateReader, arm_prefixes, read_series
from vjepa_ros.robot.kinematics import (
    HAND_TCP_RPY,
    HAND_TCP_XYZ,
    FrankaKinematics,
    RobotConfig,
    StateError,
)

# A function of (the bag's names of arm joints 1..7, positions [M, 7]) -> ee states without
# gripper [M, 6] (xyz, extrinsic xyz Euler).
JointsToPose = Callable[[list[str], np.ndarray], np.ndarray]


def compact_message(msg, msgtype: str):
    """Keep what evaluation needs of a state message: (frame_id, pose [7]) or (names, values)."""
    if msgtype in m.POSE_TYPES:
        position, quat = m.pose_from_message(msg, msgtype)
        return str(msg.header.frame_id), np.concatenate([position, quat])
    return tuple(str(n) for n in msg.name), np.asarray(msg.position, dtype=np.float64)


def check_pose_frames(path, topic, frames, config: BagTopics, notes: list[str],
                      joints_fix: str = "", arms: dict[str, list[str]] | None = None) -> None:
    """Refuse poses stamped in a frame other than the arm's base (the planner node's rule).

    ``frames``: each message's header.frame_id, in the bag's order. A topic that changes frames
    mid-bag with one of them not the base (a republisher restarted with another frame), or
    between two bases (``left_fr3_link0``, then ``right_fr3_link0``: each a base, two arms'
    mounts apart; ``robot.base_frame.same_base_frame``), is refused naming each frame and its
    first message: advice for one frame would refuse the other half (breaker38), and the first
    frame's arm would judge the whole bag (mend56y). ``joints_fix``: how to read the arm's joint
    states instead (``state_source_fixes.joint_states_instead``), "" when the bag has none: only
    fixes this bag allows are named (breaker45r). ``arms``: joint prefix -> the JointState topics
    naming its joints 1..7 (``bag_joint_prefixes.arms_seen``; ``--joint-prefix``'s alone when
    given): without ``--base-frame`` the pose must be in one of their ``<prefix>link0``, or in
    franka_description's ``base`` for a single arm's prefix only (``base_frame.same_base_frame``:
    each arm of a multi-arm setup is joined to ``base`` at its own mount offset, breaker56b).
    """
    arms = {} if config.base_frame else arms or {}
    first = {}
    for index, frame in enumerate(frames):
        first.setdefault(frame, index)
    named = [frame for frame in first if frame]
    apart = any(not same_base_frame(frame, other)  # two bases, in whichever order they come
                for index, frame in enumerate(named) for other in named[index + 1:])
    if apart or len(named) > 1 and not all(frame_matches(frame, config.base_frame, arms)
                                           for frame in named):
        which = ", ".join(f"'{frame}' from {message_words(first[frame])}" for frame in named)
        raise BagError(
            f"{path}: {topic} changes its header.frame_id within the bag ({which}): no transform "
            "is looked up, so its poses are in frames that cannot be mixed; "
            + (f"{joints_fix}, or " if joints_fix else "")
            + "record again with the poses in the arm's base frame (the check reads the whole "
            "bag)")
    for frame in first:
        matches = frame_matches(frame, config.base_frame, arms)
        if matches is None:
            notes.append(f"{topic} has an empty header.frame_id: taken as the arm's base frame")
        elif not matches:
            expected = config.base_frame or _expected_frames(frame, arms)
            raise BagError(
                f"{path}: {topic} is in frame '{frame}', not the arm's base frame ({expected}); "
                "no transform is looked up: " + (f"{joints_fix}, or " if joints_fix else "")
                + f"name the base frame with --base-frame {frame} (data.topics.base_frame) if it "
                "is the arm's base"
                + ("" if joints_fix else " (the bag holds no arm joint states to read instead)")
            )


def _expected_frames(frame: str, arms: dict[str, list[str]]) -> str:
    """Say which frames a pose of ``arms``' arm may carry (no ``--base-frame``), why not ``frame``.

    ``arms``: as :func:`check_pose_frames`; none: the driver frames of any arm.
    """
    if not arms:
        return "base or <prefix>link0"
    said = []
    for prefix, topics in arms.items():
        link0 = f"{prefix}link0"
        single = same_base_frame(FRANKA_DESCRIPTION_BASE, link0)
        on = f" on {' and '.join(topics)}" if topics else ""
        said.append(f"{link0}{' or ' + FRANKA_DESCRIPTION_BASE if single else ''}, the base of "
                    f"{prefix}joint1..7{on}")
    why = ""
    if frame.lstrip("/") == FRANKA_DESCRIPTION_BASE:
        why = (f": franka_description joins each arm of a multi-arm setup to the shared "
               f"{FRANKA_DESCRIPTION_BASE} at its own mount offset")
    elif DRIVER_BASE_FRAME.fullmatch(frame.lstrip("/")):
        why = f": '{frame}' is another arm's base (arms' bases differ by their mounts)"
    return "; ".join(said) + why


def joint_series(path, topic, collected, times_of, joints: JointStateReader,
                 types: dict[str, str] | None = None) -> JointSeries:
    """Split the JointState messages of ``topic`` into arm and finger samples (any layout).

    Raises BagError naming the bag, topic and message; for messages without positions
    (velocities or efforts only), also what to give instead (``types``: the bag's topics).
    """
    try:
        series = read_series(times_of(topic, used=False), collected[topic][2], joints)
        split = getattr(times_of, "split", None)
        if split is not None and len(series.arm_index) and len(series.finger_index) and \
                not np.isin(series.finger_index, series.arm_index).any():
            split(topic, [series.arm_index, series.finger_index])  # two drivers' streams
        times_of(topic)  # now checked as used: stamps rising (each stream's), timing noted
        return series
    except StateError as exc:
        raise BagError(f"{path}: {topic} {exc}"
                       f"{positions_fix(collected[topic][2], topic, types or {})}") from exc


def positions_fix(rows, topic: str, types: dict[str, str]) -> str:
    """Return '; what to give' when messages of ``rows`` (names, positions) differ in length.

    No positions: a JointState topic of velocities or efforts alone, the states need the joint
    positions; fewer than names (9 names, 7 positions): said so, naming the message. More:
    values no name says the joint of (a driver that names the arm's 7 and sends the fingers'
    too?), so none can be read as a joint's. '' when every message has one position a name.
    """
    short = next(((k, len(names), len(positions)) for k, (names, positions) in enumerate(rows)
                  if 0 < len(positions) < len(names)), None)
    if any(len(positions) == 0 < len(names) for names, positions in rows):
        why = ("publishes joint states without positions (velocities or efforts only?), and "
               "the arm's state needs the joint positions")
    elif short is not None:  # some positions, fewer than names: which is whose is unknown
        why = (f"publishes fewer positions than joint names ({message_words(short[0])}: "
               f"{short[1]} names, {short[2]} positions; its driver left some joints' positions "
               "out?): no position can be told to be a given joint's")
    elif any(len(positions) > len(names) for names, positions in rows):
        why = ("publishes more positions than joint names (its driver left joints unnamed?): "
               "no position can be told to be a given joint's")
    else:
        return ""
    return f"; {topic} {why}: {arm_topic_fix(types, topic)}"


def joints_to_ee(path, topic, series: JointSeries, rows, joints_to_pose: JointsToPose,
                 joint_prefix: str = "", types=None, elsewhere=()) -> np.ndarray:
    """Return the end-effector states [M, 6] of ``series``' arm joints (forward kinematics).

    ``joints_to_pose``: the kinematics (the bag's TCP: :func:`default_joints_to_pose`).
    No arm joints on ``topic``: BagError saying what the names there are and what to give;
    ``elsewhere``: the other JointState topics that hold ``joint_prefix``'s arm
    (:func:`topics_of_arm`), named as the fix (an arm on its own topic, e.g. a second arm's
    /right/joint_states), never another arm's prefix.
    """
    if len(series.arm) == 0:
        names = sorted({name for names, _ in rows for name in names})
        found = arm_prefixes(names)
        others = [other for other in elsewhere if other != topic]
        fix = (f"{joint_prefix}joint1..7 are on {' and '.join(others)}, not {topic}: read the "
               f"arm from there, --joint-states-topic {others[0]} (data.topics.joint_states)"
               if joint_prefix and others else
               f"--joint-prefix {joint_prefix} names none of them: "
               f"{prefix_advice(joint_prefix, found, 'arm joints')}"
               if joint_prefix and found else _no_franka_fix(names, types or {}, topic))
        wanted = (f"{joint_prefix}joint1..7" if joint_prefix and others else
                  f"{joint_prefix}joint1..7 (--joint-prefix is all of the name before joint1..7, "
                  f"e.g. {(found or ['fr3_'])[0]})" if joint_prefix else
                  "<prefix>panda_joint1..7 or <prefix>fr3_joint1..7")
        raise BagError(
            f"{path}: {topic}: no message holds the 7 arm joints ({wanted}; names there: "
            f"{', '.join(names[:20]) or 'none'}); {fix}"
        )
    try:
        ee = joints_to_pose(list(series.arm_names), series.arm)
    except ValueError as exc:
        raise BagError(f"{path}: {topic}: {exc}") from exc
    return np.asarray(ee, dtype=np.float64)


def _no_franka_fix(names, types: dict[str, str], topic: str) -> str:
    """Say what reads a bag whose JointState ``topic`` names no Franka arm (``names``).

    An arm under other names (``joint1..7``): what reads those (``other_arm_names_fix``), then
    the bag's other arm state if it has one; never advice to record the topic it holds.
    """
    other, renamed = arm_topic_fix(types, topic), other_arm_names_fix(names)
    if not renamed:
        return other
    return renamed if other == NO_OTHER_ARM_STATE else f"{renamed}; or {other}"


def default_joints_to_pose(tcp_xyz=HAND_TCP_XYZ, tcp_rpy=HAND_TCP_RPY) -> JointsToPose:
    """Franka forward kinematics (``vjepa_ros.robot.kinematics``) at a TCP as a function.

    ``tcp_xyz`` [m] / ``tcp_rpy`` [rad]: flange to end-effector point, as the planner's
    ``robot.tcp_xyz`` / ``tcp_rpy`` (``BagTopics.tcp_xyz``, default the Franka Hand TCP): the
    one function every joint-state bag reader (train, eval, pretrain) labels states with.
    ValueError for values the planner refuses. Panda and FR3 share the kinematics, so the joint
    names are not needed.
    """
    kinematics = FrankaKinematics(RobotConfig(tcp_xyz=list(tcp_xyz), tcp_rpy=list(tcp_rpy)))

    def joints_to_pose(names: list[str], positions: np.ndarray) -> np.ndarray:
        return kinematics.ee_pose(positions)

    return joints_to_pose


def unread_note(topic: str, unread) -> str:
    """Return the note on the messages ``read_series`` left out as no reading of the arm."""
    which = first_names(unread, 5)
    return (f"{topic}: {len(unread)} message(s) with every arm joint at exactly 0 left out "
            f"(message(s) {which}): a driver's message before its first reading of the arm, no "
            "pose a Franka takes (joint 4's range ends at -0.07 rad)")


def nonfinite_note(topic: str, nonfinite, fingers_only: bool = False) -> str:
    """Return the note on the messages ``read_series`` left out for NaN or inf positions.

    ``fingers_only``: ``nonfinite`` lists messages whose fingers alone were left out, their
    arm read (``JointSeries.nan_fingers`` less ``nonfinite``).
    """
    which = first_names(nonfinite, 5)
    if fingers_only:
        return (f"{topic}: NaN or inf joint positions left out: the finger joints of "
                f"{len(nonfinite)} message(s) (message(s) {which}), their arm joints read (a "
                "gripper driver's glitch); the gripper's closedness is read from the finger "
                "positions around them")
    return (f"{topic}: {len(nonfinite)} message(s) with NaN or inf joint positions left out "
            f"(message(s) {which}): a driver's glitch; the states around them are read across "
            "the gap (a step whose states lie further apart than --max-state-gap is dropped); "
            "to leave that stretch out instead, give --start/--end past it")


def nan_hands_error(path, topics, no_gripper: str) -> BagError:
    """Return the refusal of a hand whose finger joints are NaN or inf on every message.

    ``topics``: the JointState topics naming finger joints, all NaN or inf; ``no_gripper``:
    ``BagTopics.no_gripper_fix``, which reads the arm with closedness 0.
    """
    return BagError(f"{path}: the finger joints on {', '.join(topics)} are NaN or inf on every "
                    "message naming them (a gripper whose state its driver never read: not "
                    "connected?): no gripper closedness can be read; to read the arm with the "
                    f"hand taken as open, {no_gripper}")

"""End-effector states from a bag's state messages: poses, joint states, gripper closedness.

Poses must be in the arm's base frame (:func:`check_pose_frames`); joint states in any layout
(split/merged, prefixed, reordered, extra joints) go through :mod:`vjepa_ros.robot.joint_states`
and forward kinematics (:func:`joints_to_ee`); the gripper's closedness comes from the finger
joints of the named or best-ranked JointState topic (:func:`gripper_closedness`). Every problem
is a :class:`BagError` naming the bag and the topic.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_stamps import gripper_overlap
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.stray_states import gripper_only, stray_note, stray_states
from vjepa_ros.recordings.topic_choice import arm_topic_fix, candidates, gripper_topic_fix
from vjepa_ros.recordings.topic_clocks import (
    REFUSE_S,
    check_clock,
    latched_messages,
    relative_offsets,
    states_clock_at,
)
from vjepa_ros.robot.base_frame import frame_matches
from vjepa_ros.robot.joint_states import (
    JointSeries,
    JointStateReader,
    RangeError,
    arm_prefixes,
    closedness_from_fingers,
    finger_prefixes,
    read_series,
)
from vjepa_ros.robot.kinematics import FrankaKinematics, StateError

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
                      joints_fix: str = "") -> None:
    """Refuse poses stamped in a frame other than the arm's base (the planner node's rule).

    ``frames``: each message's header.frame_id, in the bag's order. A topic that changes frames
    mid-bag with one of them not the base (a republisher restarted with another frame) is
    refused naming each frame and its first message: advice for one frame would refuse the
    other half (breaker38). ``joints_fix``: how to read the arm's joint states instead
    (``topic_choice.joint_states_instead``), "" when the bag has none: only fixes this bag
    allows are named (breaker45r).
    """
    first = {}
    for index, frame in enumerate(frames):
        first.setdefault(frame, index)
    named = [frame for frame in first if frame]
    if len(named) > 1 and not all(frame_matches(frame, config.base_frame) for frame in named):
        which = ", ".join(f"'{frame}' from message {first[frame]}" for frame in named)
        raise BagError(
            f"{path}: {topic} changes its header.frame_id within the bag ({which}): no transform "
            "is looked up, so its poses are in frames that cannot be mixed; "
            + (f"{joints_fix}, or " if joints_fix else "")
            + "record again with the poses in the arm's base frame (the check reads the whole "
            "bag)")
    for frame in first:
        matches = frame_matches(frame, config.base_frame)
        if matches is None:
            notes.append(f"{topic} has an empty header.frame_id: taken as the arm's base frame")
        elif not matches:
            expected = config.base_frame or "base or <prefix>link0"
            raise BagError(
                f"{path}: {topic} is in frame '{frame}', not the arm's base frame ({expected}); "
                "no transform is looked up: " + (f"{joints_fix}, or " if joints_fix else "")
                + f"name the base frame with --base-frame {frame} (data.topics.base_frame) if it "
                "is the arm's base"
                + ("" if joints_fix else " (the bag holds no arm joint states to read instead)")
            )


def joint_series(path, topic, collected, times_of, joints: JointStateReader,
                 types: dict[str, str] | None = None) -> JointSeries:
    """Split the JointState messages of ``topic`` into arm and finger samples (any layout).

    Raises BagError naming the bag, topic and message; for messages without positions
    (velocities or efforts only), also what to give instead (``types``: the bag's topics).
    """
    try:
        return read_series(times_of(topic), collected[topic][2], joints)
    except StateError as exc:
        raise BagError(f"{path}: {topic} {exc}"
                       f"{positions_fix(collected[topic][2], topic, types or {})}") from exc


def positions_fix(rows, topic: str, types: dict[str, str]) -> str:
    """Return '; what to give' when messages of ``rows`` (names, positions) lack positions.

    A JointState topic of velocities or efforts alone: the states need the joint positions; ''
    when every message has them.
    """
    if not any(len(positions) < len(names) for names, positions in rows):
        return ""
    return (f"; {topic} publishes joint states without positions (velocities or efforts only?), "
            f"and the arm's state needs the joint positions: {arm_topic_fix(types, topic)}")


def topics_of_arm(prefix: str, topics, collected) -> list[str]:
    """Return the JointState ``topics`` whose messages hold ``prefix``'s arm joints 1..7.

    ``collected[topic][2]``: a topic's (names, positions) rows. An empty ``prefix``: the
    topics holding any arm's joints 1..7.
    """
    return [topic for topic in topics if topic in collected
            and (prefix in _arms_on(topic, collected) if prefix else _arms_on(topic, collected))]


def _arms_on(topic: str, collected) -> list[str]:
    """Return the prefixes of the arms whose joints 1..7 the messages of ``topic`` name."""
    return arm_prefixes(sorted({str(name) for names, _ in collected[topic][2] for name in names}))


def arms_to_advise(prefix: str, topics, collected) -> tuple[list[str], str]:
    """Return the JointState topics holding the arm to advise reading, and the prefix to give.

    ``prefix``'s arm (:func:`topics_of_arm`, topics named *gripper* last) and "", else, when
    ``--joint-prefix`` ``prefix`` names no arm there (panda_ on an FR3's fr3_joint1..7), the
    topics of any arm and the ``--joint-prefix`` option naming those on the first of them
    (which can be left out when the bag holds one arm): the bag's arm is not denied (breaker45v).
    """
    def ranked(arm_prefix):
        return sorted(topics_of_arm(arm_prefix, topics, collected),
                      key=lambda topic: "gripper" in topic)

    own = ranked(prefix)
    if own or not prefix:
        return own, ""
    found = ranked("")
    if not found:
        return found, ""
    there = _arms_on(found[0], collected)
    if {arm for topic in found for arm in _arms_on(topic, collected)} == set(there) == {there[0]}:
        return found, (f"--joint-prefix {there[0]} (or leave --joint-prefix out: the prefix is "
                       "found from the names)")
    return found, " or ".join(f"--joint-prefix {arm}" for arm in there) + (
        " (the arm to read)" if len(there) > 1 else "")


def joints_to_ee(path, topic, series: JointSeries, rows, joints_to_pose,
                 joint_prefix: str = "", types=None, elsewhere=()) -> np.ndarray:
    """Return the end-effector states [M, 6] of ``series``' arm joints (forward kinematics).

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
               if joint_prefix and found else arm_topic_fix(types or {}, topic))
        wanted = (f"{joint_prefix}joint1..7" if joint_prefix and others else
                  f"{joint_prefix}joint1..7 (--joint-prefix is all of the name before joint1..7, "
                  f"e.g. {(found or ['fr3_'])[0]})" if joint_prefix else
                  "<prefix>panda_joint1..7 or <prefix>fr3_joint1..7")
        raise BagError(
            f"{path}: {topic}: no message holds the 7 arm joints ({wanted}; names there: "
            f"{', '.join(names[:20]) or 'none'}); {fix}"
        )
    try:
        ee = (joints_to_pose or default_joints_to_pose())(list(series.arm_names), series.arm)
    except ValueError as exc:
        raise BagError(f"{path}: {topic}: {exc}") from exc
    return np.asarray(ee, dtype=np.float64)


def default_joints_to_pose() -> JointsToPose:
    """Franka forward kinematics (``vjepa_ros.robot.kinematics``, Franka Hand TCP) as a function.

    Panda and FR3 share the kinematics, so the joint names are not needed.
    """
    kinematics = FrankaKinematics()

    def joints_to_pose(names: list[str], positions: np.ndarray) -> np.ndarray:
        return kinematics.ee_pose(positions)

    return joints_to_pose


def finger_prefix_fix(prefix: str | None, topics, collected,
                      no_gripper: str = "pass --no-gripper to use closedness 0") -> str:
    """Say what to give when ``--joint-prefix`` ``prefix`` names none of the bag's finger joints.

    ``topics``: the JointState topics looked at (``collected[topic][2]``: their (names,
    positions) rows). "" when ``prefix`` is empty or no finger joint there has another prefix
    (e.g. ``--joint-prefix fr3_`` on a Panda's panda_finger_joint1/2: breaker38).
    ``no_gripper``: how to read closedness 0 instead (``BagTopics.no_gripper_fix``).
    """
    if not prefix:
        return ""
    names = sorted({str(name) for topic in topics if topic in collected
                    for row_names, _ in collected[topic][2] for name in row_names})
    others = [found for found in finger_prefixes(names) if found != prefix]
    if not others:
        return ""
    fingers = [name for name in names if name.endswith(("finger_joint1", "finger_joint2"))]
    if prefix in arm_prefixes(names):  # this arm is in the bag: the fingers are another arm's
        return (f"the finger joints there ({', '.join(fingers[:4])}) are another arm's, not "
                f"--joint-prefix {prefix}'s: name this arm's gripper topic with --gripper-topic, "
                f"or {no_gripper}")
    return (f"--joint-prefix {prefix} names none of its finger joints ({', '.join(fingers[:4])}):"
            f" {prefix_advice(prefix, others, 'finger joints')}")


def prefix_advice(given: str, found: list[str], what: str) -> str:
    """Say which ``--joint-prefix`` to give when ``given`` names none of the ``found`` prefixes.

    One prefix found: it, or leaving the option out (the prefix is then found from the names).
    Several (two arms): each of them, never one alone (which may be the other arm's) nor
    leaving it out (refused: joints of more than one arm).
    """
    if len(found) == 1:
        return (f"give --joint-prefix {found[0]} (or leave it out: the prefix is found from the "
                "names)")
    listed = " or ".join(f"--joint-prefix {prefix}" for prefix in found)
    return (f"the {what} of {len(found)} arms are there: give the whole prefix of the one to "
            f"read, {listed}")


def resolve_joint_prefix(path, given: str, topics, collected, notes: list[str]) -> str:
    """Return the joint prefix to read: ``given``, or the one found prefix it begins.

    ``--joint-prefix`` names all of a joint's name before ``joint1..7`` (``right_fr3_``); a lab
    gives its launch argument's prefix (``right_``) instead. When ``given`` is none of the
    arm or finger prefixes in the JointState ``topics`` (``collected[topic][2]``: their
    (names, positions) rows) and exactly one found prefix begins with it (an arm's first,
    then a hand's), that one is read,
    with a note; when several do (``robot`` of robot_left_fr3_ and robot_right_fr3_), BagError
    naming each. Otherwise ``given`` is kept (the readers' errors say what the bag holds).
    """
    if not given:
        return given
    names = sorted({str(name) for topic in topics if topic in collected
                    for row_names, _ in collected[topic][2] for name in row_names})
    arms, hands = arm_prefixes(names), finger_prefixes(names)
    if given in arms or given in hands or any(f"{given}joint{i}" in names for i in range(1, 8)):
        return given  # it names joints (of any arm model, as the reader reads it)
    # an arm's prefix first: its fingers share it (another hand, a Robotiq's, may not)
    longer = [prefix for prefix in arms if prefix.startswith(given)] or \
        [prefix for prefix in hands if prefix.startswith(given)]
    if len(longer) == 1:
        notes.append(f"--joint-prefix {given} names no joint (the prefix is all of the name "
                     f"before joint1..7): reading {longer[0]}joint1..7 and "
                     f"{longer[0]}finger_joint1/2, the one prefix there that begins with it")
        return longer[0]
    if longer:
        raise BagError(
            f"{path}: --joint-prefix {given} names no joint, and {len(longer)} prefixes there "
            f"begin with it ({', '.join(longer)}): give the whole prefix of the arm to read, "
            f"{' or '.join(f'--joint-prefix {prefix}' for prefix in longer)}")
    return given


NO_GRIPPER_NOTE = ("--no-gripper (data.topics.no_gripper): no gripper topic read, gripper "
                   "closedness 0 (open) throughout")


def gripper_closedness(path, config, joint_topics, collected, times_of, joints, state_times,
                       state_topic, notes, read, named: str = "",
                       types: dict[str, str] | None = None, receive_timed=frozenset(),
                       clock_of=None):
    """Closedness [M] at ``state_times``, its topic ("none (assumed open)") and a fix for none.

    The fix: what to give when no gripper state is found (a ``--joint-prefix`` that misses the
    fingers, another arm's fingers, else ``--gripper-topic``; "" when found), the advice
    ``train`` refuses such a bag with. ``receive_timed``: the topics ``times_of`` timed by
    receive times (their header stamps unusable), for the gripper overlap's hint.
    ``clock_of``: topic -> (its times, its receive times) [N] int64 ns of every message, once
    ``times_of`` timed it; given, a gripper topic other than the state topic timed by header
    must share the states' clock (``topic_clocks``): a latched message stamped long before the
    recording is held from its receipt (:func:`latched_held`), the others' clock is checked.

    ``config.no_gripper``: no topic is read (not searched, no clock checked: the fix the
    refusals below name), closedness 0 with one note (:data:`NO_GRIPPER_NOTE`), source
    "none (--no-gripper)".

    ``named``: the candidate of ``config.gripper`` this bag holds (``resolve_gripper_topic``;
    '': none named). It must hold finger joints (else BagError naming the candidates given, the
    bag's JointState topics and the one holding fingers to give instead); otherwise the
    JointState topics holding them are ranked: names with 'gripper', then the state topic, then
    the rest (alphabetical). Its times must overlap the states' (``bag_stamps.gripper_overlap``:
    BagError on another clock, a note for states far outside its span); only its stamps must not
    step back (``bag_stamps.check_steps_back``), not those of the topics merely searched.
    """
    if config.no_gripper:  # the fix the refusals name: no gripper topic is read at all
        notes.append(NO_GRIPPER_NOTE)
        return np.zeros(len(state_times)), "none (--no-gripper)", ""
    found: dict[str, JointSeries] = {}
    for topic in joint_topics:
        try:
            series = read.get(topic) or read_series(times_of(topic, False), collected[topic][2],
                                                    JointStateReader(joints.prefix or ""))
        except StateError as exc:
            if topic == named or (not named and isinstance(exc, RangeError)):
                fix = positions_fix(collected[topic][2], topic, types or {})
                raise BagError(f"{path}: gripper topic {topic} {exc}{fix}") from exc
            if not named:  # a named topic: the others are read for the advice only
                notes.append(f"{topic} not used for the gripper: {exc}")
            continue
        if len(series.fingers):
            found[topic] = series
    ranked = sorted(found, key=lambda t: ("gripper" not in t, t != state_topic, t))
    prefix_fix = finger_prefix_fix(config.joint_prefix if not found else "",
                                   [named] if named else joint_topics, collected,
                                   config.no_gripper_fix())
    if named and named not in found and prefix_fix:  # it holds fingers, of another prefix
        raise BagError(f"{path}: gripper topic {named}: {prefix_fix}")
    if named and named not in found:
        given = candidates(config.gripper)
        what = (f"gripper topic {named}: it holds no finger joints (<prefix>finger_joint1/2)"
                if named in collected else f"gripper topic {named}: it is not in the bag"
                if len(given) == 1 else f"gripper topics {' '.join(given)}: none is in the bag")
        fix = gripper_topic_fix(config.gripper, ranked, types or {},
                                named if named in collected else "")
        raise BagError(f"{path}: {what}; JointState topics there: "
                       f"{', '.join(joint_topics) or 'none'}. {fix[0].upper()}{fix[1:]}")
    if named:
        ranked = [named]
    if not ranked:
        fix = prefix_fix or "name the topic with --gripper-topic"
        notes.append(
            "warning: no gripper state in the bag (looked for finger joints on "
            f"{', '.join(joint_topics) or 'no JointState topic'}): gripper closedness 0 "
            f"(open) throughout; {fix}"
        )
        return np.zeros(len(state_times)), "none (assumed open)", fix
    if len(ranked) > 1:
        notes.append(f"gripper from {ranked[0]}; finger joints also on {', '.join(ranked[1:])} "
                     "(choose with --gripper-topic)")
    series = found[ranked[0]]
    times_of(ranked[0])  # the topic used: stamps must not step back (BagError), unusable noted
    finger_times, fingers, offsets = series.finger_times, series.fingers, np.zeros(0)
    if clock_of is not None and ranked[0] != state_topic and config.stamps == "header" and \
            ranked[0] not in receive_timed:
        finger_times, fingers, offsets = latched_held(ranked[0], series, state_topic, clock_of,
                                                      notes, config.max_clock_offset_s)
    order = np.argsort(finger_times, kind="stable")
    note = gripper_overlap(path, config, ranked[0], finger_times[order], state_topic,
                           state_times, ranked[0] in receive_timed)
    notes += [note] if note else []
    check_clock(path, ranked[0], offsets, state_topic, notes, "finger message",
                config.max_clock_offset_s)
    closed = closedness_from_fingers(fingers[order], config.gripper_max_width)
    finger_times = finger_times[order]
    # a finger message that closed the hand faster than a hand closes and straight back: a
    # glitch judged at the topic's own times (interpolated onto faster states it would be a
    # ramp of small steps: breaker40c), left out before the closedness is read at the states'
    stray = stray_states(finger_times, gripper_only(closed))
    if stray.any():
        notes.append(stray_note(f"gripper topic {ranked[0]}", finger_times, stray))
        finger_times, closed = finger_times[~stray], closed[~stray]
    return held_values(state_times, finger_times, closed), ranked[0], ""


def latched_held(topic: str, series: JointSeries, state_topic: str, clock_of, notes: list[str],
                 limit_s: float = REFUSE_S):
    """Return the gripper's (finger times [K'], fingers [K', 2], the others' clock offsets [s]).

    A latched message (transient local, published on change: ``topic_clocks.latched_messages``)
    is received when the recorder subscribed (or when its publisher matched, later), stamped when
    the hand last changed, perhaps minutes before: the newest one is the hand's state then, so
    it is timed by its receipt (on the states' clock: ``topic_clocks.states_clock_at``), the
    older ones left out, with a note. The offsets of the
    other messages are returned for ``topic_clocks.check_clock`` (a gripper on another clock),
    judged alone; ``limit_s``: its limit behind (``max_clock_offset_s``).
    """
    times, received = clock_of(topic)
    state_times, state_received = clock_of(state_topic)
    index = series.finger_index
    offsets = relative_offsets(times[index], received[index], state_times, state_received)
    latched = latched_messages(times[index], received[index], offsets, state_received, limit_s)
    if not latched.any():
        return series.finger_times, series.fingers, offsets
    held = np.flatnonzero(latched)
    newest = held[np.argmax(series.finger_times[held])]
    keep = ~latched
    keep[newest] = True
    finger_times = series.finger_times.copy()
    finger_times[newest] = states_clock_at(received[index][newest:newest + 1], state_times,
                                           state_received)[0]  # its receipt, the states' clock
    older = len(held) - 1
    after = (received[index][newest] - np.min(state_received)) / 1e9
    alone = ("; its later messages' clock is checked on their own" if not latched.all() else
             "; its only message: a clock that far behind looks the same, and its value is the "
             "hand's as received either way" if len(held) == 1 else "")
    notes.append(
        f"gripper topic {topic}: a latched message (transient local: the hand's state when the "
        f"recorder subscribed) received {max(after, 0.0):.1f} s after the states' first, stamped "
        f"{-offsets[newest]:.1f} s before it: held from its receipt{alone}"
        + (f"; {older} older latched message(s) left out" if older else ""))
    return finger_times[keep], series.fingers[keep], offsets[~latched]


def unread_note(topic: str, unread) -> str:
    """Return the note on the messages ``read_series`` left out as no reading of the arm."""
    which = ", ".join(map(str, unread[:5])) + (", ..." if len(unread) > 5 else "")
    return (f"{topic}: {len(unread)} message(s) with every arm joint at exactly 0 left out "
            f"(message(s) {which}): a driver's message before its first reading of the arm, no "
            "pose a Franka takes (joint 4's range ends at -0.07 rad)")


HOLD_GAP_S = 0.5  # [s] gripper messages further apart than this: published on change, held


def held_values(times: np.ndarray, sample_times: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Return ``values`` [N] at ``times`` [ns]: interpolated between close samples, else held.

    ``sample_times`` [ns, sorted]. Between two samples more than :data:`HOLD_GAP_S` apart the
    first one's value is held: a gripper that publishes on change
    (or latched, stamped long before) keeps its closedness until its next message, where a line
    between the two made up a half-closed hand (breaker38c); a steadily publishing gripper is
    interpolated as before. Times outside the samples get the nearest end's value.
    """
    values = np.asarray(values, dtype=np.float64)
    line = np.interp(times, sample_times, values)
    if len(sample_times) < 2:
        return line
    gaps = np.diff(sample_times)
    index = np.clip(np.searchsorted(sample_times, times, side="right") - 1, 0, len(gaps) - 1)
    inside = (times >= sample_times[0]) & (times < sample_times[index + 1])
    hold = inside & (gaps[index] > HOLD_GAP_S * 1e9)
    return np.where(hold, values[index], line)

"""The gripper's closedness from a bag's finger joints, at the arm states' times.

The finger joints of the named or best-ranked JointState topic (:func:`gripper_closedness`),
a latched message held from its receipt (:func:`latched_held`), published-on-change values
held between messages (:func:`held_values`). Every problem is a :class:`BagError` naming the bag
and the topic.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from vjepa_ros.recordings.bag_arm_states import (
    nan_hands_error,
    nonfinite_note,
    positions_fix,
)
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_joint_prefixes import finger_prefix_fix
from vjepa_ros.recordings.bag_stamps import gripper_overlap
from vjepa_ros.recordings.finger_commands import finger_commands, skipped_words
from vjepa_ros.recordings.gripper_clock_step import refuse_own_step
from vjepa_ros.recordings.gripper_silences import inside_silences, silence_note, silences
from vjepa_ros.recordings.hand_namespaces import by_rank, hand_topics
from vjepa_ros.recordings.other_hands import (
    arm_named,
    hand_prefixes,
    knuckle_fix,
    lone_hand,
    other_hands_fix,
    several_hands_fix,
)
from vjepa_ros.recordings.recorded_hand import (
    opening_read,
    recorded_hand,
    recorded_topic,
    width_note,
)
from vjepa_ros.recordings.stray_states import gripper_only, stray_note, stray_states
from vjepa_ros.recordings.topic_choice import gripper_topic_fix
from vjepa_ros.recordings.topic_clocks import (
    REFUSE_S,
    check_clock,
    latched_messages,
    receive_order,
    relative_offsets,
    states_clock_at,
)
from vjepa_ros.recordings.topic_kinds import candidates
from vjepa_ros.robot.joint_states import (
    JointSeries,
    JointStateReader,
    NonFiniteFingersError,
    RangeError,
    closedness_from_fingers,
    read_series,
)
from vjepa_ros.robot.kinematics import StateError

NO_SILENCES = np.zeros((0, 2), np.int64)  # gripper_closedness's silences when there is none
NO_GRIPPER_NOTE = ("--no-gripper (data.topics.no_gripper): no gripper topic read, gripper "
                   "closedness 0 (open) throughout")


def gripper_closedness(path, config, joint_topics, collected, times_of, joints, state_times,
                       state_topic, notes, read, named: str = "",
                       types: dict[str, str] | None = None, receive_timed=frozenset(),
                       clock_of=None, recorded: bool = False):
    """Closedness [M] at ``state_times``, its topic, a fix, the silences [S, 2] ns, the opening.

    The opening: the hand's full opening [m] the fingers were read at (``recorded``, below).

    The topic: "none (assumed open)" when none is found. Closedness NaN at the states inside a
    silence of a steadily publishing topic across which the hand moved (``gripper_silences``:
    noted; the caller leaves those states out); the silences: their (last message before, first
    after) times [ns] on the states' clock, for ``resample``'s ``unknown_ns`` (empty: none).

    The fix: what to give when no gripper state is found (a ``--joint-prefix`` that misses the
    fingers, another arm's fingers, each hand's ``--joint-prefix`` for two hands on one topic,
    else ``--gripper-topic``; "" when found), the advice
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
    JointState topics holding them are ranked by the namespace of ``state_topic``, the arm's
    (``hand_namespaces.hand_topics``: a *gripper* topic in it first, then one above, fingers
    merged into joint states last; BagError when two tie or none lies in it). Its times must
    overlap the states' (``bag_stamps.gripper_overlap``: BagError on another clock, a note for
    states far outside its span); only its stamps must not step back
    (``bag_stamps.check_steps_back``), not those of the topics merely searched. A command
    topic's fingers (``finger_commands``: ``/gripper_command``) are never searched out as the
    hand: without another hand, the warning says so and the fix names ``--gripper-topic``.

    None named, a bag whose ``metadata.yaml`` records its finger topic (this package's writer:
    ``recorded_hand``) reads that topic when it holds fingers and lies in the arm's namespace
    (or none does), without the namespace rule's note; else the record is ignored, saying so
    (``recorded_hand.recorded_topic``). A recorded full opening other than
    ``config.gripper_max_width`` is noted with the option that reads it as recorded, whether the
    topic read was chosen by the record or named (breaker59i #2). ``recorded``: that width was
    not given (eval, camera-check): the fingers are read at the record's opening exactly when the
    record's topic is the one read (``recorded_hand.opening_read``: decided here, on the topics
    found holding fingers), else at ``config.gripper_max_width``.
    """
    if config.no_gripper:  # the fix the refusals name: no gripper topic is read at all
        notes.append(NO_GRIPPER_NOTE)
        return (np.zeros(len(state_times)), "none (--no-gripper)", "", NO_SILENCES,
                config.gripper_max_width)
    found: dict[str, JointSeries] = {}
    nan_hands = []  # topics whose every finger reading is NaN or inf (review60b #5)
    for topic in joint_topics:
        try:
            series = read.get(topic) or read_series(times_of(topic, False), collected[topic][2],
                                                    JointStateReader(joints.prefix or ""))
        except NonFiniteFingersError:  # finger messages alone, every one NaN
            nan_hands.append(topic)
            continue
        except StateError as exc:
            if topic == named or (not named and isinstance(exc, RangeError)):
                fix = positions_fix(collected[topic][2], topic, types or {})
                raise BagError(f"{path}: gripper topic {topic} {exc}{fix}") from exc
            if not named:  # a named topic: the others are read for the advice only
                notes.append(f"{topic} not used for the gripper: {exc}")
            continue
        if len(series.fingers):
            found[topic] = series
        elif len(series.nan_fingers):
            nan_hands.append(topic)
    if nan_hands and (named in nan_hands or not named and not found):
        raise nan_hands_error(path, [named] if named else nan_hands, config.no_gripper_fix())
    if (not found or named and named not in found) and arm_named(config.joint_prefix,
                                                                  joint_topics, collected):
        # a hand of another prefix than the arm's (never past a --joint-prefix naming no arm)
        found.update(other_hand(path, joints.prefix or "", named, joint_topics, collected,
                                times_of, notes, types or {}, config.no_gripper_fix()))
    commands = {} if named else finger_commands(found, state_topic)  # never the hand's state
    found = {topic: series for topic, series in found.items() if topic not in commands}
    ranked = by_rank(found, state_topic)  # the arm's namespace first (hand_namespaces)
    prefix_fix = finger_prefix_fix(config.joint_prefix if not found else "",
                                   [named] if named else joint_topics, collected,
                                   config.no_gripper_fix())
    if named and named not in found and prefix_fix:  # it holds fingers, of another prefix
        raise BagError(f"{path}: gripper topic {named}: {prefix_fix}")
    knuckle = knuckle_fix([named], collected, config.no_gripper_fix()) if named else ""
    if named and named not in found and knuckle:  # a Robotiq's: no topic can pass
        raise BagError(f"{path}: gripper topic {named}: {knuckle}")
    several = hand_prefixes(named, collected) if named else []
    if named and named not in found and len(several) > 1:  # a tool changer's hands
        raise BagError(f"{path}: gripper topic {named}: "
                       f"{several_hands_fix(named, several, config.no_gripper_fix())}")
    if named and named not in found:
        given = candidates(config.gripper)
        what = (f"gripper topic {named}: it holds no finger joints (<prefix>finger_joint1/2)"
                if named in collected else f"gripper topic {named}: it is not in the bag"
                if len(given) == 1 else f"gripper topics {' '.join(given)}: none is in the bag")
        fix = gripper_topic_fix(config.gripper, ranked, types or {},
                                named if named in collected else "")
        raise BagError(f"{path}: {what}; JointState topics there: "
                       f"{', '.join(joint_topics) or 'none'}. {fix[0].upper()}{fix[1:]}")
    record = recorded_hand(path)  # our recorder's choice (recorded_hand): its opening too
    mine = "" if named else recorded_topic(record, found, types or collected, notes,
                                           state_topic)
    if named:
        ranked = [named]
    elif mine:  # the topic the bag's writer took the fingers from: no namespace rule, no note
        ranked = [mine, *(topic for topic in ranked if topic != mine)]
    elif ranked:  # the hand in the arm's namespace; two that no namespace decides: BagError
        ranked = hand_topics(path, ranked, state_topic, collected, joints.prefix or "", notes,
                             config.no_gripper_fix())
    if not ranked:
        why, command_fix = skipped_words(commands)  # a command's fingers: read when named
        fix = prefix_fix or other_hands_fix(joints.prefix or "", joint_topics, collected,
                                            config.no_gripper_fix()) or command_fix or (
            "name the topic with --gripper-topic" if joint_topics else
            no_joint_state_fix(types or {}, config.no_gripper_fix()))
        looked = f"looked for finger joints on {', '.join(joint_topics)}{why}" if joint_topics \
            else "no JointState topic to read finger joints from"
        notes.append(f"warning: no gripper state in the bag ({looked}): gripper closedness 0 "
                     f"(open) throughout; {fix}")
        return (np.zeros(len(state_times)), "none (assumed open)", fix, NO_SILENCES,
                config.gripper_max_width)
    series = found[ranked[0]]
    # the record's opening where its topic is read and none was given (review59t #3)
    width = opening_read(record, found, types or collected, state_topic,
                         config.gripper_max_width, recorded and not named)
    if series.nonfinite and ranked[0] != state_topic:  # the state topic's: said with the arm's
        notes.append(nonfinite_note(ranked[0], series.nonfinite))
    arm_read = sorted(set(series.nan_fingers) - set(series.nonfinite))  # NaN fingers, arm read
    notes += [nonfinite_note(ranked[0], arm_read, fingers_only=True)] if arm_read else []
    said = width_note(record, ranked[0], width)  # another opening recorded, or none applied
    notes += [said] if said else []
    # the topic used: stamps must not step back (BagError), unusable noted; held by value
    times_of(ranked[0], held=True)
    finger_times, fingers, offsets = series.finger_times, series.fingers, np.zeros(0)
    # fingers in messages of their own on the arm's topic (franka_ros): a gripper driver's
    # stream, maybe on another clock, checked against the arm's messages (breaker60a #4)
    shared = ranked[0] == state_topic and len(series.arm_index) and len(series.finger_index) \
        and not np.isin(series.finger_index, series.arm_index).any()
    clock_topic, state_words = ranked[0], state_topic
    if clock_of is not None and (ranked[0] != state_topic or shared) and \
            config.stamps == "header" and ranked[0] not in receive_timed:
        arm_clock = None
        if shared:
            times, received = clock_of(state_topic)
            arm_clock = times[series.arm_index], received[series.arm_index]
            clock_topic = f"{state_topic} [finger messages: a gripper driver's]"
            state_words = f"{state_topic} [arm messages]"
        held = latched_held(ranked[0], series, state_topic, clock_of, notes,
                            config.max_clock_offset_s, arm_clock)
        finger_times, fingers, offsets = held.times, held.fingers, held.offsets[held.live]
        # its clock stepping mid-bag: refused (the offsets and latched messages above, once)
        said = refuse_own_step(path, clock_topic, held.clock, held.offsets, held.live,
                               state_words, arm_clock or clock_of(state_topic),
                               config.no_gripper_fix())
        notes += [said] if said else []
    order = np.argsort(finger_times, kind="stable")
    note = gripper_overlap(path, config, ranked[0], finger_times[order], state_topic,
                           state_times, ranked[0] in receive_timed)
    notes += [note] if note else []
    check_clock(path, clock_topic, offsets, state_words, notes, "finger message",
                config.max_clock_offset_s)
    closed = closedness_from_fingers(fingers[order], width)
    finger_times = finger_times[order]
    # a finger message that closed the hand faster than a hand closes and straight back: a
    # glitch judged at the topic's own times (interpolated onto faster states it would be a
    # ramp of small steps: breaker40c), left out before the closedness is read at the states'
    stray = stray_states(finger_times, gripper_only(closed))
    if stray.any():
        notes.append(stray_note(f"gripper topic {ranked[0]}", finger_times, stray))
        finger_times, closed = finger_times[~stray], closed[~stray]
    gripper = held_values(state_times, finger_times, closed)
    spans = silences(finger_times, closed, HOLD_GAP_S)  # a steady topic silent while it moved
    silent_ns = finger_times[spans]
    unknown = inside_silences(state_times, silent_ns)
    if unknown.any():  # NaN: left out by read_recording; resample drops the steps (unknown_ns)
        notes.append(silence_note(ranked[0], finger_times, closed, spans, int(unknown.sum()),
                                  int(np.min(state_times))))
        gripper[unknown] = np.nan
    return gripper, ranked[0], "", silent_ns, width


def other_hand(path, arm_prefix: str, named: str, topics, collected, times_of,
               notes: list[str], types: dict[str, str],
               no_gripper: str = "pass --no-gripper to use closedness 0"
               ) -> dict[str, JointSeries]:
    """Return {topic: its series} of a hand of another prefix than the arm's, read as its hand.

    ``named``: the gripper topic the user named ('' none): its one hand is read, whatever its
    prefix; unnamed, the recording's only hand on a gripper topic beside one arm
    (``other_hands.lone_hand``). Each read with a note naming its joints; {} when there is
    none (or several hands on the named topic: the refusal names them). BagError naming the
    topic for joints that cannot be read; fingers NaN or inf on every message: naming
    ``no_gripper`` (``BagTopics.no_gripper_fix``) too.
    """
    if named:
        hands = hand_prefixes(named, collected)
        lone = (named, hands[0]) if len(hands) == 1 and hands[0] != arm_prefix else None
    else:
        lone = lone_hand(topics, collected)
    if lone is None:
        return {}
    topic, prefix = lone
    try:
        series = read_series(times_of(topic, False), collected[topic][2],
                             JointStateReader(arm_prefix, hand_prefix=prefix))
    except NonFiniteFingersError as exc:  # fingers NaN throughout
        raise nan_hands_error(path, [topic], no_gripper) from exc
    except StateError as exc:
        fix = positions_fix(collected[topic][2], topic, types)
        raise BagError(f"{path}: gripper topic {topic} {exc}{fix}") from exc
    arm = f"the arm's {arm_prefix}joint1..7" if arm_prefix else "the arm's joints"
    why = "named with --gripper-topic" if named else (
        "the recording's only hand; choose another with --gripper-topic, or pass --no-gripper")
    notes.append(f"gripper from {topic}: its finger joints {prefix}finger_joint1/2 carry another "
                 f"prefix than {arm}, read as this arm's hand ({why})")
    return {topic: series} if len(series.fingers) else {}


WIDTH_TYPES = ("std_msgs/msg/Float64", "std_msgs/msg/Float32")  # a gripper's width, as some log it


def no_joint_state_fix(types: dict[str, str], no_gripper: str) -> str:
    """Say what reads a bag without a JointState topic: no ``--gripper-topic`` can.

    ``types``: topic -> message type; a gripper recorded as a width (:data:`WIDTH_TYPES`, a
    name with 'gripper' or 'width') is named as not read. ``no_gripper``: the closedness-0 fix
    (``BagTopics.no_gripper_fix``).
    """
    widths = [topic for topic, kind in sorted(types.items()) if kind in WIDTH_TYPES
              and ("gripper" in topic.lower() or "width" in topic.lower())]
    said = (f"{', '.join(f'{t} ({types[t]})' for t in widths)} not read (a width: the "
            "gripper is read from a JointState's finger joints only); " if widths else "")
    return (f"{said}record the hand's sensor_msgs/JointState (e.g. "
            f"/franka_gripper/joint_states) to read the gripper, or {no_gripper}")


class HeldFingers(NamedTuple):
    """:func:`latched_held`'s result: the fingers read, and their clock as judged once."""

    times: np.ndarray  # [K'] int64 ns: the finger times (a latched message at its receipt)
    fingers: np.ndarray  # [K', 2] float64 m
    clock: tuple  # (times, receive times) [K] int64 ns of every finger message, receive order
    offsets: np.ndarray  # [K] s: their topic_clocks.relative_offsets against the states'
    live: np.ndarray  # [K] bool: not latched (the messages of its clock's run)


def latched_held(topic: str, series: JointSeries, state_topic: str, clock_of, notes: list[str],
                 limit_s: float = REFUSE_S, state_clock: tuple | None = None) -> HeldFingers:
    """Return the gripper's fingers, a latched message held from its receipt (``HeldFingers``).

    A latched message (transient local, published on change: ``topic_clocks.latched_messages``)
    is received when the recorder subscribed (or when its publisher matched, later), stamped when
    the hand last changed, perhaps minutes before: the newest one is the hand's state then, so
    it is timed by its receipt (on the states' clock: ``topic_clocks.states_clock_at``), the
    older ones left out, with a note. The offsets of the other messages (``live``) are for
    ``topic_clocks.check_clock`` (a gripper on another clock), judged alone, and for
    ``gripper_clock_step.refuse_own_step``; ``limit_s``: its limit behind (``max_clock_offset_s``).
    The finger messages are taken in receive order (``topic_clocks.receive_order``: as
    read, unless a salvaged file's topic came in file order), fingers and times with them.
    ``state_clock``: the states' (stamps, receive times) [M] int64 ns when not all of
    ``state_topic``'s (its arm messages, the fingers sent apart on it); None:
    ``clock_of(state_topic)``.
    """
    times, received = clock_of(topic)
    state_times, state_received = state_clock or clock_of(state_topic)
    index = series.finger_index
    times, received = times[index], received[index]
    finger_times, fingers = series.finger_times, series.fingers
    order = receive_order(received)
    if order is not None:
        times, received = times[order], received[order]
        finger_times, fingers = finger_times[order], fingers[order]
    offsets = relative_offsets(times, received, state_times, state_received)
    latched = latched_messages(times, received, offsets, state_received, limit_s)
    clock = (times, received)
    if not latched.any():
        return HeldFingers(finger_times, fingers, clock, offsets, ~latched)
    held = np.flatnonzero(latched)
    newest = held[np.argmax(finger_times[held])]
    keep = ~latched
    keep[newest] = True
    finger_times = finger_times.copy()
    finger_times[newest] = states_clock_at(received[newest:newest + 1], state_times,
                                           state_received)[0]  # its receipt, the states' clock
    older = len(held) - 1
    after = (received[newest] - np.min(state_received)) / 1e9
    alone = ("; its later messages' clock is checked on their own" if not latched.all() else
             "; its only message: a clock that far behind looks the same, and its value is the "
             "hand's as received either way" if len(held) == 1 else "")
    notes.append(
        f"gripper topic {topic}: a latched message (transient local: the hand's state when the "
        f"recorder subscribed) received {max(after, 0.0):.1f} s after the states' first, stamped "
        f"{-offsets[newest]:.1f} s before it: held from its receipt{alone}"
        + (f"; {older} older latched message(s) left out" if older else ""))
    return HeldFingers(finger_times[keep], fingers[keep], clock, offsets, ~latched)


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

"""Timing a bag's messages: header stamps read from CDR bytes, unset stamps, the overlap checks.

A topic is timed by its messages' ``header.stamp`` or, when those are unset or ``--stamps
receive`` asks for it, by when the recorder received them (:func:`header_timing`); header stamps
that step back and stay back (a sim reset, a clock step) are refused, and so is a stream whose
messages (all or most) carry one time by both clocks (:func:`check_one_time`), naming the topic and
message (:func:`check_steps_back`); camera frames and states that share no time are refused naming
both spans (:func:`check_overlap`), and so is a gripper topic that shares none with the
states, one that covers part of them gets a note (:func:`gripper_overlap`).
"""

from __future__ import annotations

import struct

import numpy as np

from vjepa_ros.recordings.bag_files import BagError, message_words
from vjepa_ros.recordings.bag_reader import message_range_words

STAMPS_HINT = ("if a camera stamps frames on its own device clock while the robot uses the system "
               "clock, time every message by when the recorder received it: --stamps receive "
               "(data.topics.stamps: receive)")
GRIPPER_STAMPS_HINT = ("if the gripper's driver stamps its messages on another clock than the "
                       "arm's (its own device clock, a sim clock, a restarted clock), time every "
                       "message by when the recorder received it: --stamps receive "
                       "(data.topics.stamps: receive)")


def header_from_cdr(raw) -> tuple[int, str]:
    """(header.stamp [ns], header.frame_id) of a serialized message led by a std_msgs/Header.

    CDR: the 4-byte encapsulation, the stamp (int32 sec, uint32 nanosec), then the frame id as
    a uint32 length (its NUL included) and its bytes. Raises ValueError for bytes that are not
    such a message.
    """
    data = bytes(raw[:16])
    if len(data) < 16 or data[0] != 0 or data[1] not in (0, 1):
        raise ValueError("not a CDR message with a header")
    endian = "<" if data[1] == 1 else ">"
    sec, nanosec, length = struct.unpack(endian + "iII", data[4:16])
    text = bytes(raw[16:16 + length])
    if length > 4096 or len(text) != length:
        raise ValueError("not a CDR message with a header")
    return sec * 1_000_000_000 + nanosec, text.rstrip(b"\0").decode("utf-8", "replace")


RECEIVE_FALLBACK = ": timed by when the recorder received them"
UNSET_NOTE = "{topic}: header stamps are 0{share}" + RECEIVE_FALLBACK


def unset_note(topic: str, stamps: np.ndarray) -> str:
    """Return :data:`UNSET_NOTE` for ``topic``, saying how many of its ``stamps`` [ns] are 0.

    All of them: no count; some: "(1 of 16)", the topic timed whole by receive times all the
    same (:func:`header_stamps_unset`); negative ones counted too ("0 or negative (...)").
    """
    zero, negative = int(np.sum(stamps == 0)), int(np.sum(stamps < 0))
    if zero == len(stamps):
        return UNSET_NOTE.format(topic=topic, share="")
    if not negative:
        return UNSET_NOTE.format(topic=topic, share=f" ({zero} of {len(stamps)})")
    return UNSET_NOTE.format(topic=topic, share=f" or negative ({zero} of {len(stamps)} 0, "
                             f"{negative} negative)")
STALE_NOTE = ("{topic}: header stamps stand still ({messages} carry one "
              "stamp over {seconds:.2f} s: a driver that stamps once, or copies a stale header)"
              + RECEIVE_FALLBACK)
SYSTEM_CLOCK_NS = 10**18  # stamps after 2001-09-09: a system (epoch) clock, not a sim clock


LATE_ZERO_NS = 1_000_000_000  # a 0 read this far into the clock by its receive time: unset
NEIGHBOURS = 8  # set stamps each side whose receive delay dates a message stamped 0


def header_stamps_unset(stamps: np.ndarray, received: np.ndarray) -> bool:
    """Whether a topic's header stamps [ns, int64] were left unset (the driver fills none).

    ``stamps``, ``received`` [N; ns, int64]: header stamps and receive times, in receive order.
    Unset: more than half of them 0, any negative, a 0 among system-clock (epoch) stamps, or a 0
    received while the clock had run on: dated by the receive delay of the set stamps received
    nearest it (up to 8 each side: a simulated clock running faster or slower than the
    recorder's keeps its delay locally), over 1 s (:data:`LATE_ZERO_NS`) into the clock (a
    driver that fills some stamps and not others). A simulated clock starts at 0, so stamps of
    exactly 0 received within 1 s of its start are its first messages and are kept, however
    many later messages the recorder received before them (one received late is sorted into
    place; switching the topic to receive times for it mistimed every message).
    """
    zero = stamps == 0
    if not len(stamps) or np.any(stamps < 0) or zero.mean() > 0.5:
        return bool(len(stamps))
    if not zero.any():
        return False
    if stamps[~zero].min() >= SYSTEM_CLOCK_NS:
        return True
    order = np.argsort(received[~zero], kind="stable")
    set_received = received[~zero][order]
    delay = (set_received - stamps[~zero][order]).astype(np.float64)
    near = np.searchsorted(set_received, received[zero])[:, None] + np.arange(
        -NEIGHBOURS, NEIGHBOURS)
    dated = received[zero] - np.median(delay[np.clip(near, 0, len(delay) - 1)], axis=1)
    return bool(np.any(dated > LATE_ZERO_NS))


STILL_S = 0.2  # [s] one stamp held this long by the other clock: the clock stood still


def still_run(times: np.ndarray, other: np.ndarray) -> tuple[int, int] | None:
    """Return (first, last) message of the longest run of one time in ``times`` held > 0.2 s.

    ``times``, ``other`` [ns, int64]: one topic's times by two clocks (header stamps and receive
    times), in receive order. A clock that stands still repeats one time while the other runs
    on: a driver that stamps once or copies a stale header, a recorder on a paused ``/clock``.
    Runs the other clock passes in less than :data:`STILL_S` are kept: a simulator's coarse
    ``/clock`` (ten 1 kHz joint states per 100 Hz tick), arm and finger messages of one update,
    a frame delivered twice (breaker38b). None: no such run.
    """
    if len(times) < 2:
        return None
    starts = np.flatnonzero(np.append(True, times[1:] != times[:-1]))  # each run's first message
    ends = np.append(starts[1:], len(times)) - 1
    held = (other[ends] - other[starts]) / 1e9
    longest = int(np.argmax(held))
    return (int(starts[longest]), int(ends[longest])) if held[longest] > STILL_S else None


def header_timing(topic: str, stamps: np.ndarray, received: np.ndarray,
                  unset: bool | None = None) -> tuple[bool, str]:
    """Whether ``topic``'s header stamps time it, and the note to say about them ("" if none).

    ``stamps``, ``received`` [ns, int64, in receive order]; ``unset``: their
    :func:`header_stamps_unset`, when already known (None: computed). Not used (timed by receive
    times): unset (:data:`UNSET_NOTE`) or one stamp for every message held
    over 0.2 s (:func:`still_run`, :data:`STALE_NOTE`: a driver that stamps once). A run of part
    of them keeps the header stamps, however long (a simulator paused while the other topics'
    stamps stood still too would be put on another clock than theirs: breaker38c), with a note
    that its messages fall on one instant (unread without a word before: breaker38b).
    """
    if not len(stamps):
        return False, ""
    if header_stamps_unset(stamps, received) if unset is None else unset:
        return False, unset_note(topic, stamps)
    run = still_run(stamps, received)
    if run is None:
        return True, ""
    first, last = run
    held_s = (int(received[last]) - int(received[first])) / 1e9
    if run == (0, len(stamps) - 1):
        return False, STALE_NOTE.format(topic=topic, seconds=held_s,
                                        messages=message_range_words(first, last, len(stamps)))
    return True, (f"{topic}: header stamps stand still for {held_s:.2f} s "
                  f"({message_range_words(first, last, len(stamps))} carry one stamp: a paused "
                  "simulator or a stalled driver?): they fall on one instant and count as one; "
                  "--stamps receive times every message by when the recorder received it")


def check_receive_times(path, topic: str, received: np.ndarray, stamps: np.ndarray,
                        header_note: str) -> None:
    """Refuse receive times [ns] that stand still for a topic timed by them.

    Standing still: one receive time held over 0.2 s of header time (:func:`still_run`); when
    the header stamps cannot time the topic either (``header_note``: why, from
    :func:`header_timing`), over half of its messages received at the time of the one
    before. Raises BagError naming the bag, the topic, the messages and what to do: the header
    stamps (``--stamps header``), or, when they cannot time it either, a new recording.
    """
    if header_note:
        repeats = int(np.sum(received[1:] == received[:-1]))
        if len(received) < 2 or repeats <= (len(received) - 1) / 2:
            return
        what = f"{repeats} of {len(received)} messages were received at the time of the one before"
    else:
        run = still_run(received, stamps)
        if run is None:
            return
        first, last = run
        what = (f"{message_range_words(first, last, len(received))} were received at one time "
                f"over {(int(stamps[last]) - int(stamps[first])) / 1e9:.2f} s of their stamps")
    what += (" (a recorder on a paused /clock with use_sim_time, or a converter that gave them "
             "one time)")
    if header_note:
        why = header_note.split(": header stamps ", 1)[1].removesuffix(RECEIVE_FALLBACK)
        raise BagError(f"{path}: {topic}: its header stamps {why} and {what}: neither clock "
                       "times this topic; record it again with a running clock")
    raise BagError(f"{path}: {topic}: {what}: receive times cannot time it; use its header "
                   "stamps: --stamps header (data.topics.stamps: header)")


ONE_TIME_MIN = 4  # messages of one time, both clocks: 3 steps of a stream lost; fewer: held


def check_one_time(path, topic: str, stamps: np.ndarray, received: np.ndarray,
                   others=tuple, held: bool = False, unset: bool | None = None) -> None:
    """Refuse a stream whose messages (all, or most) carry one time, by header stamp and receipt.

    ``stamps``, ``received`` [N, ns, int64]: the topic's two clocks; ``others``: a callable
    returning the (stamps, received) arrays of the bag's other topics with messages (called only
    to word a refusal); ``unset``: :func:`header_stamps_unset` of the two, when already known
    (None: computed). A converter that gave every message
    one time leaves nothing to order them by: read, they fell on one instant (a camera's frames
    one step, a pose's steps "two publishers"); when it gave one time to most of them (7 of 8
    frames), those are read as one instant each paired with one state. Judged for a stream (a
    camera, a pose, joint states) only: at least :data:`ONE_TIME_MIN` messages (3 steps) of
    one time, more than half of the topic's. A topic held by value (``held``: the gripper,
    published on change or latched; its closedness is held between messages) and a few
    messages of one time (a sim's 2 messages at start, its clock not yet running; two
    /tf_static-like messages) lose no timing: never refused. Header stamps unset (0:
    :func:`header_stamps_unset`) are left to :func:`check_receive_times`. Raises BagError (one
    line) naming the bag, the topic, how many of its messages share the time, the time and,
    when every topic's messages carry one time, saying so.
    """
    if held or len(stamps) < ONE_TIME_MIN:
        return
    if header_stamps_unset(stamps, received) if unset is None else unset:
        return  # stamps of 0 are none: check_receive_times says neither clock times it
    # a time held by over half the messages holds the median stamp: the rest cannot have it
    middle = len(stamps) // 2
    majority = stamps == np.partition(stamps, middle)[middle]
    if 2 * int(np.count_nonzero(majority)) <= len(stamps):
        return
    receipts, counts = np.unique(received[majority], return_counts=True)
    most = int(np.argmax(counts))
    shared = int(counts[most])
    if shared < ONE_TIME_MIN or 2 * shared <= len(stamps):
        return
    rest = others()
    every = shared == len(stamps) and all(
        len(r) and not np.ptp(s) and not np.ptp(r) for s, r in rest)
    what = (f"every message of every topic read, {topic}'s {len(stamps)} too," if every and rest
            else f"all {len(stamps)} messages of {topic}" if shared == len(stamps)
            else f"{shared} of the {len(stamps)} messages of {topic}")
    stamp = int(stamps[majority][0]) / 1e9
    receipt = int(receipts[most]) / 1e9
    raise BagError(f"{path}: {what} carry one time, by header stamp ({stamp:.3f} s) and by "
                   f"receipt ({receipt:.3f} s) alike (a converter that gave them one time?): "
                   "neither clock times them (no --stamps can); record again, or convert "
                   "keeping each message's time")


COVER_SLACK_NS = 1_000_000_000  # states this far outside the gripper's span get a note
STEP_BACK_NS = 200_000_000  # header stamps going back more than this: a clock step, a sim reset
STEP_BACK_HINT = ("time every message by when the recorder received it: --stamps receive "
                  "(data.topics.stamps: receive), or cut the bag where the stamps go back")


def check_steps_back(path, topic: str, stamps: np.ndarray, ordinals=None) -> None:
    """Refuse header stamps [ns, int64; in receive order] that step back and stay back.

    A simulator reset or a clock step mid-recording: two or more messages in a row stamped more
    than 0.2 s before an earlier one. Paired by stamp, frames would get the states of another
    moment, and frames before it would be dropped as repeats. One message received late (out of
    order, or from a second publisher) is no step: the next one is ahead again, and sorting by
    stamp places it. Raises BagError naming the bag, the topic, the message (as
    ``message_words`` counts; ``ordinals`` [N] int64: each stamp's place among the topic's
    messages, None: stamp i is message i) and ``--stamps receive``.
    """
    if len(stamps) < 3:
        return
    latest = np.maximum.accumulate(stamps)
    back = latest - stamps > STEP_BACK_NS
    stays = np.flatnonzero(back[:-1] & back[1:])
    if not len(stays):
        return
    index = int(stays[0])
    raise BagError(
        f"{path}: {topic} header stamps step back at "
        f"{message_words(index if ordinals is None else int(ordinals[index]))}, from "
        f"{int(latest[index]) / 1e9:.3f} s to {int(stamps[index]) / 1e9:.3f} s (a simulator "
        "reset or a clock step mid-recording): frames and states cannot be paired by stamp "
        f"across it; {STEP_BACK_HINT}")


def describe_span(times: np.ndarray) -> str:
    """'t0..t1 s' of int64 ns times, with the UTC date when they read as system-clock times."""
    import datetime

    first, last = int(times.min()), int(times.max())
    text = f"{first / 1e9:.3f}..{last / 1e9:.3f} s"
    if first > SYSTEM_CLOCK_NS:  # after 2001-09-09: a system (epoch) clock
        date = datetime.datetime.fromtimestamp(first / 1e9, datetime.UTC)
        return f"{text} (from {date:%Y-%m-%d %H:%M:%S} UTC)"
    return f"{text} (not a system-clock time: a device clock or time since boot?)"


def check_overlap(path, config, image_topic, image_times, state_topic, state_times):
    """Refuse frames and states that share no time (the resampler would find no step)."""
    if max(image_times[0], state_times[0]) <= min(image_times[-1], state_times[-1]):
        return
    hint = STAMPS_HINT if config.stamps == "header" else (
        "the recorder received them at different times: are both topics from this recording?")
    raise BagError(
        f"{path}: the camera frames ({image_topic}: {describe_span(image_times)}) and the states "
        f"({state_topic}: {describe_span(state_times)}) do not overlap in time (timed by "
        f"{config.stamps}); {hint}"
    )


def cover_slack(times: np.ndarray) -> float:
    """Return how far [ns] states may lie outside a topic's span ``times`` [ns, sorted, N >= 1].

    1 s, or two of the topic's (median) intervals when that is longer: a slow topic (a gripper
    starting a beat late) still covers them.
    """
    interval = np.median(np.diff(times)) if len(times) > 1 else 0
    return max(COVER_SLACK_NS, 2 * interval)


def uncovered_note(kind: str, topic: str, times: np.ndarray, state_topic: str,
                   state_times: np.ndarray, then: str, slack: float | None = None) -> str:
    """Note the states [ns] more than the slack outside a topic's span ``times`` [ns, sorted].

    The slack: :func:`cover_slack` of ``times`` (``slack``: that, already computed).
    ``kind``: what the topic is ("gripper", "camera"); ``then``: what those states get. ""
    when every state lies within the slack (or either has no time). The note names the topic,
    its span, how many states lie outside and the seconds of the states' span it does not
    cover.
    """
    if not len(times) or not len(state_times):
        return ""
    slack = cover_slack(times) if slack is None else slack
    before, after = state_times < times[0] - slack, state_times > times[-1] + slack
    far = int(np.sum(before | after))
    if not far:
        return ""
    seconds = (max(0, int(times[0]) - int(state_times.min())) * before.any()
               + max(0, int(state_times.max()) - int(times[-1])) * after.any()) / 1e9
    return (f"{kind} topic {topic} covers {describe_span(times)}: {far} of {len(state_times)} "
            f"states of {state_topic} ({seconds:.2f} s of their span) lie more than "
            f"{slack / 1e9:g} s outside it {then}")


def gripper_overlap(path, config, topic: str, finger_times: np.ndarray, state_topic: str,
                    state_times: np.ndarray, timed_by_receive: bool = False) -> str:
    """Check the gripper topic's times [ns, sorted] against the states' [ns]; return a note or "".

    No shared time (another clock, stamps left 0 while the arm's are set): its span more than
    the slack (1 s, or two of its intervals) before or after the states' span: BagError naming
    the gripper topic, both spans and ``--stamps receive``; never one closedness for every
    state made up from messages of another time. A gripper that publishes on change (one
    message inside the states' span, or a latched one just before them) overlaps: its
    closedness is held between its messages. States more than the slack outside its span: a
    note counting them (they get the closedness of its first or last message).
    ``timed_by_receive``: the topic's header stamps were unset (or stood still), so it is timed
    by receive times while the states may not be.
    """
    if not len(finger_times) or not len(state_times):
        return ""
    slack = cover_slack(finger_times)  # a slow gripper starting a beat late: fine
    gap = max(int(finger_times[0]) - int(state_times[-1]),
              int(state_times[0]) - int(finger_times[-1]))  # > 0: their spans share no time
    if gap <= slack and len(finger_times) == 1:
        return (f"gripper topic {topic} has one message ({describe_span(finger_times)}): its "
                f"closedness taken for all {len(state_times)} states of {state_topic} (a gripper "
                "that publishes on change, or latched)")
    if gap <= slack:
        return uncovered_note("gripper", topic, finger_times, state_topic, state_times,
                              "and get the closedness of its first or last message", slack)
    if config.stamps != "header":
        hint = "the recorder received them at different times: are both from this recording?"
    elif timed_by_receive:
        hint = (f"its header stamps are unusable (timed by receive time) while {state_topic}'s "
                "are set: time every message by when the recorder received it: --stamps receive "
                "(data.topics.stamps: receive)")
    else:
        hint = GRIPPER_STAMPS_HINT
    raise BagError(
        f"{path}: the gripper topic ({topic}: {describe_span(finger_times)}) and the states "
        f"({state_topic}: {describe_span(state_times)}) do not overlap in time (timed by "
        f"{config.stamps}): its closedness cannot be read at the states' times; {hint}; or "
        f"{config.no_gripper_fix()}")

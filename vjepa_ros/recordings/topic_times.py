"""The times [ns] of each topic a recording's index reads: header stamps or receive times.

:class:`TopicTimes` decides once per topic (``bag_stamps.header_timing``: header stamps, or
receive times where they are unset or unusable) and checks a topic used for steps (one time for
all, stamps stepping back, receive times standing still), for
:func:`~vjepa_ros.recordings.bags.read_recording`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vjepa_ros.recordings.bag_stamps import (
    check_one_time,
    check_receive_times,
    check_steps_back,
    header_stamps_unset,
    header_timing,
)
from vjepa_ros.recordings.bag_topics import BagTopics


class TopicTimes:
    """``times_of(topic, used, held)`` and ``clock_of(topic)`` of one recording's read messages.

    ``collected``: topic -> (header stamps, receive times, contents) [ns] as read; ``notes``:
    the recording's notes (a timing note is appended once); ``positions``: the camera's
    messages indexed (its empty frames have no stamp). ``receive_timed``: the topics used that
    are timed by receive times.
    """

    def __init__(self, path: Path, config: BagTopics, collected: dict, notes: list[str],
                 image_topic: str, positions: list[int]):
        self._path, self._config, self._collected = path, config, collected
        self._notes, self._image_topic, self._positions = notes, image_topic, positions
        # topic -> (stamps, receive times, timed by header?, note, stamps unset?)
        self._timing: dict = {}
        self.receive_timed: set[str] = set()  # the topics used that are timed by receive times
        # check_one_time's verdict holds for the topic's reads
        self._one_time_checked: set[str] = set()
        # topic -> index arrays of its messages that are streams of their own (split()): their
        # stamps are checked for steps back one stream at a time
        self._streams: dict[str, list[np.ndarray]] = {}

    def split(self, topic: str, streams: list[np.ndarray]) -> None:
        """Say that ``topic``'s messages at each of ``streams`` [indices] are a stream of its own.

        Arm and finger joints sent as separate messages on one /joint_states (franka_ros
        drivers) come from two drivers, maybe on two clocks: each one's stamps must rise, not
        the two interleaved (a gripper's clock 0.6 s ahead is no clock step back: breaker60a
        #4; its offset is the gripper clock check's).
        """
        self._streams[topic] = [np.asarray(index, np.int64) for index in streams]

    def __call__(self, topic: str, used: bool = True, held: bool = False) -> np.ndarray:
        """Return ``topic``'s times [ns]; ``used``: its stamps must not step back (else BagError).

        A JointState topic the gripper search reads is timed with ``used`` False: only the one
        chosen is checked (a conveyor's clock that reset refused the bag, breaker34a); ``held``:
        the gripper's, held by value (a few messages of one time are no stream's lost timing).
        """
        if topic not in self._timing:  # decided once per topic (the gripper search asks again)
            stamps = np.array(self._collected[topic][0], np.int64)
            received = np.array(self._collected[topic][1], np.int64)
            header = self._config.stamps == "header"
            unset = header_stamps_unset(stamps, received) if header else None
            timed = header_timing(topic, stamps, received, unset) if header else (False, "")
            self._timing[topic] = (stamps, received, *timed, unset)
        stamps, received, by_header, note, unset = self._timing[topic]
        if not used:
            return stamps if by_header else received
        if not held and topic not in self._one_time_checked:  # held: never refused
            self._one_time_checked.add(topic)
            check_one_time(self._path, topic, stamps, received, lambda: [  # no clock orders them
                (np.array(c[0]), np.array(c[1])) for t, c in self._collected.items()
                if t != topic and c[1]], unset=unset)
        if note and note not in self._notes:
            self._notes.append(note)
        if by_header:
            # the camera's empty frames have no stamp: its messages counted with them
            if topic in self._streams:
                for index in self._streams[topic]:
                    check_steps_back(self._path, topic, stamps[index], index)
            else:
                check_steps_back(self._path, topic, stamps,
                                 self._positions if topic == self._image_topic else None)
            return stamps
        self.receive_timed.add(topic)
        # receive times standing still: one instant, never "record longer"
        check_receive_times(self._path, topic, received, stamps, note)
        return received

    def clock_of(self, topic: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (times, receive times) [N] int64 ns of every message of a topic timed."""
        stamps, received, by_header, *_ = self._timing[topic]
        return (stamps if by_header else received), received

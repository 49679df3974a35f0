"""A recorded JointState stream (any layout) split into arm and finger samples (``read_series``).

Each message is read by :class:`~vjepa_ros.robot.joint_states.JointStateReader`; the series
leaves out messages that are no reading (every arm joint 0) or hold NaN or inf, and lists them
for the caller's note. Used by the recordings' reader (eval, train, camera-check).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from vjepa_ros.message_words import message_words
from vjepa_ros.robot.joint_reading import (
    ARM_JOINTS,
    JointReading,
    NonFiniteError,
    NonFiniteFingersError,
)
from vjepa_ros.robot.kinematics import StateError
from vjepa_ros.robot.state_ranges import arm_unread

if TYPE_CHECKING:  # (joint_states imports this module: JointSeries, read_series from there too)
    from vjepa_ros.robot.joint_states import JointStateReader


@dataclasses.dataclass
class JointSeries:
    """A recorded JointState stream split into arm and finger samples (any layout)."""

    arm_times: np.ndarray  # [M] int64 ns of the messages with arm joints
    arm: np.ndarray  # [M, 7] float64 rad
    arm_names: tuple[str, ...]  # the recording's names of joint1..7 (empty: no arm)
    finger_times: np.ndarray  # [K] int64 ns of the messages with finger joints
    fingers: np.ndarray  # [K, 2] float64 m
    foreign: int  # messages about neither this arm nor its hand
    # [M], [K] int64: each sample's message (its index among the rows read)
    arm_index: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, np.int64))
    finger_index: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, np.int64))
    unread: tuple[int, ...] = ()  # messages left out: every arm joint 0 (no reading of the arm)
    nonfinite: tuple[int, ...] = ()  # messages left out: NaN or inf arm or finger positions
    # messages whose finger positions were NaN or inf: no finger sample (their arm's, if finite,
    # read); in ``nonfinite`` too when that left nothing of the message
    nan_fingers: tuple[int, ...] = ()


def read_series(times, rows, reader: JointStateReader) -> JointSeries:
    """Split ``rows`` of (names, positions) at ``times`` [N] ns into arm and finger samples.

    A message whose arm joints are all exactly 0 is no reading of the arm (a driver before its
    first reading: ``state_ranges.arm_unread``): it gives no arm sample and no finger sample
    (its fingers' 0 is no closed hand), whatever the stream's rate; ``unread`` lists such
    messages when the stream has real readings too (when every arm message is zero, they are
    kept: the caller refuses or reads them as it would). A message whose arm or finger
    positions hold NaN or inf (:class:`NonFiniteError`: a driver's glitch) gives no sample of
    them: NaN fingers alone leave its arm read (``nan_fingers`` lists such messages), NaN arm
    joints leave the whole message out; messages that give nothing are listed in ``nonfinite``
    for the caller's note (none of them counted ``foreign``); when no message gives a sample,
    the first one's error is raised (:class:`NonFiniteFingersError` when that one's arm, if
    any, was finite: only the hand unreadable). Raises :class:`StateError` prefixed with the
    index of the first unusable message.
    """
    readings, nonfinite, first_nonfinite = [], [], None
    for index, (names, positions) in enumerate(rows):
        try:
            readings.append(reader.read(names, positions, nan_fingers_left_out=True))
            if readings[-1].nan_fingers and readings[-1].arm is None:  # a finger message
                nonfinite.append(index)
                first_nonfinite = first_nonfinite or NonFiniteFingersError(
                    f"{message_words(index)}: finger joint positions contain NaN or inf")
        except NonFiniteError as exc:  # one glitch: left out (said by the caller), not the bag
            readings.append(JointReading())
            nonfinite.append(index)
            first_nonfinite = first_nonfinite or type(exc)(f"{message_words(index)}: {exc}")
        except StateError as exc:
            raise type(exc)(f"{message_words(index)}: {exc}") from exc  # a RangeError stays one
    if nonfinite and all(r.arm is None and r.fingers is None for r in readings):
        raise first_nonfinite  # every message: no reading to keep
    arms = [i for i, reading in enumerate(readings) if reading.arm is not None]
    unread = tuple(i for i in arms if arm_unread(readings[i].arm))
    if len(unread) == len(arms):  # no reading at all: nothing to tell them from
        unread = ()
    skip = set(unread)
    arm_times, arm, arm_index, finger_times, fingers, finger_index = [], [], [], [], [], []
    foreign, arm_names = 0, ()
    left_out = set(nonfinite)  # about this arm or hand: not foreign
    for index, (time, reading) in enumerate(zip(times, readings, strict=True)):
        foreign += reading.foreign and index not in left_out
        if index in skip:
            continue
        if reading.arm is not None:
            arm_times.append(time)
            arm.append(reading.arm)
            arm_index.append(index)
            arm_names = reading.arm_names
        if reading.fingers is not None:
            finger_times.append(time)
            fingers.append(reading.fingers)
            finger_index.append(index)
    return JointSeries(
        np.array(arm_times, np.int64), np.array(arm, np.float64).reshape(-1, ARM_JOINTS),
        arm_names, np.array(finger_times, np.int64), np.array(fingers, np.float64).reshape(-1, 2),
        foreign, np.array(arm_index, np.int64), np.array(finger_index, np.int64), unread,
        tuple(nonfinite), tuple(i for i, reading in enumerate(readings) if reading.nan_fingers),
    )

"""Camera frames that do not decode, read as frames never recorded (breaker62b #5).

A JPEG cut short (a lost packet, a driver glitch), a raw frame whose data is short of its size,
a message that does not deserialize: one such frame used to stop ``train`` over every source
and ``eval`` of the whole bag, while a frame never recorded only drops the steps that need it.
:meth:`~vjepa_ros.recordings.recording.Recording.iter_frames` given a ``lost`` dict leaves such
a frame out (:class:`FrameLost` names it) and goes on; the caller drops the steps that need it,
as a missing frame's, and says :func:`lost_note`. A frame of an encoding the world model cannot
use (a depth stream) is no lost frame: the topic is the wrong one, still refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vjepa_ros.counts import counted
from vjepa_ros.message_words import message_words

SHOWN = 3  # lost frames named one by one in a note; the rest counted


@dataclass(frozen=True)
class FrameLost:
    """A camera message that does not decode: which one, its stamp and the decoder's words."""

    ordinal: int  # 0-based, among the topic's messages (message_words counts from 1)
    stamp_ns: int  # the frame's time (its header stamp, or its receive time)
    cause: str  # the decoder's or deserializer's words, one line


def lost_note(path, topic: str, lost: dict[int, FrameLost], steps: int, total: int) -> str:
    """Return the note on frames that did not decode ('' when none did).

    ``lost``: {frame index: :class:`FrameLost`} (``Recording.iter_frames``' ``lost``);
    ``steps``: the steps dropped because they need one of them, of ``total``. Names the bag, the
    topic, each frame's message and stamp [s] (the first :data:`SHOWN`) and why, and what to do.
    """
    if not lost:
        return ""
    return (f"{path}: {_named(topic, lost)}, read as missing: {steps} of "
            f"{counted(total, 'step')} that need them dropped; the rest is read as it is ("
            f"{FIX})")


def none_decode(path, topic: str, lost: dict[int, FrameLost], decoded: int = 0) -> str:
    """Return the one line that refuses a bag with no step left once ``lost`` are dropped.

    ``decoded``: how many of the frames asked for did decode. 0: none of them decodes (``no
    frame decodes``); more: some did, but no step has both its frame and its goal frame among
    them (every other frame lost with a goal one step ahead), which the line says as such.
    """
    if not decoded:
        return f"{path}: no frame decodes: {_named(topic, lost)}; {FIX}"
    return (f"{path}: no step has both its frame and its goal frame decoded: "
            f"{_named(topic, lost)}, {decoded} of the {decoded + len(lost)} frames the steps "
            f"need decoded; {FIX}")


FIX = ("to keep those moments, re-record them or check the camera driver's and the recorder's "
       "link: a frame cut short is a lost packet or a partial write")


def _named(topic: str, lost: dict[int, FrameLost]) -> str:
    """Say how many frames on ``topic`` did not decode, the first :data:`SHOWN` by name."""
    frames = sorted(lost.values(), key=lambda frame: frame.ordinal)
    named = "; ".join(f"{message_words(frame.ordinal)}, stamped {frame.stamp_ns / 1e9:.3f} s: "
                      f"{frame.cause}" for frame in frames[:SHOWN])
    more = f"; {len(frames) - SHOWN} more" if len(frames) > SHOWN else ""
    return f"{counted(len(frames), 'frame')} on {topic} did not decode ({named}{more})"


def steps_needing(frame_indices, lost: dict[int, FrameLost]) -> np.ndarray:
    """Return [K] bool: the steps whose frame (``frame_indices`` [K] int) is one in ``lost``."""
    return np.isin(np.asarray(frame_indices, np.int64), np.fromiter(lost, np.int64, len(lost)))

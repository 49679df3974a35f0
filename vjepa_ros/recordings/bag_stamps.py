"""Timing a bag's messages: header stamps read from CDR bytes, unset stamps, the overlap check.

A topic is timed by its messages' ``header.stamp`` or, when those are unset or ``--stamps
receive`` asks for it, by when the recorder received them (:func:`choose_times`); camera frames
and states that share no time are refused naming both spans (:func:`check_overlap`).
"""

from __future__ import annotations

import struct

import numpy as np

from vjepa_ros.recordings.bag_files import BagError

STAMPS_HINT = ("if a camera stamps frames on its own device clock while the robot uses the system "
               "clock, time every message by when the recorder received it: --stamps receive "
               "(data.topics.stamps: receive)")


def header_stamp_from_cdr(raw) -> int:
    """header.stamp [ns] of a serialized message whose first field is a std_msgs/Header."""
    data = bytes(raw[:12])
    if len(data) < 12 or data[0] != 0 or data[1] not in (0, 1):
        raise ValueError("not a CDR message with a header")
    endian = "<" if data[1] == 1 else ">"
    sec, nanosec = struct.unpack(endian + "iI", data[4:12])
    return sec * 1_000_000_000 + nanosec


SYSTEM_CLOCK_NS = 10**18  # stamps after 2001-09-09: a system (epoch) clock, not a sim clock


def header_stamps_unset(stamps: np.ndarray) -> bool:
    """Whether a topic's header stamps [ns, int64] were left unset (the driver fills none).

    ``stamps`` in the order the recorder received them. Unset: more than half of them 0, any
    negative, a 0 among system-clock (epoch) stamps, or a 0 after a later stamp (a driver that
    fills some stamps and not others). A simulated clock starts at 0, so a leading run of
    stamps of exactly 0 before small ones are its first messages and are kept (switching the
    topic to receive times for them mistimed it).
    """
    zero = stamps == 0
    if not len(stamps) or np.any(stamps < 0) or zero.mean() > 0.5:
        return bool(len(stamps))
    if not zero.any():
        return False
    leading = int(np.argmin(zero))  # the first nonzero stamp; every 0 must come before it
    return bool(zero[leading:].any() or stamps[~zero].min() >= SYSTEM_CLOCK_NS)


def choose_times(stamps: np.ndarray, received: np.ndarray, use_header: bool) -> np.ndarray:
    if use_header and len(stamps) and not header_stamps_unset(stamps):
        return stamps
    return received


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

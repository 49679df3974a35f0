"""The ``--rate`` that fits a camera slower than the step rate: a hint for dropped-step errors."""

from __future__ import annotations

import numpy as np

from vjepa_ros.recordings.step_rates import RATE_RANGE_HZ


def slow_camera_hint(image_times_ns, rate_hz: float, dropped: dict) -> str:
    """Return '; the camera runs at F Hz ...: give --rate F' or '' (a fitting camera).

    F is within ``RATE_RANGE_HZ``; a camera slower than its lowest rate is told to record faster.

    ``image_times_ns``: the camera's frame stamps [ns]; ``dropped``: ``resample``'s counts of
    dropped steps by reason. Only steps dropped for want of a camera frame call for it.
    """
    if not any("no camera frame" in reason for reason in dropped):
        return ""
    intervals = np.diff(np.sort(np.asarray(image_times_ns, dtype=np.float64)))
    intervals = intervals[intervals > 0]
    if not len(intervals):
        return ""
    camera_hz = 1e9 / float(np.median(intervals))
    if camera_hz >= 0.9 * rate_hz:
        return ""
    if camera_hz < RATE_RANGE_HZ[0]:  # no step rate fits: never advise one --rate refuses
        return (f"; the camera runs at {camera_hz:.3g} Hz, slower than the lowest step rate "
                f"({RATE_RANGE_HZ[0]:g} Hz): record the camera faster")
    return (f"; the camera runs at {camera_hz:.3g} Hz, slower than the {rate_hz:g} Hz steps: "
            f"give --rate {camera_hz:.3g} (or less)")

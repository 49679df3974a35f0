"""Whether a camera frame can be stamped with its device capture time, or must be on arrival.

A frame stamped when it arrives in the camera node (after ``wait_for_frames``, copy and
conversion) is tens of ms late; the planner pairs each frame with the joint state recorded nearest
its stamp, so at 0.1 m/s the state a plan starts from would be a few mm off. The capture time the
RealSense gives is used instead where it is on the node's clock and agrees with it.
"""

from __future__ import annotations

MAX_AGE_S = 1.0  # a capture time older than this at arrival: the clocks disagree [s]
# A capture time later than arrival by more than this: likewise [s]. Wall time only (on
# use_sim_time no capture time is used), so eval.playback.CLOCK_MARGIN_S, the same 10 ms of a
# played bag's simulated time, need not follow it.
MAX_AHEAD_S = 0.01


def device_stamp_problem(capture_s: float | None, domain: str, arrival_s: float,
                         sim_time: bool) -> tuple[str, str] | None:
    """Return why a frame cannot carry its capture time as stamp, or None when it can.

    ``capture_s``: the frame's capture time on the host system clock [s since the epoch], None
    when the device gave it on its own clock; ``domain``: the device's timestamp domain name;
    ``arrival_s``: the node clock when the frame was read [s]; ``sim_time``: whether the node
    clock is simulated time (``use_sim_time``). The problem is ``(kind, reason)``: ``kind`` one
    of ``sim_time``, ``domain``, ``clocks`` (one warning per kind is enough), ``reason`` a
    clause saying what is wrong and what to do.
    """
    if sim_time:
        return "sim_time", ("the node clock is simulated time (use_sim_time) and the camera's "
                            "capture times are wall time")
    if capture_s is None:
        return "domain", (f"the RealSense gives capture times in its "
                          f"{domain or 'unknown'} domain, which the host clock cannot be compared "
                          "with: enable global time on the camera (option global_time_enabled)")
    age = arrival_s - capture_s
    if -MAX_AHEAD_S <= age <= MAX_AGE_S:
        return None
    when = f"{age:.3f} s before" if age > 0 else f"{-age:.3f} s after"
    return "clocks", (f"a capture time ({domain}) was {when} the frame's arrival (expected "
                      f"0-{MAX_AGE_S:g} s before): the camera's and the node's clocks disagree")

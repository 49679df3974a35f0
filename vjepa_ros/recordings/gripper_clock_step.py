"""A gripper topic whose own clock steps mid-bag against the states': refused, or noted.

The gripper's closedness is read onto the states, so no part of it can be left out alone as a
camera's frames are (``clock_steps.cut_at_step``): a step of its own clock of
``clock_steps.STEP_S`` and over refuses the bag; a smaller one is noted and the bag read, for
the rule that tells it from a backlog dropped (``clock_steps.latency_drop``) can err where the
PCs' clocks run apart (breaker62d #2).
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.clock_steps import STEP_S, clock_step, doubt_note, stepped_words
from vjepa_ros.recordings.topic_clocks import RECEIVE_HINT


def refuse_own_step(path, topic: str, clock: tuple, offsets, live, state_topic: str,
                    state_clock: tuple, fix: str, what: str = "finger message") -> str:
    """Refuse ``topic`` (a gripper's) when its own clock steps mid-bag against the states'.

    ``clock``: (times, receive times) [N] int64 ns of its messages in receive order
    (``topic_clocks.in_receive_order``), ``offsets`` [N] s their ``relative_offsets``, ``live``
    [N] bool those judged: not its latched history (``topic_clocks.latched_messages``: received
    at once when the recorder subscribed, each stamped when the hand changed, held from its
    receipt), no part of its clock's run; ``state_clock``: the states' (times, receive times)
    [M]. A step of the states' own clock is left to the camera's cut (``bags``); the gripper's
    closedness is read onto the states, so no part of it can be left out alone. Returns '' or,
    for a step not ``sure`` (``clock_steps.clock_step``), ``clock_steps.doubt_note``, or for a
    step under ``STEP_S`` a note naming both causes (its clock, or a backlog dropped beside
    clocks apart: ``clock_steps.latency_drop``'s limit) and the fixes, the bag read. Raises
    BagError naming the bag, the topic, the moment, the size, ``--stamps receive`` and ``fix``
    (``--no-gripper``).
    """
    live = np.asarray(live, bool)
    if not live.any():
        return ""
    times, received = clock
    step = clock_step(topic, (times[live], received[live]), state_topic, state_clock,
                      np.asarray(offsets)[live])
    if step is None or step.stepped != topic:
        return ""
    origin = min(int(np.min(received)), int(np.min(state_clock[1])))
    if not step.sure:
        return doubt_note(step, topic, state_topic, origin, what)
    if abs(step.size_s) < STEP_S:  # the stamps' rule can err (latency_drop): never the whole bag
        return (f"{stepped_words(step, topic, state_topic, origin)}, each {what} after it "
                f"giving the hand's state {abs(step.size_s):.2f} s off; or a queue's backlog was "
                "dropped there, on a PC whose clock runs ahead of the states' (stamps right): "
                f"read as it is (a step under {STEP_S} s); if its clock stepped, {RECEIVE_HINT}, "
                f"or {fix}")
    raise BagError(
        f"{path}: {stepped_words(step, topic, state_topic, origin)}, each {what} after it would "
        f"give the hand's state {abs(step.size_s):.2f} s off; {RECEIVE_HINT}, or {fix}")

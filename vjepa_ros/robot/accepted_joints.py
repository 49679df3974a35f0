"""The arm joints of the states the planner session accepted: what the joint-limit guard reads.

The guard (:class:`vjepa_ros.robot.joint_guard.JointLimitGuard`) predicts the joints along a
step from the measured state the step starts from, the session's newest accepted state. It took
the newest joints *read* instead, also those of a state the session refused (a glitch the jump
watch held on, a joint state of a second publisher): a real wrist at its limit, a glitched
reading of it clear of the limit, and the step turning it on was passed (review54 item 7).
:class:`AcceptedJoints` keeps the joints of each state the session took as its newest, by the
state's pose; the guard asks for the joints of the state a step starts from, and a step whose
state has none kept is refused (:data:`NO_JOINTS`). ROS-free; thread-safe (the state callback
notes, the planning worker asks).
"""

from __future__ import annotations

import collections
import threading

import numpy as np

POSE = slice(0, 6)  # the state's pose (x y z roll pitch yaw): what the joints give
# states kept: a step's guard runs ~11 ms after its state was taken (the planning worker, out of
# the session lock), while a 1 kHz driver's states come on: the state it starts from stays found
KEPT = 256
NO_JOINTS = ("no measured arm joints belong to the state the step starts from (the joints read "
             "since came with states the session refused): step refused, the joint limits "
             "cannot be checked; a plan from a state with its joints is taken")


class AcceptedJoints:
    """The arm joints [7] [rad] of the last :data:`KEPT` states the session accepted."""

    def __init__(self):
        self._lock = threading.Lock()
        self._joints: collections.OrderedDict[bytes, np.ndarray] = collections.OrderedDict()

    @staticmethod
    def _key(state) -> bytes:
        return np.asarray(state, dtype=np.float64)[POSE].tobytes()

    def note(self, state, joints, latest) -> bool:
        """Keep ``joints`` [7] for ``state`` [7] when the session took it as its newest.

        ``latest``: the session's newest state [7] after it was given ``state`` (None: none);
        ``state`` is kept only when ``latest`` is it (a refused state, or a late one put before
        the newest, is not). Returns whether it was kept.
        """
        if latest is None or not np.array_equal(np.asarray(latest)[POSE],
                                                 np.asarray(state)[POSE]):
            return False
        key = self._key(state)
        with self._lock:
            self._joints[key] = np.array(joints, dtype=np.float64)
            self._joints.move_to_end(key)
            while len(self._joints) > KEPT:
                self._joints.popitem(last=False)
        return True

    def joints_for(self, state) -> np.ndarray | None:
        """Return the joints [7] kept for ``state`` [7] (its pose), or None when none are."""
        with self._lock:
            return self._joints.get(self._key(state))

"""The arm joints of the states the planner session accepted: what the joint-limit guard reads.

The guard (:class:`vjepa_ros.robot.joint_guard.JointLimitGuard`) predicts the joints along a
step from the measured state the step starts from, the session's newest accepted state. It took
the newest joints *read* instead, also those of a state the session refused (a glitch the jump
watch held on, a joint state of a second publisher): a real wrist at its limit, a glitched
reading of it clear of the limit, and the step turning it on was passed (review54 item 7).
:class:`AcceptedJoints` keeps the joints of each state the session took as its newest, by the
state's pose; the guard asks for the joints of the state a step starts from, and a step whose
state has none kept is refused (:data:`NO_JOINTS`). ROS-free; thread-safe (the state callback
offers and settles, the planning worker and the stream ticks ask).

The joints are kept *before* their state is given to the session (:meth:`AcceptedJoints.offer`)
and withdrawn after if the session did not take it as its newest (:meth:`Offer.settle`): a state
is never the session's newest without its joints. Kept after the session took it (breaker55j),
a step guarded in between (the worker's guard runs out of the session lock) found none and was
refused NO_JOINTS, holding the arm: 6% of the asks at 130 states/s.
"""

from __future__ import annotations

import collections
import dataclasses
import threading

import numpy as np

POSE = slice(0, 6)  # the state's pose (x y z roll pitch yaw): what the joints give
# states kept: a step's guard runs ~11 ms after its state was taken (the planning worker, out of
# the session lock), while a 1 kHz driver's states come on: the state it starts from stays found
KEPT = 256
NO_JOINTS = ("no measured arm joints belong to the state the step starts from (the joints read "
             "since came with states the session refused): step refused, the joint limits "
             "cannot be checked; a plan from a state with its joints is taken")


@dataclasses.dataclass
class Offer:
    """Joints kept for a state before the session was given it (:meth:`AcceptedJoints.offer`)."""

    owner: AcceptedJoints
    key: bytes
    joints: np.ndarray  # [7] [rad] kept for the state's pose
    before: np.ndarray | None  # what that pose had kept before (None: nothing)

    def settle(self, latest) -> bool:
        """Keep the offered joints if the session took their state as its newest, else withdraw.

        ``latest``: the session's newest state [7] after it was given the offered one (None:
        none); a refused state, or a late one put before the newest, is withdrawn: its pose keeps
        what it had before. Returns whether they were kept.
        """
        if latest is not None and \
                np.asarray(latest, dtype=np.float64)[POSE].tobytes() == self.key:
            return True
        self.owner._withdraw(self)
        return False


class AcceptedJoints:
    """The arm joints [7] [rad] of the last :data:`KEPT` states the session accepted."""

    def __init__(self):
        self._lock = threading.Lock()
        self._joints: collections.OrderedDict[bytes, np.ndarray] = collections.OrderedDict()

    @staticmethod
    def _key(state) -> bytes:
        return np.asarray(state, dtype=np.float64)[POSE].tobytes()

    def offer(self, state, joints) -> Offer:
        """Keep ``joints`` [7] [rad] (copied) for ``state`` [7] before the session is given it.

        Call :meth:`Offer.settle` with the session's newest state once it was given ``state``:
        that withdraws them unless the session took ``state`` as its newest. Between the two the
        joints are found for a state the session may not have taken; a guard never asks for
        such a state (it asks for the session's states), and a state's joints are there before
        the state is the session's newest, whichever thread asks meanwhile.
        """
        key = self._key(state)
        joints = np.array(joints, dtype=np.float64)
        with self._lock:
            before = self._joints.get(key)
            self._joints[key] = joints
            self._joints.move_to_end(key)
            while len(self._joints) > KEPT:
                self._joints.popitem(last=False)
        return Offer(self, key, joints, before)

    def observe(self, session, state, joints, stamp, gripper_measured: bool) -> bool:
        """Give ``session`` the arm's ``state`` [7] read with ``joints`` [7] [rad]; keep them.

        The joints are offered before the state is given (:meth:`offer`), the state goes to
        ``session.observe_state(state, stamp, gripper_measured=...)`` (``stamp``: its message
        stamp [s], or None), and the offer is settled with the session's newest state after it
        (``session.inputs.latest_state()``). Returns whether the session took ``state`` as its
        newest (its joints kept).
        """
        offer = self.offer(state, joints)
        session.observe_state(state, stamp, gripper_measured=gripper_measured)
        latest = session.inputs.latest_state()
        return offer.settle(None if latest is None else latest.value)

    def _withdraw(self, offer: Offer) -> None:
        """Undo ``offer`` (its pose keeps what it had before) unless its joints were replaced."""
        with self._lock:
            if self._joints.get(offer.key) is not offer.joints:
                return  # offered again since (or forgotten): the later offer's to settle
            if offer.before is None:
                del self._joints[offer.key]
            else:
                self._joints[offer.key] = offer.before

    def joints_for(self, state) -> np.ndarray | None:
        """Return the joints [7] kept for ``state`` [7] (its pose), or None when none are."""
        with self._lock:
            return self._joints.get(self._key(state))

"""The arm's state as a lab's bag holds it: sampled far faster than the camera, each at its time.

A Franka's ``/joint_states`` (and its pose and gripper topics) come at 100 Hz-1 kHz, the camera at
a few Hz; a bag whose states come only with its frames holds, just before each frame, a state a
whole frame period old (at 4 Hz: 0.25 s, the planner's ``safety.max_state_age_s``).
:class:`StateStream` is such a stream for ``bag_writing.write_bag``; ``sim.state_sampler`` takes
one from the simulator.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.robot.state_ranges import states_problem


@dataclasses.dataclass(frozen=True)
class StateStream:
    """States sampled at their own times, on the clock of the episode's frames.

    ``times_s`` [N] float64 seconds, strictly increasing, on the frames' clock (the episode's
    ``timestamps``: a state at a frame's time is the state of that frame); ``states`` [N, 7]
    float64 (TCP xyz m, extrinsic xyz Euler rad, closedness 0 open..1 closed: the pose and the
    gripper topics); ``joint_positions`` [N, n] float64 (rad, fingers m; ``/joint_states``) or
    None.
    """

    times_s: np.ndarray
    states: np.ndarray
    joint_positions: np.ndarray | None = None

    def checked(self, joint_count: int | None) -> StateStream:
        """Return the stream as float64 arrays; BagError naming what is wrong.

        ``joint_count``: the joint names the bag writes (None: no ``/joint_states``, so
        ``joint_positions`` must be None too).
        """
        times = np.asarray(self.times_s, dtype=np.float64)
        states = np.asarray(self.states, dtype=np.float64)
        count = len(times)
        if times.ndim != 1 or count < 1 or not np.all(np.isfinite(times)) or \
                not np.all(np.diff(times) > 0):
            raise BagError(f"the state stream's times must be [N] finite and strictly increasing, "
                           f"got shape {list(times.shape)}")
        if states.shape != (count, 7):
            raise BagError(f"the state stream's states must be [{count}, 7], got "
                           f"{list(states.shape)}")
        if problem := states_problem(states):
            raise BagError(f"the state stream: {problem}")
        joints = self.joint_positions
        if (joints is None) != (joint_count is None):
            raise BagError("the state stream has joint positions exactly when joint names are "
                           "given")
        if joints is not None:
            joints = np.asarray(joints, dtype=np.float64)
            if joints.shape != (count, joint_count) or not np.all(np.isfinite(joints)):
                raise BagError(f"the state stream's joint positions must be [{count}, "
                               f"{joint_count}] finite, got {list(joints.shape)}")
        return StateStream(times, states, joints)

    @property
    def rate_hz(self) -> float:
        """The stream's mean rate [Hz] (0 for a single state)."""
        span = float(self.times_s[-1] - self.times_s[0]) if len(self.times_s) > 1 else 0.0
        return (len(self.times_s) - 1) / span if span > 0 else 0.0

"""When and with what a camera frame is paired with the arm's pose: the states around its moment.

The captures' record of the arm's way (``capture_pictures.CapturePictures.seen``) and the
planning loop's frozen-camera hold (``frozen_camera.FrozenCamera``) keep a frame's picture with
the hand's state at it, and later judge "the same picture while the hand moved". Paired as the
frame arrived with the nearest state then kept, that state was the last one *before* the frame
whenever the state of its moment came after it: a driver publishing the frame just before the
state of the same instant, states relayed with more latency than frames, a pose stream slower
than the camera. A frame showing the arm's new pose was kept with its old one (1.2 to 1.5 cm at
the published planner's 0.3 m/s; 12 cm for a pose set at once), and the next frames of the arm
standing there, the same picture, read as "the same picture while the hand moved":
``~/add_subgoal`` and ``~/capture_goal`` refused and the planning loop held on a live camera
(session 61's review61b node test; test_frame_pose_pairing).

:class:`PendingFrame` holds a frame until a state stamped at or after its time on the states'
clock (``Stamped.state_time``) is kept; then :func:`state_between` interpolates the hand's state
between the states either side of it (the nearest alone is up to half a state period off: 1.5 cm
at 0.3 m/s beside a 10 Hz pose stream). While one frame waits, newer frames are not held (the
captures judge the arm's way about once a centimetre, not every frame): a frame is paired about
once a state period. Bounded: a frame that waits longer than ``max_wait_s`` [s] on the node clock
(a states' clock running behind the camera's, a stream that stopped) is paired with the states
there are, so the judging never stops for long. ROS-free; not locked (the session calls it under
its own lock).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vjepa_ros.robot.inputs import Stamped


class PendingFrame:
    """The oldest camera frame not yet paired with the arm's pose (module docstring)."""

    def __init__(self, max_wait_s: float):
        self.max_wait_s = max_wait_s  # [s] node clock
        self._frame: Stamped | None = None
        self._since: float | None = None  # [s] node clock: when it began to wait

    def offer(self, frame: Stamped, latest_state: float | None, now: float) -> Stamped | None:
        """Return ``frame`` if it can be paired now; else keep it, unless one already waits.

        ``latest_state``: the newest kept robot state's stamp [s] (None: none yet); ``now`` [s]
        on the node clock. Returns None, ``frame``, or the waiting frame once it waited past
        ``max_wait_s`` (``frame`` is then not held).
        """
        if self._frame is None and latest_state is not None and latest_state >= frame.state_time:
            return frame
        if self._frame is None:
            self._frame, self._since = frame, now
        return self._overdue(now)

    def state_came(self, stamp: float, now: float) -> Stamped | None:
        """Return the waiting frame once a state stamped ``stamp`` [s] at or after it came.

        Also a frame waiting past ``max_wait_s`` [s] (node clock ``now``); None otherwise.
        """
        frame = self._frame
        if frame is not None and stamp >= frame.state_time:
            self._frame = self._since = None
            return frame
        return self._overdue(now)

    def waiting(self) -> bool:
        """Whether a frame waits for its state (a quick check without the session's lock)."""
        return self._frame is not None

    def forget(self) -> None:
        """Drop the waiting frame (the frames were dropped: a new start)."""
        self._frame = self._since = None

    def _overdue(self, now: float) -> Stamped | None:
        frame = self._frame
        if frame is None or self._since is None:
            return None
        if now < self._since:  # the node clock went back (sim time reset): wait from now
            self._since = now
        if now - self._since <= self.max_wait_s:
            return None
        self._frame = self._since = None
        return frame


def state_between(before: Stamped | None, after: Stamped | None, at: float,
                  max_age_s: float) -> Stamped | None:
    """Return the hand's state at ``at`` [s] from the states either side of it (or None).

    ``before``/``after``: the newest state stamped at or before ``at`` and the oldest after it
    (``InputBuffer.states_around``), values [7] (TCP xyz [m], extrinsic xyz Euler angles [rad],
    closedness) or [3]. Both there: the TCP and the angles (wrapped to the shorter way)
    interpolated linearly in time, the closedness and ``gripper_measured`` the nearer one's, the
    stamp ``at``. One side only: that state. None when the nearer one is more than
    ``max_age_s`` [s] from ``at`` (``safety.max_state_age_s``: the pose is not known).
    """
    sides = [state for state in (before, after) if state is not None]
    if not sides:
        return None
    nearer = min(sides, key=lambda state: abs(state.stamp - at))
    if abs(nearer.stamp - at) > max_age_s:
        return None
    if len(sides) == 1 or after.stamp <= before.stamp:
        return nearer
    weight = (at - before.stamp) / (after.stamp - before.stamp)
    start = np.asarray(before.value, dtype=np.float64)
    step = np.asarray(after.value, dtype=np.float64) - start
    if len(step) >= 6:
        step[3:6] = (step[3:6] + np.pi) % (2 * np.pi) - np.pi
    value = start + weight * step
    if len(value) >= 7:
        value[6] = nearer.value[6]
    return dataclasses.replace(nearer, stamp=at, value=value)

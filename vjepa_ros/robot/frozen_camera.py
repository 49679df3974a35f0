"""A camera whose picture stands still while the arm moves: the planning loop holds on it.

A camera driver that hangs and re-publishes its last image with fresh stamps (a USB hiccup, a
slow camera behind a faster republisher, ``image_publisher`` left running as a stand-in) passes
every stamp-based check. Planned on, each frame says "the arm is still where the camera last saw
it", so every plan commands another step the same way and the arm is driven blind past the goal
(breaker61b: 20-40 cm). The captures refuse such a frame (``capture_pictures``); the planning
loop, the set-point stream and shadow mode's plans hold on it by :class:`FrozenCamera`, the same
rule applied to the frames as they come:

- **The anchor**: the first frame judged, with the hand's state nearest it.
- **Judged** only once the TCP is ``capture_pictures.MIN_SHIFT_M`` (1 cm) or more from the
  anchor's state, or the hand turned ``MIN_TURN_RAD`` (1 degree) or more: then the newest frame
  is compared with the anchor (``picture_repeats.same_picture`` with the captures' rule
  ``capture_pictures.CAPTURE``: fewer than 0.005 % of up to 640x640 pixels changed by more than
  32 grey levels; a republisher's JPEG re-encoding of one image changes none by more than 25, so
  it stays "the same"). A changed picture becomes the anchor, with the state now; **the same
  picture is frozen**. Comparing every frame under the session's lock cost ~13 ms a 640x480
  frame (measured on 2 busy CPU cores); judged so, a live camera costs one comparison per
  centimetre of the arm's way, a still arm none. Measured on the package's pybullet scene
  (cameras 1 to 2.5 m away, 640x480 and 320x240: ``benchmarks/bench_capture_changes.py``), the
  least real change of those motions changes 0.009 % of the pixels, above the floor. The
  gripper's closedness is not judged here: a hand closing in place drives the arm nowhere, and
  fingers a camera barely sees would hold a grasp half way.
- **Bounded**: the hold begins with the first frame that shows no change although the arm moved
  1 cm from the anchor (2 cm at most from where the camera froze: it may freeze just before an
  anchor is taken; then one plan step of at most ``planner.maxnorm``, 7.5 cm by default, may be
  under way), and ends with the first frame that changes the picture, or with the arm back within
  1 cm of the anchor.

Never tripped by a still arm in a still scene (no motion), a live camera watching the arm move
(its picture changes within 1 cm), deterministic simulator rendering (the same picture only for
the same pose), or a bag replay (the bag's camera saw its arm). A camera that does not see the
arm at all trips it too, as the captures refuse it: the world model cannot see the arm either.
ROS-free; not locked (the session calls it under its own lock).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from vjepa_ros.picture_repeats import Picture, picture, same_picture
from vjepa_ros.robot.capture_pictures import CAPTURE, MIN_SHIFT_M, Repeat, hand_change
from vjepa_ros.stale_camera import CAUSES, camera_advice


@dataclasses.dataclass(frozen=True)
class _Anchor:
    picture: Picture
    stamp: float  # [s] the frame's stamp
    state: np.ndarray  # [3] or [7] the hand's state nearest it


class FrozenCamera:
    """The picture the camera last changed to, and whether it stands still under a moving arm."""

    def __init__(self, min_shift_m: float = MIN_SHIFT_M):
        self.min_shift_m = min_shift_m
        self._anchor: _Anchor | None = None
        self.repeat: Repeat | None = None  # the current verdict: how the hand changed, or None

    def seen(self, frame: np.ndarray, stamp: float, state,
             sample: Callable[[], Picture] | None = None) -> None:
        """Judge a camera frame as it comes (module docstring).

        ``frame`` [H, W, 3] uint8; ``stamp`` [s]; ``state``: the hand's state nearest the frame,
        [7] (TCP xyz [m], extrinsic xyz Euler angles [rad], closedness) or [3]; None: unknown,
        the verdict stays as it was; it must be the arm's at the frame (``frame_pairing``).
        ``sample``: returns the frame's ``picture(frame, CAPTURE)`` (shared with the captures:
        taken at most once a frame); None: taken here. A picture sample and a comparison only
        for the first frame and frames with the hand 1 cm (1 degree) from the anchor's state
        (module docstring).
        """
        if state is None:
            return
        state = np.asarray(state, dtype=np.float64).reshape(-1).copy()
        anchor = self._anchor
        if sample is None:
            def sample():
                return picture(frame, CAPTURE)
        if anchor is None:
            self._anchor = _Anchor(sample(), stamp, state)
            return
        change = hand_change(anchor.state, False, state, False, self.min_shift_m)
        if not change.changed:  # the arm near the anchor: whatever the picture, not frozen
            self.repeat = None
            return
        mine = sample()
        if same_picture(anchor.picture, mine, CAPTURE):
            self.repeat = dataclasses.replace(
                change, earlier=f"the frame it sent at {anchor.stamp:.3f} s (stamp)")
        else:
            self._anchor, self.repeat = _Anchor(mine, stamp, state), None

    def forget(self) -> None:
        """Drop the anchor and the verdict (the camera's frames were dropped: a new start)."""
        self._anchor = self.repeat = None

    def problem(self, camera_topic: str) -> str:
        """Return the one-line reason to hold on the camera ("" when its picture follows)."""
        if self.repeat is None:
            return ""
        return (f"the camera on {camera_topic} sends the same picture as {self.repeat.earlier} "
                f"with {self.repeat.words()}: the camera is frozen or does not see the arm "
                f"({CAUSES}); not planning on it; "
                f"{camera_advice(camera_topic, 'commanding resumes when its pictures change')}")

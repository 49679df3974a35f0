"""The pictures the planner's captures took, to refuse a frozen camera's frame as a new goal.

A camera driver that hangs and re-publishes its last image with fresh stamps (a USB hiccup, a
slow camera behind a faster republisher) passes every stamp-based check: ``~/add_subgoal`` and
``~/capture_goal`` would take the picture of where the arm *was* with the state of where it *is*
(an image and a state that disagree, silently: breaker54a). A capture whose frame **repeats** an
earlier capture's image while the hand's state has changed since that one (the TCP
:data:`MIN_SHIFT_M` or more away, the hand turned :data:`MIN_TURN_RAD` or more, or its measured
closedness changed by :data:`MIN_CLOSEDNESS` or more: a grasp sub-goal closes the hand in
place) is refused. The same image with the hand's state changed also means the camera does not
see the hand (it moved out of view, the camera looks elsewhere): the goal would not show the
state either, so that is refused too, and the refusal names both causes.

**A repeat** (``picture_repeats.same_picture`` with the captures' rule, :data:`CAPTURE`): on a
sample of at most 640 pixels a side (every pixel of a 640x480 frame), fewer than 0.005 % of the
pixels changed by more than 32 grey levels. Not the camera check's rule (on a 64-a-side sample:
what it cannot judge, it skips): a refused capture blocks the user, so only a repeated image is
refused. Measured on the package's pybullet scene (``benchmarks/bench_capture_changes.py``; cameras
1 to 2.5 m from the arm at 640x480 and 320x240): a republisher's JPEG re-encoding of the frozen
image (quality 30 to 95) changes no pixel by more than 25 levels, a +-3 dither none by more than 3;
the smallest real changes, from 2.5 m, change by more than 32 levels 0.049 % of the pixels (1 cm
along the optical axis), 0.026 % (the hand closed), 0.009 % (turned 1 degree), 0.023 % (5 mm). Not
caught: a frozen image with a time stamp or counter drawn in (the digits change ~0.1 % of the
pixels by up to 255 levels: as much as the hand closing far away; mend55a's overlay box, which took
changes inside one box of at most 0.5 % of the image for a repeat once the TCP moved, refused real
4 cm motions seen from 5 m or through a wide lens at a low resolution: breaker55k, fix55k took it
off), nor one whose pixels change by more than 32 levels in many places (a dark, high-gain
re-encode).

:class:`CapturePictures` keeps the :func:`picture` sample (uint8, at most 0.9 MB: a 640x480
frame) and the hand's state of the last :data:`KEPT_CAPTURES` captures, whatever became of
their goals (a ``~/clear_goals`` or a ``~/capture_goal`` between two captures leaves the camera
as frozen as it was). The *first* capture has no earlier one: a camera that froze while the arm
was guided there (breaker56a) is caught by the frames the session saw on the way
(:meth:`CapturePictures.seen`: a frame kept each time the hand changed by the thresholds above
since the last one kept, the last :data:`KEPT_SEEN`): the newest frame the same picture as one
seen where the hand was 1 cm (1 degree, 0.025 closedness) away is refused alike, by the same
rule. A live camera and a still arm keep no frame and refuse nothing; a live camera that sees
the arm changes its picture within that way (the measurements above). ROS-free.
"""

from __future__ import annotations

import collections
import dataclasses
import math
from collections.abc import Callable

import numpy as np

from vjepa_ros.eval.camera_check_thresholds import CheckThresholds
from vjepa_ros.picture_repeats import Picture, RepeatRule, picture, same_picture
from vjepa_ros.robot.frame_rest import REST_TOLERANCE_CLOSEDNESS, REST_TOLERANCE_RAD
from vjepa_ros.stale_camera import CAUSES, camera_advice

KEPT_CAPTURES = 16  # captures remembered (each at most 0.9 MB: the sample of a 640x480 frame)
# frames remembered of the hand's way (one per hand change, CapturePictures.seen; 0.9 MB each)
KEPT_SEEN = 8
# [m] the TCP's way past which the same image again is a repeat: the camera check's own
MIN_SHIFT_M = CheckThresholds().min_motion_m
MIN_TURN_RAD = REST_TOLERANCE_RAD  # [rad] the hand turned this much: a repeat (1 degree)
MIN_CLOSEDNESS = REST_TOLERANCE_CLOSEDNESS  # the measured closedness changed this much: a repeat
# a repeat (module docstring): every pixel up to 640x640 (every k-th above), a pixel changed by
# more than 32 levels (a re-encoding: <= 25 measured), fewer than 0.005 % of them (15 of 640x480;
# the least real change from 2.5 m: 0.009 %, turned 1 degree)
CAPTURE = RepeatRule(sample_side=640, grey_levels=32, floor=0.00005)


@dataclasses.dataclass(frozen=True)
class Repeat:
    """An earlier capture whose image a new capture repeats, and how the hand changed since.

    ``earlier``: that capture in words; ``moved_m`` [m]: the TCP's distance; ``turned_rad``
    [rad]: the hand's rotation angle; ``gripper``: the closedness change (0.0 when either is not
    measured); ``min_shift_m`` [m]: the TCP's way past which the same picture is a repeat.
    """

    earlier: str
    moved_m: float
    turned_rad: float = 0.0
    gripper: float = 0.0
    min_shift_m: float = MIN_SHIFT_M

    @property
    def changed(self) -> bool:
        """Whether the hand changed enough for the same picture to be a repeat."""
        return (self.moved_m >= self.min_shift_m or self.turned_rad >= MIN_TURN_RAD
                or self.gripper >= MIN_CLOSEDNESS)

    def words(self) -> str:
        """Say how the hand changed ("the arm 5.0 cm from where it is now and ...")."""
        parts = []
        if self.moved_m >= self.min_shift_m:
            parts.append(f"the arm {self.moved_m * 100:.1f} cm from where it is now")
        if self.turned_rad >= MIN_TURN_RAD:
            parts.append(f"the hand turned {math.degrees(self.turned_rad):.1f} degrees from how "
                         "it is now")
        if self.gripper >= MIN_CLOSEDNESS:
            parts.append(f"the gripper's closedness {self.gripper:.2f} from what it is now")
        return " and ".join(parts)


class CapturePictures:
    """The last captures' pictures and hand states, and frames seen as the hand changed.

    :meth:`offer` judges a capture against both (module docstring). Not locked: the session
    calls it under its own lock.
    """

    def __init__(self, min_shift_m: float = MIN_SHIFT_M):
        self.min_shift_m = min_shift_m
        self._kept: collections.deque = collections.deque(maxlen=KEPT_CAPTURES)
        self._seen: collections.deque = collections.deque(maxlen=KEPT_SEEN)

    def seen(self, frame: np.ndarray, stamp: float, state, gripper_measured: bool = True,
             sample: Callable[[], Picture] | None = None) -> None:
        """Note a camera frame as it comes, with the hand's state nearest to it.

        Kept (its :func:`picture`) when it is the first, or the hand changed since the last
        frame kept (:data:`MIN_SHIFT_M`, :data:`MIN_TURN_RAD`, :data:`MIN_CLOSEDNESS`): one
        picture per centimetre of a guided arm's way, none while it stands still (a 640x480
        frame's copy, ~0.3 ms). ``frame`` [H, W, 3] uint8; ``stamp`` [s]; ``state``: as
        :meth:`offer` takes it; None: not kept. ``sample``: returns the frame's
        ``picture(frame, CAPTURE)`` (one sample shared with ``frozen_camera``: taken at most
        once a frame); None: taken here. The state must be the arm's at the frame
        (``frame_pairing``: not the last one before a frame of a new pose).
        """
        if state is None:
            return
        state = np.asarray(state, dtype=np.float64).reshape(-1).copy()
        if self._seen:
            _, _, at, measured = self._seen[-1]
            if not hand_change(at, measured, state, gripper_measured, self.min_shift_m).changed:
                return
        mine = sample() if sample is not None else picture(frame, CAPTURE)
        self._seen.append((f"the frame it sent at {stamp:.3f} s (stamp), while the hand "
                           "moved", mine, state, gripper_measured))

    def offer(self, what: str, frame: np.ndarray, state,
              gripper_measured: bool = True) -> Repeat | None:
        """Remember a capture unless its image repeats an earlier one's with the hand changed.

        ``what``: the capture in words (named when a later one repeats it); ``frame``
        [H, W, 3] uint8; ``state``: the hand's state at the frame, [7] (TCP xyz [m], extrinsic
        xyz Euler angles [rad], closedness) or [3] (the TCP only); None: unknown, neither judged
        nor kept. ``gripper_measured``: False when the closedness is a placeholder (not
        compared). Judged against the earlier captures, then against the frames :meth:`seen`
        (a camera frozen while the arm was guided to its first capture). Returns the
        :class:`Repeat` (not kept), or None for a capture now kept.
        """
        if state is None:
            return None
        mine = picture(frame, CAPTURE)
        state = np.asarray(state, dtype=np.float64).reshape(-1).copy()
        for earlier, kept, at, measured in [*reversed(self._kept), *reversed(self._seen)]:
            change = hand_change(at, measured, state, gripper_measured, self.min_shift_m)
            if change.changed and same_picture(kept, mine, CAPTURE):
                return dataclasses.replace(change, earlier=earlier)
        self._kept.append((what, mine, state, gripper_measured))
        return None


def hand_change(at: np.ndarray, measured: bool, state: np.ndarray, gripper_measured: bool,
                min_shift_m: float = MIN_SHIFT_M) -> Repeat:
    """Return how the hand changed from ``at`` to ``state`` (``earlier`` left "").

    ``at``, ``state``: [7] (TCP xyz [m], extrinsic xyz Euler angles [rad], closedness) or [3];
    the closedness is compared only when both ``measured`` and ``gripper_measured``.
    """
    from vjepa_ros.recordings.stray_states import turn_angles

    moved = float(np.linalg.norm(at[:3] - state[:3]))
    turned = gripper = 0.0
    if len(at) >= 7 and len(state) >= 7:
        # the turn is at most the sum of the Euler angles' changes (one elementary rotation
        # each): below 1 degree it is not computed (a still hand, every frame of seen)
        steps = np.abs((state[3:6] - at[3:6] + np.pi) % (2 * np.pi) - np.pi)
        if steps.sum() >= MIN_TURN_RAD:
            turned = float(turn_angles(at[3:6], state[3:6])[0])
        gripper = abs(float(at[6] - state[6])) if measured and gripper_measured else 0.0
    return Repeat("", moved, turned, gripper, min_shift_m)


def stale_capture_refusal(service: str, camera_topic: str, repeat: Repeat) -> str:
    """Return the one-line refusal of a capture whose frame repeats ``repeat.earlier``'s image."""
    return (f"{service} refused: the newest frame on {camera_topic} is the same picture as "
            f"{repeat.earlier}, taken with {repeat.words()}: the camera does not show the "
            f"arm's pose ({CAUSES}); {camera_advice(camera_topic, f'call {service} again')}")

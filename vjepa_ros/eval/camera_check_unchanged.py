"""Camera-check motions whose frame before and frame after are the same picture.

A camera driver that hangs and re-publishes its last image with fresh stamps (a frozen camera, a
USB hiccup, a bag's duplicated message) makes a motion's frame after byte-equal to its frame
before. There is no frame change to explain: the model's standing-still energy toward the frame
after is ~0 and ``explained_share`` (``1 − E(inferred) / E(still)``) says nothing about what the
model sees; the inferred direction is the search's noise. Such a motion is evidence about the
camera, not about the model: :func:`unchanged_frames` finds them, :func:`frames_changed` refuses
when every motion is one, :func:`skipped_note` says how many the verdict left out.

Why byte equality and no threshold on the change: a motion the camera shows little of (along its
optical axis, or a small arm far away) changes its frame little, and exactly those motions are
what "move the camera: the model does not see the arm move along z" must judge; a threshold on
the pixel or embedding change relative to the other motions' would drop them as "unchanged" and
hide a bad placement. A repeated image is byte-equal (it is the same message's pixels), so
equality catches every repeat and nothing a real camera sends while the arm moves (its sensor
noise alone changes some pixels).
"""

from __future__ import annotations

import hashlib

import numpy as np

from vjepa_ros.counts import counted


def frame_digest(frame) -> bytes:
    """Return a digest of a frame's pixels and shape (equal digests: the same picture)."""
    frame = np.ascontiguousarray(frame)
    return hashlib.blake2b(frame.tobytes() + str(frame.shape).encode(), digest_size=16).digest()


def unchanged_frames(befores, afters) -> np.ndarray:
    """Return the mask [N] bool of motions whose frame after equals its frame before.

    ``befores``, ``afters``: N frames [H, W, 3] uint8 each (or their :func:`frame_digest`).
    """
    def digest(frame):
        return frame if isinstance(frame, bytes) else frame_digest(frame)

    return np.array([digest(b) == digest(a) for b, a in zip(befores, afters, strict=True)],
                    dtype=bool).reshape(-1)


def frames_changed(unchanged: np.ndarray, image_topic: str, live: bool) -> None:
    """Refuse when every motion's frames did not change (the camera shows one picture).

    ``unchanged``: the mask [N] of :func:`unchanged_frames`; ``image_topic``: the camera topic
    (named in the refusal); ``live``: the planner node's check (its words: what to call again).
    Raises ValueError naming the topic when all N > 0 motions are unchanged.
    """
    if not len(unchanged) or not unchanged.all():
        return
    again = ("call ~/camera_check again" if live else
             "record the bag again with a camera that shows the arm moving")
    raise ValueError(
        f"camera check: frames on {image_topic} do not change: the camera is frozen or the "
        f"topic repeats one image (the frame after each of the {counted(len(unchanged), 'motion')}"
        f" is the frame before it, so the model has no frame change to explain); check that the "
        f"camera driver publishes new images (e.g. ros2 topic hz and a viewer on {image_topic}), "
        f"then {again}")


def skipped_note(unchanged: np.ndarray) -> str:
    """Return "k of N motions skipped: the frame did not change" ("" when none was)."""
    skipped = int(np.count_nonzero(unchanged))
    if not skipped:
        return ""
    return (f"{skipped} of {counted(len(unchanged), 'motion')} skipped: the frame did not change "
            "(the camera repeated an image)")

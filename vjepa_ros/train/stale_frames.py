"""Training steps whose frame is stale: the picture did not change while the arm moved.

A camera driver that hangs and re-publishes its last image with fresh stamps, a slow camera
behind a faster republisher (a new picture once a second, published at 4 Hz), a simulator that
renders slower than it publishes, and a camera that does not see the arm all give frames that do
not show the arm's motion. Trained on, such a transition (two frames of one picture labelled
with the arm's real motion) teaches the model that moving changes nothing.

The rule is the camera check's (``eval.camera_check_unchanged``, imported, not copied): two
frames are *the same picture* when fewer than 0.5 % of their pixels changed by more than 8 grey
levels (byte-equal frames among them), and a frame *repeats* an earlier one when it is the same
picture as a frame taken with the arm at least :data:`STALE_SHIFT_M` away. A step is stale when
its frame is the same picture as the step before's while the end effector moved at least
:data:`STALE_SHIFT_M` between them, or repeats a picture taken with the arm that far away. A
stale step is dropped as a step without a frame is: the segment is split there, so no action
spans it.

What it cannot tell: an arm at rest (or moving less than :data:`STALE_SHIFT_M`, or turning in
place) under one picture is kept, as it should be (its action is ~0); a camera-only recording
(``pretrain`` of bags: no arm state, every state 0) has no motion to judge, so its repeated
pictures are kept (a still scene and a frozen camera look the same there).
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.counts import counted
from vjepa_ros.eval.camera_check_unchanged import CAUSES, first_seen, picture, same_picture

# [m] the end effector's shift under one picture that makes a frame stale: half the camera
# check's shortest motion (camera_check.verdict.min_motion_m, 1 cm): a frozen camera is caught
# once the arm moved 5 mm, a slow real motion whose picture changes little is kept below that
STALE_SHIFT_M = 0.005
# a frame is judged a repeat of the pictures of at least this many steps before it (4 s at 4 Hz:
# a frozen camera under an arm slower than 5 mm in 4 s, nearly at rest, is not caught)
REPEAT_STEPS = 16


def stale_steps(frames: dict[int, np.ndarray], frame_indices: np.ndarray, states: np.ndarray,
                steps: np.ndarray) -> np.ndarray:
    """Return the mask [K] bool of the stale steps among ``steps`` (the module's rule).

    ``frames``: frame index -> frame [H, W, 3] uint8; ``frame_indices`` [K] int64: each step's
    frame index; ``states`` [K, 7+] (x, y, z [m] first); ``steps``: the step indices judged,
    in order (those with a frame and a state: steps between them, a gap, split the pairs).
    Each frame is compared with the step before's and with the pictures first seen among the
    :data:`REPEAT_STEPS` to ``2 * REPEAT_STEPS`` steps before it (``camera_check_unchanged``
    ``first_seen`` over windows: linear in a source's steps, where the whole source would be
    quadratic; ``benchmarks/bench_stale_frames.py``).
    """
    steps = np.asarray(steps, dtype=np.int64).reshape(-1)
    stale = np.zeros(len(frame_indices), dtype=bool)
    if len(steps) < 2:
        return stale
    pictures = [picture(frames[int(frame_indices[k])]) for k in steps]
    positions = np.asarray(states, dtype=np.float64)[steps, :3]
    repeats = np.zeros(len(steps), dtype=bool)
    # windows of 2 * REPEAT_STEPS steps, REPEAT_STEPS apart: each step judged in the first
    # window where it has at least REPEAT_STEPS steps before it (or all, at the start)
    for start in range(0, max(len(steps) - REPEAT_STEPS, 1), REPEAT_STEPS):
        stop = min(start + 2 * REPEAT_STEPS, len(steps))
        origins = first_seen(pictures[start:stop], positions[start:stop], STALE_SHIFT_M)
        first = 0 if start == 0 else REPEAT_STEPS
        repeats[start + first:stop] = [origins[row] != row for row in range(first, stop - start)]
    for row, k in enumerate(steps):
        repeat = repeats[row]
        moved = row > 0 and steps[row - 1] == k - 1 and np.linalg.norm(
            positions[row] - positions[row - 1]) >= STALE_SHIFT_M
        stale[k] = repeat or bool(moved and same_picture(pictures[row - 1], pictures[row]))
    return stale


def stale_note(name: str, stale: int, total: int) -> str:
    """Say that ``stale`` of ``total`` steps of source ``name`` were dropped, and the causes."""
    return (f"{name}: {stale} of {counted(total, 'step')} dropped: the frame did not change "
            f"while the arm moved {STALE_SHIFT_M * 1000:g} mm or more (the same picture as the "
            f"step before's, or one taken with the arm elsewhere): {CAUSES}")


def stale_words(stale: int) -> str:
    """Say, in a refusal of a source too short without them, why ``stale`` steps were dropped.

    Both causes (a frozen camera driver, the arm out of view) and what to check; "" for 0.
    """
    if not stale:
        return ""
    return (f"{counted(stale, 'step')} dropped as their frame did not change while the arm "
            f"moved ({CAUSES}): check that the camera driver publishes new images (e.g. ros2 "
            "topic hz and a viewer on the image topic) and that the arm is in the camera's "
            "view, then record again")

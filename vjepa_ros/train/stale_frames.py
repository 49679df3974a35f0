"""Training steps whose frame is stale: the picture did not change while the arm moved.

A camera driver that hangs and re-publishes its last image with fresh stamps, a slow camera
behind a faster republisher (a new picture once a second, published at 4 Hz), a simulator that
renders slower than it publishes, and a camera that does not see the arm all give frames that do
not show the arm's motion. Trained on, such a transition (two frames of one picture labelled
with the arm's real motion) teaches the model that moving changes nothing.

**The same frame** (:func:`same_frame`, :data:`TRAINING`; mechanics: ``picture_repeats``): two
frames of one shape that differ neither sharply (at least 0.03 % of the pixels, full resolution,
changed by more than 32 grey levels in some channel), nor broadly (the difference averaged over 5
px squares over 8 levels in 1 % of the pixels: a soft or low-contrast picture's motion), nor in
mean level (over 3 levels: light or exposure). Measured on the package's pybullet scene at 256x256
and 640x480 (fix54m): a repeat changes at most 0.005 % of the pixels sharply and 0.14 % broadly
(byte-equal frames; a JPEG re-encoding of the picture at its quality or a higher one; a dither of
up to +-12 grey levels or sensor noise up to sigma 4 on each copy); a real motion at least 0.13 %
sharply (the arm sliding 1 cm a step seen from 2 m, 2 mm a step from 2 m, 6 mm from 1.5 m: the
arm's edges move across the scene by tens of levels), so the sharp floor, 0.03 %, lies 6x above the
one and 4x below the other; the soft blob of ``train.synthetic`` moving 1-4 cm changes under 32
levels anywhere but 1.5 % or more broadly. The camera check's rule
(``eval.camera_check_unchanged.same_picture`` before mend55a: 0.5 % of the pixels by more than 8
levels, on a 64-px sample) found 0.23-0.5 % for the far motions and took half of their steps for
repeats (breaker54m). What this rule cannot tell: a motion changing fewer than 0.03 % of the
pixels sharply and 1 % broadly (a small, low-contrast arm far away) reads as a repeat; a frozen
picture with a time stamp or frame counter drawn in (its digits change 0.06-0.36 % of the image
by up to 255 levels at 256x256: benchmarks/bench_picture_rules.py) reads as new frames, kept
(mend55a's overlay box, which called changes inside one box of at most 0.5 % of the image the
same frame, dropped real 1-4 cm steps seen far, wide-angle, at a low resolution or with the arm
partly in view: breaker55k, fix55k took it off), and so does one re-encoded at a lower quality (5
below: 0.06 %; a 32-px picture at quality 50 or less, broadly) or under noise above sigma 4.

A frame *repeats* an earlier one when it is the same frame as one taken with the arm at least
:data:`STALE_SHIFT_M` away. A step is stale when its frame is the same frame as the step
before's while the end effector moved at least :data:`STALE_SHIFT_M` between them, or repeats a
picture taken with the arm that far away. A stale step is dropped as a step without a frame is:
the segment is split there, so no action spans it.

What it cannot tell: an arm at rest (or moving less than :data:`STALE_SHIFT_M`, or turning in
place) under one picture is kept, as it should be (its action is ~0); a camera-only recording
(``pretrain`` of bags: no arm state, every state 0) has no motion to judge, so its repeated
pictures are kept (a still scene and a frozen camera look the same there).
"""

from __future__ import annotations

import re

import numpy as np

from vjepa_ros.counts import counted
from vjepa_ros.name_lists import first_names
from vjepa_ros.picture_repeats import Broad, RepeatRule, picture, same_as, same_picture
from vjepa_ros.stale_camera import CAUSES, camera_advice

# the same frame (module docstring; fix54m measured a repeat <= 0.005 %, a real motion >= 0.13 %):
# fewer than 0.03 % of the full frame's pixels changed by more
# than 32 grey levels in some channel (a 64-a-side sample first: an exact shortcut); a soft
# picture's motion (a blurred or low-contrast arm: every pixel under 32 levels) differs broadly,
# the difference averaged over 5x5 px over 8 levels in 1 % of the pixels (a copy's dither, noise
# or re-encoding averages out); a mean level changed by more than 3 in some channel (light or
# exposure: a copy's dither or re-encoding keeps the mean within ~1 level) differs too; no
# overlay box (fix55k: it dropped real motions, breaker55k)
TRAINING = RepeatRule(sample_side=64, grey_levels=32, floor=0.0003, whole_frame=True,
                      broad=Broad(box=5, levels=8, share=0.01), mean_levels=3)
# [m] the end effector's shift under one picture that makes a frame stale: half the camera
# check's shortest motion (camera_check.verdict.min_motion_m, 1 cm): a frozen camera is caught
# once the arm moved 5 mm, a slow real motion whose picture changes little is kept below that
STALE_SHIFT_M = 0.005
# a frame is judged a repeat of the pictures of at least this many steps before it (4 s at 4 Hz:
# a frozen camera under an arm slower than 5 mm in 4 s, nearly at rest, is not caught)
REPEAT_STEPS = 16


def same_frame(a, b) -> bool:
    """Return True when frames ``a``, ``b`` [H, W(, C)] uint8 are the same frame (TRAINING).

    Frames of other shapes are not, nor frames whose mean level differs by more than 3 levels
    in some channel (the light or the exposure changed: a repeat keeps it).
    """
    return same_picture(a, b, TRAINING)


def _repeats(frames: list, positions: np.ndarray) -> np.ndarray:
    """Return the mask [N] of the frames that repeat an earlier one taken STALE_SHIFT_M away.

    ``frames``: N pictures (:func:`picture`); ``positions`` [N, 3] m. Each is compared with the
    frames first seen before it (a repeat is none: its own repeats match the frame it repeats).
    """
    seen: list[int] = []
    repeats = np.zeros(len(frames), dtype=bool)
    for i, frame in enumerate(frames):
        far = [j for j in seen if np.linalg.norm(positions[j] - positions[i]) >= STALE_SHIFT_M]
        repeats[i] = same_as(frame, [frames[j] for j in far], TRAINING) is not None
        if not repeats[i]:
            seen.append(i)
    return repeats


def stale_steps(frames: dict[int, np.ndarray], frame_indices: np.ndarray, states: np.ndarray,
                steps: np.ndarray) -> np.ndarray:
    """Return the mask [K] bool of the stale steps among ``steps`` (the module's rule).

    ``frames``: frame index -> frame [H, W, 3] uint8; ``frame_indices`` [K] int64: each step's
    frame index; ``states`` [K, 7+] (x, y, z [m] first); ``steps``: the step indices judged,
    in order (those with a frame and a state: steps between them, a gap, split the pairs).
    Each frame is compared with the step before's and with the frames first seen among the
    :data:`REPEAT_STEPS` to ``2 * REPEAT_STEPS`` steps before it (windows: linear in a
    source's steps, where the whole source would be quadratic;
    ``benchmarks/bench_stale_frames.py``).
    """
    steps = np.asarray(steps, dtype=np.int64).reshape(-1)
    stale = np.zeros(len(frame_indices), dtype=bool)
    if len(steps) < 2:
        return stale
    pictures = [picture(frames[int(frame_indices[k])], TRAINING) for k in steps]
    positions = np.asarray(states, dtype=np.float64)[steps, :3]
    repeats = np.zeros(len(steps), dtype=bool)
    # windows of 2 * REPEAT_STEPS steps, REPEAT_STEPS apart: each step judged in the first
    # window where it has at least REPEAT_STEPS steps before it (or all, at the start)
    for start in range(0, max(len(steps) - REPEAT_STEPS, 1), REPEAT_STEPS):
        stop = min(start + 2 * REPEAT_STEPS, len(steps))
        first = 0 if start == 0 else REPEAT_STEPS
        repeats[start + first:stop] = _repeats(pictures[start:stop], positions[start:stop])[first:]
    for row, k in enumerate(steps):
        repeat = repeats[row]
        moved = row > 0 and steps[row - 1] == k - 1 and np.linalg.norm(
            positions[row] - positions[row - 1]) >= STALE_SHIFT_M
        stale[k] = repeat or bool(moved and same_picture(pictures[row - 1], pictures[row],
                                                                  TRAINING))
    return stale


# why the steps of a stale note were dropped (after "NAME: 3 of 17 steps dropped")
_WHY = (f"the frame did not change while the arm moved {STALE_SHIFT_M * 1000:g} mm or more (the "
        f"same picture as the step before's, or one taken with the arm elsewhere): {CAUSES}")
_STALE_NOTE = re.compile(r"(?P<name>.*): (?P<stale>\d+) of (?P<total>\d+) steps? dropped: "
                         + re.escape(_WHY) + "$")
# the sources a grouped stale note names before "..."
SHOWN_SOURCES = 3


def stale_note(name: str, stale: int, total: int) -> str:
    """Say that ``stale`` of ``total`` steps of source ``name`` were dropped, and the causes."""
    return f"{name}: {stale} of {counted(total, 'step')} dropped: {_WHY}"


def is_stale_note(note: str) -> bool:
    """Whether ``note`` is one source's :func:`stale_note`."""
    return _STALE_NOTE.fullmatch(note) is not None


def grouped_stale_notes(notes: list[str]) -> list[str]:
    """Return ``notes`` with the :func:`stale_note` of several sources made one line, with totals.

    40 sources losing steps gave 40 lines and no count of what the set lost; now one, ``360 of
    680 steps in 40 sources (ep00.npz, ep01.npz, ep02.npz, ...) dropped: the frame did not
    change ...`` (the steps of those sources), in the place of the first; one source's note and
    every other note are kept as they are.
    """
    found = [(i, match) for i, note in enumerate(notes)
             if (match := _STALE_NOTE.fullmatch(note))]
    if len(found) < 2:
        return list(notes)
    stale = sum(int(match["stale"]) for _, match in found)
    total = sum(int(match["total"]) for _, match in found)
    names = first_names((match["name"] for _, match in found), SHOWN_SOURCES)
    line = (f"{stale} of {counted(total, 'step')} in {len(found)} sources ({names}) dropped: "
            f"{_WHY}")
    drop = {i for i, _ in found[1:]}
    return [line if i == found[0][0] else note for i, note in enumerate(notes) if i not in drop]


def stale_words(stale: int) -> str:
    """Say, in a refusal of a source too short without them, why ``stale`` steps were dropped.

    Both causes (a frozen camera driver, the arm out of view) and what to check; "" for 0.
    """
    if not stale:
        return ""
    return (f"{counted(stale, 'step')} dropped as their frame did not change while the arm "
            f"moved ({CAUSES}): {camera_advice('the image topic', 'record again')}")

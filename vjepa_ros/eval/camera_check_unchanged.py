"""Camera-check frames that are stale: the same picture as before, or an image taken elsewhere.

A camera driver that hangs and re-publishes its last image with fresh stamps (a frozen camera, a
USB hiccup, a bag's duplicated message), one that re-encodes that image with a time stamp or a
counter drawn in or dither added, a slow camera behind a faster republisher (a new image once a
second, re-published at 10 Hz), and a camera that does not show the arm all send frames that do
not show the motion the arm made. There is no frame change to explain: the model's
standing-still energy toward such a frame is ~0 and ``explained_share`` says nothing about what
the model sees; the inferred direction is the search's noise. Such a motion is evidence about the
camera, not about the model.

**The same picture** (:func:`same_picture`, :data:`CHECK`; mechanics: ``picture_repeats``): two
frames of one shape none of whose sampled pixels (every k-th, at most 64 per side) changed by more
than 32 grey levels in some channel (fewer than 0.03 % of the sample: training's numbers,
``train.stale_frames``), and whose mean level moved by at most 3. Why: a dither or a re-encoding
changes many pixels by a few grey levels (at most 25 measured), a change of light every pixel a
little; the arm moving changes its links' edges by tens of grey levels. The check's 4 cm motions
read as the same picture (benchmarks/bench_picture_rules.py, the package's scene at 640x480 and
256x256): none of 24 from 2-2.5 m, none of 12 from 3.5 m (the rule before mend55a, 0.5 % of the
sample by more than 8 levels: 1 of 24, 9 of 12, and nearly every 1 cm motion from 2 m). What it
cannot tell: a frozen image with a time stamp or a frame counter drawn in (its digits change by up
to 255 levels) can be a change (a frame counter, a minute's roll-over: measured; a stamp whose few
changed digits miss the sample is not), so such a frozen camera is judged as one that shows the
motion (fix55k took mend55a's overlay box off: a far camera's real 4 cm motion fits such a box,
breaker55k); a motion whose change misses the sample (a small arm far away: 3 of 6 1 cm motions
from 3.5 m) reads as the same picture, so it is skipped instead of judged by "move the camera"
(when every motion is: the refusal names both causes); a real camera's sensor noise above 32 levels
in many pixels (a dark, high-gain image) makes every frame new, so a frozen scene there is not
caught (a real camera does not freeze that way: a hung driver repeats one image).

**An image taken elsewhere** (:func:`first_seen`): a frame that is the same picture as an
earlier one of the check, taken while the arm stood at least ``min_shift_m`` away (a repeat:
the picture shows the arm where it was then). Frames of one pose that look alike (every
"before" frame of the live check at its start) are no repeat.

:func:`unchanged_frames` finds the motions whose frame after is the same picture as their
frame before; :func:`frames_changed` refuses when every motion is stale,
:func:`too_few_changed` when too few are left (:func:`refuse_stale`: both),
:func:`skipped_note` says how many the verdict left out and :func:`skipped_motions` which.
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.counts import counted
from vjepa_ros.eval.camera_check_motions import usable_motions
from vjepa_ros.picture_repeats import Picture, RepeatRule, same_as
from vjepa_ros.picture_repeats import picture as picture_of
from vjepa_ros.picture_repeats import same_picture as same_as_rule
from vjepa_ros.stale_camera import CAUSES, camera_advice

# the camera check's "same picture" (module docstring): training's numbers on a 64-a-side sample
# (full frames would cost a bag's check 1 GB): no sampled pixel changed by more than 32 grey
# levels (under 0.03 %: a re-encoding changes none, <= 25 levels), and the mean level within 3.
# The check's 4 cm motions skipped as the same picture (benchmarks/bench_picture_rules.py,
# 640x480 and 256x256): 0 of 24 from 2-2.5 m, 0 of 12 from 3.5 m (by 8 levels on 0.5 % of the
# sample, before mend55a: 1 of 24, 9 of 12); no overlay box (fix55k: it skipped real 4 cm
# motions from 3 m, breaker55k)
CHECK = RepeatRule(sample_side=64, grey_levels=32, floor=0.0003, mean_levels=3)
# why a motion was skipped (``skipped_motions``' reasons, per motion)
SAME = "its frame after is the same picture as its frame before"
REPEAT = "a frame repeats an image taken with the arm elsewhere"


def picture(frame) -> Picture:
    """Return what :func:`same_picture` compares of a frame [H, W(, C)] (:data:`CHECK`'s sample).

    A copy (uint8: 18 kB of a 640x480 frame): the frame may be written to afterwards.
    """
    return picture_of(frame, CHECK)


def same_picture(a, b) -> bool:
    """Return True when two frames (or their :func:`picture`) are the same picture (CHECK)."""
    return same_as_rule(a, b, CHECK)


def unchanged_frames(befores, afters) -> np.ndarray:
    """Return the mask [N] bool of motions whose frame after is the same picture as before.

    ``befores``, ``afters``: N frames [H, W, 3] uint8 each (or their :func:`picture`).
    """
    return np.array([same_picture(b, a) for b, a in zip(befores, afters, strict=True)],
                    dtype=bool).reshape(-1)


def first_seen(pictures, positions, min_shift_m: float, rule: RepeatRule = CHECK) -> list[int]:
    """Return, per frame, the index of the earlier frame whose image it repeats (else itself).

    ``pictures``: N frames in the order taken (or their :func:`picture`); ``positions``
    [N, 3+]: where the arm stood at each [m]. A frame repeats an earlier one when they are the
    same picture and the arm stood at least ``min_shift_m`` apart; the index given is where
    that image was first seen (a repeat's own repeats point there too). Each frame is compared
    with every earlier image first seen (vectorised: a 1200-step bag of 640x480 images, about
    10 s). ``rule``: :data:`CHECK` (pictures made with it).
    """
    pictures = [picture_of(p, rule) for p in pictures]
    positions = np.asarray(positions, dtype=np.float64).reshape(len(pictures), -1)[:, :3]
    origins: list[int] = []
    indices: list[int] = []  # the frames first seen
    for i, mine in enumerate(pictures):
        far = [indices[k] for k in np.flatnonzero(np.linalg.norm(
            positions[indices] - positions[i], axis=1) >= min_shift_m)] if indices else []
        found = same_as(mine, [pictures[j] for j in far], rule)
        origin = i if found is None else far[found]
        if origin == i:
            indices.append(i)
        origins.append(origin)
    return origins


def frames_changed(unchanged: np.ndarray, image_topic: str, live: bool) -> None:
    """Refuse when every motion's frames are stale (the camera shows one picture).

    ``unchanged``: the mask [N] of the stale motions (:func:`unchanged_frames`, repeats);
    ``image_topic``: the camera topic (named in the refusal); ``live``: the planner node's check
    (its words: what to call again). Raises ValueError (:func:`stale_refusal`) when all N > 0
    motions are stale.
    """
    if len(unchanged) and np.asarray(unchanged, dtype=bool).all():
        which = f"each of the {counted(len(unchanged), 'motion')}"
        raise ValueError(stale_refusal(image_topic, which, live))


def _what_to_do(image_topic: str, live: bool) -> str:
    return camera_advice(image_topic, "call ~/camera_check again" if live else
                         "record the bag again with a camera that shows the arm moving")


def stale_refusal(image_topic: str, which: str, live: bool, stopped: str = "") -> str:
    """Return the refusal of stale frames: ``which`` motions ("each of the 14 motions").

    ``stopped``: what the check did about it (the live check's early stop), after the reason.
    """
    return (f"camera check: frames on {image_topic} do not change: the camera is frozen or the "
            f"topic repeats one image, or the camera does not show the arm moving ({CAUSES}): "
            f"the frame after {which} is the same picture as the frame before it or an image "
            f"taken with the arm elsewhere, so the model has no frame change to explain"
            f"{stopped}; {_what_to_do(image_topic, live)}")


def too_few_changed(kept: int, need: int, note: str, image_topic: str, live: bool) -> str:
    """Return the refusal of too few motions left once the stale ones are skipped.

    ``kept``: the motions left; ``need``: ``min_motions``; ``note``: :func:`skipped_note`.
    Lowering ``min_motion_m`` cannot help here (the motions were long enough), so it says not.
    """
    return (f"camera check: {counted(kept, 'motion')} with frames that change, need {need} "
            f"along at least two directions: frames on {image_topic} stopped changing or repeat "
            f"earlier images ({CAUSES}) ({note}); {_what_to_do(image_topic, live)}")


def refuse_stale(executed, thresholds, moved: np.ndarray, stale: np.ndarray, image_topic: str,
                 live: bool) -> np.ndarray | None:
    """Refuse stale frames; return the mask [N] of the motions used without the stale ones.

    ``executed`` [N, 3+] (base frame, m); ``thresholds``: ``CheckThresholds``; ``moved`` [N]
    bool: the motions long enough to count; ``stale`` [N] bool (:func:`unchanged_frames`,
    repeats). Raises ValueError: every moved motion stale (:func:`frames_changed`), or the moved
    motions determine a rotation but not without the stale ones (:func:`too_few_changed`, how
    many were skipped). None: too few motions whatever the frames (not the frames' refusal:
    ``usable_motions`` says what is missing, to the caller).
    """
    moved, stale = np.asarray(moved, dtype=bool), np.asarray(stale, dtype=bool)
    frames_changed(stale[moved], image_topic, live)
    try:
        return usable_motions(executed, thresholds, moved & ~stale, live)
    except ValueError:
        try:
            usable_motions(executed, thresholds, moved, live)
        except ValueError:
            return None
    raise ValueError(too_few_changed(int((moved & ~stale).sum()), thresholds.min_motions,
                                     skipped_note(stale[moved]), image_topic, live))


def skipped_note(unchanged: np.ndarray) -> str:
    """Return "k of N motions skipped: the frame did not change ..." ("" when none was)."""
    skipped = int(np.count_nonzero(np.asarray(unchanged, dtype=bool)))
    if not skipped:
        return ""
    return (f"{skipped} of {counted(len(unchanged), 'motion')} skipped: the frame did not change "
            "(the camera repeated an image, or does not show the arm moving)")


def skipped_motions(reasons, considered: np.ndarray) -> list[dict]:
    """Return [{"motion": index, "reason": why}] of the skipped motions (the JSON's ``skipped``).

    ``reasons`` [N] str ("" kept; :data:`SAME`, :data:`REPEAT`); ``considered`` [N] bool: the
    motions long enough to count (an arm at rest is no skip).
    """
    return [{"motion": int(i), "reason": reasons[i]}
            for i in np.flatnonzero(considered) if reasons[i]]


def stale_reasons(unchanged, count: int) -> list[str]:
    """Return per motion why its frames are stale ("" not) from a bool or str mask [count]."""
    if unchanged is None:
        return [""] * count
    reasons = [value if isinstance(value, str) else (SAME if value else "")
               for value in np.asarray(unchanged, dtype=object).reshape(-1).tolist()]
    if len(reasons) != count:
        raise ValueError(f"camera check: unchanged must be [N] with N = {count} motions, "
                         f"got {len(reasons)}")
    return reasons

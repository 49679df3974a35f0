"""Pretraining data whose frames do not differ: one picture throughout (a frozen camera).

A camera driver that hangs and re-publishes its last image, a simulator that stopped rendering,
a camera pointed at a scene where nothing moves: every frame is the same picture, exactly or
within noise. Pretrained on, the clips teach nothing, and the collapse monitors read 0 (or
rounding) from step 0 on, so no floor relative to that start can warn (breaker59b).

"The same picture" is training's rule for a repeated frame (``stale_frames.same_frame``: under
0.03 % of the pixels changed by more than 32 grey levels, no broad change, no change of mean
level; a re-encoding, a dither or sensor noise up to sigma 4 is the same picture), each frame
against the first of its segment. What it cannot tell: a frozen picture with a time stamp or
frame counter drawn in reads as frames that differ (``picture_repeats``' known gap).

:func:`one_picture_check` refuses data that is one picture throughout and returns notes for the
sources that are one picture among others that are not, and for monitor frames that are one
picture among data that differs.
"""

from __future__ import annotations

from vjepa_ros.counts import counted
from vjepa_ros.name_lists import first_names

MORE = " (and {count} more)"
# what to do about a frozen camera (stale_frames' words, for a camera-only recording)
CAMERA_FIX = ("check that the camera driver publishes new images (ros2 topic hz and a viewer on "
              "the image topic) and record a scene that changes (the arm moving)")


def is_one_picture(frames, first=None) -> bool:
    """Whether every frame of ``frames`` [T, H, W, C] (or a list of frames) is the first's picture.

    ``stale_frames.same_frame``'s rule (module docstring); frames of another shape differ. One
    frame is one picture. Stops at the first frame that differs. ``first``: the first frame's
    ``picture_repeats.Picture`` under that rule where the caller made it already (None: made
    here).
    """
    from vjepa_ros.picture_repeats import picture, same_picture
    from vjepa_ros.train.stale_frames import TRAINING

    first = picture(frames[0] if first is None else first, TRAINING)
    return all(same_picture(first, frame, TRAINING) for frame in frames[1:])


def one_picture_check(segments: list, sources: list[str], monitor_frames) -> list[str]:
    """Refuse frames that are one picture throughout; return notes on those that are in part.

    ``segments``: frames [T_i, H_i, W_i, 3] uint8 of each segment; ``sources``: each segment's
    source path (``load_clip_segments``' ``sizes``, third item); ``monitor_frames``: the
    collapse monitors' frames (``pretrain_data.spread_frames``). Raises ValueError (one line
    naming the sources and what to do) when every segment is one picture and all are the same
    one. Returns a note naming the sources whose every segment is one picture (among others
    that are not), and one when the monitor frames are one picture while the data differs.
    """
    from vjepa_ros.picture_repeats import picture, same_picture
    from vjepa_ros.train.stale_frames import TRAINING

    firsts = [picture(segment[0], TRAINING) for segment in segments]  # each made once
    still = [is_one_picture(segment, first) for segment, first in zip(segments, firsts,
                                                                      strict=True)]
    names = list(dict.fromkeys(sources))
    frozen = [name for name in names
              if all(one for one, source in zip(still, sources, strict=True) if source == name)]
    frames = sum(len(segment) for segment in segments)
    if all(still) and all(same_picture(firsts[0], first, TRAINING) for first in firsts[1:]):
        raise ValueError(
            f"{first_names(names, 3, MORE)}: all {counted(frames, 'frame')} are one picture (none "
            "differs from the first beyond noise: a frozen camera, a driver re-publishing its "
            "last image, or a scene where nothing moved): pretraining would learn nothing from "
            "them and its collapse monitors, reading 0 from the start, could not watch; "
            f"{CAMERA_FIX}")
    notes = []
    if frozen:
        notes.append(f"{counted(len(frozen), 'source')} ({first_names(frozen, 3, MORE)}) "
                     f"{'is' if len(frozen) == 1 else 'are'} one picture throughout (a frozen "
                     "camera, or nothing moved): their clips teach no motion; "
                     f"{CAMERA_FIX}, or leave them out of --data")
    if is_one_picture(monitor_frames):
        notes.append(f"the {len(monitor_frames)} monitor frames spread over the data are one "
                     "picture (the data changes between them): the collapse monitors start near "
                     "0 and warn only at their absolute floors (docs/pretraining.md); raise "
                     "monitor_frames in --config to reach frames that differ")
    return notes

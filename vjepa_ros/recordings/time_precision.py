"""Whether timestamps saved as floats hold each frame's time: float32 and float16 seldom do.

A float keeps a fixed number of significant bits: float32 24, float16 11. Epoch seconds
(1.7e9 s) in float32 are kept to the nearest 128 s, so every frame of a recording reads as one
moment; float16 holds at most 65504 s (larger is inf) and seconds since the start only to 2 ms
past 2 s. float64 keeps epoch seconds to 0.24 µs. Torch-free; used by every reader of saved
frame times (``episode_file.episode_timestamps``: training, ``bag-from-npz``, ``Episode.load``;
``bag_writing.write_bag``'s ``times_s``).
"""

from __future__ import annotations

import numpy as np

# [s] the coarsest a frame's stored time may be: a 30 fps camera's frames lie 33 ms apart, and
# a state interpolated 1 ms off its frame's time is off 1 mm on an arm moving 1 m/s
TIMESTAMP_RESOLUTION_S = 1e-3


def timestamp_precision_problem(times) -> str:
    """Say why the float ``times`` [T] (seconds) cannot hold each frame's time; "" if they can.

    Only float dtypes narrower than float64 (float16, float32) are judged: their resolution at
    the largest ``|times|`` (``np.spacing`` in their own dtype) coarser than
    :data:`TIMESTAMP_RESOLUTION_S`, or infinite values in float16 (the seconds beyond its
    65504). Integers and float64 (or wider) are exact enough: "". The words name the dtype, the
    resolution and the fix (float64, or seconds since the first frame), without a file: the
    caller names it.
    """
    times = np.asarray(times)
    if times.dtype.kind != "f" or times.dtype.itemsize >= 8 or not times.size:
        return ""
    dtype = times.dtype
    fix = ("save them as float64 (np.float64), or as seconds since the first frame computed in "
           "float64 before saving")
    finite = times[np.isfinite(times)]
    if dtype.itemsize <= 2 and np.isinf(times).any():
        return (f"its timestamps are {dtype}, which holds at most {float(np.finfo(dtype).max):g} "
                f"s (larger ones read as inf): {fix}")
    if not finite.size:
        return ""
    largest = np.abs(finite).max()
    step = float(np.spacing(largest.astype(dtype)))
    if step <= TIMESTAMP_RESOLUTION_S:
        return ""
    return (f"its timestamps are {dtype}, which holds {float(largest):.6g} s only in steps of "
            f"{step:.3g} s (frames closer than that read as one moment): {fix}")

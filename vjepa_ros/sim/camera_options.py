"""The simulator camera's size options of ``vjepa-ros run`` and ``bench_manipulation.py``.

``--width`` and ``--height`` as ``collect`` and ``record`` take them (and ``reach`` its
``sim.width`` and ``sim.height`` settings), so a camera like a RealSense stream's 640x480 is
possible; ``--size N`` stays as the shorthand of a square camera, ``--width N --height N``.
Given with either of the others it is refused (which size would win is not obvious).
"""

from __future__ import annotations

import argparse

DEFAULT_SIZE_PX = 128  # the packaged demo model's renders


def add_camera_size_arguments(parser) -> None:
    """Add ``--width``, ``--height`` and ``--size`` [px] to ``parser`` (:func:`camera_size`)."""
    parser.add_argument("--width", type=int, help=f"camera image width [px], 32..1024; the long "
                        f"side at most 4 times the short (default {DEFAULT_SIZE_PX}, the demo "
                        "model's)")
    parser.add_argument("--height", type=int, help=f"camera image height [px], 32..1024; the "
                        f"long side at most 4 times the short (default {DEFAULT_SIZE_PX})")
    parser.add_argument("--size", type=int, help="a square camera image [px]: --width and "
                        "--height at once (default: those two's defaults)")


def camera_size(args: argparse.Namespace) -> tuple[int, int]:
    """Return the camera's ``(width, height)`` [px] of :func:`add_camera_size_arguments`' options.

    Each one not given is :data:`DEFAULT_SIZE_PX`. Raises ``config.UsageError`` for ``--size``
    with ``--width`` or ``--height``, ValueError naming the option for a size outside
    ``sim.config.CAMERA_SIZE_PX`` (``--width 8: the camera image must be 32..1024 px``), and
    naming both for a shape the planner refuses every frame of (``image_limits.
    camera_shape_problem``: the long side more than 4 times the short one; ``--width 33
    --height 1000: the camera image is 33x1000 px: long side more than 4 times ...``; a default
    side is named as such). Imports neither torch nor the simulator.
    """
    from vjepa_ros.config import UsageError
    from vjepa_ros.image_limits import camera_shape_refusal
    from vjepa_ros.sim.config import CAMERA_SIZE_PX

    given = [option for option, value in (("--width", args.width), ("--height", args.height))
             if value is not None]
    if args.size is not None and given:
        raise UsageError(f"--size is --width and --height at once, and {' and '.join(given)} "
                         f"{'was' if len(given) == 1 else 'were'} given too: give --size alone "
                         "(a square camera) or --width and --height")
    low, high = CAMERA_SIZE_PX
    options = ((("--size", args.size),) if args.size is not None else
               (("--width", args.width), ("--height", args.height)))
    for option, value in options:
        if value is not None and not low <= value <= high:
            raise ValueError(f"{option} {value}: the camera image must be {low}..{high} px")
    if args.size is not None:
        return args.size, args.size
    width, height = (DEFAULT_SIZE_PX if args.width is None else args.width,
                     DEFAULT_SIZE_PX if args.height is None else args.height)
    named = " ".join(f"{option} {value}" if given else f"(default {option} {value})"
                     for option, value, given in (("--width", width, args.width is not None),
                                                  ("--height", height, args.height is not None)))
    problem = camera_shape_refusal(width, height, named=named)
    if problem:  # every frame would be refused by the planner: nothing would ever move
        raise ValueError(problem)
    return width, height

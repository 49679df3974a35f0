"""How each use's "same picture" rule decides a far camera's small real motions and frozen copies.

The numbers behind mend55a's and fix55k's choices (``picture_repeats``; the rules ``CHECK``,
``CAPTURE``, ``TRAINING``; the camera check's before mend55a, ``COARSE``; training's numbers on a
160-px sample, a candidate for the check; mend55a's overlay box, which fix55k took off every use,
is gone from the package: the "box" column shows the changed pixels' box it judged by). On the
package's pybullet scene (``sim``, TinyRenderer, shadows on, seed 0): the default camera moved
along its line of sight to --distances from its target, at each of --sizes. Real motions from the
home pose: the TCP moved 4 cm along +-x, +-y, +-z (the live camera check's motions) and 5 mm, 1 cm
along the same six directions (a slow demonstration's steps). A frozen camera's copies of the home
frame: the same bytes, JPEG 75 and 95 re-encoded, a +-3 dither, a time stamp drawn in (two stamps,
white on a black box in a corner), a frame counter (on a black box at the bottom right), a time
stamp a minute on (most digits redrawn), a time stamp re-encoded as JPEG 75.

Printed per camera: for each group, how many pairs each rule calls the same picture, and the
changed pixels' (> 32 levels) bounding box: the least and the largest share [%] of the image
it covers.

Run:  python benchmarks/bench_picture_rules.py [--distances 2 2.25 2.5] [--sizes 640x480 256x256]
About 2 minutes on 2 shared cores.
"""

import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402

GROUPS = ("move 4 cm", "move 1 cm", "move 5 mm")


def moves():
    """Return [(group, TCP change [7])]: the six directions at each size of :data:`GROUPS`."""
    import numpy as np

    out = []
    for group, size in zip(GROUPS, (0.04, 0.01, 0.005), strict=True):
        for axis in range(3):
            for sign in (1, -1):
                change = np.zeros(7)
                change[axis] = sign * size
                out.append((group, change))
    return out


def _jpeg(pixels, quality):
    import cv2

    ok, data = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(data, cv2.IMREAD_UNCHANGED)


def stamped(image, text, corner=(0, 0)):
    """Return ``image`` with ``text`` drawn white on a black box from ``corner`` (x, y) [px].

    The box as wide as the text; ``corner`` and sizes as at 640x480, scaled by the height.
    """
    import cv2

    out = image.copy()
    scale = image.shape[0] / 480
    width = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.5 * scale, 1)[0][0]
    x, y = (int(v * scale) for v in corner)
    cv2.rectangle(out, (x, y), (x + width + int(8 * scale), y + int(22 * scale)), (0, 0, 0), -1)
    cv2.putText(out, text, (x + int(4 * scale), y + int(16 * scale)), cv2.FONT_HERSHEY_SIMPLEX,
                0.5 * scale, (255, 255, 255), 1)
    return out


def frozen(image):
    """Return [(name, (frame, next frame))]: a frozen camera's two frames of ``image``."""
    import numpy as np

    noise = np.random.default_rng(0).integers(-3, 4, image.shape)
    once75, once95 = _jpeg(image, 75), _jpeg(image, 95)
    stamps = [stamped(image, f"2026-12-06 16:40:0{k}.{k}23") for k in (1, 2)]
    corner = ((image.shape[1] - 100) * 480 / image.shape[0], 440)  # bottom right
    counters = [stamped(image, f"frame {k}", corner) for k in (1239, 1240)]
    rollover = [stamped(image, f"2026-12-06 16:{m}") for m in ("39:59.999", "40:00.000")]
    return [("same bytes", (image, image.copy())),
            ("JPEG 75 re-encoded", (once75, _jpeg(once75, 75))),
            ("JPEG 95 re-encoded", (once95, _jpeg(once95, 95))),
            ("dither +-3", (image, np.clip(image + noise, 0, 255).astype(np.uint8))),
            ("time stamp", tuple(stamps)), ("frame counter", tuple(counters)),
            ("time stamp, a minute on", tuple(rollover)),
            ("time stamp, JPEG 75", tuple(_jpeg(s, 75) for s in stamps))]


def changed_box(a, b) -> tuple[float, bool]:
    """Return (the changed pixels' bounding box [% of the image], whether it touches the border).

    A changed pixel: some channel differs by more than 32 levels; (0.0, False) when none.
    """
    import numpy as np

    changed = np.abs(a.astype(np.int16) - b) > 32
    rows, cols = np.nonzero(changed.reshape(*changed.shape[:2], -1).any(-1))
    if not len(rows):
        return 0.0, False
    h, w = a.shape[:2]
    area = (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1) / (h * w)
    border = rows.min() == 0 or cols.min() == 0 or rows.max() == h - 1 or cols.max() == w - 1
    return float(area * 100), bool(border)


def main(argv=None) -> None:
    from benchmarks.bench_capture_changes import COARSE, render_changes
    from vjepa_ros.eval.camera_check_unchanged import CHECK
    from vjepa_ros.picture_repeats import same_picture
    from vjepa_ros.robot.capture_pictures import CAPTURE
    from vjepa_ros.sim.camera import camera_at_distance
    from vjepa_ros.sim.config import SimConfig
    from vjepa_ros.train.stale_frames import TRAINING

    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distances", type=float, nargs="+", default=[2.0, 2.25, 2.5],
                        help="camera distances from its target [m]")
    parser.add_argument("--sizes", nargs="+", default=["640x480", "256x256"],
                        help="image sizes WxH")
    args = parser.parse_args(argv)
    rules = {"check": CHECK, "check before": COARSE, "training": TRAINING,
             "capture": CAPTURE,
             # training's numbers on a 160-px sample: 3.2x the check's memory and time
             "training@160": dataclasses.replace(TRAINING, whole_frame=False, broad=None,
                                                 sample_side=160)}
    config = SimConfig()
    cameras = {(distance, size): camera_at_distance(config.camera, distance,
                                                    *(int(v) for v in size.split("x")))
               for distance in args.distances for size in args.sizes}
    found = moves()
    base, views = render_changes(config, cameras, [change for _, change in found])
    pairs: dict = {key: [] for key in cameras}
    for (group, _), (reached, frames) in zip(found, views, strict=True):
        for key, frame in frames.items():
            pairs[key].append((group if reached else f"{group} (not reached)", base[key], frame))
    print("pairs each rule calls the same picture (of the group's), the changed (> 32 levels) "
          "bounding box's share of the image [%] (least-most)")
    for key, found in pairs.items():
        print(f"camera {key[0]:g} m from its target, {key[1]}:")
        found = found + [(f"frozen: {name}", *frames) for name, frames in frozen(base[key])]
        groups: dict = {}
        for group, a, b in found:
            groups.setdefault(group, []).append((a, b))
        for group, members in groups.items():
            same = "  ".join(f"{name} {sum(same_picture(a, b, rule) for a, b in members)}"
                             f"/{len(members)}" for name, rule in rules.items())
            boxes = [changed_box(a, b)[0] for a, b in members]
            print(f"  {group:28s} same: {same}   box {min(boxes):5.2f}-{max(boxes):5.2f} %")


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))

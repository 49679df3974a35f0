"""How much of a camera's picture a small real motion changes, and how much a frozen camera's.

The numbers behind the captures' frozen-camera rule (``robot/capture_pictures``) and the camera
check's (``eval/camera_check_unchanged``). On the package's pybullet scene (``sim``, TinyRenderer,
shadows on, seed 0): the camera of ``SimConfig`` moved along its line of sight to --distances
from its target (the default view is ~0.96 m away), at each of --sizes. Real changes from the
home pose, each rendered by every camera: the TCP moved 5 mm, 1, 2 and 3 cm along x, y, z and
along the optical axis (toward the camera), the hand closed (closedness 0 -> 1), turned 1 degree,
0.1 rad and 0.5 rad about z at the same TCP. A frozen camera's frames of the home pose: the
same bytes; re-encoded by a republisher (JPEG at 90 and 75: the decoded image encoded again,
against the first decode); dithered +-3 grey levels; with a time-stamp overlay (two stamps
drawn white on black in a corner, as a driver's overlay does).

Printed per camera and change: the share [%] of pixels changed by more than 8 grey levels in some
channel on a sample of every k-th pixel, 64 a side (:data:`COARSE`: the camera check's rule before
mend55a, which the README's numbers quote) and on every pixel, the largest change [grey levels],
and the captures' share (``capture_pictures.CAPTURE``: more than 32 levels on at most 640 pixels a
side; a repeat below 0.005 %). Real motions: the smallest of each over the directions of each size.

Run:  python benchmarks/bench_capture_changes.py [--distances 1 1.5 2 2.5]
      [--sizes 640x480 320x240]
About 2 minutes on 2 shared cores (the arm's moves and TinyRenderer's renders).
"""

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402
from vjepa_ros.picture_repeats import RepeatRule  # noqa: E402

# more than 8 grey levels on a 64-a-side sample (the camera check's rule before mend55a)
COARSE = RepeatRule(sample_side=64, grey_levels=8, floor=0.005)


def changes():
    """Return [(name, group, state change [7])]: the real changes from the home pose."""
    import numpy as np

    out = []
    for size in (0.005, 0.01, 0.02, 0.03):
        for axis in ("x", "y", "z", "axis"):
            change = np.zeros(7)
            if axis != "axis":
                change["xyz".index(axis)] = size
            out.append((f"{size * 100:g} cm {axis}", f"move {size * 100:g} cm", change, size))
    for name, index, value in (("hand closed", 6, 1.0), ("turned 1 deg", 5, math.radians(1)),
                               ("turned 0.1 rad", 5, 0.1), ("turned 0.5 rad", 5, 0.5)):
        change = np.zeros(7)
        change[index] = value
        out.append((name, name, change, 0.0))
    return out


def frozen(image):
    """Return [(name, the frozen camera's next image)] of ``image`` (module docstring)."""
    import cv2
    import numpy as np

    out = [("same bytes", image.copy())]
    for quality in (90, 75):
        def jpeg(pixels, quality=quality):
            ok, data = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
            return cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
        once = jpeg(image)
        out.append((f"JPEG {quality} re-encoded", (once, jpeg(once))))
    noise = np.random.default_rng(0).integers(-3, 4, image.shape)
    out.append(("dither +-3", np.clip(image.astype(int) + noise, 0, 255).astype(np.uint8)))
    stamps = []
    for text in ("2026-12-06 16:40:01.123", "2026-12-06 16:40:02.456"):
        stamped = image.copy()
        scale = image.shape[0] / 480
        cv2.rectangle(stamped, (0, 0), (int(300 * scale), int(22 * scale)), (0, 0, 0), -1)
        cv2.putText(stamped, text, (int(4 * scale), int(16 * scale)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.5 * scale, (255, 255, 255), 1)
        stamps.append(stamped)
    out.append(("time-stamp overlay", tuple(stamps)))
    return out


def measure(a, b) -> tuple[float, float, int, float]:
    """Return how much changed between frames ``a`` and ``b`` [H, W, 3] uint8.

    (the check's share [%] on its sample, the share [%] on every pixel, the largest change
    [grey levels], the captures' share [%]: more than 32 levels, at most 640 a side).
    """
    import numpy as np

    from vjepa_ros.picture_repeats import changed_share
    from vjepa_ros.robot.capture_pictures import CAPTURE

    diff = np.abs(a.astype(np.int16) - b.astype(np.int16))
    every = float((diff > COARSE.grey_levels).any(-1).mean())
    capture = changed_share(a, b, CAPTURE)
    return changed_share(a, b, COARSE) * 100, every * 100, int(diff.max()), capture * 100


def render_changes(config, cameras: dict, changes: list) -> tuple[dict, list]:
    """Render the home pose and each TCP change from each camera of the scene ``config``.

    ``cameras``: {key: CameraConfig}; ``changes``: [state change [7]] from the home pose (seed
    0). Returns ({key: the home frame}, [(reached, {key: frame})] per change).
    """
    from vjepa_ros.sim.camera import Camera
    from vjepa_ros.sim.sim import Sim

    views = []
    with Sim(config) as sim:
        sim.reset(seed=0)
        built = {key: Camera(camera, sim._p) for key, camera in cameras.items()}
        home = sim.ee_state().copy()
        assert sim.move_to(home)
        base = {key: camera.render(sim._p, sim.client) for key, camera in built.items()}
        for change in changes:
            with sim.preserved():
                reached = sim.move_to(home + change)
                views.append((reached, {key: camera.render(sim._p, sim.client)
                                        for key, camera in built.items()}))
    return base, views


def main(argv=None) -> None:
    import numpy as np

    from vjepa_ros.sim.camera import camera_at_distance
    from vjepa_ros.sim.config import SimConfig

    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distances", type=float, nargs="+", default=[1.0, 1.5, 2.0, 2.5],
                        help="camera distances from its target [m]")
    parser.add_argument("--sizes", nargs="+", default=["640x480", "320x240"],
                        help="image sizes WxH")
    args = parser.parse_args(argv)
    config = SimConfig()
    cameras = {(distance, size): camera_at_distance(config.camera, distance,
                                                    *(int(v) for v in size.split("x")))
               for distance in args.distances for size in args.sizes}
    sight = np.asarray(config.camera.eye, dtype=np.float64) - config.camera.target
    sight /= np.linalg.norm(sight)
    found = changes()
    states = []
    for name, _, change, size in found:
        state = change.copy()
        if name.endswith("axis"):  # along the optical axis, toward the camera
            state[:3] += size * sight
        states.append(state)
    base, views = render_changes(config, cameras, states)
    rows: dict = {}
    for (name, group, _, _), (reached, frames) in zip(found, views, strict=True):
        for key, frame in frames.items():
            rows.setdefault(key, []).append((name, group, reached, measure(base[key], frame)))
    print("share of pixels changed by > 8 grey levels [%] (64-a-side sample, every pixel), the "
          "largest change, the captures' share by > 32 levels [%]; the default scene, seed 0")
    for key, measured in rows.items():
        print(f"camera {key[0]:g} m from its target, {key[1]}:")
        groups: dict = {}
        for name, group, reached, (sample, every, largest, capture) in measured:
            groups.setdefault(group, []).append((sample, every, largest, capture, name, reached))
        for group, values in groups.items():
            low = min(values)
            note = "" if all(v[5] for v in values) else " (a pose not reached)"
            print(f"  {group:16s} sample >= {low[0]:6.3f}  every pixel >= "
                  f"{min(v[1] for v in values):6.3f}  largest >= {min(v[2] for v in values):3d}  "
                  f"capture >= {min(v[3] for v in values):6.3f}  (least: {low[4]}){note}")
        for name, image in frozen(base[key]):
            a, b = image if isinstance(image, tuple) else (base[key], image)
            sample, every, largest, capture = measure(a, b)
            print(f"  frozen: {name:22s} sample {sample:6.3f}  every pixel {every:6.3f}  "
                  f"largest {largest:3d}  capture {capture:6.3f}")


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))

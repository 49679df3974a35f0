"""What the stale-frame rule of train's and pretrain's data (``train.stale_frames``) costs a frame.

For each frame size (the training resolution 256x256, a 640x480 camera) and source length (the
steps of one episode or bag at 4 Hz), ``stale_steps`` judges a source whose arm slides 1 cm a
step under new random pictures (the worst case: every frame is first seen, so each is compared
with every earlier far one, ``camera_check_unchanged.first_seen``), and the time per frame is
printed; reading the frames (decoding a bag's images) is not counted. Beside it, on the same
frames and machine: ``preprocess_frames`` to the training resolution (the resize and
normalisation every frame gets before the encoder, on the CPU), the work a frame costs anyway.

Run:  python benchmarks/bench_stale_frames.py [--sizes 256x256 640x480] [--steps 100 300 1200]
"""

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np  # noqa: E402

from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402
from vjepa_ros.train.stale_frames import stale_steps  # noqa: E402


def measure(height: int, width: int, steps: int, repeats: int = 3) -> tuple[float, float]:
    """Return the best times [ms] per frame of ``stale_steps`` and of ``preprocess_frames``.

    Over ``steps`` new frames [height, width, 3] uint8.
    """
    from vjepa_ros.models.preprocess import preprocess_frames

    rng = np.random.default_rng(0)
    frames = {k: rng.integers(0, 255, (height, width, 3), dtype=np.uint8) for k in range(steps)}
    states = np.zeros((steps, 7))
    states[:, 0] = 0.01 * np.arange(steps)
    indices = np.arange(steps)
    best, reference = np.inf, np.inf
    stack = np.stack(list(frames.values()))
    for _ in range(repeats):
        start = time.perf_counter()
        stale = stale_steps(frames, indices, states, indices)
        best = min(best, time.perf_counter() - start)
        assert not stale.any()
        start = time.perf_counter()
        preprocess_frames(stack, 256)
        reference = min(reference, time.perf_counter() - start)
    return best / steps * 1000, reference / steps * 1000


def main() -> None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["256x256", "640x480"],
                        help="frame sizes HxW... as WIDTHxHEIGHT")
    parser.add_argument("--steps", nargs="+", type=int, default=[100, 300, 1200],
                        help="steps of one source")
    args = parser.parse_args()
    for size in args.sizes:
        width, height = (int(v) for v in size.split("x"))
        for steps in args.steps:
            per_frame, reference = measure(height, width, steps)
            print(json.dumps({"size": size, "steps": steps, "ms_per_frame": round(per_frame, 3),
                              "preprocess_ms_per_frame": round(reference, 3),
                              "load_average": round(os.getloadavg()[0], 1),
                              "cpus": os.cpu_count()}))


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))

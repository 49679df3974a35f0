"""Memory ``vjepa-ros pretrain`` holds for its frames: numpy's bytes when the first step begins.

Writes ``--episodes`` random-texture ``.npz`` episodes of ``--frames`` frames
``--width`` x ``--height`` (train's states), runs ``vjepa-ros pretrain`` on them for one step
of a tiny encoder at ``--img-size`` (the random crop off, the default, or on with ``--crop``),
and prints, from ``tracemalloc``: numpy's data buffers held when the first step begins
(``pretrain_encoder`` called) and the peak of all traced memory before it, each as bytes and
as a multiple of the frames' bytes as recorded. Torch's own allocations are not traced (the
frames are numpy arrays shared with torch). Run from the repository root (or with
``PYTHONPATH`` at another checkout, to compare):

    .venv/bin/python benchmarks/bench_pretrain_memory.py --episodes 3 --width 640 --height 480
"""

from __future__ import annotations

import sys
import tempfile
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np  # noqa: E402
import yaml  # noqa: E402

from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402


def held_at_first_step(command: list[str]) -> tuple[int, dict]:
    """Run ``vjepa-ros`` ``command`` (a pretrain); return (its exit status, bytes traced).

    ``{"numpy": numpy's data buffers held when ``pretrain_encoder`` is called, "peak": the
    peak of all memory tracemalloc traced before it}`` (empty when it was never called).
    """
    from vjepa_ros.cli import main as cli
    from vjepa_ros.train import pretrain

    held: dict = {}
    original = pretrain.pretrain_encoder

    def measured(*args, **kwargs):
        numpy_only = tracemalloc.DomainFilter(True, np.lib.tracemalloc_domain)
        snapshot = tracemalloc.take_snapshot().filter_traces([numpy_only])
        held["numpy"] = sum(stat.size for stat in snapshot.statistics("filename"))
        held["peak"] = tracemalloc.get_traced_memory()[1]
        return original(*args, **kwargs)

    pretrain.pretrain_encoder = measured
    tracemalloc.start()
    try:
        return cli(command), held
    finally:
        tracemalloc.stop()
        pretrain.pretrain_encoder = original


def main(argv=None) -> None:
    parser = ArgumentParser(prog="bench_pretrain_memory.py",
                            description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=3, help="episodes (3)")
    parser.add_argument("--frames", type=int, default=40, help="frames per episode (40)")
    parser.add_argument("--width", type=int, default=640, help="frame width [px] (640)")
    parser.add_argument("--height", type=int, default=480, help="frame height [px] (480)")
    parser.add_argument("--img-size", type=int, default=128, help="encoder input [px] (128)")
    parser.add_argument("--crop", action="store_true", help="random_resize_scale [0.3, 1.0]")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (0 or "
                        "left out: OMP_NUM_THREADS when set, else all cores but one)")
    args = parser.parse_args(argv)

    from vjepa_ros.recordings.episode import Episode

    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as folder:
        data, recorded = Path(folder) / "episodes", 0
        states = np.zeros((args.frames, 7))
        states[:, 0] = np.linspace(0.3, 0.5, args.frames)
        for index in range(args.episodes):
            video = rng.integers(0, 256, (args.frames, args.height, args.width, 3), np.uint8)
            recorded += video.nbytes
            Episode.from_states(video, states, np.arange(args.frames) / 4.0).save(
                data / f"e{index}.npz")
            del video
        settings = Path(folder) / "tiny.yaml"
        settings.write_text(yaml.safe_dump({
            "img_size": args.img_size, "patch_size": 16, "embed_dim": 48, "depth": 1,
            "num_heads": 2, "predictor_dim": 24, "predictor_depth": 1, "predictor_heads": 2,
            "batch_size": 2, "frames_per_clip": 2, "steps": 1, "monitor_every": 1,
            "monitor_frames": 16,
            "random_resize_scale": [0.3, 1.0] if args.crop else [1.0, 1.0]}))
        code, held = held_at_first_step(
            ["pretrain", "--data", str(data), "--out", str(Path(folder) / "enc.pt"), "--config",
             str(settings), "--threads", str(args.threads or 0), "--quiet"])
    print(f"settings: {args.episodes} episodes x {args.frames} frames {args.width}x"
          f"{args.height}, img_size {args.img_size}, crop {'on' if args.crop else 'off'}; "
          f"exit {code}")
    print(f"frames as recorded {recorded / 1e6:.1f} MB; numpy held at the first step "
          f"{held['numpy'] / 1e6:.1f} MB ({held['numpy'] / recorded:.3f}x); traced peak before "
          f"it {held['peak'] / 1e6:.1f} MB ({held['peak'] / recorded:.2f}x)")


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))

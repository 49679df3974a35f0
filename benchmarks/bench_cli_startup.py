"""Time from ``vjepa-ros SUBCOMMAND <bad option>`` to its one-line error, per subcommand.

A user who mistypes an option should read the error at once, not after torch, pybullet and rclpy
have loaded. For each subcommand this runs the command (a fresh ``python -m vjepa_ros.cli``
process, as the console script does) with one option the command itself refuses, plus
``vjepa-ros --help``, and prints the median wall time of ``--repeats`` runs and the first line of
the error. ``--tree NAME=DIR`` (repeatable) times the package at ``DIR`` (a checkout) under
``NAME``; trees are interleaved run by run, so a busy machine slows them alike: compare them side
by side, not across runs of this script.

Run:  python benchmarks/bench_cli_startup.py [--tree before=/tmp/base --tree after=.] [--repeats 3]
          [--only demo eval]
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vjepa_ros.cli_parser import ArgumentParser

ROOT = Path(__file__).resolve().parent.parent

# subcommand -> arguments with one bad option (OUT: a fresh path, DATA: an empty folder)
CASES = {
    "help": ["--help"],
    "check": ["check", "--bogus"],
    "demo": ["demo", "--refine-lr", "-1"],
    "launch": ["launch", "-p", "bogus"],
    "eval": ["eval", "/nonexistent/bag", "--out", "OUT", "--rate", "0"],
    "bag-from-npz": ["bag-from-npz", "OUT", "--rate", "0"],
    "record": ["record", "OUT", "--seed", "-1"],
    "camera-check": ["camera-check", "/nonexistent/bag", "--out", "OUT", "--fine-deg", "200"],
    "collect": ["collect", "--out", "OUT", "--width", "8"],
    "reach": ["reach", "--max-steps", "0"],
    "run": ["run", "--task", "grasp", "--episodes", "0"],
    "train": ["train", "--out", "OUT", "--data", "DATA", "--steps", "0"],
    "pretrain": ["pretrain", "--out", "OUT/e.pt", "--data", "DATA", "--batch-size", "0"],
    # a missing input, an output that exists (DATA), an empty or bad parameter file
    "demo-episode": ["demo", "--episode", "/nonexistent/e.npz"],
    "demo-ckpt": ["demo", "--checkpoint", "/nonexistent/m.pt"],
    "run-model": ["run", "--task", "grasp", "--world-model", "/nonexistent/m.pt"],
    "launch-ckpt": ["launch", "--checkpoint", "/nonexistent/m.pt"],
    "launch-params": ["launch", "--params-file", "/nonexistent/p.yaml"],
    "record-exists": ["record", "DATA"],
    "npz-exists": ["bag-from-npz", "DATA"],
    "train-data": ["train", "--out", "OUT", "--data", "/nonexistent/d"],
    "collect-width": ["collect", "--out", "OUT", "--width", "0"],
}


def time_once(tree: Path, argv: list[str], scratch: Path) -> tuple[float, str]:
    """Run ``vjepa-ros ARGV`` from ``tree``; return (seconds, first line of stderr)."""
    out = scratch / "out"
    args = [str(scratch / "data") if a == "DATA" else a.replace("OUT", str(out)) for a in argv]
    env = {**os.environ, "PYTHONPATH": str(tree), "ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST",
           "ROS_LOCALHOST_ONLY": "1"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "vjepa_ros.cli", *args], env=env,
                          capture_output=True, text=True, timeout=600, cwd=scratch)
    seconds = time.perf_counter() - started
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    first = lines[-1] if lines else done.stdout.splitlines()[0]
    return seconds, f"[{done.returncode}] {first}"


def main() -> int:
    parser = ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tree", action="append", metavar="NAME=DIR",
                        help="a checkout to time (repeatable; default: this one as 'this')")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="+", choices=tuple(CASES), help="these cases only")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error(f"--repeats {args.repeats}: must be >= 1")
    trees = {}
    for item in args.tree or [f"this={ROOT}"]:
        name, sep, folder = item.partition("=")
        if not sep or not (Path(folder) / "vjepa_ros" / "cli.py").is_file():
            parser.error(f"--tree {item!r}: give NAME=DIR with DIR a checkout of this package")
        trees[name] = Path(folder).resolve()
    cases = {name: CASES[name] for name in (args.only or CASES)}
    print(f"vjepa-ros start-up to the first error: median of {args.repeats} runs, "
          f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs (load "
          f"{os.getloadavg()[0]:.1f}); trees " + ", ".join(f"{n}={p}" for n, p in trees.items()))
    print(f"{'case':<14}" + "".join(f"{name + ' [s]':>14}" for name in trees) + "   error")
    for case, argv in cases.items():
        times = {name: [] for name in trees}
        lines = {}
        for _ in range(args.repeats):
            for name, tree in trees.items():  # interleaved: the same machine state for each
                with tempfile.TemporaryDirectory() as scratch:
                    (Path(scratch) / "data").mkdir()
                    seconds, lines[name] = time_once(tree, argv, Path(scratch))
                times[name].append(seconds)
        medians = "".join(f"{statistics.median(times[name]):>14.2f}" for name in trees)
        print(f"{case:<14}{medians}   {lines[list(trees)[-1]][:90]}")
    return 0


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))

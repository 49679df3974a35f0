"""What the planner node's per-frame notes and the planner's representation check cost.

Rows (time.perf_counter over --calls calls, the median of --repeats runs, interleaved so that
load from other processes hits every row alike; pictures and tensors built beforehand; and
time.thread_time, the CPU the calls used, which moves far less with the load):

  colour notes, bright 1 goal   ``SizeNotes.colour`` (with its ``ChannelNotes``) of a colour
                                frame, one goal judged before: what every accepted camera frame
                                costs (``nodes/planner_inputs``), the notes all given or none due
  near-black, 1 / 10 goals      the same on a near-black stream (every value <= 16 of 255: a
                                12-bit camera in 16-bit words) past its note: no frame tells a
                                goal's red-blue swap, so the goals stay to judge on every frame
  first frame after a goal      the frame after a new goal (a bright one, no note due): the
                                goal judged (grey, near-black, swap)
  frame ids + arrival lags      ``GoalFrameIds.camera`` and ``ArrivalLags.add`` of one message:
                                what every camera frame (state: the lag) costs beside
  isfinite [S]                  ``torch.isfinite(reps).all()`` of layer-normed float32
                                representations [1, N, D] (``planning/plan_inputs``: per plan)
  layer-norm check [S]          ``plan_inputs.layer_norm_problem`` of the same
  remembered goal [S]           ``plan_inputs.as_reps(remember=True)`` of the same tensor with
                                the same values (what every plan after the first pays for the
                                goal: ``torch.equal`` with the copy kept when it passed)

Printed: microseconds per call (median over the repeats, the fastest run, the least CPU of this
thread: with --threads above 1 torch's other threads are not counted) with the frame size,
torch's threads and the load average before and after.

Run:  python benchmarks/bench_goal_notes.py [--width 640] [--height 480] [--threads N]
About 10 s on 2 shared cores. No ROS graph, no model.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_goal_resend, by name

import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
from bench_goal_resend import check_ranges, time_rows  # noqa: E402

from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402
from vjepa_ros.threads import check_threads_option, set_torch_threads  # noqa: E402

# the planner's representation shapes: [1, N, D] (ViT-L 256 px; ViT-g two frames, 1408 wide)
REPS_SHAPES = ((1, 256, 1024), (1, 256 * 2, 1408))


def note_rows(width: int, height: int):
    """Return [(name, call)] of the notes' rows (module docstring), each call one frame."""
    import numpy as np

    from vjepa_ros.image_notes import SizeNotes
    from vjepa_ros.robot.arrival_lags import ArrivalLags
    from vjepa_ros.robot.goal_frame_ids import GoalFrameIds

    rng = np.random.default_rng(0)
    shape = (height, width, 3)
    bright = rng.integers(0, 256, shape, dtype=np.uint8)
    dark = rng.integers(0, 17, shape, dtype=np.uint8)  # 12-bit values through v / 257
    goals = [rng.integers(0, 256, shape, dtype=np.uint8) for _ in range(10)]

    def settled(frame, labelled):
        """Return notes past the start: 40 frames seen (the near-black note given)."""
        notes = SizeNotes((256, 256))
        for _ in range(40):
            notes.colour(frame, goals=labelled)
        return notes

    one = (("", goals[0]),)
    ten = tuple((f"sub-goal {i} of 10", goal) for i, goal in enumerate(goals, 1))
    bright_notes, dark_one, dark_ten = settled(bright, one), settled(dark, one), settled(dark, ten)
    assert dark_one.channels.dark_frames_judged and dark_one.goal_notes_pending  # swap still due
    fresh, turn = settled(bright, one), [0]
    others = ((("", goals[1]),), (("", goals[2]),))  # a new goals tuple each call

    def first_after_goal():
        turn[0] += 1
        fresh.colour(bright, goals=others[turn[0] % 2])

    frame_ids, lags = GoalFrameIds(), ArrivalLags()
    frame_ids.goal(1, "camera_color_optical_frame", "/goal_image", "/camera/color/image_raw")

    def ids_and_lags():
        frame_ids.camera("camera_color_optical_frame", 1, "/goal_image",
                         "/camera/color/image_raw")
        lags.add(0, 0.03)

    return [("colour notes, bright 1 goal", lambda: bright_notes.colour(bright, goals=one)),
            ("near-black, 1 goal", lambda: dark_one.colour(dark, goals=one)),
            ("near-black, 10 goals", lambda: dark_ten.colour(dark, goals=ten)),
            ("first frame after a goal", first_after_goal),
            ("frame ids + arrival lags", ids_and_lags)]


def reps_rows():
    """Return [(name, call)] of the representation checks at :data:`REPS_SHAPES`."""
    import torch

    from vjepa_ros.planning.plan_inputs import as_reps, layer_norm_problem

    generator = torch.Generator().manual_seed(0)
    timed = []
    for shape in REPS_SHAPES:
        reps = torch.nn.functional.layer_norm(torch.randn(shape, generator=generator),
                                              shape[-1:])
        assert not layer_norm_problem(reps)
        size = "x".join(str(n) for n in shape)
        timed += [(f"isfinite [{size}]", lambda r=reps: bool(torch.isfinite(r).all())),
                  (f"layer-norm check [{size}]", lambda r=reps: layer_norm_problem(r)),
                  (f"remembered goal [{size}]", lambda r=reps, n=shape[1], d=shape[2]: as_reps(
                      "goal_reps", r, n, d, remember=True))]
    return timed


def main(argv=None) -> None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=640, help="frame width [px]")
    parser.add_argument("--height", type=int, default=480, help="frame height [px]")
    parser.add_argument("--calls", type=int, default=200, help="calls per run")
    parser.add_argument("--repeats", type=int, default=5, help="runs per row (median)")
    parser.add_argument("--threads", type=int,
                        help="torch CPU threads (0 or left out: OMP_NUM_THREADS when set, "
                        "else all cores but one; docs/performance.md's numbers: --threads 1)")
    args = parser.parse_args(argv)
    check_ranges(parser, args, (("--width", 32, 8000), ("--height", 32, 8000),
                                ("--calls", 1, 100000), ("--repeats", 1, 100)))
    check_threads_option(args.threads)
    import torch

    set_torch_threads(args.threads)  # 0 or left out: OMP_NUM_THREADS, else cores - 1
    print(time_rows(note_rows(args.width, args.height) + reps_rows(), args.repeats,
                    lambda _: args.calls, f"{args.width}x{args.height} frames, {args.calls} "
                    f"calls x {args.repeats} runs, torch {torch.__version__} on "
                    f"{torch.get_num_threads()} thread(s)", width=30))


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))

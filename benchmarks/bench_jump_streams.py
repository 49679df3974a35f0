"""The arm state's jump rule on random streams: its wrong new worlds and missed ones, per event.

Each seed is one stream of a Franka-like arm's TCP states (7: xyz [m], roll pitch yaw [rad]) as a
driver sends them: 1 kHz, 100, 30 or 10 Hz; a slow policy (2-15 cm/s) or teleop (up to 0.5 m/s),
0.2-1 m/s² and the yaw turning; arrivals timed or not (timed: stamps coarse, 10 ms steps, one
stream in three at 100 Hz and up). It runs 1 s, then 3 to 6 events, each followed by 3 s of the
arm's own motion. Each event's truth is by construction: the resets (a new world) are

  reset               the arm teleported home (0.45, 0, 0.35) m, at rest (10 cm beside it when
                      already there), then at rest or moving for 0.3 s
  rehome              teleported 3-30 cm in a random direction
  hand_reset          the wrist turned 0.3-1.5 rad for good, the TCP's position kept
  reset_course        teleported 3-12 cm along its own motion (half of them: a rest, a gap)
  reset_gap / gap_reset / glitch_reset / clock_reset
                      a reset, a rest up to 0.3 s, a gap of 0.02-1.5 s / a gap first / a
                      glitch first / the stamps' clock stepped 0.1-2 s ahead with it
  reset_glitch / reset_gap_glitch
                      a reset, a rest, (a gap of 0.02-0.8 s,) then a glitch
  reset_stale / reset_gap_stale / reset_stale_gap
                      a reset, a rest up to 0.4 s, then 1-2 stale states at the old pose
                      (a gap before them / after them)
  reset_pullback      a reset, then the controller pulls the arm back toward the old pose at up
                      to 0.3 m/s (in a gap of 0.1-1 s six times in ten)

and the others are no new world:

  glitch / hand_glitch
                      1-3 states 3-20 cm off (the wrist 0.3-1.5 rad off), then the arm's own
  gap                 no states for 0.02-1.5 s
  gap_glitch / glitch_gap / glitch_glitch / glitch_gap_glitch
                      a gap then a glitch / a glitch then a gap / two glitches up to 0.3 s
                      apart / a glitch, up to 0.1 s of the arm, a gap of 0.02-0.8 s, a glitch
  burst / interleave  3-29 states, every 2nd-4th one another publisher's: a fixed pose ~5 cm
                      off / the arm's pose ~2 cm off
  clock_step          the stamps' clock stepped 0.1-2 s ahead

Judged as the planner session does (``jump_watch.JumpWatch``): ``problem`` on every state; once
no state was a jump for 1 s (the stamps') after one, the hold ends and ``landed()`` says whether
the hold's jumps moved the arm. An event is judged a new world when a landing came during its
states (the event's and its 3 s after). A row per event kind: how many, the truth, how many the
code got wrong (the baseline's too, and where one is right and the other wrong).

Run:  python benchmarks/bench_jump_streams.py [--seeds 800] [--seed0 0] [--baseline DIR]
      python benchmarks/bench_jump_streams.py --event KIND --seed S [--baseline DIR]
``--baseline DIR``: a folder holding another ``vjepa_ros`` package, e.g.
``mkdir DIR; git archive fd2fac94 vjepa_ros | tar -x -C DIR``. The second form replays seed S's
KIND events: each state's problem and landed(). About 0.1 s per seed and code (800 seeds
with --baseline: 3 min on one core); no ROS. Deterministic for given seeds.
"""

import collections
import importlib
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
from benchmarks.jump_streams import EVENTS, RESETS, Stream  # noqa: E402
from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402

HOLD_END_S = 1.0  # [s] no jump for this long after one: the hold ends, landed() is asked


def watch_class(root: Path | None):
    """Return the ``JumpWatch`` class of this checkout (None) or of the ``vjepa_ros`` in ``root``.

    The other package is imported in place of this one and this one's modules put back after,
    so its classes keep their own modules. Raises ValueError when ``root`` holds none.
    """
    if root is None:
        from vjepa_ros.robot.jump_watch import JumpWatch

        return JumpWatch
    source = (root / "vjepa_ros" / "robot" / "jump_watch.py").resolve()
    if not source.is_file():
        raise ValueError(f"--baseline {root}: no vjepa_ros/robot/jump_watch.py in it; make "
                         f"one: mkdir -p {root}; git archive COMMIT vjepa_ros | tar -x -C {root}")
    ours = {name: sys.modules.pop(name) for name in list(sys.modules)
            if name.split(".")[0] == "vjepa_ros"}
    sys.path.insert(0, str(root))
    try:
        module = importlib.import_module("vjepa_ros.robot.jump_watch")
    except ImportError as error:
        raise ValueError(f"--baseline {root}: its jump_watch does not import: {error}") from None
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name.split(".")[0] == "vjepa_ros"]:
            del sys.modules[name]
        sys.modules.update(ours)
    if Path(module.__file__).resolve() != source:
        raise ValueError(f"--baseline {root}: imported {module.__file__} instead")
    return module.JumpWatch


def verdicts(watch_type, states):
    """Yield (problem text, asked, landing) per state of ``states`` (``Stream.states``).

    ``asked``: the hold ended at this state (no jump for :data:`HOLD_END_S` after one) and
    ``landed()`` was asked; ``landing`` its answer (None: no new world).
    """
    watch, last_jump = watch_type(), None
    for stamp, state, arrival, _ in states:
        problem = watch.problem(state, stamp, arrival)
        asked = not problem and last_jump is not None and stamp - last_jump >= HOLD_END_S
        last_jump = stamp if problem else None if asked else last_jump
        yield problem, asked, watch.landed() if asked else None


def new_worlds(watch_type, stream: Stream) -> list[bool]:
    """Return per event of ``stream`` whether a landing came during its states."""
    found = [False] * len(stream.events)
    for (_, _, _, event), (_, _, landing) in zip(stream.states,
                                                 verdicts(watch_type, stream.states), strict=True):
        if landing is not None and event >= 0:
            found[event] = True
    return found


def tally(seeds, watches: dict) -> dict:
    """Return counts per event kind over ``seeds``: "events", "wrong <code>", "only <code> right".

    ``watches``: code name -> JumpWatch class; each a Counter by kind. "examples": [(kind, seed,
    the code right)] of the events the codes judge differently.
    """
    counts = collections.defaultdict(collections.Counter)
    counts["examples"] = []
    for seed in seeds:
        stream = Stream(seed)
        found = {name: new_worlds(watch, stream) for name, watch in watches.items()}
        for index, kind in enumerate(stream.events):
            counts["events"][kind] += 1
            right = [name for name in watches if found[name][index] == (kind in RESETS)]
            for name in watches:
                counts[f"wrong {name}"][kind] += name not in right
            if len(right) == 1 and len(watches) == 2:
                counts[f"only {right[0]} right"][kind] += 1
                counts["examples"].append((kind, seed, right[0]))
    return counts


def print_table(counts: dict, names: list[str]) -> None:
    """Print the per-kind table of :func:`tally`'s ``counts``, totals and a few differences."""
    columns = [f"wrong {name}" for name in names]
    if len(names) == 2:
        columns += [f"only {name} right" for name in names]
    print("| event | events | truth | " + " | ".join(columns) + " |")
    print("|---" * (3 + len(columns)) + "|")
    kinds = sorted(counts["events"], key=lambda kind: (kind in RESETS, kind))
    for kind in kinds:
        truth = "new world" if kind in RESETS else "no new world"
        print(f"| {kind} | {counts['events'][kind]} | {truth} | "
              + " | ".join(str(counts[column][kind]) for column in columns) + " |")
    print(f"| total | {counts['events'].total()} | | "
          + " | ".join(str(counts[column].total()) for column in columns) + " |")
    for name in names:
        wrong = counts[f"wrong {name}"]
        false = sum(wrong[kind] for kind in kinds if kind not in RESETS)
        print(f"{name}: {false} false new worlds, {wrong.total() - false} resets missed")
    for name in names if len(names) == 2 else []:
        shown = [f"{kind} {seed}" for kind, seed, right in counts["examples"] if right == name]
        if shown:
            print(f"only {name} right (event seed; --event KIND --seed S replays it): "
                  + ", ".join(shown[:12]) + (", ..." if len(shown) > 12 else ""))


def replay(seed: int, kind: str, watches: dict) -> None:
    """Print seed ``seed``'s ``kind`` events state by state: each code's problem, landed()."""
    stream = Stream(seed)
    if kind not in stream.events:
        raise ValueError(f"--event {kind}: seed {seed}'s stream has none; its events: "
                         + ", ".join(stream.events))
    rows = {name: list(verdicts(watch, stream.states)) for name, watch in watches.items()}
    found = {name: new_worlds(watch, stream) for name, watch in watches.items()}
    print(f"# seed {seed}: {stream.hz:g} Hz, {'teleop' if stream.teleop else 'policy'}, "
          f"arrivals {'timed' if stream.arrivals else 'not timed'}"
          f"{', coarse stamps' if stream.coarse else ''}; events {', '.join(stream.events)}")
    truth = kind in RESETS
    for index in (i for i, event in enumerate(stream.events) if event == kind):
        print(f"# event {index} ({kind}): truth {'new world' if truth else 'no new world'}; "
              "judged " + ", ".join(f"{name} {'right' if found[name][index] == truth else 'wrong'}"
                                    for name in watches))
        print_states(stream, rows, index)


def print_states(stream: Stream, rows: dict, index: int) -> None:
    """Print event ``index``'s first states and those where a code saw a jump or asked landed()."""
    import numpy as np

    mine = [i for i, state in enumerate(stream.states) if state[3] == index]
    busy = {i + d for i in mine for d in (-1, 0, 1)
            if any(rows[name][i][0] or rows[name][i][1] for name in rows)}
    shown = sorted(i for i in set(range(mine[0] - 3, mine[0] + 13)) | busy
                   if 0 <= i <= mine[-1])
    for previous, i in zip([None, *shown], shown, strict=False):
        if previous is not None and i > previous + 1:
            print(f"  ... {i - previous - 1} states")
        stamp, state, _, event = stream.states[i]
        step = np.linalg.norm(state[:3] - stream.states[i - 1][1][:3]) if i else 0.0
        since = stamp - stream.states[i - 1][0] if i else 0.0
        quiet = not any(rows[name][i][0] or rows[name][i][1] for name in rows)
        print(f"{i:6d} event {event:2d} stamp {stamp:9.3f} s  xyz {np.round(state[:3], 3)} m  "
              f"yaw {state[5]:+.3f}  {since * 1e3:+.0f} ms {step * 100:.1f} cm"
              + ("  no jump" if quiet else ""))
        for name, (problem, asked, landing) in ((n, rows[n][i]) for n in rows if not quiet):
            landed = "" if not asked else "; landed(): None" if landing is None else \
                f"; landed(): moved {landing.moved_m:.3f} m, turned {landing.turned_rad:.3f} rad"
            print(f"    {name:>8}: {problem or 'no jump'}{landed}")


def main() -> int:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=800, help="streams, one per seed")
    parser.add_argument("--seed0", type=int, default=0, help="the first seed")
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="a folder holding another vjepa_ros package to compare with")
    parser.add_argument("--event", choices=EVENTS, metavar="KIND",
                        help="replay seed --seed's events of this kind (with --seed)")
    parser.add_argument("--seed", type=int, help="the seed whose --event to replay")
    args = parser.parse_args()
    parser.check_at_least(args, {"--seeds": 1, "--seed0": 0, "--seed": 0})
    if (args.event is None) != (args.seed is None):
        parser.error("--event KIND and --seed S go together (a replay of one event)")
    watches = {"current": watch_class(None)}
    if args.baseline is not None:
        watches["baseline"] = watch_class(args.baseline)
    if args.event is not None:
        replay(args.seed, args.event, watches)
        return 0
    import numpy as np

    counts = tally(range(args.seed0, args.seed0 + args.seeds), watches)
    print(f"# jump rule on {args.seeds} random streams (seeds {args.seed0}.."
          f"{args.seed0 + args.seeds - 1}); current: {Path(__file__).resolve().parent.parent}"
          + (f", baseline: {args.baseline}" if args.baseline else "")
          + f"; python {platform.python_version()}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs")
    print_table(counts, list(watches))
    return 0


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))

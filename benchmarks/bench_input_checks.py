"""The live input checks' cost per message: the arm state's jump rule and the fingers' one.

Each row times one check as the planner node calls it per message, on messages built beforehand
(time.perf_counter over the whole sequence; the median of --repeats runs, interleaved so that
load from other processes hits every row alike):

  state: arm moving       ``jump_watch.JumpWatch.problem`` per arm state, 1 kHz, the arm moving
                          0.1 m/s and turning 0.2 rad/s (the common case, every message)
  state: one open jump    the same after a 20 cm teleport (its jump stays open for the hold)
  state: glitch bursts    every other state a 15 cm glitch and back (each a jump that looks
                          for its way back among the open ones)
  state: 16 open jumps    16 teleports of 2 cm within 20 ms, then each state a jump that is
                          compared with all 16 open ones (``JumpWatch.OPEN_JUMPS``: the most)
  state: 16 wrist jumps   the same with the wrist: 16 turns of 0.2 rad, then every other state
                          a 0.5 rad turn (the TCP's position still): each open jump's way back
                          needs its orientation extrapolated too (a wrist encoder running away)
  fingers: steady         ``finger_watch.FingerWatch.offer`` per finger reading, 30 Hz, the hand
                          closing at a Franka Hand's speed (the common case)
  fingers: jump held      the same while a glitch is held out (``robot.closedness_jumps``)

Printed: microseconds per message (median over the repeats, and the fastest run) and what that
is at the message rate a Franka lab sends (a share of one core: 1 kHz arm states, 30 Hz fingers).

Run:  python benchmarks/bench_input_checks.py [--messages 20000] [--repeats 7]
About 10 s on 2 shared cores. No ROS: the checks are ROS-free and called directly.
"""

import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402

ARM_HZ, FINGER_HZ = 1000.0, 30.0


def arm_states(count: int, kind: str):
    """Return [(state [7], stamp [s])] of ``kind`` (a row of the module docstring)."""
    import numpy as np

    t = np.arange(count) / ARM_HZ
    states = np.zeros((count, 7))
    states[:, 0] = 0.4 + 0.1 * t  # 0.1 m/s along x
    states[:, 1] = 0.1 * np.sin(t)
    states[:, 2] = 0.4
    states[:, 3] = np.pi
    states[:, 5] = 0.2 * t  # yaw at 0.2 rad/s
    if kind == "one open jump":
        states[1:, 1] += 0.2
    elif kind == "glitch bursts":
        states[1::2, 2] += 0.15
    elif kind == "16 open jumps":
        states[1:17, 1] += 0.02 * np.arange(1, 17)[:, None].ravel()
        states[17:, 1] += 0.02 * 16
        states[17::2, 2] += 0.15  # every other state after them a jump looking for its way back
    elif kind == "16 wrist jumps":
        states[1:17, 5] += 0.2 * np.arange(1, 17)
        states[17:, 5] += 0.2 * 16
        states[17::2, 5] += 0.5
    return [(states[i], float(t[i])) for i in range(count)]


def finger_readings(count: int, kind: str):
    """Return [(closedness, arrival [s])] of ``kind``: a hand closing and opening at 1.25 /s."""
    import numpy as np

    t = np.arange(count) / FINGER_HZ
    phase = (1.25 * t) % 2.0
    values = np.where(phase < 1.0, phase, 2.0 - phase)
    if kind == "jump held":
        values[1::20] = 1.0 - values[1::20]  # a glitch every 20 readings: mostly held out
    return [(float(v), float(s)) for v, s in zip(values, t, strict=True)]


def time_state_row(messages):
    """Seconds to judge ``messages`` with a fresh JumpWatch."""
    from vjepa_ros.robot.jump_watch import JumpWatch

    watch = JumpWatch()
    start = time.perf_counter()
    for state, stamp in messages:
        watch.problem(state, stamp)
    return time.perf_counter() - start


def time_finger_row(messages):
    """Seconds to offer ``messages`` to a fresh FingerWatch (one hand on its topic)."""
    from vjepa_ros.robot.finger_watch import FingerWatch

    watch = FingerWatch(max_age_s=1.0)
    topic = "/franka_gripper/joint_states"
    start = time.perf_counter()
    for closedness, arrival in messages:
        watch.offer(topic, "panda_", closedness, arrival)
    return time.perf_counter() - start


def main() -> int:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000, help="messages per row and run")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per row")
    args = parser.parse_args()
    parser.check_at_least(args, {"--messages": 100, "--repeats": 1})
    import numpy as np

    rows = {f"state: {kind}": (time_state_row, arm_states(args.messages, kind), ARM_HZ)
            for kind in ("arm moving", "one open jump", "glitch bursts", "16 open jumps",
                         "16 wrist jumps")}
    rows.update({f"fingers: {kind}": (time_finger_row, finger_readings(args.messages, kind),
                                      FINGER_HZ) for kind in ("steady", "jump held")})
    for timer, messages, _ in rows.values():
        timer(messages[:200])  # warm-up
    times = {name: [] for name in rows}
    for _ in range(args.repeats):
        for name, (timer, messages, _) in rows.items():
            times[name].append(timer(messages) / len(messages))
    print(f"# live input checks, {args.messages} messages per row, {args.repeats} runs each, "
          f"interleaved; python {platform.python_version()}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    print("| check | median [µs per message] | fastest run | share of one core at its rate |")
    print("|---|---|---|---|")
    for name, (_, _, rate) in rows.items():
        median, fastest = statistics.median(times[name]), min(times[name])
        print(f"| {name} | {median * 1e6:.1f} | {fastest * 1e6:.1f} | "
              f"{median * rate * 100:.2g} % at {rate:g} Hz |")
    return 0


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))

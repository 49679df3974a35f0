"""How many CPU threads torch gets in a process that also runs ROS callbacks.

Measured with ``benchmarks/bench_planner_soak.py`` (the planner node as its own process, tiny
model, continuous control, 640×480 frames at 30 Hz, joint states at 100 Hz, 2 cores): with
torch's default (one thread per core) the plan's OpenMP workers took every core and the node
streamed a median 59–63 of its 100 set-points/s, absorbed 7–8 frames/s and held on "stale inputs"
in 3–5 of 9 ten-second windows; with all cores but one for torch it streamed 98/s and absorbed
22 frames/s with no stale hold.

The one rule, for every command's ``--threads`` (``run``, ``eval``, ``camera-check``, ``demo``,
``train``, ``pretrain``, the benchmarks'), the planner node's ``model.threads`` and reach's
``threads`` (:func:`cpu_threads`): an explicit count N in 1..:data:`MAX_THREADS` is used; 0 or
left out means the default: ``OMP_NUM_THREADS`` when set to such a count (the user's own choice,
torchrun's one per process, a test runner's share of the cores), else all cores but one (at least
1), not torch's one per core. Negative or over :data:`MAX_THREADS`: refused naming the option.
"""

from __future__ import annotations

import os
import sys
import threading

# The most torch CPU threads a setting or option takes (the planner's model.threads, train's,
# reach's, --threads): torch.set_num_threads took 1000000, and a process segfaulted at exit.
MAX_THREADS = 1024


def check_threads_option(value: int | None, option: str = "--threads") -> int | None:
    """Return a ``--threads`` value as typed (None: not given), or raise UsageError naming it.

    The check of every command's ``--threads`` (:func:`add_threads_argument`, train's,
    pretrain's) and every benchmark's: a torch thread count in 0..:data:`MAX_THREADS`, 0 (or
    None) for the default of :func:`cpu_threads`. A ``config.UsageError`` (exit status 2) for a
    value out of that range: ``--threads -1: must lie in [0, 1024] ...``.
    """
    from vjepa_ros.config import UsageError

    if value is not None and not 0 <= value <= MAX_THREADS:
        raise UsageError(f"{option} {value}: must lie in [0, {MAX_THREADS}] (torch CPU threads; "
                         "0 or left out: OMP_NUM_THREADS when set, else all cores but one)")
    return value


def cpu_threads(requested: int | None = 0) -> int:
    """Return the torch CPU thread count for ``requested``: the one rule (module docstring).

    ``requested`` > 0: itself. 0, None or less: :func:`environment_threads` (``OMP_NUM_THREADS``)
    when set, else all cores but one (at least 1).
    """
    if requested is not None and requested > 0:
        return int(requested)
    return environment_threads() or max(1, (os.cpu_count() or 1) - 1)


def set_torch_threads(requested: int | None = 0) -> int:
    """Give torch :func:`cpu_threads` ``(requested)`` intra-op threads; return the number set."""
    import torch

    threads = cpu_threads(requested)
    torch.set_num_threads(threads)
    return threads


# The help of ``--threads`` on the commands that encode and plan offline (add_threads_argument).
THREADS_HELP = ("torch CPU threads for encoding and planning, 0..1024 (0 or left out: "
                "OMP_NUM_THREADS when set, else all cores but one, at least 1: the default, "
                "as the planner node's model.threads; on a CPU shared with other jobs two "
                "threads on a busy core are far slower than one)")


def add_threads_argument(parser, help_text: str = THREADS_HELP) -> None:
    """Add ``--threads N`` (None when left out: :func:`cpu_threads`' default).

    The one option of every ``vjepa-ros`` command that runs torch on the CPU in its own
    process (``eval``, ``camera-check``, ``demo``, ``run``, ``train``, ``pretrain``); check it
    with :func:`check_threads_option` among the command's options, apply it with
    :func:`apply_threads_option` before the model runs.
    """
    parser.add_argument("--threads", type=int, metavar="N", help=help_text)


def apply_threads_option(threads: int | None, option: str = "--threads") -> int:
    """Give torch ``--threads`` CPU threads (:func:`cpu_threads`); return the number set.

    Checked first (:func:`check_threads_option`: a UsageError naming ``option``); call it
    before the model loads, so that the planning, the encoding and any timing of them (eval's
    cost note) run with the threads reported.
    """
    return set_torch_threads(check_threads_option(threads, option))


def environment_threads() -> int | None:
    """Return ``OMP_NUM_THREADS``' thread count (its first, for a nested list), or None.

    None when unset or not a count in [1, :data:`MAX_THREADS`] (OpenMP ignores such a value too).
    """
    text = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if not (text.isascii() and text.isdigit()):  # (a Unicode digit such as "²" too)
        return None
    return int(text) if 1 <= int(text) <= MAX_THREADS else None


def threads_text(device, threads: int | None = None) -> str:
    """Return ``, N CPU thread(s)`` for a model on the CPU, else "" (and for ``threads`` 0).

    ``threads``: the count (a report's ``torch_threads``); None: torch's now. For the lines that
    print a command's device and dtype (``cpu (float32, 1 CPU thread)``).
    """
    if str(device).split(":")[0] != "cpu":
        return ""
    if threads is None:
        import torch

        threads = torch.get_num_threads()
    from vjepa_ros.counts import counted

    return f", {counted(threads, 'CPU thread')}" if threads else ""


# The interpreter's switch interval as the first set_gil_switch_interval of the process found it
_FIRST_SWITCH_INTERVAL: list[float] = []


def set_gil_switch_interval(seconds: float) -> float:
    """Set this process's GIL switch interval (``sys.setswitchinterval``); return the one in force.

    ``seconds`` ≤ 0: Python's default (:func:`asked_switch_interval`). torch releases the GIL
    inside each op; after the op the planning thread must take it back, and while a callback
    thread holds it the planning thread waits up to the switch interval for every op. Measured
    in the reach demo with the simulator's callbacks in the planner's process: 45 s per plan at
    5 ms, 1.5 s at 0.1 ms; with the planner in its own process:
    ``benchmarks/bench_planner_node.py --switch-interval``. A planner node asks through
    :meth:`FoundThreadSettings.ask_switch_interval` (several planners of one process).
    """
    sys.setswitchinterval(asked_switch_interval(seconds))
    return sys.getswitchinterval()


def asked_switch_interval(seconds: float) -> float:
    """Return the interval [s] that ``seconds`` asks: itself when > 0, else Python's default.

    Python's default: the interval the process had at the first call (5 ms unless the program
    set its own before), not the one in force: an earlier planner of the process (a second
    launch of a script or test) may have left its own.
    """
    if not _FIRST_SWITCH_INTERVAL:
        _FIRST_SWITCH_INTERVAL.append(sys.getswitchinterval())
    return float(seconds) if seconds > 0 else _FIRST_SWITCH_INTERVAL[0]


class FoundThreadSettings:
    """torch's CPU thread count (this thread's) and the GIL switch interval found, to restore.

    Both are the process's (OpenMP's count: the calling thread's), not one node's: a planner
    node records them before it sets its own (:func:`set_torch_threads`,
    :func:`set_gil_switch_interval`) and :meth:`restore` sets them back when it is destroyed,
    its start refused included, so that what runs after it in the process (a second planner
    with ``model.gil_switch_interval_s`` 0, a benchmark's next run) does not inherit them.

    Lifetimes may overlap (two planners in one process, destroyed in either order): the records
    not yet restored form a stack in the order made (:data:`_LIVE`). Restoring the newest sets
    back what it found (the planner below it runs with its own settings again; the last one
    restores what the first found); restoring one below a newer one sets nothing (the newer
    one's settings are in force) and hands what it found to the one above, which then restores
    it (mend55b: the first destroyed set the process's settings back under the second planner,
    and the last destroyed set the first planner's).

    The switch interval is one per process, so planners alive together cannot each have their
    own: those that asked one (:meth:`ask_switch_interval`) run at the smallest of their asks
    (breaker57a: the later start set its 5 ms under a planner that said 0.1 ms), and as one of
    them is destroyed the smallest of those left is set.
    """

    def __init__(self, owner: str = ""):
        import torch

        with _LIVE_LOCK:
            self.torch_threads = torch.get_num_threads()
            self.switch_interval_s = sys.getswitchinterval()
            self.owner = owner  # who asks (a planner's full node name), for the others' notes
            self.asked_s: float | None = None  # its interval asked [s] (ask_switch_interval)
            _LIVE.append(self)

    def ask_switch_interval(self, seconds: float) -> tuple[float, list[tuple[str, float]]]:
        """Ask for the switch interval ``seconds`` (≤ 0: Python's default); set the one in force.

        In force: the smallest asked by the live records (this one's included), so that no
        planner runs with a longer wait per torch op than it asked. Returns (the interval in
        force [s], the other live records' (owner, asked [s]), oldest first) for the asker to
        say where its ask is not the process's, or where its own now holds for the others.
        """
        with _LIVE_LOCK:
            self.asked_s = asked_switch_interval(seconds)
            others = [(each.owner, each.asked_s) for each in _LIVE
                      if each is not self and each.asked_s is not None]
            sys.setswitchinterval(_smallest_asked())
            return sys.getswitchinterval(), others

    @property
    def restored(self) -> bool:
        """Whether :meth:`restore` ran: the record is no longer live (not in :data:`_LIVE`)."""
        with _LIVE_LOCK:
            return self not in _LIVE

    def restore(self) -> None:
        """Set the settings back to those found (once), unless a newer record is live."""
        import torch

        with _LIVE_LOCK:
            if self not in _LIVE:
                return  # restored already
            index = _LIVE.index(self)
            del _LIVE[index]
            if index < len(_LIVE):  # a newer one is live: its settings stay, it restores ours
                above = _LIVE[index]
                above.torch_threads, above.switch_interval_s = (self.torch_threads,
                                                                self.switch_interval_s)
            else:
                torch.set_num_threads(self.torch_threads)
            asked = _smallest_asked()  # the live planners' smallest ask, else what was found
            if asked is not None:
                sys.setswitchinterval(asked)
            elif index == len(_LIVE):
                sys.setswitchinterval(self.switch_interval_s)


def switch_interval_words(found: FoundThreadSettings, seconds: float) -> tuple[str, str]:
    """Ask ``found`` for the planner's ``model.gil_switch_interval_s`` ``seconds`` [s].

    The interval is the process's: with other planners alive in it the smallest asked is in
    force (:meth:`FoundThreadSettings.ask_switch_interval`). Returns (a warning line, "" where
    none is due; the ready line's note, "" where the ask is in force). The warning: where the
    interval in force is not this ask (naming the planners that asked less), or where this ask
    now holds for planners that asked more (naming them), with the parameter named.
    """
    in_force, others = found.ask_switch_interval(seconds)
    asked = found.asked_s

    def ms(value: float) -> str:
        return f"{value * 1e3:g} ms"

    if asked - in_force > 1e-7:  # (the interpreter keeps whole microseconds)
        smaller = [f"{name} ({ms(value)})" for name, value in others if value < asked]
        return (f"model.gil_switch_interval_s {ms(asked)} is not in force: the interval is one "
                f"per process, and another planner of this process asked less "
                f"({', '.join(smaller)}); this planner runs at {ms(in_force)} while it runs",
                f" (model.gil_switch_interval_s {ms(asked)}: another planner's is smaller)")
    larger = [f"{name} ({ms(value)})" for name, value in others if value - asked > 1e-7]
    if larger:
        return (f"model.gil_switch_interval_s {ms(asked)} is set for the whole process: "
                f"{', '.join(larger)} now run{'s' * (len(larger) == 1)} at it too while this "
                "planner runs (the interval is one per process; the smallest asked is in force)",
                "")
    return "", ""


def _smallest_asked() -> float | None:
    """Return the smallest interval [s] a live record asked (None: none did); under _LIVE_LOCK."""
    asks = [each.asked_s for each in _LIVE if each.asked_s is not None]
    return min(asks) if asks else None


# The FoundThreadSettings not yet restored, oldest first (a stack of overlapping lifetimes)
_LIVE: list[FoundThreadSettings] = []
_LIVE_LOCK = threading.Lock()

"""A stop while ``python -m vjepa_ros.X`` or a benchmark script loads: noted, then its one line.

``python -m vjepa_ros.cli``, ``python -m vjepa_ros.nodes.NAME`` (as ``vjepa-ros reach`` starts its
nodes) and ``python benchmarks/bench_NAME.py`` run their module's own imports (rclpy, torch:
0.3–1 s on a loaded 2-core machine) before its ``__main__`` block reaches the command
(``entry_points.run_stoppable``, ``command_errors.run_script``). A Ctrl-C then raised
KeyboardInterrupt inside an import, which nothing catches: a traceback (a second one while it
printed: ``Fatal Python error``); SIGTERM killed the process without its line. The package's
``__init__`` calls :func:`main_loads` first of all its code: in such a process Ctrl-C and
SIGTERM are noted from then on (``terminate.stops_noted_while_loading``), and
``run_stoppable`` / ``command_errors.run_reporting`` raise the first once they hold the signals,
so it ends the command with its one line and 130 / 143; once the command has ended, a stop ends
the process by the signal, silently (a benchmark's interpreter exit, seconds after torch).
Before that come the interpreter's start and, for a benchmark, its standard-library imports
(each imports this package before any other library, numpy's 0.3–0.9 s included). Other
processes (a console script, whose entry took the signals already; a test run; a script's
child process) are left as they are. Imports only ``sys`` and ``os`` (loaded with the
interpreter) unless it acts.
"""

from __future__ import annotations

import os
import sys


def main_loads() -> None:
    """Note Ctrl-C and SIGTERM from now on if this process's main module is ours and loads."""
    if main_is_ours_and_loads():
        from vjepa_ros.terminate import QUIET_STOP_ENV, stops_noted_while_loading

        # (not a script's child: the script stops it with SIGTERM, whose default action ends it
        # at once and silently while it starts; its parent says the line, script_children)
        if not os.environ.get(QUIET_STOP_ENV):
            stops_noted_while_loading()


def main_is_ours_and_loads() -> bool:
    """Return True while ``python -m vjepa_ros.X`` starts, or with a benchmark script as main.

    ``sys.argv[0]`` is ``-m`` while runpy locates the module (it imports the module's packages,
    this one first); a script's main module is ``__main__`` with the script's file
    (``benchmarks/bench_*.py`` beside this package). A worker multiprocessing spawned has the
    script's file too, as ``__mp_main__``: not one (no ``end_after`` would act on a stop).
    """
    if sys.argv[:1] == ["-m"]:
        return True
    module = sys.modules.get("__main__")
    main = getattr(module, "__file__", None)
    if not main or getattr(module, "__name__", "") != "__main__":
        return False
    script = os.path.abspath(main)
    benchmarks = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                              "benchmarks")
    return (os.path.dirname(script) == benchmarks
            and os.path.basename(script).startswith("bench_"))

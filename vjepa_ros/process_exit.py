"""End a finished process at once: its exit handlers, its output flushed, then ``os._exit``.

After a command or a node's work, a normal interpreter exit tears down every module and runs the
C++ static destructors of torch, pybullet and rclpy: 3.5–5.8 s for ``sim_node`` / the planner
node after Ctrl-C on a loaded 2-core machine, ~1.1 s for a ``vjepa-ros`` command that imported
torch (docs/performance.md). None of that writes anything of ours: files are written and closed
within the commands (context managers), rclpy's context shutdown destroys the DDS participant
(its ``/dev/shm/fastdds_*`` segments) and ends rcl's logging (the ``~/.ros/log`` file). So
:func:`exit_process` does what the interpreter's exit does up to there, in its order: waits for
no thread (it takes this path only when none is left to wait for), runs the ``threading`` and
:mod:`atexit` exit handlers (``logging.shutdown``, ``weakref.finalize``, multiprocessing's),
flushes ``sys.stdout`` / ``sys.stderr`` and C's stdio buffers, then ends the process with
``os._exit(status)``. Where that is not known to be safe it exits as Python does
(``sys.exit``): a non-daemon thread other than the main one (or a thread pool's worker) still
alive, an rclpy context not
shut down, a status that is not an int, a flush that failed (Python then says so, status 120).
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn


def exit_process(status: int | None) -> NoReturn:
    """End the process with ``status`` (None: 0); never returns (module doc).

    For a process's main path only, after its work returned (a console script, a node
    module's ``__main__``): nothing after the call (no ``finally`` around it) runs.
    Raises SystemExit(status) (a normal exit) where the fast one is not safe.
    """
    status = 0 if status is None else status
    if not isinstance(status, int) or not fast_exit_is_safe():
        sys.exit(status)
    shutdown = getattr(threading, "_shutdown", None)  # threading._register_atexit handlers
    if shutdown is not None:
        shutdown()
    atexit._run_exitfuncs()  # (also clears them: a fallback below does not run them twice)
    if not _flush():
        sys.exit(status)
    os._exit(status)


def fast_exit_is_safe() -> bool:
    """Return True when no thread needs waiting for and rclpy (if loaded) is shut down.

    Threads: any alive non-daemon thread but the main one (the interpreter would wait for it),
    except a ``concurrent.futures`` thread pool's worker: the pool's own exit handler, which
    :func:`exit_process` runs (``threading._shutdown``) as Python's exit does, ends it and waits
    for its running task. torch's inductor keeps such a pool for the process's life once it
    compiled (``model.compile_predictor``): a compiled planner never exited fast (fix46d).
    rclpy: its default context ``ok()``, or rcl's logging still configured
    (``rclpy.context.g_logging_ref_count``: every context initialised with logging, as all of
    this package's are, holds one until it is shut down; the last one's shutdown closes the
    ``~/.ros/log`` file). Read from the modules already loaded (``sys.modules``): a module a
    stop left half imported reads as holding nothing.
    """
    main = threading.main_thread()
    if any(thread is not main and not thread.daemon and thread.is_alive()
           and not _pool_worker(thread) for thread in threading.enumerate()):
        return False
    # rclpy's modules as loaded, never imported here: a stop that cut rclpy's own import short
    # leaves rclpy.context loaded but no ``rclpy`` package (or one without the attribute), and
    # ``import rclpy.context`` then raised AttributeError after the command's stop line
    context = sys.modules.get("rclpy.context")
    utilities = sys.modules.get("rclpy.utilities")
    default = getattr(utilities, "g_default_context", None)
    if default is not None and default.ok():
        return False
    if getattr(context, "g_logging_ref_count", 0) != 0:
        return False
    return True


def _pool_worker(thread: threading.Thread) -> bool:
    """Whether ``thread`` is a thread-pool worker that :func:`exit_process` waits for.

    A ``concurrent.futures.ThreadPoolExecutor`` worker, only where ``threading._shutdown``
    (which runs the pools' exit handler) exists; elsewhere ``os._exit`` would cut its running
    task (breaker46n).
    """
    if getattr(threading, "_shutdown", None) is None:
        return False
    pools = sys.modules.get("concurrent.futures.thread")
    return thread in getattr(pools, "_threads_queues", ())


def _flush() -> bool:
    """Flush Python's standard streams and every C stdio stream; False if one failed."""
    ok = True
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None and not stream.closed:
                stream.flush()
        except (OSError, ValueError):
            ok = False
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)  # C's stdout / FILE* buffers (rcl's console output)
    except (OSError, AttributeError):
        pass  # no libc symbols: nothing of ours writes through C stdio then
    return ok

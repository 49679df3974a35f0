"""Import pybullet without its build-time banner.

pybullet's C module writes ``pybullet build time: <date>`` to the process's stderr when it is
first imported: after a command's own output (``vjepa-ros check`` ended with it), inside a
progress bar, or before a one-line error. Python's ``contextlib.redirect_stderr`` cannot catch
what C code writes, so :func:`import_pybullet` points file descriptor 2 at ``os.devnull`` for the
import and puts it back.
"""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def c_output_silenced(fd: int = 2):
    """Send what C code writes to file descriptor ``fd`` (2: stderr) to ``os.devnull``.

    Process-wide: another thread's output to ``fd`` in the block is lost too, so keep the block
    short (an import). Without a usable descriptor ``fd`` (closed) the block runs as it is.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.flush()  # Python's pending output keeps its place
    try:
        saved = os.dup(fd)
    except OSError:  # nothing to protect
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


def import_pybullet():
    """Return the ``(pybullet, pybullet_data)`` modules, imported without the banner.

    Raises ImportError with the install command when pybullet is missing.
    """
    try:
        if "pybullet" in sys.modules:
            import pybullet
        else:
            with c_output_silenced():
                import pybullet
        import pybullet_data
    except ImportError as exc:
        raise ImportError(
            "the simulator needs pybullet: pip install pybullet (CPU-only wheels exist)"
        ) from exc
    return pybullet, pybullet_data

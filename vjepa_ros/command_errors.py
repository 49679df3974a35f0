"""How a command or benchmark script ends on a user error: one line on stderr, never a traceback.

``vjepa-ros`` (``cli.main``) and every ``benchmarks/*.py`` script run their work through
:func:`run_reporting`: Ctrl-C, SIGTERM (``terminate.sigterm_raises``), a planner sample count that
does not fit in memory (``planning.memory.SamplesMemoryError``) and, for a script that passes them,
the package's user errors (a value the settings refuse, a missing file: ``ValueError``,
``OSError``) end it with ``PROG: MESSAGE`` and an exit status, the settings named as the options
(``CEMConfig.samples`` -> ``--samples``, ``cli_options.option_message``). Inside, each
``vjepa-ros`` command ends on its own errors and stops through :func:`command_ended`: one line
``PROG: MESSAGE`` and its status, or ``PROG: interrupted; WHAT WAS SAVED`` and 130 / 143.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager

from vjepa_ros.closed_output import end_quietly, flush_output, reader_gone
from vjepa_ros.name_lists import first_names

# The package's user errors a benchmark script ends on in one line: a value its settings refuse
# (ValueError, config.ConfigError and UsageError among them) or a file it cannot read or write.
SCRIPT_ERRORS = (ValueError, OSError)


def typed_options(argv: list[str]) -> frozenset[str]:
    """Return the long options in ``argv`` (``--samples`` of ``--samples=8`` too)."""
    return frozenset(a.split("=", 1)[0] for a in argv if a.startswith("--"))


def run_reporting(prog: str, work: Callable[[], int | None], user_errors: tuple = (),
                  typed: Collection[str] | None = None,
                  options: dict[str, str] | None = None,
                  saved: Callable[[], str] | None = None) -> int:
    """Run ``work()`` (SIGTERM raising ``terminate.Terminated``); return its exit status.

    None from ``work()``: 0; an error below ends in one line.

    Args:
        prog: the line's prefix (``vjepa-ros eval``, ``bench_search.py``).
        work: the command; its own exceptions other than the ones below pass unchanged.
        user_errors: exception types that end it with their message on one line and
            ``config.exit_status`` (2 for ``config.UsageError``, else 1).
        typed: the options given; a setting is named as its option only if given (a script's
            ``--samples``; else its bare name: ``samples``). None: always as the option.
        options: further setting names -> the options that set them (a script's
            ``camera_check.motion.distance_m`` -> ``--distance``; ``option_message``).
        saved: what was saved and where, asked at a stop (``PROG: interrupted; nothing
            saved``, ``terminate.report_stop``); None: the command says its own.
    Returns 143 after SIGTERM (``terminate.Terminated``: ``PROG: terminated``), 130 after Ctrl-C
    (``PROG: interrupted``; no line for a second stop after the command said its own,
    ``terminate.said_since``), 1 for a ``SamplesMemoryError`` (``PROG: --samples 100000000 at
    horizon 1 needs about 26.1 GiB ...``), 141 without a line when the reader of its stdout or
    stderr has gone (``| head``: ``closed_output``; the output is flushed before it returns).
    """
    from vjepa_ros.terminate import (
        command_holds_stops,
        command_stopped,
        sigint_raises,
        sigterm_raises,
        stops_said,
        stops_undisguised,
    )

    said = stops_said()
    try:
        # SIGTERM takes Ctrl-C's way out (the default: a silent end); Ctrl-C raises also in a
        # command a script started with `&` (the shell ignores SIGINT for it)
        # (a stop inside an import comes out as another error: stops_undisguised)
        with sigterm_raises(), sigint_raises(), stops_undisguised():
            command_holds_stops()  # a stop that came while the script loaded (main_start)
            status = work() or 0
            flush_output()  # a reader gone early (| head) shows here, not in the exit's flush
            return status
    except KeyboardInterrupt as exc:  # terminate.Terminated (SIGTERM) too: 143, else 130
        return command_stopped(prog, exc, said, saved)
    except MemoryError as exc:
        from vjepa_ros.planning.memory import SamplesMemoryError

        if not isinstance(exc, SamplesMemoryError):
            raise
        shown = SamplesMemoryError(exc.command_message) if exc.command_message else exc
        print(f"{prog}: {error_line(shown, typed, options)}", file=sys.stderr)
        return 1
    except (*user_errors, BrokenPipeError) as exc:
        if reader_gone(exc):  # `| head` closed the output: ended as by SIGPIPE, silent
            return end_quietly()
        if not isinstance(exc, user_errors):
            raise
        from vjepa_ros.config import exit_status

        print(f"{prog}: {error_line(exc, typed, options)}", file=sys.stderr)
        return exit_status(exc)


def command_ended(prog: str, exc: BaseException,
                  saved: str | Callable[[], str] | None = None,
                  options: dict[str, str] | None = None, status: int | None = None,
                  message: str | None = None) -> int:
    """End a ``vjepa-ros`` command on ``exc``, caught by the command; return its exit status.

    The tail every command shares (``except (KeyboardInterrupt, OSError, ValueError) as exc:
    return command_ended(...)``):

    - a stop (KeyboardInterrupt: Ctrl-C, or SIGTERM's ``terminate.Terminated``) with ``saved``
      (what the command saved, or a function saying it, called only now): one line
      ``PROG: interrupted; SAVED`` (``terminated`` after SIGTERM), 130 / 143
      (``terminate.report_stop``). Without ``saved`` (nothing started yet), ``exc`` is raised
      again for :func:`run_reporting` around the command (``PROG: interrupted``, 130 / 143);
    - any other error: one line ``PROG: MESSAGE`` on stderr, and ``status``; None:
      ``config.exit_status`` (2 for a ``config.UsageError``, else 1). MESSAGE: ``message``
      where the command words the error itself, else the error's own (with ``options``, its
      settings named as the options that set them: ``cli_options.option_message``); a bare
      full disk or quota (ENOSPC, EDQUOT) or a file-size limit (EFBIG), worded by the command
      or not: train's line naming the output, what is in it and what to do
      (:func:`_full_disk_message`), never a bare ``[Errno 28]`` or ``[Errno 27]``;
    - a broken pipe of the command's own output (``| head`` stopped reading,
      ``closed_output.reader_gone``): raised again, for :func:`run_reporting` to end it silently
      with status 141, never ``PROG: [Errno 32] Broken pipe`` and a refusal's 1.
    """
    if reader_gone(exc):
        raise exc
    if isinstance(exc, KeyboardInterrupt):
        if saved is None:
            raise exc
        from vjepa_ros.terminate import report_stop

        return report_stop(prog, exc, saved if isinstance(saved, str) else saved())
    full = _full_disk_message(exc, saved)
    if full is not None:  # the same line whatever the command's own words
        message = full
    elif message is None:
        message = str(exc)
    if options is not None:
        from vjepa_ros.cli_options import option_message

        message = option_message(message, options)
    print(f"{prog}: {message}", file=sys.stderr)
    if status is not None:
        return status
    from vjepa_ros.config import exit_status

    return exit_status(exc)


def saved_whole(what: str, path) -> str:
    """Say that a stop came just after ``path`` (a file or folder) was written whole.

    ``stopped just after writing WHAT: PATH is saved whole`` (after ``PROG: interrupted; ``):
    a bag renamed whole into place, a report written before its summary was printed.
    """
    from vjepa_ros.path_text import shown_path

    return f"stopped just after writing {what}: {shown_path(path)} is saved whole"


def after_saving(prog: str, saved: str, show: Callable[[], int | None]) -> int:
    """Return ``show()`` (None: 0): it prints what a command wrote and found, its work done.

    A stop (Ctrl-C, SIGTERM) while it prints is one line saying that the output is saved
    (``saved``: :func:`saved_whole`'s words) and 130 / 143 (:func:`command_ended`), not a bare
    ``interrupted`` that reads as "nothing saved".
    """
    try:
        return show() or 0
    except KeyboardInterrupt as exc:
        return command_ended(prog, exc, saved)


def _full_disk_message(exc: BaseException, saved: str | Callable[[], str] | None) -> str | None:
    """Word a bare full-disk or file-size-limit error (``[Errno 28]``, ``[Errno 27]``) as train's.

    ``could not write OUT: no space left on its disk, it is full, N MB free; SAVED: free space
    there, or give another --out on a disk with room`` (``disk_full.full_disk_line``):
    OUT the file the error names, else the first output the command claimed (``out_lock``);
    EDQUOT names the quota (``your disk quota is used up``), not a full disk. SAVED: what is
    in the claimed outputs now that the command wrote (``saved in run: 2 files (a.gif,
    a_strip.png)``, ``nothing saved in run``: ``out_lock.claims_written``), else (no output)
    ``saved``, the command's words for a stop. The advice names the options of the outputs
    the command claimed, none for a command without one (``check``). A bare ENOSPC while OUT's
    disk has room (or no output at all): ``a write failed with no space left (not on OUT: N MB
    free there): the temp folder or a cache? (TMPDIR /tmp: M MB free); ...`` (its disk is
    not called full). EFBIG (``ulimit -f``, FAT32's 4 GB): ``could not write OUT: the write
    stopped short (file too large for it), not for want of space, N MB free: a file-size
    limit? ...: SAVED: raise the file-size limit ... (another --out there)``
    (``disk_full.limit_line``), never to free space. None for any other error or a line already
    worded (``DiskFullError``).
    """
    if not isinstance(exc, OSError):
        return None
    from pathlib import Path

    from vjepa_ros.disk_full import (
        DiskFullError,
        elsewhere_line,
        full_disk_line,
        has_room,
        is_disk_full,
        limit_line,
        other_output,
        remedy,
    )
    from vjepa_ros.out_lock import claims_written

    limit = exc.errno == errno.EFBIG  # a file-size limit (`ulimit -f`), not a full disk
    if isinstance(exc, DiskFullError) or not (limit or is_disk_full(exc)):
        return None
    held = claims_written()
    said = _written_words(held) if held else (saved() if callable(saved) else saved)
    said = f"{said}: " if said else ""
    options = " / ".join(dict.fromkeys(option for _, option, _ in held))
    other = other_output(exc.errno, options) if held else ""
    fix = f"{said}{remedy(exc.errno)}{other}"
    if limit:
        return limit_line(Path(exc.filename) if exc.filename else
                          (held[0][0] if held else None), fix)
    if exc.filename:
        return full_disk_line(Path(exc.filename), fix, exc.errno)
    output = held[0][0] if held else None
    if output is None and exc.errno == errno.EDQUOT:
        return f"a write failed: your disk quota is used up; {fix}"
    if output is not None and (exc.errno != errno.ENOSPC or not has_room(output)):
        return full_disk_line(output, fix, exc.errno)
    return elsewhere_line(output, f"{said}free space in the temp folder (or the cache), or set "
                          "TMPDIR to a folder on a disk with room")


def _written_words(held: list) -> str:
    """Say what the claimed outputs hold that the command wrote (``out_lock.claims_written``)."""
    from vjepa_ros.counts import counted
    from vjepa_ros.path_text import shown_path

    words = []
    for output, _, names in held:
        shown = shown_path(output)
        if not names:
            words.append(f"nothing saved in {shown}")
            continue
        listed = first_names(names, 5)
        words.append(f"saved in {shown}: {counted(len(names), 'file')} ({listed})")
    return "; ".join(words)


@contextmanager
def usage_errors() -> Iterator[None]:
    """Raise a ValueError from inside as a usage error (``config.UsageError``), its text kept.

    Around the checks of values typed on the command line alone (an option out of its range,
    options that do not go together, a missing option), never around a file's or the data's:
    ``vjepa-ros CMD: --iterations must lie in [1, 1000], got 0`` then exits with status 2, as
    argparse's own usage errors; a file that cannot be read, no data, a planner that refuses
    exit 1 (``config.exit_status``). Any other exception passes unchanged.
    """
    from vjepa_ros.config import UsageError

    try:
        yield
    except UsageError:
        raise
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def error_line(exc: BaseException, typed: Collection[str] | None = None,
               options: dict[str, str] | None = None) -> str:
    """Return ``exc``'s message on one line, the settings named as options (see above).

    Its line breaks become spaces (``path_text.one_line``); spaces within a line are kept, so a
    path holding two in a row is named as it is.
    """
    from vjepa_ros.cli_options import option_message
    from vjepa_ros.path_text import one_line

    text = one_line(str(exc)) or type(exc).__name__
    return option_message(text, options, typed=typed)


def run_script(main: Callable[[], int | None], options: dict[str, str] | None = None) -> int:
    """Run a benchmark script's ``main()`` (:func:`run_reporting` with :data:`SCRIPT_ERRORS`).

    ``PROG`` is the script's file name, as argparse names it; a setting is named as an option
    only when the command line gave that option. ``options``: the script's own setting ->
    option names (``{"camera_check.motion.distance_m": "--distance"}``). A stop says what the
    script saved (``saved_outputs.saved_text``: ``bench_reach.py: interrupted; nothing saved
    (--json r.json not written)``). A planning setting's warning (a mean momentum of 1) is one
    ``PROG: warning:`` line naming the option, as the commands' (``option_warnings``).
    """
    from pathlib import Path

    from vjepa_ros.option_warnings import option_warnings
    from vjepa_ros.saved_outputs import saved_text

    prog, typed = Path(sys.argv[0]).name, typed_options(sys.argv[1:])
    with option_warnings(prog, typed, options):  # a mean momentum of 1: one line, as the CLI's
        return run_reporting(prog, main, SCRIPT_ERRORS, typed=typed, options=options,
                             saved=saved_text)
